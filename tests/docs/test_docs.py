"""The documentation builds without warnings, and its fast examples run."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The fine-tuning example takes most of a minute on a CPU: the full gallery runs in
# the docs build (python -m sphinx -W -b html docs docs/_build/html), not here.
FAST_EXAMPLES = ["plot_augment_any_classifier.py", "plot_causal_graph.py", "plot_grid_search.py",
                 "plot_interventions.py"]


@pytest.mark.slow
def test_docs_build_without_warnings(tmp_path):
    pytest.importorskip("sphinx")
    pytest.importorskip("numpydoc")
    pytest.importorskip("sphinx_gallery")
    env = {**os.environ, "MPLCONFIGDIR": "/tmp/skcausalmix-mpl"}
    out = subprocess.run(
        [sys.executable, "-m", "sphinx", "-E", "-W", "--keep-going", "-q", "-b", "html",
         "-D", "plot_gallery=0", "-d", str(tmp_path / "doctrees"), str(ROOT / "docs"),
         str(tmp_path / "html")],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    html = tmp_path / "html"
    for page in ("index.html", "user_guide.html", "api.html", "command_line.html",
                 "auto_examples/index.html",
                 "generated/skcausalmix.over_sampling.CausalMixAugmenter.html",
                 "generated/skcausalmix.finetuning.CausalMixTabPFNClassifier.html"):
        assert (html / page).is_file(), page
    # numpydoc rendered the Parameters section of a docstring.
    page = (html / "generated/skcausalmix.over_sampling.CausalMixAugmenter.html").read_text()
    assert "n_synthetic" in page and "Parameters" in page


def test_every_example_is_in_the_gallery():
    examples = sorted(p.name for p in (ROOT / "examples").glob("*.py"))
    assert set(FAST_EXAMPLES) <= set(examples)
    assert "plot_finetune_tabpfn.py" in examples and "run_benchmark_dask.py" in examples
    # The Dask example is shown, not run; its configuration must still be valid.
    namespace = runpy.run_path(str(ROOT / "examples" / "run_benchmark_dask.py"), run_name="example")
    namespace["config"].validate()


@pytest.mark.parametrize("name", FAST_EXAMPLES)
def test_fast_examples_run(name, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(ROOT / "examples")
    runpy.run_path(str(ROOT / "examples" / name), run_name="__main__")
    plt.close("all")

"""The scripts in benchmarks/ on a dataset folder of the user's own (--data-dir)."""

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from .conftest import DATASETS

SCRIPTS = Path(__file__).resolve().parents[1] / "benchmarks"


def script(name):
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def own_folder(tmp_path):
    # A folder that is not ../shared/datasets, with a manifest that gives no widths.
    if not DATASETS.exists():
        pytest.skip(f"shared datasets not found at {DATASETS}")
    shutil.copy(DATASETS / "wdbc.csv.gz", tmp_path / "mine.csv.gz")
    (tmp_path / "manifest.json").write_text(json.dumps([{"name": "mine", "file": "mine.csv.gz"}]))
    return tmp_path


def test_bundled_model_benchmark_on_another_folder(own_folder, capsys):
    bench = script("bench_bundled_model")
    out = own_folder / "runs.csv"
    bench.main(["--data-dir", str(own_folder), "--sizes", "64", "--seeds", "1", "--max-test", "200",
                "--out", str(out)])
    printed = capsys.readouterr().out
    assert "bundled (zero-shot)" in printed and "RandomForest" in printed
    assert "no width table" in printed
    runs = __import__("pandas").read_csv(out)
    assert set(runs["dataset"]) == {"mine"} and len(runs) == 5  # the model and four baselines
    # wdbc is easy: anything that learned at all is far above chance.
    assert (runs["roc_auc"] > 0.9).all()


def test_benchmark_scripts_refuse_a_folder_without_manifest(tmp_path):
    with pytest.raises(SystemExit):
        script("bench_bundled_model").main(["--data-dir", str(tmp_path), "--sizes", "64", "--seeds", "1"])
    with pytest.raises(SystemExit):
        script("bench_discovery").main(["--datasets", "--data-dir", str(tmp_path)])

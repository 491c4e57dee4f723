"""The command line, through real subprocesses on files in a temporary folder."""

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from ..conftest import load_table

COMMANDS = ["augment", "graph", "whatif", "finetune", "predict", "demo", "benchmark"]


def cli(*args, cwd):
    env = {**os.environ, "MPLCONFIGDIR": "/tmp/skcausalmix-mpl"}
    return subprocess.run([sys.executable, "-m", "skcausalmix", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture
def table(tmp_path):
    X, y = load_table("credit-approval", 120)
    frame = X.assign(target=y.to_numpy())
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    return path, pd.read_csv(path)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_on_every_command(command, tmp_path):
    out = cli(command, "--help", cwd=tmp_path)
    assert out.returncode == 0 and "usage: skcausalmix " + command in out.stdout


def test_augment_keeps_real_rows_and_marks_synthetic(table, tmp_path):
    path, frame = table
    out = cli("augment", path, "--target", "target", "-o", "aug.csv", "--n-synthetic", "0.5",
              "--mark", "is_synthetic", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "60 synthetic" in out.stderr and "structural equations" in out.stderr  # progress
    aug = pd.read_csv(tmp_path / "aug.csv")
    assert list(aug.columns) == list(frame.columns) + ["is_synthetic"]
    pd.testing.assert_frame_equal(aug[~aug["is_synthetic"]].drop(columns="is_synthetic"), frame)
    assert aug["is_synthetic"].sum() == 60 and set(aug["target"]) == set(frame["target"])


def test_augment_synthetic_only_parquet_count_and_categorical_override(table, tmp_path):
    path, frame = table
    numeric = frame.select_dtypes("number").columns[0]
    out = cli("augment", path, "-t", "target", "-o", "syn.parquet", "--n-synthetic", "40",
              "--synthetic-only", "--categorical", numeric, "--seed", "3", "-q", cwd=tmp_path)
    assert out.returncode == 0 and out.stderr == "", out.stderr
    syn = pd.read_parquet(tmp_path / "syn.parquet")
    assert len(syn) == 40 and list(syn.columns) == list(frame.columns)
    # Declared categorical: synthetic values are observed levels, never interpolated.
    assert syn[numeric].dtype == frame[numeric].dtype
    assert set(syn[numeric].dropna()) <= set(frame[numeric].dropna())
    # The same seed gives the same rows.
    cli("augment", path, "-t", "target", "-o", "again.parquet", "--n-synthetic", "40",
        "--synthetic-only", "--categorical", numeric, "--seed", "3", cwd=tmp_path)
    pd.testing.assert_frame_equal(syn, pd.read_parquet(tmp_path / "again.parquet"))


def test_augment_equation_options(table, tmp_path):
    path, frame = table
    base = ("augment", path, "-t", "target", "--n-synthetic", "60", "--synthetic-only", "-q")
    assert cli(*base, "-o", "default.csv", cwd=tmp_path).returncode == 0
    out = cli(*base, "-o", "additive.csv", "--mechanisms", "shared", "--marginals", "model", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    default, additive = pd.read_csv(tmp_path / "default.csv"), pd.read_csv(tmp_path / "additive.csv")
    assert list(default.columns) == list(additive.columns) == list(frame.columns)
    assert not default.equals(additive)  # the options reach the augmenter
    bad = cli(*base, "-o", "x.csv", "--marginals", "empirical", cwd=tmp_path)
    assert bad.returncode == 2 and "invalid choice: 'empirical'" in bad.stderr


def test_whatif_counterfactual_and_sampled_rows(tmp_path):
    # A known chain a -> b -> c (uniform noise) beside an unrelated column and a label.
    rng = np.random.RandomState(0)
    a = rng.uniform(0, 10, 600)
    b = 2.0 * a + rng.uniform(-1, 1, 600)
    c = -1.0 * b + rng.uniform(-1, 1, 600)
    frame = pd.DataFrame({"a": a.round(3), "b": b.round(3), "c": c.round(3),
                          "shop": rng.choice(["north", "south"], 600), "target": rng.choice(["x", "y"], 600)})
    frame.to_csv(tmp_path / "chain.csv", index=False)
    frame = pd.read_csv(tmp_path / "chain.csv")
    out = cli("whatif", "chain.csv", "-t", "target", "--do", "a+=1", "-o", "cf.csv", "--mechanisms", "shared",
              cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "against the rows:" in out.stderr and "600 rows as they would have been" in out.stderr
    assert "  a: " in out.stderr and "  b: " in out.stderr and "  c: " in out.stderr
    cf = pd.read_csv(tmp_path / "cf.csv")
    assert list(cf.columns) == list(frame.columns)
    pd.testing.assert_frame_equal(cf[["shop", "target"]], frame[["shop", "target"]])
    np.testing.assert_allclose(cf["a"] - frame["a"], 1.0, atol=1e-9)
    # Each row keeps its noise: b and c move by the effects (+2, -2) in the rows not clipped at a bound.
    inside = (cf["b"] < frame["b"].max()) & (cf["c"] > frame["c"].min())
    assert inside.mean() > 0.8
    np.testing.assert_allclose((cf["b"] - frame["b"])[inside], 2.0, atol=0.05)
    np.testing.assert_allclose((cf["c"] - frame["c"])[inside], -2.0, atol=0.1)
    # Sampled under do(shop=south), class y only: the level set, the label kept.
    out = cli("whatif", "chain.csv", "-t", "target", "--do", "shop=south", "--do", "a=5", "--sample", "50",
              "--class", "y", "-o", "s.parquet", "-q", cwd=tmp_path)
    assert out.returncode == 0 and out.stderr == "", out.stderr
    sampled = pd.read_parquet(tmp_path / "s.parquet")
    # Shifting a whole-number column keeps it whole; effects are against rows sampled without it.
    frame.assign(n=np.arange(600) % 7).to_csv(tmp_path / "ints.csv", index=False)
    out = cli("whatif", "ints.csv", "-t", "target", "--do", "n*=1.5", "--sample", "200", "-o", "i.csv",
              cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "against rows sampled without it" in out.stderr and "  n: " in out.stderr
    assert "  shop" not in out.stderr and "  a: " not in out.stderr  # not downstream of n
    assert pd.read_csv(tmp_path / "i.csv")["n"].dtype == np.int64
    assert len(sampled) == 50 and set(sampled["shop"]) == {"south"} and set(sampled["target"]) == {"y"}
    assert (sampled["a"] == 5).all()
    assert sampled["b"].mean() == pytest.approx(10.0, abs=0.5)
    for args, message in [
        (["--do", "zz=1"], "unknown column 'zz'"),
        (["--do", "shop=east"], "'shop' never holds 'east'"),
        (["--do", "shop+=1"], "'shop' is categorical"),
        (["--do", "a=ten"], "'a' is numeric; 'ten' is not a number"),
        (["--do", "a=1", "--class", "y"], "give it with --sample"),
        (["--do", "a=1", "--sample", "5", "--class", "z"], "--class 'z' is not a class"),
        (["--do", "a=1", "--do", "a+=2"], "sets 'a' more than once"),
    ]:
        out = cli("whatif", "chain.csv", "-t", "target", "-o", "bad.csv", *args, cwd=tmp_path)
        assert _one_line_error(out) and message in out.stderr, (args, out.stderr)
    assert cli("whatif", "chain.csv", "-t", "target", "-o", "bad.csv", "--do", "a", cwd=tmp_path).returncode == 2
    assert cli("whatif", "chain.csv", "-t", "target", "-o", "bad.csv", "--do", "a=1", "--sample", "0",
               cwd=tmp_path).returncode == 2
    assert not (tmp_path / "bad.csv").exists()


def test_graph_prints_edges_and_writes_pictures(table, tmp_path):
    path, _ = table
    out = cli("graph", path, "-t", "target", "-o", "g.png", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("causal order:") and "parent" in out.stdout
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"
    assert cli("graph", path, "-t", "target", "-o", "g.svg", cwd=tmp_path).returncode == 0
    assert "<svg" in (tmp_path / "g.svg").read_text()
    assert cli("graph", path, "-t", "target", "-o", "g.dot", cwd=tmp_path).returncode == 0
    dot = (tmp_path / "g.dot").read_text()
    assert dot.startswith("digraph") and '[label="target"' in dot and '"class_label" ->' in dot


def test_finetune_then_predict(table, tmp_path, tiny_checkpoint):
    path, frame = table
    out = cli("finetune", path, "-t", "target", "-o", "model.joblib", "--model", tiny_checkpoint,
              "--max-iter", "2", "--history", "h.csv", "--curves", "c.png", "-q", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    history = pd.read_csv(tmp_path / "h.csv")
    assert list(history["iter"]) == [0, 2] and "valid_roc_auc" in history
    assert (tmp_path / "c.png").stat().st_size > 1000
    new = frame.drop(columns="target").iloc[:30]
    new.to_csv(tmp_path / "new.csv", index=False)
    out = cli("predict", "model.joblib", "new.csv", "-o", "pred.csv", "--proba", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    pred = pd.read_csv(tmp_path / "pred.csv")
    classes = sorted(frame["target"].unique())
    assert list(pred.columns) == list(new.columns) + ["prediction"] + [f"proba_{c}" for c in classes]
    assert set(pred["prediction"]) <= set(classes)
    assert np.allclose(pred[[f"proba_{c}" for c in classes]].sum(axis=1), 1)
    # With the target in the file, predict reports how good the predictions are.
    out = cli("predict", "model.joblib", path, "-o", "pred2.csv", cwd=tmp_path)
    assert out.returncode == 0 and "accuracy" in out.stderr
    # Rows without a label or with one the model never saw are left out of the score, and counted.
    marked = frame.iloc[:40].astype({"target": object})
    marked.loc[:2, "target"] = None
    marked.loc[3:4, "target"] = "never-seen"
    marked.to_csv(tmp_path / "marked.csv", index=False)
    out = cli("predict", "model.joblib", "marked.csv", "-o", "pred4.csv", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "on 35 of 40 rows (3 without a label, 2 with labels the model never saw)" in out.stderr
    new.drop(columns=new.columns[0]).to_csv(tmp_path / "short.csv", index=False)
    out = cli("predict", "model.joblib", "short.csv", "-o", "p3.csv", cwd=tmp_path)
    assert out.returncode == 1 and "missing columns" in out.stderr
    # --column target wrote the predictions over the file's own labels (a feature's name, over the feature).
    out = cli("predict", "model.joblib", path, "-o", "p5.csv", "--column", "target", cwd=tmp_path)
    assert _one_line_error(out) and "already has column(s) ['target']" in out.stderr
    assert not (tmp_path / "p5.csv").exists()


def _one_line_error(out, code=1):
    lines = out.stderr.strip().splitlines()
    return out.returncode == code and len(lines) == 1 and "error:" in lines[0]


def test_errors_are_one_line_with_nonzero_status(table, tmp_path):
    path, frame = table
    assert _one_line_error(cli("augment", "missing.csv", "-t", "target", "-o", "o.csv", cwd=tmp_path))
    out = cli("augment", path, "-t", "nope", "-o", "o.csv", cwd=tmp_path)
    assert _one_line_error(out) and "no column 'nope'" in out.stderr
    (tmp_path / "broken.parquet").write_bytes(b"not parquet at all")
    out = cli("augment", "broken.parquet", "-t", "target", "-o", "o.csv", cwd=tmp_path)
    assert _one_line_error(out) and "not a readable" in out.stderr
    (tmp_path / "data.xlsx").write_bytes(b"x")
    out = cli("augment", "data.xlsx", "-t", "target", "-o", "o.csv", cwd=tmp_path)
    assert _one_line_error(out) and "unknown table format" in out.stderr
    out = cli("augment", path, "-t", "target", "-o", "o.json", cwd=tmp_path)
    assert _one_line_error(out) and "output must end" in out.stderr
    frame.assign(target=frame["target"].where(frame.index > 0)).to_csv(tmp_path / "nan.csv", index=False)
    out = cli("augment", "nan.csv", "-t", "target", "-o", "o.csv", cwd=tmp_path)
    assert _one_line_error(out) and "missing values" in out.stderr
    frame.to_csv(tmp_path / "semicolons.csv", index=False, sep=";")
    out = cli("augment", "semicolons.csv", "-t", "target", "-o", "o.csv", cwd=tmp_path)
    assert _one_line_error(out) and "separated by ';'" in out.stderr
    frame.iloc[:0].to_csv(tmp_path / "header.csv", index=False)
    out = cli("augment", "header.csv", "-t", "target", "-o", "o.csv", cwd=tmp_path)
    assert _one_line_error(out) and "no rows" in out.stderr
    out = cli("augment", path, "-t", "target", "-o", "o.csv", "--categorical", "zzz", cwd=tmp_path)
    assert _one_line_error(out) and "zzz" in out.stderr
    out = cli("predict", path, path, "-o", "p.csv", cwd=tmp_path)
    assert _one_line_error(out) and "not a model saved" in out.stderr
    # Unknown options and commands: argparse's usage error, status 2.
    assert cli("augment", path, "-t", "target", "-o", "o.csv", "--bogus", cwd=tmp_path).returncode == 2
    assert cli("transmogrify", cwd=tmp_path).returncode == 2
    frame[["target"]].to_csv(tmp_path / "only_target.csv", index=False)
    out = cli("augment", "only_target.csv", "-t", "target", "-o", "o.csv", cwd=tmp_path)
    assert _one_line_error(out) and "no columns besides the target" in out.stderr
    assert not (tmp_path / "o.csv").exists()


def test_running_out_of_memory_is_one_line(table, tmp_path, monkeypatch, capsys):
    # --n-synthetic 1e9 printed numpy's whole traceback ("Unable to allocate 171. GiB ...").
    from skcausalmix._cli import main
    from skcausalmix.over_sampling import CausalMixAugmenter

    def too_big(self, X, y):
        raise MemoryError("Unable to allocate 171. GiB for an array with shape (23000000000,)")

    monkeypatch.setattr(CausalMixAugmenter, "fit_resample", too_big)
    path, _ = table
    assert main(["augment", str(path), "-t", "target", "-o", str(tmp_path / "o.csv"), "-q", "--n-synthetic", "1e9"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "out of memory (Unable to allocate 171. GiB" in err and "--n-synthetic" in err


def test_headers_are_read_as_written(tmp_path):
    # pandas renames a repeated name to "x.1" and an empty one to "Unnamed: 0";
    # written back, the user's header changed without a word.
    import gzip

    from skcausalmix._cli import CLIError, read_table

    (tmp_path / "index.csv").write_text(",x,target\n0,1.5,a\n1,2.5,b\n")
    assert list(read_table(tmp_path / "index.csv").columns) == ["", "x", "target"]
    with gzip.open(tmp_path / "twice.csv.gz", "wt") as handle:
        handle.write("x,x,target\n1,2,a\n")
    with pytest.raises(CLIError, match=r"repeats column names \['x'\]"):
        read_table(tmp_path / "twice.csv.gz")
    (tmp_path / "two_unnamed.tsv").write_text("\t\ttarget\n1\t2\ta\n")
    assert list(read_table(tmp_path / "two_unnamed.tsv").columns) == ["Unnamed: 0", "Unnamed: 1", "target"]
    (tmp_path / "latin.csv").write_bytes("größe,target\n1,a\n".encode("latin-1"))
    with pytest.raises(CLIError, match="save it as UTF-8"):
        read_table(tmp_path / "latin.csv")


def test_a_saved_index_and_the_input_file_survive(table, tmp_path):
    path, frame = table
    frame.to_csv(tmp_path / "indexed.csv")  # pandas' default: the index as an unnamed first column
    out = cli("augment", "indexed.csv", "-t", "target", "-o", "aug.csv", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    written = (tmp_path / "aug.csv").read_text().splitlines()
    assert written[0] == (tmp_path / "indexed.csv").read_text().splitlines()[0]
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "aug.csv").iloc[:len(frame)],
                                  pd.read_csv(tmp_path / "indexed.csv"))
    # --force overwrites outputs, never the table being read.
    before = path.read_bytes()
    out = cli("augment", path, "-t", "target", "-o", path, "--force", cwd=tmp_path)
    assert _one_line_error(out) and "is the input table" in out.stderr
    assert path.read_bytes() == before


def test_demo_and_seed_arguments_are_checked(table, tmp_path):
    path, _ = table
    out = cli("demo", "--no-finetune", "--n-train", "3", cwd=tmp_path)
    assert _one_line_error(out) and "n_train must be between 20 and 469" in out.stderr
    out = cli("augment", path, "-t", "target", "-o", "o.csv", "--seed", "-1", cwd=tmp_path)
    assert out.returncode == 2 and "expected a non-negative integer" in out.stderr


def test_errors_show_their_first_non_empty_line():
    # sklearn's "\nAll the 5 fits failed ..." printed as an empty "error: ".
    from skcausalmix._cli import _first_line

    assert _first_line(ValueError("\nAll the 5 fits failed.\nDetails"), "ValueError") == "All the 5 fits failed."
    assert _first_line(ValueError(""), "ValueError") == "ValueError"


def test_nothing_is_overwritten_without_force(table, tmp_path):
    path, _ = table
    (tmp_path / "out.csv").write_text("precious\n")
    out = cli("augment", path, "-t", "target", "-o", "out.csv", cwd=tmp_path)
    assert _one_line_error(out) and "--force" in out.stderr
    assert (tmp_path / "out.csv").read_text() == "precious\n"
    assert cli("augment", path, "-t", "target", "-o", "out.csv", "--force", cwd=tmp_path).returncode == 0
    assert (tmp_path / "out.csv").read_text() != "precious\n"

"""The scripts in benchmarks/ on a dataset folder of the user's own (--data-dir), and what they share."""

import argparse
import importlib
import json
import shutil

import pytest

from benchmarks.common import (
    existing_file,
    positive_floats,
    positive_ints,
    seed_list,
    summarize_screen,
    table_shapes,
)

from .conftest import DATASETS


def script(name):
    """``benchmarks/<name>.py`` as the module ``benchmarks.<name>`` (run from the repository root)."""
    return importlib.import_module(f"benchmarks.{name}")


@pytest.fixture
def own_folder(tmp_path):
    # A folder of its own, with a manifest that gives no widths.
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


def test_bundled_model_benchmark_caps_classes_to_the_model(tmp_path, capsys):
    # 12 classes, beyond the checkpoint's 10: the two rarest go, for every method (not the whole dataset).
    import numpy as np
    import pandas as pd

    rng = np.random.RandomState(0)
    y = np.repeat([f"c{k}" for k in range(12)], [30] * 10 + [12, 11])
    signal = np.char.lstrip(y, "c").astype(int)
    frame = pd.DataFrame({"a": rng.normal(size=len(y)) + signal, "b": rng.normal(size=len(y))})
    frame.assign(target=y).to_csv(tmp_path / "many.csv.gz", index=False)
    (tmp_path / "manifest.json").write_text(json.dumps([{"name": "many", "file": "many.csv.gz"}]))
    out = tmp_path / "runs.csv"
    script("bench_bundled_model").main(["--data-dir", str(tmp_path), "--sizes", "64", "--seeds", "1",
                                        "--max-test", "100", "--out", str(out)])
    assert "capped many: {'classes_dropped': 2, 'rows_dropped': 23}" in capsys.readouterr().err
    runs = pd.read_csv(out)
    assert len(runs) == 5 and (runs["roc_auc"] > 0.6).all()


def test_benchmark_scripts_refuse_a_folder_without_manifest(tmp_path, capsys):
    # A usage error naming the manifest, not argparse's "unrecognized arguments" (which also exits).
    for name, argv in (("bench_bundled_model", ["--sizes", "64", "--seeds", "1"]), ("bench_discovery", ["--datasets"])):
        with pytest.raises(SystemExit):
            script(name).main([*argv, "--data-dir", str(tmp_path)])
        err = capsys.readouterr().err
        assert "manifest.json" in err and str(tmp_path) in err and "unrecognized" not in err


def test_fidelity_table_counts_on_another_folder(own_folder, capsys):
    script("bench_fidelity").main(["--data-dir", str(own_folder), "--rows", "200"])
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("| mine |"))
    pairs, _, unseen, edges = [cell.strip() for cell in row.strip("|").split("|")][1:]
    assert pairs.isdigit() and unseen == "0/0" and int(edges) > 0  # wdbc: numeric columns only


def test_synthetic_quality_table_on_another_folder(own_folder, tmp_path, capsys):
    out = tmp_path / "runs.csv"
    script("bench_synthetic_quality").main(["--data-dir", str(own_folder), "--rows", "100", "--holdout", "150",
                                            "--seeds", "1", "--out", str(out)])
    runs = __import__("pandas").read_csv(out)
    assert list(runs["variant"]) == ["shared", "per_class", "per_class_real"] and set(runs["dataset"]) == {"mine"}
    # wdbc: synthetic rows carry the classes (a forest trained on them alone is far above chance),
    # and a classifier tells them from real rows only partly (1.0 would be trivially apart).
    assert (runs["tstr"] > 0.85).all() and (runs["trtr"] > 0.9).all() and (runs["c2st"] < 0.95).all()
    printed = capsys.readouterr().out
    assert "| per_class_real | 1 |" in printed
    with pytest.raises(SystemExit):
        script("bench_synthetic_quality").main(["--variant", "no-json-here"])
    assert "NAME=JSON" in capsys.readouterr().err


def test_synthetic_quality_variants_build_estimators():
    bench = script("bench_synthetic_quality")
    name, params = bench._variant('trees={"regressor": {"class": "sklearn.tree.DecisionTreeRegressor", '
                                  '"params": {"max_depth": 3}}, "classifier": "sklearn.tree.DecisionTreeClassifier"}')
    assert name == "trees" and params["regressor"].get_params()["max_depth"] == 3
    assert type(params["classifier"]).__name__ == "DecisionTreeClassifier"
    for bad in ('"sklearn.tree.NoSuchTree"', '{"class": "sklearn.tree.DecisionTreeRegressor", "params": {"depth": 3}}'):
        with pytest.raises(__import__("argparse").ArgumentTypeError, match="not an estimator to build"):
            bench._variant('x={"regressor": ' + bad + '}')


def test_screen_summary_compares_each_variant_with_the_shipped_model(tmp_path):
    import pandas as pd

    (tmp_path / "manifest.json").write_text(json.dumps([{"name": "narrow", "file": "n.csv.gz", "n_features": 5},
                                                        {"name": "wide", "file": "w.csv.gz", "n_features": 40}]))
    pd.DataFrame({"dataset": ["narrow", "narrow", "wide"], "seed": [0, 1, 0], "shipped": [0.8, 0.9, 0.7],
                  "ctx1": [0.9, 0.9, 0.6], "t1": [5.0, 5.0, 5.0], "tabicl": [0.8, 0.9, 0.8]}).to_csv(
        tmp_path / "s.csv", index=False)
    text = summarize_screen([tmp_path / "s.csv"], folder=tmp_path)
    assert "all (2 datasets), median / mean: shipped 0.7750 / 0.7750, ctx1 0.7500 / 0.7500" in text
    assert "<= 30 features (1 datasets), median / mean: shipped 0.8500 / 0.8500, ctx1 0.9000 / 0.9000" in text
    assert "ctx1: better than shipped on 1/2" in text and "tabicl: better than shipped on 1/2" in text
    assert "t1" not in text  # seconds, not a variant


def test_categorical_screen_swaps_only_the_categorical_setting(tmp_path):
    import pandas as pd

    screen = script("screen_categorical_encoding")
    stored = [{"name": "squashing_scaler_default", "categorical_name": "ordinal_very_common_categories_shuffled"},
              {"name": "none", "categorical_name": "numeric"}]
    assert screen.variant_transforms(stored, None) == stored
    assert screen.variant_transforms(stored, screen.VARIANTS["numeric"]) == [
        {"name": "squashing_scaler_default", "categorical_name": "numeric"},
        {"name": "none", "categorical_name": "numeric"}]
    with pytest.raises(ValueError, match="3 categorical settings for 2 configurations"):
        screen.variant_transforms(stored, ("numeric",) * 3)

    rows = [{"dataset": d, "size": 64, "seed": s, "variant": v, "roc_auc": a}
            for d, s, v, a in [("a", 0, "current", 0.8), ("a", 1, "current", 0.9), ("a", 0, "numeric", 0.9),
                               ("a", 1, "numeric", 0.9), ("b", 0, "current", 0.7), ("b", 0, "numeric", 0.6)]]
    pd.DataFrame(rows).to_csv(tmp_path / "c.csv", index=False)
    text = screen.summarize([tmp_path / "c.csv"])
    assert "numeric: better than current on 1 of 2 dataset-sizes, mean difference -0.0250" in text
    assert "range -0.1000 to +0.0500" in text


def test_categorical_screen_finds_text_columns():
    import pandas as pd

    has_text = script("screen_categorical_encoding").has_text_columns
    assert has_text(pd.DataFrame({"x": [1.0, 2.0], "c": ["u", "v"]}))
    assert not has_text(pd.DataFrame({"x": [1.0, 2.0], "n": [0, 1]}))


def test_argument_types_of_the_scripts():
    assert positive_ints("64, 128,") == [64, 128] and seed_list("0,3") == [0, 3]
    assert table_shapes("200x10,1000x20") == [(200, 10), (1000, 20)]
    assert positive_floats("0.5, 1,") == [0.5, 1.0] and existing_file(__file__) == __file__


@pytest.mark.parametrize("parse, text, message", [
    (positive_ints, "0", "integers of at least 1"),
    (positive_ints, "64,abc", "integers of at least 1"),
    (positive_ints, "", "integers of at least 1"),
    (seed_list, "-1", "integers of at least 0"),
    (table_shapes, "10", "shapes such as 200x10"),
    (table_shapes, "5x", "shapes such as 200x10"),
    (table_shapes, "0x3", "shapes such as 200x10"),
    (positive_floats, "0.5,0", "positive numbers"),
    (positive_floats, "0.5,x", "positive numbers"),
    (positive_floats, "nan", "positive numbers"),
    (positive_floats, "", "positive numbers"),
    (existing_file, "no/such/runs.csv", "no such file: no/such/runs.csv"),
])
def test_bad_script_arguments_say_what_was_expected(parse, text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        parse(text)


def test_scripts_share_helpers_without_sys_path():
    # Run as modules (python -m benchmarks.NAME), the scripts import benchmarks.common and
    # pretraining.real_corpus by name; none of them edits sys.path to find another.
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for path in sorted([*root.glob("benchmarks/*.py"), *root.glob("pretraining/*.py")]):
        assert "sys.path" not in path.read_text(), path.name


def test_interventional_rows_study_runs_and_reports(own_folder, tmp_path, capsys):
    study = script("study_interventional_rows")
    out = tmp_path / "study"
    args = ["--datasets", str(own_folder), "--out", str(out), "--seeds", "0", "--size", "64", "--max-test", "100"]
    study.main(["run", *args])
    runs = [json.loads(line) for line in (out / "runs.jsonl").read_text().splitlines()]
    assert len(runs) == 2 and all(r["ok"] for r in runs)  # two shifted columns, one seed
    assert {(rec["model"], rec["method"]) for rec in runs[0]["records"]} == {
        (m, k) for m in ("LogisticRegression", "RandomForest", "HistGradientBoosting") for k in study.METHODS}
    study.main(["run", *args])  # resumes: nothing left to run
    assert len((out / "runs.jsonl").read_text().splitlines()) == 2
    study.main(["report", "--out", str(out)])
    assert "| RandomForest | shifted |" in capsys.readouterr().out


def test_root_rows_break_the_roots_tie_to_the_class():
    import numpy as np
    import pandas as pd

    from skcausalmix.over_sampling import CausalMixAugmenter

    study = script("study_interventional_rows")
    rng = np.random.RandomState(0)
    y = np.repeat(["a", "b"], 300)
    root = np.where(y == "a", 0.0, 3.0) + rng.uniform(-1, 1, 600)
    X = pd.DataFrame({"root": root, "child": 2 * root + rng.uniform(-1, 1, 600)})
    aug = CausalMixAugmenter(graph=[("root", "child")], random_state=0)
    aug.fit_resample(X, y)
    X_do, y_do, roots = study.root_rows(aug.scm_, X, y, seed=0)
    assert roots == ["root"]
    # The root is drawn from all rows whatever the class; the child follows it.
    for label in ("a", "b"):
        assert X_do["root"][y_do == label].mean() == pytest.approx(1.5, abs=0.2)
    assert np.corrcoef(X_do["root"], X_do["child"])[0, 1] > 0.9


def test_bundled_model_summary_keeps_choice_tables_apart(tmp_path, capsys):
    import pandas as pd

    bench = script("bench_bundled_model")
    rows = [dict(dataset=d, size=64, seed=0, method=m, roc_auc=a, seconds=0.1)
            for d, (ours, rf) in {"picked": (0.9, 0.8), "fresh": (0.7, 0.8)}.items()
            for m, a in ((bench.OURS, ours), ("RandomForest", rf))]
    pd.DataFrame(rows).to_csv(tmp_path / "runs.csv", index=False)
    bench.main(["--summarize", str(tmp_path / "runs.csv"), "--sizes", "64", "--choice-tables", "picked"])
    out = capsys.readouterr().out
    chosen, rest = out.split("## Tables not used for any choice")
    assert "Tables used for a choice: 1 datasets" in chosen and ": 1 datasets" in rest
    # The checkpoint beats RandomForest on the table that picked it, and loses on the other.
    assert f"| {bench.OURS} | 0.9000" in chosen and "| RandomForest | 0.8000 | 0.8000 | 1/1 |" in chosen
    assert f"| {bench.OURS} | 0.7000" in rest and "| RandomForest | 0.8000 | 0.8000 | 0/1 |" in rest


def test_ship_decision_needs_a_win_at_every_size_on_fresh_tables():
    bench = script("bench_bundled_model")

    def rows(ours_64, ours_128):
        return [dict(dataset=d, size=size, seed=0, method=m, roc_auc=a, seconds=0.1)
                for d in ("picked", "fresh") for size, ours in ((64, ours_64), (128, ours_128))
                for m, a in ((bench.OURS, ours if d == "fresh" else 0.99), (bench.EARLIER, 0.8))]

    assert "ship it" in bench.ship_decision(rows(0.85, 0.81), ["picked"])
    # Better at 64 rows only: kept, though the choice table says otherwise.
    assert "keep the earlier file" in bench.ship_decision(rows(0.85, 0.79), ["picked"])
    assert bench.ship_decision([r for r in rows(0.85, 0.81) if r["method"] != bench.EARLIER], ["picked"]) is None


def _trajectory(dataset, size, seed, lr, method, auc, ll, valid_ll, max_iter=100, status="ok"):
    record = {"dataset": dataset, "size": size, "seed": seed, "lr": lr, "method": method,
              "max_iter": max_iter, "status": status,
              "run_id": f"{dataset}|{size}|{seed}|{lr}|{method}|{max_iter}"}
    if status == "ok":
        record["history"] = {"iter": list(range(0, max_iter + 1, 10))[:len(auc)], "eval_roc_auc": auc, "eval_log_loss": ll,
                             "valid_log_loss": valid_ll, "valid_synthetic_log_loss": [None] * len(auc)}
    return record


def test_early_stopping_rule_keeps_the_check_validation_prefers():
    study = script("study_finetuning")
    iters = [0, 10, 20, 30, 40, 50]
    valid = [0.0, 0.1, 0.05, 0.04, 0.03, 0.5]  # better at 10, then three checks without
    assert study.pick_check(iters, valid, 50, 3) == 1
    assert study.pick_check(iters, valid, 50, None) == 5  # no patience: the best check
    assert study.pick_check(iters, valid, 50, "last") == 5
    assert study.pick_check(iters, valid, 20, 3) == 1  # only checks within max_iter
    assert study.pick_check(iters, [0.0] * 6, 50, 3) == 0  # a flat signal keeps zero-shot


def test_study_report_reads_rules_off_the_trajectories(tmp_path, capsys):
    study = script("study_finetuning")
    auc = [0.80, 0.85, 0.84, 0.83, 0.82, 0.81, 0.80, 0.79, 0.78, 0.77, 0.76]
    ll = [0.50, 0.40, 0.41, 0.42, 0.43, 0.44, 0.45, 0.46, 0.47, 0.48, 0.49]
    records = [_trajectory(d, 64, 0, lr, m, auc, ll, ll) for d in ("a", "b")
               for lr in study.LEARNING_RATES for m in study.METHODS]
    # A 128-row block where table "b" cannot run still counts as complete...
    records += [_trajectory("a", 128, 0, lr, m, auc, ll, ll) for lr in study.LEARNING_RATES
                for m in study.METHODS]
    records += [_trajectory("b", 128, 0, lr, m, None, None, None, status="error")
                for lr in study.LEARNING_RATES for m in study.METHODS]
    # ...one cut short by an interruption does not.
    records += [_trajectory("a", 64, 1, 1e-4, "finetune", auc, ll, ll)]
    # Longer trajectories are reported apart, not mixed into the grid.
    long_auc = [0.80] + [0.81 + 0.001 * i for i in range(20)]
    long_ll = [0.50 - 0.005 * i for i in range(21)]
    records += [_trajectory("a", 64, 0, 1e-4, m, long_auc, long_ll, long_ll, max_iter=200)
                for m in study.METHODS]
    out = tmp_path / "study"
    out.mkdir()
    (out / "trajectories.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    text = study.report(argparse.Namespace(out=out, sizes=[64, 128], seeds=[0, 1]))
    capsys.readouterr()
    assert "(1 runs of unfinished (size, seed) blocks left out.)" in text
    assert "## Trajectories: 24 runs on 2 selection tables (a, b), sizes [64, 128], seeds [0]" in text
    early = text.split("### early stopping (3 checks")[1].split("###")[0]
    # Early stopping keeps step 10 (+0.05 ROC-AUC, -0.10 log-loss) whatever the cap.
    assert "| finetune | 0.0001 | 100 | 3 | 0.0500 | 0.0000 | -0.1000 | 0.0000 | 1.0000 |" in early
    last = text.split("### no early stopping (the last step)")[1].split("###")[0]
    assert "| finetune | 0.0001 | 100 | 3 | -0.0400 | 0.0000 | -0.0100 | 1.0000 | 1.0000 |" in last
    longer = text.split("## Beyond 100 steps: 2 runs of up to 200 steps")[1]
    # Still improving at 200: the last check is kept, 200 steps gain more than 100.
    assert "| causalmix | 0.0001 | 200 | 1 | 0.0290 | nan | -0.1000 | 0.0000 | 1.0000 |" in longer
    assert "| causalmix | 0.0001 | 100 | 1 | 0.0190 | nan | -0.0500 | 0.0000 | 1.0000 |" in longer


def test_the_choice_skips_harm_and_prefers_less_training_within_noise():
    study = script("study_finetuning")
    flat = lambda first, then: [first] + [then] * 10  # noqa: E731
    gain = dict(auc=flat(0.80, 0.85), ll=flat(0.50, 0.40), valid_ll=flat(0.50, 0.40))
    small = dict(auc=flat(0.80, 0.81), ll=flat(0.50, 0.45), valid_ll=flat(0.50, 0.45))
    # Validation improves while test gets worse: early stopping keeps a harmful step.
    harmful = dict(auc=flat(0.80, 0.70), ll=flat(0.50, 0.60), valid_ll=flat(0.50, 0.40))
    causal = {3e-5: small, 1e-4: gain, 3e-4: gain, 1e-3: harmful}
    records = [_trajectory(d, 64, 0, lr, "causalmix", **causal[lr]) for d in "ab"
               for lr in study.LEARNING_RATES]
    records += [_trajectory(d, 64, 0, lr, "finetune", **gain) for d in "ab" for lr in study.LEARNING_RATES]
    cells = study.choose(records)
    best = cells.iloc[0]
    # 1e-4 and 3e-4 tie at the top: the lower rate, the fewest steps, real validation rows.
    assert (best.lr, best.steps, best.synthetic_validation) == ("0.0001", 10, 0.0)
    assert best.within_1se and best.d_auc == pytest.approx(0.05)
    assert not cells[cells.lr == "0.001"].eligible.any()  # harms every run
    assert not cells[cells.lr == "3e-05"].within_1se.any()  # eligible, but 0.04 below the best


def test_the_estimators_defaults_are_the_studys_choice():
    from pathlib import Path

    from skcausalmix.finetuning import CausalMixTabPFNClassifier, bundled_model_path
    from skcausalmix.finetuning._checkpoint import SMALL_LEARNING_RATE, stored_learning_rate

    study = script("study_finetuning")
    path = Path(study.__file__).parent / "results" / "finetuning_study" / "trajectories.jsonl"
    traj = [r for r in study.read(path) if r["status"] == "ok" and r["max_iter"] == max(study.STEPS)]
    best = study.choose(traj).iloc[0]
    assert best.within_1se
    assert float(best.lr) == SMALL_LEARNING_RATE == stored_learning_rate(bundled_model_path())
    params = CausalMixTabPFNClassifier().get_params()
    assert best.steps == params["max_iter"]
    # "auto" pools 1:1 synthetic validation rows with CausalMix (tested in tests/finetuning).
    assert best.synthetic_validation == 1.0 and params["synthetic_validation"] == "auto"


def test_heldout_fits_as_a_user_does(own_folder, monkeypatch):
    # The held-out protocol hands all `size` rows to fit, which splits its own validation rows.
    import numpy as np

    import skcausalmix.finetuning as finetuning
    from skcausalmix.benchmark import list_datasets

    study = script("study_finetuning")
    calls = []

    class Recorder:
        n_iter_ = best_iter_ = 0
        stop_reason_ = "max_iter"
        history_ = []

        def __init__(self, **params):
            self.params = params

        def fit(self, X, y, **kwargs):
            calls.append((len(X), len(y), sorted(kwargs)))
            self.classes_ = np.unique(y)
            return self

        def predict_proba(self, X):
            return np.full((len(X), len(self.classes_)), 1 / len(self.classes_))

    monkeypatch.setattr(finetuning, "CausalMixTabPFNClassifier", Recorder)
    from dataclasses import asdict

    ref = asdict(list_datasets(str(own_folder))[0])
    task = {"ref": ref, "size": 64, "seed": 0, "max_test": 100, "method": "causalmix"}
    study.run_heldout({**task, "split": "estimator"})
    assert calls == [(64, 64, [])]

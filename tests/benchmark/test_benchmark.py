import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from skcausalmix.benchmark import (
    BenchmarkConfig,
    cap_dataset,
    curve_correlation,
    list_datasets,
    plan_runs,
    read_results,
    run_benchmark,
    run_metrics,
    run_one,
    split_scarce,
    summarize,
)

from ..conftest import DATASETS, load_table

pytest.importorskip("dask.distributed")


def _config(tiny_checkpoint, **kw):
    base = dict(datasets=str(DATASETS), names=["diabetes"], sizes=[48], seeds=[0],
                methods=["zero-shot", "causalmix"], classic_augmenters=["none", "mixup"],
                classic_models=["LogisticRegression"], model_path=str(tiny_checkpoint),
                max_iter=4, context_size=24, query_size=12, n_estimators_validation=1,
                n_estimators_inference=1, max_test=200)
    base.update(kw)
    return BenchmarkConfig(**base)


@pytest.mark.slow
def test_two_workers_resume_and_failure_capture(tiny_checkpoint, tmp_path):
    # 5000 training rows cannot be drawn from diabetes (768): no such runs, not failures.
    # A table whose file is not gzip fails every run.
    import shutil

    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(DATASETS / "diabetes.csv.gz", data / "diabetes.csv.gz")
    (data / "broken.csv.gz").write_bytes(b"not gzip")
    (data / "manifest.json").write_text(json.dumps([
        {"name": "diabetes", "file": "diabetes.csv.gz", "target": "target"},
        {"name": "broken", "file": "broken.csv.gz", "target": "target"}]))
    # 20 steps: three validation checks, enough for the learning-curve plot.
    config = _config(tiny_checkpoint, datasets=str(data), names=None, sizes=[48, 5000],
                     max_iter=20, max_curve_test=50)
    out = tmp_path / "out"
    summary = run_benchmark(config, out, n_workers=2, progress=False)
    assert summary == {"planned": 16, "skipped": 0, "done": 16, "failed": 8, "not_applicable": 4}
    records = read_results(out)
    ok = [r for r in records if r["status"] == "ok"]
    failed = [r for r in records if r["status"] == "error"]
    absent = [r for r in records if r["status"] == "not_applicable"]
    assert len(ok) == 4 and all(r["size"] == 48 and r["dataset"] == "diabetes" for r in ok)
    assert len(failed) == 8 and all(r["dataset"] == "broken" for r in failed)
    assert len(absent) == 4 and all("leaves no test rows" in r["reason"] for r in absent)
    # Every record says what made it.
    assert all(r["versions"]["tabpfn"] and r["machine"] and r["started"] for r in ok)
    assert ok[0]["commit"] is None or len(ok[0]["commit"]) >= 7
    tuned = next(r for r in ok if r["method"] == "causalmix" and r["track"] == "finetune")
    assert len(tuned["valid_curve"]) == len(tuned["test_curve"]) == len(tuned["check_iters"]) >= 2
    assert tuned["n_iter"] > 0 and tuned["n_synthetic"] > 0
    # The record's test score is the deployed model's; its curve holds the monitored checks.
    assert np.isfinite(tuned["test_roc_auc"]) and tuned["test_roc_auc"] != 0.5
    assert tuned["n_train"] + tuned["n_val"] == 48 and tuned["n_test"] == 200
    # The curve scores a part of the test rows at every check; the record's scores all of them.
    assert tuned["n_curve_test"] == 50 and tuned["scoring"] == "log_loss"
    zero = next(r for r in ok if r["method"] == "zero-shot")
    assert zero["best_iter"] == zero["n_iter"] == 0 and zero["test_curve"] == []

    report = (out / "report.md").read_text()
    assert "## Fine-tuning track" in report and "## Classic track" in report
    assert "| causalmix |" in report and "## Failed runs" in report
    assert "12 runs: 4 finished, 8 failed (66.7%). Not applicable: 4" in report
    assert "diabetes at 5000" in report and "| causalmix | 2 |" in report  # failed per method
    for name in ("gains", "learning_curves"):
        assert (out / f"{name}.png").stat().st_size > 1000
    assert json.loads((out / "config.json").read_text())["sizes"] == [48, 5000]

    # A rerun skips everything; a line cut by a crash is ignored.
    with open(out / "results.jsonl", "a") as f:
        f.write('{"run_id": "cut')
    lines = (out / "results.jsonl").read_text().count("\n")
    again = run_benchmark(config, out, n_workers=1, progress=False, report=False)
    assert again == {"planned": 16, "skipped": 16, "done": 0, "failed": 0, "not_applicable": 0}
    assert (out / "results.jsonl").read_text().count("\n") == lines
    # Failed runs are retried on request only; runs that cannot exist are not.
    retry = run_benchmark(config, out, n_workers=1, progress=False, report=False,
                          retry_failed=True)
    assert retry["done"] == 8 and retry["failed"] == 8


def test_run_one_records_failures_instead_of_raising(tiny_checkpoint):
    config = _config(tiny_checkpoint, methods=["finetune"], classic_augmenters=[])
    run = plan_runs(config)[0]
    run["ref"]["location"] = "/nonexistent/diabetes.csv.gz"
    record = run_one(run, config)
    assert record["status"] == "error" and "FileNotFoundError" in record["error"]
    assert "traceback" in record and record["run_id"] == run["run_id"]


def test_plan_covers_every_combination_once(tiny_checkpoint):
    config = _config(tiny_checkpoint, names=["diabetes", "cmc"], sizes=[32, 64], seeds=[0, 1],
                     classic_models=["LogisticRegression", "RandomForest"])
    runs = plan_runs(config)
    assert len(runs) == 2 * 2 * 2 * (2 + 2 * 2)
    assert len({r["run_id"] for r in runs}) == len(runs)


def test_config_errors_name_the_problem(tiny_checkpoint, tmp_path):
    with pytest.raises(ValueError, match="Unknown methods"):
        _config(tiny_checkpoint, methods=["no-such-method"]).validate()
    with pytest.raises(FileNotFoundError, match="manifest.json"):
        list_datasets(tmp_path)
    with pytest.raises(ValueError, match="Unknown datasets"):
        list_datasets(DATASETS, ["no-such-set"])
    with pytest.raises(ValueError, match="task ids"):
        list_datasets("openml:abc")


@pytest.mark.parametrize("manifest, error, match", [
    # Were KeyError 'file' / 'name' tracebacks, "string indices must be integers", json's bare message,
    # a run recorded as failed for a missing file, and an empty report for an empty list.
    ('[{"name": "w"}]', ValueError, "entry 0 needs a 'name' and a 'file'"),
    ('[{"file": "w.csv.gz"}]', ValueError, "entry 0 needs a 'name' and a 'file'"),
    ('{"name": "w", "file": "w.csv.gz"}', ValueError, "must be a non-empty JSON list"),
    ("[]", ValueError, "must be a non-empty JSON list"),
    ("not json", ValueError, "manifest.json is not valid JSON"),
    ('[{"name": "w", "file": "w.csv.gz"}, {"name": "w", "file": "w.csv.gz"}]', ValueError, r"\['w'\] more than once"),
    ('[{"name": "w", "file": "gone.csv.gz"}]', FileNotFoundError, r"not in .*\['gone.csv.gz'\]"),
])
def test_a_broken_manifest_is_refused_before_any_run(tmp_path, manifest, error, match):
    (tmp_path / "w.csv.gz").write_bytes(b"")
    (tmp_path / "manifest.json").write_text(manifest)
    with pytest.raises(error, match=match):
        list_datasets(tmp_path)


@pytest.mark.parametrize("change, match", [
    ({"max_iter": -1}, "'max_iter' parameter of CausalMixTabPFNClassifier"),
    ({"learning_rate": 0.0}, "'learning_rate' parameter"),
    ({"n_synthetic": -1.0}, "'n_synthetic' parameter"),
    ({"time_limit": -5.0}, "'time_limit' parameter"),
    ({"seeds": []}, "seeds must be one or more"),
    ({"seeds": [0, -1]}, "seeds must be one or more non-negative"),
    ({"max_test": 0}, "max_test must be at least 1"),
    ({"max_classes": 1}, "max_classes must be at least 2"),
    ({"methods": [], "classic_augmenters": []}, "Nothing to run"),
    ({"methods": [], "classic_models": []}, "Nothing to run"),
])
def test_settings_that_fail_every_run_are_refused_up_front(tiny_checkpoint, change, match):
    with pytest.raises(ValueError, match=match):
        _config(tiny_checkpoint, **change).validate()


def test_no_workers_is_refused(tiny_checkpoint, tmp_path):
    with pytest.raises(ValueError, match="n_workers must be a positive integer"):
        run_benchmark(_config(tiny_checkpoint), tmp_path, n_workers=0)


def test_openml_offline_error_is_clear(monkeypatch):
    openml = pytest.importorskip("openml")
    from skcausalmix.benchmark import DatasetRef, load_dataset

    def offline(*args, **kwargs):
        raise ConnectionError("Failed to establish a new connection")

    monkeypatch.setattr(openml.tasks, "get_task", offline)
    with pytest.raises(RuntimeError, match="network access"):
        load_dataset(DatasetRef("openml", "openml-31", "31"))


def test_capping_and_scarce_split():
    X, y = load_table("cmc")
    X_c, y_c, caps = cap_dataset(X, y, max_features=5, max_classes=2)
    assert X_c.shape[1] == 5 and len(np.unique(y_c)) == 2
    assert caps["features_dropped"] == X.shape[1] - 5 and caps["classes_dropped"] == 1
    # The same columns for every call (every method sees the same data).
    assert list(cap_dataset(X, y, max_features=5, max_classes=2)[0].columns) == list(X_c.columns)
    X_tr, y_tr, X_va, y_va, X_te, y_te = split_scarce(X, y, n_train=64, validation_fraction=0.25,
                                                      max_test=300, seed=0)
    assert len(y_tr) + len(y_va) == 64 and len(y_va) == 16 and len(y_te) == 300
    assert set(np.unique(y_va)) == set(np.unique(y_tr)) == set(np.unique(y))


def test_curve_correlation_and_regret():
    assert curve_correlation([0.1, 0.2, 0.3], [0.5, 0.6, 0.7]) == pytest.approx(1.0)
    assert curve_correlation([0.1, 0.2, 0.3], [0.7, 0.6, 0.5]) == pytest.approx(-1.0)
    assert curve_correlation([0.1, 0.1, 0.1], [0.5, 0.6, 0.7]) is None
    assert curve_correlation([0.1, 0.2], [0.5, 0.6]) is None
    rec = {"run_id": "a", "status": "ok", "dataset": "d", "size": 8, "seed": 0, "track": "finetune",
           "method": "finetune", "model": "TabPFN", "test_roc_auc": 0.7, "best_iter": 10,
           "n_iter": 30, "check_iters": [0, 10, 20, 30],
           "valid_curve": [0.5, 0.9, 0.6, 0.5], "test_curve": [0.6, 0.7, 0.8, 0.75]}
    row = run_metrics([rec]).iloc[0]
    assert row["regret"] == pytest.approx(0.1) and row["corr_gap"] == pytest.approx(
        1 - np.corrcoef([0.5, 0.9, 0.6, 0.5], [0.6, 0.7, 0.8, 0.75])[0, 1])
    # Log-loss validation (the default) pairs with minus the test log-loss, not ROC-AUC;
    # records without "scoring" are read by their validation score's sign.
    lossy = dict(rec, scoring="log_loss", valid_curve=[-0.5, -0.3, -0.4, -0.45],
                 test_log_loss_curve=[0.6, 0.5, 0.55, 0.7])
    expected = np.corrcoef([-0.5, -0.3, -0.4, -0.45], [-0.6, -0.5, -0.55, -0.7])[0, 1]
    assert run_metrics([lossy]).iloc[0]["val_test_corr"] == pytest.approx(expected)
    unnamed = {k: v for k, v in lossy.items() if k != "scoring"}
    assert run_metrics([unnamed]).iloc[0]["val_test_corr"] == pytest.approx(expected)
    zero = dict(rec, method="zero-shot", test_roc_auc=0.6, best_iter=0, n_iter=0,
                check_iters=[], valid_curve=[], test_curve=[])
    other = dict(rec, method="causalmix", test_roc_auc=0.65)
    text = summarize([rec, zero, other])
    # Normalised over three methods: zero-shot 0.6 is 0, finetune 0.7 is 1, causalmix 0.65 is 0.5.
    assert "| finetune | 1 | 0.700 |" in text and "| 1.000 |" in text and "| 0.500 |" in text


def test_curve_subset_is_a_stratified_part():
    from skcausalmix.benchmark._runner import curve_subset

    y = np.r_[np.zeros(900, int), np.ones(100, int)]
    part = curve_subset(y, 300, seed=0)
    assert len(part) == 300 and np.all(np.diff(part) > 0)
    assert (y[part] == 1).sum() == 30
    assert np.array_equal(curve_subset(y, None, 0), np.arange(1000))
    assert np.array_equal(curve_subset(y[:200], 300, 0), np.arange(200))
    lone = np.r_[np.zeros(999, int), 1]  # one row of a class: no stratified split exists
    assert len(curve_subset(lone, 300, seed=0)) == 300


def test_command_line_help_and_errors(tmp_path):
    # python -m skcausalmix.benchmark is `skcausalmix benchmark`: its options, its errors and exit codes.
    cmd = [sys.executable, "-m", "skcausalmix.benchmark"]
    out = subprocess.run(cmd + ["--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "--scheduler" in out.stdout and "skcausalmix benchmark" in out.stdout
    out = subprocess.run(cmd + ["--out", str(tmp_path), "--methods", "no-such-method"],
                         capture_output=True, text=True)
    assert out.returncode == 1 and "skcausalmix benchmark: error: Unknown methods" in out.stderr
    # No default folder of datasets: a user's clone has none beside it.
    out = subprocess.run(cmd + ["--out", str(tmp_path)], capture_output=True, text=True)
    assert out.returncode == 1 and "datasets is required" in out.stderr
    out = subprocess.run(cmd + ["--out", str(tmp_path), "--n-estimators-inference", "0"],
                         capture_output=True, text=True)
    assert out.returncode == 2 and "expected 'auto' or a positive integer, got '0'" in out.stderr
    # A LocalCluster without workers would wait forever.
    out = subprocess.run(cmd + ["--out", str(tmp_path), "--workers", "0"], capture_output=True, text=True)
    assert out.returncode == 2 and "--workers: expected a positive integer" in out.stderr
    out = subprocess.run(cmd + ["--out", str(tmp_path / "none"), "--report-only"], capture_output=True, text=True)
    assert out.returncode == 1 and "no results.jsonl to report on" in out.stderr


def test_ensemble_size_is_auto_or_a_count():
    import argparse

    from skcausalmix.benchmark._cli import add_arguments

    parser = add_arguments(argparse.ArgumentParser())
    # Left out, it is the classifier's own default ("auto").
    assert parser.parse_args(["--out", "x"]).n_estimators_inference is None
    assert parser.parse_args(["--out", "x", "--n-estimators-inference", "auto"]).n_estimators_inference == "auto"
    assert parser.parse_args(["--out", "x", "--n-estimators-inference", "4"]).n_estimators_inference == 4


def test_methods_are_compared_on_complete_cells_only():
    from skcausalmix.benchmark._report import normalized_scores

    def rec(dataset, method, auc):
        return {"run_id": f"{dataset}{method}", "status": "ok", "dataset": dataset, "size": 8,
                "seed": 0, "track": "finetune", "method": method, "model": "TabPFN",
                "test_roc_auc": auc, "best_iter": 0, "n_iter": 0, "check_iters": [0],
                "valid_curve": [0.5], "test_curve": [auc]}

    records = [rec("a", "zero-shot", 0.6), rec("a", "causalmix", 0.8), rec("a", "finetune", 0.65),
               rec("b", "zero-shot", 0.7), rec("b", "finetune", 0.75)]  # causalmix failed on b
    norm = normalized_scores(run_metrics(records)).set_index("method")
    assert set(norm["dataset"]) == {"a"}  # b lacks a method: left out for every method
    # Min-max over three methods: zero-shot 0 and causalmix 1 by construction, finetune in between.
    assert norm.loc["finetune", "norm_gain"] == pytest.approx(0.25)
    assert "1 of 2 dataset x size cells" in summarize(records)


def test_causalmix_variants_are_named_and_not_run_by_default():
    from skcausalmix.benchmark._methods import finetune_params, make_augmenter

    additive = make_augmenter("causalmix-additive", 0.5, random_state=0)
    assert (additive.mechanisms, additive.marginals, additive.n_synthetic) == ("shared", "model", 0.5)
    default = make_augmenter("causalmix", 0.5, random_state=0)
    assert (default.mechanisms, default.marginals) == ("per_class", "model")
    assert finetune_params("causalmix-additive", 1.0, 0)["augmenter"].get_params()["mechanisms"] == "shared"
    assert make_augmenter("causalmix-real", 0.5, random_state=0).marginals == "real"
    assert not {"causalmix-additive", "causalmix-real"} & set(BenchmarkConfig(datasets="x").classic_augmenters)


def test_classic_models_keep_a_column_missing_in_every_training_row():
    # SimpleImputer dropped it, and HistGradientBoosting's categorical mask no longer matched.
    from skcausalmix.benchmark import classic_models

    rng = np.random.RandomState(0)
    X = pd.DataFrame({"a": rng.normal(size=60), "empty": np.nan,
                      "color": rng.choice(["r", "g"], size=60)})
    y = (X["a"] > 0).astype(int).to_numpy()
    for name, model in classic_models(X).items():
        proba = model.fit(X, y).predict_proba(X.assign(empty=1.0))
        assert proba.shape == (60, 2), name


def test_against_zero_shot_section_reports_known_changes():
    from skcausalmix.benchmark._report import against_zero_shot, paired_changes

    rng = np.random.RandomState(0)
    records = []
    shift = {"zero-shot": 0.0, "finetune": 0.0, "causalmix": 0.02, "ctgan": -0.02}
    for d in range(8):
        base = rng.uniform(0.6, 0.8)
        for seed in (0, 1):
            for method, delta in shift.items():
                # finetune differs from zero-shot only by symmetric noise.
                noise = 0.001 * (1 if seed else -1) if method == "finetune" else 0.0
                records.append({"run_id": f"{d}{seed}{method}", "status": "ok", "dataset": f"d{d}", "size": 64,
                                "seed": seed, "track": "finetune", "method": method, "model": "TabPFN",
                                "test_roc_auc": base + delta + noise, "test_log_loss": 0.5 - delta,
                                "best_iter": 0, "n_iter": 0, "check_iters": [0], "valid_curve": [0.5],
                                "test_curve": [0.5], "augment_seconds": 2.0 if method == "ctgan" else 0.1})
    runs = run_metrics(records)
    changes = paired_changes(runs).set_index(["method", "dataset", "seed"])
    assert changes.loc[("causalmix", "d3", 1), "auc_change"] == pytest.approx(0.02)
    assert changes.xs("ctgan")["harmed"].all() and not changes.xs("causalmix")["harmed"].any()
    text = against_zero_shot(runs)
    rows = {line.split(" | ")[0].strip("| "): line.split(" | ") for line in text.splitlines() if line.startswith("| ")}
    assert rows["causalmix"][3].startswith("+0.0200 [+0.0200, +0.0200]")
    assert rows["ctgan"][5].startswith("+0.0200")  # log-loss up by 0.02
    assert rows["ctgan"][7] == "100%" and rows["causalmix"][7] == "0%"
    # Normalised over the paper's methods present: causalmix is the best (1), zero-shot 0.5 of the way.
    assert rows["causalmix"][8] == "0.500" and rows["ctgan"][8] == "-0.500"
    assert float(rows["causalmix"][10]) < 0.01 and float(rows["ctgan"][11]) < 0.01  # Wilcoxon p
    assert rows["ctgan"][12] == "2.0" and rows["causalmix"][13].strip("| ") == "+0.12"
    assert "tabebm (-0.04), table-augment (-0.09) have no runs here" in text
    assert "## Against zero-shot" in summarize(records)
    assert "over the 16 (dataset, size, seed) runs that every method finished" in text
    # A causalmix failure on d0 drops d0 from every method's row: all compare the same runs.
    fewer = [r for r in records if not (r["method"] == "causalmix" and r["dataset"] == "d0")]
    text = against_zero_shot(run_metrics(fewer))
    rows = {line.split(" | ")[0].strip("| "): line.split(" | ") for line in text.splitlines() if line.startswith("| ")}
    assert "over the 14 (dataset, size, seed) runs" in text
    assert rows["ctgan"][1] == rows["causalmix"][1] == "14" and rows["ctgan"][2] == "7"


def _scored_runs(n_datasets=6, drop=()):
    """Fine-tuning records over datasets, two sizes and two seeds whose splits differ by 0.1
    ROC-AUC: finetune's gain grows with the dataset, smote (not one of the paper's methods)
    scores far above every other method."""
    records = []
    for d in range(n_datasets):
        for size in (64, 128):
            for seed in (0, 1):
                split = 0.1 * seed
                for method, auc in (("zero-shot", 0.75), ("finetune", 0.75 + 0.01 * (d + 1)),
                                    ("causalmix", 0.77), ("ctgan", 0.745), ("smote", 0.99)):
                    if (d, size, seed, method) in drop:
                        continue
                    records.append({
                        "run_id": f"{d}{size}{seed}{method}", "status": "ok", "dataset": f"d{d}",
                        "size": size, "seed": seed, "track": "finetune", "method": method,
                        "model": "TabPFN", "test_roc_auc": auc - 0.05 + split, "test_log_loss": 1 - auc,
                        "best_iter": 0, "n_iter": 0, "check_iters": [0], "valid_curve": [0.5],
                        "test_curve": [0.5], "augment_seconds": 3.0 if method == "ctgan" else 0.0})
    return records


def _rows(text):
    return {line.split(" | ")[0].strip("| "): line.split(" | ") for line in text.splitlines()
            if line.startswith("| ")}


def test_the_papers_gain_pairs_seeds_and_normalises_per_dataset_over_its_methods():
    from skcausalmix.benchmark._report import against_zero_shot, normalized_scores

    # causalmix lost d0's seed 1 at 64 rows: that split leaves every method's means.
    records = _scored_runs(drop={(0, 64, 1, "causalmix")})
    text = against_zero_shot(run_metrics(records))
    rows = _rows(text)
    # Per dataset over zero-shot, finetune, causalmix and ctgan (not smote), median over 6
    # datasets: by hand, causalmix 0.80, 0.80, 0.571, 0.444, 0.364, 0.308 -> 0.508.
    assert rows["causalmix"][8] == "0.508" and rows["finetune"][8] == "0.873"
    assert rows["ctgan"][8] == "-0.127" and rows["smote"][8] == "-"
    assert "median over the 6 datasets" in text and "over the 23 (dataset, size, seed) runs" in text
    # finetune's change differs by dataset: a real interval around its mean, +0.035.
    mean, interval = rows["finetune"][3].split(" ", 1)
    lo, hi = (float(v) for v in interval.strip("[]").split(", "))
    assert mean == "+0.0350" and 0.01 <= lo < 0.035 < hi <= 0.06
    assert rows["finetune"][5].startswith("-0.0350 [")  # log-loss falls as ROC-AUC rises
    assert rows["ctgan"][12] == "3.0" and rows["finetune"][12] == "-"  # no generator to time
    # Seeds are paired in the main tables too: zero-shot's d0 at 64 rows is seed 0's split alone.
    norm = normalized_scores(run_metrics(records)).set_index(["dataset", "size", "method"])
    assert norm.loc[("d0", 64, "zero-shot"), "roc_auc"] == pytest.approx(0.70)
    assert norm.loc[("d0", 128, "zero-shot"), "roc_auc"] == pytest.approx(0.75)


def test_few_datasets_give_no_interval_and_no_test():
    from skcausalmix.benchmark._report import against_zero_shot

    rows = _rows(against_zero_shot(run_metrics(_scored_runs(n_datasets=5))))
    assert rows["finetune"][3] == "+0.0300" and rows["finetune"][10] == "-"
    rows = _rows(against_zero_shot(run_metrics(_scored_runs(n_datasets=6))))
    assert "[" in rows["finetune"][3] and float(rows["finetune"][10]) < 0.05


def test_coverage_counts_complete_datasets_and_failures():
    from skcausalmix.benchmark._report import coverage

    records = _scored_runs(n_datasets=3, drop={(1, 128, 0, "ctgan")})
    records.append({"run_id": "x", "status": "error", "dataset": "d2", "size": 64, "seed": 1,
                    "track": "finetune", "method": "tabebm", "model": "TabPFN", "error": "E: e"})
    records.append({"run_id": "y", "status": "not_applicable", "dataset": "d0", "size": 256, "seed": 0,
                    "track": "finetune", "method": "zero-shot", "model": "TabPFN"})
    rows = _rows(coverage(records))
    assert [c.strip("| ") for c in rows["ctgan"][1:]] == ["11", "0", "0.0%", "2"]  # d1 lacks a run
    assert [c.strip("| ") for c in rows["tabebm"][1:]] == ["0", "1", "100.0%", "0"]
    assert [c.strip("| ") for c in rows["zero-shot"][1:]] == ["12", "0", "0.0%", "3"]  # 256 not applicable
    assert "## Coverage" in summarize(records)


def test_classic_balance_mode_balances_and_scores_the_minority(tiny_checkpoint):
    from skcausalmix.benchmark._methods import classic_pipeline

    # diabetes: 500 negatives, 268 positives.
    config = _config(tiny_checkpoint, methods=[], sizes=[96], classic_mode="balance",
                     classic_augmenters=["none", "smote", "causalmix"])
    runs = plan_runs(config)
    assert {r["run_id"].endswith("|balance") for r in runs} == {True}
    assert {r["run_id"] for r in runs}.isdisjoint({r["run_id"] for r in plan_runs(
        _config(tiny_checkpoint, methods=[], sizes=[96], classic_augmenters=["none", "smote", "causalmix"]))})
    records = [run_one(run, config) for run in runs]
    assert all(r["status"] == "ok" and r["mode"] == "balance" for r in records), records
    for r in records:
        assert 0 <= r["balanced_accuracy"] <= 1 and 0 <= r["minority_f1"] <= 1
        assert r["minority_class"] == "tested_positive"
    X, y = load_table("diabetes", 96)
    for name in ("smote", "causalmix"):
        pipe = classic_pipeline(name, "LogisticRegression", X, 0, balance=True)
        _, y_res = pipe.named_steps["augment"].fit_resample(X, y)
        counts = np.unique(y_res, return_counts=True)[1]
        assert counts[0] == counts[1], name  # both classes as large as the majority
    # run_one balanced the rows it fitted on: as many minority rows added by either sampler.
    by_method = {r["method"]: r for r in records if r["model"] == "LogisticRegression"}
    assert by_method["none"]["n_synthetic"] == 0
    for name in ("smote", "causalmix"):
        assert by_method[name]["n_synthetic"] > 0
    assert by_method["smote"]["n_synthetic"] == by_method["causalmix"]["n_synthetic"]
    text = summarize(records)
    assert "## Classic track, balance" in text and "median minority F1" in text
    with pytest.raises(ValueError, match="classic_mode"):
        _config(tiny_checkpoint, classic_mode="both").validate()


def test_bootstrap_interval_matches_scipy():
    from scipy.stats import bootstrap

    from skcausalmix.benchmark._report import bootstrap_interval

    values = np.random.RandomState(1).normal(0.01, 0.02, size=25)
    lo, hi = bootstrap_interval(values, n_boot=4000)
    ref = bootstrap((values,), np.mean, n_resamples=4000, method="percentile", random_state=0).confidence_interval
    width = ref.high - ref.low
    assert lo < values.mean() < hi
    assert abs(lo - ref.low) < 0.1 * width and abs(hi - ref.high) < 0.1 * width
    mlo, mhi = bootstrap_interval(values, statistic=np.median)
    assert mlo < np.median(values) < mhi
    assert np.isnan(bootstrap_interval(values[:5])[0])  # too few to resample


def test_runs_are_planned_seed_by_seed(tiny_checkpoint):
    runs = plan_runs(_config(tiny_checkpoint, names=["diabetes", "cmc"], sizes=[32, 64], seeds=[0, 1, 2]))
    seeds = [r["seed"] for r in runs]
    assert seeds == sorted(seeds)  # an interrupted run has whole seeds of every dataset and size


def test_pairwise_tests_rank_methods_over_datasets(tmp_path):
    from skcausalmix.benchmark._report import pairwise_tests, plot_report

    records = []
    for d in range(8):
        for seed in (0, 1):
            for method, auc in (("zero-shot", 0.70), ("finetune", 0.71), ("causalmix", 0.73)):
                noise = 0.001 * ((d + seed) % 3)
                records.append({"run_id": f"{d}{seed}{method}", "status": "ok", "dataset": f"d{d}", "size": 64,
                                "seed": seed, "track": "finetune", "method": method, "model": "TabPFN",
                                "test_roc_auc": auc + noise + 0.01 * d, "test_log_loss": 0.5, "best_iter": 0,
                                "n_iter": 0, "check_iters": [0], "valid_curve": [0.5], "test_curve": [0.5]})
    # causalmix failed one run: that (dataset, size, seed) is left out for every method.
    records = [r for r in records if not (r["dataset"] == "d7" and r["seed"] == 1 and r["method"] == "causalmix")]
    text = pairwise_tests(run_metrics(records))
    rows = {line.split(" | ")[0].strip("| "): line.split(" | ") for line in text.splitlines() if line.startswith("| ")}
    assert rows["causalmix"][1] == "1.00" and rows["finetune"][1] == "2.00" and rows["zero-shot"][1] == "3.00"
    assert float(rows["causalmix"][4].strip("| ")) < 0.01  # causalmix against zero-shot: 8 of 8 datasets
    assert "over 8 datasets" in text
    assert "ranks" in plot_report(records)


def test_a_missing_generator_package_stops_the_benchmark_before_it_starts(tiny_checkpoint,
                                                                          monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_ctgan(name, *args, **kwargs):
        if name == "ctgan":
            raise ImportError("No module named 'ctgan'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ctgan)
    with pytest.raises(ImportError, match=r"method 'ctgan' needs the 'ctgan' package.*benchmark"):
        _config(tiny_checkpoint, methods=["zero-shot", "ctgan"]).validate()


def test_a_folder_refuses_runs_made_with_other_settings(tiny_checkpoint, tmp_path):
    from dataclasses import asdict

    config = _config(tiny_checkpoint)
    (tmp_path / "config.json").write_text(json.dumps({**asdict(config), "max_curve_test": 1000}))
    (tmp_path / "results.jsonl").write_text(json.dumps({"run_id": "a", "status": "ok"}) + "\n")
    with pytest.raises(ValueError, match=r"max_curve_test: 1000 there, 300 now.*another --out"):
        run_benchmark(config, tmp_path, n_workers=1, progress=False)
    # More seeds or datasets only add runs: allowed (nothing else is checked here).
    from skcausalmix.benchmark._runner import check_resumable

    (tmp_path / "config.json").write_text(json.dumps({**asdict(config), "seeds": [5]}))
    check_resumable(config, tmp_path)


def test_the_run_section_says_when_on_what_and_how():
    from skcausalmix.benchmark._report import run_section

    base = {"status": "ok", "track": "finetune", "dataset": "d", "size": 64, "seed": 0,
            "commit": "abc1234", "machine": "x86_64, 2 cores, 3.11.7",
            "versions": {"tabpfn": "9.2.0", "ctgan": None}}
    records = [
        {**base, "method": "ctgan", "started": "2026-12-06T10:00:00Z", "seconds": 3600.0,
         "n_iter": 30, "stop_reason": "early_stopping", "n_synthetic": 90,
         "generator_relabelled": 10, "generator_params": {"epochs": 300, "batch_size": 500}},
        {**base, "method": "causalmix", "started": "2026-12-06T12:00:00Z", "seconds": 1800.0,
         "n_iter": 100, "stop_reason": "max_iter", "n_synthetic": 48},
    ]
    text = run_section(records)
    assert "2 runs from 2026-12-06 10:00 to 2026-12-06 12:30 UTC" in text and "1.5 run-hours" in text
    assert "Code: abc1234; tabpfn 9.2.0." in text and "x86_64, 2 cores" in text
    assert "ctgan epochs 300, batch_size 500" in text
    assert "redrawn: 10.0%" in text and "early_stopping 1, max_iter 1" in text
    assert run_section([{"status": "ok"}]) is None  # records from before provenance


def test_zero_shot_all_puts_the_validation_rows_in_its_context(tiny_checkpoint, monkeypatch):
    from skcausalmix.finetuning import CausalMixTabPFNClassifier

    seen = []
    real_fit = CausalMixTabPFNClassifier.fit

    def spy(self, X, y, **kwargs):
        seen.append((len(X), kwargs.get("X_val") is None))
        return real_fit(self, X, y, **kwargs)

    monkeypatch.setattr(CausalMixTabPFNClassifier, "fit", spy)
    config = _config(tiny_checkpoint, methods=["zero-shot", "zero-shot-all"], classic_augmenters=[])
    records = [run_one(run, config) for run in plan_runs(config)]
    assert [r["status"] for r in records] == ["ok", "ok"]
    assert seen == [(36, False), (48, True)]  # 48 rows: 36 to train, 12 to validate

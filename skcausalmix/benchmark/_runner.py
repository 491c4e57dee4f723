"""One benchmark run, and many of them as Dask tasks with resumable results."""

import json
import os
import time
import traceback
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ._datasets import TooFewRows, cap_dataset, list_datasets, load_dataset, split_scarce
from ._methods import (
    AUGMENTERS,
    CLASSIC_MODELS,
    DEFAULT_AUGMENTERS,
    DEFAULT_FINETUNE_METHODS,
    FINETUNE_METHODS,
    classic_pipeline,
    finetune_params,
)
from ._report import write_report
from ._results import read_results, results_writer


@dataclass
class BenchmarkConfig:
    """What to run. Every field has a command-line option of the same name."""

    datasets: str = None
    names: list = None
    sizes: list = field(default_factory=lambda: [64, 128, 256])
    seeds: list = field(default_factory=lambda: [0, 1, 2])
    methods: list = field(default_factory=lambda: list(DEFAULT_FINETUNE_METHODS))
    classic_augmenters: list = field(default_factory=lambda: list(DEFAULT_AUGMENTERS))
    classic_models: list = field(default_factory=lambda: list(CLASSIC_MODELS))
    # "augment": one synthetic row per real row, class proportions kept; "balance": every
    # augmenter brings the classes to the largest (imbalanced-learn's sampling_strategy="auto").
    classic_mode: str = "augment"
    model_path: str = "bundled"
    validation_fraction: float = 0.25
    max_test: int = 1000
    # Test rows scored at every validation check, for the val-test curve (a stratified part of
    # the test rows; None: all). Final scores always use every test row.
    max_curve_test: int = 300
    max_features: int = None
    max_classes: int = None
    # Fine-tuning settings: None keeps CausalMixTabPFNClassifier's own default.
    max_iter: int = None
    learning_rate: float | str = None
    n_iter_no_change: int = None
    scoring: str = None
    n_synthetic: float = None
    context_size: int = None
    query_size: int = None
    n_estimators_validation: int | str = None
    n_estimators_inference: int | str = None
    time_limit: float = None

    def validate(self):
        unknown = [m for m in self.methods if m not in FINETUNE_METHODS]
        unknown += [a for a in self.classic_augmenters if a not in AUGMENTERS]
        unknown += [m for m in self.classic_models if m not in CLASSIC_MODELS]
        if unknown:
            raise ValueError(
                f"Unknown methods {unknown}; fine-tuning: {sorted(FINETUNE_METHODS)}, "
                f"augmenters: {list(AUGMENTERS)}, classic models: {list(CLASSIC_MODELS)}."
            )
        if not self.methods and not (self.classic_augmenters and self.classic_models):
            raise ValueError("Nothing to run: no fine-tuning methods and no classic-track "
                             "augmenter x model pair.")
        if self.classic_mode not in ("augment", "balance"):
            raise ValueError(f"classic_mode must be 'augment' or 'balance'; got {self.classic_mode!r}.")
        if not self.sizes or min(self.sizes) < 8:
            raise ValueError("sizes must be training sizes of at least 8 rows.")
        if not 0 < self.validation_fraction < 1:
            raise ValueError("validation_fraction must be between 0 and 1.")
        if not self.seeds or min(self.seeds) < 0:
            raise ValueError(f"seeds must be one or more non-negative integers; got {self.seeds}.")
        for name, low in (("max_test", 1), ("max_curve_test", 1), ("max_features", 1),
                          ("max_classes", 2)):
            value = getattr(self, name)
            if value is not None and value < low:
                raise ValueError(f"{name} must be at least {low}; got {value}.")
        if not self.datasets:
            raise ValueError("datasets is required: a folder with manifest.json and CSV files, "
                             "'openml:ID,ID' or 'openml-suite:NAME'.")
        # A generator whose package is missing would fail every one of its runs, hours in.
        needs = {"ctgan": "ctgan", "tabebm": "tabebm", "gaussian-copula": "sdv"}
        for name in sorted({*self.methods, *self.classic_augmenters} & set(needs)):
            try:
                __import__(needs[name])
            except ImportError as exc:
                raise ImportError(
                    f"method {name!r} needs the {needs[name]!r} package ({exc}); install the "
                    "'benchmark' extra: pip install -e '.[benchmark]'"
                ) from None
        for method in self.methods:
            # Every run of the method would fail on the same bad setting: say so now.
            _classifier(self, {"method": method, "seed": 0})._validate_params()
        return self


def plan_runs(config):
    """Every (dataset, size, seed, track, method) run, as small picklable dicts."""
    refs = list_datasets(config.datasets, config.names)
    runs = []
    # Seeds outermost: an interrupted benchmark has whole seeds of every dataset and size.
    for seed in config.seeds:
        for ref in refs:
            for size in config.sizes:
                base = {"dataset": ref.name, "ref": asdict(ref), "size": int(size),
                        "seed": int(seed)}
                for method in config.methods:
                    runs.append({**base, "track": "finetune", "method": method, "model": "TabPFN"})
                for aug in config.classic_augmenters:
                    for model in config.classic_models:
                        runs.append({**base, "track": "classic", "method": aug, "model": model,
                                     "mode": config.classic_mode})
    for run in runs:
        run["run_id"] = "|".join(str(run[k]) for k in
                                 ("dataset", "size", "seed", "track", "method", "model"))
        if run.get("mode") == "balance":  # its own runs, beside augmentation's in one folder
            run["run_id"] += "|balance"
    return runs


def run_one(run, config):
    """Execute one run; failures come back as a record, never as an exception."""
    from ._datasets import DatasetRef

    started = time.perf_counter()
    record = {k: run[k] for k in ("run_id", "dataset", "size", "seed", "track", "method", "model")}
    record["started"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    if "mode" in run:
        record["mode"] = run["mode"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _limit_threads()
            X, y = load_dataset(DatasetRef(**run["ref"]))
            # Both tracks see the same capped data: the model's limits.
            limits = _model_limits(config)
            X, y, caps = cap_dataset(X, y, max_classes=limits[0], max_features=limits[1])
            parts = split_scarce(X, y, n_train=run["size"], validation_fraction=config.validation_fraction,
                                 max_test=config.max_test, seed=run["seed"])
            record.update(caps=caps, n_features=int(X.shape[1]), n_classes=int(len(np.unique(y))),
                          n_train=len(parts[1]), n_val=len(parts[3]), n_test=len(parts[5]))
            if run["track"] == "finetune":
                record.update(_finetune(run, config, *parts))
            else:
                record.update(_classic(run, config, *parts))
        record["status"] = "ok"
    except TooFewRows as exc:  # sonar's 208 rows at size 256: no such run, not a failed one
        record.update(status="not_applicable", reason=str(exc))
    except Exception as exc:  # one failing run must not stop the others
        record.update(status="error", error=f"{type(exc).__name__}: {exc}",
                      traceback=traceback.format_exc(limit=8))
    record["seconds"] = round(time.perf_counter() - started, 3)
    return record


#: BenchmarkConfig fields that are CausalMixTabPFNClassifier parameters of the same name.
CLASSIFIER_FIELDS = ("max_iter", "learning_rate", "n_iter_no_change", "scoring", "context_size",
                     "query_size", "n_estimators_validation", "n_estimators_inference", "time_limit")


def _classifier(config, run):
    from ..finetuning import CausalMixTabPFNClassifier

    params = finetune_params(run["method"], config.n_synthetic, run["seed"], config.model_path)
    for name in CLASSIFIER_FIELDS:
        value = getattr(config, name)
        if value is not None:
            params.setdefault(name, value)
    return CausalMixTabPFNClassifier(
        model_path=config.model_path, device="cpu", random_state=run["seed"], **params,
    )


def _finetune(run, config, X_tr, y_tr, X_va, y_va, X_te, y_te):
    from ..finetuning._loop import classification_scores

    clf = _classifier(config, run)
    if run["method"] == "zero-shot-all":  # every training row in the context, none validating
        X_tr = pd.concat([X_tr, X_va], ignore_index=True)
        y_tr, X_va, y_va = np.r_[y_tr, y_va], None, None
    curve_rows = curve_subset(y_te, config.max_curve_test, run["seed"])
    clf.fit(X_tr, y_tr, X_val=X_va, y_val=y_va,
            eval_set=(X_te.iloc[curve_rows] if hasattr(X_te, "iloc") else X_te[curve_rows],
                      np.asarray(y_te)[curve_rows]))
    codes = np.searchsorted(clf.classes_, y_te)
    scores = classification_scores(codes, clf.predict_proba(X_te), len(clf.classes_))
    curve = lambda key: [h[key] for h in clf.history_]  # noqa: E731
    return {
        "test_roc_auc": scores["roc_auc"], "test_log_loss": scores["log_loss"],
        "best_iter": int(clf.best_iter_), "n_iter": int(clf.n_iter_), "stop_reason": clf.stop_reason_,
        **_generator_record(clf.augmenter_),
        "n_synthetic": int(clf.n_synthetic_), "augment_seconds": round(clf.augment_seconds_, 3),
        "scoring": clf.scoring, "n_curve_test": len(curve_rows), "check_iters": curve("iter"),
        "valid_curve": curve("valid_score"), "valid_real_curve": curve("valid_roc_auc"),
        "test_curve": curve("eval_roc_auc"), "test_log_loss_curve": curve("eval_log_loss"),
        "train_loss_curve": curve("train_loss"),
        "model_path": str(clf.model_path_),
    }


def curve_subset(y, limit, seed):
    """Sorted positions of at most ``limit`` rows of ``y``, stratified where every class allows."""
    from sklearn.model_selection import train_test_split

    y = np.asarray(y)
    every = np.arange(len(y))
    if limit is None or len(y) <= limit:
        return every
    try:
        part, _ = train_test_split(every, train_size=limit, stratify=y, random_state=seed)
    except ValueError:  # a class with a single test row cannot be stratified
        part, _ = train_test_split(every, train_size=limit, random_state=seed)
    return np.sort(part)


def _classic(run, config, X_tr, y_tr, X_va, y_va, X_te, y_te):
    import pandas as pd
    from sklearn.metrics import balanced_accuracy_score, f1_score

    from ..finetuning._loop import classification_scores

    # Classic models need no early stopping: they train on train + validation rows.
    X_fit = pd.concat([X_tr, X_va], ignore_index=True)
    y_fit = np.concatenate([y_tr, y_va])
    pipe = classic_pipeline(run["method"], run["model"], X_fit, run["seed"],
                            balance=run.get("mode") == "balance", model_path=config.model_path)
    pipe.fit(X_fit, y_fit)
    augmenter = pipe.named_steps["augment"]
    extra = _generator_record(augmenter if augmenter != "passthrough" else None)
    extra["n_synthetic"] = int(getattr(augmenter, "synthetic_mask_", np.zeros(0, bool)).sum())
    classes = list(pipe.classes_)
    codes = np.array([classes.index(v) for v in y_te])
    scores = classification_scores(codes, pipe.predict_proba(X_te), len(classes))
    predicted = pipe.predict(X_te)
    # The class imbalanced-learn's users care for: the rarest in training.
    names, counts = np.unique(y_fit, return_counts=True)
    minority = names[np.argmin(counts)]
    return {"test_roc_auc": scores["roc_auc"], "test_log_loss": scores["log_loss"],
            "balanced_accuracy": float(balanced_accuracy_score(y_te, predicted)),
            "minority_f1": float(f1_score(y_te, predicted, labels=[minority], average="macro", zero_division=0)),
            "minority_class": str(minority), **extra}


def _generator_record(augmenter):
    """A generator baseline's own seconds and relabelled rows, where it has them."""
    record = {}
    if augmenter is not None and hasattr(augmenter, "fit_seconds_"):
        record["generator_seconds"] = round(augmenter.fit_seconds_, 3)
    if augmenter is not None and hasattr(augmenter, "n_relabelled_"):
        record["generator_relabelled"] = int(augmenter.n_relabelled_)
    if augmenter is not None and hasattr(augmenter, "fit_seconds_"):
        params = augmenter.get_params()
        record["generator_params"] = {k: params[k] for k in ("epochs", "batch_size", "sgld_steps")
                                      if k in params}
    return record


#: BenchmarkConfig fields a run's result depends on: a folder's runs must agree on them.
#: The others (which datasets, sizes, seeds, methods) only add or leave out runs.
RESULT_FIELDS = ("model_path", "validation_fraction", "max_test", "max_curve_test", "max_features",
                 "max_classes", "classic_mode", "n_synthetic", *CLASSIFIER_FIELDS)


def check_resumable(config, out):
    """Refuse to add runs to ``out`` whose recorded runs were made with other settings."""
    path = Path(out) / "config.json"
    if not path.exists() or not read_results(out):
        return
    before = json.loads(path.read_text())
    now = asdict(config)
    changed = [f"{k}: {before.get(k)!r} there, {now[k]!r} now" for k in RESULT_FIELDS
               if k in before and before[k] != now[k]]
    if changed:
        raise ValueError(
            f"{out} holds runs made with other settings ({'; '.join(changed)}); their results "
            "and these would not be comparable. Use another --out, or the same settings."
        )


def code_provenance():
    """What made a record: the package's commit (``+``: uncommitted changes) and versions."""
    import platform
    import subprocess
    from importlib import metadata

    root = Path(__file__).resolve().parents[2]
    commit = None
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--",
                                "skcausalmix"], cwd=root, capture_output=True, text=True,
                               check=True).stdout.strip()
        commit = head + ("+" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        pass  # an installed package, not a checkout
    versions = {}
    for package in ("skcausalmix", "tabpfn", "torch", "scikit-learn", "pandas", "numpy", "ctgan",
                    "sdv", "tabebm"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {"commit": commit, "versions": versions,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}"}


def _model_limits(config):
    """(max classes, max features) of the checkpoint, tightened by the config."""
    from ..finetuning import resolve_model_path
    from ..finetuning import _tabpfn_adapter as tabpfn

    key = str(config.model_path)
    if key not in _LIMITS:
        max_classes, _, max_features, _ = tabpfn.checkpoint_limits(resolve_model_path(config.model_path))
        _LIMITS[key] = (max_classes, max_features)
    max_classes, max_features = _LIMITS[key]
    return (min(max_classes, config.max_classes or max_classes),
            min(max_features, config.max_features or max_features))


_LIMITS = {}


def _limit_threads():
    # Each Dask worker is one process on one core: torch must not oversubscribe.
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass


def run_benchmark(config, out_dir, *, scheduler=None, n_workers=2, retry_failed=False,
                  progress=True, report=True):
    """Run every planned run not finished in ``out_dir`` on Dask; append results.

    Parameters
    ----------
    config : BenchmarkConfig
    out_dir : path
        Results (``results.jsonl``, one JSON record per run, appended as runs
        finish), ``config.json``, and the report.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``); default: a
        ``LocalCluster`` of ``n_workers`` single-threaded processes.
    retry_failed : bool
        Run again the runs recorded as failed (finished ones are always
        skipped).
    report : bool, default=True
        Write ``report.md`` and its plots (:func:`write_report`) once the runs
        are done.

    Returns
    -------
    dict with the numbers of planned, skipped, done and failed runs.
    """
    from dask.distributed import Client, LocalCluster, as_completed

    config.validate()
    if scheduler is None and not (isinstance(n_workers, int) and n_workers >= 1):
        raise ValueError(f"n_workers must be a positive integer; got {n_workers!r}.")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    check_resumable(config, out)
    runs = plan_runs(config)
    provenance = code_provenance()
    previous = {r["run_id"]: r for r in read_results(out)}
    finished = {i for i, r in previous.items() if r["status"] != "error" or not retry_failed}
    pending = [r for r in runs if r["run_id"] not in finished]
    (out / "config.json").write_text(json.dumps(asdict(config), indent=2))
    summary = {"planned": len(runs), "skipped": len(runs) - len(pending), "done": 0, "failed": 0,
               "not_applicable": 0}
    if pending:
        if scheduler:
            client, cluster = Client(scheduler), None
        else:
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                   dashboard_address=":0")
            client = Client(cluster)
        bar = _bar(len(pending), progress)
        try:
            # Fine-tuning runs first: they are the long ones.
            pending.sort(key=lambda r: r["track"] != "finetune")
            futures = {client.submit(run_one, run, config, pure=False, key=_key(run)): run
                       for run in pending}
            with results_writer(out) as write:
                for future in as_completed(futures):
                    try:
                        record = future.result()
                    except Exception as exc:  # the worker itself died
                        run = futures[future]
                        record = {k: run[k] for k in ("run_id", "dataset", "size", "seed",
                                                      "track", "method", "model")}
                        record.update(status="error", error=f"{type(exc).__name__}: {exc}")
                    record.update(provenance)
                    write(record)
                    summary["done"] += 1
                    summary["failed"] += record["status"] == "error"
                    summary["not_applicable"] += record["status"] == "not_applicable"
                    if bar is not None:
                        bar.update(1)
                        bar.set_postfix(failed=summary["failed"])
        finally:
            if bar is not None:
                bar.close()
            client.close()
            if cluster is not None:
                cluster.close()
    if report:
        write_report(out)
    return summary


def _key(run):
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in run["run_id"])
    return f"run-{safe}-{os.urandom(3).hex()}"


def _bar(total, progress):
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="benchmark runs", unit="run")

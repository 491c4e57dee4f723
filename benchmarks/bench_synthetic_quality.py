"""How close are CausalMixAugmenter's synthetic rows to unseen real rows? A table per variant.

    python -m benchmarks.bench_synthetic_quality [--data-dir ../shared/datasets] [--rows 256]
        [--seeds 3] [--variant NAME=JSON ...] [--datasets a,b] [--out runs.csv]
    python -m benchmarks.bench_synthetic_quality --summarize runs.csv [more.csv ...]

Each dataset is split, stratified, into ``--rows`` training rows and up to
``--holdout`` held-out real rows (datasets with fewer than 64 rows left over
are skipped). Every variant (``CausalMixAugmenter``
keyword arguments as JSON; ``regressor`` and ``classifier`` as ``"module.Class"``
or ``{"class": "module.Class", "params": {...}}``; by default ``shared={"mechanisms": "shared"}``,
``per_class={"mechanisms": "per_class"}`` (the default) and ``per_class_real``,
which adds ``"marginals": "real"``) is fitted on the training rows and
samples as many synthetic rows as there are held-out ones, with the training
rows' class proportions. Three numbers per run, all against the held-out rows:

- ``c2st``: a classifier two-sample test, the 3-fold cross-validated ROC-AUC
  of a HistGradientBoostingClassifier telling synthetic from held-out real
  rows (label included as a column). 0.5 means indistinguishable; lower is
  better.
- ``tstr``: train on synthetic, test on real: ROC-AUC on the held-out rows of
  a RandomForest fitted on the synthetic rows only (``trtr``: the same forest
  fitted on the training rows, the ceiling it is compared with).
- ``aug``: ROC-AUC of the forest fitted on training plus synthetic rows.

The summary prints, per variant, the median and mean over datasets (each
dataset's mean over seeds) and on how many datasets each variant beats the
first one.
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import DATASETS, auc

DEFAULT_VARIANTS = {"shared": {"mechanisms": "shared"}, "per_class": {"mechanisms": "per_class"},
                    "per_class_real": {"mechanisms": "per_class", "marginals": "real"}}
METRICS = ("c2st", "tstr", "trtr", "aug")
MIN_HOLDOUT = 64


def _encode(frames):
    """Numeric matrices for several frames with shared category codes (NaN kept)."""
    joined = pd.concat(frames, ignore_index=True)
    out = pd.DataFrame(index=joined.index)
    for c in joined.columns:
        col = joined[c]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            out[c] = col.astype(float)
        else:
            codes, _ = pd.factorize(col.astype("string"), use_na_sentinel=True)
            out[c] = np.where(codes < 0, np.nan, codes)
    bounds = np.cumsum([0] + [len(f) for f in frames])
    return [out.iloc[a:b].to_numpy(dtype=float) for a, b in zip(bounds[:-1], bounds[1:])]


def _forest_auc(X_fit, y_fit, X_test, y_test, classes, seed):
    from sklearn.ensemble import RandomForestClassifier

    forest = RandomForestClassifier(n_estimators=200, n_jobs=1, random_state=seed).fit(X_fit, y_fit)
    proba = np.zeros((len(X_test), len(classes)))
    # A class missing from the fitting rows gets probability 0.
    proba[:, np.searchsorted(classes, forest.classes_)] = forest.predict_proba(X_test)
    return auc(y_test, proba, classes)


def quality(X_train, y_train, X_hold, y_hold, params, seed):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    from skcausalmix.over_sampling import CausalMixAugmenter

    aug = CausalMixAugmenter(n_synthetic=len(y_hold), random_state=seed, **params)
    start = time.perf_counter()
    X_res, y_res = aug.fit_resample(X_train, y_train)
    seconds = time.perf_counter() - start
    mask = aug.synthetic_mask_
    X_syn, y_syn = X_res[mask].reset_index(drop=True), np.asarray(y_res)[mask]
    A_train, A_hold, A_syn = _encode([X_train, X_hold, X_syn])
    classes = np.unique(y_train)
    code = {c: i for i, c in enumerate(classes)}

    def with_label(A, y):
        return np.c_[A, [code[v] for v in y]]

    both = np.vstack([with_label(A_hold, y_hold), with_label(A_syn, y_syn)])
    is_syn = np.r_[np.zeros(len(A_hold)), np.ones(len(A_syn))]
    c2st = cross_val_score(
        HistGradientBoostingClassifier(max_iter=100, random_state=seed), both, is_syn,
        cv=StratifiedKFold(3, shuffle=True, random_state=seed), scoring="roc_auc",
    ).mean()
    return {
        "c2st": c2st,
        "tstr": _forest_auc(A_syn, y_syn, A_hold, y_hold, classes, seed),
        "trtr": _forest_auc(A_train, y_train, A_hold, y_hold, classes, seed),
        "aug": _forest_auc(np.vstack([A_train, A_syn]), np.r_[y_train, y_syn], A_hold, y_hold, classes, seed),
        "seconds": seconds,
    }


def split(X, y, rows, holdout, seed):
    from sklearn.model_selection import train_test_split

    X_train, X_rest, y_train, y_rest = train_test_split(X, y, train_size=rows, stratify=y, random_state=seed)
    if len(y_rest) > holdout:
        X_rest, _, y_rest, _ = train_test_split(X_rest, y_rest, train_size=holdout, stratify=y_rest,
                                                random_state=seed)
    return (X_train.reset_index(drop=True), np.asarray(y_train),
            X_rest.reset_index(drop=True), np.asarray(y_rest))


def summarize(frame):
    per_dataset = frame.groupby(["variant", "dataset"])[list(METRICS)].mean()
    variants = list(dict.fromkeys(frame["variant"]))
    first = per_dataset.loc[variants[0]]
    lines = ["| variant | datasets | c2st (lower better) | tstr | aug | trtr "
             "| c2st better | tstr better | aug better |", "|---|---|---|---|---|---|---|---|---|"]
    for v in variants:
        t = per_dataset.loc[v]
        common = t.index.intersection(first.index)

        def cell(m):
            return f"{t[m].median():.4f} / {t[m].mean():.4f}"

        def better(m, sign):
            return f"{int((sign * (t.loc[common, m] - first.loc[common, m]) > 0).sum())}/{len(common)}"

        lines.append(f"| {v} | {len(t)} | {cell('c2st')} | {cell('tstr')} | {cell('aug')} | {cell('trtr')} | "
                     f"{better('c2st', -1)} | {better('tstr', 1)} | {better('aug', 1)} |")
    return "\n".join(lines)


def _variant(text):
    name, sep, params = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=JSON, e.g. per_class='{{\"mechanisms\": \"per_class\"}}'; "
                                         f"got {text!r}")
    try:
        value = json.loads(params)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"{name}: not JSON ({exc})") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"{name}: expected a JSON object of keyword arguments")
    for key in ESTIMATOR_KEYS & value.keys():
        value[key] = _estimator(name, key, value[key])
    return name, value


ESTIMATOR_KEYS = {"regressor", "classifier"}


def _estimator(variant, key, spec):
    """``"module.Class"`` or ``{"class": "module.Class", "params": {...}}`` -> an instance."""
    import importlib

    path, params = (spec, {}) if isinstance(spec, str) else (spec.get("class"), spec.get("params", {}))
    module, _, cls = str(path).rpartition(".")
    try:
        return getattr(importlib.import_module(module), cls)(**params)
    except (ImportError, AttributeError, TypeError, ValueError) as exc:
        raise argparse.ArgumentTypeError(
            f"{variant}: {key} {spec!r} is not an estimator to build ({exc}); give \"module.Class\" or "
            '{"class": "module.Class", "params": {...}}'
        ) from None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=DATASETS)
    parser.add_argument("--datasets", default=None, help="comma-separated names (default: all)")
    parser.add_argument("--rows", type=int, default=256)
    parser.add_argument("--holdout", type=int, default=512)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--variant", type=_variant, action="append", default=None)
    parser.add_argument("--out", type=Path, default=None, help="write every run to this CSV")
    parser.add_argument("--summarize", nargs="+", type=Path, default=None, help="only summarize these CSVs")
    args = parser.parse_args(argv)
    if args.summarize:
        print(summarize(pd.concat([pd.read_csv(p) for p in args.summarize], ignore_index=True)))
        return
    from skcausalmix.benchmark import list_datasets, load_dataset

    variants = dict(args.variant) if args.variant else DEFAULT_VARIANTS
    names = [n.strip() for n in args.datasets.split(",")] if args.datasets else None
    warnings.filterwarnings("ignore")
    records = []
    for ref in list_datasets(args.data_dir, names):
        X, y = load_dataset(ref)
        if len(y) < args.rows + MIN_HOLDOUT:
            print(f"{ref.name}: skipped ({len(y)} rows; --rows {args.rows} needs {args.rows + MIN_HOLDOUT}, "
                  f"{MIN_HOLDOUT} of them held out)", flush=True)
            continue
        for seed in range(args.seeds):
            try:
                parts = split(X, y, args.rows, args.holdout, seed)
            except ValueError as exc:  # too few rows, or a class too small to stratify
                print(f"{ref.name}: skipped ({str(exc)[:80]})", flush=True)
                break
            for name, params in variants.items():
                row = {"dataset": ref.name, "seed": seed, "variant": name,
                       **quality(*parts, params, seed)}
                records.append(row)
                print(f"{ref.name} seed {seed} {name}: " + " ".join(f"{m} {row[m]:.4f}" for m in METRICS)
                      + f" ({row['seconds']:.1f} s)", flush=True)
        if args.out and records:
            pd.DataFrame(records).to_csv(args.out, index=False)
    if not records:
        raise SystemExit("No dataset could be run.")
    print()
    print(summarize(pd.DataFrame(records)))


if __name__ == "__main__":
    main()

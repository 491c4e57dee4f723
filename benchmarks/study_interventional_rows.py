"""Do synthetic rows with randomised root causes make classic models more robust to shift?

    python -m benchmarks.study_interventional_rows run --datasets ../shared/datasets --out benchmarks/results/interventional_rows
    python -m benchmarks.study_interventional_rows report --out benchmarks/results/interventional_rows

The question behind a possible augmenter option (issue "What-if sampling"): besides
CausalMix's observational rows, rows sampled under ``do(root = random)``, every root
cause of the fitted graph drawn from its marginal over all training rows (so no longer
tied to the class), its descendants following through the fitted equations.

**Shift.** For every table and each of two numeric columns (chosen at random, seed 0,
among those with at least 10 distinct values and at most 10 % missing), the rows at or below the column's 60th
percentile are the source: ``--size`` training rows are drawn from it (stratified) and
up to ``--max-test`` other source rows are the in-distribution test; the rows above the
percentile (at most ``--max-test``) are the shifted test. Tables whose source is too
small for ``--size`` training rows and 50 test rows are left out. The shifted column is seen in
training, only over a narrower range.

**Methods**, each before LogisticRegression, RandomForest and HistGradientBoosting (the
benchmark's classic models and preprocessing): no synthetic rows; CausalMix (one
synthetic row per real row, observational); the real rows with as many rows under
``do(roots)`` from the same fitted SCM, in place of CausalMix's observational ones. One variant, fixed before the run: nothing is chosen on these tables.
ROC-AUC (one-vs-rest macro) on both tests. Resumable: finished runs are skipped.
"""

import argparse
import json
import time
import traceback
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import DATASETS, seed_list

METHODS = ("none", "causalmix", "causalmix_do_roots")
QUANTILE = 0.6
N_SHIFTS = 2


def shift_columns(X, n=N_SHIFTS):
    numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c]) and X[c].nunique() >= 10
               and X[c].isna().mean() <= 0.1]
    rng = np.random.RandomState(0)
    return sorted(rng.choice(numeric, size=min(n, len(numeric)), replace=False).tolist(), key=numeric.index)


def shifted_split(X, y, column, size, seed, max_test):
    from sklearn.model_selection import train_test_split

    values = X[column]
    source = (values <= values.quantile(QUANTILE)).to_numpy()
    Xs, ys = X[source], y[source]
    # Classes that would get fewer than 2 training rows (the augmenter's minimum) stay out.
    names, counts = np.unique(ys, return_counts=True)
    keep = np.isin(ys, names[(counts * size / len(ys) >= 2.5) & (counts >= 6)])
    Xs, ys = Xs[keep], ys[keep]
    X_tr, X_iid, y_tr, y_iid = train_test_split(Xs, ys, train_size=size, stratify=ys, random_state=seed)
    rng = np.random.RandomState(seed)
    iid = rng.permutation(len(y_iid))[:max_test]
    shifted = np.flatnonzero(~source & np.isin(y, np.unique(y_tr)))
    shifted = rng.permutation(shifted)[:max_test]
    return X_tr, y_tr, X_iid.iloc[iid], y_iid[iid], X.iloc[shifted], y[shifted]


def root_rows(scm, X_tr, y_syn, seed):
    """``len(y_syn)`` rows of the given classes under do(every root = a draw from its marginal)."""
    rng = np.random.RandomState(seed)
    B = scm.adjacency_.to_numpy()
    roots = [name for name, has_parent in zip(scm.adjacency_.index, (B != 0).any(axis=1))
             if not has_parent and scm.feature_kinds_[name] != "constant"]

    def draw(name):
        pool = X_tr[name].dropna().to_numpy()
        return lambda rows: pool[rng.randint(len(pool), size=len(rows))]

    X_do, y_do = scm.sample(y=y_syn, do={name: draw(name) for name in roots}, random_state=seed)
    return X_do, y_do, roots


def run_task(task):
    from sklearn.base import clone

    from skcausalmix.benchmark import DatasetRef, classic_models, load_dataset
    from skcausalmix.over_sampling import CausalMixAugmenter

    from benchmarks.common import auc

    X, y = load_dataset(DatasetRef(**task["ref"]))
    X_tr, y_tr, X_iid, y_iid, X_sh, y_sh = shifted_split(X, y, task["column"], task["size"], task["seed"],
                                                         task["max_test"])
    classes = np.unique(y_tr)
    t0 = time.perf_counter()
    aug = CausalMixAugmenter(n_synthetic=1.0, random_state=task["seed"])
    X_cm, y_cm = aug.fit_resample(X_tr, y_tr)
    synthetic = aug.synthetic_mask_
    X_do, y_do, roots = root_rows(aug.scm_, X_tr, np.asarray(y_cm)[synthetic], task["seed"])
    seconds = time.perf_counter() - t0
    data = {
        "none": (X_tr, y_tr),
        "causalmix": (X_cm, y_cm),
        "causalmix_do_roots": (pd.concat([X_tr.reset_index(drop=True), X_do.reset_index(drop=True)]),
                               np.concatenate([y_tr, y_do])),
    }
    records = []
    for model_name, model in classic_models(X_tr, task["seed"]).items():
        if model_name == "kNN":
            continue
        for method, (X_fit, y_fit) in data.items():
            est = clone(model).fit(X_fit, np.asarray(y_fit))
            records.append({
                "model": model_name, "method": method,
                "auc_iid": auc(y_iid, est.predict_proba(X_iid), classes),
                "auc_shift": auc(y_sh, est.predict_proba(X_sh), classes),
            })
    return {"records": records, "roots": len(roots), "n_features": X.shape[1], "scm_seconds": seconds,
            "n_iid": len(y_iid), "n_shift": len(y_sh)}


def _key(task):
    return "|".join(f"{k}={task[k]}" for k in ("dataset", "column", "size", "seed"))


def _safe(task):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return {**task, **run_task(task), "ok": True}
        except Exception as exc:  # a failed run is recorded, never silently dropped
            return {**task, "ok": False, "error": f"{type(exc).__name__}: {exc}",
                    "traceback": traceback.format_exc(limit=3)}


def run(args):
    from skcausalmix.benchmark import list_datasets, load_dataset

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "runs.jsonl"
    done = set()
    if path.exists():  # failed runs are tried again
        done = {_key(r) for r in map(json.loads, path.read_text().splitlines()) if r["ok"]}
    tasks = []
    for ref in list_datasets(args.datasets, args.names):
        X, _ = load_dataset(ref)
        for column in shift_columns(X):
            if (X[column] <= X[column].quantile(QUANTILE)).sum() < args.size + 50:
                print(f"{ref.name}: too few rows for {args.size} training rows and a test", flush=True)
                break
            for seed in args.seeds:
                task = {"dataset": ref.name, "ref": {"kind": ref.kind, "name": ref.name, "location": ref.location},
                        "column": column, "size": args.size, "seed": seed, "max_test": args.max_test}
                if _key(task) not in done:
                    tasks.append(task)
    print(f"{len(done)} runs done, {len(tasks)} to run", flush=True)
    with open(path, "a") as sink:
        for i, task in enumerate(tasks, 1):
            t = time.perf_counter()
            record = _safe(task)
            record.pop("ref")
            sink.write(json.dumps(record) + "\n")
            sink.flush()
            print(f"[{i}/{len(tasks)}] {_key(task)} {'ok' if record['ok'] else record['error']} "
                  f"{time.perf_counter() - t:.0f}s", flush=True)


def report(args):
    out = Path(args.out)
    # The last record of each run: a retried failure counts once.
    runs = list({_key(r): r for r in map(json.loads, (out / "runs.jsonl").read_text().splitlines())}.values())
    ok = [r for r in runs if r["ok"]]
    rows = [{"dataset": r["dataset"], "column": r["column"], "seed": r["seed"], **rec}
            for r in ok for rec in r["records"]]
    frame = pd.DataFrame(rows)
    keys = ["dataset", "column", "seed", "model"]
    wide = frame.pivot_table(index=keys, columns="method", values=["auc_iid", "auc_shift"])
    tried = sum(1 for _ in (out / "runs.jsonl").read_text().splitlines())
    lines = [f"{len(ok)} runs ok, {len(runs) - len(ok)} failed ({tried - len(runs)} earlier failures retried); "
             f"{frame.dataset.nunique()} tables, "
             f"{len(ok) and np.mean([r['roots'] for r in ok]):.1f} roots of "
             f"{len(ok) and np.mean([r['n_features'] for r in ok]):.1f} features on average.", "",
             f"Augmenter fit and sampling: {np.median([r['scm_seconds'] for r in ok]):.2f} s (median).", "",
             "Change of test ROC-AUC against no synthetic rows: mean over tables of each table's mean over",
             "its (column, seed) runs, [95 % bootstrap interval over tables], and runs won / lost.", "",
             "| model | test | CausalMix | do(roots) rows | do(roots) - CausalMix |",
             "|---|---|---|---|---|"]
    rng = np.random.RandomState(0)

    def cell(delta):
        per_table = delta.groupby(level="dataset").mean()
        boots = [per_table.sample(len(per_table), replace=True, random_state=rng).mean() for _ in range(2000)]
        lo, hi = np.percentile(boots, [2.5, 97.5])
        return f"{per_table.mean():+.4f} [{lo:+.4f}, {hi:+.4f}] ({(delta > 0).sum()}/{(delta < 0).sum()})"

    for model in sorted(frame.model.unique()):
        part = wide.xs(model, level="model")
        for test in ("auc_iid", "auc_shift"):
            base = part[(test, "none")]
            cm = part[(test, "causalmix")] - base
            do = part[(test, "causalmix_do_roots")] - base
            diff = part[(test, "causalmix_do_roots")] - part[(test, "causalmix")]
            lines.append(f"| {model} | {'in distribution' if test == 'auc_iid' else 'shifted'} | "
                         f"{cell(cm)} | {cell(do)} | {cell(diff)} |")
    print("\n".join(lines))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=["run", "report"])
    parser.add_argument("--out", required=True)
    parser.add_argument("--datasets", default=str(DATASETS))
    parser.add_argument("--names", type=lambda s: s.split(","), default=None)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--seeds", type=seed_list, default=[0, 1])
    parser.add_argument("--max-test", type=int, default=500)
    args = parser.parse_args(argv)
    run(args) if args.kind == "run" else report(args)


if __name__ == "__main__":
    main()

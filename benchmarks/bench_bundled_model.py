"""Zero-shot quality of a TabPFN checkpoint against classic baselines.

    python -m benchmarks.bench_bundled_model [--model bundled] [--sizes 64,128,256]
        [--seeds 5] [--datasets all] [--max-test 1000] [--out results.csv]

For every dataset in ../shared/datasets (or ``--data-dir``; classes with fewer than 10 rows are
dropped, and beyond the checkpoint's class limit only the most frequent classes kept, for every
method alike, as ``skcausalmix benchmark`` does), training size and seed: a stratified
training subsample, the rest (at most ``--max-test`` rows, stratified) as the
test set; test ROC-AUC (one-vs-rest macro for multiclass) of the checkpoint
zero-shot, run as skcausalmix runs it (``TabPFNClassifier`` with the ensemble
the checkpoint asks for, on the columns that vary in the training rows),
LogisticRegression, k-nearest
neighbours, RandomForest and HistGradientBoosting. The tables give the median
and mean over datasets (after averaging seeds) per size, and how often the
checkpoint beats each baseline; a last table splits the datasets by width
(at most / more than ``--width-cut`` features, the widest tasks of the
checkpoint's pretraining). With ``--reuse-baselines CSV`` the earlier file's
checkpoint runs are kept too, as "bundled (earlier)", so the tables compare
the two. ``--summarize CSV`` prints the tables of an earlier ``--out`` file
without running anything (``--sizes``/``--summary-seeds`` pick a part,
``--per-dataset`` adds each dataset's mean over seeds). ``--choice-tables NAMES`` reports the
datasets used for any choice apart from the others, so that a checkpoint is judged on tables
that did not pick it.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import (
    DATASETS,
    auc,
    checkpoint_proba,
    count_or_auto,
    inference_settings,
    manifest_widths,
    positive_int,
    positive_ints,
    seed_list,
    split,
)

OURS, EARLIER = "bundled (zero-shot)", "bundled (earlier)"


def baselines(X):
    from skcausalmix.benchmark._methods import classic_models

    return classic_models(X, random_state=0)


def run_one(name, X, y, size, seed, model_path, n_estimators, max_test, baselines_too=True,
            inference_config=None):
    X_tr, X_te, y_tr, y_te, classes = split(X, y, size, seed, max_test)
    rows = []
    t = time.perf_counter()
    proba, _ = checkpoint_proba(model_path, n_estimators, inference_config, seed, X_tr, y_tr, X_te)
    rows.append((OURS, auc(y_te, proba, classes), time.perf_counter() - t))
    for method, pipe in (baselines(X).items() if baselines_too else ()):
        t = time.perf_counter()
        pipe.fit(X_tr, y_tr)
        rows.append((method, auc(y_te, pipe.predict_proba(X_te), classes), time.perf_counter() - t))
    return [dict(dataset=name, size=size, seed=seed, method=m, roc_auc=a, seconds=s) for m, a, s in rows]


def summarize(results):
    df = pd.DataFrame(results)
    per = df.groupby(["size", "method", "dataset"])["roc_auc"].mean().reset_index()
    seconds = df.groupby(["size", "method"])["seconds"].mean()  # fit + predict
    lines = []
    for size, part in per.groupby("size"):
        wide = part.pivot(index="dataset", columns="method", values="roc_auc")
        ours = wide[OURS]
        lines.append(f"\n### {size} training rows ({len(wide)} datasets, "
                     f"{df[df['size'] == size]['seed'].nunique()} seeds)\n")
        lines.append("| method | median ROC-AUC | mean ROC-AUC | bundled wins | mean s per run |")
        lines.append("|---|---|---|---|---|")
        for method in wide.columns:
            wins = "" if method == OURS else f"{(ours > wide[method]).sum()}/{len(wide)}"
            secs = seconds.loc[(size, method)]
            lines.append(f"| {method} | {wide[method].median():.4f} | {wide[method].mean():.4f} | {wins} "
                         f"| {secs:.2f} |")
    return "\n".join(lines)


def split_summary(results, choice):
    """:func:`summarize` of the tables used for a choice and, apart, of the others."""
    if not choice:
        return summarize(results)
    df = pd.DataFrame(results)
    parts = []
    for title, part in (("Tables used for a choice", df[df["dataset"].isin(choice)]),
                        ("Tables not used for any choice", df[~df["dataset"].isin(choice)])):
        body = summarize(part.to_dict("records")) if len(part) else "\n(none)"
        parts.append(f"\n## {title}: {part['dataset'].nunique()} datasets\n{body}")
    return "\n".join(parts)


def ship_decision(results, choice):
    """Whether the checkpoint beats the earlier one (``--reuse-baselines``) in mean ROC-AUC at
    every size, on the tables not used for any choice: the model card's rule for shipping it."""
    df = pd.DataFrame(results)
    df = df[~df["dataset"].isin(choice or [])]
    if EARLIER not in set(df["method"]) or df.empty:
        return None
    per = df.groupby(["size", "method", "dataset"])["roc_auc"].mean().unstack("method")
    lines, wins = [], []
    for size, part in per.groupby(level="size"):
        both = part[[OURS, EARLIER]].dropna()
        wins.append(both[OURS].mean() > both[EARLIER].mean())
        lines.append(f"  {size} rows, {len(both)} datasets: mean ROC-AUC {both[OURS].mean():.4f} against "
                     f"{both[EARLIER].mean():.4f}")
    verdict = "ship it" if all(wins) else "keep the earlier file"
    return "\n".join([f"Ship decision on the tables not used for any choice: {verdict}", *lines])


def per_dataset(results):
    """Mean ROC-AUC over seeds, one row per dataset, one table per size."""
    per = pd.DataFrame(results).groupby(["size", "dataset", "method"])["roc_auc"].mean()
    lines = []
    for size, part in per.groupby("size"):
        table = part.droplevel("size").unstack("method")
        lines += [f"\n### Per dataset, {size} training rows (mean over seeds)\n",
                  "| dataset | " + " | ".join(table.columns) + " |", "|---" * (len(table.columns) + 1) + "|"]
        lines += [f"| {name} | " + " | ".join(f"{v:.4f}" for v in row) + " |" for name, row in table.iterrows()]
    return "\n".join(lines)


def by_width(results, cut, folder=DATASETS):
    """Median and mean per size for datasets with <= cut and > cut features (from ``folder``'s manifest)."""
    widths = manifest_widths(folder)
    if not widths:
        return f"\n(no width table: {Path(folder) / 'manifest.json'} gives no n_features)"
    df = pd.DataFrame(results)
    df = df[df["dataset"].isin(widths)]
    df["width"] = np.where(df["dataset"].map(widths) <= cut, f"<= {cut}", f"> {cut}")
    per = df.groupby(["size", "width", "method", "dataset"])["roc_auc"].mean().reset_index()
    table = per.groupby(["size", "width", "method"])["roc_auc"].agg(["median", "mean"])
    methods = sorted(per["method"].unique())
    lines = [f"\n### By width (features <= {cut} or > {cut}): median / mean ROC-AUC\n",
             "| rows | features | datasets | " + " | ".join(methods) + " |",
             "|---" * (len(methods) + 3) + "|"]
    for (size, width), part in per.groupby(["size", "width"]):
        cells = [f"{table.loc[(size, width, m), 'median']:.4f} / {table.loc[(size, width, m), 'mean']:.4f}"
                 for m in methods]
        lines.append(f"| {size} | {width} | {part['dataset'].nunique()} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="bundled", help="'bundled' or a checkpoint file")
    parser.add_argument("--sizes", type=positive_ints, default="64,128,256")
    parser.add_argument("--seeds", type=positive_int, default=5)
    parser.add_argument("--datasets", default="all", help="comma-separated names, or 'all'")
    parser.add_argument("--data-dir", type=Path, default=DATASETS,
                        help="folder of datasets (manifest.json and gzipped CSVs with a 'target' "
                             "column, the format of ../shared/datasets; default: that folder)")
    parser.add_argument("--n-estimators", type=count_or_auto, default="auto",
                        help="ensemble size; 'auto': the count of the ensemble the checkpoint "
                             "asks for (32 for the bundled model; tabpfn's 8 if none)")
    parser.add_argument("--features-per-member", type=positive_int, default=None,
                        help="columns each ensemble member sees (tabpfn's balanced subsampling); "
                             "default: the ensemble the checkpoint asks for (bundled model: a "
                             "quarter of the members on all columns, the rest on 5); 500 means "
                             "all columns (with --n-estimators 8: plain TabPFNClassifier)")
    parser.add_argument("--max-test", type=positive_int, default=1000)
    parser.add_argument("--out", default=None, help="CSV of all runs")
    parser.add_argument("--reuse-baselines", default=None, metavar="CSV",
                        help="take the baselines' scores from an earlier --out CSV (same "
                             "splits: they depend only on dataset, size and seed) and run "
                             "only the checkpoint")
    parser.add_argument("--width-cut", type=positive_int, default=30)
    parser.add_argument("--choice-tables", type=lambda text: [t for t in text.split(",") if t], default=None,
                        metavar="NAMES", help="comma-separated datasets used for any choice (an ensemble, a "
                        "prior, a recipe): summarised apart from the others")
    parser.add_argument("--summarize", default=None, metavar="CSV",
                        help="only print the tables of an earlier --out CSV")
    parser.add_argument("--summary-seeds", type=seed_list, default=None, metavar="S,S,...",
                        help="with --summarize: only these seeds")
    parser.add_argument("--per-dataset", action="store_true",
                        help="with --summarize: also each dataset's mean over seeds")
    args = parser.parse_args(argv)
    sizes = args.sizes
    for option in ("summarize", "reuse_baselines"):
        if getattr(args, option) and not Path(getattr(args, option)).is_file():
            parser.error(f"--{option.replace('_', '-')}: no such file: {getattr(args, option)}")
    if args.summarize:
        df = pd.read_csv(args.summarize)
        df = df[df["size"].isin(sizes)]
        if args.summary_seeds:
            df = df[df["seed"].isin(args.summary_seeds)]
        if df.empty:
            parser.error(f"{args.summarize} has no runs of sizes {sizes} (and the seeds asked for)")
        results = df.to_dict("records")
        print(split_summary(results, args.choice_tables))
        decision = ship_decision(results, args.choice_tables)
        if decision:
            print(decision)
        print(by_width(results, args.width_cut, args.data_dir))
        if args.per_dataset:
            print(per_dataset(results))
        return
    warnings.filterwarnings("ignore")
    from skcausalmix.finetuning import resolve_model_path

    try:
        model_path = resolve_model_path(args.model)
    except (ValueError, FileNotFoundError) as exc:
        parser.error(f"--model: {exc}")
    views, n_estimators = inference_settings(model_path, args.features_per_member, args.n_estimators)
    from skcausalmix.benchmark import cap_dataset, list_datasets, load_dataset
    from skcausalmix.finetuning._tabpfn_adapter import checkpoint_limits

    try:
        refs = list_datasets(args.data_dir, None if args.datasets == "all" else args.datasets.split(","))
    except (ValueError, FileNotFoundError) as exc:
        parser.error(str(exc))
    n_classes = checkpoint_limits(model_path)[0]
    names = [ref.name for ref in refs]
    results = []
    if args.reuse_baselines:
        earlier = pd.read_csv(args.reuse_baselines)
        earlier = earlier[(earlier["method"] != EARLIER) & earlier["dataset"].isin(names)
                          & earlier["size"].isin(sizes) & (earlier["seed"] < args.seeds)]
        earlier["method"] = earlier["method"].replace(OURS, EARLIER)
        results.extend(earlier.to_dict("records"))
    for ref in refs:
        name = ref.name
        X, y = load_dataset(ref)
        try:  # as skcausalmix benchmark: the classes the model takes, for every method alike
            X, y, caps = cap_dataset(X, y, max_features=None, max_classes=n_classes)
        except ValueError as exc:
            print(f"skipped {name}: {exc}", file=sys.stderr)
            continue
        if caps:
            print(f"capped {name}: {caps}", file=sys.stderr)
        for size in sizes:
            for seed in range(args.seeds):
                try:
                    results.extend(run_one(name, X, y, size, seed, model_path, n_estimators,
                                           args.max_test, baselines_too=not args.reuse_baselines,
                                           inference_config=views))
                except ValueError as exc:  # e.g. a class with too few rows to stratify
                    print(f"skipped {name} size={size} seed={seed}: {exc}", file=sys.stderr)
        print(f"done {name}", file=sys.stderr, flush=True)
        if args.out:
            pd.DataFrame(results).to_csv(args.out, index=False)
    if not results:
        sys.exit("no run finished (each was skipped: see the messages above)")
    print(f"Model: {model_path}")
    print(split_summary(results, args.choice_tables))
    decision = ship_decision(results, args.choice_tables)
    if decision:
        print(decision)
    print(by_width(results, args.width_cut, args.data_dir))


if __name__ == "__main__":
    main()

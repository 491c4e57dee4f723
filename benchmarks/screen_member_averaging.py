"""Screen: other ways to average the bundled model's ensemble members.

    python -m benchmarks.screen_member_averaging --sizes 64,128,256 --seeds 5 --out averaging.csv
    python -m benchmarks.screen_member_averaging --summarize averaging.csv

For every dataset, size and seed (the splits of ``bench_bundled_model``: ``common.split``),
the bundled model runs once as skcausalmix runs it (32 members, 8 on all
columns, 24 on 5-column views); its per-member logits are then averaged in
several ways, all from the same forward pass. Columns of the CSV (test
ROC-AUC): ``shipped`` (tabpfn's default: softmax at the checkpoint's
temperature, then the mean of the probabilities: ``predict_proba``, to float precision),
``T1.0`` / ``T1.3`` (the same at other temperatures), ``logits`` (the mean
of the logits, then softmax: tabpfn's ``average_before_softmax=True``),
``logits_full0.1`` (the logit mean with the full-width members weighted 0.1
in all, the views 0.9) and ``views`` (the logit mean of the views alone).
``--summarize`` prints median / mean over datasets (seeds averaged) per size,
how many datasets beat ``shipped``, and RandomForest's median / mean from
``results/bundled_model.csv`` on the same runs. Results:
``results/feature_subspaces.md``.
"""

import argparse
import sys
import warnings
from pathlib import Path

import pandas as pd
from scipy.special import softmax

from benchmarks.common import (
    DATASETS,
    auc,
    existing_file,
    inference_settings,
    positive_int,
    positive_ints,
    save_row,
    split,
)

RESULTS = Path(__file__).resolve().parent / "results"

VARIANTS = ["shipped", "T1.0", "T1.3", "logits", "logits_full0.1", "views"]


def averages(raw, temperature, n_full):
    """Test probabilities of each variant from per-member logits (members x rows x classes)."""
    full, views = raw[:n_full], raw[n_full:]
    return {
        "shipped": softmax(raw / temperature, -1).mean(0),
        "T1.0": softmax(raw, -1).mean(0),
        "T1.3": softmax(raw / 1.3, -1).mean(0),
        "logits": softmax(raw.mean(0) / temperature, -1),
        "logits_full0.1": softmax((0.1 * full.mean(0) + 0.9 * views.mean(0)) / temperature, -1),
        "views": softmax(views.mean(0) / temperature, -1),
    }


def screen(names, sizes, seeds, out):
    from tabpfn import TabPFNClassifier

    from skcausalmix.benchmark import list_datasets, load_dataset
    from skcausalmix.finetuning import resolve_model_path
    from skcausalmix.finetuning._ensemble import fit_on_varying_columns, take_columns

    path = resolve_model_path("bundled")
    settings, n_members = inference_settings(path, None, "auto")
    # tabpfn lays members out by configuration: the full-width one's first.
    n_full = n_members // len(settings["PREPROCESS_TRANSFORMS"])
    rows = []
    for ref in list_datasets(DATASETS, names):
        X, y = load_dataset(ref)
        for size in sizes:
            for seed in range(seeds):
                try:
                    X_tr, X_te, y_tr, y_te, classes = split(X, y, size, seed, max_test=1000)
                except ValueError as exc:  # as bench_bundled_model: e.g. sonar has no 256-row split
                    print(f"skipped {ref.name} size={size} seed={seed}: {exc}", file=sys.stderr)
                    continue
                clf = TabPFNClassifier(model_path=str(path), n_estimators=n_members, device="cpu",
                                       random_state=seed, inference_config=settings)
                keep = fit_on_varying_columns(clf, X_tr, y_tr, settings)
                raw = clf.predict_raw_logits(take_columns(X_te, keep)).astype(float)
                assert all(c.preprocess_config.max_features_per_estimator >= keep.sum()
                           for c in clf.ensemble_configs_[:n_full])
                row = {"dataset": ref.name, "size": size, "seed": seed}
                for name, proba in averages(raw, clf.softmax_temperature_, n_full).items():
                    row[name] = auc(y_te, proba, classes)
                save_row(rows, row, out)
    return rows


def summarize(files):
    runs = pd.concat([pd.read_csv(f) for f in files]).drop_duplicates(["dataset", "size", "seed"])
    reference = pd.read_csv(RESULTS / "bundled_model.csv")
    forest = reference[reference["method"] == "RandomForest"]
    lines = []
    for size, part in runs.groupby("size"):
        table = part.groupby("dataset")[VARIANTS].mean()
        runs_rf = forest.merge(part[["dataset", "size", "seed"]], on=["dataset", "size", "seed"])
        rf = runs_rf.groupby("dataset")["roc_auc"].mean()
        lines.append(f"{size} rows ({len(table)} datasets, {part['seed'].nunique()} seeds): "
                     f"RandomForest {rf.median():.4f} / {rf.mean():.4f}")
        for name in VARIANTS:
            better = int((table[name] > table["shipped"]).sum())
            lines.append(f"  {name:15s} {table[name].median():.4f} / {table[name].mean():.4f}"
                         + ("" if name == "shipped" else f"  better on {better}/{len(table)}"))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default="all")
    parser.add_argument("--sizes", type=positive_ints, default=[128])
    parser.add_argument("--seeds", type=positive_int, default=2)
    parser.add_argument("--out", default=None)
    parser.add_argument("--summarize", nargs="+", type=existing_file, default=None, metavar="CSV")
    args = parser.parse_args(argv)
    if args.summarize:
        print(summarize(args.summarize))
        return
    warnings.filterwarnings("ignore")
    names = None if args.datasets == "all" else args.datasets.split(",")
    screen(names, args.sizes, args.seeds, args.out)


if __name__ == "__main__":
    main()

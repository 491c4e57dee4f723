"""Screen: other encodings of categorical columns for the bundled model.

    python -m benchmarks.screen_categorical_encoding --sizes 64,128,256 --seeds 3 --out categorical.csv
    python -m benchmarks.screen_categorical_encoding --summarize categorical.csv

The bundled model's two preprocessing configurations hand categorical
columns to the model as tabpfn's ``ordinal_very_common_categories_shuffled``
(ordinal codes in a random order per member, only for categories common
enough; the rest go through the scaler as numbers) and ``numeric`` (ordinal
codes as numbers). For every dataset with text columns (or ``--datasets``),
size and seed (the splits of ``bench_bundled_model``: ``common.split``), the bundled model
(or ``--model``) runs as skcausalmix runs it with the categorical setting of both
configurations replaced, everything else kept: ``current`` (the shipped
settings), ``noshuffle`` (``ordinal_very_common_categories``, codes in
sorted order), ``numeric`` (both ``numeric``) and ``shuffled_both`` (both
``ordinal_very_common_categories_shuffled``). ``--summarize`` prints each
variant's mean test ROC-AUC per dataset and size and how many of those
cells beat ``current``. Results: ``results/categorical_encoding.md``.
"""

import argparse
import sys
import warnings

import pandas as pd

from benchmarks.common import (
    DATASETS,
    auc,
    checkpoint_proba,
    existing_file,
    positive_int,
    positive_ints,
    save_row,
    split,
)

VARIANTS = {
    "current": None,
    "noshuffle": ("ordinal_very_common_categories", "numeric"),
    "numeric": ("numeric", "numeric"),
    "shuffled_both": ("ordinal_very_common_categories_shuffled",) * 2,
}


def variant_transforms(stored, names):
    """The checkpoint's preprocessing configurations with their categorical settings replaced."""
    if names is None:
        return [dict(t) for t in stored]
    if len(names) != len(stored):
        raise ValueError(f"{len(names)} categorical settings for {len(stored)} configurations")
    return [{**t, "categorical_name": name} for t, name in zip(stored, names)]


def has_text_columns(X):
    """Whether the table ``X`` has a non-numeric column."""
    return any(not pd.api.types.is_numeric_dtype(X[c]) for c in X.columns)


def screen(names, sizes, seeds, out, folder=DATASETS, model="bundled"):
    """Run every variant; ``names`` None: every dataset of ``folder`` with a text column."""
    from skcausalmix.benchmark import cap_dataset, list_datasets, load_dataset
    from skcausalmix.finetuning import resolve_model_path
    from skcausalmix.finetuning._ensemble import ENSEMBLE_KEY, ensemble_settings, member_count
    from skcausalmix.finetuning._model_loading import check_checkpoint
    from skcausalmix.finetuning._tabpfn_adapter import checkpoint_limits

    path = resolve_model_path(model)
    stored = check_checkpoint(path)
    spec, transforms = stored[ENSEMBLE_KEY], stored["inference_config"]["PREPROCESS_TRANSFORMS"]
    n_members, max_classes = member_count("auto", spec), checkpoint_limits(path)[0]
    variants = {name: ensemble_settings(spec, variant_transforms(transforms, categorical))
                for name, categorical in VARIANTS.items()}
    rows = []
    for ref in list_datasets(folder, names):
        X, y = load_dataset(ref)
        if names is None and not has_text_columns(X):
            continue
        X, y, _ = cap_dataset(X, y, max_features=None, max_classes=max_classes)
        for size in sizes:
            for seed in range(seeds):
                try:
                    X_tr, X_te, y_tr, y_te, classes = split(X, y, size, seed, max_test=1000)
                except ValueError as exc:  # as bench_bundled_model: a class too small to stratify
                    print(f"skipped {ref.name} size={size} seed={seed}: {exc}", file=sys.stderr)
                    continue
                for variant, settings in variants.items():
                    proba, _ = checkpoint_proba(path, n_members, settings, seed, X_tr, y_tr, X_te)
                    save_row(rows, {"dataset": ref.name, "size": size, "seed": seed, "variant": variant,
                                    "roc_auc": auc(y_te, proba, classes)}, out)
        print(f"done {ref.name}", file=sys.stderr, flush=True)
    return rows


def summarize(files):
    runs = pd.concat([pd.read_csv(f) for f in files]).drop_duplicates(["dataset", "size", "seed", "variant"])
    table = runs.pivot_table(index=["dataset", "size"], columns="variant", values="roc_auc")
    table = table[[v for v in VARIANTS if v in table.columns]]
    lines = [table.round(4).to_string(), ""]
    for variant in table.columns.drop("current", errors="ignore"):
        diff = table[variant] - table["current"]
        lines.append(f"{variant}: better than current on {int((diff > 0).sum())} of {len(diff)} "
                     f"dataset-sizes, mean difference {diff.mean():+.4f}, range {diff.min():+.4f} "
                     f"to {diff.max():+.4f}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default="text", help="comma-separated names, or 'text': "
                        "every dataset with a non-numeric column")
    parser.add_argument("--model", default="bundled", help="'bundled' or a checkpoint file")
    parser.add_argument("--sizes", type=positive_ints, default=[64, 128, 256])
    parser.add_argument("--seeds", type=positive_int, default=3)
    parser.add_argument("--out", default=None)
    parser.add_argument("--summarize", nargs="+", type=existing_file, default=None, metavar="CSV")
    args = parser.parse_args(argv)
    if args.summarize:
        print(summarize(args.summarize))
        return
    warnings.filterwarnings("ignore")
    names = None if args.datasets == "text" else args.datasets.split(",")
    screen(names, args.sizes, args.seeds, args.out, model=args.model)


if __name__ == "__main__":
    main()

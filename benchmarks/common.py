"""What the benchmark scripts share: argument types, the datasets folder, splits and scores,
and the zero-shot runs and summaries of the screens of the bundled model.

Not part of the installed package: the scripts import it as ``benchmarks.common``
when run from the repository root (``python -m benchmarks.NAME``).
"""

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

# The command line's own argument types, so that a bad value reads the same in the scripts.
from skcausalmix._arguments import count_or_auto, positive_int

__all__ = [
    "DATASETS",
    "auc",
    "checkpoint_proba",
    "count_or_auto",
    "existing_file",
    "inference_settings",
    "manifest_widths",
    "positive_floats",
    "positive_int",
    "positive_ints",
    "save_row",
    "screen_parser",
    "seed_list",
    "split",
    "summarize_screen",
    "table_shapes",
]

#: The default folder of datasets: manifest.json and gzipped CSVs, beside the repository.
DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


# ------------------------------------------------------------ argument types
def positive_ints(text, minimum=1):
    """A comma-separated list of integers of at least ``minimum`` ("64,128")."""
    parts = [t.strip() for t in text.split(",") if t.strip()]
    if not parts or not all(t.isdigit() and int(t) >= minimum for t in parts):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers of at least {minimum}, got {text!r}")
    return [int(t) for t in parts]


def seed_list(text):
    """Seeds: a comma-separated list of non-negative integers ("0,3,7")."""
    return positive_ints(text, minimum=0)


def table_shapes(text):
    """A comma-separated list of rows x columns ("200x10,1000x20")."""
    shapes = []
    for part in filter(None, (t.strip() for t in text.split(","))):
        rows, _, cols = part.partition("x")
        try:
            shapes.append((positive_int(rows), positive_int(cols)))
        except argparse.ArgumentTypeError:
            raise argparse.ArgumentTypeError(
                f"expected shapes such as 200x10, got {part!r}") from None
    if not shapes:
        raise argparse.ArgumentTypeError(f"expected shapes such as 200x10, got {text!r}")
    return shapes


def positive_floats(text):
    """A comma-separated list of positive numbers ("0.5,1")."""
    parts = [t.strip() for t in text.split(",") if t.strip()]
    try:
        values = [float(t) for t in parts]
    except ValueError:
        values = []
    if not values or not all(v > 0 for v in values):  # NaN fails too
        raise argparse.ArgumentTypeError(f"expected comma-separated positive numbers, got {text!r}")
    return values


def existing_file(text):
    """The path of a file that exists (an earlier run's output, say)."""
    if not Path(text).is_file():
        raise argparse.ArgumentTypeError(f"no such file: {text}")
    return text


# ----------------------------------------------------------- splits, scores
def split(X, y, size, seed, max_test):
    """Stratified training rows; the rest (at most ``max_test``, stratified, of seen classes) to test."""
    from sklearn.model_selection import train_test_split

    X_tr, X_te, y_tr, y_te = train_test_split(X, y, train_size=size, stratify=y, random_state=seed)
    if len(y_te) > max_test:
        X_te, _, y_te, _ = train_test_split(X_te, y_te, train_size=max_test, stratify=y_te, random_state=seed)
    classes = np.unique(y_tr)
    seen = np.isin(y_te, classes)  # a class absent from training cannot be scored
    return X_tr, X_te[seen], y_tr, y_te[seen], classes


def auc(y_true, proba, classes):
    """ROC-AUC (one-vs-rest macro for multiclass) as the benchmark scores it; ``proba`` in ``classes`` order."""
    from skcausalmix.finetuning._loop import classification_scores

    codes = np.searchsorted(classes, y_true)
    return classification_scores(codes, proba, len(classes))["roc_auc"]


def manifest_widths(folder):
    """Dataset name -> number of features, as far as ``folder``'s manifest gives them."""
    import json

    manifest = Path(folder) / "manifest.json"
    entries = json.loads(manifest.read_text()) if manifest.is_file() else []
    return {d["name"]: d["n_features"] for d in entries if "n_features" in d}


# ------------------------------------------------- the checkpoint, zero-shot
def inference_settings(model_path, features_per_member, n_estimators):
    """tabpfn ``(inference_config, n_estimators)`` for the checkpoint's ensemble, or K columns a member.

    ``features_per_member`` None: the ensemble the checkpoint asks for (None
    for files that ask for none: tabpfn's own). Else every member on that
    many columns (tabpfn's balanced subsampling); 500 means all columns.
    """
    from tabpfn.preprocessing.configs import PreprocessorConfig

    from skcausalmix.finetuning._ensemble import ENSEMBLE_KEY, ensemble_settings, member_count
    from skcausalmix.finetuning._model_loading import check_checkpoint

    stored = check_checkpoint(model_path)  # the header only
    if features_per_member is None:
        spec = stored.get(ENSEMBLE_KEY)
        if not spec:
            return None, n_estimators
        transforms = stored["inference_config"]["PREPROCESS_TRANSFORMS"]
        return ensemble_settings(spec, transforms), member_count(n_estimators, spec)
    if not stored.get("inference_config"):
        raise SystemExit(f"{model_path} stores no inference config; --features-per-member needs one.")
    transforms = []
    for t in stored["inference_config"]["PREPROCESS_TRANSFORMS"]:
        config = PreprocessorConfig(**{**t, "max_features_per_estimator": features_per_member})
        if config not in transforms:
            transforms.append(config)
    return {"FEATURE_SUBSAMPLING_METHOD": "balanced", "PREPROCESS_TRANSFORMS": transforms}, n_estimators


def checkpoint_proba(model_path, n_estimators, inference_config, seed, X_tr, y_tr, X_te):
    """Zero-shot test probabilities, run as CausalMixTabPFNClassifier's final model; and the column mask."""
    from tabpfn import TabPFNClassifier

    from skcausalmix.finetuning._ensemble import fit_on_varying_columns, take_columns

    clf = TabPFNClassifier(model_path=str(model_path), n_estimators=n_estimators, device="cpu",
                           random_state=seed, inference_config=inference_config)
    keep = fit_on_varying_columns(clf, X_tr, y_tr, inference_config)
    return clf.predict_proba(take_columns(X_te, keep)), keep


# ------------------------------------------------------------------ screens
def screen_parser(doc):
    """The options every screen of the shipped model takes; a screen adds its own."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default="all")
    parser.add_argument("--size", type=positive_int, default=128)
    parser.add_argument("--seeds", type=positive_int, default=2)
    parser.add_argument("--out", default=None)
    parser.add_argument("--summarize", nargs="+", type=existing_file, default=None, metavar="CSV",
                        help="print the summary of earlier --out files and exit")
    return parser


def save_row(rows, row, out):
    """Add a screen's row, show it, and rewrite ``out`` so that an interrupted screen keeps its rows."""
    rows.append(row)
    print(row, flush=True)
    if out:
        pd.DataFrame(rows).to_csv(out, index=False)


def summarize_screen(files, cut=30, folder=DATASETS):
    """Median / mean of a screen's score columns over datasets (seeds averaged), all and by width.

    A screen's CSV has one row per dataset and seed: ``shipped`` (the bundled
    model as shipped) and one score column per variant; timing columns
    (``t`` and a number: seconds) are left out.
    """
    import re

    runs = pd.concat([pd.read_csv(f) for f in files])
    cols = ["shipped"] + [c for c in runs.columns
                          if c not in ("dataset", "seed", "shipped") and not re.fullmatch(r"t[0-9.]+", c)]
    table = runs.groupby("dataset")[cols].mean()
    wide = table.index.map(manifest_widths(folder)) > cut
    lines = []
    for label, part in (("all", table), (f"<= {cut} features", table[~wide]), (f"> {cut} features", table[wide])):
        lines.append(f"{label} ({len(part)} datasets), median / mean: " + ", ".join(
            f"{c} {part[c].median():.4f} / {part[c].mean():.4f}" for c in cols))
    for c in cols[1:]:
        ran = table[c].notna()  # variants may differ between runs
        better = int((table.loc[ran, c] > table.loc[ran, "shipped"]).sum())
        lines.append(f"{c}: better than shipped on {better}/{int(ran.sum())}")
    return "\n".join(lines)

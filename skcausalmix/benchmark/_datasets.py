"""Where benchmark datasets come from, and how they are capped to the model."""

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

#: Classes with fewer rows cannot be split into train, validation and test.
MIN_CLASS_ROWS = 10


@dataclass(frozen=True)
class DatasetRef:
    """One dataset: ``kind`` is "folder" (CSV + manifest) or "openml" (a task id)."""

    kind: str
    name: str
    location: str


def list_datasets(source, names=None):
    """The datasets of ``source``, optionally restricted to ``names``.

    ``source`` is a folder holding ``manifest.json`` and gzipped CSVs (the
    format of the benchmark collection, see ``tests/data``), ``"openml:ID,ID,..."`` for OpenML
    task ids, or ``"openml-suite:NAME"`` for every classification task of an
    OpenML suite (e.g. ``openml-suite:tabarena-v0.1``; needs network access).
    """
    source = str(source)
    if source.startswith("openml:"):
        ids = [s.strip() for s in source[len("openml:"):].split(",") if s.strip()]
        if not ids or not all(s.isdigit() for s in ids):
            raise ValueError(f"Expected 'openml:' followed by task ids, e.g. openml:31,37; got {source!r}.")
        refs = [DatasetRef("openml", f"openml-{i}", i) for i in ids]
    elif source.startswith("openml-suite:"):
        refs = [DatasetRef("openml", f"openml-{i}", str(i))
                for i in _openml_call(lambda openml: openml.study.get_suite(source.split(":", 1)[1]).tasks,
                                      f"suite {source.split(':', 1)[1]}")]
    else:
        folder = Path(source)
        manifest = folder / "manifest.json"
        if not manifest.is_file():
            raise FileNotFoundError(
                f"No manifest.json in {folder}: a dataset folder needs one (see the shared "
                "datasets' README for its format)."
            )
        refs = [DatasetRef("folder", name, str(folder / file)) for name, file in _manifest_entries(manifest)]
    if names:
        known = {r.name: r for r in refs}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ValueError(f"Unknown datasets {unknown[:5]}; available: {sorted(known)[:30]}.")
        refs = [known[n] for n in names]
    return refs


def _manifest_entries(manifest):
    """``(name, file)`` of each dataset a manifest lists, checked before any run."""
    try:
        entries = json.loads(manifest.read_text())
    except ValueError as exc:
        raise ValueError(f"{manifest} is not valid JSON ({exc}).") from None
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{manifest} must be a non-empty JSON list of datasets, "
                         '[{"name": ..., "file": ...}, ...].')
    pairs = []
    for k, entry in enumerate(entries):
        if not (isinstance(entry, dict) and isinstance(entry.get("name"), str)
                and isinstance(entry.get("file"), str)):
            raise ValueError(f"{manifest}: entry {k} needs a 'name' and a 'file' (strings); got {entry!r:.80}.")
        pairs.append((entry["name"], entry["file"]))
    names = [name for name, _ in pairs]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"{manifest} lists datasets {repeated} more than once.")
    missing = [file for _, file in pairs if not (manifest.parent / file).is_file()]
    if missing:
        raise FileNotFoundError(f"{manifest} lists files that are not in {manifest.parent}: {missing[:5]}.")
    return pairs


@lru_cache(maxsize=4)
def load_dataset(ref):
    """``(X, y)``: a DataFrame of features and an array of string labels."""
    if ref.kind == "folder":
        df = pd.read_csv(ref.location, dtype={"target": str})
        if "target" not in df.columns:
            raise ValueError(f"{ref.location} has no 'target' column.")
        y = df.pop("target").to_numpy()
        return df, y

    def fetch(openml):
        task = openml.tasks.get_task(int(ref.location), download_data=True)
        X, y, _, _ = task.get_dataset().get_data(target=task.target_name)
        return X, np.asarray(y).astype(str)

    return _openml_call(fetch, f"task {ref.location}")


def _openml_call(fn, what):
    try:
        import openml
    except ImportError as exc:
        raise ImportError(
            "OpenML datasets need the openml package: pip install 'skcausalmix[benchmark]'."
        ) from exc
    try:
        return fn(openml)
    except Exception as exc:
        raise RuntimeError(
            f"Could not get OpenML {what} ({type(exc).__name__}: {exc}). OpenML needs network "
            "access; offline, point --datasets at a folder of CSV files with a manifest.json."
        ) from exc


def cap_dataset(X, y, *, max_features, max_classes, seed=0):
    """Drop what the model cannot take, and say what was dropped.

    Classes with fewer than ``MIN_CLASS_ROWS`` rows go first, then all but the
    ``max_classes`` most frequent; with more than ``max_features`` columns a
    random subset (fixed by ``seed``, the same for every method) is kept.
    """
    caps = {}
    y = np.asarray(y)
    labels, counts = np.unique(y, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    keep = [labels[i] for i in order if counts[i] >= MIN_CLASS_ROWS][:max_classes]
    dropped = sorted(set(labels) - set(keep))
    if dropped:
        rows = np.isin(y, keep)
        caps["classes_dropped"] = len(dropped)
        caps["rows_dropped"] = int((~rows).sum())
        X, y = X.loc[rows].reset_index(drop=True), y[rows]
    if len(keep) < 2:
        raise ValueError(f"Fewer than two classes with at least {MIN_CLASS_ROWS} rows.")
    if max_features is not None and X.shape[1] > max_features:
        cols = np.sort(np.random.RandomState(seed).choice(X.shape[1], max_features, replace=False))
        caps["features_dropped"] = int(X.shape[1] - max_features)
        X = X.iloc[:, cols]
    return X, y, caps


class TooFewRows(ValueError):
    """A training size the table cannot give (no test rows would be left): not a failure."""


def split_scarce(X, y, *, n_train, validation_fraction, max_test, seed):
    """Stratified scarce training rows, a real validation split of them, and a test set.

    ``n_train`` rows are drawn (train + validation); the validation part is
    ``validation_fraction`` of them; the test set is the rest of the data, at most
    ``max_test`` rows (stratified), restricted to classes seen in training.
    """
    from sklearn.model_selection import train_test_split

    from ..finetuning._loop import validation_split

    y = np.asarray(y)
    if n_train >= len(y):
        raise TooFewRows(f"n_train={n_train} leaves no test rows ({len(y)} rows).")
    X_fit, X_te, y_fit, y_te = train_test_split(X, y, train_size=n_train, stratify=y,
                                                random_state=seed)
    # The classifier's own validation split: single-row classes stay in training.
    idx_tr, idx_va = validation_split(y_fit, round(validation_fraction * len(y_fit)), seed)
    X_tr, X_va, y_tr, y_va = X_fit.iloc[idx_tr], X_fit.iloc[idx_va], y_fit[idx_tr], y_fit[idx_va]
    if len(y_te) > max_test:
        X_te, _, y_te, _ = train_test_split(X_te, y_te, train_size=max_test, stratify=y_te,
                                            random_state=seed)
    seen = np.isin(y_te, np.unique(y_tr))
    parts = [X_tr, y_tr, X_va, y_va, X_te[seen], y_te[seen]]
    return [p.reset_index(drop=True) if isinstance(p, pd.DataFrame) else p for p in parts]

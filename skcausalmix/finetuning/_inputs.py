"""What ``CausalMixTabPFNClassifier`` accepts: tables, labelled rows, devices, model limits.

Each check raises with the column, row count or setting at fault, before tabpfn
would fail deep inside its encoder with a message that names none of them.
"""

import numpy as np
import pandas as pd
from sklearn.utils.validation import validate_data

from .._table_checks import (
    column_values,
    reject_infinity,
    text_columns,
    validation_view,
)


def check_table(estimator, X, y=None, *, reset):
    """sklearn validation that keeps DataFrames (and their dtypes) intact.

    ``reset=True`` (fit) records ``n_features_in_``, ``feature_names_in_`` and which
    columns hold text on ``estimator``; later calls are checked against them.
    """
    from scipy import sparse

    if sparse.issparse(X):
        raise TypeError("Sparse input is not supported; convert it with X.toarray() first.")
    is_frame = isinstance(X, pd.DataFrame)
    _reject_datetimes(X)
    view = validation_view(X)
    if y is None:
        checked = validate_data(estimator, view, reset=reset, dtype=None, ensure_all_finite=False,
                                ensure_min_samples=1)
    else:
        checked, y = validate_data(estimator, view, y, reset=reset, dtype=None,
                                   ensure_all_finite=False, ensure_min_samples=2)
    if not is_frame:
        X = _numeric_if_possible(checked)
    reject_infinity(X)
    if not reset:
        _reject_new_text(X, getattr(estimator, "_text_columns_", None))
    _reject_mixed_kinds(X)
    if reset:
        estimator._text_columns_ = text_columns(X)
    return (X, y) if y is not None else X


def check_labelled_rows(estimator, X, y, name):
    """Rows and labels beside the training data (validation, eval_set): ``(X, codes)``.

    The labels must be classes of the fitted ``estimator.classes_``; ``name`` is how
    the user passed them, for the messages.
    """
    X = check_table(estimator, X, reset=False)
    y = np.asarray(y)
    if len(y) != X.shape[0]:
        raise ValueError(f"{name}: {X.shape[0]} rows in X but {len(y)} labels.")
    unknown = ~np.isin(y, estimator.classes_)
    if unknown.any():
        raise ValueError(
            f"{name} holds classes not seen in y: {sorted(map(str, set(y[unknown])))[:5]}; "
            "drop those rows first."
        )
    return X, np.searchsorted(estimator.classes_, y)


def check_limits(limits, *, n_classes, n_features, n_context, device, ignore_pretraining_limits):
    """Refuse a table beyond what the model was built or pretrained for."""
    max_classes, max_rows, max_features, max_cpu_rows = limits
    if n_classes > max_classes:
        raise ValueError(
            f"y has {n_classes} classes; this TabPFN model supports at most {max_classes} "
            "(max_num_classes)."
        )
    if ignore_pretraining_limits:
        return
    if n_features > max_features:
        raise ValueError(
            f"X has {n_features} features; the model was pretrained for at most {max_features} "
            "(MAX_NUMBER_OF_FEATURES). Select features, or pass ignore_pretraining_limits=True."
        )
    if n_context > max_rows:
        raise ValueError(
            f"X has {n_context} rows; the model was pretrained for at most {max_rows} "
            "(MAX_NUMBER_OF_SAMPLES). Subsample, or pass ignore_pretraining_limits=True."
        )
    if device == "cpu" and n_context > max_cpu_rows:
        raise ValueError(
            f"X has {n_context} rows; tabpfn limits CPU inference to {max_cpu_rows} rows "
            "(MAX_CPU_SAMPLES). Use a GPU (device='cuda'), subsample, or pass "
            "ignore_pretraining_limits=True to accept slow CPU inference."
        )


def resolve_device(device):
    """The torch device to run on: a GPU for \"auto\" when there is one."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        kind = torch.device(device).type
    except RuntimeError:
        raise ValueError(
            f"device={device!r} is not a torch device; use 'auto', 'cpu', 'cuda' or 'cuda:N'."
        ) from None
    if kind == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r}, but torch {torch.__version__} sees no CUDA GPU; "
            "use device='cpu' (or 'auto', which picks a GPU when there is one)."
        )
    return device


def _numeric_if_possible(X):
    if X.dtype == object:
        try:
            return X.astype(float)
        except (TypeError, ValueError):
            return X
    return X


def _reject_datetimes(X):
    # tabpfn refuses them too, but its advice (an inference_config) is not ours to give.
    if isinstance(X, pd.DataFrame):
        bad = [c for c, dtype in X.dtypes.items()
               if isinstance(dtype, pd.PeriodDtype) or (isinstance(dtype, np.dtype) and dtype.kind in "mM")
               or isinstance(dtype, pd.DatetimeTZDtype)]
        where = f"Columns {bad[:5]} hold"
    else:
        bad = np.asarray(X).dtype.kind in "mM"
        where = f"X ({np.asarray(X).dtype}) holds"
    if bad:
        raise ValueError(
            f"{where} dates, periods or durations, which TabPFN does not take; turn them into "
            "numbers first (e.g. X[col].dt.year and X[col].dt.dayofweek, or "
            "X[col].astype('int64'))."
        )


def _reject_mixed_kinds(X):
    # tabpfn's encoder fails on such a column with a message that names no column.
    columns = [(name, np.asarray(values)) for name, values in column_values(X) if values.dtype == object]
    bad = []
    for name, values in columns:
        # infer_dtype scans in C; only its mixed verdicts need a look at the values.
        if pd.api.types.infer_dtype(values, skipna=True) not in ("mixed", "mixed-integer"):
            continue
        if len({isinstance(v, str) for v in values[~pd.isna(values)]}) == 2:
            bad.append(name)
    if bad:
        raise ValueError(
            f"Columns {bad[:5]} mix text and numbers; TabPFN needs one kind per column. Cast each to "
            "text (X[col].astype(str)) if it is a category, or to numbers "
            "(pd.to_numeric(X[col], errors='coerce')) if it is a measurement."
        )


def _reject_new_text(X, fitted):
    # tabpfn would fail deep in its encoder ("could not convert string to float") without naming the column.
    if fitted is None or len(fitted) != X.shape[1]:
        return
    bad = [(name, word) for (name, values), was_text, is_text in zip(column_values(X), fitted, text_columns(X))
           if is_text and not was_text and (word := _first_non_number(values)) is not None]
    if bad:
        raise ValueError(
            f"Columns {[name for name, _ in bad[:5]]} held numbers when the model was fitted but hold "
            f"text now (e.g. {bad[0][1]!r}); convert them to numbers (pd.to_numeric(X[col], errors='coerce') "
            "turns unreadable values into missing ones)."
        )


def _first_non_number(values):
    for v in values:
        if isinstance(v, (str, bytes)):
            try:
                float(v)
            except ValueError:
                return v
    return None

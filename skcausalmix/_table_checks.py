"""What a table's columns hold: text, categories, infinite values.

The structural causal model, the fine-tuning classifier and the command line
all read mixed-type tables (DataFrames, or arrays of objects); they decide
which columns are text, which are categorical and which hold infinite values
here, so that a table is read the same way everywhere.
"""

import numpy as np
import pandas as pd


def column_values(X):
    """``(name, values)`` of each column: a DataFrame's labels and Series, an array's positions and columns."""
    if isinstance(X, pd.DataFrame):
        # By position: a label repeated in the columns would select several at once.
        return [(name, X.iloc[:, j]) for j, name in enumerate(X.columns)]
    return list(enumerate(np.asarray(X).T))


def holds_text(values):
    """Whether a column of objects holds a string (text among numbers counts).

    Only object columns can hold strings among numbers; a scan of every float
    column would cost 7x the SCM's encoding.
    """
    return pd.api.types.is_object_dtype(values.dtype) and any(isinstance(v, (str, bytes)) for v in values)


def text_columns(X):
    """Boolean mask of the columns that hold text (strings, categories) rather than numbers."""
    return np.array([_is_text(values) for _, values in column_values(X)], dtype=bool)


def _is_text(values):
    dtype = values.dtype
    if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return False
    return holds_text(values) if pd.api.types.is_object_dtype(dtype) else True


def categorical_mask(frame, categorical_features):
    """Boolean mask of the columns of ``frame`` that are categorical.

    ``categorical_features`` is "auto" (text, bool and category columns, and
    object columns that are not all numbers), or column indices, names or a
    boolean mask; boolean columns are categorical whatever it says, and a
    column of text it leaves out is an error.
    """
    n_features = frame.shape[1]
    auto = np.array([_auto_categorical(frame.iloc[:, j]) for j in range(n_features)], dtype=bool)
    if isinstance(categorical_features, str) and categorical_features == "auto":
        return auto
    mask = np.zeros(n_features, dtype=bool)
    given = np.asarray([] if categorical_features is None else list(categorical_features))
    if given.dtype == bool:
        if given.shape != (n_features,):
            raise ValueError(
                f"categorical_features as a boolean mask needs {n_features} entries, "
                f"got {given.shape[0]}."
            )
        mask = given.copy()
    else:
        names = list(frame.columns)
        for item in given.tolist():
            if isinstance(item, int) and item not in names:
                if not -n_features <= item < n_features:
                    raise ValueError(
                        f"categorical_features index {item} is out of range for "
                        f"{n_features} features."
                    )
                mask[item] = True
            elif item in names:
                mask[names.index(item)] = True
            else:
                raise ValueError(f"categorical_features names unknown column {item!r}.")
    for j in np.flatnonzero(auto & ~mask):
        column = frame.iloc[:, j]
        if pd.api.types.is_bool_dtype(column.dtype):
            mask[j] = True  # booleans are two-level categories whatever the list says
            continue
        try:
            pd.to_numeric(column)
        except (TypeError, ValueError):
            raise ValueError(
                f"Column {frame.columns[j]!r} holds non-numeric values but is not "
                "listed in categorical_features."
            ) from None
    return mask


def _auto_categorical(column):
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dtype):
        return True
    if pd.api.types.is_object_dtype(dtype):
        # Object columns from numpy hold numbers as often as text; text is categorical even
        # when it reads as numbers, as in a str column, so that its values come back as they were.
        present = column.dropna()
        if holds_text(present):
            return True
        if len(present) and all(isinstance(v, (bool, np.bool_)) for v in present):
            return True  # True/False, as a bool column: not 1.0/0.0
        try:
            pd.to_numeric(column)
        except (TypeError, ValueError):
            return True
        return False
    return pd.api.types.is_string_dtype(dtype)


def reject_infinity(X, numeric=None):
    """Refuse infinite values in the numeric columns of ``X``, naming up to five of them.

    ``numeric`` is a boolean mask of the columns read as numbers; by default
    those of a numeric dtype and the object columns without text. Other
    dtypes are read as :func:`pandas.to_numeric` reads them, so "inf" counts
    in a column of numbers written as text.
    """
    columns = column_values(X)
    if numeric is None:
        numeric = [_reads_as_numbers(values) for _, values in columns]
    bad = [name for (name, values), check in zip(columns, numeric)
           if check and np.isinf(_as_numbers(values)).any()]
    if bad:
        raise ValueError(f"Columns {bad[:5]} contain infinite values; replace them (e.g. with NaN).")


def _reads_as_numbers(values):
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return False
    if pd.api.types.is_numeric_dtype(dtype):
        return True
    return pd.api.types.is_object_dtype(dtype) and not holds_text(values)


def _as_numbers(values):
    values = pd.Series(values, copy=False) if not isinstance(values, pd.Series) else values
    try:
        if not pd.api.types.is_numeric_dtype(values.dtype):
            values = pd.to_numeric(values, errors="coerce")
        return values.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):  # intervals and such: what they hold is for the caller to refuse
        return np.zeros(len(values))


def validation_view(X):
    """``X`` as scikit-learn's ``validate_data`` can check it (shape, names).

    Validation only needs the shape and the column names, but it converts the
    frame to one numpy dtype first, and fails on some mixes: dates or durations
    beside floats (no common dtype), pandas' nullable Int64/boolean/string
    beside a category (it casts them all to float). Columns that are not plain
    numpy numbers are seen as objects; the data themselves are typed by the
    SCM's ``TableEncoder`` or by tabpfn.
    """
    if not isinstance(X, pd.DataFrame):
        return X
    if X.shape[1] == 0:  # sklearn's validation fails inside numpy on these
        raise ValueError(f"X is a DataFrame with no columns (shape={X.shape}); at least one feature is required.")
    special = [c for c, dtype in X.dtypes.items()
               if not isinstance(dtype, np.dtype) or dtype.kind in "mM"]
    return X.astype(dict.fromkeys(special, object)) if special else X

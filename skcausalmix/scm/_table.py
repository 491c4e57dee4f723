"""Column typing, numeric encoding and decoding of a mixed-type table.

Every other part of the SCM works on one float matrix with a column per
feature; this module is the only part of it that knows about dtypes,
categories, missing cells and observed ranges. Which columns are categorical
or text is decided in :mod:`skcausalmix._table_checks`, as for the classifier.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from .._table_checks import categorical_mask, holds_text, reject_infinity

CONTINUOUS = "continuous"
INTEGER = "integer"
CATEGORICAL = "categorical"


@dataclass
class _Column:
    name: object
    kind: str
    # Categorical levels, in code order (code k <-> levels[k]).
    levels: np.ndarray | None = None
    low: float = np.nan
    high: float = np.nan
    fill: float = 0.0
    constant: bool = False
    all_missing: bool = False
    # Numbers written as text (an object column of "1.5"s): synthetic values go back as text.
    as_text: bool = False
    # Numeric columns whose values all lie on low + k * step (whole numbers, halves, cents,
    # steps of 10): synthetic values are put on it, written with `decimals` decimals.
    step: float = np.nan
    decimals: int = 0


@dataclass
class TableEncoder:
    """Learns column kinds of a table and maps it to and from a float matrix.

    Categorical columns are coded ``0..k-1``; missing cells are imputed (median
    for numeric columns, most frequent level for categorical ones) and their
    positions are returned separately.
    """

    categorical_features: object = "auto"
    columns_: list = field(default_factory=list)
    is_dataframe_: bool = False
    feature_names_: np.ndarray | None = None
    input_meta_: dict | None = None

    def fit_transform(self, X):
        frame = _as_frame(X)
        self.input_meta_ = _input_meta(X)
        self.is_dataframe_ = isinstance(X, pd.DataFrame)
        self.feature_names_ = np.asarray(frame.columns, dtype=object)
        categorical = categorical_mask(frame, self.categorical_features)
        reject_infinity(frame, numeric=~categorical)
        self.columns_ = []
        Z = np.empty(frame.shape, dtype=float)
        missing = np.zeros(frame.shape, dtype=bool)
        for j, name in enumerate(frame.columns):
            col, codes, miss = _fit_column(frame.iloc[:, j], name, categorical[j])
            self.columns_.append(col)
            Z[:, j] = codes
            missing[:, j] = miss
        return Z, missing

    def transform(self, X):
        """Encode new rows of the fitted table as :meth:`fit_transform` encodes
        its rows (codes of the fitted levels, imputed missing cells). A level
        the table never showed, or text in a numeric column, is an error."""
        frame = _as_frame(X)
        reject_infinity(frame, numeric=~self.categorical_)
        Z = np.empty(frame.shape, dtype=float)
        missing = np.zeros(frame.shape, dtype=bool)
        for j, col in enumerate(self.columns_):
            values = frame.iloc[:, j]
            miss = values.isna().to_numpy()
            missing[:, j] = miss
            Z[:, j] = col.fill
            if col.all_missing or miss.all():
                continue
            if col.kind != CATEGORICAL and not pd.api.types.is_object_dtype(values.dtype):
                try:  # dates, durations, periods, numbers in their own dtypes
                    Z[~miss, j] = _numbers(values)[~miss]
                    continue
                except (TypeError, ValueError):
                    pass
            Z[~miss, j] = self.encode(j, values[~miss].to_numpy(dtype=object), what="holds")
        return Z, missing

    def encode(self, j, values, what="holds"):
        """Codes (categorical column) or floats (numeric column) of table values
        for column ``j``, which must have no missing value."""
        col = self.columns_[j]
        if col.kind == CATEGORICAL:
            known = pd.Index(col.levels)
            # Hashing takes True for 1: bools among numbers are matched one by one.
            mixed = _has_bool(values) != _has_bool(col.levels)
            codes = known.get_indexer(pd.Index(values, dtype=object)) if known.is_unique and not mixed else None
            if codes is None or (codes < 0).any():
                codes = np.array([_level_code(known, v) for v in values])
            if (codes < 0).any():
                raise ValueError(
                    f"Column {col.name!r} {what} {values[codes < 0][0]!r}, a level the table never showed; "
                    f"its levels are {col.levels.tolist()}."
                )
            return codes.astype(float)
        bad = [v for v in values if isinstance(v, (bool, np.bool_))
               or not isinstance(v, (str, bytes, int, float, np.number))]
        if bad:
            raise ValueError(f"Column {col.name!r} is numeric; it {what} {bad[0]!r}, which is not a number.")
        try:
            numbers = pd.to_numeric(pd.Series(values, dtype=object)).to_numpy(dtype=float)
        except (TypeError, ValueError):
            text = next(v for v in values if not _reads_as_number(v))
            raise ValueError(f"Column {col.name!r} is numeric; it {what} {text!r}, which is not a number.") from None
        return numbers

    def check_storable(self, j, values):
        """Refuse numeric values that column ``j``'s dtype cannot hold (a
        fraction or an out-of-bounds number in an integer column, a number too
        large for a float32 column, infinity)."""
        col = self.columns_[j]
        if col.kind == CATEGORICAL:
            return
        meta = self.input_meta_
        dtype = meta["dtypes"].iloc[j] if meta["type"] == "frame" else meta["dtype"]
        values = np.asarray(values, dtype=float)
        bad = ~np.isfinite(values)
        if pd.api.types.is_integer_dtype(dtype):
            info = np.iinfo(dtype.numpy_dtype if hasattr(dtype, "numpy_dtype") else dtype)
            bad |= (values != np.round(values)) | (values < info.min) | (values > info.max)
            kind = f"its dtype {dtype} holds whole numbers from {info.min} to {info.max}"
        elif pd.api.types.is_float_dtype(dtype):
            info = np.finfo(dtype.numpy_dtype if hasattr(dtype, "numpy_dtype") else dtype)
            bad |= np.abs(values) > info.max
            kind = f"its dtype {dtype} holds finite numbers up to {info.max:.3g} in size"
        else:
            kind = "it holds finite numbers"
        if bad.any():
            raise ValueError(f"Column {col.name!r} cannot hold {values[bad][0]:g}: {kind}.")

    @property
    def categorical_(self):
        return np.array([c.kind == CATEGORICAL for c in self.columns_], dtype=bool)

    @property
    def constant_(self):
        return np.array([c.constant for c in self.columns_], dtype=bool)

    def n_levels(self, j):
        return len(self.columns_[j].levels)

    def decode(self, Z, missing=None, exact=()):
        """Turn a float matrix of synthetic values back into table columns.

        Numeric values are clipped to the observed range and rounded for
        integer columns, except in the columns listed in ``exact`` (values an
        intervention set); categorical codes map back to their levels.
        Returns a list of 1-d arrays, one per column.
        """
        out = []
        for j, col in enumerate(self.columns_):
            z = Z[:, j]
            if col.all_missing:
                values = np.full(len(z), np.nan)
            elif col.kind == CATEGORICAL:
                codes = np.clip(np.rint(z), 0, len(col.levels) - 1).astype(int)
                values = col.levels[codes].astype(object)
            else:
                values = z.copy() if j in exact else self.settle(j, z)
                if col.as_text:
                    values = np.array([str(int(v)) if col.kind == INTEGER and v == int(v) else str(v)
                                       for v in values], dtype=object)
            if missing is not None and missing[:, j].any():
                values = values.astype(object) if col.kind == CATEGORICAL else values
                values[missing[:, j]] = np.nan
            out.append(values)
        return out


    def settle(self, j, z, low=None, high=None):
        """Numeric values of column ``j`` as decoding writes them: clipped to the
        observed range (or to ``low``/``high``, per row) and put on the column's
        grid (the nearest ``low + k * step``) where its values lie on one;
        otherwise rounded in integer columns and left as they are in continuous
        ones."""
        col = self.columns_[j]
        if col.kind == CATEGORICAL or col.all_missing:
            return z
        low = col.low if low is None else low
        high = col.high if high is None else high
        values = np.clip(z, low, high)
        if not np.isnan(col.step):
            values = np.round(col.low + np.rint((values - col.low) / col.step) * col.step, col.decimals)
            return np.minimum(values, high)  # rounding to decimals can pass high by an ulp
        return np.rint(values) if col.kind == INTEGER else values

    def to_table(self, Z, missing=None, exact=()):
        """:meth:`decode` ``Z`` into the fitted input's type: a DataFrame with its
        columns and dtypes, or an array of its dtype."""
        meta = self.input_meta_
        storage = list(meta["dtypes"]) if meta["type"] == "frame" else [meta["dtype"]] * len(self.columns_)
        columns = [_as_ints(values) if col.kind == INTEGER and not col.as_text and pd.api.types.is_object_dtype(dtype)
                   else values for values, col, dtype in zip(self.decode(Z, missing, exact), self.columns_, storage)]
        return _assemble(columns, meta)


def _as_frame(X):
    if sparse.issparse(X):
        raise TypeError(
            "Sparse input is not supported: a structural causal model needs dense "
            "columns. Convert it with X.toarray() first."
        )
    if isinstance(X, pd.DataFrame):
        return X
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"Expected a 2-d table of shape (n_samples, n_features), got {X.ndim}-d.")
    return pd.DataFrame(X)


def _fit_column(values, name, categorical):
    miss = values.isna().to_numpy()
    if miss.all():
        # Nothing to learn from: the column passes through as all-missing.
        col = _Column(name, CATEGORICAL if categorical else CONTINUOUS, constant=True,
                      all_missing=True, levels=np.array([np.nan], dtype=object))
        return col, np.zeros(len(values)), miss
    if categorical:
        _check_scalars(values[~miss], name)
        # Declared but unused categories are not levels: they cannot be sampled.
        cat = pd.Categorical(values).remove_unused_categories()
        levels = np.asarray(cat.categories, dtype=object)
        codes = cat.codes.astype(float)
        counts = np.bincount(codes[~miss].astype(int), minlength=len(levels))
        fill = float(np.argmax(counts))
        codes[miss] = fill
        col = _Column(name, CATEGORICAL, levels=levels, fill=fill, constant=len(levels) == 1,
                      low=0.0, high=float(len(levels) - 1))
        return col, codes, miss
    try:
        numeric = _numbers(values)
    except (TypeError, ValueError):
        _check_scalars(values[~miss], name)  # intervals, tuples: no declaration helps
        raise ValueError(f"Column {name!r} is not numeric; declare it in categorical_features.") from None
    observed = numeric[~miss]
    integral = np.all(observed == np.round(observed))
    fill = float(np.median(observed))
    if integral:
        fill = float(np.round(fill))
    numeric[miss] = fill
    low, high = float(observed.min()), float(observed.max())
    step, decimals = _grid(observed)
    col = _Column(name, INTEGER if integral else CONTINUOUS, low=low, high=high, fill=fill,
                  constant=low == high, as_text=holds_text(values[~miss]), step=step, decimals=decimals)
    return col, numeric, miss


# Up to this many decimals a column's values are taken as written to a fixed precision;
# beyond it (measured floats, 1/3) the column is continuous.
MAX_DECIMALS = 6


def _numbers(values):
    """A numeric column as floats: numbers, numbers written as text, dates and
    durations (pandas' integer representation) and periods (their ordinals;
    pandas 2's ``to_numeric`` refuses them). Missing cells are not defined."""
    if isinstance(values.dtype, pd.PeriodDtype):
        return values.array.asi8.astype(float)
    return pd.to_numeric(values).to_numpy(dtype=float, copy=True)


def _grid(observed):
    """``(step, decimals)`` of the evenly spaced grid from the column's minimum
    that holds every observed value, or ``(nan, 0)`` when there is none.

    The values, scaled by the fewest powers of ten that make them whole, are
    ``low + k * step`` for integer ``k``; the step is the greatest common
    divisor of their distances from the minimum: 1 for whole numbers, 0.5 for
    values in {0, 0.5, 1}, 0.01 for prices in cents, 10 for multiples of 10.
    """
    distinct = np.unique(observed)
    if len(distinct) < 2:
        return np.nan, 0
    for decimals in range(MAX_DECIMALS + 1):
        scaled = distinct * 10.0 ** decimals
        if np.abs(scaled).max() >= 2.0 ** 53:
            break  # no longer exact integers in a float
        whole = np.round(scaled)
        # Distinct values must stay distinct: columns in tiny units (1e-40) all round to 0.
        if (np.all(np.abs(scaled - whole) <= 1e-9 * np.maximum(1.0, np.abs(scaled)))
                and np.all(np.diff(whole) > 0)):
            distances = (whole - whole[0]).astype(np.int64)
            return float(np.gcd.reduce(distances)) / 10.0 ** decimals, decimals
    return np.nan, 0


def _has_bool(values):
    return any(isinstance(v, (bool, np.bool_)) for v in values)


def _level_code(levels, value):
    # Equality, not hashing: 3 and 3.0 name the same level (but True and 1 do not).
    hits = np.flatnonzero([_equal(level, value) for level in levels])
    return int(hits[0]) if len(hits) else -1


def _equal(a, b):
    if isinstance(a, (bool, np.bool_)) != isinstance(b, (bool, np.bool_)):
        return False
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _reads_as_number(value):
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _check_scalars(values, name):
    bad = [v for v in values if not isinstance(v, (str, bytes, bool, int, float, np.generic))]
    if bad:
        raise TypeError(
            f"Column {name!r}: each value must be a string or a number (argument must "
            f"be a string or a number), got {type(bad[0]).__name__}."
        )


def _input_meta(X):
    if isinstance(X, pd.DataFrame):
        return {"type": "frame", "columns": X.columns, "dtypes": X.dtypes}
    return {"type": "array", "dtype": np.asarray(X).dtype}


def _assemble(columns, meta):
    if meta["type"] == "frame":
        frame = pd.DataFrame(dict(enumerate(columns)))
        frame.columns = meta["columns"]
        for j, dtype in enumerate(meta["dtypes"]):
            frame.isetitem(j, _cast(frame.iloc[:, j], dtype))
        return frame
    dtype = meta["dtype"]
    if len(columns) == 0:
        return np.empty((0, 0), dtype=dtype)
    out = np.empty((len(columns[0]), len(columns)), dtype=dtype)
    for j, values in enumerate(columns):
        out[:, j] = values
    return out


def _as_ints(values):
    # An object column holds its whole numbers as ints (3, not 3.0), as its real rows do.
    return np.array([v if pd.isna(v) or v != int(v) else int(v) for v in values], dtype=object)


def _cast(values, dtype):
    if isinstance(dtype, pd.PeriodDtype) and not isinstance(values.dtype, pd.PeriodDtype):
        # Periods were encoded as their ordinals, which astype cannot read back.
        ordinals = pd.to_numeric(values).to_numpy(dtype=float)
        ordinals = np.where(np.isnan(ordinals), pd.NaT.value, np.rint(ordinals)).astype("int64")
        return pd.Series(pd.arrays.PeriodArray(ordinals, dtype=dtype), index=values.index)
    try:
        return values.astype(dtype)
    except (TypeError, ValueError):
        # e.g. an int64 column that now holds NaN: use the nullable variant.
        if pd.api.types.is_integer_dtype(dtype):
            return values.astype("Int64")
        if pd.api.types.is_bool_dtype(dtype):
            return values.astype("boolean")
        return values

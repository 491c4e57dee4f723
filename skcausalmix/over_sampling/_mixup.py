"""Class to perform within-class mixup, a statistical baseline augmenter."""

from numbers import Real

import numpy as np
import pandas as pd
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import Substitution
from imblearn.utils._docstring import _random_state_docstring
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import BaseAugmenter


@Substitution(
    sampling_strategy=BaseOverSampler._sampling_strategy_docstring,
    random_state=_random_state_docstring,
)
class WithinClassMixup(BaseAugmenter):
    """Add convex combinations of random pairs of rows of the same class.

    Each synthetic row mixes two real rows ``a`` and ``b`` of one class with
    a weight ``lam ~ Beta(alpha, alpha)``: numeric cells become
    ``lam * a + (1 - lam) * b`` (rounded in integer columns); categorical
    and missing cells are taken from the row with the larger weight. It is
    the "no structure" baseline against which causal augmentation is
    compared: it keeps each class's convex hull but no dependency structure
    beyond it.

    Parameters
    ----------
    {sampling_strategy}

        Ignored when ``n_synthetic`` is set, which then requires the default
        ``'auto'``.

    n_synthetic : float or int, default=None
        Augmentation instead of balancing, as in
        :class:`~skcausalmix.over_sampling.CausalMixAugmenter`: a float is the
        number of synthetic rows per real row, an int the total number, split
        over the classes in proportion to their counts.

    alpha : float, default=0.4
        Beta distribution parameter of the mixing weight; small values keep
        synthetic rows close to one of their parents.

    categorical_features : "auto" or array-like, default="auto"
        Columns never interpolated: "auto" takes DataFrame columns that are
        not numeric (or bool); otherwise column indices, names or a boolean
        mask.

    {random_state}

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of synthetic rows generated per class.

    synthetic_mask_ : ndarray of shape (n_samples_resampled,)
        True for the synthetic rows of the last ``fit_resample`` output.

    n_features_in_ : int
        Number of features in the input dataset.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during `fit`. Defined only when `X` has feature
        names that are all strings.

    See Also
    --------
    CausalMixAugmenter : Synthetic rows from a fitted structural causal model.

    References
    ----------
    .. [1] Zhang, Cisse, Dauphin, Lopez-Paz. "mixup: Beyond Empirical Risk
       Minimization", ICLR 2018.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skcausalmix.over_sampling import WithinClassMixup
    >>> X, y = make_classification(n_samples=100, n_features=4, random_state=0)
    >>> X_aug, y_aug = WithinClassMixup(n_synthetic=1.0, random_state=0).fit_resample(X, y)
    >>> X_aug.shape
    (200, 4)
    """

    _parameter_constraints: dict = {
        **BaseAugmenter._parameter_constraints,
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "categorical_features": ["array-like", StrOptions({"auto"})],
        "random_state": ["random_state"],
    }

    def __init__(self, *, sampling_strategy="auto", n_synthetic=None, alpha=0.4,
                 categorical_features="auto", random_state=None):
        super().__init__(sampling_strategy=sampling_strategy)
        self.n_synthetic = n_synthetic
        self.alpha = alpha
        self.categorical_features = categorical_features
        self.random_state = random_state

    def _categorical_mask(self, X):
        n = X.shape[1]
        if isinstance(self.categorical_features, str):
            if isinstance(X, pd.DataFrame):
                return np.array([not pd.api.types.is_numeric_dtype(X[c])
                                 or pd.api.types.is_bool_dtype(X[c]) for c in X.columns])
            return np.full(n, X.dtype.kind not in "iuf")
        cats = np.asarray(self.categorical_features)
        mask = np.zeros(n, dtype=bool)
        if cats.dtype == bool:
            if len(cats) != n:
                raise ValueError(f"categorical_features has {len(cats)} flags for {n} columns.")
            return cats
        if cats.dtype.kind in "iu":
            if len(cats) and (cats.min() < -n or cats.max() >= n):
                raise ValueError(f"categorical_features has indices outside [0, {n}).")
            mask[cats] = True
            return mask
        names = list(getattr(X, "columns", []))
        missing = [c for c in cats if c not in names]
        if missing:
            raise ValueError(f"categorical_features names unknown columns: {missing[:5]}.")
        mask[[names.index(c) for c in cats]] = True
        return mask

    def _fit_resample(self, X, y):
        request = self._synthetic_counts(y)
        rng = check_random_state(self.random_state)
        categorical = self._categorical_mask(X)
        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(X)
        first, second, weights = [], [], []
        for c, n_new in request.items():
            members = np.flatnonzero(y == c)
            first.append(rng.choice(members, n_new))
            second.append(rng.choice(members, n_new))
            weights.append(rng.beta(self.alpha, self.alpha, n_new))
        if first:
            a, b, lam = np.concatenate(first), np.concatenate(second), np.concatenate(weights)
        else:
            a = b = np.zeros(0, dtype=int)
            lam = np.zeros(0)
        dominant = np.where(lam >= 0.5, a, b)
        new = frame.iloc[dominant].reset_index(drop=True).copy()
        for j, col in enumerate(frame.columns):
            if categorical[j]:
                continue
            values = frame[col].to_numpy(dtype=float, na_value=np.nan)
            mixed = lam * values[a] + (1 - lam) * values[b]
            # A missing parent cell leaves the dominant parent's cell (maybe NaN).
            mixed = np.where(np.isnan(mixed), values[dominant], mixed)
            new[col] = _as_dtype(mixed, frame[col].dtype)
        return self._append(X, y, new if isinstance(X, pd.DataFrame) else new.to_numpy(), y[a])


def _as_dtype(values, dtype):
    """Mixed values back in the column's dtype (integers rounded)."""
    if pd.api.types.is_integer_dtype(dtype):
        values = np.round(values)
        if isinstance(dtype, np.dtype):
            return values.astype(dtype)
        return pd.array(values, dtype="Float64").astype(dtype)
    if isinstance(dtype, np.dtype):
        return values.astype(dtype)
    return pd.array(values, dtype="Float64").astype(dtype)

"""What every skcausalmix sampler shares: augmentation mode and table handling."""

import warnings
from numbers import Integral, Real

import numpy as np
import pandas as pd
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_target_type
from scipy import sparse
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import validate_data

from .._messages import user_stacklevel
from .._table_checks import validation_view
from .._validation import check_labels_present

# The fitted attributes every augmenter documents (imblearn's Substitution).
AUGMENTER_ATTRIBUTES_DOCSTRING = """sampling_strategy_ : dict
        Number of synthetic rows generated per class.

    synthetic_mask_ : ndarray of shape (n_samples_resampled,)
        True for the synthetic rows of the last ``fit_resample`` output.

    n_features_in_ : int
        Number of features in the input dataset.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during `fit`. Defined only when `X` has feature
        names that are all strings."""


class BaseAugmenter(BaseOverSampler):
    """Base class of samplers that balance (``sampling_strategy``) or augment.

    Augmentation (``n_synthetic`` set) adds a ratio or a count of synthetic
    rows with the class proportions of ``y``. DataFrames keep their columns and
    dtypes; real rows come back first and unchanged, and ``synthetic_mask_``
    marks the new ones. Subclasses implement ``_fit_resample`` with
    :meth:`_synthetic_counts` and :meth:`_append`.
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "n_synthetic": [
            Interval(Real, 0, None, closed="left"),
            Interval(Integral, 0, None, closed="left"),
            None,
        ],
    }

    def fit_resample(self, X, y, **params):
        # imblearn checks the target type before _check_X_y, and words a
        # missing text label as a failed sort.
        check_labels_present(y)
        return super().fit_resample(X, y, **params)

    fit_resample.__doc__ = BaseOverSampler.fit_resample.__doc__

    def _check_X_y(self, X, y):
        if sparse.issparse(X):
            raise TypeError(
                f"{type(self).__name__} does not accept sparse input: it needs dense columns. "
                "Convert it with X.toarray() first."
            )
        check_labels_present(y)
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        # dtype=None keeps text columns and NaN; a DataFrame keeps its dtypes,
        # which say which columns are categorical.
        X_checked, y = validate_data(self, X=validation_view(X), y=y, reset=True, dtype=None,
                                     ensure_all_finite=False)
        return (X if isinstance(X, pd.DataFrame) else X_checked), y, binarize_y

    def _synthetic_counts(self, y):
        """Rows to generate per class (sets ``sampling_strategy_`` in augmentation mode)."""
        if self.n_synthetic is not None:
            if not (isinstance(self.sampling_strategy, str) and self.sampling_strategy == "auto"):
                raise ValueError(
                    "Set either n_synthetic (augmentation keeping class proportions) or "
                    "sampling_strategy (balancing), not both."
                )
            classes, counts = np.unique(y, return_counts=True)
            self.sampling_strategy_ = proportional_counts(classes, counts, self.n_synthetic)
            if self.n_synthetic > 0 and not any(self.sampling_strategy_.values()):
                warnings.warn(
                    f"n_synthetic={self.n_synthetic} of {len(y)} rows rounds to 0 synthetic rows; "
                    "the real rows come back alone. Pass a larger ratio or a count (an int).",
                    UserWarning, stacklevel=user_stacklevel(),
                )
        return {c: int(n) for c, n in self.sampling_strategy_.items() if n > 0}

    def _append(self, X, y, X_new, y_new):
        """Real rows first and unchanged, then the synthetic ones."""
        if isinstance(X, pd.DataFrame):
            X_res = pd.concat([X, X_new], ignore_index=True)
        else:
            X_new = X_new.to_numpy() if isinstance(X_new, pd.DataFrame) else X_new
            X_res = np.concatenate([X, np.asarray(X_new).astype(X.dtype, copy=False)])
        y_res = np.concatenate([y, np.asarray(y_new, dtype=y.dtype)])
        self.synthetic_mask_ = np.r_[np.zeros(len(y), dtype=bool), np.ones(len(y_new), dtype=bool)]
        return X_res, y_res

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.input_tags.sparse = False
        return tags


def proportional_counts(classes, counts, n_synthetic):
    """Split the synthetic rows over classes in proportion to their counts."""
    n_real = counts.sum()
    if isinstance(n_synthetic, Integral):
        total = int(n_synthetic)
    else:
        total = int(round(float(n_synthetic) * n_real))
    exact = total * counts / n_real
    alloc = np.floor(exact).astype(int)
    # Largest remainder; ties go to the earlier class, so the split is stable.
    order = np.argsort(-(exact - alloc), kind="stable")
    alloc[order[: total - alloc.sum()]] += 1
    return {c: int(a) for c, a in zip(classes, alloc)}

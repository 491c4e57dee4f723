"""Class to perform within-class mixup, a statistical baseline augmenter."""

from numbers import Real

import numpy as np
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import Substitution
from imblearn.utils._docstring import _random_state_docstring
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from ..scm._table import TableEncoder
from ._base import AUGMENTER_ATTRIBUTES_DOCSTRING, BaseAugmenter


@Substitution(
    sampling_strategy=BaseOverSampler._sampling_strategy_docstring,
    random_state=_random_state_docstring,
    augmenter_attributes=AUGMENTER_ATTRIBUTES_DOCSTRING,
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
        Columns never interpolated, as in
        :class:`~skcausalmix.scm.StructuralCausalModel`: "auto" takes text,
        bool and category columns; otherwise column indices, names or a
        boolean mask.

    {random_state}

    Attributes
    ----------
    {augmenter_attributes}

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

    def _fit_resample(self, X, y):
        request = self._synthetic_counts(y)
        rng = check_random_state(self.random_state)
        # The SCM's table encoding: categorical codes, imputed cells and their
        # positions, and the way back to the input's columns and dtypes.
        encoder = TableEncoder(self.categorical_features)
        Z, missing = encoder.fit_transform(X)
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
        dominant, other = np.where(lam >= 0.5, a, b), np.where(lam >= 0.5, b, a)
        Z_new = lam[:, None] * Z[a] + (1 - lam[:, None]) * Z[b]
        # Categories are never interpolated, and a missing parent cell is not
        # mixed with an imputed value: both take the dominant parent's cell.
        keep = encoder.categorical_[None, :] | missing[other]
        Z_new = np.where(keep, Z[dominant], Z_new)
        X_new = encoder.to_table(Z_new, missing[dominant])
        return self._append(X, y, X_new, y[a])

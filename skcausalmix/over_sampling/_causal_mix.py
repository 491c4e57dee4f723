"""Class to perform causal data augmentation with a fitted SCM."""

from numbers import Integral, Real

import numpy as np
import pandas as pd
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import Substitution, check_target_type
from imblearn.utils._docstring import _random_state_docstring
from scipy import sparse
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import validate_data

from ..scm import StructuralCausalModel

MIN_CLASS_ROWS = 2


@Substitution(
    sampling_strategy=BaseOverSampler._sampling_strategy_docstring,
    random_state=_random_state_docstring,
)
class CausalMixAugmenter(BaseOverSampler):
    """Add synthetic rows sampled from a structural causal model of the data.

    The augmenter fits a :class:`~skcausalmix.scm.StructuralCausalModel` to
    ``(X, y)`` (a LiNGAM graph plus one structural equation per feature,
    conditioned on the class) and samples new labelled rows from it. It has
    two uses:

    - balancing, with imbalanced-learn's ``sampling_strategy``;
    - augmentation: ``n_synthetic`` adds a ratio (float) or a count (int) of
      synthetic rows with the class proportions of ``y``, as fine-tuning needs.

    Parameters
    ----------
    {sampling_strategy}

        Ignored when ``n_synthetic`` is set, which then requires the default
        ``'auto'``.

    n_synthetic : float or int, default=None
        Augmentation instead of balancing. A float is the number of synthetic
        rows per real row (``1.0`` doubles the data); an int is the total
        number of synthetic rows. Rows are split over the classes in
        proportion to their counts (largest remainder), so class proportions
        are kept.

    discovery : {{"direct", "lingam-direct", "ica", "highdim"}} or object, default="direct"
        Causal discovery method; see :class:`~skcausalmix.scm.StructuralCausalModel`.

    graph : array-like, DataFrame or list of edges, default=None
        A known causal graph, which skips discovery.

    regressor : regressor, default=None
        Structural equation of numeric features (None: linear regression).

    classifier : classifier, default=None
        Structural equation of categorical features, sampled from
        ``predict_proba`` (None: logistic regression).

    categorical_features : "auto", array-like or None, default="auto"
        Which columns are categorical ("auto": from DataFrame dtypes).

    min_pool_size : int, default=20
        Classes with fewer rows draw residual noise from all rows.

    {random_state}

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of synthetic rows generated per class.

    scm_ : StructuralCausalModel
        The fitted structural causal model.

    synthetic_mask_ : ndarray of shape (n_samples_resampled,)
        True for the synthetic rows of the last ``fit_resample`` output.

    n_features_in_ : int
        Number of features in the input dataset.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during `fit`. Defined only when `X` has feature
        names that are all strings.

    See Also
    --------
    imblearn.over_sampling.SMOTENC : Interpolation for mixed data.
    skcausalmix.scm.StructuralCausalModel : The model the rows come from.

    Notes
    -----
    The real rows are returned first, unchanged and in their order, followed
    by the synthetic rows; a DataFrame keeps its columns and dtypes (its index
    is reset, as in every imbalanced-learn sampler). Missing cells are imputed
    for fitting and re-inserted in synthetic rows at the observed rate. Every
    class needs at least 2 rows; discovery needs more rows than non-constant
    features (otherwise pass ``graph``).

    References
    ----------
    .. [1] Bühler, Purucker, Hutter. "Causal Data Augmentation for Robust
       Fine-Tuning of Tabular Foundation Models", arXiv:2601.04110.
    .. [2] Shimizu et al. "DirectLiNGAM: A direct method for learning a linear
       non-Gaussian structural equation model", JMLR 2011.

    Examples
    --------
    >>> from collections import Counter
    >>> from sklearn.datasets import make_classification
    >>> from skcausalmix.over_sampling import CausalMixAugmenter
    >>> X, y = make_classification(n_samples=200, n_features=5, weights=[0.8],
    ...                            random_state=0)
    >>> X_res, y_res = CausalMixAugmenter(random_state=0).fit_resample(X, y)
    >>> sorted(Counter(y_res).items())
    [(np.int64(0), 160), (np.int64(1), 160)]
    >>> X_aug, y_aug = CausalMixAugmenter(n_synthetic=0.5, random_state=0).fit_resample(X, y)
    >>> X_aug.shape
    (300, 5)
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        **{k: v for k, v in StructuralCausalModel._parameter_constraints.items() if k != "random_state"},
        "n_synthetic": [
            Interval(Real, 0, None, closed="left"),
            Interval(Integral, 0, None, closed="left"),
            None,
        ],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        n_synthetic=None,
        discovery="direct",
        graph=None,
        regressor=None,
        classifier=None,
        categorical_features="auto",
        min_pool_size=20,
        random_state=None,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.n_synthetic = n_synthetic
        self.discovery = discovery
        self.graph = graph
        self.regressor = regressor
        self.classifier = classifier
        self.categorical_features = categorical_features
        self.min_pool_size = min_pool_size
        self.random_state = random_state

    def _check_X_y(self, X, y):
        if sparse.issparse(X):
            raise TypeError(
                "CausalMixAugmenter does not accept sparse input: a structural causal "
                "model needs dense columns. Convert it with X.toarray() first."
            )
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        # dtype=None keeps text columns; NaN is handled by the SCM, infinities
        # are reported there by column name.
        X_checked, y = validate_data(
            self, X=X, y=y, reset=True, dtype=None, ensure_all_finite=False
        )
        # A DataFrame keeps its dtypes, which say which columns are categorical.
        if isinstance(X, pd.DataFrame):
            X_checked = X
        return X_checked, y, binarize_y

    def _fit_resample(self, X, y):
        classes, counts = np.unique(y, return_counts=True)
        small = counts < MIN_CLASS_ROWS
        if small.any():
            raise ValueError(
                f"Class {classes[small][0]!r} has {counts[small][0]} row(s); "
                f"CausalMixAugmenter needs at least {MIN_CLASS_ROWS} rows of every class "
                "to fit class-conditional equations."
            )
        if self.n_synthetic is not None:
            if not (isinstance(self.sampling_strategy, str) and self.sampling_strategy == "auto"):
                raise ValueError(
                    "Set either n_synthetic (augmentation keeping class proportions) or "
                    "sampling_strategy (balancing), not both."
                )
            self.sampling_strategy_ = _proportional_counts(classes, counts, self.n_synthetic)

        rng = check_random_state(self.random_state)
        self.scm_ = StructuralCausalModel(
            discovery=self.discovery,
            graph=self.graph,
            regressor=self.regressor,
            classifier=self.classifier,
            categorical_features=self.categorical_features,
            min_pool_size=self.min_pool_size,
            random_state=rng.randint(np.iinfo(np.int32).max),
        ).fit(X, y)
        request = {c: n for c, n in self.sampling_strategy_.items() if n > 0}
        X_new, y_new = self.scm_.sample(y=request, random_state=rng)
        if isinstance(X, pd.DataFrame):
            X_res = pd.concat([X, X_new], ignore_index=True)
        else:
            X_res = np.concatenate([X, X_new.astype(X.dtype, copy=False)])
        y_res = np.concatenate([y, np.asarray(y_new, dtype=y.dtype)])
        self.synthetic_mask_ = np.r_[np.zeros(len(y), dtype=bool), np.ones(len(y_new), dtype=bool)]
        return X_res, y_res

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.input_tags.sparse = False
        return tags


def _proportional_counts(classes, counts, n_synthetic):
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

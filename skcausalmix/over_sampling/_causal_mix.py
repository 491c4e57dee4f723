"""Class to perform causal data augmentation with a fitted SCM."""

import numpy as np
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import Substitution
from imblearn.utils._docstring import _random_state_docstring
from sklearn.utils import check_random_state

from .._messages import label_repr as _label
from ..scm import StructuralCausalModel
from ._base import AUGMENTER_ATTRIBUTES_DOCSTRING, BaseAugmenter

MIN_CLASS_ROWS = 2


@Substitution(
    sampling_strategy=BaseOverSampler._sampling_strategy_docstring,
    random_state=_random_state_docstring,
    augmenter_attributes=AUGMENTER_ATTRIBUTES_DOCSTRING,
)
class CausalMixAugmenter(BaseAugmenter):
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

    mechanisms : {{"per_class", "shared"}}, default="per_class"
        "per_class": each class with enough rows gets its own equations, so
        a dependency may differ between classes; "shared": one equation per
        feature, the label an additive input. See
        :class:`~skcausalmix.scm.StructuralCausalModel`.

    marginals : {{"model", "real"}}, default="model"
        "model": numeric values as the equations give them; "real": mapped,
        order kept, onto each class's real values (quantile matching), so
        skewed or zero-inflated columns keep their shape.

    min_pool_size : int, default=20
        Classes with fewer rows draw residual noise from all rows.

    {random_state}

    verbose : int, default=0
        1 shows a progress bar while the causal model is fitted.

    Attributes
    ----------
    scm_ : StructuralCausalModel
        The fitted structural causal model.

    {augmenter_attributes}

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
        **BaseAugmenter._parameter_constraints,
        **{k: v for k, v in StructuralCausalModel._parameter_constraints.items() if k != "random_state"},
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
        mechanisms="per_class",
        marginals="model",
        min_pool_size=20,
        random_state=None,
        verbose=0,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.n_synthetic = n_synthetic
        self.discovery = discovery
        self.graph = graph
        self.regressor = regressor
        self.classifier = classifier
        self.categorical_features = categorical_features
        self.mechanisms = mechanisms
        self.marginals = marginals
        self.min_pool_size = min_pool_size
        self.random_state = random_state
        self.verbose = verbose

    def _fit_resample(self, X, y):
        classes, counts = np.unique(y, return_counts=True)
        small = counts < MIN_CLASS_ROWS
        if small.any():
            raise ValueError(
                f"Class {_label(classes[small][0])} has {counts[small][0]} row(s); "
                f"CausalMixAugmenter needs at least {MIN_CLASS_ROWS} rows of every class "
                "to fit class-conditional equations."
            )
        request = self._synthetic_counts(y)
        rng = check_random_state(self.random_state)
        self.scm_ = StructuralCausalModel(
            discovery=self.discovery,
            graph=self.graph,
            regressor=self.regressor,
            classifier=self.classifier,
            categorical_features=self.categorical_features,
            mechanisms=self.mechanisms,
            marginals=self.marginals,
            min_pool_size=self.min_pool_size,
            random_state=rng.randint(np.iinfo(np.int32).max),
            verbose=self.verbose,
        ).fit(X, y)
        X_new, y_new = self.scm_.sample(y=request, random_state=rng)
        return self._append(X, y, X_new, y_new)

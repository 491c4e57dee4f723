"""Class to run an imbalanced-learn over-sampler in augmentation mode on any table."""

from numbers import Integral

import numpy as np
import pandas as pd
from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC
from imblearn.utils import Substitution
from sklearn.base import clone
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods

from ..scm._table import TableEncoder
from ._base import AUGMENTER_ATTRIBUTES_DOCSTRING, BaseAugmenter


@Substitution(augmenter_attributes=AUGMENTER_ATTRIBUTES_DOCSTRING)
class ProportionalOverSampler(BaseAugmenter):
    """Run an imbalanced-learn over-sampler in augmentation mode on a raw table.

    ``sampler`` (SMOTE, RandomOverSampler, ...) is given a sampling strategy
    that adds ``n_synthetic`` rows per real row with the class proportions
    kept, as :class:`~skcausalmix.over_sampling.CausalMixAugmenter` does, so
    that both compare on the same footing. Real rows come back first and
    unchanged; synthetic ones have the table's columns and dtypes.

    What the sampler sees follows from what its scikit-learn tags say it
    takes. A sampler that takes text and missing values (``string`` and
    ``allow_nan`` input tags, such as RandomOverSampler) gets the table as it
    is. The others need numbers (the SMOTE family, ADASYN): they get the table
    as the structural causal model encodes it (categorical columns as codes,
    missing cells imputed), and their synthetic rows are decoded back. Plain
    SMOTE would interpolate category codes: on a table with categorical
    columns it runs as SMOTENC, or SMOTEN when every column is categorical.
    A ``k_neighbors`` beyond what the smallest class allows is lowered to it.

    Parameters
    ----------
    sampler : imblearn over-sampler
        The sampler to run; it is cloned and its ``sampling_strategy``
        replaced at each ``fit_resample``.

    n_synthetic : float or int, default=1.0
        A float is the number of synthetic rows per real row, an int the
        total number, split over the classes in proportion to their counts.

    Attributes
    ----------
    sampler_ : imblearn over-sampler
        The sampler that ran at the last ``fit_resample`` (SMOTENC or SMOTEN
        in place of SMOTE on a table with categorical columns).

    {augmenter_attributes}

    See Also
    --------
    CausalMixAugmenter : Synthetic rows from a fitted structural causal model.
    WithinClassMixup : Convex combinations of rows of the same class.

    Examples
    --------
    >>> import pandas as pd
    >>> from imblearn.over_sampling import SMOTE
    >>> from skcausalmix.over_sampling import ProportionalOverSampler
    >>> X = pd.DataFrame({{"size": [1.0, 1.2, 0.9, 1.1, 3.0, 3.2, 2.9, 3.1],
    ...                    "color": list("rrgrbbgb")}})
    >>> y = [0, 0, 0, 0, 1, 1, 1, 1]
    >>> sampler = ProportionalOverSampler(SMOTE(random_state=0), n_synthetic=0.5)
    >>> X_aug, y_aug = sampler.fit_resample(X, y)
    >>> X_aug.shape, type(sampler.sampler_).__name__
    ((12, 2), 'SMOTENC')
    """

    _parameter_constraints: dict = {
        **BaseAugmenter._parameter_constraints,
        "sampler": [HasMethods(["fit_resample"])],
    }

    def __init__(self, sampler, *, n_synthetic=1.0):
        super().__init__(sampling_strategy="auto")
        self.sampler = sampler
        self.n_synthetic = n_synthetic

    def _fit_resample(self, X, y):
        classes, counts = np.unique(y, return_counts=True)
        extra = self._synthetic_counts(y)
        target = {c: int(n + extra.get(c, 0)) for c, n in zip(classes, counts)}
        sampler = clone(self.sampler)
        if _takes_any_table(sampler):
            self.sampler_ = sampler.set_params(sampling_strategy=target)
            X_res, y_res = sampler.fit_resample(X, y)
            X_new = X_res.iloc[len(y):] if isinstance(X_res, pd.DataFrame) else X_res[len(y):]
            return self._append(X, y, X_new, np.asarray(y_res)[len(y):])
        # It needs numbers: the SCM's encoding, whose codes and imputed cells decode back.
        encoder = TableEncoder()
        Z, _ = encoder.fit_transform(X)
        sampler = _for_categories(sampler, np.flatnonzero(encoder.categorical_), Z.shape[1])
        k = sampler.get_params().get("k_neighbors")
        if isinstance(k, Integral):
            # Each class needs more rows than neighbours.
            sampler.set_params(k_neighbors=max(1, min(k, counts.min() - 1)))
        self.sampler_ = sampler.set_params(sampling_strategy=target)
        Z_res, y_res = sampler.fit_resample(Z, y)
        X_new = encoder.to_table(np.asarray(Z_res)[len(y):])
        return self._append(X, y, X_new, np.asarray(y_res)[len(y):])


def _takes_any_table(sampler):
    """Whether ``sampler`` declares that it takes text and missing values."""
    try:
        tags = get_tags(sampler)
    except (AttributeError, TypeError):  # a sampler without tags promises nothing
        return False
    return tags.input_tags.string and tags.input_tags.allow_nan


def _for_categories(sampler, categorical, n_features):
    """Plain SMOTE as its variant for categorical columns, when the table has some."""
    if type(sampler) is not SMOTE or len(categorical) == 0:
        return sampler
    params = {"k_neighbors": sampler.k_neighbors, "random_state": sampler.random_state}
    if len(categorical) == n_features:
        return SMOTEN(**params)
    return SMOTENC(categorical_features=list(categorical), **params)

from collections import Counter

import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import make_pipeline
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

from skcausalmix.over_sampling import WithinClassMixup

from ..conftest import load_table, sampler_checks


@sampler_checks([WithinClassMixup(random_state=0)])
def test_imblearn_sampler_checks(estimator, check):
    check(estimator)


def test_rows_are_within_class_convex_combinations():
    X, y = make_classification(n_samples=120, n_features=4, weights=[0.7], random_state=0)
    aug = WithinClassMixup(n_synthetic=1.0, random_state=0)
    X_res, y_res = aug.fit_resample(X, y)
    assert len(y_res) == 240 and aug.synthetic_mask_.sum() == 120
    np.testing.assert_array_equal(X_res[:120], X)  # real rows first, unchanged
    assert abs(Counter(y_res[120:])[1] - Counter(y)[1]) <= 1
    for c in (0, 1):
        real, new = X[y == c], X_res[120:][y_res[120:] == c]
        # Every synthetic row lies inside its own class's bounding box.
        assert (new >= real.min(0) - 1e-12).all() and (new <= real.max(0) + 1e-12).all()
    # Not copies: the mixing weight is continuous.
    assert not any((X_res[120:] == row).all(1).any() for row in X)


def test_balancing_with_sampling_strategy():
    X, y = make_classification(n_samples=100, n_features=3, n_informative=2, n_redundant=0,
                               weights=[0.8], random_state=0)
    _, y_res = WithinClassMixup(random_state=0).fit_resample(X, y)
    assert Counter(y_res)[0] == Counter(y_res)[1]
    with pytest.raises(ValueError, match="not both"):
        WithinClassMixup(sampling_strategy="minority", n_synthetic=1.0).fit_resample(X, y)


def test_dataframe_dtypes_categories_and_missing_cells():
    X, y = load_table("credit-approval", 150)
    aug = WithinClassMixup(n_synthetic=2.0, random_state=0)
    X_res, y_res = aug.fit_resample(X, y)
    assert isinstance(X_res, pd.DataFrame) and list(X_res.dtypes) == list(X.dtypes)
    pd.testing.assert_frame_equal(X_res.iloc[:150], X)
    new = X_res.iloc[150:]
    for col in X.columns:
        if not pd.api.types.is_numeric_dtype(X[col]):
            assert set(new[col].dropna()) <= set(X[col].dropna())  # categories are never mixed
    if X.isna().any().any():
        assert new.isna().any().any()  # missing cells survive at some rate


def test_integer_columns_stay_integer():
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"count": rng.randint(0, 10, 60), "x": rng.normal(size=60)})
    y = np.r_[np.zeros(30), np.ones(30)]
    X_res, _ = WithinClassMixup(n_synthetic=10, random_state=0).fit_resample(X, y)
    assert X_res["count"].dtype == X["count"].dtype


def test_categorical_features_are_checked():
    X, y = make_classification(n_samples=40, n_features=3, n_informative=2, n_redundant=0,
                               random_state=0)
    with pytest.raises(ValueError, match="out of range"):
        WithinClassMixup(categorical_features=[5], n_synthetic=1.0).fit_resample(X, y)
    X_res, _ = WithinClassMixup(categorical_features=[0], n_synthetic=1.0,
                                random_state=0).fit_resample(X, y)
    assert set(X_res[40:, 0]) <= set(X[:, 0])


def test_works_in_a_pipeline():
    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    pipe = make_pipeline(WithinClassMixup(n_synthetic=1.0, random_state=0), LogisticRegression())
    assert cross_val_score(pipe, X, y, cv=3, scoring="roc_auc").mean() > 0.8


def test_any_finite_magnitude_is_mixed():
    # Only the causal model squares values (and refuses columns beyond 1e150);
    # mixing is a convex combination and takes any finite number.
    rng = np.random.RandomState(0)
    X = np.c_[rng.standard_normal(40) * 1e200, rng.standard_normal(40) * 1e-200]
    aug = WithinClassMixup(n_synthetic=1.0, random_state=0)
    X_res, _ = aug.fit_resample(X, np.arange(40) % 2)
    new = X_res[aug.synthetic_mask_]
    assert np.isfinite(new).all() and (np.abs(new) <= np.abs(X).max(axis=0)).all()
    assert (new[:, 1] != 0).any()

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import ADASYN, SMOTE, SMOTEN, SMOTENC, RandomOverSampler

from skcausalmix.over_sampling import ProportionalOverSampler

from ..conftest import load_table


@pytest.mark.parametrize("sampler", [SMOTE(random_state=0), RandomOverSampler(random_state=0),
                                     ADASYN(random_state=0)], ids=lambda s: type(s).__name__)
def test_proportional_oversampling_on_a_raw_table(sampler):
    X, y = load_table("credit-approval", 120)
    X_res, y_res = ProportionalOverSampler(sampler, n_synthetic=1.0).fit_resample(X, y)
    pd.testing.assert_frame_equal(X_res.iloc[:120], X)
    assert list(X_res.dtypes) == list(X.dtypes)
    new = pd.Series(y_res[120:]).value_counts().to_dict()
    if isinstance(sampler, ADASYN):  # it sets its own counts per class, near the ones asked for
        assert abs(len(y_res) - 240) <= 0.05 * 120
    else:
        assert len(y_res) == 240 and new == pd.Series(y).value_counts().to_dict()
    for col in X.columns:
        if not pd.api.types.is_numeric_dtype(X[col]):
            assert set(X_res[col].iloc[120:].dropna()) <= set(X[col].dropna())


def test_proportional_smote_on_an_all_categorical_table():
    X, y = load_table("vote", 80)
    sampler = ProportionalOverSampler(SMOTE(random_state=0), n_synthetic=0.5)
    X_res, y_res = sampler.fit_resample(X, y)
    pd.testing.assert_frame_equal(X_res.iloc[:80], X)
    assert len(y_res) == 120 and list(X_res.dtypes) == list(X.dtypes)
    for col in X.columns:
        assert set(X_res[col].iloc[80:].dropna()) <= set(X[col].dropna())
    assert type(sampler.sampler_) is SMOTEN


def test_the_table_a_sampler_sees_follows_its_tags():
    X = pd.DataFrame({"x": [0.5, 1.5, np.nan, 2.5, 3.5, 4.5, 5.5, 6.5], "c": list("abab" "bcbc")})
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    # RandomOverSampler takes text and missing cells: it copies real rows as they are.
    copier = ProportionalOverSampler(RandomOverSampler(random_state=0), n_synthetic=1.0)
    X_res, _ = copier.fit_resample(X, y)
    real = set(X.astype(str).itertuples(index=False))
    assert set(X_res.iloc[8:].astype(str).itertuples(index=False)) <= real
    assert type(copier.sampler_) is RandomOverSampler
    # SMOTE needs numbers: it interpolates the encoded table, SMOTENC keeping categories whole.
    smote = ProportionalOverSampler(SMOTE(random_state=0), n_synthetic=1.0)
    X_res, _ = smote.fit_resample(X, y)
    assert type(smote.sampler_) is SMOTENC and list(smote.sampler_.categorical_features) == [1]
    assert X_res.iloc[8:]["x"].notna().all() and set(X_res.iloc[8:]["c"]) <= {"a", "b", "c"}
    assert not set(X_res.iloc[8:].astype(str).itertuples(index=False)) <= real


@pytest.mark.parametrize("asked, used", [(5, 2), (1, 1)])
def test_neighbours_fit_the_smallest_class(asked, used):
    X = np.arange(20, dtype=float).reshape(10, 2)
    y = np.array([0] * 7 + [1] * 3)
    sampler = ProportionalOverSampler(SMOTE(k_neighbors=asked, random_state=0), n_synthetic=1.0)
    _, y_res = sampler.fit_resample(X, y)
    assert sampler.sampler_.k_neighbors == used and len(y_res) == 20
    assert sampler.sampler.k_neighbors == asked  # the parameter itself is left alone


def test_importable_from_the_benchmark():
    from skcausalmix import benchmark, over_sampling

    assert benchmark.ProportionalOverSampler is over_sampling.ProportionalOverSampler

from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from imblearn.pipeline import make_pipeline
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score

from skcausalmix.over_sampling import CausalMixAugmenter, WithinClassMixup

from ..conftest import load_table, sampler_checks

# Every check passes, check_samplers_pandas_sparse included (pandas sparse frames
# come back sparse): validation_view hands sklearn's validation columns it can read.
@sampler_checks([CausalMixAugmenter(random_state=0)])
def test_imblearn_sampler_checks(estimator, check):
    check(estimator)


def _data(n=200, weights=(0.7,), seed=0, n_features=5):
    return make_classification(
        n_samples=n, n_features=n_features, n_informative=3, n_redundant=0,
        weights=list(weights), random_state=seed,
    )


def test_balancing_follows_sampling_strategy():
    X, y = _data()
    X_res, y_res = CausalMixAugmenter(random_state=0).fit_resample(X, y)
    counts = Counter(y_res)
    assert counts[0] == counts[1] == Counter(y)[0]
    X_res, y_res = CausalMixAugmenter(sampling_strategy={1: 100}, random_state=0).fit_resample(X, y)
    assert Counter(y_res)[1] == 100


@pytest.mark.parametrize("n_synthetic, expected_total", [(1.0, 400), (0.5, 300), (37, 237), (0, 200)])
def test_augmentation_keeps_proportions(n_synthetic, expected_total):
    X, y = _data()
    aug = CausalMixAugmenter(n_synthetic=n_synthetic, random_state=0)
    X_res, y_res = aug.fit_resample(X, y)
    assert len(y_res) == expected_total
    new = Counter(y_res[aug.synthetic_mask_])
    share = Counter(y)[1] / len(y)
    assert abs(new[1] - share * (expected_total - 200)) <= 1
    assert sum(aug.sampling_strategy_.values()) == expected_total - 200


def test_setting_both_modes_is_an_error():
    X, y = _data()
    with pytest.raises(ValueError, match="not both"):
        CausalMixAugmenter(n_synthetic=1.0, sampling_strategy="all").fit_resample(X, y)


def test_exposes_scm_and_mask():
    X, y = _data()
    aug = CausalMixAugmenter(n_synthetic=0.5, random_state=0)
    X_res, _ = aug.fit_resample(X, y)
    assert aug.synthetic_mask_.sum() == 100 and not aug.synthetic_mask_[:200].any()
    assert aug.scm_.adjacency_.shape == (5, 5)


@st.composite
def tables(draw):
    seed = draw(st.integers(0, 10_000))
    n = draw(st.integers(30, 80))
    rng = np.random.RandomState(seed)
    y = np.r_[np.zeros(n // 2, dtype=int), np.ones(n - n // 2, dtype=int)]
    base = rng.standard_exponential(n) + y
    df = pd.DataFrame(
        {
            "x": base,
            "k": np.rint(base * 3 + rng.randint(0, 3, n)).astype(np.int64),
            "c": pd.Categorical(rng.choice(["a", "b", "c"], n)),
            "z": base * -2 + rng.uniform(size=n),
        }
    )
    if draw(st.booleans()):
        df.loc[rng.rand(n) < 0.1, "x"] = np.nan
    return df, pd.Series(np.array(["no", "yes"])[y], name="label")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=tables(), n_synthetic=st.integers(0, 120), seed=st.integers(0, 100))
def test_properties(data, n_synthetic, seed):
    X, y = data
    aug = CausalMixAugmenter(n_synthetic=n_synthetic, random_state=seed)
    X_res, y_res = aug.fit_resample(X, y)
    # Real rows first, unchanged.
    pd.testing.assert_frame_equal(X_res.iloc[: len(X)], X)
    assert (y_res.iloc[: len(y)].to_numpy() == y.to_numpy()).all()
    # Counts exactly as requested, proportions kept.
    assert len(X_res) == len(X) + n_synthetic
    assert sum(aug.sampling_strategy_.values()) == n_synthetic
    # Dtypes, categories and ranges respected.
    assert (X_res.dtypes == X.dtypes).all()
    new = X_res[aug.synthetic_mask_]
    assert set(new["c"]) <= {"a", "b", "c"}
    for col in ("x", "k", "z"):
        vals = new[col].dropna()
        assert vals.between(X[col].min(), X[col].max()).all()
        if len(vals) >= 20:
            # Within range because the values follow the data, not because they sit on the
            # clip bounds: few at the bounds, and centred like the real column.
            assert vals.isin([X[col].min(), X[col].max()]).mean() < 0.4, col
            assert abs(vals.mean() - X[col].mean()) < 0.5 * X[col].std(), col
    # Same seed, same output.
    X_again, _ = CausalMixAugmenter(n_synthetic=n_synthetic, random_state=seed).fit_resample(X, y)
    pd.testing.assert_frame_equal(X_res, X_again)


def _column(kind, n, rng):
    """One column of a kind a user's table may hold."""
    make = {
        "float": lambda: rng.standard_normal(n),
        "float with gaps": lambda: np.where(rng.rand(n) < 0.3, np.nan, rng.standard_normal(n)),
        "int": lambda: rng.randint(-3, 10, n),
        "Int64": lambda: pd.array(np.where(rng.rand(n) < 0.2, None, rng.randint(0, 5, n)), dtype="Int64"),
        "bool": lambda: rng.rand(n) < 0.4,
        "boolean": lambda: pd.array(np.where(rng.rand(n) < 0.2, None, rng.rand(n) < 0.5), dtype="boolean"),
        "category": lambda: pd.Categorical(rng.choice(["p", "q", "r"], n)),
        "unused levels": lambda: pd.Categorical(rng.choice(["p", "q"], n), categories=["q", "z", "p"]),
        "text": lambda: np.where(rng.rand(n) < 0.25, None, rng.choice(["aa", "bb", "cc"], n)).astype(object),
        "string": lambda: pd.array(np.where(rng.rand(n) < 0.25, None, rng.choice(["u", "v"], n)), dtype="string"),
        "constant": lambda: np.full(n, 3.5),
        "all missing": lambda: np.full(n, np.nan),
        "dates": lambda: pd.date_range("2021-01-01", periods=n, freq="h")[rng.permutation(n)],
        "tiny units": lambda: rng.standard_normal(n) * 1e-40,
        "periods": lambda: pd.Series(pd.period_range("2020-01", periods=n, freq="M")[rng.permutation(n)]).mask(
            rng.rand(n) < 0.2),
    }
    return make[kind]()


COLUMN_KINDS = ["float", "float with gaps", "int", "Int64", "bool", "boolean", "category", "unused levels",
                "text", "string", "constant", "all missing", "dates", "tiny units", "periods"]


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(kinds=st.lists(st.sampled_from(COLUMN_KINDS), min_size=1, max_size=5), n=st.integers(12, 120),
       n_classes=st.integers(2, 3), seed=st.integers(0, 1000), marginals=st.sampled_from(["model", "real"]),
       mechanisms=st.sampled_from(["per_class", "shared"]))
def test_any_mix_of_column_kinds(kinds, n, n_classes, seed, marginals, mechanisms):
    # Found: nullable Int64 beside a category failed sklearn's validation.
    rng = np.random.RandomState(seed)
    X = pd.DataFrame({f"{i} {kind}": _column(kind, n, rng) for i, kind in enumerate(kinds)})
    aug = CausalMixAugmenter(n_synthetic=1.0, marginals=marginals, mechanisms=mechanisms, random_state=seed)
    X_res, _ = aug.fit_resample(X, np.arange(n) % n_classes)
    pd.testing.assert_frame_equal(X_res.iloc[:n], X)
    assert list(X_res.dtypes) == list(X.dtypes)
    new = X_res[aug.synthetic_mask_]
    for col in X.columns:
        real, synthetic = X[col].dropna(), new[col].dropna()
        if aug.scm_.feature_kinds_[col] in ("categorical", "constant"):
            assert set(synthetic.astype(str)) <= set(real.astype(str)), col
        elif len(synthetic):
            assert real.min() <= synthetic.min() and synthetic.max() <= real.max(), col
        if X[col].isna().all():
            assert new[col].isna().all(), col
        elif not X[col].isna().any():
            assert not new[col].isna().any(), col


@settings(max_examples=10, deadline=None)
@given(counts=st.lists(st.integers(2, 40), min_size=2, max_size=4), strategy=st.sampled_from(["auto", "all", "minority"]))
def test_balancing_counts_property(counts, strategy):
    rng = np.random.RandomState(len(counts))
    y = np.repeat(np.arange(len(counts)), counts)
    X = rng.standard_exponential((len(y), 2)) + y[:, None]
    if len(set(counts)) == 1 and strategy == "minority":
        return
    _, y_res = CausalMixAugmenter(sampling_strategy=strategy, graph=[(0, 1)], random_state=0).fit_resample(X, y)
    res = Counter(y_res)
    majority = max(counts)
    if strategy in ("auto", "all"):  # every class is raised to the majority's count
        assert all(res[c] == majority for c in range(len(counts)))
    else:  # only the (first) minority class grows
        minority = int(np.argmin(counts))
        assert res[minority] == majority
        assert all(res[c] == counts[c] for c in range(len(counts)) if c != minority)


def test_works_in_pipeline_cv_and_grid_search():
    X, y = _data(n=300)
    pipe = make_pipeline(CausalMixAugmenter(random_state=0), LogisticRegression())
    scores = cross_val_score(pipe, X, y, cv=3, scoring="roc_auc")
    assert scores.mean() > 0.7
    grid = GridSearchCV(
        pipe, {"causalmixaugmenter__n_synthetic": [0.5, 1.0], "causalmixaugmenter__discovery": ["direct", "ica"]},
        cv=3, scoring="roc_auc",
    ).fit(X, y)
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    # The chosen setting reached the refitted sampler: it added that share of the 300 rows.
    chosen = grid.best_params_["causalmixaugmenter__n_synthetic"]
    refitted = grid.best_estimator_.named_steps["causalmixaugmenter"]
    assert sum(refitted.sampling_strategy_.values()) == round(chosen * 300)
    assert refitted.scm_.discovery == grid.best_params_["causalmixaugmenter__discovery"]


@pytest.mark.parametrize(
    "kwargs, X, y, error, match",
    [
        ({}, np.random.rand(20, 3), np.zeros(20), ValueError, "more than 1 class"),
        ({}, np.random.rand(21, 3), np.r_[np.zeros(20), 1], ValueError, "at least 2 rows"),
        ({"discovery": "lingam-direct"}, np.random.rand(10, 30), np.arange(10) % 2, ValueError,
         "more rows than features"),
        ({}, np.random.rand(20, 3), np.arange(19) % 2, ValueError, "inconsistent"),
        ({"discovery": "magic"}, np.random.rand(20, 3), np.arange(20) % 2, ValueError, "discovery"),
        ({"n_synthetic": -1}, np.random.rand(20, 3), np.arange(20) % 2, ValueError, "n_synthetic"),
        ({"min_pool_size": 0}, np.random.rand(20, 3), np.arange(20) % 2, ValueError, "min_pool_size"),
        # Were numpy's "at least one array or dtype is required" and "declare it in categorical_features".
        ({}, pd.DataFrame(index=range(20)), np.arange(20) % 2, ValueError, "no columns"),
        ({}, pd.DataFrame({"x": np.arange(20.0), "bin": pd.interval_range(0, 20)}), np.arange(20) % 2, TypeError,
         "'bin'.*got Interval"),
    ],
)
def test_bad_input(kwargs, X, y, error, match):
    with pytest.raises(error, match=match):
        CausalMixAugmenter(**kwargs).fit_resample(X, y)


def test_a_ratio_that_rounds_to_no_rows_says_so_at_the_users_line():
    # n_synthetic=0.001 of 60 rows silently gave back the real rows alone.
    import warnings

    X, y = np.random.RandomState(0).rand(60, 3), np.arange(60) % 2
    with pytest.warns(UserWarning, match="rounds to 0 synthetic rows") as record:
        X_res, _ = CausalMixAugmenter(n_synthetic=0.001).fit_resample(X, y)
    assert len(X_res) == 60 and record[0].filename == __file__
    with pytest.warns(UserWarning, match="rounds to 0") as record:  # through imblearn's pipeline and joblib
        make_pipeline(CausalMixAugmenter(n_synthetic=0.001), LogisticRegression()).fit(X, y)
    assert record[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # asking for none is no surprise
        CausalMixAugmenter(n_synthetic=0).fit_resample(X, y)


@pytest.mark.parametrize(
    "y",
    [
        pd.Series(["a", "b"] * 24 + [np.nan, "a"]),
        ["a", "b"] * 24 + [None, "a"],
        pd.Series(pd.Categorical(["a", "b"] * 24 + [np.nan, "a"])),
        np.r_[np.arange(48) % 2, np.nan, 1.0],
    ],
    ids=["text-nan", "list-none", "categorical", "float-nan"],
)
def test_missing_labels_are_named(y):
    # sklearn's own message for a NaN among text labels is a failed sort.
    X, _ = _data(n=50)
    with pytest.raises(ValueError, match=r"y has 1 missing label\(s\) \(at row positions 48\)"):
        CausalMixAugmenter(random_state=0).fit_resample(X, y)
    with pytest.raises(ValueError, match="missing label"):
        CausalMixAugmenter(random_state=0).fit(X, y)


def test_infinity_and_sparse_and_wrong_shape():
    X, y = _data(n=50)
    X_inf = X.copy()
    X_inf[0, 1] = np.inf
    with pytest.raises(ValueError, match="infinite"):
        CausalMixAugmenter().fit_resample(pd.DataFrame(X_inf), y)
    from scipy import sparse

    with pytest.raises(TypeError, match="sparse"):
        CausalMixAugmenter().fit_resample(sparse.csr_matrix(X), y)
    with pytest.raises(ValueError):
        CausalMixAugmenter().fit_resample(X[:, 0], y)


@pytest.mark.parametrize("sampler", [CausalMixAugmenter, WithinClassMixup])
@pytest.mark.parametrize("with_timezone", [False, True])
def test_date_and_duration_columns_are_numeric(sampler, with_timezone):
    # Floats beside naive dates have no common numpy dtype: validation used to fail.
    rng = np.random.RandomState(0)
    days = pd.date_range("2020-01-01", periods=60, freq="D")
    X = pd.DataFrame({
        "x": np.arange(60) + rng.standard_normal(60),
        "day": days,
        "local": days.tz_localize("Europe/Berlin"),
        "wait": pd.to_timedelta(np.arange(60) * 60, unit="s"),
        "gaps": pd.Series(days).where(rng.rand(60) > 0.3),
    })
    if not with_timezone:
        X = X.drop(columns="local")
    aug = sampler(n_synthetic=1.0, random_state=0)
    X_res, _ = aug.fit_resample(X, np.arange(60) % 2)
    pd.testing.assert_frame_equal(X_res.iloc[:60], X)
    new = X_res[aug.synthetic_mask_]
    assert list(new.dtypes) == list(X.dtypes)
    for col in X.columns.drop(["x", "gaps"]):
        assert new[col].notna().all() and X[col].min() <= new[col].min() and new[col].max() <= X[col].max()
    assert new["gaps"].isna().any() and new["gaps"].notna().any()


@pytest.mark.parametrize("sampler", [CausalMixAugmenter, WithinClassMixup])
@pytest.mark.parametrize("columns", [["count", "kind", "x"], ["count", "flag", "name", "kind", "x"]])
def test_nullable_dtypes_beside_a_category(sampler, columns):
    # sklearn's validation cast the whole frame to float ("Cannot cast str dtype to float64").
    rng = np.random.RandomState(0)
    X = pd.DataFrame({
        "count": pd.array(np.where(rng.rand(60) < 0.2, None, rng.randint(0, 5, 60)), dtype="Int64"),
        "flag": pd.array([True, None, False] * 20, dtype="boolean"),
        "name": pd.array(["u", "v", None] * 20, dtype="string"),
        "kind": pd.Categorical(rng.choice(["p", "q", "r"], 60)),
        "x": rng.standard_normal(60),
    })[columns]
    aug = sampler(n_synthetic=1.0, random_state=0)
    X_res, _ = aug.fit_resample(X, np.arange(60) % 2)
    pd.testing.assert_frame_equal(X_res.iloc[:60], X)
    assert list(X_res.dtypes) == list(X.dtypes)
    assert set(X_res["kind"][aug.synthetic_mask_]) <= {"p", "q", "r"}


def test_nan_is_imputed_for_fitting_and_kept_in_real_rows():
    X, y = _data(n=300)
    X = X.copy()
    X[::7, 2] = np.nan
    aug = CausalMixAugmenter(n_synthetic=2.0, random_state=0)
    X_res, _ = aug.fit_resample(X, y)
    np.testing.assert_array_equal(X_res[:300], X)
    rate = np.isnan(X_res[aug.synthetic_mask_, 2]).mean()
    assert abs(rate - np.isnan(X[:, 2]).mean()) < 0.05


@pytest.mark.parametrize("name", ["credit-approval", "vote", "hypothyroid", "breast-w", "diabetes"])
def test_real_datasets_end_to_end(name):
    from sklearn.model_selection import train_test_split

    X_all, y_all = load_table(name, n_rows=400)
    # Rows the SCM never sees, to judge whether its rows are useful.
    X, X_held, y, y_held = train_test_split(X_all, y_all, test_size=0.3, stratify=y_all, random_state=0)
    X, X_held = X.reset_index(drop=True), X_held.reset_index(drop=True)
    y, y_held = y.reset_index(drop=True), y_held.reset_index(drop=True)
    aug = CausalMixAugmenter(n_synthetic=1.0, random_state=0)
    X_res, y_res = aug.fit_resample(X, y)
    pd.testing.assert_frame_equal(X_res.iloc[: len(X)], X)
    assert (X_res.dtypes == X.dtypes).all()
    assert len(X_res) == 2 * len(X)
    assert Counter(y_res[aug.synthetic_mask_]) == Counter(y)
    new = X_res[aug.synthetic_mask_]
    for col in X.columns:
        if aug.scm_.feature_kinds_[col] == "categorical":
            assert set(new[col].dropna()) <= set(X[col].dropna())
    # Useful data: a classifier trained on synthetic rows alone ranks held-out real rows well.
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score

    cat = [aug.scm_.feature_kinds_[c] == "categorical" for c in X.columns]
    def codes(frame):  # one category set for both frames
        return frame.apply(lambda s: pd.Categorical(s, categories=pd.Categorical(X_all[s.name]).categories).codes
                           if cat[X.columns.get_loc(s.name)] else s)

    Xn, Xr = codes(new), codes(X_held)
    clf = HistGradientBoostingClassifier(categorical_features=np.array(cat), random_state=0).fit(Xn, y_res[aug.synthetic_mask_])
    proba = clf.predict_proba(Xr)[:, 1]
    auc = roc_auc_score(y_held == clf.classes_[1], proba)
    assert auc > 0.7, auc


def test_wide_tables_restrict_candidate_parents():
    # sonar: 60 features; 48 training rows, as in data-scarce fine-tuning.
    X, y = load_table("sonar", 48)
    aug = CausalMixAugmenter(n_synthetic=1.0, random_state=0)
    X_res, y_res = aug.fit_resample(X, y)
    pd.testing.assert_frame_equal(X_res.iloc[:48], X)
    assert aug.synthetic_mask_.sum() == 48 and np.isfinite(X_res.to_numpy(float)).all()
    # No node has more candidate parents than a third of the rows.
    n_parents = (aug.scm_.adjacency_.to_numpy() != 0).sum(axis=1)
    assert n_parents.max() <= 48 // 3


def test_many_classes_keep_their_proportions():
    # segment: 7 classes, 19 numeric columns.
    X, y = load_table("segment", n_rows=350)
    aug = CausalMixAugmenter(n_synthetic=1.0, random_state=0)
    X_res, y_res = aug.fit_resample(X, y)
    assert y.nunique() == 7
    assert Counter(y_res[aug.synthetic_mask_]) == Counter(y)
    # Each class's synthetic rows sit nearer their own class's real rows than the others' do.
    num = X.select_dtypes("number").columns
    scale = X[num].std().replace(0, 1)
    means = (X[num] / scale).groupby(y.to_numpy()).mean()
    synthetic = X_res[aug.synthetic_mask_][num] / scale
    nearest = ((synthetic.to_numpy()[:, None, :] - means.to_numpy()[None]) ** 2).sum(-1).argmin(1)
    accuracy = np.mean(means.index[nearest] == y_res[aug.synthetic_mask_].to_numpy())
    assert accuracy > 0.6, accuracy

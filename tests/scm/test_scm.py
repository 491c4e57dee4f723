import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.ensemble import RandomForestRegressor

from skcausalmix.scm import StructuralCausalModel


def linear_nongaussian(n=2000, seed=0):
    """x0 -> x1 -> x3, x0 -> x2, x2 -> x3; uniform noise; x4 isolated."""
    rng = np.random.RandomState(seed)
    e = rng.uniform(-1, 1, size=(n, 5))
    x0 = e[:, 0]
    x1 = 1.5 * x0 + e[:, 1]
    x2 = -1.0 * x0 + e[:, 2]
    x3 = 0.8 * x1 + 1.2 * x2 + e[:, 3]
    x4 = e[:, 4]
    X = np.c_[x0, x1, x2, x3, x4]
    true = np.zeros((5, 5), dtype=bool)
    true[1, 0] = true[2, 0] = true[3, 1] = true[3, 2] = True
    return X, true


def edge_f1(found, true):
    tp = (found & true).sum()
    return 2 * tp / (found.sum() + true.sum())


@pytest.mark.parametrize("marginals", ["model", "real"])
def test_discovers_known_graph_and_reproduces_moments(marginals):
    # "real" mapped roots through 10 residual levels (2,000 rows): x0's variance came out 0.27, not 0.33.
    X, true = linear_nongaussian()
    scm = StructuralCausalModel(marginals=marginals, random_state=0).fit(X)
    found = scm.adjacency_.to_numpy() != 0
    f1 = edge_f1(found, true)
    assert f1 >= 0.9, f"edge F1 {f1:.2f}"
    order = scm.causal_order_
    assert order.index(0) < order.index(1) < order.index(3)
    X_new, y_new = scm.sample(20000, random_state=1)
    assert y_new is None
    np.testing.assert_allclose(X_new.mean(0), X.mean(0), atol=0.05)
    # Covariances within 10 % of the largest variance.
    tol = 0.1 * np.diag(np.cov(X.T)).max()
    np.testing.assert_allclose(np.cov(X_new.T), np.cov(X.T), atol=tol)


def test_synthetic_rows_are_not_copies():
    X, _ = linear_nongaussian(n=300)
    X_new, _ = StructuralCausalModel(random_state=0).fit(X).sample(1000)
    real = {tuple(r) for r in np.round(X, 10)}
    assert not any(tuple(r) in real for r in np.round(X_new, 10))


def test_label_conditioned_sampling_matches_class_means():
    rng = np.random.RandomState(0)
    y = rng.randint(0, 2, 1500)
    a = rng.uniform(-1, 1, 1500) + 3 * y
    b = 2 * a + rng.uniform(-1, 1, 1500)
    X = np.c_[a, b]
    scm = StructuralCausalModel(random_state=0).fit(X, y)
    X_new, y_new = scm.sample(y={0: 3000, 1: 3000}, random_state=0)
    for c in (0, 1):
        np.testing.assert_allclose(X_new[y_new == c].mean(0), X[y == c].mean(0), atol=0.15)


def test_mixed_types_ranges_and_missing():
    rng = np.random.RandomState(0)
    n = 400
    num = rng.exponential(size=n)
    df = pd.DataFrame(
        {
            "num": num,
            "count": (3 * num + rng.poisson(2, n)).astype(int),
            "color": pd.Categorical(np.where(num > 1, "red", rng.choice(["blue", "green"], n))),
            "flag": num > 0.5,
            "text": np.where(rng.rand(n) > 0.5, "yes", "no"),
            "const": 7.0,
        }
    )
    df.loc[rng.rand(n) < 0.2, "num"] = np.nan
    y = np.where(num + rng.normal(0, 0.3, n) > 1, "pos", "neg")
    scm = StructuralCausalModel(random_state=0).fit(df, y)
    X_new, y_new = scm.sample(2000)
    assert list(X_new.columns) == list(df.columns)
    assert (X_new.dtypes == df.dtypes).all()
    assert set(X_new["color"].dropna()) <= {"red", "blue", "green"}
    assert set(X_new["text"]) <= {"yes", "no"}
    assert (X_new["const"] == 7.0).all()
    assert X_new["count"].between(df["count"].min(), df["count"].max()).all()
    obs = X_new["num"].dropna()
    assert obs.between(df["num"].min(), df["num"].max()).all()
    assert abs(X_new["num"].isna().mean() - 0.2) < 0.05
    assert set(y_new) <= {"pos", "neg"}
    assert scm.feature_kinds_ == {
        "num": "continuous", "count": "integer", "color": "categorical",
        "flag": "categorical", "text": "categorical", "const": "constant",
    }


def test_user_graph_as_edges_and_matrix():
    X, true = linear_nongaussian(n=500)
    edges = [(0, 1), (0, 2), (1, 3), (2, 3)]
    a = StructuralCausalModel(graph=edges).fit(X)
    b = StructuralCausalModel(graph=true.astype(float)).fit(X)
    np.testing.assert_array_equal(a.adjacency_.to_numpy() != 0, true)
    np.testing.assert_array_equal(b.adjacency_.to_numpy() != 0, true)
    assert a.equations_[3].parents == [1, 2]
    # Weighted edges as a float array (positions come back as floats).
    weighted = np.array([[0, 1, 1.5], [0, 2, -1.0], [1, 3, 0.8], [2, 3, 1.2]])
    c = StructuralCausalModel(graph=weighted).fit(X)
    np.testing.assert_array_equal(c.adjacency_.to_numpy() != 0, true)


@pytest.mark.parametrize("graph", [np.zeros((4, 4)), np.zeros((6, 6)), np.ones((2, 2))])
def test_adjacency_matrix_of_the_wrong_size_says_so(graph):
    # Used to be read as an edge list: "unknown column np.float64(0.0)".
    X, _ = linear_nongaussian(n=100)
    with pytest.raises(ValueError, match=r"must have shape \(5, 5\), a row and a column per feature; got"):
        StructuralCausalModel(graph=graph).fit(X)


def test_cycle_is_an_error():
    X, _ = linear_nongaussian(n=100)
    with pytest.raises(ValueError, match="cycle"):
        StructuralCausalModel(graph=[(0, 1), (1, 2), (2, 0)]).fit(X)


@pytest.mark.parametrize("method", ["lingam-direct", "ica", "highdim"])
def test_lingam_methods(method):
    pytest.importorskip("lingam")
    X, true = linear_nongaussian(n=1000)
    scm = StructuralCausalModel(discovery=method, random_state=0).fit(X)
    assert edge_f1(scm.adjacency_.to_numpy() != 0, true) >= 0.6


def test_custom_discovery_object_and_regressor():
    class Chain:
        def fit(self, X):
            p = X.shape[1]
            self.adjacency_matrix_ = np.eye(p, k=-1)
            return self

    X, _ = linear_nongaussian(n=300)
    scm = StructuralCausalModel(
        discovery=Chain(), regressor=RandomForestRegressor(n_estimators=5, random_state=0)
    ).fit(X)
    assert scm.causal_order_ == [0, 1, 2, 3, 4]
    assert isinstance(scm.equations_[1].estimator_, RandomForestRegressor)


def test_same_seed_same_samples():
    X, _ = linear_nongaussian(n=300)
    a = StructuralCausalModel(random_state=3).fit(X).sample(50)[0]
    b = StructuralCausalModel(random_state=3).fit(X).sample(50)[0]
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "X, kwargs, match",
    [
        (np.ones((1, 3)), {}, "1 sample"),
        (np.array([[1.0, np.inf], [2.0, 3.0], [3.0, 1.0]]), {}, "infinite"),
        (np.array([[1e200, 1.0], [2.0, 3.0], [3.0, 1.0]]), {}, "magnitude up to 1e\\+200"),
        (np.array([[1e-200, 1.0], [0.0, 3.0], [3e-201, 1.0]]), {}, "Rescale the column"),
        (np.random.RandomState(0).rand(5, 10), {"discovery": "lingam-direct"}, "more rows than features"),
        (np.random.RandomState(0).rand(2, 3), {}, "at least 3 rows"),
        (np.random.RandomState(0).rand(50, 3), {"discovery": "nope"}, "discovery"),
        (np.random.RandomState(0).rand(50, 3), {"graph": [(0, 9)]}, "unknown column"),
        (np.random.RandomState(0).rand(50, 3), {"categorical_features": ["zz"]}, "unknown column"),
    ],
)
def test_bad_input(X, kwargs, match):
    with pytest.raises(ValueError, match=match):
        StructuralCausalModel(**kwargs).fit(X)


@pytest.mark.parametrize("unit", [1e-20, 1e-100, 1e12, 1e100])
def test_columns_in_tiny_or_huge_units_keep_their_structure(unit):
    # b = 2 a + noise with a in some unit: the synthetic rows must keep the
    # dependency and a's spread whatever the unit (least squares and the
    # within-class constancy check used to drop tiny-unit parents).
    rng = np.random.RandomState(0)
    a = rng.standard_normal(200)
    X = np.c_[a * unit, 2 * a + 0.1 * rng.standard_normal(200), rng.standard_normal(200)]
    y = np.arange(200) % 2
    X_new, _ = StructuralCausalModel(random_state=0).fit(X, y).sample(2000, random_state=1)
    assert np.corrcoef(X_new[:, 0], X_new[:, 1])[0, 1] > 0.95
    assert 0.8 < X_new[:, 0].std() / X[:, 0].std() < 1.25


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(-120, 120), min_size=4, max_size=4))
def test_samples_are_equivariant_to_column_units(exponents):
    # Changing a column's unit (x 10^k) changes its synthetic values by the same
    # factor and nothing else: discovery, equations and noise see no units.
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (150, 4))
    X[:, 1] += 1.5 * X[:, 0]
    X[:, 3] += X[:, 1] - X[:, 2]
    y = np.arange(150) % 2
    base, _ = StructuralCausalModel(random_state=0).fit(X, y).sample(300, random_state=1)
    unit = 10.0 ** np.array(exponents)
    scaled, _ = StructuralCausalModel(random_state=0).fit(X * unit, y).sample(300, random_state=1)
    np.testing.assert_allclose(scaled / unit, base, rtol=1e-9, atol=1e-9)


def test_unused_categories_are_not_levels():
    # Declared but unobserved categories are never sampled, and the dtype
    # (all its categories, their order) comes back unchanged.
    rng = np.random.RandomState(0)
    X = pd.DataFrame({
        "x": rng.standard_normal(60),
        "c": pd.Categorical(["a", "c"] * 30, categories=["c", "b", "a"]),
    })
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scm = StructuralCausalModel(random_state=0).fit(X, np.arange(60) % 2)
        X_new, _ = scm.sample(500, random_state=0)
    assert X_new["c"].dtype == X["c"].dtype
    assert set(X_new["c"]) == {"a", "c"}


def test_categories_stay_within_what_each_class_showed():
    # The classifier's smoothing put levels seen only with the other class into 0.5-3 % of the
    # synthetic rows: 'yes' beside label 0, where every real row of class 0 says 'no'.
    rng = np.random.RandomState(0)
    y = np.arange(100) % 2
    X = pd.DataFrame({"a": rng.normal(size=100), "said": np.where(y == 1, "yes", "no"),
                      "kind": np.where(y == 1, rng.choice(["p", "q"], 100), "r")})
    X_new, y_new = StructuralCausalModel(random_state=0).fit(X, y).sample(2000, random_state=0)
    assert (X_new["said"] == np.where(y_new == 1, "yes", "no")).all()
    assert set(X_new.loc[y_new == 1, "kind"]) == {"p", "q"} and set(X_new.loc[y_new == 0, "kind"]) == {"r"}


def test_children_are_drawn_from_the_values_their_parents_come_out_with():
    # Children were computed from their parents' unclipped values and the parents clipped on
    # decoding: c = b + 3 d failed wherever b (itself a child, with noise) had been clipped and c had not.
    rng = np.random.RandomState(0)
    a, d = rng.normal(size=200), rng.choice([-1.0, 0.0, 1.0], 200)
    b = a + 0.5 * rng.normal(size=200)
    X = pd.DataFrame({"a": a, "b": b, "d": d, "c": b + 3 * d})
    # marginals="model": "real" maps c onto its class's real range, which the exact equation
    # leaves at the extremes (0.5 % of rows here), whatever the parents' values.
    scm = StructuralCausalModel(graph=[("a", "b"), ("b", "c"), ("d", "c")], marginals="model", random_state=0)
    X_new, _ = scm.fit(X, (a > 0).astype(int)).sample(5000, random_state=0)
    inside = (X_new["c"] > X["c"].min()) & (X_new["c"] < X["c"].max())  # c itself not clipped
    clipped_b = X_new["b"].isin([X["b"].min(), X["b"].max()])
    np.testing.assert_allclose(X_new.loc[inside, "c"], (X_new["b"] + 3 * X_new["d"])[inside], atol=1e-9)
    assert (clipped_b & inside).any()  # the case that failed is in the sample


def test_duplicated_and_rescaled_columns_stay_so():
    # A column copied in another unit (cm and inches): synthetic rows had correlation 0.2-0.4.
    rng = np.random.RandomState(0)
    a = rng.normal(size=100)
    X = pd.DataFrame({"cm": a, "copy": a, "inch": a / 2.54, "other": rng.normal(size=100)})
    X_new, _ = StructuralCausalModel(random_state=0).fit(X, (a > 0).astype(int)).sample(300, random_state=0)
    np.testing.assert_allclose(X_new["copy"], X_new["cm"], atol=1e-9)
    np.testing.assert_allclose(X_new["inch"], X_new["cm"] / 2.54, atol=1e-9)


def test_per_class_mechanisms_keep_a_dependency_that_differs_between_classes():
    # v = 2a + 3 in class 1 and noise alone in class 0: the shared equation averages the two
    # slopes, so class 0's synthetic v followed a (corr 0.58, real -0.07) and class 1's lost it.
    rng = np.random.RandomState(0)
    y = rng.randint(2, size=400)
    a = rng.normal(size=400)
    X = pd.DataFrame({"a": a, "v": np.where(y == 1, 2 * a + 3, 0) + 0.3 * rng.normal(size=400)})
    scm = StructuralCausalModel(graph=[("a", "v")], mechanisms="per_class", random_state=0).fit(X, y)
    X_new, y_new = scm.sample(4000, random_state=0)
    for c in (0, 1):
        real, syn = X[y == c], X_new[y_new == c]
        assert abs(np.corrcoef(syn["a"], syn["v"])[0, 1] - np.corrcoef(real["a"], real["v"])[0, 1]) < 0.05
        assert syn["v"].std() == pytest.approx(real["v"].std(), rel=0.1)
    shared = StructuralCausalModel(graph=[("a", "v")], mechanisms="shared", random_state=0).fit(X, y)
    X_sh, y_sh = shared.sample(4000, random_state=0)
    assert np.corrcoef(X_sh.loc[y_sh == 0, "a"], X_sh.loc[y_sh == 0, "v"])[0, 1] > 0.3  # what it fixes


def test_per_class_mechanisms_leave_small_classes_and_categoricals_sound():
    # A class with too few rows for its own equation uses the shared one; a categorical child
    # gets its own classifier per class and still draws only the levels the class showed.
    rng = np.random.RandomState(1)
    n = 300
    y = np.r_[np.zeros(280, int), np.ones(20, int)]
    a = rng.normal(size=n)
    kind = np.where(a + 0.5 * rng.normal(size=n) > 0, "hi", "lo").astype(object)
    kind[y == 1] = np.where(a[y == 1] > 0, "lo", "mid")  # the minority's own rule and level
    X = pd.DataFrame({"a": a, "b": a + rng.normal(size=n), "kind": kind})
    scm = StructuralCausalModel(graph=[("a", "b"), ("a", "kind")], mechanisms="per_class", random_state=0)
    scm.fit(X, y)
    assert [e is not None for e in scm.equations_["b"].class_estimators_] == [True, True]
    assert [e is not None for e in scm.equations_["kind"].class_estimators_] == [True, True]
    X_new, y_new = scm.sample(3000, random_state=0)
    assert set(X_new.loc[y_new == 1, "kind"]) <= {"lo", "mid"} and set(X_new.loc[y_new == 0, "kind"]) <= {"hi", "lo"}
    minority = X_new[y_new == 1]
    # The minority's own rule (20 rows, a regularised logistic fit): 0.73 of its rows; 0.59 shared.
    assert ((minority["a"] > 0) == (minority["kind"] == "lo")).mean() > 0.68
    # 19 rows: too few for the class's own equation; it falls back without an error.
    small = StructuralCausalModel(graph=[("a", "b")], mechanisms="per_class", random_state=0)
    small.fit(X.iloc[:299], y[:299])
    assert small.equations_["b"].class_estimators_[1] is None
    assert np.isfinite(small.sample(100, y=np.ones(100, int), random_state=0)[0]["b"]).all()


def test_real_marginals_keep_a_skewed_zero_inflated_child_in_shape():
    # A child that is 0 in 70 % of rows and heavy-tailed elsewhere: a linear equation plus
    # residuals gives a symmetric spread, zeros only where clipping puts them (spambase's word counts:
    # a classifier told synthetic rows from real ones at ROC-AUC 0.99).
    rng = np.random.RandomState(0)
    y = rng.randint(2, size=600)
    a = rng.normal(size=600) + y
    z = np.where(rng.rand(600) < 0.7, 0.0, np.exp(a + rng.normal(size=600)))
    X = pd.DataFrame({"a": a, "z": z, "cm": a, "inch": a / 2.54})
    graph = [("a", "z"), ("a", "cm"), ("cm", "inch")]
    model = StructuralCausalModel(graph=graph, marginals="model", random_state=0).fit(X, y)
    real = StructuralCausalModel(graph=graph, marginals="real", random_state=0).fit(X, y)
    X_model, y_model = model.sample(3000, random_state=0)
    X_real, y_real = real.sample(3000, random_state=0)
    for c in (0, 1):
        zero_share = (z[y == c] == 0).mean()
        assert abs((X_real.loc[y_real == c, "z"] == 0).mean() - zero_share) < 0.05
        assert abs((X_model.loc[y_model == c, "z"] == 0).mean() - zero_share) > 0.15  # what it fixes
        q = [0.8, 0.9, 0.95]
        np.testing.assert_allclose(np.quantile(X_real.loc[y_real == c, "z"], q), np.quantile(z[y == c], q), rtol=0.25)
    # The equation still orders the rows: z rises with a (Pearson 0.29 real, 0.18 here, 0.21 "model").
    assert X_real["a"].corr(X_real["z"]) > 0.1
    # Exact copies are left exact: the map of a column its parent determines is the identity.
    np.testing.assert_allclose(X_real["cm"], X_real["a"], atol=1e-9)
    np.testing.assert_allclose(X_real["inch"], X_real["cm"] / 2.54, atol=1e-9)


def test_numeric_columns_on_a_grid_keep_it():
    # Values in {0, 0.5, 1} came back as 0.37 or 0.81 (10-20 distinct values where the real
    # column has 3): a classifier told website_phishing's synthetic rows from real ones at
    # ROC-AUC 0.92 on that alone. Prices in cents keep two decimals, multiples of 10 stay so.
    rng = np.random.RandomState(0)
    a = rng.choice([0.0, 0.5, 1.0], 300)
    X = pd.DataFrame({"a": a, "b": np.clip(a + rng.choice([-0.5, 0.0, 0.5], 300), 0, 1),
                      "price": np.round(rng.uniform(1, 20, 300), 2),
                      "tens": 10 * rng.randint(0, 8, 300), "free": rng.normal(size=300)})
    X_new, _ = StructuralCausalModel(random_state=0).fit(X, (a > 0.4).astype(int)).sample(1000, random_state=0)
    assert set(X_new["a"]) <= {0.0, 0.5, 1.0} and set(X_new["b"]) <= {0.0, 0.5, 1.0}
    np.testing.assert_array_equal(X_new["price"], np.round(X_new["price"], 2))
    assert (X_new["tens"] % 10 == 0).all()
    assert X_new["free"].nunique() > 900  # a measured column is left continuous


def test_numbers_written_as_text_come_back_as_text():
    # An object column of "0.25"s: synthetic rows held floats beside the real rows' strings.
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"x": rng.standard_normal(60),
                      "t": pd.Series([f"{v:.2f}" for v in rng.standard_normal(60)], dtype=object),
                      "k": pd.Series([str(v) for v in rng.randint(0, 9, 60)], dtype=object)})
    y = np.arange(60) % 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nor sklearn's "more than 50% unique classes" for an id-like column
        scm = StructuralCausalModel(random_state=0).fit(X, y)
        X_new, _ = scm.sample(200, random_state=0)
    # By default, text is categorical (as a str column is): the values are the real ones.
    assert scm.feature_kinds_["t"] == scm.feature_kinds_["k"] == "categorical"
    assert set(X_new["t"]) <= set(X["t"]) and set(X_new["k"]) <= set(X["k"])
    # Declared numeric (categorical_features lists none), they are sampled as numbers and written as text.
    scm = StructuralCausalModel(categorical_features=[], random_state=0).fit(X, y)
    X_new, _ = scm.sample(200, random_state=0)
    assert scm.feature_kinds_["k"] == "integer"
    assert all(isinstance(v, str) for v in X_new["t"]) and all(isinstance(v, str) for v in X_new["k"])
    assert X_new["t"].astype(float).between(X["t"].astype(float).min(), X["t"].astype(float).max()).all()
    assert set(X_new["k"]) <= {str(v) for v in range(9)}


@pytest.mark.parametrize("as_frame", [False, True])
def test_object_storage_keeps_bools_and_whole_numbers(as_frame):
    # An object array (or object columns) of floats, ints and bools: synthetic rows held
    # 1.0 / 0.0 for True / False and 3.0 for 3 beside the real rows' Python values.
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"x": rng.standard_normal(80), "count": rng.randint(0, 6, 80),
                      "flag": rng.rand(80) > 0.5}).astype(object)
    X.iloc[5, 1] = np.nan
    X = X if as_frame else X.to_numpy()
    scm = StructuralCausalModel(random_state=0).fit(X, np.arange(80) % 2)
    X_new, _ = scm.sample(300, random_state=0)
    X_new = pd.DataFrame(X_new)
    assert list(scm.feature_kinds_.values()) == ["continuous", "integer", "categorical"]
    assert {type(v) for v in X_new.iloc[:, 1].dropna()} == {int}
    assert {type(v) for v in X_new.iloc[:, 2]} <= {bool, np.bool_} and X_new.iloc[:, 2].nunique() == 2
    assert all(isinstance(v, float) for v in X_new.iloc[:, 0])


def test_sparse_is_a_type_error():
    from scipy import sparse

    with pytest.raises(TypeError, match="Sparse"):
        StructuralCausalModel().fit(sparse.csr_matrix(np.eye(5)))


def test_missing_lingam_is_a_clear_error(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_lingam(name, *args, **kwargs):
        if name == "lingam":
            raise ImportError("No module named 'lingam'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_lingam)
    X, _ = linear_nongaussian(n=100)
    with pytest.raises(ImportError, match="skcausalmix\\[lingam\\]"):
        StructuralCausalModel(discovery="ica").fit(X)
    StructuralCausalModel().fit(X)  # the default needs no lingam


def test_sample_argument_errors():
    X, _ = linear_nongaussian(n=200)
    scm = StructuralCausalModel(random_state=0).fit(X, np.arange(200) % 2)
    with pytest.raises(ValueError, match="Unknown class"):
        scm.sample(y={5: 3})
    with pytest.raises(ValueError, match="n_samples"):
        scm.sample(3, y=[0, 1])
    with pytest.raises(ValueError, match="non-negative"):
        scm.sample(-1)
    with pytest.raises(ValueError, match=r"row counts must be non-negative integers; got \{0: -1\}"):
        scm.sample(y={0: -1, 1: 2})
    with pytest.raises(ValueError, match="row counts"):
        scm.sample(y={0: 2.5})
    assert scm.sample(y={0: np.int64(2), 1: 0})[1].tolist() == [0, 0]


def test_sklearn_check_estimator():
    from sklearn.utils.estimator_checks import check_estimator

    failed = [
        r for r in check_estimator(StructuralCausalModel(random_state=0), on_fail=None)
        if r["status"] == "failed"
    ]
    assert not failed, [(r["check_name"], str(r["exception"])[:200]) for r in failed]


def test_verbose_shows_progress_on_stderr(capsys):
    X = np.random.RandomState(0).normal(size=(60, 3))
    StructuralCausalModel(verbose=1).fit(X)
    err = capsys.readouterr().err
    assert "structural equations" in err and "4/4" in err  # discovery + 3 equations
    StructuralCausalModel().fit(X)
    assert capsys.readouterr().err == ""


def test_a_regressor_that_cannot_fit_one_class_says_how_to_proceed():
    # KNeighborsRegressor(n_neighbors=60) on a class of 50 rows: sklearn's own message does not say
    # that per-class equations fitted it on 50 rows, nor what to do.
    from sklearn.neighbors import KNeighborsRegressor

    rng = np.random.RandomState(0)
    y = np.r_[np.zeros(150, int), np.ones(50, int)]
    a = rng.normal(size=200)
    X = pd.DataFrame({"a": a, "b": a + rng.normal(size=200)})
    knn = KNeighborsRegressor(n_neighbors=60)
    with pytest.raises(ValueError, match=r"Column 'b'.*class 1 \(50 rows\).*mechanisms='shared'"):
        StructuralCausalModel(graph=[("a", "b")], regressor=knn, random_state=0).fit(X, y)
    scm = StructuralCausalModel(graph=[("a", "b")], regressor=knn, mechanisms="shared", random_state=0)
    assert len(scm.fit(X, y).sample(10, random_state=0)[0]) == 10

"""Interventions (``sample(do=...)``) and counterfactuals on tables whose causal
graph and weights are known."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skcausalmix.scm import StructuralCausalModel

from .test_scm import linear_nongaussian

TRUE_WEIGHTS = np.zeros((5, 5))  # linear_nongaussian's: B[child, parent]
TRUE_WEIGHTS[1, 0], TRUE_WEIGHTS[2, 0], TRUE_WEIGHTS[3, 1], TRUE_WEIGHTS[3, 2] = 1.5, -1.0, 0.8, 1.2


def total_effects(B):
    """T[i, j]: the change of x_i per unit change of x_j set by intervention."""
    return np.linalg.inv(np.eye(len(B)) - B)


def descendants(B, j):
    T = total_effects(B != 0)
    return {i for i in range(len(B)) if i != j and T[i, j] != 0}


def check_mean_shifts(scm, B, j, value, n=20000, seed=1, rel=0.06):
    """Under do(x_j = value) every descendant's mean moves by the true total
    effect times (value - E[x_j]); no other column's mean moves."""
    X_obs, _ = scm.sample(n, random_state=seed)
    X_do, _ = scm.sample(n, do={j: value}, random_state=seed + 1)
    X_obs, X_do = np.asarray(X_obs, dtype=float), np.asarray(X_do, dtype=float)
    assert np.all(X_do[:, j] == value)
    shift = X_do.mean(axis=0) - X_obs.mean(axis=0)
    expected = total_effects(B)[:, j] * (value - X_obs[:, j].mean())
    # Sampling error of a difference of two means, 4 standard errors.
    noise = 4 * np.sqrt((X_obs.var(axis=0) + X_do.var(axis=0)) / n)
    below = descendants(B, j)
    for i in range(B.shape[0]):
        if i == j:
            continue
        # Descendants also carry the fitted weights' error: a share of the effect.
        tolerance = noise[i] + (rel * abs(expected[i]) if i in below else 0.0)
        assert abs(shift[i] - expected[i]) <= tolerance, (i, shift[i], expected[i], tolerance)
        if i not in below:
            assert X_do[:, i].std() == pytest.approx(X_obs[:, i].std(), rel=0.05), i


@pytest.mark.parametrize("seed", [0, 1])
def test_do_moves_descendants_by_total_effect_of_discovered_graph(seed):
    X, true = linear_nongaussian(n=5000, seed=seed)
    scm = StructuralCausalModel(random_state=0).fit(X)
    assert np.array_equal(scm.adjacency_.to_numpy() != 0, true)
    sd = X.std(axis=0)
    check_mean_shifts(scm, TRUE_WEIGHTS, 0, X[:, 0].mean() + 0.5 * sd[0])
    check_mean_shifts(scm, TRUE_WEIGHTS, 1, X[:, 1].mean() - 0.5 * sd[1])
    check_mean_shifts(scm, TRUE_WEIGHTS, 3, X[:, 3].mean() + 0.5 * sd[3])


@st.composite
def linear_dags(draw):
    n_nodes = draw(st.integers(3, 6))
    B = np.zeros((n_nodes, n_nodes))
    for i in range(n_nodes):
        for j in range(i):
            if draw(st.booleans()):
                B[i, j] = draw(st.sampled_from([-1, 1])) * draw(st.floats(0.3, 1.5))
    perm = np.array(draw(st.permutations(range(n_nodes))))  # columns not in causal order
    return B[np.ix_(perm, perm)], draw(st.integers(0, 2**16))


@settings(max_examples=12, deadline=None)
@given(linear_dags(), st.data())
def test_do_property_on_random_linear_graphs(dag, data):
    # The graph is given (discovery is tested above): this checks the intervention's arithmetic
    # on graphs of every shape, columns in any order, with the equations' weights fitted.
    B, seed = dag
    n_nodes = len(B)
    rng = np.random.RandomState(seed)
    X = np.zeros((4000, n_nodes))
    for i in _topological(B):
        X[:, i] = X @ B[i] + rng.uniform(-1, 1, len(X))
    edges = [(j, i) for i, j in zip(*np.nonzero(B))]
    scm = StructuralCausalModel(graph=edges, random_state=0).fit(X)
    j = data.draw(st.integers(0, n_nodes - 1))
    sign = data.draw(st.sampled_from([-0.5, 0.5]))
    check_mean_shifts(scm, B, j, X[:, j].mean() + sign * X[:, j].std(), n=10000)


def _topological(B):
    order, placed = [], set()
    while len(order) < len(B):
        for i in range(len(B)):
            if i not in placed and all(j in placed for j in np.flatnonzero(B[i])):
                order.append(i)
                placed.add(i)
    return order


def opposite_slopes(n):
    """a -> b with weight +2 in class 0 and -2 in class 1, and its fitted per-class SCM."""
    rng = np.random.RandomState(0)
    y = rng.randint(2, size=n)
    a = rng.uniform(-1, 1, n)
    b = np.where(y == 1, -2.0, 2.0) * a + rng.uniform(-1, 1, n)
    X = pd.DataFrame({"a": a, "b": b})
    return X, y, StructuralCausalModel(graph=[("a", "b")], random_state=0).fit(X, y)


def test_do_given_class_uses_that_class_equations():
    # Class 1 has the opposite dependency of class 0: do(a) moves b up in one, down in the other.
    X, y, scm = opposite_slopes(4000)
    for label, weight in [(0, 2.0), (1, -2.0)]:
        base, _ = scm.sample(20000, y=label, random_state=1)
        moved, y_do = scm.sample(20000, y=label, do={"a": 0.5}, random_state=2)
        assert np.all(y_do == label)
        shift = moved["b"].mean() - base["b"].mean()
        expected = weight * (0.5 - base["a"].mean())
        assert shift == pytest.approx(expected, rel=0.06, abs=0.03)


def mixed_table(n=1500, seed=0):
    """color (categorical root) -> size -> weight; weight -> grade (categorical); noise uniform."""
    rng = np.random.RandomState(seed)
    color = rng.choice(["red", "green", "blue"], size=n, p=[0.5, 0.3, 0.2])
    size = np.select([color == "red", color == "green"], [2.0, -1.0], 0.0) + rng.uniform(-1, 1, n)
    weight = 1.5 * size + rng.uniform(-1, 1, n)
    grade = np.where(weight + rng.uniform(-1.5, 1.5, n) > 1, "high", "low")
    age = rng.randint(18, 80, size=n)  # unrelated to everything
    return pd.DataFrame({"color": pd.Categorical(color), "size": size, "weight": weight,
                         "grade": grade, "age": age})


MIXED_GRAPH = [("color", "size"), ("size", "weight"), ("weight", "grade")]


def test_do_on_categorical_level_moves_children_by_the_level_effect():
    X = mixed_table()
    scm = StructuralCausalModel(graph=MIXED_GRAPH, random_state=0).fit(X)
    red, _ = scm.sample(20000, do={"color": "red"}, random_state=1)
    green, _ = scm.sample(20000, do={"color": "green"}, random_state=2)
    assert set(red["color"]) == {"red"} and red["color"].dtype == X["color"].dtype
    # True effects: size +3 from green to red, weight 1.5 times that.
    assert red["size"].mean() - green["size"].mean() == pytest.approx(3.0, abs=0.1)
    assert red["weight"].mean() - green["weight"].mean() == pytest.approx(4.5, abs=0.15)
    assert (red["grade"] == "high").mean() > (green["grade"] == "high").mean() + 0.5
    # age is no descendant: its distribution is the observational one.
    assert red["age"].mean() == pytest.approx(X["age"].mean(), abs=0.6)
    assert red["age"].dtype == X["age"].dtype


def test_several_interventions_and_a_shift():
    X, _ = linear_nongaussian(n=3000)
    scm = StructuralCausalModel(graph=np.abs(TRUE_WEIGHTS), random_state=0).fit(X)
    base, _ = scm.sample(20000, random_state=1)
    # x1 and x2 set together cut every path from x0 to x3: x3 moves by their own effects only.
    both, _ = scm.sample(20000, do={1: 1.0, 2: -0.5}, random_state=2)
    expected = 0.8 * (1.0 - base[:, 1].mean()) + 1.2 * (-0.5 - base[:, 2].mean())
    assert both[:, 3].mean() - base[:, 3].mean() == pytest.approx(expected, abs=0.05)
    assert both[:, 0].mean() == pytest.approx(base[:, 0].mean(), abs=0.02)
    # A shift: x1 := x1 + 0.5 keeps x1's spread and moves x3 by 0.8 * 0.5.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a few rows pass x1's observed maximum
        shifted, _ = scm.sample(20000, do={1: lambda rows: rows[1] + 0.5}, random_state=3)
    assert shifted[:, 1].mean() - base[:, 1].mean() == pytest.approx(0.5, abs=0.03)
    assert shifted[:, 1].std() == pytest.approx(base[:, 1].std(), rel=0.03)
    assert shifted[:, 3].mean() - base[:, 3].mean() == pytest.approx(0.4, abs=0.05)


def test_callable_sees_only_columns_computed_before_it():
    X, _ = linear_nongaussian(n=500)
    scm = StructuralCausalModel(graph=np.abs(TRUE_WEIGHTS), random_state=0).fit(X)
    seen = {}

    def record(rows):
        seen["columns"] = rows.columns.tolist()
        return rows[0] * 0.0

    scm.sample(10, do={1: record}, random_state=0)
    # x2 and x4 are not affected by do(x1); x3 is downstream of it and comes later.
    assert seen["columns"] == [0, 1, 2, 4]
    with pytest.raises(ValueError, match="reads column 3.*downstream"):
        scm.sample(10, do={1: lambda rows: rows[3]}, random_state=0)


def test_counterfactual_with_observed_value_returns_rows_unchanged():
    X = mixed_table(n=400)
    X.loc[::7, "size"] = np.nan
    X.loc[::11, "color"] = np.nan
    y = np.where(X["age"] > 50, "old", "young")
    for mechanisms, marginals in [("per_class", "real"), ("shared", "model")]:
        scm = StructuralCausalModel(mechanisms=mechanisms, marginals=marginals, random_state=0).fit(X, y)
        for column in X.columns:
            cf = scm.counterfactual(X, y, do={column: lambda rows, c=column: rows[c]})
            pd.testing.assert_frame_equal(cf, X)
        # One row set to its own value, categorical and numeric.
        row = X.iloc[[3]]
        cf = scm.counterfactual(row, y[[3]], do={"color": row["color"].iloc[0], "weight": row["weight"].iloc[0]})
        pd.testing.assert_frame_equal(cf, row)


def test_counterfactual_changes_only_descendants_by_their_effect():
    X, _ = linear_nongaussian(n=5000)
    scm = StructuralCausalModel(random_state=0).fit(X)
    rows = X[:200]
    with pytest.warns(UserWarning, match="outside its observed range"):
        cf = scm.counterfactual(rows, do={0: lambda r: r[0] + 0.3})
    delta = cf - rows
    true = total_effects(TRUE_WEIGHTS)
    # Rows where a value was clipped at its column's observed bound pass on less.
    inside = ((cf > X.min(axis=0)) & (cf < X.max(axis=0))).all(axis=1)
    assert inside.mean() > 0.8
    for i in range(5):
        if i == 4:
            assert np.array_equal(cf[:, 4], rows[:, 4])  # no descendant of x0
            continue
        # Each row keeps its own noise: every row changes by the same (fitted) effect
        # (x3's true total effect is 0.8 * 1.5 - 1.2 * 1.0 = 0).
        change = delta[inside, i]
        np.testing.assert_allclose(change, change.mean(), atol=1e-9)
        assert change.mean() == pytest.approx(0.3 * true[i, 0], rel=0.05, abs=0.01)
    # do(x3) has no descendants: only x3 changes.
    cf = scm.counterfactual(rows, do={3: 0.0})
    assert np.array_equal(np.delete(cf, 3, axis=1), np.delete(rows, 3, axis=1))
    assert np.all(cf[:, 3] == 0.0)


def test_counterfactual_categorical_child_matches_interventional_distribution():
    # Averaged over rows, the posterior-noise draw gives the interventional distribution.
    X = mixed_table(n=3000)
    scm = StructuralCausalModel(graph=MIXED_GRAPH, random_state=0).fit(X)
    cf = scm.counterfactual(X, do={"color": "red"}, random_state=0)
    sampled, _ = scm.sample(len(X), do={"color": "red"}, random_state=1)
    share_cf = (cf["grade"] == "high").mean()
    share_do = (sampled["grade"] == "high").mean()
    assert share_cf == pytest.approx(share_do, abs=0.03)
    # Rows already red keep every value; grade flips only towards "high" as weight rises.
    red = X["color"] == "red"
    pd.testing.assert_frame_equal(cf[red], X[red])
    rose = cf["weight"] > X["weight"]
    assert not ((X["grade"] == "high") & (cf["grade"] == "low") & rose).any()


def test_counterfactual_keeps_missing_cells_and_index():
    X = mixed_table(n=400)
    X.index = X.index + 1000
    X.loc[X.index[::5], "weight"] = np.nan
    scm = StructuralCausalModel(graph=MIXED_GRAPH, random_state=0).fit(X)
    cf = scm.counterfactual(X, do={"size": 0.5})
    assert cf.index.equals(X.index)
    assert cf["weight"].isna().equals(X["weight"].isna())
    assert (cf["size"] == 0.5).all()
    # The observed weights follow size: each moves by the fitted weight times size's change (the
    # weight is below the true 1.5: the imputed fifth of the rows flattens the fitted slope).
    seen = X["weight"].notna()
    moved = (cf["weight"] - X["weight"])[seen]
    assert (moved != 0).mean() > 0.95
    inside = seen & cf["weight"].between(X["weight"].min(), X["weight"].max(), inclusive="neither")
    ratio = ((cf["weight"] - X["weight"]) / (0.5 - X["size"]))[inside]
    np.testing.assert_allclose(ratio, ratio.median(), rtol=1e-6)
    assert 1.0 < ratio.median() < 1.6
    # Missing cells of the intervened column take the value set.
    X.loc[X.index[::3], "size"] = np.nan
    cf = scm.counterfactual(X, do={"size": 0.5})
    assert (cf["size"] == 0.5).all()


@pytest.mark.parametrize("do, message", [
    ({"colour": "red"}, "does not have; its columns are"),
    ({"color": "purple"}, "'purple', a level the table never showed"),
    ({"age": 2.5}, "cannot hold 2.5: its dtype int8 holds whole numbers"),
    ({"age": 1000}, "cannot hold 1000: its dtype int8 holds whole numbers from -128 to 127"),
    ({"size": 1e39}, "dtype float32 holds finite numbers"),
    ({"size": "big"}, "numeric; it cannot be set to 'big'"),
    ({"size": np.nan}, "missing; an intervention sets a value"),
    ({"size": [1.0, 2.0]}, "one value or a callable"),
    ({"size": lambda rows: rows["size"].iloc[:3]}, "returned 3 values for 10 rows"),
    ({"size": lambda rows: np.full(len(rows), np.nan)}, "returned missing values"),
    ({"color": lambda rows: np.full(len(rows), "purple")}, "'purple', a level the table never showed"),
])
def test_bad_interventions_are_refused(do, message):
    X = mixed_table(n=300)
    X["age"] = X["age"].astype("int8")
    X["size"] = X["size"].astype("float32")
    scm = StructuralCausalModel(graph=MIXED_GRAPH, random_state=0).fit(X)
    with pytest.raises(ValueError, match=message):
        scm.sample(10, do=do, random_state=0)


def test_bad_calls_are_refused():
    X = mixed_table(n=300)
    y = np.where(X["age"] > 50, "old", "young")
    scm = StructuralCausalModel(graph=MIXED_GRAPH, random_state=0).fit(X, y)
    with pytest.raises(TypeError, match="do must be a dict"):
        scm.sample(5, do=[("size", 1.0)])
    with pytest.raises(ValueError, match="Give the rows' classes y"):
        scm.counterfactual(X, do={"size": 1.0})
    with pytest.raises(ValueError, match="Unknown class 'middle'"):
        scm.counterfactual(X.head(2), ["old", "middle"], do={"size": 1.0})
    with pytest.raises(ValueError, match="Feature names seen at fit time, yet now missing"):
        scm.counterfactual(X.drop(columns="age"), y, do={"size": 1.0})
    with pytest.raises(ValueError, match="'purple', a level the table never showed"):
        scm.counterfactual(X.assign(color=["purple"] * len(X)), y, do={"size": 1.0})
    X_missing = X.assign(all_missing=np.nan)
    scm = StructuralCausalModel(graph=MIXED_GRAPH, random_state=0).fit(X_missing, y)
    with pytest.raises(ValueError, match="missing in every training row"):
        scm.sample(5, do={"all_missing": 1.0})


def test_value_outside_observed_range_is_set_exactly_with_a_warning():
    X = mixed_table(n=500)
    scm = StructuralCausalModel(graph=MIXED_GRAPH, random_state=0).fit(X)
    with pytest.warns(UserWarning, match="outside its observed range"):
        X_do, _ = scm.sample(50, do={"size": 100.0}, random_state=0)
    assert (X_do["size"] == 100.0).all()
    assert X_do["weight"].max() <= X["weight"].max()  # descendants stay clipped


@pytest.mark.parametrize("mechanisms, marginals", [("per_class", "real"), ("shared", "model"), ("per_class", "model")])
def test_abducted_noise_gives_back_every_value(mechanisms, marginals):
    # The equation applied to a row's own parents and its abducted noise returns the row:
    # counterfactuals recompute from this, not from a shortcut for unchanged parents.
    X = mixed_table(n=600)
    y = np.where(X["age"] > 50, "old", "young")
    scm = StructuralCausalModel(graph=MIXED_GRAPH, mechanisms=mechanisms, marginals=marginals,
                                random_state=0).fit(X, y)
    Z, _ = scm._encoder.transform(X)
    labels = np.searchsorted(scm.classes_, y)
    rng = np.random.RandomState(0)
    for name, eq in scm.equations_.items():
        back = eq.apply(Z, labels, 2, eq.abduct(Z, labels, 2, rng))
        if eq.kind == "categorical":
            np.testing.assert_array_equal(back, Z[:, eq.column], err_msg=name)
        else:
            np.testing.assert_allclose(back, Z[:, eq.column], atol=1e-6, err_msg=name)


def test_counterfactual_uses_the_row_class_equation():
    X, y, scm = opposite_slopes(2000)
    rows = X.iloc[:300]
    cf = scm.counterfactual(rows, y[:300], do={"a": lambda r: r["a"] + 0.1})
    change = (cf["b"] - rows["b"]).to_numpy()
    inside = (cf["b"] > X["b"].min()) & (cf["b"] < X["b"].max())
    for label, weight in [(0, 2.0), (1, -2.0)]:
        own = change[(y[:300] == label) & inside.to_numpy()]
        np.testing.assert_allclose(own, own.mean(), atol=1e-9)  # each row keeps its noise
        assert own.mean() == pytest.approx(0.1 * weight, rel=0.05)


def test_interventions_on_integer_bool_and_coded_levels():
    rng = np.random.RandomState(0)
    n = 800
    flag = rng.rand(n) < 0.5
    grade = rng.choice([1, 2, 3], size=n)
    count = rng.randint(0, 20, size=n)
    score = 2.0 * flag + 1.0 * grade + 0.1 * count + rng.uniform(-1, 1, n)
    X = pd.DataFrame({"flag": flag, "grade": grade, "count": count, "score": score})
    graph = [("flag", "score"), ("grade", "score"), ("count", "score")]
    scm = StructuralCausalModel(graph=graph, categorical_features=["grade"], random_state=0).fit(X)
    on, _ = scm.sample(20000, do={"flag": True}, random_state=1)
    off, _ = scm.sample(20000, do={"flag": False}, random_state=2)
    assert on["flag"].dtype == bool and on["flag"].all() and not off["flag"].any()
    assert on["score"].mean() - off["score"].mean() == pytest.approx(2.0, abs=0.1)
    top, _ = scm.sample(20000, do={"grade": 3, "count": 10}, random_state=3)
    assert set(top["grade"]) == {3} and top["count"].dtype == X["count"].dtype and (top["count"] == 10).all()
    assert top["score"].mean() == pytest.approx(2.0 * flag.mean() + 3 + 1.0, abs=0.1)
    with pytest.raises(ValueError, match="a level the table never showed"):
        scm.sample(5, do={"grade": True})  # True is not level 1
    with pytest.raises(ValueError, match="cannot hold 2.5"):
        scm.sample(5, do={"count": 2.5})


def test_counterfactual_on_arrays_and_other_dtypes_loses_nothing():
    X, _ = linear_nongaussian(n=2000)
    scm = StructuralCausalModel(graph=np.abs(TRUE_WEIGHTS), random_state=0).fit(X)
    # An int array: the new values are fractions, so the result is float rather than truncated.
    rows = np.round(X[:50] * 0).astype(int)
    cf = scm.counterfactual(rows, do={0: 0.5})
    assert cf.dtype == float and np.all(cf[:, 0] == 0.5)
    np.testing.assert_allclose(cf[:, 1] - rows[:, 1], 0.5 * 1.5, rtol=0.05)
    frame = pd.DataFrame(rows)
    cf_frame = scm.counterfactual(frame, do={0: 0.5})
    assert cf_frame[0].dtype == float and (cf_frame[0] == 0.5).all()
    assert cf_frame[4].dtype == frame[4].dtype  # untouched columns keep theirs


def test_counterfactual_keeps_a_row_value_outside_the_training_range():
    X, _ = linear_nongaussian(n=2000)
    scm = StructuralCausalModel(graph=np.abs(TRUE_WEIGHTS), random_state=0).fit(X)
    row = X[:1].copy()
    row[0, 1] = X[:, 1].max() + 50  # far above x1's observed range
    row[0, 3] = X[:, 3].max() + 40
    cf = scm.counterfactual(row, do={0: lambda r: r[0] + 1e-6})
    assert cf[0, 1] == pytest.approx(row[0, 1], abs=1e-4)  # not pulled back to the range
    assert cf[0, 3] == pytest.approx(row[0, 3], abs=1e-4)


def test_sampled_interventions_leave_no_missing_cells_in_the_set_column():
    X = mixed_table(n=600)
    X.loc[::4, "size"] = np.nan
    X.loc[::5, "weight"] = np.nan
    scm = StructuralCausalModel(graph=MIXED_GRAPH, random_state=0).fit(X)
    X_do, _ = scm.sample(4000, do={"size": 0.5}, random_state=0)
    assert not X_do["size"].isna().any()
    assert X_do["weight"].isna().mean() == pytest.approx(0.2, abs=0.03)

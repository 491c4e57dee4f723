import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyArrowPatch, Rectangle  # noqa: E402

from skcausalmix.over_sampling import CausalMixAugmenter  # noqa: E402
from skcausalmix.plotting import (  # noqa: E402
    edge_table,
    graph_to_dot,
    plot_causal_graph,
    plot_history,
    plot_pairwise,
    plot_real_vs_synthetic,
)
from skcausalmix.scm import StructuralCausalModel  # noqa: E402

from ..conftest import load_table  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def chain():
    # x0 -> x1 -> x2, a known graph: the picture must show exactly these edges.
    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.uniform(-1, 1, (300, 3)), columns=["a", "b", "c"])
    X["b"] += 2 * X["a"]
    X["c"] -= 1.5 * X["b"]
    y = (X["a"] > 0).astype(int).to_numpy()
    return StructuralCausalModel(graph=[("a", "b"), ("b", "c")], random_state=0).fit(X, y), X, y


def _gids(ax, prefix):
    return sorted(p.get_gid() for p in ax.patches + ax.texts if (p.get_gid() or "").startswith(prefix))


def test_causal_graph_draws_every_edge_and_the_label(chain):
    scm, _, _ = chain
    fig = plot_causal_graph(scm, label="y")
    ax = fig.axes[0]
    assert _gids(ax, "edge:") == ["edge:a->b", "edge:b->c"]
    assert _gids(ax, "label-edge:") == ["label-edge:a", "label-edge:b", "label-edge:c"]
    assert _gids(ax, "node:") == ["node:a", "node:b", "node:c", "node:label"]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 5
    weights = [t.get_text() for t in ax.texts if t.get_gid() is None]
    assert len(weights) == 2  # one weight per causal edge
    # Roots on top: a above b above c.
    y = {t.get_gid(): t.get_position()[1] for t in ax.texts if t.get_gid()}
    assert y["node:label"] > y["node:a"] > y["node:b"] > y["node:c"]
    fig = plot_causal_graph(scm, label=None, show_weights=False)
    assert len(fig.axes[0].patches) == 2 and not _gids(fig.axes[0], "node:label")


def test_edge_table_and_dot(chain):
    scm, _, _ = chain
    table = edge_table(scm)
    assert list(table.columns) == ["parent", "child", "weight"]
    assert {(p, c) for p, c in zip(table["parent"], table["child"])} == {("a", "b"), ("b", "c")}
    assert table["weight"].abs().is_monotonic_decreasing
    dot = graph_to_dot(scm, label="y")
    assert dot.startswith("digraph") and '"a" -> "b"' in dot and '"class_label" -> "c"' in dot
    assert '"class_label" [label="y"' in dot
    # A label named like a feature was that feature's node: "a" -> "a", and a's edges on the label.
    dot = graph_to_dot(scm, label="a")
    assert '"a" -> "a"' not in dot and '"class_label" -> "a"' in dot and '"class_label" [label="a"' in dot


def test_graph_of_an_augmenter_and_a_clear_error(chain):
    _, X, y = chain
    aug = CausalMixAugmenter(random_state=0)
    aug.fit_resample(X, y)
    assert plot_causal_graph(aug).axes
    with pytest.raises(ValueError, match="no fitted structural causal model"):
        plot_causal_graph(CausalMixAugmenter())


def test_real_vs_synthetic_on_a_mixed_table():
    X, y = load_table("credit-approval", 150)
    aug = CausalMixAugmenter(n_synthetic=1.0, random_state=0)
    X_res, _ = aug.fit_resample(X, y)
    real, synth = X_res[~aug.synthetic_mask_], X_res[aug.synthetic_mask_]
    cols = [X.columns[0], X.columns[1], X.select_dtypes("number").columns[0]]
    fig = plot_real_vs_synthetic(real, synth, features=cols)
    axes = [ax for ax in fig.axes if ax.axison]
    assert [ax.get_title() for ax in axes] == [str(c) for c in cols]
    for ax in axes:  # one bar container for the real rows, one for the synthetic rows
        assert len(ax.containers) == 2
        heights = [np.nansum([r.get_height() for r in c]) for c in ax.containers]
        assert all(isinstance(c[0], Rectangle) for c in ax.containers) and min(heights) > 0
    with pytest.raises(ValueError, match="Unknown features"):
        plot_real_vs_synthetic(real, synth, features=["nope"])
    with pytest.raises(ValueError, match="same columns"):
        plot_real_vs_synthetic(real, synth.iloc[:, 1:])


def test_pairwise_view(chain):
    scm, X, y = chain
    synth = scm.sample(200, random_state=0)[0]
    fig = plot_pairwise(X, synth, ["a", "b", "c"])
    assert len(fig.axes) == 9
    assert len(fig.axes[1].collections) == 2  # real and synthetic scatter
    with pytest.raises(ValueError, match="2 to 6"):
        plot_pairwise(X, synth, ["a"])
    dated = X.assign(d=pd.date_range("2020", periods=len(X)))
    with pytest.raises(ValueError, match=r"\['d'\] are not numbers"):
        plot_pairwise(dated, dated, ["a", "d"])


def test_empty_columns_and_bad_arguments():
    # An all-missing column drew numpy's "invalid value encountered in divide";
    # max_features=0 was a ZeroDivisionError, history records without scores a KeyError.
    import warnings

    X = pd.DataFrame({"a": np.arange(10.0), "gone": np.nan})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert plot_real_vs_synthetic(X, X.iloc[:0]).axes
        assert plot_pairwise(X, X, ["a", "gone"]).axes
    with pytest.raises(ValueError, match="max_features must be a positive integer"):
        plot_real_vs_synthetic(X, X, max_features=0)
    with pytest.raises(ValueError, match=r"lack \['valid_score'\]"):
        plot_history([{"iter": 0}])


def test_history_curves_mark_the_chosen_step():
    history = [
        {"iter": 10 * e, "train_loss": None if e == 0 else 1 / e, "valid_roc_auc": v,
         "valid_log_loss": 0.5, "valid_synthetic_roc_auc": None,
         "valid_synthetic_log_loss": None, "eval_roc_auc": t, "eval_log_loss": None,
         "valid_score": v}
        for e, (v, t) in enumerate([(0.6, 0.62), (0.7, 0.66), (0.65, 0.64)])
    ]
    fig = plot_history(history)
    loss_ax, val_ax = fig.axes
    labels = [line.get_label() for line in val_ax.lines]
    assert "validation, real rows" in labels and "eval_set (monitoring only)" in labels
    assert "validation, synthetic rows" not in labels
    chosen = [line for line in val_ax.lines if line.get_label().startswith("chosen step")]
    assert chosen and chosen[0].get_xdata()[0] == 10
    assert list(loss_ax.lines[0].get_xdata()) == [10, 20]
    with pytest.raises(ValueError, match="history"):
        plot_history([])

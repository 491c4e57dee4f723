"""Pictures of a fitted causal graph: a matplotlib figure and Graphviz DOT."""

import numpy as np
import pandas as pd


def fitted_scm(model):
    """The StructuralCausalModel inside ``model`` (an SCM, augmenter or classifier)."""
    from sklearn.utils.validation import check_is_fitted

    from ..scm import StructuralCausalModel

    if isinstance(model, StructuralCausalModel):
        check_is_fitted(model, "adjacency_")
        return model
    scm = getattr(model, "scm_", None)
    if scm is None:
        scm = getattr(getattr(model, "augmenter_", None), "scm_", None)
    if scm is None:
        raise ValueError(
            f"{type(model).__name__} holds no fitted structural causal model: pass a fitted "
            "StructuralCausalModel, CausalMixAugmenter, or a CausalMixTabPFNClassifier fitted "
            "with the causalmix augmenter."
        )
    return scm


def edge_table(model):
    """The graph's edges as a DataFrame (parent, child, weight), strongest first."""
    edges = pd.DataFrame(fitted_scm(model).edges_, columns=["parent", "child", "weight"])
    order = np.argsort(-edges["weight"].abs().to_numpy(), kind="stable")
    return edges.iloc[order].reset_index(drop=True)


def _layers(scm):
    """Depth of every feature: 0 for roots, else one more than its deepest parent."""
    B = scm.adjacency_
    depth = {}
    for name in scm.causal_order_:
        parents = B.columns[B.loc[name].to_numpy() != 0]
        depth[name] = 1 + max((depth[p] for p in parents), default=-1)
    return depth


def plot_causal_graph(model, *, label="target", show_weights=True, ax=None):
    """Draw the discovered DAG, its edge weights and the class label.

    Features are laid out in layers by causal depth (roots on top). Edge
    width grows with the absolute weight (weights are in data units: compare
    them within a column's scale only); blue is positive, red negative. The
    class label, an input of every structural equation, is drawn highlighted
    above the graph with dashed edges to every feature.

    Parameters
    ----------
    model : StructuralCausalModel, CausalMixAugmenter or CausalMixTabPFNClassifier
        Fitted.
    label : str or None, default="target"
        Name shown for the class node; None leaves it out.
    show_weights : bool, default=True
        Write each edge's weight at its middle.
    ax : matplotlib Axes, optional

    Returns
    -------
    fig : matplotlib Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch

    scm = fitted_scm(model)
    depth = _layers(scm)
    names = list(scm.causal_order_)
    n_layers = max(depth.values(), default=0) + 1
    width = max([sum(1 for d in depth.values() if d == k) for k in range(n_layers)] + [1])
    if ax is None:
        fig, ax = plt.subplots(figsize=(min(5 + 1.6 * width, 18), min(2.5 + 1.1 * n_layers, 14)))
    else:
        fig = ax.figure
    pos = {}
    for k in range(n_layers):
        layer = [n for n in names if depth[n] == k]
        for i, n in enumerate(layer):
            pos[n] = ((i + 0.5) / len(layer) * width, -k)
    edges = scm.edges_
    wmax = max([abs(w) for _, _, w in edges] + [1e-12])
    for k, (parent, child, w) in enumerate(edges):
        # Edges that skip layers bend more (alternating sides) so they do not overlap.
        skip = depth[child] - depth[parent] - 1
        rad = (0.08 + 0.18 * skip) * (1 if k % 2 else -1)
        ax.add_patch(FancyArrowPatch(
            pos[parent], pos[child], arrowstyle="-|>", mutation_scale=14, shrinkA=16,
            shrinkB=16, lw=0.8 + 3.2 * abs(w) / wmax, color="tab:blue" if w > 0 else "tab:red",
            alpha=0.8, connectionstyle=f"arc3,rad={rad:.2f}", gid=f"edge:{parent}->{child}"))
        if show_weights:
            (x0, y0), (x1, y1) = pos[parent], pos[child]
            ax.text((x0 + x1) / 2, (y0 + y1) / 2, f"{w:.2g}", fontsize=7, ha="center",
                    va="center", bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none"))
    box = dict(boxstyle="round,pad=0.35", fc="#eef3fb", ec="#4a6fa5")
    for n in names:
        ax.text(*pos[n], str(n), ha="center", va="center", fontsize=8, bbox=box, gid=f"node:{n}")
    if label is not None:
        top = (width / 2, 1.0)
        for n in names:
            ax.add_patch(FancyArrowPatch(top, pos[n], arrowstyle="-|>", mutation_scale=8,
                                         shrinkA=16, shrinkB=16, lw=0.6, ls="--",
                                         color="0.6", alpha=0.5, gid=f"label-edge:{n}"))
        ax.text(*top, str(label), ha="center", va="center", fontsize=9, fontweight="bold",
                bbox=dict(boxstyle="round,pad=0.4", fc="#ffd966", ec="#bf9000"), gid="node:label")
    ax.set_xlim(-0.2, width + 0.2)
    ax.set_ylim(-n_layers + 0.4, 1.6 if label is not None else 0.6)
    ax.set_axis_off()
    ax.set_title(f"Causal graph: {len(names)} features, {len(edges)} edges"
                 + (f"; '{label}' enters every equation" if label is not None else ""), fontsize=9)
    return fig


def graph_to_dot(model, *, label="target"):
    """The graph in Graphviz DOT (``dot -Tpng graph.dot -o graph.png`` draws it)."""
    scm = fitted_scm(model)

    def q(text):
        return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["digraph causal_graph {", "  rankdir=TB;", "  node [shape=box, style=rounded];"]
    # The label's node gets an id of its own: a feature of the same name would merge with it.
    label_id = "class_label"
    while label_id in {str(n) for n in scm.causal_order_}:
        label_id = "_" + label_id
    if label is not None:
        lines.append(f"  {q(label_id)} [label={q(label)}, style=\"rounded,filled\", fillcolor=\"#ffd966\"];")
    for n in scm.causal_order_:
        lines.append(f"  {q(n)};")
    for parent, child, w in scm.edges_:
        color = "blue" if w > 0 else "red"
        lines.append(f"  {q(parent)} -> {q(child)} [label={q(f'{w:.3g}')}, color={color}];")
    if label is not None:
        for n in scm.causal_order_:
            lines.append(f"  {q(label_id)} -> {q(n)} [style=dashed, color=gray];")
    lines.append("}")
    return "\n".join(lines) + "\n"

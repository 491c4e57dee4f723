"""
Reading the discovered causal graph
===================================

The augmenter's :class:`~skcausalmix.scm.StructuralCausalModel` (``scm_``) holds the
discovered graph: ``adjacency_`` (children in rows, parents in columns, weights in data
units), ``edges_`` and ``causal_order_``. The class label is an input of every
structural equation, so sampling is class-conditional.
"""

# %%
from sklearn.datasets import load_wine

from skcausalmix.over_sampling import CausalMixAugmenter
from skcausalmix.plotting import edge_table, graph_to_dot, plot_causal_graph, plot_pairwise

data = load_wine(as_frame=True)
X = data.data.iloc[:, :7]
aug = CausalMixAugmenter(n_synthetic=1.0, random_state=0)
X_res, y_res = aug.fit_resample(X, data.target)
print("causal order:", " -> ".join(aug.scm_.causal_order_))
print(edge_table(aug).head(8).to_string(index=False))

# %%
fig = plot_causal_graph(aug, label="cultivar")

# %%
# The same graph for Graphviz (``dot -Tsvg graph.dot -o graph.svg``):
print(graph_to_dot(aug, label="cultivar")[:300], "...")

# %%
# Do synthetic rows keep the dependencies between features, not only each
# feature's distribution?
real, synthetic = X_res[~aug.synthetic_mask_], X_res[aug.synthetic_mask_]
fig = plot_pairwise(real, synthetic, ["alcohol", "flavanoids", "total_phenols"])

"""Pictures: the causal graph, real vs synthetic rows, fine-tuning curves.

Every function returns a matplotlib Figure (needs the ``plot`` extra).
"""

from ._data import plot_pairwise, plot_real_vs_synthetic
from ._graph import edge_table, graph_to_dot, plot_causal_graph
from ._history import plot_history

__all__ = [
    "edge_table",
    "graph_to_dot",
    "plot_causal_graph",
    "plot_history",
    "plot_pairwise",
    "plot_real_vs_synthetic",
]

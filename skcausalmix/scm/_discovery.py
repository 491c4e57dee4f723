"""Causal discovery: from a numeric matrix to a weighted DAG.

Adjacency matrices follow lingam's convention: ``B[i, j] != 0`` means that
column ``j`` is a direct cause of column ``i``.
"""

import copy
import warnings

import numpy as np
import pandas as pd

DISCOVERY_METHODS = ("direct", "lingam-direct", "ica", "highdim")

# DirectLiNGAM's measure is an average over rows; beyond this many rows a
# random subsample finds the same order at a fraction of the cost.
MAX_DISCOVERY_ROWS = 2000


def discover(Z, method="direct", random_state=None):
    """Discover a DAG over the columns of ``Z`` (already centred per class).

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
        Finite numeric data without constant columns.
    method : {"direct", "lingam-direct", "ica", "highdim"} or object
        "direct" is our vectorized DirectLiNGAM (same result as lingam's);
        the others are lingam's DirectLiNGAM, ICALiNGAM and
        HighDimDirectLiNGAM; or any object with ``fit(X)`` that sets
        ``adjacency_matrix_``.
    random_state : int or None

    Returns
    -------
    B : ndarray of shape (n_features, n_features)
    """
    n_samples, n_features = Z.shape
    if n_features == 0:
        return np.zeros((0, 0))
    if n_features == 1:
        return np.zeros((1, 1))
    # lingam's pruning regresses each node on all earlier ones (LassoLarsIC),
    # which is undefined without more rows than features. Ours restricts the
    # candidate parents of wide tables instead (FastDirectLiNGAM.max_parents).
    if isinstance(method, str) and method != "direct" and n_samples <= n_features + 1:
        raise ValueError(
            f"Causal discovery with {method!r} needs more rows than features: got "
            f"{n_samples} rows (after removing constant columns) for {n_features} "
            "features. Use discovery='direct' (it restricts candidate parents on wide "
            "tables), pass a known graph with `graph=`, or give more rows."
        )
    if n_samples < 3:
        raise ValueError(f"Causal discovery needs at least 3 rows, got {n_samples}.")
    model = _make_model(method, random_state)
    if n_samples > MAX_DISCOVERY_ROWS:
        rows = np.random.RandomState(random_state).choice(n_samples, MAX_DISCOVERY_ROWS, replace=False)
        Z = Z[np.sort(rows)]
    # ICALiNGAM's result depends on memory layout; fix it for reproducibility.
    scale = Z.std(axis=0)
    Z = np.ascontiguousarray(Z / scale)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model.fit(Z)
        except Exception as exc:  # lingam raises many kinds on degenerate data
            raise ValueError(
                f"Causal discovery ({type(model).__name__}) failed on this data: {exc}. "
                "Duplicated or perfectly collinear columns are a common cause; "
                "pass `graph=` to skip discovery."
            ) from exc
    B = np.asarray(getattr(model, "adjacency_matrix_", None), dtype=float)
    if B.shape != (n_features, n_features):
        raise ValueError(
            f"The discovery object {type(model).__name__} must set adjacency_matrix_ of "
            f"shape ({n_features}, {n_features}) in fit; got {B.shape}."
        )
    if not np.all(np.isfinite(B)):
        raise ValueError(
            f"Causal discovery ({type(model).__name__}) returned non-finite edge weights; "
            "the data are probably degenerate (collinear columns). Pass `graph=`."
        )
    # Discovery ran on standardised columns: express weights in data units.
    return B * scale[:, None] / scale[None, :]


def _make_model(method, random_state):
    if isinstance(method, str) and method == "direct":
        from ._direct_lingam import FastDirectLiNGAM

        return FastDirectLiNGAM()
    if isinstance(method, str):
        if method not in DISCOVERY_METHODS:
            raise ValueError(
                f"Unknown discovery method {method!r}; use one of {DISCOVERY_METHODS} "
                "or an object with fit(X) and adjacency_matrix_."
            )
        try:
            import lingam  # optional, and slow to import
        except ImportError:
            raise ImportError(
                f"discovery={method!r} needs the lingam package: "
                "pip install 'skcausalmix[lingam]' (Python <= 3.12), or use "
                "discovery='direct'."
            ) from None

        model = {
            "lingam-direct": lingam.DirectLiNGAM,
            "ica": lingam.ICALiNGAM,
            "highdim": lingam.HighDimDirectLiNGAM,
        }[method]
        return model(random_state=random_state)
    if not hasattr(method, "fit"):
        raise TypeError(
            "discovery must be a method name or an object with fit(X) that sets "
            f"adjacency_matrix_; got {type(method).__name__}."
        )
    if hasattr(method, "get_params"):
        from sklearn.base import clone

        return clone(method)
    return copy.deepcopy(method)


def graph_to_adjacency(graph, feature_names):
    """Turn a user-given graph into an adjacency matrix over ``feature_names``.

    ``graph`` is either a square array / DataFrame in lingam's convention
    (``B[i, j] != 0``: ``j`` causes ``i``), or an iterable of
    ``(parent, child)`` pairs naming columns by name or position.
    """
    names = list(feature_names)
    p = len(names)
    if isinstance(graph, pd.DataFrame):
        missing = set(names) - set(graph.index) | set(names) - set(graph.columns)
        if missing:
            raise ValueError(f"The graph DataFrame lacks columns {sorted(map(str, missing))}.")
        B = graph.loc[names, names].to_numpy(dtype=float)
    else:
        arr = np.asarray(graph, dtype=object) if not isinstance(graph, np.ndarray) else graph
        if arr.ndim == 2 and arr.shape == (p, p) and not _looks_like_edges(arr, p):
            B = np.asarray(arr, dtype=float)
        else:
            try:
                B = _edges_to_adjacency(graph, names)
            except ValueError as exc:
                if isinstance(graph, np.ndarray) and graph.ndim == 2 and graph.dtype.kind in "fb":
                    # A float matrix is an adjacency matrix of the wrong size, not edges.
                    raise ValueError(
                        f"The adjacency matrix must have shape ({p}, {p}), a row and a column "
                        f"per feature; got {graph.shape}."
                    ) from exc
                raise
    if B.shape != (p, p):
        raise ValueError(f"The adjacency matrix must have shape ({p}, {p}); got {B.shape}.")
    if not np.all(np.isfinite(B)):
        raise ValueError("The adjacency matrix contains NaN or infinite weights.")
    if np.any(np.diag(B) != 0):
        raise ValueError("The adjacency matrix has self-loops (non-zero diagonal).")
    return B


def _edges_to_adjacency(edges, names):
    B = np.zeros((len(names), len(names)))
    for edge in edges:
        if len(edge) not in (2, 3):
            raise ValueError(
                "Each edge must be (parent, child) or (parent, child, weight); "
                f"got {edge!r}."
            )
        parent, child = (_index_of(e, names) for e in edge[:2])
        if parent == child:
            raise ValueError(f"Self-loop on column {names[parent]!r} in the graph.")
        B[child, parent] = float(edge[2]) if len(edge) == 3 else 1.0
    return B


def _looks_like_edges(arr, p):
    # A p x p array could be an edge list only when p == 2 or 3; an edge list
    # then holds names, or the pairs are not 0/weights. Treat numeric as matrix.
    return arr.dtype == object and any(isinstance(v, str) for v in arr.ravel())


def _index_of(item, names):
    if item in names:
        return names.index(item)
    if isinstance(item, np.generic):
        item = item.item()  # plain values: positions from float arrays, readable messages
    if isinstance(item, float) and item.is_integer():
        item = int(item)
    if isinstance(item, int) and not isinstance(item, bool) and 0 <= item < len(names):
        return item
    raise ValueError(f"The graph names unknown column {item!r}.")


def topological_order(B, feature_names=None):
    """Order the nodes so that every parent comes before its children.

    Ties are broken by column position. Raises ValueError on a cycle.
    """
    p = B.shape[0]
    parents = [set(np.flatnonzero(B[i])) for i in range(p)]
    order, placed = [], np.zeros(p, dtype=bool)
    while len(order) < p:
        ready = [i for i in range(p) if not placed[i] and parents[i] <= set(order)]
        if not ready:
            stuck = [i for i in range(p) if not placed[i]]
            names = [feature_names[i] if feature_names is not None else i for i in stuck]
            raise ValueError(
                f"The causal graph has a cycle among columns {names}; a structural causal "
                "model needs a DAG."
            )
        order.append(ready[0])
        placed[ready[0]] = True
    return order

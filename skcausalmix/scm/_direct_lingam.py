"""DirectLiNGAM with its pairwise search done as whole-array operations.

The same algorithm as ``lingam.DirectLiNGAM(measure="pwling")`` (Shimizu et
al., JMLR 2011; Hyvärinen & Smith, JMLR 2013): repeatedly pick the most
exogenous remaining variable by the pairwise likelihood-ratio measure,
regress it out of the others, then prune the edges of the resulting order
with an adaptive lasso (LassoLarsIC, BIC). lingam evaluates the measure pair
by pair in Python loops; here each step scores all pairs at once, in blocks
that bound memory.
"""

import numpy as np
from sklearn.utils import check_array

# Constants of the maximum-entropy approximation used by lingam.
_K1, _K2, _GAMMA = 79.047, 7.4129, 0.37457
_H0 = (1 + np.log(2 * np.pi)) / 2
# A bound on the error of one float32 residual entropy (typical errors are
# below 1e-6); scores closer than what it allows are recomputed in float64.
_FLOAT32_ENTROPY_ERROR = 1e-5
# Standardised values reach sqrt(n); float32's cosh overflows beyond 89.
_FLOAT32_MAX_ROWS = 7000


class FastDirectLiNGAM:
    """Vectorized DirectLiNGAM, a drop-in for ``lingam.DirectLiNGAM()``.

    Parameters
    ----------
    max_parents : int, "auto" or None, default="auto"
        Wide tables: at most this many candidate parents per node in the
        pruning step, the predecessors in the causal order most correlated
        with the node. "auto" is ``n_samples // 3`` (no restriction whenever a
        node has fewer predecessors, which is every node when
        ``n_samples > 3 * n_features``: then the result is lingam's exactly);
        None never restricts and needs ``n_samples > n_features + 1``.
    max_block_cells : int, default=2**17
        Upper bound on the ``n_samples x pairs`` elements evaluated at once
        (1 MB per float64 temporary). Blocks that stay in the CPU cache make
        the memory-bound passes of the search several times faster than one
        large block, and bound peak memory.

    Attributes
    ----------
    causal_order_ : list of int
    adjacency_matrix_ : ndarray of shape (n_features, n_features)
        ``B[i, j] != 0`` means column ``j`` causes column ``i``.
    """

    def __init__(self, max_parents="auto", max_block_cells=2**17):
        self.max_parents = max_parents
        self.max_block_cells = max_block_cells

    def fit(self, X):
        X = check_array(X, dtype=np.float64)
        n_samples, n_features = X.shape
        max_parents = n_samples // 3 if self.max_parents == "auto" else self.max_parents
        if max_parents is None and n_samples <= n_features + 1:
            raise ValueError(
                f"Pruning every node on all its predecessors needs more rows than features "
                f"({n_samples} rows, {n_features} features); use max_parents='auto'."
            )
        if max_parents is not None and max_parents < 1:
            raise ValueError(f"max_parents must be at least 1, got {max_parents}.")
        U = np.arange(n_features)
        order = []
        X_ = X.copy()
        for _ in range(n_features):
            m = U[0] if len(U) == 1 else U[self._most_exogenous(X_[:, U])]
            others = U[U != m]
            xm = X_[:, m]
            # lingam's _residual: cov with bias=True over var (both population).
            xm_c = xm - xm.mean()
            cov = (X_[:, others] - X_[:, others].mean(axis=0)).T @ xm_c / len(xm)
            X_[:, others] -= np.outer(xm, cov / xm.var())
            order.append(int(m))
            U = others
        self.causal_order_ = order
        self.adjacency_matrix_ = _prune(X, order, max_parents)
        return self

    def _most_exogenous(self, X):
        n, k = X.shape
        Z = (X - X.mean(axis=0)) / X.std(axis=0)
        C = Z.T @ Z / n  # population correlations, as lingam's cov(bias=True)
        # Rows of Z^T: every array below has the n rows as its last, contiguous
        # axis, so numpy's inner loops run over n and reductions are cheap.
        ZT = np.ascontiguousarray(Z.T)
        H = _entropy(ZT)
        if n > _FLOAT32_MAX_ROWS:
            return int(np.argmax(-_penalty(H, self._residual_entropies(ZT, C, np.float64)).sum(axis=1)))
        # Scores in float32 (several times faster), then the candidates that
        # float32 rounding could have misranked are scored again in float64:
        # the choice is the one float64 makes.
        Hr = self._residual_entropies(ZT, C, np.float32)
        penalty = _penalty(H, Hr)
        scores = -penalty.sum(axis=1)
        best = int(np.argmax(scores))
        # A score moves by at most 2|d| e + e^2 per pair when each d moves by e.
        deficit = np.sqrt(np.where(np.isfinite(penalty), penalty, 0.0)).sum(axis=1)
        err = 2 * _FLOAT32_ENTROPY_ERROR  # d_ij holds two float32 entropies
        bound = 2 * err * deficit + k * err**2
        close = np.flatnonzero((scores >= scores[best] - bound - bound[best]) | ~np.isfinite(scores))
        if len(close) <= 1 and np.isfinite(scores[best]):
            return best
        Hr[close] = self._residual_entropies(ZT, C, np.float64, rows=close)
        Hr[:, close] = self._residual_entropies(ZT, C, np.float64, rows=close, transpose=True).T
        exact = -_penalty(H, Hr).sum(axis=1)
        return int(close[np.argmax(exact[close])])

    def _residual_entropies(self, ZT, C, dtype, rows=None, transpose=False):
        """Hr[i, j] for i in ``rows`` (all by default): entropy of the
        standardised residual of z_i on z_j; with ``transpose``, of z_j on z_i."""
        k, n = ZT.shape
        rows = np.arange(k) if rows is None else rows
        Zd = ZT.astype(dtype, copy=False)
        C_ = C.T if transpose else C
        with np.errstate(divide="ignore"):
            inv_scale = 1.0 / np.sqrt(np.maximum(1.0 - C_**2, 0.0))
        np.fill_diagonal(inv_scale, 0.0)  # i == j is never used
        Cd, inv_d = C_.astype(dtype), inv_scale.astype(dtype)
        out = np.zeros((len(rows), k))
        per_block = max(1, int(self.max_block_cells // max(1, n * k)))
        for start in range(0, len(rows), per_block):
            block = rows[start:start + per_block]
            with np.errstate(over="ignore", invalid="ignore"):
                if transpose:  # residuals of every z_j on each z_i of the block
                    R = Cd[block][:, :, None] * Zd[block][:, None, :]
                    np.subtract(Zd[None, :, :], R, out=R)
                else:
                    R = Cd[block][:, :, None] * Zd[None, :, :]
                    np.subtract(Zd[block][:, None, :], R, out=R)
                R *= inv_d[block][:, :, None]
                out[start:start + len(block)] = _entropy(R)
        return out


def _penalty(H, Hr):
    """DirectLiNGAM's pairwise penalties: min(0, diff_ij)^2, inf where degenerate."""
    with np.errstate(over="ignore", invalid="ignore"):
        diff = (H[None, :] + Hr) - (H[:, None] + Hr.T)
        penalty = np.minimum(0.0, diff) ** 2
    np.fill_diagonal(penalty, 0.0)  # i == j does not count
    # Degenerate (collinear) pairs give NaN or inf: such a candidate is never chosen.
    penalty[~np.isfinite(penalty)] = np.inf
    return penalty


def _entropy(u):
    """lingam's maximum-entropy approximation, along the last axis.

    One scratch array is reused in place: this is the hot loop.
    Standardised data have |u| <= sqrt(n), so cosh cannot overflow.
    """
    t = np.cosh(u)
    np.log(t, out=t)
    mean_log_cosh = t.mean(axis=-1)
    np.multiply(u, u, out=t)
    t *= -0.5
    np.exp(t, out=t)
    t *= u
    mean_u_gauss = t.mean(axis=-1)
    return _H0 - _K1 * (mean_log_cosh - _GAMMA) ** 2 - _K2 * mean_u_gauss**2


def _prune(X, order, max_parents=None):
    """lingam's adaptive-lasso estimate of the weights along a causal order.

    Every regression here is solved from one Gram matrix of the data (n >> p
    after discovery's subsampling), so each node costs O(p^2) instead of
    O(n p^2): the least-squares fits by the normal equations, the LARS lasso
    path by ``lars_path_gram``, and the BIC's residual sums of squares from
    the path's coefficients. LassoLarsIC computes the same quantities from
    the rows (its lars path also runs on the Gram matrix when n > p).

    With ``max_parents``, a node with more predecessors keeps as candidates
    only the ``max_parents`` most correlated with it, so that every
    regression has several rows per coefficient (wide tables).
    """
    from sklearn.linear_model import lars_path_gram

    n, p = X.shape
    B = np.zeros((p, p))
    Xc = X - X.mean(axis=0)
    G_raw = Xc.T @ Xc
    sd = np.sqrt(np.diag(G_raw) / n)
    G = G_raw / np.outer(sd, sd)  # Gram matrix of the standardised columns
    eps = np.finfo(np.float64).eps
    for pos in range(1, len(order)):
        target, predictors = order[pos], np.array(order[:pos])
        if max_parents is not None and len(predictors) > max_parents:
            corr = np.abs(G[predictors, target])
            predictors = predictors[np.sort(np.argsort(-corr, kind="stable")[:max_parents])]
        G_pp, g_pt, g_tt = G[np.ix_(predictors, predictors)], G[predictors, target], G[target, target]
        coef = _solve(G_pp, g_pt)
        # From the Gram matrix, a node that its predecessors determine exactly (a duplicated or
        # rescaled column) gets a noise of 0 or a rounding-negative one, and a NaN criterion that
        # dropped every parent; lingam's residual sums of squares are never negative.
        noise = max(g_tt - coef @ g_pt, eps * g_tt) / (n - len(predictors) - 1)
        w = np.abs(coef)
        G_w, g_w = G_pp * np.outer(w, w), g_pt * w
        _, _, path = lars_path_gram(g_w, G_w, n_samples=n, method="lasso", alpha_min=0.0,
                                    max_iter=500, eps=eps)
        rss = g_tt - 2 * (path.T @ g_w) + np.einsum("ik,ij,jk->k", path, G_w, path)
        dof = (np.abs(path) > eps).sum(axis=0)
        criterion = n * np.log(2 * np.pi * noise) + rss / noise + np.log(n) * dof
        best = path[:, np.argmin(criterion)]
        kept = predictors[np.abs(best * w) > 0.0]
        if len(kept):
            B[target, kept] = _solve(G_raw[np.ix_(kept, kept)], G_raw[kept, target])
    return B


def _solve(A, b):
    try:
        return np.linalg.solve(A, b)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(A, b, rcond=None)[0]

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
from sklearn.linear_model import LassoLarsIC
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_array

# Constants of the maximum-entropy approximation used by lingam.
_K1, _K2, _GAMMA = 79.047, 7.4129, 0.37457
_H0 = (1 + np.log(2 * np.pi)) / 2


class FastDirectLiNGAM:
    """Vectorized DirectLiNGAM, a drop-in for ``lingam.DirectLiNGAM()``.

    Parameters
    ----------
    max_block_cells : int, default=2**24
        Upper bound on the ``n_samples x pairs`` elements evaluated at once
        (about 128 MB per float64 temporary), which bounds peak memory.

    Attributes
    ----------
    causal_order_ : list of int
    adjacency_matrix_ : ndarray of shape (n_features, n_features)
        ``B[i, j] != 0`` means column ``j`` causes column ``i``.
    """

    def __init__(self, max_block_cells=2**24):
        self.max_block_cells = max_block_cells

    def fit(self, X):
        X = check_array(X, dtype=np.float64)
        n_features = X.shape[1]
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
        self.adjacency_matrix_ = _prune(X, order)
        return self

    def _most_exogenous(self, X):
        n, k = X.shape
        Z = (X - X.mean(axis=0)) / X.std(axis=0)
        C = Z.T @ Z / n  # population correlations, as lingam's cov(bias=True)
        H = _entropy(Z)
        # Hr[i, j]: entropy of the standardised residual of z_i regressed on
        # z_j; each pair is evaluated once and used in both directions.
        Hr = np.zeros((k, k))
        scale = np.sqrt(np.maximum(1.0 - C**2, 1e-300))
        rows_per_block = max(1, int(self.max_block_cells // max(1, n * k)))
        for start in range(0, k, rows_per_block):
            idx = np.arange(start, min(k, start + rows_per_block))
            R = C[idx][None] * Z[:, None, :]
            np.subtract(Z[:, idx, None], R, out=R)
            R /= scale[idx][None]
            with np.errstate(over="ignore", invalid="ignore"):
                Hr[idx] = _entropy(R)
        with np.errstate(over="ignore", invalid="ignore"):
            diff = (H[None, :] + Hr) - (H[:, None] + Hr.T)
            penalty = np.minimum(0.0, diff) ** 2
        np.fill_diagonal(penalty, 0.0)  # i == j does not count
        # Degenerate (collinear) pairs give NaN: such a candidate is never chosen.
        penalty[np.isnan(penalty)] = np.inf
        return int(np.argmax(-penalty.sum(axis=1)))


def _entropy(u):
    """lingam's maximum-entropy approximation, along axis 0.

    One scratch array is reused in place: this is the hot loop.
    Standardised data have |u| <= sqrt(n), so cosh cannot overflow.
    """
    t = np.cosh(u)
    np.log(t, out=t)
    mean_log_cosh = t.mean(axis=0)
    np.multiply(u, u, out=t)
    t *= -0.5
    np.exp(t, out=t)
    t *= u
    mean_u_gauss = t.mean(axis=0)
    return _H0 - _K1 * (mean_log_cosh - _GAMMA) ** 2 - _K2 * mean_u_gauss**2


def _prune(X, order):
    """lingam's adaptive-lasso estimate of the weights along a causal order.

    The least-squares fits use the normal equations (n >> p here), and the
    BIC noise variance is computed from the same fit, instead of
    LassoLarsIC refitting it: identical estimates, several times faster.
    """
    n, p = X.shape
    B = np.zeros((p, p))
    X_std = StandardScaler().fit_transform(X)
    for pos in range(1, len(order)):
        target, predictors = order[pos], np.array(order[:pos])
        A, y = X_std[:, predictors], X_std[:, target]
        coef, resid = _ols(A, y)
        weight = np.abs(coef)
        noise = (resid @ resid) / (n - len(predictors) - 1)
        reg = LassoLarsIC(criterion="bic", noise_variance=noise).fit(A * weight, y)
        kept = np.abs(reg.coef_ * weight) > 0.0
        if kept.any():
            B[target, predictors[kept]] = _ols(X[:, predictors[kept]], X[:, target])[0]
    return B


def _ols(A, y):
    """Least squares with an intercept: (coefficients, residuals)."""
    Ac, yc = A - A.mean(axis=0), y - y.mean()
    try:
        coef = np.linalg.solve(Ac.T @ Ac, Ac.T @ yc)
    except np.linalg.LinAlgError:
        coef = np.linalg.lstsq(Ac, yc, rcond=None)[0]
    return coef, yc - Ac @ coef

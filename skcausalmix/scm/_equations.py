"""Structural equations: one fitted mechanism per node of the graph.

A node ``x_j`` is modelled as ``x_j = f_j(parents(x_j), y) + e_j`` for numeric
columns and as a draw from ``P(x_j | parents(x_j), y)`` for categorical ones.
The class label ``y`` enters every equation, so sampling is class-conditional.
"""

import warnings

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def default_regressor():
    # Scaled inputs: least squares drops parents measured in tiny units
    # (values ~1e-12 next to the 0/1 label columns) as rank-deficient.
    return make_pipeline(StandardScaler(), LinearRegression())


def default_classifier():
    # tol=1e-3: probabilities to three decimals are plenty for sampling, and
    # wide one-hot designs (coil2000: 62 categorical columns, 9822 rows) fit
    # 7x faster than at the default 1e-4.
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, tol=1e-3))


class NodeEquation:
    """The fitted mechanism of one column.

    Attributes
    ----------
    name : object
        Column name.
    parents : list
        Names of the parent columns, in column order.
    kind : {"continuous", "integer", "categorical", "constant"}
    estimator_ : estimator or None
        The fitted regressor (numeric node) or classifier (categorical node);
        None for a constant column. Its inputs are the parents (categorical
        parents one-hot encoded, first level dropped) followed by the one-hot
        class label (first class dropped).
    residuals_ : ndarray or None
        Residuals of a numeric node on the training rows, bootstrapped at
        sampling time.
    class_levels_ : ndarray of bool of shape (n_classes, n_levels) or None
        Categorical node: which levels each class showed in the training
        rows. A synthetic row of a class draws only among those.
    """

    def __init__(self, name, column, kind, parent_idx, parent_names, parent_levels):
        self.name = name
        self.column = column
        self.kind = kind
        self.parent_idx = list(parent_idx)
        self.parents = list(parent_names)
        self.parent_levels = list(parent_levels)
        self.estimator_ = None
        self.residuals_ = None

    def __repr__(self):
        est = type(self.estimator_).__name__ if self.estimator_ is not None else None
        return f"NodeEquation({self.name!r} <- {self.parents}, kind={self.kind!r}, estimator={est})"

    def design(self, Z, labels, n_classes):
        blocks = []
        for j, n_levels in zip(self.parent_idx, self.parent_levels):
            if n_levels:
                codes = Z[:, j].astype(int)
                blocks.append(np.eye(n_levels)[codes][:, 1:])
            else:
                blocks.append(Z[:, [j]])
        if n_classes > 1:
            blocks.append(np.eye(n_classes)[labels][:, 1:])
        if not blocks:
            # No inputs at all: a zero column lets any estimator learn the marginal.
            return np.zeros((Z.shape[0], 1))
        return np.hstack(blocks)

    def fit(self, Z, labels, n_classes, estimator, fill, min_pool_size):
        j = self.column
        if self.kind == "constant":
            self.fill_ = fill
            return self
        D = self.design(Z, labels, n_classes)
        target = Z[:, j]
        self.estimator_ = clone(estimator)
        if self.kind == "categorical":
            with warnings.catch_warnings():
                # Declared categorical: a column of mostly distinct levels (an id) is no regression problem.
                warnings.filterwarnings("ignore", message="The number of unique classes is greater than 50%",
                                        category=UserWarning)
                self.estimator_.fit(D, target.astype(int))
            self.codes_ = np.asarray(self.estimator_.classes_, dtype=float)
            # The classifier's smoothing gives every level some probability in every class: a level
            # only ever seen with class 0 (or a column that is the label in words) would turn up in
            # class-1 rows, contradicting their label.
            self.class_levels_ = np.zeros((n_classes, len(self.codes_)), dtype=bool)
            self.class_levels_[labels, np.searchsorted(self.codes_, target)] = True
            return self
        self.estimator_.fit(D, target)
        residuals = target - self.estimator_.predict(D)
        self.residuals_ = residuals
        # Class-conditional pools keep heteroscedastic noise; classes too small
        # to estimate a noise distribution borrow the pooled residuals.
        counts = np.bincount(labels, minlength=n_classes)
        self.pools_ = [
            residuals[labels == c] if counts[c] >= min_pool_size else residuals
            for c in range(n_classes)
        ]
        return self

    def sample(self, Z, labels, n_classes, rng):
        if self.kind == "constant":
            return np.full(Z.shape[0], self.fill_)
        D = self.design(Z, labels, n_classes)
        if self.kind == "categorical":
            proba = self.estimator_.predict_proba(D) * self.class_levels_[labels]
            total = proba.sum(axis=1, keepdims=True)
            proba = np.divide(proba, total, out=np.zeros_like(proba), where=total > 0)
            u = rng.random_sample(len(D))[:, None]
            picked = (np.cumsum(proba, axis=1) < u).sum(axis=1)
            return self.codes_[np.minimum(picked, len(self.codes_) - 1)]
        values = self.estimator_.predict(D).astype(float)
        noise = np.empty(len(D))
        for c in np.unique(labels):
            rows = labels == c
            pool = self.pools_[c]
            noise[rows] = pool[rng.randint(len(pool), size=rows.sum())]
        return values + noise

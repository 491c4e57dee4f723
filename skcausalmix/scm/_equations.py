"""Structural equations: one fitted mechanism per node of the graph.

A node ``x_j`` is modelled as ``x_j = f_j(parents(x_j), y) + e_j`` for numeric
columns and as a draw from ``P(x_j | parents(x_j), y)`` for categorical ones.
The class label ``y`` enters every equation, so sampling is class-conditional:
as an additive input of one shared equation (``mechanisms="shared"``), or
through one equation per class (``mechanisms="per_class"``), where a class's
dependencies may differ from the others' in strength or sign.
"""

import warnings

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .._messages import label_repr


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
    quantile_maps_ : list of length n_classes
        With ``marginals="real"``, numeric node: the knots ``(x, y)`` of the
        monotone map that takes the equation's output in a class onto the
        class's real values, quantile to quantile; None for classes with
        fewer than ``min_pool_size`` rows, which keep the equation's values.
    class_estimators_ : list of length n_classes
        With ``mechanisms="per_class"``: the class's own fitted estimator on
        the parents alone, or None where the class uses ``estimator_`` (too
        few rows for its own equation, a single level of a categorical node,
        or no parents).
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

    def design(self, Z, labels, n_classes, blocks=None):
        blocks = self._parent_blocks(Z) if blocks is None else list(blocks)
        if n_classes > 1:
            blocks.append(np.eye(n_classes)[labels][:, 1:])
        if not blocks:
            # No inputs at all: a zero column lets any estimator learn the marginal.
            return np.zeros((Z.shape[0], 1))
        return np.hstack(blocks)

    def _parent_blocks(self, Z):
        blocks = []
        for j, n_levels in zip(self.parent_idx, self.parent_levels):
            if n_levels:
                codes = Z[:, j].astype(int)
                blocks.append(np.eye(n_levels)[codes][:, 1:])
            else:
                blocks.append(Z[:, [j]])
        return blocks

    def fit(self, Z, labels, n_classes, estimator, *, fill, min_pool_size, mechanisms="shared",
            marginals="model", observed=None, class_names=None):
        j = self.column
        self.class_estimators_ = [None] * n_classes
        self.quantile_maps_ = [None] * n_classes
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
            if mechanisms == "per_class" and n_classes > 1:
                self._fit_per_class(Z, labels, target.astype(int), estimator, min_pool_size, class_names)
            return self
        self.estimator_.fit(D, target)
        fitted = self.estimator_.predict(D).astype(float)
        if mechanisms == "per_class" and n_classes > 1:
            for rows, own in self._fit_per_class(Z, labels, target, estimator, min_pool_size, class_names):
                fitted[rows] = own
        residuals = target - fitted
        self.residuals_ = residuals
        # Class-conditional pools keep heteroscedastic noise; classes too small
        # to estimate a noise distribution borrow the pooled residuals.
        counts = np.bincount(labels, minlength=n_classes)
        self.pools_ = [
            residuals[labels == c] if counts[c] >= min_pool_size else residuals
            for c in range(n_classes)
        ]
        if marginals == "real":
            observed = np.ones(len(target), dtype=bool) if observed is None else observed
            for c in np.flatnonzero(counts >= min_pool_size):
                rows = labels == c
                real = np.sort(target[rows & observed])
                if len(real) >= 2:
                    self.quantile_maps_[c] = _quantile_map(fitted[rows], self.pools_[c], real)
        return self

    def _fit_per_class(self, Z, labels, target, estimator, min_pool_size, class_names=None):
        """Fit each class large enough for it its own equation on the parents.

        Returns ``(rows, predictions)`` for every class so fitted (``predict``
        or ``predict_proba`` on the class's own rows)."""
        if not self.parent_idx:
            return []
        P = np.hstack(self._parent_blocks(Z))
        fitted = []
        # Twice as many rows as coefficients: fewer would fit the class's
        # rows (nearly) exactly and sample its noise from nothing.
        min_rows = max(min_pool_size, 2 * (P.shape[1] + 1))
        for c in range(len(self.class_estimators_)):
            rows = labels == c
            if rows.sum() < min_rows:
                continue
            if self.kind == "categorical" and len(np.unique(target[rows])) < 2:
                continue  # class_levels_ already pins the class's one level
            try:
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", message="The number of unique classes is greater than 50%",
                                            category=UserWarning)
                    est = clone(estimator).fit(P[rows], target[rows])
                    # Predicting here also for categorical nodes (whose output is unused) makes a failure
                    # such as too many neighbours for the class show at fit, with this message.
                    own = est.predict_proba(P[rows]) if self.kind == "categorical" else est.predict(P[rows])
            except ValueError as exc:
                # e.g. KNeighborsRegressor(n_neighbors=60) on a class of 50 rows
                label = repr(c) if class_names is None else label_repr(class_names[c])
                raise ValueError(
                    f"Column {self.name!r}: its structural equation for class {label} ({rows.sum()} rows) "
                    f"failed ({exc}). mechanisms='per_class' fits the estimator on each class's rows alone; "
                    "mechanisms='shared' fits one equation on all rows."
                ) from exc
            self.class_estimators_[c] = est
            fitted.append((rows, own))
        return fitted

    def _predict(self, Z, labels, n_classes):
        """Shared estimator's output, replaced by a class's own where it has one."""
        blocks = self._parent_blocks(Z)
        D = self.design(Z, labels, n_classes, blocks)
        categorical = self.kind == "categorical"
        out = self.estimator_.predict_proba(D) if categorical else self.estimator_.predict(D).astype(float)
        own = [c for c, est in enumerate(self.class_estimators_) if est is not None]
        if own:
            P = np.hstack(blocks)
            for c in own:
                rows = labels == c
                if not rows.any():
                    continue
                est = self.class_estimators_[c]
                if categorical:
                    out[np.ix_(rows, np.searchsorted(self.codes_, est.classes_))] = est.predict_proba(P[rows])
                    out[np.ix_(rows, ~np.isin(self.codes_, est.classes_))] = 0.0
                else:
                    out[rows] = est.predict(P[rows])
        return out

    def sample(self, Z, labels, n_classes, rng):
        """Values of the node for rows whose parents are ``Z``'s columns."""
        return self.apply(Z, labels, n_classes, self.draw_noise(labels, rng))

    def draw_noise(self, labels, rng):
        """Exogenous noise for new rows: a bootstrapped residual of the row's
        class (numeric node) or a uniform number on [0, 1) that picks the level
        by inverse CDF (categorical node)."""
        if self.kind == "constant":
            return np.zeros(len(labels))
        if self.kind == "categorical":
            return rng.random_sample(len(labels))
        noise = np.empty(len(labels))
        for c in np.unique(labels):
            rows = labels == c
            pool = self.pools_[c]
            noise[rows] = pool[rng.randint(len(pool), size=rows.sum())]
        return noise

    def apply(self, Z, labels, n_classes, noise):
        """The structural equation: the node's value from its parents in ``Z``,
        the rows' classes and the exogenous ``noise``."""
        if self.kind == "constant":
            return np.full(Z.shape[0], self.fill_)
        if self.kind == "categorical":
            cumulative = np.cumsum(self._level_proba(Z, labels, n_classes), axis=1)
            picked = (cumulative < noise[:, None]).sum(axis=1)
            return self.codes_[np.minimum(picked, len(self.codes_) - 1)]
        values = self._predict(Z, labels, n_classes) + noise
        for c in np.unique(labels):
            if self.quantile_maps_[c] is not None:
                rows = labels == c
                values[rows] = np.interp(values[rows], *self.quantile_maps_[c])
        return values

    def abduct(self, Z, labels, n_classes, rng):
        """Noise under which :meth:`apply` gives back the node's values in ``Z``.

        Numeric node: the residual, read through the inverse of the class's
        quantile map where there is one. Categorical node: the residual is not
        identified by one row; the uniform number is drawn from its posterior
        given the observed level, the interval of the level's cumulative
        probability (a level of probability 0 gets a fresh draw). With the
        parents unchanged, either gives back the observed value."""
        target = Z[:, self.column]
        if self.kind == "constant":
            return np.zeros(len(target))
        if self.kind == "categorical":
            proba = self._level_proba(Z, labels, n_classes)
            level = np.searchsorted(self.codes_, target)
            high = np.cumsum(proba, axis=1)[np.arange(len(level)), level]
            low = high - proba[np.arange(len(level)), level]
            draw = rng.random_sample(len(level))
            # In (low, high]: strictly above the previous level's bound.
            return np.where(high > low, high - (high - low) * draw, 1.0 - draw)
        values = target.astype(float).copy()
        for c in np.unique(labels):
            if self.quantile_maps_[c] is not None:
                rows = labels == c
                values[rows] = _inverse_map(values[rows], *self.quantile_maps_[c])
        return values - self._predict(Z, labels, n_classes)

    def _level_proba(self, Z, labels, n_classes):
        # Each row's class draws only among the levels it showed in training.
        proba = self._predict(Z, labels, n_classes) * self.class_levels_[labels]
        total = proba.sum(axis=1, keepdims=True)
        return np.divide(proba, total, out=np.zeros_like(proba), where=total > 0)


def _inverse_map(values, knots, mapped):
    """Inverse of the monotone map ``np.interp(., knots, mapped)``; on a flat
    stretch (tied ``mapped``) the middle of its knots."""
    levels, group = np.unique(mapped, return_inverse=True)
    low = np.full(len(levels), np.inf)
    high = np.full(len(levels), -np.inf)
    np.minimum.at(low, group, knots)
    np.maximum.at(high, group, knots)
    if len(levels) == 1:
        return np.full(len(values), (low[0] + high[0]) / 2)
    return np.interp(values, levels, (low + high) / 2)


# Size of the sample of an equation's output that a class's quantile map is computed from
# (at least one draw per row of the class).
MAX_REFERENCE = 20_000


def _quantile_map(fitted, pool, real):
    """Knots ``(x, y)`` of the monotone map from the equation's output in a class
    (its predictions on the class's rows plus its residuals) onto the class's
    real values, quantile to quantile. Where the two distributions agree it is
    the identity."""
    # Every prediction the same number of times, each with its own level of the residuals'
    # distribution (stratified, paired by a fixed permutation: the map is part of the model, not
    # of a draw). A root's prediction is one constant: its reference is then its residuals'
    # whole distribution and the map the identity; so it is for a column that copies its parent.
    repeats = max(1, MAX_REFERENCE // len(fitted))
    size = repeats * len(fitted)
    levels = np.quantile(pool, (np.arange(size) + 0.5) / size)
    reference = np.repeat(fitted, repeats) + levels[np.random.RandomState(0).permutation(size)]
    x = np.quantile(reference, np.linspace(0, 1, len(real)))
    # np.interp needs increasing knots: tied reference quantiles take the mean of their real values.
    knots, group = np.unique(x, return_inverse=True)
    return knots, np.bincount(group, weights=real) / np.bincount(group)

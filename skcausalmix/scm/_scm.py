"""A structural causal model fitted to a table, and sampling from it."""

import warnings
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from scipy import sparse

from .._progress import progress_bar
from .._table_checks import validation_view
from ._discovery import DISCOVERY_METHODS, discover, graph_to_adjacency, topological_order
from ._equations import NodeEquation, default_classifier, default_regressor
from ._table import CATEGORICAL, TableEncoder, _cast


# Largest |value| of a numeric column (and inverse of the smallest nonzero one).
MAX_MAGNITUDE = 1e150


class StructuralCausalModel(BaseEstimator):
    """Structural causal model fitted to a mixed-type table.

    The model discovers a directed acyclic graph over the features (LiNGAM by
    default), fits one structural equation per feature on its parents and the
    class label, and samples new rows by walking the graph in causal order,
    adding independently bootstrapped residuals at every node.

    Parameters
    ----------
    discovery : {"direct", "lingam-direct", "ica", "highdim"} or object, \
            default="direct"
        How to find the graph. "direct" is skcausalmix's vectorized
        DirectLiNGAM (the same order and weights as ``lingam.DirectLiNGAM``,
        several times faster, on at most 2000 randomly chosen rows);
        "lingam-direct", "ica" and "highdim" are ``lingam``'s
        ``DirectLiNGAM``, ``ICALiNGAM`` and ``HighDimDirectLiNGAM``. Any
        object with ``fit(X)`` that sets an ``adjacency_matrix_`` (lingam's
        convention: ``B[i, j] != 0`` means column ``j`` causes column ``i``)
        works too. Ignored when ``graph`` is given.
    graph : array-like, DataFrame or list of edges, default=None
        A known graph, which skips discovery: a square adjacency matrix in
        lingam's convention (a DataFrame is aligned by column names), or a
        list of ``(parent, child)`` / ``(parent, child, weight)`` tuples naming
        columns by name or position. It must be acyclic.
    regressor : regressor, default=None
        Estimator cloned for each numeric node. None means a standardised
        ``LinearRegression``, a linear SCM refitted on the parents.
    classifier : classifier with ``predict_proba``, default=None
        Estimator cloned for each categorical node; values are drawn from its
        ``predict_proba``. None means a standardised ``LogisticRegression``.
    categorical_features : "auto", array-like or None, default="auto"
        Which columns are categorical: "auto" takes DataFrame columns of
        category, bool, string or object dtype holding text (numbers written
        as text included); otherwise a list of names or positions, or a
        boolean mask. Bool columns are always categorical; text columns left
        out of the list must read as numbers, and their synthetic values are
        written as text.
    mechanisms : {"per_class", "shared"}, default="per_class"
        How the class label enters the structural equations. "per_class":
        every class with enough rows (at least ``min_pool_size`` and twice
        the equation's inputs) gets its own equation on the parents, so a
        dependency may differ between classes in strength or sign; smaller
        classes use the shared equation. "shared": one equation per feature
        with the label as an additive input, so classes differ in level but
        share each dependency's strength.
    marginals : {"model", "real"}, default="model"
        The distribution of each numeric column's synthetic values. "model":
        as the structural equation gives it (prediction plus a bootstrapped
        residual), which a linear equation makes roughly symmetric. "real":
        within each class with at least ``min_pool_size`` rows, the
        equation's values are mapped, order kept, onto the class's real
        values (quantile matching), so skewed, zero-inflated or multimodal
        columns keep their shape while the equation still decides which rows
        get high or low values; synthetic rows are then harder to tell from
        real ones (``benchmarks/results/synthetic_quality.md``), but tree
        models trained on them gained slightly less
        (``benchmarks/results/equation_options/``).
    min_pool_size : int, default=20
        A class needs at least this many rows for its own residual pool;
        smaller classes draw noise from the residuals of all rows.
    random_state : int, RandomState instance or None, default=None
        Seeds discovery and the default randomness of :meth:`sample`.
    verbose : int, default=0
        1 shows a progress bar over discovery and the structural equations.

    Attributes
    ----------
    adjacency_ : DataFrame of shape (n_features, n_features)
        Edge weights in data units, rows are children and columns parents.
    causal_order_ : list
        Feature names in the order in which they are sampled.
    equations_ : dict
        Feature name -> :class:`~skcausalmix.scm.NodeEquation`.
    feature_kinds_ : dict
        Feature name -> "continuous", "integer", "categorical" or "constant".
    classes_ : ndarray or None
        Class labels seen in ``fit`` (None when fitted without ``y``).
    missing_rate_ : ndarray of shape (n_classes, n_features)
        Share of missing cells per class and feature, reproduced in samples.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when fitted on a DataFrame with string column names.

    Notes
    -----
    With a label, discovery runs on class-centred data (the class is a common
    cause of many features and would otherwise add spurious edges) and every
    equation takes the label as an input, so each sampled row carries a label
    consistent with its features. Missing cells are imputed for fitting
    (median, or most frequent level) and re-inserted in samples at the
    observed per-class rate, completely at random. Numeric samples are clipped
    to the observed range and put on the column's grid where its values lie on
    one (whole numbers, halves, cents: at most 6 decimals).

    Examples
    --------
    >>> import numpy as np
    >>> from skcausalmix.scm import StructuralCausalModel
    >>> rng = np.random.RandomState(0)
    >>> a = rng.uniform(size=300)
    >>> X = np.c_[a, 2 * a + rng.uniform(size=300)]
    >>> scm = StructuralCausalModel(random_state=0).fit(X)
    >>> scm.causal_order_
    [0, 1]
    >>> X_new, _ = scm.sample(5)
    >>> X_new.shape
    (5, 2)
    """

    _parameter_constraints = {
        "discovery": [StrOptions(set(DISCOVERY_METHODS)), HasMethods(["fit"])],
        "graph": ["array-like", list, None],
        "regressor": [HasMethods(["fit", "predict"]), None],
        "classifier": [HasMethods(["fit", "predict_proba"]), None],
        "categorical_features": [StrOptions({"auto"}), "array-like", None],
        "mechanisms": [StrOptions({"shared", "per_class"})],
        "marginals": [StrOptions({"model", "real"})],
        "min_pool_size": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        discovery="direct",
        graph=None,
        regressor=None,
        classifier=None,
        categorical_features="auto",
        mechanisms="per_class",
        marginals="model",
        min_pool_size=20,
        random_state=None,
        verbose=0,
    ):
        self.discovery = discovery
        self.graph = graph
        self.regressor = regressor
        self.classifier = classifier
        self.categorical_features = categorical_features
        self.mechanisms = mechanisms
        self.marginals = marginals
        self.min_pool_size = min_pool_size
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit the graph and the structural equations.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
            Class labels that condition the model.

        Returns
        -------
        self : object
        """
        rng = check_random_state(self.random_state)
        if sparse.issparse(X):
            raise TypeError(
                "Sparse input is not supported: a structural causal model needs dense "
                "columns. Convert it with X.toarray() first."
            )
        # Shape checks and feature names; the table itself is typed by the encoder.
        validate_data(self, validation_view(X), reset=True, dtype=None, ensure_all_finite=False,
                      ensure_min_samples=2)
        encoder = TableEncoder(self.categorical_features)
        Z, missing = encoder.fit_transform(X)
        n_samples, n_features = Z.shape
        self._encoder = encoder
        names = list(encoder.feature_names_)
        _check_magnitudes(Z, encoder.categorical_, names)
        labels, self.classes_ = _encode_labels(y, n_samples)
        n_classes = 1 if self.classes_ is None else len(self.classes_)

        constant = encoder.constant_
        bar = progress_bar(n_features + 1, self.verbose, "causal discovery", unit="node")
        if self.graph is not None:
            B = graph_to_adjacency(self.graph, names)
        else:
            Zc = Z - _class_means(Z, labels, n_classes)[labels]
            # A column constant within every class is a function of the label
            # alone: it stays a root and out of discovery.
            # Relative to the column's own magnitude, so that columns of tiny
            # units are not mistaken for constant ones.
            spread = Zc.std(axis=0) > 1e-12 * np.abs(Z).max(axis=0)
            active = np.flatnonzero(~constant & spread)
            Zc = Zc[:, active]
            B = np.zeros((n_features, n_features))
            B[np.ix_(active, active)] = discover(
                Zc, self.discovery, random_state=rng.randint(np.iinfo(np.int32).max)
            )
        order = topological_order(B, names)
        if bar is not None:
            bar.update(1)
            bar.set_description("structural equations")

        levels = [encoder.n_levels(j) if encoder.categorical_[j] else 0 for j in range(n_features)]
        self.equations_ = {}
        for j in order:
            kind = "constant" if constant[j] else encoder.columns_[j].kind
            parents = [int(k) for k in np.flatnonzero(B[j])]
            eq = NodeEquation(
                names[j], j, kind, parents, [names[k] for k in parents], [levels[k] for k in parents]
            )
            estimator = self._classifier() if kind == CATEGORICAL else self._regressor()
            eq.fit(Z, labels, n_classes, estimator, fill=encoder.columns_[j].fill, min_pool_size=self.min_pool_size,
                   mechanisms=self.mechanisms, marginals=self.marginals, observed=~missing[:, j],
                   class_names=self.classes_)
            self.equations_[names[j]] = eq
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.close()
        self._order = order
        self.adjacency_ = pd.DataFrame(B, index=names, columns=names)
        self.causal_order_ = [names[j] for j in order]
        self.feature_kinds_ = {
            names[j]: "constant" if constant[j] else encoder.columns_[j].kind
            for j in range(n_features)
        }
        self.missing_rate_ = np.vstack(
            [missing[labels == c].mean(axis=0) for c in range(n_classes)]
        )
        self._class_prior = np.bincount(labels, minlength=n_classes) / n_samples
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        tags.input_tags.sparse = False
        tags.target_tags.required = False
        return tags

    def _regressor(self):
        return default_regressor() if self.regressor is None else self.regressor

    def _classifier(self):
        return default_classifier() if self.classifier is None else self.classifier

    @property
    def edges_(self):
        """List of ``(parent, child, weight)`` tuples of the fitted graph."""
        check_is_fitted(self, "adjacency_")
        names = list(self._encoder.feature_names_)
        B = self.adjacency_.to_numpy()
        return [(names[j], names[i], float(B[i, j])) for i, j in zip(*np.nonzero(B))]

    def sample(self, n_samples=None, *, y=None, do=None, random_state=None):
        """Draw new rows from the fitted model, observed or under an intervention.

        Parameters
        ----------
        n_samples : int, default=None
            Number of rows. May be omitted when ``y`` fixes it.
        y : label, array-like of labels or dict, default=None
            Which classes to sample: None draws labels from the training class
            frequencies; a single label gives ``n_samples`` rows of that class;
            an array gives one row per entry; a dict maps class -> row count.
        do : dict, default=None
            Interventions, column name (position for a table without names)
            -> value: a number, or a level of a categorical column, that every
            row takes; or a callable that receives a DataFrame of the rows
            sampled so far and returns the column's values, one per row (see
            Notes). The columns' descendants in the graph follow through the
            fitted equations, with their own noise; the other columns keep
            their observational distribution.
        random_state : int, RandomState instance or None, default=None
            Overrides the estimator's ``random_state`` for this call.

        Returns
        -------
        X_new : ndarray or DataFrame of shape (n_rows, n_features)
            Same container and dtypes as the training table.
        y_new : ndarray of shape (n_rows,) or None
            Labels of the rows (None when fitted without ``y``).

        Notes
        -----
        ``do={"x": v}`` samples from the model in which the equation of ``x``
        is replaced by the constant ``v``: a soft intervention such as a shift
        is a callable, ``do={"x": lambda rows: rows["x"] + 5}``. The callable's
        DataFrame holds, in table units and under the table's column names, the
        columns the interventions do not affect, the affected columns sampled
        before ``x`` and ``x``'s own value before the intervention; columns
        downstream of ``x`` are not there yet. The class label is a cause of
        every column here, so an intervention does not change ``y_new``; with
        ``y``, rows are sampled given their class. An intervened column has no
        missing cells; the others keep their missing rate. Values outside a
        column's observed range are allowed for the intervened column (with a
        warning): its descendants' equations then extrapolate (linearly by
        default; with ``marginals="real"`` numeric descendants saturate at their
        class's extreme real values), and descendants are clipped to their
        observed range as in every sample.
        """
        check_is_fitted(self, "equations_")
        rng = check_random_state(self.random_state if random_state is None else random_state)
        interventions = self._check_do(do)
        labels = self._sample_labels(n_samples, y, rng)
        n_rows = len(labels)
        n_classes = len(self._class_prior)
        Z = np.zeros((n_rows, self.n_features_in_))
        for j in self._intervention_order(interventions) if n_rows else ():
            eq = self.equations_[self._encoder.feature_names_[j]]
            if j in interventions and not callable(interventions[j]):
                Z[:, j] = interventions[j]
                continue
            # Children see the value the table will hold (clipped, rounded), so that a child's
            # equation holds in the output even where its parent sits at a bound.
            Z[:, j] = self._encoder.settle(j, eq.sample(Z, labels, n_classes, rng))
            if j in interventions:
                frame = self._frame(self._encoder.to_table(Z, exact=interventions), interventions, j)
                Z[:, j] = self._call_do(interventions, j, frame)
        missing = rng.random_sample(Z.shape) < self.missing_rate_[labels]
        missing[:, list(interventions)] = False
        X_new = self._encoder.to_table(Z, missing, exact=interventions)
        y_new = None if self.classes_ is None else self.classes_[labels]
        return X_new, y_new

    def counterfactual(self, X, y=None, *, do, random_state=None):
        """What the given rows would have been under an intervention.

        Each row keeps its own exogenous noise (abduction): the residuals of
        its numeric columns are read off the row, the intervention is applied,
        and the intervened columns' descendants are recomputed from the
        changed parents with the row's own residuals. Only what the
        intervention causes changes; a column whose parents do not change
        keeps its value exactly.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_rows, n_features)
            Rows with the training table's columns.
        y : array-like of shape (n_rows,), default=None
            The rows' classes; required when the model was fitted with labels
            (every equation takes the class as an input).
        do : dict
            Interventions, as in :meth:`sample`; a callable receives the
            counterfactual rows computed so far (the given rows' values where
            nothing has changed).
        random_state : int, RandomState instance or None, default=None
            Seeds the draws for categorical descendants (see Notes); overrides
            the estimator's ``random_state`` for this call.

        Returns
        -------
        X_cf : ndarray or DataFrame of shape (n_rows, n_features)
            The counterfactual rows, in ``X``'s container and dtypes, with
            ``X``'s index.

        Notes
        -----
        A categorical column has no residual to recover: one row does not say
        which noise drew its level. Its noise is drawn from the posterior given
        the observed level (the level's interval of the inverse-CDF draw that
        :meth:`sample` uses), so where the intervention leaves its
        probabilities unchanged the level is kept, and otherwise it moves only
        as far as the changed probabilities push that interval; a level of
        probability zero under the row's class gets a fresh draw.
        Missing cells stay missing (the value never observed cannot be
        recomputed; for the columns downstream it is imputed as in ``fit``),
        except in an intervened column. Recomputed values are clipped to the
        column's observed range, widened to hold the row's own value, and put on
        its grid, as in :meth:`sample`. Where ``X``'s dtype cannot hold a new
        value (a fraction in an integer column) the column comes back as float.
        """
        check_is_fitted(self, "equations_")
        rng = check_random_state(self.random_state if random_state is None else random_state)
        interventions = self._check_do(do)
        if sparse.issparse(X):
            raise TypeError("Sparse input is not supported; convert it with X.toarray() first.")
        validate_data(self, validation_view(X), reset=False, dtype=None, ensure_all_finite=False,
                      ensure_min_samples=0)
        Z, missing = self._encoder.transform(X)
        labels = self._row_labels(y, len(Z))
        n_classes = len(self._class_prior)
        names = self._encoder.feature_names_
        Z_cf = Z.copy()
        changed = np.zeros(Z.shape, dtype=bool)
        # Cells written to the output: changed ones, but never a cell the row did not observe
        # (its counterfactual value rests on an imputed residual) unless the intervention sets it.
        write = np.zeros(Z.shape, dtype=bool)
        for j in self._intervention_order(interventions):
            eq = self.equations_[names[j]]
            rows = changed[:, eq.parent_idx].any(axis=1)
            if rows.any():
                noise = eq.abduct(Z[rows], labels[rows], n_classes, rng)
                # A row's own value may lie outside the training range: the bounds widen to hold it,
                # so that a small change of a parent does not pull the value back into the range.
                col = self._encoder.columns_[j]
                own = Z[rows, j]
                Z_cf[rows, j] = self._encoder.settle(j, eq.apply(Z_cf[rows], labels[rows], n_classes, noise),
                                                     low=np.minimum(col.low, own), high=np.maximum(col.high, own))
            changed[:, j] = Z_cf[:, j] != Z[:, j]
            write[:, j] = changed[:, j] & ~missing[:, j]
            if j in interventions:
                if callable(interventions[j]):
                    frame = self._frame(self._write_changes(X, Z_cf, write), interventions, j)
                    codes = self._call_do(interventions, j, frame, allow_missing=missing[:, j])
                    # A shift of a value the row never observed stays unobserved.
                    kept = np.isnan(codes)
                    Z_cf[:, j] = np.where(kept, Z[:, j], codes)
                    write[:, j] = ~kept
                else:
                    Z_cf[:, j] = interventions[j]
                    write[:, j] = True
                changed[:, j] = write[:, j] & (Z_cf[:, j] != Z[:, j]) | changed[:, j] & ~write[:, j]
        return self._write_changes(X, Z_cf, write)

    def _row_labels(self, y, n_rows):
        if self.classes_ is None:
            if y is not None:
                raise ValueError("This model was fitted without labels; counterfactual() takes no y.")
            return np.zeros(n_rows, dtype=int)
        if y is None:
            raise ValueError("Give the rows' classes y: every structural equation takes the class as an input.")
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != n_rows:
            raise ValueError(f"y must have shape ({n_rows},); got {y.shape}.")
        return np.array([self._class_index(c) for c in y.tolist()], dtype=int)

    def _check_do(self, do):
        """``do`` as {column index: encoded value or callable}, with clear errors."""
        if do is None:
            return {}
        if not isinstance(do, dict):
            raise TypeError(f"do must be a dict of column -> value or callable; got {type(do).__name__}.")
        names = list(self._encoder.feature_names_)
        out = {}
        for key, value in do.items():
            hits = [j for j, name in enumerate(names) if _same_key(name, key)]
            if not hits:
                raise ValueError(f"do names column {key!r}, which the table does not have; its columns are {names}.")
            j = hits[0]
            col = self._encoder.columns_[j]
            if col.all_missing:
                raise ValueError(f"Column {key!r} is missing in every training row: the model has no "
                                 "equation to intervene on.")
            if callable(value):
                out[j] = value
                continue
            if pd.api.types.is_list_like(value):
                raise ValueError(f"do[{key!r}] must be one value or a callable; got {type(value).__name__}. "
                                 "For a value per row, pass a callable.")
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                raise ValueError(f"do[{key!r}] is missing; an intervention sets a value.")
            code = self._encoder.encode(j, np.array([value], dtype=object), what="cannot be set to")
            self._encoder.check_storable(j, code)
            self._warn_outside(j, code)
            out[j] = float(code[0])
        return out

    def _warn_outside(self, j, values):
        col = self._encoder.columns_[j]
        if col.kind == CATEGORICAL:
            return
        outside = (values < col.low) | (values > col.high)
        if outside.any():
            warnings.warn(
                f"The intervention puts column {col.name!r} outside its observed range [{col.low:g}, "
                f"{col.high:g}] in {outside.sum()} of {outside.size} rows: its descendants' equations "
                "extrapolate there, and they stay clipped to their own observed ranges.",
                UserWarning, stacklevel=4)

    def descendants(self, columns):
        """The columns downstream of ``columns`` in the fitted graph.

        Parameters
        ----------
        columns : column name or list of names
            Names (positions for a table without names), as for ``do``.

        Returns
        -------
        list
            The descendants, in causal order, without ``columns`` themselves
            (unless one lies downstream of another).
        """
        check_is_fitted(self, "equations_")
        names = list(self._encoder.feature_names_)
        columns = [columns] if isinstance(columns, (str, Integral)) or not pd.api.types.is_list_like(columns) \
            else list(columns)
        start = []
        for key in columns:
            hits = [j for j, name in enumerate(names) if _same_key(name, key)]
            if not hits:
                raise ValueError(f"No column {key!r}; the table's columns are {names}.")
            start.append(hits[0])
        below = self._below(start)
        return [names[j] for j in self._order if below[j]]

    def _below(self, columns):
        """Boolean mask of the columns reached from ``columns`` along one or more edges."""
        B = self.adjacency_.to_numpy() != 0
        source = np.zeros(len(self._order), dtype=bool)
        source[list(columns)] = True
        below = np.zeros_like(source)
        for j in self._order:  # parents come first in the causal order
            below[j] = B[j, source | below].any()
        return below

    def _intervention_order(self, interventions):
        """The causal order with the columns the interventions leave alone first:
        they are sampled as without the interventions, and a callable sees them all."""
        order = self._order
        if not interventions:
            return order
        affected = self._below(list(interventions))
        affected[list(interventions)] = True
        return [j for j in order if not affected[j]] + [j for j in order if affected[j]]

    def _frame(self, X, interventions, j):
        """What the callable of column ``j`` sees: the rows so far, columns not yet
        computed left out (a callable that reads one fails, naming it)."""
        frame = X.copy() if isinstance(X, pd.DataFrame) else pd.DataFrame(X)
        frame.columns = self._encoder.feature_names_
        order = self._intervention_order(interventions)
        return frame.iloc[:, sorted(order[:order.index(j) + 1])]

    def _call_do(self, interventions, j, frame, allow_missing=None):
        """Run the callable of column ``j`` on ``frame``; its encoded values (NaN
        where it returns a missing value in an ``allow_missing`` row)."""
        name = self._encoder.feature_names_[j]
        try:
            values = interventions[j](frame)
        except KeyError as exc:
            raise ValueError(
                f"do[{name!r}]'s callable reads column {exc.args[0]!r}, which is not among the columns "
                f"available to it ({frame.columns.tolist()}): columns downstream of an intervention "
                "are computed after it."
            ) from exc
        n_rows = len(frame)
        values = (np.asarray(values, dtype=object).ravel() if np.ndim(values)
                  else np.full(n_rows, values, dtype=object))
        if len(values) != n_rows:
            raise ValueError(f"do[{name!r}]'s callable returned {len(values)} values for {n_rows} rows.")
        absent = pd.isna(pd.Series(values)).to_numpy()
        allowed = np.zeros(n_rows, dtype=bool) if allow_missing is None else allow_missing
        if (absent & ~allowed).any():
            raise ValueError(f"do[{name!r}]'s callable returned missing values.")
        codes = np.full(n_rows, np.nan)
        if (~absent).any():
            codes[~absent] = self._encoder.encode(j, values[~absent], what="cannot be set to")
            self._encoder.check_storable(j, codes[~absent])
            self._warn_outside(j, codes[~absent])
        return codes

    def _write_changes(self, X, Z_cf, write):
        """``X`` with the cells in ``write`` replaced by their decoded values in
        ``Z_cf`` (already settled where recomputed, as set where intervened).
        A column whose dtype cannot hold a new value (a fraction in an int
        column) becomes float rather than truncate it."""
        columns = self._encoder.decode(Z_cf, exact=range(Z_cf.shape[1]))
        if isinstance(X, pd.DataFrame):
            out = X.copy()
            for k in np.flatnonzero(write.any(axis=0)):
                values = np.array(out.iloc[:, k].astype(object), dtype=object)
                values[write[:, k]] = columns[k][write[:, k]]
                out.isetitem(k, _cast_back(values, X.dtypes.iloc[k], out.index, write[:, k]))
            return out
        out = np.array(X, copy=True)
        for k in np.flatnonzero(write.any(axis=0)):
            new = columns[k][write[:, k]]
            if not _holds(out.dtype, new):
                out = out.astype(float)
            out[write[:, k], k] = new
        return out

    def _sample_labels(self, n_samples, y, rng):
        if n_samples is not None and (
            isinstance(n_samples, bool) or not isinstance(n_samples, Integral) or n_samples < 0
        ):
            raise ValueError(f"n_samples must be a non-negative integer; got {n_samples!r}.")
        if self.classes_ is None:
            if y is not None:
                raise ValueError("This model was fitted without labels; sample() takes no y.")
            if n_samples is None:
                raise ValueError("Give n_samples.")
            return np.zeros(n_samples, dtype=int)
        if y is None:
            if n_samples is None:
                raise ValueError("Give n_samples, or y to choose the classes.")
            return rng.choice(len(self.classes_), size=n_samples, p=self._class_prior)
        if isinstance(y, dict):
            bad = {c: n for c, n in y.items()
                   if isinstance(n, bool) or not isinstance(n, Integral) or n < 0}
            if bad:
                raise ValueError(f"y's row counts must be non-negative integers; got {bad}.")
            labels = np.concatenate(
                [np.full(int(count), self._class_index(c)) for c, count in y.items()]
                + [np.zeros(0, dtype=int)]
            ).astype(int)
        elif np.ndim(y) == 0:
            if n_samples is None:
                raise ValueError("Give n_samples with a single label y.")
            labels = np.full(n_samples, self._class_index(y), dtype=int)
        else:
            labels = np.array([self._class_index(c) for c in np.asarray(y).tolist()], dtype=int)
        if n_samples is not None and len(labels) != n_samples:
            raise ValueError(f"y asks for {len(labels)} rows but n_samples is {n_samples}.")
        return labels

    def _class_index(self, label):
        hits = np.flatnonzero(self.classes_ == label)
        if len(hits) == 0:
            raise ValueError(f"Unknown class {label!r}; the model knows {self.classes_.tolist()}.")
        return int(hits[0])


def _same_key(name, key):
    try:
        return bool(name == key) and type(name) is not bool and type(key) is not bool
    except (TypeError, ValueError):
        return False


def _holds(dtype, values):
    """Whether an array of ``dtype`` holds these values exactly."""
    if not (pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
        return True
    try:
        numbers = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        return False
    return bool(np.all(numbers == np.round(numbers)))


def _cast_back(values, dtype, index, written):
    """The column in its own dtype (as decoding casts it), unless that would change a written value."""
    series = pd.Series(values, index=index)
    if _holds(dtype, values[written]):
        return _cast(series, dtype)
    return pd.to_numeric(series).astype(float)


def _encode_labels(y, n_samples):
    if y is None:
        return np.zeros(n_samples, dtype=int), None
    y = np.asarray(y)
    if y.ndim != 1:
        y = y.ravel() if y.ndim == 2 and y.shape[1] == 1 else y
    if y.ndim != 1 or len(y) != n_samples:
        raise ValueError(f"y must have shape ({n_samples},); got {np.shape(y)}.")
    if pd.isna(pd.Series(y)).any():
        raise ValueError("y contains missing labels.")
    check_classification_targets(y)
    classes, labels = np.unique(y, return_inverse=True)
    return labels.astype(int), classes


def _check_magnitudes(Z, categorical, names):
    # Variances and least squares square the values: beyond these they overflow
    # or underflow.
    peak = np.abs(Z).max(axis=0, initial=0.0)
    bad = ~categorical & ((peak > MAX_MAGNITUDE) | ((peak > 0) & (peak < 1 / MAX_MAGNITUDE)))
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"Column {names[j]!r} holds values of magnitude up to {peak[j]:.3g}; the causal "
            f"model needs the largest |value| of a column between {1 / MAX_MAGNITUDE:.0e} and "
            f"{MAX_MAGNITUDE:.0e}. Rescale the column (change its units) first."
        )


def _class_means(Z, labels, n_classes):
    means = np.zeros((n_classes, Z.shape[1]))
    for c in range(n_classes):
        means[c] = Z[labels == c].mean(axis=0)
    return means

"""TabPFN fine-tuned on real plus causally sampled rows, with early stopping."""

import os
import time
import warnings
from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._messages import label_repr as _label
from .._messages import user_stacklevel
from .._progress import progress_bar
from .._validation import check_labels_present
from ..over_sampling._causal_mix import MIN_CLASS_ROWS
from ..scm._table import validation_view
from ._ensemble import (
    ENSEMBLE_KEY,
    ensemble_settings,
    fit_on_varying_columns,
    member_count,
    stored_ensemble,
    take_columns,
)
from ._loop import (
    SYNTHETIC_ROUTES,
    EarlyStopping,
    classification_scores,
    lr_factor,
    plan_episodes,
    primary_score,
    validation_split,
)


class CausalMixTabPFNClassifier(ClassifierMixin, BaseEstimator):
    """Fine-tune TabPFN on scarce real data mixed with rows from a causal model.

    ``fit`` splits off a stratified real validation set, fits the augmenter
    (by default a :class:`~skcausalmix.over_sampling.CausalMixAugmenter`) on
    the training part only, and fine-tunes TabPFN's weights with its own
    loop: each step draws a context and a query set, with the synthetic rows
    routed to the context, the query or both, and minimises the query
    cross-entropy. After every epoch the model is scored on the validation
    rows (and, optionally, on synthetic validation rows from the same SCM);
    the best epoch's weights are restored. Predictions use the fine-tuned
    weights with the real rows as context.

    Parameters
    ----------
    model_path : str or path-like, default="auto"
        TabPFN weights: a checkpoint file (``.safetensors``, or weights-only
        ``.ckpt``/``.pth``); ``"auto"`` for tabpfn's official weights when they
        can be had, else the small bundled checkpoint (with a warning);
        ``"bundled"`` for the bundled checkpoint.
    augmenter : "causalmix", imblearn sampler or None, default="causalmix"
        Where synthetic rows come from. "causalmix" means
        ``CausalMixAugmenter()``; None gives plain fine-tuning through the same
        loop; any imbalanced-learn over-sampler (e.g. ``SMOTE()``) is cloned and
        fitted on the training part (an under-sampler is an error: it adds no
        rows). Samplers with an ``n_synthetic``
        parameter get ``synthetic_ratio`` unless they were given a
        ``sampling_strategy`` (balancing); others follow their own
        ``sampling_strategy``.
    synthetic_ratio : float, default=1.0
        Synthetic rows per real training row.
    synthetic_in : {"context", "query", "both"}, default="both"
        Where synthetic rows go during fine-tuning.
    synthetic_validation : "auto" or float, default="auto"
        Synthetic validation rows per real validation row, sampled from an SCM
        fitted on the training part only, and pooled with the real validation
        rows for early stopping. "auto" is 1.0 when the augmenter has a fitted
        ``scm_`` and 0 otherwise; 0 uses real rows only.
    validation_size : float or int, default=0.2
        Share (float) or number (int) of the rows held out for validation,
        stratified. Ignored when ``X_val`` is given to ``fit``.
    eval_metric : {"roc_auc", "log_loss"}, default="roc_auc"
        Validation metric for early stopping (one-vs-rest macro ROC-AUC for
        more than two classes).
    epochs : int, default=20
        Maximum number of epochs; an epoch is one pass over the rows in
        episodes of ``context_size + query_size`` rows.
    learning_rate : float, default=3e-5
    warmup_fraction : float, default=0.1
        Share of all planned steps with a linear learning-rate warm-up; the
        rate then follows a cosine decay to 10 %.
    weight_decay : float, default=0.01
        AdamW weight decay.
    grad_clip : float or None, default=1.0
        Maximum gradient norm.
    context_size : int, default=256
        Maximum context rows per step.
    query_size : int, default=128
        Maximum query rows per step.
    n_estimators_finetune : int, default=1
        TabPFN ensemble members per training step.
    n_estimators_validation : int, default=2
        Ensemble members when scoring the validation set.
    n_estimators_inference : int or "auto", default="auto"
        Ensemble members of the final model. "auto" takes the ensemble the
        checkpoint asks for: for the bundled model 32 members, 24 of them on
        random 5-column subsets of the columns that vary in the training
        rows; tabpfn's 8 for the official weights.
    early_stopping : bool, default=True
        Stop after ``patience`` epochs without improvement. The best epoch's
        weights are restored either way.
    patience : int, default=5
    min_delta : float, default=1e-4
        Smallest validation improvement that counts.
    device : str, default="auto"
        torch device; "auto" uses a GPU when there is one.
    time_limit : float or None, default=None
        Seconds after which fine-tuning stops (the best weights so far are kept).
    ignore_pretraining_limits : bool, default=False
        Passed to tabpfn: allow more rows or features than the model was
        pretrained for (and more than 1000 rows on CPU).
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0
        1 shows a progress bar over epochs.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Only when ``X`` has string column names.
    history_ : list of dict
        One record per epoch (epoch 0 is the model before fine-tuning) with
        keys ``epoch``, ``train_loss`` (mean query cross-entropy, None at
        epoch 0), ``n_steps``, ``lr``, ``valid_real_roc_auc``,
        ``valid_real_log_loss``, ``valid_synthetic_roc_auc``,
        ``valid_synthetic_log_loss`` (None without synthetic validation),
        ``valid_score`` (the early-stopping score, higher is better),
        ``eval_roc_auc`` and ``eval_log_loss`` (scores on ``eval_set``, None
        without it), ``improved`` and ``time`` (seconds since ``fit`` started).
    best_epoch_ : int
        The epoch whose weights were restored (0: fine-tuning did not help).
    stop_reason_ : str
        "epochs", "early_stopping" or "time_limit".
    augmenter_ : sampler or None
        The fitted augmenter (fitted on the training part only).
    n_synthetic_ : int
        Synthetic training rows used.
    n_synthetic_validation_ : int
        Synthetic validation rows used.
    model_path_ : pathlib.Path
        The checkpoint the weights started from.
    model_ : tabpfn.TabPFNClassifier
        The fine-tuned model, fitted on the real rows (the columns of
        ``inference_features_``).
    ensemble_ : dict or None
        The ensemble the checkpoint asks for (``n_members``,
        ``features_per_member``); None runs tabpfn's own.
    inference_features_ : ndarray of bool of shape (`n_features_in_`,)
        The columns ``model_`` sees: those that vary in the final context
        (tabpfn would drop the others from every member).

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from skcausalmix.finetuning import CausalMixTabPFNClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = CausalMixTabPFNClassifier(model_path="bundled", epochs=2,
    ...                                 random_state=0)  # doctest: +SKIP
    >>> clf.fit(X[:200], y[:200]).score(X[200:], y[200:])  # doctest: +SKIP
    """

    _parameter_constraints = {
        "model_path": [str, os.PathLike],
        "augmenter": [StrOptions({"causalmix"}), HasMethods(["fit_resample"]), None],
        "synthetic_ratio": [Interval(Real, 0, None, closed="left")],
        "synthetic_in": [StrOptions(set(SYNTHETIC_ROUTES))],
        "synthetic_validation": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
        "validation_size": [
            Interval(Real, 0, 1, closed="neither"),
            Interval(Integral, 1, None, closed="left"),
        ],
        "eval_metric": [StrOptions({"roc_auc", "log_loss"})],
        "epochs": [Interval(Integral, 0, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "warmup_fraction": [Interval(Real, 0, 1, closed="both")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "grad_clip": [Interval(Real, 0, None, closed="neither"), None],
        "context_size": [Interval(Integral, 2, None, closed="left")],
        "query_size": [Interval(Integral, 1, None, closed="left")],
        "n_estimators_finetune": [Interval(Integral, 1, None, closed="left")],
        "n_estimators_validation": [Interval(Integral, 1, None, closed="left")],
        "n_estimators_inference": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "patience": [Interval(Integral, 1, None, closed="left")],
        "min_delta": [Interval(Real, 0, None, closed="left")],
        "device": [str],
        "time_limit": [Interval(Real, 0, None, closed="neither"), None],
        "ignore_pretraining_limits": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        model_path="auto",
        augmenter="causalmix",
        synthetic_ratio=1.0,
        synthetic_in="both",
        synthetic_validation="auto",
        validation_size=0.2,
        eval_metric="roc_auc",
        epochs=20,
        learning_rate=3e-5,
        warmup_fraction=0.1,
        weight_decay=0.01,
        grad_clip=1.0,
        context_size=256,
        query_size=128,
        n_estimators_finetune=1,
        n_estimators_validation=2,
        n_estimators_inference="auto",
        early_stopping=True,
        patience=5,
        min_delta=1e-4,
        device="auto",
        time_limit=None,
        ignore_pretraining_limits=False,
        random_state=None,
        verbose=0,
    ):
        self.model_path = model_path
        self.augmenter = augmenter
        self.synthetic_ratio = synthetic_ratio
        self.synthetic_in = synthetic_in
        self.synthetic_validation = synthetic_validation
        self.validation_size = validation_size
        self.eval_metric = eval_metric
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.warmup_fraction = warmup_fraction
        self.weight_decay = weight_decay
        self.grad_clip = grad_clip
        self.context_size = context_size
        self.query_size = query_size
        self.n_estimators_finetune = n_estimators_finetune
        self.n_estimators_validation = n_estimators_validation
        self.n_estimators_inference = n_estimators_inference
        self.early_stopping = early_stopping
        self.patience = patience
        self.min_delta = min_delta
        self.device = device
        self.time_limit = time_limit
        self.ignore_pretraining_limits = ignore_pretraining_limits
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, X_val=None, y_val=None, eval_set=None):
        """Fine-tune on ``(X, y)``, validating on a split of it or on ``(X_val, y_val)``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            May hold categorical (string, category, bool) columns and NaN.
        y : array-like of shape (n_samples,)
        X_val, y_val : optional
            A separate real validation set; then all of ``X`` is training data
            and the final context.
        eval_set : tuple (X_eval, y_eval), optional
            Rows scored after every epoch for monitoring only (as in
            LightGBM's ``eval_set``): their scores go to ``history_`` as
            ``eval_roc_auc`` and ``eval_log_loss`` and never influence training
            or early stopping. Use it to see how validation tracks a test set.

        Returns
        -------
        self : object
        """
        import torch

        from . import _tabpfn_adapter as tabpfn
        from ._model_loading import resolve_model_path

        start = time.perf_counter()
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        check_labels_present(y)
        X, y = self._check_table(X, y, reset=True)
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        n_classes = len(self.classes_)
        if n_classes < 2:
            raise ValueError(
                f"y has a single class ({_label(self.classes_[0])}); a classifier needs at least 2."
            )
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        torch.manual_seed(seed)

        X_tr, y_tr, X_va, y_va, X_context, y_context = self._split(X, codes, X_val, y_val, seed)
        X_ev, y_ev = self._check_eval_set(eval_set)

        self.model_path_ = resolve_model_path(self.model_path)
        self.ensemble_ = stored_ensemble(self.model_path_)  # the header, before any long work
        device = _resolve_device(self.device)
        clf = tabpfn.trainable_classifier(
            self.model_path_, n_estimators=self.n_estimators_finetune, device=device,
            random_state=seed, ignore_pretraining_limits=self.ignore_pretraining_limits,
        )
        self._check_limits(tabpfn.model_limits(clf), len(X_context), device)

        X_syn, y_syn = self._synthesize(X_tr, y_tr, seed)
        X_syn_va, y_syn_va = self._synthesize_validation(y_va, rng)

        def make_eval(weights_of, n_estimators, X_fit, y_fit):
            return tabpfn.frozen_copy(
                weights_of, n_estimators=n_estimators, device=device, random_state=seed,
                ignore_pretraining_limits=self.ignore_pretraining_limits,
            ).fit(X_fit, y_fit)

        def evaluate():
            model = make_eval(clf, self.n_estimators_validation, X_tr, y_tr)
            proba_real = model.predict_proba(X_va)
            real = classification_scores(y_va, proba_real, n_classes)
            record = {"valid_real_roc_auc": real["roc_auc"], "valid_real_log_loss": real["log_loss"],
                      "valid_synthetic_roc_auc": None, "valid_synthetic_log_loss": None}
            pooled = real
            if len(y_syn_va):
                proba_syn = model.predict_proba(X_syn_va)
                synth = classification_scores(y_syn_va, proba_syn, n_classes)
                record["valid_synthetic_roc_auc"] = synth["roc_auc"]
                record["valid_synthetic_log_loss"] = synth["log_loss"]
                pooled = classification_scores(
                    np.r_[y_va, y_syn_va],
                    np.vstack([proba_real, proba_syn]),
                    n_classes,
                )
            record["valid_score"] = primary_score(pooled, self.eval_metric)
            record["eval_roc_auc"] = record["eval_log_loss"] = None
            if X_ev is not None:
                monitored = classification_scores(y_ev, model.predict_proba(X_ev), n_classes)
                record["eval_roc_auc"] = monitored["roc_auc"]
                record["eval_log_loss"] = monitored["log_loss"]
            return record

        self._fine_tune(clf, X_tr, y_tr, X_syn, y_syn, evaluate, rng, seed, start)

        settings = (ensemble_settings(self.ensemble_, tabpfn.preprocess_configs(clf))
                    if self.ensemble_ else None)
        self.model_ = tabpfn.frozen_copy(
            clf, n_estimators=member_count(self.n_estimators_inference, self.ensemble_),
            device=device, random_state=seed,
            ignore_pretraining_limits=self.ignore_pretraining_limits, settings=settings,
        )
        self.inference_features_ = fit_on_varying_columns(self.model_, X_context, y_context, settings)
        return self

    def _fine_tune(self, clf, X_tr, y_tr, X_syn, y_syn, evaluate, rng, seed, start):
        """The training loop: episodes -> loss -> AdamW step; validate each epoch."""
        import torch

        from . import _tabpfn_adapter as tabpfn

        net = tabpfn.network(clf)
        optimizer = torch.optim.AdamW(net.parameters(), lr=self.learning_rate,
                                      weight_decay=self.weight_decay)
        stopper = EarlyStopping(self.patience if self.early_stopping else None, self.min_delta)

        def snapshot():
            return {k: v.detach().clone() for k, v in net.state_dict().items()}

        def out_of_time():
            return self.time_limit is not None and time.perf_counter() - start > self.time_limit

        def plan():
            return plan_episodes(y_tr, y_syn, rng, context_size=self.context_size,
                                 query_size=self.query_size, synthetic_in=self.synthetic_in)

        first = plan()
        total_steps = max(1, len(first) * self.epochs)
        warmup = int(self.warmup_fraction * total_steps)
        self.history_ = []
        self.stop_reason_ = "epochs"
        self.n_skipped_steps_ = 0
        step = 0
        bar = progress_bar(self.epochs, self.verbose, "fine-tuning", unit="epoch")

        def record(epoch, losses, n_steps):
            entry = {"epoch": epoch, "train_loss": float(np.mean(losses)) if losses else None,
                     "n_steps": n_steps, "lr": optimizer.param_groups[0]["lr"], **evaluate()}
            entry["improved"], stop = stopper.update(epoch, entry["valid_score"], snapshot)
            entry["time"] = time.perf_counter() - start
            self.history_.append(entry)
            if bar is not None:
                bar.update(1 if epoch else 0)
                bar.set_postfix(loss=entry["train_loss"], valid=round(entry["valid_score"], 4))
            return stop

        record(0, [], 0)
        for epoch in range(1, self.epochs + 1):
            if out_of_time():
                self.stop_reason_ = "time_limit"
                break
            net.train()
            losses = []
            for ctx_r, ctx_s, q_r, q_s in first if epoch == 1 else plan():
                if out_of_time():
                    break
                batch = tabpfn.episode_batch(
                    clf, _rows(X_tr, ctx_r, X_syn, ctx_s), np.r_[y_tr[ctx_r], y_syn[ctx_s]],
                    _rows(X_tr, q_r, X_syn, q_s), np.r_[y_tr[q_r], y_syn[q_s]], seed + step,
                )
                if not tabpfn.context_has_query_labels(batch):
                    self.n_skipped_steps_ += 1
                    continue
                for group in optimizer.param_groups:
                    group["lr"] = self.learning_rate * lr_factor(step, total_steps, warmup)
                loss = tabpfn.episode_loss(clf, batch)
                optimizer.zero_grad()
                loss.backward()
                if self.grad_clip is not None:
                    torch.nn.utils.clip_grad_norm_(net.parameters(), self.grad_clip)
                optimizer.step()
                losses.append(loss.item())
                step += 1
            net.eval()
            if record(epoch, losses, len(losses)):
                self.stop_reason_ = "early_stopping"
                break
        if bar is not None:
            bar.close()
        tabpfn.load_weights(clf, stopper.best_state)
        self.best_epoch_ = stopper.best_epoch

    # ---------------------------------------------------------- data helpers
    def _check_table(self, X, y=None, *, reset):
        """sklearn validation that keeps DataFrames (and their dtypes) intact."""
        from scipy import sparse

        if sparse.issparse(X):
            raise TypeError(
                "Sparse input is not supported; convert it with X.toarray() first."
            )
        is_frame = isinstance(X, pd.DataFrame)
        _reject_datetimes(X)
        view = validation_view(X)
        if y is None:
            checked = validate_data(self, view, reset=reset, dtype=None, ensure_all_finite=False,
                                    ensure_min_samples=1)
        else:
            checked, y = validate_data(self, view, y, reset=reset, dtype=None,
                                       ensure_all_finite=False, ensure_min_samples=2)
        if not is_frame:
            X = _numeric_if_possible(checked)
        _reject_infinity(X)
        if not reset:
            _reject_new_text(X, getattr(self, "_text_columns_", None))
        _reject_mixed_kinds(X)
        if reset:
            self._text_columns_ = _text_columns(X)
        return (X, y) if y is not None else X

    def _split(self, X, codes, X_val, y_val, seed):
        """Training and validation parts, and the final inference context."""
        if (X_val is None) != (y_val is None):
            raise ValueError("Pass both X_val and y_val, or neither.")
        if X_val is not None:
            X_val = self._check_table(X_val, reset=False)
            y_val = np.asarray(y_val)
            if len(y_val) != X_val.shape[0]:
                raise ValueError(f"X_val has {X_val.shape[0]} rows but y_val has {len(y_val)}.")
            unknown = ~np.isin(y_val, self.classes_)
            if unknown.any():
                raise ValueError(
                    f"y_val holds classes not seen in y: {sorted(map(str, set(y_val[unknown])))[:5]}."
                )
            if self.eval_metric == "roc_auc" and len(np.unique(y_val)) < 2:
                # Every validation score would be NaN, and early stopping blind.
                raise ValueError(
                    f"y_val holds a single class ({_label(y_val[0])}): validation ROC-AUC needs two "
                    "or more. Pass validation rows of several classes, or eval_metric='log_loss'."
                )
            y_va = np.searchsorted(self.classes_, y_val)
            return X, codes, X_val, y_va, X, codes
        counts = np.bincount(codes)
        # Rows of single-row classes cannot be split: they stay in training.
        splittable = np.flatnonzero(counts[codes] >= 2)
        n_val = self.validation_size if isinstance(self.validation_size, Integral) else int(
            round(self.validation_size * len(splittable)))
        n_split_classes = int((counts >= 2).sum())
        if n_split_classes < 2:
            raise ValueError(
                "A stratified validation split needs at least two classes with 2 or more "
                f"rows; classes with a single row: {[_label(c) for c in self.classes_[counts < 2]][:5]}. "
                "Pass X_val, y_val instead."
            )
        n_val = max(n_val, n_split_classes)
        if len(splittable) - n_val < n_split_classes:
            raise ValueError(
                f"validation_size={self.validation_size} leaves too few training rows "
                f"({len(codes)} rows, {len(counts)} classes); use a smaller validation_size, "
                "more data, or pass X_val, y_val."
            )
        idx_tr, idx_va = validation_split(codes, n_val, seed)
        return (_take(X, idx_tr), codes[idx_tr], _take(X, idx_va), codes[idx_va], X, codes)

    def _check_eval_set(self, eval_set):
        if eval_set is None:
            return None, None
        if not isinstance(eval_set, (tuple, list)) or len(eval_set) != 2:
            raise ValueError("eval_set must be a pair (X_eval, y_eval).")
        X_ev = self._check_table(eval_set[0], reset=False)
        y_ev = np.asarray(eval_set[1])
        if len(y_ev) != X_ev.shape[0]:
            raise ValueError(f"eval_set has {X_ev.shape[0]} rows in X but {len(y_ev)} labels.")
        unknown = ~np.isin(y_ev, self.classes_)
        if unknown.any():
            raise ValueError(
                "eval_set holds classes not seen in y: "
                f"{sorted(map(str, set(y_ev[unknown])))[:5]}; drop those rows first."
            )
        return X_ev, np.searchsorted(self.classes_, y_ev)

    def _check_limits(self, limits, n_context, device):
        max_classes, max_rows, max_features, max_cpu_rows = limits
        if len(self.classes_) > max_classes:
            raise ValueError(
                f"y has {len(self.classes_)} classes; this TabPFN model supports at most "
                f"{max_classes} (max_num_classes)."
            )
        if self.ignore_pretraining_limits:
            return
        if self.n_features_in_ > max_features:
            raise ValueError(
                f"X has {self.n_features_in_} features; the model was pretrained for at most "
                f"{max_features} (MAX_NUMBER_OF_FEATURES). Select features, or pass "
                "ignore_pretraining_limits=True."
            )
        if n_context > max_rows:
            raise ValueError(
                f"X has {n_context} rows; the model was pretrained for at most {max_rows} "
                "(MAX_NUMBER_OF_SAMPLES). Subsample, or pass ignore_pretraining_limits=True."
            )
        if device == "cpu" and n_context > max_cpu_rows:
            raise ValueError(
                f"X has {n_context} rows; tabpfn limits CPU inference to {max_cpu_rows} rows "
                "(MAX_CPU_SAMPLES). Use a GPU (device='cuda'), subsample, or pass "
                "ignore_pretraining_limits=True to accept slow CPU inference."
            )

    def _synthesize(self, X_tr, y_tr, seed):
        """Fit the augmenter on the training part; return only its new rows."""
        self.augmenter_ = _make_augmenter(self.augmenter, self.synthetic_ratio, seed)
        if self.augmenter_ is None:
            self.n_synthetic_ = 0
            return _take(X_tr, np.arange(0)), y_tr[:0]
        # Samplers need a few rows per class: tiny classes get no synthetic rows.
        counts = np.bincount(y_tr)
        usable = counts[y_tr] >= MIN_CLASS_ROWS
        if (counts >= MIN_CLASS_ROWS).sum() < 2:
            warnings.warn(
                "Fewer than two classes have enough training rows for the augmenter; "
                "fine-tuning without synthetic rows.", UserWarning, stacklevel=user_stacklevel(),
            )
            self.n_synthetic_ = 0
            return _take(X_tr, np.arange(0)), y_tr[:0]
        X_fit, y_fit = _take(X_tr, np.flatnonzero(usable)), y_tr[usable]
        X_res, y_res = self.augmenter_.fit_resample(X_fit, y_fit)
        if len(y_res) < len(y_fit):
            # An under-sampler: what it returns is a subset of the real rows, none of them new.
            raise ValueError(
                f"augmenter {type(self.augmenter_).__name__} returned {len(y_res)} of the {len(y_fit)} "
                "training rows it got: it removes rows instead of adding them. Pass an over-sampler "
                "(e.g. CausalMixAugmenter, SMOTE) or augmenter=None."
            )
        mask = getattr(self.augmenter_, "synthetic_mask_", None)
        if mask is None:  # imblearn over-samplers append new rows after the real ones
            mask = np.arange(len(y_res)) >= len(y_fit)
        X_syn = X_res[mask] if not isinstance(X_res, pd.DataFrame) else X_res[mask].reset_index(drop=True)
        y_syn = np.asarray(y_res)[mask].astype(int)
        if isinstance(X_tr, pd.DataFrame) and not isinstance(X_syn, pd.DataFrame):
            X_syn = pd.DataFrame(X_syn, columns=X_tr.columns).astype(X_tr.dtypes)
        self.n_synthetic_ = len(y_syn)
        return X_syn, y_syn

    def _synthesize_validation(self, y_va, rng):
        scm = getattr(self.augmenter_, "scm_", None)
        ratio = self.synthetic_validation
        if ratio == "auto":
            ratio = 1.0 if scm is not None else 0.0
        self.n_synthetic_validation_ = 0
        if ratio == 0:
            return None, np.zeros(0, dtype=int)
        if scm is None:
            raise ValueError(
                "synthetic_validation needs an augmenter with a fitted structural causal model "
                "(scm_), such as CausalMixAugmenter; set synthetic_validation=0 otherwise."
            )
        counts = np.bincount(y_va, minlength=len(self.classes_))
        known = set(np.asarray(scm.classes_).tolist())
        request = {c: int(round(ratio * n)) for c, n in enumerate(counts)
                   if c in known and round(ratio * n) > 0}
        X_new, y_new = scm.sample(y=request, random_state=rng)
        self.n_synthetic_validation_ = len(y_new)
        return X_new, np.asarray(y_new, dtype=int)

    # -------------------------------------------------------------- predict
    def predict_proba(self, X):
        """Class probabilities from the fine-tuned model, columns in ``classes_`` order."""
        check_is_fitted(self, "model_")
        X = self._check_table(X, reset=False)
        proba = self.model_.predict_proba(take_columns(X, self.inference_features_))
        out = np.zeros((len(proba), len(self.classes_)))
        out[:, np.asarray(self.model_.classes_, dtype=int)] = proba
        return out

    def predict(self, X):
        """Most probable class."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def save_model(self, path):
        """Write the fine-tuned weights as a tabpfn checkpoint.

        ``TabPFNClassifier(model_path=path)`` loads it (with tabpfn's own
        ensemble); ``CausalMixTabPFNClassifier(model_path=path)`` runs the
        ensemble the original checkpoint asked for. ``.safetensors`` is
        recommended; ``.ckpt``/``.pth`` are written weights-only.

        Parameters
        ----------
        path : str or path-like
            Where to write; missing folders are created and an existing file
            is replaced.

        Returns
        -------
        path : pathlib.Path
            The file written.
        """
        check_is_fitted(self, "model_")
        from . import _tabpfn_adapter as tabpfn
        from ._checkpoint import write_checkpoint

        checkpoint = tabpfn.checkpoint_dict(self.model_)
        if self.ensemble_:
            checkpoint[ENSEMBLE_KEY] = self.ensemble_
        return write_checkpoint(checkpoint, path)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        tags.input_tags.sparse = False
        tags.non_deterministic = False
        return tags


def _resolve_device(device):
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        kind = torch.device(device).type
    except RuntimeError:
        raise ValueError(
            f"device={device!r} is not a torch device; use 'auto', 'cpu', 'cuda' or 'cuda:N'."
        ) from None
    if kind == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r}, but torch {torch.__version__} sees no CUDA GPU; "
            "use device='cpu' (or 'auto', which picks a GPU when there is one)."
        )
    return device


def _make_augmenter(augmenter, ratio, seed):
    if augmenter is None:
        return None
    if isinstance(augmenter, str):
        from ..over_sampling import CausalMixAugmenter

        return CausalMixAugmenter(n_synthetic=float(ratio), random_state=seed)
    aug = clone(augmenter)
    params = aug.get_params()
    # A sampling_strategy of the user's own asks for balancing: it is kept.
    strategy = params.get("sampling_strategy", "auto")
    balancing = not (isinstance(strategy, str) and strategy == "auto")
    if "n_synthetic" in params and not balancing:
        aug.set_params(n_synthetic=float(ratio))
    if "random_state" in params and params["random_state"] is None:
        aug.set_params(random_state=seed)
    return aug


def _take(X, idx):
    return X.iloc[idx].reset_index(drop=True) if isinstance(X, pd.DataFrame) else X[idx]


def _rows(X_real, idx_real, X_syn, idx_syn):
    if isinstance(X_real, pd.DataFrame):
        parts = [X_real.iloc[idx_real]]
        if len(idx_syn):
            parts.append(X_syn.iloc[idx_syn])
        return pd.concat(parts, ignore_index=True)
    if len(idx_syn):
        return np.concatenate([X_real[idx_real], X_syn[idx_syn]])
    return X_real[idx_real]


def _numeric_if_possible(X):
    if X.dtype == object:
        try:
            return X.astype(float)
        except (TypeError, ValueError):
            return X
    return X


def _reject_datetimes(X):
    # tabpfn refuses them too, but its advice (an inference_config) is not ours to give.
    if isinstance(X, pd.DataFrame):
        bad = [c for c, dtype in X.dtypes.items()
               if isinstance(dtype, pd.PeriodDtype) or (isinstance(dtype, np.dtype) and dtype.kind in "mM")
               or isinstance(dtype, pd.DatetimeTZDtype)]
        where = f"Columns {bad[:5]} hold"
    else:
        bad = np.asarray(X).dtype.kind in "mM"
        where = f"X ({np.asarray(X).dtype}) holds"
    if bad:
        raise ValueError(
            f"{where} dates, periods or durations, which TabPFN does not take; turn them into "
            "numbers first (e.g. X[col].dt.year and X[col].dt.dayofweek, or "
            "X[col].astype('int64'))."
        )


def _reject_mixed_kinds(X):
    # tabpfn's encoder fails on such a column with a message that names no column.
    if isinstance(X, pd.DataFrame):
        columns = [(c, X[c].to_numpy()) for c in X.columns if X[c].dtype == object]
    elif X.dtype == object:
        columns = list(enumerate(X.T))
    else:
        return
    bad = []
    for name, values in columns:
        # infer_dtype scans in C; only its mixed verdicts need a look at the values.
        if pd.api.types.infer_dtype(values, skipna=True) not in ("mixed", "mixed-integer"):
            continue
        if len({isinstance(v, str) for v in values[~pd.isna(values)]}) == 2:
            bad.append(name)
    if bad:
        raise ValueError(
            f"Columns {bad[:5]} mix text and numbers; TabPFN needs one kind per column. Cast each to "
            "text (X[col].astype(str)) if it is a category, or to numbers "
            "(pd.to_numeric(X[col], errors='coerce')) if it is a measurement."
        )


def _column_values(X):
    if isinstance(X, pd.DataFrame):
        return [(c, X[c].to_numpy()) for c in X.columns]
    return list(enumerate(X.T))


def _text_columns(X):
    """Which columns hold text (strings, categories) rather than numbers."""
    if isinstance(X, pd.DataFrame):
        return np.array([
            not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))
            and (not pd.api.types.is_object_dtype(dtype) or any(isinstance(v, (str, bytes)) for v in X[c].to_numpy()))
            for c, dtype in X.dtypes.items()
        ])
    if X.dtype != object:
        return np.zeros(X.shape[1], dtype=bool)
    return np.array([any(isinstance(v, (str, bytes)) for v in col) for col in X.T])


def _reject_new_text(X, fitted):
    # tabpfn would fail deep in its encoder ("could not convert string to float") without naming the column.
    if fitted is None or len(fitted) != X.shape[1]:
        return
    bad = [(name, word) for (name, values), was_text, is_text in zip(_column_values(X), fitted, _text_columns(X))
           if is_text and not was_text and (word := _first_non_number(values)) is not None]
    if bad:
        raise ValueError(
            f"Columns {[name for name, _ in bad[:5]]} held numbers when the model was fitted but hold "
            f"text now (e.g. {bad[0][1]!r}); convert them to numbers (pd.to_numeric(X[col], errors='coerce') "
            "turns unreadable values into missing ones)."
        )


def _first_non_number(values):
    for v in values:
        if isinstance(v, (str, bytes)):
            try:
                float(v)
            except ValueError:
                return v
    return None


def _reject_infinity(X):
    if isinstance(X, pd.DataFrame):
        numeric = X.select_dtypes(include="number")
        bad = [c for c in numeric.columns if np.isinf(numeric[c].to_numpy(dtype=float)).any()]
        if bad:
            raise ValueError(f"Columns {bad[:5]} contain infinite values; replace them (e.g. with NaN).")
    elif X.dtype.kind == "f" and np.isinf(X).any():
        cols = np.flatnonzero(np.isinf(X).any(axis=0))[:5].tolist()
        raise ValueError(f"Columns {cols} contain infinite values; replace them (e.g. with NaN).")

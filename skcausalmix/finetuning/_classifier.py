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
from sklearn.utils.validation import check_is_fitted

from .._messages import label_repr as _label
from .._messages import user_stacklevel
from .._validation import check_labels_present
from ..over_sampling._causal_mix import MIN_CLASS_ROWS
from ._ensemble import (
    ENSEMBLE_KEY,
    ensemble_settings,
    fit_on_varying_columns,
    member_count,
    stored_ensemble,
    take_columns,
)
from ._inputs import check_labelled_rows, check_limits, check_table, resolve_device
from ._loop import SYNTHETIC_ROUTES, validation_split


class CausalMixTabPFNClassifier(ClassifierMixin, BaseEstimator):
    """Fine-tune TabPFN on scarce real data mixed with rows from a causal model.

    ``fit`` splits off a stratified real validation set, fits the augmenter
    (by default a :class:`~skcausalmix.over_sampling.CausalMixAugmenter`) on
    the training part only, and fine-tunes TabPFN's weights for up to
    ``max_iter`` optimizer steps. Each step draws a fresh random context and
    query from the training rows, with the synthetic rows routed to the
    context, the query or both, and minimises the query cross-entropy, so the
    number of steps does not depend on the size of the table. Every
    ``validation_interval`` steps the ensemble that ``predict`` runs (with the
    training part as its context) is scored on the validation rows (by
    default their log-loss, which unlike ROC-AUC on a few rows rarely ties);
    the best check's weights are kept, which is the zero-shot model only when
    no step improved validation. Predictions use the
    fine-tuned weights with all real rows as context.

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
        rows). Samplers with an ``n_synthetic`` parameter get this
        estimator's ``n_synthetic`` unless they were given a
        ``sampling_strategy`` (balancing); others follow their own
        ``sampling_strategy``.
    n_synthetic : float or int, default=1.0
        The augmenter's ``n_synthetic``, read as the augmenter reads it: a
        float is synthetic rows per real training row, an int a number of
        synthetic rows.
    synthetic_in : {"context", "query", "both"}, default="both"
        Where synthetic rows go during fine-tuning.
    synthetic_validation : "auto" or float, default="auto"
        Synthetic validation rows per real validation row, sampled from the
        augmenter's SCM (fitted on the training part only) and pooled with
        the real validation rows for early stopping. "auto" is 1.0 when the
        augmenter has an SCM (``CausalMixAugmenter``), as the fine-tuning
        study chose (see Notes), and 0 for other augmenters and without one.
        Validation classes the SCM has no rows for get no synthetic rows.
    max_iter : int, default=50
        Maximum number of optimizer steps. 0 gives zero-shot TabPFN.
    learning_rate : "auto" or float, default="auto"
        AdamW learning rate. "auto" takes the rate the checkpoint's header
        asks for (the bundled model's), else tabpfn's default for its official
        weights (1e-5).
    warmup_iter : int, default=10
        Steps of linear learning-rate warm-up; the rate is constant after.
    weight_decay : float, default=0.01
        AdamW weight decay.
    grad_clip : float or None, default=1.0
        Maximum gradient norm.
    context_size : int, default=256
        Maximum context rows per step.
    query_size : int, default=128
        Maximum query rows per step.
    early_stopping : bool, default=True
        Stop after ``n_iter_no_change`` checks without improvement. The best
        check's weights are kept either way.
    validation_fraction : float or int, default=0.2
        Share (float) or number (int) of the rows held out for validation,
        stratified (every class with two rows or more gets one). Ignored when
        ``X_val`` is given to ``fit``. When no split is possible (fewer than
        two classes have two rows or more), fine-tuning runs without
        validation for ``max_iter`` steps, with a warning.
    validation_interval : int, default=10
        Optimizer steps between two validation checks.
    n_iter_no_change : int, default=3
        Validation checks without improvement before stopping.
    tol : float, default=1e-4
        Smallest validation improvement that counts.
    scoring : {"log_loss", "roc_auc"}, default="log_loss"
        Validation score for early stopping. "roc_auc" (one-vs-rest macro for
        more than two classes) breaks its ties with log-loss.
    n_estimators_finetune : int, default=1
        TabPFN ensemble members per training step.
    n_estimators_validation : int or "auto", default="auto"
        Ensemble members when scoring the validation set, in the deployed
        configuration; "auto" scores the deployed ensemble itself.
    n_estimators_inference : int or "auto", default="auto"
        Ensemble members of the final model. "auto" takes the ensemble the
        checkpoint asks for: for the bundled model 32 members, 24 of them on
        random 5-column subsets of the columns that vary in the training
        rows; tabpfn's 8 for the official weights.
    device : str, default="auto"
        torch device; "auto" uses a GPU when there is one.
    time_limit : float or None, default=None
        Seconds, counted from the start of ``fit`` (the augmenter's fit
        included), after which no further optimizer step starts. The steps
        since the last check are then scored once (one more validation
        check), and the best weights so far are kept; building the final
        model follows, so ``fit`` itself takes somewhat longer.
    ignore_pretraining_limits : bool, default=False
        Passed to tabpfn: allow more rows or features than the model was
        pretrained for (and more than 1000 rows on CPU).
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0
        1 shows a progress bar over steps.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Only when ``X`` has string column names.
    history_ : list of dict
        One record per validation check (the first is the model before
        fine-tuning) with keys ``iter`` (optimizer steps so far),
        ``train_loss`` (mean query cross-entropy since the last check, None
        at the first), ``lr``, ``valid_roc_auc``, ``valid_log_loss`` (real
        validation rows), ``valid_synthetic_roc_auc``,
        ``valid_synthetic_log_loss`` (None without synthetic validation),
        ``valid_score`` (the early-stopping score, higher is better:
        minus the log-loss, or the ROC-AUC), ``eval_roc_auc`` and
        ``eval_log_loss`` (scores on ``eval_set``, None without it),
        ``improved`` and ``time`` (seconds since ``fit`` started). Empty
        when fine-tuning ran without validation.
    n_iter_ : int
        Optimizer steps taken.
    best_iter_ : int
        The step whose weights were kept (0: no step improved validation).
    stop_reason_ : str
        "max_iter", "early_stopping", "time_limit", "no_valid_episode" (no
        draw put every query class in the context) or "no_validation".
    n_skipped_steps_ : int
        Episodes drawn but not trained on because their context lacked a
        class of their query.
    learning_rate_ : float
        The learning rate used (``learning_rate`` resolved).
    augmenter_ : sampler or None
        The fitted augmenter (fitted on the training part only).
    n_synthetic_ : int
        Synthetic training rows used.
    augment_seconds_ : float
        Seconds spent fitting the augmenter and drawing its rows (0 without one).
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

    Notes
    -----
    The defaults (steps, learning rate, validation signal) come from the
    fine-tuning study in ``benchmarks/results/finetuning_study.md``, chosen on
    part of the benchmark tables and reported on the others.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from skcausalmix.finetuning import CausalMixTabPFNClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = CausalMixTabPFNClassifier(model_path="bundled", max_iter=20,
    ...                                 random_state=0)  # doctest: +SKIP
    >>> clf.fit(X[:200], y[:200]).score(X[200:], y[200:])  # doctest: +SKIP
    """

    _parameter_constraints = {
        "model_path": [str, os.PathLike],
        "augmenter": [StrOptions({"causalmix"}), HasMethods(["fit_resample"]), None],
        "n_synthetic": [Interval(Real, 0, None, closed="left")],
        "synthetic_in": [StrOptions(set(SYNTHETIC_ROUTES))],
        "synthetic_validation": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "learning_rate": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "warmup_iter": [Interval(Integral, 0, None, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "grad_clip": [Interval(Real, 0, None, closed="neither"), None],
        "context_size": [Interval(Integral, 2, None, closed="left")],
        "query_size": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [
            Interval(Real, 0, 1, closed="neither"),
            Interval(Integral, 1, None, closed="left"),
        ],
        "validation_interval": [Interval(Integral, 1, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "scoring": [StrOptions({"roc_auc", "log_loss"})],
        "n_estimators_finetune": [Interval(Integral, 1, None, closed="left")],
        "n_estimators_validation": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "n_estimators_inference": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
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
        n_synthetic=1.0,
        synthetic_in="both",
        synthetic_validation="auto",
        max_iter=50,
        learning_rate="auto",
        warmup_iter=10,
        weight_decay=0.01,
        grad_clip=1.0,
        context_size=256,
        query_size=128,
        early_stopping=True,
        validation_fraction=0.2,
        validation_interval=10,
        n_iter_no_change=3,
        tol=1e-4,
        scoring="log_loss",
        n_estimators_finetune=1,
        n_estimators_validation="auto",
        n_estimators_inference="auto",
        device="auto",
        time_limit=None,
        ignore_pretraining_limits=False,
        random_state=None,
        verbose=0,
    ):
        self.model_path = model_path
        self.augmenter = augmenter
        self.n_synthetic = n_synthetic
        self.synthetic_in = synthetic_in
        self.synthetic_validation = synthetic_validation
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.warmup_iter = warmup_iter
        self.weight_decay = weight_decay
        self.grad_clip = grad_clip
        self.context_size = context_size
        self.query_size = query_size
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.validation_interval = validation_interval
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.scoring = scoring
        self.n_estimators_finetune = n_estimators_finetune
        self.n_estimators_validation = n_estimators_validation
        self.n_estimators_inference = n_estimators_inference
        self.device = device
        self.time_limit = time_limit
        self.ignore_pretraining_limits = ignore_pretraining_limits
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, *, X_val=None, y_val=None, eval_set=None):
        """Fine-tune on ``(X, y)``, validating on a split of it or on ``(X_val, y_val)``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            May hold categorical (string, category, bool) columns and NaN.
        y : array-like of shape (n_samples,)
        X_val, y_val : optional, keyword-only
            A separate real validation set; then all of ``X`` is training data
            and the final context.
        eval_set : tuple (X_eval, y_eval), optional, keyword-only
            Rows scored at every validation check for monitoring only (as in
            LightGBM's ``eval_set``): their scores go to ``history_`` as
            ``eval_roc_auc`` and ``eval_log_loss`` and never influence training
            or early stopping. Use it to see how validation tracks a test set.

        Returns
        -------
        self : object
        """
        import torch

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
        # torch's global generator is the user's: seed a forked one for this fit only.
        devices = [torch.cuda.current_device()] if torch.cuda.is_available() else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            return self._fit(X, y, codes, n_classes, rng, seed, X_val, y_val, eval_set, start)

    def _fit(self, X, y, codes, n_classes, rng, seed, X_val, y_val, eval_set, start):
        from . import _tabpfn_adapter as tabpfn
        from ._checkpoint import learning_rate_of, stored_finetuning
        from ._model_loading import resolve_model_path
        from ._training import FineTuningLoop

        X_tr, y_tr, X_va, y_va, X_context, y_context = self._split(X, codes, X_val, y_val, seed)
        X_ev, y_ev = self._check_eval_set(eval_set)

        self.model_path_ = resolve_model_path(self.model_path)
        self.ensemble_ = stored_ensemble(self.model_path_)  # the header, before any long work
        # The fine-tuning settings in the header go into save_model's file: kept here, so a
        # pickled model saves without its original checkpoint file.
        self._finetuning_header = stored_finetuning(self.model_path_)
        self.learning_rate_ = (learning_rate_of(self._finetuning_header)
                               if self.learning_rate == "auto" else float(self.learning_rate))
        device = resolve_device(self.device)
        clf = tabpfn.trainable_classifier(
            self.model_path_, n_estimators=self.n_estimators_finetune, device=device,
            random_state=seed, ignore_pretraining_limits=self.ignore_pretraining_limits,
        )
        check_limits(tabpfn.model_limits(clf), n_classes=n_classes, n_features=self.n_features_in_,
                     n_context=len(X_context), device=device,
                     ignore_pretraining_limits=self.ignore_pretraining_limits)
        settings = (ensemble_settings(self.ensemble_, tabpfn.preprocess_configs(clf))
                    if self.ensemble_ else None)

        def deployed(weights_of, n_estimators):
            return tabpfn.frozen_copy(
                weights_of, n_estimators=member_count(n_estimators, self.ensemble_), device=device,
                random_state=seed, ignore_pretraining_limits=self.ignore_pretraining_limits,
                settings=settings,
            )

        X_syn, y_syn = self._synthesize(X_tr, y_tr, seed)
        self.n_iter_, self.best_iter_, self.n_skipped_steps_, self.history_ = 0, 0, 0, []
        self.stop_reason_ = "max_iter"
        if self.max_iter > 0:
            loop = FineTuningLoop(
                clf, (X_tr, y_tr, X_syn, y_syn), self._validation_sets(X_va, y_va, X_ev, y_ev, rng),
                lambda weights_of: _Predictor(deployed(weights_of, self.n_estimators_validation),
                                              X_tr, y_tr, n_classes, settings),
                n_classes=n_classes, scoring=self.scoring, learning_rate=self.learning_rate_,
                weight_decay=self.weight_decay, grad_clip=self.grad_clip,
                warmup_iter=self.warmup_iter, context_size=self.context_size,
                query_size=self.query_size, synthetic_in=self.synthetic_in, rng=rng, seed=seed,
            )
            if X_va is None:
                ignored = " eval_set is not scored either." if eval_set is not None else ""
                warnings.warn(
                    "No validation split is possible (fewer than two classes have two rows or "
                    f"more): fine-tuning runs {self.max_iter} steps without early stopping. Pass "
                    "X_val, y_val to validate, or max_iter=0 for zero-shot TabPFN." + ignored,
                    UserWarning, stacklevel=user_stacklevel(),
                )
            self.history_, self.best_iter_, self.stop_reason_ = loop.run(
                max_iter=self.max_iter, validation_interval=self.validation_interval,
                n_iter_no_change=self.n_iter_no_change if self.early_stopping else None,
                tol=self.tol, time_limit=self.time_limit, start=start, verbose=self.verbose,
            )
            self.n_iter_, self.n_skipped_steps_ = loop.n_iter, loop.n_skipped_steps
            if self.stop_reason_ == "no_valid_episode":
                warnings.warn(
                    f"Fine-tuning stopped after {self.n_iter_} steps: {self.n_skipped_steps_} random "
                    "episodes had a query class missing from their context (too few rows of a "
                    f"class); kept the weights of step {self.best_iter_}.",
                    UserWarning, stacklevel=user_stacklevel(),
                )
        else:
            self.n_synthetic_validation_ = 0
        predictor = _Predictor(deployed(clf, self.n_estimators_inference), X_context, y_context,
                               n_classes, settings)
        self.model_, self.inference_features_ = predictor.model, predictor.columns
        return self

    def _validation_sets(self, X_va, y_va, X_ev, y_ev, rng):
        self.n_synthetic_validation_ = 0
        if X_va is None:
            return None
        return {
            "real": (X_va, y_va),
            "synthetic": self._synthesize_validation(y_va, rng),
            "eval": (X_ev, y_ev) if X_ev is not None else None,
        }

    # ---------------------------------------------------------- data helpers
    def _check_table(self, X, y=None, *, reset):
        return check_table(self, X, y, reset=reset)

    def _split(self, X, codes, X_val, y_val, seed):
        """Training and validation parts, and the final inference context."""
        if (X_val is None) != (y_val is None):
            raise ValueError("Pass both X_val and y_val, or neither.")
        if X_val is not None:
            X_val, y_va = check_labelled_rows(self, X_val, y_val, "X_val, y_val")
            if self.scoring == "roc_auc" and len(np.unique(y_va)) < 2:
                # Every validation score would be NaN, and early stopping blind.
                raise ValueError(
                    f"y_val holds a single class ({_label(self.classes_[y_va[0]])}): validation "
                    "ROC-AUC needs two or more. Pass validation rows of several classes, or "
                    "scoring='log_loss'."
                )
            return X, codes, X_val, y_va, X, codes
        counts = np.bincount(codes)
        # Rows of single-row classes cannot be split: they stay in training.
        splittable = np.flatnonzero(counts[codes] >= 2)
        n_val = self.validation_fraction if isinstance(self.validation_fraction, Integral) else int(
            round(self.validation_fraction * len(splittable)))
        n_split_classes = int((counts >= 2).sum())
        if self.max_iter == 0 or n_split_classes < 2:
            # Zero-shot needs no validation; without two splittable classes there is none to
            # have (fit warns and fine-tunes without it).
            return X, codes, None, None, X, codes
        n_val = max(n_val, n_split_classes)
        if len(splittable) - n_val < n_split_classes:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} leaves too few training rows "
                f"({len(codes)} rows, {len(counts)} classes); use a smaller validation_fraction, "
                "more data, or pass X_val, y_val."
            )
        idx_tr, idx_va = validation_split(codes, n_val, seed)
        return (_take(X, idx_tr), codes[idx_tr], _take(X, idx_va), codes[idx_va], X, codes)

    def _check_eval_set(self, eval_set):
        if eval_set is None:
            return None, None
        if not isinstance(eval_set, (tuple, list)) or len(eval_set) != 2:
            raise ValueError("eval_set must be a pair (X_eval, y_eval).")
        return check_labelled_rows(self, *eval_set, "eval_set")

    def _synthesize(self, X_tr, y_tr, seed):
        """Fit the augmenter on the training part; return only its new rows."""
        # Zero-shot (max_iter=0) trains on nothing: no augmenter is fitted.
        self.augmenter_ = (_make_augmenter(self.augmenter, self.n_synthetic, seed)
                           if self.max_iter > 0 else None)
        self.augment_seconds_ = 0.0
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
        start = time.perf_counter()
        X_res, y_res = self.augmenter_.fit_resample(X_fit, y_fit)
        self.augment_seconds_ = time.perf_counter() - start
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
            return None
        if scm is None:
            raise ValueError(
                "synthetic_validation needs an augmenter with a fitted structural causal model "
                "(scm_), such as CausalMixAugmenter; set synthetic_validation=0 otherwise."
            )
        counts = np.bincount(y_va, minlength=len(self.classes_))
        known = set(np.asarray(scm.classes_).tolist())
        request = {c: int(round(ratio * n)) for c, n in enumerate(counts)
                   if c in known and round(ratio * n) > 0}
        if not request:  # e.g. validation classes the SCM never saw: real rows only
            return None
        X_new, y_new = scm.sample(y=request, random_state=rng)
        self.n_synthetic_validation_ = len(y_new)
        return X_new, np.asarray(y_new, dtype=int)

    # -------------------------------------------------------------- predict
    def predict_proba(self, X):
        """Class probabilities from the fine-tuned model, columns in ``classes_`` order."""
        check_is_fitted(self, "model_")
        X = self._check_table(X, reset=False)
        return _full_proba(self.model_, self.inference_features_, X, len(self.classes_))

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
        from ._checkpoint import FINETUNING_KEY, stored_finetuning, write_checkpoint

        checkpoint = tabpfn.checkpoint_dict(self.model_)
        if self.ensemble_:
            checkpoint[ENSEMBLE_KEY] = self.ensemble_
        # The starting checkpoint's fine-tuning rate stays with its weights.
        finetuning = (self._finetuning_header if hasattr(self, "_finetuning_header")
                      else stored_finetuning(self.model_path_))  # pickled by an earlier version
        if finetuning:
            checkpoint[FINETUNING_KEY] = finetuning
        return write_checkpoint(checkpoint, path)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        tags.input_tags.sparse = False
        tags.non_deterministic = False
        return tags


def _make_augmenter(augmenter, ratio, seed):
    if augmenter is None:
        return None
    if isinstance(augmenter, str):
        from ..over_sampling import CausalMixAugmenter

        return CausalMixAugmenter(n_synthetic=ratio, random_state=seed)
    aug = clone(augmenter)
    params = aug.get_params()
    # A sampling_strategy of the user's own asks for balancing: it is kept.
    strategy = params.get("sampling_strategy", "auto")
    balancing = not (isinstance(strategy, str) and strategy == "auto")
    if "n_synthetic" in params and not balancing:
        aug.set_params(n_synthetic=ratio)
    if "random_state" in params and params["random_state"] is None:
        aug.set_params(random_state=seed)
    return aug


def _take(X, idx):
    return X.iloc[idx].reset_index(drop=True) if isinstance(X, pd.DataFrame) else X[idx]


class _Predictor:
    """A fitted tabpfn model on the columns that vary, answering in ``n_classes`` columns."""

    def __init__(self, model, X, y, n_classes, settings=None):
        self.model = model
        self.n_classes = n_classes
        self.columns = fit_on_varying_columns(model, X, y, settings)

    def predict_proba(self, X):
        return _full_proba(self.model, self.columns, X, self.n_classes)


def _full_proba(model, columns, X, n_classes):
    # tabpfn answers for the classes of its context; a column per class of y.
    proba = model.predict_proba(take_columns(X, columns))
    out = np.zeros((len(proba), n_classes))
    out[:, np.asarray(model.classes_, dtype=int)] = proba
    return out

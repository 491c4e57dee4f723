"""The fine-tuning loop behind ``CausalMixTabPFNClassifier.fit``, in named steps.

As in skorch, one readable loop (:meth:`FineTuningLoop.run`) calls
:meth:`~FineTuningLoop.train_step` (one context/query episode, one AdamW step)
and, every few steps, :meth:`~FineTuningLoop.check`, which records
:meth:`~FineTuningLoop.validation_step` (the deployed ensemble scored on the
validation rows) in the history and asks early stopping; the time limit and
the progress bar are small pieces beside it. The pure parts (episodes, schedule,
scores, early stopping) live in :mod:`._loop`.
"""

import time

import numpy as np
import pandas as pd

from .._progress import progress_bar
from ._loop import EarlyStopping, classification_scores, draw_episode, lr_factor, validation_score


class FineTuningLoop:
    """One fine-tuning run of a trainable tabpfn classifier.

    Parameters
    ----------
    clf : tabpfn.TabPFNClassifier
        Built by ``_tabpfn_adapter.trainable_classifier``; its weights change.
    train : tuple
        ``(X_real, y_real, X_synth, y_synth)``: training rows, labels as codes.
    validation : dict or None
        ``"real"``: ``(X, y)``; ``"synthetic"``: ``(X, y)`` or None, pooled
        with the real rows for the early-stopping score; ``"eval"``: ``(X, y)``
        or None, scored for monitoring only. None trains without checks and
        keeps the last weights.
    make_predictor : callable
        ``make_predictor(clf)`` returns a fitted inference classifier on a copy
        of the current weights: the ensemble that ``predict`` will run.
    n_classes : int
    scoring : {"log_loss", "roc_auc"}
    learning_rate, weight_decay, grad_clip, warmup_iter : optimizer settings
    context_size, query_size, synthetic_in : episode settings
    rng : numpy RandomState
    seed : int
        Seeds tabpfn's per-episode preprocessing.
    """

    def __init__(self, clf, train, validation, make_predictor, *, n_classes, scoring,
                 learning_rate, weight_decay, grad_clip, warmup_iter, context_size, query_size,
                 synthetic_in, rng, seed):
        import torch

        from . import _tabpfn_adapter as tabpfn

        self.clf = clf
        self.X_real, self.y_real, self.X_synth, self.y_synth = train
        self.validation = validation
        self.make_predictor = make_predictor
        self.n_classes = n_classes
        self.scoring = scoring
        self.learning_rate = learning_rate
        self.grad_clip = grad_clip
        self.warmup_iter = warmup_iter
        self.context_size = context_size
        self.query_size = query_size
        self.synthetic_in = synthetic_in
        self.rng = rng
        self.seed = seed
        self.net = tabpfn.network(clf)
        self.optimizer = torch.optim.AdamW(self.net.parameters(), lr=learning_rate,
                                           weight_decay=weight_decay)
        self.n_iter = 0
        self.n_skipped_steps = 0

    # ------------------------------------------------------------ the steps
    def train_step(self):
        """Draw one episode and take one optimizer step; the query loss, or None if skipped."""
        import torch

        from . import _tabpfn_adapter as tabpfn

        ctx_r, ctx_s, q_r, q_s = draw_episode(
            self.y_real, self.y_synth, self.rng, context_size=self.context_size,
            query_size=self.query_size, synthetic_in=self.synthetic_in,
        )
        batch = tabpfn.episode_batch(
            self.clf,
            _rows(self.X_real, ctx_r, self.X_synth, ctx_s), np.r_[self.y_real[ctx_r], self.y_synth[ctx_s]],
            _rows(self.X_real, q_r, self.X_synth, q_s), np.r_[self.y_real[q_r], self.y_synth[q_s]],
            self.seed + self.n_iter + self.n_skipped_steps,
        )
        if not tabpfn.context_has_query_labels(batch):
            self.n_skipped_steps += 1
            return None
        for group in self.optimizer.param_groups:
            group["lr"] = self.learning_rate * lr_factor(self.n_iter, self.warmup_iter)
        self.net.train()
        loss = tabpfn.episode_loss(self.clf, batch)
        self.optimizer.zero_grad()
        loss.backward()
        if self.grad_clip is not None:
            torch.nn.utils.clip_grad_norm_(self.net.parameters(), self.grad_clip)
        self.optimizer.step()
        self.net.eval()
        self.n_iter += 1
        return float(loss.item())

    def validation_step(self):
        """Score the current weights as ``predict`` would run them: one history record."""
        model = self.make_predictor(self.clf)
        X_va, y_va = self.validation["real"]
        proba_real = model.predict_proba(X_va)
        real = classification_scores(y_va, proba_real, self.n_classes)
        record = {"valid_roc_auc": real["roc_auc"], "valid_log_loss": real["log_loss"],
                  "valid_synthetic_roc_auc": None, "valid_synthetic_log_loss": None,
                  "eval_roc_auc": None, "eval_log_loss": None}
        pooled = real
        if self.validation.get("synthetic") is not None:
            X_sv, y_sv = self.validation["synthetic"]
            proba_syn = model.predict_proba(X_sv)
            synthetic = classification_scores(y_sv, proba_syn, self.n_classes)
            record["valid_synthetic_roc_auc"] = synthetic["roc_auc"]
            record["valid_synthetic_log_loss"] = synthetic["log_loss"]
            pooled = classification_scores(np.r_[y_va, y_sv], np.vstack([proba_real, proba_syn]),
                                           self.n_classes)
        record["valid_score"] = validation_score(pooled, self.scoring)
        if self.validation.get("eval") is not None:
            X_ev, y_ev = self.validation["eval"]
            monitored = classification_scores(y_ev, model.predict_proba(X_ev), self.n_classes)
            record["eval_roc_auc"] = monitored["roc_auc"]
            record["eval_log_loss"] = monitored["log_loss"]
        return record

    # -------------------------------------------------------------- the loop
    def run(self, *, max_iter, validation_interval, n_iter_no_change, tol, time_limit=None,
            start=None, verbose=0):
        """Train for up to ``max_iter`` steps, validating every ``validation_interval``.

        Returns ``(history, best_iter, stop_reason)`` and leaves the weights of
        the best check in ``clf``. Check 0 is the model before fine-tuning.
        """
        from . import _tabpfn_adapter as tabpfn

        self._start = time.perf_counter() if start is None else start
        self._stopper = EarlyStopping(n_iter_no_change, tol)
        self._history, self._losses = [], []
        self._bar = progress_bar(max_iter, verbose, "fine-tuning", unit="step")

        stop_reason = "max_iter"
        stopped = self.check()
        attempts = 0
        while not stopped and self.n_iter < max_iter:
            if time_limit is not None and time.perf_counter() - self._start > time_limit:
                stop_reason = "time_limit"
                break
            attempts += 1
            if attempts > 10 * max_iter:  # every draw lacked a query class in its context
                stop_reason = "no_valid_episode"
                break
            loss = self.train_step()
            if loss is None:
                continue
            self._losses.append(loss)
            if self._bar is not None:
                self._bar.update(1)
            if self.n_iter % validation_interval == 0 or self.n_iter == max_iter:
                stopped = self.check()
                if stopped:
                    stop_reason = "early_stopping"
        if self._losses:  # steps after the last check (time limit): score them too
            self.check()
        if self._bar is not None:
            self._bar.close()
        if self.validation is None:
            return (self._history, self.n_iter,
                    "no_validation" if stop_reason == "max_iter" else stop_reason)
        tabpfn.load_weights(self.clf, self._stopper.best_state)
        return self._history, self._stopper.best_iter, stop_reason

    def check(self):
        """Validate now and record it in the history; True when early stopping says stop."""
        if self.validation is None:
            return False
        losses = self._losses
        record = {"iter": self.n_iter,
                  "train_loss": float(np.mean(losses)) if losses else None,
                  "lr": self.optimizer.param_groups[0]["lr"] if self.n_iter else 0.0,
                  **self.validation_step()}
        record["improved"], stop = self._stopper.update(self.n_iter, record["valid_score"],
                                                        self.snapshot)
        primary, _ = record.pop("valid_score")
        record["valid_score"] = float(primary)
        record["time"] = time.perf_counter() - self._start
        self._history.append(record)
        losses.clear()
        if self._bar is not None:
            self._bar.set_postfix(loss=record["train_loss"], valid=round(record["valid_score"], 4))
        return stop

    def snapshot(self):
        return {k: v.detach().clone() for k, v in self.net.state_dict().items()}


def _rows(X_real, idx_real, X_syn, idx_syn):
    if isinstance(X_real, pd.DataFrame):
        parts = [X_real.iloc[idx_real]]
        if len(idx_syn):
            parts.append(X_syn.iloc[idx_syn])
        return pd.concat(parts, ignore_index=True)
    if len(idx_syn):
        return np.concatenate([X_real[idx_real], X_syn[idx_syn]])
    return X_real[idx_real]

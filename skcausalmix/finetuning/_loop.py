"""Small pieces of the fine-tuning loop: episodes, schedule, metrics, early stopping.

Nothing here knows about tabpfn; the loop itself lives in
``CausalMixTabPFNClassifier._fine_tune``.
"""

import math

import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

SYNTHETIC_ROUTES = ("context", "query", "both")


def plan_episodes(y_real, y_synth, rng, *, context_size, query_size, synthetic_in):
    """Split one epoch's rows into context/query episodes.

    Real rows are shuffled, cut into episodes, and split within each episode
    into context and query per class (stratified). Synthetic rows are cut into
    the same number of episodes and routed by ``synthetic_in``.

    Returns a list of ``(ctx_real, ctx_synth, query_real, query_synth)`` index
    arrays into the real and synthetic rows.
    """
    n_real, n_synth = len(y_real), len(y_synth)
    size = context_size + query_size
    query_share = query_size / size
    n_episodes = max(1, round((n_real + n_synth) / size))
    real_chunks = np.array_split(rng.permutation(n_real), n_episodes)
    synth_chunks = np.array_split(rng.permutation(n_synth), n_episodes)
    episodes = []
    for real, synth in zip(real_chunks, synth_chunks):
        ctx_r, q_r = _stratified_split(real, y_real, query_share, rng)
        if synthetic_in == "context":
            ctx_s, q_s = synth, synth[:0]
        elif synthetic_in == "query":
            ctx_s, q_s = synth[:0], synth
        else:
            ctx_s, q_s = _stratified_split(synth, y_synth, query_share, rng)
        ctx_r, ctx_s = _cap(ctx_r, ctx_s, context_size)
        q_r, q_s = _cap(q_r, q_s, query_size)
        if len(q_r) + len(q_s) and len(ctx_r) + len(ctx_s):
            episodes.append((ctx_r, ctx_s, q_r, q_s))
    return episodes


def validation_split(y, n_val, seed):
    """Stratified real validation rows: ``(train_idx, val_idx)``.

    Classes with a single row cannot be split and stay in training; every
    class with two rows or more gets at least one validation row.
    """
    from sklearn.model_selection import train_test_split

    labels, counts = np.unique(y, return_counts=True)
    splittable = np.flatnonzero(np.isin(y, labels[counts >= 2]))
    n_val = max(int(n_val), int((counts >= 2).sum()))
    _, idx_va = train_test_split(splittable, test_size=n_val, stratify=y[splittable],
                                 random_state=seed)
    return np.setdiff1d(np.arange(len(y)), idx_va), idx_va


def _stratified_split(idx, y, query_share, rng):
    ctx, query = [], []
    labels = y[idx]
    for c in np.unique(labels):
        rows = idx[labels == c]
        n_query = int(round(query_share * len(rows)))
        # Keep every class in the context when it has two rows or more.
        n_query = min(n_query, len(rows) - 1) if len(rows) > 1 else n_query
        query.append(rows[:n_query])
        ctx.append(rows[n_query:])
    ctx = np.concatenate(ctx) if ctx else idx[:0]
    query = np.concatenate(query) if query else idx[:0]
    return rng.permutation(ctx), rng.permutation(query)


def _cap(real, synth, limit):
    """Keep at most ``limit`` rows, trimming both kinds in proportion."""
    total = len(real) + len(synth)
    if total <= limit:
        return real, synth
    keep_real = int(round(limit * len(real) / total))
    return real[:keep_real], synth[: limit - keep_real]


def lr_factor(step, total_steps, warmup_steps):
    """Linear warm-up, then cosine decay to 10 % of the base rate."""
    if warmup_steps and step < warmup_steps:
        return (step + 1) / warmup_steps
    progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))


def classification_scores(y_true, proba, n_classes):
    """ROC-AUC (one-vs-rest macro over classes present) and log-loss."""
    y_true = np.asarray(y_true)
    proba = np.asarray(proba, dtype=float)
    aucs = []
    classes = [1] if n_classes == 2 else range(n_classes)
    for c in classes:
        positive = y_true == c
        if 0 < positive.sum() < len(y_true):
            # The scores as given: renormalising would break a forest's tied scores at random.
            aucs.append(roc_auc_score(positive, proba[:, c]))
    clipped = np.clip(proba, 1e-12, 1)  # a zero probability of the true class: a finite loss
    return {
        "roc_auc": float(np.mean(aucs)) if aucs else float("nan"),
        "log_loss": float(log_loss(y_true, clipped / clipped.sum(axis=1, keepdims=True),
                                   labels=np.arange(n_classes))),
    }


def primary_score(scores, metric):
    """The early-stopping score: higher is better."""
    return scores["roc_auc"] if metric == "roc_auc" else -scores["log_loss"]


class EarlyStopping:
    """Remember the best epoch and say when patience has run out.

    Parameters
    ----------
    patience : int or None
        Epochs without an improvement of more than ``min_delta`` before
        stopping; None never stops early (the best epoch is still restored).
    min_delta : float
    """

    def __init__(self, patience, min_delta):
        self.patience = patience
        self.min_delta = min_delta
        self.best_score = -np.inf
        self.best_epoch = None
        self.best_state = None
        self._waited = 0

    def update(self, epoch, score, state_fn):
        """Record ``score``; ``state_fn()`` snapshots the weights when it improves.

        Returns ``(improved, stop)``.
        """
        improved = bool(np.isfinite(score) and score > self.best_score + self.min_delta)
        if improved or self.best_epoch is None:
            self.best_score = score if np.isfinite(score) else self.best_score
            self.best_epoch = epoch
            self.best_state = state_fn()
            self._waited = 0
        else:
            self._waited += 1
        stop = self.patience is not None and self._waited >= self.patience
        return improved, stop

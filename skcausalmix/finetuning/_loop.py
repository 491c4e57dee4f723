"""Small pieces of the fine-tuning loop: episodes, schedule, metrics, early stopping.

Nothing here knows about tabpfn or torch; the loop itself is
:mod:`skcausalmix.finetuning._training`.
"""


import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

SYNTHETIC_ROUTES = ("context", "query", "both")


def draw_episode(y_real, y_synth, rng, *, context_size, query_size, synthetic_in):
    """One training step's rows: a fresh random context/query split.

    Real rows are split per class (stratified) into context and query in the
    proportion ``context_size : query_size``; synthetic rows are routed by
    ``synthetic_in`` ("both" splits them the same way). Each side is then
    capped at its size, trimming real and synthetic rows in proportion.
    Every step draws anew, so the number of optimizer steps does not depend
    on the size of the table.

    Returns ``(ctx_real, ctx_synth, query_real, query_synth)``, index arrays
    into the real and synthetic rows.
    """
    query_share = query_size / (context_size + query_size)
    ctx_r, q_r = _stratified_split(rng.permutation(len(y_real)), y_real, query_share, rng)
    synth = rng.permutation(len(y_synth))
    if synthetic_in == "context":
        ctx_s, q_s = synth, synth[:0]
    elif synthetic_in == "query":
        ctx_s, q_s = synth[:0], synth
    else:
        ctx_s, q_s = _stratified_split(synth, y_synth, query_share, rng)
    ctx_r, ctx_s = _cap(ctx_r, ctx_s, context_size, y_real, y_synth)
    q_r, q_s = _cap(q_r, q_s, query_size, y_real, y_synth)
    return ctx_r, ctx_s, q_r, q_s


def validation_split(y, n_val, seed):
    """Stratified real validation rows: ``(train_idx, val_idx)``.

    Classes with a single row cannot be split and stay in training; every
    class with two rows or more gets at least one validation row.
    """
    labels, counts = np.unique(y, return_counts=True)
    labels, counts = labels[counts >= 2], counts[counts >= 2]
    n_val = max(int(n_val), len(labels))
    # Per class in proportion (largest remainders), at least one row and never a class's
    # last training row: a stratified split can round a small class's share down to none.
    exact = n_val * counts / counts.sum()
    take = np.clip(np.floor(exact).astype(int), 1, counts - 1)
    order = np.argsort(-(exact - np.floor(exact)), kind="stable")
    while take.sum() != n_val:
        more = take.sum() < n_val
        room = (take < counts - 1) if more else (take > 1)
        if not room.any():
            break
        pick = next(i for i in (order if more else order[::-1]) if room[i])
        take[pick] += 1 if more else -1
    rng = np.random.RandomState(seed)
    idx_va = np.concatenate([rng.choice(np.flatnonzero(y == c), k, replace=False)
                             for c, k in zip(labels, take)])
    return np.setdiff1d(np.arange(len(y)), idx_va), np.sort(idx_va)


def _stratified_split(idx, y, query_share, rng):
    ctx, query = [], []
    labels = y[idx]
    for c in np.unique(labels):
        rows = idx[labels == c]
        # Every class keeps a context row (a lone row stays there): a query row whose
        # class the context lacks cannot be scored.
        n_query = min(int(round(query_share * len(rows))), len(rows) - 1)
        query.append(rows[:n_query])
        ctx.append(rows[n_query:])
    ctx = np.concatenate(ctx) if ctx else idx[:0]
    query = np.concatenate(query) if query else idx[:0]
    return rng.permutation(ctx), rng.permutation(query)


def _cap(real, synth, limit, y_real, y_synth):
    """Keep at most ``limit`` rows, trimming both kinds in proportion, each stratified."""
    total = len(real) + len(synth)
    if total <= limit:
        return real, synth
    keep_real = int(round(limit * len(real) / total))
    return (_stratified_take(real, y_real[real], keep_real),
            _stratified_take(synth, y_synth[synth], limit - keep_real))


def _stratified_take(idx, labels, k):
    """``k`` of ``idx`` (already shuffled), every class in proportion and, room allowing, once.

    A plain prefix of a large shuffled table can leave out a class of two rows, and
    every query row of that class is then wasted.
    """
    if k >= len(idx):
        return idx
    classes, counts = np.unique(labels, return_counts=True)
    exact = k * counts / counts.sum()
    take = np.floor(exact).astype(int)
    if k >= len(classes):
        take = np.maximum(take, 1)
    order = np.argsort(-(exact - take), kind="stable")
    while take.sum() > k:  # the minimum of one row pushed past k: trim the largest
        take[np.argmax(take)] -= 1
    for i in order[: k - take.sum()]:  # largest remainders
        take[i] += 1
    kept = np.concatenate([idx[labels == c][:n] for c, n in zip(classes, take)])
    return idx[np.isin(idx, kept)]  # in their shuffled order


def lr_factor(step, warmup_steps):
    """Linear warm-up over ``warmup_steps``, then the base rate.

    A constant rate after warm-up makes step ``k`` the same whatever the
    step budget, so early stopping compares like with like.
    """
    if warmup_steps and step < warmup_steps:
        return (step + 1) / warmup_steps
    return 1.0


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


def validation_score(scores, scoring):
    """The early-stopping score as ``(primary, tie_breaker)``, higher is better.

    ROC-AUC on a few validation rows is coarse (often exactly 1.0): its ties
    are broken by log-loss, so a run that keeps the same ranking but grows
    more confident still counts as better.
    """
    if scoring == "roc_auc":
        return scores["roc_auc"], -scores["log_loss"]
    return -scores["log_loss"], None


class EarlyStopping:
    """Remember the best check and say when patience has run out.

    Parameters
    ----------
    n_iter_no_change : int or None
        Checks without an improvement of more than ``tol`` before stopping;
        None never stops early (the best check is still restored).
    tol : float
        Smallest improvement of the primary score that counts. When the
        primary scores are equal, a better tie-breaker counts.
    """

    def __init__(self, n_iter_no_change, tol):
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.best_score = None
        self.best_iter = None
        self.best_state = None
        self._waited = 0

    def update(self, iteration, score, state_fn):
        """Record ``score`` (a ``validation_score`` pair); ``state_fn()`` snapshots the weights.

        Returns ``(improved, stop)``.
        """
        improved = self.best_iter is not None and _better(score, self.best_score, self.tol)
        if improved or self.best_iter is None:
            self.best_score = score
            self.best_iter = iteration
            self.best_state = state_fn()
            self._waited = 0
        else:
            self._waited += 1
        stop = self.n_iter_no_change is not None and self._waited >= self.n_iter_no_change
        return improved, stop


def _better(score, best, tol):
    primary, tie = score
    best_primary, best_tie = best
    if not np.isfinite(primary):
        return False
    if not np.isfinite(best_primary) or primary > best_primary + tol:
        return True
    return bool(primary == best_primary and tie is not None and np.isfinite(tie)
                and tie > best_tie + tol)

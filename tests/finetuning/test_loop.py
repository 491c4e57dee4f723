import numpy as np
import pytest

from skcausalmix.finetuning import CausalMixTabPFNClassifier
from skcausalmix.finetuning._loop import (
    EarlyStopping,
    classification_scores,
    draw_episode,
    lr_factor,
    validation_score,
)

DEFAULTS = CausalMixTabPFNClassifier().get_params()


@pytest.mark.parametrize("route", ["context", "query", "both"])
@pytest.mark.parametrize("n_real", [20, 64, 200, 600])
def test_episodes_at_the_default_sizes(route, n_real):
    # The default context and query sizes, on tables smaller and larger than one episode.
    context_size, query_size = DEFAULTS["context_size"], DEFAULTS["query_size"]
    rng = np.random.RandomState(0)
    y_real = np.arange(n_real) % 3
    y_syn = np.arange(n_real) % 3
    ctx_r, ctx_s, q_r, q_s = draw_episode(y_real, y_syn, rng, context_size=context_size,
                                          query_size=query_size, synthetic_in=route)
    assert len(ctx_r) + len(ctx_s) <= context_size and len(q_r) + len(q_s) <= query_size
    assert not set(ctx_r) & set(q_r) and not set(ctx_s) & set(q_s)
    assert set(y_real[ctx_r]) == {0, 1, 2}  # stratified: every class in the context
    assert (len(ctx_s) > 0) == (route in ("context", "both"))
    assert (len(q_s) > 0) == (route in ("query", "both"))
    total = 2 * n_real
    if total <= context_size + query_size:  # a small table: every row takes part
        assert len(ctx_r) + len(ctx_s) + len(q_r) + len(q_s) == total
    elif route == "both":  # a large one fills both sides
        assert len(ctx_r) + len(ctx_s) == context_size and len(q_r) + len(q_s) == query_size
    if route == "both":  # query share as context_size : query_size asks, real rows too
        share = len(q_r) / (len(q_r) + len(ctx_r))
        assert share == pytest.approx(query_size / (context_size + query_size), abs=0.05)


def test_every_step_draws_a_fresh_split():
    rng = np.random.RandomState(0)
    y = np.arange(100) % 2
    draws = [draw_episode(y, y[:0], rng, context_size=256, query_size=128, synthetic_in="both")
             for _ in range(3)]
    queries = [frozenset(q_r) for _, _, q_r, _ in draws]
    assert len(set(queries)) == 3
    # A table below one episode: all real rows every step, a different query each time.
    assert all(len(c) + len(q) == 100 for c, _, q, _ in draws)


@pytest.mark.parametrize("context_size, query_size", [(256, 128), (16, 48)])
def test_a_lone_row_of_a_class_stays_in_the_context(context_size, query_size):
    # A query larger than the context rounds a lone row's share up to 1: it must not
    # go to the query, where its class is missing from the context and the step is lost.
    rng = np.random.RandomState(0)
    y = np.r_[np.zeros(40, int), 1]
    for _ in range(20):
        ctx_r, _, q_r, _ = draw_episode(y, y[:0], rng, context_size=context_size,
                                        query_size=query_size, synthetic_in="both")
        assert 40 in ctx_r and 40 not in q_r


def test_trimming_a_large_table_keeps_rare_classes_in_the_context():
    # 1,000 rows with a class of two: a plain prefix of the shuffled context drops it in
    # most draws; the stratified trim keeps it in every one.
    rng = np.random.RandomState(0)
    y = np.r_[np.zeros(998, int), 1, 1]
    syn = np.r_[np.zeros(998, int), 1, 1]
    for _ in range(50):
        ctx_r, ctx_s, q_r, q_s = draw_episode(y, syn, rng, context_size=256, query_size=128,
                                              synthetic_in="both")
        assert len(ctx_r) + len(ctx_s) == 256 and len(q_r) + len(q_s) == 128
        assert 1 in y[ctx_r] and 1 in syn[ctx_s]
        assert len(set(ctx_r)) == len(ctx_r)


def test_lr_schedule_warms_up_then_stays():
    factors = [lr_factor(s, 10) for s in range(100)]
    assert factors[0] == pytest.approx(0.1) and factors[9] == pytest.approx(1.0)
    assert factors[10:] == [1.0] * 90
    assert lr_factor(0, 0) == 1.0


def test_scores_binary_and_multiclass():
    s = classification_scores(np.array([0, 1, 1, 0]), np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.6, 0.4]]), 2)
    assert s["roc_auc"] == 1.0 and s["log_loss"] == pytest.approx(-np.mean(np.log([0.9, 0.8, 0.7, 0.6])))
    proba = np.eye(3)[[0, 1, 2, 1]] * 0.9 + 0.1 / 3
    s = classification_scores(np.array([0, 1, 2, 1]), proba, 3)
    assert s["roc_auc"] == 1.0


def test_tied_scores_stay_tied():
    # A forest's 0.01 for both rows; the first row's probabilities sum to 1 + 2e-16. Renormalising
    # them (as the scores once did) ranked the second row first: ROC-AUC 0 instead of 0.5.
    proba = np.array([[0.9900000000000002, 0.01], [0.99, 0.01]])
    assert proba[0].sum() != proba[1].sum()
    assert classification_scores(np.array([1, 0]), proba, 2)["roc_auc"] == 0.5
    # A zero probability of the true class still has a finite log-loss.
    assert np.isfinite(classification_scores(np.array([0, 1]), np.array([[1.0, 0.0], [1.0, 0.0]]), 2)["log_loss"])


def test_early_stopping_keeps_best_and_counts_checks():
    stop = EarlyStopping(n_iter_no_change=2, tol=0.0)
    assert stop.update(0, (-0.5, None), lambda: "w0") == (False, False)
    assert stop.update(10, (-0.3, None), lambda: "w10") == (True, False)
    assert stop.update(20, (-0.4, None), lambda: "w20") == (False, False)
    assert stop.update(30, (-0.35, None), lambda: "w30") == (False, True)
    assert stop.best_iter == 10 and stop.best_state == "w10"


def test_a_roc_auc_tie_is_broken_by_log_loss():
    # ROC-AUC 1.0 at every check, on a few validation rows: the old loop kept step 0 (zero-shot).
    stop = EarlyStopping(n_iter_no_change=None, tol=1e-4)
    scores = {"roc_auc": 1.0, "log_loss": 0.30}
    stop.update(0, validation_score(scores, "roc_auc"), lambda: "w0")
    improved, _ = stop.update(10, validation_score({**scores, "log_loss": 0.25}, "roc_auc"), lambda: "w10")
    assert improved and stop.best_iter == 10
    # A worse ROC-AUC is not rescued by a better log-loss; a better one counts whatever the loss.
    assert stop.update(20, validation_score({"roc_auc": 0.9, "log_loss": 0.1}, "roc_auc"), lambda: "x")[0] is False
    assert validation_score(scores, "log_loss") == (-0.30, None)
    # NaN (one class among the validation rows) never counts as better.
    assert stop.update(30, (float("nan"), -0.1), lambda: "x")[0] is False


@pytest.mark.parametrize("counts", [[100, 2], [40, 2], [60, 3, 2], [5, 5], [30, 1, 4]])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_validation_split_gives_every_splittable_class_a_row(counts, seed):
    # A stratified split rounded a 2-row class's share down to none: with scoring="roc_auc"
    # every check was NaN and fit kept the zero-shot weights without a word.
    from skcausalmix.finetuning._loop import validation_split

    y = np.repeat(np.arange(len(counts)), counts)
    train, val = validation_split(y, round(0.2 * len(y)), seed)
    assert sorted(np.r_[train, val]) == list(range(len(y)))
    for c, n in enumerate(counts):
        assert (y[train] == c).any()  # every class keeps a training row
        assert (y[val] == c).any() == (n >= 2)

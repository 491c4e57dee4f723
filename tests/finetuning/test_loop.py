import numpy as np
import pytest

from skcausalmix.finetuning._loop import (
    EarlyStopping,
    classification_scores,
    lr_factor,
    plan_episodes,
)


@pytest.mark.parametrize("route", ["context", "query", "both"])
def test_episodes_route_synthetic_rows(route):
    rng = np.random.RandomState(0)
    y_real = np.r_[np.zeros(60, int), np.ones(40, int)]
    y_syn = np.r_[np.zeros(60, int), np.ones(40, int)]
    episodes = plan_episodes(y_real, y_syn, rng, context_size=64, query_size=32, synthetic_in=route)
    assert len(episodes) == 2
    seen_real = []
    for ctx_r, ctx_s, q_r, q_s in episodes:
        assert len(ctx_r) + len(ctx_s) <= 64 and len(q_r) + len(q_s) <= 32
        assert not set(ctx_r) & set(q_r) and not set(ctx_s) & set(q_s)
        if route == "context":
            assert len(q_s) == 0 and len(ctx_s) > 0
        elif route == "query":
            assert len(ctx_s) == 0 and len(q_s) > 0
        else:
            assert len(ctx_s) > 0 and len(q_s) > 0
        assert set(y_real[ctx_r]) == {0, 1}  # stratified: every class in the context
        seen_real.extend(ctx_r)
        seen_real.extend(q_r)
    assert len(set(seen_real)) == len(seen_real)


def test_lr_schedule_warms_up_then_decays():
    factors = [lr_factor(s, 100, 10) for s in range(100)]
    assert factors[0] == pytest.approx(0.1) and factors[9] == pytest.approx(1.0)
    assert all(a >= b for a, b in zip(factors[10:], factors[11:]))
    assert factors[-1] == pytest.approx(0.1, abs=1e-3)


def test_scores_binary_and_multiclass():
    s = classification_scores(np.array([0, 1, 1, 0]), np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.6, 0.4]]), 2)
    assert s["roc_auc"] == 1.0 and s["log_loss"] < 0.5
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


def test_early_stopping_keeps_best_and_counts_patience():
    stop = EarlyStopping(patience=2, min_delta=0.0)
    assert stop.update(0, 0.5, lambda: "w0") == (True, False)
    assert stop.update(1, 0.7, lambda: "w1") == (True, False)
    assert stop.update(2, 0.6, lambda: "w2") == (False, False)
    assert stop.update(3, 0.65, lambda: "w3") == (False, True)
    assert stop.best_epoch == 1 and stop.best_state == "w1"

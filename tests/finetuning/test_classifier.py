import pickle

import numpy as np
import pandas as pd
import pytest
from imblearn.base import BaseSampler
from imblearn.over_sampling import SMOTE
from sklearn.base import clone, is_classifier
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

import skcausalmix.finetuning._tabpfn_adapter as adapter
from skcausalmix.finetuning import CausalMixTabPFNClassifier
from skcausalmix.finetuning._ensemble import ENSEMBLE_KEY
from skcausalmix.over_sampling import CausalMixAugmenter

from ..conftest import load_table
from .conftest import FAST

MARK = 1e6  # synthetic rows of the marker sampler carry this in column 0


class MarkerSampler(BaseSampler):
    """Appends copies of the rows with column 0 set to MARK, to trace them."""

    _sampling_type = "over-sampling"
    _parameter_constraints = {"sampling_strategy": [str], "random_state": ["random_state", None]}

    def __init__(self, sampling_strategy="auto", random_state=None):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state

    def _fit_resample(self, X, y):
        new = X.copy()
        new[:, 0] = MARK
        return np.vstack([X, new]), np.r_[y, y]


def test_is_a_classifier_with_sklearn_attributes(tiny_checkpoint, small_data):
    X, y = small_data
    clf = CausalMixTabPFNClassifier(model_path=tiny_checkpoint, **FAST).fit(X, y)
    assert is_classifier(clf)
    assert clf.n_features_in_ == 4 and list(clf.classes_) == [0, 1]
    proba = clf.predict_proba(X)
    assert proba.shape == (90, 2) and np.allclose(proba.sum(1), 1)
    assert set(clf.predict(X)) <= {0, 1}
    assert clf.score(X, y) == np.mean(clf.predict(X) == y)
    assert [h["iter"] for h in clf.history_] == [0, 2, 4] and clf.n_iter_ == 4
    keys = {"iter", "train_loss", "lr", "valid_roc_auc", "valid_log_loss",
            "valid_synthetic_roc_auc", "valid_synthetic_log_loss", "valid_score", "eval_roc_auc",
            "eval_log_loss", "improved", "time"}
    assert set(clf.history_[1]) == keys
    # With CausalMix, synthetic validation rows (1 per real one) are scored and pooled by default.
    n_real, n_syn = 18, clf.n_synthetic_validation_  # 20 % of 90 rows
    assert clf.n_synthetic_ > 0 and n_syn == n_real
    record = clf.history_[1]
    assert record["valid_synthetic_log_loss"] is not None
    assert -record["valid_score"] == pytest.approx(
        (n_real * record["valid_log_loss"] + n_syn * record["valid_synthetic_log_loss"]) / (n_real + n_syn))
    real_only = CausalMixTabPFNClassifier(model_path=tiny_checkpoint, synthetic_validation=0,
                                          **FAST).fit(X, y)
    assert real_only.n_synthetic_validation_ == 0
    record = real_only.history_[1]
    assert record["valid_synthetic_roc_auc"] is None
    assert record["valid_score"] == pytest.approx(-record["valid_log_loss"])


def test_training_loss_falls(tiny_checkpoint):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 2))
    y = (X[:, 0] > 0).astype(int)
    clf = CausalMixTabPFNClassifier(
        model_path=tiny_checkpoint, augmenter=None, max_iter=16, validation_interval=2,
        learning_rate=1e-3, early_stopping=False, context_size=24, query_size=16,
        n_estimators_validation=1, n_estimators_inference=1, warmup_iter=0, random_state=0,
    ).fit(X, y)
    losses = [h["train_loss"] for h in clf.history_[1:]]
    assert clf.n_iter_ == 16 and len(losses) == 8
    # A random model starts at chance (log 2 = 0.693) and learns the task.
    assert losses[0] > 0.65 and np.mean(losses[1:]) < losses[0] - 0.05, losses
    valid = [h["valid_log_loss"] for h in clf.history_]
    assert min(valid[1:]) < valid[0] - 0.1, valid


def test_early_stopping_restores_best_check(tiny_checkpoint, small_data):
    X, y = small_data
    # Validation labels are flipped: the better the model fits, the worse it validates.
    X_val, y_val = X[:30], 1 - y[:30]
    clf = CausalMixTabPFNClassifier(
        model_path=tiny_checkpoint, augmenter=None, max_iter=30, validation_interval=2,
        learning_rate=2e-3, n_iter_no_change=3, warmup_iter=0, context_size=64, query_size=32,
        n_estimators_validation=1, n_estimators_inference=1, random_state=0,
    ).fit(X[30:], y[30:], X_val=X_val, y_val=y_val)
    scores = [h["valid_score"] for h in clf.history_]
    assert clf.stop_reason_ == "early_stopping" and clf.n_iter_ < 30
    best = int(np.argmax(scores))
    assert clf.best_iter_ == clf.history_[best]["iter"] < clf.n_iter_
    # The final model (same context and ensemble as validation) reproduces the best score.
    from sklearn.metrics import log_loss

    restored = log_loss(y_val, clf.predict_proba(X_val)[:, 1])
    assert restored == pytest.approx(clf.history_[best]["valid_log_loss"], rel=1e-5)
    # Without early stopping the run goes on past its best check, whose weights are still kept:
    # the final model scores the best check's log-loss, not the last one's.
    full = clone(clf).set_params(early_stopping=False).fit(X[30:], y[30:], X_val=X_val, y_val=y_val)
    best, last = max(full.history_, key=lambda h: h["valid_score"]), full.history_[-1]
    assert full.n_iter_ == 30 and full.best_iter_ == best["iter"] < 30
    restored = log_loss(y_val, full.predict_proba(X_val)[:, 1])
    assert restored == pytest.approx(best["valid_log_loss"], rel=1e-6)
    assert abs(restored - last["valid_log_loss"]) > 1e-4


def test_eval_set_is_monitored_and_never_changes_training(tiny_checkpoint, small_data):
    X, y = small_data
    params = dict(model_path=tiny_checkpoint, augmenter=None, learning_rate=1e-3, **FAST)
    plain = CausalMixTabPFNClassifier(**params).fit(X[30:], y[30:], X_val=X[:30], y_val=y[:30])
    # The validation rows as eval_set: the monitored curve is the validation curve.
    watched = CausalMixTabPFNClassifier(**params).fit(
        X[30:], y[30:], X_val=X[:30], y_val=y[:30], eval_set=(X[:30], y[:30]))
    assert [h["train_loss"] for h in watched.history_] == [h["train_loss"] for h in plain.history_]
    assert [h["eval_roc_auc"] for h in watched.history_] == pytest.approx(
        [h["valid_roc_auc"] for h in plain.history_])
    assert [h["eval_log_loss"] for h in watched.history_] == pytest.approx(
        [h["valid_log_loss"] for h in plain.history_])
    assert all(h["eval_roc_auc"] is None for h in plain.history_)
    with pytest.raises(ValueError, match="classes not seen"):
        CausalMixTabPFNClassifier(**params).fit(X, y, eval_set=(X[:5], np.full(5, 7)))
    with pytest.raises(ValueError, match="pair"):
        CausalMixTabPFNClassifier(**params).fit(X, y, eval_set=X[:5])


@pytest.mark.parametrize("route", ["context", "query", "both"])
def test_synthetic_rows_go_where_asked_and_never_into_validation(tiny_checkpoint, small_data, monkeypatch, route):
    X, y = small_data
    X = np.c_[np.arange(90.0), X]  # column 0: a row id
    episodes, eval_contexts = [], []
    real_batch = adapter.episode_batch
    real_frozen = adapter.frozen_copy

    def spy_batch(clf, X_ctx, y_ctx, X_q, y_q, seed):
        episodes.append((X_ctx[:, 0].copy(), X_q[:, 0].copy()))
        return real_batch(clf, X_ctx, y_ctx, X_q, y_q, seed)

    class SpyFit:
        def __init__(self, model):
            self.model = model

        def fit(self, X_fit, y_fit):
            eval_contexts.append(np.asarray(X_fit)[:, 0].copy())
            self.model.fit(X_fit, y_fit)
            return self

        def __getattr__(self, name):
            return getattr(self.model, name)

    monkeypatch.setattr(adapter, "episode_batch", spy_batch)
    monkeypatch.setattr(adapter, "frozen_copy", lambda *a, **k: SpyFit(real_frozen(*a, **k)))
    X_val, y_val = X[:30], y[:30]
    CausalMixTabPFNClassifier(
        model_path=tiny_checkpoint, augmenter=MarkerSampler(), synthetic_in=route, **FAST
    ).fit(X[30:], y[30:], X_val=X_val, y_val=y_val)
    val_ids = set(X_val[:, 0])
    assert episodes
    for ctx, query in episodes:
        assert not val_ids & set(ctx) and not val_ids & set(query)
        assert (MARK in ctx) == (route in ("context", "both"))
        assert (MARK in query) == (route in ("query", "both"))
    for ctx in eval_contexts:  # validation and final contexts: real training rows only
        assert MARK not in ctx and not val_ids & set(ctx)


def test_deterministic_with_random_state(tiny_checkpoint, small_data):
    X, y = small_data
    a = CausalMixTabPFNClassifier(model_path=tiny_checkpoint, **FAST).fit(X, y)
    b = CausalMixTabPFNClassifier(model_path=tiny_checkpoint, **FAST).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert [h["train_loss"] for h in a.history_] == [h["train_loss"] for h in b.history_]


def test_save_and_pickle_round_trips(tiny_checkpoint, small_data, tmp_path):
    X, y = small_data
    clf = CausalMixTabPFNClassifier(model_path=tiny_checkpoint, learning_rate=1e-3, **FAST).fit(X, y)
    expected = clf.predict_proba(X)
    path = clf.save_model(tmp_path / "tuned.safetensors")
    reloaded = clone(clf.model_).set_params(model_path=str(path)).fit(X, y)
    np.testing.assert_allclose(reloaded.predict_proba(X), expected, rtol=1e-5, atol=1e-6)
    from tabpfn import TabPFNClassifier

    plain = TabPFNClassifier(model_path=str(path), n_estimators=1, device="cpu").fit(X, y)
    assert plain.predict_proba(X).shape == (90, 2)
    # the file keeps the checkpoint's own settings and the ensemble it asks for
    from tabpfn.checkpoint import Checkpoint

    saved, original = Checkpoint(str(path)).load(), Checkpoint(str(tiny_checkpoint)).load()
    for key in ("PREPROCESS_TRANSFORMS", "FEATURE_SUBSAMPLING_METHOD", "N_ESTIMATORS"):
        assert saved["inference_config"][key] == original["inference_config"][key]
    assert saved[ENSEMBLE_KEY] == original[ENSEMBLE_KEY]
    # ... and its fine-tuning rate, so learning_rate="auto" reads the same from the saved file.
    from skcausalmix.finetuning._checkpoint import FINETUNING_KEY, stored_learning_rate

    assert saved[FINETUNING_KEY] == original[FINETUNING_KEY]
    assert stored_learning_rate(path) == stored_learning_rate(tiny_checkpoint)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), expected)
    ckpt = clf.save_model(tmp_path / "tuned.ckpt")  # weights-only torch format
    import torch

    torch.load(ckpt, weights_only=True)


def test_other_samplers_and_plain_finetuning(tiny_checkpoint, small_data):
    X, y = small_data
    smote = CausalMixTabPFNClassifier(model_path=tiny_checkpoint, augmenter=SMOTE(), **FAST).fit(X, y)
    assert smote.n_synthetic_validation_ == 0
    plain = CausalMixTabPFNClassifier(model_path=tiny_checkpoint, augmenter=None, **FAST).fit(X, y)
    assert plain.n_synthetic_ == 0 and plain.n_synthetic_validation_ == 0
    with pytest.raises(ValueError, match="synthetic_validation"):
        CausalMixTabPFNClassifier(
            model_path=tiny_checkpoint, augmenter=SMOTE(), synthetic_validation=1.0, **FAST
        ).fit(X, y)


def test_validation_classes_the_scm_never_saw_get_no_synthetic_rows(tiny_checkpoint, small_data):
    X, y = small_data
    # Class 2 has one training row (too few for the SCM) and is all of X_val.
    X = np.vstack([X, X[:3] + 5])
    y = np.r_[y, 2, 2, 2]
    clf = CausalMixTabPFNClassifier(model_path=tiny_checkpoint, **FAST)
    clf.fit(X[:91], y[:91], X_val=X[91:], y_val=y[91:])
    assert clf.n_synthetic_ > 0 and clf.n_synthetic_validation_ == 0
    assert clf.history_[1]["valid_synthetic_log_loss"] is None


def test_our_samplers_keep_a_balancing_strategy(tiny_checkpoint):
    # The augmenter's n_synthetic comes from the classifier's, unless the user asked for balancing.
    rng = np.random.RandomState(0)
    X, y = rng.standard_normal((60, 3)), np.r_[np.zeros(45), np.ones(15)].astype(int)
    X_val, y_val = rng.standard_normal((20, 3)), np.arange(20) % 2
    fit = dict(X_val=X_val, y_val=y_val)  # the whole of X is the training part
    ratio = CausalMixTabPFNClassifier(model_path=tiny_checkpoint, augmenter=CausalMixAugmenter(),
                                      n_synthetic=0.5, **FAST).fit(X, y, **fit)
    assert ratio.n_synthetic_ == 30
    balance = CausalMixTabPFNClassifier(
        model_path=tiny_checkpoint, augmenter=CausalMixAugmenter(sampling_strategy="minority"), **FAST
    ).fit(X, y, **fit)
    assert balance.n_synthetic_ == 30
    counted = CausalMixTabPFNClassifier(
        model_path=tiny_checkpoint, augmenter=CausalMixAugmenter(sampling_strategy={1: 20}), **FAST
    ).fit(X, y, **fit)
    assert counted.n_synthetic_ == 5
    # A sampler with n_synthetic and no sampling_strategy of its own gets the ratio.
    from skcausalmix.over_sampling import ProportionalOverSampler

    wrapped = CausalMixTabPFNClassifier(
        model_path=tiny_checkpoint, augmenter=ProportionalOverSampler(SMOTE(), n_synthetic=3.0),
        n_synthetic=0.5, **FAST).fit(X, y, **fit)
    assert wrapped.n_synthetic_ == 30


def test_nullable_dtypes_beside_a_category(tiny_checkpoint):
    # sklearn's validation cast the whole frame to float ("Cannot cast str dtype to float64").
    rng = np.random.RandomState(0)
    X = pd.DataFrame({
        "count": pd.array(np.where(rng.rand(60) < 0.2, None, rng.randint(0, 5, 60)), dtype="Int64"),
        "kind": pd.Categorical(rng.choice(["p", "q", "r"], 60)),
        "x": rng.standard_normal(60),
    })
    y = (X["x"] > 0).to_numpy().astype(int)
    clf = CausalMixTabPFNClassifier(model_path=tiny_checkpoint, **FAST).fit(X, y)
    assert clf.predict_proba(X).shape == (60, 2)
    assert list(clf.feature_names_in_) == ["count", "kind", "x"]


def test_pandas_with_categorical_columns(tiny_checkpoint):
    X, y = load_table("credit-approval", n_rows=120)
    clf = CausalMixTabPFNClassifier(model_path=tiny_checkpoint, **FAST).fit(X, y)
    assert list(clf.feature_names_in_) == list(X.columns)
    assert set(clf.predict(X)) <= set(y)
    with pytest.raises(ValueError):
        clf.predict(X.iloc[:, :-1])


def test_pipeline_cross_validate_and_grid_search(tiny_checkpoint, small_data):
    X, y = small_data
    pipe = make_pipeline(FunctionTransformer(),
                         CausalMixTabPFNClassifier(model_path=tiny_checkpoint, **{**FAST, "max_iter": 2}))
    res = cross_validate(pipe, X, y, cv=2, scoring="roc_auc")
    assert len(res["test_score"]) == 2
    base = CausalMixTabPFNClassifier(model_path=tiny_checkpoint, **{**FAST, "max_iter": 2})
    grid = GridSearchCV(base, {"synthetic_in": ["context", "both"]}, cv=2, n_jobs=2).fit(X, y)
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    # The refitted model is the chosen setting fitted on all rows, as a fresh fit makes it.
    refit = clone(base).set_params(**grid.best_params_).fit(X, y)
    np.testing.assert_allclose(grid.predict_proba(X), refit.predict_proba(X))


@pytest.mark.parametrize(
    "X, y, kwargs, error, match",
    [
        (np.random.rand(30, 3), np.zeros(30), {}, ValueError, "single class"),
        (np.random.rand(60, 3), np.arange(60) % 11, {}, ValueError, "at most 10"),
        (np.c_[np.random.rand(30, 2), np.r_[np.inf, np.zeros(29)]], np.arange(30) % 2, {}, ValueError, "infinite"),
        (pd.DataFrame({"x": np.random.rand(30), "day": pd.date_range("2020", periods=30)}),
         np.arange(30) % 2, {}, ValueError, r"Columns \['day'\] hold dates, periods or durations"),
        (np.arange(30).astype("datetime64[D]").reshape(-1, 1), np.arange(30) % 2, {}, ValueError,
         "dates, periods or durations"),
        # tabpfn's own error advised an inference_config the classifier cannot take.
        (pd.DataFrame({"x": np.random.rand(30), "month": pd.period_range("2020-01", periods=30, freq="M")}),
         np.arange(30) % 2, {}, ValueError, r"Columns \['month'\] hold dates, periods"),
        # sklearn's words for these were a failed sort and an encoder's type error naming no column.
        (np.random.rand(30, 3), np.r_[["a", "b"] * 14, [np.nan, None]], {}, ValueError,
         r"y has 2 missing label\(s\) \(at row positions 28, 29\)"),
        (pd.DataFrame({"x": np.random.rand(30), "code": [1, "A", None] * 10}), np.arange(30) % 2, {}, ValueError,
         r"Columns \['code'\] mix text and numbers"),
        (np.random.rand(30, 3), np.arange(30) % 2, {"synthetic_in": "nowhere"}, ValueError, "synthetic_in"),
        (np.random.rand(30, 3), np.arange(30) % 2, {"device": "gpu"}, ValueError, "not a torch device"),
        (np.random.rand(30, 3), np.arange(30) % 2, {"max_iter": -1}, ValueError, "max_iter"),
    ],
)
def test_bad_input(tiny_checkpoint, X, y, kwargs, error, match):
    with pytest.raises(error, match=match):
        CausalMixTabPFNClassifier(model_path=tiny_checkpoint, **{**FAST, **kwargs}).fit(X, y)


_X, _Y = np.random.RandomState(1).rand(40, 3), np.arange(40) % 2


@pytest.mark.parametrize(
    "fit_kwargs, params, match",
    [
        ({"X_val": _X[:8]}, {}, "Pass both X_val and y_val, or neither"),
        ({"X_val": _X[:8], "y_val": _Y[:7]}, {}, r"X_val, y_val: 8 rows in X but 7 labels"),
        ({"X_val": _X[:8], "y_val": np.r_[_Y[:7], 5]}, {}, r"X_val, y_val holds classes not seen in y: \['5'\]"),
        ({"X_val": _X[:8, :2], "y_val": _Y[:8]}, {}, "X has 2 features"),
        ({"X_val": _X[:8], "y_val": np.zeros(8)}, {"scoring": "roc_auc"},
         r"y_val holds a single class \(0\): validation ROC-AUC needs two"),
        ({"eval_set": _X[:8]}, {}, r"eval_set must be a pair \(X_eval, y_eval\)"),
        ({"eval_set": (_X[:8], _Y[:6])}, {}, r"eval_set: 8 rows in X but 6 labels"),
        ({"eval_set": (_X[:8], np.r_[_Y[:7], 9])}, {}, r"eval_set holds classes not seen in y: \['9'\]"),
    ],
)
def test_bad_validation_and_eval_rows_are_named(tiny_checkpoint, fit_kwargs, params, match):
    clf = CausalMixTabPFNClassifier(model_path=tiny_checkpoint, augmenter=None, **{**FAST, **params})
    with pytest.raises(ValueError, match=match):
        clf.fit(_X, _Y, **fit_kwargs)


def test_a_class_with_a_single_row_fine_tunes_without_validation(tiny_checkpoint):
    # 29 rows of one class and 1 of the other: no stratified validation split exists.
    rng = np.random.RandomState(0)
    X, y = rng.rand(30, 3), np.r_[np.zeros(29), 1]
    with pytest.warns(UserWarning, match="No validation split is possible .* 4 steps without early stopping"):
        clf = CausalMixTabPFNClassifier(model_path=tiny_checkpoint, augmenter=None, **FAST).fit(X, y)
    assert clf.stop_reason_ == "no_validation" and clf.history_ == []
    assert clf.n_iter_ == clf.best_iter_ == 4
    zero_shot = CausalMixTabPFNClassifier(model_path=tiny_checkpoint, augmenter=None,
                                          **{**FAST, "max_iter": 0}).fit(X, y)
    assert not np.allclose(clf.predict_proba(X), zero_shot.predict_proba(X))


def test_predict_refuses_a_column_of_mixed_kinds(tiny_checkpoint):
    X = pd.DataFrame({"x": np.random.RandomState(0).rand(30), "code": pd.Series(["A", "B", "C"] * 10, dtype=object)})
    clf = CausalMixTabPFNClassifier(model_path=tiny_checkpoint, **FAST).fit(X, np.arange(30) % 2)
    X.loc[0, "code"] = 7
    with pytest.raises(ValueError, match=r"Columns \['code'\] mix text and numbers"):
        clf.predict(X)


def test_predict_names_a_numeric_column_that_now_holds_text(tiny_checkpoint):
    # tabpfn failed with "could not convert string to float: 'n/a'", naming no column.
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"x": rng.rand(30), "level": rng.randint(0, 3, 30), "code": ["A", "B", "C"] * 10})
    clf = CausalMixTabPFNClassifier(model_path=tiny_checkpoint, **FAST).fit(X, np.arange(30) % 2)
    with pytest.raises(ValueError, match=r"Columns \['x'\] held numbers when the model was fitted but hold text "
                                         r"now \(e.g. 'n/a'\)"):
        clf.predict(X.assign(x=["n/a"] + list(X.x[1:])))
    decimal_commas = X.x.map(lambda v: f"{v:.3f}".replace(".", ","))  # a CSV read without decimal=","
    with pytest.raises(ValueError, match=r"Columns \['x'\] held numbers .* \(e.g. '0,549'\)"):
        clf.predict(X.assign(x=decimal_commas))
    # Numbers written as text, and new text in a text column, are still read.
    expected = clf.predict_proba(X)
    np.testing.assert_allclose(clf.predict_proba(X.assign(level=X.level.astype(str))), expected, atol=1e-6)
    assert clf.predict_proba(X.assign(code="Z")).shape == expected.shape


def test_an_under_sampler_is_no_augmenter(tiny_checkpoint, small_data):
    # RandomUnderSampler fine-tuned without synthetic rows and without a word.
    from imblearn.under_sampling import RandomUnderSampler

    X, y = small_data
    with pytest.raises(ValueError, match="RandomUnderSampler returned .* removes rows instead of adding"):
        CausalMixTabPFNClassifier(model_path=tiny_checkpoint, augmenter=RandomUnderSampler(), **FAST).fit(X, y)


def test_validation_rows_of_one_class(tiny_checkpoint, small_data):
    # Every validation ROC-AUC was NaN and early stopping chose blindly, without a word.
    X, y = small_data
    X_val, y_val = X[:30][y[:30] == 1], y[:30][y[:30] == 1]
    with pytest.raises(ValueError, match="y_val holds a single class .*scoring='log_loss'"):
        CausalMixTabPFNClassifier(model_path=tiny_checkpoint, scoring="roc_auc", **FAST).fit(
            X[30:], y[30:], X_val=X_val, y_val=y_val)
    clf = CausalMixTabPFNClassifier(model_path=tiny_checkpoint, **FAST).fit(
        X[30:], y[30:], X_val=X_val, y_val=y_val)
    assert np.isfinite([h["valid_score"] for h in clf.history_]).all()


def test_no_synthetic_rows_warning_points_at_the_fit_line(tiny_checkpoint):
    X = np.random.RandomState(0).rand(40, 3)
    y = np.r_[np.zeros(38), np.ones(2)]  # one row of class 1 left for training: nothing to augment
    with pytest.warns(UserWarning, match="fine-tuning without synthetic rows") as record:
        CausalMixTabPFNClassifier(model_path=tiny_checkpoint, validation_fraction=0.5, **FAST).fit(X, y)
    assert [w.filename for w in record if "without synthetic" in str(w.message)] == [__file__]


def test_cuda_without_a_gpu_is_a_clear_error(tiny_checkpoint):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(ValueError, match="sees no CUDA GPU; use device='cpu'"):
        CausalMixTabPFNClassifier(model_path=tiny_checkpoint, device="cuda", **FAST).fit(
            np.random.rand(30, 3), np.arange(30) % 2)


def test_row_limit_on_cpu_names_the_limit(tiny_checkpoint):
    clf = adapter.trainable_classifier(tiny_checkpoint, n_estimators=1, device="cpu", random_state=0)
    max_cpu_rows = adapter.model_limits(clf)[3]
    X = np.random.rand(max_cpu_rows + 1, 3)
    y = np.arange(len(X)) % 2
    with pytest.raises(ValueError, match="MAX_CPU_SAMPLES"):
        CausalMixTabPFNClassifier(model_path=tiny_checkpoint, device="cpu", **FAST).fit(X, y)


def test_bad_checkpoints(tmp_path, small_data):
    X, y = small_data
    with pytest.raises(FileNotFoundError, match="not found"):
        CausalMixTabPFNClassifier(model_path=tmp_path / "missing.safetensors").fit(X, y)
    corrupt = tmp_path / "corrupt.safetensors"
    corrupt.write_bytes(b"not a checkpoint at all")
    with pytest.raises(ValueError, match="corrupt"):
        CausalMixTabPFNClassifier(model_path=corrupt).fit(X, y)
    other = tmp_path / "weights.bin"
    other.write_bytes(b"x")
    with pytest.raises(ValueError, match="Unsupported checkpoint format"):
        CausalMixTabPFNClassifier(model_path=other).fit(X, y)
    import torch

    evil = tmp_path / "evil.ckpt"
    torch.save({"state_dict": {}, "config": {}, "payload": MarkerSampler()}, evil)  # an object
    with pytest.raises(ValueError, match="weights-only|corrupt"):
        CausalMixTabPFNClassifier(model_path=evil).fit(X, y)
    from tabpfn.checkpoint import save_as_safetensors

    unknown = tmp_path / "unknown.safetensors"
    save_as_safetensors({"state_dict": {"w": torch.zeros(1)}, "config": {}, "architecture_name": "tabpfn_v99"}, unknown)
    with pytest.raises(ValueError, match="unknown architecture"):
        CausalMixTabPFNClassifier(model_path=unknown).fit(X, y)


def _checked_estimator():
    # max_iter=0 keeps the ~50 checks fast: they test the estimator contract (the
    # loop itself is exercised by the tests above).
    import tempfile
    from pathlib import Path

    from skcausalmix.finetuning._checkpoint import build_random_checkpoint

    path = Path(tempfile.gettempdir()) / "skcausalmix-check-estimator-v3.safetensors"
    if not path.exists():
        build_random_checkpoint(path, seed=0)
    return CausalMixTabPFNClassifier(
        model_path=str(path), max_iter=0, context_size=32, query_size=16,
        n_estimators_validation=1, n_estimators_inference=1, random_state=0,
    )


NEEDS_WEIGHTS = (
    "checks that a classifier reaches a high training accuracy: a randomly initialised "
    "test checkpoint cannot, pretrained TabPFN weights would (they cannot be loaded offline)"
)


def test_sklearn_check_estimator():
    from sklearn.utils.estimator_checks import check_estimator

    results = check_estimator(
        _checked_estimator(), on_fail=None,
        expected_failed_checks={
            "check_classifiers_train": NEEDS_WEIGHTS,
            "check_non_transformer_estimators_n_iter":
                "the checked estimator runs zero-shot (max_iter=0) to keep the checks fast: it "
                "takes no step, so n_iter_ is 0 (test_is_a_classifier_with_sklearn_attributes "
                "checks n_iter_ of a run that takes steps)",
        },
    )
    failed = [r for r in results if r["status"] == "failed"]
    assert not failed, [(r["check_name"], str(r["exception"])[:200]) for r in failed]
    assert sum(r["status"] == "passed" for r in results) > 40


def test_final_model_runs_the_checkpoints_ensemble_on_the_columns_that_vary(tiny_checkpoint):
    import warnings

    from skcausalmix.finetuning._ensemble import (
        FEATURES_PER_MEMBER,
        N_MEMBERS,
        ensemble_spec,
    )

    # 100 columns, 60 never set: small views of these all-constant columns
    # made tabpfn give up ("All features are constant")
    rng = np.random.RandomState(0)
    X = np.zeros((80, 100))
    X[:, :40] = rng.random_sample((80, 40)) < 0.3
    y = (X[:, :3].sum(1) > 0).astype(int)
    params = {k: v for k, v in FAST.items() if k != "n_estimators_inference"}
    params["n_estimators_validation"] = 2
    assert CausalMixTabPFNClassifier().n_estimators_inference == "auto"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = CausalMixTabPFNClassifier(model_path=tiny_checkpoint, augmenter=None, **params).fit(X, y)
    assert not [w for w in caught if "covers at most" in str(w.message)]
    assert clf.ensemble_ == ensemble_spec()
    np.testing.assert_array_equal(clf.inference_features_, np.arange(100) < 40)
    subsets = clf.model_.ensemble_preprocessor_.subsample_feature_indices
    assert len(subsets) == N_MEMBERS
    assert {len(s) for s in subsets if s is not None} == {FEATURES_PER_MEMBER}
    assert clf.predict_proba(X).shape == (80, 2)
    # test rows may set a column that never varied in training: it is not read
    X_new = X.copy()
    X_new[:, 40:] = 1.0
    np.testing.assert_array_equal(clf.predict_proba(X_new), clf.predict_proba(X))

    # Two members: one full-width, one view. tabpfn's coverage count (views only)
    # would say most columns are never sampled; the full-width member reads them all.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        few = CausalMixTabPFNClassifier(model_path=tiny_checkpoint, augmenter=None,
                                        **{**FAST, "n_estimators_inference": 2}).fit(X, y)
    assert not [w for w in caught if "covers at most" in str(w.message)]
    assert None in few.model_.ensemble_preprocessor_.subsample_feature_indices


def _parity_table(n, seed):
    # The class is the parity of four of six binary text columns: a rule the pretrained
    # bundled model ranks poorly zero-shot (held-out ROC-AUC about 0.75) and learns from rows.
    rng = np.random.RandomState(seed)
    X = pd.DataFrame({f"c{i}": rng.choice(["a", "b"], n) for i in range(6)})
    y = ((X.c0 == "a") ^ (X.c1 == "a") ^ (X.c2 == "a") ^ (X.c3 == "a")).astype(int).to_numpy()
    return X, y


def test_fine_tuning_learns_a_rule_the_pretrained_model_misses():
    from sklearn.metrics import log_loss

    X, y = _parity_table(400, seed=0)
    params = dict(model_path="bundled", augmenter=None, random_state=0, n_estimators_inference=8)
    zero_shot = CausalMixTabPFNClassifier(max_iter=0, **params).fit(X[:200], y[:200])
    tuned = CausalMixTabPFNClassifier(max_iter=60, learning_rate=3e-4, **params).fit(X[:200], y[:200])
    before = log_loss(y[200:], zero_shot.predict_proba(X[200:]))
    after = log_loss(y[200:], tuned.predict_proba(X[200:]))
    assert tuned.best_iter_ > 0
    assert after < before - 0.1, (before, after)  # measured: 0.64 -> 0.43


@pytest.mark.parametrize("augmenter", [None, "causalmix"])
def test_default_fine_tuning_changes_the_bundled_models_predictions(augmenter):
    # With every setting at its default, fit must not hand back the zero-shot model.
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    X_tr, y_tr, X_te = X[:128], y[:128], X[128:328]
    tuned = CausalMixTabPFNClassifier(model_path="bundled", augmenter=augmenter, random_state=0)
    tuned.fit(X_tr, y_tr)
    zero_shot = CausalMixTabPFNClassifier(model_path="bundled", max_iter=0, random_state=0)
    zero_shot.fit(X_tr, y_tr)
    # learning_rate="auto" read the bundled checkpoint's header, not tabpfn's default.
    from skcausalmix.finetuning._checkpoint import OFFICIAL_LEARNING_RATE, SMALL_LEARNING_RATE

    assert tuned.learning_rate_ == SMALL_LEARNING_RATE != OFFICIAL_LEARNING_RATE
    assert tuned.best_iter_ > 0 and tuned.n_iter_ >= tuned.best_iter_
    assert np.abs(tuned.predict_proba(X_te) - zero_shot.predict_proba(X_te)).max() > 1e-3


def _checkpoint_with_rate(source, path, rate):
    """``source``'s weights with the fine-tuning rate ``rate`` in the header (None: no key)."""
    from tabpfn.checkpoint import Checkpoint

    from skcausalmix.finetuning._checkpoint import FINETUNING_KEY, write_checkpoint

    checkpoint = Checkpoint(str(source)).load()
    checkpoint.pop(FINETUNING_KEY, None)
    if rate is not None:
        checkpoint[FINETUNING_KEY] = {"learning_rate": rate}
    return write_checkpoint(checkpoint, path)


@pytest.mark.parametrize("rate", [3e-3, None])
def test_auto_learning_rate_is_the_checkpoints_and_drives_the_optimizer(tiny_checkpoint, small_data,
                                                                        tmp_path, rate):
    from skcausalmix.finetuning._checkpoint import OFFICIAL_LEARNING_RATE

    X, y = small_data
    path = _checkpoint_with_rate(tiny_checkpoint, tmp_path / "rate.safetensors", rate)
    clf = CausalMixTabPFNClassifier(model_path=path, augmenter=None, **FAST).fit(X, y)
    expected = OFFICIAL_LEARNING_RATE if rate is None else rate  # no header: tabpfn's own
    assert clf.learning_rate_ == expected
    assert [h["lr"] for h in clf.history_[1:]] == [expected] * (len(clf.history_) - 1)
    fixed = CausalMixTabPFNClassifier(model_path=path, augmenter=None, learning_rate=2e-4,
                                      **FAST).fit(X, y)
    assert fixed.learning_rate_ == 2e-4 and fixed.history_[-1]["lr"] == 2e-4


def test_saving_needs_no_original_checkpoint_file(tiny_checkpoint, small_data, tmp_path):
    # A fitted model pickled and moved elsewhere: its checkpoint file is not there.
    from tabpfn.checkpoint import Checkpoint

    from skcausalmix.finetuning._checkpoint import FINETUNING_KEY

    X, y = small_data
    own = _checkpoint_with_rate(tiny_checkpoint, tmp_path / "own.safetensors", 7e-4)
    clf = CausalMixTabPFNClassifier(model_path=own, augmenter=None, **FAST).fit(X, y)
    moved = pickle.loads(pickle.dumps(clf))
    own.unlink()
    path = moved.save_model(tmp_path / "saved.safetensors")
    assert Checkpoint(str(path)).load()[FINETUNING_KEY] == {"learning_rate": 7e-4}


def test_steps_do_not_grow_with_the_table(tiny_checkpoint, monkeypatch):
    # 700 rows are almost two episodes of the default sizes: still one optimizer step per
    # iteration, each on a full context and query.
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=700, n_features=4, random_state=0)
    seen = []
    real_batch = adapter.episode_batch

    def spy(clf, X_ctx, y_ctx, X_q, y_q, seed):
        seen.append((len(y_ctx), len(y_q)))
        return real_batch(clf, X_ctx, y_ctx, X_q, y_q, seed)

    monkeypatch.setattr(adapter, "episode_batch", spy)
    params = {**FAST, "context_size": 256, "query_size": 128, "max_iter": 3}
    clf = CausalMixTabPFNClassifier(model_path=tiny_checkpoint, augmenter=None, **params)
    clf.fit(X, y, X_val=X[:40], y_val=y[:40])
    assert clf.n_iter_ == 3 and seen == [(256, 128)] * 3


def test_validation_scores_the_deployed_ensemble(tiny_checkpoint, small_data):
    # Check 0 of a default fit scores exactly the model zero-shot predict would run.
    from sklearn.metrics import log_loss

    X, y = small_data
    X_tr, y_tr, X_va, y_va = X[:60], y[:60], X[60:], y[60:]
    params = dict(model_path=tiny_checkpoint, augmenter=None, random_state=0)
    tuned = CausalMixTabPFNClassifier(max_iter=2, validation_interval=1, **params)
    tuned.fit(X_tr, y_tr, X_val=X_va, y_val=y_va)
    zero_shot = CausalMixTabPFNClassifier(max_iter=0, **params).fit(X_tr, y_tr)
    expected = log_loss(y_va, zero_shot.predict_proba(X_va), labels=[0, 1])
    assert tuned.history_[0]["valid_log_loss"] == pytest.approx(expected, rel=1e-5)


def test_zero_shot_fits_no_augmenter(tiny_checkpoint, small_data):
    X, y = small_data
    clf = CausalMixTabPFNClassifier(model_path=tiny_checkpoint, max_iter=0, **{
        k: v for k, v in FAST.items() if k != "max_iter"}).fit(X, y)
    assert clf.augmenter_ is None and clf.n_synthetic_ == 0 and clf.augment_seconds_ == 0


def test_fit_leaves_torchs_global_generator_alone(tiny_checkpoint, small_data):
    import torch

    X, y = small_data
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    CausalMixTabPFNClassifier(model_path=tiny_checkpoint, **FAST).fit(X, y)
    assert torch.equal(torch.rand(3), expected)

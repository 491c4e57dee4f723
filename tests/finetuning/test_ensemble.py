"""skcausalmix/finetuning/_ensemble.py: the ensemble a checkpoint asks for, and its guard."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification

from skcausalmix.finetuning._ensemble import (
    ENSEMBLE_KEY,
    FEATURES_PER_MEMBER,
    N_MEMBERS,
    ensemble_settings,
    ensemble_spec,
    informative_columns,
    member_count,
    stored_ensemble,
    take_columns,
)

pytest.importorskip("tabpfn")


def _settings(path):
    from tabpfn.checkpoint import Checkpoint

    transforms = Checkpoint(str(path)).load()["inference_config"]["PREPROCESS_TRANSFORMS"]
    return ensemble_settings(stored_ensemble(path), transforms)


def test_our_checkpoints_ask_for_it_and_others_do_not(tiny_checkpoint, tmp_path):
    from tabpfn.checkpoint import Checkpoint

    from skcausalmix.finetuning._checkpoint import write_checkpoint

    assert stored_ensemble(tiny_checkpoint) == ensemble_spec()
    other = Checkpoint(str(tiny_checkpoint)).load()
    other.pop(ENSEMBLE_KEY)
    assert stored_ensemble(write_checkpoint(other, tmp_path / "other.safetensors")) is None


def test_a_quarter_full_width_the_rest_on_column_subsets(tiny_checkpoint):
    from tabpfn import TabPFNClassifier

    X, y = make_classification(60, 12, random_state=0)
    clf = TabPFNClassifier(model_path=str(tiny_checkpoint), device="cpu", random_state=0,
                           n_estimators=member_count("auto", stored_ensemble(tiny_checkpoint)),
                           inference_config=_settings(tiny_checkpoint)).fit(X, y)
    subsets = clf.ensemble_preprocessor_.subsample_feature_indices
    assert len(subsets) == N_MEMBERS
    views = [s for s in subsets if s is not None]
    assert len(subsets) - len(views) == N_MEMBERS // 4
    assert {len(s) for s in views} == {FEATURES_PER_MEMBER}
    # different views, and together they see every column
    assert len({tuple(s) for s in views}) > 1
    assert np.bincount(np.concatenate(views), minlength=12).min() >= 1


def test_a_lone_member_sees_every_column(tiny_checkpoint):
    """Fine-tuning steps run one member: it is the full-width one."""
    from tabpfn import TabPFNClassifier

    from skcausalmix.finetuning._ensemble import full_width_coverage

    X, y = make_classification(60, 12, random_state=0)
    settings = _settings(tiny_checkpoint)
    clf = TabPFNClassifier(model_path=str(tiny_checkpoint), n_estimators=1, device="cpu",
                           inference_config=settings)
    with full_width_coverage(settings, 12):
        clf.fit(X, y)
    assert clf.ensemble_preprocessor_.subsample_feature_indices == [None]


@pytest.mark.parametrize("n_estimators, n_columns", [(1, 12), (32, 200)])
def test_no_false_coverage_warning_when_a_member_sees_every_column(tiny_checkpoint, n_estimators, n_columns):
    # tabpfn counts coverage with the 5-column views only and told users that
    # columns "are never sampled" (n * 5 < columns), though full-width members see them all.
    import warnings

    from tabpfn import TabPFNClassifier

    from skcausalmix.finetuning._ensemble import full_width_coverage

    settings = _settings(tiny_checkpoint)
    X, y = make_classification(60, n_columns, random_state=0)
    clf = TabPFNClassifier(model_path=str(tiny_checkpoint), n_estimators=n_estimators, device="cpu",
                           inference_config=settings)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with full_width_coverage(settings, n_columns):
            clf.fit(X, y)
    with pytest.warns(UserWarning, match="covers at most"):  # tabpfn's own, unguarded
        clf.fit(X, y)
    # Wider than the full-width members' 500 columns: the warning stands.
    with pytest.warns(UserWarning, match="covers at most"), full_width_coverage(settings, 600):
        warnings.warn("Running 32 estimators covers at most 160 of 600 features", UserWarning)


def test_settings_cycle_through_any_number_of_configurations():
    from tabpfn.preprocessing import PreprocessorConfig

    a, b, c = (PreprocessorConfig(name) for name in ("none", "robust", "squashing_scaler_default"))
    settings = ensemble_settings({"n_members": 8, "features_per_member": 3}, [a, b, c])
    names = [t.name for t in settings["PREPROCESS_TRANSFORMS"]]
    widths = [t.max_features_per_estimator for t in settings["PREPROCESS_TRANSFORMS"]]
    assert names == ["none", "robust", "squashing_scaler_default", "none"]
    assert widths == [500, 3, 3, 3]
    assert member_count("auto", {"n_members": 8}) == 8
    assert member_count(3, {"n_members": 8}) == 3
    assert member_count("auto", None) == "auto"  # tabpfn's own


def test_informative_columns_count_as_tabpfn_does():
    X = np.array([
        [1.0, 0.0, np.nan, 5.0, 2.0],
        [1.0, 0.0, np.nan, np.nan, 3.0],
        [1.0, 0.0, np.nan, 5.0, 2.0],
    ])
    # constant, constant, all missing: out; a value and a gap, two values: in
    np.testing.assert_array_equal(informative_columns(X), [False, False, False, True, True])
    frame = pd.DataFrame({"c": ["a", "a", "a"], "d": ["a", "b", "a"],
                          "k": pd.Categorical(["x", "x", "x"])})
    np.testing.assert_array_equal(informative_columns(frame), [False, True, False])
    # nothing varies: keep all, so that tabpfn's own error says so
    assert informative_columns(np.ones((4, 3))).all()


def test_take_columns_keeps_frames_and_arrays():
    X = np.arange(12.0).reshape(3, 4)
    mask = np.array([True, False, True, False])
    np.testing.assert_array_equal(take_columns(X, mask), X[:, [0, 2]])
    frame = pd.DataFrame(X, columns=list("abcd"))
    assert list(take_columns(frame, mask).columns) == ["a", "c"]
    assert take_columns(frame, np.ones(4, dtype=bool)) is frame


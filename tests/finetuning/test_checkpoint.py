"""skcausalmix/finetuning/_checkpoint.py: the inference settings our checkpoints carry."""

import json

import numpy as np
import pytest
from sklearn.datasets import make_classification

from skcausalmix.finetuning import bundled_model_path
from skcausalmix.finetuning._checkpoint import (
    FEATURES_PER_MEMBER,
    N_MEMBERS,
    build_random_checkpoint,
    inference_config_dict,
    refresh_inference_config,
    write_checkpoint,
)

pytest.importorskip("tabpfn")


def _plain(config):
    """As stored: the file keeps tuples as lists."""
    return json.loads(json.dumps(config))


def _load(path):
    from tabpfn.checkpoint import Checkpoint

    return Checkpoint(str(path)).load()


def test_bundled_file_carries_the_current_inference_settings():
    config = _load(bundled_model_path())["inference_config"]
    assert config == _plain(inference_config_dict())
    assert config["N_ESTIMATORS"] == N_MEMBERS
    assert config["FEATURE_SUBSAMPLING_METHOD"] == "balanced"
    widths = [t["max_features_per_estimator"] for t in config["PREPROCESS_TRANSFORMS"]]
    assert widths[0] >= 500 and widths[1:] == [FEATURES_PER_MEMBER] * 3


def test_plain_tabpfn_runs_a_quarter_full_width_the_rest_on_column_subsets(tiny_checkpoint):
    from tabpfn import TabPFNClassifier

    X, y = make_classification(60, 12, random_state=0)
    clf = TabPFNClassifier(model_path=str(tiny_checkpoint), device="cpu", random_state=0).fit(X, y)
    subsets = clf.ensemble_preprocessor_.subsample_feature_indices
    assert len(subsets) == N_MEMBERS
    full = [s for s in subsets if s is None]
    views = [s for s in subsets if s is not None]
    assert len(full) == N_MEMBERS // 4
    assert {len(s) for s in views} == {FEATURES_PER_MEMBER}
    # different views, and together they see every column
    assert len({tuple(s) for s in views}) > 1
    assert np.bincount(np.concatenate(views), minlength=12).min() >= 1


def test_one_member_sees_every_column(tiny_checkpoint):
    """Fine-tuning steps run one member: it is the full-width one."""
    from tabpfn import TabPFNClassifier

    X, y = make_classification(60, 12, random_state=0)
    clf = TabPFNClassifier(model_path=str(tiny_checkpoint), n_estimators=1, device="cpu").fit(X, y)
    assert clf.ensemble_preprocessor_.subsample_feature_indices == [None]


def test_refresh_rewrites_the_settings_and_keeps_the_weights(tmp_path):
    old = _load(build_random_checkpoint(tmp_path / "a.safetensors", seed=3))
    old["inference_config"]["N_ESTIMATORS"] = 4
    old["inference_config"]["PREPROCESS_TRANSFORMS"][0]["max_features_per_estimator"] = 500
    write_checkpoint(old, tmp_path / "old.safetensors")

    refresh_inference_config(tmp_path / "old.safetensors", tmp_path / "new.safetensors")
    new = _load(tmp_path / "new.safetensors")
    assert new["inference_config"] == _plain(inference_config_dict())
    assert new["config"] == old["config"]
    assert new["architecture_name"] == old["architecture_name"]
    assert new["state_dict"].keys() == old["state_dict"].keys()
    for key, value in old["state_dict"].items():
        assert (new["state_dict"][key] == value).all(), key
    # in place by default
    refresh_inference_config(tmp_path / "old.safetensors")
    assert _load(tmp_path / "old.safetensors")["inference_config"] == _plain(inference_config_dict())


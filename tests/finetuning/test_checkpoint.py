"""skcausalmix/finetuning/_checkpoint.py: the inference settings our checkpoints carry."""

import json

import numpy as np
import pytest

from skcausalmix.finetuning import bundled_model_path
from skcausalmix.finetuning._checkpoint import inference_config_dict
from skcausalmix.finetuning._ensemble import ENSEMBLE_KEY, ensemble_spec

pytest.importorskip("tabpfn")


def _plain(config):
    """As stored: the file keeps tuples as lists."""
    return json.loads(json.dumps(config))


def _load(path):
    from tabpfn.checkpoint import Checkpoint

    return Checkpoint(str(path)).load()


def test_bundled_file_carries_the_current_settings_and_ensemble():
    stored = _load(bundled_model_path())
    assert stored["inference_config"] == _plain(inference_config_dict())
    assert stored[ENSEMBLE_KEY] == ensemble_spec()
    # its own tabpfn settings are full-width: safe for plain TabPFNClassifier
    widths = [t["max_features_per_estimator"] for t in stored["inference_config"]["PREPROCESS_TRANSFORMS"]]
    assert min(widths) >= 500


def test_plain_tabpfn_runs_every_member_on_all_columns(tiny_checkpoint):
    """Even on a table whose columns are mostly constant (rare one-hot categories)."""
    from tabpfn import TabPFNClassifier

    rng = np.random.RandomState(0)
    X = np.zeros((64, 100))
    X[:, :10] = rng.random_sample((64, 10)) < 0.3
    y = (X[:, :3].sum(1) > 0).astype(int)
    clf = TabPFNClassifier(model_path=str(tiny_checkpoint), device="cpu", random_state=0).fit(X, y)
    assert all(s is None for s in clf.ensemble_preprocessor_.subsample_feature_indices)
    assert clf.predict_proba(X).shape == (64, 2)

import warnings

import pytest

import skcausalmix.finetuning._model_loading as loading
from skcausalmix.finetuning import bundled_model_path, resolve_model_path


def test_bundled_checkpoint_is_a_small_v3_model():
    path = bundled_model_path()
    assert path.suffix == ".safetensors"
    assert path.stat().st_size <= 10 * 1024 * 1024
    meta = loading.check_checkpoint(path)
    assert meta["architecture_name"] == "tabpfn_v3"
    assert meta["config"]["max_num_classes"] == 10


def test_bundled_checkpoint_has_learned_in_context_prediction():
    from sklearn.datasets import load_breast_cancer
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from tabpfn import TabPFNClassifier

    X, y = load_breast_cancer(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, train_size=128, stratify=y, random_state=0)
    clf = TabPFNClassifier(model_path=str(bundled_model_path()), n_estimators=2, device="cpu",
                           random_state=0).fit(X_tr, y_tr)
    auc = roc_auc_score(y_te, clf.predict_proba(X_te)[:, 1])
    assert auc > 0.8, auc  # a random model scores about 0.5


def test_explicit_path_wins(tmp_path):
    from skcausalmix.finetuning._checkpoint import build_random_checkpoint

    path = build_random_checkpoint(tmp_path / "mine.safetensors")
    assert resolve_model_path(path) == path.resolve()
    assert resolve_model_path("bundled") == bundled_model_path()


@pytest.mark.parametrize("zip_format", [True, False])
def test_torch_checkpoints_are_read_in_either_format(tmp_path, zip_format):
    """The header is read with the tensors memory-mapped (zip format) or loaded (legacy)."""
    import torch

    from skcausalmix.finetuning._ensemble import (
        ENSEMBLE_KEY,
        ensemble_spec,
        stored_ensemble,
    )

    path = tmp_path / "weights.ckpt"
    torch.save({"state_dict": {"w": torch.ones(3)}, "config": {"max_num_classes": 10},
                "architecture_name": "tabpfn_v3", ENSEMBLE_KEY: ensemble_spec()},
               path, _use_new_zipfile_serialization=zip_format)
    assert loading.check_checkpoint(path)["architecture_name"] == "tabpfn_v3"
    assert stored_ensemble(path) == ensemble_spec()


def test_auto_falls_back_to_bundled_with_one_warning(monkeypatch):
    monkeypatch.setattr(loading, "_official_classifier_path", lambda download: (None, "offline"))
    monkeypatch.setattr(loading, "_warned_fallback", False)
    with pytest.warns(UserWarning, match="skcausalmix-small-v3.safetensors"):
        assert resolve_model_path("auto") == bundled_model_path()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        resolve_model_path("auto")  # warned once per process


def test_auto_uses_official_weights_when_present(monkeypatch, tmp_path):
    official = tmp_path / "tabpfn-v3-classifier.ckpt"
    official.write_bytes(b"")
    monkeypatch.setattr(loading, "_official_classifier_path", lambda download: (official, None))
    assert resolve_model_path("auto") == official


def test_auto_offline_reports_why_and_falls_back(monkeypatch, tmp_path):
    import tabpfn.model_loading as tabpfn_loading

    # An empty cache and a hub that cannot be reached, as on an offline machine.
    monkeypatch.setenv("TABPFN_MODEL_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(tabpfn_loading, "download_model",
                        lambda *a, **k: [ConnectionError("no route to the model hub")])
    path, problem = loading._official_classifier_path(download=True)
    assert path is None and "ConnectionError: no route to the model hub" in problem
    monkeypatch.setattr(loading, "_warned_fallback", False)
    with pytest.warns(UserWarning, match="no route to the model hub"):
        assert resolve_model_path("auto") == bundled_model_path()


def test_missing_bundled_file_has_clear_message(monkeypatch, tmp_path):
    monkeypatch.setattr(loading, "BUNDLED_NAME", "nothing-here.safetensors")
    with pytest.raises(loading.ModelUnavailableError, match="reinstall"):
        bundled_model_path()


def test_bad_model_path_type():
    with pytest.raises(TypeError, match="model_path"):
        resolve_model_path(3)


@pytest.mark.parametrize("given", ["Bundled", " bundled", "skcausalmix-small-v3"])
def test_near_misses_of_the_bundled_name_say_what_to_pass(given, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing of that name here
    with pytest.raises(FileNotFoundError, match="pass model_path='bundled'"):
        resolve_model_path(given)


def test_a_folder_is_not_a_checkpoint(tmp_path):
    # Was "Checkpoint file not found: /tmp", for a folder that exists.
    with pytest.raises(FileNotFoundError, match="is a folder; model_path takes a checkpoint file"):
        resolve_model_path(tmp_path)

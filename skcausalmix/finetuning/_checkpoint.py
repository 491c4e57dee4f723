"""Checkpoints in tabpfn's own format: building, writing and checking them.

tabpfn, torch and safetensors are imported inside the functions so that
``import skcausalmix`` stays fast.
"""

from dataclasses import asdict
from pathlib import Path

from ._ensemble import ENSEMBLE_KEY, ensemble_spec

ARCHITECTURE = "tabpfn_v3"

#: Header key of the fine-tuning settings a checkpoint asks for (``learning_rate="auto"``).
FINETUNING_KEY = "skcausalmix_finetuning"
#: The learning rate of checkpoints that name none: tabpfn's own fine-tuning default for
#: its official weights.
OFFICIAL_LEARNING_RATE = 1e-5
#: Our small checkpoints' rate, chosen by benchmarks/study_finetuning.py (see its results).
SMALL_LEARNING_RATE = 3e-5

# A small TabPFN v3: tens of thousands of times cheaper than the official one.
SMALL_V3_CONFIG = {
    "embed_dim": 32,
    "dist_embed_num_blocks": 1,
    "dist_embed_num_heads": 2,
    "dist_embed_num_inducing_points": 16,
    "feat_agg_num_blocks": 1,
    "feat_agg_num_heads": 2,
    "feat_agg_num_cls_tokens": 4,
    "nlayers": 4,
    "icl_num_heads": 2,
    "decoder_head_dim": 16,
    "decoder_num_heads": 2,
    "max_num_classes": 10,
}


def finetuning_spec():
    """The fine-tuning settings our checkpoints ask for (stored under ``FINETUNING_KEY``)."""
    return {"learning_rate": SMALL_LEARNING_RATE}


def stored_finetuning(path):
    """The fine-tuning settings a checkpoint file's header holds, or None (official weights)."""
    from ._model_loading import check_checkpoint

    spec = check_checkpoint(path).get(FINETUNING_KEY)
    return dict(spec) if spec else None


def learning_rate_of(finetuning):
    """The learning rate ``stored_finetuning`` asks for; tabpfn's default when it names none."""
    return float((finetuning or {}).get("learning_rate", OFFICIAL_LEARNING_RATE))


def stored_learning_rate(path):
    """The learning rate a checkpoint file asks for; tabpfn's default when it names none."""
    return learning_rate_of(stored_finetuning(path))


def inference_config_dict():
    """Inference settings stored in our checkpoints.

    tabpfn's v2.5 classifier defaults, without the SVD components and the
    fingerprint column, which a small model trained on raw prior features
    has never seen. They are what a plain ``TabPFNClassifier`` runs; the
    ensemble skcausalmix runs is stored beside them (``_ensemble``).
    """
    from tabpfn.inference_config import InferenceConfig
    from tabpfn.model_loading import ModelVersion

    config = asdict(InferenceConfig.get_default("multiclass", ModelVersion.V2_5))
    for transform in config["PREPROCESS_TRANSFORMS"]:
        transform["global_transformer_name"] = None
    config["FINGERPRINT_FEATURE"] = False
    return config


def build_model(config=None, seed=0, output_noise=0.0):
    """A freshly initialised tabpfn v3 model.

    ``output_noise`` redraws the output projections, which tabpfn initialises
    to zero, so that an untrained model's output depends on its input.
    """
    import torch
    from tabpfn.architectures import ARCHITECTURES

    arch = ARCHITECTURES[ARCHITECTURE]
    parsed, unused = arch.parse_config({**SMALL_V3_CONFIG, **(config or {})})
    if unused:
        raise ValueError(f"Unknown tabpfn_v3 config keys: {sorted(unused)}")
    torch.manual_seed(seed)
    model = arch.get_architecture(parsed)
    if output_noise:
        with torch.no_grad():
            for param in model.parameters():
                if param.ndim == 2 and not param.any():
                    param.normal_(0.0, output_noise)
    return model, asdict(parsed)


def plain_state_dict(module):
    """Detached, contiguous CPU copies of a module's tensors, ready to write."""
    return {k: v.detach().cpu().contiguous() for k, v in module.state_dict().items()}


def checkpoint_settings():
    """What our checkpoints store beside the weights: tabpfn's inference settings, the
    ensemble skcausalmix runs and the fine-tuning settings, each as they are now."""
    return {
        "inference_config": inference_config_dict(),
        ENSEMBLE_KEY: ensemble_spec(),
        FINETUNING_KEY: finetuning_spec(),
    }


def save_checkpoint(model, config, path, extra=None):
    """Write a freshly built or pretrained v3 ``model`` as a tabpfn checkpoint."""
    checkpoint = {
        "state_dict": plain_state_dict(model),
        "config": dict(config),
        "architecture_name": ARCHITECTURE,
        **checkpoint_settings(),
        **(extra or {}),
    }
    return write_checkpoint(checkpoint, path)


def write_checkpoint(checkpoint, path):
    """Write a checkpoint dict that ``TabPFNClassifier(model_path=path)`` loads.

    ``.safetensors`` is preferred (no pickle); ``.ckpt``/``.pth`` use
    ``torch.save`` of plain types only, so they load with ``weights_only=True``.
    """
    import torch
    from tabpfn.checkpoint import save_as_safetensors

    path = Path(path)
    if path.suffix not in (".safetensors", ".ckpt", ".pth"):
        raise ValueError(f"Checkpoint files end in .safetensors, .ckpt or .pth; got {path.name!r}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".safetensors":
        save_as_safetensors(checkpoint, path)
    else:
        torch.save(checkpoint, path)
    return path


def build_random_checkpoint(path, config=None, seed=0, output_noise=0.02):
    """Write a small randomly initialised checkpoint (for tests and demos offline)."""
    model, parsed = build_model(config, seed=seed, output_noise=output_noise)
    return save_checkpoint(model, parsed, path)

"""Which TabPFN weights to use, and checking a checkpoint before tabpfn loads it.

Resolution order for ``model_path``:

1. a file path: that file (checked: exists, known format and architecture);
2. ``"bundled"``: the small checkpoint that ships with skcausalmix;
3. ``"auto"`` (default): tabpfn's official classifier weights from its cache,
   downloading them if needed; when they cannot be had (offline, licence
   gate), the bundled checkpoint, with a one-time warning naming it.
"""

import json
import warnings
from importlib import resources
from pathlib import Path

BUNDLED_NAME = "skcausalmix-small-v3.safetensors"
SUFFIXES = (".safetensors", ".ckpt", ".pth")

_warned_fallback = False


class ModelUnavailableError(RuntimeError):
    """No usable TabPFN weights could be found."""


def bundled_model_path():
    """Path of the small pretrained checkpoint that ships with skcausalmix."""
    path = Path(str(resources.files("skcausalmix.finetuning") / "models" / BUNDLED_NAME))
    if not path.is_file():
        raise ModelUnavailableError(
            f"The bundled checkpoint {BUNDLED_NAME} is missing from this installation "
            f"(looked in {path.parent}); reinstall skcausalmix or pass model_path=<file>."
        )
    return path


def resolve_model_path(model_path="auto", *, download=True):
    """Turn ``model_path`` into the checkpoint file to load.

    Parameters
    ----------
    model_path : str or path-like, default="auto"
        A checkpoint file, ``"bundled"``, or ``"auto"`` (official weights when
        available, else the bundled checkpoint with a warning).
    download : bool, default=True
        Whether ``"auto"`` may download the official weights.

    Returns
    -------
    path : pathlib.Path
    """
    if isinstance(model_path, str) and model_path == "bundled":
        return bundled_model_path()
    if isinstance(model_path, str) and model_path == "auto":
        official, problem = _official_classifier_path(download)
        if official is not None:
            return official
        path = bundled_model_path()
        _warn_fallback_once(path, problem)
        return path
    if not isinstance(model_path, (str, Path)):
        raise TypeError(
            "model_path must be 'auto', 'bundled' or a path to a checkpoint file; got "
            f"{type(model_path).__name__}."
        )
    path = Path(model_path).expanduser().resolve()
    if not path.exists() and str(model_path).strip().lower() in ("auto", "bundled", Path(BUNDLED_NAME).stem):
        raise FileNotFoundError(
            f"Checkpoint file not found: {path}; for the bundled model pass model_path='bundled' "
            "(or 'auto'), exactly."
        )
    check_checkpoint(path)
    return path


def check_checkpoint(path):
    """Raise a clear error unless ``path`` holds a TabPFN checkpoint we can load.

    safetensors headers are read without loading any code; ``.ckpt``/``.pth``
    files are read with ``torch.load(weights_only=True)``, so no pickled
    objects from an untrusted file are ever executed.
    """
    path = Path(path)
    if path.is_dir():
        # FileNotFoundError, as callers (the command line, the benchmark) expect of a missing file.
        raise FileNotFoundError(f"{path} is a folder; model_path takes a checkpoint file "
                                f"({', '.join(SUFFIXES)}).")
    if not path.is_file():
        raise FileNotFoundError(f"Checkpoint file not found: {path}")
    if path.suffix not in SUFFIXES:
        raise ValueError(
            f"Unsupported checkpoint format {path.suffix!r} ({path.name}); expected one of "
            f"{', '.join(SUFFIXES)}."
        )
    meta = _read_metadata(path)
    from tabpfn.architectures import ARCHITECTURES

    name = meta.get("architecture_name", "tabpfn_v2")
    if name == "base":
        name = "tabpfn_v2_5"
    if name not in ARCHITECTURES:
        raise ValueError(
            f"Checkpoint {path.name} has unknown architecture {name!r}; this tabpfn "
            f"knows {sorted(ARCHITECTURES)}."
        )
    if not isinstance(meta.get("config"), dict):
        raise ValueError(f"Checkpoint {path.name} has no model config; it is not a TabPFN checkpoint.")
    return meta


def _read_metadata(path):
    if path.suffix == ".safetensors":
        try:
            from safetensors import safe_open

            with safe_open(str(path), framework="pt", device="cpu") as f:
                header = f.metadata() or {}
            return {k: json.loads(v) for k, v in header.items()}
        except Exception as exc:  # safetensors raises its own error types
            raise ValueError(f"Checkpoint {path.name} is corrupt or not a safetensors file: {exc}") from exc
    import pickle
    import zipfile

    import torch

    try:
        # Only the metadata is wanted: map the tensors instead of reading them
        # (official checkpoints run to hundreds of MB; torch's zip format only).
        checkpoint = torch.load(str(path), map_location="cpu", weights_only=True,
                                mmap=zipfile.is_zipfile(path))
    except pickle.UnpicklingError as exc:
        raise ValueError(
            f"Checkpoint {path.name} holds Python objects beyond plain weights and was not "
            "loaded (only weights-only checkpoints are accepted, for safety)."
        ) from exc
    except Exception as exc:
        raise ValueError(f"Checkpoint {path.name} is corrupt or not a torch checkpoint: {exc}") from exc
    if not isinstance(checkpoint, dict) or "state_dict" not in checkpoint:
        raise ValueError(f"Checkpoint {path.name} has no state_dict; it is not a TabPFN checkpoint.")
    return {k: v for k, v in checkpoint.items() if k != "state_dict"}


def _official_classifier_path(download):
    """The official weights' file, or (None, reason) when they cannot be had."""
    try:
        from tabpfn.model_loading import ModelVersion, download_model
        from tabpfn.model_loading import resolve_model_path as tabpfn_resolve
        from tabpfn.settings import settings

        version = str(settings.tabpfn.model_version.value if hasattr(
            settings.tabpfn.model_version, "value") else settings.tabpfn.model_version)
        paths, _, _, _ = tabpfn_resolve(None, "classifier", version=version)
        path = Path(paths[0])
        if path.is_file():
            return path, None
        if not download:
            return None, f"not in the cache ({path}) and downloading is disabled"
        result = download_model(path, version=ModelVersion(version), which="classifier")
    except Exception as exc:  # any hub, licence or network failure
        return None, f"{type(exc).__name__}: {exc}"
    if result == "ok" and path.is_file():
        return path, None
    errors = result if isinstance(result, list) else [result]
    return None, "; ".join(f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}" for e in errors[:2])


def _warn_fallback_once(path, problem):
    global _warned_fallback
    if _warned_fallback:
        return
    _warned_fallback = True
    warnings.warn(
        "The official TabPFN weights are not available "
        f"({problem}). Using the small checkpoint bundled with skcausalmix instead: "
        f"{path.name}. It was pretrained by skcausalmix on synthetic data and is far "
        "weaker than TabPFN; for real use, get the official weights (accept the licence "
        "and set TABPFN_MODEL_CACHE_DIR, or run once online) or pass model_path=<file>. "
        "Pass model_path='bundled' to choose it explicitly and silence this warning.",
        UserWarning,
        stacklevel=3,
    )

"""Fine-tuning TabPFN with causal synthetic data, and model loading.

torch and tabpfn are imported only when a model is fitted or loaded.
"""

from ._classifier import CausalMixTabPFNClassifier
from ._model_loading import ModelUnavailableError, bundled_model_path, resolve_model_path

__all__ = [
    "CausalMixTabPFNClassifier",
    "ModelUnavailableError",
    "bundled_model_path",
    "resolve_model_path",
]

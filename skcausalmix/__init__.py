"""skcausalmix: causal data augmentation for scikit-learn and TabPFN fine-tuning.

Importing the package stays fast: lingam, torch and tabpfn are imported only
when a model that needs them is fitted.
"""

from .finetuning import CausalMixTabPFNClassifier
from .over_sampling import CausalMixAugmenter
from .scm import StructuralCausalModel

__version__ = "0.1.0.dev0"

__all__ = [
    "CausalMixAugmenter",
    "CausalMixTabPFNClassifier",
    "StructuralCausalModel",
    "__version__",
]

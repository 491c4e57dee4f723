"""Samplers that add synthetic rows: causal (fitted SCM), a mixup baseline, and
imbalanced-learn's over-samplers in the same augmentation mode."""

from ._causal_mix import CausalMixAugmenter
from ._mixup import WithinClassMixup
from ._proportional import ProportionalOverSampler

__all__ = ["CausalMixAugmenter", "ProportionalOverSampler", "WithinClassMixup"]

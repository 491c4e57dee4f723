"""Samplers that add synthetic rows: causal (fitted SCM) and a mixup baseline."""

from ._causal_mix import CausalMixAugmenter
from ._mixup import WithinClassMixup

__all__ = ["CausalMixAugmenter", "WithinClassMixup"]

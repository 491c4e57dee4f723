"""Samplers that add synthetic rows drawn from a fitted causal model."""

from ._causal_mix import CausalMixAugmenter

__all__ = ["CausalMixAugmenter"]

"""Structural causal models fitted to tables: discovery, equations, sampling."""

from ._discovery import topological_order
from ._equations import NodeEquation
from ._scm import StructuralCausalModel

__all__ = ["NodeEquation", "StructuralCausalModel", "topological_order"]

"""Benchmark and screening scripts of skcausalmix (not installed with it).

Run them from the repository root as modules, ``python -m benchmarks.NAME``;
what they share is in :mod:`benchmarks.common`.
"""

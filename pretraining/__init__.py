"""The scripts that pretrain skcausalmix's bundled TabPFN checkpoint (not installed with it).

Run them from the repository root as modules, ``python -m pretraining.NAME``.
"""

"""The benchmark harness: augmenters and fine-tuning compared on real datasets.

Runs are Dask tasks (a ``LocalCluster`` by default, any scheduler address
otherwise); results are appended to ``results.jsonl`` as they finish, so an
interrupted benchmark resumes where it stopped. On the command line it is
``skcausalmix benchmark`` (``python -m skcausalmix.benchmark`` and
``benchmarks/run_benchmark.py`` run that same command). Needs the
``benchmark`` extra (dask, matplotlib).
"""

# A general sampler, at home in over_sampling; still importable from here.
from ..over_sampling import ProportionalOverSampler
from ._datasets import DatasetRef, cap_dataset, list_datasets, load_dataset, split_scarce
from ._methods import AUGMENTERS, CLASSIC_MODELS, FINETUNE_METHODS, classic_models, make_augmenter
from ._report import curve_correlation, plot_report, run_metrics, summarize, write_report
from ._results import read_results
from ._runner import BenchmarkConfig, plan_runs, run_benchmark, run_one

__all__ = [
    "AUGMENTERS",
    "CLASSIC_MODELS",
    "FINETUNE_METHODS",
    "BenchmarkConfig",
    "DatasetRef",
    "ProportionalOverSampler",
    "cap_dataset",
    "classic_models",
    "curve_correlation",
    "list_datasets",
    "load_dataset",
    "make_augmenter",
    "plan_runs",
    "plot_report",
    "read_results",
    "run_benchmark",
    "run_metrics",
    "run_one",
    "split_scarce",
    "summarize",
    "write_report",
]

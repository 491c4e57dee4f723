"""
Running the benchmark on a Dask cluster
=======================================

The benchmark is a set of independent runs, one Dask task each. By default
:func:`~skcausalmix.benchmark.run_benchmark` starts a ``LocalCluster``; pass the
address of a running scheduler to use a real cluster (every worker needs skcausalmix
installed and the datasets at the same path, or OpenML access). Results are appended
to ``results.jsonl`` as runs finish, so an interrupted benchmark resumes where it
stopped. This example is not run when the documentation is built: it takes hours.
"""

# %%
from skcausalmix.benchmark import BenchmarkConfig, run_benchmark

config = BenchmarkConfig(
    datasets="../shared/datasets",          # or "openml-suite:tabarena-v0.1" when online
    sizes=[64, 128, 256],
    seeds=[0, 1, 2, 3, 4],
    methods=["zero-shot", "finetune", "causalmix", "causalmix-realval", "smote", "mixup"],
    model_path="auto",                      # official TabPFN weights when available
)                                           # fine-tuning settings: the classifier's defaults

if __name__ == "__main__":
    # On one machine: two worker processes.
    summary = run_benchmark(config, "results/local", n_workers=2)
    # On a cluster started with `dask scheduler` and `dask worker tcp://scheduler:8786`:
    # summary = run_benchmark(config, "results/cluster", scheduler="tcp://scheduler:8786")
    print(summary)            # results/local/report.md has the tables and plots

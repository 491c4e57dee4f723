"""Vectorized DirectLiNGAM against lingam's, and augmenting every shared dataset.

    python -m benchmarks.bench_discovery [--sizes 200x10,...] [--lingam-max-p 40]
    python -m benchmarks.bench_discovery --datasets   # CausalMixAugmenter on ../shared/datasets

Part 1: fit time of ``lingam.DirectLiNGAM`` and ours on random linear
non-Gaussian data, in the same run (ratio), whether the causal orders agree
and the largest adjacency difference, and our peak memory (tracemalloc).
lingam is skipped above ``--lingam-max-p`` features (it takes minutes there).
Part 2 (``--datasets``): ``CausalMixAugmenter(n_synthetic=1.0)`` with default
settings on each real dataset, timed.
"""

import argparse
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

from benchmarks.common import DATASETS, positive_int, table_shapes
from skcausalmix.scm._direct_lingam import FastDirectLiNGAM


def random_lingam(n, p, seed=0):
    rng = np.random.RandomState(seed)
    B = np.tril(rng.uniform(0.5, 1.5, (p, p)) * rng.choice([-1, 1], (p, p)), -1)
    B *= rng.rand(p, p) < min(1.0, 3.0 / p)
    X = np.zeros((n, p))
    for j in range(p):
        X[:, j] = X @ B[j] + rng.uniform(-1, 1, n)
    return X[:, rng.permutation(p)]


def discovery_table(sizes, lingam_max_p):
    import lingam

    print("| n x p | lingam s | ours s | speed-up | same order | max abs diff B | our peak MB |")
    print("|---|---|---|---|---|---|---|")
    for n, p in sizes:
        X = random_lingam(n, p)
        # Timed without tracemalloc (it slows every allocation); best of two.
        t_ours = np.inf
        for _ in range(2):
            t = time.perf_counter()
            ours = FastDirectLiNGAM().fit(X)
            t_ours = min(t_ours, time.perf_counter() - t)
        tracemalloc.start()
        FastDirectLiNGAM().fit(X)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        if p <= lingam_max_p:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t = time.perf_counter()
                ref = lingam.DirectLiNGAM().fit(X)
                t_ref = time.perf_counter() - t
            same = ours.causal_order_ == ref.causal_order_
            diff = np.abs(ours.adjacency_matrix_ - ref.adjacency_matrix_).max()
            print(f"| {n}x{p} | {t_ref:.2f} | {t_ours:.3f} | {t_ref / t_ours:.1f}x | {same} | {diff:.1e} "
                  f"| {peak:.0f} |")
        else:
            print(f"| {n}x{p} | (skipped) | {t_ours:.3f} | | | | {peak:.0f} |")


def datasets_table(folder=DATASETS):
    from skcausalmix.benchmark import list_datasets, load_dataset
    from skcausalmix.over_sampling import CausalMixAugmenter

    refs = list_datasets(folder)  # the manifest checked before any run
    print("| dataset | rows x features | fit_resample s | edges | result |")
    print("|---|---|---|---|---|")
    for ref in refs:
        df, y = load_dataset(ref)
        t = time.perf_counter()
        try:
            aug = CausalMixAugmenter(n_synthetic=1.0, random_state=0)
            aug.fit_resample(df, y)
            result, edges = "ok", len(aug.scm_.edges_)
        except ValueError as exc:
            result, edges = f"error: {str(exc)[:80]}", ""
        print(f"| {ref.name} | {df.shape[0]} x {df.shape[1]} | {time.perf_counter() - t:.1f} | {edges} | {result} |",
              flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=table_shapes, default="200x10,500x20,1000x20,2000x20,2000x40,500x80,500x150")
    parser.add_argument("--lingam-max-p", type=positive_int, default=40)
    parser.add_argument("--datasets", action="store_true")
    parser.add_argument("--data-dir", type=Path, default=DATASETS,
                        help="with --datasets: the folder (manifest.json and gzipped CSVs; default ../shared/datasets)")
    args = parser.parse_args(argv)
    if args.datasets:
        if not (args.data_dir / "manifest.json").is_file():
            parser.error(f"--data-dir: no manifest.json in {args.data_dir}")
        datasets_table(args.data_dir)
    else:
        discovery_table(args.sizes, args.lingam_max_p)


if __name__ == "__main__":
    main()

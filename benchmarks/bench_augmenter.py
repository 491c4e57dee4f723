"""Time CausalMixAugmenter.fit_resample against SMOTE, and where its time goes.

    python -m benchmarks.bench_augmenter [--repeats 1]

Data: a random linear non-Gaussian SCM with a binary class (70/30), so that
both samplers balance the classes. Every size is timed in the same run, so the
ratio column is comparable even on a noisy machine. The last column fits the
equations with ``mechanisms="shared"`` (one equation per node, not one per
class as well) on the same graph.
"""

import argparse
import time

import numpy as np
from imblearn.over_sampling import SMOTE

from benchmarks.common import positive_int, table_shapes
from skcausalmix.over_sampling import CausalMixAugmenter
from skcausalmix.scm import StructuralCausalModel
from skcausalmix.scm._discovery import discover


def make_data(n, p, seed=0):
    rng = np.random.RandomState(seed)
    y = (rng.rand(n) < 0.3).astype(int)
    B = np.tril(rng.uniform(0.5, 1.5, (p, p)) * rng.choice([-1, 1], (p, p)), -1)
    B *= rng.rand(p, p) < min(1.0, 3.0 / p)
    X = np.zeros((n, p))
    for j in range(p):
        X[:, j] = X @ B[j] + rng.uniform(-1, 1, n) + y * rng.normal()
    return X, y


def best_of(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=positive_int, default=1)
    parser.add_argument("--sizes", type=table_shapes, default="200x10,1000x20,2000x40")
    args = parser.parse_args(argv)
    # Warm-up: one-off import costs are not part of the comparison.
    X0, y0 = make_data(100, 3)
    CausalMixAugmenter(random_state=0).fit_resample(X0, y0)
    SMOTE(random_state=0).fit_resample(X0, y0)
    rows = []
    for n, p in args.sizes:
        X, y = make_data(n, p)
        t_smote = best_of(lambda: SMOTE(random_state=0).fit_resample(X, y), args.repeats)
        aug = CausalMixAugmenter(random_state=0)
        t_aug = best_of(lambda: aug.fit_resample(X, y), args.repeats)
        Zc = X - np.array([X[y == c].mean(0) for c in (0, 1)])[y]
        t_disc = best_of(lambda: discover(Zc, "direct", random_state=0), args.repeats)
        scm = StructuralCausalModel(graph=aug.scm_.adjacency_.to_numpy())
        t_eq = best_of(lambda: scm.fit(X, y), args.repeats)
        shared = StructuralCausalModel(graph=aug.scm_.adjacency_.to_numpy(), mechanisms="shared")
        t_shared = best_of(lambda: shared.fit(X, y), args.repeats)
        n_new = sum(aug.sampling_strategy_.values())
        t_sample = best_of(lambda: scm.sample(y=aug.sampling_strategy_, random_state=0), args.repeats)
        rows.append((f"{n}x{p}", n_new, t_smote, t_aug, t_aug / t_smote, t_disc, t_eq, t_sample, t_shared))
    head = ("size", "new rows", "SMOTE s", "CausalMix s", "ratio", "discovery s", "equations s", "sampling s",
            "shared equations s")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for size, n_new, ts, ta, r, td, te, tsa, tsh in rows:
        print(f"| {size} | {n_new} | {ts:.4f} | {ta:.3f} | {r:.0f}x | {td:.3f} ({td / ta:.0%}) "
              f"| {te:.3f} ({te / ta:.0%}) | {tsa:.3f} ({tsa / ta:.0%}) | {tsh:.3f} ({te / tsh:.1f}x less) |")


if __name__ == "__main__":
    main()

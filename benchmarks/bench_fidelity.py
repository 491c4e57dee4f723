"""Does CausalMixAugmenter keep what the real rows say for certain? A table per dataset.

    python -m benchmarks.bench_fidelity [--data-dir ../shared/datasets] [--rows 500]

For each dataset (its first ``--rows`` rows), ``CausalMixAugmenter(n_synthetic=1.0)``
with default settings, and three counts on its synthetic rows:

- ``exact pairs``: pairs of numeric columns that are exact linear functions
  of each other in the real rows (|corr| > 0.9999, e.g. a duplicated column
  or one in other units), and the smallest |corr| of such a pair in the
  synthetic rows (1.0000 when every one is kept);
- ``unseen levels``: synthetic categorical cells holding a level that the
  row's class never showed in the real rows, of all synthetic categorical
  cells;
- ``edges``: edges of the discovered graph.

Run from an older checkout (copy this file there) to compare versions.
Results: the closing note of the session that added it.
"""

import argparse
import warnings
from pathlib import Path

import numpy as np

from benchmarks.common import DATASETS


def fidelity(X, y, seed=0):
    from skcausalmix.over_sampling import CausalMixAugmenter

    aug = CausalMixAugmenter(n_synthetic=1.0, random_state=seed)
    X_res, y_res = aug.fit_resample(X, y)
    synth, y_syn = X_res[aug.synthetic_mask_], np.asarray(y_res)[aug.synthetic_mask_]
    numeric = [c for c in X.columns if aug.scm_.feature_kinds_[c] in ("continuous", "integer")]
    real_corr = X[numeric].corr().abs().to_numpy()
    syn_corr = synth[numeric].astype(float).corr().abs().to_numpy()
    i, j = np.nonzero(np.triu(real_corr > 0.9999, 1))
    worst = float(np.nanmin(syn_corr[i, j])) if len(i) else np.nan
    unseen = cells = 0
    for c in (c for c in X.columns if aug.scm_.feature_kinds_[c] == "categorical"):
        seen = {k: set(X[c][np.asarray(y) == k].dropna().astype(str)) for k in np.unique(y)}
        present = synth[c].notna().to_numpy()
        values = synth[c].astype(str).to_numpy()
        unseen += sum(v not in seen[k] for v, k, p in zip(values, y_syn, present) if p)
        cells += int(present.sum())
    return len(i), worst, unseen, cells, len(aug.scm_.edges_)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=DATASETS)
    parser.add_argument("--rows", type=int, default=500)
    args = parser.parse_args(argv)
    from skcausalmix.benchmark import list_datasets, load_dataset

    warnings.filterwarnings("ignore")
    print("| dataset | exact pairs | their smallest synthetic abs(corr) | unseen levels | edges |")
    print("|---|---|---|---|---|")
    totals = np.zeros(3, dtype=int)
    for ref in list_datasets(args.data_dir):
        X, y = load_dataset(ref)
        X, y = X.iloc[:args.rows], y[:args.rows]
        try:
            pairs, worst, unseen, cells, edges = fidelity(X, y)
        except ValueError as exc:  # e.g. a class with a single row among the first rows
            print(f"| {ref.name} | skipped: {str(exc)[:60]} | | | |")
            continue
        totals += (pairs, unseen, cells)
        print(f"| {ref.name} | {pairs} | {'' if np.isnan(worst) else f'{worst:.4f}'} | {unseen}/{cells} | {edges} |",
              flush=True)
    print(f"| all | {totals[0]} | | {totals[1]}/{totals[2]} | |")


if __name__ == "__main__":
    main()

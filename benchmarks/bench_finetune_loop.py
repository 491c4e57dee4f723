"""Our fine-tuning loop against tabpfn's own FinetunedTabPFNClassifier.

    python benchmarks/bench_finetune_loop.py [--model bundled] [--rows 300]

Same checkpoint, same data, one training step per epoch for both (the
training part fits in one context+query episode), one estimator everywhere,
validation every epoch. Each is fitted with a few and with more epochs; the
difference divided by the extra epochs is the marginal cost of an epoch
(one step plus one validation), free of the fixed start-up costs. Run in one
process, so the ratio is comparable on a noisy machine.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from skcausalmix._arguments import positive_int, positive_ints  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="bundled")
    parser.add_argument("--rows", type=positive_int, default=300)
    parser.add_argument("--epochs", type=positive_ints, default="2,8", help="two epoch counts, fewer first")
    parser.add_argument("--repeats", type=positive_int, default=2)
    args = parser.parse_args(argv)
    if len(args.epochs) != 2 or args.epochs[0] >= args.epochs[1]:
        parser.error(f"--epochs: expected two counts, fewer first (e.g. 2,8), got {args.epochs}")
    warnings.filterwarnings("ignore")
    import pandas as pd
    from tabpfn.finetuning import FinetunedTabPFNClassifier

    from skcausalmix.finetuning import CausalMixTabPFNClassifier, resolve_model_path

    path = str(resolve_model_path(args.model))
    df = pd.read_csv(ROOT.parent / "shared" / "datasets" / "diabetes.csv.gz")
    y = df.pop("target").to_numpy()
    X = df.to_numpy(dtype=float)[: args.rows]
    y = y[: args.rows]
    n_train = int(round(0.8 * len(y)))
    size = n_train + 100  # one episode per epoch for both loops
    query = int(round(0.2 * size))

    def ours(epochs):
        return CausalMixTabPFNClassifier(
            model_path=path, augmenter=None, epochs=epochs, early_stopping=False,
            validation_size=0.2, context_size=size - query, query_size=query,
            n_estimators_finetune=1, n_estimators_validation=1, n_estimators_inference=1,
            learning_rate=1e-5, device="cpu", random_state=0,
        )

    def theirs(epochs):
        return FinetunedTabPFNClassifier(
            device="cpu", epochs=epochs, learning_rate=1e-5, validation_split_ratio=0.2,
            n_finetune_ctx_plus_query_samples=size, finetune_ctx_query_split_ratio=0.2,
            early_stopping=False, n_estimators_finetune=1, n_estimators_validation=1,
            n_estimators_final_inference=1, save_checkpoint_interval=None,
            use_activation_checkpointing=False, random_state=0,
            extra_classifier_kwargs={"model_path": path},
        )

    e_lo, e_hi = args.epochs
    rows = []
    for name, make in (("skcausalmix loop", ours), ("tabpfn FinetunedTabPFNClassifier", theirs)):
        times = {}
        for epochs in (e_lo, e_hi):
            best = np.inf
            for _ in range(args.repeats):
                start = time.perf_counter()
                make(epochs).fit(X, y)
                best = min(best, time.perf_counter() - start)
            times[epochs] = best
        rows.append((name, times[e_lo], times[e_hi], (times[e_hi] - times[e_lo]) / (e_hi - e_lo)))
    base = rows[1][3]
    print(f"Checkpoint: {Path(path).name}; diabetes, {len(y)} rows ({n_train} training), "
          f"episode {size - query}+{query} rows, 1 estimator, CPU")
    print(f"| loop | fit s, {e_lo} epochs | fit s, {e_hi} epochs | s per epoch (step + validation) | ratio |")
    print("|---|---|---|---|---|")
    for name, lo, hi, per in rows:
        print(f"| {name} | {lo:.2f} | {hi:.2f} | {per:.3f} | {per / base:.2f} |")


if __name__ == "__main__":
    main()

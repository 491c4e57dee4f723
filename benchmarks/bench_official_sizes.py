"""What fine-tuning the official TabPFN weights costs on a CPU: seconds per step, peak memory.

    python -m benchmarks.bench_official_sizes [--rows 128,1024] [--steps 3] [--threads 2]

Official weights cannot be downloaded here, so each tabpfn architecture is built at its
default size with random weights (the shapes the official weights load into), written as
a checkpoint, and fine-tuned through ``CausalMixTabPFNClassifier``'s own loop
(``FineTuningLoop.train_step``) with the estimator's default context and query sizes
(256 + 128 rows: a table of 1,024 rows trains on 384 of them per step). Each
(architecture, rows) runs in a fresh process; peak memory is that process's maximum
resident set size. The first step (warm-up) is left out of the median. For comparison
the bundled checkpoint runs the same way, and zero-shot ``fit`` + ``predict_proba`` of
each model with one ensemble member on the same rows is timed as the baseline.
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

#: architecture -> (tabpfn ModelVersion name for its inference defaults, required config)
ARCHITECTURES = {
    "tabpfn_v2": ("V2", {}),
    "tabpfn_v2_5": ("V2_5", {}),
    "tabpfn_v2_6": ("V2_6", {}),
    "tabpfn_v3": ("V3", {}),
    "tabpfn_v3_5": ("V3_5", {"num_buckets": 5000}),  # v3.5 needs buckets even to classify
}


def write_default_size_checkpoint(name, path):
    """A randomly initialised ``name`` model at its default size, as a tabpfn checkpoint."""
    from dataclasses import asdict

    import torch
    from tabpfn.architectures import ARCHITECTURES as TABPFN
    from tabpfn.inference_config import InferenceConfig
    from tabpfn.model_loading import ModelVersion

    from skcausalmix.finetuning._checkpoint import plain_state_dict, write_checkpoint

    version, required = ARCHITECTURES[name]
    arch = TABPFN[name]
    config, _ = arch.parse_config({"max_num_classes": 10, **required})
    torch.manual_seed(0)
    model = arch.get_architecture(config)
    n_params = sum(p.numel() for p in model.parameters())
    try:
        inference = InferenceConfig.get_default("multiclass", getattr(ModelVersion, version))
    except ValueError:  # tabpfn 9.2 ships inference defaults for v2 and v2.5 only
        inference = InferenceConfig.get_default("multiclass", ModelVersion.V2_5)
    inference = asdict(inference)
    write_checkpoint({"state_dict": plain_state_dict(model), "config": asdict(config),
                      "architecture_name": name, "inference_config": inference}, path)
    return n_params


def measure(model_path, n_rows, n_steps, threads):
    """Seconds per training step, zero-shot seconds and peak memory, in this process."""
    import torch
    from sklearn.datasets import make_classification

    from skcausalmix.finetuning import CausalMixTabPFNClassifier
    from skcausalmix.finetuning import _tabpfn_adapter as tabpfn
    from skcausalmix.finetuning._training import FineTuningLoop

    torch.set_num_threads(threads)
    warnings.simplefilter("ignore")
    X, y = make_classification(n_samples=n_rows + 200, n_features=20, n_informative=8,
                               random_state=0)
    X_tr, y_tr, X_te = X[:n_rows], y[:n_rows], X[n_rows:]
    defaults = CausalMixTabPFNClassifier().get_params()

    clf = tabpfn.trainable_classifier(model_path, n_estimators=1, device="cpu", random_state=0,
                                      ignore_pretraining_limits=True)
    loop = FineTuningLoop(
        clf, (X_tr, y_tr, X_tr[:0], y_tr[:0]), None, None, n_classes=2, scoring="log_loss",
        learning_rate=1e-5, weight_decay=0.01, grad_clip=1.0, warmup_iter=0,
        context_size=defaults["context_size"], query_size=defaults["query_size"],
        synthetic_in="both", rng=np.random.RandomState(0), seed=0,
    )
    times = []
    for _ in range(n_steps + 1):
        start = time.perf_counter()
        loop.train_step()
        times.append(time.perf_counter() - start)
    # Training's high-water mark, before the zero-shot baseline runs in this process.
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    del loop, clf
    start = time.perf_counter()
    zero = CausalMixTabPFNClassifier(model_path=model_path, max_iter=0, augmenter=None,
                                     n_estimators_inference=1, device="cpu",
                                     ignore_pretraining_limits=True, random_state=0)
    zero.fit(X_tr, y_tr).predict_proba(X_te)
    zero_shot = time.perf_counter() - start

    return {"step_s": float(np.median(times[1:])), "first_step_s": times[0],
            "zero_shot_s": zero_shot, "peak_mb": peak_mb}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="128,1024", type=lambda s: [int(v) for v in s.split(",")])
    parser.add_argument("--steps", type=int, default=3, help="timed steps after one warm-up step")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--architectures", default=",".join(ARCHITECTURES),
                        type=lambda s: s.split(","))
    parser.add_argument("--measure", nargs=2, metavar=("CHECKPOINT", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:  # the child process
        print(json.dumps(measure(args.measure[0], int(args.measure[1]), args.steps, args.threads)))
        return
    from skcausalmix.finetuning import bundled_model_path

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        models = [("bundled (skcausalmix-small-v3)", str(bundled_model_path()), None)]
        for name in args.architectures:
            path = Path(tmp) / f"{name}.safetensors"
            n_params = write_default_size_checkpoint(name, path)
            models.append((name, str(path), n_params))
        for name, path, n_params in models:
            for n_rows in args.rows:
                out = subprocess.run(
                    [sys.executable, __file__, "--measure", path, str(n_rows), "--steps",
                     str(args.steps), "--threads", str(args.threads)],
                    capture_output=True, text=True)
                if out.returncode:
                    print(f"{name} {n_rows}: failed: {out.stderr.strip().splitlines()[-1]}", flush=True)
                    continue
                result = json.loads(out.stdout.strip().splitlines()[-1])
                rows.append((name, n_params, n_rows, result))
                print(f"{name} {n_rows} rows: {result}", flush=True)
    print("\n| architecture | parameters | training rows (rows per step) | s / step | zero-shot fit+predict s "
          "| peak memory GB |\n|---|---|---|---|---|---|")
    for name, n_params, n_rows, r in rows:
        params = f"{n_params / 1e6:.1f}M" if n_params else "-"
        per_step = min(n_rows, 256 + 128)
        print(f"| {name} | {params} | {n_rows} ({per_step}) | {r['step_s']:.2f} | {r['zero_shot_s']:.2f} "
              f"| {r['peak_mb'] / 1024:.2f} |")


if __name__ == "__main__":
    main()

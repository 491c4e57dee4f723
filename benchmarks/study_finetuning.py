"""The fine-tuning regime study: learning rate x steps, early stopping, validation signal.

    # 1. Trajectories on the selection tables (resumable: finished runs are skipped)
    python -m benchmarks.study_finetuning trajectories --datasets ../shared/datasets --out benchmarks/results/finetuning_study
    # 2. The defaults run on the other tables, through fit and predict as a user runs them
    python -m benchmarks.study_finetuning heldout --datasets ../shared/datasets --out benchmarks/results/finetuning_study
    # 3. Fit seconds on the idle machine (one process, every core): zero-shot vs the defaults
    python -m benchmarks.study_finetuning timing --datasets ../shared/datasets --out benchmarks/results/finetuning_study
    # 4. Tables (markdown) from what has finished (--sizes / --seeds: a part of it)
    python -m benchmarks.study_finetuning report --out benchmarks/results/finetuning_study

**Trajectories.** For every selection table, training size, seed, learning rate and
method ("finetune": no synthetic rows; "causalmix": CausalMix rows through the same loop)
one fit of ``CausalMixTabPFNClassifier`` runs ``--max-iter`` steps without early
stopping and scores, every ``--interval`` steps, the deployed ensemble (context: the
training part) on the real validation rows, on synthetic validation rows from the
augmenter's SCM (CausalMix only) and on the test rows. Check 0 is zero-shot. The
learning rate is constant after warm-up, so the first ``k`` steps of a trajectory are
the run with ``max_iter=k``: every (learning rate, steps) cell and every early-stopping
rule (patience, validation signal) is read off the same trajectories, with the test
score at the check the rule picks.

**Held out.** The chosen defaults (``CausalMixTabPFNClassifier()``'s own) on the
other tables: zero-shot (``max_iter=0``), standard fine-tuning (``augmenter=None``)
and CausalMix, each fitted and used through ``fit``/``predict_proba``; fit seconds
on one thread per run.

Splits are the benchmark's (``skcausalmix.benchmark.split_scarce``): ``size`` rows
drawn stratified, a quarter of them held out for validation, test on up to
``--max-test`` other rows.
"""

import argparse
import json
import time
import traceback
import warnings
from pathlib import Path

import numpy as np

SELECTION = ("diabetes", "credit-approval", "vote", "cmc", "sonar", "kc1", "segment", "wa_churn")
LEARNING_RATES = (3e-5, 1e-4, 3e-4, 1e-3)
STEPS = (10, 20, 50, 100)
METHODS = {"finetune": None, "causalmix": "causalmix"}
HARM = 0.01  # a run more than this below zero-shot's test ROC-AUC is harmed
TIMING = ("diabetes", "credit-approval", "sonar")  # numeric, mixed with text, wide


# ---------------------------------------------------------------- running
def _parts(ref, size, seed, max_test):
    from skcausalmix.benchmark import DatasetRef, cap_dataset, load_dataset, split_scarce
    from skcausalmix.finetuning import bundled_model_path
    from skcausalmix.finetuning._tabpfn_adapter import checkpoint_limits

    X, y = load_dataset(DatasetRef(**ref))
    max_classes, _, max_features, _ = _LIMITS.setdefault(
        "bundled", checkpoint_limits(bundled_model_path()))
    X, y, _ = cap_dataset(X, y, max_classes=max_classes, max_features=max_features)
    return split_scarce(X, y, n_train=size, validation_fraction=0.25, max_test=max_test, seed=seed)


_LIMITS = {}


def _scores(clf, X, y):
    from skcausalmix.finetuning._loop import classification_scores

    return classification_scores(np.searchsorted(clf.classes_, y), clf.predict_proba(X),
                                 len(clf.classes_))


def run_trajectory(task):
    """One fit without early stopping, scored at every check."""
    from skcausalmix.finetuning import CausalMixTabPFNClassifier

    X_tr, y_tr, X_va, y_va, X_te, y_te = _parts(task["ref"], task["size"], task["seed"],
                                                task["max_test"])
    causal = METHODS[task["method"]] is not None
    clf = CausalMixTabPFNClassifier(
        model_path="bundled", augmenter=METHODS[task["method"]], learning_rate=task["lr"],
        max_iter=task["max_iter"], validation_interval=task["interval"], early_stopping=False,
        synthetic_validation=1.0 if causal else 0.0, device="cpu", random_state=task["seed"],
    )
    start = time.perf_counter()
    clf.fit(X_tr, y_tr, X_val=X_va, y_val=y_va, eval_set=(X_te, y_te))
    keys = ("iter", "train_loss", "valid_roc_auc", "valid_log_loss", "valid_synthetic_roc_auc",
            "valid_synthetic_log_loss", "eval_roc_auc", "eval_log_loss")
    return {"seconds": time.perf_counter() - start, "n_val": len(y_va), "n_test": len(y_te),
            "n_skipped_steps": clf.n_skipped_steps_,
            "history": {k: [h[k] for h in clf.history_] for k in keys}}


def run_heldout(task):
    """The defaults through fit/predict_proba, as a user runs them.

    All ``size`` rows go to ``fit``, which holds out its own validation rows
    (``validation_fraction``) and predicts with every row as context, as a user's fit does
    (``split="estimator"`` in the records).
    """
    import pandas as pd

    from skcausalmix.finetuning import CausalMixTabPFNClassifier

    X_tr, y_tr, X_va, y_va, X_te, y_te = _parts(task["ref"], task["size"], task["seed"],
                                                task["max_test"])
    params = {"zero-shot": {"augmenter": None, "max_iter": 0}, "finetune": {"augmenter": None},
              "causalmix": {}}[task["method"]]
    clf = CausalMixTabPFNClassifier(model_path="bundled", device="cpu", random_state=task["seed"],
                                    **params)
    start = time.perf_counter()
    clf.fit(pd.concat([X_tr, X_va], ignore_index=True), np.r_[y_tr, y_va])
    seconds = time.perf_counter() - start
    scores = _scores(clf, X_te, y_te)
    return {"seconds": seconds, "test_roc_auc": scores["roc_auc"],
            "test_log_loss": scores["log_loss"], "n_iter": clf.n_iter_,
            "best_iter": clf.best_iter_, "stop_reason": clf.stop_reason_,
            "valid_log_loss": [h["valid_log_loss"] for h in clf.history_]}


def _worker(job):
    import torch

    if job[0] != "timing":  # timing runs alone, on every core
        torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    kind, task = job
    record = {k: v for k, v in task.items() if k != "ref"}
    try:
        record.update(run_trajectory(task) if kind == "trajectories" else run_heldout(task))
        if kind == "timing":
            import os

            record["threads"] = torch.get_num_threads()
            record["cores"] = os.cpu_count()
        record["status"] = "ok"
    except Exception as exc:  # one failing run must not stop the study
        record.update(status="error", error=f"{type(exc).__name__}: {exc}",
                      traceback=traceback.format_exc(limit=6))
    return record


def plan(kind, args):
    from dataclasses import asdict

    from skcausalmix.benchmark import list_datasets

    refs = {r.name: r for r in list_datasets(args.datasets)}
    if kind == "trajectories":
        names = args.names or list(SELECTION)
        grid = [{"lr": lr, "method": m} for lr in args.lrs for m in METHODS]
    else:  # timing and held out: fit and predict as a user does
        names = args.names or (list(TIMING) if kind == "timing" else sorted(set(refs) - set(SELECTION)))
        grid = [{"method": m, "split": "estimator"} for m in ("zero-shot", "finetune", "causalmix")]
    unknown = sorted(set(names) - set(refs))
    if unknown:
        raise SystemExit(f"Unknown datasets {unknown}; {args.datasets} has {sorted(refs)}.")
    tasks = []
    # Seeds outermost: an interrupted study has whole seeds of every cell.
    for seed in args.seeds:
        for size in args.sizes:
            for name in names:
                for cell in grid:
                    task = {"dataset": name, "ref": asdict(refs[name]), "size": size, "seed": seed,
                            "max_test": args.max_test, **cell}
                    if kind == "trajectories":
                        task.update(max_iter=args.max_iter, interval=args.interval)
                    task["run_id"] = "|".join(f"{k}={task[k]}" for k in sorted(task) if k != "ref")
                    tasks.append(task)
    return tasks


def run(kind, args):
    import multiprocessing as mp

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{kind}.jsonl"
    done = {r["run_id"] for r in read(path) if r["status"] == "ok"}
    tasks = [t for t in plan(kind, args) if t["run_id"] not in done]
    workers = 1 if kind == "timing" else args.workers
    commit = _commit()
    print(f"{kind}: {len(done)} runs done, {len(tasks)} to run on {workers} processes "
          f"(code {commit})", flush=True)
    with mp.get_context("spawn").Pool(workers, maxtasksperchild=20) as pool, open(path, "a") as sink:
        for i, record in enumerate(pool.imap(_worker, [(kind, t) for t in tasks]), 1):
            record["commit"] = commit  # workers re-import from disk: run from a fixed checkout
            sink.write(json.dumps(record) + "\n")
            sink.flush()
            print(f"[{i}/{len(tasks)}] {record['run_id']} {record['status']} "
                  f"{record.get('seconds', 0):.0f}s", flush=True)


def _commit():
    """The commit of the package code that runs (``+`` when it has changes), or None."""
    from skcausalmix.benchmark._runner import code_provenance

    return code_provenance()["commit"]


def read(path):
    """The records of one JSON-lines file (the last record of a run wins)."""
    from skcausalmix.benchmark import read_results

    return read_results(Path(path).parent, Path(path).name)


# --------------------------------------------------------------- analysis
def markdown(frame, digits=4):
    """A DataFrame as a markdown table (floats to ``digits`` places)."""
    def cell(v):
        return f"{v:.{digits}f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * frame.shape[1]]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def pick_check(iters, valid, max_iter, patience):
    """Index of the check early stopping keeps among those at most ``max_iter`` steps.

    ``valid`` is higher-is-better; ``patience`` None runs to ``max_iter`` and keeps the best
    check; ``"last"`` keeps the last check (no early stopping at all).
    """
    allowed = [i for i, it in enumerate(iters) if it <= max_iter]
    if patience == "last":
        return allowed[-1]
    best, waited = allowed[0], 0
    for i in allowed[1:]:
        if valid[i] > valid[best] + 1e-4:
            best, waited = i, 0
        else:
            waited += 1
            if patience is not None and waited >= patience:
                break
    return best


def signal(history, name):
    """Higher-is-better validation signal of every check."""
    real = -np.asarray(history["valid_log_loss"], dtype=float)
    if name == "real":
        return real
    synth = history["valid_synthetic_log_loss"]
    if synth[0] is None:
        return real
    synth = -np.asarray(synth, dtype=float)
    weight = {"pooled": 0.5, "synthetic": 1.0}[name]
    return (1 - weight) * real + weight * synth


def cell_rows(records, *, steps, patience, signal_name):
    """One row per (method, lr, steps): mean raw changes against zero-shot, harm, r, chosen step."""
    import pandas as pd

    rows = []
    for r in records:
        h = r["history"]
        auc = np.asarray(h["eval_roc_auc"], dtype=float)
        ll = np.asarray(h["eval_log_loss"], dtype=float)
        valid = signal(h, signal_name)
        for k in steps:
            i = pick_check(h["iter"], valid, k, patience)
            upto = [j for j, it in enumerate(h["iter"]) if it <= k]
            corr = (np.corrcoef(valid[upto], -ll[upto])[0, 1]
                    if len(upto) > 2 and np.std(valid[upto]) > 0 and np.std(ll[upto]) > 0 else np.nan)
            rows.append({"dataset": r["dataset"], "size": r["size"], "seed": r["seed"],
                         "method": r["method"], "lr": f"{r['lr']:g}", "steps": k,
                         "d_auc": auc[i] - auc[0], "d_ll": ll[i] - ll[0], "zs_auc": auc[0],
                         "auc": auc[i], "chosen": h["iter"][i], "r": corr})
    frame = pd.DataFrame(rows)
    return frame


def summarize(frame):
    g = frame.groupby(["method", "lr", "steps"])
    return g.agg(n=("d_auc", "size"), d_auc=("d_auc", "mean"),
                 se_auc=("d_auc", lambda s: float(s.std(ddof=1) / np.sqrt(len(s))) if len(s) > 1 else np.nan),
                 d_ll=("d_ll", "mean"),
                 harm=("d_auc", lambda s: float((s < -HARM).mean())),
                 changed=("chosen", lambda s: float((s > 0).mean())),
                 median_r=("r", "median"), chosen=("chosen", "median")).reset_index()


def normalized_gain(frame):
    """Per (dataset, size, seed, lr, steps): (method - zero-shot) / (best - worst) test ROC-AUC.

    Best and worst over zero-shot and the two fine-tuning methods of the same cell, as the paper
    normalises over the methods it compares; a cell where all three tie gives 0.
    """
    import pandas as pd

    out = []
    for _, group in frame.groupby(["dataset", "size", "seed", "lr", "steps"]):
        zs = group["zs_auc"].iloc[0]
        values = np.r_[zs, group["auc"].to_numpy()]
        lo, hi = values.min(), values.max()
        for _, row in group.iterrows():
            out.append({**row, "norm_gain": (row["auc"] - zs) / (hi - lo) if hi > lo else 0.0})
    return pd.DataFrame(out)


def report(args):
    out = Path(args.out)
    lines = []
    # --sizes / --seeds pick a part (by default every size and seed of the grid).
    records = [r for r in read(out / "trajectories.jsonl")
               if r["size"] in args.sizes and r["seed"] in args.seeds and r["max_iter"] == max(STEPS)]
    # Whole (size, seed) blocks only: a block cut short by an interruption would weigh its
    # first tables more than the others. A run that cannot exist (sonar has too few rows for
    # 256) is recorded as an error and still completes its block.
    blocks = {}
    for r in records:
        blocks.setdefault((r["size"], r["seed"]), []).append(r)
    full = max((len(b) for b in blocks.values()), default=0)
    partial = sum(len(b) for b in blocks.values() if len(b) < full)
    traj = [r for b in blocks.values() if len(b) == full for r in b if r["status"] == "ok"]
    if partial:
        lines += [f"({partial} runs of unfinished (size, seed) blocks left out.)", ""]
    if traj:
        tables = sorted({r["dataset"] for r in traj})
        lines += [f"## Trajectories: {len(traj)} runs on {len(tables)} selection tables "
                  f"({', '.join(tables)}), sizes {sorted({r['size'] for r in traj})}, "
                  f"seeds {sorted({r['seed'] for r in traj})}", ""]
        for patience, sig, title in ((3, "real", "early stopping (3 checks, real validation log-loss)"),
                                     ("last", "real", "no early stopping (the last step)"),
                                     (3, "pooled", "early stopping on real + synthetic validation log-loss (1:1)"),
                                     (3, "synthetic", "early stopping on synthetic validation log-loss only")):
            frame = normalized_gain(cell_rows(traj, steps=STEPS, patience=patience, signal_name=sig))
            table = summarize(frame)
            table["norm_gain"] = frame.groupby(["method", "lr", "steps"])["norm_gain"].median().to_numpy()
            lines += [f"### {title}", "", markdown(table), ""]
        choice = choose(traj).iloc[0]
        lines += choice_lines(traj)
        sig = "pooled" if choice.synthetic_validation else "real"
        frame = cell_rows(traj, steps=[int(choice.steps)], patience=3, signal_name=sig)
        by_size = frame.groupby(["size", "method", "lr"]).agg(
            n=("d_auc", "size"), d_auc=("d_auc", "mean"), d_ll=("d_ll", "mean"),
            harm=("d_auc", lambda s: float((s < -HARM).mean())), median_r=("r", "median")).reset_index()
        lines += [f"### By training size: early stopping on {sig} validation log-loss, "
                  f"{int(choice.steps)} steps (the chosen budget and signal; standard fine-tuning "
                  "validates on real rows)", "", markdown(by_size), ""]
    longer = [r for r in read(out / "trajectories.jsonl")
              if r["status"] == "ok" and r["max_iter"] > max(STEPS) and r["size"] in args.sizes
              and r["seed"] in args.seeds]
    if longer:
        lines += longer_lines(longer)
    held = [r for r in read(out / "heldout.jsonl") if r["status"] == "ok"]
    if held:
        lines += heldout_lines(held)
    timed = [r for r in read(out / "timing.jsonl") if r["status"] == "ok"]
    if timed:
        lines += timing_lines(timed)
    text = "\n".join(lines)
    print(text)
    return text


HARM_LIMIT = 0.05  # the most runs a default may leave more than HARM below zero-shot


def choose(traj):
    """Cells the defaults may take, the chosen one first, by a rule fixed before the grid was complete.

    Candidates: CausalMix with early stopping (3 checks) on the real validation rows
    (``synthetic_validation=0``) or on them pooled 1:1 with synthetic rows (``1.0``), at every
    learning rate and step budget, pooled over the sizes and seeds given. Eligible: at most
    ``HARM_LIMIT`` of the runs harmed and a mean test log-loss below zero-shot's, for CausalMix
    and for standard fine-tuning at the same rate and budget (one learning rate serves both), and
    a model changed from zero-shot in most CausalMix runs. Chosen by the one-standard-error rule:
    of the eligible cells whose mean raw ROC-AUC change is within one standard error of the best
    one's, the one that trains least (lowest rate, then fewest steps, then no synthetic
    validation): 32 cells' means differ by less than their noise, and the best of them by
    chance should not set the default.
    """
    import pandas as pd

    plain = summarize(cell_rows(traj, steps=STEPS, patience=3, signal_name="real"))
    plain = plain[plain.method == "finetune"][["lr", "steps", "d_auc", "d_ll", "harm"]]
    cells = []
    for sig, synthetic_validation in (("real", 0.0), ("pooled", 1.0)):
        table = summarize(cell_rows(traj, steps=STEPS, patience=3, signal_name=sig))
        causal = table[table.method == "causalmix"].drop(columns="method")
        merged = causal.merge(plain, on=["lr", "steps"], suffixes=("", "_finetune"))
        merged.insert(0, "synthetic_validation", synthetic_validation)
        cells.append(merged)
    cells = pd.concat(cells, ignore_index=True)
    eligible = ((cells.harm <= HARM_LIMIT) & (cells.d_ll < 0) & (cells.changed > 0.5)
                & (cells.harm_finetune <= HARM_LIMIT) & (cells.d_ll_finetune < 0))
    cells.insert(1, "eligible", eligible)
    cells["rate"] = cells.lr.astype(float)
    cells["within_1se"] = False
    if eligible.any():
        best = cells[eligible].sort_values("d_auc", ascending=False).iloc[0]
        cells["within_1se"] = eligible & (cells.d_auc >= best.d_auc - best.se_auc)
    cells = cells.sort_values(["within_1se", "rate", "steps", "synthetic_validation"],
                              ascending=[False, True, True, True], ignore_index=True)
    top = cells[cells.within_1se]
    rest = cells[~cells.within_1se].sort_values(["eligible", "d_auc"], ascending=False)
    return pd.concat([top, rest], ignore_index=True).drop(columns="rate")


def choice_lines(traj):
    cells = choose(traj)
    best = cells.iloc[0]
    verdict = (f"learning rate {best.lr}, max_iter={best.steps}, synthetic_validation="
               f"{best.synthetic_validation:g}" if best.within_1se else "no cell is eligible")
    return [f"### The choice: {verdict}", "",
            "CausalMix cells under early stopping (3 checks); `_finetune`: standard fine-tuning at "
            f"the same rate and budget. Eligible: at most {HARM_LIMIT:.0%} of runs harmed and a mean "
            "log-loss below zero-shot's, for both, and most CausalMix runs changed. Of the eligible "
            "cells within one standard error (`se_auc`) of the best mean ROC-AUC change, the one "
            "that trains least (`choose` in the script). The cells within, then the others by "
            "ROC-AUC change:", "", markdown(cells.head(12)), ""]


def longer_lines(longer):
    """Whether ``max_iter`` beyond the grid's top would pay: the same rules read further."""
    top = max(r["max_iter"] for r in longer)
    steps = sorted({*STEPS[-2:], *range(max(STEPS), top + 1, max(STEPS) // 2)})
    lines = [f"## Beyond {max(STEPS)} steps: {len(longer)} runs of up to {top} steps "
             f"(learning rates {sorted({r['lr'] for r in longer})}, sizes "
             f"{sorted({r['size'] for r in longer})}, seeds {sorted({r['seed'] for r in longer})})", ""]
    for patience, title in ((3, "early stopping (3 checks, real validation log-loss)"),
                            ("last", "no early stopping (the last step)")):
        frame = cell_rows(longer, steps=steps, patience=patience, signal_name="real")
        lines += [f"### {title}", "", markdown(summarize(frame)), ""]
    return lines


def heldout_lines(held):
    import pandas as pd

    frame = pd.DataFrame(held)
    key = ["dataset", "size", "seed"]
    # Only cells where all three methods finished, so every row averages the same runs.
    complete = frame.groupby(key)["method"].transform("nunique") == 3
    frame = frame[complete]
    zs = frame[frame.method == "zero-shot"][key + ["test_roc_auc", "test_log_loss", "seconds"]]
    rows = []
    for size in [None, *sorted(frame["size"].unique())]:
        for method in ("zero-shot", "finetune", "causalmix"):
            part = frame[(frame.method == method) & ((frame["size"] == size) if size else True)]
            part = part.merge(zs, on=key, suffixes=("", "_zs"))
            if part.empty:
                continue
            d_auc = part.test_roc_auc - part.test_roc_auc_zs
            rows.append({"size": size or "all", "method": method, "n": len(part),
                         "test_roc_auc": part.test_roc_auc.mean(), "d_auc": d_auc.mean(),
                         "d_ll": (part.test_log_loss - part.test_log_loss_zs).mean(),
                         "harm": float((d_auc < -HARM).mean()),
                         "better_auc": float((d_auc > 0).mean()),
                         "changed": float((part.best_iter > 0).mean()),
                         "median_best_iter": float(part.best_iter.median()),
                         "median_fit_s": float(part.seconds.median())})
    tables = sorted(frame.dataset.unique())
    return [f"## Held out: the defaults on {len(tables)} other tables ({', '.join(tables)}), "
            f"sizes {sorted(map(int, frame['size'].unique()))}, seeds "
            f"{sorted(map(int, frame.seed.unique()))} (fit on all the rows, the estimator's own "
            "validation split)", "", markdown(pd.DataFrame(rows)), ""]


def timing_lines(timed):
    import pandas as pd

    frame = pd.DataFrame(timed)
    table = frame.pivot_table(index=["dataset", "size"], columns="method", values="seconds").reset_index()
    for method in ("finetune", "causalmix"):
        if method in table:
            table[f"{method} / zero-shot"] = table[method] / table["zero-shot"]
    return [f"## Fit seconds, one process on {frame.cores.iloc[0]} idle cores "
            f"({frame.threads.iloc[0]} torch threads), seeds {sorted(map(int, frame.seed.unique()))}", "",
            markdown(table, 2), ""]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["trajectories", "heldout", "timing", "report"])
    parser.add_argument("--out", required=True, help="folder of trajectories.jsonl / heldout.jsonl")
    parser.add_argument("--datasets", help="folder with manifest.json and CSVs")
    parser.add_argument("--names", type=lambda s: s.split(","), default=None)
    parser.add_argument("--sizes", type=lambda s: [int(v) for v in s.split(",")], default=[64, 128, 256])
    parser.add_argument("--seeds", type=lambda s: [int(v) for v in s.split(",")], default=[0, 1, 2])
    parser.add_argument("--lrs", type=lambda s: [float(v) for v in s.split(",")], default=list(LEARNING_RATES))
    parser.add_argument("--max-iter", type=int, default=max(STEPS))
    parser.add_argument("--interval", type=int, default=10)
    parser.add_argument("--max-test", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    if args.kind == "report":
        report(args)
        return
    if not args.datasets:
        parser.error("--datasets is required to run")
    run(args.kind, args)


if __name__ == "__main__":
    main()

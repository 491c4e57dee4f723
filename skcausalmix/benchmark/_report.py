"""Metrics over finished runs, a markdown report and its plots."""

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ._results import read_results

ZERO_SHOT = "zero-shot"
#: A run this far below zero-shot's test ROC-AUC is harmed.
HARM = 0.01
#: Fewer datasets than this give no bootstrap interval and no Wilcoxon test.
MIN_DATASETS = 6
#: The paper's methods (arXiv 2601.04110, Table 1), over which its normalised gain is computed,
#: and its median normalised ROC-AUC gains over zero-shot (TabPFN v2 weights, 33 TabArena
#: datasets): another model and other datasets than ours.
PAPER_METHODS = (ZERO_SHOT, "finetune", "causalmix", "ctgan", "tabebm")
PAPER_GAINS = {"finetune": 0.10, "causalmix": 0.12, "ctgan": -0.01, "tabebm": -0.04, "table-augment": -0.09}


def curve_correlation(valid, test):
    """Pearson correlation of a validation curve and a test curve over the checks.

    None when there are fewer than 3 checks or a curve is constant (a
    correlation is then undefined).
    """
    v = np.asarray([np.nan if a is None else a for a in valid], dtype=float)
    t = np.asarray([np.nan if a is None else a for a in test], dtype=float)
    ok = np.isfinite(v) & np.isfinite(t)
    if ok.sum() < 3 or np.ptp(v[ok]) == 0 or np.ptp(t[ok]) == 0:
        return None
    return float(np.corrcoef(v[ok], t[ok])[0, 1])


def run_metrics(records):
    """One row per finished run, with its derived metrics.

    - ``val_test_corr``: Pearson correlation between the early-stopping
      validation score and the test score of the same metric over the
      validation checks (the first is the model before tuning): minus the
      test log-loss for log-loss validation, the test ROC-AUC for ROC-AUC;
    - ``corr_gap``: ``1 - val_test_corr`` (0 when validation tracks test
      perfectly, 2 when it runs opposite);
    - ``regret``: best test ROC-AUC over the checks minus the test ROC-AUC at
      the check early stopping chose.
    """
    rows = []
    for rec in records:
        if rec.get("status") != "ok":
            continue
        row = {k: rec.get(k) for k in ("dataset", "size", "seed", "track", "method", "model",
                                       "test_roc_auc", "test_log_loss", "best_iter",
                                       "n_synthetic", "augment_seconds", "seconds",
                                       "balanced_accuracy", "minority_f1")}
        row["mode"] = rec.get("mode", "augment") if rec.get("track") == "classic" else None
        test = rec.get("test_curve")
        if test and len(test) > 1:
            row["val_test_corr"] = curve_correlation(rec["valid_curve"], _test_signal(rec))
            row["corr_gap"] = None if row["val_test_corr"] is None else 1 - row["val_test_corr"]
            curve = np.asarray([np.nan if a is None else a for a in test], dtype=float)
            if "check_iters" in rec:  # records of the replaced epoch loop have no steps
                row["regret"] = float(np.nanmax(curve) - curve[_chosen(rec)])
                row["n_iter"] = rec["n_iter"]
        rows.append(row)
    return pd.DataFrame(rows)


def _test_signal(rec):
    """The test curve in the validation score's metric, higher is better."""
    scoring = rec.get("scoring")
    if scoring is None and rec.get("check_iters") and rec.get("test_log_loss_curve"):
        # Records written before "scoring" was: their validation score is minus the log-loss
        # (the loop's default), which is never positive; ROC-AUC is.
        scoring = "log_loss" if all(v is None or v <= 0 for v in rec["valid_curve"]) else "roc_auc"
    if scoring == "log_loss":
        return [None if v is None else -v for v in rec["test_log_loss_curve"]]
    return rec["test_curve"]


def _chosen(rec):
    """Index of the check whose weights were kept."""
    return rec["check_iters"].index(rec["best_iter"])


def normalized_scores(runs, by=("dataset", "size")):
    """Per ``by`` cell (dataset and size, or dataset alone): each method's mean test ROC-AUC,
    min-max normalised over the methods, and the gain over zero-shot.

    The means are over the (dataset, size, seed) runs that every method finished: each seed
    has its own split, whose ROC-AUC moves about as much as the methods differ, so methods
    averaged over different seeds would not be compared on the same splits. A cell with no
    such run is left out (the report says how many).
    """
    per = _paired_auc(runs).groupby(level=list(by)).mean()
    columns = [*by, "method", "norm_roc_auc", "roc_auc", "norm_gain", "auc_gain"]
    if per.empty:
        return pd.DataFrame(columns=columns)
    per.columns.name = "method"
    lo, hi = per.min(axis=1), per.max(axis=1)
    span = (hi - lo).replace(0, np.nan)
    norm = per.sub(lo, axis=0).div(span, axis=0).fillna(0.5)
    out = norm.stack().rename("norm_roc_auc").to_frame()
    out["roc_auc"] = per.stack()
    if ZERO_SHOT in per.columns:
        out["norm_gain"] = norm.sub(norm[ZERO_SHOT], axis=0).stack()
        out["auc_gain"] = per.sub(per[ZERO_SHOT], axis=0).stack()
    return out.reset_index()


def bootstrap_interval(values, *, statistic=np.mean, n_boot=2000, seed=0):
    """95 % percentile bootstrap interval of ``statistic`` over ``values``; NaN below
    ``MIN_DATASETS`` values, where it would rest on a handful of resampled values."""
    values = np.asarray(values, dtype=float)
    if len(values) < MIN_DATASETS:
        return np.nan, np.nan
    rng = np.random.RandomState(seed)
    stats = [statistic(values[rng.randint(len(values), size=len(values))]) for _ in range(n_boot)]
    return tuple(np.percentile(stats, [2.5, 97.5]))


def paired_changes(runs):
    """Per fine-tuning run, its test ROC-AUC and log-loss minus zero-shot's on the same
    (dataset, size, seed), with ``harmed`` (more than ``HARM`` ROC-AUC below)."""
    ft = runs[runs["track"] == "finetune"]
    keys = ["dataset", "size", "seed"]
    base = ft[ft["method"] == ZERO_SHOT].set_index(keys)[["test_roc_auc", "test_log_loss"]]
    base.columns = ["test_roc_auc_zero", "test_log_loss_zero"]
    other = ft[ft["method"] != ZERO_SHOT].join(base, on=keys, how="inner")
    other = other.assign(auc_change=other["test_roc_auc"] - other["test_roc_auc_zero"],
                         log_loss_change=other["test_log_loss"] - other["test_log_loss_zero"])
    other["harmed"] = other["auc_change"] < -HARM
    return other


def against_zero_shot(runs):
    """Markdown: per method, raw changes against zero-shot with bootstrap intervals over
    datasets, harm rate, the paper's normalised gain, val-test r, generator seconds, and
    Wilcoxon signed-rank tests over datasets; ``None`` without zero-shot runs."""
    changes = paired_changes(runs)
    if changes.empty:
        return None
    keys = ["dataset", "size", "seed"]
    # The runs every method finished: a method's failures must not change its mix of tables.
    n_methods = changes["method"].nunique()
    changes = changes[changes.groupby(keys)["method"].transform("nunique") == n_methods]
    n_keys = changes[keys].drop_duplicates().shape[0]
    # One number per dataset (mean over its sizes and seeds): the unit the intervals and tests resample,
    # since a dataset's sizes and seeds are not independent of each other.
    per_dataset = changes.groupby(["method", "dataset"])[["auc_change", "log_loss_change"]].mean()
    # The paper's gain on the same runs: normalised per dataset over the paper's methods only
    # (a method outside them, far above or below, must not stretch the scale).
    complete = pd.MultiIndex.from_frame(changes[keys].drop_duplicates())
    ft = runs[(runs["track"] == "finetune") & runs["method"].isin(PAPER_METHODS)]
    paper = ft[pd.MultiIndex.from_frame(ft[keys]).isin(complete)]
    norm = normalized_scores(paper, by=("dataset",)) if paper["method"].nunique() > 1 else pd.DataFrame()
    n_norm = norm["dataset"].nunique() if len(norm) else 0
    causal = changes[changes["method"] == "causalmix"].set_index(keys)["test_roc_auc"]
    rows = []
    for method in sorted(changes["method"].unique()):
        d = per_dataset.loc[method]
        r = changes[changes["method"] == method]
        auc = d["auc_change"].dropna()
        ll = d["log_loss_change"].dropna()
        auc_lo, auc_hi = bootstrap_interval(auc)
        med_lo, med_hi = bootstrap_interval(auc, statistic=np.median)
        ll_lo, ll_hi = bootstrap_interval(ll)
        llm_lo, llm_hi = bootstrap_interval(ll, statistic=np.median)
        gain = norm[norm["method"] == method]["norm_gain"].median() if "norm_gain" in norm else np.nan
        p_zero = _wilcoxon(auc)
        p_cm = np.nan
        if method != "causalmix" and len(causal):
            # The same (dataset, size, seed) runs of both methods, then one mean difference per dataset.
            both = r.set_index(keys)["test_roc_auc"].to_frame("m").join(causal.rename("c"), how="inner")
            p_cm = _wilcoxon((both["m"] - both["c"]).groupby(level="dataset").mean())
        seconds = pd.to_numeric(r["augment_seconds"], errors="coerce") if "augment_seconds" in r else None
        if seconds is not None and not (seconds > 0).any():  # no generator: nothing to time
            seconds = None
        rows.append([
            method, len(r), len(auc),
            f"{auc.mean():+.4f}{_interval(auc_lo, auc_hi)}",
            f"{auc.median():+.4f}{_interval(med_lo, med_hi)}",
            f"{ll.mean():+.4f}{_interval(ll_lo, ll_hi)}" if len(ll) else "-",
            f"{ll.median():+.4f}{_interval(llm_lo, llm_hi)}" if len(ll) else "-",
            f"{r['harmed'].mean():.0%}", _fmt(gain), _median(r, "val_test_corr"), _p(p_zero), _p(p_cm),
            _fmt(float(seconds.median()), 1) if seconds is not None and seconds.notna().any() else "-",
            f"{PAPER_GAINS[method]:+.2f}" if method in PAPER_GAINS else "-",
        ])
    missing = [m for m in PAPER_GAINS if m not in set(changes["method"])]
    note = (" The paper's " + ", ".join(f"{m} ({PAPER_GAINS[m]:+.2f})" for m in missing)
            + (" has" if len(missing) == 1 else " have") + " no runs here"
            + ("; TableAugment has no installable implementation (no tableaugment, table-augment or "
               "tabaugment distribution on PyPI, and no public code)" if "table-augment" in missing else "")
            + "." if missing else "")
    return "\n".join([
        "## Against zero-shot", "",
        "Raw change of test ROC-AUC and log-loss against zero-shot on the same dataset, size and seed, "
        f"over the {n_keys} (dataset, size, seed) runs that every method finished: "
        "mean and median over datasets of each dataset's mean change, [95 % percentile bootstrap interval "
        f"over datasets, from {MIN_DATASETS} datasets]; a negative log-loss change is an improvement. "
        f"Harmed: runs more than {HARM} ROC-AUC below zero-shot. Norm. gain: the paper's measure on the "
        "same runs: per dataset, each method's mean ROC-AUC min-max normalised over the paper's methods "
        f"that ran here ({', '.join(PAPER_METHODS)}), minus zero-shot's; median over the {n_norm} datasets. "
        "Wilcoxon: two-sided signed-rank test over datasets of each dataset's mean paired ROC-AUC change, "
        "against zero-shot and against CausalMix (scipy, zero changes kept by Pratt's method; no correction "
        f"for multiple tests; '-' below {MIN_DATASETS} datasets). Augment s: median seconds to fit the "
        "generator and draw its rows. Early stopping is each method's classifier default: CausalMix pools "
        "1:1 synthetic rows from its SCM with the real validation rows, the other generators validate on "
        "the real rows only. Paper: its median normalised gain, measured with TabPFN v2's weights on 33 "
        "TabArena datasets (normalised over its six methods, TableAugment included): another model and "
        "other datasets."
        + note, "",
        _table(["method", "runs", "datasets", "mean AUC change", "median AUC change", "mean log-loss change",
                "median log-loss change", "harmed", "norm. gain (paper's methods)", "median val-test r",
                "Wilcoxon p vs zero-shot", "Wilcoxon p vs CausalMix", "augment s", "paper's norm. gain"],
               rows),
        "", "The paper also reports the median validation-test correlation gap (1 - r) of standard "
        "fine-tuning and CausalMix: 0.67 and 0.30 (r = 0.33 and 0.70), with synthetic rows pooled into CausalMix's validation "
        "set, as `causalmix` does here by default (`causalmix-realval`: real rows only)."])


def _paired_auc(runs):
    """Fine-tuning test ROC-AUC, (dataset, size, seed) x method, on the runs every method finished."""
    ft = runs[runs["track"] == "finetune"]
    wide = ft.pivot_table(index=["dataset", "size", "seed"], columns="method", values="test_roc_auc")
    return wide.dropna(how="any")


def dataset_scores(runs):
    """Fine-tuning methods' test ROC-AUC, one mean per dataset (over sizes and seeds), on the
    (dataset, size, seed) runs that every method finished: a dataset x method table."""
    return _paired_auc(runs).groupby(level="dataset").mean()


def pairwise_tests(runs):
    """Markdown: mean rank of every method over datasets (1 = best) and the two-sided
    Wilcoxon signed-rank p-value of every pair over datasets; ``None`` below ``MIN_DATASETS`` datasets."""
    scores = dataset_scores(runs)
    if len(scores) < MIN_DATASETS or scores.shape[1] < 2:
        return None
    ranks = scores.rank(axis=1, ascending=False).mean().sort_values()
    methods = list(ranks.index)
    rows = []
    for a in methods:
        rows.append([a, f"{ranks[a]:.2f}"] + ["" if a == b else _p(_wilcoxon(scores[a] - scores[b])) for b in methods])
    return "\n".join([
        "## Pairwise tests", "",
        f"Mean rank over {len(scores)} datasets of each method's mean test ROC-AUC (runs every method finished; "
        "1 is best), and the two-sided Wilcoxon signed-rank p-value of each pair over those datasets (scipy; "
        f"{len(methods) * (len(methods) - 1) // 2} tests, no correction: at 5 % about one in twenty pairs is "
        "significant by chance). `ranks.png` plots the ranks.", "",
        _table(["method", "mean rank", *methods], rows)])


def coverage(records):
    """Markdown: per fine-tuning method, its finished and failed runs and the datasets where it
    finished every (size, seed) run that any method ran there; ``None`` without such runs."""
    ft = [r for r in records if r.get("track") == "finetune" and r.get("status") != "not_applicable"]
    if not ft:
        return None
    planned = {}
    for r in ft:
        planned.setdefault(r["dataset"], set()).add((r["size"], r["seed"]))
    rows = []
    for method in sorted({r["method"] for r in ft}):
        mine = [r for r in ft if r["method"] == method]
        done = {}
        for r in mine:
            if r["status"] == "ok":
                done.setdefault(r["dataset"], set()).add((r["size"], r["seed"]))
        failed = sum(r["status"] == "error" for r in mine)
        complete = sum(planned[d] <= done.get(d, set()) for d in planned)
        rows.append([method, len(mine) - failed, failed, f"{failed / len(mine):.1%}", complete])
    sizes = sorted({r["size"] for r in ft})
    seeds = sorted({r["seed"] for r in ft})
    return "\n".join([
        "## Coverage", "",
        f"{len(planned)} datasets, sizes {', '.join(map(str, sizes))}, seeds {', '.join(map(str, seeds))}. "
        "Complete datasets: those where the method finished every (size, seed) run that any method ran "
        "there (sizes a table is too small for are not applicable, not missing).", "",
        _table(["method", "finished runs", "failed runs", "failed", "complete datasets"], rows)])


def _interval(lo, hi):
    """`` [lo, hi]``, or nothing where no interval exists (a single dataset)."""
    return f" [{lo:+.4f}, {hi:+.4f}]" if np.isfinite(lo) and np.isfinite(hi) else ""


def _wilcoxon(differences):
    """Two-sided signed-rank p-value of paired differences (NaN below ``MIN_DATASETS`` or when all are 0)."""
    from scipy.stats import wilcoxon

    differences = pd.Series(differences).dropna()
    if len(differences) < MIN_DATASETS or not (differences != 0).any():
        return np.nan
    # "pratt": datasets with no change count in the ranking instead of being dropped, so the
    # test rests on every dataset the table shows.
    return float(wilcoxon(differences, zero_method="pratt").pvalue)


def _p(value):
    return "-" if not np.isfinite(value) else f"{value:.2g}"


def _fmt(x, digits=3):
    return "-" if x is None or (isinstance(x, float) and not np.isfinite(x)) else f"{x:.{digits}f}"


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(str, r)) + " |" for r in rows]
    return "\n".join(lines)


def summarize(records):
    """The markdown report of all ``records`` (what ``results.jsonl`` holds)."""
    runs = run_metrics(records)
    failed = [r for r in records if r.get("status") == "error"]
    absent = [r for r in records if r.get("status") == "not_applicable"]
    cells = ", ".join(sorted({f"{r['dataset']} at {r['size']}" for r in absent}))
    parts = ["# Benchmark report", "",
             f"{len(records) - len(absent)} runs: {len(runs)} finished, {len(failed)} failed"
             + (f" ({len(failed) / (len(records) - len(absent)):.1%})" if failed else "") + "."
             + (f" Not applicable: {len(absent)} (a training size the table cannot give: "
                f"{cells})." if absent else "")]
    if runs.empty:
        return "\n".join(parts + ["", "No finished runs yet."])
    ft = runs[runs["track"] == "finetune"]
    if not ft.empty:
        norm = normalized_scores(runs)
        n_cells = ft[["dataset", "size"]].drop_duplicates().shape[0]
        n_complete = norm[["dataset", "size"]].drop_duplicates().shape[0]
        parts += ["", "## Fine-tuning track (one loop, each method at the classifier's defaults)", "",
                  "Per dataset and size, each method's test ROC-AUC, averaged over the seeds every "
                  "method finished (each seed is its own split), is min-max normalised over all the "
                  "methods here; *gain* is a method's normalised ROC-AUC minus "
                  "zero-shot's (the paper's measure); *AUC gain* is the raw difference. "
                  "Correlation: per run, Pearson r between the validation score and the test "
                  "score of the same metric (minus log-loss by default) over the validation checks; "
                  "gap = 1 - r. Regret: best test ROC-AUC over the "
                  "checks minus the test ROC-AUC at the chosen check. Medians over datasets x sizes (scores) "
                  "or over runs (curves)."
                  + (f" Scores use the {n_complete} of {n_cells} dataset x size cells where "
                     "every method finished a seed." if n_complete < n_cells else "")
                  + " *runs* counts every finished run of the method."]
        for size in [None] + sorted(ft["size"].unique()):
            sel_n = norm if size is None else norm[norm["size"] == size]
            sel_r = ft if size is None else ft[ft["size"] == size]
            rows = []
            for method in sel_r["method"].unique():
                n = sel_n[sel_n["method"] == method]
                r = sel_r[sel_r["method"] == method]
                if "auc_gain" in n:
                    vs = f"{int((n['auc_gain'] > 0).sum())}/{int((n['auc_gain'] < 0).sum())}"
                else:
                    vs = "-"
                rows.append([method, len(r), _fmt(n["roc_auc"].median()), _fmt(n["roc_auc"].mean()),
                             _fmt(n["norm_roc_auc"].median()),
                             _fmt(n["norm_gain"].median()) if "norm_gain" in n else "-",
                             _fmt(n["norm_gain"].mean()) if "norm_gain" in n else "-", vs,
                             _fmt(n["auc_gain"].median(), 4) if "auc_gain" in n else "-",
                             _median(r, "val_test_corr"), _median(r, "corr_gap"),
                             _median(r, "regret", 4), _median(r, "best_iter", 1),
                             _fmt(r["seconds"].median(), 1)])
            title = "all sizes" if size is None else f"{size} training rows"
            n_sets = sel_n[["dataset", "size"]].drop_duplicates().shape[0]
            parts += ["", f"### {title} ({n_sets} dataset x size cells)", "",
                      _table(["method", "runs", "median AUC", "mean AUC", "median norm. AUC",
                              "median gain (all methods)", "mean gain (all methods)",
                              "cells better/worse than zero-shot",
                              "median AUC gain", "median val-test r",
                              "median gap", "median regret", "median best step", "median s"],
                             rows)]
    if not ft.empty and ZERO_SHOT in set(ft["method"]):
        section = against_zero_shot(runs)
        if section:
            parts += ["", section]
    section = coverage(records)
    if section:
        parts += ["", section]
    if not ft.empty:
        section = pairwise_tests(runs)
        if section:
            parts += ["", section]
    cl = runs[runs["track"] == "classic"]
    for mode in sorted(cl["mode"].unique()) if not cl.empty else ():
        part = cl[cl["mode"] == mode]
        metrics = [m for m in ("test_roc_auc", "balanced_accuracy", "minority_f1")
                   if m in part and part[m].notna().any()]
        per = part.groupby(["model", "method", "dataset", "size"])[metrics].mean()
        rows = []
        for model in part["model"].unique():
            for aug in part["method"].unique():
                if (model, aug) not in per.index.droplevel([2, 3]):
                    continue
                vals = per.loc[(model, aug)]
                row = [model, aug, len(vals)]
                for metric in metrics:
                    base = per.loc[(model, "none"), metric] if (model, "none") in per.index.droplevel([2, 3]) else None
                    gain = None if base is None else (vals[metric] - base).dropna()
                    row += [_fmt(vals[metric].median()),
                            _fmt(gain.median(), 4) if gain is not None else "-",
                            f"{int((gain > 0).sum())}/{int((gain < 0).sum())}" if gain is not None else "-"]
                rows.append(row)
        names = {"test_roc_auc": "ROC-AUC", "balanced_accuracy": "balanced acc.", "minority_f1": "minority F1"}
        header = ["model", "augmenter", "cells"]
        for metric in metrics:
            header += [f"median {names[metric]}", "median gain vs none", "better/worse"]
        what = ("one synthetic row per real row, class proportions kept" if mode == "augment"
                else "every class brought up to the largest (sampling_strategy='auto')")
        parts += ["", f"## Classic track, {mode}: augmenter -> classifier in an imblearn pipeline", "",
                  f"Augmenters add {what}. Trained on training + validation rows; medians over "
                  "datasets x sizes of the seed-mean test score; gains and better/worse cells against no "
                  "augmenter. Minority F1: F1 of the class with the fewest training rows.", "",
                  _table(header, rows)]
    capped = {}
    for rec in records:
        if rec.get("caps"):
            capped[rec["dataset"]] = rec["caps"]
    if capped:
        parts += ["", "## Capping", "",
                  _table(["dataset", "what was dropped"],
                         [[d, json.dumps(c)] for d, c in sorted(capped.items())])]
    if failed:
        counts = pd.Series([f.get("error", "?").split(":")[0] for f in failed]).value_counts()
        parts += ["", "## Failed runs", "",
                  _table(["error", "runs", "example"],
                         [[e, n, next(f["run_id"] for f in failed
                                       if f.get("error", "?").split(":")[0] == e)]
                          for e, n in counts.items()])]
        per_method = pd.Series([f.get("method", "?") for f in failed]).value_counts()
        parts += ["", _table(["method", "failed runs"], [[m, n] for m, n in per_method.items()])]
    return "\n".join(parts) + "\n"


def _median(frame, col, digits=3):
    if col not in frame:
        return "-"
    vals = pd.to_numeric(frame[col], errors="coerce").dropna()
    return _fmt(float(vals.median()), digits) if len(vals) else "-"


def run_section(records):
    """Markdown: when, on what and with which code and generator settings the runs were made."""
    stamped = [r for r in records if r.get("started")]
    if not stamped:
        return None
    start = pd.to_datetime([r["started"] for r in stamped], utc=True)
    end = start + pd.to_timedelta([float(r.get("seconds") or 0) for r in stamped], unit="s")
    busy = sum(float(r.get("seconds") or 0) for r in stamped) / 3600
    commits = sorted({str(r.get("commit")) for r in stamped})
    machines = sorted({str(r.get("machine")) for r in stamped})
    versions = stamped[-1].get("versions") or {}
    ok = [r for r in stamped if r.get("status") == "ok" and r.get("track") == "finetune"]
    relabelled = [r for r in ok if "generator_relabelled" in r and r.get("n_synthetic")]
    stops = pd.Series([r.get("stop_reason") for r in ok if r.get("n_iter")]).value_counts()
    settings = {}
    for r in ok:
        if r.get("generator_params"):
            settings.setdefault(r["method"], {}).update(r["generator_params"])
    lines = ["## The run", "",
             f"- {len(stamped)} runs from {start.min():%Y-%m-%d %H:%M} to {end.max():%Y-%m-%d %H:%M} UTC "
             f"(wall clock, interruptions included), {busy:.1f} run-hours; "
             f"machine (architecture, cores, Python): {'; '.join(machines)}.",
             f"- Code: {', '.join(commits)}; " + ", ".join(f"{k} {v}" for k, v in versions.items() if v) + ".",
             "- Generators (settings as recorded): " + "; ".join(
                 f"{m} " + ", ".join(f"{k} {v}" for k, v in p.items())
                 for m, p in sorted(settings.items())) + (". " if settings else "")
             + "Their rows have no missing cells (CTGAN, TabEBM and the copula model complete rows, "
             "SMOTE interpolates imputed ones), while CausalMix puts cells back missing at each "
             "column's observed rate."]
    if relabelled:
        share = sum(r["generator_relabelled"] for r in relabelled) / sum(
            r["generator_relabelled"] + r["n_synthetic"] for r in relabelled)
        lines.append(f"- CTGAN rows generated with another class than asked, redrawn: {share:.1%}.")
    if len(stops):
        lines.append("- Why fine-tuning stopped: " + ", ".join(f"{k} {v}" for k, v in stops.items()) + ".")
    return "\n".join(lines)


def write_report(out_dir):
    """Write ``report.md`` and the plots to ``out_dir``; return the report path."""
    out = Path(out_dir)
    records = read_results(out)
    text = summarize(records)
    section = run_section(records)
    if section:
        text += "\n" + section + "\n"
    figures = plot_report(records)
    if figures:
        text += "\n## Plots\n\n" + "\n".join(f"![{name}]({name}.png)" for name in figures) + "\n"
    for name, fig in figures.items():
        fig.savefig(out / f"{name}.png", dpi=110, bbox_inches="tight")
        _close(fig)
    path = out / "report.md"
    path.write_text(text)
    return path


def plot_report(records):
    """The report's figures: per-dataset gains, validation-test correlation,
    example learning curves (matplotlib figures by name)."""
    runs = run_metrics(records)
    if runs.empty or (runs["track"] == "finetune").sum() == 0:
        return {}
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    figures = {}
    norm = normalized_scores(runs)
    if "norm_gain" in norm and len(norm):
        data = norm[norm["method"] != ZERO_SHOT]
        methods = sorted(data["method"].unique())
        fig, ax = plt.subplots(figsize=(7, 0.5 + 0.45 * len(methods)))
        for i, m in enumerate(methods):
            vals = data.loc[data["method"] == m, "norm_gain"].to_numpy()
            jitter = np.random.RandomState(i).uniform(-0.15, 0.15, len(vals))
            ax.scatter(vals, i + jitter, s=14, alpha=0.6)
            ax.plot([np.median(vals)] * 2, [i - 0.3, i + 0.3], color="k", lw=2)
        ax.axvline(0, color="grey", lw=1, ls="--")
        ax.set_yticks(range(len(methods)), methods)
        ax.set_xlabel("ROC-AUC gain over zero-shot, min-max normalised over all methods "
                      "(one dot per dataset x size)")
        ax.set_title("Per-dataset gains (bar: median)")
        figures["gains"] = fig
    scores = dataset_scores(runs)
    if len(scores) >= 2 and scores.shape[1] >= 2:
        # Per dataset, each method's rank; the mean rank with its spread over datasets.
        ranks = scores.rank(axis=1, ascending=False)
        order = ranks.mean().sort_values().index
        fig, ax = plt.subplots(figsize=(7, 0.5 + 0.45 * len(order)))
        for i, m in enumerate(order):
            jitter = np.random.RandomState(i).uniform(-0.15, 0.15, len(ranks))
            ax.scatter(ranks[m], i + jitter, s=12, alpha=0.4)
            ax.plot([ranks[m].mean()] * 2, [i - 0.3, i + 0.3], color="k", lw=2)
        ax.set_yticks(range(len(order)), list(order))
        ax.invert_xaxis()
        ax.set_xlabel(f"rank by mean test ROC-AUC per dataset ({len(ranks)} datasets; bar: mean; 1 is best)")
        ax.set_title("Methods ranked over datasets")
        figures["ranks"] = fig
    ft = runs.iloc[:0]
    if "val_test_corr" in runs:  # only runs with at least one fine-tuning step have it
        ft = runs[(runs["track"] == "finetune") & runs["val_test_corr"].notna()]
    if not ft.empty:
        methods = sorted(ft["method"].unique())
        fig, ax = plt.subplots(figsize=(7, 0.5 + 0.45 * len(methods)))
        ax.boxplot([ft.loc[ft["method"] == m, "val_test_corr"].astype(float) for m in methods],
                   orientation="horizontal", tick_labels=methods)
        ax.axvline(0, color="grey", lw=1, ls="--")
        ax.set_xlabel("Pearson r between validation and test curves (per run)")
        ax.set_title("Does validation track test?")
        figures["correlation"] = fig
    with_curves = [r for r in records if r.get("status") == "ok" and r.get("test_curve")
                   and len(r["test_curve"]) > 2]
    if with_curves:
        first = with_curves[0]
        same = [r for r in with_curves if (r["dataset"], r["size"], r["seed"]) ==
                (first["dataset"], first["size"], first["seed"])]
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharex=True)
        for r in same:
            axes[0].plot(r["check_iters"], r["valid_curve"], label=r["method"])
            axes[1].plot(r["check_iters"], r["test_curve"], label=r["method"])
            axes[1].scatter([r["best_iter"]], [r["test_curve"][_chosen(r)]], s=25)
        axes[0].set_title("validation score (early stopping)")
        axes[1].set_title("test ROC-AUC (dot: chosen step)")
        for ax in axes:
            ax.set_xlabel("optimizer step")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes[1].legend(fontsize=7)
        fig.suptitle(f"{first['dataset']}, {first['size']} rows, seed {first['seed']}")
        figures["learning_curves"] = fig
    return figures


def _close(fig):
    import matplotlib.pyplot as plt

    plt.close(fig)

"""Fine-tuning curves from ``CausalMixTabPFNClassifier.history_``."""

import numpy as np


def plot_history(history, *, metric="roc_auc"):
    """Training loss and validation scores at each validation check, with the chosen step.

    Parameters
    ----------
    history : fitted CausalMixTabPFNClassifier or list of dict
        Its ``history_`` (the first check is the model before fine-tuning).
    metric : {"roc_auc", "log_loss"}, default="roc_auc"
        Which validation score to draw: on real rows, on synthetic rows (when
        used) and on the monitoring ``eval_set`` (when given).

    Returns
    -------
    fig : matplotlib Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    best = getattr(history, "best_iter_", None)
    records = getattr(history, "history_", history)
    if not isinstance(records, list) or not records or not all(isinstance(r, dict) for r in records):
        raise ValueError("history must be a fitted CausalMixTabPFNClassifier or its history_ list.")
    lacking = sorted({key for r in records for key in ("iter", "valid_score") if key not in r})
    if lacking:
        raise ValueError(f"history records lack {lacking}: pass CausalMixTabPFNClassifier's history_.")
    if metric not in ("roc_auc", "log_loss"):
        raise ValueError(f"metric must be 'roc_auc' or 'log_loss', got {metric!r}.")
    steps = [r["iter"] for r in records]
    if best is None:
        best = steps[int(np.argmax([r["valid_score"] for r in records]))]

    def series(key):
        return [np.nan if r.get(key) is None else r[key] for r in records]

    fig, (ax_loss, ax_val) = plt.subplots(1, 2, figsize=(10, 3.6))
    ax_loss.plot(steps[1:], series("train_loss")[1:], marker="o", ms=3, color="tab:gray")
    ax_loss.set_title("training loss (query cross-entropy)")
    for key, name in (("valid", "validation, real rows"),
                      ("valid_synthetic", "validation, synthetic rows"),
                      ("eval", "eval_set (monitoring only)")):
        values = series(f"{key}_{metric}")
        if not np.all(np.isnan(values)):
            ax_val.plot(steps, values, marker="o", ms=3, label=name)
    ax_val.set_title(f"validation {metric.replace('_', '-')}")
    for ax in (ax_loss, ax_val):
        ax.axvline(best, color="tab:green", ls="--", lw=1, label=f"chosen step ({best})")
        ax.set_xlabel("optimizer step")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_val.legend(fontsize=8)
    fig.tight_layout()
    return fig

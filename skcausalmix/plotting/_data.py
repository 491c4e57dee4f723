"""Real vs synthetic rows: per-feature distributions and a pairwise view."""

import numpy as np
import pandas as pd


def _frames(X_real, X_synthetic):
    real = X_real if isinstance(X_real, pd.DataFrame) else pd.DataFrame(np.asarray(X_real))
    synth = X_synthetic if isinstance(X_synthetic, pd.DataFrame) else pd.DataFrame(
        np.asarray(X_synthetic), columns=real.columns)
    if list(real.columns) != list(synth.columns):
        raise ValueError("X_real and X_synthetic must have the same columns.")
    return real, synth


def _pick(real, features, max_features):
    if features is None:
        if not isinstance(max_features, (int, np.integer)) or isinstance(max_features, bool) or max_features < 1:
            raise ValueError(f"max_features must be a positive integer, got {max_features!r}.")
        return list(real.columns[:max_features])
    unknown = [f for f in features if f not in real.columns]
    if unknown:
        raise ValueError(f"Unknown features {unknown[:5]}; columns are {list(real.columns)[:10]}...")
    return list(features)


def _numeric(s):
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def plot_real_vs_synthetic(X_real, X_synthetic, *, features=None, max_features=9, bins=25):
    """Per-feature distributions of real and synthetic rows, overlaid.

    Numeric features get density histograms on shared bins; categorical ones
    (text, bool, category) get side-by-side bars of level frequencies.

    Parameters
    ----------
    X_real, X_synthetic : array-like or DataFrame with the same columns
        For example ``X_res[~aug.synthetic_mask_]`` and ``X_res[aug.synthetic_mask_]``.
    features : list, optional
        Columns to show (default: the first ``max_features``).
    max_features : int, default=9
    bins : int, default=25

    Returns
    -------
    fig : matplotlib Figure
    """
    import matplotlib.pyplot as plt

    real, synth = _frames(X_real, X_synthetic)
    cols = _pick(real, features, max_features)
    n_cols = min(3, len(cols))
    n_rows = int(np.ceil(len(cols) / n_cols))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(4 * n_cols, 2.8 * n_rows), squeeze=False)
    for ax, col in zip(axes.ravel(), cols):
        r, s = real[col].dropna(), synth[col].dropna()
        if _numeric(real[col]):
            values = np.r_[r.to_numpy(float), s.to_numpy(float)]
            edges = np.histogram_bin_edges(values, bins=bins) if len(values) else bins
            # A density of no values divides by zero: leave that group's bars out.
            for part, label in ((r, "real"), (s, "synthetic")):
                if len(part):
                    ax.hist(part.to_numpy(float), bins=edges, density=True, alpha=0.5, label=label)
                else:
                    ax.plot([], [], alpha=0.5, label=f"{label} (all missing)")
        else:
            levels = pd.Index(pd.concat([r, s]).astype(str).unique())
            fr = r.astype(str).value_counts(normalize=True).reindex(levels, fill_value=0)
            fs = s.astype(str).value_counts(normalize=True).reindex(levels, fill_value=0)
            x = np.arange(len(levels))
            ax.bar(x - 0.2, fr.to_numpy(), width=0.4, label="real")
            ax.bar(x + 0.2, fs.to_numpy(), width=0.4, label="synthetic")
            ax.set_xticks(x, [str(v)[:10] for v in levels], rotation=45, fontsize=7)
        ax.set_title(str(col), fontsize=9)
    for ax in axes.ravel()[len(cols):]:
        ax.set_axis_off()
    axes.ravel()[0].legend(fontsize=8)
    fig.suptitle(f"Real ({len(real)} rows) vs synthetic ({len(synth)} rows)")
    fig.tight_layout()
    return fig


def plot_pairwise(X_real, X_synthetic, features, *, max_points=1000, random_state=0):
    """Scatter matrix of chosen numeric features, real and synthetic rows overlaid.

    Shows whether synthetic rows keep the dependencies between features,
    not only each feature's own distribution.

    Parameters
    ----------
    X_real, X_synthetic : array-like or DataFrame with the same columns
    features : list of 2 to 6 numeric column names (or indices for arrays)
    max_points : int, default=1000
        Rows drawn per group (a random subset beyond it).
    random_state : int, default=0

    Returns
    -------
    fig : matplotlib Figure
    """
    import matplotlib.pyplot as plt

    real, synth = _frames(X_real, X_synthetic)
    cols = _pick(real, features, None)
    if not 2 <= len(cols) <= 6:
        raise ValueError(f"Choose 2 to 6 features for a pairwise view, got {len(cols)}.")
    text = [c for c in cols if not _numeric(real[c])]
    if text:
        raise ValueError(f"The pairwise view needs numeric features; {text} are not numbers "
                         "(text, categories, booleans, dates).")
    rng = np.random.RandomState(random_state)

    def subset(frame):
        if len(frame) > max_points:
            frame = frame.iloc[rng.choice(len(frame), max_points, replace=False)]
        return frame

    real, synth = subset(real), subset(synth)
    k = len(cols)
    fig, axes = plt.subplots(k, k, figsize=(2.3 * k, 2.3 * k), squeeze=False)
    for i, a in enumerate(cols):
        for j, b in enumerate(cols):
            ax = axes[i, j]
            if i == j:
                for frame in (real, synth):
                    values = frame[a].dropna().to_numpy(float)
                    if len(values):  # a density of no values divides by zero
                        ax.hist(values, bins=20, alpha=0.5, density=True)
            else:
                ax.scatter(real[b], real[a], s=6, alpha=0.5, label="real")
                ax.scatter(synth[b], synth[a], s=6, alpha=0.5, label="synthetic")
            if i == k - 1:
                ax.set_xlabel(str(b), fontsize=8)
            if j == 0:
                ax.set_ylabel(str(a), fontsize=8)
            ax.tick_params(labelsize=6)
    axes[0, 1].legend(fontsize=7, markerscale=2)
    fig.suptitle("Pairwise view: real vs synthetic")
    fig.tight_layout()
    return fig

"""The ensemble skcausalmix runs a checkpoint with, and the guard it needs.

The small bundled model predicts better from many small views of a table
than from one wide row: ``n_members`` members, a quarter of them on all
columns and the rest on random subsets of ``features_per_member`` columns
(tabpfn's balanced feature subsampling; see
benchmarks/results/feature_subspaces.md). A checkpoint asks for it under
``ENSEMBLE_KEY`` in its header.

tabpfn gives up on a member whose columns are all constant in the training
rows ("All features are constant"), and small random views of a table with
many such columns (rare one-hot categories, empty pixels) draw one often. So
the ensemble is not the checkpoint's own tabpfn setting, which a plain
``TabPFNClassifier`` would run unguarded: skcausalmix runs it on the columns
that vary in the training rows. tabpfn drops the others from every member
anyway, so nothing the model could use is lost.
"""

import contextlib
import warnings

import numpy as np
import pandas as pd

ENSEMBLE_KEY = "skcausalmix_ensemble"
FEATURES_PER_MEMBER = 5
N_MEMBERS = 32


def ensemble_spec():
    """The ensemble our checkpoints ask for (stored under ``ENSEMBLE_KEY``)."""
    return {"n_members": N_MEMBERS, "features_per_member": FEATURES_PER_MEMBER}


def stored_ensemble(path):
    """The ensemble a checkpoint file asks for, or None (official weights)."""
    from ._model_loading import check_checkpoint

    spec = check_checkpoint(path).get(ENSEMBLE_KEY)  # the header only
    return dict(spec) if spec else None


def ensemble_settings(spec, transforms):
    """tabpfn inference settings that run ``spec`` on a checkpoint (with ``member_count``).

    ``transforms`` are the checkpoint's own preprocessing configurations
    (dicts or tabpfn ``PreprocessorConfig``). The first runs on all columns;
    three times as many members, cycling through the configurations, run on
    ``features_per_member`` columns each. tabpfn deals the configurations to
    members in turn, so a one-member ensemble is full-width.
    """
    from dataclasses import asdict, is_dataclass

    from tabpfn.preprocessing import PreprocessorConfig

    transforms = [asdict(t) if is_dataclass(t) else dict(t) for t in transforms]
    few = {"max_features_per_estimator": int(spec["features_per_member"])}
    views = [{**transforms[(i + 1) % len(transforms)], **few} for i in range(3)]
    return {
        "PREPROCESS_TRANSFORMS": [PreprocessorConfig(**t) for t in [transforms[0], *views]],
        "FEATURE_SUBSAMPLING_METHOD": "balanced",
    }


@contextlib.contextmanager
def full_width_coverage(settings, n_columns):
    """Silence tabpfn's feature-coverage warning where it does not hold.

    tabpfn counts coverage with the smallest view of any configuration
    ("Running 32 estimators covers at most 160 of 200 features"), but the
    first member of ``settings`` sees every column when the table fits its
    width, so none is left out.
    """
    transforms = (settings or {}).get("PREPROCESS_TRANSFORMS") or []
    with warnings.catch_warnings():
        if transforms and transforms[0].max_features_per_estimator >= n_columns:
            warnings.filterwarnings("ignore", message=r"Running \d+ estimators covers at most",
                                    category=UserWarning)
        yield


def fit_on_varying_columns(model, X, y, settings=None):
    """Fit a tabpfn ``model`` (built with ``settings``) on the columns of ``X`` that vary.

    Returns the column mask; predictions take ``take_columns(X_new, mask)``.
    """
    mask = informative_columns(X)
    with full_width_coverage(settings, int(mask.sum())):
        model.fit(take_columns(X, mask), y)
    return mask


def member_count(n_estimators, spec):
    """``n_estimators`` for tabpfn: "auto" means the ensemble's own count."""
    if n_estimators == "auto" and spec:
        return int(spec["n_members"])
    return n_estimators


def informative_columns(X):
    """Boolean mask of the columns that vary in the rows of ``X``.

    As tabpfn counts it: a missing value differs from any value, and a column
    that is all missing is uninformative. When no column varies, all are
    kept, so that tabpfn's own error says so.
    """
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(X)
    mask = (frame.nunique(dropna=False) > 1).to_numpy()
    return mask if mask.any() else np.ones(len(mask), dtype=bool)


def take_columns(X, mask):
    """The columns of ``X`` (array or DataFrame) that ``mask`` selects."""
    if mask is None or mask.all():
        return X
    return X.iloc[:, mask] if isinstance(X, pd.DataFrame) else X[:, mask]

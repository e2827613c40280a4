"""Sphinx configuration: API from numpydoc docstrings, the examples as a sphinx-gallery."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import sirenkit  # noqa: E402

project = "sirenkit"
author = "the sirenkit developers"
copyright = "2026, the sirenkit developers"
release = version = sirenkit.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = [
    "_build",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.json",
    "auto_examples/*.md5",
]
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_validation_checks = set()
myst_heading_anchors = 3
html_theme = "alabaster"
html_theme_options = {"description": "SIREN as scikit-learn estimators", "fixed_sidebar": True}

# The examples run when the docs build (every example is tested that way). CI sets
# SIRENKIT_FAST_EXAMPLES=1, which the scripts read to shrink their sizes further.
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "within_subsection_order": "FileNameSortKey",
    "reset_modules": ("matplotlib",),
    "run_stale_examples": True,
}
os.environ.setdefault("MPLBACKEND", "Agg")
templates_path = ["_templates"]


def _skip_metadata_requests(app, what, name, obj, skip, options):
    # scikit-learn generates set_*_request methods on every estimator: routing plumbing,
    # documented by scikit-learn, not here.
    return True if name.startswith("set_") and name.endswith("_request") else None


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_requests)

"""Sphinx configuration for the symrich documentation (built with ``-W``: warnings are errors)."""

import subprocess
import sys
from pathlib import Path

project = "symrich"
author = "symrich developers"
copyright = "2026, symrich developers"
extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
master_doc = "index"
exclude_patterns = ["_build", "_generated_cli.txt"]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
numpydoc_show_class_members = False
numpydoc_validation_checks = set()
autodoc_default_options = {"members": True, "undoc-members": False}
autodoc_member_order = "bysource"
suppress_warnings = ["myst.xref_missing"]
html_theme = "alabaster"
html_static_path = ["_static"]


def _cli_reference():
    """Write the ``--help`` of every subcommand to a file that cli.md includes."""
    cmds = [[], ["derive"], ["latex"], ["list"], ["sweep"], ["plot-sweep"], ["figures"], ["export"], ["conservation"]]
    out = []
    for c in cmds:
        proc = subprocess.run([sys.executable, "-m", "symrich.cli", *c, "--help"], capture_output=True, text=True)
        if proc.returncode == 0:
            out.append("$ symrich " + " ".join(c + ["--help"]) + "\n" + proc.stdout)
    (Path(__file__).parent / "_generated_cli.txt").write_text("\n".join(out))


def _gallery():
    """Draw the gallery with ``symrich figures`` itself into _static/."""
    static = Path(__file__).parent / "_static"
    static.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-m", "symrich.cli", "figures", "--out", str(static)], check=True,
                   capture_output=True)


_cli_reference()
_gallery()

"""Compile a LaTeX file to PDF with latexmk (or pdflatex) when one is installed.

>>> build_pdf("missing.tex", engine="no-such-engine") is None
True
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

__all__ = ["build_pdf", "find_engine"]


def find_engine(engine=None):
    """``latexmk`` or ``pdflatex`` on the PATH (or the named one), else None.

    Examples
    --------
    >>> find_engine("no-such-engine") is None
    True
    >>> find_engine() in ("latexmk", "pdflatex", None)
    True
    """
    for name in ([engine] if engine else ["latexmk", "pdflatex"]):
        if name and shutil.which(name):
            return name
    return None


def build_pdf(tex_path, *, engine=None, timeout=300):
    """Build ``tex_path`` into a PDF beside it; return its path, or None without an engine.

    Raises ``RuntimeError`` with the end of the log when LaTeX reports an error.

    Examples
    --------
    Without a LaTeX engine nothing is built and the result is None:

    >>> build_pdf("paper.tex", engine="no-such-engine") is None
    True
    """
    exe = find_engine(engine)
    if exe is None:
        return None
    tex = Path(tex_path).resolve()
    if exe == "latexmk":
        cmd = ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", tex.name]
        runs = [cmd]
    else:
        cmd = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name]
        runs = [cmd, cmd]  # twice for the table of contents
    for c in runs:
        proc = subprocess.run(c, cwd=tex.parent, capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout or "").splitlines()[-30:])
            raise RuntimeError(f"LaTeX failed on {tex.name}:\n{tail}")
    return tex.with_suffix(".pdf")

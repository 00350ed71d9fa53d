"""Compile a LaTeX file to PDF with latexmk (or pdflatex), auxiliary files in a subfolder.

The PDF is written beside the ``.tex`` file; the auxiliary files (``.aux``,
``.log``, ``.toc``...) go to ``latex-aux/`` beside it.  A PDF newer than its
``.tex`` is not rebuilt.  When LaTeX fails, :class:`LatexError` names the log
file and quotes the first error line.

>>> build_pdf("missing.tex", engine="no-such-engine") is None
True
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

__all__ = ["build_pdf", "find_engine", "LatexError", "AUX_DIR"]

#: subfolder (beside the ``.tex``) for LaTeX's auxiliary files.
AUX_DIR = "latex-aux"


class LatexError(RuntimeError):
    """LaTeX failed: the message names the log file and the first error line.

    Attributes
    ----------
    log : Path
        The LaTeX log.
    first_error : str
        The first line of the log starting with ``!`` (or the last lines).

    Examples
    --------
    >>> str(LatexError(Path("x.log"), "! Undefined control sequence."))
    'LaTeX failed (log: x.log): ! Undefined control sequence.'
    """

    def __init__(self, log, first_error):
        self.log = Path(log)
        self.first_error = first_error
        super().__init__(f"LaTeX failed (log: {self.log}): {first_error}")


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


def _first_error(log: Path, fallback: str) -> str:
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return fallback
    for i, line in enumerate(lines):
        if line.startswith("!"):
            context = " ".join(ln.strip() for ln in lines[i + 1:i + 3] if ln.strip())
            return f"{line} {context}".strip()
    return fallback


def build_pdf(tex_path, *, engine=None, timeout=600, force=False):
    """Build ``tex_path`` into a PDF beside it; return its path, or None without a LaTeX engine.

    Parameters
    ----------
    tex_path : path
    engine : str, optional
        ``"latexmk"`` or ``"pdflatex"`` (default: the first one installed).
    timeout : float
        Seconds before LaTeX is stopped.
    force : bool
        Rebuild even when the PDF is newer than the ``.tex``.

    Raises
    ------
    LatexError
        When LaTeX reports an error (the log file and its first error line).

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
    pdf = tex.with_suffix(".pdf")
    if not force and pdf.exists() and pdf.stat().st_mtime >= tex.stat().st_mtime:
        return pdf
    aux = tex.parent / AUX_DIR
    aux.mkdir(exist_ok=True)
    if exe == "latexmk":
        runs = [["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", f"-outdir={aux}", tex.name]]
    else:
        cmd = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"-output-directory={aux}", tex.name]
        runs = [cmd, cmd]  # twice for the table of contents and references
    log = aux / tex.with_suffix(".log").name
    for cmd in runs:
        try:
            proc = subprocess.run(cmd, cwd=tex.parent, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise LatexError(log, f"timed out after {timeout:g} s") from exc
        if proc.returncode != 0:
            tail = (proc.stdout or "").strip().splitlines()[-1:] or ["no output"]
            raise LatexError(log, _first_error(log, tail[0]))
    shutil.copyfile(aux / pdf.name, pdf)
    return pdf

"""Writing the LaTeX of derivations to files: the thin I/O layer over :mod:`symrich.engine.latex`.

For each derivation ``NAME`` it writes ``NAME.tex`` (a complete document) and
``NAME-snippet.tex`` (the section alone, to ``\\input`` into a paper that
loads ``amsmath`` and ``amssymb``); for all of them together
``symrich-derivations.tex``, or ``symrich-selection.tex`` when only some
derivations were chosen, so that a partial run never overwrites the combined
document.  A file whose text is unchanged is not rewritten (its time stamp
then tells the PDF step that nothing needs rebuilding).

>>> import sympy as sp, tempfile
>>> from symrich.engine import Derivation, Step, latex
>>> x = sp.Symbol("x")
>>> r = latex.render(Derivation("demo", "Demo", steps=(Step(x + x, 2 * x, "collect"),)).verify())
>>> out = write_outputs([r], tempfile.mkdtemp())
>>> sorted(p.name for p in out.files), out.document.name
(['demo-snippet.tex', 'demo.tex', 'symrich-derivations.tex'], 'symrich-derivations.tex')
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from symrich.engine import latex

__all__ = ["Outputs", "write_outputs", "write_if_changed", "DOCUMENT", "SELECTION"]

#: the combined document of every derivation.
DOCUMENT = "symrich-derivations.tex"
#: the document of a chosen subset (``symrich derive --only``).
SELECTION = "symrich-selection.tex"


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` unless it already holds exactly that; return whether it was written.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a.tex"
    >>> write_if_changed(p, "x"), write_if_changed(p, "x"), write_if_changed(p, "y")
    (True, False, True)
    """
    path = Path(path)
    if path.exists() and path.read_text() == text:
        return False
    path.write_text(text)
    return True


@dataclass(frozen=True)
class Outputs:
    """What :func:`write_outputs` wrote.

    Attributes
    ----------
    document : Path
        The combined document (or the selection's document).
    files : tuple of Path
        Every file written or confirmed up to date.
    changed : tuple of Path
        The files whose text changed.

    Examples
    --------
    >>> Outputs(Path("d.tex"), (Path("d.tex"),), ()).document.name
    'd.tex'
    """

    document: Path
    files: tuple
    changed: tuple


def write_outputs(rendered_list, out_dir, *, selection: bool = False) -> Outputs:
    """Write the per-derivation documents and snippets and the combined (or selection) document.

    Parameters
    ----------
    rendered_list : sequence of Rendered
        In document order.
    out_dir : path
        Created if missing.
    selection : bool
        Write the combined document as ``symrich-selection.tex`` (a subset).

    Raises
    ------
    OSError
        When the folder cannot be created or written (the caller reports it).

    Examples
    --------
    >>> import sympy as sp, tempfile
    >>> from symrich.engine import Derivation, Step, latex
    >>> x = sp.Symbol("x")
    >>> r = latex.render(Derivation("demo", "Demo", steps=(Step(x + x, 2 * x, "collect"),)).verify())
    >>> write_outputs([r], tempfile.mkdtemp(), selection=True).document.name
    'symrich-selection.tex'
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files, changed = [], []
    for r in rendered_list:
        for path, text in ((out / f"{r.name}.tex", latex.standalone(r)),
                           (out / f"{r.name}-snippet.tex", latex.snippet(r))):
            files.append(path)
            if write_if_changed(path, text):
                changed.append(path)
    document = out / (SELECTION if selection else DOCUMENT)
    files.append(document)
    if write_if_changed(document, latex.document(rendered_list)):
        changed.append(document)
    return Outputs(document, tuple(files), tuple(changed))

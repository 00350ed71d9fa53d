"""The combined LaTeX document: it compiles, fits the page, and shows every title and result.

The PDF part needs a LaTeX engine.  CI installs one and sets SYMRICH_REQUIRE_LATEX=1, which
makes a missing engine a failure; elsewhere, without an engine, the test checks the .tex only.
"""

import os
import re
import shutil
import subprocess
import sys

import pytest

from symrich.engine import latex
from symrich.engine.pdf import find_engine
from symrich.engine.registry import derivation_names, derive

#: An overfull box wider than this (in pt) would run into the 2.2 cm margin visibly.
MAX_OVERFULL_PT = 10.0


def _squash(s):
    """Letters and digits only: pdftotext renders ``_``, ``^`` and line breaks of the listing differently."""
    return re.sub(r"[^A-Za-z0-9]", "", s)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    proc = subprocess.run([sys.executable, "-m", "symrich.cli", "derive", "--out", str(out)],
                          capture_output=True, text=True, cwd=out)  # the installed package, not the checkout
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


def test_tex_has_every_derivation(built):
    tex = (built / "symrich-derivations.tex").read_text()
    assert "\\tableofcontents" in tex
    for name in derivation_names():
        v = derive(name).verified
        assert f"\\label{{der:{latex._label(name)}}}" in tex
        assert latex.result_text(v) in tex
        assert (built / f"{name}.tex").exists()


def test_pdf_shows_titles_and_results_and_fits_the_page(built):
    if find_engine() is None:
        assert os.environ.get("SYMRICH_REQUIRE_LATEX") != "1", "CI requires a LaTeX engine (latexmk or pdflatex)"
        assert not (built / "symrich-derivations.pdf").exists()
        return
    pdf = built / "symrich-derivations.pdf"
    assert pdf.exists()
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is needed to read the PDF back"
    txt = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = _squash(txt)
    missing = []
    for name in derivation_names():
        v = derive(name).verified
        if _squash(v.title) not in flat:
            missing.append(f"title of {name}")
        if _squash(latex.result_text(v)) not in flat:
            missing.append(f"result of {name}")
    assert not missing, missing
    log = (built / "symrich-derivations.log").read_text(errors="replace")
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)]
    assert all(w <= MAX_OVERFULL_PT for w in widths), f"overfull boxes: {sorted(widths)[-5:]} pt"
    assert "! " not in log, "LaTeX reported an error"

"""symrich.conservation: the LaTeX report of every builder's model, and of a user model with a hostile name, compiles.

Compiling needs a LaTeX engine.  CI installs one and sets SYMRICH_REQUIRE_LATEX=1, which makes a missing
engine a failure; elsewhere, without an engine, only the .tex is checked.
"""

import os
import re
import shutil
import subprocess

import pytest
import sympy as sp

from symrich.conservation import (
    Model,
    analyse,
    bilinear_attention,
    deep_linear,
    law_derivations,
    single_neuron,
    two_layer,
    two_layer_linear,
)
from symrich.conservation.report import write_latex
from symrich.engine.pdf import build_pdf, find_engine

z = sp.Symbol("z")
#: every character LaTeX treats specially, in a model name and in a user's assumption
HOSTILE = "my^model_#1 {50%} & <x>|~\\$"


def _hostile():
    a, b, x = sp.symbols("a b x", real=True)
    return Model(HOSTILE, {"a": a, "b": b}, (x,), a * b * x, assumptions=(f"data centred; {HOSTILE} <= 1",))


MODELS = {
    "single_neuron": lambda: single_neuron(2),
    "two_layer_linear_bias": lambda: two_layer_linear(2, 1, 2, bias=True),
    "deep_linear": lambda: deep_linear((1, 2, 1)),
    "relu": lambda: two_layer(2, 2),
    "relu_d_lt_m": lambda: two_layer(1, 2),  # the assumption fails: its reason is printed too
    "quadratic": lambda: two_layer(1, 2, activation=z**2 + z),
    "cubic_c2": lambda: two_layer(1, 1, activation=z**3, c=2),
    "attention": lambda: bilinear_attention(2, 1),
    "hostile_name": _hostile,
}


def _require_engine():
    if find_engine() is None:
        assert os.environ.get("SYMRICH_REQUIRE_LATEX") != "1", "CI requires a LaTeX engine (latexmk or pdflatex)"
        return False
    return True


@pytest.mark.parametrize("key", sorted(MODELS))
def test_conservation_latex_compiles_and_shows_the_name(key, tmp_path):
    result = analyse(MODELS[key]())
    verified = [d.verify() for d in law_derivations(result.laws)]
    path = write_latex(result, verified, tmp_path)
    tex = path.read_text()
    assert "\\end{document}" in tex
    if not _require_engine():
        return
    pdf = build_pdf(path)
    log = (tmp_path / "latex-aux" / path.with_suffix(".log").name).read_text(errors="replace")
    assert "\n! " not in log
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is needed to read the PDF back"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    # the name is printed as written: each special character escaped, not lost or turned into another glyph
    # (pdftotext reads the underscore of \texttt, a drawn rule, as a space; an unescaped one does not compile)
    flat = re.sub(r"[\s_]", "", text)
    assert re.sub(r"[\s_]", "", result.model.name) in flat
    if result.model.assumptions:
        assert "Assumption:" in text


"""The LaTeX of the derivations: no placeholder, no ASCII math, every snippet compiles alone, the PDF fits the page.

The compilation parts need a LaTeX engine.  CI installs one and sets SYMRICH_REQUIRE_LATEX=1, which
makes a missing engine a failure; elsewhere, without an engine, only the .tex files are checked.
"""

import os
import re
import shutil
import subprocess
import sys

import pytest

from symrich.engine.pdf import find_engine
from symrich.engine.registry import derivation_names, derive

#: An overfull box wider than this (in pt) would run into the 2.2 cm margin visibly.
MAX_OVERFULL_PT = 10.0

_MATH = re.compile(
    r"\$[^$]*\$|\\\[.*?\\\]"
    r"|\\begin\{(align\*?|equation\*?|gathered)\}.*?\\end\{\1\}",
    re.S,
)
#: commands whose argument is a name, not prose
_NAME_ARGS = re.compile(r"\\(label|eqref|ref|texttt|textsf)\{[^}]*\}")


def _text_and_math(tex):
    body = tex.split("\\begin{document}", 1)[-1]
    math = [m.group(0) for m in _MATH.finditer(body)]
    text = _NAME_ARGS.sub("", _MATH.sub(" ", body))
    return text, math


def _require_engine():
    if find_engine() is None:
        assert os.environ.get("SYMRICH_REQUIRE_LATEX") != "1", "CI requires a LaTeX engine (latexmk or pdflatex)"
        return False
    return True


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    proc = subprocess.run([sys.executable, "-m", "symrich.cli", "derive", "--out", str(out)],
                          capture_output=True, text=True, cwd=out)  # the installed package, not the checkout
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


def test_document_has_every_derivation_and_its_proved_result(built):
    tex = (built / "symrich-derivations.tex").read_text()
    assert "\\tableofcontents" in tex
    for name in derivation_names():
        r = derive(name).rendered
        assert f"\\label{{der:{name}}}" in tex
        for lhs, rhs, _, _ in r.result:
            assert f"{lhs} = {rhs}" in tex
        assert (built / f"{name}.tex").exists() and (built / f"{name}-snippet.tex").exists()


@pytest.mark.parametrize("name", derivation_names())
def test_no_placeholder_and_no_ascii_math(built, name):
    tex = (built / f"{name}.tex").read_text()
    assert "abbreviated" not in tex
    text, math = _text_and_math(tex)
    problems = []
    for pattern, what in ((r"sqrt\(", "sqrt( in text"), (r"\^T\b", "^T in text"), (r"(?<!\\)_", "_ outside math"),
                          (r"\|\|", "|| in text")):
        if re.search(pattern, text):
            problems.append(f"{what}: ...{text[max(0, re.search(pattern, text).start() - 40):][:80]!r}")
    for segment in math:
        segment = _NAME_ARGS.sub("", segment)
        word = re.search(r"(?<![\\A-Za-z])(delta|Lambda|Lam|eta|beta|sqrt)(?![A-Za-z])", segment)
        if word:
            problems.append(f"ASCII {word.group(1)!r} in math: {segment[:80]!r}")
    assert not problems, problems


def test_every_snippet_compiles_standalone(built, tmp_path):
    """``\\input`` into a plain article with only amsmath and amssymb."""
    if not _require_engine():
        return
    failures = []
    for name in derivation_names():
        doc = tmp_path / f"paper-{name}.tex"
        shutil.copy(built / f"{name}-snippet.tex", tmp_path / f"{name}-snippet.tex")
        doc.write_text("\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n\\begin{document}\n"
                       f"\\input{{{name}-snippet}}\n\\end{{document}}\n")
        proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", doc.name], cwd=tmp_path,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            errors = [ln for ln in proc.stdout.splitlines() if ln.startswith("!")]
            failures.append(f"{name}: {errors[:2]}")
    assert not failures, failures


def test_pdf_shows_titles_and_fits_the_page(built):
    if not _require_engine():
        assert not (built / "symrich-derivations.pdf").exists()
        return
    pdf = built / "symrich-derivations.pdf"
    assert pdf.exists()
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is needed to read the PDF back"
    txt = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"[^A-Za-z]", "", txt)
    missing = []
    for name in derivation_names():
        title = derive(name).rendered.title
        for prose in re.split(r"\$[^$]*\$", title):  # each piece of prose of the title, between its math
            if re.sub(r"[^A-Za-z]", "", prose) not in flat:
                missing.append(f"title of {name}: {prose!r}")
    assert not missing, missing
    log = (built / "latex-aux" / "symrich-derivations.log").read_text(errors="replace")
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)]
    assert all(w <= MAX_OVERFULL_PT for w in widths), f"overfull boxes: {sorted(widths)[-5:]} pt"
    assert "\n! " not in log, "LaTeX reported an error"
    assert "There were undefined references" not in log, "undefined references"

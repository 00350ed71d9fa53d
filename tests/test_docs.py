"""The documentation site builds without a single warning (Sphinx -W), from docs/."""

from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_docs_build_without_warnings(tmp_path):
    from sphinx.cmd.build import build_main

    code = build_main(["-W", "--keep-going", "-q", "-b", "html", str(DOCS), str(tmp_path / "html")])
    assert code == 0, "sphinx-build -W reported warnings or errors (see the captured output)"
    html = (tmp_path / "html" / "api.html").read_text()
    assert "M_matrix" in html  # the API reference is generated from the docstrings


@pytest.mark.parametrize("page", sorted(p.name for p in DOCS.glob("*.md")))
def test_every_page_is_in_the_toctree(page):
    index = (DOCS / "index.md").read_text()
    assert page == "index.md" or page[:-3] in index, f"{page} is not linked from docs/index.md"

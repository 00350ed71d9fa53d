"""The ``>>>`` examples of the docs pages run as written (``python -m doctest docs/PAGE.md``)."""

import doctest
import pathlib

import pytest

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted(p.name for p in DOCS.glob("*.md") if ">>>" in p.read_text())


def test_the_pages_have_examples():
    assert {"implicit_bias.md", "engine.md", "conservation.md", "wide_deep_linear.md"} <= set(PAGES)


@pytest.mark.parametrize("page", PAGES)
def test_docs_page_examples(page):
    result = doctest.testfile(str(DOCS / page), module_relative=False, verbose=False, report=True,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of docs/{page} failed (see the output)"

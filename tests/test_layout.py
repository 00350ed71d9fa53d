"""The package's house rules (docs/architecture.md), checked on its source.

* the layers are the folders and data flows one way: a module imports only from its own layer
  or the layers above it in the architecture table (imports inside functions included);
* no module is much over 600 lines;
* every module compiles without warnings (no invalid escape sequences in docstrings).
"""

import ast
import pathlib
import warnings

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "symrich"
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))

#: the layer of each top-level part of the package (docs/architecture.md); paths.py is a utility
LAYER = {"paths": 0, "symbolic": 1, "engine": 2, "derivations": 2,
         "oracle": 3,
         "numeric": 4, "single_neuron": 4, "wide_linear": 4, "deep_linear": 4, "piecewise_linear": 4,
         "testing": 5, "conservation": 5, "experiments": 5, "export": 5, "figures": 5, "cli": 5}


def _part(path):
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def _imported_parts(path):
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names if node.module == "symrich"]
        for name in names:
            parts = name.split(".")
            if parts[0] == "symrich" and len(parts) > 1 and parts[1] in LAYER:
                yield parts[1], node.lineno


def test_every_part_of_the_package_has_a_layer():
    parts = {_part(p) for p in MODULES} - {"__init__", "__main__"}
    assert parts == set(LAYER)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_flow_one_way(path):
    own = _part(path)
    if own in ("__init__", "__main__"):
        return
    upward = [f"line {line}: symrich.{part} (layer {LAYER[part]})" for part, line in _imported_parts(path)
              if LAYER[part] > LAYER[own]]
    assert not upward, f"{path.relative_to(PACKAGE)} (layer {LAYER[own]}) imports from a lower layer: {upward}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_are_short_and_compile_cleanly(path):
    text = path.read_text()
    assert text.count("\n") <= 650, f"{path.relative_to(PACKAGE)} has {text.count(chr(10))} lines"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compile(text, str(path), "exec")


def test_the_oracle_is_independent_of_the_rest():
    """The oracle checks the closed forms, so it must not use them: it imports only itself."""
    used = {part for p in MODULES if _part(p) == "oracle" for part, _ in _imported_parts(p)}
    assert used <= {"oracle"}, used

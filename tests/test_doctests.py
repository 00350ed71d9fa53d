"""Every docstring example of the package runs (the examples are part of the documentation)."""

import doctest
import importlib
import pkgutil

import pytest

import symrich

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(symrich.__path__, prefix="symrich.")
    if not m.name.startswith("symrich.derivations.")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0


def test_public_functions_have_examples():
    """Every public function and class (in a module's ``__all__``) documents a runnable example."""
    import inspect

    missing = []
    for name in MODULES:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and ">>>" not in (obj.__doc__ or ""):
                missing.append(f"{name}.{attr}")
    assert not missing, f"no docstring example: {missing}"

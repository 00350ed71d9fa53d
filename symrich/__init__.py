"""symrich: derive, compile and verify the exact learning dynamics of small networks.

The paper: Kunin, Raventós, Dominé, Chen, Klindt, Saxe, Ganguli, "Get rich
quick: exact solutions reveal how unbalanced initializations promote rapid
feature learning", NeurIPS 2024.

Layers (data flows one way, top to bottom):

* symbolic: :mod:`symrich.engine` (derivations and proofs),
  :mod:`symrich.symbolic` (expressions per network family), the worked
  derivations in :mod:`symrich.derivations`;
* numeric: :mod:`symrich.numeric.codegen` (``lambdify`` with CSE), the kernels in
  :mod:`symrich.single_neuron` and the other family modules,
  :mod:`symrich.oracle` (high-precision integration);
* user: :mod:`symrich.cli`, :mod:`symrich.engine.latex`.

Importing :mod:`symrich` is cheap: submodules and SymPy load on first use.

>>> import symrich
>>> symrich.Derivation.__name__
'Derivation'
"""

import importlib
import pkgutil

__version__ = "0.2.0"

_LAZY = {
    "Derivation": ("symrich.engine", "Derivation"),
    "Step": ("symrich.engine", "Step"),
    "Proof": ("symrich.engine", "Proof"),
    "VerifiedDerivation": ("symrich.engine", "VerifiedDerivation"),
    "DerivationError": ("symrich.engine", "DerivationError"),
    "derive": ("symrich.engine.registry", "derive"),
    "derive_all": ("symrich.engine.registry", "derive_all"),
    "derivation_names": ("symrich.engine.registry", "derivation_names"),
}

#: every subpackage and module of symrich, loaded on first attribute access.
_SUBMODULES = frozenset(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name):
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"symrich.{name}")
    raise AttributeError(f"module 'symrich' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | _SUBMODULES)

"""symrich: derive, compile and verify the exact learning dynamics of small networks.

The paper: Kunin, Raventós, Dominé, Chen, Klindt, Saxe, Ganguli, "Get rich
quick: exact solutions reveal how unbalanced initializations promote rapid
feature learning", NeurIPS 2024.

Layers (data flows one way, top to bottom):

* symbolic: :mod:`symrich.engine` (derivations and proofs),
  :mod:`symrich.symbolic` (expressions per network family), the worked
  derivations in :mod:`symrich.derivations`;
* numeric: :mod:`symrich.codegen` (``lambdify`` with CSE), the kernels in
  :mod:`symrich.single_neuron` and the other family modules,
  :mod:`symrich.oracle` (high-precision integration);
* user: :mod:`symrich.cli`, :mod:`symrich.latex`.

Importing :mod:`symrich` is cheap: submodules and SymPy load on first use.

>>> import symrich
>>> symrich.Derivation.__name__
'Derivation'
"""

import importlib

__version__ = "0.1.0"

_LAZY = {
    "Derivation": ("symrich.engine", "Derivation"),
    "Step": ("symrich.engine", "Step"),
    "Proof": ("symrich.engine", "Proof"),
    "VerifiedDerivation": ("symrich.engine", "VerifiedDerivation"),
    "DerivationError": ("symrich.engine", "DerivationError"),
    "derive": ("symrich.registry", "derive"),
    "derive_all": ("symrich.registry", "derive_all"),
    "derivation_names": ("symrich.registry", "derivation_names"),
}

_SUBMODULES = {
    "engine", "registry", "rewrites", "symbols", "symbolic", "codegen", "validation",
    "single_neuron", "oracle", "latex", "cli", "wide_linear", "deep_linear",
    "piecewise_linear", "export", "testing", "experiments", "figures", "derivations",
}

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

"""symrich: derive, compile and verify the exact learning dynamics of small networks.

The paper: Kunin, Raventós, Dominé, Chen, Klindt, Saxe, Ganguli, "Get rich
quick: exact solutions reveal how unbalanced initializations promote rapid
feature learning", NeurIPS 2024.

Where to start:

* :func:`symrich.single_neuron.trajectory`: the exact trajectory of the
  single neuron (the paper's Section 3), float64 or any precision;
  :func:`symrich.single_neuron.implicit_bias` for its limit;
* :func:`symrich.wide_linear.trajectory`: the exact trajectory of a
  lambda-balanced wide two-layer linear network;
* :mod:`symrich.deep_linear`, :mod:`symrich.piecewise_linear`: deep linear
  and piecewise-linear networks (Section 5);
* :mod:`symrich.conservation`: the conservation laws of any model;
* :mod:`symrich.testing`: property tests of your own theory against an
  exact oracle;
* :mod:`symrich.experiments`: the paper's Part III sweeps;
* ``symrich derive`` (the command line): every derivation, proved, as LaTeX
  and PDF.

Layers (the folders; data flows one way, top to bottom; see the docs page
"Architecture"):

1. symbolic: :mod:`symrich.symbolic` (the glossary and SymPy expressions per
   network family);
2. derivations: :mod:`symrich.engine` (steps, proofs, registry, LaTeX) and
   the worked derivations in :mod:`symrich.derivations`;
3. verification: :mod:`symrich.oracle` (high-precision integration of the
   raw parameter flow, independent of the closed forms);
4. compiled kernels: :mod:`symrich.numeric` and one package per family
   (:mod:`symrich.single_neuron`, :mod:`symrich.wide_linear`, ...);
5. user layer: :mod:`symrich.testing`, :mod:`symrich.conservation`,
   :mod:`symrich.experiments`, :mod:`symrich.export`,
   :mod:`symrich.figures`, :mod:`symrich.cli`.

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

"""Finding, verifying and caching the worked derivations of ``symrich.derivations``.

Each module of the package :mod:`symrich.derivations` defines ``derivation()`` returning a
:class:`~symrich.engine.Derivation`, and an integer ``ORDER`` that places it in
the combined document.  :func:`derive` builds and verifies one of them;
the verified value is cached on disk, keyed by a hash of the module's source,
of the symrich modules it is built from, and of the SymPy version, so a second
run does not redo the algebra.

The cache lives in ``$SYMRICH_CACHE_DIR`` or else ``$XDG_CACHE_HOME/symrich``
(``~/.cache/symrich``).

>>> from symrich.engine.registry import derivation_names
>>> "single_neuron_conservation" in derivation_names()
True
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import os
import pickle
import pkgutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from symrich.paths import cache_dir

__all__ = ["derivation_names", "derive", "derive_all", "cache_dir", "DeriveReport"]

#: symrich subpackages whose source enters every cache key (the engine and the symbolic layer).
_LIBRARY_PACKAGES = ("engine", "symbolic")


def derivation_names() -> tuple[str, ...]:
    """Names of all derivation modules, in document order (``ORDER``, then name).

    Examples
    --------
    >>> names = derivation_names()
    >>> names[0]
    'single_neuron_conservation'
    >>> "single_neuron_regimes" in names
    True
    """
    import symrich.derivations as pkg

    names = [m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_")]
    mods = [importlib.import_module(f"symrich.derivations.{n}") for n in names]
    order = sorted(zip(mods, names), key=lambda mn: (getattr(mn[0], "ORDER", 1000), mn[1]))
    return tuple(n for _, n in order)


def _module(name):
    if name not in derivation_names():
        raise ValueError(f"unknown derivation {name!r}; expected one of {', '.join(derivation_names())}")
    return importlib.import_module(f"symrich.derivations.{name}")


def _library_source_hash():
    import symrich

    root = Path(symrich.__file__).parent
    h = hashlib.sha256()
    for name in _LIBRARY_PACKAGES:
        for f in sorted((root / name).rglob("*.py")):
            h.update(f.read_bytes())
    return h.hexdigest()


def cache_key(name: str) -> str:
    """Hash of the derivation's source, the symbolic library's source, SymPy's version."""
    import sympy

    mod = _module(name)
    h = hashlib.sha256()
    h.update(inspect.getsource(mod).encode())
    h.update(_library_source_hash().encode())
    h.update(sympy.__version__.encode())
    h.update(sys.version.split()[0].encode())
    return h.hexdigest()[:32]


@dataclass(frozen=True)
class DeriveReport:
    """One derivation's outcome: the verified value, seconds spent, cache hit or not.

    Attributes
    ----------
    name : str
        The derivation's name.
    verified : VerifiedDerivation
        The verified derivation (see :class:`~symrich.engine.VerifiedDerivation`).
    seconds : float
        Wall-clock time spent verifying or loading it.
    cached : bool
        True when it was loaded from the on-disk cache.

    Examples
    --------
    Usually returned by :func:`derive`; it can also be built directly:

    >>> import sympy as sp
    >>> from symrich.engine import Derivation, Step
    >>> x = sp.Symbol("x")
    >>> v = Derivation("demo", "Demo", steps=(Step(2*x, x + x, "doubling"),)).verify()
    >>> rep = DeriveReport("demo", v, seconds=0.01, cached=False)
    >>> rep.verified.proof_kinds, rep.cached
    ({'symbolic': 1, 'numeric': 0}, False)
    """

    name: str
    verified: object
    seconds: float
    cached: bool


def derive(name: str, *, use_cache: bool = True) -> DeriveReport:
    """Build, verify (or load from cache) the derivation ``name``.

    Raises :class:`~symrich.engine.DerivationError` when a step fails.

    Examples
    --------
    The first call verifies and stores the result, the second loads it
    (here in a throwaway cache folder):

    >>> import os, tempfile
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"SYMRICH_CACHE_DIR": tempfile.mkdtemp()}):
    ...     first = derive("single_neuron_regimes")
    ...     second = derive("single_neuron_regimes")
    >>> first.cached, second.cached
    (False, True)
    >>> second.verified.name, second.verified.proof_kinds == first.verified.proof_kinds
    ('single_neuron_regimes', True)
    >>> derive("no_such_derivation", use_cache=False)
    Traceback (most recent call last):
    ...
    ValueError: unknown derivation 'no_such_derivation'; expected one of ...
    """
    start = time.perf_counter()
    path = cache_dir() / f"{name}-{cache_key(name)}.pickle"
    if use_cache and path.exists():
        try:
            with open(path, "rb") as fh:
                verified = pickle.load(fh)
            return DeriveReport(name, verified, time.perf_counter() - start, True)
        except Exception:  # a corrupt or stale cache entry is simply rebuilt
            pass
    verified = _module(name).derivation().verify()
    if use_cache:
        _store(path, verified)
    return DeriveReport(name, verified, time.perf_counter() - start, False)


def _store(path: Path, verified) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        with open(tmp, "wb") as fh:
            pickle.dump(verified, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass  # caching is an optimisation; an unpicklable value is re-derived next time


def derive_all(names=None, *, use_cache: bool = True):
    """Verify every derivation (or those named); return their :class:`DeriveReport`.

    Stops at the first failing derivation by raising its
    :class:`~symrich.engine.DerivationError`.

    Examples
    --------
    >>> reports = derive_all(["single_neuron_regimes"], use_cache=False)
    >>> [(r.name, r.cached, r.verified.proof_kinds["numeric"]) for r in reports]
    [('single_neuron_regimes', False, 0)]
    """
    return tuple(derive(n, use_cache=use_cache) for n in (names or derivation_names()))

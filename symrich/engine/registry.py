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
import warnings
from dataclasses import dataclass
from pathlib import Path

from symrich.paths import cache_dir

__all__ = ["derivation_names", "derive", "derive_all", "cache_dir", "cache_key", "requirements", "DeriveReport"]

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


def requirements(name: str) -> tuple:
    """The derivations whose results ``name`` cites (its module's ``REQUIRES``), verified before it.

    Examples
    --------
    >>> requirements("single_neuron_conservation")
    ()
    """
    return tuple(getattr(_module(name), "REQUIRES", ()))


def cache_key(name: str, _seen=()) -> str:
    """Hash of the derivation's source, of those it requires, of the engine and symbolic layer, and of SymPy's version.

    Examples
    --------
    >>> len(cache_key("single_neuron_conservation"))
    32
    """
    import sympy

    if name in _seen:
        raise ValueError(f"derivations require each other in a cycle: {' -> '.join(_seen + (name,))}")
    mod = _module(name)
    h = hashlib.sha256()
    h.update(inspect.getsource(mod).encode())
    for req in requirements(name):
        h.update(cache_key(req, _seen + (name,)).encode())
    h.update(_library_source_hash().encode())
    h.update(sympy.__version__.encode())
    h.update(sys.version.split()[0].encode())
    return h.hexdigest()[:32]


@dataclass(frozen=True)
class DeriveReport:
    """One derivation's outcome: the verified value, its rendered LaTeX, seconds spent, cache hit or not.

    Attributes
    ----------
    name : str
        The derivation's name.
    verified : VerifiedDerivation
        The verified derivation (see :class:`~symrich.engine.VerifiedDerivation`).
    rendered : Rendered
        Its LaTeX fragments (:func:`symrich.engine.latex.render`), cached with it.
    seconds : float
        Wall-clock time spent verifying and rendering, or loading.
    cached : bool
        True when it was loaded from the on-disk cache.

    Examples
    --------
    Usually returned by :func:`derive`; it can also be built directly:

    >>> import sympy as sp
    >>> from symrich.engine import Derivation, Step, latex
    >>> x = sp.Symbol("x")
    >>> v = Derivation("demo", "Demo", steps=(Step(2*x, x + x, "doubling"),)).verify()
    >>> rep = DeriveReport("demo", v, latex.render(v), seconds=0.01, cached=False)
    >>> rep.verified.proof_kinds, rep.cached
    ({'symbolic': 1, 'numeric': 0}, False)
    """

    name: str
    verified: object
    rendered: object
    seconds: float
    cached: bool

    def _repr_markdown_(self):
        return self.verified._repr_markdown_()


def _silent(name, phase):
    return None


def derive(name: str, *, use_cache: bool = True, progress=_silent) -> DeriveReport:
    """Build, verify and render (or load from cache) the derivation ``name``.

    The derivations it requires are derived first (from the cache when
    possible) and their labelled results passed to it as citable facts.

    Parameters
    ----------
    name : str
        One of :func:`derivation_names`.
    use_cache : bool
        Load from and store to the on-disk cache (:func:`cache_dir`).
    progress : callable, optional
        ``progress(name, phase)`` is called before each phase (``"verify"``,
        ``"render"``), e.g. to print progress.

    Raises
    ------
    DerivationError
        When a step fails (naming the derivation and the step).
    ValueError
        For an unknown name.

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
    from symrich.engine import latex

    start = time.perf_counter()
    path = cache_dir() / f"{name}-{cache_key(name)}.pickle"
    if use_cache and path.exists():
        try:
            with open(path, "rb") as fh:
                verified, rendered = pickle.load(fh)
            return DeriveReport(name, verified, rendered, time.perf_counter() - start, True)
        except Exception as exc:  # noqa: BLE001 - any unreadable entry is rebuilt
            warnings.warn(f"symrich: discarded an unreadable derivation cache entry {path} ({type(exc).__name__}); "
                          "re-deriving", stacklevel=2)
            path.unlink(missing_ok=True)
    facts = {}
    for req in requirements(name):
        facts.update(derive(req, use_cache=use_cache, progress=progress).verified.facts())
    derivation = _module(name).derivation()
    if tuple(derivation.requires) != requirements(name):
        raise ValueError(f"derivation {name!r}: Derivation(requires={derivation.requires}) differs from the module's "
                         f"REQUIRES = {requirements(name)}")
    progress(name, "verify")
    verified = derivation.verify(facts=facts)
    progress(name, "render")
    rendered = latex.render(verified)
    if use_cache:
        _store(path, (verified, rendered))
    return DeriveReport(name, verified, rendered, time.perf_counter() - start, False)


def _store(path: Path, value) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        with open(tmp, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:
        warnings.warn(f"symrich: could not store the derivation cache entry {path} ({exc}); "
                      "the derivation will be verified again next time", stacklevel=3)


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

"""On-disk cache of generated kernel modules: SymPy prints them once, numba compiles them once.

A kernel module is Python source printed from SymPy expressions (NumPy array functions,
loops for numba).  :func:`load_module` writes it to ``<cache_dir>/kernels/NAME-KEY.py``
(``cache_dir`` is :func:`symrich.paths.cache_dir`, which honours
``$SYMRICH_CACHE_DIR``) and imports it; numba compiles the loops in it with ``cache=True``
and stores the machine code next to it (``__pycache__``).  A later process with the same
key imports the file and loads numba's machine code: neither SymPy nor numba's compiler
runs, and SymPy is not even imported.

The key hashes the versions of symrich, SymPy, numba, NumPy and Python and the source of
the modules the generated code is derived from (for the single neuron: the symbolic layer,
the code generators and the kernel table), so any change to them gives a new file and old
files are never used.  Each file's first line holds the SHA-256 of the rest: an entry that
does not match it, or that fails to import, is discarded and rebuilt with a
``RuntimeWarning`` (no traceback).  An unwritable cache folder is replaced, for the
process, by a temporary one, with a ``RuntimeWarning``.

>>> import os, tempfile
>>> from unittest import mock
>>> with mock.patch.dict(os.environ, {"SYMRICH_CACHE_DIR": tempfile.mkdtemp()}):
...     mod = load_module("demo", lambda: "def twice(x):\\n    return 2 * x\\n", sources=())
...     again = load_module("demo", lambda: "never built", sources=())
>>> mod.twice(21), again is mod
(42, True)
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import importlib.util
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

__all__ = ["load_module", "kernel_dir", "cache_key"]

_HEADER = "# symrich kernel cache entry; sha256 of the rest of this file: "


def kernel_dir() -> Path:
    """The folder of the generated kernel modules: ``kernels/`` in :func:`symrich.paths.cache_dir`.

    >>> kernel_dir().name
    'kernels'
    """
    from symrich.paths import cache_dir

    return cache_dir() / "kernels"


def _package_stamp(package):
    """The version of ``package`` without importing it: a hash of its version file (``release.py``, ``_version.py``...)."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return "absent"
    folder = Path(spec.origin).parent
    for name in ("release.py", "_version.py", "version.py", "__init__.py"):
        if (folder / name).is_file():
            return hashlib.sha256((folder / name).read_bytes()).hexdigest()
    return "unknown"


@functools.lru_cache(maxsize=None)
def cache_key(name, sources):
    """The key of the module ``name``: versions of symrich, SymPy, numba, NumPy and Python, and the bytes of ``sources``.

    ``sources`` are glob patterns relative to the ``symrich`` package folder.

    >>> len(cache_key("demo", ("numeric/kernel_cache.py",)))
    20
    """
    import numpy

    import symrich

    h = hashlib.sha256()
    for part in (symrich.__version__, _package_stamp("sympy"), _package_stamp("numba"), numpy.__version__,
                 sys.version, name):
        h.update(part.encode() + b"\0")
    root = Path(symrich.__file__).parent
    for pattern in sources:
        for path in sorted(root.glob(pattern)):
            h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:20]


def load_module(name, build, *, sources):
    """The generated module ``name``, imported from the kernel cache; ``build()`` (its source) runs on a miss.

    Parameters
    ----------
    name : str
        Names the file (``NAME-KEY.py``) and the module (``symrich_kernels_NAME_KEY`` in ``sys.modules``).
    build : callable
        Returns the module's source (this is where SymPy runs).
    sources : sequence of str
        Glob patterns, relative to the ``symrich`` package, of the files the source is derived from
        (part of the key, :func:`cache_key`).

    Returns
    -------
    module

    Examples
    --------
    >>> import os, tempfile
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"SYMRICH_CACHE_DIR": tempfile.mkdtemp()}):
    ...     mod = load_module("constants", lambda: "TAU = 6.28", sources=("numeric/kernel_cache.py",))
    >>> mod.TAU, mod.__file__.endswith(".py")
    (6.28, True)
    """
    key = cache_key(name, tuple(sources))
    modname = f"symrich_kernels_{name}_{key}"
    if modname in sys.modules:
        return sys.modules[modname]
    path = kernel_dir() / f"{name}-{key}.py"
    if path.is_file():
        try:
            return _import(path, modname)
        except Exception as exc:  # a corrupt entry: discard it and rebuild (below)
            warnings.warn(f"symrich: discarded the unreadable kernel cache entry {path} ({type(exc).__name__}: {exc}); "
                          "rebuilding it", RuntimeWarning, stacklevel=2)
            _discard(path)
    return _import(_write(path, build()), modname)


def _import(path, modname):
    text = path.read_text()
    first, _, rest = text.partition("\n")
    if not first.startswith(_HEADER) or first[len(_HEADER):] != hashlib.sha256(rest.encode()).hexdigest():
        raise ValueError("its content does not match the hash in its first line")
    spec = importlib.util.spec_from_file_location(modname, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[modname] = module  # numba's cache finds the module of a compiled function by this name
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[modname]
        raise
    return module


def _discard(path):
    for f in [path, *path.parent.glob(f"__pycache__/{path.stem}.*")]:
        try:
            f.unlink()
        except OSError:
            pass


@functools.lru_cache(maxsize=None)
def _fallback_dir():
    """A temporary folder for this process's kernels when the cache folder cannot be written; removed at exit."""
    path = Path(tempfile.mkdtemp(prefix="symrich-kernels-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def _write(path, source):
    text = _HEADER + hashlib.sha256(source.encode()).hexdigest() + "\n" + source
    try:
        return _atomic_write(path, text)
    except OSError as exc:
        fallback = _fallback_dir() / path.name
        warnings.warn(f"symrich: cannot write the kernel cache folder {path.parent} ({exc.strerror or exc}); "
                      f"using {fallback.parent} for this process (set SYMRICH_CACHE_DIR to a writable folder)",
                      RuntimeWarning, stacklevel=3)
        return _atomic_write(fallback, text)


def _atomic_write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
    return path

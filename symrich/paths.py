"""Files and folders shared by every layer: the user cache folder, and reading TOML files.

The derivation cache (:mod:`symrich.engine.registry`), the generated kernels
(:mod:`symrich.numeric.kernel_cache`) and the replay database of
:mod:`symrich.testing` all live under :func:`cache_dir`; sweep configurations
and model files are TOML (:func:`read_toml`).  This module imports nothing
heavy, so a warm start of a kernel does not load SymPy.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI (a dependency there)
    import tomli as tomllib

__all__ = ["cache_dir", "read_toml"]


def cache_dir() -> Path:
    """The on-disk cache folder (``derive`` creates it when it first stores a result).

    ``$SYMRICH_CACHE_DIR`` when set, else ``$XDG_CACHE_HOME/symrich`` (or
    ``~/.cache/symrich``).

    Examples
    --------
    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"SYMRICH_CACHE_DIR": "/tmp/my-symrich-cache"}):
    ...     print(cache_dir().as_posix())
    /tmp/my-symrich-cache
    >>> with mock.patch.dict(os.environ, {"SYMRICH_CACHE_DIR": "", "XDG_CACHE_HOME": "/tmp/xdg"}):
    ...     print(cache_dir().as_posix())
    /tmp/xdg/symrich
    """
    env = os.environ.get("SYMRICH_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "symrich"


def read_toml(path, what="file") -> dict:
    """The parsed TOML file at ``path``; ``ValueError`` naming it (and ``what`` it is) when it is missing or invalid.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.toml"
    >>> _ = p.write_text("[grid]\\nscale = 1.0\\n")
    >>> read_toml(p, "config")
    {'grid': {'scale': 1.0}}
    >>> _ = p.write_text("[grid")
    >>> read_toml(p, "config")
    Traceback (most recent call last):
    ...
    ValueError: config ... is not valid TOML: ...
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{what} {str(path)!r} does not exist (or is not a file)")
    with path.open("rb") as fh:
        try:
            return tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{what} {str(path)!r} is not valid TOML: {exc}") from exc

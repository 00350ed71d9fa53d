"""Where symrich keeps what it computes once: the user cache folder, shared by every layer.

The derivation cache (:mod:`symrich.engine.registry`), the generated kernels
(:mod:`symrich.numeric.kernel_cache`) and the replay database of
:mod:`symrich.testing` all live under :func:`cache_dir`.  This module imports
nothing heavy, so a warm start of a kernel does not load SymPy.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir"]


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

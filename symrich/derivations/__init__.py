"""The worked derivations of symrich, one module per result (installed as ``symrich.derivations``).

Each module defines ``ORDER`` (its place in the combined document) and
``derivation()``, returning a :class:`symrich.engine.Derivation` built with the
library.  Run them all with ``symrich derive`` or :func:`symrich.derive_all`.
"""

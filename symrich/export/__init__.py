"""Export the proved closed forms as standalone code: NumPy, C99 or JAX.

``symrich export --target {numpy,c,jax} --out DIR [--functions NAME ...]`` (or
:func:`export`) prints the same SymPy expressions the package's kernels compile
(:data:`symrich.single_neuron.kernels.KERNELS`, one :func:`sympy.cse` per kernel over all
its outputs) with SymPy's code printers, and writes

``numpy``
    ``DIR/symrich_kernels.py``: depends on NumPy only, with the names and signatures of
    the package's functions (``trajectory``, ``observables``, ``M_matrix``, ``ntk``,
    ``delta_of``, ``Phi_delta``, ``grad_Phi_delta``), so switching is an import change; and
    ``wide_trajectory`` (``symrich.wide_linear.trajectory``, NumPy target only), whose kernels are the
    source of :mod:`symrich.wide_linear.riccati` (its ``KERNEL_FUNCTIONS``), copied verbatim.
    Its driver logic (validation, batching, row scalars, the saddle/general selection, the
    assembly of ``w``, ``M`` and the observables) is the source of
    :mod:`symrich.single_neuron.driver` and :mod:`symrich.numeric.validation`, copied
    verbatim, and its NumPy kernels are printed by the printer of the package's own (so
    ``M_matrix``, ``delta_of``, ``observables``... run the package's code).  The one
    difference: the exported trajectory evaluates the stable closed form point by point
    (the package's ``solution_kernels``), whereas the package's float ``trajectory`` runs
    the fused numba loop of the two-exponential form, proved equal to it (both agree with
    the 30-digit kernel to 1e-12 in the tests).
``c``
    ``DIR/symrich_kernels.c``, ``DIR/symrich_kernels.h``, ``DIR/Makefile`` and
    ``DIR/README.txt``: C99, vectorised over an array of times, ``-lm`` only.
``jax``
    ``DIR/symrich_kernels_jax.py``: ``jax.numpy`` functions without Python
    branching on traced values (``jnp.where`` with the double-where trick, and
    ``phi1(x) = expm1(x)/x`` evaluated by its Taylor series near 0), so they are
    ``jit``-able and differentiable.

Every exported function documents the formula (``sympy.latex``), its assumptions and the
derivations that prove it.  One module per target (:mod:`~symrich.export.numpy_code`,
:mod:`~symrich.export.c_code`, :mod:`~symrich.export.jax_code`) subclasses
:class:`~symrich.export.base.CodeGenerator`; the hand-written parts are template files in
``symrich/export/templates/<target>/``.

>>> import tempfile
>>> paths = export("numpy", tempfile.mkdtemp(), functions=["delta_of"])
>>> [p.name for p in paths]
['symrich_kernels.py']
"""

from __future__ import annotations

import os

from symrich.export.base import EXPORTED
from symrich.export.c_code import CGenerator
from symrich.export.jax_code import JaxGenerator
from symrich.export.numpy_code import NumPyGenerator

__all__ = ["export", "FUNCTIONS", "TARGETS", "GENERATORS", "available_functions"]

#: the code generator of each target.
GENERATORS = {"numpy": NumPyGenerator, "c": CGenerator, "jax": JaxGenerator}

#: export targets.
TARGETS = tuple(GENERATORS)

#: exportable functions, with the derivations that prove them.
FUNCTIONS = {name: f.derivations for name, f in EXPORTED.items()}


def available_functions():
    """The exportable function names.

    >>> "trajectory" in available_functions()
    True
    """
    return tuple(FUNCTIONS)


def export(target, out_dir, functions=None):
    """Write the closed forms as standalone code for ``target`` into ``out_dir``; return the written paths.

    Parameters
    ----------
    target : {"numpy", "c", "jax"}
    out_dir : str or path
        Created if missing; existing files of the same names are overwritten.
    functions : str or sequence of str, optional
        Subset of :func:`available_functions` (default: all); the functions they call are added
        (``observables`` needs ``trajectory``, ``ntk`` needs ``M_matrix``).

    Returns
    -------
    list of pathlib.Path
        The files written, in order.

    Raises
    ------
    ValueError
        For an unknown target or function name, or an ``out_dir`` that is a file.
    TypeError
        For a ``target`` that is not a str, or an ``out_dir`` that is neither a str nor a path.
    OSError
        When ``out_dir`` cannot be created or written (the message names it).

    Examples
    --------
    >>> import tempfile
    >>> [p.name for p in export("c", tempfile.mkdtemp(), functions=["M_matrix"])]
    ['symrich_kernels.c', 'symrich_kernels.h', 'Makefile', 'README.txt']
    """
    if not isinstance(target, str) or target not in GENERATORS:
        kind = ValueError if isinstance(target, str) else TypeError
        raise kind(f"target must be one of {', '.join(TARGETS)}, got {target!r:.80}")
    if not isinstance(out_dir, (str, os.PathLike)):
        raise TypeError(f"out_dir must be a str or a path (os.PathLike), got {type(out_dir).__name__} {out_dir!r:.80}")
    return GENERATORS[target](functions).write(out_dir)

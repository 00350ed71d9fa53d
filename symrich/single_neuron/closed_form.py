"""Exact single-neuron trajectories and observables on whitened data (``X^T X = I``).

The closed form is proved in the derivations ``single_neuron_riccati``,
``single_neuron_bernoulli`` and ``single_neuron_closed_form``; its expressions are in
:mod:`symrich.symbolic.single_neuron_solution`, the kernels in
:mod:`symrich.single_neuron.kernels`.  Both backends run the same driver
(:mod:`symrich.single_neuron.driver`: input checks, row scalars, the choice of the saddle
form, the assembly of ``w``):

* ``backend="numpy"``: float64, the fused numba loop of the two-exponential form, one
  pass over (initialisation, time) (a small first call runs it in the interpreter);
* ``backend="mpmath"``: object arrays of ``mpmath.mpf``, the stable form point by point at the
  caller's ``mpmath.mp.dps``.

>>> a, w = trajectory(1.0, 0.5, [1.0, 0.0], [0.0, 2.0])
>>> bool(a > 0.5), w.shape
(True, (2,))
"""

from __future__ import annotations

import functools

import numpy as np

from symrich.numeric.validation import as_numeric, choice
from symrich.single_neuron import driver
from symrich.single_neuron.driver import Observables
from symrich.single_neuron.kernels import (
    KERNELS,
    mpmath_kernel,
    numpy_kernel,
    numpy_kernel_outputs,
    solution_kernels,
    trajectory_loops,
)

__all__ = ["trajectory", "observables", "solution_kernels"]


def _check_backend(backend):
    choice(backend, "backend", ("numpy", "mpmath"))


@functools.lru_cache(maxsize=None)
def _float_solver(parallel):
    general, saddle = trajectory_loops(parallel)
    return driver.branch_solver(numpy_kernel("sn_select"), general, saddle)


@functools.lru_cache(maxsize=None)
def _mpmath_solver():
    return driver.pointwise_solver(tuple(_vectorized(k) for k in solution_kernels("mpmath")))


def _vectorized(kernel):
    return np.vectorize(kernel, otypes=[object] * len(kernel.exprs))


def _mp_array(x, name):
    """Object array of ``mpmath.mpf`` (any real input), with a finiteness check."""
    import mpmath

    arr = as_numeric(x, name)
    try:
        with np.errstate(invalid="ignore"):  # a NaN entry: reported below, not as NumPy's RuntimeWarning
            out = np.vectorize(lambda v: v if isinstance(v, mpmath.mpf) else mpmath.mpf(v), otypes=[object])(arr)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a real number or an array of real numbers, got {type(x).__name__}") from exc
    if not all(mpmath.isfinite(v) for v in np.ravel(out)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return np.asarray(out, dtype=object).reshape(arr.shape)


def trajectory(t, a0, w0, beta_star, eta_a=1.0, eta_w=1.0, backend="numpy", parallel=False):
    """Exact gradient-flow trajectory ``(a(t), w(t))`` of ``f(x) = a w^T x`` on whitened data.

    Evaluates the closed form proved in the derivation ``single_neuron_closed_form``
    (compiled from :mod:`symrich.symbolic.single_neuron_solution`) in its
    overflow-free form: finite for every ``t >= 0`` (1e6 included), every
    ``delta`` (0 included), ``a0 = 0``, sign changes of ``a`` and ``beta_star = 0``.

    The first call in a new process imports the generated kernels from the kernel cache
    (``$SYMRICH_CACHE_DIR/kernels``, see :mod:`symrich.numeric.kernel_cache`) without importing
    SymPy; a small first call then takes milliseconds (it runs in the interpreter, see Notes), a
    large one costs numba's start-up (about 0.5 s).  Only the first call on a machine (or after
    an upgrade of symrich, SymPy or numba) generates the kernels (about 0.5 s) and compiles them
    when they are first run by numba (about 1.5 s more; the first ``parallel=True`` call about
    3 s).  Measured numbers are on the performance page of the documentation.

    Parameters
    ----------
    t : float or array_like, shape (T,)
        Times ``>= 0``.
    a0 : float or array_like, shape (B,)
        Initial readouts.
    w0 : array_like, shape (d,) or (B, d)
        Initial first-layer weights.
    beta_star : array_like, shape (d,) or (B, d)
        ``X^T y`` (the least-squares solution, since ``X^T X = I``).
    eta_a, eta_w : float > 0
        Learning rates of ``a`` and ``w``.
    backend : {"numpy", "mpmath"}
        ``"numpy"``: float64, one fused numba loop over (initialisation, time)
        with two exponentials per point (the form proved equal to the closed
        form in ``single_neuron_closed_form``); ``"mpmath"``: object arrays of
        mpf at the caller's ``mpmath.mp.dps`` (inputs may be mpf).
    parallel : bool
        ``True`` or ``False`` (anything else is a ``TypeError``). ``backend="numpy"`` only: spread the initialisations over numba's
        threads (``numba.set_num_threads``).  Off by default: numba's default
        threading layer must not be entered from several Python threads at once.

    Returns
    -------
    a : ndarray, shape (B, T)
    w : ndarray, shape (B, T, d)
        Without a batch (scalar ``a0`` and 1-d ``w0``, ``beta_star``) the ``B``
        axis is dropped; for a scalar ``t`` the ``T`` axis is dropped.

    Raises
    ------
    ValueError
        For mismatched shapes, NaN or infinite values, negative times,
        non-positive learning rates or an unknown backend; with ``backend="numpy"``,
        for input outside the float64 domain (below), and for a result that is not finite.
    TypeError
        For input that is not made of real numbers (strings, ``None``...), or a
        ``parallel`` that is not a bool.

    Notes
    -----
    **Domain of** ``backend="numpy"``: every nonzero entry of ``a0``, ``w0``, ``beta_star`` and
    the learning rates has a magnitude in ``[1e-150, 1e150]``
    (:data:`symrich.numeric.validation.FLOAT64_DOMAIN`; ``t`` is any time ``>= 0``). Their squares
    are then normal floats; outside it a square is subnormal (digits are lost without a warning:
    ``a0 = 1e-160`` gave a wrong limit) or infinite, so the call raises a ``ValueError`` naming the
    argument. ``backend="mpmath"`` has no such limit (mpmath's exponent range is unbounded); or
    rescale: ``(a0, w0, beta_star, t) -> (l a0, l w0, l^2 beta_star, t/l^2)`` maps trajectories to
    trajectories.

    **Interpreter or numba** (``backend="numpy"``): the fused loop is compiled by numba, whose
    start-up alone costs about 0.5 s in a new process.  A call with ``parallel=False`` made before
    numba has compiled the loop in this process runs the same generated loop in the Python
    interpreter instead (the same arithmetic, the same results) while the interpreted calls of
    the process, this one's included, count at most
    :data:`symrich.numeric.loops.INTERPRETED_VALUES` (30 000) values ``B (T + 1) (1 + d)``
    (``B`` initialisations, ``T`` times); such a call neither imports nor waits for numba.  Later
    and larger calls, and every ``parallel=True`` call, run in numba.  The interpreter takes
    0.3 to 4 us per value, so a process spends at most about 0.1 s interpreting, less than
    numba's start-up.

    Examples
    --------
    >>> import numpy as np
    >>> a, w = trajectory([0.0, 1.0, 1e6], 0.0, [1.0, 0.5], [0.0, 1.0])
    >>> a.shape, w.shape
    ((3,), (3, 2))
    >>> beta = a[:, None] * w          # starts at a0 w0 = 0, ends at beta_star
    >>> np.allclose(beta[[0, 2]], [[0, 0], [0, 1]])
    True
    """
    _check_backend(backend)
    if not isinstance(parallel, (bool, np.bool_)):
        raise TypeError(f"parallel must be a bool (True or False), got {type(parallel).__name__} {parallel!r:.80}")
    if backend == "numpy":
        return driver.run_trajectory(_float_solver(bool(parallel)), numpy_kernel("sn_rows"), t, a0, w0, beta_star,
                                     eta_a, eta_w)
    return driver.run_trajectory(_mpmath_solver(), mpmath_kernel("sn_rows"), t, a0, w0, beta_star, eta_a, eta_w,
                                 conv=_mp_array)


def observables(t, a0, w0, beta_star, eta_a=1.0, eta_w=1.0, backend="numpy"):
    """Observables of the exact single-neuron trajectory on whitened data.

    Parameters (and the domain of ``backend="numpy"``) are those of :func:`trajectory`.  The formulas (proved in the
    derivation ``single_neuron_observables``) are compiled from
    :func:`symrich.symbolic.single_neuron_kernels.observable_exprs`.

    Returns
    -------
    Observables
        Frozen dataclass; every field has the shape of ``a`` from :func:`trajectory`
        (``ntk`` has two more axes ``(d, d)``).

    Examples
    --------
    >>> import numpy as np
    >>> obs = observables([0.0, 5.0, 1e3], 0.1, [0.3, -0.2], [1.0, 0.5])
    >>> bool(obs.loss[-1] < 1e-20), bool(abs(obs.alignment[-1] - 1) < 1e-12)
    (True, True)
    >>> float(obs.kernel_distance[0])
    0.0
    """
    _check_backend(backend)
    if backend == "numpy":
        return driver.run_observables(trajectory, numpy_kernel("sn_observables"), numpy_kernel_outputs("sn_observables"),
                                      t, a0, w0, beta_star, eta_a, eta_w)
    return driver.run_observables(functools.partial(trajectory, backend="mpmath"), mpmath_kernel("sn_observables"),
                                  KERNELS["sn_observables"].output_names(), t, a0, w0, beta_star, eta_a, eta_w,
                                  conv=_mp_array)

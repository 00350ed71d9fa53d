"""Numeric layer, single neuron ``f(x) = a w^T x``: kernels compiled from the derived expressions.

The expressions come from :mod:`symrich.symbolic.single_neuron` and are proved
in the derivations ``single_neuron_function_space`` and
``single_neuron_regimes``; here they are compiled with
:func:`symrich.numeric.codegen.compile_exprs` (one CSE over all outputs).

``M`` is evaluated in the form that is free of cancellation on each side of
``delta = 0`` (both forms are proved equal in ``single_neuron_regimes``):

* ``delta >= 0``: ``M = (R + delta)/2 I + [2 eta / (R + delta)] beta beta^T``
* ``delta < 0``:  ``M = [2 eta rho^2 / (R - delta)] I + (R - delta)/2 beta_hat beta_hat^T``

so it is accurate for ``||beta||`` tiny and ``delta`` near 0 of either sign.
"""

from __future__ import annotations

import functools

import numpy as np

from symrich.single_neuron import driver as _rt
from symrich.single_neuron.driver import Observables  # re-exported (defined with the numpy-only driver)
from symrich.numeric.validation import positive

__all__ = ["M_matrix", "ntk", "delta_of"]


def M_coefficient_exprs():
    """``(exprs, args)`` of the ``M`` coefficients (what :func:`M_matrix` compiles and ``symrich export`` prints).

    ``exprs = ((R + delta)/2, 2 eta/(R + delta), 2 eta rho^2/(R - delta), R - 2 eta rho^2/(R - delta))``
    in ``args = (delta, rho, eta_a, eta_w)``: the plain forms, stable for ``delta >= 0``, and the forms
    stable for ``delta < 0``.
    """
    from symrich.symbolic.single_neuron import m_diff_stable_positive, m_par, m_perp, m_perp_stable_negative
    from symrich.symbolic.symbols import delta, eta_a, eta_w, rho

    exprs = (m_perp(), m_diff_stable_positive(), m_perp_stable_negative(), m_par() - m_perp_stable_negative())
    return exprs, (delta, rho, eta_a, eta_w)


def delta_exprs():
    """``(exprs, args)`` of the conserved ``delta = eta_w a^2 - eta_a ||w||^2`` in ``(a, ||w||^2, eta_a, eta_w)``."""
    import sympy as sp

    from symrich.symbolic.single_neuron import conserved_delta
    from symrich.symbolic.symbols import a, eta_a, eta_w

    ww = sp.Symbol("w2", nonnegative=True)
    return (conserved_delta(a, ww),), (a, ww, eta_a, eta_w)


@functools.lru_cache(maxsize=None)
def _M_coefficients():
    from symrich.numeric.codegen import compile_exprs

    return compile_exprs(*M_coefficient_exprs(), backend="numpy")


@functools.lru_cache(maxsize=None)
def _delta_kernel():
    from symrich.numeric.codegen import compile_exprs

    return compile_exprs(*delta_exprs(), backend="numpy")


def M_matrix(beta, delta, eta_a=1.0, eta_w=1.0):
    """The preconditioner ``M`` of ``beta' = -M grad L``, from ``beta`` and ``delta`` alone.

    Parameters
    ----------
    beta : array_like, shape (..., d)
        Function-space parameter ``beta = a w`` (leading axes are a batch).
    delta : float or array_like broadcastable to ``beta.shape[:-1]``
        Conserved ``eta_w a^2 - eta_a ||w||^2``.
    eta_a, eta_w : float > 0
        Learning rates of the readout and the first layer.

    Returns
    -------
    ndarray, shape (..., d, d)
        ``(R + delta)/2 I + (R - delta)/2 beta beta^T / ||beta||^2`` with
        ``R = sqrt(delta^2 + 4 eta_a eta_w ||beta||^2)``; equal to
        ``eta_a w w^T + eta_w a^2 I`` for any ``(a, w)`` with ``a w = beta``.

    Raises
    ------
    ValueError
        For bad shapes, NaN, non-positive learning rates, and for
        ``beta = 0`` with ``delta < 0`` (then ``M = eta_a w w^T`` depends on the
        direction of ``w``, which ``beta`` does not determine).

    Examples
    --------
    >>> import numpy as np
    >>> a, w = 0.5, np.array([1.0, -2.0])
    >>> delta = a**2 - w @ w
    >>> np.allclose(M_matrix(a * w, delta), np.outer(w, w) + a**2 * np.eye(2))
    True
    """
    return _rt.run_M_matrix(_M_coefficients(), beta, delta, eta_a, eta_w)


def ntk(X, beta, delta, eta_a=1.0, eta_w=1.0):
    """Neural tangent kernel ``K = X M X^T`` of the single neuron.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Data, any (not necessarily whitened).
    beta, delta, eta_a, eta_w
        As in :func:`M_matrix`; ``beta`` may carry leading batch axes.

    Returns
    -------
    ndarray, shape (..., n, n)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]])
    >>> K = ntk(X, [0.3, -0.4], 0.2)
    >>> K.shape, np.allclose(K, K.T)
    ((3, 3), True)
    """
    return _rt.run_ntk(_M_coefficients(), X, beta, delta, eta_a, eta_w)


def delta_of(a, w, eta_a=1.0, eta_w=1.0):
    """The conserved ``delta = eta_w a^2 - eta_a ||w||^2`` of parameters ``a`` (...,), ``w`` (..., d).

    >>> delta_of(2.0, [1.0, 1.0])
    2.0
    """
    return _rt.run_delta_of(_delta_kernel(), a, w, eta_a, eta_w)


# --------------------------------------------------------------------------
# exact trajectories on whitened data (single_neuron_closed_form)

__all__ += ["trajectory", "observables", "Observables", "solution_kernels"]


@functools.lru_cache(maxsize=None)
def _solution_exprs():
    """The proved stable forms with cancellation-free rates: (general (a, p, c), saddle (a, p, c), selector (A, kappa)), phi1 made division-free."""
    from symrich.symbolic import single_neuron_solution as sol

    gen = sol.stable_general(stable_rates=True)
    sad = sol.stable_saddle(stable_rates=True)
    general = tuple(sol.for_compile(e) for e in (gen.a, gen.p, gen.c))
    saddle = tuple(sol.for_compile(e) for e in (sad.a, sad.p, sad.c))
    selector = tuple(sol.for_compile(e) for e in (sol.saddle_A(), gen.kappa))
    return general, saddle, selector


def solution_kernels(backend="numpy", cse=True):
    """The compiled closed-form kernels ``(general, saddle, selector)``.

    ``general`` and ``saddle`` map ``(t, a0, pi0, s2, delta, eta_a, eta_w)`` to
    ``(a, p, c)`` with ``w(t) = p beta_star + c (w0 - pi0 beta_star)``; ``selector``
    maps ``(a0, pi0, s2, delta, eta_a, eta_w)`` to ``(A, kappa)``, ``A = U Lam`` (the saddle form is
    used where ``U = 0`` and ``kappa > 0``).  ``backend="numpy"`` gives numba
    ufuncs (:func:`symrich.numeric.codegen.compile_ufunc`), ``"mpmath"`` and ``"math"``
    scalar kernels (:func:`symrich.numeric.codegen.compile_exprs`).

    Examples
    --------
    >>> general, saddle, selector = solution_kernels("math")
    >>> a, p, c = general(0.0, 0.5, 0.2, 1.0, 0.1, 1.0, 1.0)
    >>> round(a, 12), round(p, 12), round(c, 12)
    (0.5, 0.2, 1.0)
    """
    return _solution_kernels(backend, bool(cse))


@functools.lru_cache(maxsize=None)
def _solution_kernels(backend, cse):
    from symrich.numeric.codegen import compile_exprs, compile_ufunc
    from symrich.symbolic.single_neuron_solution import KERNEL_ARGS

    general, saddle, selector = _solution_exprs()
    sel_args = KERNEL_ARGS[1:]
    if backend == "numpy":
        return (compile_ufunc(general, KERNEL_ARGS, cse=cse, name="sn_general"),
                compile_ufunc(saddle, KERNEL_ARGS, cse=cse, name="sn_saddle"),
                compile_ufunc(selector, sel_args, cse=cse, name="sn_select"))
    if backend not in ("mpmath", "math"):
        raise ValueError(f"backend must be 'numpy', 'mpmath' or 'math', got {backend!r}")
    return (compile_exprs(general, KERNEL_ARGS, backend=backend, cse=cse),
            compile_exprs(saddle, KERNEL_ARGS, backend=backend, cse=cse),
            compile_exprs(selector, sel_args, backend=backend, cse=cse))


def _mp_array(x, name):
    """Object array of mpf (any real input), with a finiteness check."""
    import mpmath

    arr = np.asarray(x, dtype=object)
    try:
        out = np.vectorize(lambda v: mpmath.mpf(v) if not isinstance(v, mpmath.mpf) else v, otypes=[object])(arr) if arr.size else arr
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of real numbers") from exc
    if arr.size and not all(mpmath.isfinite(v) for v in out.ravel()):
        raise ValueError(f"{name} contains NaN or infinite values")
    return np.asarray(out, dtype=object).reshape(arr.shape)


def _mp_row_scalars(a0, w0, bs, eta_a, eta_w):
    """``s2``, ``pi0``, ``delta``, ``w_perp0`` per row, in mpmath (the float path is :func:`symrich.single_neuron.driver.row_scalars`)."""
    import mpmath

    ea, ew = mpmath.mpf(eta_a), mpmath.mpf(eta_w)
    s2 = np.array([mpmath.fsum(x * x for x in row) for row in bs], dtype=object)
    pi0 = np.array([mpmath.fsum(x * y for x, y in zip(w, b)) / q if q != 0 else mpmath.mpf(0)
                    for w, b, q in zip(w0, bs, s2)], dtype=object)
    delta = np.array([ew * a * a - ea * mpmath.fsum(x * x for x in w) for a, w in zip(a0, w0)], dtype=object)
    wperp = w0 - pi0[:, None] * bs
    return s2, pi0, delta, wperp


def _mp_solve(tt, a0, pi0, s2, delta, eta_a, eta_w, cse=True):
    """``(a, p, c)`` of shape (B, T) from the mpmath kernels (the float path is :func:`symrich.single_neuron.driver.run_solve`)."""
    import mpmath

    general, saddle, selector = solution_kernels("mpmath", cse)
    B, T = a0.shape[0], tt.shape[0]
    ea, ew = mpmath.mpf(eta_a), mpmath.mpf(eta_w)
    out = [np.empty((B, T), dtype=object) for _ in range(3)]
    for b in range(B):
        U, kappa = selector(a0[b], pi0[b], s2[b], delta[b], ea, ew)
        kern = saddle if (U == 0 and kappa > 0) else general
        for j in range(T):
            vals = kern(tt[j], a0[b], pi0[b], s2[b], delta[b], ea, ew)
            for o, v in zip(out, vals):
                o[b, j] = v
    return tuple(out)


@functools.lru_cache(maxsize=None)
def _fast_loops(parallel):
    """Fused numba loops over (row, time) for the two-exponential forms, and the numpy selector.

    ``(general, saddle, selector)``: the loops map ``(t, a0, pi0, s2, delta, eta_a,
    eta_w, beta_star, w_perp0)`` to ``(a (B, T), w (B, T, d))`` with
    ``w = p beta_star + c w_perp0`` assembled in the loop; ``selector`` gives
    ``(A, kappa)`` per row (``A = U Lam``).
    """
    from symrich.numeric.codegen import compile_exprs, compile_time_loop
    from symrich.symbolic import single_neuron_solution as sol

    from symrich.numeric import vecmath

    loops = []
    for form, name in ((sol.fast_general(), "sn_fast_general"), (sol.fast_saddle(), "sn_fast_saddle")):
        lets = [(sym, sol.for_compile(v, keep_near0=True)) for sym, v in form.lets]
        exprs = [sol.for_compile(e, keep_near0=True) for e in (form.a, form.p, form.c)]
        loops.append(compile_time_loop(exprs, sol.t, sol.KERNEL_ARGS[1:], lets=lets, combine=((1, 2),),
                                       name=name, parallel=parallel, helpers={"phi1_near0": vecmath.phi1_near0}))
    selector = compile_exprs(_solution_exprs()[2], sol.KERNEL_ARGS[1:], backend="numpy")
    return loops[0], loops[1], selector


def _fast_solve(tt, a0, pi0, s2, delta, eta_a, eta_w, bs, wperp, parallel=False):
    """``(a (B, T), w (B, T, d))`` from the fused loops; rows on the saddle's stable manifold use the saddle form."""
    general, saddle, selector = _fast_loops(bool(parallel))

    def loop(kern):
        return lambda a0, pi0, s2, delta, bs, wperp: kern(tt, a0, pi0, s2, delta, eta_a, eta_w, bs, wperp)

    selected = selector(a0, pi0, s2, delta, eta_a, eta_w)
    return _rt.by_saddle_branch(selected, loop(general), loop(saddle), (a0, pi0, s2, delta, bs, wperp))


def _check_backend(backend):
    if backend not in ("numpy", "mpmath"):
        raise ValueError(f"backend must be 'numpy' or 'mpmath', got {backend!r}")


def trajectory(t, a0, w0, beta_star, eta_a=1.0, eta_w=1.0, backend="numpy", parallel=False):
    """Exact gradient-flow trajectory ``(a(t), w(t))`` of ``f(x) = a w^T x`` on whitened data.

    Evaluates the closed form proved in the derivation ``single_neuron_closed_form``
    (compiled from :mod:`symrich.symbolic.single_neuron_solution`) in its
    overflow-free form: finite for every ``t >= 0`` (1e6 included), every
    ``delta`` (0 included), ``a0 = 0``, sign changes of ``a`` and ``beta_star = 0``.

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
        ``backend="numpy"`` only: spread the initialisations over numba's
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
        non-positive learning rates or an unknown backend.

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
    if backend == "numpy":
        tt, a0_, w0_, bs, eta_a, eta_w, unbatched, scalar_t = _rt.solution_inputs(t, a0, w0, beta_star, eta_a, eta_w)
        s2, pi0, delta, wperp = _rt.row_scalars(a0_, w0_, bs, eta_a, eta_w)
        a, w = _fast_solve(tt, a0_, pi0, s2, delta, eta_a, eta_w, bs, wperp, parallel)
    else:
        tt, a0_, w0_, bs, eta_a, eta_w, unbatched, scalar_t = _rt.solution_inputs(t, a0, w0, beta_star, eta_a, eta_w,
                                                                                   conv=_mp_array)
        s2, pi0, delta, wperp = _mp_row_scalars(a0_, w0_, bs, eta_a, eta_w)
        a, p, c = _mp_solve(tt, a0_, pi0, s2, delta, eta_a, eta_w)
        w = p[:, :, None] * bs[:, None, :] + c[:, :, None] * wperp[:, None, :]
    if scalar_t:
        a, w = a[:, 0], w[:, 0]
    if unbatched:
        a, w = a[0], w[0]
    return a, w


@functools.lru_cache(maxsize=None)
def _observable_kernels_mp():
    """One mpmath kernel per observable (in ``OBSERVABLE_NAMES`` order)."""
    from symrich.numeric.codegen import compile_exprs
    from symrich.symbolic.single_neuron_solution import OBS_ARGS, observable_exprs

    return tuple(compile_exprs((e,), OBS_ARGS, backend="mpmath") for e in observable_exprs())


@functools.lru_cache(maxsize=None)
def _observable_kernel(backend):
    from symrich.numeric.codegen import compile_exprs
    from symrich.symbolic.single_neuron_solution import OBS_ARGS, observable_exprs

    return compile_exprs(observable_exprs(), OBS_ARGS, backend=backend)


def observables(t, a0, w0, beta_star, eta_a=1.0, eta_w=1.0, backend="numpy"):
    """Observables of the exact single-neuron trajectory on whitened data.

    Parameters are those of :func:`trajectory`.  The formulas (proved in the
    derivation ``single_neuron_observables``) are compiled from
    :func:`symrich.symbolic.single_neuron_solution.observable_exprs`.

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
        return _rt.run_observables(trajectory, _observable_kernel("numpy"), t, a0, w0, beta_star, eta_a, eta_w)
    import mpmath

    a, w = trajectory(t, a0, w0, beta_star, eta_a, eta_w, backend)
    eta_a = positive(eta_a, "eta_a")
    eta_w = positive(eta_w, "eta_w")
    x = _rt.observable_arrays(np.asarray(a, dtype=object), w, t, a0, w0, beta_star, _mp_array)
    tt, scalar_t, at, wt, d = x["tt"], x["scalar_t"], x["at"], x["wt"], x["d"]
    a = np.asarray(a, dtype=object)
    kernels = _observable_kernels_mp()
    args = np.broadcast_arrays(at, x["ww"], x["wb"], x["a_init"], x["ww0"], x["w0w"], x["s2"])
    # where an observable is undefined (NaN, as on the float path): alignment needs w != 0 and beta_star != 0,
    # the kernel distance needs M(0) != 0; one kernel per observable, so nothing undefined is ever evaluated
    defined = {"alignment": lambda v: v[1] != 0 and v[6] != 0, "kernel_distance": lambda v: v[3] != 0 or v[4] != 0}
    vals = [np.empty(at.shape, dtype=object) for _ in kernels]
    ea, ew = mpmath.mpf(eta_a), mpmath.mpf(eta_w)
    for idx in np.ndindex(*at.shape):
        point = [arr[idx] for arr in args]
        for name, kern, out in zip(_rt.OBSERVABLE_NAMES, kernels, vals):
            out[idx] = kern(*point, d, ea, ew)[0] if defined.get(name, lambda v: True)(point) else mpmath.nan
    eye = np.array([[mpmath.mpf(int(i == j)) for j in range(d)] for i in range(d)], dtype=object)
    fields = dict(zip(_rt.OBSERVABLE_NAMES, vals))
    fields["loss"] = x["loss"]
    M = eta_w * (at * at)[..., None, None] * eye + eta_a * wt[..., :, None] * wt[..., None, :]
    if scalar_t:
        fields = {k: v[..., 0] for k, v in fields.items()}
        M = M[..., 0, :, :]
    return Observables(t=tt, a=a, w=w, ntk=M, **fields)


# --------------------------------------------------------------------------
# implicit bias and basins (rank-deficient data; symrich.single_neuron.bias)

from symrich.single_neuron.bias import Basin, ImplicitBias, Phi_delta, basin, grad_Phi_delta, implicit_bias  # noqa: E402

__all__ += ["implicit_bias", "basin", "Phi_delta", "grad_Phi_delta", "ImplicitBias", "Basin"]

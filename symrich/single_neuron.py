"""Numeric layer, single neuron ``f(x) = a w^T x``: kernels compiled from the derived expressions.

The expressions come from :mod:`symrich.symbolic.single_neuron` and are proved
in the derivations ``single_neuron_function_space`` and
``single_neuron_regimes``; here they are compiled with
:func:`symrich.codegen.compile_exprs` (one CSE over all outputs).

``M`` is evaluated in the form that is free of cancellation on each side of
``delta = 0`` (both forms are proved equal in ``single_neuron_regimes``):

* ``delta >= 0``: ``M = (R + delta)/2 I + [2 eta / (R + delta)] beta beta^T``
* ``delta < 0``:  ``M = [2 eta rho^2 / (R - delta)] I + (R - delta)/2 beta_hat beta_hat^T``

so it is accurate for ``||beta||`` tiny and ``delta`` near 0 of either sign.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from symrich.validation import as_array, positive

__all__ = ["M_matrix", "ntk", "delta_of"]


@functools.lru_cache(maxsize=None)
def _M_coefficients():
    from symrich.codegen import compile_exprs
    from symrich.symbolic.single_neuron import m_diff_stable_positive, m_par, m_perp, m_perp_stable_negative
    from symrich.symbols import delta, eta_a, eta_w, rho

    exprs = (m_perp(), m_diff_stable_positive(), m_perp_stable_negative(), m_par() - m_perp_stable_negative())
    return compile_exprs(exprs, (delta, rho, eta_a, eta_w), backend="numpy")


def _beta_delta(beta, delta, eta_a, eta_w):
    eta_a = positive(eta_a, "eta_a")
    eta_w = positive(eta_w, "eta_w")
    beta = as_array(beta, "beta", ndim=None)
    if beta.ndim == 0 or beta.shape[-1] == 0:
        raise ValueError(f"beta must have shape (..., d) with d >= 1, got shape {beta.shape}")
    delta = as_array(delta, "delta")
    try:
        batch = np.broadcast_shapes(beta.shape[:-1], delta.shape)
    except ValueError as exc:
        raise ValueError(
            f"delta of shape {delta.shape} does not broadcast against the batch shape {beta.shape[:-1]} of beta"
        ) from exc
    return beta, np.broadcast_to(delta, batch), eta_a, eta_w


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
    beta, delta, eta_a, eta_w = _beta_delta(beta, delta, eta_a, eta_w)
    rho = np.linalg.norm(beta, axis=-1)
    if np.any((rho == 0) & (delta < 0)):
        raise ValueError(
            "M is not a function of beta at beta = 0 when delta < 0 (it is eta_a w w^T, which depends on "
            "the direction of w); give a nonzero beta"
        )
    m_perp_pos, c_pos, m_perp_neg, m_diff_neg = _eval_coefficients(delta, rho, eta_a, eta_w)
    negative = delta < 0
    m_perp = np.where(negative, m_perp_neg, m_perp_pos)
    safe_rho = np.where(rho > 0, rho, 1.0)
    coeff = np.where(negative, m_diff_neg / safe_rho**2, np.where(rho > 0, c_pos, 0.0))
    eye = np.eye(beta.shape[-1])
    return m_perp[..., None, None] * eye + coeff[..., None, None] * beta[..., :, None] * beta[..., None, :]


def _eval_coefficients(delta, rho, eta_a, eta_w):
    kernel = _M_coefficients()
    with np.errstate(divide="ignore", invalid="ignore"):
        out = kernel(delta, rho, eta_a, eta_w)
    return [np.broadcast_to(np.asarray(o, dtype=float), rho.shape) for o in out]


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
    X = as_array(X, "X", ndim=2)
    beta = as_array(beta, "beta")
    if beta.ndim == 0 or beta.shape[-1] != X.shape[1]:
        raise ValueError(f"beta must have last axis of length d = X.shape[1] = {X.shape[1]}, got shape {beta.shape}")
    M = M_matrix(beta, delta, eta_a, eta_w)
    return np.einsum("id,...de,je->...ij", X, M, X)


def delta_of(a, w, eta_a=1.0, eta_w=1.0):
    """The conserved ``delta = eta_w a^2 - eta_a ||w||^2`` of parameters ``a`` (...,), ``w`` (..., d).

    >>> delta_of(2.0, [1.0, 1.0])
    2.0
    """
    eta_a = positive(eta_a, "eta_a")
    eta_w = positive(eta_w, "eta_w")
    a = as_array(a, "a")
    w = as_array(w, "w")
    if w.ndim == 0:
        raise ValueError(f"w must have shape (..., d), got a scalar")
    out = eta_w * a**2 - eta_a * np.sum(w * w, axis=-1)
    return float(out) if out.ndim == 0 else out


# --------------------------------------------------------------------------
# exact trajectories on whitened data (single_neuron_closed_form)

__all__ += ["trajectory", "observables", "Observables", "solution_kernels"]


@functools.lru_cache(maxsize=None)
def _solution_exprs():
    """The proved stable forms: (general (a, p, c), saddle (a, p, c), selector (U, kappa)), phi1 made division-free."""
    from symrich.symbolic import single_neuron_solution as sol

    gen = sol.stable_general()
    sad = sol.stable_saddle()
    general = tuple(sol.for_compile(e) for e in (gen.a, gen.p, gen.c))
    saddle = tuple(sol.for_compile(e) for e in (sad.a, sad.p, sad.c))
    selector = tuple(sol.for_compile(e) for e in (gen.U, gen.kappa))
    return general, saddle, selector


def solution_kernels(backend="numpy", cse=True):
    """The compiled closed-form kernels ``(general, saddle, selector)``.

    ``general`` and ``saddle`` map ``(t, a0, pi0, s2, delta, eta_a, eta_w)`` to
    ``(a, p, c)`` with ``w(t) = p beta_star + c (w0 - pi0 beta_star)``; ``selector``
    maps ``(a0, pi0, s2, delta, eta_a, eta_w)`` to ``(U, kappa)`` (the saddle form is
    used where ``U = 0`` and ``kappa > 0``).  ``backend="numpy"`` gives numba
    ufuncs (:func:`symrich.codegen.compile_ufunc`), ``"mpmath"`` and ``"math"``
    scalar kernels (:func:`symrich.codegen.compile_exprs`).

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
    from symrich.codegen import compile_exprs, compile_ufunc
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


def _solution_inputs(t, a0, w0, beta_star, eta_a, eta_w, backend):
    if backend not in ("numpy", "mpmath"):
        raise ValueError(f"backend must be 'numpy' or 'mpmath', got {backend!r}")
    eta_a = positive(eta_a, "eta_a")
    eta_w = positive(eta_w, "eta_w")
    if backend == "numpy":
        conv = lambda x, name: as_array(x, name)  # noqa: E731
    else:
        conv = _mp_array
    tt, a0, w0, bs = conv(t, "t"), conv(a0, "a0"), conv(w0, "w0"), conv(beta_star, "beta_star")
    problems = []
    if tt.ndim > 1:
        problems.append(f"t must be a scalar or have shape (T,), got shape {tt.shape}")
    elif tt.size and any(v < 0 for v in np.ravel(tt)):
        problems.append("t must be >= 0 (the closed form is stated for forward time)")
    if a0.ndim > 1:
        problems.append(f"a0 must be a scalar or have shape (B,), got shape {a0.shape}")
    if w0.ndim not in (1, 2) or w0.shape[-1] == 0:
        problems.append(f"w0 must have shape (d,) or (B, d) with d >= 1, got shape {w0.shape}")
    if bs.ndim not in (1, 2):
        problems.append(f"beta_star must have shape (d,) or (B, d), got shape {bs.shape}")
    if not problems and w0.shape[-1] != bs.shape[-1]:
        problems.append(f"w0 has d = {w0.shape[-1]} but beta_star has d = {bs.shape[-1]}")
    if not problems:
        try:
            batch = np.broadcast_shapes(a0.shape, w0.shape[:-1], bs.shape[:-1])
        except ValueError:
            batch = None
            problems.append(
                f"batch shapes do not match: a0 {a0.shape}, w0 {w0.shape[:-1]}, beta_star {bs.shape[:-1]} (expected () or (B,))"
            )
    if problems:
        raise ValueError("; ".join(problems))
    scalar_t = tt.ndim == 0
    tt = tt.reshape(-1)
    d = w0.shape[-1]
    B = batch[0] if batch else 1
    a0 = np.broadcast_to(a0, (B,)) if batch else a0.reshape(1)
    w0 = np.broadcast_to(w0, (B, d)) if batch else w0.reshape(1, d)
    bs = np.broadcast_to(bs, (B, d)) if batch else bs.reshape(1, d)
    return tt, a0, w0, bs, eta_a, eta_w, (batch == ()), scalar_t


def _row_scalars(a0, w0, bs, eta_a, eta_w, backend):
    """``s2``, ``pi0``, ``delta``, ``w_perp0`` per row."""
    if backend == "numpy":
        s2 = np.sum(bs * bs, axis=-1)
        safe = np.where(s2 > 0, s2, 1.0)
        pi0 = np.where(s2 > 0, np.sum(w0 * bs, axis=-1) / safe, 0.0)
        delta = eta_w * a0**2 - eta_a * np.sum(w0 * w0, axis=-1)
    else:
        import mpmath

        ea, ew = mpmath.mpf(eta_a), mpmath.mpf(eta_w)
        s2 = np.array([mpmath.fsum(x * x for x in row) for row in bs], dtype=object)
        pi0 = np.array([mpmath.fsum(x * y for x, y in zip(w, b)) / q if q != 0 else mpmath.mpf(0)
                        for w, b, q in zip(w0, bs, s2)], dtype=object)
        delta = np.array([ew * a * a - ea * mpmath.fsum(x * x for x in w) for a, w in zip(a0, w0)], dtype=object)
    wperp = w0 - pi0[:, None] * bs
    return s2, pi0, delta, wperp


def _solve(tt, a0, pi0, s2, delta, eta_a, eta_w, backend, cse=True):
    """``(a, p, c)`` of shape (B, T) from the compiled kernels."""
    general, saddle, selector = solution_kernels(backend, cse)
    B, T = a0.shape[0], tt.shape[0]
    if backend == "numpy":
        U, kappa = selector(a0, pi0, s2, delta, eta_a, eta_w)
        on_saddle = (U == 0) & (kappa > 0)
        if not np.any(on_saddle):
            return general(tt[None, :], a0[:, None], pi0[:, None], s2[:, None], delta[:, None], eta_a, eta_w)
        out = [np.empty((B, T)) for _ in range(3)]
        for mask, kern in ((~on_saddle, general), (on_saddle, saddle)):
            if np.any(mask):
                vals = kern(tt[None, :], a0[mask, None], pi0[mask, None], s2[mask, None], delta[mask, None], eta_a, eta_w)
                for o, v in zip(out, vals):
                    o[mask] = v
        return tuple(out)
    import mpmath

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


def trajectory(t, a0, w0, beta_star, eta_a=1.0, eta_w=1.0, backend="numpy"):
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
        ``"numpy"``: float64 numba kernel; ``"mpmath"``: object arrays of mpf at
        the caller's ``mpmath.mp.dps`` (inputs may be mpf).

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
    tt, a0_, w0_, bs, eta_a, eta_w, unbatched, scalar_t = _solution_inputs(t, a0, w0, beta_star, eta_a, eta_w, backend)
    s2, pi0, delta, wperp = _row_scalars(a0_, w0_, bs, eta_a, eta_w, backend)
    a, p, c = _solve(tt, a0_, pi0, s2, delta, eta_a, eta_w, backend)
    if backend == "numpy":  # w = p beta_star + c w_perp0, as one batched (T x 2) @ (2 x d) product
        w = np.matmul(np.stack([p, c], axis=-1), np.stack([bs, wperp], axis=1))
    else:
        w = p[:, :, None] * bs[:, None, :] + c[:, :, None] * wperp[:, None, :]
    if scalar_t:
        a, w = a[:, 0], w[:, 0]
    if unbatched:
        a, w = a[0], w[0]
    return a, w


@dataclasses.dataclass(frozen=True)
class Observables:
    """Observables along exact trajectories (arrays of shape (B, T), or (T,) without a batch).

    ``beta_norm`` ``||beta||``; ``signed_magnitude`` ``a ||w||``; ``alignment``
    ``cos(w, beta_star)`` (NaN where ``w = 0`` or ``beta_star = 0``); ``loss``
    ``1/2 ||beta - beta_star||^2`` (the loss minus its minimum
    ``1/2 (||y||^2 - s^2)`` on whitened data); ``ntk_norm`` ``||K(t)||_F = ||M(t)||_F``;
    ``kernel_distance`` ``S(0, t)``; ``a``, ``w`` the trajectory; ``ntk`` the
    matrix ``M(t) = eta_w a^2 I + eta_a w w^T`` (shape (..., d, d)), equal to
    ``X^T K(t) X`` (``K = X M X^T`` for whitened ``X``).

    >>> obs = observables([0.0, 1.0], [0.5, 1.0], [[1.0, 0.0], [0.0, 1.0]], [0.0, 1.0])
    >>> isinstance(obs, Observables), obs.kernel_distance.shape, obs.ntk.shape
    (True, (2, 2), (2, 2, 2, 2))
    """

    t: object
    a: object
    w: object
    beta_norm: object
    signed_magnitude: object
    alignment: object
    loss: object
    ntk_norm: object
    kernel_distance: object
    ntk: object


@functools.lru_cache(maxsize=None)
def _observable_kernel(backend):
    from symrich.codegen import compile_exprs
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
    a, w = trajectory(t, a0, w0, beta_star, eta_a, eta_w, backend)
    eta_a = positive(eta_a, "eta_a")
    eta_w = positive(eta_w, "eta_w")
    mpm = backend == "mpmath"
    conv = (lambda x, name: _mp_array(x, name)) if mpm else (lambda x, name: np.asarray(x, dtype=float))  # noqa: E731
    tt = conv(t, "t")
    scalar_t = tt.ndim == 0
    a = np.asarray(a, dtype=object) if mpm else np.asarray(a)
    at = a if not scalar_t else a[..., None]  # (..., T)
    wt = w if not scalar_t else w[..., None, :]  # (..., T, d)
    bs, a0_arr, w0_arr = conv(beta_star, "beta_star"), conv(a0, "a0"), conv(w0, "w0")
    batch = at.shape[:-1]
    d = wt.shape[-1]
    a_init = np.broadcast_to(a0_arr, batch)[..., None]
    w_init = np.broadcast_to(w0_arr, batch + (d,))[..., None, :]
    b = np.broadcast_to(bs, batch + (d,))[..., None, :]
    ww = np.sum(wt * wt, axis=-1)
    wb = np.sum(wt * b, axis=-1)
    ww0 = np.sum(w_init * w_init, axis=-1)
    w0w = np.sum(w_init * wt, axis=-1)
    s2 = np.sum(b * b, axis=-1)
    resid = at[..., None] * wt - b
    loss = np.sum(resid * resid, axis=-1) / 2
    kern = _observable_kernel(backend)
    if not mpm:
        with np.errstate(divide="ignore", invalid="ignore"):
            vals = [np.broadcast_to(v, at.shape).astype(float) for v in kern(at, ww, wb, a_init, ww0, w0w, s2, d, eta_a, eta_w)]
        eye = np.eye(d)
    else:
        import mpmath

        args = np.broadcast_arrays(at, ww, wb, a_init, ww0, w0w, s2)
        vals = [np.empty(at.shape, dtype=object) for _ in range(5)]
        ea, ew = mpmath.mpf(eta_a), mpmath.mpf(eta_w)
        for idx in np.ndindex(*at.shape):
            x = [arr[idx] for arr in args]
            defined = (x[1] != 0 and x[6] != 0, x[3] != 0 or x[4] != 0)  # alignment, kernel distance
            safe = list(x)
            if not defined[0]:
                safe[1] = safe[1] if safe[1] != 0 else mpmath.mpf(1)
                safe[6] = mpmath.mpf(1)
            if not defined[1]:
                safe[3] = mpmath.mpf(1)
            out = list(kern(*safe, d, ea, ew))
            if not defined[0]:
                out = list(kern(x[0], x[1], x[2], safe[3], x[4], x[5], mpmath.mpf(1), d, ea, ew))[:4] + [mpmath.nan] \
                    if x[1] != 0 else [mpmath.mpf(0), mpmath.mpf(0), abs(ew * x[0] ** 2) * mpmath.sqrt(d), out[3], mpmath.nan]
            if not defined[1]:
                out[3] = mpmath.nan
            for v, o in zip(vals, out):
                v[idx] = o
        eye = np.array([[mpmath.mpf(int(i == j)) for j in range(d)] for i in range(d)], dtype=object)
    names = ("beta_norm", "signed_magnitude", "ntk_norm", "kernel_distance", "alignment")
    fields = dict(zip(names, vals))
    if not mpm:
        fields["alignment"] = np.where((ww > 0) & (s2 > 0), fields["alignment"], np.nan)
        fields["kernel_distance"] = np.where((a_init != 0) | (ww0 > 0), fields["kernel_distance"], np.nan)
    fields["loss"] = loss
    M = eta_w * (at * at)[..., None, None] * eye + eta_a * wt[..., :, None] * wt[..., None, :]
    if scalar_t:
        fields = {k: v[..., 0] for k, v in fields.items()}
        M = M[..., 0, :, :]
    return Observables(t=tt, a=a, w=w, ntk=M, **fields)

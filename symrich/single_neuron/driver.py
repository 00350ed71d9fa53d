"""NumPy-only driver logic of the single-neuron kernels, shared by :mod:`symrich.single_neuron` and exported modules.

Everything here depends on NumPy alone: input validation, batching, the row scalars and
the saddle/general selection of the exact trajectory, the assembly of
``w(t) = p beta_star + c w_perp0``, of ``M`` from its two eigenvalues, and of the
observables.  The compiled closed forms are passed in as *kernels* (callables
returning tuples of broadcast arrays), so the same code drives

* the package's float path (:mod:`symrich.single_neuron`): NumPy kernels printed by SymPy
  and, for the trajectory, the fused numba loop (:func:`branch_solver`);
* the package's mpmath path: the same functions on object arrays of ``mpmath.mpf``
  (:func:`pointwise_solver` with mpmath kernels);
* a module written by ``symrich export --target numpy`` (:mod:`symrich.export`), which
  copies this file's source verbatim (the ``# export: inline`` import line is replaced by
  the source of :mod:`symrich.numeric.validation`) and evaluates the closed form point by
  point (:func:`pointwise_solver`).

>>> import numpy as np
>>> kernel = lambda a, ww, eta_a, eta_w: (eta_w * a**2 - eta_a * ww,)
>>> run_delta_of(kernel, 2.0, [1.0, 1.0])
2.0
"""

from __future__ import annotations

import dataclasses

import numpy as np

from symrich.numeric.validation import as_array, finite_result, float64_array, float64_rate, positive  # export: inline

__all__ = [
    "Observables",
    "run_M_matrix",
    "run_ntk",
    "run_delta_of",
    "solution_inputs",
    "row_scalars",
    "pointwise_rows",
    "pointwise_solver",
    "branch_solver",
    "by_saddle_branch",
    "run_trajectory",
    "observable_arrays",
    "run_observables",
    "run_Phi_delta",
    "run_grad_Phi_delta",
]


def _beta_delta(beta, delta, eta_a, eta_w):
    eta_a = float64_rate(eta_a, "eta_a")
    eta_w = float64_rate(eta_w, "eta_w")
    beta = float64_array(beta, "beta", ndim=None)
    if beta.ndim == 0 or beta.shape[-1] == 0:
        raise ValueError(f"beta must have shape (..., d) with d >= 1, got shape {beta.shape}")
    delta = float64_array(delta, "delta")
    try:
        batch = np.broadcast_shapes(beta.shape[:-1], delta.shape)
    except ValueError as exc:
        raise ValueError(
            f"delta of shape {delta.shape} does not broadcast against the batch shape {beta.shape[:-1]} of beta"
        ) from exc
    return np.broadcast_to(beta, batch + beta.shape[-1:]), np.broadcast_to(delta, batch), eta_a, eta_w


def _outputs(values, shape):
    """Kernel outputs as writable arrays of ``shape``: float, or object for mpmath (a kernel may return scalars)."""
    out = []
    for v in values:
        v = np.asarray(v)
        v = v if v.dtype == object else v.astype(float, copy=False)
        out.append(v if v.shape == shape and v.flags.writeable else np.array(np.broadcast_to(v, shape)))
    return out


def run_M_matrix(coefficients, beta, delta, eta_a=1.0, eta_w=1.0):
    """``M = m_perp I + coeff beta beta^T`` from the compiled coefficients, with the sign-of-delta selection.

    ``coefficients(delta, rho, eta_a, eta_w)`` returns ``(m_perp, 2 eta/(R + delta),
    2 eta rho^2/(R - delta), R - 2 eta rho^2/(R - delta))``: the plain and the
    cancellation-free forms for ``delta >= 0`` and ``delta < 0``.

    >>> import numpy as np
    >>> def coefficients(delta, rho, ea, ew):
    ...     R = np.sqrt(delta**2 + 4 * ea * ew * rho**2)
    ...     return (R + delta) / 2, 2 * ea * ew / (R + delta), 2 * ea * ew * rho**2 / (R - delta), R - 2 * ea * ew * rho**2 / (R - delta)
    >>> run_M_matrix(coefficients, [0.0, 0.0], 2.0).tolist()
    [[2.0, 0.0], [0.0, 2.0]]
    """
    beta, delta, eta_a, eta_w = _beta_delta(beta, delta, eta_a, eta_w)
    rho = np.linalg.norm(beta, axis=-1)
    if np.any((rho == 0) & (delta < 0)):
        raise ValueError(
            "M is not a function of beta at beta = 0 when delta < 0 (it is eta_a w w^T, which depends on "
            "the direction of w); give a nonzero beta"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        m_perp_pos, c_pos, m_perp_neg, m_diff_neg = _outputs(coefficients(delta, rho, eta_a, eta_w), rho.shape)
    negative = delta < 0
    with np.errstate(all="ignore"):
        m_perp = np.where(negative, m_perp_neg, m_perp_pos)
        safe_rho = np.where(rho > 0, rho, 1.0)
        coeff = np.where(negative, m_diff_neg / safe_rho**2, np.where(rho > 0, c_pos, 0.0))
        eye = np.eye(beta.shape[-1])
        M = m_perp[..., None, None] * eye + coeff[..., None, None] * beta[..., :, None] * beta[..., None, :]
    return finite_result(M, "beta, delta")


def run_ntk(coefficients, X, beta, delta, eta_a=1.0, eta_w=1.0):
    """``K = X M X^T`` with ``M`` from :func:`run_M_matrix`.

    >>> import numpy as np
    >>> coefficients = lambda delta, rho, ea, ew: (delta, 1.0, 0.0, 0.0)   # M = delta I at beta = 0
    >>> run_ntk(coefficients, np.eye(2), [0.0, 0.0], 3.0).tolist()
    [[3.0, 0.0], [0.0, 3.0]]
    """
    X = as_array(X, "X", ndim=2)
    beta = as_array(beta, "beta")
    if beta.ndim == 0 or beta.shape[-1] != X.shape[1]:
        raise ValueError(f"beta must have last axis of length d = X.shape[1] = {X.shape[1]}, got shape {beta.shape}")
    M = run_M_matrix(coefficients, beta, delta, eta_a, eta_w)
    with np.errstate(all="ignore"):
        K = np.einsum("id,...de,je->...ij", X, M, X)
    return finite_result(K, "X, beta, delta")


def run_delta_of(kernel, a, w, eta_a=1.0, eta_w=1.0):
    """``delta = kernel(a, ||w||^2, eta_a, eta_w)`` for ``a`` (...,) and ``w`` (..., d); a float when unbatched.

    >>> run_delta_of(lambda a, ww, ea, ew: (ew * a**2 - ea * ww,), 1.0, [[1.0], [0.5]])
    array([0.  , 0.75])
    """
    eta_a = float64_rate(eta_a, "eta_a")
    eta_w = float64_rate(eta_w, "eta_w")
    a = float64_array(a, "a")
    w = float64_array(w, "w")
    if w.ndim == 0:
        raise ValueError("w must have shape (..., d), got a scalar")
    try:
        np.broadcast_shapes(a.shape, w.shape[:-1])
    except ValueError as exc:
        raise ValueError(f"a of shape {a.shape} does not broadcast against the batch shape {w.shape[:-1]} of w "
                         "(w has shape (..., d))") from exc
    with np.errstate(all="ignore"):
        out = finite_result(np.asarray(kernel(a, np.sum(w * w, axis=-1), eta_a, eta_w)[0], dtype=float), "a, w")
    return float(out) if out.ndim == 0 else out


# --------------------------------------------------------------------------
# exact trajectories on whitened data


def _converted_rate(x, name, conv):
    """A positive learning rate in the number type of ``conv`` (mpmath: not rounded to float64 on the way)."""
    v = conv(x, name)
    if v.ndim:
        raise TypeError(f"{name} must be a positive finite number, got an array of shape {v.shape}")
    v = v.item()
    if not v > 0:
        raise ValueError(f"{name} must be a positive finite number, got {x!r}")
    return v


def solution_inputs(t, a0, w0, beta_star, eta_a, eta_w, conv=None):
    """Checked and batched inputs of the trajectory: ``(t (T,), a0 (B,), w0 (B, d), beta_star (B, d), eta_a, eta_w, unbatched, scalar_t)``.

    ``conv(x, name)`` converts an input (default: float64 arrays with a finiteness check, and for
    ``a0, w0, beta_star`` and the rates the domain of the float64 backend, :data:`~symrich.numeric.validation.FLOAT64_DOMAIN`;
    ``t`` may be any time ``>= 0``).

    >>> solution_inputs(1.0, 0.5, [1.0, 0.0], [0.0, 2.0], 1.0, 1.0)[-2:]
    (True, True)
    """
    if conv:
        eta_a, eta_w = _converted_rate(eta_a, "eta_a", conv), _converted_rate(eta_w, "eta_w", conv)
    else:
        eta_a, eta_w = float64_rate(eta_a, "eta_a"), float64_rate(eta_w, "eta_w")
    data = conv or float64_array
    tt = (conv or as_array)(t, "t")
    a0, w0, bs = data(a0, "a0"), data(w0, "w0"), data(beta_star, "beta_star")
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
    batch = None
    if not problems:
        try:
            batch = np.broadcast_shapes(a0.shape, w0.shape[:-1], bs.shape[:-1])
        except ValueError:
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


def row_scalars(kernel, a0, w0, bs, eta_a, eta_w):
    """``s2 = ||beta_star||^2``, ``pi0 = w0^T beta_star / s2`` (0 if ``s2 = 0``), ``delta``, ``w_perp0`` per row.

    ``kernel(a0, ||w0||^2, w0^T beta_star, s2, eta_a, eta_w)`` returns ``(pi0, delta)``
    (:func:`symrich.symbolic.single_neuron_kernels.row_scalar_exprs`); the dot products and
    ``w_perp0 = w0 - pi0 beta_star`` are computed here.

    >>> import numpy as np
    >>> rows = lambda a0, ww, wb, s2, ea, ew: (np.where(s2 > 0, wb / np.where(s2 > 0, s2, 1), 0), ew * a0**2 - ea * ww)
    >>> s2, pi0, delta, wperp = row_scalars(rows, np.array([1.0]), np.array([[1.0, 1.0]]), np.array([[2.0, 0.0]]), 1.0, 1.0)
    >>> s2.tolist(), pi0.tolist(), delta.tolist(), wperp.tolist()
    ([4.0], [0.5], [-1.0], [[0.0, 1.0]])
    """
    s2 = np.sum(bs * bs, axis=-1)
    pi0, delta = _outputs(kernel(a0, np.sum(w0 * w0, axis=-1), np.sum(w0 * bs, axis=-1), s2, eta_a, eta_w), s2.shape)
    wperp = w0 - pi0[:, None] * bs
    return s2, pi0, delta, wperp


def pointwise_rows(kernel):
    """A row solver from a pointwise kernel ``(t, a0, pi0, s2, delta, eta_a, eta_w) -> (a, p, c)``.

    The result maps ``(t (T,), a0, pi0, s2, delta (B,), eta_a, eta_w, beta_star, w_perp0 (B, d))``
    to ``(a (B, T), w (B, T, d))`` with ``w = p beta_star + c w_perp0`` (the signature of the fused loops).

    >>> import numpy as np
    >>> still = lambda t, a0, pi0, s2, delta, ea, ew: (a0 + 0 * t, pi0 + 0 * t, 1.0)
    >>> a, w = pointwise_rows(still)(np.array([0.0, 1.0]), np.array([2.0]), np.array([0.5]), np.array([1.0]),
    ...                              np.array([3.0]), 1.0, 1.0, np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]))
    >>> a.tolist(), w.tolist()
    ([[2.0, 2.0]], [[[0.5, 1.0], [0.5, 1.0]]])
    """
    def rows(tt, a0, pi0, s2, delta, eta_a, eta_w, bs, wperp):
        shape = (a0.shape[0], tt.shape[0])
        a, p, c = _outputs(kernel(tt[None, :], a0[:, None], pi0[:, None], s2[:, None], delta[:, None], eta_a, eta_w),
                           shape)
        return a, p[..., None] * bs[:, None, :] + c[..., None] * wperp[:, None, :]

    return rows


def branch_solver(selector, general, saddle):
    """``solve(t, a0, pi0, s2, delta, eta_a, eta_w, beta_star, w_perp0) -> (a, w)``: ``saddle`` where ``selector`` says so.

    ``selector(a0, pi0, s2, delta, eta_a, eta_w)`` returns ``(A, kappa)``
    (:func:`symrich.symbolic.single_neuron_kernels.selector_exprs`); ``general`` and ``saddle``
    are row solvers (:func:`pointwise_rows`, or the fused loops), run by :func:`by_saddle_branch`.

    >>> import numpy as np
    >>> still = lambda t, a0, pi0, s2, delta, ea, ew: (a0 + 0 * t, pi0 + 0 * t, 1.0)
    >>> solve = branch_solver(lambda *rows: (1.0, 1.0), pointwise_rows(still), None)
    >>> solve(np.array([0.0]), np.array([2.0]), np.array([0.5]), np.array([1.0]), np.array([3.0]), 1.0, 1.0,
    ...       np.array([[1.0]]), np.array([[0.0]]))[0].tolist()
    [[2.0]]
    """
    def solve(tt, a0, pi0, s2, delta, eta_a, eta_w, bs, wperp):
        def on(rows):
            return lambda a0, pi0, s2, delta, bs, wperp: rows(tt, a0, pi0, s2, delta, eta_a, eta_w, bs, wperp)

        selected = selector(a0, pi0, s2, delta, eta_a, eta_w)
        return by_saddle_branch(selected, on(general), on(saddle), (a0, pi0, s2, delta, bs, wperp))

    return solve


def pointwise_solver(kernels):
    """:func:`branch_solver` of pointwise kernels ``(general, saddle, selector)`` (:func:`pointwise_rows`).

    >>> import numpy as np
    >>> still = lambda t, a0, pi0, s2, delta, ea, ew: (a0 + 0 * t, pi0 + 0 * t, 1.0)
    >>> a, w = run_trajectory(pointwise_solver((still, still, lambda *rows: (1.0, 1.0))),
    ...                       lambda a0, ww, wb, s2, ea, ew: (wb / s2, ew * a0**2 - ea * ww), [0.0, 1.0], 2.0, [1.0, 3.0], [1.0, 0.0])
    >>> a.tolist(), w.tolist()
    ([2.0, 2.0], [[1.0, 3.0], [1.0, 3.0]])
    """
    general, saddle, selector = kernels
    return branch_solver(selector, pointwise_rows(general), pointwise_rows(saddle))


def by_saddle_branch(selected, general, saddle, rows):
    """``general(*rows)``, with ``saddle`` on the rows that ``selected = (A, kappa)`` puts on the stable manifold of the saddle.

    Those are the rows with ``A = 0`` and ``kappa > 0``.  ``rows`` are arrays with the batch axis first;
    ``general`` and ``saddle`` map rows to a tuple of arrays with the batch axis first.

    >>> import numpy as np
    >>> double, negate = (lambda x: (2 * x,)), (lambda x: (-x,))
    >>> by_saddle_branch((np.array([0.0, 1.0]), 1.0), double, negate, (np.array([3.0, 4.0]),))[0].tolist()
    [-3.0, 8.0]
    """
    A, kappa = _outputs(selected, rows[0].shape[:1])
    on_saddle = np.asarray((A == 0) & (kappa > 0), dtype=bool)
    if not np.any(on_saddle):
        return tuple(general(*rows))
    out = None
    for mask, fn in ((~on_saddle, general), (on_saddle, saddle)):
        if np.any(mask):
            vals = [np.asarray(v) for v in fn(*(r[mask] for r in rows))]
            if out is None:
                out = [np.empty(on_saddle.shape + v.shape[1:], dtype=v.dtype) for v in vals]
            for o, v in zip(out, vals):
                o[mask] = v
    return tuple(out)


def run_trajectory(solve, rows, t, a0, w0, beta_star, eta_a=1.0, eta_w=1.0, conv=None):
    """``(a, w)`` of the exact trajectory: inputs checked (:func:`solution_inputs`), row scalars, then ``solve``.

    ``solve`` is a :func:`branch_solver`; ``rows`` the row-scalar kernel of :func:`row_scalars`.
    Without a batch the ``B`` axis is dropped, for a scalar ``t`` the ``T`` axis.  On the float path
    (``conv=None``) a result that is not finite is a ``ValueError`` (:func:`~symrich.numeric.validation.finite_result`).

    >>> import numpy as np
    >>> still = lambda t, a0, pi0, s2, delta, ea, ew: (a0 + 0 * t, pi0 + 0 * t, 1.0)
    >>> rows = lambda a0, ww, wb, s2, ea, ew: (wb / s2, ew * a0**2 - ea * ww)
    >>> a, w = run_trajectory(pointwise_solver((still, still, lambda *r: (1.0, 1.0))), rows, 1.0, 2.0, [1.0, 3.0], [1.0, 0.0])
    >>> float(a), w.tolist()
    (2.0, [1.0, 3.0])
    """
    tt, a0_, w0_, bs, eta_a, eta_w, unbatched, scalar_t = solution_inputs(t, a0, w0, beta_star, eta_a, eta_w, conv)
    with np.errstate(all="ignore"):
        s2, pi0, delta, wperp = row_scalars(rows, a0_, w0_, bs, eta_a, eta_w)
        a, w = finite_result(solve(tt, a0_, pi0, s2, delta, eta_a, eta_w, bs, wperp), "a0, w0, beta_star, eta_a, eta_w")
    if scalar_t:
        a, w = a[:, 0], w[:, 0]
    if unbatched:
        a, w = a[0], w[0]
    return a, w


# --------------------------------------------------------------------------
# observables


@dataclasses.dataclass(frozen=True)
class Observables:
    """Observables along exact trajectories (arrays of shape (B, T), or (T,) without a batch).

    ``beta_norm`` ``||beta||``; ``signed_magnitude`` ``a ||w||``; ``alignment``
    ``cos(w, beta_star)`` (NaN where ``w = 0`` or ``beta_star = 0``); ``loss``
    ``1/2 ||beta - beta_star||^2`` (the loss minus its minimum
    ``1/2 (||y||^2 - s^2)`` on whitened data); ``ntk_norm`` ``||K(t)||_F = ||M(t)||_F``;
    ``kernel_distance`` ``S(0, t)`` (NaN where the kernel at ``t = 0`` or at ``t``
    is zero, ``a = 0`` and ``w = 0``, where ``S`` is undefined: a batch is not
    stopped by one such row, unlike :func:`symrich.numeric.kernels.kernel_distance`,
    which raises); ``a``, ``w`` the trajectory; ``ntk`` the
    matrix ``M(t) = eta_w a^2 I + eta_a w w^T`` (shape (..., d, d)), equal to
    ``X^T K(t) X`` (``K = X M X^T`` for whitened ``X``).

    >>> obs = Observables(*range(10))
    >>> obs.loss, obs.ntk
    (6, 9)
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


def observable_arrays(a, w, t, a0, w0, beta_star, conv):
    """Arrays the observables are computed from, with a time axis always present (float or object dtype).

    Returns a dict with ``tt, scalar_t, at (..., T), wt (..., T, d), a_init, w_init, b, s2, loss, d`` (the inner
    products of ``w`` are taken by :func:`run_observables`, which may rescale ``w`` first).

    >>> import numpy as np
    >>> arr = observable_arrays(np.array([1.0]), np.array([[1.0, 0.0]]), [0.0], 1.0, [1.0, 0.0], [0.0, 1.0],
    ...                         lambda x, name: np.asarray(x, dtype=float))
    >>> arr["loss"].tolist(), arr["d"]
    ([1.0], 2)
    """
    tt = conv(t, "t")
    scalar_t = tt.ndim == 0
    at = a if not scalar_t else a[..., None]  # (..., T)
    wt = w if not scalar_t else w[..., None, :]  # (..., T, d)
    bs, a0_arr, w0_arr = conv(beta_star, "beta_star"), conv(a0, "a0"), conv(w0, "w0")
    batch = at.shape[:-1]
    d = wt.shape[-1]
    a_init = np.broadcast_to(a0_arr, batch)[..., None]
    w_init = np.broadcast_to(w0_arr, batch + (d,))[..., None, :]
    b = np.broadcast_to(bs, batch + (d,))[..., None, :]
    resid = at[..., None] * wt - b
    return dict(
        tt=tt, scalar_t=scalar_t, at=at, wt=wt, a_init=a_init, w_init=w_init, b=b, d=d,
        s2=np.sum(b * b, axis=-1), loss=np.sum(resid * resid, axis=-1) / 2,
    )


def run_observables(trajectory_fn, kernel, names, t, a0, w0, beta_star, eta_a=1.0, eta_w=1.0, conv=None):
    """:class:`Observables` of ``trajectory_fn(t, a0, w0, beta_star, eta_a, eta_w)`` with the scalar observables from ``kernel``.

    ``kernel(a, ||w||^2, w^T beta_star, a0, ||w0||^2, w0^T w, s2, d, eta_a, eta_w)`` returns the
    observables named, in order, by ``names`` (NaN where one is undefined;
    :func:`symrich.symbolic.single_neuron_kernels.observable_exprs`).  ``conv(x, name)`` converts an
    input as in :func:`solution_inputs`.

    >>> import numpy as np
    >>> traj = lambda t, a0, w0, bs, ea, ew: (np.full(np.shape(t), 1.0), np.ones(np.shape(t) + (1,)))
    >>> kernel = lambda *args: (1.0, 1.0, 2.0, 0.0, 1.0)
    >>> names = ("beta_norm", "signed_magnitude", "ntk_norm", "kernel_distance", "alignment")
    >>> run_observables(traj, kernel, names, [0.0, 1.0], 1.0, [1.0], [1.0]).ntk_norm.tolist()
    [2.0, 2.0]
    """
    a, w = trajectory_fn(t, a0, w0, beta_star, eta_a, eta_w)
    if conv:   # the rates in the number type of conv (mpmath: no OverflowError of a float power such as eta_w**3)
        eta_a, eta_w = _converted_rate(eta_a, "eta_a", conv), _converted_rate(eta_w, "eta_w", conv)
    else:
        eta_a, eta_w = positive(eta_a, "eta_a"), positive(eta_w, "eta_w")
    with np.errstate(all="ignore"):
        x = observable_arrays(np.asarray(a), w, t, a0, w0, beta_star, conv or as_array)
        at, wt, d = x["at"], x["wt"], x["d"]
        a_init, w_init = x["a_init"], x["w_init"]

        def evaluate(a, w, a0_, w0_):
            return dict(zip(names, _outputs(kernel(a, np.sum(w * w, axis=-1), np.sum(w * x["b"], axis=-1), a0_,
                                                   np.sum(w0_ * w0_, axis=-1), np.sum(w0_ * w, axis=-1), x["s2"], d,
                                                   eta_a, eta_w), at.shape)))

        fields = evaluate(at, wt, a_init, w_init)
        if at.dtype != object:   # float64: two observables free of scale, evaluated again where a power underflows
            # cos(w, beta_star) does not depend on the scale of w; ||w||^2 leaves the normal range outside [1e-150, 1e150]
            # (just after w0 = 0, say)
            m_w = np.max(np.abs(wt), axis=-1)
            out = (m_w > 0) & ((m_w < 1e-150) | (m_w > 1e150))
            if np.any(out):
                unit = wt / np.where(out, m_w, 1.0)[..., None]
                fields["alignment"] = np.where(out, evaluate(at, unit, a_init, w_init)["alignment"], fields["alignment"])
            # S(0, t) does not depend on the scales of (a, w) and (a0, w0); ||M||_F^2 is of fourth degree in them
            m, m0 = np.maximum(np.abs(at), m_w), np.maximum(np.abs(a_init), np.max(np.abs(w_init), axis=-1))
            out = (m > 0) & (m0 > 0) & ((np.minimum(m, m0) < 1e-75) | (np.maximum(m, m0) > 1e75))
            if np.any(out):
                m, m0 = np.where(out, m, 1.0), np.where(out, m0, 1.0)
                again = evaluate(at / m, wt / m[..., None], a_init / m0, w_init / m0[..., None])
                fields["kernel_distance"] = np.where(out, again["kernel_distance"], fields["kernel_distance"])
        fields["loss"] = x["loss"]
        M = eta_w * (at * at)[..., None, None] * np.eye(d) + eta_a * wt[..., :, None] * wt[..., None, :]
    undefined = ("alignment", "kernel_distance")   # NaN where undefined (documented)
    finite_result((M, *(v for k, v in fields.items() if k not in undefined)), "a0, w0, beta_star, eta_a, eta_w")
    if x["scalar_t"]:
        fields = {k: v[..., 0] for k, v in fields.items()}
        M = M[..., 0, :, :]
    return Observables(t=x["tt"], a=np.asarray(a), w=w, ntk=M, **fields)


# --------------------------------------------------------------------------
# the mirror potential (implicit bias)


def run_Phi_delta(kernel, beta, delta, eta_a=1.0, eta_w=1.0):
    """``Phi_delta(beta)`` from ``kernel(rho, delta, eta_a, eta_w) = (phi, phi_stable_negative, phi', phi'/rho stable for delta > 0)``.

    >>> kernel = lambda rho, delta, ea, ew: (2 * rho**1.5 / 3, 2 * rho**1.5 / 3, rho**0.5, rho**-0.5)
    >>> round(run_Phi_delta(kernel, [3.0, 4.0], 0.0), 12)
    7.453559924999
    """
    beta, delta, eta_a, eta_w = _beta_delta(beta, delta, eta_a, eta_w)
    with np.errstate(all="ignore"):
        rho = np.linalg.norm(beta, axis=-1)
        plain, stable_neg, _, _ = _outputs(kernel(rho, delta, eta_a, eta_w), rho.shape)
    out = finite_result(np.where(delta < 0, stable_neg, plain), "beta, delta")
    return float(out) if np.ndim(out) == 0 else out


def run_grad_Phi_delta(kernel, beta, delta, eta_a=1.0, eta_w=1.0):
    """``grad Phi_delta(beta) = phi'(||beta||) beta/||beta||`` from the kernel of :func:`run_Phi_delta`.

    >>> kernel = lambda rho, delta, ea, ew: (0.0, 0.0, rho**0.5, rho**-0.5)
    >>> run_grad_Phi_delta(kernel, [3.0, 4.0], 0.0).round(12).tolist()
    [1.3416407865, 1.788854382]
    """
    beta, delta, eta_a, eta_w = _beta_delta(beta, delta, eta_a, eta_w)
    rho = np.linalg.norm(beta, axis=-1)
    if np.any((rho == 0) & (delta < 0)):
        raise ValueError(
            "grad Phi_delta does not exist at beta = 0 when delta < 0 (a cone point; the subdifferential is the "
            "ball of radius sqrt(|delta|/eta_a)); give a nonzero beta"
        )
    with np.errstate(all="ignore"):
        _, _, phi_prime, tangential_pos = _outputs(kernel(rho, delta, eta_a, eta_w), rho.shape)
        safe_rho = np.where(rho > 0, rho, 1.0)
        coeff = np.where(delta > 0, tangential_pos, np.where(rho > 0, phi_prime / safe_rho, 0.0))
        grad = coeff[..., None] * beta
    return finite_result(grad, "beta, delta")

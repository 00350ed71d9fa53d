"""Fuzz specs of :mod:`symrich.single_neuron`: valid calls across every regime, and the checks of their results.

Every draw of an initialisation picks a regime by construction: ``delta > 0``, ``= 0`` (exactly), ``< 0``,
the stable manifold of the saddle ``beta = 0`` (exactly, and within rounding), ``beta_star = 0``,
``a0 = 0``, ``w0 = 0``, a fixed point; then, unless the draw is moderate, a global scale
``(a0, w0, beta_star) -> (l a0, l w0, l^2 beta_star)`` of extreme size.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
from hypothesis import strategies as st

from symrich import single_neuron as sn
from tests.fuzz_specs import Spec, as_mp_float, assert_finite, assert_shape, batch_shape, rates
from tests.fuzz_strategies import is_moderate, matrices, reals, vectors

REGIMES = ("free", "balanced", "upstream", "downstream", "saddle", "near_saddle", "zero_target", "a0_zero",
           "w0_zero", "fixed_point")
TIMES = (0.0, 1e-300, 1e-8, 0.5, 1.0, 10.0, 1e3, 1e6, 1e300)


@st.composite
def initialisation(draw, d, eta_a, eta_w, moderate):
    """``(a0, w0, beta_star)`` of one row in a drawn regime."""
    regime = draw(st.sampled_from(REGIMES))
    a0 = draw(reals(True))
    w0 = draw(vectors(d, True))
    bs = draw(vectors(d, True))
    j = draw(st.integers(0, d - 1))
    ratio = math.sqrt(eta_w / eta_a)
    if regime == "balanced":  # delta = 0 (exactly for eta_a = eta_w)
        w0 = np.zeros(d)
        w0[j] = draw(st.sampled_from((1.0, -1.0))) * ratio * a0
    elif regime in ("upstream", "downstream"):
        target = draw(st.floats(0.1, 4.0)) if regime == "upstream" else -draw(st.floats(0.0, 1.0)) * eta_a * float(w0 @ w0)
        a0 = draw(st.sampled_from((1.0, -1.0))) * math.sqrt(max(target + eta_a * float(w0 @ w0), 0.0) / eta_w)
    elif regime in ("saddle", "near_saddle"):  # A = eta_a w0^T beta_star - l_- a0 = 0: w0 = -sign(b) sqrt(eta_w/eta_a) a0 e_j
        a0 = a0 or 0.75
        b = draw(st.floats(0.1, 2.0)) * draw(st.sampled_from((1.0, -1.0)))
        bs, w0 = np.zeros(d), np.zeros(d)
        bs[j] = b
        w0[j] = -math.copysign(ratio * a0, b)
        if regime == "near_saddle":
            w0[j] *= 1 + draw(st.integers(-8, 8)) * 2.0**-52
    elif regime == "zero_target":
        bs = np.zeros(d)
    elif regime == "a0_zero":
        a0 = 0.0
    elif regime == "w0_zero":
        w0 = np.zeros(d)
    elif regime == "fixed_point":  # a0 = 0, w0 orthogonal to beta_star
        a0 = 0.0
        bs = np.zeros(d)
        bs[j] = 1.0
        w0[j] = 0.0
    return float(a0), np.asarray(w0, dtype=float), np.asarray(bs, dtype=float)


@st.composite
def problem(draw, batched=True):
    """Keyword arguments ``a0, w0, beta_star, eta_a, eta_w`` (batched or not), and whether they are moderate."""
    moderate = draw(st.booleans())
    kw = draw(rates(moderate))
    d = draw(st.integers(1, 3))
    B = draw(st.sampled_from((None, 1, 3))) if batched else None
    rows = [draw(initialisation(d, kw["eta_a"], kw["eta_w"], moderate)) for _ in range(B or 1)]
    scale = 1.0 if moderate else draw(st.sampled_from((1.0, 1e-150, 1e-100, 1e-10, 1e10, 1e100, 1e150)))
    a0 = np.array([r[0] for r in rows]) * scale
    w0 = np.array([r[1] for r in rows]) * scale
    bs = np.array([r[2] for r in rows]) * scale**2
    if B is None:
        a0, w0, bs = float(a0[0]), w0[0], bs[0]
    elif draw(st.booleans()):  # one beta_star for the whole batch
        bs = bs[0]
    kw.update(a0=a0, w0=w0, beta_star=bs)
    return kw, moderate and is_moderate(list(kw.values())[:2]) and all(is_moderate(v) for v in (a0, w0, bs))


@st.composite
def times(draw):
    return draw(st.one_of(st.sampled_from(TIMES), st.lists(st.one_of(st.sampled_from(TIMES), st.floats(0.0, 50.0)),
                                                              min_size=1, max_size=4)))


@st.composite
def trajectory_calls(draw, observables=False):
    kw, moderate = draw(problem())
    kw["t"] = draw(times())
    kw["backend"] = draw(st.sampled_from(("numpy", "numpy", "numpy", "mpmath")))
    if not observables:
        kw["parallel"] = draw(st.booleans()) if kw["backend"] == "numpy" else False
    return kw, moderate


def _shapes(kw):
    """``(batch, time)`` axes of the result of a trajectory call."""
    a0, w0, bs = (np.asarray(kw[k], dtype=object) for k in ("a0", "w0", "beta_star"))
    batch = batch_shape(a0.shape, w0.shape[:-1], bs.shape[:-1])
    return batch, np.shape(kw["t"]), w0.shape[-1]


def _rate(kw, name):
    return mpmath.mpf(float(kw.get(name, 1.0)))


def check_conserved(a, w, kw, rtol=1e-7):
    """``delta(t) = eta_w a^2 - eta_a ||w||^2`` equals its initial value, relative to the size of its terms."""
    ea, ew = _rate(kw, "eta_a"), _rate(kw, "eta_w")
    batch, T, d = _shapes(kw)
    a = as_mp_float(a).reshape(batch + T)
    w = as_mp_float(w).reshape(batch + T + (d,))
    a0 = np.broadcast_to(as_mp_float(kw["a0"]), batch)
    w0 = np.broadcast_to(as_mp_float(kw["w0"]), batch + (d,))
    ext = (slice(None),) * len(batch) + (None,) * len(T)
    sq = np.asarray(np.sum(w * w, axis=-1), dtype=object)
    sq0 = np.asarray(np.sum(w0 * w0, axis=-1), dtype=object)[ext]
    a0 = np.asarray(a0, dtype=object)[ext]
    drift = (ew * a * a - ea * sq) - (ew * a0 * a0 - ea * sq0)
    size = ew * a * a + ea * sq + ew * a0 * a0 + ea * sq0
    for x, s in zip(np.ravel(drift), np.ravel(size)):
        assert abs(x) <= rtol * s + mpmath.mpf(1e-300) ** 2, f"delta drifts by {mpmath.nstr(x, 5)} (terms of size {mpmath.nstr(s, 5)})"


def check_trajectory(result, kw):
    a, w = result
    batch, T, d = _shapes(kw)
    assert_shape(a, batch + T, "a")
    assert_shape(w, batch + T + (d,), "w")
    assert_finite((a, w))
    check_conserved(a, w, kw)


def check_observables(obs, kw):
    batch, T, d = _shapes(kw)
    shape = batch + T
    for name in ("a", "beta_norm", "signed_magnitude", "alignment", "loss", "ntk_norm", "kernel_distance"):
        assert_shape(getattr(obs, name), shape, name)
    assert_shape(obs.w, shape + (d,), "w")
    assert_shape(obs.ntk, shape + (d, d), "ntk")
    # documented NaN: the alignment where w = 0 or beta_star = 0, the kernel distance where M(0) = 0 or M(t) = 0
    # zeros tested in the inputs' own arithmetic: an int beyond float64 or an mpf beyond its range is not 0 (seed 61)
    def zero(x):
        return np.asarray(np.asarray(x, dtype=object) == 0, dtype=bool)

    w_zero = zero(obs.w)
    bs_zero = np.broadcast_to(zero(kw["beta_star"]), batch + (d,))
    ext = (slice(None),) * len(batch) + (None,) * len(T)
    undefined_alignment = np.all(w_zero, axis=-1) | np.all(bs_zero, axis=-1)[ext]
    a0_zero = np.broadcast_to(zero(kw["a0"]), batch)
    w0_zero = np.broadcast_to(zero(kw["w0"]), batch + (d,))
    # and where M(t) = 0: a = 0, w = 0 (in float64 also by underflow)
    undefined_distance = (np.broadcast_to((a0_zero & np.all(w0_zero, axis=-1))[ext], shape)
                          | (zero(obs.a) & np.all(w_zero, axis=-1)))
    for name, undefined in (("alignment", undefined_alignment), ("kernel_distance", undefined_distance)):
        values = np.asarray(getattr(obs, name), dtype=object)
        defined = values[~np.broadcast_to(undefined, shape)]
        assert_finite(np.asarray(defined), name)
    for name in ("a", "w", "beta_norm", "signed_magnitude", "loss", "ntk_norm", "ntk"):
        assert_finite(getattr(obs, name), name)
    check_conserved(obs.a, obs.w, kw)


@st.composite
def solution_kernel_calls(draw):
    return {"backend": draw(st.sampled_from(("numpy", "mpmath", "math"))), "cse": draw(st.booleans())}, True


def check_solution_kernels(kernels, kw):
    assert len(kernels) == 3 and all(callable(k) for k in kernels)
    general, saddle, selector = kernels
    point = (1.5, 0.5, 0.2, 1.0, 0.1, 1.0, 2.0)
    assert_finite((general(*point), saddle(*point), selector(*point[1:])))


@st.composite
def beta_delta(draw, batched=True):
    """``beta`` (d,) or (B, d) and ``delta`` broadcastable, in every sign of delta, beta = 0 included."""
    moderate = draw(st.booleans())
    kw = draw(rates(moderate))
    d = draw(st.integers(1, 3))
    B = draw(st.sampled_from((None, 2))) if batched else None
    shape = (d,) if B is None else (B, d)
    beta = draw(matrices(shape, moderate))
    if draw(st.integers(0, 4)) == 0:
        beta = np.zeros(shape)
    delta = draw(st.one_of(reals(moderate), matrices(shape[:-1], moderate)) if B else reals(moderate))
    if np.any(~np.any(beta != 0, axis=-1) & (np.asarray(delta) < 0)):
        # a row beta = 0 with delta < 0: M is not a function of beta there and grad Phi_delta is a cone point
        # (documented ValueErrors)
        delta = np.abs(delta)
    kw.update(beta=beta, delta=delta)
    return kw, moderate


def check_M(result, kw):
    beta = np.asarray(kw["beta"])
    shape = batch_shape(beta.shape[:-1], np.shape(kw["delta"])) + beta.shape[-1:] * 2
    assert_shape(result, shape)
    assert_finite(result)


@st.composite
def ntk_calls(draw):
    kw, moderate = draw(beta_delta())
    d = np.shape(kw["beta"])[-1]
    kw["X"] = draw(matrices((draw(st.integers(1, 3)), d), moderate))
    return kw, moderate


def check_ntk(result, kw):
    n = np.shape(kw["X"])[0]
    beta = np.asarray(kw["beta"])
    assert_shape(result, batch_shape(beta.shape[:-1], np.shape(kw["delta"])) + (n, n))
    assert_finite(result)


@st.composite
def delta_of_calls(draw):
    moderate = draw(st.booleans())
    kw = draw(rates(moderate))
    d = draw(st.integers(1, 3))
    B = draw(st.sampled_from((None, 3)))
    kw["a"] = draw(reals(moderate)) if B is None else draw(vectors(B, moderate))
    kw["w"] = draw(matrices((d,) if B is None else (B, d), moderate))
    return kw, moderate


def check_delta_of(result, kw):
    shape = batch_shape(np.shape(kw["a"]), np.shape(kw["w"])[:-1])
    assert_shape(result, shape)
    if not shape:
        assert isinstance(result, float)
    assert_finite(result)


@st.composite
def implicit_bias_calls(draw):
    """Data of any rank (duplicate and zero rows, ``X = 0``), ``y`` in range(X) (``y = 0`` included)."""
    moderate = draw(st.booleans())
    kw = draw(rates(moderate))
    n, d = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    X = draw(matrices((n, d), moderate))
    if draw(st.integers(0, 3)) == 0 and n > 1:
        X[-1] = X[0] if draw(st.booleans()) else 0.0
    if draw(st.integers(0, 5)) == 0:
        X = np.zeros((n, d))
    beta = draw(vectors(d, moderate))
    with np.errstate(all="ignore"):  # extreme X, beta: an infinite y is a bad input the call must reject
        y = X @ beta if draw(st.integers(0, 3)) else np.zeros(n)
    kw.update(X=X, y=y, a0=draw(reals(moderate)), w0=draw(vectors(d, moderate)))
    if kw["a0"] == 0 and not np.any(kw["w0"]):
        kw["a0"] = 1.0  # a0 = 0, w0 = 0 is a fixed point (documented ValueError)
    return kw, moderate and is_moderate(y)


def check_implicit_bias(res, kw):
    d = np.shape(kw["w0"])[0]
    for name in ("beta", "w_inf", "psi"):
        assert_shape(getattr(res, name), (d,), name)
    assert res.sign in (-1, 0, 1)
    assert_finite(res)


@st.composite
def basin_calls(draw):
    kw, moderate = draw(problem())
    bs = np.asarray(kw["beta_star"])
    kw["beta_star"] = bs if bs.ndim == 1 else bs[0]
    if not np.any(kw["beta_star"]):
        kw["beta_star"] = np.ones_like(kw["beta_star"])  # beta_star = 0: documented ValueError
    return kw, moderate


def check_basin(res, kw):
    batch = batch_shape(np.shape(kw["a0"]), np.shape(kw["w0"])[:-1])
    d = np.shape(kw["beta_star"])[0]
    for name in ("sign", "a_inf", "A", "delta"):
        assert_shape(getattr(res, name), batch, name)
    assert_shape(res.w_inf, batch + (d,), "w_inf")
    assert set(np.ravel(res.sign)) <= {-1, 0, 1}
    assert_finite(res)


def check_Phi(result, kw):
    beta = np.asarray(kw["beta"])
    shape = batch_shape(beta.shape[:-1], np.shape(kw["delta"]))
    assert_shape(result, shape)
    assert_finite(result)


def check_grad_Phi(result, kw):
    beta = np.asarray(kw["beta"])
    assert_shape(result, batch_shape(beta.shape[:-1], np.shape(kw["delta"])) + beta.shape[-1:])
    assert_finite(result)


SPECS = (
    Spec(sn.trajectory, trajectory_calls(), check_trajectory),
    Spec(sn.observables, trajectory_calls(observables=True), check_observables),
    Spec(sn.solution_kernels, solution_kernel_calls(), check_solution_kernels),
    Spec(sn.M_matrix, beta_delta(), check_M),
    Spec(sn.ntk, ntk_calls(), check_ntk),
    Spec(sn.delta_of, delta_of_calls(), check_delta_of),
    Spec(sn.implicit_bias, implicit_bias_calls(), check_implicit_bias, expected=(r"y must lie in range\(X\)",),
         documented=((RuntimeError, r"the sign of a_inf was not settled"),)),
    Spec(sn.basin, basin_calls(), check_basin),
    Spec(sn.Phi_delta, beta_delta(), check_Phi),
    Spec(sn.grad_Phi_delta, beta_delta(), check_grad_Phi),
)

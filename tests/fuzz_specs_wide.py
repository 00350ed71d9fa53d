"""Fuzz specs of :mod:`symrich.wide_linear`: valid calls in the three regimes lambda < 0, = 0, > 0, and their checks."""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from symrich import wide_linear as wl
from tests.fuzz_specs import Spec, assert_finite, assert_shape, batch_shape, rates, shaped
from tests.fuzz_strategies import is_moderate, matrices, positive_reals, reals


@st.composite
def widths(draw):
    return draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))


@st.composite
def layers(draw, moderate):
    """``(W, A)`` of shapes (h, d), (h, c) with the given widths."""
    d, h, c = draw(widths())
    return draw(matrices((h, d), moderate)), draw(matrices((h, c), moderate))


@st.composite
def delta_calls(draw):
    moderate = draw(st.booleans())
    kw = draw(rates(moderate))
    kw["W"], kw["A"] = draw(layers(moderate))
    return kw, moderate


check_Delta = shaped(lambda kw: (np.shape(kw["W"])[0],) * 2)


@st.composite
def flow_calls(draw):
    kw, moderate = draw(delta_calls())
    (h, d), c = np.shape(kw["W"]), np.shape(kw["A"])[1]
    n = draw(st.integers(1, 3))
    kw["X"] = draw(matrices((n, d), moderate))
    kw["Y"] = draw(matrices((n, c), moderate)) if c > 1 or draw(st.booleans()) else draw(matrices((n,), moderate))
    return kw, moderate


check_flow = shaped(lambda kw: np.shape(kw["W"]), lambda kw: np.shape(kw["A"]))


@st.composite
def beta_flow_calls(draw):
    moderate = draw(st.booleans())
    kw = draw(rates(moderate))
    d, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kw["beta"] = draw(matrices((d, c), moderate))
    kw["G"] = draw(matrices((d, c), moderate))
    kw["delta"] = draw(reals(moderate))
    return kw, moderate


def check_beta_flow(result, kw):
    assert_shape(result, np.shape(kw["beta"]))
    assert_finite(result)


@st.composite
def sv_calls(draw):
    """``(t, sigma0, s, delta)``: scalars or a short array for each, sigma0 and s >= 0."""
    moderate = draw(st.booleans())
    kw = draw(rates(moderate))
    size = draw(st.sampled_from((None, 3)))

    def value(nonnegative=False):
        v = draw(reals(moderate)) if size is None or draw(st.booleans()) else draw(matrices((size,), moderate))
        return np.abs(v) if nonnegative else v

    kw.update(t=value(True), sigma0=value(True), s=value(True), delta=value())
    if draw(st.booleans()):
        kw["t"] = draw(st.sampled_from((0.0, 1e-300, 1.0, 1e6, 1e300)))
    return kw, moderate and all(is_moderate(kw[k]) for k in ("sigma0", "s", "delta"))


def check_sv(result, kw):
    shape = batch_shape(*(np.shape(kw[k]) for k in ("t", "sigma0", "s", "delta")))
    assert_shape(result, shape)
    assert_finite(result)
    s0, s = np.broadcast_to(kw["sigma0"], shape), np.broadcast_to(kw["s"], shape)
    lo, hi = np.minimum(s0, s), np.maximum(s0, s)
    assert np.all((result >= lo * (1 - 1e-12)) & (result <= hi * (1 + 1e-12))), "sigma(t) leaves [sigma0, s]"


@st.composite
def time_calls(draw):
    kw, moderate = draw(sv_calls())
    del kw["t"]
    frac = draw(st.sampled_from((0.0, 0.5, 0.999, 1e-300)))
    s0, s = np.asarray(kw["sigma0"]), np.asarray(kw["s"])
    kw["sigma"] = s0 + frac * (s - s0)
    return kw, moderate


def check_time(result, kw):
    shape = batch_shape(*(np.shape(kw[k]) for k in ("sigma", "sigma0", "s", "delta")))
    assert_shape(result, shape)
    assert_finite(result)
    assert np.all(result >= 0), "a negative time"


@st.composite
def q_calls(draw):
    moderate = draw(st.booleans())
    delta = draw(reals(moderate).filter(lambda v: v != 0))
    kw = {"x": draw(reals(moderate)), "delta": delta, "eta": draw(st.one_of(st.just(1.0), positive_reals(moderate)))}
    if draw(st.booleans()):
        kw["x"] = draw(matrices((3,), moderate))
    return kw, moderate


def check_q(result, kw):
    assert_shape(result, batch_shape(np.shape(kw["x"]), np.shape(kw["delta"])))
    assert_finite(result)


@st.composite
def balanced_calls(draw, name="delta"):
    """Widths and a sign of ``delta`` that admit a balanced network (``h <= c`` for > 0, ``h <= d`` for < 0)."""
    moderate = draw(st.booleans())
    kw = draw(rates(moderate))
    d, h, c = draw(widths())
    value = draw(reals(moderate))
    if value > 0:
        h = c if name == "delta" else min(h, c)
    elif value < 0:
        h = d if name == "delta" else min(h, d)
    kw.update(d=d, h=h, c=c, rng=np.random.default_rng(draw(st.integers(0, 2**32 - 1))))
    kw[name] = value
    kw["scale"] = draw(st.one_of(st.just(1.0), positive_reals(moderate)))
    return kw, moderate


check_balanced_init = shaped(lambda kw: (kw["h"], kw["d"]), lambda kw: (kw["h"], kw["c"]))


@st.composite
def balanced_layers_calls(draw):
    kw, moderate = draw(balanced_calls("lam"))
    if draw(st.integers(0, 7)) == 0:
        kw["backend"] = "mpmath"
    return kw, moderate


check_balanced_layers = shaped(lambda kw: (kw["h"], kw["d"]), lambda kw: (kw["c"], kw["h"]))


@st.composite
def layers_of_beta_calls(draw):
    moderate = draw(st.booleans())
    kw = draw(rates(moderate))
    c, d = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kw["beta0"] = draw(matrices((c, d), moderate))
    kw["lam"] = draw(reals(moderate))
    return kw, moderate


check_layers_of_beta = shaped(lambda kw: np.shape(kw["beta0"]), lambda kw: (np.shape(kw["beta0"])[0],) * 2)


@st.composite
def ntk_calls(draw):
    kw, moderate = draw(delta_calls())
    kw["X"] = draw(matrices((draw(st.integers(1, 3)), np.shape(kw["W"])[1]), moderate))
    return kw, moderate


def check_ntk(result, kw):
    nc = np.shape(kw["X"])[0] * np.shape(kw["A"])[1]
    assert_shape(result, (nc, nc))
    assert_finite(result)


@st.composite
def gram_calls(draw):
    kw, moderate = draw(ntk_calls())
    W, A = kw.pop("W"), kw.pop("A")
    with np.errstate(all="ignore"):  # extreme layers: an infinite Gram matrix is a bad input the call must reject
        kw.update(W1TW1=W.T @ W, W2W2T=A.T @ A)
    return kw, moderate


def check_grams(result, kw):
    W2W2T = np.asarray(kw["W2W2T"])
    nc = np.shape(kw["X"])[0] * W2W2T.shape[-1]
    assert_shape(result, batch_shape(np.shape(kw["W1TW1"])[:-2], W2W2T.shape[:-2]) + (nc, nc))
    assert_finite(result)


@st.composite
def wide_trajectory_calls(draw):
    """Balanced layers (batched sometimes), ``S`` of any rank, times up to 1e300."""
    moderate = draw(st.booleans())
    kw, _ = draw(balanced_calls("lam"))
    d, h, c = kw["d"], kw["h"], kw["c"]
    scale = kw["scale"] if not moderate else 1.0
    n = draw(st.integers(1, 2))
    try:
        pairs = [wl.balanced_layers(d, h, c, kw["lam"], kw["rng"], kw["eta_a"], kw["eta_w"], scale=scale)
                 for _ in range(n)]
    except ValueError as exc:
        # no float64 layers (balanced_layers' own spec checks this error): the same widths and sign of lam at unit
        # scale and rates instead, so that no example is dropped
        assert "outside the supported range" in str(exc), exc
        kw.update(lam=float(np.sign(kw["lam"])), eta_a=1.0, eta_w=1.0, scale=1.0)
        pairs = [wl.balanced_layers(d, h, c, kw["lam"], kw["rng"]) for _ in range(n)]
    W1, W2 = (np.stack(p) for p in zip(*pairs)) if len(pairs) > 1 else pairs[0]
    out = {"t": draw(st.one_of(st.sampled_from((0.0, 1.0, 1e6, 1e300)),
                               st.lists(st.floats(0.0, 20.0), min_size=1, max_size=3))),
           "W1_0": W1, "W2_0": W2, "S": draw(matrices((c, d), moderate)), "eta_a": kw["eta_a"], "eta_w": kw["eta_w"]}
    if draw(st.integers(0, 7)) == 0:
        out["layers"] = False
    return out, moderate and is_moderate([kw["lam"], kw["eta_a"], kw["eta_w"], kw["scale"]])


def check_wide_trajectory(sol, kw):
    W1, S = np.asarray(kw["W1_0"]), np.asarray(kw["S"])
    batch, (h, d), c = batch_shape(W1.shape[:-2], np.shape(kw["W2_0"])[:-2]), W1.shape[-2:], S.shape[0]
    lead = batch + np.shape(kw["t"])
    for name, shape in (("beta", (c, d)), ("W1TW1", (d, d)), ("W2W2T", (c, c))):
        assert_shape(getattr(sol, name), lead + shape, name)
    if kw.get("layers", True):
        assert_shape(sol.W1, lead + (h, d), "W1")
        assert_shape(sol.W2, lead + (c, h), "W2")
    assert_finite(sol)


@st.composite
def wide_solutions(draw):
    """A :class:`~symrich.wide_linear.WideTrajectory` of a valid call (those out of range of float64 are dropped)."""
    kw, moderate = draw(wide_trajectory_calls())
    try:
        return wl.trajectory(**kw), moderate
    except ValueError:  # out of range of trajectory (its own spec checks the message)
        assume(False)


@st.composite
def wide_ntk_calls(draw):
    sol, moderate = draw(wide_solutions())
    return {"self": sol, "X": draw(matrices((draw(st.integers(1, 3)), sol.W1TW1.shape[-1]), moderate))}, moderate


def check_wide_ntk(K, kw):
    sol = kw["self"]
    nc = np.shape(kw["X"])[0] * sol.W2W2T.shape[-1]
    assert_shape(K, sol.beta.shape[:-2] + (nc, nc))
    assert_finite(K)


@st.composite
def wide_kd_calls(draw):
    sol, moderate = draw(wide_solutions())
    return {"self": sol}, moderate


def check_wide_kd(S, kw):
    assert_shape(S, kw["self"].beta.shape[:-2])
    assert_finite(S)


@st.composite
def balance_calls(draw):
    kw, moderate = draw(wide_trajectory_calls())
    return {"W1": kw["W1_0"], "W2": kw["W2_0"], "eta_a": kw["eta_a"], "eta_w": kw["eta_w"]}, moderate


def check_balance(lam, kw):
    assert_shape(lam, batch_shape(np.shape(kw["W1"])[:-2], np.shape(kw["W2"])[:-2]))
    assert_finite(lam)


SPECS = (
    Spec(wl.conserved_Delta, delta_calls(), check_Delta),
    Spec(wl.parameter_flow, flow_calls(), check_flow),
    Spec(wl.beta_flow, beta_flow_calls(), check_beta_flow),
    Spec(wl.singular_value_trajectory, sv_calls(), check_sv),
    Spec(wl.time_to_reach, time_calls(), check_time,  # sigma0 = s, and sigma0 = 0 with delta = 0, drawn
         expected=(r"sigma must lie between", r"sigma0 = 0 with delta = 0 is a fixed point")),
    Spec(wl.q_delta, q_calls(), check_q),
    Spec(wl.q_delta_grad, q_calls(), check_q),
    Spec(wl.balanced_init, balanced_calls(), check_balanced_init),
    Spec(wl.balanced_layers, balanced_layers_calls(), check_balanced_layers),
    Spec(wl.layers_of_beta, layers_of_beta_calls(), check_layers_of_beta, expected=(r"beta0 must have rank",)),
    Spec(wl.ntk, ntk_calls(), check_ntk),
    Spec(wl.ntk_from_grams, gram_calls(), check_grams),
    Spec(wl.trajectory, wide_trajectory_calls(), check_wide_trajectory),
    Spec(wl.WideTrajectory.ntk, wide_ntk_calls(), check_wide_ntk),
    Spec(wl.WideTrajectory.kernel_distance, wide_kd_calls(), check_wide_kd, expected=(r"zero kernel",),
         aliases=("W1_0", "W2_0", "W1TW1", "W2W2T")),  # a method without arguments names the trajectory's fields
    Spec(wl.balance, balance_calls(), check_balance),
)

"""The batched (row, time) loop compiler: loop-invariant hoisting, bindings, vector outputs, bad input."""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy.functions.elementary.piecewise import ExprCondPair

from symrich.numeric.codegen import compile_exprs
from symrich.numeric.loops import compile_time_loop, hoist_invariants

t, k, u, v = sp.symbols("t k u v", real=True)
LEAVES = [t, k, u, v, sp.Integer(2), sp.Rational(1, 3)]


@st.composite
def expressions(draw, depth=3):
    """Random expressions of t, k, u, v: sums, products, small powers, exp of a bounded argument, a Piecewise."""
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(LEAVES))
    op = draw(st.sampled_from(["add", "mul", "pow", "exp", "piecewise"]))
    a = draw(expressions(depth - 1))
    if op == "pow":
        return a ** draw(st.integers(2, 3))
    if op == "exp":
        return sp.exp(sp.sin(a))
    b = draw(expressions(depth - 1))
    if op == "add":
        return a + b
    if op == "mul":
        return a * b
    return sp.Piecewise((a, k * t >= sp.Rational(1, 2)), (b, True))


def _values(expr, point):
    return float(sp.N(expr.xreplace(point), 20))


@settings(deadline=None, max_examples=40)
@given(expressions(), st.lists(st.floats(-2, 2), min_size=4, max_size=4))
def test_hoisting_is_a_regrouping(expr, values):
    """Putting the hoisted invariants back gives the original value; nothing left per time is free of t."""
    invariants, lets, (reduced,) = hoist_invariants([expr], t)
    assert lets == []
    point = dict(zip((t, k, u, v), (sp.Float(x) for x in values)))
    back = reduced
    for h, value in reversed(invariants):
        back = back.xreplace({h: value})
    assert _values(back, point) == pytest.approx(_values(expr, point), rel=1e-12, abs=1e-12)
    for h, value in invariants:
        assert t not in value.free_symbols
    # every maximal t-free subtree was replaced: what is left per time has t in each compound piece
    for sub in sp.preorder_traversal(reduced):
        if isinstance(sub, sp.Basic) and not sub.is_Atom and not isinstance(sub, ExprCondPair):
            assert t in sub.free_symbols, sub


def test_bindings_split_into_row_and_time_levels():
    x, y, alpha = sp.symbols("x y alpha")
    inv, lets, (red,) = hoist_invariants([x**2 * y / alpha], t, lets=[(alpha, k**2 + 1), (x, sp.exp(-alpha * t)), (y, sp.exp(-u * t))])
    assert (alpha, k**2 + 1) in inv  # time-free binding: computed once per row under its own name
    assert [s for s, _ in lets] == [x, y]
    assert red.free_symbols <= {x, y} | {h for h, _ in inv}


def _random_rows(rng, B):
    return rng.uniform(0.2, 2.0, size=B), rng.uniform(-2.0, 2.0, size=B)


@pytest.mark.parametrize("parallel", [False, True])
def test_loop_equals_pointwise_numpy_kernel(parallel):
    """The fused loop with bindings and a vector output against compile_exprs evaluated pointwise."""
    x, y = sp.symbols("x y", positive=True)
    lets = [(x, sp.exp(-k * t)), (y, sp.exp(-2 * k * t))]
    exprs = [u * x + y**2 / k, sp.Piecewise(((1 - x) / k, k * t >= sp.Rational(1, 2)), (t * (1 - k * t / 2), True)), sp.sqrt(k) * y]
    loop = compile_time_loop(exprs, t, (k, u), lets=lets, combine=((1, 2),), name="test_loop", parallel=parallel)
    full = [e.xreplace({y: lets[1][1]}).xreplace({x: lets[0][1]}) for e in exprs]
    ref = compile_exprs(full, (t, k, u), backend="numpy")
    rng = np.random.default_rng(3)
    kk, uu = _random_rows(rng, 7)
    V, W = rng.normal(size=(7, 4)), rng.normal(size=(7, 4))
    tt = np.linspace(0.0, 3.0, 11)
    first, vec = loop(tt, kk, uu, V, W)
    r0, r1, r2 = (np.broadcast_to(np.asarray(r, dtype=float), (7, 11)) for r in ref(tt[None, :], kk[:, None], uu[:, None]))
    np.testing.assert_allclose(first, r0, rtol=1e-14)
    np.testing.assert_allclose(vec, r1[..., None] * V[:, None, :] + r2[..., None] * W[:, None, :], rtol=1e-13, atol=1e-15)


def test_invariants_are_computed_once_per_row():
    """sqrt(k) and 1/k do not depend on t: they sit before the time loop in the generated code."""
    loop = compile_time_loop([sp.sqrt(k) * sp.exp(-k * t) / k], t, (k,), name="test_hoist")
    row, point = loop.source.split("for j in range(t.shape[0]):")
    assert "sqrt" in row and "sqrt" not in point
    assert point.count("vexp(") == 1


def test_scalar_rows_broadcast_and_bad_input():
    loop = compile_time_loop([u * sp.exp(-k * t)], t, (k, u), name="test_bcast")
    (out,) = loop(np.array([0.0, 1.0]), np.array([1.0, 2.0]), 3.0)
    np.testing.assert_allclose(out, 3.0 * np.exp(-np.outer([1.0, 2.0], [0.0, 1.0])))
    with pytest.raises(TypeError, match="expected t, 2 row arguments"):
        loop(np.array([0.0]), 1.0)
    with pytest.raises(ValueError, match="combine must be pairs"):
        compile_time_loop([u * t], t, (k, u), combine=((0, 5),))
    with pytest.raises(ValueError, match="v"):
        compile_time_loop([v * t], t, (k, u))


# --------------------------------------------------------------------------
# symrich.numeric.vecmath: the branch-free exp and phi1 used by the vectorised loops


def _vec(fn):
    import numba

    from symrich.numeric.vecmath import jitted

    fn = jitted(fn)

    @numba.njit
    def apply(xs):
        out = np.empty_like(xs)
        for i in range(xs.size):
            out[i] = fn(xs[i])
        return out

    return apply


def _ulps(got, exact):
    exact = float(exact)
    return abs(got - exact) / np.spacing(abs(exact))


def test_vecmath_exp_within_1_1_ulp_of_30_digits():
    import mpmath

    from symrich.numeric.vecmath import exp

    rng = np.random.default_rng(5)
    xs = np.concatenate([rng.uniform(-708.0, 709.0, 1500), rng.uniform(-1.0, 1.0, 500), [0.0, -0.5 * np.log(2), 1e-300]])
    got = _vec(exp)(xs)
    with mpmath.workdps(30):
        worst = max(_ulps(g, mpmath.exp(mpmath.mpf(x))) for g, x in zip(got, xs))
    assert worst <= 1.1
    edge = _vec(exp)(np.array([-745.2, -800.0, -1e300, -np.inf, 709.8, 800.0, np.inf, np.nan]))
    assert edge[:4].tolist() == [0.0, 0.0, 0.0, 0.0] and np.all(np.isposinf(edge[4:7])) and np.isnan(edge[7])
    sub = _vec(exp)(np.array([-740.0]))[0]  # a subnormal result, exact to the last representable bit
    assert sub == float(mpmath.exp(-740))


def test_vecmath_phi1_near0_within_1_1_ulp_on_its_range():
    import mpmath

    from symrich.numeric.vecmath import phi1_near0

    rng = np.random.default_rng(6)
    zs = np.concatenate([rng.uniform(-0.5, 0.5, 2000), [-0.5, 0.5, 0.0, 1e-300, -1e-12]])
    got = _vec(phi1_near0)(zs)
    with mpmath.workdps(30):
        worst = max(_ulps(g, mpmath.expm1(mpmath.mpf(z)) / mpmath.mpf(z) if z != 0 else 1) for g, z in zip(got, zs))
    assert worst <= 1.1


def test_vectorize_flag_changes_only_the_exp_implementation():
    loop_v = compile_time_loop([u * sp.exp(-k * t)], t, (k, u), name="test_v", vectorize=True)
    loop_m = compile_time_loop([u * sp.exp(-k * t)], t, (k, u), name="test_m", vectorize=False)
    assert "vexp(" in loop_v.source and "math.exp(" in loop_m.source
    tt = np.linspace(0.0, 50.0, 101)
    kk = np.linspace(0.1, 3.0, 9)
    np.testing.assert_allclose(loop_v(tt, kk, 2.0)[0], loop_m(tt, kk, 2.0)[0], rtol=4.5e-16, atol=0)

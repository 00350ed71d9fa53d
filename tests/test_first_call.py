"""The fused single-neuron loop in the interpreter and in numba: both against the oracle, and each other.

A small first call of :func:`symrich.single_neuron.trajectory` runs the generated loop in the
interpreter (:class:`symrich.numeric.loops.TimeLoop`); later and larger calls run numba's
compilation of the same source.  Both must meet the accuracy of
``tests/test_single_neuron_solution.py`` against the high-precision oracle in every regime
(upstream, balanced, downstream, the stable manifold of the saddle), agree with each other to
a few ulps, and a fresh interpreter's small first call must not import numba.  Timing is in
``benchmarks/bench_first_call.py``.
"""

import json
import math
import subprocess
import sys
import warnings

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from symrich.numeric import loops
from symrich.numeric.loops import TimeLoop, compile_time_loop
from symrich.numeric.vecmath import exp, jitted, phi1_near0
from symrich.single_neuron import driver
from symrich.single_neuron.kernels import numpy_kernel, trajectory_loops
from tests.test_single_neuron_solution import TIMES, float_err, oracle, well_conditioned

ENGINES = ("python", "numba")
REGIMES = ("upstream", "balanced", "downstream", "saddle")
#: interpreted and compiled loops evaluate the same IEEE operations in the same order
ULPS = 4


def float_trajectory(engine, t, a0, w0, bs, ea=1.0, ew=1.0):
    """``trajectory(..., backend="numpy")`` with the fused loops of ``engine`` (the composition of ``closed_form``)."""
    general, saddle = trajectory_loops(engine=engine)
    solve = driver.branch_solver(numpy_kernel("sn_select"), general, saddle)
    return driver.run_trajectory(solve, numpy_kernel("sn_rows"), t, a0, w0, bs, ea, ew)


def on_saddle_branch(a0, w0, bs, ea, ew):
    """Whether the float kernels put this initialisation on the saddle's stable manifold (``A = 0``, ``kappa > 0``)."""
    pi0, delta = numpy_kernel("sn_rows")(a0, float(w0 @ w0), float(w0 @ bs), float(bs @ bs), ea, ew)
    A, kappa = numpy_kernel("sn_select")(a0, pi0, float(bs @ bs), delta, ea, ew)
    return bool(A == 0 and kappa > 0)


def signed_delta(a0, w0, ea, ew):
    """``delta`` as the float kernel computes it."""
    return float(ew * a0**2 - ea * float(w0 @ w0))


_entry = st.floats(-2, 2, allow_nan=False).map(lambda v: v if abs(v) >= 1e-150 else 0.0)


@st.composite
def regime_problems(draw, regime):
    """``(a0, w0, beta_star, eta_a, eta_w)`` in ``regime``, by construction (checked in the tests)."""
    d = draw(st.integers(1, 4))
    bs = np.array(draw(st.lists(_entry, min_size=d, max_size=d)))
    if regime == "saddle":
        if d > 1 and draw(st.booleans()):   # a0 = 0 and w0 orthogonal to beta_star: a fixed point on the manifold
            k = draw(st.integers(0, d - 1))
            bs, w0 = np.zeros(d), np.zeros(d)
            bs[k] = draw(st.floats(0.1, 2.0))
            w0[(k + 1) % d] = draw(st.floats(0.1, 2.0))
            return 0.0, w0, bs, draw(st.floats(0.1, 10)), draw(st.floats(0.1, 10))
        # d = 1, delta = 0 exactly and w0 = -a0 / 2^k against beta_star = 2^j > 0 (eta_a = 4^k, eta_w = 1): U = 0,
        # and A = 0 in float arithmetic too (s^2 and Lam = 2^(k+j+1) exact)
        k = draw(st.integers(0, 2))
        a0 = draw(st.floats(0.1, 2.0)) * draw(st.sampled_from([1.0, -1.0]))
        return a0, np.array([-a0 / 2**k]), np.array([2.0 ** draw(st.integers(-2, 1))]), 4.0**k, 1.0
    w0 = np.array(draw(st.lists(_entry, min_size=d, max_size=d)))
    w0[draw(st.integers(0, d - 1))] = draw(st.floats(0.1, 2.0)) * draw(st.sampled_from([1.0, -1.0]))  # w0 != 0
    sign = draw(st.sampled_from([1.0, -1.0]))
    if regime == "balanced":                # one nonzero entry of w0 equal to +-a0, equal rates: delta = 0 exactly
        eta = draw(st.floats(0.1, 10))
        a0 = sign * draw(st.floats(0.05, 2.0))
        w0 = np.zeros(d)
        w0[draw(st.integers(0, d - 1))] = a0 * draw(st.sampled_from([1.0, -1.0]))
        return a0, w0, bs, eta, eta
    eta_a, eta_w = draw(st.floats(0.1, 10)), draw(st.floats(0.1, 10))
    target = (draw(st.floats(0.1, 4)) if regime == "upstream"
              else -draw(st.floats(0.05, 1.0)) * eta_a * float(w0 @ w0))
    a0 = sign * math.sqrt(max(target + eta_a * float(w0 @ w0), 0.0) / eta_w)
    return (a0 if abs(a0) >= 1e-150 else 0.0), w0, bs, eta_a, eta_w


def regime_of(problem):
    """``"saddle"`` on the saddle's stable manifold, else by the sign of ``delta``: upstream, balanced, downstream."""
    a0, w0, bs, ea, ew = problem
    if on_saddle_branch(*problem):
        return "saddle"
    delta = signed_delta(a0, w0, ea, ew)
    return "upstream" if delta > 0 else "balanced" if delta == 0 else "downstream"


def check_regime(regime, problem):
    """In a hypothesis test: ``problem`` is in ``regime`` (a rare draw on the saddle's manifold is rejected)."""
    kind = regime_of(problem)
    assume(kind == regime or regime == "saddle")
    assert kind == regime


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("regime", REGIMES)
def test_interpreted_and_compiled_loops_match_oracle(regime, engine):
    @settings(deadline=None, max_examples=8)
    @given(regime_problems(regime), TIMES)
    def check(problem, times):
        check_regime(regime, problem)
        assume(regime == "saddle" or well_conditioned(problem, times))
        a0, w0, bs, ea, ew = problem
        a_ref, w_ref = oracle(times, a0, w0, bs, ea, ew)
        a, w = float_trajectory(engine, times, a0, w0, bs, ea, ew)
        assert a.dtype == np.float64
        assert float_err(a, a_ref) < 1e-12
        assert float_err(w, w_ref) < 1e-12

    check()


def ulps_apart(x, y):
    """The largest ``|x - y|`` in units of the last place of the larger of the two (0 where both are equal)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    assert x.shape == y.shape and np.all(np.isfinite(x)) and np.all(np.isfinite(y))
    return float(np.max(np.abs(x - y) / np.spacing(np.maximum(np.abs(x), np.abs(y)))))


#: times from 0 to 1e6 (the range of the overflow-free form), in no particular order
LONG_TIMES = st.lists(st.one_of(st.just(0.0), st.floats(0.0, 30.0), st.floats(30.0, 1e6)), min_size=1, max_size=8)


@pytest.mark.parametrize("regime", REGIMES)
def test_interpreted_and_compiled_loops_agree_to_a_few_ulps(regime):
    @settings(deadline=None, max_examples=15)
    @given(regime_problems(regime), LONG_TIMES)
    def check(problem, times):
        check_regime(regime, problem)
        a_py, w_py = float_trajectory("python", times, *problem)
        a_nb, w_nb = float_trajectory("numba", times, *problem)
        assert ulps_apart(a_py, a_nb) <= ULPS
        assert ulps_apart(w_py, w_nb) <= ULPS

    check()


def test_python_helpers_equal_their_numba_versions():
    rng = np.random.default_rng(7)
    xs = np.concatenate([rng.uniform(-745.0, 709.0, 300), [-800.0, 800.0, 0.0, -0.5 * np.log(2)]])
    zs = np.concatenate([rng.uniform(-0.5, 0.5, 300), [0.0, 0.5, -0.5]])
    with np.errstate(over="ignore"):
        assert [float(exp(x)) for x in xs] == [jitted(exp)(x) for x in xs]
    assert [float(phi1_near0(z)) for z in zs] == [jitted(phi1_near0)(z) for z in zs]


def test_engine_choice_is_checked():
    loop = trajectory_loops()[0]
    with pytest.raises(ValueError, match="engine must be"):
        TimeLoop(loop.func, cache=True, engine="jit")
    with pytest.raises(ValueError, match="parallel loop runs in numba only"):
        trajectory_loops(True, "python")


def test_what_python_refuses_goes_to_numba(monkeypatch):
    # math.sqrt(-1) raises in Python; numba's error model gives NaN (as numpy would): the call is rerun there
    monkeypatch.setattr(loops, "INTERPRETED_VALUES", 10**12)   # whatever earlier tests interpreted
    t, k = sp.symbols("t k")
    loop = compile_time_loop([sp.sqrt(k) * t], t, (k,), name="test_sqrt_refused")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = loop(np.array([1.0, 2.0]), np.array([4.0, -1.0]))[0]
    assert y[0].tolist() == [2.0, 4.0] and np.all(np.isnan(y[1]))
    with pytest.raises(ValueError, match="math domain error"):
        TimeLoop(loop.func, cache=False, engine="python")(np.array([1.0]), -1.0)


#: one small call per regime: (t, a0, w0, beta_star)
CASES = {"upstream": ([0.0, 0.5, 30.0], 1.2, [0.3, -0.2], [1.0, 0.5]),
         "balanced": ([0.0, 1.0, 20.0], 0.7, [0.0, -0.7], [0.4, 1.0]),
         "downstream": ([0.0, 2.0, 1e6], 0.1, [1.0, 0.5], [-0.3, 0.2]),
         "saddle": ([0.0, 1.0, 10.0], 1.0, [-1.0], [1.0])}

_FRESH = """
import json, sys
import numpy as np
from symrich.single_neuron import trajectory
small = {{name: [x.tolist() for x in trajectory(*case)] for name, case in json.loads({cases!r}).items()}}
after_small = "numba" in sys.modules
big = trajectory(np.linspace(0.0, 10.0, {T}), np.linspace(-1.0, 1.0, 20), [0.3, -0.2], [1.0, 0.5])
print(json.dumps({{"small": small, "numba_after_small": after_small, "numba_after_big": "numba" in sys.modules}}))
"""


def test_a_fresh_interpreter_runs_small_first_calls_without_numba():
    for name, (t, a0, w0, bs) in CASES.items():   # the cases are in their regimes
        assert regime_of((a0, np.array(w0), np.array(bs), 1.0, 1.0)) == name
    T = loops.INTERPRETED_VALUES // (20 * 3) + 1   # B = 20 rows, d = 2: one call over the budget
    script = _FRESH.format(cases=json.dumps(CASES), T=T)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    assert res["numba_after_small"] is False      # every regime, the saddle's loop included, ran in the interpreter
    assert res["numba_after_big"] is True         # a call over the budget runs in numba
    for name, (t, a0, w0, bs) in CASES.items():
        a, w = float_trajectory("numba", t, a0, np.array(w0), np.array(bs))
        assert ulps_apart(res["small"][name][0], a) <= ULPS and ulps_apart(res["small"][name][1], w) <= ULPS

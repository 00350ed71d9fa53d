"""symrich.testing: flow claims, function-space and data-dependent claims, convergence verdicts."""

import math
import re

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import strategies as st

import symrich.testing as srt
from symrich.testing.convergence import classify_settling
from symrich.testing.flowclaims import derived_velocity, exact_velocity

# ---------------------------------------------------------------------------
# Flow claims
# ---------------------------------------------------------------------------


def gradient_by_hand(p, eta, data):
    """The single neuron's flow written out: a' = -eta_a w^T g, w' = -eta_w a g, g = X^T (X a w - y)."""
    g = data.X.T @ (data.X @ (p["a"] * p["w"]) - data.y)
    return {"a": -eta["a"] * p["w"] @ g, "w": -eta["w"] * p["a"] * g}


def beta_delta(p, eta):
    return {"beta": p["a"] * p["w"], "delta": eta["w"] * p["a"] ** 2 - eta["a"] * p["w"] @ p["w"]}


def M_flow(sign=1, sqrt=mpmath.sqrt, eye=np.eye):
    """beta' = -M g, M = (delta + Lam)/2 I + 2 eta_a eta_w/(delta + Lam) beta beta^T (sign=-1: delta flipped)."""

    def claimed(z, eta, data):
        beta, delta = z["beta"], sign * z["delta"]
        lam = sqrt(delta ** 2 + 4 * eta["a"] * eta["w"] * beta @ beta)
        # delta + Lambda, without cancellation for delta < 0 (a near 0): 4 eta_a eta_w |beta|^2 / (Lambda - delta)
        s = delta + lam if delta >= 0 else 4 * eta["a"] * eta["w"] * beta @ beta / (lam - delta)
        M = s / 2 * eye(len(beta)) + 2 * eta["a"] * eta["w"] / s * np.outer(beta, beta)
        return {"beta": -M @ (data.X.T @ (data.X @ beta - data.y)), "delta": 0}

    return claimed


def sympy_eye(n):
    return np.array(sympy.eye(n).tolist(), dtype=object)


def test_flow_claim_in_parameters_agrees_to_the_oracle_precision():
    report = srt.assert_flow(gradient_by_hand, srt.single_neuron(3), regime=srt.any_regime())
    assert report.worst_digits >= 29 and len(report.per_regime) == len(srt.REGIMES)


def test_flow_claim_along_the_trajectory():
    report = srt.assert_flow(gradient_by_hand, srt.single_neuron(2), times=(0.0, 0.7), max_examples=4)
    assert report.worst_digits >= 28


def test_function_space_flow_claim_true_and_false():
    model = srt.single_neuron(2)
    report = srt.assert_flow(M_flow(), model, coordinates=beta_delta, regime=srt.any_regime())
    assert report.worst_digits >= 27, report
    with pytest.raises(AssertionError, match=r"assert_flow failed .*\n.*upstream"):
        srt.assert_flow(M_flow(sign=-1), model, coordinates=beta_delta, regime=srt.any_regime())


def test_function_space_flow_claim_exactly():
    """exact=True: SymPy decides equality at rational states; the delta-flipped claim is refuted exactly."""
    model = srt.single_neuron(2)
    true_claim = M_flow(sqrt=sympy.sqrt, eye=sympy_eye)
    report = srt.assert_flow(true_claim, model, coordinates=beta_delta, exact=True, regime=srt.upstream(),
                             max_examples=2)
    assert report.worst_digits == 30.0
    with pytest.raises(AssertionError, match="compared exactly"):
        srt.assert_flow(M_flow(sign=-1, sqrt=sympy.sqrt, eye=sympy_eye), model, coordinates=beta_delta, exact=True,
                        regime=srt.upstream(), max_examples=2)


def test_exact_and_numeric_derived_velocities_agree():
    model = srt.single_neuron(2)
    rates = {"a": 1.3, "w": 0.6}
    ex = srt.Example(model, model.initial_parameters(-0.7, rates, 5), rates, srt.make_dataset("gaussian", 3, 2, 1),
                     -0.7, 5)
    numeric = derived_velocity(ex, ex.params, "beta", dps=30)
    exact, _, _, _ = exact_velocity(ex, ex.params, "beta")
    with mpmath.workdps(40):
        for u, v in zip(numeric, exact):
            assert srt.digits_of_agreement(u, mpmath.mpf(str(sympy.N(v, 40))), cap=30) >= 29


def test_beta_of_the_wide_network_is_W_transpose_A():
    model = srt.wide_linear(2, 3, 2)
    rates = {"W": 1.0, "A": 1.0}
    p = model.initial_parameters(None, rates, 0)
    ex = srt.Example(model, p, rates, srt.make_dataset("gaussian", 3, 2, 0, c=2), None, 0)
    from symrich.testing.cases import coordinates_of

    beta = coordinates_of(ex, p, "beta")
    assert beta.shape == (2, 2)
    assert srt.digits_of_agreement(beta, p["W"].T @ p["A"]) >= 28


# ---------------------------------------------------------------------------
# Claims in function space and data-dependent claims
# ---------------------------------------------------------------------------


def outside_row_space(vector):
    def quantity(p, eta, data):
        v = vector(p)
        X = data.X
        G = np.array(mpmath.inverse(mpmath.matrix((X @ X.T).tolist())).tolist(), dtype=object)
        return v - X.T @ (G @ (X @ v))

    return quantity


def test_data_dependent_invariants():
    """The part of w outside the row space of X is conserved; the part of beta = a w is not."""
    kw = dict(data=srt.rank_deficient_data(2, 3, rank=2), regime=srt.any_regime(), times=(1.0,))
    report = srt.assert_conserved(outside_row_space(lambda p: p["w"]), srt.single_neuron(3), **kw)
    assert report.worst_digits >= 27
    with pytest.raises(AssertionError, match="digits of agreement"):
        srt.assert_conserved(outside_row_space(lambda p: p["a"] * p["w"]), srt.single_neuron(3), **kw)


def test_invariant_stated_in_user_coordinates():
    """In coordinates (beta, delta), the claim 'delta is conserved' reads z['delta']."""
    report = srt.assert_conserved(lambda z, eta: z["delta"], srt.single_neuron(2), coordinates=beta_delta,
                                  max_examples=4)
    assert report.worst_digits >= 27
    with pytest.raises(AssertionError):
        srt.assert_conserved(lambda z, eta: z["beta"] @ z["beta"], srt.single_neuron(2), coordinates=beta_delta,
                             max_examples=4)


# ---------------------------------------------------------------------------
# Convergence: a wrong limit versus a time too short
# ---------------------------------------------------------------------------

CONVERGE = dict(observable="beta", data=srt.whitened_data(2, 2), rates=st.just((1.0, 1.0)))


def test_wrong_limit_is_converging_to_something_else():
    with pytest.raises(AssertionError, match="verdict: converging to something else") as info:
        srt.assert_converges_to(lambda ex: 2 * ex.data.beta_star(), srt.single_neuron(2),
                                regime=srt.upstream((0.5, 2.0)), t=30.0, **CONVERGE)
    assert "agrees with the claimed limit to" in str(info.value)


def test_time_too_short_is_not_converged_yet_and_the_estimate_is_enough():
    """Downstream, t = 12 is too short; the message estimates the time needed, and that time suffices."""
    model = srt.single_neuron(2)
    kw = dict(regime=srt.downstream((-2.0, -1.0)), max_examples=1, **CONVERGE)
    with pytest.raises(AssertionError, match="verdict: not converged yet") as info:
        srt.assert_converges_to(lambda ex: ex.data.beta_star(), model, t=12.0, **kw)
    needed = float(re.search(r"the required digits need about t=([\d.e+]+)", str(info.value)).group(1))
    assert 12.0 < needed < 200.0
    report = srt.assert_converges_to(lambda ex: ex.data.beta_star(), model, t=1.2 * needed, **kw)
    assert report.worst_digits >= 6 and "slowest settling rate" in report.note


@pytest.mark.parametrize("values, limit, verdict", [
    ([[1.0], [1.0], [1.0]], [1.0], "reached"),
    ([[2.0], [1.01], [1.0001]], [1.0], "not converged yet"),      # settles towards the claimed limit
    ([[2.0], [1.51], [1.5001]], [1.0], "converging to something else"),
    ([[1.2], [1.2], [1.2]], [1.0], "converging to something else"),  # at rest elsewhere
    ([[0.0], [1.0], [2.0]], [1.0], "not settling"),
    ([[1.2], [1.2 + 1e-29], [1.2]], [1.0], "converging to something else"),   # rounding noise is no motion
    ([[1.2], [1.2], [1.2 + 1e-29]], [1.0], "converging to something else"),
])
def test_settling_verdicts(values, limit, verdict):
    assert classify_settling(values, limit, 6, 40.0).verdict == verdict


def test_verdicts_say_what_was_measured():
    """The words: increments and rate seen on [t/2, t]; at rest means no change at the working precision."""
    from symrich.testing.convergence import _explain

    at_rest = classify_settling([[1.2], [1.2], [1.2 + 1e-29]], [1.0], 6, 40.0)
    assert math.isnan(at_rest.rate) and at_rest.increments == (0.0, 0.0)
    assert _explain(at_rest, 40.0, 30).startswith("converging to something else: x does not change between t=30 and "
                                                  "t=40 at 30 digits, so x(t) = [1.2] is the flow's limit")
    settling = classify_settling([[2.0], [1.01], [1.0001]], [1.0], 6, 40.0)
    words = _explain(settling, 40.0, 30)
    assert words.startswith("not converged yet: at t=20, 30, 40 the increments shrink (0.99, then 0.0099: rate 0.461")
    assert "consistent with it, not a proof" in words and "heads for" not in words
    growing = _explain(classify_settling([[0.0], [1.0], [2.0]], [1.0], 6, 40.0), 40.0, 30)
    assert "the last increment (1) is not smaller than the one before (1)" in growing
    reached = classify_settling([[1.0], [1.0 + 1e-27], [1.0]], [1.0], 6, 40.0, cap=30)
    assert reached.verdict == "reached" and math.isnan(reached.rate)       # no rate read from rounding noise


def test_bad_claim_input_is_a_clear_error():
    with pytest.raises(ValueError, match="coordinates must be None, 'beta' or a callable"):
        srt.assert_conserved(lambda z, eta: z, srt.single_neuron(1), coordinates="gamma", max_examples=1)
    with pytest.raises(ValueError, match="not among the coordinates"):
        srt.assert_flow(lambda z, eta: {"b": 0}, srt.single_neuron(1), coordinates=beta_delta, max_examples=1)
    with pytest.raises(ValueError, match="per-sample pattern"):
        srt.assert_conserved(lambda z, eta: z, srt.two_layer_piecewise(1, 1, [[1, 0]]), coordinates="beta",
                             max_examples=1)
    tanh = srt.Model(params={"a": ()}, d=1, f=lambda p, x: sympy.tanh(p["a"] * x[0]))
    with pytest.raises(ValueError, match="not linear in x"):
        srt.assert_conserved(lambda z, eta: z, tanh, coordinates="beta", max_examples=1)
    with pytest.raises(ValueError, match="observable must be callable or 'beta'"):
        srt.assert_converges_to(lambda ex: 0, srt.single_neuron(1), observable="gamma")

"""symrich.testing: a check passes only on evidence (no NaN, no refused example and no near-miss passes)."""

import mpmath
import numpy as np
import pytest
import sympy

import symrich.testing as srt
from symrich.testing.flowclaims import is_exactly_zero


def delta_single(p, eta):
    return eta["w"] * p["a"] ** 2 - eta["a"] * (p["w"] @ p["w"])


def gradient_by_hand(p, eta, data):
    g = data.X.T @ (data.X @ (p["a"] * p["w"]) - data.y)
    return {"a": -eta["a"] * p["w"] @ g, "w": -eta["w"] * p["a"] * g}


# ---------------------------------------------------------------------------
# 1. NaN and infinity are failures, named where they occur
# ---------------------------------------------------------------------------

NAN, INF = mpmath.nan, mpmath.inf


@pytest.mark.parametrize("bad, word", [(NAN, "NaN"), (INF, "inf"), (-INF, "-inf")])
def test_non_finite_conserved_quantity_fails(bad, word):
    with pytest.raises(AssertionError, match=rf"quantity at t=0 is not finite: {word} \(entry \[1\]\)"):
        srt.assert_conserved(lambda p, eta: [delta_single(p, eta), bad], srt.single_neuron(2), max_examples=2,
                             replay=False)


def test_quantity_turning_nan_along_the_flow_fails():
    def claim(p, eta):      # finite at t = 0 only (a exactly as drawn)
        return delta_single(p, eta) if p["a"] == claim.a0 else NAN

    claim.a0 = None

    def first(p, eta):
        if claim.a0 is None:
            claim.a0 = p["a"]
        return claim(p, eta)

    with pytest.raises(AssertionError, match=r"quantity at t=0.5 is not finite: NaN"):
        srt.assert_conserved(first, srt.single_neuron(1), max_examples=1, shrink=False, replay=False)


@pytest.mark.parametrize("bad", [NAN, INF])
def test_non_finite_claimed_velocity_fails(bad):
    def claim(p, eta, data):
        v = gradient_by_hand(p, eta, data)
        v["w"] = np.array([v["w"][0], bad], dtype=object)
        return v

    with pytest.raises(AssertionError, match=r"claimed velocity at t=0.0 is not finite: .*entry \['w'\]\[1\]"):
        srt.assert_flow(claim, srt.single_neuron(2), max_examples=2, replay=False)


def test_non_finite_exact_claim_fails():
    def claim(p, eta, data):
        v = gradient_by_hand(p, eta, data)
        return {"a": v["a"] + sympy.zoo}

    with pytest.raises(AssertionError, match=r"claimed velocity at t=0.0 is not finite: inf \(entry \['a'\]\)"):
        srt.assert_flow(claim, srt.single_neuron(1), exact=True, max_examples=1, replay=False)


def test_non_finite_closed_form_and_limit_fail():
    with pytest.raises(AssertionError, match=r"closed form at t=1.0 is not finite: NaN \(entry \['a'\]\)"):
        srt.assert_matches_flow(lambda t, ex: {"a": NAN}, srt.single_neuron(1), times=(1.0,), max_examples=1,
                                replay=False)
    with pytest.raises(AssertionError, match=r"predicted limit is not finite: inf \(entry \[0\]\)"):
        srt.assert_converges_to(lambda ex: [INF], srt.single_neuron(1), observable="beta", t=2.0, max_examples=1,
                                replay=False)


def test_non_finite_oracle_coordinates_fail():
    """Coordinates that are infinite along the flow: the oracle side is not finite, and that is a failure."""
    with pytest.raises(AssertionError, match=r"the oracle's coordinates at t=1.0 is not finite: -inf"):
        srt.assert_matches_flow(lambda t, ex: 1, srt.single_neuron(1), coordinates=lambda p, eta: -mpmath.inf,
                                times=(1.0,), max_examples=1, replay=False)


def test_digits_of_agreement_of_non_finite_values_is_minus_infinity():
    assert srt.digits_of_agreement([NAN], [1.0]) == -np.inf
    assert srt.digits_of_agreement([1.0], [INF]) == -np.inf
    assert srt.digits_of_agreement([NAN], [NAN]) == -np.inf


# ---------------------------------------------------------------------------
# 3. exact means exact
# ---------------------------------------------------------------------------


def test_exact_flow_check_refutes_a_difference_of_1e_minus_31():
    tiny = sympy.Rational(1, 10**31)

    def perturbed(p, eta, data):
        v = gradient_by_hand(p, eta, data)
        return {"a": v["a"] + tiny, "w": v["w"]}

    model = srt.single_neuron(2)
    assert srt.assert_flow(gradient_by_hand, model, exact=True, max_examples=2, replay=False).passed
    with pytest.raises(AssertionError, match=r"not equal: entry \['a'\] differs by 1.0e-31"):
        srt.assert_flow(perturbed, model, exact=True, max_examples=2, replay=False)


def test_exact_zero_is_proven_not_estimated():
    assert is_exactly_zero(sympy.sqrt(2) * sympy.sqrt(3) - sympy.sqrt(6)) is True
    assert is_exactly_zero(sympy.sqrt(2) - sympy.Rational(14142135623730950488016887242097, 10**31)) is False
    assert is_exactly_zero(sympy.Rational(-1, 10**40)) is False

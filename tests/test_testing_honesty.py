"""symrich.testing: a check passes only on evidence (no NaN, no refused example and no near-miss passes)."""

import dataclasses
import re

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


# ---------------------------------------------------------------------------
# 2. Refused examples are counted and reported; a regime with none checked fails
# ---------------------------------------------------------------------------


def refusing(refuse):
    """The single neuron (d=1) with an integrator that refuses the examples ``refuse(example)`` picks."""
    plain = srt.single_neuron(1)

    def integrator(example, times, dps):
        if refuse(example):
            raise srt.IntegrationRefused(f"refused a = {float(example.params['a']):.3g}")
        return srt.oracle_trajectory(dataclasses.replace(example, model=plain), times, dps=dps)

    return srt.Model(params=dict(plain.params), d=1, f=plain.f, init=plain.init,
                     sign_change_init=plain.sign_change_init, integrator=integrator, name="refusing neuron")


def test_refused_examples_are_counted_in_the_report_and_the_message():
    model = refusing(lambda ex: ex.params["a"] > 0)
    report = srt.assert_conserved(delta_single, model, regime=srt.any_regime(), max_examples=14, times=(0.5,),
                                  replay=False)
    assert report.n_refused == sum(t.refused for t in report.per_regime) >= 1
    assert all(t.passed == 2 for t in report.per_regime)
    assert re.search(rf"; {report.n_refused} examples? refused by the integrator and not checked "
                     r"\(e.g. refused a = \d", report.summary()), report.summary()
    with pytest.raises(AssertionError, match=r"refused by the integrator, not checked: .*\(e.g. refused a = "):
        srt.assert_conserved(lambda p, eta: p["a"] if abs(p["a"]) < 0.01 else delta_single(p, eta), model,
                             regime=srt.any_regime(), max_examples=14, times=(0.5,), replay=False)


def test_a_regime_with_every_example_refused_fails():
    model = refusing(lambda ex: ex.regime_name == "saddle")
    with pytest.raises(AssertionError, match=r"could not check refusing neuron in saddle: the integrator refused "
                                             r"every example drawn there\n.*saddle 40 .*\n  passed: upstream \(1\)"):
        srt.assert_conserved(delta_single, model, regime=srt.any_regime(), max_examples=7, times=(0.5,),
                             replay=False)
    with pytest.raises(AssertionError,
                       match=r"could not check refusing neuron in generic: .*\n.*generic 40 .*\n  passed: none"):
        srt.assert_conserved(delta_single, refusing(lambda ex: True), max_examples=3, times=(0.5,), replay=False)


# ---------------------------------------------------------------------------
# 7. A regime the model cannot draw: an error before running, or "not applicable" under any_regime
# ---------------------------------------------------------------------------


def test_a_requested_regime_the_model_cannot_draw_is_an_error_before_running():
    calls = []

    def quantity(p, eta):
        calls.append(1)
        return p["W"]

    with pytest.raises(srt.RegimeNotSupported, match=r"assert_conserved: the requested regime cannot be drawn for "
                                                     r"wide linear \(d=2, h=3, c=1\): .*delta = \d"):
        srt.assert_conserved(quantity, srt.wide_linear(2, 3, 1), regime=srt.upstream())
    user = srt.Model(params={"a": ()}, d=1, f=lambda p, x: p["a"] * x[0], name="scalar")
    with pytest.raises(ValueError, match="scalar has no init function"):
        srt.assert_conserved(quantity, user, regime=srt.balanced())
    assert calls == []


def test_strata_the_model_cannot_draw_are_reported_not_applicable():
    model = srt.wide_linear(3, 2, 1)            # h > c: no delta > 0
    Delta = lambda p, eta: eta["W"] * (p["A"] @ p["A"].T) - eta["A"] * (p["W"] @ p["W"].T)    # noqa: E731
    report = srt.assert_conserved(Delta, model, regime=srt.any_regime(), max_examples=4, times=(0.5,))
    absent = dict(report.not_applicable)
    assert sorted(absent)[:3] == ["near-balanced (delta > 0)", "sign change of a", "upstream"], absent
    assert absent.get("saddle", "some draws: cannot build").startswith("some draws: cannot build"), absent
    assert list(report.regime_counts()) == ["balanced", "downstream", "near-balanced (delta < 0)", "saddle"]
    assert "upstream: not applicable (cannot build an initialisation" in report.summary()


# ---------------------------------------------------------------------------
# 5. A long check says what it is doing
# ---------------------------------------------------------------------------


def test_a_long_check_shows_its_progress(monkeypatch, capsys):
    monkeypatch.setattr("symrich.testing.runner.PROGRESS_DELAY", 0.0)
    srt.assert_conserved(delta_single, srt.single_neuron(1), regime=srt.any_regime(), max_examples=7, times=(0.5,))
    shown = capsys.readouterr().err
    assert "assert_conserved on single neuron (d=1)" in shown and "example" in shown, shown
    with pytest.raises(AssertionError):
        srt.assert_conserved(lambda p, eta: p["a"], srt.single_neuron(1), regime=srt.any_regime(), max_examples=7,
                             times=(0.5,))
    assert "after the failure" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# 8. Bad arguments to the checks name the argument, before anything runs
# ---------------------------------------------------------------------------

NEURON = srt.single_neuron(1)


@pytest.mark.parametrize("call, error, match", [
    (lambda: srt.assert_conserved(lambda p: p["a"], NEURON), TypeError,
     r"quantity is called as quantity\(z, rates\) or quantity\(z, rates, data\), but it takes \(p\)"),
    (lambda: srt.assert_conserved(delta_single, NEURON, shrink="yes"), TypeError, "shrink must be True or False"),
    (lambda: srt.assert_conserved(delta_single, NEURON, replay=None), TypeError, "replay must be True or False"),
    (lambda: srt.assert_conserved(delta_single, NEURON, coordinates=lambda p: p), TypeError,
     r"coordinates is called as phi\(p, rates\)"),
    (lambda: srt.assert_conserved(delta_single, NEURON, coordinates=3), ValueError, "coordinates must be None"),
    (lambda: srt.assert_conserved(delta_single, NEURON, rates=(1.0, 1.0)), ValueError,
     r"rates must be a hypothesis strategy, got tuple \(a fixed value goes in hypothesis.strategies.just"),
    (lambda: srt.assert_conserved(delta_single, NEURON, regime=srt.any_regime), ValueError,
     r"regime must be a hypothesis strategy, got function .*call any_regime\(\)"),
    (lambda: srt.assert_conserved(delta_single, NEURON, max_examples=0), ValueError, "max_examples must be a positive"),
    (lambda: srt.assert_matches_flow(lambda t: {}, NEURON), TypeError, r"closed_form is called as closed_form\(t, "),
    (lambda: srt.assert_flow(gradient_by_hand, NEURON, exact="no"), TypeError, "exact must be True or False"),
    (lambda: srt.assert_flow("claim", NEURON), ValueError, "claimed must be callable"),
    (lambda: srt.assert_converges_to(lambda: 0, NEURON), TypeError, r"limit is called as limit\(example\)"),
    (lambda: srt.assert_converges_to(lambda ex: 0, NEURON, observable=lambda p: p), TypeError,
     r"observable is called as observable\(p, rates\)"),
    (lambda: srt.assert_converges_to(lambda ex: 0, NEURON, t=-1.0), ValueError, "times must be finite, >= 0"),
])
def test_bad_arguments_name_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()

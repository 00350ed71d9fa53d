"""symrich.testing: every regime by construction, drawn from its stated distribution, in every run."""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symrich.testing as srt
from symrich.testing.regimes import SADDLE, SIGN_CHANGE

SIGN_OF_A = (lambda p, eta: mpmath.sign(p["a"]))   # the false claim "a never changes sign"


def delta_single(p, eta):
    return eta["w"] * p["a"] ** 2 - eta["a"] * (p["w"] @ p["w"])


def _draws(strategy, n=200):
    """n values of a strategy (derandomized, no integration involved)."""
    seen = []

    @settings(max_examples=n, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(value):
        seen.append(value)

    collect()
    return seen


@pytest.mark.parametrize("strategy, lo, hi, name", [
    (srt.upstream(), 0.1, 4.0, "upstream"),
    (srt.downstream(), -4.0, -0.1, "downstream"),
    (srt.sign_change(), -4.0, -0.1, SIGN_CHANGE),
])
def test_uniform_regimes_are_uniform_on_their_range(strategy, lo, hi, name):
    regimes = _draws(strategy)
    values = [r.delta for r in regimes]
    assert {r.name for r in regimes} == {name}
    assert all(lo <= v <= hi and v == float(f"{v:.3g}") for v in values)
    # uniform: each quarter of the range holds about a quarter of the draws (binomial sd ~ 0.03)
    quarters = np.histogram(values, bins=4, range=(lo, hi))[0] / len(values)
    assert np.all(np.abs(quarters - 0.25) < 0.12), quarters


def test_near_balanced_is_log_uniform_on_both_sides():
    for side in (1, -1):
        values = [r.delta for r in _draws(srt.near_balanced(side))]
        assert all(1e-6 <= side * v <= 1e-2 for v in values)
        exponents = np.log10([side * v for v in values])
        halves = np.histogram(exponents, bins=2, range=(-6, -2))[0] / len(values)
        assert np.all(np.abs(halves - 0.5) < 0.12), halves


def test_saddle_scales_a_unit_initialisation():
    regimes = _draws(srt.saddle(), 100)
    assert all(1e-5 <= r.scale <= 1e-3 and abs(r.delta) <= 4 * r.scale ** 2 for r in regimes)
    # the initialisation for delta / s^2, times s: every parameter is of order s and delta holds to 40 digits
    model, rates = srt.single_neuron(3), {"a": 1.7, "w": 0.4}
    for r in regimes[:5]:
        p = model.initial_parameters(r, rates, seed=1)
        with mpmath.workdps(45):
            s2 = mpmath.mpf(r.scale) ** 2
            assert srt.digits_of_agreement(delta_single(p, rates) / s2, mpmath.mpf(r.delta) / s2, cap=45) >= 40
        assert max(abs(float(v)) for v in model.flatten(p)) < 10 * r.scale


def test_any_regime_is_stratified_and_the_report_counts_every_regime():
    report = srt.assert_conserved(delta_single, srt.single_neuron(2), regime=srt.any_regime(), times=(0.5,))
    assert list(report.regime_counts()) == list(srt.REGIMES)
    assert all(n == math.ceil(srt.DEFAULT_EXAMPLES / len(srt.REGIMES)) for n in report.regime_counts().values())
    assert report.n_examples == sum(report.regime_counts().values())
    assert all(t.worst_digits >= 27 for t in report.per_regime), report.per_regime
    assert "sign change of a 2" in report.summary()


def test_models_without_a_sign_change_init_skip_that_regime():
    model = srt.wide_linear(2, 1, 2)        # h <= c and h <= d: every delta is feasible

    def Delta(p, eta):
        return eta["W"] * (p["A"] @ p["A"].T) - eta["A"] * (p["W"] @ p["W"].T)

    report = srt.assert_conserved(Delta, model, regime=srt.any_regime(), max_examples=6, times=(0.5,))
    assert list(report.regime_counts()) == [r for r in srt.REGIMES if r != SIGN_CHANGE]


def test_the_sign_change_regime_changes_the_sign_of_a():
    """By construction: a(0) a(t) < 0 at the check times for (nearly) every drawn example, in any regime of rates."""
    model = srt.single_neuron(2)
    crossed = []

    @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(srt.examples(model, regime=srt.sign_change()))
    def record(ex):
        a = [p["a"] for p in srt.oracle_trajectory(ex, [0.0, 0.5, 1.0], dps=20)]
        crossed.append(a[0] * a[1] < 0 and a[0] * a[2] < 0)

    record()
    assert sum(crossed) >= 0.9 * len(crossed), crossed


def test_a_never_changes_sign_is_caught_on_every_run():
    """The false claim fails in 10 of 10 random runs with the default settings (not derandomized)."""
    previous = settings.get_current_profile_name()
    settings.load_profile("dev")
    try:
        caught = 0
        for _ in range(10):
            try:
                srt.assert_conserved(SIGN_OF_A, srt.single_neuron(2), regime=srt.any_regime(), shrink=False,
                                     replay=False)
            except AssertionError as err:
                caught += "sign change of a" in str(err)
    finally:
        settings.load_profile(previous)
    assert caught == 10


def test_regime_none_and_plain_delta_strategies_still_work():
    model = srt.single_neuron(1)
    ex_plain = _draws(srt.examples(model, regime=st.just(-0.5)), 1)[0]
    assert ex_plain.regime_name == "downstream" and ex_plain.delta == -0.5
    assert _draws(srt.examples(model), 1)[0].regime_name == "generic"


def test_example_repr_names_the_regime():
    model = srt.single_neuron(1)
    regime = srt.Regime(SADDLE, 2e-8, scale=1e-4)
    rates = {"a": 1.0, "w": 1.0}
    ex = srt.Example(model, model.initial_parameters(regime, rates, 0), rates, srt.make_dataset("gaussian", 2, 1, 0),
                     regime.delta, 0, regime)
    assert "saddle (delta=2e-08, scale=0.0001)" in repr(ex)


@pytest.mark.parametrize("build, match", [
    (lambda: srt.any_regime((0.1, 1.0)), "low <= -0.02"),
    (lambda: srt.near_balanced(0), "side must be 1 or -1"),
    (lambda: srt.saddle(scale=(0.0, 1e-3)), "0 < low"),
    (lambda: srt.sign_change((-1.0, 0.5)), "must be < 0"),
    (lambda: srt.Regime.of_delta(float("nan")), "finite"),
    (lambda: srt.single_neuron(1).initial_parameters(srt.Regime(SIGN_CHANGE, -1.0), {"a": 1.0, "w": 1.0}, 0),
     "needs the data"),
    (lambda: srt.wide_linear(1, 1, 1).initial_parameters(srt.Regime(SIGN_CHANGE, -1.0), {"W": 1.0, "A": 1.0}, 0),
     "no sign_change_init"),
])
def test_bad_regime_input_is_a_clear_error(build, match):
    with pytest.raises(ValueError, match=match):
        build()

"""symrich.testing beyond polynomial models: ReLU across kinks, smooth activations through auxiliary state."""

import mpmath
import numpy as np
import pytest
import sympy

import symrich.testing as srt
from symrich.testing.cases import flow_parameters
from symrich.testing.flows import IntegrationRefused, evaluate


def deltas(k):
    def quantity(p, eta):
        return [eta["W"] * p["a"][j] ** 2 - eta["a"] * p["W"][j] @ p["W"][j] for j in range(k)]

    return quantity


def two_layer_gradient(sigma, dsigma):
    """The two-layer flow written out: a_k' = -eta_a sum_i r_i s(z_ki), w_k' = -eta_w a_k sum_i r_i s'(z_ki) x_i."""

    def claimed(p, eta, data):
        X, y = data.X, data.y
        Z = p["W"] @ X.T
        S = np.vectorize(sigma, otypes=[object])(Z)
        D = np.vectorize(dsigma, otypes=[object])(Z)
        r = p["a"] @ S - y
        return {"a": -eta["a"] * (S @ r), "W": -eta["W"] * (p["a"][:, None] * (D * r)) @ X}

    return claimed


def example(model, delta, seed, data_seed=0, rates=None):
    rates = rates or {"a": 1.0, "W": 1.0}
    data = srt.make_dataset("gaussian", 3, model.d, data_seed)
    return srt.Example(model, model.initial_parameters(delta, rates, seed), rates, data, delta, seed)


# ---------------------------------------------------------------------------
# ReLU and leaky ReLU: across kinks
# ---------------------------------------------------------------------------


def test_relu_imbalance_is_conserved_across_kinks():
    """delta_k is conserved through activation flips (ReLU is positively homogeneous)."""
    from symrich.piecewise_linear import integrate

    model = srt.two_layer(2, 2, "relu")
    ex = example(model, 2.58, seed=1)          # its pre-activations cross 0 six times before t = 0.5
    sol = integrate([0.0, 0.5], np.asarray(ex.params["a"], float), np.asarray(ex.params["W"], float),
                    ex.data.X.astype(float), ex.data.y.astype(float), "relu", dps=20)
    assert len(sol.events) >= 2
    p0, p1 = srt.oracle_trajectory(ex, [0.0, 0.5], dps=30)
    with mpmath.workdps(30):
        assert srt.digits_of_agreement(deltas(2)(p1, ex.rates), deltas(2)(p0, ex.rates)) >= 28
    report = srt.assert_conserved(deltas(2), model, regime=srt.any_regime(), times=(0.5, 1.0))
    assert report.worst_digits >= 27 and len(report.per_regime) == len(srt.REGIMES)


@pytest.mark.parametrize("activation, slope", [("relu", 0.0), (("leaky_relu", 0.25), 0.25)])
def test_relu_flow_claim_in_every_region(activation, slope):
    model = srt.two_layer(2, 3, activation)
    claimed = two_layer_gradient(lambda z: z if z > 0 else slope * z, lambda z: 1 if z > 0 else slope)
    report = srt.assert_flow(claimed, model, regime=srt.any_regime(), times=(0.0, 0.5), max_examples=7)
    assert report.worst_digits >= 28
    wrong = two_layer_gradient(lambda z: z if z > 0 else slope * z, lambda z: 1)     # forgets the kink in sigma'
    with pytest.raises(AssertionError, match="assert_flow failed"):
        srt.assert_flow(wrong, model, regime=srt.any_regime())


def test_a_dying_relu_neuron_stops_on_the_kink():
    """One ReLU neuron, x = 1, y = -1, a = 1, w = 1/2: w reaches the kink and the neuron dies there.

    On the inactive side sigma = sigma' = 0, so the neuron's velocity is exactly 0: it stays at w = 0, with
    a = sqrt(a0^2 - w0^2) = sqrt(3)/2 (delta = a^2 - w^2 is conserved).  Before that, a = sqrt(w^2 + 3/4) and
    w' = -a (a w + 1), so the kink is reached at T = int_0^(1/2) dw / (a(w) (a(w) w + 1)).
    """
    from symrich.piecewise_linear import integrate
    from symrich.testing.values import mp_array

    model = srt.two_layer(1, 1, "relu")
    data = srt.Dataset(X=mp_array([[1.0]]), Y=mp_array([[-1.0]]))
    ex = srt.Example(model, {"a": mp_array([1.0]), "W": mp_array([[0.5]])}, {"a": 1.0, "W": 1.0}, data, None, 0)
    before, p1, p2 = srt.oracle_trajectory(ex, [0.4, 1.0, 2.0], dps=30)
    sol = integrate([2.0], [1.0], [[0.5]], [[1.0]], [-1.0], "relu", dps=30)
    (death,) = sol.events
    with mpmath.workdps(30):
        a_of = lambda w: mpmath.sqrt(w ** 2 + mpmath.mpf(3) / 4)       # noqa: E731
        T = mpmath.quad(lambda w: 1 / (a_of(w) * (a_of(w) * w + 1)), [0, 0.5])
        assert srt.digits_of_agreement(death.t, T) >= 28 and death.direction == -1
        assert before["W"][0, 0] > 0.04
        for p in (p1, p2):
            assert abs(p["W"][0, 0]) < 1e-28
            assert srt.digits_of_agreement(p["a"][0], mpmath.sqrt(3) / 2) >= 28
    assert sol.patterns[-1].tolist() == [[False]]


def test_sliding_along_a_kink_is_refused_and_counted():
    model = srt.two_layer(2, 2, "relu")
    refused = None
    for seed in range(40):
        try:
            srt.oracle_trajectory(example(model, 2.0 if seed % 2 else -2.0, seed, data_seed=seed), [0.0, 1.0])
        except IntegrationRefused as err:
            refused = str(err)
            break
    assert refused is not None and "slides along the kink" in refused
    report = srt.assert_conserved(deltas(2), model, regime=srt.any_regime(), max_examples=28)
    assert sum(t.refused for t in report.per_regime) >= 1, report.summary()
    assert "refused" in report.summary()


def test_relu_needs_float64_data():
    model = srt.two_layer(2, 1, "relu")
    with pytest.raises(ValueError, match="float64 numbers"):
        srt.assert_conserved(deltas(1), model, data=srt.whitened_data(3, 2), max_examples=1)


def test_kinked_user_model_gets_a_hint_that_applies():
    model = srt.Model(params={"a": (), "w": (2,)}, d=2, f=lambda p, x: p["a"] * sympy.Max(0, (p["w"].T * x)[0, 0]))
    with pytest.raises(ValueError, match=r"has kinks.*two_layer\(d, k, 'relu'\).*piecewise_linear.integrate"):
        srt.assert_conserved(lambda p, eta: p["a"], model, max_examples=1)


def test_unsupported_smooth_function_is_named():
    model = srt.Model(params={"a": ()}, d=1, f=lambda p, x: sympy.sin(p["a"] * x[0]))
    with pytest.raises(ValueError, match=r"contains (sin|cos)\(.*cannot integrate"):
        model.flow(1)


# ---------------------------------------------------------------------------
# Smooth activations: the auxiliary state
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["tanh", "softplus"])
def test_auxiliary_variables_stay_equal_to_their_terms(activation):
    """Along the integrated flow, each auxiliary variable equals the term it stands for (tanh(z), softplus(z), ...)."""
    from symrich.oracle import integrate_flow

    model = srt.two_layer(2, 2, activation)
    ex = example(model, -0.8, seed=3, rates={"a": 1.7, "W": 0.6})
    augmented = model.augmented_flow(3)
    values = flow_parameters(ex)
    args = (*model.state, *augmented.flow.params)
    params = [values[s.name] for s in augmented.flow.params]
    terms = tuple(e for _, e in augmented.auxiliary)
    with mpmath.workdps(50):
        start = model.flatten(ex.params) + evaluate(terms, args, model.flatten(ex.params) + params)
    solution = integrate_flow(augmented.flow, [0.4, 1.0], start, values, dps=30)
    size = len(model.state)
    for row in solution.y:
        with mpmath.workdps(30):
            expected = evaluate(terms, args, list(row[:size]) + params)
        assert srt.digits_of_agreement(list(row[size:]), expected) >= 28


def test_smooth_flow_agrees_with_mpmath_odefun():
    """An independent integrator (mpmath's Taylor ODE solver on the lambdified gradient) at 15 digits."""
    model = srt.two_layer(1, 1, "softplus")
    ex = srt.Example(model, model.initial_parameters(0.5, {"a": 1.3, "W": 0.7}, 2), {"a": 1.3, "W": 0.7},
                     srt.make_dataset("gaussian", 2, 1, 3), 0.5, 2)
    (ours,) = srt.oracle_trajectory(ex, [0.25], dps=30)
    sflow = model.symbolic_flow(2)
    values = flow_parameters(ex)
    args = (*sflow.state, *sflow.params)
    params = [values[s.name] for s in sflow.params]
    with mpmath.workdps(15):
        solution = mpmath.odefun(lambda t, y: evaluate(sflow.rhs, args, [*y, *params]), 0, model.flatten(ex.params))
        theirs = solution(mpmath.mpf("0.25"))
    assert srt.digits_of_agreement(model.flatten(ours), theirs) >= 14


def test_smooth_networks_through_the_checks():
    """A true flow claim for tanh passes; the ReLU conservation law does not carry over to tanh."""
    model = srt.two_layer(2, 2, "tanh")
    claimed = two_layer_gradient(mpmath.tanh, lambda z: 1 - mpmath.tanh(z) ** 2)
    assert srt.assert_flow(claimed, model, regime=srt.any_regime(), times=(0.0, 0.5),
                           max_examples=7).worst_digits >= 28
    with pytest.raises(AssertionError, match="two-layer tanh"):
        srt.assert_conserved(deltas(2), model, max_examples=2, times=(0.5,))


def test_user_model_with_tanh_in_three_lines():
    model = srt.Model(params={"a": (), "w": (2,)}, d=2, f=lambda p, x: p["a"] * sympy.tanh((p["w"].T * x)[0, 0]))

    def by_hand(p, eta, data):
        z = data.X @ p["w"]
        t = np.array([mpmath.tanh(v) for v in z], dtype=object)
        r = p["a"] * t - data.y
        return {"a": -eta["a"] * t @ r, "w": -eta["w"] * p["a"] * data.X.T @ (r * (1 - t * t))}

    assert srt.assert_flow(by_hand, model, max_examples=3, times=(0.0, 1.0)).worst_digits >= 28

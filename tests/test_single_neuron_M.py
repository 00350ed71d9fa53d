"""M and the NTK of the single neuron, compiled from the derived beta-form, against the parameter form."""

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from symrich.single_neuron import M_matrix, delta_of, ntk

rates = st.floats(0.1, 10.0)
scales = st.sampled_from([1e-6, 1e-3, 1.0, 10.0])


def _parameters(d, seed, a_scale, w_scale):
    rng = np.random.default_rng(seed)
    a = a_scale * rng.normal()
    w = w_scale * rng.normal(size=d)
    return a, w


def _rel_err(M, M_true):
    return np.max(np.abs(M - M_true)) / np.max(np.abs(M_true))


@given(d=st.integers(1, 5), seed=st.integers(0, 2**32 - 1), eta_a=rates, eta_w=rates, a_scale=scales, w_scale=scales)
def test_M_beta_form_equals_parameter_form(d, seed, eta_a, eta_w, a_scale, w_scale):
    a, w = _parameters(d, seed, a_scale, w_scale)
    delta = eta_w * a**2 - eta_a * w @ w
    M = M_matrix(a * w, delta, eta_a, eta_w)
    M_true = eta_a * np.outer(w, w) + eta_w * a**2 * np.eye(d)
    assert _rel_err(M, M_true) < 1e-12


@given(d=st.integers(2, 5), seed=st.integers(0, 2**32 - 1), eta_a=rates, eta_w=rates,
       offset=st.floats(-1e-8, 1e-8), tiny=st.sampled_from([1e-8, 1e-4, 1.0]))
@example(d=3, seed=1, eta_a=1.0, eta_w=1.0, offset=0.0, tiny=1e-8)
def test_M_near_balance_and_tiny_beta(d, seed, eta_a, eta_w, offset, tiny):
    """delta within 1e-8 of 0 (both signs), ||beta|| down to 1e-16: no cancellation error."""
    rng = np.random.default_rng(seed)
    w = tiny * rng.normal(size=d)
    a2 = (offset + eta_a * w @ w) / eta_w
    if a2 <= 0:
        a2 = eta_a * w @ w / eta_w
    a = np.sqrt(a2) * rng.choice([-1.0, 1.0])
    delta = eta_w * a**2 - eta_a * w @ w
    M = M_matrix(a * w, delta, eta_a, eta_w)
    M_true = eta_a * np.outer(w, w) + eta_w * a**2 * np.eye(d)
    assert _rel_err(M, M_true) < 1e-12


def test_M_batched_and_broadcast():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 3))
    w = rng.normal(size=(4, 3, 2))
    delta = a**2 - np.sum(w * w, axis=-1)
    M = M_matrix(a[..., None] * w, delta)
    assert M.shape == (4, 3, 2, 2)
    M_true = np.einsum("...i,...j->...ij", w, w) + (a**2)[..., None, None] * np.eye(2)
    assert np.max(np.abs(M - M_true)) < 1e-12


def test_M_at_beta_zero():
    # delta > 0: w = 0, M = eta_w a^2 I = delta I; delta = 0: M = 0
    assert np.allclose(M_matrix([0.0, 0.0], 2.0), 2.0 * np.eye(2))
    assert np.allclose(M_matrix([0.0, 0.0], 0.0), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="beta = 0 when delta < 0"):
        M_matrix([0.0, 0.0], -1.0)


def test_ntk_equals_X_M_XT():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(5, 3))
    a, w = 0.7, rng.normal(size=3)
    K = ntk(X, a * w, delta_of(a, w, 0.5, 2.0), 0.5, 2.0)
    K_true = X @ (0.5 * np.outer(w, w) + 2.0 * a**2 * np.eye(3)) @ X.T
    assert np.max(np.abs(K - K_true)) < 1e-12 * np.max(np.abs(K_true))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: M_matrix([1.0, np.nan], 0.1), "beta contains NaN"),
        (lambda: M_matrix([1.0, 2.0], np.inf), "delta contains NaN"),
        (lambda: M_matrix([1.0, 2.0], 0.1, eta_a=0.0), "eta_a must be a positive"),
        (lambda: M_matrix([1.0, 2.0], 0.1, eta_w=-1.0), "eta_w must be a positive"),
        (lambda: M_matrix(np.ones((3, 2)), np.ones(4)), "does not broadcast"),
        (lambda: M_matrix(1.0, 0.1), r"shape \(\.\.\., d\)"),
        (lambda: ntk(np.ones((4, 3)), [1.0, 2.0], 0.1), "last axis of length d"),
        (lambda: ntk(np.ones(3), [1.0, 2.0, 3.0], 0.1), "X must have 2 dimension"),
    ],
)
def test_bad_input_raises_clear_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: delta_of(1.0, [1.0], eta_a="x"), "eta_a must be a positive finite number, got str 'x'"),
        (lambda: delta_of(1.0, None), "w must be a real number or an array of real numbers, got None"),
        (lambda: M_matrix("0.1", 0.1), "beta must be a real number or an array of real numbers, got str"),
        (lambda: M_matrix([1.0, 2.0], None), "delta must be a real number or an array of real numbers, got None"),
        (lambda: ntk([[1.0, "a"]], [1.0, 2.0], 0.1), "X must be .* containing str 'a'"),
    ],
)
def test_non_numeric_input_raises_type_error(call, match):
    with pytest.raises(TypeError, match=match):
        call()

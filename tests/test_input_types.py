"""Non-numeric input (strings, None, booleans, complex numbers...) is a TypeError naming the argument.

The checks live in :mod:`symrich.numeric.validation`, which every numeric family uses; the
single neuron is tested through every public function, the other families through one
function each.  Strings are never parsed as numbers.
"""

import fractions

import mpmath
import numpy as np
import pytest

from symrich import deep_linear, piecewise_linear, single_neuron, wide_linear
from symrich.numeric import kernels as numeric_kernels
from symrich.numeric.validation import as_array, as_numeric, finite_real, positive

NOT_NUMBERS = [None, "0.1", b"1", True, np.bool_(False), 1 + 2j, [0.5, None], [[1.0, "a"]], [1j], {"a": 1}, object()]


@pytest.mark.parametrize("bad", NOT_NUMBERS, ids=lambda v: type(v).__name__ + ":" + repr(v)[:12])
def test_validation_rejects_what_is_not_a_real_number(bad):
    with pytest.raises(TypeError, match=r"^w0 must be a real number or an array of real numbers, got "):
        as_array(bad, "w0")
    if np.ndim(bad) == 0 and not isinstance(bad, (list, dict)):
        with pytest.raises(TypeError, match=r"^eta_a must be a positive finite number, got "):
            positive(bad, "eta_a")
        with pytest.raises(TypeError, match=r"^delta must be a finite real number, got "):
            finite_real(bad, "delta")


def test_validation_accepts_every_kind_of_real_number():
    values = [1, 2.5, np.float32(0.5), np.int64(3), fractions.Fraction(1, 4), mpmath.mpf("0.125")]
    assert as_array(values, "x").tolist() == [1.0, 2.5, 0.5, 3.0, 0.25, 0.125]
    assert [positive(v, "eta") for v in values] == [1.0, 2.5, 0.5, 3.0, 0.25, 0.125]
    assert as_numeric([mpmath.mpf(1), 2], "t").dtype == object        # mpf kept for the mpmath paths
    with pytest.raises(ValueError, match="rectangular"):
        as_array([[1.0], [1.0, 2.0]], "X")                              # a shape problem stays a ValueError
    with pytest.raises(ValueError, match="NaN"):
        as_array([1.0, np.nan], "X")


def _single_neuron_calls():
    sn = single_neuron
    ok = dict(t=[0.0, 1.0], a0=0.5, w0=[1.0, 0.0], beta_star=[0.0, 1.0])
    calls = []
    for backend in ("numpy", "mpmath"):
        for arg, bad in (("a0", "0.1"), ("w0", None), ("t", ["1"]), ("beta_star", [1.0, None]), ("eta_a", "1")):
            kwargs = dict(ok, backend=backend, **{arg: bad})
            calls += [(arg, lambda kw=kwargs: sn.trajectory(**kw)), (arg, lambda kw=kwargs: sn.observables(**kw))]
    calls += [
        ("beta", lambda: sn.M_matrix(None, 0.1)),
        ("delta", lambda: sn.M_matrix([1.0, 0.0], "0")),
        ("X", lambda: sn.ntk("X", [1.0], 0.1)),
        ("w", lambda: sn.delta_of(1.0, [True, False])),
        ("eta_w", lambda: sn.delta_of(1.0, [1.0], eta_w=None)),
        ("y", lambda: sn.implicit_bias([[1.0, 0.3]], None, 0.8, [0.6, -0.5])),
        ("a0", lambda: sn.implicit_bias([[1.0, 0.3]], [1.0], "0.8", [0.6, -0.5])),
        ("X", lambda: sn.implicit_bias([[1.0, 1j]], [1.0], 0.8, [0.6, -0.5])),
        ("beta_star", lambda: sn.basin(0.5, [0.1, 0.2], "beta")),
        ("beta", lambda: sn.Phi_delta([None, 1.0], 0.5)),
        ("delta", lambda: sn.grad_Phi_delta([1.0, 1.0], None)),
    ]
    return calls


@pytest.mark.parametrize("name, call", _single_neuron_calls())
def test_single_neuron_names_the_argument(name, call):
    with pytest.raises(TypeError, match=rf"^{name} must be "):
        call()


@pytest.mark.parametrize("name, call", [
    ("eta_a", lambda: wide_linear.conserved_Delta(np.eye(2), np.eye(2), eta_a="1")),
    ("delta", lambda: wide_linear.q_delta(1.0, None)),
    ("X", lambda: deep_linear.parameter_flow([np.eye(2), np.eye(2)], "X", np.eye(2))),
    ("eta_w", lambda: piecewise_linear.ntk(np.eye(2), [1.0, 1.0], np.eye(2), eta_w="2")),
    ("K0", lambda: numeric_kernels.kernel_distance(None, np.eye(2))),
])
def test_other_families_name_the_argument(name, call):
    with pytest.raises(TypeError, match=rf"^{name} must be "):
        call()

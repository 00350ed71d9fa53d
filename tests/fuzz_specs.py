"""What the fuzz test (``tests/test_fuzz.py``) calls: one :class:`Spec` per public callable, and the checks of results.

A spec draws a *valid* call (keyword arguments across every regime of the function, extreme magnitudes
included) and checks what the call returns: finite values of the documented shape.  The families register
their specs in ``tests/fuzz_specs_*.py``; :func:`all_specs` collects them.

>>> spec = Spec(abs, st.just(({"x": -1.0}, True)), lambda result, kw: None)
>>> spec.name
'builtins.abs'
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from typing import Callable

import mpmath
import numpy as np
from hypothesis import strategies as st

__all__ = ["Spec", "assert_finite", "assert_shape", "shaped", "as_mp_float", "rates", "batch_shape", "all_specs"]


@dataclasses.dataclass(frozen=True)
class Spec:
    """One public callable under fuzz.

    Attributes
    ----------
    func : callable
        The public function, class or method (``name`` is its qualified name).
    valid : SearchStrategy of (dict, bool)
        Keyword arguments of a valid call, and whether all its values are moderate (then the call must
        succeed, or raise one of ``expected``).
    check : callable(result, kwargs)
        Asserts the result is finite and of the documented shape (``kwargs`` are the arguments passed).
    expected : tuple of str
        Regular expressions of the ``ValueError`` messages a moderate valid call may raise (conditions on
        the data the strategy does not exclude, e.g. "y must lie in range(X)").
    documented : tuple of (type, str)
        Other documented exceptions (``RuntimeError`` of an integration that gives up), with the regular
        expression their message must match.
    aliases : tuple of str
        Names an error message may use for an argument besides the parameter names (the argument name of
        the caller that ``as_activation(spec, name)`` reports).
    name : str
        Qualified name (default: ``func.__module__ + "." + func.__qualname__``); the key of the registry.
    """

    func: Callable
    valid: st.SearchStrategy
    check: Callable
    expected: tuple = ()
    documented: tuple = ()
    aliases: tuple = ()
    name: str = ""

    def __post_init__(self):
        if not self.name:
            object.__setattr__(self, "name", f"{self.func.__module__}.{self.func.__qualname__}")


def _is_mp(v):
    return isinstance(v, (mpmath.mpf, mpmath.mpc))


def assert_finite(x, what="result"):
    """Every number in ``x`` (arrays, mpf, dataclasses, tuples, dicts) is finite; strings and None are skipped.

    >>> assert_finite((np.ones(2), {"a": 1.0}))
    >>> assert_finite([1.0, float("nan")])
    Traceback (most recent call last):
    ...
    AssertionError: result[1] is not finite: nan
    """
    if x is None or isinstance(x, (str, bytes, bool, np.bool_)):
        return
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        for f in dataclasses.fields(x):
            assert_finite(getattr(x, f.name), f"{what}.{f.name}")
        return
    if isinstance(x, dict):
        for k, v in x.items():
            assert_finite(v, f"{what}[{k!r}]")
        return
    if isinstance(x, (list, tuple)):
        for i, v in enumerate(x):
            assert_finite(v, f"{what}[{i}]")
        return
    if _is_mp(x):
        assert mpmath.isfinite(x), f"{what} is not finite: {x}"
        return
    if isinstance(x, numbers.Number):
        assert math.isfinite(complex(x).real) and math.isfinite(complex(x).imag), f"{what} is not finite: {x}"
        return
    if isinstance(x, np.ndarray):
        if x.dtype == object:
            for i, v in enumerate(x.flat):
                assert_finite(v, f"{what}.flat[{i}]")
        elif x.dtype.kind in "fc":
            bad = ~np.isfinite(x)
            assert not np.any(bad), f"{what} has {int(bad.sum())} non-finite entries, e.g. {x[bad][:3]}"
        return


def assert_shape(x, shape, what="result"):
    """``np.shape(x) == shape``.

    >>> assert_shape(np.zeros((2, 3)), (2, 3))
    """
    assert np.shape(x) == tuple(shape), f"{what} has shape {np.shape(x)}, documented {tuple(shape)}"


def shaped(*shapes):
    """A check: the result (or each part of a tuple result) has the shape ``shape(kwargs)``, and is finite.

    >>> check = shaped(lambda kw: (2,), lambda kw: ())
    >>> check((np.ones(2), 3.0), {})
    """
    def check(result, kw):
        for i, (part, shape) in enumerate(zip(result if len(shapes) > 1 else (result,), shapes)):
            assert_shape(part, shape(kw), f"result[{i}]")
        assert_finite(result)

    return check


def as_mp_float(x):
    """An object array of mpf from floats or mpf (exact), to check invariants without overflow.

    >>> as_mp_float([1e300])[0] ** 2 > 1e599
    True
    """
    return np.vectorize(mpmath.mpf, otypes=[object])(np.asarray(x, dtype=object))


def batch_shape(*shapes):
    """``np.broadcast_shapes`` of the given shapes.

    >>> batch_shape((3,), ())
    (3,)
    """
    return np.broadcast_shapes(*shapes)


@st.composite
def rates(draw, moderate, names=("eta_a", "eta_w")):
    """Learning rates: mostly 1, else ordinary or (unless ``moderate``) extreme positive numbers.

    >>> from hypothesis import find
    >>> sorted(find(rates(True), lambda r: True))
    ['eta_a', 'eta_w']
    """
    from tests.fuzz_strategies import positive_reals

    return {n: draw(st.one_of(st.just(1.0), positive_reals(moderate))) for n in names}


def all_specs():
    """Every registered spec, by name.

    >>> "symrich.single_neuron.closed_form.trajectory" in all_specs()
    True
    """
    from tests import fuzz_specs_other, fuzz_specs_single_neuron, fuzz_specs_wide

    out = {}
    for module in (fuzz_specs_single_neuron, fuzz_specs_wide, fuzz_specs_other):
        for spec in module.SPECS:
            assert spec.name not in out, f"two specs named {spec.name}"
            out[spec.name] = spec
    return out

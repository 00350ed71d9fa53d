"""Regression tests of the fuzz findings of issue 17 in :mod:`symrich.wide_linear` and the piecewise-linear speeds.

Each test is one input the fuzzer (``tests/test_fuzz.py``) found, reduced by hand; every warning is an error
(as in the fuzzer), so a ``RuntimeWarning`` from inside NumPy fails the test.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from symrich import piecewise_linear as pl


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_radial_directional_speeds_overflow_is_a_value_error():
    with pytest.raises(ValueError, match=r"beta, delta, g.*overflows float64"):
        pl.radial_directional_speeds([[1e300, 1.0]], [1.0], [[1e300, 1e300]])


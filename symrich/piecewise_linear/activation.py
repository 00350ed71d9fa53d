"""Piecewise-linear networks: the positively homogeneous two-slope activations.

``sigma(z) = z`` for ``z > 0`` and ``slope * z`` for ``z <= 0``: ReLU (slope 0),
leaky ReLU (``0 < slope < 1``), absolute value (-1), identity (1).  Compiled
from :func:`symrich.symbolic.piecewise_linear.sigma` and ``dsigma``.

>>> as_activation("relu").sigma(np.array([-1.0, 2.0])).tolist()
[0.0, 2.0]
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from symrich.numeric.validation import as_array, finite_real

__all__ = ["Activation", "leaky_relu", "as_activation"]


@dataclasses.dataclass(frozen=True)
class Activation:
    """A positively homogeneous two-slope activation: ``z`` for ``z > 0``, ``slope * z`` for ``z <= 0``.

    ``Activation("relu", 0.0)``, ``Activation("leaky_relu", alpha)``,
    ``Activation("abs", -1.0)``, ``Activation("linear", 1.0)``.  Use
    :func:`as_activation` to build one from a name.

    >>> act = as_activation("abs")
    >>> act.sigma(np.array([-2.0, 3.0])).tolist(), act.dsigma(np.array([-2.0, 3.0])).tolist()
    ([2.0, 3.0], [-1.0, 1.0])
    """

    name: str
    slope: float

    def __post_init__(self):
        try:
            slope = finite_real(self.slope, "slope")
        except TypeError as exc:  # Activation's documented contract: a ValueError for any bad slope
            raise ValueError(f"activation slope must be a finite real number, got {self.slope!r}") from exc
        object.__setattr__(self, "slope", slope)

    def sigma(self, z):
        """``sigma(z)`` (compiled from the symbolic ``Piecewise``).

        >>> as_activation("relu").sigma(np.array([-1.0, 2.0])).tolist()
        [0.0, 2.0]
        """
        # "+ 0.0" turns the -0.0 of 0 * z (z < 0) into 0.0
        z = as_array(z, "z")
        return _activation_kernel()(z, self.slope)[0] * np.ones_like(z) + 0.0

    def dsigma(self, z):
        """``sigma'(z)`` with the convention ``sigma'(0) = slope``.

        >>> leaky_relu(0.1).dsigma(np.array([-1.0, 0.0, 2.0])).tolist()
        [0.1, 0.1, 1.0]
        """
        z = as_array(z, "z")
        return _activation_kernel()(z, self.slope)[1] * np.ones_like(z)

    def slopes(self, pattern):
        """``c = sigma'`` from a boolean pattern (``True`` where ``w_k^T x_i > 0``).

        >>> as_activation("abs").slopes(np.array([True, False])).tolist()
        [1.0, -1.0]
        """
        try:
            pattern = np.asarray(pattern, dtype=bool)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"pattern must be an array of booleans, got {type(pattern).__name__}") from exc
        return np.where(pattern, 1.0, self.slope)


def leaky_relu(alpha):
    """Leaky ReLU ``max(z, alpha z)`` with negative-side slope ``alpha``.

    >>> leaky_relu(0.1).slope
    0.1
    """
    return Activation("leaky_relu", alpha)


_NAMED = {"relu": 0.0, "abs": -1.0, "linear": 1.0}


def as_activation(spec, name="activation"):
    """An :class:`Activation` from ``"relu"``, ``"abs"``, ``"linear"``, ``("leaky_relu", alpha)`` or an Activation.

    >>> as_activation(("leaky_relu", 0.2))
    Activation(name='leaky_relu', slope=0.2)
    >>> as_activation("tanh")
    Traceback (most recent call last):
    ...
    ValueError: activation must be 'relu', 'abs', 'linear', ('leaky_relu', alpha) or an Activation, got 'tanh'
    """
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, str) and spec in _NAMED:
        return Activation(spec, _NAMED[spec])
    if isinstance(spec, tuple) and len(spec) == 2 and spec[0] == "leaky_relu":
        return leaky_relu(spec[1])
    raise ValueError(
        f"{name} must be 'relu', 'abs', 'linear', ('leaky_relu', alpha) or an Activation, got {spec!r}"
    )


@functools.lru_cache(maxsize=None)
def _activation_kernel():
    from symrich.numeric.codegen import compile_exprs
    from symrich.symbolic.piecewise_linear import alpha, dsigma, sigma, z

    return compile_exprs((sigma(z, alpha), dsigma(z, alpha)), (z, alpha), backend="numpy")

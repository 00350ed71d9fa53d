"""Numeric layer, two-layer piecewise-linear network ``f(x) = sum_k a_k sigma(w_k^T x)``.

Shapes: data ``X`` (n, d), targets ``y`` (n,), readouts ``a`` (K,), first
layer ``W`` (K, d) (row ``k`` is ``w_k``), ``beta`` (K, d) with
``beta_k = a_k w_k``.  Loss ``L = 1/2 sum_i (f(x_i) - y_i)^2``; flow
``a' = -eta_a dL/da``, ``W' = -eta_w dL/dW``.

What runs is what was proved (derivations ``piecewise_linear_conservation``,
``piecewise_linear_beta_flow``, ``piecewise_linear_radial_directional``):

* :mod:`~symrich.piecewise_linear.activation`: the activation and its
  derivative, compiled from :func:`symrich.symbolic.piecewise_linear.sigma` /
  ``dsigma``;
* :mod:`~symrich.piecewise_linear.network`: the forward pass, activation
  patterns, the parameter flow and, per neuron, the single neuron's flow with
  ``g_k = X^T D_k r`` (``M_k`` is :func:`symrich.single_neuron.M_matrix` with
  ``delta_k``), the radial and directional speeds, the NTK;
  :func:`kernel_distance` is the shared :func:`symrich.numeric.kernels.kernel_distance`;
* :mod:`~symrich.piecewise_linear.integrate`: :func:`integrate` runs the oracle
  (:mod:`symrich.oracle`) on the polynomial flow of a fixed activation pattern
  and restarts it at each flip.

>>> import numpy as np
>>> X = np.array([[1.0, 0.0], [0.0, 1.0]])
>>> forward(X, [1.0, -2.0], [[1.0, 1.0], [-1.0, 0.5]], "relu").tolist()
[1.0, 0.0]
"""

from __future__ import annotations

from symrich.numeric.kernels import kernel_distance
from symrich.piecewise_linear.activation import Activation, as_activation, leaky_relu
from symrich.piecewise_linear.integrate import FlipEvent, PiecewiseSolution, integrate
from symrich.piecewise_linear.network import (
    M_matrices,
    activation_pattern,
    beta_flow,
    conserved_deltas,
    forward,
    hamming_distance,
    neuron_gradients,
    ntk,
    parameter_flow,
    radial_directional_speeds,
)

__all__ = [
    "Activation",
    "leaky_relu",
    "as_activation",
    "forward",
    "neuron_gradients",
    "parameter_flow",
    "M_matrices",
    "beta_flow",
    "radial_directional_speeds",
    "ntk",
    "kernel_distance",
    "activation_pattern",
    "hamming_distance",
    "conserved_deltas",
    "FlipEvent",
    "PiecewiseSolution",
    "integrate",
]

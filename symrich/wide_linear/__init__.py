"""Numeric layer, wide two-layer linear network ``f(x) = A^T W x``: kernels from the derived expressions.

Shapes: ``W`` (h, d), ``A`` (h, c), ``beta = W^T A`` (d, c), ``X`` (n, d), ``Y`` (n, c).

* :mod:`~symrich.wide_linear.flow`: :func:`parameter_flow`, :func:`conserved_Delta`
  (derivation ``wide_linear_conservation``) and the self-consistent
  :func:`beta_flow` (``wide_linear_self_consistent``);
* :mod:`~symrich.wide_linear.singular_values`: :func:`singular_value_trajectory`,
  :func:`time_to_reach`, :func:`q_delta`, :func:`q_delta_grad`
  (``wide_linear_singular_values``, ``wide_linear_mirror_flow``);
* :mod:`~symrich.wide_linear.init`: :func:`balanced_layers`, :func:`balanced_init` and
  :func:`layers_of_beta` build initialisations with ``Delta = delta I_h`` (lambda-balanced);
* :mod:`~symrich.wide_linear.ntk`: :func:`ntk`, :func:`ntk_from_grams` (``wide_linear_ntk``);
  :func:`kernel_distance` is the shared :func:`symrich.numeric.kernels.kernel_distance`;
* :mod:`~symrich.wide_linear.closed_form`: :func:`trajectory`, the exact trajectory of
  any lambda-balanced network from any (unaligned) initialisation, in the layout
  ``f(x) = W2 W1 x`` (``W1 = W``, ``W2 = A^T``), evaluated without overflow by
  :mod:`~symrich.wide_linear.riccati` (NumPy or mpmath, :mod:`~symrich.wide_linear.arrays`).

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> W, A = balanced_init(3, 2, 2, 0.5, rng)
>>> np.allclose(conserved_Delta(W, A), 0.5 * np.eye(2))
True
"""

from __future__ import annotations

from symrich.numeric.kernels import kernel_distance
from symrich.wide_linear.flow import beta_flow, conserved_Delta, parameter_flow
from symrich.wide_linear.closed_form import WideTrajectory, balance, trajectory
from symrich.wide_linear.init import balanced_init, balanced_layers, layers_of_beta
from symrich.wide_linear.ntk import ntk, ntk_from_grams
from symrich.wide_linear.singular_values import q_delta, q_delta_grad, singular_value_trajectory, time_to_reach

__all__ = [
    "conserved_Delta",
    "parameter_flow",
    "beta_flow",
    "singular_value_trajectory",
    "time_to_reach",
    "q_delta",
    "q_delta_grad",
    "balanced_init",
    "balanced_layers",
    "layers_of_beta",
    "ntk",
    "ntk_from_grams",
    "kernel_distance",
    "trajectory",
    "WideTrajectory",
    "balance",
]

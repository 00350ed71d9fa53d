"""Numeric layer, single neuron ``f(x) = a w^T x``: kernels compiled from the derived expressions.

The expressions come from the symbolic layer (:mod:`symrich.symbolic.single_neuron_kernels`
lists every kernel's) and are proved in the ``single_neuron_*`` derivations.  The package:

* :mod:`~symrich.single_neuron.function_space` -- :func:`M_matrix`, :func:`ntk`, :func:`delta_of`;
* :mod:`~symrich.single_neuron.closed_form` -- the exact trajectory on whitened data
  (:func:`trajectory`, :func:`observables`, :func:`solution_kernels`);
* :mod:`~symrich.single_neuron.bias` -- the implicit bias on any data (:func:`implicit_bias`,
  :func:`Phi_delta`, :func:`grad_Phi_delta`);
* :mod:`~symrich.single_neuron.basins` -- which branch the flow ends on (:func:`basin`);
* :mod:`~symrich.single_neuron.kernels` -- every compiled kernel, and their on-disk cache;
* :mod:`~symrich.single_neuron.driver` -- the NumPy-only driver logic, which
  ``symrich export --target numpy`` copies.

>>> from symrich.single_neuron import delta_of
>>> delta_of(1.0, [1.0])
0.0
"""

from __future__ import annotations

from symrich.single_neuron.basins import Basin, basin
from symrich.single_neuron.bias import ImplicitBias, Phi_delta, grad_Phi_delta, implicit_bias
from symrich.single_neuron.function_space import M_matrix, delta_of, ntk
from symrich.single_neuron.closed_form import Observables, observables, solution_kernels, trajectory

__all__ = ["trajectory", "observables", "Observables", "solution_kernels", "M_matrix", "ntk", "delta_of",
           "implicit_bias", "basin", "Phi_delta", "grad_Phi_delta", "ImplicitBias", "Basin"]

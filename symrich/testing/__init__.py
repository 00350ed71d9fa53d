r"""Property-test your own theory of gradient-flow dynamics against the high-precision oracle.

A theorist who claims "this quantity is conserved", "this is the trajectory"
or "the flow converges to this point" for some network writes the claim as a
Python function and hands it to one of three checks:

* :func:`assert_conserved` -- a quantity of the parameters stays constant;
* :func:`assert_matches_flow` -- a closed form equals the parameters at time ``t``;
* :func:`assert_converges_to` -- an observable reaches a predicted limit.

Each check runs its own :func:`hypothesis.given` over initialisations,
learning rates and data sets (a small default budget of examples,
``deadline=None``), integrates the model's *raw parameter flow* with
:mod:`symrich.oracle` at ``dps`` digits, and counts the **digits of
agreement** :math:`-\log_{10}(\max|\text{claim} - \text{oracle}| /
\max(1, \max|\text{oracle}|))`.  If an example falls short of ``digits``,
hypothesis shrinks it and the check raises an :class:`AssertionError` whose
message shows the smallest failing example and its digits of agreement.

Models are given symbolically (:class:`Model`): parameter shapes and the
network function :math:`f(x)` as SymPy.  symrich forms the loss
:math:`L = \tfrac12 \sum_i \|f(x_i) - y_i\|^2` on symbolic data, differentiates
it with SymPy and builds the gradient flow
:math:`\dot\theta = -\eta_\theta\, \partial L/\partial\theta` as a
:class:`symrich.oracle.PolynomialFlow` (data and learning rates enter as its
parameters), so no gradient is written by hand.  Four models are built in:
:func:`single_neuron`, :func:`wide_linear`, :func:`deep_linear` and
:func:`two_layer_piecewise` (a fixed activation pattern).

Strategies (:mod:`hypothesis.strategies`) draw the regime
(:func:`upstream`, :func:`balanced`, :func:`downstream`, :func:`any_regime`:
values of :math:`\delta`), learning rates (:func:`learning_rates`) and data
(:func:`whitened_data`, :func:`gaussian_data`, :func:`rank_deficient_data`);
:func:`examples` combines them into :class:`Example` objects for a given model.

Conventions
-----------
* Parameter values handed to user functions are ``mpmath.mpf`` (scalar
  parameters) or numpy object arrays of ``mpf`` (vectors, matrices); learning
  rates are a dict ``{parameter name: float}``.  Numpy arithmetic (``+``,
  ``*``, ``@``, ``.T``, ``sum``) works on object arrays; for ``sqrt``, ``exp``
  and so on use :mod:`mpmath` functions.  User functions run inside
  ``mpmath.workdps(dps)``.
* Data sets hold exact (``mpf``) arrays: whitened ``X`` is orthonormalised at
  50 digits, so closed forms that use :math:`X^\top X = I` are exact to well
  beyond the oracle's ``dps`` (keep ``dps <= 40``).
* Initial parameters are drawn from a seed (``numpy.random.default_rng``) and
  completed at 50 digits so that the regime's :math:`\delta` holds exactly.

Layout
------
One module per job; everything public is re-exported here.

* :mod:`symrich.testing.values` -- ``mpf`` arrays, :func:`digits_of_agreement`;
* :mod:`symrich.testing.data` -- :class:`Dataset` and the data strategies;
* :mod:`symrich.testing.regimes` -- regime and learning-rate strategies;
* :mod:`symrich.testing.model` -- :class:`Model` and its derived flow;
* :mod:`symrich.testing.zoo` -- the built-in models;
* :mod:`symrich.testing.cases` -- :class:`Example`, :func:`examples`, :func:`oracle_trajectory`;
* :mod:`symrich.testing.checks` -- the checks; :mod:`symrich.testing.report` -- :class:`CheckReport`.

This package imports :mod:`hypothesis` (a runtime dependency of symrich).

Examples
--------
>>> import symrich.testing as srt
>>> model = srt.single_neuron(2)
>>> report = srt.assert_conserved(
...     lambda p, eta: eta["w"] * p["a"] ** 2 - eta["a"] * (p["w"] @ p["w"]),
...     model, max_examples=3, times=(0.5,))
>>> report.passed, report.worst_digits > 25
(True, True)
"""

from __future__ import annotations

from symrich.testing.cases import Example, examples, oracle_trajectory
from symrich.testing.checks import DEFAULT_EXAMPLES, assert_conserved, assert_converges_to, assert_matches_flow
from symrich.testing.data import Dataset, gaussian_data, make_dataset, rank_deficient_data, whitened_data
from symrich.testing.model import Model
from symrich.testing.regimes import any_regime, balanced, downstream, learning_rates, upstream
from symrich.testing.report import CheckReport
from symrich.testing.values import DATA_DPS, digits_of_agreement
from symrich.testing.zoo import deep_linear, single_neuron, two_layer_piecewise, wide_linear

__all__ = [
    "CheckReport",
    "DATA_DPS",
    "DEFAULT_EXAMPLES",
    "Dataset",
    "Example",
    "Model",
    "any_regime",
    "assert_conserved",
    "assert_converges_to",
    "assert_matches_flow",
    "balanced",
    "deep_linear",
    "digits_of_agreement",
    "downstream",
    "examples",
    "gaussian_data",
    "learning_rates",
    "make_dataset",
    "oracle_trajectory",
    "rank_deficient_data",
    "single_neuron",
    "two_layer_piecewise",
    "upstream",
    "whitened_data",
    "wide_linear",
]

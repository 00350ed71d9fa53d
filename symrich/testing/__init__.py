r"""Property-test your own theory of gradient-flow dynamics against the high-precision oracle.

A theorist who claims "this quantity is conserved", "this is the trajectory",
"this is the velocity" or "the flow converges to this point" for some network
writes the claim as a Python function and hands it to a check:

* :func:`assert_conserved` -- a quantity stays constant (it may depend on the data);
* :func:`assert_matches_flow` -- a closed form gives the state at time ``t``;
* :func:`assert_flow` -- a claimed velocity, in any coordinates (e.g.
  :math:`\dot\beta = -M(\beta, \delta)\,g`), equals the derived one, at 30
  digits or exactly;
* :func:`assert_converges_to` -- an observable reaches a predicted limit
  (and, if not, whether the time is too short or the limit is wrong).

Claims are stated in the raw parameters, in function space
(``coordinates="beta"``) or in any map of the parameters; a claim function
with a third argument receives the data set.

Each check runs :func:`hypothesis.given` over initialisations, learning rates
and data sets, integrates the model's flow with :mod:`symrich.oracle` at
``dps`` digits, and counts the **digits of agreement**
:math:`-\log_{10}(\max|\text{claim} - \text{oracle}| / \max(1,
\max|\text{oracle}|))`.  If an example falls short of ``digits``, hypothesis
shrinks it and the check raises an :class:`AssertionError` whose message
shows the smallest failing example; the example is stored in the symrich
cache and replayed first on the next run.  With ``regime=any_regime()``
every regime (:data:`REGIMES`: upstream, balanced, downstream,
near-balanced on both sides, a sign change of the readout, the saddle) is
tested in every run, and the :class:`CheckReport` counts the examples per
regime (and those the integrator refused).  A regime the model cannot draw
is a :class:`RegimeNotSupported` before anything runs when requested on its
own, and listed as not applicable under :func:`any_regime`.  A NaN or
infinite claim fails; ``exact=True`` requires equality proven by SymPy.

Models are given symbolically (:class:`Model`): parameter shapes and the
network function :math:`f(x)` as SymPy; symrich differentiates the loss
:math:`L = \tfrac12 \sum_i \|f(x_i) - y_i\|^2`, so no gradient is written by
hand.  Polynomial and smooth (``tanh``, :func:`softplus`) models are
integrated by the Taylor oracle; the two-layer ReLU network
(:func:`two_layer`) across its kinks by
:func:`symrich.piecewise_linear.integrate`.  Built in:
:func:`single_neuron`, :func:`wide_linear`, :func:`deep_linear`,
:func:`two_layer_piecewise` (a fixed activation pattern) and
:func:`two_layer` (ReLU, leaky ReLU, tanh, softplus).

Strategies (:mod:`hypothesis.strategies`) draw the regime (:func:`upstream`,
:func:`balanced`, :func:`downstream`, :func:`near_balanced`,
:func:`sign_change`, :func:`saddle`, :func:`any_regime`), learning rates
(:func:`learning_rates`) and data (:func:`whitened_data`,
:func:`gaussian_data`, :func:`rank_deficient_data`); :func:`examples`
combines them into :class:`Example` objects for a given model.

Importing this package registers the hypothesis profiles ``ci``, ``dev`` and
``thorough`` and loads the one named by ``HYPOTHESIS_PROFILE``, if set
(:mod:`symrich.testing.profiles`).

Conventions
-----------
* Parameter values handed to user functions are ``mpmath.mpf`` (scalar
  parameters) or numpy object arrays of ``mpf`` (vectors, matrices); learning
  rates are a dict ``{parameter name: mpf}`` (the exact value of the drawn
  float, so products of rates are not rounded).  Numpy arithmetic (``+``,
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

* :mod:`~symrich.testing.values` -- ``mpf`` arrays, :func:`digits_of_agreement`;
* :mod:`~symrich.testing.data` -- :class:`Dataset` and the data strategies;
* :mod:`~symrich.testing.regimes` -- :class:`Regime`, regime and learning-rate strategies;
* :mod:`~symrich.testing.model` -- :class:`Model`; :mod:`~symrich.testing.flows` -- its derived flow;
* :mod:`~symrich.testing.inits`, :mod:`~symrich.testing.zoo` -- the built-in models;
* :mod:`~symrich.testing.cases` -- :class:`Example`, :func:`examples`, :func:`oracle_trajectory`;
* :mod:`~symrich.testing.runner` -- stratification, replay, per-regime counts;
* :mod:`~symrich.testing.checks`, :mod:`~symrich.testing.flowclaims`,
  :mod:`~symrich.testing.convergence` -- the checks; :mod:`~symrich.testing.report` -- :class:`CheckReport`;
* :mod:`~symrich.testing.profiles` -- hypothesis profiles; :mod:`~symrich.testing.gallery` -- false claims.

This package imports :mod:`hypothesis` (a runtime dependency of symrich).

Examples
--------
>>> import symrich.testing as srt
>>> model = srt.single_neuron(2)
>>> report = srt.assert_conserved(
...     lambda p, eta: eta["w"] * p["a"] ** 2 - eta["a"] * (p["w"] @ p["w"]),
...     model, regime=srt.any_regime(), max_examples=7, times=(0.5,))
>>> report.passed, report.worst_digits > 25
(True, True)
>>> report.regime_counts() == {name: 1 for name in srt.REGIMES}
True
"""

from __future__ import annotations

from symrich.testing.cases import Example, examples, oracle_trajectory
from symrich.testing.checks import assert_conserved, assert_matches_flow
from symrich.testing.convergence import assert_converges_to
from symrich.testing.data import Dataset, gaussian_data, make_dataset, rank_deficient_data, whitened_data
from symrich.testing.flowclaims import assert_flow
from symrich.testing.flows import IntegrationRefused, softplus
from symrich.testing.model import Model
from symrich.testing.profiles import DEFAULT_EXAMPLES, load_profile_from_environment, register_profiles
from symrich.testing.regimes import (
    REGIMES,
    Regime,
    RegimeNotSupported,
    any_regime,
    balanced,
    downstream,
    learning_rates,
    near_balanced,
    regime_strata,
    saddle,
    sign_change,
    upstream,
)
from symrich.testing.report import CheckReport, RegimeTally
from symrich.testing.values import DATA_DPS, digits_of_agreement
from symrich.testing.zoo import deep_linear, single_neuron, two_layer, two_layer_piecewise, wide_linear

__all__ = [
    "CheckReport",
    "DATA_DPS",
    "DEFAULT_EXAMPLES",
    "Dataset",
    "Example",
    "IntegrationRefused",
    "Model",
    "REGIMES",
    "Regime",
    "RegimeNotSupported",
    "RegimeTally",
    "any_regime",
    "assert_conserved",
    "assert_converges_to",
    "assert_flow",
    "assert_matches_flow",
    "balanced",
    "deep_linear",
    "digits_of_agreement",
    "downstream",
    "examples",
    "gaussian_data",
    "learning_rates",
    "load_profile_from_environment",
    "make_dataset",
    "near_balanced",
    "oracle_trajectory",
    "rank_deficient_data",
    "regime_strata",
    "register_profiles",
    "saddle",
    "sign_change",
    "single_neuron",
    "softplus",
    "two_layer",
    "two_layer_piecewise",
    "upstream",
    "whitened_data",
    "wide_linear",
]

register_profiles()
load_profile_from_environment()

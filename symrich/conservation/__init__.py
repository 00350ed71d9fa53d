r"""Conservation laws of any model: discover them, count them, prove the list complete.

A model :math:`f(x;\theta)` (a :class:`Model`, or one of the builders
:func:`single_neuron`, :func:`two_layer_linear`, :func:`deep_linear`,
:func:`two_layer`, :func:`bilinear_attention`) trained by gradient flow
:math:`\dot\theta = -H\nabla_\theta L` with learning rates :math:`H`, on any
dataset and any loss, conserves :math:`h(\theta)` iff
:math:`\nabla h^\top H \nabla_\theta f_j(x;\theta) = 0` for all :math:`x, j,
\theta` (Marcotte, Gribonval & Peyré, "Abide by the law and follow the flow:
conservation laws for gradient flows", NeurIPS 2023; the symmetry view is that
of Kunin et al., "Neural mechanics", ICLR 2021).

:func:`discover`
    A basis of the polynomial laws up to a degree, exact (a linear system over
    :math:`\mathbb{Q}` or :math:`\mathbb{Q}(\eta)`), grouped as matrices where
    they are (:math:`\Delta`, :math:`Q_l`, the per-neuron :math:`\delta_k`).
:func:`count`
    The number of independent laws of any kind near a generic point,
    :math:`D - \dim \mathrm{Lie}(W)(\theta)`, from brackets of the flow's
    vector fields evaluated exactly at random rational points (an upper bound).
:func:`analyse`
    Both, and the verdict: when the functionally independent laws found reach
    the count, the list is complete (a proof, with its assumptions).
:func:`law_derivations`
    Each law as a verified :class:`~symrich.engine.Derivation` (LaTeX with
    :mod:`symrich.engine.latex`).

See the documentation page "Conservation laws of any model".

>>> from symrich.conservation import analyse, two_layer_linear
>>> result = analyse(two_layer_linear(2, 2, 3))
>>> len(result.laws), result.count.count, result.complete
(6, 6, True)
"""

from symrich.conservation.builders import (
    RELU_ASSUMPTION,
    bilinear_attention,
    deep_linear,
    single_neuron,
    two_layer,
    two_layer_linear,
)
from symrich.conservation.lie import Analysis, Count, analyse, count
from symrich.conservation.laws import Law, Laws, MatrixLaw, discover
from symrich.conservation.model import MatrixForm, Model, ParameterGroup
from symrich.conservation.proofs import law_derivations

__all__ = [
    "Model", "ParameterGroup", "MatrixForm",
    "single_neuron", "two_layer_linear", "deep_linear", "two_layer", "bilinear_attention", "RELU_ASSUMPTION",
    "discover", "Law", "MatrixLaw", "Laws",
    "count", "Count", "analyse", "Analysis",
    "law_derivations",
]

r"""Ready-made models: single neuron, two-layer and deep linear networks, two-layer networks, bilinear attention.

Every builder returns a :class:`~symrich.conservation.Model` whose parameter
groups are listed from the output layer down (so the canonical form of
:func:`~symrich.conservation.discover`, which makes the first group's Gram
matrix positive, reads like the paper: :math:`\delta = \eta_w a^2 - \eta_a
\|w\|^2`, :math:`\Delta = \eta_{W1} W_2^\top W_2 - \eta_{W2} W_1 W_1^\top`).  Learning rates
(``rates``): ``None`` (default) gives each group ``G`` its own positive symbol
``eta_G``; a number gives every group that rate; a mapping ``{group: rate}``
gives each group its rate (it names every group; write ``"symbolic"`` for a
group's own symbol ``eta_G``).  ``name``
replaces the model's default name (e.g. to tell apart two models that differ
only by their rates).  Where the network has a form with matrices of symbolic
size it is attached (:class:`~symrich.conservation.MatrixForm`), so that the
laws found can be proved for every width.

>>> m = two_layer_linear(2, 1, 3)
>>> [(g.name, g.shape, g.rate) for g in m.parameters]
[('W2', (1, 3), eta_W2), ('W1', (3, 2), eta_W1)]
>>> two_layer_linear(2, 1, 3, rates={"W1": 2, "W2": "symbolic"}, name="fast_W1").rates
(('W2', eta_W2), ('W1', 2))
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import sympy as sp

from symrich.conservation.model import MatrixForm, Model
from symrich.conservation.prose import Assumption, Prose

__all__ = ["single_neuron", "two_layer_linear", "deep_linear", "two_layer", "bilinear_attention", "RELU_ASSUMPTION"]

_m = Prose.math

#: How a ReLU network is turned into a polynomial model (repeated in every result about one).
RELU_ASSUMPTION = Assumption(Prose.of(
    "ReLU handled locally: ", _m("relu(z_k) = g_k z_k", r"\operatorname{relu}(z_k) = g_k z_k"), " with the gate ",
    _m("g_k = 1[z_k > 0]", r"g_k = \mathbf{1}[z_k > 0]"), " of neuron ", _m("k"), ", ", _m("z_k"), " its "
    "pre-activation, taken as an input of the model. On every activation region (an open set of parameters where "
    "no training point sits on a kink ", _m("z_k = 0"), ") the gates of each training point are constant, the "
    "network is this polynomial model, linear in each neuron's parameters, and its gradient flow is the model's "
    "flow. The criterion is of degree ", _m("<= 1", r"\le 1"), " in each gate, so it holds for gates in ",
    _m("{0, 1}", r"\{0, 1\}"), " iff it holds for all real gates: the laws found are conserved on every region, "
    "for every dataset. The count and the completeness verdict assume that every activation pattern in ",
    _m("{0, 1}^m", r"\{0, 1\}^m"), " is realised by an open set of inputs at the point (true for generic "
    "first-layer weights when the rows ", _m("w_k"), " are linearly independent, so ", _m("d >= m", r"d \ge m"),
    ")."))


def _relu_assumption(d: int, m: int, bias: bool) -> Assumption:
    r""":data:`RELU_ASSUMPTION`, with the reason it fails when ``d < m``.

    ``m`` hyperplanes in general position cut the input space into at most
    :math:`\sum_{i \le d} \binom{m}{i}` regions (affine, with biases) or
    :math:`2\sum_{i < d}\binom{m-1}{i}` (through the origin), fewer than the
    :math:`2^m` patterns when ``d < m`` (Schläfli; Cover, 1965).
    """
    if d >= m:
        return RELU_ASSUMPTION
    regions = (sum(math.comb(m, i) for i in range(d + 1)) if bias
               else 2 * sum(math.comb(m - 1, i) for i in range(d)))
    return Assumption(RELU_ASSUMPTION.statement, Prose.of(
        "here ", _m(f"d = {d} < m = {m}"), ": the inputs realise at most ", _m(str(regions)), " of the ",
        _m(f"2^{m} = {2 ** m}", f"2^{{{m}}} = {2 ** m}"), " activation patterns, so the count (computed with "
        "every pattern) may miss laws"))


def _n(name: str) -> Any:
    return sp.Symbol(name, integer=True, positive=True)


def _matrix(name: str, rows: int, cols: int) -> sp.ImmutableMatrix:
    """``rows x cols`` real symbols ``name_ij`` (``name_i,j`` when an index has two digits, ``name_i`` for a vector)."""
    sep = "," if max(rows, cols) > 9 else ""
    if rows == 1 or cols == 1:
        return sp.ImmutableMatrix(rows, cols, [sp.Symbol(f"{name}_{i + 1}", real=True) for i in range(rows * cols)])
    return sp.ImmutableMatrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{i + 1}{sep}{j + 1}", real=True))


def _rates(rates, names) -> Any:
    """The builders' rates: one symbol ``eta_G`` per group, except where ``rates`` gives a value."""
    symbols = {n: sp.Symbol(f"eta_{n}", positive=True) for n in names}
    if rates is None:
        return symbols
    if isinstance(rates, Mapping):  # Model reports the unknown and the missing groups
        return {n: symbols[n] if isinstance(r, str) and r == "symbolic" and n in symbols else r
                for n, r in rates.items()}
    return rates  # one rate for every group, checked by Model


def _name(name, default: str) -> str:
    """``name`` if given (``Model`` checks it), else the builder's ``default``."""
    return default if name is None else name


def _size(value, what, minimum=1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{what} must be an integer >= {minimum}, got {value!r}")
    return value


def single_neuron(d: int, *, rates=None, name: str | None = None) -> Model:
    r"""The single neuron :math:`f(x) = a\,w^\top x` (paper, Section 3), ``d`` inputs.

    Examples
    --------
    >>> m = single_neuron(2)
    >>> m.outputs, m.rates
    ((a*(w_1*x_1 + w_2*x_2),), (('a', eta_a), ('w', eta_w)))
    """
    d = _size(d, "d")
    a, w, x = sp.Symbol("a", real=True), _matrix("w", d, 1), _matrix("x", d, 1)
    ds, n = _n("d"), _n("n")
    A, Wm, X = sp.MatrixSymbol("a", 1, 1), sp.MatrixSymbol("w", ds, 1), sp.MatrixSymbol("X", ds, n)
    form = MatrixForm((("a", A), ("w", Wm)), (X,), A * Wm.T * X, "F = a w^T X, X in R^{d x n}")
    return Model(_name(name, f"single_neuron_d{d}"), {"a": a, "w": w}, x, a * (w.T * x)[0, 0],
                 rates=_rates(rates, "aw"), matrix_form=form)


def two_layer_linear(d: int, c: int, h: int, *, bias: bool = False, rates=None, name: str | None = None) -> Model:
    r"""The two-layer linear network :math:`f(x) = W_2 (W_1 x + b_1)`, widths ``(d, c, h)``.

    ``W1`` is ``h x d``, ``W2`` is ``c x h``; with ``bias=True`` the first
    layer has a bias ``b1`` (``h x 1``) with its own rate.

    Examples
    --------
    >>> m = two_layer_linear(1, 1, 1, bias=True, rates=1)
    >>> m.outputs
    (W2_1*(W1_1*x_1 + b1_1),)
    """
    d, c, h = _size(d, "d"), _size(c, "c"), _size(h, "h")
    W1, W2, x = _matrix("W1", h, d), _matrix("W2", c, h), _matrix("x", d, 1)
    params = {"W2": W2, "W1": W1}
    pre = W1 * x
    ds, cs, hs, n = _n("d"), _n("c"), _n("h"), _n("n")
    M1, M2, X = sp.MatrixSymbol("W1", hs, ds), sp.MatrixSymbol("W2", cs, hs), sp.MatrixSymbol("X", ds, n)
    forms = [("W2", M2), ("W1", M1)]
    F, text = M2 * M1 * X, "F = W2 W1 X, X in R^{d x n}"
    if bias:
        b1 = _matrix("b1", h, 1)
        params = {"W2": W2, "W1": W1, "b1": b1}
        pre = pre + b1
        B = sp.MatrixSymbol("b1", hs, 1)
        forms = [("W2", M2), ("W1", M1), ("b1", B)]
        F, text = M2 * (M1 * X + B * sp.OneMatrix(1, n)), "F = W2 (W1 X + b1 1^T), X in R^{d x n}"
    return Model(_name(name, f"two_layer_linear_{d}_{c}_{h}" + ("_bias" if bias else "")), params, x,
                 sp.ImmutableMatrix(W2 * pre), rates=_rates(rates, list(params)),
                 matrix_form=MatrixForm(tuple(forms), (X,), F, text))


def deep_linear(widths, *, rates=None, name: str | None = None) -> Model:
    r"""The deep linear network :math:`f(x) = W_L \cdots W_1 x`, ``widths = (d, h_1, ..., h_{L-1}, c)``.

    ``W_l`` is ``h_l x h_{l-1}``; ``deep_linear((1, 1, 1, 1))`` is the scalar chain :math:`W_3 W_2 W_1 x`.

    Examples
    --------
    >>> m = deep_linear((1, 1, 1, 1), rates=1)
    >>> m.outputs, m.D
    ((W1_1*W2_1*W3_1*x_1,), 3)
    """
    widths = tuple(widths)
    if len(widths) < 3:
        raise ValueError(f"widths must list at least (d, h, c), got {widths!r}")
    for i, wd in enumerate(widths):
        _size(wd, f"widths[{i}]")
    depth = len(widths) - 1
    Ws = [_matrix(f"W{l}", widths[l], widths[l - 1]) for l in range(1, depth + 1)]
    x = _matrix("x", widths[0], 1)
    out = x
    for W in Ws:
        out = W * out
    sizes = [_n("d")] + [_n(f"h{l}") for l in range(1, depth)] + [_n("c")]
    n = _n("n")
    Ms = [sp.MatrixSymbol(f"W{l}", sizes[l], sizes[l - 1]) for l in range(1, depth + 1)]
    X = sp.MatrixSymbol("X", sizes[0], n)
    F = sp.MatMul(*reversed(Ms), X)
    names = [f"W{l}" for l in range(1, depth + 1)]
    form = MatrixForm(tuple(zip(reversed(names), reversed(Ms))), (X,), F, f"F = W{depth} ... W1 X, X in R^{{d x n}}")
    return Model(_name(name, "deep_linear_" + "_".join(map(str, widths))), dict(zip(reversed(names), reversed(Ws))), x,
                 sp.ImmutableMatrix(out),
                 rates=_rates(rates, names), matrix_form=form)


def two_layer(d: int, m: int, *, activation="relu", c: int = 1, bias: bool = False, rates=None,
              name: str | None = None) -> Model:
    r"""The two-layer network :math:`f(x) = a\,\sigma(w x + b)` with ``m`` hidden neurons.

    ``w`` is ``m x d`` (row ``k`` is neuron ``k``'s weights), ``b`` (``bias=True``)
    is ``m x 1``, ``a`` is ``c x m``.

    Parameters
    ----------
    activation : "relu", "linear" or sympy.Expr
        ``"relu"`` is handled locally (:data:`RELU_ASSUMPTION`: the gates
        ``g_k`` are inputs; when ``d < m`` the assumption is marked as failing,
        and the completeness verdict is not claimed); a polynomial in one symbol with rational
        coefficients, e.g. ``z**2``, is applied exactly.

    Examples
    --------
    >>> model = two_layer(1, 2, rates=1)
    >>> model.inputs, model.outputs
    ((x_1, g_1, g_2), (a_1*g_1*w_1*x_1 + a_2*g_2*w_2*x_1,))
    >>> z = __import__("sympy").Symbol("z")
    >>> two_layer(1, 1, activation=z**2, rates=1).outputs
    (a_1*w_1**2*x_1**2,)
    """
    d, m, c = _size(d, "d"), _size(m, "m"), _size(c, "c")
    w, a, x = _matrix("w", m, d), _matrix("a", c, m), _matrix("x", d, 1)
    params = {"a": a, "w": w, "b": _matrix("b", m, 1)} if bias else {"a": a, "w": w}
    pre = w * x + (params["b"] if bias else sp.zeros(m, 1))
    assumptions = ()
    if activation == "relu":
        gates = _matrix("g", m, 1)
        hidden = sp.Matrix([gates[k] * pre[k] for k in range(m)])
        inputs, label, assumptions = tuple(x) + tuple(gates), "relu", (_relu_assumption(d, m, bias),)
    elif activation == "linear":
        hidden, inputs, label = pre, tuple(x), "linear"
    elif isinstance(activation, sp.Expr) and len(activation.free_symbols) == 1 and activation.is_polynomial():
        z = next(iter(activation.free_symbols))
        hidden, inputs = sp.Matrix([sp.expand(activation.subs(z, pre[k])) for k in range(m)]), tuple(x)
        label = sp.sstr(activation).replace("**", "^").replace(" ", "")
    else:
        raise ValueError(f"activation must be 'relu', 'linear' or a polynomial in one symbol, got {activation!r}")
    default = f"two_layer_{label}_{d}_{m}" + (f"_c{c}" if c > 1 else "") + ("_bias" if bias else "")
    return Model(_name(name, default), params, inputs, sp.ImmutableMatrix(sp.expand(a * hidden)),
                 rates=_rates(rates, list(params)), assumptions=assumptions)


def bilinear_attention(d: int, k: int, *, rates=None, name: str | None = None) -> Model:
    r"""The factorised bilinear attention score :math:`f(x, x') = x^\top W_Q W_K^\top x'`.

    ``WQ`` and ``WK`` are ``d x k``; the inputs are ``x`` and ``x'`` (``d`` each).

    Examples
    --------
    >>> bilinear_attention(1, 1, rates=1).outputs
    (WK_1*WQ_1*x'_1*x_1,)
    """
    d, k = _size(d, "d"), _size(k, "k")
    WQ, WK = _matrix("WQ", d, k), _matrix("WK", d, k)
    x, xp = _matrix("x", d, 1), _matrix("x'", d, 1)
    ds, ks, n = _n("d"), _n("k"), _n("n")
    Q, K = sp.MatrixSymbol("WQ", ds, ks), sp.MatrixSymbol("WK", ds, ks)
    X, Xp = sp.MatrixSymbol("X", ds, n), sp.MatrixSymbol("X'", ds, n)
    form = MatrixForm((("WQ", Q), ("WK", K)), (X, Xp), X.T * Q * K.T * Xp,
                      "F = X^T WQ WK^T X' (sample i is the diagonal entry i), X, X' in R^{d x n}")
    return Model(_name(name, f"bilinear_attention_{d}_{k}"), {"WQ": WQ, "WK": WK}, tuple(x) + tuple(xp),
                 sp.expand((x.T * WQ * WK.T * xp)[0, 0]), rates=_rates(rates, ["WQ", "WK"]), matrix_form=form)

r"""The vector fields of the gradient flow of a model, as exact sparse polynomials.

For any dataset and loss :math:`L = \sum_i \ell(f(x_i;\theta), y_i)` the
gradient flow :math:`\dot\theta = -H\nabla_\theta L = -\sum_{i,j}
\partial_j\ell\; H\nabla_\theta f_j(x_i;\theta)` moves in the span
:math:`W(\theta)` of the fields :math:`\chi_{x,j}(\theta) = H\nabla_\theta
f_j(x;\theta)` (Marcotte, Gribonval & Peyré, "Abide by the law and follow the
flow: conservation laws for gradient flows", NeurIPS 2023).  Since :math:`f` is
a polynomial in :math:`x`, :math:`\chi_{x,j} = \sum_\mu x^\mu V_{j,\mu}(\theta)`
and, :math:`x` ranging over an open set, :math:`W(\theta)` is the span of the
*generators* :math:`V_{j,\mu}`, the coefficients of the monomials
:math:`x^\mu`.  :func:`generators` computes them as tuples of SymPy sparse
polynomials (``PolyElement``) in :math:`\theta`; :func:`bracket`,
:func:`jacobian` and :func:`evaluate` are the Lie-algebra operations used by
:func:`symrich.conservation.count`.

>>> from symrich.conservation import single_neuron
>>> gens = generators(single_neuron(2, rates=1))
>>> len(gens.fields), gens.labels
(2, ((0, x_1), (0, x_2)))
>>> gens.fields[0]
(w_1, a, 0)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.polys.rings import PolyRing

from symrich.conservation.linalg import coefficient_field

__all__ = ["Generators", "generators", "integral", "jacobian", "bracket", "evaluate"]


@dataclass(frozen=True)
class Generators:
    r"""The generators :math:`V_{j,\mu}` of the span of the flow's vector fields.

    Attributes
    ----------
    ring : sympy.polys.rings.PolyRing
        Polynomials in :math:`\theta` over ``QQ`` (numeric rates) or
        ``QQ(eta...)`` (symbolic rates).
    fields : tuple of tuple
        Each generator as ``D`` ring elements (its components along
        :math:`\theta`).
    labels : tuple of (int, sympy.Expr)
        For each generator, the output index ``j`` and the input monomial
        :math:`x^\mu` it multiplies.

    Examples
    --------
    >>> from symrich.conservation import single_neuron
    >>> gens = generators(single_neuron(1))
    >>> gens.ring.domain, gens.fields
    (QQ(eta_a,eta_w), ((eta_a*w_1, eta_w*a),))
    """

    ring: Any
    fields: tuple
    labels: tuple


def generators(model, rates: dict | None = None) -> Generators:
    r"""The generators of :math:`W(\theta)`: the coefficients of the input monomials in :math:`H\nabla_\theta f_j`.

    Parameters
    ----------
    model : Model
    rates : mapping of sympy.Symbol to rational, optional
        Values substituted for the symbolic learning rates (then the
        coefficients are rational numbers); by default symbolic rates stay
        symbols of the coefficient field ``QQ(eta...)``.

    Returns
    -------
    Generators

    Examples
    --------
    >>> import sympy as sp
    >>> from symrich.conservation import single_neuron
    >>> m = single_neuron(1)
    >>> eta_a, eta_w = m.rate_symbols
    >>> generators(m, rates={eta_a: 2, eta_w: 3}).fields
    ((2*w_1, 3*a),)
    """
    theta, inputs = model.theta, model.inputs
    D = len(theta)
    theta_rates = [sp.sympify(r).subs(rates or {}) for r in model.theta_rates]
    symbols = () if rates is not None else model.rate_symbols
    K = coefficient_field(symbols)
    full = PolyRing(theta + inputs, K)
    ring = PolyRing(theta, K)
    by_label = {}
    for j, f in enumerate(model.outputs):
        fj = full(f)
        for p in range(D):
            dp = fj.diff(full.gens[p]) * K.from_sympy(theta_rates[p])
            for monom, coeff in dp.terms():
                comps = by_label.setdefault((j, monom[D:]), [ring.zero] * D)
                comps[p] += ring({monom[:D]: coeff})
    labels = tuple((j, sp.Mul(*[x**e for x, e in zip(inputs, mu)])) for j, mu in by_label)
    return Generators(ring, tuple(tuple(c) for c in by_label.values()), labels)


def jacobian(field: tuple, ring) -> tuple:
    r"""The Jacobian :math:`J_{pq} = \partial_q F_p` of a polynomial field.

    >>> from symrich.conservation import single_neuron
    >>> gens = generators(single_neuron(1, rates=1))
    >>> jacobian(gens.fields[0], gens.ring)
    ((0, 1), (1, 0))
    """
    return tuple(tuple(Fp.diff(x) for x in ring.gens) for Fp in field)


def bracket(X: tuple, Y: tuple, JX: tuple, JY: tuple) -> tuple:
    r"""The Lie bracket :math:`[X, Y] = DY\,X - DX\,Y` of two fields, given their Jacobians.

    Examples
    --------
    Rotations and dilations of the plane commute:

    >>> import sympy as sp
    >>> from sympy.polys.domains import QQ
    >>> from sympy.polys.rings import PolyRing
    >>> R = PolyRing(sp.symbols("u v"), QQ)
    >>> u, v = R.gens
    >>> rot, dil = (-v, u), (u, v)
    >>> bracket(rot, dil, jacobian(rot, R), jacobian(dil, R))
    (0, 0)
    >>> bracket((R(1), R(0)), (R(0), u), ((0, 0), (0, 0)), ((0, 0), (1, 0)))  # [d/du, u d/dv] = d/dv
    (0, 1)
    """
    out = []
    for p in range(len(X)):
        s = X[p].ring.zero
        for q in range(len(X)):
            if X[q] and JY[p][q]:
                s += JY[p][q] * X[q]
            if Y[q] and JX[p][q]:
                s -= JX[p][q] * Y[q]
        out.append(s)
    return tuple(out)


def evaluate(field: tuple, point: tuple) -> list:
    r"""The field's components at a point (exact: integers, or elements of the ring's domain).

    >>> from symrich.conservation import single_neuron
    >>> gens = generators(single_neuron(1, rates=3))
    >>> evaluate(integral(gens).fields[0], (2, 5))
    [5, 2]
    """
    out = []
    for Fp in field:
        total = 0
        for monom, coeff in Fp.items():
            for x, e in zip(point, monom):
                if e:
                    coeff = coeff * x**e
            total += coeff
        out.append(total)
    return out


def integral(gens: Generators) -> Generators:
    r"""The generators, each scaled to integer coefficients without common factor, over ``ZZ``.

    Scaling a generator by a nonzero constant changes neither the span
    :math:`W(\theta)` nor the Lie algebra it generates; integer arithmetic is
    much faster.  The generators must have rational coefficients (numeric rates).

    >>> from symrich.conservation import single_neuron
    >>> gens = integral(generators(single_neuron(1, rates={"a": 2, "w": 3})))
    >>> gens.ring.domain, gens.fields
    (ZZ, ((2*w_1, 3*a),))
    """
    from sympy.polys.domains import QQ, ZZ

    if gens.ring.domain != QQ:
        raise ValueError(f"integral needs generators over QQ (numeric rates), got {gens.ring.domain}")
    ring = PolyRing(gens.ring.symbols, ZZ)
    fields = []
    for F in gens.fields:
        coeffs = [c for Fp in F for c in Fp.values()]
        den = functools.reduce(ZZ.lcm, (QQ.denom(c) for c in coeffs), ZZ.one)
        num = functools.reduce(ZZ.gcd, (QQ.numer(c * den) for c in coeffs), ZZ.zero) or ZZ.one
        fields.append(tuple(ring({m: QQ.numer(c * den) // num for m, c in Fp.items()}) for Fp in F))
    return Generators(ring, tuple(fields), gens.labels)

"""Targeted rewrites used as step proofs (cheaper and more predictable than ``simplify``).

Each function maps an expression to an *equal* expression; a step that names one
is proved when the rewrite reduces ``lhs - rhs`` to zero.  Every rewrite here is
an identity, never an assumption.

>>> import sympy as sp
>>> w, g = sp.MatrixSymbol("w", 3, 1), sp.MatrixSymbol("g", 3, 1)
>>> scalar_transposes(w.T * g - g.T * w)
0
"""

import sympy as sp

__all__ = ["scalar_transposes", "expand_matrix", "factor_radicands"]


def _canonical_scalar(term):
    """A 1x1 matrix product equals its transpose; pick a canonical one of the two."""
    if isinstance(term, sp.MatMul) and term.shape == (1, 1):
        other = term.T.doit()
        return min(term, other, key=sp.srepr)
    return term


def scalar_transposes(expr):
    """Expand, then replace every 1x1 product ``u^T v`` by a canonical one of ``u^T v``, ``v^T u``.

    For matrix expressions of symbolic size SymPy does not know that a 1x1
    product equals its transpose; this rewrite uses exactly that fact and
    nothing else, then expands again.

    Examples
    --------
    >>> import sympy as sp
    >>> n = sp.Symbol("n", integer=True, positive=True)
    >>> u, v = sp.MatrixSymbol("u", n, 1), sp.MatrixSymbol("v", n, 1)
    >>> sp.expand(u.T * v - v.T * u)  # SymPy alone cannot cancel these
    u.T*v - v.T*u
    >>> scalar_transposes(u.T * v - v.T * u)
    0
    >>> scalar_transposes(2 * u.T * v + 3 * v.T * u)
    5*u.T*v
    """
    e = sp.expand(expr.doit()) if hasattr(expr, "doit") else sp.expand(expr)

    def canon(x):
        if isinstance(x, sp.MatAdd):
            return sp.MatAdd(*[canon(t) for t in x.args]).doit()
        if isinstance(x, sp.MatMul) and x.shape == (1, 1):
            coeff, mats = x.as_coeff_matrices()
            core = sp.MatMul(*mats).doit() if len(mats) > 1 else mats[0]
            return (coeff * _canonical_scalar(core)).doit() if len(mats) > 1 else x
        return x

    out = canon(e)
    return sp.expand(out).doit() if hasattr(out, "doit") else out


def expand_matrix(expr):
    """``expand`` entrywise for explicit matrices, ``expand().doit()`` for matrix expressions.

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> expand_matrix(sp.Matrix([[(x + y)**2, x*(x - y)]]))
    Matrix([[x**2 + 2*x*y + y**2, x**2 - x*y]])
    >>> n = sp.Symbol("n", integer=True, positive=True)
    >>> A, B = sp.MatrixSymbol("A", n, n), sp.MatrixSymbol("B", n, n)
    >>> expand_matrix(A * (A + B))
    A**2 + A*B
    """
    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(sp.expand)
    return sp.expand(expr).doit()


def factor_radicands(expr):
    """Factor the radicand of every square root (``sqrt(x**2 + 2xy + y**2) -> sqrt((x+y)**2)``).

    SymPy then takes the root itself when the base is known positive; no
    branch is assumed beyond the symbols' assumptions.  Expands afterwards.

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y", positive=True)
    >>> factor_radicands(sp.sqrt(x**2 + 2*x*y + y**2))
    x + y
    >>> factor_radicands(sp.sqrt(x**2 + 2*x*y + y**2) - x - y)
    0
    """
    def one(e):
        e = e.replace(
            lambda x: isinstance(x, sp.Pow) and x.exp == sp.S.Half,
            lambda x: sp.sqrt(sp.factor(x.base)),
        )
        return sp.expand(sp.cancel(sp.together(e)))

    return expr.applyfunc(one) if isinstance(expr, sp.MatrixBase) else one(expr)


__all__ += ["factor_half_powers"]


def factor_half_powers(expr):
    """Factor the base of every power with a half-integer exponent (``x**(1/2)``, ``x**(-1/2)``, ``x**(3/2)``...).

    ``(alpha**4 + 2 alpha**2 u**2 + u**4)**(-1/2)`` becomes ``((alpha**2 + u**2)**2)**(-1/2)``, which
    SymPy takes to ``1/(alpha**2 + u**2)`` itself when the base is known positive; no branch is assumed
    beyond the symbols' assumptions (``factor`` is an identity).  Then ``cancel`` and ``expand``.
    This extends :func:`factor_radicands` to square roots in denominators and to ``x**(3/2)``.

    >>> import sympy as sp
    >>> x, y = sp.symbols("x y", positive=True)
    >>> factor_half_powers(1 / sp.sqrt(x**2 + 2*x*y + y**2) - 1 / (x + y))
    0
    """
    def one(e):
        e = e.replace(
            lambda x: isinstance(x, sp.Pow) and x.exp.is_Rational and x.exp.q == 2,
            lambda x: sp.Pow(sp.factor(x.base), x.exp),
        )
        return sp.expand(sp.cancel(sp.together(e)))

    return expr.applyfunc(one) if isinstance(expr, sp.MatrixBase) else one(expr)


__all__ += ["distribute_matrix_products"]


def _flat_product(factors):
    """``(coeff, [matrix factors])`` of a product of terms, identities dropped."""
    coeff, mats = sp.S.One, []
    for f in factors:
        if isinstance(f, sp.MatMul):
            c_, m_ = f.as_coeff_matrices()
            coeff *= c_
            mats.extend(m_)
        elif isinstance(f, sp.MatrixExpr):
            mats.append(f)
        else:
            coeff *= f
    return coeff, [m for m in mats if not isinstance(m, sp.Identity)]


def _product_terms(e):
    """The expansion of ``e`` as a list of terms ``(coeff, [matrix factors], shape)``."""
    if isinstance(e, sp.MatAdd):
        out = []
        for a in e.args:
            out += _product_terms(a)
        return out
    if isinstance(e, sp.MatPow) and e.exp.is_Integer and e.exp > 0:
        return _product_terms(sp.MatMul(*([e.base] * int(e.exp)), evaluate=False))
    if isinstance(e, sp.MatMul):
        coeff, mats = e.as_coeff_matrices()
        import itertools

        out = []
        for combo in itertools.product(*[_product_terms(m) for m in mats]):
            c_ = coeff
            ms = []
            for cc, mm, _ in combo:
                c_ *= cc
                ms.extend(mm)
            out.append((c_, ms, e.shape))
        return out
    c_, ms = _flat_product([e])
    return [(c_, ms, e.shape)]


def distribute_matrix_products(expr):
    """Multiply out products and integer powers of sums of matrix expressions of symbolic size.

    SymPy's ``expand`` leaves ``(P + Q)**2`` and ``(a I + b W^T W)(c I + ...)``
    alone for matrix expressions; this rewrite distributes every product over
    every sum (non-commutatively, factor order kept), drops identity factors
    and collects the terms.  It is the distributive law and nothing else.

    >>> import sympy as sp
    >>> P = sp.MatrixSymbol("P", 3, 3)
    >>> I = sp.Identity(3)
    >>> distribute_matrix_products((P + I)**2 - P*P - 2*P - I)
    0
    """
    e = expr.doit() if hasattr(expr, "doit") else expr
    if not isinstance(e, sp.MatrixExpr):
        return sp.expand(e)
    terms = []
    for coeff, mats, shape in _product_terms(e):
        if not mats:
            terms.append(coeff * sp.Identity(shape[0]))
        else:
            terms.append(sp.MatMul(coeff, *mats).doit())
    out = sp.MatAdd(*terms).doit() if terms else sp.ZeroMatrix(*e.shape)
    if isinstance(out, sp.MatAdd):
        out = sp.expand(out).doit()
    return out


__all__ += ["one_by_one_scalars"]


def one_by_one_scalars(expr):
    """Replace every ``1 x 1`` matrix symbol ``a`` by ``a I_1`` (a scalar), then apply ``scalar_transposes``.

    An identity: a ``1 x 1`` matrix is a scalar times the ``1 x 1`` identity,
    so it commutes with every factor; SymPy does not know this for matrix
    symbols.

    Examples
    --------
    >>> import sympy as sp
    >>> n = sp.Symbol("n", integer=True, positive=True)
    >>> a, u, v = sp.MatrixSymbol("a", 1, 1), sp.MatrixSymbol("u", 1, n), sp.MatrixSymbol("v", n, 1)
    >>> sp.expand(u * v * a - a.T * u * v)   # SymPy alone cannot cancel these
    u*v*a - a.T*u*v
    >>> one_by_one_scalars(u * v * a - a.T * u * v)
    0
    """
    rep = {m: sp.Symbol(m.name) * sp.Identity(1) for m in expr.atoms(sp.MatrixSymbol) if m.shape == (1, 1)}
    return scalar_transposes(expr.xreplace(rep).doit())

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

__all__ = [
    "scalar_transposes", "expand_matrix", "factor_radicands", "factor_half_powers", "distribute_matrix_products",
    "traces", "collect_matrix_terms", "one_by_one_scalars",
]


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


def _one_by_one(mats):
    """The scalar ``tr(u^T ... v)`` of a ``1 x 1`` product, split into its minimal ``1 x 1`` runs.

    Each run and its transpose are the same number; a canonical one of the two is kept.
    """
    out, run = sp.S.One, []
    for m in mats:
        run.append(m)
        if run[0].shape[0] == 1 and m.shape[1] == 1:
            block = sp.MatMul(*run).doit() if len(run) > 1 else run[0]
            out *= sp.Trace(_canonical_scalar(block) if isinstance(block, sp.MatMul) else block)
            run = []
    if run:
        raise ValueError(f"not a product of 1x1 runs: {mats}")
    return out


def _pull_scalars(mats):
    """``(scalar, factors)``: every inner ``1 x 1`` run of a longer product taken out as a scalar factor."""
    scalar = sp.S.One
    changed = True
    while changed and len(mats) > 1:
        changed = False
        for i, m in enumerate(mats):
            if m.shape[0] != 1:
                continue
            j = next((k for k in range(i, len(mats)) if mats[k].shape[1] == 1), None)
            if j is None or (i == 0 and j == len(mats) - 1):
                continue
            scalar *= _one_by_one(mats[i:j + 1])
            mats = mats[:i] + mats[j + 1:]
            changed = True
            break
    return scalar, mats


def _trace_term(coeff, mats, size):
    if not mats:
        return coeff * size
    for k in range(len(mats)):
        rotated = mats[k:] + mats[:k]
        if rotated[0].shape[0] == 1:  # tr(A u v^T B) = v^T B A u, a 1x1 product
            return coeff * _one_by_one(rotated)
    rotations = [mats[k:] + mats[:k] for k in range(len(mats))]
    return coeff * sp.Trace(sp.MatMul(*min(rotations, key=lambda r: sp.srepr(sp.MatMul(*r)))))


def _trace(arg):
    e = distribute_matrix_products(arg)
    terms = e.args if isinstance(e, sp.MatAdd) else (e,)
    out = sp.S.Zero
    for term in terms:
        coeff, mats = _flat_product([term])
        pulled, mats = _pull_scalars(mats)
        out += _trace_term(coeff * pulled, mats, arg.shape[0])
    return out


def traces(expr):
    """Trace algebra for vectors and matrices of symbolic size; then every scalar ``u^T v`` is a real number.

    The identities used: the trace is linear, ``tr(I_d) = d``, ``tr(A B) = tr(B A)``
    (cyclicity, which turns ``tr(w w^T)`` into ``w^T w`` and
    ``tr(w_0 w_0^T w w^T)`` into ``(w_0^T w)^2``), a ``1 x 1`` run ``u^T v`` inside a longer
    product is a scalar factor (``x x^T x = (x^T x) x``), and a ``1 x 1`` product equals its
    transpose.  A ``1 x 1`` matrix expression is taken as its trace.  A scalar ``1 x 1`` product is
    written ``tr(u^T v)``
    (displayed ``u^\\top v``); each is then replaced by a real symbol, nonnegative for a squared
    norm ``u^T u`` (the vectors are real), and the result is expanded (a matrix expression: the
    coefficient of each distinct matrix product, over a common denominator).

    Examples
    --------
    >>> import sympy as sp
    >>> d = sp.Symbol("d", integer=True, positive=True)
    >>> w, v = sp.MatrixSymbol("w", d, 1), sp.MatrixSymbol("v", d, 1)
    >>> traces(sp.Trace((w * w.T + sp.Identity(d))**2) - sp.Trace(w.T * w)**2 - 2 * sp.Trace(w.T * w) - d)
    0
    >>> traces(sp.Trace(v * v.T * w * w.T) - sp.Trace(w.T * v)**2)
    0
    >>> traces(sp.sqrt(sp.Trace((2 * w).T * (2 * w))) - 2 * sp.sqrt(sp.Trace(w.T * w)))
    0
    """
    e = expr.doit() if hasattr(expr, "doit") else expr
    if isinstance(e, sp.MatrixExpr) and e.shape == (1, 1):  # a 1x1 matrix is the scalar tr(e)
        e = sp.Trace(e)
    if isinstance(e, sp.MatrixExpr):
        terms = distribute_matrix_products(e)
        terms = terms.args if isinstance(terms, sp.MatAdd) else (terms,)
        rebuilt = []
        for term in terms:
            coeff, mats = _flat_product([term])
            pulled, mats = _pull_scalars(mats)
            rebuilt.append(coeff * pulled * (sp.MatMul(*mats) if len(mats) > 1 else mats[0]) if mats
                           else coeff * pulled * sp.Identity(e.shape[0]))
        e = sp.MatAdd(*rebuilt).doit() if len(rebuilt) > 1 else rebuilt[0]
    e = e.replace(lambda x: isinstance(x, sp.Trace), lambda x: _trace(x.arg))
    names = {}

    def scalar(x):
        arg = x.arg
        if arg not in names:
            factors = _flat_product([arg])[1]
            square = len(factors) == 2 and factors[0] == factors[1].T
            names[arg] = sp.Dummy(f"s{len(names)}", real=True, nonnegative=True) if square else sp.Dummy(f"s{len(names)}", real=True)
        return names[arg]

    e = e.replace(lambda x: isinstance(x, sp.Trace) and x.arg.shape == (1, 1), scalar)
    if isinstance(e, sp.MatrixExpr):
        return collect_matrix_terms(e, lambda c: sp.expand(sp.together(c)))
    return sp.expand(e)


def collect_matrix_terms(expr, fn=sp.expand):
    """A matrix expression as a sum of distinct matrix products, each with its scalar coefficient passed to ``fn``.

    Distributes products over sums (:func:`distribute_matrix_products`), groups the terms
    by their matrix factors and applies the scalar rewrite ``fn`` to each summed
    coefficient; terms whose coefficient vanishes are dropped.

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> P = sp.MatrixSymbol("P", 3, 3)
    >>> collect_matrix_terms((x + 1)**2 * P - (x**2 + 2*x) * P - P)
    0
    """
    e = distribute_matrix_products(expr)
    terms = e.args if isinstance(e, sp.MatAdd) else (e,)
    groups = {}
    for term in terms:
        coeff, mats = _flat_product([term])
        key = sp.MatMul(*mats).doit() if len(mats) > 1 else (mats[0] if mats else sp.Identity(e.shape[0]))
        groups[key] = groups.get(key, sp.S.Zero) + coeff
    out = [c * key for key, c in ((k, fn(v)) for k, v in groups.items()) if c != 0]
    if not out:
        return sp.ZeroMatrix(*e.shape)
    return sp.MatAdd(*out).doit() if len(out) > 1 else out[0]


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

r"""Exact sparse linear algebra over :math:`\mathbb{Q}` or a field of rational functions :math:`\mathbb{Q}(\eta)`.

Vectors are sparse dicts ``{index: value}`` with values in a SymPy domain
(``QQ`` or ``QQ.frac_field(*rates)``).  :func:`nullspace_rref` solves a sparse
homogeneous system with SymPy's ``DomainMatrix`` and returns the reduced row
echelon basis of its solutions (a canonical basis: each vector has a pivot
entry 1 where all the others vanish); :class:`Echelon` keeps an echelon basis
that grows one vector at a time (rank tests); :func:`primitive` scales a
vector to polynomial, coprime coefficients.

>>> from sympy.polys.domains import QQ
>>> basis = nullspace_rref({0: {0: QQ(1), 1: QQ(1)}}, 3, QQ)
>>> [{j: QQ.to_sympy(c) for j, c in v.items()} for v in basis]
[{0: 1, 1: -1}, {2: 1}]
"""

from __future__ import annotations

import math

import sympy as sp
from sympy.polys.matrices import DomainMatrix

__all__ = ["nullspace_rref", "Echelon", "primitive", "coefficient_field"]


def coefficient_field(rate_symbols):
    """``QQ``, or the field of rational functions ``QQ(eta...)`` of the symbolic learning rates.

    >>> import sympy as sp
    >>> coefficient_field(()), coefficient_field(sp.symbols("eta_a eta_w"))
    (QQ, QQ(eta_a,eta_w))
    """
    from sympy.polys.domains import QQ

    return QQ.frac_field(*rate_symbols) if rate_symbols else QQ


def nullspace_rref(rows: dict, ncols: int, K) -> list:
    """The reduced row echelon basis of ``{c : A c = 0}`` for the sparse matrix ``A``.

    Parameters
    ----------
    rows : dict of dict
        ``rows[i][j]`` is the nonzero entry ``A[i, j]`` (an element of ``K``).
    ncols : int
        The number of unknowns.
    K : sympy domain
        A field (``QQ``, ``QQ(eta)``).

    Returns
    -------
    list of dict
        The basis vectors as sparse dicts, in order of their pivots.

    Examples
    --------
    >>> from sympy.polys.domains import QQ
    >>> basis = nullspace_rref({0: {0: QQ(2), 1: QQ(-1)}, 1: {2: QQ(1)}}, 3, QQ)
    >>> [{j: QQ.to_sympy(c) for j, c in v.items()} for v in basis]
    [{0: 1, 1: 2}]
    """
    out = []
    for cols, block in _blocks(rows, ncols):
        if not block:
            out += [{j: K.one} for j in cols]
            continue
        local = {j: i for i, j in enumerate(cols)}
        A = DomainMatrix({i: {local[j]: x for j, x in r.items()} for i, r in enumerate(block)}, (len(block), len(cols)), K)
        basis = A.nullspace()
        if basis.shape[0] == 0:
            continue
        sdm = basis.rref()[0].to_sdm()
        out += [{cols[j]: x for j, x in sorted(sdm[i].items())} for i in sorted(sdm) if sdm[i]]
    return sorted(out, key=min)


def _blocks(rows: dict, ncols: int) -> list:
    """The system split into independent blocks: ``[(columns, rows of the block), ...]``.

    Two unknowns are in the same block when an equation links them (connected
    components); the blocks are solved separately, which is much faster, and
    their reduced bases have disjoint supports, so together they are reduced.
    """
    parent = list(range(ncols))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in rows.values():
        first, *rest = r or (0,)
        for j in rest:
            parent[find(j)] = find(first)
    cols, block_rows = {}, {}
    for j in range(ncols):
        cols.setdefault(find(j), []).append(j)
    for r in rows.values():
        if r:
            block_rows.setdefault(find(next(iter(r))), []).append(r)
    return [(c, block_rows.get(root, [])) for root, c in cols.items()]


class Echelon:
    """An echelon basis that grows one vector at a time.

    Vectors are sparse dicts over a field; :meth:`add` keeps a vector only if
    it is independent of those kept, :meth:`reduce` returns the remainder of a
    vector modulo the span.

    Examples
    --------
    >>> from sympy.polys.domains import QQ
    >>> E = Echelon()
    >>> E.add({0: QQ(1), 1: QQ(1)}), E.add({0: QQ(2), 1: QQ(2)}), E.add({1: QQ(1)})
    (True, False, True)
    >>> E.rank, {j: QQ.to_sympy(c) for j, c in E.reduce({0: QQ(3), 2: QQ(1)}).items()}
    (2, {2: 1})
    """

    def __init__(self):
        self._rows = []  # (pivot, row) in insertion order; row[pivot] == 1

    @property
    def rank(self) -> int:
        return len(self._rows)

    @property
    def rows(self) -> list:
        """The kept rows, in insertion order (each with a leading entry 1 at its pivot, the smallest index)."""
        return [row for _, row in self._rows]

    def reduce(self, vector: dict) -> dict:
        """The remainder of ``vector`` after eliminating every kept pivot."""
        v = {k: x for k, x in vector.items() if x}
        for pivot, row in self._rows:
            c = v.get(pivot)
            if c:
                for k, x in row.items():
                    y = v.get(k, 0) - c * x
                    if y:
                        v[k] = y
                    else:
                        v.pop(k, None)
        return v

    def add(self, vector: dict) -> bool:
        """Keep ``vector`` if it is independent of the kept ones; return whether it was."""
        v = self.reduce(vector)
        if not v:
            return False
        pivot = min(v)
        inv = 1 / v[pivot]
        self._rows.append((pivot, {k: x * inv for k, x in v.items()}))
        return True

    def copy(self) -> "Echelon":
        """An independent copy.

        >>> from sympy.polys.domains import QQ
        >>> E = Echelon(); _ = E.add({0: QQ(1)}); F = E.copy(); _ = F.add({1: QQ(1)})
        >>> E.rank, F.rank
        (1, 2)
        """
        new = Echelon()
        new._rows = list(self._rows)
        return new


def primitive(vector: dict, K) -> dict:
    """``vector`` as SymPy expressions, scaled to polynomial coefficients without common factor.

    The denominators are cleared, the greatest common divisor of the entries
    (a polynomial in the rates, and the rational content) is divided out, and
    the sign is chosen so that the first entry has a positive leading
    coefficient.

    Examples
    --------
    >>> import sympy as sp
    >>> from sympy.polys.domains import QQ
    >>> ea, ew = sp.symbols("eta_a eta_w", positive=True)
    >>> K = QQ.frac_field(ea, ew)
    >>> primitive({0: K.one, 1: K.convert(-ea / ew)}, K)
    {0: eta_w, 1: -eta_a}
    >>> primitive({3: QQ(-2, 3), 5: QQ(4)}, QQ)
    {3: 1, 5: -6}
    """
    exprs = {k: sp.together(K.to_sympy(x)) for k, x in sorted(vector.items()) if x}
    if not exprs:
        return {}
    den = sp.lcm_list([sp.fraction(e)[1] for e in exprs.values()])
    exprs = {k: sp.cancel(e * den) for k, e in exprs.items()}
    g = sp.gcd_list(list(exprs.values()))
    exprs = {k: sp.expand(sp.cancel(e / g)) for k, e in exprs.items()}
    coeffs = [c for e in exprs.values() for c in sp.Poly(e, *sorted(e.free_symbols, key=str) or [sp.Dummy()]).coeffs()]
    scale = sp.Rational(math.lcm(*[int(sp.Rational(c).q) for c in coeffs]), math.gcd(*[int(sp.Rational(c).p) for c in coeffs]))
    first = exprs[min(exprs)]
    lead = sp.Poly(first, *sorted(first.free_symbols, key=str) or [sp.Dummy()]).LC()
    if lead < 0:
        scale = -scale
    return {k: sp.expand(scale * e) for k, e in exprs.items()}

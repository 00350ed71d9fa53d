r"""Polynomial conservation laws: the exact linear system and its canonical solution.

A function :math:`h(\theta)` is conserved along the gradient flow of every
dataset and every loss iff (Marcotte, Gribonval & Peyré, NeurIPS 2023)

.. math:: \nabla h(\theta)^\top H\,\nabla_\theta f_j(x;\theta) = 0
          \quad\text{for all } x, j, \theta .

For :math:`h = \sum_\alpha c_\alpha \theta^\alpha` (degrees ``1..degree``)
this is a polynomial identity in :math:`(x, \theta)`, i.e. one linear
equation on the :math:`c_\alpha` per generator :math:`V_{j,\mu}`
(:func:`~symrich.conservation.fields.generators`) and monomial of
:math:`\theta`.  :func:`discover` builds that sparse system, solves it over
:math:`\mathbb{Q}` (numeric rates) or the field :math:`\mathbb{Q}(\eta)` of
rational functions of the symbolic rates, and presents the solution space in a
canonical form:

1. *matrix laws* first: for every square shape (for every width, when the model
   has a :class:`~symrich.conservation.MatrixForm`), largest first, the combinations
   :math:`Q = \sum_G c_G\,\mathrm{Gram}_G` of the Gram matrices
   :math:`G G^\top`, :math:`G^\top G` of the parameter groups whose entries on
   and above the diagonal are all laws (e.g. :math:`\Delta`), then those whose
   diagonal entries are (e.g. the per-neuron :math:`\delta_k`);
2. then the remaining laws, degree by degree: first the *products* of laws of
   lower degree (a product of conserved quantities is conserved;
   :attr:`Law.factors` names the factors), then the *new* laws of that degree,
   which are not polynomials in the laws of lower degree (from the reduced row
   echelon basis where possible).  :attr:`Laws.new` lists the matrix laws'
   entries and the new laws: the laws that say something the others do not.

Each law is scaled to polynomial coefficients in the rates without common
factor, the first coefficient positive.  With symbolic rates the basis is
exact for generic rates: every law returned is conserved for *every* positive
rate (the criterion is a polynomial identity in the rates too), but at special
rates, on the zero set of a nonzero polynomial, more laws may exist.  Pass
numeric rates to study a particular rate vector.

>>> from symrich.conservation import single_neuron
>>> laws = discover(single_neuron(3))
>>> print(laws.matrices[0].text)
eta_w*a^2 - eta_a*||w||^2

The system grows like :math:`\binom{D + \mathrm{degree}}{\mathrm{degree}}`
(:func:`count_unknowns`); ``progress=print`` reports each stage with the
sizes, and the command line does so by itself for systems of more than
:data:`LARGE_SYSTEM` unknowns.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symrich.conservation.fields import generators
from symrich.conservation.linalg import Echelon, nullspace_rref, primitive
from symrich.conservation.model import Model

__all__ = ["Law", "MatrixLaw", "Laws", "discover", "criterion_system", "monomials", "count_unknowns",
           "LARGE_SYSTEM"]

#: Unknowns of the linear system above which the search takes from seconds to minutes (symbolic rates).
LARGE_SYSTEM = 5000


@dataclass(frozen=True)
class Law:
    """One conservation law :math:`h(\\theta)`.

    Attributes
    ----------
    name : str
        ``"Q_1[1,2]"`` for an entry of the matrix law ``Q_1``, ``"h_3"`` otherwise.
    expr : sympy.Expr
        :math:`h`, a polynomial in the parameters (coefficients polynomial in the rates).
    matrix : str
        The name of the matrix law it is an entry of, or ``""``.
    factors : tuple of str
        For a product of laws of lower degree, the names of its factors (with
        repetition); ``()`` for a law that is not such a product.

    Examples
    --------
    >>> from symrich.conservation import single_neuron
    >>> law = discover(single_neuron(1)).laws[0]
    >>> law.name, law.expr, law.matrix
    ('Q_1', a**2*eta_w - eta_a*w_1**2, 'Q_1')
    >>> print(discover(single_neuron(1), degree=4).laws[1].formula)
    h_1 = Q_1^2
    """

    name: str
    expr: Any
    matrix: str = ""
    factors: tuple = ()

    @property
    def formula(self) -> str:
        """``"h_5 = h_1*h_2^2"`` for a product, ``"name = expr"`` otherwise."""
        if not self.factors:
            return f"{self.name} = {self.expr}"
        powers = [(f, self.factors.count(f)) for f in dict.fromkeys(self.factors)]
        return f"{self.name} = " + "*".join(f if k == 1 else f"{f}^{k}" for f, k in powers)


@dataclass(frozen=True)
class MatrixLaw:
    r"""A matrix :math:`Q = \sum_G c_G\,\mathrm{Gram}_G` whose entries (or diagonal entries) are laws.

    Attributes
    ----------
    name : str
        ``"Q_1"``, ``"Q_2"``...
    terms : tuple of (sympy.Expr, str, str)
        ``(c_G, group name, kind)`` with kind ``"outer"`` (:math:`G G^\top`)
        or ``"inner"`` (:math:`G^\top G`).
    diagonal : bool
        True when only the diagonal entries are conserved (e.g. one law per neuron).
    matrix : sympy.ImmutableMatrix
        The explicit matrix :math:`Q(\theta)`.
    text : str
        :math:`Q` in plain text, e.g. ``"eta_W1*W2^T W2 - eta_W2*W1 W1^T"``; for a
        diagonal law its entry ``k, k``, e.g. ``"eta_w*a_k^2 - eta_a*||w_k||^2"``
        (``w_k`` is row ``k`` of ``w``, ``w[:,k]`` its column ``k``).
    expression : sympy expression
        :math:`Q` for LaTeX: products of ``MatrixSymbol`` s named as the
        groups (a scalar expression for a ``1 x 1`` law), the terms in the
        order of :attr:`terms` (print with ``order="none"`` to keep it).

    Examples
    --------
    >>> from symrich.conservation import two_layer_linear
    >>> Q = discover(two_layer_linear(2, 1, 2, rates=1)).matrices[0]
    >>> Q.text, Q.diagonal, Q.matrix.shape
    ('W2^T W2 - W1 W1^T', False, (2, 2))
    """

    name: str
    terms: tuple
    diagonal: bool
    matrix: Any
    text: str
    expression: Any

    @property
    def positions(self) -> tuple:
        """The conserved entries ``(i, j)``: on and above the diagonal, or the diagonal only."""
        k = self.matrix.shape[0]
        if self.diagonal:
            return tuple((i, i) for i in range(k))
        return tuple((i, j) for i in range(k) for j in range(i, k))


@dataclass(frozen=True)
class Laws:
    """A basis of the polynomial conservation laws of a model up to a degree.

    Attributes
    ----------
    model : Model
    degree : int
    laws : tuple of Law
        A basis (over the coefficient field) of the laws of degree ``1..degree``:
        the entries of the matrix laws first, then the others by degree
        (products of laws of lower degree, then new laws).
    matrices : tuple of MatrixLaw
    field : str
        ``"QQ"`` or ``"QQ(eta...)"``: where the coefficients were computed.
    unknowns, equations : int
        Size of the linear system (monomials; distinct equations).
    seconds : float

    Examples
    --------
    >>> from symrich.conservation import deep_linear
    >>> laws = discover(deep_linear((1, 1, 1, 1), rates=1))
    >>> len(laws), [law.expr for law in laws.laws]
    (2, [-W2_1**2 + W3_1**2, -W1_1**2 + W2_1**2])
    >>> quartic = discover(deep_linear((1, 1, 1, 1), rates=1), degree=4)
    >>> len(quartic), len(quartic.new), len(quartic.products)
    (5, 2, 3)
    """

    model: Model
    degree: int
    laws: tuple
    matrices: tuple
    field: str
    unknowns: int
    equations: int
    seconds: float

    def __len__(self) -> int:
        return len(self.laws)

    @property
    def exprs(self) -> tuple:
        """The laws as SymPy expressions."""
        return tuple(law.expr for law in self.laws)

    @property
    def new(self) -> tuple:
        """The laws that are not products of laws of lower degree (the matrix laws' entries included)."""
        return tuple(law for law in self.laws if not law.factors)

    @property
    def products(self) -> tuple:
        """The laws that are products of laws of lower degree (conserved because their factors are)."""
        return tuple(law for law in self.laws if law.factors)


def monomials(D: int, degree: int) -> list:
    """Exponent tuples of the monomials of degree ``1..degree`` in ``D`` variables (graded, then lexicographic).

    >>> monomials(2, 2)
    [(1, 0), (0, 1), (2, 0), (1, 1), (0, 2)]
    """
    out = []
    for deg in range(1, degree + 1):
        for combo in itertools.combinations_with_replacement(range(D), deg):
            e = [0] * D
            for q in combo:
                e[q] += 1
            out.append(tuple(e))
    return out


def count_unknowns(D: int, degree: int) -> int:
    r"""The number of monomials of degree ``1..degree`` in ``D`` variables, :math:`\binom{D + \mathrm{degree}}{D} - 1`.

    The unknowns of :func:`criterion_system`, computed without building it.

    >>> count_unknowns(2, 2), len(monomials(2, 2)), count_unknowns(200, 2)
    (5, 5, 20300)
    """
    return math.comb(D + degree, degree) - 1


def criterion_system(model: Model, degree: int) -> tuple:
    r"""The linear system of the criterion for :math:`h = \sum_\alpha c_\alpha\theta^\alpha`, degrees ``1..degree``.

    Returns
    -------
    rows : dict
        ``rows[(g, mu)][k]``: the coefficient of :math:`c_k` in the equation
        "coefficient of :math:`\theta^\mu` in :math:`\nabla h \cdot V_g` is zero"
        (``V_g`` the generators), an element of the coefficient field.
    monos : list of tuple
        The exponents :math:`\alpha` of the unknowns, as :func:`monomials`.
    ring : PolyRing
        Polynomials in :math:`\theta` over the coefficient field (``ring.domain``).

    Examples
    --------
    >>> from symrich.conservation import single_neuron
    >>> rows, monos, ring = criterion_system(single_neuron(1, rates=1), 2)
    >>> len(rows), len(monos), ring.domain
    (5, 5, QQ)
    """
    if not isinstance(model, Model):
        raise TypeError(f"model must be a symrich.conservation.Model, got {type(model).__name__}")
    if isinstance(degree, bool) or not isinstance(degree, int) or degree < 1:
        raise ValueError(f"degree must be an integer >= 1, got {degree!r}")
    gens = generators(model)
    ring = gens.ring
    monos = monomials(model.D, degree)
    rows = {}
    for col, alpha in enumerate(monos):
        support = [p for p, e in enumerate(alpha) if e]
        for gi, V in enumerate(gens.fields):
            acc = ring.zero
            for p in support:
                if V[p]:
                    term = V[p].mul_monom(tuple(e - (q == p) for q, e in enumerate(alpha)))
                    acc += term if alpha[p] == 1 else term * alpha[p]
            for monom, coeff in acc.terms():
                rows.setdefault((gi, monom), {})[col] = coeff
    return rows, monos, ring


def discover(model: Model, degree: int = 2, *, progress=None) -> Laws:
    r"""A basis of the polynomial conservation laws of degree ``1..degree``, valid for every dataset and loss.

    Parameters
    ----------
    model : Model
    degree : int
        Largest total degree of the laws (at least 1).
    progress : callable, optional
        Called with a line of text at each stage (the sizes of the linear
        system before it is built and before it is solved), e.g. ``print``.

    Returns
    -------
    Laws

    Examples
    --------
    The two-layer linear network conserves the ``h x h`` matrix
    :math:`\Delta` (Marcotte et al.; the paper's Section 4):

    >>> from symrich.conservation import two_layer_linear
    >>> laws = discover(two_layer_linear(2, 2, 2))
    >>> len(laws), laws.matrices[0].text
    (3, 'eta_W1*W2^T W2 - eta_W2*W1 W1^T')
    >>> _ = discover(two_layer_linear(1, 1, 1), progress=print)
    two_layer_linear_1_1_1: degree <= 2, D = 2: 5 unknowns; building the linear system
    two_layer_linear_1_1_1: solving 5 equations in 5 unknowns over QQ(eta_W1,eta_W2)
    two_layer_linear_1_1_1: a basis of 1 laws; grouping it (matrix laws, products of laws of lower degree)
    """
    start = time.perf_counter()
    say = progress or (lambda line: None)
    if isinstance(model, Model) and isinstance(degree, int) and not isinstance(degree, bool) and degree >= 1:
        say(f"{model.name}: degree <= {degree}, D = {model.D}: {count_unknowns(model.D, degree)} unknowns; "
            "building the linear system")
    rows, monos, ring = criterion_system(model, degree)
    say(f"{model.name}: solving {len(rows)} equations in {len(monos)} unknowns over {ring.domain}")
    basis = nullspace_rref(rows, len(monos), ring.domain)
    say(f"{model.name}: a basis of {len(basis)} laws; grouping it (matrix laws, products of laws of lower degree)")
    matrices, laws = _canonical(model, basis, monos, ring, degree)
    return Laws(model, degree, tuple(laws), tuple(matrices), str(ring.domain), len(monos), len(rows),
                time.perf_counter() - start)


def _grams(model) -> dict:
    """The Gram matrices of the groups, by shape: ``{key: [(group, kind, Gram), ...]}``, largest first.

    The key is the Gram's symbolic size when the model has a matrix form (so that
    only Grams of the same size *for every width* are combined, e.g. the adjacent
    layers of a deep network), its explicit size otherwise.  Larger matrices come
    first, so that e.g. the entries of :math:`\\Delta` are preferred to its trace.
    """
    symbolic = dict(model.matrix_form.parameters) if model.matrix_form is not None else {}
    shapes = {}
    for g in model.parameters:
        E = g.entries
        for kind, gram, axis in (("outer", E * E.T, 0), ("inner", E.T * E, 1)):
            key = (gram.shape[0], symbolic[g.name].shape[axis] if g.name in symbolic else None)
            gram = sp.ImmutableMatrix(sp.expand(gram))
            if all(h is not g or other != gram for h, _, other in shapes.get(key, [])):  # a scalar's two Grams
                shapes.setdefault(key, []).append((g, kind, gram))
    return dict(sorted(shapes.items(), key=lambda item: -item[0][0]))


def _canonical(model, basis, monos, ring, degree):
    """The matrix laws and the laws of the basis in canonical form (see the module docstring)."""
    K = ring.domain
    index = {m: i for i, m in enumerate(monos)}

    def vector(expr):
        return {index[m]: c for m, c in ring(expr).terms()}

    def degree_of(v):
        return max(sum(monos[i]) for i in v)

    space = Echelon()
    for v in basis:
        space.add(v)
    # candidates of each degree: the reduced basis (readable), then rows whose first entry is their highest
    # monomial, so that the laws of degree <= k are spanned by the candidates of degree <= k
    candidates = {}
    for v in basis + _graded(basis, len(monos)):
        candidates.setdefault(degree_of(v), []).append(v)
    accepted, matrices, laws, basic = Echelon(), [], [], []  # basic: (law, degree) of the laws that are no product
    for k in range(1, degree + 1):
        for combo in _multisets([d for _, d in basic], k):
            expr = sp.expand(sp.Mul(*[basic[i][0].expr for i in combo]))
            if accepted.add(vector(expr)):
                laws.append(Law(f"h_{sum(1 for law in laws if not law.matrix) + 1}", expr,
                                factors=tuple(basic[i][0].name for i in combo)))
        if k == 2:
            accepted = _matrix_laws(model, space, accepted, vector, K, matrices, laws, basic)
        for v in candidates.get(k, ()):
            if accepted.add(v):
                coeffs = primitive(v, K)
                expr = sp.Add(*[coeffs[i] * sp.Mul(*[s**e for s, e in zip(model.theta, monos[i])]) for i in coeffs])
                laws.append(Law(f"h_{sum(1 for law in laws if not law.matrix) + 1}", sp.expand(expr)))
                basic.append((laws[-1], k))
    return matrices, [law for law in laws if law.matrix] + [law for law in laws if not law.matrix]


def _matrix_laws(model, space, accepted, vector, K, matrices, laws, basic):
    """Find the matrix laws (appended to ``matrices``, their entries to ``laws`` and ``basic``); return ``accepted``."""
    for (k, _), cands in _grams(model).items():
        for diagonal in (False, True) if k > 1 else (False,):
            positions = [(i, i) for i in range(k)] if diagonal else [(i, j) for i in range(k) for j in range(i, k)]
            system = {}
            for ci, (_, _, gram) in enumerate(cands):
                for pi, (i, j) in enumerate(positions):
                    for m, val in space.reduce(vector(gram[i, j])).items():
                        system.setdefault((pi, m), {})[ci] = val
            for c in nullspace_rref(system, len(cands), K):
                coeffs = primitive(c, K)
                Q = sp.ImmutableMatrix(sp.expand(sum((coeffs[ci] * cands[ci][2] for ci in coeffs), sp.zeros(k, k))))
                trial = accepted.copy()
                if all(trial.add(vector(Q[i, j])) for i, j in positions):
                    accepted = trial
                    name = f"Q_{len(matrices) + 1}"
                    terms = tuple((coeffs[ci], cands[ci][0].name, cands[ci][1]) for ci in sorted(coeffs))
                    matrices.append(MatrixLaw(name, terms, diagonal, Q, _text(terms, model, diagonal),
                                              _expression(terms, model)))
                    entries = [Law(name if k == 1 else f"{name}[{i + 1},{j + 1}]", Q[i, j], name) for i, j in positions]
                    laws += entries
                    basic += [(law, 2) for law in entries]
    return accepted


def _graded(basis, n) -> list:
    """An echelon basis of the span of ``basis`` whose rows each start at their highest monomial.

    The columns are taken in reverse order (the monomials are graded, so the
    last is of the highest degree).  Then a combination of rows has, at the
    highest first entry among its rows, that row's nonzero entry: a law of
    degree ``<= k`` is a combination of the rows of degree ``<= k``.
    """
    E = Echelon()
    for v in basis:
        E.add({n - 1 - i: x for i, x in v.items()})
    return [{n - 1 - i: x for i, x in row.items()} for row in E.rows]


def _multisets(degrees, total):
    """Index tuples (non-decreasing, at least two) of items whose degrees add up to ``total``.

    >>> list(_multisets([1, 2], 4))
    [(0, 0, 0, 0), (0, 0, 1), (1, 1)]
    """
    def extend(start, remaining, chosen):
        if remaining == 0:
            if len(chosen) >= 2:
                yield tuple(chosen)
            return
        for i in range(start, len(degrees)):
            if degrees[i] <= remaining:
                yield from extend(i, remaining - degrees[i], chosen + [i])

    return extend(0, total, [])


def _is_norm(group, kind) -> bool:
    """Whether the Gram is the ``1 x 1`` squared norm of a vector (``w^T w`` of a column, ``a a^T`` of a row)."""
    return group.shape[1 if kind == "inner" else 0] == 1


def _gram_text(group, kind, diagonal=False) -> str:
    """The Gram in plain text; with ``diagonal``, its entry ``k, k`` (row ``k`` is ``G_k``, column ``k`` is ``G[:,k]``)."""
    n = group.name
    if group.shape == (1, 1):
        return f"{n}^2"
    if _is_norm(group, kind):
        return f"||{n}||^2"
    if diagonal:  # the squared norm of row k (G G^T) or of column k (G^T G)
        length = group.shape[1] if kind == "outer" else group.shape[0]
        return f"{n}_k^2" if length == 1 else (f"||{n}_k||^2" if kind == "outer" else f"||{n}[:,k]||^2")
    return f"{n}^T {n}" if kind == "inner" else f"{n} {n}^T"


def _text(terms, model, diagonal=False) -> str:
    """The matrix law in plain text; for a diagonal law, its entry ``k, k``."""
    out = ""
    for coeff, name, kind in terms:
        gram = _gram_text(model.group(name), kind, diagonal)
        neg = coeff.could_extract_minus_sign()
        c = -coeff if neg else coeff
        c_text = "" if c == 1 else (f"({sp.sstr(c)})*" if c.is_Add else f"{sp.sstr(c)}*")
        sign = (" - " if out else "-") if neg else (" + " if out else "")
        out += sign + c_text + gram
    return out


def _expression(terms, model):
    """``Q`` as a SymPy expression of the groups (``MatrixSymbol`` products; scalars for ``1 x 1``)."""
    parts = []
    for coeff, name, kind in terms:
        g = model.group(name)
        if g.shape == (1, 1):
            parts.append(coeff * g.symbols[0] ** 2)
        elif _is_norm(g, kind):
            parts.append(coeff * sp.Symbol(f"\\|{name}\\|") ** 2)
        else:  # MatMul(-1, c, ...) keeps the minus sign in front when printed
            G = sp.MatrixSymbol(name, *g.shape)
            factors = (G.T, G) if kind == "inner" else (G, G.T)
            neg = coeff.could_extract_minus_sign()
            c = -coeff if neg else coeff  # MatMul(1, U.T, U) would print "1 U^T U"
            parts.append(sp.MatMul(*((-1,) if neg else ()), *((c,) if c != 1 else ()), *factors, evaluate=False))
    return sp.Add(*parts) if not isinstance(parts[0], sp.MatrixExpr) else sp.MatAdd(*parts, evaluate=False)

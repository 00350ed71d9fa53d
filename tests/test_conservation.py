"""symrich.conservation: known conservation laws reproduced, new ones found, counted, proved and integrated.

Known results (Marcotte, Gribonval & Peyre, NeurIPS 2023; the paper's Sections 3-5): the single neuron
(1 law), the two-layer linear network (the h(h+1)/2 entries of Delta, complete, also for h > d), the
two-layer ReLU network (one delta_k per neuron, complete), deep linear networks (the Q_l of adjacent
layers), the scalar chain a b c x (2 laws).  Models outside the paper: first-layer biases, a quadratic
activation, a factorised bilinear attention score, a diagonal linear network; each law is checked along
a 30-digit integration of the gradient flow with random data (symrich.oracle), and a quantity that is not
a law is seen to move.
"""

import random

import mpmath
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from symrich.conservation import (
    Laws,
    Model,
    analyse,
    bilinear_attention,
    count,
    deep_linear,
    discover,
    law_derivations,
    single_neuron,
    two_layer,
    two_layer_linear,
)
from symrich.conservation.laws import Law
from symrich.engine import DerivationError
from symrich.oracle import PolynomialFlow, integrate_flow

z = sp.Symbol("z")


# --------------------------------------------------------------------------- helpers (independent of the code under test)


def _ranks(found, expected, theta):
    """Ranks of found, expected and both, as coefficient vectors, the rates set to fixed rationals
    (spans that agree for symbolic rates agree there; the symbolic identity is checked by `criterion`)."""
    exprs = [sp.expand(e) for e in list(found) + list(expected)]
    rates = sorted(set().union(*(e.free_symbols for e in exprs)) - set(theta), key=str)
    exprs = [e.subs({r: sp.Rational(7 + 4 * i, 3 + i) for i, r in enumerate(rates)}) for e in exprs]
    monos = sorted({m for e in exprs for m in sp.Poly(e, *theta).monoms()})
    rows = [[sp.Poly(e, *theta).coeff_monomial(m) for m in monos] for e in exprs]
    rank = lambda rs: sp.Matrix(rs).rank() if rs else 0  # noqa: E731
    return rank(rows[:len(found)]), rank(rows[len(found):]), rank(rows)


def same_span(found, expected, theta):
    """The two lists of polynomials span the same space, of dimension len(expected)."""
    r_found, r_expected, r_both = _ranks(found, expected, theta)
    return r_found == r_expected == r_both == len(expected)


def spans(found, expected, theta):
    """Every expected polynomial is in the span of the found ones (the expected are independent)."""
    r_found, r_expected, r_both = _ranks(found, expected, theta)
    return r_expected == len(expected) and r_both == r_found


def criterion(model, h):
    """grad h^T H grad f_j(x; theta), expanded, for every output (zero iff h is a law)."""
    return [sp.expand(sum(r * sp.diff(h, s) * sp.diff(f, s) for s, r in zip(model.theta, model.theta_rates)))
            for f in model.outputs]


def gram(model, name, kind):
    E = sp.Matrix(model.group(name).entries)
    return E * E.T if kind == "outer" else E.T * E


def entries(M, diagonal=False):
    k = M.shape[0]
    return [M[i, i] for i in range(k)] if diagonal else [M[i, j] for i in range(k) for j in range(i, k)]


def assert_complete(result, n):
    assert result.independent == result.count.count == n
    assert result.complete and result.statement.startswith("Complete")


def conserved_along_flow(model, exprs, seed, samples=3, times=(0, "0.5", 1)):
    """Integrate theta' = -H grad L (squared loss, random data, random rates) at 30 digits; return the
    largest relative change of each expression and how far the parameters moved."""
    rng = random.Random(seed)
    rates = {s: sp.Rational(rng.randint(1, 4), rng.randint(1, 4)) for s in model.rate_symbols}
    L = 0
    for _ in range(samples):
        x = {v: sp.Rational(rng.randint(-10, 10), 10) for v in model.inputs}
        L += sum((f.subs(x) - sp.Rational(rng.randint(-10, 10), 10)) ** 2 for f in model.outputs) / 2
    rhs = [-sp.sympify(r).subs(rates) * sp.diff(L, s) for s, r in zip(model.theta, model.theta_rates)]
    y0 = [sp.Rational(rng.choice([-1, 1]) * rng.randint(2, 9), 10) for _ in model.theta]
    sol = integrate_flow(PolynomialFlow(state=model.theta, rhs=rhs), list(times), y0, dps=30)
    changes = []
    with mpmath.workdps(30):
        for h in exprs:
            fn = sp.lambdify(model.theta, sp.sympify(h).subs(rates), "mpmath")
            values = [fn(*row) for row in sol.y]
            changes.append(max(abs(v - values[0]) for v in values) / max(1, abs(values[0])))
        moved = max(abs(a - b) for a, b in zip(sol.y[-1], sol.y[0]))
    return changes, moved


# --------------------------------------------------------------------------- known results


@pytest.mark.parametrize("d", [1, 3])
def test_single_neuron_has_delta_and_nothing_else(d):
    m = single_neuron(d)
    result = analyse(m)
    eta_a, eta_w = m.rate_symbols
    a, w = m.group("a").symbols[0], m.group("w").entries
    assert same_span(result.laws.exprs, [eta_w * a**2 - eta_a * (w.T * w)[0, 0]], m.theta)
    assert_complete(result, 1)
    assert result.laws.matrices[0].text == ("eta_w*a^2 - eta_a*||w||^2" if d > 1 else "eta_w*a^2 - eta_a*w^2")


SIZES = [(1, 1, 1), (2, 1, 1), (2, 2, 1), (2, 2, 2), (3, 2, 2), (2, 3, 2), (2, 2, 3), (3, 3, 2), (1, 1, 2), (3, 1, 2)]


@pytest.mark.parametrize("d, c, h", SIZES)
def test_two_layer_linear_conserves_exactly_the_entries_of_Delta(d, c, h):
    m = two_layer_linear(d, c, h, rates=1)
    result = analyse(m)
    Delta = gram(m, "W2", "inner") - gram(m, "W1", "outer")
    # d = c = 1 < h: the laws also contain e.g. W1_1 W2_2 - W1_2 W2_1, a function of the entries of Delta
    assert (spans if d == c == 1 else same_span)(result.laws.exprs, entries(Delta), m.theta)
    assert_complete(result, h * (h + 1) // 2)
    assert result.laws.matrices[0].matrix == sp.ImmutableMatrix(sp.expand(Delta))


@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.sampled_from(["symbolic", "random"]))
def test_two_layer_linear_any_widths_and_rates(d, c, h, rates):
    rng = random.Random(d * 100 + c * 10 + h)
    values = None if rates == "symbolic" else {"W1": sp.Rational(rng.randint(1, 9), rng.randint(1, 9)),
                                               "W2": sp.Rational(rng.randint(1, 9), rng.randint(1, 9))}
    m = two_layer_linear(d, c, h, rates=values)
    r1, r2 = m.group("W1").rate, m.group("W2").rate
    result = analyse(m)
    Delta = r1 * gram(m, "W2", "inner") - r2 * gram(m, "W1", "outer")
    assert (spans if d == c == 1 else same_span)(result.laws.exprs, entries(Delta), m.theta)
    assert_complete(result, h * (h + 1) // 2)


@pytest.mark.parametrize("d, m_, c, bias", [(3, 2, 1, False), (2, 3, 2, False), (2, 2, 1, True)])
def test_two_layer_relu_has_one_law_per_neuron(d, m_, c, bias):
    m = two_layer(d, m_, c=c, bias=bias)
    result = analyse(m)
    eta = {g.name: g.rate for g in m.parameters}
    deltas = gram(m, "a", "inner") * eta["w"] - gram(m, "w", "outer") * eta["a"]
    if bias:
        deltas = eta["b"] * deltas - eta["a"] * eta["w"] * gram(m, "b", "outer")
    assert same_span(result.laws.exprs, entries(deltas, diagonal=True), m.theta)
    assert result.laws.matrices[0].diagonal
    assert "ReLU handled locally" in result.statement
    if d >= m_:
        assert_complete(result, m_)
    else:  # d < m: the inputs do not realise every activation pattern, so the count is not a proved upper bound
        assert result.independent == result.count.count == m_ and not result.complete
        assert result.statement.startswith("Not proved complete") and f"d = {d} < m = {m_}" in result.statement


def test_deep_linear_conserves_the_Q_l_of_adjacent_layers():
    m = deep_linear((2, 3, 2, 1))
    result = analyse(m)
    eta = {g.name: g.rate for g in m.parameters}
    Q1 = eta["W1"] * gram(m, "W2", "inner") - eta["W2"] * gram(m, "W1", "outer")
    Q2 = eta["W2"] * gram(m, "W3", "inner") - eta["W3"] * gram(m, "W2", "outer")
    assert same_span(result.laws.exprs, entries(Q1) + entries(Q2), m.theta)
    assert_complete(result, 6 + 3)
    assert sorted(Q.matrix.shape for Q in result.laws.matrices) == [(2, 2), (3, 3)]


def test_scalar_chain_abcx_has_two_laws():
    a, b, c, x = sp.symbols("a b c x", real=True)
    m = Model("chain", {"a": a, "b": b, "c": c}, (x,), a * b * c * x)
    result = analyse(m)
    assert same_span(result.laws.exprs, [a**2 - b**2, b**2 - c**2], m.theta)
    assert_complete(result, 2)
    # the builder's chain W3 W2 W1 x: the canonical basis pairs adjacent layers (valid for every width)
    W1, W2, W3 = (sp.Symbol(f"W{l}_1", real=True) for l in (1, 2, 3))
    assert discover(deep_linear((1, 1, 1, 1), rates=1)).exprs == (W3**2 - W2**2, W2**2 - W1**2)


# --------------------------------------------------------------------------- beyond the paper


BEYOND = {
    "biases": lambda: two_layer_linear(2, 2, 2, bias=True),
    "quadratic": lambda: two_layer(2, 2, activation=z**2, bias=True),
    "attention": lambda: bilinear_attention(2, 2),
    "diagonal": lambda: Model("diagonal", {"u": list(sp.symbols("u1:3")), "v": list(sp.symbols("v1:3"))},
                              sp.symbols("x1:3"), sum(u * v * x for u, v, x in zip(sp.symbols("u1:3"),
                                                                                sp.symbols("v1:3"),
                                                                                sp.symbols("x1:3")))),
}


def expected_beyond(name, m):
    eta = {g.name: g.rate for g in m.parameters}
    if name == "biases":
        return entries(eta["W1"] * eta["b1"] * gram(m, "W2", "inner") - eta["W2"] * eta["b1"] * gram(m, "W1", "outer")
                       - eta["W1"] * eta["W2"] * gram(m, "b1", "outer"))
    if name == "quadratic":  # sigma(z) = z^2 is 2-homogeneous: 2 eta_w eta_b a_k^2 - eta_a (eta_b ||w_k||^2 + eta_w b_k^2)
        return entries(2 * eta["w"] * eta["b"] * gram(m, "a", "inner") - eta["a"] * eta["b"] * gram(m, "w", "outer")
                       - eta["a"] * eta["w"] * gram(m, "b", "outer"), diagonal=True)
    if name == "attention":
        return entries(eta["WK"] * gram(m, "WQ", "inner") - eta["WQ"] * gram(m, "WK", "inner"))
    u, v = m.group("u").symbols, m.group("v").symbols
    return [ui**2 - vi**2 for ui, vi in zip(u, v)]


@pytest.mark.parametrize("name", sorted(BEYOND))
def test_models_beyond_the_paper(name):
    m = BEYOND[name]()
    result = analyse(m)
    expected = expected_beyond(name, m)
    assert same_span(result.laws.exprs, expected, m.theta)
    assert_complete(result, len(expected))
    for law in result.laws.laws:
        assert criterion(m, law.expr) == [0] * len(m.outputs)


@pytest.mark.parametrize("name", sorted(BEYOND))
def test_laws_are_conserved_along_an_mpmath_integration(name):
    m = BEYOND[name]()
    laws = discover(m)
    first = m.parameters[0]
    not_a_law = sum(s**2 for s in first.symbols)
    changes, moved = conserved_along_flow(m, list(laws.exprs) + [not_a_law], seed=len(name))
    assert moved > 1e-2, "the parameters must move, or the check proves nothing"
    assert max(changes[:-1]) < mpmath.mpf(10) ** -25
    assert changes[-1] > 1e-4  # the check can fail


def test_activation_without_homogeneity_has_no_law_and_that_is_proved():
    result = analyse(two_layer(2, 2, activation=z**2 + z))
    assert len(result.laws) == 0 and result.count.count == 0 and result.complete
    assert result.count.stop == "full rank" and "no conservation law" in result.statement


def test_a_non_polynomial_law_is_counted_but_not_claimed():
    # f = (a + b^2) x conserves a - eta_a/(2 eta_b) log|b|: one law, not a polynomial
    a, b, x = sp.symbols("a b x", real=True)
    result = analyse(Model("log_law", {"a": a, "b": b}, (x,), (a + b**2) * x))
    assert len(result.laws) == 0 and result.count.count == 1 and not result.complete
    assert result.statement.startswith("Not proved complete")


def test_scalar_in_and_out_deep_network_has_a_law_beyond_degree_four():
    # one field only (d = c = 1): D - 1 = 7 laws near a generic point; degree <= 4 polynomials give 6
    result = analyse(deep_linear((1, 2, 2, 1), rates=1), degree=4)
    assert result.independent == 6 and result.count.count == 7 and not result.complete
    assert len(result.laws) > 6  # products of the quadratic laws are in the basis, not independent


# --------------------------------------------------------------------------- discover and count


def test_higher_degree_basis_contains_the_products():
    m = single_neuron(2, rates=1)
    laws = discover(m, degree=4)
    delta = laws.laws[0].expr
    assert len(laws) == 2 and same_span(laws.exprs, [delta, delta**2], m.theta)
    assert analyse(m, degree=4).complete


def test_degree_one_laws_and_unused_parameters():
    a, b, c, x = sp.symbols("a b c x", real=True)
    m = Model("unused", {"a": a, "b": b, "c": c}, (x,), a * b * x)  # c never enters f
    laws = discover(m, degree=1)
    assert laws.exprs == (c,)
    assert analyse(m).independent == analyse(m).count.count == 2


def test_basis_matches_a_direct_sympy_solve():
    """Solve the criterion for a generic quadratic h with sympy.solve, independently of discover."""
    for m in (single_neuron(2, rates=1), two_layer_linear(1, 1, 2, rates=1)):
        monos = sorted(sp.itermonomials(m.theta, 2, 1), key=sp.default_sort_key)
        cs = sp.symbols(f"c0:{len(monos)}")
        h = sum(c * mono for c, mono in zip(cs, monos))
        eqs = [coeff for expr in criterion(m, h) for coeff in sp.Poly(expr, *m.theta, *m.inputs).coeffs()]
        solution = sp.solve(eqs, cs, dict=True)[0]
        free = [c for c in cs if c not in solution]
        assert len(discover(m)) == len(free)


def test_count_reports_its_computation_and_options():
    m = two_layer_linear(3, 3, 3, rates=1)
    c = count(m)
    assert (c.D, c.lie_rank, c.count, c.points) == (18, 12, 6, 3)
    assert c.rank_by_depth[0] == 9 and c.rank_by_depth[-1] == 12 and c.stop == "no new field"
    shallow = analyse(m, max_depth=1)
    assert shallow.count.count == 9 and shallow.count.stop == "max_depth" and not shallow.complete
    for bad in ({"points": 0}, {"max_depth": 0}, {"seed": 1.5}, {"known_laws": 19}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            count(m, **bad)
    with pytest.raises(TypeError, match="Model"):
        count("model")
    with pytest.raises(ValueError, match="degree"):
        discover(m, degree=0)


def test_symbolic_rates_give_polynomial_coefficients():
    m = two_layer_linear(1, 1, 1, bias=True)
    (Q,) = discover(m).matrices
    eta = {g.name: g.rate for g in m.parameters}
    assert [term[0] for term in Q.terms] == [eta["W1"] * eta["b1"], -eta["W2"] * eta["b1"], -eta["W1"] * eta["W2"]]
    assert Q.text == "eta_W1*eta_b1*W2^2 - eta_W2*eta_b1*W1^2 - eta_W1*eta_W2*b1^2"


# --------------------------------------------------------------------------- proofs


@pytest.mark.parametrize("build", [lambda: two_layer_linear(2, 2, 3), lambda: deep_linear((1, 1, 1, 1), rates=1),
                                   lambda: two_layer(2, 2), BEYOND["attention"], BEYOND["biases"]])
def test_every_law_is_proved_symbolically(build):
    laws = discover(build())
    derivations = law_derivations(laws)
    assert len(derivations) == len(laws.matrices) + sum(1 for law in laws.laws if not law.matrix and not law.factors)
    for d in derivations:
        v = d.verify()
        assert v.proof_kinds["numeric"] == 0
        sizes = [s for s in v.derivation.steps if s.label == "any_size"]
        assert len(sizes) == (laws.model.matrix_form is not None and not laws.matrices[0].diagonal)
        # the boxed result is the proved conservation of the law itself
        assert [r.label for r in v.result] == ["conserved"]


def test_a_wrong_law_fails_its_proof():
    m = single_neuron(2)
    a, w1 = m.group("a").symbols[0], m.group("w").symbols[0]
    fake = Laws(m, 2, (Law("h_1", a**2 - w1**2),), (), "QQ", 0, 0, 0.0)
    (d,) = law_derivations(fake)
    with pytest.raises(DerivationError, match="criterion"):
        d.verify()

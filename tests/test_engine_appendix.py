"""The appendix-style engine: definitions, chains, cited facts, conditions, a proved result, display limits."""

import pickle
import random

import pytest
import sympy as sp

from symrich.engine import Chain, Definition, Derivation, DerivationError, Fact, Step
from symrich.engine.calculus import ddt, derivative_along, partial
from symrich.engine.notation import latex
from symrich.engine.notebook import markdown
from symrich.engine.steps import MAX_DISPLAY_OPS

x = sp.Symbol("x", positive=True)
y = sp.Symbol("y", real=True)
t, k = sp.symbols("t k", real=True)
Lam = sp.Symbol("Lambda", positive=True)
chi = sp.Function("chi")


def _d(*steps, **kwargs):
    return Derivation("appendix_test", "A test", steps=steps, **kwargs)


def test_definitions_are_displayed_by_name_and_expanded_for_the_proof():
    lam_def = Definition(Lam, sp.sqrt(x**2 + 1))
    v = _d(Step(Lam**2 - x**2, 1, "square the definition", label="s"), definitions=(lam_def,)).verify()
    assert v.derivation.steps[0].lhs == Lam**2 - x**2  # displayed with the name
    wrong = Definition(Lam, sp.sqrt(x**2 + 2))
    with pytest.raises(DerivationError, match="appendix_test"):
        _d(Step(Lam**2 - x**2, 1, "square the definition"), definitions=(wrong,)).verify()


def test_a_defined_function_of_time_and_its_derivative():
    chi_def = Definition(chi(t), sp.exp(k * t))
    v = _d(Step(sp.Derivative(chi(t), t), k * chi(t), "differentiate", label="ode"),
           Step(sp.Subs(sp.Derivative(chi(t), t), t, 0), k, "at $t = 0$"),
           definitions=(chi_def,)).verify()
    assert v.proof_kinds["symbolic"] == 2
    with pytest.raises(DerivationError):
        _d(Step(sp.Derivative(chi(t), t), 2 * k * chi(t), "wrong rate"), definitions=(chi_def,)).verify()


def test_a_chain_proves_every_link_and_names_the_wrong_one():
    ok = _d(Chain((x + 1) ** 2, (sp.Mul(x + 1, x + 1, evaluate=False), "square"), (x**2 + 2 * x + 1, "distribute"), label="c"))
    v = ok.verify()
    assert len(v.item_proofs[0]) == 2 and v.result[0].rhs == x**2 + 2 * x + 1
    bad = _d(Chain((x + 1) ** 2, (sp.Mul(x + 1, x + 1, evaluate=False), "square"), (x**2 + x + 1, "forgot a term"),
                   (x * (x + 1) + 1, "factor")))
    with pytest.raises(DerivationError, match="forgot a term") as info:
        bad.verify()
    assert info.value.index == 1 and info.value.derivation == "appendix_test"


def test_a_cited_fact_is_a_checked_dependency():
    I = sp.Function("I")
    ode = Step(sp.Derivative(I(t), t), k * I(t), "hypothesis on $I$", symbolic=False, label="ode")
    claim = Step(sp.diff(I(t) ** 2, t), 2 * k * I(t) ** 2, "chain rule", uses=("ode",))
    # a hypothesis is a step like any other: here we make it an instance of a true statement
    chi_def = Definition(I(t), sp.exp(k * t))
    v = _d(ode, claim, definitions=(chi_def,)).verify()
    assert v.proof_kinds["symbolic"] + v.proof_kinds["numeric"] == 2
    with pytest.raises(DerivationError, match="cites 'nope'"):
        _d(Step(x, x, "same", uses=("nope",))).verify()
    with pytest.raises(DerivationError, match="cites 'later'"):
        _d(Step(x, x, "same", uses=("later",)), Step(x, x, "same", label="later")).verify()
    with pytest.raises(DerivationError, match="does not occur"):
        _d(Step(x + x, 2 * x, "doubling", label="d"), Step(y + y, 2 * y, "unrelated", uses=("d",))).verify()


def test_a_fact_instantiated_with_values():
    c = sp.Symbol("c", real=True)
    v = _d(Step(c * (x + 1) ** 2, c * x**2 + 2 * c * x + c, "expand", label="general"),
           Step(3 * (x + 1) ** 2, 3 * x**2 + 6 * x + 3, "take $c = 3$", uses=(("general", {c: 3}),))).verify()
    assert len(v.proofs) == 2


def test_a_fact_proved_under_a_condition_needs_it_stated():
    proved = Step(sp.sqrt(y**2), y, "$y > 0$", given=(y > 0,), label="root")
    assert _d(proved).verify().proofs[0].kind == "symbolic"
    with pytest.raises(DerivationError):
        _d(Step(sp.sqrt(y**2), y, "not without the condition")).verify()
    with pytest.raises(DerivationError, match="without stating that condition"):
        _d(proved, Step(sp.sqrt(y**2) + 1, y + 1, "uses the root", uses=("root",))).verify()
    v = _d(proved, Step(sp.sqrt(y**2) + 1, y + 1, "uses the root", uses=("root",), given=(y > 0,))).verify()
    assert len(v.proofs) == 2


def test_facts_of_a_required_derivation():
    other = Derivation("other", "Other", definitions=(Definition(Lam, sp.sqrt(x**2 + 1)),),
                       steps=(Step(Lam**2, x**2 + 1, "square", label="lam"),)).verify()
    facts = other.facts()
    assert list(facts) == ["other:lam"] and isinstance(facts["other:lam"], Fact)
    # Lambda is not defined here: only the cited fact makes the step true
    d = _d(Step(Lam**2 + 1, x**2 + 2, "by the other derivation", uses=("other:lam",)), requires=("other",))
    assert d.verify(facts=facts).proofs[0].kind == "symbolic"
    with pytest.raises(DerivationError, match="requires"):
        d.verify()
    # a name must mean the same in the cited derivation and in the citing one
    clash = _d(Step(Lam**2 + 1, x**2 + 2, "by the other derivation", uses=("other:lam",)), requires=("other",),
               definitions=(Definition(Lam, sp.sqrt(x**2 + 3)),))
    with pytest.raises(DerivationError, match="defines .*Lambda.* differently"):
        clash.verify(facts=facts)


def test_the_result_is_a_proved_labelled_equation():
    v = _d(Step(x + x, 2 * x, "collect", label="a"), Step(x * x, x**2, "square", label="b"), result=("a", "b")).verify()
    assert [(r.label, r.lhs, r.rhs) for r in v.result] == [("a", 2 * x, 2 * x), ("b", x**2, x**2)]
    with pytest.raises(ValueError, match="not the label"):
        _d(Step(x, x, "same", label="a"), result="z")
    # one changed sign in the boxed equation: the derivation does not verify, and says which one
    with pytest.raises(DerivationError, match="appendix_test"):
        _d(Chain((x - 1) ** 2, (x**2 + 2 * x + 1, "expand"), label="r"), result="r").verify()


def test_displayed_sides_are_limited_unless_a_lemma():
    big = sum(sp.Symbol(f"z{i}") ** i for i in range(1, 30))
    assert sp.count_ops(big) > MAX_DISPLAY_OPS
    with pytest.raises(ValueError, match="at most 40 operations"):
        _d(Step(big, big, "too big to read"))
    with pytest.raises(ValueError, match="definition"):
        _d(Step(Lam, Lam, "same"), definitions=(Definition(Lam, big),))
    v = _d(Step(big, big, "a computer-algebra lemma", lemma=True)).verify()
    assert v.proofs[0].kind == "symbolic"


def test_time_derivatives_of_matrix_expressions_match_coordinates():
    n = 3
    W = sp.MatrixSymbol("W", n, n)
    u = sp.MatrixSymbol("u", n, 1)
    W_dot, u_dot = sp.MatrixSymbol("W_dot", n, n), sp.MatrixSymbol("u_dot", n, 1)
    expr = u.T * W * W.T * u
    symbolic = derivative_along(expr, {W: W_dot, u: u_dot})
    rng = random.Random(1)
    ent = {m: sp.Matrix(m.shape[0], m.shape[1], lambda i, j: sp.Rational(rng.randint(-9, 9), 7))
           for m in (W, u, W_dot, u_dot)}
    tt = sp.Symbol("tt")
    moving = {W: ent[W] + tt * ent[W_dot], u: ent[u] + tt * ent[u_dot]}
    coords = sp.diff(expr.xreplace(moving).as_explicit(), tt).subs(tt, 0)
    assert sp.simplify(symbolic.xreplace(ent).as_explicit() - coords) == sp.zeros(1, 1)


def test_partial_derivatives_stay_unevaluated_until_expanded():
    a = sp.Symbol("a")
    L = sp.MatrixSymbol("L", 1, 1)
    w = sp.MatrixSymbol("w", 2, 1)
    p = partial(L, a)
    assert (3 * p).doit() != 0  # SymPy's own doit leaves it alone: L is a name, not a constant
    v = _d(Step(partial(L, a), w.T * w, "differentiate the definition"),
           definitions=(Definition(L, a * w.T * w),)).verify()
    assert v.proofs[0].kind == "symbolic"
    assert latex(partial(L, w)) == r"\nabla_{w} \mathcal{L}"


def test_notation_of_the_paper():
    w, w_dot = sp.MatrixSymbol("w", 3, 1), sp.MatrixSymbol("w_dot", 3, 1)
    assert latex(sp.Symbol("beta_star")) == r"\beta_*"
    assert latex(w_dot.T * w) == r"\dot{w}^\top w"
    assert latex(sp.Derivative(chi(t), t)) == r"\dot{\chi}(t)"
    assert latex(sp.Subs(sp.Derivative(chi(t), t), t, 0)) == r"\dot{\chi}(0)"
    assert latex(ddt(w.T * w, {w: w_dot})) == r"\frac{d}{dt}\left(w^\top w\right)"


def test_notebook_display_and_pickling():
    d = _d(Chain(Lam**2, (x**2 + 1, "square"), label="s"), definitions=(Definition(Lam, sp.sqrt(x**2 + 1)),))
    assert "not verified" in d._repr_markdown_()
    v = d.verify()
    md = markdown(v)
    assert r"\Lambda &:= \sqrt{x^{2} + 1}" in md and "symbolic" in md and r"\boxed{\Lambda^{2} = x^{2} + 1}" in md
    again = pickle.loads(pickle.dumps(v))
    assert again.result[0].rhs == x**2 + 1 and again.derivation.definitions == v.derivation.definitions

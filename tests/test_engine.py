"""The derivation engine: proofs are recorded, wrong steps are rejected and named, results cached."""

import dataclasses
import pickle

import pytest
import sympy as sp

from symrich.engine import Derivation, DerivationError, Step

x = sp.Symbol("x", positive=True)
y = sp.Symbol("y", real=True)


def _derivation(*steps):
    return Derivation("test_derivation", "A test", steps=steps)


def test_symbolic_proofs_are_recorded_with_their_method():
    v = _derivation(
        Step((x + y) ** 2, x**2 + 2 * x * y + y**2, "binomial formula"),
        Step((x**2 - 1) / (x - 1), x + 1, "cancel the common factor"),
        Step(sp.sin(y) ** 2 + sp.cos(y) ** 2, 1, "Pythagoras"),
    ).verify()
    assert [p.kind for p in v.proofs] == ["symbolic"] * 3
    assert [p.method for p in v.proofs] == ["expand", "cancel", "simplify"]


@pytest.mark.parametrize(
    "wrong, label",
    [
        (x**2 - 2 * x * y + y**2, "flipped sign"),
        (x**2 + x * y + y**2, "dropped factor"),
    ],
)
def test_wrong_step_is_rejected_and_named(wrong, label):
    d = _derivation(
        Step(x * (x + 1), x**2 + x, "distribute"),
        Step((x + y) ** 2, wrong, label),
    )
    with pytest.raises(DerivationError) as info:
        d.verify()
    err = info.value
    assert err.index == 2
    assert err.derivation == "test_derivation"
    assert label in str(err) and "test_derivation" in str(err) and "residual" in str(err)
    assert float(err.residual) > 1e-3


def test_numeric_fallback_records_digits_and_points():
    # symbolic=False forces the randomized check; the identity is true
    v = _derivation(Step(sp.sqrt(x**2 + 2 * x + 1), x + 1, "perfect square", symbolic=False)).verify()
    (proof,) = v.proofs
    assert proof.kind == "numeric" and proof.digits >= 30 and proof.points >= 5
    assert float(proof.max_residual) < 1e-30


def test_numeric_fallback_rejects_a_wrong_step():
    d = _derivation(Step(sp.sqrt(x**2 + 2 * x + 1), x + 1 + sp.Rational(1, 10**20), "off by 1e-20", symbolic=False))
    with pytest.raises(DerivationError):
        d.verify()


def test_numeric_domain_is_respected():
    # sqrt(y**2) = y only for y > 0: true on the stated domain, false on the default one
    ok = _derivation(Step(sp.sqrt(y**2), y, "y > 0 here", symbolic=False, domain={y: (0.5, 2.0)}))
    assert ok.verify().proofs[0].kind == "numeric"
    with pytest.raises(DerivationError):
        _derivation(Step(sp.sqrt(y**2), y, "not for y < 0", symbolic=False, domain={y: (-2.0, -0.5)})).verify()


def test_matrix_steps_entrywise_and_shape_mismatch():
    A = sp.Matrix([[x, y], [y, x]])
    v = _derivation(Step(A * A, sp.Matrix([[x**2 + y**2, 2 * x * y], [2 * x * y, x**2 + y**2]]), "square")).verify()
    assert v.proofs[0].kind == "symbolic"
    with pytest.raises(ValueError, match="shape"):
        Step(A, sp.Matrix([x, y]), "mismatch")


def test_verified_derivation_is_immutable_and_picklable():
    v = _derivation(Step(x + x, 2 * x, "collect")).verify()
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.seconds = 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.derivation.steps[0].why = "changed"
    again = pickle.loads(pickle.dumps(v))
    assert again.proofs == v.proofs and again.derivation.steps[0].lhs == 2 * x


def test_bad_verify_arguments():
    d = _derivation(Step(x, x, "trivial"))
    with pytest.raises(ValueError, match="digits"):
        d.verify(digits=10)
    with pytest.raises(ValueError, match="points"):
        d.verify(points=2)
    with pytest.raises(ValueError, match="why"):
        Step(x, x, "")


def test_failing_symbolic_size_matrix_step_is_a_derivation_error():
    d = sp.Symbol("d", integer=True, positive=True)
    w = sp.MatrixSymbol("w", d, 1)
    with pytest.raises(DerivationError, match="symbolic size"):
        _derivation(Step(2 * w, 3 * w, "wrong factor")).verify()

"""Every worked derivation verifies from scratch with a proved result; the cache and the CLI work end to end."""

import dataclasses
import importlib
import re
import subprocess
import sys
import warnings

import pytest
import sympy as sp

from symrich.engine import Chain, DerivationError
from symrich.engine.registry import cache_key, derivation_names, derive, requirements

NAMES = derivation_names()


def test_there_are_derivations():
    assert {"single_neuron_conservation", "single_neuron_function_space", "single_neuron_regimes",
            "single_neuron_closed_form", "single_neuron_stable_forms"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_derivation_verifies_from_scratch_with_a_proved_result(name):
    # the session cache starts empty (conftest), so this is a real verification (unless a derivation
    # that requires this one ran first); the result is stored for the LaTeX/PDF tests
    rep = derive(name)
    v = rep.verified
    assert len(v.item_proofs) == len(v.derivation.steps) >= 1
    for item, proofs in v:
        assert len(proofs) == len(item.equalities())
        for proof in proofs:
            assert proof.kind in ("symbolic", "numeric")
            if proof.kind == "numeric":
                assert proof.digits >= 30 and proof.points >= 5 and proof.domain
    # the boxed result is the equation of proved labelled items, never typed separately
    assert v.result
    for r in v.result:
        item = v.derivation.steps[r.index - 1]
        assert (item.label, item.lhs, item.rhs) == (r.label, r.lhs, r.rhs)
        assert r.proofs == v.item_proofs[r.index - 1]


@pytest.mark.parametrize("name", NAMES)
def test_no_latex_in_symbol_names(name):
    """A result or step written as ``Symbol("\\\\chi(t)")`` would display what was never proved.

    (Braces are allowed: ``W_{l+1}`` is SymPy's way of naming a composite subscript.)"""
    d = importlib.import_module(f"symrich.derivations.{name}").derivation()
    names = set()
    exprs = [df.name for df in d.definitions] + [df.value for df in d.definitions]
    for item in d.steps:
        exprs += list(item.displayed_sides()) or [item.lhs, item.rhs]
    for e in exprs:
        names |= {str(s) for s in getattr(e, "free_symbols", ())}
    assert not [n for n in names if "\\" in n or "(" in n or " " in n], names


def test_a_wrong_boxed_result_fails_naming_the_derivation(monkeypatch):
    """One changed sign in the equation boxed as the result: the derivation does not verify."""
    name = "single_neuron_function_space"
    module = importlib.import_module(f"symrich.derivations.{name}")
    d = module.derivation()
    item = d.result_items[0]
    index = d.steps.index(item)
    if isinstance(item, Chain):
        links = item.links[:-1] + (dataclasses.replace(item.links[-1], expr=-item.links[-1].expr),)
        wrong = Chain(item.lhs, *links, label=item.label, given=item.given)
    else:
        wrong = dataclasses.replace(item, rhs=-item.rhs)
    assert wrong.rhs != item.rhs
    broken = dataclasses.replace(d, steps=d.steps[:index] + (wrong,) + d.steps[index + 1:])
    monkeypatch.setattr(module, "derivation", lambda: broken)
    with pytest.raises(DerivationError, match=name):
        derive(name, use_cache=False)


def test_cache_hit_on_second_run(cache_dir):
    name = "single_neuron_regimes"
    first = derive(name)
    second = derive(name)
    assert not first.cached and second.cached
    assert second.verified.proofs == first.verified.proofs
    assert second.rendered == first.rendered
    assert (cache_dir / f"{name}-{cache_key(name)}.pickle").exists()


def test_corrupt_cache_entry_is_discarded_with_a_warning_and_rebuilt(cache_dir):
    name = "single_neuron_regimes"
    derive(name)
    path = cache_dir / f"{name}-{cache_key(name)}.pickle"
    path.write_bytes(b"not a pickle")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rep = derive(name)
    assert not rep.cached
    assert any("unreadable" in str(w.message) for w in caught)


def test_cache_keys_differ_and_follow_requirements():
    keys = {cache_key(n) for n in NAMES}
    assert len(keys) == len(NAMES)
    assert "single_neuron_closed_form" in requirements("single_neuron_stable_forms")


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "symrich.cli", *args], cwd=cwd, capture_output=True, text=True)


def test_cli_derive_only_writes_its_own_document(tmp_path, cache_dir):
    out = tmp_path / "out"
    proc = _cli("derive", "--out", str(out), "--no-pdf", "--only", "single_neuron_regimes", "single_neuron_conservation",
                cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "single_neuron_regimes" in proc.stdout and "0 failed" in proc.stdout
    assert "single_neuron_regimes: verify" in proc.stdout  # progress of the long phases
    selection = (out / "symrich-selection.tex").read_text()
    assert "\\begin{document}" in selection and "\\boxed" in selection
    assert not (out / "symrich-derivations.tex").exists()  # never overwritten by a partial run
    assert (out / "single_neuron_regimes.tex").exists() and (out / "single_neuron_regimes-snippet.tex").exists()


def test_cli_latex_snippet_and_unknown_names(tmp_path, cache_dir):
    proc = _cli("latex", "single_neuron_regimes", "--snippet", cwd=tmp_path)
    assert proc.returncode == 0 and "\\section{" in proc.stdout and "documentclass" not in proc.stdout
    assert "\\proofkind" not in proc.stdout
    bad = _cli("latex", "no_such_derivation", cwd=tmp_path)
    assert bad.returncode == 2 and "unknown derivation" in bad.stderr and "single_neuron_regimes" in bad.stderr
    bad = _cli("derive", "--only", "no_such_derivation", cwd=tmp_path)
    assert bad.returncode == 2 and "single_neuron_regimes" in bad.stderr


def test_cli_derive_fails_on_a_wrong_step(tmp_path, cache_dir, monkeypatch):
    """A derivation with a wrong step makes ``symrich derive`` exit 1 and name it."""
    import symrich.cli as cli
    import symrich.engine.registry as registry
    from symrich.engine import Derivation, Step

    x = sp.Symbol("x")
    broken = Derivation("broken", "Broken", steps=(Step((x + 1) ** 2, x**2 + 1, "forgot the cross term"),))
    monkeypatch.setattr(registry, "derivation_names", lambda: ("broken",))
    monkeypatch.setattr(registry, "_module", lambda name: type("M", (), {"derivation": staticmethod(lambda: broken)}))
    monkeypatch.setattr(registry, "cache_key", lambda name, _seen=(): "x")
    code = cli.main(["derive", "--out", str(tmp_path / "o"), "--no-pdf", "--no-cache"])
    assert code == 1


def _prose(d):
    """Every sentence a reader of the derivation sees: statement, assumptions, notes, definitions, justifications."""
    texts = [d.title, d.statement, d.notes, *d.assumptions, *(df.text for df in d.definitions)]
    for item in d.steps:
        texts += [link.why for link in item.links] if isinstance(item, Chain) else [item.why]
    return [t for t in texts if t]


@pytest.mark.parametrize("name", NAMES)
def test_prose_speaks_mathematics(name):
    """No code identifiers, module, function or file names in the prose: other derivations are named in words."""
    d = importlib.import_module(f"symrich.derivations.{name}").derivation()
    code = ("\\texttt", "\\textsf", "log1p", "dsolve", "symrich.", ".py", "_solution", "_kernels")
    modules = [n for n in NAMES] + [n.replace("_", r"\_") for n in NAMES] + [n.replace("_", " ") for n in NAMES]
    for text in _prose(d):
        text = re.sub(r"\\eqref\{[^{}]*\}", "", text)  # the engine's labels are not read
        assert not [c for c in code if c in text], text
        assert not [m for m in modules if m in text], text


def test_implicit_bias_names_the_data_row_and_the_limit_parameter_apart():
    """The data row $x$ of the rank-one case and the parameter $\\xi = a_\\infty^2$ are different letters."""
    d = importlib.import_module("symrich.derivations.single_neuron_implicit_bias").derivation()
    exprs = [df.value for df in d.definitions] + [e for item in d.steps for e in (item.lhs, item.rhs)]
    atoms = set().union(*(getattr(e, "free_symbols", set()) for e in exprs))
    assert {type(a) for a in atoms if str(a) == "x"} == {sp.MatrixSymbol}
    assert "xi" in {str(a) for a in atoms}


def _boxed(name):
    return [(r.lhs, r.rhs) for r in derive(name).verified.result]


def test_function_space_boxes_the_eigenpairs_of_M():
    """$M\\beta = R\\beta$ and $M v = \\tfrac{R + \\delta}{2} v$ for $v \\perp \\beta$ are boxed, with their hypotheses."""
    results = {r.label: r for r in derive("single_neuron_function_space").verified.result}
    parallel, perp = results["eigen_parallel"], results["eigen_perp"]
    d = parallel.rhs.shape[0]
    beta, v, M = sp.MatrixSymbol("beta", d, 1), sp.MatrixSymbol("v", d, 1), sp.MatrixSymbol("M", d, d)
    R, delta = (next(s for s in perp.rhs.free_symbols if s.name == n) for n in ("R", "delta"))
    assert (parallel.lhs, parallel.rhs) == (M * beta, R * beta)
    assert perp.lhs == M * v and sp.expand(perp.rhs - (R + delta) / 2 * v) == sp.ZeroMatrix(*v.shape)
    assert [str(g) for g in parallel.given] == ["Eq(beta.T*beta, rho**2*I)"]  # survives the cache's pickling
    assert [str(g) for g in perp.given] == ["Eq(beta.T*v, 0)"]


def test_singular_values_box_the_solution_sigma_of_t():
    boxed = _boxed("wide_linear_singular_values")
    t = sp.Symbol("t", nonnegative=True)
    sigma_t = sp.Function("sigma")(t)
    lhss = [lhs for lhs, _ in boxed]
    assert sp.Derivative(sigma_t, t) in lhss and sigma_t.subs(t, 0) in lhss
    (rate,) = [rhs for lhs, rhs in boxed if lhs == sp.Derivative(sigma_t, t)]
    assert rate.has(sigma_t) and not rate.has(sp.Function("v")(t))  # an equation in sigma(t) alone


def test_observables_box_the_norm_of_beta_without_a_root_of_a_square():
    (rho_eq,) = [(lhs, rhs) for lhs, rhs in _boxed("single_neuron_observables") if str(lhs) == "rho"]
    assert not rho_eq[1].has(sp.sqrt(sp.Symbol("w2", real=True))) and not rho_eq[1].atoms(sp.Pow)

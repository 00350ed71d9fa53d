"""Every worked derivation verifies from scratch; the cache and the CLI work end to end."""

import subprocess
import sys

import pytest

from symrich.engine.registry import cache_key, derivation_names, derive

NAMES = derivation_names()


def test_there_are_derivations():
    assert {"single_neuron_conservation", "single_neuron_function_space", "single_neuron_regimes"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_derivation_verifies_from_scratch(name):
    # the session cache starts empty (conftest), so this is a real verification; the result
    # is stored for the LaTeX/PDF tests
    rep = derive(name)
    v = rep.verified
    assert not rep.cached
    assert len(v.proofs) == len(v.derivation.steps) >= 1
    for proof in v.proofs:
        assert proof.kind in ("symbolic", "numeric")
        if proof.kind == "numeric":
            assert proof.digits >= 30 and proof.points >= 5


def test_cache_hit_on_second_run(cache_dir):
    name = "single_neuron_regimes"
    first = derive(name)
    second = derive(name)
    assert not first.cached and second.cached
    assert second.verified.proofs == first.verified.proofs
    assert (cache_dir / f"{name}-{cache_key(name)}.pickle").exists()


def test_corrupt_cache_entry_is_rebuilt(cache_dir):
    name = "single_neuron_regimes"
    derive(name)
    path = cache_dir / f"{name}-{cache_key(name)}.pickle"
    path.write_bytes(b"not a pickle")
    assert not derive(name).cached


def test_cache_keys_differ_between_derivations():
    keys = {cache_key(n) for n in NAMES}
    assert len(keys) == len(NAMES)


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "symrich.cli", *args], cwd=cwd, capture_output=True, text=True)


def test_cli_derive_writes_latex_and_table(tmp_path, cache_dir):
    out = tmp_path / "out"
    proc = _cli("derive", "--out", str(out), "--no-pdf", "--only", "single_neuron_regimes", "single_neuron_conservation",
                cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "single_neuron_regimes" in proc.stdout and "0 failed" in proc.stdout
    combined = (out / "symrich-derivations.tex").read_text()
    assert "\\begin{document}" in combined and "\\boxed" in combined
    assert (out / "single_neuron_regimes.tex").exists()


def test_cli_latex_snippet_and_unknown_name(tmp_path, cache_dir):
    proc = _cli("latex", "single_neuron_regimes", "--snippet", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("\\section{") and "documentclass" not in proc.stdout
    bad = _cli("latex", "no_such_derivation", cwd=tmp_path)
    assert bad.returncode == 2 and "unknown derivation" in bad.stderr
    bad = _cli("derive", "--only", "no_such_derivation", cwd=tmp_path)
    assert bad.returncode == 2


def test_cli_derive_fails_on_a_wrong_step(tmp_path, cache_dir, monkeypatch):
    """A derivation with a wrong step makes ``symrich derive`` exit non-zero and name it."""
    import sympy as sp

    import symrich.cli as cli
    from symrich.engine import Derivation, Step

    x = sp.Symbol("x")
    broken = Derivation("broken", "Broken", steps=(Step((x + 1) ** 2, x**2 + 1, "forgot the cross term"),))

    import symrich.engine.registry as registry

    monkeypatch.setattr(registry, "derivation_names", lambda: ("broken",))
    monkeypatch.setattr(registry, "_module", lambda name: type("M", (), {"derivation": staticmethod(lambda: broken)}))
    monkeypatch.setattr(registry, "cache_key", lambda name: "x")
    code = cli.main(["derive", "--out", str(tmp_path / "o"), "--no-pdf", "--no-cache"])
    assert code == 1

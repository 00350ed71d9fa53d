"""symrich.testing: failures are stored and replayed first; the hypothesis profiles agree with the test suite's."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

import symrich.testing as srt
from symrich.testing.profiles import PROFILES

ROOT = Path(__file__).resolve().parent.parent


def swapped_rates(seen):
    """delta with the rates swapped: true at equal rates (the simplest example), false otherwise."""

    def quantity(p, eta):
        seen.append((float(eta["a"]), float(eta["w"])))
        return eta["a"] * p["a"] ** 2 - eta["w"] * (p["w"] @ p["w"])

    return quantity


@pytest.fixture()
def dev_profile():
    previous = settings.get_current_profile_name()
    settings.load_profile("dev")
    yield
    settings.load_profile(previous)


def test_a_failure_is_replayed_first(cache_dir, dev_profile):
    """Run 1 starts at unit rates (where the claim holds) and fails later; run 2 starts with run 1's counterexample."""
    model = srt.single_neuron(2)
    first, second = [], []
    with pytest.raises(AssertionError) as info:
        srt.assert_conserved(swapped_rates(first), model, times=(0.5,))
    message = str(info.value)
    assert f"stored in {cache_dir / 'hypothesis'}" in message
    rates = tuple(float(v) for v in re.search(r"eta_a=([\d.]+), eta_w=([\d.]+)", message).groups())
    assert first[0] == (1.0, 1.0) and rates != (1.0, 1.0)
    assert any((cache_dir / "hypothesis").iterdir())
    with pytest.raises(AssertionError):
        srt.assert_conserved(swapped_rates(second), model, times=(0.5,))
    assert second[0] == rates


def test_replay_keys_keep_claims_apart(cache_dir, dev_profile):
    """Another claim on the same model does not replay the first claim's counterexample."""
    model = srt.single_neuron(2)
    with pytest.raises(AssertionError):
        srt.assert_conserved(swapped_rates([]), model, times=(0.5,))
    other = []
    srt.assert_conserved(lambda p, eta: other.append(float(eta["a"])) or p["a"] ** 0, model, times=(0.5,),
                         max_examples=2)
    assert other[0] == 1.0


def test_no_replay_under_the_derandomized_profile(cache_dir):
    previous = settings.get_current_profile_name()
    settings.load_profile("ci")
    try:
        with pytest.raises(AssertionError) as info:
            srt.assert_conserved(swapped_rates([]), srt.single_neuron(2), times=(0.5,))
    finally:
        settings.load_profile(previous)
    assert "stored in" not in str(info.value)
    assert not (cache_dir / "hypothesis").exists()


_CI_SERVICE_VARIABLES = {"CI", "__TOX_ENVIRONMENT_VARIABLE_ORIGINAL_CI", "TF_BUILD", "bamboo.buildKey", "BUILDKITE",
                         "CIRCLECI", "CIRRUS_CI", "CODEBUILD_BUILD_ID", "GITHUB_ACTIONS", "GITLAB_CI",
                         "HEROKU_TEST_RUN_ID", "TEAMCITY_VERSION"}


def _profiles_in(code, env=None):
    """The ci/dev profiles' settings as registered by ``code`` in a fresh interpreter."""
    script = code + (
        "\nfrom hypothesis import settings\n"
        "for name in ('ci', 'dev'):\n"
        "    s = settings.get_profile(name)\n"
        "    print(name, s.max_examples, s.derandomize, s.deadline, s.print_blob, s.database,"
        " sorted(h.name for h in s.suppress_health_check))\n"
        "print('loaded', settings.get_current_profile_name(), settings.default.max_examples)\n"
    )
    # Hypothesis loads its own "ci" profile when it detects a CI service (its settings docs list
    # these variables); strip them so "without the variable" means what it says on any machine.
    full_env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_PROFILE" and k not in _CI_SERVICE_VARIABLES}
    full_env.update(env or {})
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=full_env)
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


def test_hypothesis_profile_variable_selects_the_profile():
    assert set(PROFILES) == {"ci", "dev", "thorough"}
    assert _profiles_in("import symrich.testing", {"HYPOTHESIS_PROFILE": "thorough"})[-1] == "loaded thorough 200"
    assert _profiles_in("import symrich.testing", {"HYPOTHESIS_PROFILE": "ci"})[-1] == "loaded ci 10"
    assert _profiles_in("import symrich.testing")[-1] == "loaded default 100"     # left alone without the variable
    # on a CI service hypothesis itself selects "ci"; symrich's registration of "ci" then applies
    assert _profiles_in("import symrich.testing", {"CI": "true"})[-1] == "loaded ci 10"
    out = subprocess.run([sys.executable, "-c", "import symrich.testing"], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "HYPOTHESIS_PROFILE": "nonsense"})
    assert out.returncode != 0 and "HYPOTHESIS_PROFILE='nonsense' is not a registered hypothesis profile" in out.stderr


def test_check_budget_follows_the_profile():
    previous = settings.get_current_profile_name()
    try:
        settings.load_profile("thorough")
        report = srt.assert_conserved(lambda p, eta: p["a"] ** 0, srt.single_neuron(1), times=(0.5,))
        assert report.n_examples == 60
    finally:
        settings.load_profile(previous)

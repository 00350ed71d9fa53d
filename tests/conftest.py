"""Shared test configuration: hypothesis profiles and a clean numeric context per test."""

import os

import mpmath
import pytest
from hypothesis import settings

from symrich.testing.profiles import register_profiles

# the package's own profiles (ci, dev, thorough), the same a user's script gets from symrich.testing
register_profiles()
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_configure(config):
    """One fresh derivation cache for the whole run: each derivation is verified from scratch
    once (the first test that needs it misses the cache), later tests reuse the result."""
    import tempfile

    os.environ["SYMRICH_CACHE_DIR"] = tempfile.mkdtemp(prefix="symrich-test-cache-")


@pytest.fixture(autouse=True)
def _reset_mpmath():
    """No test may leak a changed global precision into another."""
    dps = mpmath.mp.dps
    yield
    mpmath.mp.dps = dps


@pytest.fixture()
def cache_dir(tmp_path, monkeypatch):
    """A private, empty derivation cache."""
    monkeypatch.setenv("SYMRICH_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"

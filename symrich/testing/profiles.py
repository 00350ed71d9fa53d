"""Hypothesis profiles for checks and for your own tests: ``ci``, ``dev`` (the default) and ``thorough``.

Importing :mod:`symrich.testing` registers the three profiles with
hypothesis and, if the environment variable ``HYPOTHESIS_PROFILE`` is set,
loads the profile it names, exactly as symrich's own test suite does; so
``HYPOTHESIS_PROFILE=ci python my_checks.py`` reproduces the outputs shown in
the documentation.  Without the variable, hypothesis' loaded profile is left
alone.

* ``ci``: your ``@given`` tests draw 10 examples, derandomized (the same
  examples every run), with no deadline; a check draws 12 examples and keeps
  no replay database (there is nothing random to replay);
* ``dev``: 20 random examples, no deadline; a check draws 12 and replays
  its stored failures first;
* ``thorough``: 200 random examples, no deadline; a check draws 60.

Under any other profile a check runs 12 examples.

>>> import hypothesis
>>> register_profiles()
>>> hypothesis.settings.get_profile("thorough").max_examples
200
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis.errors import InvalidArgument

__all__ = ["CHECK_EXAMPLES", "DEFAULT_EXAMPLES", "PROFILES", "check_examples", "load_profile_from_environment",
           "register_profiles"]

#: Examples a check draws by default.
DEFAULT_EXAMPLES = 12
#: The profiles: name -> keyword arguments of :class:`hypothesis.settings`.
PROFILES = {
    "ci": dict(max_examples=10, deadline=None, derandomize=True, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow]),
    "dev": dict(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow]),
    "thorough": dict(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]),
}
#: Examples a check draws by default under each profile (others: :data:`DEFAULT_EXAMPLES`).
CHECK_EXAMPLES = {"ci": DEFAULT_EXAMPLES, "dev": DEFAULT_EXAMPLES, "thorough": 60}


def register_profiles() -> None:
    """Register :data:`PROFILES` with hypothesis (replacing profiles of the same names).

    Each is built on hypothesis' ``default`` profile, whatever profile is
    loaded at the time (a profile inherits unspecified settings from its parent).

    Examples
    --------
    >>> register_profiles()
    >>> settings.get_profile("ci").derandomize, settings.get_profile("dev").derandomize
    (True, False)
    """
    base = settings.get_profile("default")
    for name, options in PROFILES.items():
        settings.register_profile(name, base, **options)


def load_profile_from_environment() -> str | None:
    """Load the hypothesis profile named by ``HYPOTHESIS_PROFILE``, if set; return its name.

    Raises
    ------
    ValueError
        If the variable names no registered profile.

    Examples
    --------
    >>> import os
    >>> from unittest import mock
    >>> register_profiles()
    >>> with mock.patch.dict(os.environ, {"HYPOTHESIS_PROFILE": "nonsense"}):
    ...     load_profile_from_environment()
    Traceback (most recent call last):
    ...
    ValueError: HYPOTHESIS_PROFILE='nonsense' is not a registered hypothesis profile (symrich.testing registers ci, dev, thorough)
    """
    name = os.environ.get("HYPOTHESIS_PROFILE")
    if not name:
        return None
    try:
        settings.get_profile(name)
    except InvalidArgument:
        raise ValueError(f"HYPOTHESIS_PROFILE={name!r} is not a registered hypothesis profile "
                         f"(symrich.testing registers {', '.join(PROFILES)})") from None
    settings.load_profile(name)
    return name


def check_examples() -> int:
    """Examples a check draws when ``max_examples`` is not given: :data:`CHECK_EXAMPLES` of the loaded profile.

    Examples
    --------
    >>> check_examples() in set(CHECK_EXAMPLES.values())
    True
    """
    return CHECK_EXAMPLES.get(settings.get_current_profile_name(), DEFAULT_EXAMPLES)

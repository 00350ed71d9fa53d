r"""Running a claim over drawn examples: regimes stratified, failures replayed, examples counted per regime.

Every check hands :func:`run_check` a *property*: a function of one
:class:`~symrich.testing.cases.Example` that returns the digits of agreement
or raises :class:`Disagreement` with the counterexample's description.
:func:`run_check` then

* runs one :func:`hypothesis.given` per regime when the regime strategy is
  stratified (:func:`~symrich.testing.regimes.any_regime`), with
  ``ceil(max_examples / k)`` examples each, so that every regime is tested in
  every run; otherwise one over all examples;
* stores a failing example in a hypothesis example database in the symrich
  cache folder (:func:`symrich.paths.cache_dir`, i.e.
  ``$SYMRICH_CACHE_DIR`` or ``~/.cache/symrich``, subfolder ``hypothesis``),
  under a key made of the check, the model, the claim's source and the
  check's options, so the next run of the same claim replays it first
  (:class:`ClaimDatabase`; off under a derandomized profile such as ``ci``,
  whose examples are the same every run anyway);
* after the first failing regime (shrunk to its smallest example), runs the
  remaining regimes without shrinking and says which of them fail too;
* returns a :class:`~symrich.testing.report.CheckReport` counting the
  examples per regime, or raises ``AssertionError``.

>>> claim_key("assert_conserved", "single neuron (d=1)", lambda p, eta: p["a"]).hex()[:8] != ""
True
"""

from __future__ import annotations

import hashlib
import inspect
import math
import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, given, reject, settings
from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase
from hypothesis.errors import Unsatisfiable

from symrich.testing.cases import Example, examples, strata_for
from symrich.testing.flows import IntegrationRefused
from symrich.testing.model import Model
from symrich.testing.profiles import check_examples
from symrich.testing.report import CheckReport, RegimeTally
from symrich.testing.values import first_nonfinite, positive_int

__all__ = ["ClaimDatabase", "Disagreement", "as_times", "check_options", "claim_key", "replay_folder",
           "require_finite", "run_check"]


class Disagreement(AssertionError):
    """Raised by a check's property: the claim disagrees with the oracle (the message describes the example).

    Examples
    --------
    >>> str(Disagreement("  digits of agreement: 0.4"))
    '  digits of agreement: 0.4'
    """


def require_finite(value: Any, what: str, example: Any) -> None:
    """Raise :class:`Disagreement` if ``value`` has a NaN or infinite entry, naming ``what`` and the entry.

    A claim that evaluates to NaN or infinity agrees with nothing: without
    this, ``nan < digits`` would be False and the example would pass.

    Parameters
    ----------
    value : number, array, list or mapping
        The claim's value, or the oracle's.
    what : str
        What it is, for the message (e.g. ``"quantity at t=0.5"``).
    example : Example
        The example (its ``repr`` heads the message).

    Examples
    --------
    >>> require_finite({"a": 1.0, "w": [2.0, float("nan")]}, "claimed velocity", "Example(...)")
    Traceback (most recent call last):
    ...
    symrich.testing.runner.Disagreement:   Example(...)
      claimed velocity is not finite: NaN (entry ['w'][1])
    """
    found = first_nonfinite(value)
    if found is not None:
        raise Disagreement(f"  {example!s}\n  {what} is not finite: {found}")


def as_times(times: Any) -> list:
    """Comparison times as a list of floats: finite, ``>= 0``, strictly increasing (a number is one time).

    Examples
    --------
    >>> as_times(1), as_times((0.5, 1.0))
    ([1.0], [0.5, 1.0])
    >>> as_times((1.0, 0.5))
    Traceback (most recent call last):
    ...
    ValueError: times must be finite, >= 0 and strictly increasing, got (1.0, 0.5)
    """
    if isinstance(times, (int, float, np.floating, np.integer)) and not isinstance(times, bool):
        times = [times]
    try:
        ts = [float(t) for t in times]
    except (TypeError, ValueError):
        raise ValueError(f"times must be a number or a sequence of numbers, got {times!r}") from None
    if not ts or any(not math.isfinite(t) or t < 0 for t in ts) or any(b <= a for a, b in zip(ts, ts[1:])):
        raise ValueError(f"times must be finite, >= 0 and strictly increasing, got {times!r}")
    return ts


def check_options(model: Any, digits: Any, dps: Any) -> None:
    """Validate the options every check takes: a :class:`Model`, ``15 <= dps <= 45``, ``0 < digits <= dps``.

    Examples
    --------
    >>> check_options("model", 20, 30)
    Traceback (most recent call last):
    ...
    ValueError: model must be a symrich.testing.Model, got str
    """
    if not isinstance(model, Model):
        raise ValueError(f"model must be a symrich.testing.Model, got {type(model).__name__}")
    if isinstance(dps, bool) or not isinstance(dps, (int, np.integer)) or not 15 <= dps <= 45:
        raise ValueError(f"dps must be an integer in [15, 45], got {dps!r}")
    if isinstance(digits, bool) or not isinstance(digits, (int, float)) or not 0 < digits <= dps:
        raise ValueError(f"digits must be a number in (0, dps], got {digits!r}")


def _source(part: Any) -> str:
    if callable(part):
        try:
            return inspect.getsource(part)
        except (OSError, TypeError):
            return getattr(part, "__qualname__", type(part).__name__)
    return repr(part)


def claim_key(*parts: Any) -> bytes:
    """A digest naming one claim: the source of callables, the ``repr`` of everything else.

    Parameters
    ----------
    *parts
        The check's name, the model's name, the claim, the options...

    Returns
    -------
    bytes

    Examples
    --------
    >>> claim_key("a", 1) == claim_key("a", 1), claim_key("a", 1) == claim_key("a", 2)
    (True, False)
    """
    digest = hashlib.sha256()
    for part in parts:
        digest.update(_source(part).encode())
        digest.update(b"\0")
    return digest.digest()[:16]


def replay_folder():
    """The folder of the replay database: ``cache_dir() / "hypothesis"``.

    Examples
    --------
    >>> replay_folder().name
    'hypothesis'
    """
    from symrich.paths import cache_dir

    return cache_dir() / "hypothesis"


class ClaimDatabase(ExampleDatabase):
    """A hypothesis example database that keeps one claim's examples apart from all others.

    Every key hypothesis uses is prefixed with the claim's key
    (:func:`claim_key`), so claims checked by the same code never replay each
    other's examples.

    Parameters
    ----------
    inner : hypothesis.database.ExampleDatabase
    prefix : bytes

    Examples
    --------
    >>> from hypothesis.database import InMemoryExampleDatabase
    >>> inner = InMemoryExampleDatabase()
    >>> db = ClaimDatabase(inner, b"claim-1:")
    >>> db.save(b"k", b"v")
    >>> list(db.fetch(b"k")), list(ClaimDatabase(inner, b"claim-2:").fetch(b"k"))
    ([b'v'], [])
    """

    def __init__(self, inner: ExampleDatabase, prefix: bytes) -> None:
        super().__init__()
        self.inner, self.prefix = inner, prefix

    def save(self, key: bytes, value: bytes) -> None:
        self.inner.save(self.prefix + key, value)

    def fetch(self, key: bytes) -> Iterable[bytes]:
        return self.inner.fetch(self.prefix + key)

    def delete(self, key: bytes, value: bytes) -> None:
        self.inner.delete(self.prefix + key, value)

    def move(self, src: bytes, dest: bytes, value: bytes) -> None:
        self.inner.move(self.prefix + src, self.prefix + dest, value)


def _stratum_settings(count: int, shrink: bool, database: ExampleDatabase | None) -> settings:
    phases = [Phase.explicit, Phase.reuse, Phase.generate] + ([Phase.shrink] if shrink else [])
    return settings(max_examples=count, deadline=None, database=database, report_multiple_bugs=False, phases=phases,
                    suppress_health_check=list(HealthCheck))


def _tallies(tallies: dict) -> tuple:
    return tuple(RegimeTally(k, v["passed"], v["worst"], v["refused"]) for k, v in tallies.items())


def run_check(check_name: str, model: Model, prop: Callable[[Example], float], *, data: Any, regime: Any,
              rates: Any, digits: float, max_examples: int | None, shrink: bool, replay: bool,
              key: Iterable = (), note: Callable[[], str] | None = None) -> CheckReport:
    """Run ``prop`` over examples of ``model`` (see the module docstring).

    Parameters
    ----------
    check_name : str
    model : Model
    prop : callable
        ``prop(example) -> digits of agreement``; raises :class:`Disagreement`.
    data, regime, rates : hypothesis strategies or None
        As for :func:`~symrich.testing.cases.examples`.
    digits : float
        The required digits (for the report).
    max_examples : int or None
        Examples in total (None: :func:`~symrich.testing.profiles.check_examples`).
    shrink : bool
        Shrink the first failing example.
    replay : bool
        Store failures and replay them first (unless the profile is derandomized).
    key : iterable
        What names the claim, for :func:`claim_key` (the claim, its options).
    note : callable, optional
        ``note() -> str`` for the report, called after the run.

    Returns
    -------
    CheckReport

    Raises
    ------
    AssertionError
        With the smallest failing example, the regimes that passed and those that fail too.

    Examples
    --------
    >>> from symrich.testing.zoo import single_neuron
    >>> report = run_check("always 30 digits", single_neuron(1), lambda ex: 30.0, data=None, regime=None,
    ...                    rates=None, digits=20, max_examples=3, shrink=True, replay=False)
    >>> report.n_examples, report.regime_counts()
    (3, {'generic': 3})
    """
    started = time.perf_counter()
    total = check_examples() if max_examples is None else positive_int(max_examples, "max_examples")
    strata = strata_for(model, regime)
    if strata:
        per = math.ceil(total / len(strata))
        runs = [(name, examples(model, data, s, rates), per) for name, s in strata]
    else:
        runs = [(None, examples(model, data, regime, rates), total)]
    prefix = claim_key(check_name, model.name, *key)
    use_db = replay and not settings.default.derandomize
    tallies: dict = {}

    def tally(name: str) -> dict:
        return tallies.setdefault(name, {"passed": 0, "worst": math.inf, "refused": 0})

    def wrapped(example: Example) -> None:
        entry = tally(example.regime_name)
        try:
            got = prop(example)
        except IntegrationRefused:
            entry["refused"] += 1
            reject()
        if math.isnan(got):
            raise Disagreement(f"  {example!r}\n  digits of agreement: NaN (a claim with a NaN entry)")
        entry["passed"] += 1
        entry["worst"] = min(entry["worst"], got)

    failure, before = None, {}
    also_fail, after = [], []
    for name, strategy, count in runs:
        if failure is not None:          # after the first failure: which other regimes fail, without shrinking
            try:
                _stratum_settings(count, False, None)(given(strategy)(wrapped))()
                after.append(name)
            except Disagreement:
                also_fail.append(name)
            continue
        database = ClaimDatabase(DirectoryBasedExampleDatabase(replay_folder()), prefix + (name or "").encode()) \
            if use_db else None
        done = {k: dict(v) for k, v in tallies.items()}
        try:
            _stratum_settings(count, shrink, database)(given(strategy)(wrapped))()
        except Disagreement as exc:
            failure, before = exc, done
        except Unsatisfiable:
            refused = sum(v["refused"] for v in tallies.values())
            raise RuntimeError(f"{check_name} on {model.name} could not be checked"
                               f"{f' in regime {name!r}' if name else ''}: the integrator refused every example "
                               f"({refused} refused, e.g. the flow slides along a kink)") from None
    if failure is not None:
        tallies = before
        shrunk = "smallest failing example (after shrinking)" if shrink else "first failing example (no shrinking)"
        lines = [f"{check_name} failed for {model.name}; {shrunk}:", str(failure)]
        per_regime = _tallies(tallies)
        if strata:
            passed = ", ".join(f"{t.regime} ({t.passed})" for t in per_regime) or "none"
            lines.append(f"  regimes passed before it: {passed}")
            if also_fail or after:
                lines.append(f"  regimes after it that fail too: {', '.join(also_fail) or 'none'}; "
                             f"that pass: {', '.join(after) or 'none'}")
        if use_db:
            lines.append(f"  stored in {replay_folder()}: the next run of this check replays it first")
        raise AssertionError("\n".join(lines)) from None
    per_regime = _tallies(tallies)
    worst = min((t.worst_digits for t in per_regime), default=math.inf)
    return CheckReport(check=check_name, model=model.name, n_examples=sum(t.passed for t in per_regime),
                       worst_digits=worst, required_digits=float(digits), per_regime=per_regime,
                       seconds=time.perf_counter() - started, note=note() if note else "")

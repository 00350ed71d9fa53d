r"""Running a claim over drawn examples: regimes stratified, failures replayed, examples counted per regime.

Every check hands :func:`run_check` a *property*: a function of one
:class:`~symrich.testing.cases.Example` that returns the digits of agreement
or raises :class:`Disagreement` with the counterexample's description.
:func:`run_check` then

* checks first that the model can draw the requested regime
  (:func:`not_applicable`): a regime requested on its own that it cannot
  draw is a :class:`~symrich.testing.regimes.RegimeNotSupported` before
  anything runs; a stratum of :func:`~symrich.testing.regimes.any_regime` it
  cannot draw is reported as not applicable, and the others run;
* runs one :func:`hypothesis.given` per regime when the regime strategy is
  stratified (:func:`~symrich.testing.regimes.any_regime`), with
  ``ceil(max_examples / k)`` examples each, so that every regime is tested in
  every run; otherwise one over all examples;
* replays the stored failures of every regime before drawing any new example;
* stores a failing example in a hypothesis example database in the symrich
  cache folder (:func:`symrich.paths.cache_dir`, i.e.
  ``$SYMRICH_CACHE_DIR`` or ``~/.cache/symrich``, subfolder ``hypothesis``),
  under a key made of the check, the model, the claim's source and the
  check's options, so the next run of the same claim replays it first
  (:class:`ClaimDatabase`; off under a derandomized profile such as ``ci``,
  whose examples are the same every run anyway);
* after the first failing regime (shrunk to its smallest example), runs the
  remaining regimes on up to :data:`EXPLAIN_EXAMPLES` examples each, without
  shrinking, and says which of them fail too;
* counts the examples the model's integrator refuses (e.g. sliding along a
  kink) per regime, with the first reason; a regime in which every example
  is refused (:data:`REFUSAL_LIMIT` in a row) could not be checked, and the
  check fails saying so;
* shows a progress bar (``tqdm``, on stderr) once it has run for
  :data:`PROGRESS_DELAY` seconds, naming the regime or the shrinking step;
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
import unittest
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, find, given, reject, settings
from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase
from hypothesis.errors import Unsatisfiable
from tqdm.auto import tqdm

from symrich.testing.cases import Example, examples
from symrich.testing.flows import IntegrationRefused
from symrich.testing.model import Model
from symrich.testing.profiles import check_examples
from symrich.testing.regimes import RegimeNotSupported, regime_strata
from symrich.testing.report import CheckReport, RegimeTally
from symrich.testing.values import first_nonfinite, positive_int

__all__ = ["ClaimDatabase", "Disagreement", "as_times", "check_callable", "check_options", "claim_key",
           "not_applicable", "replay_folder", "require_finite", "run_check"]


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


def check_options(model: Any, digits: Any, dps: Any, *, shrink: Any = True, replay: Any = True,
                  coordinates: Any = None, **flags: Any) -> None:
    """Validate the options every check takes, naming the argument: a :class:`Model`, ``15 <= dps <= 45``,
    ``0 < digits <= dps``, booleans ``shrink``, ``replay`` (and any ``flags``), and ``coordinates``.

    Examples
    --------
    >>> check_options("model", 20, 30)
    Traceback (most recent call last):
    ...
    ValueError: model must be a symrich.testing.Model, got str
    >>> from symrich.testing.zoo import single_neuron
    >>> check_options(single_neuron(1), 20, 30, shrink="no")
    Traceback (most recent call last):
    ...
    TypeError: shrink must be True or False, got 'no'
    """
    if not isinstance(model, Model):
        raise ValueError(f"model must be a symrich.testing.Model, got {type(model).__name__}")
    if isinstance(dps, bool) or not isinstance(dps, (int, np.integer)) or not 15 <= dps <= 45:
        raise ValueError(f"dps must be an integer in [15, 45], got {dps!r}")
    if isinstance(digits, bool) or not isinstance(digits, (int, float)) or not 0 < digits <= dps:
        raise ValueError(f"digits must be a number in (0, dps], got {digits!r}")
    for name, value in {"shrink": shrink, "replay": replay, **flags}.items():
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {value!r}")
    if isinstance(coordinates, str) and coordinates != "beta" or not (
            coordinates is None or isinstance(coordinates, str) or callable(coordinates)):
        raise ValueError(f"coordinates must be None, 'beta' or a callable, got {coordinates!r}")
    if callable(coordinates):
        check_callable(coordinates, "coordinates", (2, 3), "phi(p, rates) or phi(p, rates, data)")


def check_callable(function: Any, name: str, counts: tuple, usage: str) -> None:
    """Check that ``function`` is callable with one of ``counts`` positional arguments (else name it).

    Parameters
    ----------
    function : any
    name : str
        The argument's name, for the message.
    counts : tuple of int
        Numbers of positional arguments it may be called with.
    usage : str
        How it is called, for the message.

    Examples
    --------
    >>> check_callable(lambda p: p, "quantity", (2, 3), "quantity(p, rates) or quantity(p, rates, data)")
    Traceback (most recent call last):
    ...
    TypeError: quantity is called as quantity(p, rates) or quantity(p, rates, data), but it takes (p)
    """
    if not callable(function):
        raise ValueError(f"{name} must be callable, called as {usage}; got {function!r}")
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):     # a builtin without a signature: trust it
        return
    for count in counts:
        try:
            signature.bind(*range(count))
            return
        except TypeError:
            continue
    raise TypeError(f"{name} is called as {usage}, but it takes {signature}")


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


#: Refusals in a regime with no example checked after which the regime is given up (it cannot be checked).
REFUSAL_LIMIT = 40
#: Examples per remaining regime after a failure, to say which of them fail too (none is shrunk).
EXPLAIN_EXAMPLES = 3
#: Seconds a check runs before it shows a progress bar (on stderr).
PROGRESS_DELAY = 2.0


class _GaveUp(Exception):
    """Every example drawn in a regime was refused by the integrator: stop drawing there."""


def _settings(count: int, phases: list, database: ExampleDatabase | None) -> settings:
    return settings(max_examples=count, deadline=None, database=database, report_multiple_bugs=False, phases=phases,
                    suppress_health_check=list(HealthCheck))


def not_applicable(model: Model, strategy: Any, *, data: Any = None, rates: Any = None) -> str | None:
    r"""Why ``model`` cannot draw examples of the regime strategy ``strategy`` (None if it can).

    One example is drawn; a :class:`~symrich.testing.regimes.RegimeNotSupported`
    (no ``init``, no ``sign_change_init``, widths that forbid the sign of
    :math:`\delta`) gives the reason.

    Examples
    --------
    >>> from symrich.testing.regimes import downstream, upstream
    >>> from symrich.testing.zoo import wide_linear
    >>> not_applicable(wide_linear(3, 2, 1), downstream()) is None
    True
    >>> not_applicable(wide_linear(3, 2, 1), upstream()).split(": ")[-1]
    'this needs hidden/output widths h_1 <= ... <= h_L'
    """
    try:
        find(examples(model, data, strategy, rates), lambda example: True,
             settings=settings(_settings(1, [Phase.generate], None), derandomize=True))
    except RegimeNotSupported as exc:
        return str(exc)
    return None


def _tallies(tallies: dict) -> tuple:
    return tuple(RegimeTally(k, v["passed"], v["worst"], v["refused"], v["reason"]) for k, v in tallies.items())


def _plan(check_name: str, model: Model, data: Any, regime: Any, rates: Any, total: int) -> tuple:
    """``(plan, absent)``: ``[(regime name or None, strategy, examples)]`` and the strata the model cannot draw."""
    strata = regime_strata(regime) if regime is not None else ()
    if not strata:
        reason = None if regime is None else not_applicable(model, regime, data=data, rates=rates)
        if reason is not None:
            raise RegimeNotSupported(f"{check_name}: the requested regime cannot be drawn for {model.name}: {reason}")
        return [(None, regime, total)], ()
    absent = tuple((name, reason) for name, s in strata
                   if (reason := not_applicable(model, s, data=data, rates=rates)) is not None)
    names = [name for name, _ in strata if name not in dict(absent)]
    if not names:
        raise RegimeNotSupported(f"{check_name}: no regime can be drawn for {model.name}: "
                                 + "; ".join(f"{name}: {reason}" for name, reason in absent))
    per = math.ceil(total / len(names))
    return [(name, s, per) for name, s in strata if name in names], absent


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
        With the smallest failing example, the regimes that passed and those
        that fail too; or when every example of a regime was refused by the
        integrator (that regime could not be checked).
    RegimeNotSupported
        Before running, when the model cannot draw the requested regime (or
        none of the regimes of :func:`~symrich.testing.regimes.any_regime`).

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
    plan, absent = _plan(check_name, model, data, regime, rates, total)
    partly: dict = {}           # regimes some of whose drawn examples the model cannot build: the first reason

    def unsupported(drawn: Any, error: RegimeNotSupported) -> None:
        partly.setdefault(drawn.name, str(error))

    runs = [(name, examples(model, data, s, rates, unsupported=unsupported), count) for name, s, count in plan]
    stratified = runs[0][0] is not None
    prefix = claim_key(check_name, model.name, *key)
    use_db = replay and not settings.default.derandomize
    databases = {name: ClaimDatabase(DirectoryBasedExampleDatabase(replay_folder()), prefix + (name or "").encode())
                 for name, _, _ in runs} if use_db else {}
    tallies: dict = {}
    state = {"failing": None, "steps": 0, "explaining": False}
    bar = tqdm(total=sum(count for _, _, count in runs), desc=f"{check_name} on {model.name}", unit="example",
               delay=PROGRESS_DELAY, leave=False)

    def say(text: str) -> None:
        """Name what runs now in the progress bar (shown once the check has run for PROGRESS_DELAY seconds)."""
        bar.set_postfix_str(text, refresh=False)
        if time.perf_counter() - started >= PROGRESS_DELAY:
            bar.refresh()

    def tally(name: str) -> dict:
        return tallies.setdefault(name, {"passed": 0, "worst": math.inf, "refused": 0, "reason": ""})

    def wrapped(example: Example) -> None:
        entry = tally(example.regime_name)
        if entry["passed"] == 0 and entry["refused"] >= REFUSAL_LIMIT:
            raise _GaveUp(example.regime_name)
        if state["failing"] is not None:
            state["steps"] += 1
            say(f"shrinking the failure in {state['failing']} (step {state['steps']})")
        try:
            got = prop(example)
        except IntegrationRefused as exc:
            entry["refused"] += 1
            entry["reason"] = entry["reason"] or str(exc)
            reject()
        except Disagreement:
            if not state["explaining"]:
                state["failing"] = state["failing"] or example.regime_name
            raise
        if math.isnan(got):
            raise Disagreement(f"  {example!r}\n  digits of agreement: NaN (a claim with a NaN entry)")
        entry["passed"] += 1
        entry["worst"] = min(entry["worst"], got)
        if state["failing"] is None:
            bar.update()

    def attempt(name: str | None, strategy: Any, count: int, phases: list, database: Any) -> None:
        """Run one regime (a :class:`Disagreement` propagates); a regime whose examples were all refused is tallied."""
        try:
            _settings(count, phases, database)(given(strategy)(wrapped))()
        except (_GaveUp, Unsatisfiable):
            if name is not None:
                tally(name)

    failure, failed_in, before, replayed = None, None, {}, False
    also_fail, after = [], []
    try:
        if use_db:       # stored failures first, in every regime, before any new example
            say("replaying stored failures")
            for name, strategy, count in runs:
                try:
                    attempt(name, strategy, count, [Phase.reuse] + ([Phase.shrink] if shrink else []),
                            databases[name])
                except Disagreement as exc:
                    failure, failed_in, replayed = exc, name, True
                    break
                except unittest.SkipTest:        # nothing stored for this regime
                    pass
        for name, strategy, count in runs:
            if failure is not None:      # after the first failure: which other regimes fail (briefly, no shrink)
                state["explaining"] = True
                if name != failed_in:
                    say(f"checking {name} after the failure")
                    try:
                        attempt(name, strategy, min(count, EXPLAIN_EXAMPLES), [Phase.generate], None)
                        after.append(name)
                    except Disagreement:
                        also_fail.append(name)
                continue
            say(name or "")
            done = {k: dict(v) for k, v in tallies.items()}
            phases = [Phase.explicit, Phase.generate] + ([] if use_db else [Phase.reuse]) + \
                ([Phase.shrink] if shrink else [])
            try:
                attempt(name, strategy, count, phases, databases.get(name))
            except Disagreement as exc:
                failure, failed_in, before = exc, name, done
    finally:
        bar.close()
    refused = [t for t in _tallies(tallies) if t.refused and not t.passed]
    if failure is not None:
        per_regime = _tallies(before)
        shrunk = "smallest failing example (after shrinking)" if shrink else "first failing example (no shrinking)"
        lines = [f"{check_name} failed for {model.name}; {shrunk}:", str(failure)]
        if stratified:
            passed = ", ".join(f"{t.regime} ({t.passed})" for t in per_regime) or "none"
            lines.append("  a stored failure, replayed before any other example" if replayed
                         else f"  regimes passed before it: {passed}")
            if also_fail or after:
                lines.append(f"  regimes after it that fail too: {', '.join(also_fail) or 'none'}; "
                             f"that pass: {', '.join(after) or 'none'} (up to {EXPLAIN_EXAMPLES} examples each)")
        lines += _refusal_lines(_tallies(tallies), absent + _partly(partly))
        if use_db:
            lines.append(f"  stored in {replay_folder()}: the next run of this check replays it first")
        raise AssertionError("\n".join(lines)) from None
    per_regime = _tallies(tallies)
    if refused or not any(t.passed for t in per_regime):
        where = ", ".join(t.regime for t in refused) or "any regime"
        raise AssertionError("\n".join([
            f"{check_name} could not check {model.name} in {where}: the integrator refused every example drawn there",
            *_refusal_lines(per_regime, absent + _partly(partly)),
            f"  passed: {', '.join(f'{t.regime} ({t.passed})' for t in per_regime if t.passed) or 'none'}"]))
    worst = min((t.worst_digits for t in per_regime), default=math.inf)
    return CheckReport(check=check_name, model=model.name, n_examples=sum(t.passed for t in per_regime),
                       worst_digits=worst, required_digits=float(digits), per_regime=per_regime,
                       seconds=time.perf_counter() - started, note=note() if note else "",
                       not_applicable=absent + _partly(partly))


def _partly(partly: dict) -> tuple:
    return tuple((name, f"some draws: {reason}") for name, reason in partly.items())


def _refusal_lines(per_regime: tuple, absent: tuple) -> list:
    """Message lines: examples refused by the integrator (not checked) and regimes the model cannot draw."""
    lines = []
    refused = [t for t in per_regime if t.refused]
    if refused:
        lines.append("  refused by the integrator, not checked: "
                     + ", ".join(f"{t.regime} {t.refused}" for t in refused) + f" (e.g. {refused[0].reason})")
    lines += [f"  not applicable to this model: {name} ({reason})" for name, reason in absent]
    return lines

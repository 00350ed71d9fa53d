"""What a passed check returns (:class:`CheckReport`), with its examples counted per regime (:class:`RegimeTally`).

>>> CheckReport("assert_conserved", "single neuron (d=1)", 12, 29.5, 20.0).passed
True
"""

from __future__ import annotations

import dataclasses

__all__ = ["CheckReport", "RegimeTally"]


@dataclasses.dataclass(frozen=True)
class RegimeTally:
    """The examples of one regime in a passed check.

    Attributes
    ----------
    regime : str
        The regime's name (``"generic"`` without a regime).
    passed : int
        Examples that passed.
    worst_digits : float
        Smallest digits of agreement among them (``inf`` if none).
    refused : int
        Examples the model's integrator refused (e.g. sliding along a kink):
        drawn, not checked, and counted here.
    reason : str
        The integrator's reason for the first refusal (``""`` if none).

    Examples
    --------
    >>> RegimeTally("upstream", 2, 29.8, 0)
    RegimeTally(regime='upstream', passed=2, worst_digits=29.8, refused=0, reason='')
    """

    regime: str
    passed: int
    worst_digits: float
    refused: int = 0
    reason: str = ""


@dataclasses.dataclass(frozen=True)
class CheckReport:
    """Summary of a passed check.

    Attributes
    ----------
    check : str
        Which check ran.
    model : str
    n_examples : int
        Examples that passed (including replayed ones).
    worst_digits : float
        Smallest digits of agreement seen.
    required_digits : float
    passed : bool
        Always True (a failed check raises).
    per_regime : tuple of RegimeTally
        The examples per regime, in the order they ran.
    seconds : float
        Wall-clock time of the check.
    note : str
        What else the check measured (e.g. the convergence rate), or ``""``.
    not_applicable : tuple of (str, str)
        Regimes of :func:`~symrich.testing.regimes.any_regime` the model
        cannot draw, with the reason (e.g. ``delta > 0`` for a wide network
        with ``h > c``); they were not run.

    Examples
    --------
    >>> report = CheckReport("assert_conserved", "single neuron (d=1)", 4, 29.5, 20.0,
    ...                      per_regime=(RegimeTally("upstream", 2, 29.5), RegimeTally("balanced", 2, 30.0)))
    >>> report.regime_counts()
    {'upstream': 2, 'balanced': 2}
    >>> print(report.summary())
    assert_conserved on single neuron (d=1): 4 examples passed, worst 29.5 digits (required 20); upstream 2, balanced 2
    >>> CheckReport("c", "m", 2, 30.0, 20.0, per_regime=(RegimeTally("upstream", 2, 30.0, 1, "slides"),)).n_refused
    1
    """

    check: str
    model: str
    n_examples: int
    worst_digits: float
    required_digits: float
    passed: bool = True
    per_regime: tuple = ()
    seconds: float = 0.0
    note: str = ""
    not_applicable: tuple = ()

    @property
    def n_refused(self) -> int:
        """Examples drawn but refused by the model's integrator (not checked), over all regimes."""
        return sum(t.refused for t in self.per_regime)

    def regime_counts(self) -> dict:
        """``{regime: examples passed}``, in the order the regimes ran."""
        return {t.regime: t.passed for t in self.per_regime}

    def summary(self) -> str:
        """One line: the check, the examples passed, the worst digits, the examples per regime, refusals, notes."""
        regimes = ", ".join(f"{t.regime} {t.passed}" + (f" (+{t.refused} refused)" if t.refused else "")
                            for t in self.per_regime)
        plural = "s" if self.n_refused != 1 else ""
        refused = (f"; {self.n_refused} example{plural} refused by the integrator and not checked "
                   f"(e.g. {next(t.reason for t in self.per_regime if t.refused)})" if self.n_refused else "")
        absent = "".join(f"; {regime}: not applicable ({reason})" for regime, reason in self.not_applicable)
        note = f"; {self.note}" if self.note else ""
        return (f"{self.check} on {self.model}: {self.n_examples} examples passed, worst {self.worst_digits:.1f} "
                f"digits (required {self.required_digits:g}); {regimes}{refused}{absent}{note}")

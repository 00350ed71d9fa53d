"""What a passed check returns (:class:`CheckReport`).

>>> CheckReport("assert_conserved", "single neuron (d=1)", 12, 29.5, 20.0)
CheckReport(check='assert_conserved', model='single neuron (d=1)', n_examples=12, worst_digits=29.5, required_digits=20.0, passed=True)
"""

from __future__ import annotations

import dataclasses

__all__ = ["CheckReport"]


@dataclasses.dataclass(frozen=True)
class CheckReport:
    """Summary of a passed check.

    Attributes
    ----------
    check : str
        Which check ran.
    model : str
    n_examples : int
        Examples run (including hypothesis' explicit and replayed ones).
    worst_digits : float
        Smallest digits of agreement seen.
    required_digits : float
    passed : bool
        Always True (a failed check raises).

    Examples
    --------
    >>> CheckReport("assert_conserved", "single neuron (d=1)", 12, 29.5, 20.0).passed
    True
    """

    check: str
    model: str
    n_examples: int
    worst_digits: float
    required_digits: float
    passed: bool = True

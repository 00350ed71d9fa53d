r"""A gallery of false claims and the counterexamples :mod:`symrich.testing` finds for them.

Each claim below is a function that runs one check; the gallery runs them
all under the derandomized ``ci`` profile (so the counterexamples are the
same on every run), records each failure message and the time the check
took, and writes them into the section of ``docs/testing.md`` between the
markers ``<!-- gallery:start -->`` and ``<!-- gallery:end -->``::

    python -m symrich.testing.gallery docs/testing.md          # regenerate
    python -m symrich.testing.gallery --check docs/testing.md  # exit 1 if stale

The test suite runs the check, so the documentation cannot go stale.

>>> [claim.__name__ for claim in CLAIMS][:2]
['a_never_changes_sign', 'converges_within_fixed_time']
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import inspect
import re
import sys
import textwrap
import time
from pathlib import Path

import mpmath
import numpy as np
from hypothesis import settings
from hypothesis import strategies as st

import symrich.testing as srt

__all__ = ["CLAIMS", "GalleryEntry", "check_docs", "main", "render", "run_gallery", "update_docs"]

START, END = "<!-- gallery:start -->", "<!-- gallery:end -->"


def a_never_changes_sign():
    """The readout ``a`` of the single neuron never changes sign (true for delta >= 0 only)."""
    return srt.assert_conserved(lambda p, eta: mpmath.sign(p["a"]), srt.single_neuron(2), regime=srt.any_regime())


def converges_within_fixed_time():
    """From any initialisation, gradient flow brings beta within 1% of beta_star by t = 15 (false near the saddle)."""
    data = st.just(srt.make_dataset("whitened", 2, 2, seed=0))
    return srt.assert_converges_to(lambda ex: ex.data.beta_star(), srt.single_neuron(2), observable="beta",
                                   data=data, regime=srt.any_regime((-0.5, 4.0)), rates=st.just((1.0, 1.0)),
                                   t=15.0, digits=2)


def function_space_flow_with_wrong_sign():
    """In function space beta' = -M g with M = (Lambda - delta)/2 I + ... (the sign of delta slipped)."""
    def coordinates(p, eta):
        return {"beta": p["a"] * p["w"], "delta": eta["w"] * p["a"] ** 2 - eta["a"] * p["w"] @ p["w"]}

    def claimed(z, eta, data):
        beta, delta = z["beta"], z["delta"]
        lam = mpmath.sqrt(delta ** 2 + 4 * eta["a"] * eta["w"] * beta @ beta)
        M = (lam - delta) / 2 * np.eye(len(beta)) + 2 * eta["a"] * eta["w"] / (lam - delta) * np.outer(beta, beta)
        return {"beta": -M @ (data.X.T @ (data.X @ beta - data.y)), "delta": 0}

    return srt.assert_flow(claimed, srt.single_neuron(2), coordinates=coordinates, regime=srt.any_regime())


def relu_pattern_is_fixed():
    """A ReLU network stays in the activation region it starts in (no pre-activation crosses a kink)."""
    def pattern(p, eta, data):
        return [[1 if p["W"][k] @ x > 0 else 0 for x in data.X] for k in range(2)]

    return srt.assert_conserved(pattern, srt.two_layer(2, 2, "relu"), regime=srt.any_regime())


def tanh_keeps_imbalance():
    """Each neuron's delta_k = eta_w a_k^2 - eta_a |w_k|^2 is conserved for tanh too (true for ReLU only)."""
    def deltas(p, eta):
        return [eta["W"] * p["a"][k] ** 2 - eta["a"] * p["W"][k] @ p["W"][k] for k in range(2)]

    return srt.assert_conserved(deltas, srt.two_layer(2, 2, "tanh"), regime=srt.any_regime(), times=(0.5,))


def minimum_norm_limit():
    """With one sample x = (1, 1, 0), y = 1, the single neuron converges to the minimum-norm interpolant (1/2, 1/2, 0)."""
    data = st.just(srt.Dataset(X=np.array([[1.0, 1.0, 0.0]], dtype=object), Y=np.array([[1.0]], dtype=object)))
    return srt.assert_converges_to(lambda ex: [0.5, 0.5, 0.0], srt.single_neuron(3), observable="beta", data=data,
                                   regime=srt.any_regime(), t=30.0)


def beta_outside_the_data_is_frozen():
    """On rank-deficient data the part of beta outside the row space of X is conserved (true for w, not beta)."""
    def outside(p, eta, data):
        X = data.X
        G = np.array(mpmath.inverse(mpmath.matrix((X @ X.T).tolist())).tolist(), dtype=object)
        beta = p["a"] * p["w"]
        return beta - X.T @ (G @ (X @ beta))

    return srt.assert_conserved(outside, srt.single_neuron(3), data=srt.rank_deficient_data(2, 3, rank=2),
                                regime=srt.any_regime())


#: The false claims, in the order of the gallery.
CLAIMS: tuple = (a_never_changes_sign, converges_within_fixed_time, function_space_flow_with_wrong_sign,
                 relu_pattern_is_fixed, tanh_keeps_imbalance, minimum_norm_limit, beta_outside_the_data_is_frozen)


@dataclasses.dataclass(frozen=True)
class GalleryEntry:
    """One false claim, the failure message its check raised and the time the check took.

    Attributes
    ----------
    name : str
        The claim function's name.
    claim : str
        The claim in words (the function's docstring).
    code : str
        The function's source.
    message : str
        The ``AssertionError`` message.
    seconds : float

    Examples
    --------
    >>> GalleryEntry("x", "a claim", "def x(): ...", "failed", 0.5).seconds
    0.5
    """

    name: str
    claim: str
    code: str
    message: str
    seconds: float


def run_gallery(claims: tuple = CLAIMS) -> tuple:
    """Run each claim under the ``ci`` profile; each must fail.

    Parameters
    ----------
    claims : tuple of callables

    Returns
    -------
    tuple of GalleryEntry

    Raises
    ------
    RuntimeError
        If a claim passes (it would not belong in the gallery).

    Examples
    --------
    >>> def wrong():
    ...     '''1 + 1 = 3.'''
    ...     assert 1 + 1 == 3, "1 + 1 = 2"
    >>> run_gallery((wrong,))[0].message
    '1 + 1 = 2'
    """
    previous = settings.get_current_profile_name()
    srt.register_profiles()
    settings.load_profile("ci")
    entries = []
    try:
        for claim in claims:
            started = time.perf_counter()
            try:
                claim()
            except AssertionError as exc:
                entries.append(GalleryEntry(claim.__name__, inspect.getdoc(claim) or claim.__name__,
                                            textwrap.dedent(inspect.getsource(claim)), str(exc),
                                            time.perf_counter() - started))
            else:
                raise RuntimeError(f"the claim {claim.__name__} passed: it is not false")
    finally:
        settings.load_profile(previous)
    return tuple(entries)


def render(entries: tuple) -> str:
    """The gallery section (Markdown) for ``entries``, between the markers.

    Examples
    --------
    >>> text = render((GalleryEntry("x", "A claim.", "def x(): ...", "failed", 0.5),))
    >>> text.splitlines()[0] == START, "took 0.5 s" in text
    (True, True)
    """
    parts = [START, ""]
    for k, e in enumerate(entries, 1):
        parts += [f"### {k}. {e.claim}", "", "```python", e.code.rstrip(), "```", "",
                  f"The check took {e.seconds:.1f} s and raised:", "", "```", e.message.rstrip(), "```", ""]
    parts.append(END)
    return "\n".join(parts)


def _mask_times(text: str) -> str:
    return re.sub(r"took \d+\.\d s", "took ... s", text)


def _section(text: str, path: Path) -> tuple:
    if START not in text or END not in text:
        raise ValueError(f"{path} has no gallery section (the markers {START} and {END})")
    return text.index(START), text.index(END) + len(END)


def update_docs(path: str | Path, entries: tuple) -> None:
    """Write the gallery section of ``path`` (the text between the markers is replaced).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     page = Path(d) / "page.md"
    ...     _ = page.write_text(f"intro\\n{START}\\nold\\n{END}\\n")
    ...     update_docs(page, (GalleryEntry("x", "A claim.", "def x(): ...", "failed", 0.5),))
    ...     "old" in page.read_text(), "A claim." in page.read_text()
    (False, True)
    """
    path = Path(path)
    text = path.read_text()
    i, j = _section(text, path)
    path.write_text(text[:i] + render(entries) + text[j:])


def check_docs(path: str | Path, entries: tuple) -> list:
    """The lines where the gallery section of ``path`` differs from ``entries`` (times ignored); ``[]`` if current.

    Examples
    --------
    >>> import tempfile
    >>> entry = GalleryEntry("x", "A claim.", "def x(): ...", "failed", 0.5)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     page = Path(d) / "page.md"
    ...     _ = page.write_text(render((dataclasses.replace(entry, seconds=2.0),)))
    ...     check_docs(page, (entry,))
    []
    """
    path = Path(path)
    text = path.read_text()
    i, j = _section(text, path)
    have = _mask_times(text[i:j]).splitlines()
    want = _mask_times(render(entries)).splitlines()
    return [line for line in difflib.unified_diff(have, want, "docs", "generated", lineterm="", n=0)]


def main(argv: list | None = None) -> int:
    """``python -m symrich.testing.gallery [--check] PATH``: regenerate (or check) the gallery of ``PATH``.

    Examples
    --------
    >>> main(["--help"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    SystemExit: 0
    """
    parser = argparse.ArgumentParser(prog="python -m symrich.testing.gallery", description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default="docs/testing.md", help="the page with the gallery section")
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is not up to date")
    args = parser.parse_args(argv)
    entries = run_gallery()
    for e in entries:
        print(f"{e.name}: {e.seconds:.1f} s")
    if args.check:
        diff = check_docs(args.path, entries)
        print("\n".join(diff) if diff else f"{args.path}: the gallery is up to date")
        return 1 if diff else 0
    update_docs(args.path, entries)
    print(f"wrote the gallery into {args.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

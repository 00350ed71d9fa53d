"""Figures of the paper, drawn from the compiled closed forms; one module per network family.

* :mod:`symrich.figures.single_neuron`: the single-neuron figures (paper Figs 2-4, 7);
* :mod:`symrich.figures.wide_linear`: the exact trajectory of a wide linear network from an
  unaligned start, for upstream, balanced and downstream initialisations;
* :mod:`symrich.figures.style`: the shared look (:func:`~symrich.figures.style.style`).

:data:`FIGURES` is the registry ``{name: function returning a matplotlib Figure}`` that
:func:`make_all` and ``symrich figures`` draw from; each family module contributes its own
``FIGURES`` dict.  The names of the single-neuron module are re-exported here.

>>> sorted(FIGURES)[:2]
['basins', 'function_space']
"""

from __future__ import annotations

from pathlib import Path

from symrich.figures import single_neuron
from symrich.figures.wide_linear import wide_linear_figure
from symrich.figures.single_neuron import (
    BETA0, BETA_STAR, PAPER_DELTAS, basins_figure, function_space_figure, implicit_bias_figure, initialisation,
    observables_figure, parameter_space_figure,
)

__all__ = [
    "FIGURES",
    "make_all",
    "PAPER_DELTAS",
    "BETA0",
    "BETA_STAR",
    "initialisation",
    "parameter_space_figure",
    "function_space_figure",
    "observables_figure",
    "implicit_bias_figure",
    "basins_figure",
    "wide_linear_figure",
]

#: Every figure by name: ``{name: function() -> matplotlib.figure.Figure}``, one entry per family module.
FIGURES = {**single_neuron.FIGURES, "wide_linear": wide_linear_figure}


def make_all(out_dir, names=None, formats=("png", "pdf")):
    """Draw every figure (or those named) and save ``<name>.<fmt>`` under ``out_dir``.

    Returns ``{name: [paths]}``.

    Examples
    --------
    >>> import tempfile
    >>> written = make_all(tempfile.mkdtemp(), ["implicit_bias"], formats=("png",))
    >>> [(name, [p.name for p in paths]) for name, paths in written.items()]
    [('implicit_bias', ['implicit_bias.png'])]
    >>> written["implicit_bias"][0].stat().st_size > 0
    True
    >>> make_all(tempfile.mkdtemp(), ["no_such_figure"])
    Traceback (most recent call last):
    ...
    ValueError: unknown figure 'no_such_figure'; expected one of ...
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in names or FIGURES:
        if name not in FIGURES:
            raise ValueError(f"unknown figure {name!r}; expected one of {', '.join(FIGURES)}")
        fig = FIGURES[name]()
        paths = []
        for fmt in formats:
            p = out / f"{name}.{fmt}"
            fig.savefig(p)
            paths.append(p)
        plt.close(fig)
        written[name] = paths
    return written

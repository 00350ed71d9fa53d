"""The shared look of every symrich figure: one matplotlib style and one colour ramp.

Every figure module draws inside :func:`style` and colours a family of curves
(one per ``delta``, say) with :func:`colors`, so the figures of all network
families look alike.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> with style():
...     plt.rcParams["font.size"]
9.0
"""

from __future__ import annotations

import contextlib

import numpy as np

__all__ = ["style", "colors"]

_STYLE = {
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 7,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 1.6,
}


@contextlib.contextmanager
def style():
    """The shared style of every symrich figure (a matplotlib rc context).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> with style():
    ...     plt.rcParams["axes.spines.top"]
    False
    """
    import matplotlib.pyplot as plt

    with plt.rc_context(_STYLE):
        yield


def colors(n):
    """``n`` colours evenly spaced on the ``coolwarm`` ramp (blue for the first, red for the last).

    Examples
    --------
    >>> [tuple(round(float(c), 2) for c in rgba[:3]) for rgba in colors(2)]
    [(0.23, 0.3, 0.75), (0.71, 0.02, 0.15)]
    """
    import matplotlib.pyplot as plt

    cmap = plt.get_cmap("coolwarm")
    return [cmap(x) for x in np.linspace(0.0, 1.0, n)]

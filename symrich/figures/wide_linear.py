"""Wide linear networks: the exact trajectory from one unaligned start, upstream, balanced and downstream.

Every curve is the closed form :func:`symrich.wide_linear.trajectory`; markers
overlay an independent integration of the raw parameter flow of ``(W1, W2)``
(:func:`scipy.integrate.solve_ivp`, DOP853, ``rtol = 1e-10``).  Lines carry a
``gid`` naming what they show (``"sv:lambda=4:1"``, ``"kernel:lambda=0"``).

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> fig = wide_linear_figure(lams=(0.0,), n_times=20, overlay=False)
>>> sorted(ln.get_gid() for ln in fig.axes[1].lines if ln.get_gid())
['kernel:lambda=0']
"""

from __future__ import annotations

import numpy as np

__all__ = ["TARGET", "START", "wide_linear_figure"]

#: ``S = Y X^T`` (``c = 2``, ``d = 3``): singular values 2 and 0.5, unaligned with ``START``.
TARGET = np.array([[1.2, -1.1, 1.0], [0.35, 0.1, -0.25]])
#: ``beta(0) = W2 W1`` of every curve: small and unaligned with the singular vectors of ``TARGET``.
START = np.array([[0.02, 0.05, -0.01], [-0.04, 0.01, 0.03]])


def _flow(t, W1, W2, S):
    """The parameter flow of ``(W1, W2)`` integrated by scipy (unit rates)."""
    from scipy.integrate import solve_ivp

    h, d = W1.shape
    c = W2.shape[0]

    def rhs(_, y):
        A, B = y[:h * d].reshape(h, d), y[h * d:].reshape(c, h)
        E = S - B @ A
        return np.concatenate([(B.T @ E).ravel(), (E @ A.T).ravel()])

    y = solve_ivp(rhs, (0.0, t[-1]), np.concatenate([W1.ravel(), W2.ravel()]), t_eval=t, method="DOP853",
                  rtol=1e-10, atol=1e-12).y.T
    A, B = y[:, :h * d].reshape(-1, h, d), y[:, h * d:].reshape(-1, c, h)
    return B @ A


def wide_linear_figure(lams=(4.0, 0.0, -4.0), t_max=12.0, n_times=300, overlay=True):
    """Singular values of ``beta(t)`` and the kernel distance ``S(0, t)`` for several ``lambda``, one start.

    Every network starts at ``beta(0) = START`` (``d = 3``, ``h = c = 2``) with the
    layers :func:`symrich.wide_linear.layers_of_beta` of its ``lambda``:
    upstream (``lambda > 0``, larger readout), balanced (``0``) and downstream
    (``lambda < 0``, larger first layer).  Left: the two singular values of
    ``beta(t)`` (dashed: those of ``S``); right: the kernel distance on whitened
    inputs.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig = wide_linear_figure(lams=(2.0, -2.0), n_times=30, overlay=False)
    >>> sorted(ln.get_gid() for ln in fig.axes[0].lines if ln.get_gid())
    ['sv:lambda=-2:1', 'sv:lambda=-2:2', 'sv:lambda=2:1', 'sv:lambda=2:2']
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    from symrich.figures.style import style
    from symrich.wide_linear import layers_of_beta, trajectory

    t = np.linspace(0.0, t_max, n_times)
    marks = t[:: max(1, n_times // 15)]
    cmap = plt.get_cmap("coolwarm")
    colors = [cmap(x) for x in np.linspace(1.0, 0.0, len(lams))] if len(lams) > 1 else [cmap(0.5)]
    with style():
        fig, (ax_sv, ax_k) = plt.subplots(1, 2, figsize=(8.0, 3.2))
        for s in np.linalg.svd(TARGET, compute_uv=False):
            ax_sv.axhline(s, color="0.6", lw=0.8, ls="--")
        for lam, color in zip(lams, colors):
            W1, W2 = layers_of_beta(START, lam)
            sol = trajectory(t, W1, W2, TARGET)
            sv = np.linalg.svd(sol.beta, compute_uv=False)
            for i in range(sv.shape[1]):
                ax_sv.plot(t, sv[:, i], color=color, gid=f"sv:lambda={lam:g}:{i + 1}",
                           label=f"$\\lambda = {lam:g}$" if i == 0 else None)
            ax_k.plot(t, sol.kernel_distance(), color=color, gid=f"kernel:lambda={lam:g}",
                      label=f"$\\lambda = {lam:g}$")
            if overlay:
                ax_sv.plot(marks, np.linalg.svd(_flow(marks, W1, W2, TARGET), compute_uv=False), "o", ms=2.5,
                           mfc="none", color=color)
        ax_sv.set_xlabel("$t$")
        ax_sv.set_ylabel("singular values of $\\beta(t)$")
        ax_sv.legend(frameon=False)
        ax_k.set_xlabel("$t$")
        ax_k.set_ylabel("kernel distance $S(0, t)$")
        ax_sv.set_title("function: closed form (lines), parameter flow (circles)")
        ax_k.set_title("NTK movement")
        fig.tight_layout()
    return fig

"""The paper's single-neuron figures, drawn from the compiled closed forms.

Every curve is a kernel evaluation (:func:`symrich.single_neuron.trajectory`,
:func:`symrich.single_neuron.observables`); markers overlay an independent
integration of the raw parameter flow (the float path of
:func:`symrich.oracle.integrate_single_neuron`), so a reader sees closed form and
flow agree.  Each plotted line carries a ``gid`` naming what it shows (for
example ``"beta:delta=-2"``), which the tests use to read the data back.

Settings are those of the paper's figures:
Figs 2-4a use ``X^T X = I_2``, ``beta_star = (0, 1)``, ``beta0 = (-1, 0)``
with ``a0 > 0`` for each ``delta``.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> fig = function_space_figure(deltas=(0.0,), t_max=5.0, n_times=50)
>>> [ln.get_gid() for ln in fig.axes[0].lines if ln.get_gid()][:1]
['beta:delta=0']
"""

from __future__ import annotations

import numpy as np

from symrich.figures.style import colors, style

__all__ = [
    "PAPER_DELTAS",
    "BETA0",
    "BETA_STAR",
    "initialisation",
    "parameter_space_figure",
    "function_space_figure",
    "observables_figure",
    "implicit_bias_figure",
    "basins_figure",
    "FIGURES",
]

#: The delta values of the paper's Figs 2-4a.
PAPER_DELTAS = (-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0)
BETA_STAR = np.array([0.0, 1.0])
BETA0 = np.array([-1.0, 0.0])

def initialisation(delta, beta0=BETA0, eta_a=1.0, eta_w=1.0):
    """``(a0, w0)`` with ``a0 > 0``, ``a0 w0 = beta0`` and ``eta_w a0^2 - eta_a ||w0||^2 = delta``.

    With ``rho = ||beta0||``: ``eta_w a0^2 = (R + delta)/2``, ``R = sqrt(delta^2 + 4 eta rho^2)``
    (the identity proved in ``single_neuron_function_space``).

    >>> a0, w0 = initialisation(0.0)
    >>> round(a0, 12), w0.tolist()
    (1.0, [-1.0, 0.0])
    """
    beta0 = np.asarray(beta0, dtype=float)
    rho = np.linalg.norm(beta0)
    R = np.hypot(delta, 2 * np.sqrt(eta_a * eta_w) * rho)
    # (R + delta)/2 without cancellation for delta < 0
    m = (R + delta) / 2 if delta >= 0 else 2 * eta_a * eta_w * rho**2 / (R - delta)
    a0 = np.sqrt(m / eta_w)
    return float(a0), beta0 / a0


def _flow_overlay(t, a0, w0, beta_star):
    """Independent check: the parameter flow integrated by scipy (float path of the oracle)."""
    from symrich.oracle import integrate_single_neuron

    d = len(w0)
    a, w = integrate_single_neuron(t, a0, w0, XtX=np.eye(d), Xty=beta_star, method="scipy")
    return np.asarray(a, dtype=float), np.asarray(w, dtype=float)


def parameter_space_figure(deltas=(-2.0, 0.0, 2.0), t_max=20.0, n_times=400, overlay=True):
    """3-D parameter-space trajectories ``(w_1, w_2, a)`` on the conserved surfaces.

    One panel per ``delta``: the surface ``a^2 - ||w||^2 = delta`` (``a > 0`` sheet,
    wireframe) and the exact trajectory from ``beta0 = (-1, 0)`` to the solution
    hyperbola ``a w = beta_star``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig = parameter_space_figure(deltas=(0.0,), n_times=20)
    >>> len(fig.axes), [ln.get_gid() for ln in fig.axes[0].lines if ln.get_gid()]
    (1, ['params:delta=0'])
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    from symrich.single_neuron import trajectory

    t = np.linspace(0.0, t_max, n_times)
    with style():
        fig = plt.figure(figsize=(3.3 * len(deltas), 3.4))
        for k, delta in enumerate(deltas):
            ax = fig.add_subplot(1, len(deltas), k + 1, projection="3d")
            r = np.linspace(np.sqrt(max(-delta, 0.0)), 2.0, 25)
            th = np.linspace(0, 2 * np.pi, 40)
            Rr, Th = np.meshgrid(r, th)
            A = np.sqrt(np.maximum(delta + Rr**2, 0.0))
            ax.plot_wireframe(Rr * np.cos(Th), Rr * np.sin(Th), A, color="0.8", linewidth=0.3)
            a0, w0 = initialisation(delta)
            a, w = trajectory(t, a0, w0, BETA_STAR)
            (line,) = ax.plot(w[:, 0], w[:, 1], a, color="C3")
            line.set_gid(f"params:delta={delta:g}")
            if overlay:
                sel = slice(0, None, max(1, n_times // 12))
                af, wf = _flow_overlay(t[sel], a0, w0, BETA_STAR)
                ax.plot(wf[:, 0], wf[:, 1], af, "o", ms=3, color="k", label="flow (scipy)")
            ax.set_title(f"$\\delta = {delta:g}$")
            ax.set_xlabel("$w_1$")
            ax.set_ylabel("$w_2$")
            ax.set_zlabel("$a$")
        fig.tight_layout()
    return fig


def function_space_figure(deltas=PAPER_DELTAS, t_max=20.0, n_times=400, overlay=True):
    """Function-space trajectories ``beta(t)`` over the loss landscape, one curve per ``delta``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig = function_space_figure(deltas=(-1.0, 1.0), n_times=20)
    >>> [ln.get_gid() for ln in fig.axes[0].lines if ln.get_gid()]
    ['beta:delta=-1', 'beta:delta=1']
    >>> line = fig.axes[0].lines[0]
    >>> line.get_xydata()[0].tolist()  # every curve starts at beta0 = (-1, 0)
    [-1.0, 0.0]
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    from symrich.single_neuron import trajectory

    t = np.linspace(0.0, t_max, n_times)
    with style():
        fig, ax = plt.subplots(figsize=(4.2, 3.8))
        g = np.linspace(-1.5, 1.5, 121)
        B1, B2 = np.meshgrid(g, g)
        loss = 0.5 * ((B1 - BETA_STAR[0]) ** 2 + (B2 - BETA_STAR[1]) ** 2)
        ax.contour(B1, B2, loss, levels=12, colors="0.85", linewidths=0.6)
        for delta, color in zip(deltas, colors(len(deltas))):
            a0, w0 = initialisation(delta)
            a, w = trajectory(t, a0, w0, BETA_STAR)
            beta = a[:, None] * w
            (line,) = ax.plot(beta[:, 0], beta[:, 1], color=color, label=f"$\\delta={delta:g}$")
            line.set_gid(f"beta:delta={delta:g}")
            if overlay:
                sel = slice(0, None, max(1, n_times // 15))
                af, wf = _flow_overlay(t[sel], a0, w0, BETA_STAR)
                bf = af[:, None] * wf
                ax.plot(bf[:, 0], bf[:, 1], "o", ms=2.5, color=color, alpha=0.8)
        ax.plot(*BETA0, "ks", ms=4)
        ax.plot(*BETA_STAR, "k*", ms=8)
        ax.set_xlabel("$\\beta_1$")
        ax.set_ylabel("$\\beta_2$")
        ax.set_aspect("equal")
        ax.legend(loc="lower right", ncol=2)
        ax.set_title("function space (dots: integrated flow)")
        fig.tight_layout()
    return fig


def observables_figure(deltas=PAPER_DELTAS, t_max=20.0, n_times=400):
    """``||beta||``, alignment ``cos(w, beta_star)`` and kernel distance ``S(0, t)`` against time.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig = observables_figure(deltas=(0.0,), n_times=20)
    >>> [ln.get_gid() for ax in fig.axes for ln in ax.lines]
    ['beta_norm:delta=0', 'alignment:delta=0', 'kernel_distance:delta=0']
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    from symrich.single_neuron import observables

    t = np.linspace(0.0, t_max, n_times)
    with style():
        fig, axes = plt.subplots(1, 3, figsize=(10, 3.0))
        for delta, color in zip(deltas, colors(len(deltas))):
            a0, w0 = initialisation(delta)
            obs = observables(t, a0, w0, BETA_STAR)
            for ax, name in zip(axes, ("beta_norm", "alignment", "kernel_distance")):
                (line,) = ax.plot(t, getattr(obs, name), color=color, label=f"$\\delta={delta:g}$")
                line.set_gid(f"{name}:delta={delta:g}")
        for ax, title in zip(axes, ("$\\|\\beta\\|$", "$\\cos(w, \\beta_*)$", "kernel distance $S(0, t)$")):
            ax.set_title(title)
            ax.set_xlabel("$t$")
        axes[2].legend(ncol=2)
        fig.tight_layout()
    return fig


def implicit_bias_figure(deltas=PAPER_DELTAS):
    """Paper Fig. 4b: rank-one data, the interpolant reached depends on ``delta``.

    ``x = (0.5, 1)``, ``X^T y = 1.1 x``, ``beta0 = 0.5 (0.6 (1, -0.5) + 0.4 (0.5, 1))``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig = implicit_bias_figure(deltas=(0.0,))
    >>> (marker,) = [ln for ln in fig.axes[0].lines if ln.get_gid()]
    >>> marker.get_gid()
    'beta_inf:delta=0'
    >>> b1, b2 = marker.get_xydata()[0]
    >>> round(float(0.5 * b1 + b2), 6)  # the limit interpolates: x . beta = 1.1
    1.1
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    from symrich.single_neuron import implicit_bias

    x = np.array([0.5, 1.0])
    X, y = x[None, :], np.array([1.1])  # X^T X = x x^T and X^T y = 1.1 x
    beta0 = 0.5 * (0.6 * np.array([1.0, -0.5]) + 0.4 * np.array([0.5, 1.0]))
    with style():
        fig, ax = plt.subplots(figsize=(4.2, 3.8))
        s = np.linspace(-2, 2, 2)
        direction = np.array([-x[1], x[0]]) / np.linalg.norm(x)
        base = x * y[0] / (x @ x)
        line_pts = base[None, :] + s[:, None] * direction[None, :]
        ax.plot(line_pts[:, 0], line_pts[:, 1], color="0.6", lw=1, label="interpolants $X\\beta = y$")
        pts = []
        for delta, color in zip(deltas, colors(len(deltas))):
            a0, w0 = initialisation(delta, beta0=beta0)
            res = implicit_bias(X, y, a0, w0)
            b = np.asarray(getattr(res, "beta", res), dtype=float)
            pts.append(b)
            (mk,) = ax.plot(b[0], b[1], "o", color=color, label=f"$\\delta={delta:g}$")
            mk.set_gid(f"beta_inf:delta={delta:g}")
        ax.plot(*beta0, "ks", ms=4)
        ax.set_xlabel("$\\beta_1$")
        ax.set_ylabel("$\\beta_2$")
        ax.set_aspect("equal")
        ax.legend(fontsize=6, ncol=2)
        ax.set_title("implicit bias, rank-one data")
        fig.tight_layout()
    return fig


def basins_figure(deltas=(0.0, -2.0, -10.0), n=41):
    """Paper Fig. 7: which branch (``a_inf > 0`` or ``< 0``) each initialisation reaches.

    ``X^T X = I_2``, ``beta_star = (1, 0.25)``; initialisations on a grid of
    ``beta0`` directions and scales, colored by :func:`symrich.single_neuron.basin`.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig = basins_figure(deltas=(0.0,), n=5)
    >>> (image,) = fig.axes[0].images
    >>> image.get_gid(), image.get_array().shape
    ('basin:delta=0', (5, 5))
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    from symrich.single_neuron import basin

    beta_star = np.array([1.0, 0.25])
    g = np.linspace(-2, 2, n)
    with style():
        fig, axes = plt.subplots(1, len(deltas), figsize=(3.3 * len(deltas), 3.2))
        for ax, delta in zip(np.atleast_1d(axes), deltas):
            signs = np.zeros((n, n))
            for i, b2 in enumerate(g):
                for j, b1 in enumerate(g):
                    beta0 = np.array([b1, b2])
                    if np.linalg.norm(beta0) == 0:
                        continue
                    a0, w0 = initialisation(delta, beta0=beta0)
                    res = basin(a0, w0, beta_star)
                    signs[i, j] = res[0] if isinstance(res, tuple) else getattr(res, "sign", res)
            im = ax.imshow(signs, origin="lower", extent=(g[0], g[-1], g[0], g[-1]), cmap="coolwarm", vmin=-1, vmax=1)
            im.set_gid(f"basin:delta={delta:g}")
            ax.plot(*beta_star, "k*")
            ax.set_title(f"$\\delta = {delta:g}$")
            ax.set_xlabel("$\\beta_{0,1}$")
            ax.set_ylabel("$\\beta_{0,2}$")
        fig.tight_layout()
    return fig


#: The single-neuron figures by name (merged into :data:`symrich.figures.FIGURES`).
FIGURES = {
    "parameter_space": parameter_space_figure,
    "function_space": function_space_figure,
    "observables": observables_figure,
    "implicit_bias": implicit_bias_figure,
    "basins": basins_figure,
}

"""The paper's Figure 1 from a sweep: heatmaps over (delta, scale) at the checkpoints, one row per metric.

Reads the tidy table ``results.csv`` written by :func:`symrich.experiments.sweep.run_sweep` and
averages over seeds (:func:`sweep_summary`; diverged runs are left out of the means and marked with
a cross).  :func:`plot_sweep` draws the layout of the paper's Figure 1 (Kunin, Raventós et al.):

* one row per metric: test loss (log10 colour scale), kernel distance ``S(0, t)``, Hamming distance
  (and any other column of the table asked for);
* one column per checkpoint: the paper's ``10, 10^2, ...`` and the last step;
* in each panel ``delta`` on the horizontal axis (``alpha``, on a log axis, for a grid over ``alpha``)
  and ``scale`` on a log vertical axis; one colour scale per row, so the columns show time.

matplotlib is imported inside the function with the Agg backend.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

from symrich.experiments.table import read_table

__all__ = ["METRIC_LABELS", "sweep_summary", "figure_checkpoints", "plot_sweep"]

#: Columns that can be plotted, with their labels.
METRIC_LABELS = {
    "test_loss": "test loss",
    "kernel_distance": "kernel distance $S(0, t)$",
    "hamming": "Hamming distance",
    "param_distance": "parameter distance",
    "train_loss": "train loss",
    "delta_drift": "$\\max_k |\\delta_k(t) - \\delta_k(0)|$",
}


def sweep_summary(rows, step=None):
    """Seed means at one checkpoint: ``{(scale, alpha): {metric: mean, "alpha", "delta", "n_diverged", "step"}}``.

    ``step`` picks the largest checkpoint ``<= step`` (default: the last).  Diverged runs are left out
    of the means (``n_diverged`` counts them; a metric is NaN when every seed diverged).

    >>> rows = [dict(scale=1.0, alpha=2.0, delta=3.75, seed=s, step=10, kernel_distance=0.1 * s, hamming=0.0,
    ...              param_distance=0.0, test_loss=1.0, diverged=0) for s in (1, 2)]
    >>> summary = sweep_summary(rows); round(summary[(1.0, 2.0)]["kernel_distance"], 12), summary[(1.0, 2.0)]["delta"]
    (0.15, 3.75)
    """
    if not rows:
        raise ValueError("rows is empty: no finished configuration in this sweep")
    steps = sorted({r["step"] for r in rows})
    target = steps[-1] if step is None else max((s for s in steps if s <= step), default=None)
    if target is None:
        raise ValueError(f"step must be >= the first checkpoint {steps[0]}, got {step}")
    groups = defaultdict(list)
    for r in rows:
        if r["step"] == target:
            groups[(r["scale"], r["alpha"])].append(r)
    out = {}
    for (scale, alpha), rs in groups.items():
        ok = [r for r in rs if not r["diverged"]]
        entry = {"alpha": alpha, "delta": rs[0]["delta"], "n_diverged": len(rs) - len(ok), "step": target}
        for key in METRIC_LABELS:
            if key in rs[0]:
                entry[key] = sum(r[key] for r in ok) / len(ok) if ok else math.nan
        out[(scale, alpha)] = entry
    return out


def figure_checkpoints(steps):
    """The columns of the figure: the paper's checkpoints ``10^k`` (``k >= 1``) among ``steps``, and the last.

    >>> figure_checkpoints([0, 1, 3, 10, 32, 100, 316, 1000, 3000])
    [10, 100, 1000, 3000]
    >>> figure_checkpoints([0, 1, 5])
    [5]
    """
    steps = sorted(set(steps))
    chosen = [s for s in steps if s >= 10 and math.log10(s).is_integer()]
    if steps and steps[-1] not in chosen and steps[-1] > 0:
        chosen.append(steps[-1])
    return chosen


def _edges(values, log):
    import numpy as np

    v = np.log10(values) if log else np.asarray(values, dtype=float)
    if len(v) == 1:
        e = np.array([v[0] - 0.5, v[0] + 0.5])
    else:
        mid = (v[1:] + v[:-1]) / 2
        e = np.concatenate([[2 * v[0] - mid[0]], mid, [2 * v[-1] - mid[-1]]])
    return 10**e if log else e


def plot_sweep(out_dir, out=None, checkpoints=None, metrics=("test_loss", "kernel_distance", "hamming")):
    """Draw the Figure 1 layout from ``out_dir/results.csv``; returns the image path (default ``out_dir/sweep.png``).

    Parameters
    ----------
    out_dir : path
        A sweep's output folder.
    out : path, optional
        The image file (format from its suffix).
    checkpoints : sequence of int, optional
        The columns (default :func:`figure_checkpoints` of the table's steps); each is the largest
        checkpoint ``<=`` the value asked.
    metrics : sequence of str
        The rows: columns of the table among :data:`METRIC_LABELS`.

    Examples
    --------
    >>> import tempfile
    >>> from symrich.experiments.sweep import run_sweep
    >>> out = tempfile.mkdtemp()
    >>> cfg = {"grid": {"scale": [0.5, 1.0], "delta": [-0.5, 0.5], "seed": [0]},
    ...        "settings": {"d": 4, "m": 4, "n": 20, "n_test": 20, "steps": 10}}
    >>> _ = run_sweep(cfg, out, workers=0, progress=False)
    >>> plot_sweep(out).name
    'sweep.png'
    """
    out_dir = Path(out_dir)
    table = out_dir / "results.csv"
    if not table.is_file():
        raise ValueError(f"no results.csv in {str(out_dir)!r}: run `symrich sweep --out {out_dir}` first")
    unknown = [m for m in metrics if m not in METRIC_LABELS]
    if unknown or not metrics:
        raise ValueError(f"metrics must be among {', '.join(METRIC_LABELS)}, got {list(metrics)!r}")
    rows = read_table(table)
    if not rows:
        raise ValueError(f"{table} has no rows: no configuration of this sweep has finished")
    steps = sorted({r["step"] for r in rows})
    columns = figure_checkpoints(steps) if checkpoints is None else list(checkpoints)
    summaries = [sweep_summary(rows, c) for c in columns]
    by_delta = True
    spec = out_dir / "sweep.json"
    if spec.is_file():
        by_delta = "delta" in json.loads(spec.read_text()).get("grid", {})

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from symrich.figures.style import style

    xkey = "delta" if by_delta else "alpha"
    scales = sorted({k[0] for k in summaries[0]})
    xs = sorted({v[xkey] for v in summaries[0].values()})
    xe, ye = _edges(xs, log=not by_delta), _edges(scales, log=True)
    with style():
        fig, axes = plt.subplots(len(metrics), len(columns), figsize=(2.6 * len(columns) + 1.2, 2.3 * len(metrics)),
                                 squeeze=False, sharex=True, sharey=True, constrained_layout=True)
        for i, key in enumerate(metrics):
            log = key.endswith("loss")
            grids = []
            for summary in summaries:
                lookup = {(k[0], v[xkey]): v for k, v in summary.items()}
                g = np.full((len(scales), len(xs)), np.nan)
                for a, s in enumerate(scales):
                    for b, x in enumerate(xs):
                        v = lookup.get((s, x), {}).get(key, math.nan)
                        g[a, b] = (math.log10(v) if v > 0 else math.nan) if log else v
                grids.append(g)
            finite = np.concatenate([g[np.isfinite(g)] for g in grids])
            vmin, vmax = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
            for j, (summary, g) in enumerate(zip(summaries, grids)):
                ax = axes[i, j]
                mesh = ax.pcolormesh(xe, ye, g, vmin=vmin, vmax=vmax, cmap="viridis" if log else "magma",
                                     shading="flat")
                mesh.set_gid(f"{key}:step={summary[next(iter(summary))]['step']}")
                bad = [(v[xkey], k[0]) for k, v in summary.items() if v["n_diverged"]]
                if bad:
                    ax.plot(*zip(*bad), "x", color="c", ms=4, label="diverged seeds")
                ax.set_yscale("log")
                if not by_delta:
                    ax.set_xscale("log")
                if i == 0:
                    ax.set_title(f"step {summary[next(iter(summary))]['step']:,}")
                if i == len(metrics) - 1:
                    ax.set_xlabel("$\\delta$" if by_delta else "$\\alpha$")
                if j == 0:
                    ax.set_ylabel("scale")
            cbar = fig.colorbar(mesh, ax=axes[i, :], shrink=0.9)
            cbar.set_label(("log10 " if log else "") + METRIC_LABELS[key])
        n_seeds = len({r["seed"] for r in rows})
        fig.suptitle(f"relative-scale sweep ({n_seeds} seed{'s' * (n_seeds > 1)}, seed means)")
    path = Path(out) if out is not None else out_dir / "sweep.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path

"""Figures of a relative-scale sweep (the paper's Figure 1 style): heatmaps over (scale, delta) and alpha curves.

Reads the tidy table ``results.csv`` written by :func:`symrich.experiments.sweep.run_sweep`, averages over seeds
at one checkpoint (the last by default, or the largest checkpoint ``<= step``), and draws

* top row: heatmaps of kernel distance, Hamming distance, parameter distance and test loss
  (log10) over ``scale`` (rows) and ``delta`` (columns; ``alpha`` when the grid is over ``alpha``);
* bottom row: the same quantities against ``alpha`` (log axis), one curve per ``scale``.

matplotlib is imported inside the function with the Agg backend.

"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

from symrich.experiments.table import read_table

__all__ = ["sweep_summary", "plot_sweep"]

PANELS = (("kernel_distance", "kernel distance S(0, t)", False), ("hamming", "Hamming distance", False),
          ("param_distance", "relative parameter distance", False), ("test_loss", "test loss (log10)", True))


def sweep_summary(rows, step=None):
    """Seed means at one checkpoint: ``{(scale, alpha): {metric: mean, "alpha", "delta", "n_diverged", "step"}}``.

    Diverged runs are left out of the means (``n_diverged`` counts them).

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
        for key, _, _ in PANELS:
            entry[key] = sum(r[key] for r in ok) / len(ok) if ok else math.nan
        out[(scale, alpha)] = entry
    return out


def plot_sweep(out_dir, out=None, step=None):
    """Draw the sweep figure from ``out_dir/results.csv``; returns the image path (default ``out_dir/sweep.png``).

    See the module docstring for the panels; ``step`` picks the largest checkpoint ``<= step``.

    >>> import tempfile
    >>> from symrich.experiments.sweep import run_sweep
    >>> out = tempfile.mkdtemp()
    >>> cfg = {"grid": {"scale": [0.5, 1.0], "delta": [-0.5, 0.5], "seed": [0]},
    ...        "settings": {"d": 4, "m": 4, "n": 20, "n_test": 20, "n_probe": 5, "steps": 10}}
    >>> _ = run_sweep(cfg, out, workers=0, progress=False)
    >>> plot_sweep(out).name
    'sweep.png'
    """
    out_dir = Path(out_dir)
    table = out_dir / "results.csv"
    if not table.is_file():
        raise ValueError(f"no results.csv in {str(out_dir)!r}: run `symrich sweep --out {out_dir}` first")
    summary = sweep_summary(read_table(table), step)
    by_delta = False
    spec = out_dir / "sweep.json"
    if spec.is_file():
        by_delta = "delta" in json.loads(spec.read_text()).get("grid", {})

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    scales = sorted({k[0] for k in summary})
    xkey = "delta" if by_delta else "alpha"
    xs = sorted({v[xkey] for v in summary.values()})
    lookup = {(k[0], v[xkey]): v for k, v in summary.items()}
    fig, axes = plt.subplots(2, len(PANELS), figsize=(4.2 * len(PANELS), 7.5), constrained_layout=True)
    cmap = plt.get_cmap("viridis")
    for j, (key, title, log) in enumerate(PANELS):
        grid = np.full((len(scales), len(xs)), np.nan)
        for a, s in enumerate(scales):
            for b, x in enumerate(xs):
                if (s, x) in lookup:
                    v = lookup[(s, x)][key]
                    grid[a, b] = math.log10(v) if log and v > 0 else (v if not log else np.nan)
        ax = axes[0, j]
        im = ax.imshow(grid, origin="lower", aspect="auto", cmap="magma" if key != "test_loss" else "viridis")
        ax.set_xticks(range(len(xs)), [f"{x:.3g}" for x in xs], rotation=90, fontsize=7)
        ax.set_yticks(range(len(scales)), [f"{s:.3g}" for s in scales], fontsize=7)
        ax.set_xlabel("delta" if by_delta else "alpha")
        ax.set_ylabel("scale")
        ax.set_title(title)
        fig.colorbar(im, ax=ax, shrink=0.8)
        ax = axes[1, j]
        for a, s in enumerate(scales):
            pts = sorted((v["alpha"], v[key]) for k, v in summary.items() if k[0] == s)
            ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", ms=3,
                    color=cmap(a / max(1, len(scales) - 1)), label=f"scale {s:.3g}")
        ax.set_xscale("log")
        if log:
            ax.set_yscale("log")
        ax.axvline(1.0, color="grey", lw=0.8, ls="--")
        ax.set_xlabel("alpha (< 1 downstream, > 1 upstream)")
        ax.set_title(title)
    axes[1, 0].legend(fontsize=7)
    first = next(iter(summary.values()))
    fig.suptitle(f"relative-scale sweep: seed means at step {first['step']}")
    path = Path(out) if out is not None else out_dir / "sweep.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path

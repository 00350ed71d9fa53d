"""Part III experiments: relative scale, feature learning, and sweeps that run locally, on Dask or in JAX.

The paper's two-layer ReLU experiment (Kunin, Raventós et al., Part III and
Figure 1), one module per job:

* :mod:`symrich.experiments.config`: a run (:class:`RunConfig`), its conventions
  (:data:`CONVENTIONS`, :data:`PRESETS`, ``preset = "paper"``) and a sweep's grid
  (:func:`load_config`, :func:`expand_grid`, :func:`alpha_of`);
* :mod:`symrich.experiments.simulate`: data, student, training and measurements of one
  run (:func:`simulate`, :func:`relu_ntk`, :func:`gradients`);
* :mod:`symrich.experiments.jax_backend`: many runs as one batched, jit-compiled JAX computation;
* :mod:`symrich.experiments.table`: the tidy CSV tables (:func:`read_table`);
* :mod:`symrich.experiments.sweep`: :func:`run_sweep`, locally, on a Dask cluster or in JAX, fault-proof;
* :mod:`symrich.experiments.plot`: the paper's Figure 1 from a sweep (:func:`~symrich.experiments.plot.plot_sweep`).

The command line is ``symrich sweep`` and ``symrich plot-sweep`` (:mod:`symrich.cli`).
See the "Part III experiments" page of the documentation for the setting and the results.

>>> cfg = RunConfig(scale=1.0, alpha=2.0, seed=0, d=5, m=4, n=20, n_test=50, steps=10)
>>> rows = simulate(cfg).rows
>>> [r["step"] for r in rows], rows[0]["hamming"], round(rows[0]["kernel_distance"], 12)
([0, 1, 10], 0.0, 0.0)
"""

from symrich.experiments.config import (
    CONVENTIONS, PRESETS, RunConfig, alpha_of, checkpoint_steps, delta_from_alpha, expand_grid, load_config,
)
from symrich.experiments.simulate import (
    METRICS, RunResult, descent_step, gradients, initialise, ntk_distance, relu_ntk, simulate,
)
from symrich.experiments.sweep import SweepLocked, SweepReport, run_sweep
from symrich.experiments.table import read_table

__all__ = [
    "RunConfig", "RunResult", "SweepReport", "SweepLocked", "METRICS", "CONVENTIONS", "PRESETS", "alpha_of",
    "delta_from_alpha", "checkpoint_steps", "initialise", "relu_ntk", "ntk_distance", "gradients", "descent_step",
    "simulate", "load_config", "expand_grid", "run_sweep", "read_table",
]

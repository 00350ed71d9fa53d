"""Part III experiments: relative scale, feature learning, and sweeps that run locally or on Dask.

The paper's two-layer ReLU experiment (Kunin, Raventós et al., Part III and
Figure 1), one module per job:

* :mod:`symrich.experiments.config`: a run (:class:`RunConfig`) and a sweep's grid
  (:func:`load_config`, :func:`expand_grid`, :func:`alpha_of`);
* :mod:`symrich.experiments.simulate`: data, student, training and measurements of one
  run (:func:`simulate`, :func:`relu_ntk`, :func:`gradients`);
* :mod:`symrich.experiments.table`: the tidy CSV tables (:func:`read_table`);
* :mod:`symrich.experiments.sweep`: :func:`run_sweep`, locally or on a Dask cluster;
* :mod:`symrich.experiments.plot`: the sweep figure (:func:`plot_sweep`).

The command line is ``symrich sweep`` and ``symrich plot-sweep`` (:mod:`symrich.cli`).
See the "Part III experiments" page of the documentation for the setting and the results.

>>> cfg = RunConfig(scale=1.0, alpha=2.0, seed=0, d=5, m=4, n=20, n_test=50, n_probe=10, steps=10)
>>> rows = simulate(cfg).rows
>>> [r["step"] for r in rows], rows[0]["hamming"], round(rows[0]["kernel_distance"], 12)
([0, 1, 10], 0.0, 0.0)
"""

from symrich.experiments.config import RunConfig, alpha_of, checkpoint_steps, delta_from_alpha, expand_grid, load_config
from symrich.experiments.simulate import (
    METRICS, RunResult, gradients, initialise, ntk_distance, relu_ntk, simulate,
)
from symrich.experiments.sweep import SweepReport, run_sweep
from symrich.experiments.table import read_table

__all__ = [
    "RunConfig", "RunResult", "SweepReport", "METRICS", "alpha_of", "delta_from_alpha", "checkpoint_steps",
    "initialise", "relu_ntk", "ntk_distance", "gradients", "simulate", "load_config", "expand_grid", "run_sweep",
    "read_table",
]

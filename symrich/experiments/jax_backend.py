"""The JAX backend: the configurations of one dataset trained as one batched, jit-compiled computation.

Runs that share every setting but ``(scale, alpha, seed)`` (:func:`batch_key`) are stacked:
``vmap`` over the configurations of a seed (which share the data ``X, y``) inside ``vmap``
over the seeds, around a ``lax.fori_loop`` of :func:`symrich.experiments.simulate.descent_step`
(the same function the NumPy engine runs, with ``xp = jax.numpy``), compiled once by
``jax.jit``.  The parameters come back to the host at each checkpoint and are measured by
:func:`symrich.experiments.simulate.checkpoint_rows`, so both backends write identical tables up
to rounding (equal to 1e-12 in float64 on CPU, tested).  Float64 runs use JAX's 64-bit mode inside
a ``jax.enable_x64`` context only, leaving the user's JAX settings alone.

JAX runs on the default device: a GPU when ``jax[cuda12]`` (or the matching build) is installed,
else the CPU (all cores, through XLA's threads).  Install with ``pip install 'symrich[jax]'``.

>>> from symrich.experiments import RunConfig
>>> cfgs = [RunConfig(scale=1.0, alpha=a, seed=0, d=3, m=2, n=8, n_test=8, steps=10) for a in (0.5, 2.0)]
>>> [res.rows[-1]["step"] for res in simulate_batch(cfgs)]  # doctest: +SKIP
[10, 10]
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

import numpy as np

from symrich.experiments.config import RunConfig
from symrich.experiments.simulate import RunResult, checkpoint_rows, descent_step, initialise

__all__ = ["batch_key", "simulate_batch"]

#: The fields a batch may vary: everything else is shared by its configurations.
VARYING = ("scale", "alpha", "seed", "delta_grid", "base_lr", "hamming", "param_distance")


def batch_key(cfg):
    """The settings that must be equal for configurations to train in one batch (a hashable tuple).

    Examples
    --------
    >>> from symrich.experiments import RunConfig
    >>> batch_key(RunConfig(scale=1.0, alpha=2.0, seed=0)) == batch_key(RunConfig(scale=0.1, alpha=1.0, seed=5))
    True
    >>> batch_key(RunConfig(scale=1.0, alpha=2.0, seed=0)) == batch_key(RunConfig(scale=1.0, alpha=2.0, seed=0, m=4))
    False
    """
    return tuple((k, v) for k, v in sorted(dataclasses.asdict(cfg).items()) if k not in VARYING)


def _compiled(method, loss):
    """``advance(A, W, X, y, lr, step0, dstep, n)``: ``n`` steps of every configuration, jit-compiled."""
    import jax
    import jax.numpy as jnp

    def one(a, W, X, y, lr, step0, dstep, n):
        def body(i, state):
            a, W, dstep = state
            a_next, W_next, L = descent_step(a, W, X, y, lr, method, loss, jnp)
            dstep = jnp.where((dstep < 0) & ~jnp.isfinite(L), step0 + i, dstep)
            return a_next, W_next, dstep

        return jax.lax.fori_loop(0, n, body, (a, W, dstep))

    over_configs = jax.vmap(one, in_axes=(0, 0, None, None, 0, None, 0, None))
    over_seeds = jax.vmap(over_configs, in_axes=(0, 0, 0, 0, 0, None, 0, None))
    return jax.jit(over_seeds)


def simulate_batch(configs):
    """Train ``configs`` (equal :func:`batch_key`) with JAX; return their :class:`RunResult` in order.

    Parameters
    ----------
    configs : sequence of RunConfig

    Returns
    -------
    list of RunResult
        The same rows as :func:`symrich.experiments.simulate.simulate` would give (to rounding).

    Examples
    --------
    >>> from symrich.experiments import RunConfig, simulate
    >>> cfgs = [RunConfig(scale=1.0, alpha=a, seed=s, d=3, m=2, n=8, n_test=8, steps=10)
    ...         for a in (0.5, 2.0) for s in (0, 1)]
    >>> rows = [res.rows for res in simulate_batch(cfgs)]  # doctest: +SKIP
    >>> abs(rows[3][-1]["test_loss"] - simulate(cfgs[3]).rows[-1]["test_loss"]) < 1e-12  # doctest: +SKIP
    True
    """
    import jax
    import jax.numpy as jnp

    configs = list(configs)
    if not configs or not all(isinstance(c, RunConfig) for c in configs):
        raise ValueError("configs must be a non-empty sequence of RunConfig")
    if len({batch_key(c) for c in configs}) != 1:
        raise ValueError("configs must share every setting but scale, alpha, seed, base_lr and the measurement "
                         "conventions (see batch_key); group them with batch_key first")
    first = configs[0]
    by_seed = defaultdict(list)  # seed -> indices into configs
    for i, c in enumerate(configs):
        by_seed[c.seed].append(i)
    seeds, width = sorted(by_seed), max(len(v) for v in by_seed.values())
    # Pad each seed's configurations to the same count by repeating its last one (results dropped).
    slots = [by_seed[s] + [by_seed[s][-1]] * (width - len(by_seed[s])) for s in seeds]
    inits = [initialise(c) for c in configs]
    data = {s: inits[by_seed[s][0]] for s in seeds}
    dtype = np.dtype(first.dtype)
    A = np.array([[inits[i]["a"] for i in row] for row in slots], dtype=dtype)
    W = np.array([[inits[i]["W"] for i in row] for row in slots], dtype=dtype)
    X = np.array([data[s]["X"] for s in seeds], dtype=dtype)
    y = np.array([data[s]["y"] for s in seeds], dtype=dtype)
    lr = np.array([[configs[i].lr for i in row] for row in slots], dtype=dtype)
    dstep = np.full(lr.shape, -1, dtype=np.int64 if first.dtype == "float64" else np.int32)
    params = [[] for _ in configs]
    with jax.enable_x64(first.dtype == "float64"):
        advance = _compiled(first.method, first.loss)
        A, W, X, y, lr, dstep = (jnp.asarray(v) for v in (A, W, X, y, lr, dstep))
        step = 0
        for target in first.checkpoints:
            if target > step:
                A, W, dstep = advance(A, W, X, y, lr, step, dstep, target - step)
                step = target
            A_host, W_host = np.asarray(A), np.asarray(W)
            for k, row in enumerate(slots):
                for j, i in enumerate(row[: len(by_seed[seeds[k]])]):
                    params[i].append((A_host[k, j], W_host[k, j]))
        dsteps = np.asarray(dstep)
    diverged = {}
    for k, row in enumerate(slots):
        for j, i in enumerate(row[: len(by_seed[seeds[k]])]):
            diverged[i] = int(dsteps[k, j])
    return [RunResult(c, checkpoint_rows(c, inits[i], params[i], diverged[i]), {}) for i, c in enumerate(configs)]

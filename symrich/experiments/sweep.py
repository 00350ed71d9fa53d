"""Sweeps: run every configuration of a grid, locally (process pool) or on a Dask cluster, resumably.

:func:`run_sweep` (CLI ``symrich sweep``) writes one CSV per configuration, atomically,
under ``OUT/runs/`` and the combined table ``OUT/results.csv``; finished configurations
are skipped on a rerun, so an interrupted sweep loses no finished result.
``symrich plot-sweep OUT`` draws the figure (:mod:`symrich.experiments.plot`).

>>> import tempfile
>>> cfg = {"grid": {"scale": 1.0, "alpha": [0.5, 2.0], "seed": [0]},
...        "settings": {"d": 4, "m": 4, "n": 20, "n_test": 20, "n_probe": 5, "steps": 10}}
>>> run_sweep(cfg, tempfile.mkdtemp(), workers=0, progress=False).ran
2
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from symrich.experiments.config import expand_grid, load_config
from symrich.experiments.simulate import METRICS, simulate
from symrich.experiments.table import read_table, write_table

__all__ = ["SweepReport", "run_sweep"]


@dataclass(frozen=True)
class SweepReport:
    """What :func:`run_sweep` did: the combined table, counts, failures and wall time.

    Attributes
    ----------
    results : Path
        The combined table ``results.csv`` (read it with :func:`read_table`).
    total : int
        Configurations in the sweep.
    ran : int
        Configurations run (successfully) by this call.
    skipped : int
        Configurations whose result already existed.
    failed : tuple
        ``(id, error)`` of the configurations that raised.
    seconds : float
        Wall-clock time of the call.

    Examples
    --------
    >>> import tempfile
    >>> cfg = {"grid": {"scale": 1.0, "alpha": [0.5, 2.0], "seed": [0]},
    ...        "settings": {"d": 4, "m": 4, "n": 20, "n_test": 20, "n_probe": 5, "steps": 10}}
    >>> rep = run_sweep(cfg, tempfile.mkdtemp(), workers=0, progress=False)
    >>> rep.total, rep.ran, rep.skipped, rep.failed, rep.results.name
    (2, 2, 0, (), 'results.csv')
    """

    results: Path
    total: int
    ran: int
    skipped: int
    failed: tuple
    seconds: float


_ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@contextlib.contextmanager
def _child_environment(env):
    """Set environment variables for child processes started inside the block, then restore."""
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _run_rows(cfg):
    """Worker entry point (module level, so process pools and Dask can import it)."""
    return simulate(cfg).rows


def _iter_local(runs, workers):
    import concurrent.futures as cf
    import multiprocessing

    # spawn + one BLAS thread per worker: the same arithmetic as a Dask worker (whose nanny sets the same
    # variables), so local and cluster results are identical.
    with _child_environment(_ONE_THREAD):
        pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
        futures = {pool.submit(_run_rows, r): r for r in runs}
    try:
        for fut in cf.as_completed(futures):
            yield futures[fut], fut
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _connect(scheduler, timeout):
    """A ``distributed.Client`` of ``scheduler``; ``ConnectionError`` naming the address after ``timeout`` s."""
    try:
        from distributed import Client
    except ModuleNotFoundError as exc:
        raise ValueError("scheduler given but dask.distributed is not installed (pip install 'symrich[cluster]')") from exc
    try:
        return Client(scheduler, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ConnectionError(f"cannot reach the Dask scheduler at {scheduler} within {timeout:g} s ({exc})") from exc


def _iter_dask(runs, client):
    from distributed import as_completed

    with client:
        futures = {client.submit(_run_rows, r, key=f"symrich-run-{r.id}", pure=False): r for r in runs}
        try:
            for fut in as_completed(list(futures), loop=client.loop):
                yield futures[fut], fut
        finally:
            client.cancel(list(futures))


def run_sweep(config, out_dir, scheduler=None, workers=None, *, progress=True, connect_timeout=10.0):
    """Run every configuration of a sweep that has no result yet; write the tidy table.

    Parameters
    ----------
    config : dict or path
        See :func:`load_config`.
    out_dir : path
        Gets ``sweep.json`` (the resolved config), ``runs/<id>.csv`` (one file per configuration, written
        atomically as soon as it finishes) and ``results.csv`` (all rows of this sweep, in grid order).
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``); the runs are submitted there instead of run locally.
    workers : int, optional
        Local worker processes (default ``os.cpu_count()``); ``0`` runs in this process.
    progress : bool
        A progress bar (:mod:`tqdm`: rate and time left; a widget in notebooks) on stderr.
    connect_timeout : float
        Seconds to wait for the scheduler before raising ``ConnectionError`` (which names the address).

    Returns
    -------
    SweepReport
        Configurations that raised are listed in ``failed`` (their rows are absent); all others are saved.

    >>> import tempfile
    >>> cfg = {"grid": {"scale": 1.0, "alpha": [0.5, 2.0], "seed": [0]},
    ...        "settings": {"d": 4, "m": 4, "n": 20, "n_test": 20, "n_probe": 5, "steps": 10}}
    >>> out = tempfile.mkdtemp()
    >>> rep = run_sweep(cfg, out, workers=0, progress=False); (rep.ran, rep.skipped, len(read_table(rep.results)))
    (2, 0, 6)
    >>> run_sweep(cfg, out, workers=0, progress=False).skipped
    2
    """
    start = time.monotonic()
    spec = load_config(config)
    runs = expand_grid(spec)
    if workers is not None and not (isinstance(workers, int) and workers >= 0):
        raise ValueError(f"workers must be an integer >= 0, got {workers!r}")
    out = Path(out_dir)
    run_dir = out / "runs"
    run_dir.mkdir(parents=True, exist_ok=True)
    (out / "sweep.json").write_text(json.dumps(spec, indent=2, sort_keys=True) + "\n")
    todo = [r for r in runs if not (run_dir / f"{r.id}.csv").exists()]
    client = _connect(scheduler, connect_timeout) if scheduler and todo else None
    bar = tqdm(total=len(runs), initial=len(runs) - len(todo), unit="config", desc="sweep", disable=not progress,
               file=sys.stderr, dynamic_ncols=True)
    fields = list(runs[0].columns()) + ["step"] + list(METRICS)
    failed = []

    def save(run, rows):
        write_table(run_dir / f"{run.id}.csv", rows, fields)
        bar.update()

    try:
        if todo and scheduler is None and workers == 0:
            for r in todo:
                try:
                    save(r, _run_rows(r))
                except Exception as exc:  # noqa: BLE001 - reported in the SweepReport
                    failed.append((r.id, repr(exc)))
        elif todo:
            source = _iter_dask(todo, client) if client else _iter_local(todo, workers or os.cpu_count() or 1)
            for r, fut in source:
                try:
                    rows = fut.result()
                except Exception as exc:  # noqa: BLE001
                    failed.append((r.id, repr(exc)))
                    continue
                save(r, rows)
    finally:
        bar.close()
    rows = []
    for r in runs:
        path = run_dir / f"{r.id}.csv"
        if path.exists():
            rows.extend(read_table(path))
    results = out / "results.csv"
    write_table(results, rows, fields)
    return SweepReport(results, len(runs), len(todo) - len(failed), len(runs) - len(todo), tuple(failed),
                       time.monotonic() - start)

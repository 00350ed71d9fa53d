"""Sweeps: run every configuration of a grid, locally, on a Dask cluster or batched in JAX, resumably.

:func:`run_sweep` (CLI ``symrich sweep``) writes into its output folder

* ``sweep.json``: the resolved config;
* ``runs/<id>.csv``: one table per configuration, written atomically
  (:func:`symrich.experiments.table.write_atomic`) as soon as it finishes;
* ``results.csv``: every row of the sweep, in grid order, assembled from ``runs/``.

It is fault-proof: a sweep killed at any moment (even by ``SIGKILL``) leaves only
complete run files and stray temporary files; a rerun removes the temporary files,
checks every run file (an unreadable or incomplete one is run again), skips the finished
configurations and rebuilds ``results.csv`` with every configuration exactly once.
Two sweeps cannot write into one folder at the same time: the second raises
:class:`SweepLocked` (a lock file ``.symrich-sweep.lock``, held by the operating system
for the life of the process, so a killed sweep leaves no stale lock).  A configuration
whose loss stops being finite is recorded as diverged, with its step, not dropped.

>>> import tempfile
>>> cfg = {"grid": {"scale": 1.0, "alpha": [0.5, 2.0], "seed": [0]},
...        "settings": {"d": 4, "m": 4, "n": 20, "n_test": 20, "steps": 10}}
>>> run_sweep(cfg, tempfile.mkdtemp(), workers=0, progress=False).ran
2
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import filelock
from tqdm.auto import tqdm

from symrich.experiments.config import expand_grid, load_config
from symrich.experiments.simulate import METRICS, simulate
from symrich.experiments.table import read_table, write_atomic, write_table

__all__ = ["SweepReport", "SweepLocked", "run_sweep", "BACKENDS"]

#: Engines that train the students: ``numpy`` (one process per configuration) or ``jax`` (batched, jit-compiled).
BACKENDS = ("numpy", "jax")

LOCK_NAME = ".symrich-sweep.lock"


class SweepLocked(RuntimeError):
    """Another sweep is writing into the same output folder.

    Examples
    --------
    >>> import tempfile, filelock, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> cfg = {"grid": {"scale": 1.0, "alpha": 1.0, "seed": 0}, "settings": {"d": 2, "m": 2, "n": 4, "n_test": 4}}
    >>> with filelock.FileLock(out / ".symrich-sweep.lock"):  # as a running sweep holds it
    ...     run_sweep(cfg, out, workers=0, progress=False)
    Traceback (most recent call last):
    ...
    symrich.experiments.sweep.SweepLocked: another sweep is writing into ...
    """


@dataclass(frozen=True)
class SweepReport:
    """What :func:`run_sweep` did: the combined table, counts, failures, divergences and wall time.

    Attributes
    ----------
    results : Path
        The combined table ``results.csv`` (read it with :func:`symrich.experiments.table.read_table`).
    total : int
        Configurations in the sweep.
    ran : int
        Configurations run (successfully) by this call.
    skipped : int
        Configurations whose result already existed.
    failed : tuple
        ``(id, error)`` of the configurations that raised (their rows are absent).
    diverged : tuple
        ``(id, step)`` of the configurations in the table whose loss stopped being finite at ``step``.
    seconds : float
        Wall-clock time of the call.

    Examples
    --------
    >>> import tempfile
    >>> cfg = {"grid": {"scale": 1.0, "alpha": [0.5, 2.0], "seed": [0]},
    ...        "settings": {"d": 4, "m": 4, "n": 20, "n_test": 20, "steps": 10}}
    >>> rep = run_sweep(cfg, tempfile.mkdtemp(), workers=0, progress=False)
    >>> rep.total, rep.ran, rep.skipped, rep.failed, rep.diverged, rep.results.name
    (2, 2, 0, (), (), 'results.csv')
    """

    results: Path
    total: int
    ran: int
    skipped: int
    failed: tuple
    diverged: tuple
    seconds: float


@contextlib.contextmanager
def _locked(out):
    lock = filelock.FileLock(out / LOCK_NAME)
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        raise SweepLocked(f"another sweep is writing into {str(out)!r} (lock file {LOCK_NAME}); wait for it to "
                          f"finish or choose another output folder") from None
    try:
        yield
    finally:
        lock.release()


def _finished(path, run):
    """True when ``path`` holds the complete, readable table of ``run`` (one row per checkpoint)."""
    if not path.is_file():
        return False
    try:
        rows = read_table(path)
    except (OSError, ValueError, UnicodeDecodeError):
        return False
    return len(rows) == len(run.checkpoints) and all(r.get("id") == run.id for r in rows)


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


def _iter_inline(runs):
    for r in runs:
        try:
            yield [r], [_run_rows(r)], None
        except Exception as exc:  # noqa: BLE001 - reported in the SweepReport
            yield [r], None, exc


def _iter_futures(futures, as_completed):
    for fut in as_completed(list(futures)):
        try:
            yield [futures[fut]], [fut.result()], None
        except Exception as exc:  # noqa: BLE001 - reported in the SweepReport
            yield [futures[fut]], None, exc


def _iter_local(runs, workers):
    import concurrent.futures as cf
    import multiprocessing

    # spawn + one BLAS thread per worker: the same arithmetic as a Dask worker (whose nanny sets the same
    # variables), so local and cluster results are identical.
    with _child_environment(_ONE_THREAD):
        pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
        futures = {pool.submit(_run_rows, r): r for r in runs}
    try:
        yield from _iter_futures(futures, cf.as_completed)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


#: Dask's network protocols a scheduler address may use.
_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")


def check_scheduler(scheduler):
    """``scheduler`` as ``scheme://host:port`` (scheme one of Dask's network protocols), else a ``ValueError``.

    >>> check_scheduler("tcp://127.0.0.1:8786")
    'tcp://127.0.0.1:8786'
    >>> check_scheduler("127.0.0.1")
    Traceback (most recent call last):
    ...
    ValueError: scheduler must be an address scheme://host:port with scheme one of tcp, tls, ws, wss, ucx (e.g. tcp://127.0.0.1:8786), got '127.0.0.1'
    """
    scheme, sep, rest = str(scheduler).partition("://")
    host, colon, port = rest.rpartition(":")
    if not (isinstance(scheduler, str) and sep and scheme in _SCHEMES and colon and host and port.isdigit()):
        raise ValueError(f"scheduler must be an address scheme://host:port with scheme one of {', '.join(_SCHEMES)} "
                         f"(e.g. tcp://127.0.0.1:8786), got {scheduler!r}")
    return scheduler


def _connect(scheduler, timeout):
    """A ``distributed.Client`` of ``scheduler``; ``ConnectionError`` naming the address after ``timeout`` s.

    Dask's own timeout covers the connection, not a peer that accepts it and never answers (a web server, a
    dashboard port): the client is made in a daemon thread, given ``timeout`` plus 5 s before giving up.
    """
    try:
        from distributed import Client
    except ModuleNotFoundError as exc:
        raise ValueError("scheduler given but dask.distributed is not installed (pip install 'symrich[cluster]')") from exc
    box = {}

    def make():
        try:
            box["client"] = Client(scheduler, timeout=timeout, set_as_default=False)
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=make, name="symrich-connect", daemon=True)
    worker.start()
    worker.join(timeout + 5.0)
    if "client" in box:
        return box["client"]
    reason = box.get("error", f"no answer from a Dask scheduler there: is {scheduler} a scheduler's address?")
    raise ConnectionError(f"cannot reach the Dask scheduler at {scheduler} within {timeout:g} s ({reason})")


def _iter_dask(runs, client):
    """The runs on the Dask ``client`` (the caller closes it)."""
    from distributed import as_completed

    futures = {client.submit(_run_rows, r, key=f"symrich-run-{r.id}", pure=False): r for r in runs}
    try:
        yield from _iter_futures(futures, lambda fs: as_completed(fs, loop=client.loop))
    finally:
        client.cancel(list(futures))


def _iter_jax(runs, batch_size):
    from symrich.experiments.jax_backend import batch_key, simulate_batch

    groups = defaultdict(list)
    for r in runs:
        groups[batch_key(r)].append(r)
    for group in groups.values():
        for i in range(0, len(group), batch_size):
            chunk = group[i:i + batch_size]
            try:
                yield chunk, [res.rows for res in simulate_batch(chunk)], None
            except Exception as exc:  # noqa: BLE001 - reported in the SweepReport
                yield chunk, None, exc


def run_sweep(config, out_dir, scheduler=None, workers=None, *, backend="numpy", batch_size=256, progress=True,
              connect_timeout=10.0):
    """Run every configuration of a sweep that has no result yet; write the tidy table.

    Parameters
    ----------
    config : dict or path
        See :func:`symrich.experiments.config.load_config`.
    out_dir : path
        Gets ``sweep.json``, ``runs/<id>.csv`` and ``results.csv`` (module docstring); created if missing.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``); the runs are submitted there instead of run locally.
    workers : int, optional
        Local worker processes (default ``os.cpu_count()``); ``0`` runs in this process.
    backend : {"numpy", "jax"}
        ``"jax"`` trains the configurations of one dataset as one batched, jit-compiled computation in
        this process (:mod:`symrich.experiments.jax_backend`; needs the extra ``jax``), at most
        ``batch_size`` configurations at a time; it ignores ``workers`` and cannot use a ``scheduler``.
    progress : bool
        A progress bar (:mod:`tqdm`: rate and time left; a widget in notebooks) on stderr.
    connect_timeout : float
        Seconds to wait for the scheduler before raising ``ConnectionError`` (which names the address).

    Returns
    -------
    SweepReport

    Raises
    ------
    SweepLocked
        When another sweep is writing into ``out_dir``.

    >>> import tempfile
    >>> cfg = {"grid": {"scale": 1.0, "alpha": [0.5, 2.0], "seed": [0]},
    ...        "settings": {"d": 4, "m": 4, "n": 20, "n_test": 20, "steps": 10}}
    >>> out = tempfile.mkdtemp()
    >>> rep = run_sweep(cfg, out, workers=0, progress=False); (rep.ran, rep.skipped, len(read_table(rep.results)))
    (2, 0, 6)
    >>> run_sweep(cfg, out, workers=0, progress=False).skipped
    2
    """
    start = time.monotonic()
    spec = load_config(config)
    runs = expand_grid(spec)
    if workers is not None and not (isinstance(workers, int) and not isinstance(workers, bool) and workers >= 0):
        raise ValueError(f"workers must be an integer >= 0, got {workers!r}")
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend == "jax" and scheduler:
        raise ValueError("backend 'jax' runs batched in this process; it cannot be combined with a scheduler")
    if not (isinstance(batch_size, int) and batch_size >= 1):
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    if backend == "jax" and importlib.util.find_spec("jax") is None:
        raise ValueError("backend 'jax' needs JAX, which is not installed (pip install 'symrich[jax]')")
    if scheduler is not None:
        check_scheduler(scheduler)
    client = _connect(scheduler, connect_timeout) if scheduler else None  # before anything is written into out_dir
    with client if client is not None else contextlib.nullcontext():  # closed however the sweep ends
        return _sweep(spec, runs, Path(out_dir), client, workers, backend, batch_size, progress, start)


def _sweep(spec, runs, out, client, workers, backend, batch_size, progress, start):
    """The body of :func:`run_sweep` once the inputs are checked (and the scheduler reached)."""
    out.mkdir(parents=True, exist_ok=True)
    with _locked(out):
        run_dir = out / "runs"
        run_dir.mkdir(exist_ok=True)
        for stale in [*out.glob(".*.tmp"), *run_dir.glob(".*.tmp")]:  # left by a killed writer
            stale.unlink()
        write_atomic(out / "sweep.json", json.dumps(spec, indent=2, sort_keys=True) + "\n")
        todo = [r for r in runs if not _finished(run_dir / f"{r.id}.csv", r)]
        fields = list(runs[0].columns()) + ["step"] + list(METRICS)
        failed = []
        if todo:
            if backend == "jax":
                source = _iter_jax(todo, batch_size)
            elif client is not None:
                source = _iter_dask(todo, client)
            elif workers == 0:
                source = _iter_inline(todo)
            else:
                source = _iter_local(todo, workers or os.cpu_count() or 1)
            with tqdm(total=len(runs), initial=len(runs) - len(todo), unit="config", desc="sweep",
                      disable=not progress, file=sys.stderr, dynamic_ncols=True) as bar:
                for chunk, results, error in source:
                    if error is not None:
                        failed.extend((r.id, repr(error)) for r in chunk)
                    else:
                        for r, rows in zip(chunk, results):
                            write_table(run_dir / f"{r.id}.csv", rows, fields)
                    bar.update(len(chunk))
        rows, diverged = [], []
        for r in runs:
            path = run_dir / f"{r.id}.csv"
            if path.exists():
                table = read_table(path)
                rows.extend(table)
                if table[-1]["diverged_step"] >= 0:
                    diverged.append((r.id, table[-1]["diverged_step"]))
        results = out / "results.csv"
        write_table(results, rows, fields)
    return SweepReport(results, len(runs), len(todo) - len(failed), len(runs) - len(todo), tuple(failed),
                       tuple(diverged), time.monotonic() - start)

"""Benchmark: the first ``trajectory`` call in a new process, with an empty (cold) and a filled (warm) kernel cache.

Run as ``python benchmarks/bench_first_call.py [--repeat N] [--write docs/performance.md]``.

Every measurement is a fresh Python interpreter that imports ``symrich.single_neuron``
and times its first ``trajectory`` call (the import is timed separately).  A *small* call
(2 initialisations x 3 times, d = 2) is within the interpreter's budget
(:data:`symrich.numeric.loops.INTERPRETED_VALUES`) and runs the loop in the interpreter; a
*large* one (20 x 1000, d = 2: 60 000 values) runs it in numba:

* **cold, small**: an empty ``SYMRICH_CACHE_DIR``: SymPy generates the kernels;
* **warm, small**: the cache filled by a previous process: the generated modules are imported;
* **large, numba's cache empty**: the kernels cached, numba compiles the loop;
* **warm, large**: numba loads its machine code from its cache;
* **cold, large**: an empty cache: SymPy generates the kernels and numba compiles them;
* the same for ``parallel=True`` (always numba; cold: the serial kernels cached, the parallel loops not);
* **numba's floor**: the same kind of process importing numba and calling a trivial
  ``cache=True`` function that is already cached; numba's start-up, which no cache removes;
* with ``--baseline REV``: the first call of the code at git revision ``REV`` (e.g. the commit
  before the cache), run from ``git archive REV`` in a temporary folder.

Each is repeated ``--repeat`` times (a new empty cache for every cold run); the table gives
the best and the median.  A second table gives the interpreter's cost per output value
(``engine="python"``, in one process with a warm cache, best of ``--repeat``), from which the
budget is chosen.  ``--write`` replaces the section "First call in a new process" of the given
Markdown file (or appends it).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

#: the last line of every timed process: its times and whether SymPy and numba were imported
_REPORT = ('print(json.dumps({"import": t1 - t0, "call": t2 - t1, "sympy": "sympy" in sys.modules, '
           '"numba": "numba" in sys.modules}))')

_SMALL = "[0.0, 1.0, 10.0], [0.5, -0.2], [[1.0, 0.2], [0.3, 0.4]], [[0.3, 0.4], [1.0, 0.0]]"
_LARGE = "numpy.linspace(0.0, 10.0, 1000), numpy.linspace(-1.0, 1.0, 20), [0.3, -0.2], [1.0, 0.5]"

_CALL = """
import json, sys, time
import numpy
t0 = time.perf_counter()
from symrich.single_neuron import trajectory
t1 = time.perf_counter()
trajectory({args}, parallel={parallel})
t2 = time.perf_counter()
{report}
"""

#: (B, T, d) of the interpreter's cost table: one time, many times, and growing d
_SHAPES = ((3000, 1, 1), (1, 3000, 1), (30, 100, 2), (300, 10, 2), (300, 10, 10), (30, 100, 100))

_INTERPRETED = """
import json, time
import numpy as np
from symrich.single_neuron import driver
from symrich.single_neuron.kernels import numpy_kernel, trajectory_loops
solve = driver.branch_solver(numpy_kernel("sn_select"), *trajectory_loops(engine="python"))
rng = np.random.default_rng(0)
out = []
for B, T, d in {shapes!r}:
    args = (np.linspace(0.0, 10.0, T), rng.normal(size=B), rng.normal(size=(B, d)), rng.normal(size=(B, d)))
    best = float("inf")
    for _ in range({repeat}):
        t0 = time.perf_counter()
        driver.run_trajectory(solve, numpy_kernel("sn_rows"), *args)
        best = min(best, time.perf_counter() - t0)
    out.append([B, T, d, best])
print(json.dumps(out))
"""

_BASELINE = """
import json, sys, time
sys.path.insert(0, {folder!r})
t0 = time.perf_counter()
from symrich.single_neuron import trajectory
import symrich
assert symrich.__file__.startswith({folder!r})
t1 = time.perf_counter()
trajectory({args})
t2 = time.perf_counter()
{report}
"""

_FLOOR_MODULE = """
import numba


@numba.njit(cache=True)
def f(x):
    return x + 1.0
"""

_FLOOR = """
import json, sys, time
sys.path.insert(0, {folder!r})
t0 = time.perf_counter()
import numpy
t1 = time.perf_counter()
import floor_module
floor_module.f(1.0)
t2 = time.perf_counter()
{report}
"""


def _run(code, cache):
    env = dict(os.environ, SYMRICH_CACHE_DIR=str(cache))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _call(size, parallel=False):
    return _CALL.format(args={"small": _SMALL, "large": _LARGE}[size], parallel=parallel, report=_REPORT)


#: the cases run one after the other on one cache folder, empty at the start
_SEQUENCE = (("cold, small", _call("small")), ("warm, small", _call("small")),
             ("large, numba's cache empty", _call("large")), ("warm, large", _call("large")),
             ("cold, parallel=True", _call("small", True)), ("warm, parallel=True", _call("small", True)))


def measure(repeat, baseline=None):
    """``{case: [runs]}``, each run ``{"import", "call", "sympy", "numba"}``."""
    out = {k: [] for k in [case for case, _ in _SEQUENCE] + ["cold, large", "numba's floor"]}
    if baseline:
        with tempfile.TemporaryDirectory() as folder:
            archive = subprocess.run(["git", "archive", baseline], capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
            code = _BASELINE.format(folder=folder, args=_SMALL, report=_REPORT)
            with tempfile.TemporaryDirectory() as cache:
                _run(code, cache)   # fill its cache (if it has one): the row compares with "warm, small"
                out[f"before: revision {baseline}, warm, small"] = [_run(code, cache) for _ in range(repeat)]
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as cache:
            for case, code in _SEQUENCE:
                out[case].append(_run(code, cache))
        with tempfile.TemporaryDirectory() as cache:
            out["cold, large"].append(_run(_call("large"), cache))
    with tempfile.TemporaryDirectory() as folder:
        with open(os.path.join(folder, "floor_module.py"), "w") as f:
            f.write(_FLOOR_MODULE)
        _run(_FLOOR.format(folder=folder, report=_REPORT), folder)   # fill numba's cache
        out["numba's floor"] = [_run(_FLOOR.format(folder=folder, report=_REPORT), folder) for _ in range(repeat)]
    return out


def interpreter_cost(repeat):
    """``[(B, T, d, seconds)]``: the interpreted trajectory (``engine="python"``), best of ``repeat``, warm cache."""
    with tempfile.TemporaryDirectory() as cache:
        _run(_call("small"), cache)   # fill the kernel cache
        return _run(_INTERPRETED.format(shapes=_SHAPES, repeat=repeat), cache)


def _secs(x):
    return f"{x * 1e3:.0f} ms" if x < 0.1 else f"{x:.2f} s"


def _yes(runs, module):
    seen = {r.get(module) for r in runs}
    return "yes" if seen == {True} else "no" if seen == {False} else "?" if None in seen else "some runs"


def report(results, repeat, cost):
    from symrich.numeric.loops import INTERPRETED_VALUES

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = ["| first call | best | median | import of `symrich.single_neuron` (median) | SymPy imported "
             "| numba imported |", "|---|---|---|---|---|---|"]
    for case, runs in results.items():
        calls = [r["call"] for r in runs]
        what = {"numba's floor": "numba import + a cached trivial function"}.get(case, case)
        lines.append(f"| {what} | {_secs(min(calls))} | {_secs(statistics.median(calls))} | "
                     f"{_secs(statistics.median(r['import'] for r in runs))} | {_yes(runs, 'sympy')} | "
                     f"{_yes(runs, 'numba')} |")
    per_value = [(B, T, d, sec, sec / (B * (T + 1) * (1 + d))) for B, T, d, sec in cost]
    costs = ["| B | T | d | values B (T + 1) (1 + d) | time | per value |", "|---|---|---|---|---|---|"]
    costs += [f"| {B} | {T} | {d} | {B * (T + 1) * (1 + d)} | {sec * 1e3:.1f} ms | {pv * 1e6:.2f} us |"
              for B, T, d, sec, pv in per_value]
    worst = max(pv for *_, pv in per_value)
    floor = statistics.median(r["call"] for r in results["numba's floor"])
    warm = statistics.median(r["call"] for r in results["warm, small"])
    return "\n".join([
        "## First call in a new process",
        "",
        f"Measured by `python benchmarks/bench_first_call.py {' '.join(sys.argv[1:])}` ({repeat} fresh processes "
        f"per case; Python {platform.python_version()}, {os.cpu_count()} logical cores; "
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; 1-minute load average {load:.2f} at "
        "the end). *Small*: `trajectory` on 2 initialisations x 3 times (d = 2), which runs the fused loop in the "
        "interpreter; *large*: 20 x 1000 (60 000 values, over the interpreter's budget), which runs it in numba. "
        "*Cold*: an empty kernel cache (SymPy prints the kernels); *warm*: the cache filled by an earlier process "
        "(the generated modules are imported, and numba loads its machine code); *large, numba's cache empty*: the "
        "kernels cached, numba compiles the loop; *cold, parallel=True*: the first `parallel=True` call (always "
        "numba) once the serial kernels are cached. The import of `symrich.single_neuron` is timed separately, "
        "after NumPy's (which the process imports first, before the clock starts).",
        "",
        *lines,
        "",
        f"Target (issue 17): a second process's first call at most 0.5 s. The warm small call takes {_secs(warm)} "
        f"(median): {'met' if warm <= 0.5 else 'not met'}. "
        "A small first call neither imports numba nor waits for it: it runs the generated loop in the interpreter "
        "(`symrich.numeric.loops.TimeLoop`, the same source and arithmetic; tests/test_first_call.py checks both "
        "against the oracle and against each other). A large first call costs numba's own start-up (its import, "
        "and its type registries, which import `scipy.linalg`) plus the loading of the cached loop: compare the row "
        "of numba's floor, which no cache can remove. "
        "The cache is `$SYMRICH_CACHE_DIR/kernels` (default `~/.cache/symrich/kernels`), keyed on the versions "
        "of symrich, SymPy, numba, NumPy and Python and on the source of the symbolic layer and the code "
        "generators; a damaged entry is discarded and rebuilt with a warning.",
        "",
        "**The interpreter's budget.** A serial call runs in the interpreter while numba has not compiled the "
        "loop in the process and the values of the interpreted calls of the process, this one's included, "
        f"are at most `symrich.numeric.loops.INTERPRETED_VALUES` = {INTERPRETED_VALUES:,}; otherwise numba runs "
        "it. A call counts `B (T + 1) (1 + d)` values: the `B T (1 + d)` it writes, and one time more per "
        "initialisation for its set-up. The interpreter's cost per value of the single-neuron trajectory "
        f"(`engine=\"python\"`, best of {repeat}, warm cache; the driver's NumPy work included):",
        "",
        *costs,
        "",
        f"At the worst cost per value measured here, {worst * 1e6:.1f} us, the whole budget takes "
        f"{INTERPRETED_VALUES * worst:.2f} s, against {floor:.2f} s (median) for numba's start-up alone: a process "
        "interpreting small calls spends less than starting numba would cost, and a loop of many small calls "
        "moves to numba once the budget is spent.",
        "",
    ])


def write_section(path, section):
    """Replace the section starting with the first line of ``section`` in the Markdown file ``path``, or append it."""
    title = section.splitlines()[0]
    text = open(path).read() if os.path.exists(path) else ""
    if title in text:
        head, rest = text.split(title, 1)
        tail = rest.split("\n## ", 1)
        text = head + section + ("\n## " + tail[1] if len(tail) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(path, "w") as f:
        f.write(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="fresh processes per case (default 5)")
    parser.add_argument("--write", metavar="PATH", help="write the section into this Markdown file")
    parser.add_argument("--baseline", metavar="REV", help="also time the first call of the code at this git revision")
    args = parser.parse_args(argv)
    section = report(measure(args.repeat, args.baseline), args.repeat, interpreter_cost(args.repeat))
    print(section)
    if args.write:
        write_section(args.write, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())

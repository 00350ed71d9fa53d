"""Benchmark: the first ``trajectory`` call in a new process, with an empty (cold) and a filled (warm) kernel cache.

Run as ``python benchmarks/bench_first_call.py [--repeat N] [--write docs/performance.md]``.

Every measurement is a fresh Python interpreter that imports ``symrich.single_neuron``
and times its first ``trajectory`` call (the import is timed separately):

* **cold**: an empty ``SYMRICH_CACHE_DIR``: SymPy generates the kernels, numba compiles them;
* **warm**: the cache filled by a previous process: the generated modules are imported and
  numba's machine code is loaded;
* the same for ``parallel=True`` (cold: the serial kernels cached, the parallel loops not);
* **numba's floor**: the same kind of process importing numba and calling a trivial
  ``cache=True`` function that is already cached; numba's start-up, which no cache removes;
* with ``--baseline REV``: the first call of the code at git revision ``REV`` (e.g. the commit
  before the cache), run from ``git archive REV`` in a temporary folder.

Each is repeated ``--repeat`` times (a new empty cache for every cold run); the table gives
the best and the median.  ``--write`` replaces the section "First call in a new process" of
the given Markdown file (or appends it).
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

_CALL = """
import json, sys, time
t0 = time.perf_counter()
from symrich.single_neuron import trajectory
t1 = time.perf_counter()
trajectory([0.0, 1.0, 10.0], [0.5, -0.2], [[1.0, 0.2], [0.3, 0.4]], [[0.3, 0.4], [1.0, 0.0]], parallel={parallel})
t2 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "call": t2 - t1, "sympy": "sympy" in sys.modules}}))
"""

_BASELINE = """
import json, sys, time
sys.path.insert(0, {folder!r})
t0 = time.perf_counter()
from symrich.single_neuron import trajectory
import symrich
assert symrich.__file__.startswith({folder!r})
t1 = time.perf_counter()
trajectory([0.0, 1.0, 10.0], [0.5, -0.2], [[1.0, 0.2], [0.3, 0.4]], [[0.3, 0.4], [1.0, 0.0]])
t2 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "call": t2 - t1, "sympy": "sympy" in sys.modules}}))
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
print(json.dumps({{"import": t1 - t0, "call": t2 - t1, "sympy": "sympy" in sys.modules}}))
"""


def _run(code, cache):
    env = dict(os.environ, SYMRICH_CACHE_DIR=str(cache))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(repeat, baseline=None):
    """``{case: [runs]}``, each run ``{"import", "call", "sympy"}``."""
    out = {k: [] for k in ("cold", "warm", "cold, parallel=True", "warm, parallel=True", "numba's floor")}
    if baseline:
        with tempfile.TemporaryDirectory() as folder:
            archive = subprocess.run(["git", "archive", baseline], capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
            with tempfile.TemporaryDirectory() as cache:
                out[f"before: revision {baseline}"] = [_run(_BASELINE.format(folder=folder), cache)
                                                      for _ in range(repeat)]
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as cache:
            out["cold"].append(_run(_CALL.format(parallel=False), cache))
            out["warm"].append(_run(_CALL.format(parallel=False), cache))
            out["cold, parallel=True"].append(_run(_CALL.format(parallel=True), cache))
            out["warm, parallel=True"].append(_run(_CALL.format(parallel=True), cache))
    with tempfile.TemporaryDirectory() as folder:
        with open(os.path.join(folder, "floor_module.py"), "w") as f:
            f.write(_FLOOR_MODULE)
        _run(_FLOOR.format(folder=folder), folder)   # fill numba's cache
        out["numba's floor"] = [_run(_FLOOR.format(folder=folder), folder) for _ in range(repeat)]
    return out


def report(results, repeat):
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = ["| first call | best | median | import of `symrich.single_neuron` (median) | SymPy imported |",
             "|---|---|---|---|---|"]
    for case, runs in results.items():
        calls = [r["call"] for r in runs]
        sympy = {r["sympy"] for r in runs}
        what = {"numba's floor": "numba import + a cached trivial function"}.get(case, case)
        lines.append(f"| {what} | {min(calls):.2f} s | {statistics.median(calls):.2f} s | "
                     f"{statistics.median(r['import'] for r in runs):.2f} s | {'yes' if sympy == {True} else 'no'} |")
    return "\n".join([
        "## First call in a new process",
        "",
        f"Measured by `python benchmarks/bench_first_call.py {' '.join(sys.argv[1:])}` ({repeat} fresh processes "
        f"per case; Python {platform.python_version()}, {os.cpu_count()} logical cores; "
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; 1-minute load average {load:.2f} at "
        "the end). *Cold*: an empty kernel cache (SymPy prints the kernels, numba compiles them); *warm*: the cache "
        "filled by an earlier process (the generated modules are imported and numba loads its machine code); "
        "*cold, parallel=True*: the first `parallel=True` call once the serial kernels are cached (numba compiles "
        "the parallel loops). "
        "The call is `trajectory` on 2 initialisations x 3 times; the import of `symrich.single_neuron` "
        "(NumPy included) is timed separately.",
        "",
        *lines,
        "",
        "The warm first call is numba's own start-up (its import, and its type registries, which import "
        "`scipy.linalg`) plus a few milliseconds: compare the row of numba's floor, which no cache can remove. "
        "The cache is `$SYMRICH_CACHE_DIR/kernels` (default `~/.cache/symrich/kernels`), keyed on the versions "
        "of symrich, SymPy, numba, NumPy and Python and on the source of the symbolic layer and the code "
        "generators; a damaged entry is discarded and rebuilt with a warning.",
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
    section = report(measure(args.repeat, args.baseline), args.repeat)
    print(section)
    if args.write:
        write_section(args.write, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())

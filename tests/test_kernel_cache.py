"""The on-disk kernel cache: a new process loads the generated kernels and numba's machine code.

Each scenario runs fresh interpreters on a private ``SYMRICH_CACHE_DIR``: the first fills
the cache, the next ones must find it (no SymPy import, numba cache hits, the same numbers),
also after an entry was damaged (discarded with a warning and rebuilt) or when the folder
cannot be written (a warning, then a temporary folder).  Speed is measured in
``benchmarks/bench_first_call.py``, not here.
"""

import hashlib
import importlib
import json
import os
import subprocess
import sys
import textwrap

import pytest

import symrich
from symrich.numeric import kernel_cache

_SCRIPT = """
import json, sys, warnings
import numpy as np
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as caught:
    from symrich.single_neuron import trajectory
    from symrich.single_neuron.kernels import trajectory_loops
    # the second row is on the stable manifold of the saddle: both loops run
    a, w = trajectory([0.0, 0.5, 30.0], [0.4, 1.0], [[0.3, -0.2], [-1.0, 0.0]], [[1.0, 0.5], [1.0, 0.0]],
                      parallel={parallel})
    # a small serial call runs in the interpreter: numba's machine code of both loops, asked for
    hits = [len(loop.dispatcher.stats.cache_hits) for loop in trajectory_loops({parallel}, "numba")]
print(json.dumps({{"a": a.tolist(), "w": w.tolist(), "sympy": "sympy" in sys.modules, "hits": hits,
                  "warnings": [str(c.message) for c in caught]}}))
"""


def _run(cache, parallel=False):
    env = dict(os.environ, SYMRICH_CACHE_DIR=str(cache))
    proc = subprocess.run([sys.executable, "-c", _SCRIPT.format(parallel=parallel)], capture_output=True, text=True,
                          env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    """A cache filled by one process, and that process's results."""
    cache = tmp_path_factory.mktemp("kernel-cache")
    return cache, _run(cache)


def test_second_process_loads_without_sympy_or_compiling(warm):
    cache, first = warm
    assert first["sympy"] and first["warnings"] == []        # the first process generated the kernels
    second = _run(cache)
    assert not second["sympy"]                                 # the second imported them: no SymPy at all
    assert second["hits"] == [1, 1] and second["warnings"] == []  # and loaded numba's machine code of both loops
    assert second["a"] == first["a"] and second["w"] == first["w"]
    files = sorted(p.name.split("-")[0] for p in (cache / "kernels").glob("*.py"))
    assert files == ["single_neuron_loops", "single_neuron_sn_rows", "single_neuron_sn_select"]


def test_parallel_loops_are_cached_too(warm):
    cache, first = warm
    _run(cache, parallel=True)
    again = _run(cache, parallel=True)
    assert not again["sympy"] and again["hits"] == [1, 1]
    assert again["a"] == first["a"] and again["w"] == first["w"]   # bitwise the serial result


def test_damaged_module_is_discarded_and_rebuilt(warm, tmp_path):
    cache, first = warm
    copy = tmp_path / "cache"
    subprocess.run(["cp", "-r", str(cache), str(copy)], check=True)
    path = next((copy / "kernels").glob("single_neuron_sn_rows-*.py"))
    path.write_text(path.read_text().replace("return (", "return (0 * "))   # valid Python, wrong numbers
    res = _run(copy)
    assert any("discarded the unreadable kernel cache entry" in m and path.name in m for m in res["warnings"])
    assert res["a"] == first["a"] and res["w"] == first["w"]
    text = path.read_text()
    first_line, _, rest = text.partition("\n")
    assert first_line.endswith(hashlib.sha256(rest.encode()).hexdigest())   # rebuilt whole
    assert _run(copy)["warnings"] == []


def test_damaged_numba_cache_is_discarded_and_recompiled(warm, tmp_path):
    cache, first = warm
    copy = tmp_path / "cache"
    subprocess.run(["cp", "-r", str(cache), str(copy)], check=True)
    damaged = list((copy / "kernels" / "__pycache__").glob("single_neuron_loops-*.sn_fast_general-*.nb*"))
    assert len(damaged) == 2                                       # the index (.nbi) and the machine code (.nbc)
    for f in damaged:
        f.write_bytes(f.read_bytes()[: len(f.read_bytes()) // 2])
    res = _run(copy)
    assert any("discarded an unreadable numba cache entry of the loop sn_fast_general" in m for m in res["warnings"])
    assert res["a"] == first["a"] and res["w"] == first["w"]
    again = _run(copy)
    assert again["warnings"] == [] and again["hits"] == [1, 1]


def test_unwritable_cache_folder_gives_a_warning(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))                       # where the process's fallback folder goes
    res = _run(blocker / "cache")                                  # mkdir fails: a file is in the way
    assert any("cannot write the kernel cache folder" in m and "SYMRICH_CACHE_DIR" in m for m in res["warnings"])
    assert len(res["a"]) == 2
    assert list(temp.glob("symrich-kernels-*")) == []              # removed at exit (new-user test: they piled up)


def test_key_changes_with_the_versions_and_the_sources(monkeypatch):
    kernel_cache.cache_key.cache_clear()
    base = kernel_cache.cache_key("demo", ("numeric/loops.py",))
    assert kernel_cache.cache_key("demo", ("numeric/codegen.py",)) != base
    monkeypatch.setattr(symrich, "__version__", symrich.__version__ + ".post1")
    kernel_cache.cache_key.cache_clear()
    assert kernel_cache.cache_key("demo", ("numeric/loops.py",)) != base
    kernel_cache.cache_key.cache_clear()


def test_load_module_builds_once_and_checks_the_hash(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMRICH_CACHE_DIR", str(tmp_path))
    calls = []

    def build():
        calls.append(1)
        return textwrap.dedent("""
            def answer():
                return 42
        """)

    module = kernel_cache.load_module("answer_demo", build, sources=())
    assert module.answer() == 42 and calls == [1]
    assert kernel_cache.load_module("answer_demo", build, sources=()) is module and calls == [1]
    # a new process (here: the module forgotten) imports the file without building
    del sys.modules[module.__name__]
    importlib.invalidate_caches()
    assert kernel_cache.load_module("answer_demo", build, sources=()).answer() == 42 and calls == [1]
    # a damaged file: discarded with a warning, rebuilt
    del sys.modules[module.__name__]
    path = next((tmp_path / "kernels").glob("answer_demo-*.py"))
    path.write_text(path.read_text().replace("42", "43"))
    with pytest.warns(RuntimeWarning, match="discarded the unreadable kernel cache entry"):
        assert kernel_cache.load_module("answer_demo", build, sources=()).answer() == 42
    assert calls == [1, 1]

"""``symrich export --target numpy``: the exported ``wide_trajectory`` against ``symrich.wide_linear.trajectory``.

The exported module runs in a fresh interpreter where ``sympy``, ``symrich`` and ``numba`` cannot be
imported: the wide network's kernels (the source of :mod:`symrich.wide_linear.riccati`, which the
package compiles with numba) run there as plain Python on NumPy arrays.  Cases: random lambda-balanced,
unaligned initialisations for ``h`` below, equal to and above ``d`` and ``c``, ``lambda < 0``, ``= 0``,
``> 0``, unequal rates, batches, times from 0 to ``1e6``.
"""

import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from symrich import wide_linear as wl
from symrich.export import export
from symrich.export.base import CodeGenerator

TIMES = np.array([0.0, 0.3, 1.7, 40.0, 1e6])
#: (d, c, h, lambda): every sign of lambda, h relative to d and c (lambda < 0 needs h <= d, lambda > 0 needs h <= c)
SHAPES = [(3, 3, 2, -0.7), (3, 3, 2, 0.0), (3, 3, 2, 0.9), (4, 2, 2, -0.3), (4, 2, 2, 1.4), (2, 3, 2, -1.1),
          (2, 3, 2, 0.5), (2, 2, 3, 0.0), (3, 3, 3, 0.2), (1, 1, 1, -0.4), (2, 1, 1, 1e-9)]
RATES = [(1.0, 1.0), (0.3, 2.5), (3.0, 0.7)]


def _cases():
    rng = np.random.default_rng(18)
    cases = []
    for i, (d, c, h, lam) in enumerate(SHAPES):
        ea, ew = RATES[i % len(RATES)]
        layers = [wl.balanced_layers(d, h, c, lam, rng, ea, ew) for _ in range(3)]   # a batch of 3
        W1, W2 = np.stack([p[0] for p in layers]), np.stack([p[1] for p in layers])
        cases.append((TIMES, W1, W2, rng.normal(size=(c, d)), ea, ew))
    W1, W2 = wl.balanced_layers(2, 2, 2, 0.3, rng)
    cases.append((0.8, W1, W2, rng.normal(size=(2, 2)), 1.0, 1.0))              # one initialisation, scalar t
    return cases


_DRIVER = """
import pickle, sys
sys.modules["sympy"] = None      # importing them now raises ImportError
sys.modules["symrich"] = None
sys.modules["numba"] = None
sys.path.insert(0, {folder!r})
import symrich_kernels as k
cases = pickle.loads(sys.stdin.buffer.read())
res = {{"traj": [vars(k.wide_trajectory(*case)) for case in cases]}}
res["no_layers"] = vars(k.wide_trajectory(*cases[0], layers=False))
errors = []
W1, W2 = cases[-1][1], cases[-1][2]
for call in (lambda: k.wide_trajectory(1.0, W1, 2 * W2, cases[-1][3]), lambda: k.wide_trajectory(-1.0, W1, W2, cases[-1][3]),
             lambda: k.wide_trajectory(1.0, W1, W2, cases[-1][3][:, :1]), lambda: k.wide_trajectory(1.0, W1, W2, cases[-1][3], eta_w=0),
             lambda: k.wide_trajectory([0.0, 1e6], W1, W2, 1e303 * cases[-1][3]),  # 2 mu tau overflows (tester)
             lambda: k.wide_trajectory(1.0, W1[:0], W2[:, :0], cases[-1][3]),
             lambda: k.wide_trajectory(1.0, [W1, W1], [W2, W2, W2], cases[-1][3]),
             lambda: k.wide_trajectory(1.0, W1, W2, cases[-1][3], rtol=-1.0),
             lambda: k.wide_trajectory(1.0, W1 * 2.0**-560, W2 * 2.0**-560, cases[-1][3])):
    try:
        call()
        errors.append(None)
    except ValueError as exc:
        errors.append(str(exc))
res["errors"] = errors
sys.stdout.buffer.write(pickle.dumps(res))
"""


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export-wide")
    export("numpy", folder, functions=["wide_trajectory"])
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(_DRIVER.format(folder=str(folder)))],
                          input=pickle.dumps(_cases()), capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()
    return folder, pickle.loads(proc.stdout)


def _relative(x, y):
    """Largest entry error relative to the largest entry of the reference at that (initialisation, time)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    assert x.shape == y.shape
    scale = np.maximum(np.max(np.abs(y), axis=(-2, -1), keepdims=True), 1e-300)
    return float(np.max(np.abs(x - y) / scale))


def test_exported_wide_trajectory_equals_the_package(exported):
    _, results = exported
    worst = 0.0
    for case, got in zip(_cases(), results["traj"]):
        ref = wl.trajectory(*case)
        for name in ("beta", "W1TW1", "W2W2T", "W1", "W2"):
            assert np.all(np.isfinite(got[name])), name
            worst = max(worst, _relative(got[name], getattr(ref, name)))
            assert worst <= 1e-12, (name, case[1].shape, case[3].shape, worst)
        np.testing.assert_allclose(got["lam"], ref.lam, rtol=1e-13, atol=1e-13)
        np.testing.assert_array_equal(got["t"], ref.t)


def test_exported_wide_trajectory_converges_and_starts_at_the_initialisation(exported):
    _, results = exported
    for case, got in zip(_cases()[:-1], results["traj"]):
        t, W1, W2, S = case[:4]
        np.testing.assert_allclose(got["W1"][..., 0, :, :], W1, rtol=0, atol=1e-13)
        np.testing.assert_allclose(got["W2"][..., 0, :, :], W2, rtol=0, atol=1e-13)
        assert np.all(np.isfinite(got["beta"][..., -1, :, :]))                     # t = 1e6: no overflow


def test_exported_wide_trajectory_errors(exported):
    e = exported[1]["errors"]
    assert "not lambda-balanced" in e[0]
    assert "t must be >= 0" in e[1]
    assert "S = Y X^T must have shape (c, d)" in e[2]
    assert "eta_w" in e[3]
    # found by a new user: a ZeroDivisionError in the plain-Python kernel, NumPy's reshape and broadcast messages,
    # and a negative rtol taken as given
    assert "the closed form overflows float64" in e[4]
    assert "need h, d, c >= 1" in e[5]
    assert "batch axes of W1_0 (2,) and W2_0 (3,) do not broadcast" in e[6]
    assert "rtol must be a finite number >= 0" in e[7]
    assert "underflow float64" in e[8]  # the squares of the layers are 0: not "not lambda-balanced"


def test_exported_module_needs_only_numpy_and_the_standard_library(exported):
    import ast

    src = (exported[0] / "symrich_kernels.py").read_text()
    tree = ast.parse(src)
    imported = {n.names[0].name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert "numpy" in imported and imported - {"numpy"} <= set(sys.stdlib_module_names)
    assert "def wide_trajectory(" in src and "def householder_qr(" in src


def test_wide_trajectory_is_numpy_only():
    assert "wide_trajectory" not in CodeGenerator.select(None, "c")
    assert "wide_trajectory" in CodeGenerator.select(None, "numpy")
    with pytest.raises(ValueError, match="wide_trajectory cannot be exported to jax"):
        export("jax", "unused", functions=["wide_trajectory"])


def test_exported_wide_trajectory_without_layers_is_the_package_signature(exported):
    """``layers=False`` as in the package: no layers, the same beta and Gram matrices."""
    got, full = exported[1]["no_layers"], exported[1]["traj"][0]
    assert got["W1"] is None and got["W2"] is None
    for name in ("beta", "W1TW1", "W2W2T"):
        np.testing.assert_array_equal(got[name], full[name])

"""``symrich export``: the exported NumPy, C and JAX code against the in-package kernels.

The NumPy module runs in a subprocess where ``sympy`` and ``symrich`` cannot be
imported; the C code is compiled with the machine's ``cc`` and loaded with
ctypes; the JAX source is checked for traced-value branching, run with NumPy
standing in for ``jax.numpy`` (always), and run with jax, ``jit`` and gradients
where jax is installed.
"""

import ast
import ctypes
import inspect
import math
import pickle
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import symrich
from symrich.export import export
from symrich.numeric import validation
from symrich.single_neuron import M_matrix, Phi_delta, delta_of, driver, grad_Phi_delta, ntk, solution_kernels
from symrich.single_neuron import trajectory as package_trajectory
from symrich.single_neuron.kernels import numpy_kernel, numpy_kernel_outputs

FLOOR = 1e-3
T_LONG = np.array([0.0, 0.3, 1.0, 7.0, 40.0, 1e3, 1e6])


# ---------------------------------------------------------------- inputs


def _near_balanced(rng, d, ea, ew, offset):
    """(a0, w0) with delta = ew a0^2 - ea ||w0||^2 = offset (up to rounding)."""
    w0 = rng.normal(size=d)
    a0 = math.sqrt(max(offset + ea * float(w0 @ w0), 0.0) / ew) * rng.choice([-1.0, 1.0])
    return a0, w0


def trajectory(*case):
    """The package's float trajectory on the formula the exports compile (the stable form, pointwise ufuncs).

    ``symrich.single_neuron.trajectory`` itself evaluates the two-exponential form in a fused loop: proved
    equal, but rounded differently, so it is compared with the exports through the 30-digit kernel
    (``test_exported_numpy_trajectory_is_accurate``), not bit for bit.
    """
    return driver.run_trajectory(driver.pointwise_solver(solution_kernels("numpy")), numpy_kernel("sn_rows"), *case)


def observables(*case):
    """The package's observables on the same formula as :func:`trajectory` above."""
    return driver.run_observables(trajectory, numpy_kernel("sn_observables"), numpy_kernel_outputs("sn_observables"),
                                  *case)


def _small_difference_cases():
    """|delta| >> s: delta + Lam (delta < 0) and Lam - delta (delta > 0) are small differences of large numbers."""
    t = np.array([0.5, 1.0, 1e3, 1e5, 1e6])
    return [(t, 100.0, np.array([1e-3, 0.0]), np.array([1e-3, 0.0]), 1.0, 1.0),
            (t, 1e-3, np.array([100.0, 0.0]), np.array([1e-3, 2e-3]), 1.0, 1.0)]


def _cases():
    """(t, a0, w0, beta_star, eta_a, eta_w) cases: random batches, delta = 0 and near 0, a0 = 0, beta_star = 0, saddle."""
    rng = np.random.default_rng(2024)
    cases = []
    for ea, ew in ((1.0, 1.0), (0.3, 2.5), (4.0, 0.2)):
        B, d = 12, 3
        a0 = rng.normal(size=B)
        w0 = rng.normal(size=(B, d))
        bs = rng.normal(size=(B, d))
        a0[:2] = 0.0                       # a0 = 0
        bs[2] = 0.0                        # beta_star = 0
        for i, off in zip(range(3, 7), (0.0, 1e-9, -1e-9, 1e-14)):   # delta = 0 and near 0
            a0[i], w0[i] = _near_balanced(rng, d, ea, ew, off)
        cases.append((T_LONG, a0, w0, bs, ea, ew))
    cases.append((T_LONG, 1.0, np.array([-1.0]), np.array([1.0]), 1.0, 1.0))              # stable manifold of the saddle
    cases.append((T_LONG, 0.0, np.array([1.0, 0.0, -2.0]), np.array([0.0, 3.0, 0.0]), 1.0, 1.0))  # fixed point
    cases.append((T_LONG, 0.7071067811865476, np.array([0.7071067811865476]), np.array([1.0]), 1.0, 1.0))  # delta = 0
    cases.append((0.5, 0.9, np.array([0.3, -0.2]), np.array([0.0, 0.0]), 1.0, 1.0))       # scalar t, beta_star = 0
    cases.append((T_LONG, 0.1, np.array([-2.0]), np.array([1.0]), 1.0, 1.0))              # sign change of a
    return cases


def _matrix_inputs():
    rng = np.random.default_rng(11)
    beta = rng.normal(size=(30, 3)) * rng.choice([1e-8, 1e-3, 1.0, 10.0], size=(30, 1))
    delta = rng.normal(size=30) * rng.choice([1e-9, 1.0, 5.0], size=30)
    delta[:3] = 0.0
    beta[3], delta[3] = 0.0, 2.0                     # beta = 0 with delta > 0
    beta[4], delta[4] = 0.0, 0.0                     # beta = 0 with delta = 0
    X = rng.normal(size=(5, 3))
    a = rng.normal(size=(4, 2))
    w = rng.normal(size=(4, 2, 3))
    return beta, delta, X, a, w


# ---------------------------------------------------------------- exported files


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    paths = {target: export(target, root / target) for target in ("numpy", "c", "jax")}
    return root, paths


_BLOCK = """
import sys
sys.modules["sympy"] = None      # importing them now raises ImportError
sys.modules["symrich"] = None
sys.path.insert(0, {folder!r})
"""


def _run(code, folder, payload):
    """Run ``code`` in a fresh interpreter (sympy and symrich blocked); ``payload``/``result`` are pickled."""
    src = _BLOCK.format(folder=str(folder)) + textwrap.dedent(code)
    proc = subprocess.run([sys.executable, "-c", src], input=pickle.dumps(payload), capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    return pickle.loads(proc.stdout)


_NUMPY_DRIVER = """
import doctest, pickle, sys
import numpy as np
import symrich_kernels as k
assert "sympy" not in [m for m in sys.modules if sys.modules[m] is not None]
cases, (beta, delta, X, a, w), small = pickle.loads(sys.stdin.buffer.read())
res = {"traj": [k.trajectory(*c) for c in cases], "traj_small": [k.trajectory(*c) for c in small], "obs": [dict(vars(o), __class__=type(o).__name__) for o in (k.observables(*c[:4], c[4], c[5]) for c in cases[:4])],
       "M": k.M_matrix(beta, delta, 0.7, 1.9), "ntk": k.ntk(X, beta, delta), "delta": k.delta_of(a, w, 1.5, 0.5),
       "delta_scalar": k.delta_of(2.0, [1.0, 1.0]), "Phi": k.Phi_delta(beta, delta, 0.7, 1.9),
       "grad": k.grad_Phi_delta(beta[delta >= 0], delta[delta >= 0], 0.7, 1.9)}
errors = []
for call in (lambda: k.trajectory([-1.0], 1.0, [1.0], [1.0]), lambda: k.M_matrix([0.0, 0.0], -1.0),
             lambda: k.trajectory([1.0], 1.0, [1.0, 2.0], [1.0], eta_a=0.0), lambda: k.trajectory(1.0, 1.0, [1.0], [1.0], backend="mpmath")):
    try:
        call()
        errors.append(None)
    except ValueError as exc:
        errors.append(str(exc))
res["errors"] = errors
res["doctest"] = tuple(doctest.testmod(k))  # plain, as `python -m doctest symrich_kernels.py` in the docs
sys.stdout.buffer.write(pickle.dumps(res))
"""


def _close(x, y, rtol, what, floor=None):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    assert x.shape == y.shape, what
    assert np.array_equal(np.isnan(x), np.isnan(y)), what
    ok = ~np.isnan(y)
    err = np.abs(x[ok] - y[ok])
    floor = FLOOR if floor is None else floor
    scale = np.maximum(np.abs(y[ok]), floor)   # relative error, absolute below the floor (values near 0)
    worst = float(np.max(err / scale, initial=0.0))
    assert worst <= rtol, f"{what}: error {worst:.3g} relative to max(|y|, {floor})"
    return worst


@pytest.fixture(scope="module")
def numpy_results(out):
    root, _ = out
    return _run(_NUMPY_DRIVER, root / "numpy", (_cases(), _matrix_inputs(), _small_difference_cases()))


def test_numpy_module_needs_only_numpy(out):
    _, paths = out
    src = paths["numpy"][0].read_text()
    imported = {n.names[0].name.split(".")[0] for n in ast.walk(ast.parse(src)) if isinstance(n, ast.Import)}
    imported |= {n.module.split(".")[0] for n in ast.walk(ast.parse(src)) if isinstance(n, ast.ImportFrom) and n.module}
    assert "numpy" in imported and imported - {"numpy"} <= set(sys.stdlib_module_names)
    # the driver logic is the package's own, copied verbatim (one copy of the logic)
    for fn in (driver.pointwise_solver, driver.branch_solver, driver.row_scalars, driver.run_trajectory,
               driver.run_M_matrix, driver.solution_inputs, driver.run_observables, validation.as_array):
        assert inspect.getsource(fn) in src


def test_numpy_trajectory_equals_package(numpy_results):
    for case, (a, w) in zip(_cases(), numpy_results["traj"]):
        a_ref, w_ref = trajectory(*case)
        _close(a, a_ref, 1e-14, f"a {case[1:]}")
        _close(w, w_ref, 1e-14, f"w {case[1:]}")


def test_exported_numpy_trajectory_is_accurate(numpy_results):
    """The export and the package's fused loop both agree with the 30-digit mpmath kernel to 1e-12."""
    import mpmath

    # the small-difference cases have |w| = 100 and a component 1e-8 that w = p beta_star + c w_perp0 gets as a
    # difference of two terms of size 40: compared as in the single-neuron tests, relative to max(1, |y|)
    cases = [(c, None) for c in _cases()] + [(c, 1.0) for c in _small_difference_cases()]
    for (case, floor), (a, w) in zip(cases, numpy_results["traj"] + numpy_results["traj_small"]):
        with mpmath.workdps(30):
            a_mp, w_mp = package_trajectory(*case, backend="mpmath")
        a_fast, w_fast = package_trajectory(*case)
        for x, y, what in ((a, a_mp, "export a"), (w, w_mp, "export w"), (a_fast, a_mp, "loop a"), (w_fast, w_mp, "loop w")):
            _close(x, np.asarray(y, dtype=float), 1e-12, f"{what} {case[1:]}", floor=floor)


def test_numpy_observables_and_matrices_equal_package(numpy_results):
    for case, obs in zip(_cases()[:4], numpy_results["obs"]):
        ref = observables(*case)
        for field in ("a", "w", "beta_norm", "signed_magnitude", "alignment", "loss", "ntk_norm", "kernel_distance", "ntk"):
            # the kernel distance 1 - cos(M0, Mt) is computed with cancellation near t = 0 (from a, w that agree to an
            # ulp): compare it on its natural scale 1
            _close(obs[field], getattr(ref, field), 1e-14, field, floor=1.0 if field == "kernel_distance" else None)
    beta, delta, X, a, w = _matrix_inputs()
    _close(numpy_results["M"], M_matrix(beta, delta, 0.7, 1.9), 1e-14, "M")
    _close(numpy_results["ntk"], ntk(X, beta, delta), 1e-14, "ntk")
    _close(numpy_results["delta"], delta_of(a, w, 1.5, 0.5), 1e-14, "delta_of")
    assert all(obs["__class__"] == "Observables" for obs in numpy_results["obs"])
    assert numpy_results["delta_scalar"] == 2.0 and isinstance(numpy_results["delta_scalar"], float)
    _close(numpy_results["Phi"], Phi_delta(beta, delta, 0.7, 1.9), 1e-14, "Phi_delta")
    _close(numpy_results["grad"], grad_Phi_delta(beta[delta >= 0], delta[delta >= 0], 0.7, 1.9), 1e-14, "grad")


def test_numpy_module_errors_and_doctests(numpy_results):
    e = numpy_results["errors"]
    assert "t must be >= 0" in e[0]
    assert "beta = 0 when delta < 0" in e[1]
    assert "eta_a must be a positive" in e[2]
    assert "backend must be 'numpy'" in e[3]
    failed, attempted = numpy_results["doctest"]
    assert failed == 0 and attempted >= 20


def _long_time_checks(traj):
    """The long-time/stability assertions of test_single_neuron_solution, on exported output ``traj[i] = (a, w)``."""
    cases = _cases()
    for (t, a0, w0, bs, ea, ew), (a, w) in zip(cases[:3], traj[:3]):
        assert np.all(np.isfinite(a)) and np.all(np.isfinite(w))
        beta = a[..., None] * w
        np.testing.assert_allclose(beta[:, -1], bs, rtol=0, atol=1e-10)          # converged at t = 1e6
        delta = ew * a0**2 - ea * np.sum(w0 * w0, axis=1)
        Lam = np.sqrt(delta**2 + 4 * ea * ew * np.sum(bs * bs, axis=1))
        np.testing.assert_allclose(a[:, -1] ** 2, (delta + Lam) / (2 * ew), rtol=1e-10, atol=1e-20)   # a(oo)^2
        np.testing.assert_array_equal(a[:, 0], a0)                                # t = 0
    a, w = traj[3]    # stable manifold of the saddle: a = e^{-t}/sqrt(1 + (1 - e^{-2t})) -> 0
    assert np.all(np.isfinite(a)) and abs(a[-1]) < 1e-300 and abs(w[-1, 0]) < 1e-300
    assert abs(a[2] - math.exp(-1.0) / math.sqrt(1 + (1 - math.exp(-2.0)))) < 1e-15
    a, w = traj[4]    # fixed point: nothing moves
    assert np.all(a == 0.0) and np.array_equal(w, np.broadcast_to([1.0, 0.0, -2.0], w.shape))
    a, w = traj[5]    # delta = 0, d = 1, beta_star = 1: converges to a = w = 1
    assert np.all(np.isfinite(a)) and abs(a[-1] * w[-1, 0] - 1) < 1e-12
    a, w = traj[6]    # beta_star = 0: Bernoulli a' = delta a - a^3, 1/a^2 = 1/delta + (1/a0^2 - 1/delta) e^{-2 delta t}
    assert np.ndim(a) == 0 and w.shape == (2,)
    dl = 0.81 - 0.13
    assert abs(a - 0.9 / math.sqrt(0.81 / dl + (1 - 0.81 / dl) * math.exp(-2 * dl * 0.5))) < 1e-14
    a, w = traj[7]    # sign change of a
    assert a[0] > 0 and a[-1] < 0 and abs(a[-1] * w[-1, 0] - 1) < 1e-12


def test_numpy_long_times_and_special_cases(numpy_results):
    _long_time_checks(numpy_results["traj"])


# ---------------------------------------------------------------- C


@pytest.fixture(scope="module")
def clib(out, tmp_path_factory):
    root, paths = out
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    assert cc is not None, "a C compiler (cc) is required for the C export test"
    folder = root / "c"
    # the documented build line compiles warning-free
    subprocess.run([cc, "-O2", "-std=c99", "-Wall", "-Werror=implicit-function-declaration", "-c", "symrich_kernels.c"],
                   cwd=folder, check=True, capture_output=True)
    lib = tmp_path_factory.mktemp("lib") / "libsymrich_kernels.so"
    subprocess.run([cc, "-O2", "-std=c99", "-fPIC", "-shared", "-o", str(lib), "symrich_kernels.c", "-lm"],
                   cwd=folder, check=True, capture_output=True)
    L = ctypes.CDLL(str(lib))
    D, P, S = ctypes.c_double, ctypes.POINTER(ctypes.c_double), ctypes.c_size_t
    L.symrich_trajectory.argtypes = [S, P, S, D, P, P, D, D, P, P]
    L.symrich_trajectory.restype = None
    L.symrich_trajectory_scalars.argtypes = [S, P, D, D, D, D, D, D, P, P, P]
    L.symrich_M_matrix.argtypes = [S, P, D, D, D, P]
    L.symrich_M_matrix.restype = ctypes.c_int
    L.symrich_delta_of.argtypes = [S, D, P, D, D]
    L.symrich_delta_of.restype = D
    L.symrich_observable_scalars.argtypes = [D] * 10 + [P]
    L.symrich_Phi_delta.argtypes = [S, P, D, D, D]
    L.symrich_Phi_delta.restype = D
    L.symrich_grad_Phi_delta.argtypes = [S, P, D, D, D, P]
    L.symrich_grad_Phi_delta.restype = ctypes.c_int
    return L


def _ptr(x):
    return np.ascontiguousarray(x, dtype=np.float64).ctypes.data_as(ctypes.POINTER(ctypes.c_double))


def _c_trajectory(L, t, a0, w0, bs, ea, ew):
    t = np.atleast_1d(np.asarray(t, dtype=float))
    a0 = np.atleast_1d(np.asarray(a0, dtype=float))
    w0, bs = np.atleast_2d(w0), np.atleast_2d(bs)
    B = max(len(a0), len(w0), len(bs))
    d = w0.shape[1]
    A, W = np.empty((B, len(t))), np.empty((B, len(t), d))
    for b in range(B):
        ab, wb = np.empty(len(t)), np.empty((len(t), d))
        w_b, bs_b = np.ascontiguousarray(w0[b % len(w0)]), np.ascontiguousarray(bs[b % len(bs)])
        L.symrich_trajectory(len(t), _ptr(t), d, float(a0[b % len(a0)]), _ptr(w_b), _ptr(bs_b), ea, ew, _ptr(ab), _ptr(wb))
        A[b], W[b] = ab, wb
    return A, W


def test_c_trajectory_equals_package(clib):
    traj = []
    for case in _cases():
        a_ref, w_ref = trajectory(*case)
        a, w = _c_trajectory(clib, *case)
        _close(a.reshape(np.shape(a_ref)), a_ref, 1e-13, f"C a {case[1:]}")
        _close(w.reshape(np.shape(w_ref)), w_ref, 1e-13, f"C w {case[1:]}")
        traj.append((a.reshape(np.shape(a_ref)), w.reshape(np.shape(w_ref))))
    _long_time_checks(traj)


def test_c_matrices_and_scalars_equal_package(clib):
    beta, delta, _, a, w = _matrix_inputs()
    M_ref = M_matrix(beta, delta, 0.7, 1.9)
    for i in range(len(beta)):
        M = np.empty((3, 3))
        assert clib.symrich_M_matrix(3, _ptr(beta[i]), delta[i], 0.7, 1.9, _ptr(M)) == 0
        _close(M, M_ref[i], 1e-13, f"C M row {i}")
        _close(clib.symrich_Phi_delta(3, _ptr(beta[i]), delta[i], 0.7, 1.9), Phi_delta(beta[i], delta[i], 0.7, 1.9),
               1e-13, "C Phi")
        if delta[i] >= 0 or np.any(beta[i]):
            g = np.empty(3)
            assert clib.symrich_grad_Phi_delta(3, _ptr(beta[i]), delta[i], 0.7, 1.9, _ptr(g)) == 0
            _close(g, grad_Phi_delta(beta[i], delta[i], 0.7, 1.9), 1e-13, "C grad Phi")
    M = np.empty((2, 2))
    assert clib.symrich_M_matrix(2, _ptr(np.zeros(2)), -1.0, 1.0, 1.0, _ptr(M)) == 1 and np.all(np.isnan(M))
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            wij = np.ascontiguousarray(w[i, j])
            _close(clib.symrich_delta_of(3, a[i, j], _ptr(wij), 1.5, 0.5), delta_of(a[i, j], wij, 1.5, 0.5), 1e-13, "C delta")
    t, a0, w0, bs, ea, ew = _cases()[0]
    obs = observables(t[:5], a0, w0, bs, ea, ew)
    out = np.empty(5)
    for b in range(len(a0)):
        for j in range(5):
            at, wt = obs.a[b, j], obs.w[b, j]
            clib.symrich_observable_scalars(at, wt @ wt, wt @ bs[b], a0[b], w0[b] @ w0[b], w0[b] @ wt, bs[b] @ bs[b], 3.0,
                                            ea, ew, _ptr(out))
            ref = [obs.beta_norm[b, j], obs.signed_magnitude[b, j], obs.ntk_norm[b, j], obs.kernel_distance[b, j],
                   obs.alignment[b, j]]
            if np.isnan(ref[4]):      # beta_star = 0: undefined alignment, NaN in both
                assert np.isnan(out[4])
                ref[4], out[4] = 0.0, 0.0
            # the kernel distance 1 - cos is computed with cancellation near t = 0: compare absolutely there
            np.testing.assert_allclose(out, ref, rtol=1e-13, atol=1e-15)


def test_c_files_document_the_build(out):
    _, paths = out
    names = {p.name: p for p in paths["c"]}
    assert "cc -O2 -std=c99 -c symrich_kernels.c -lm" in names["README.txt"].read_text()
    assert "symrich_kernels.o:" in names["Makefile"].read_text()
    header = names["symrich_kernels.h"].read_text()
    assert "void symrich_trajectory_scalars(size_t T, const double *t, double a0, double pi0" in header
    assert "single_neuron_closed_form" in header


# ---------------------------------------------------------------- JAX


def _jax_tree(out):
    _, paths = out
    return paths["jax"][0].read_text()


def test_jax_source_has_no_branching_on_values(out):
    src = _jax_tree(out)
    tree = ast.parse(src)
    compile(src, "symrich_kernels_jax.py", "exec")
    imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert [(n.names[0].name, n.names[0].asname) for n in imports] == [("jax.numpy", "jnp")]
    funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert {"trajectory", "trajectory_scalars", "M_matrix", "ntk", "delta_of", "observables"} <= {f.name for f in funcs}
    for f in funcs:
        for node in ast.walk(f):
            assert not isinstance(node, (ast.If, ast.IfExp, ast.While, ast.Assert, ast.Try)), (f.name, ast.dump(node)[:80])
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in ("float", "bool", "int"), f.name   # would concretize a tracer
            if isinstance(node, ast.BoolOp):
                raise AssertionError(f"{f.name}: 'and'/'or' on arrays")
            if isinstance(node, ast.Attribute):
                assert node.attr not in ("item", "tolist"), f.name


_JAX_VALUES = """
import pickle, sys, types, warnings
import numpy as np
if {shim}:   # numpy stands in for jax.numpy (same calls: where, expm1, einsum, ...)
    jax = types.ModuleType("jax"); jax.numpy = np
    sys.modules["jax"] = jax; sys.modules["jax.numpy"] = np
    warnings.simplefilter("ignore")
else:
    import jax
    jax.config.update("jax_enable_x64", True)   # float64, as the module's README asks
import symrich_kernels_jax as kj
cases, (beta, delta, X, a, w) = pickle.loads(sys.stdin.buffer.read())
res = {{"traj": [tuple(np.asarray(v) for v in kj.trajectory(*c)) for c in cases],
       "M": np.asarray(kj.M_matrix(beta, delta, 0.7, 1.9)), "ntk": np.asarray(kj.ntk(X, beta, delta)),
       "delta": np.asarray(kj.delta_of(a, w, 1.5, 0.5)), "Phi": np.asarray(kj.Phi_delta(beta, delta, 0.7, 1.9)),
       "grad": np.asarray(kj.grad_Phi_delta(beta, delta, 0.7, 1.9))}}
sys.stdout.buffer.write(pickle.dumps(res))
"""


def _check_jax_values(res, rtol):
    cases = _cases()
    for case, (a, w) in zip(cases, res["traj"]):
        a_ref, w_ref = trajectory(*case)
        _close(a, a_ref, rtol, f"jax a {case[1:]}")
        _close(w, w_ref, rtol, f"jax w {case[1:]}")
    _long_time_checks(res["traj"])
    beta, delta, X, a, w = _matrix_inputs()
    _close(res["M"], M_matrix(beta, delta, 0.7, 1.9), rtol, "jax M")
    _close(res["ntk"], ntk(X, beta, delta), rtol, "jax ntk")
    _close(res["delta"], delta_of(a, w, 1.5, 0.5), rtol, "jax delta")
    _close(res["Phi"], Phi_delta(beta, delta, 0.7, 1.9), rtol, "jax Phi")
    _close(res["grad"], grad_Phi_delta(beta, delta, 0.7, 1.9), rtol, "jax grad Phi")


def test_jax_source_run_with_numpy_as_jax_numpy_equals_package(out):
    """The arithmetic of the JAX source, with NumPy standing in for ``jax.numpy``, against the in-package kernels.

    Runs everywhere (jax is not a dependency); jax itself, ``jit`` and gradients are the next test.
    """
    root, _ = out
    res = _run(_JAX_VALUES.format(shim=True), root / "jax", (_cases(), _matrix_inputs()))
    # phi1 is evaluated by its Taylor series for |x| < 1e-2 (exact derivatives): agreement to rounding, not bits
    _check_jax_values(res, 1e-13)


def test_jax_values_jit_and_gradients(out):
    """With jax: the values equal the package's, jit gives the same values, gradients match central differences."""
    pytest.importorskip("jax")
    root, _ = out
    _check_jax_values(_run(_JAX_VALUES.format(shim=False), root / "jax", (_cases(), _matrix_inputs())), 1e-13)
    code = """
    import pickle, sys
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import numpy as np
    import symrich_kernels_jax as kj
    a_fn = lambda x: kj.trajectory(jnp.array([0.5, 3.0]), x[0], x[1:3], jnp.array([1.0, -0.5]), 1.3, 0.7)[0].sum()
    m_fn = lambda x: kj.M_matrix(x[:2], x[2], 0.7, 1.9).sum()
    out = {}
    for name, fn, x in (("a", a_fn, np.array([0.4, 0.3, -0.8])), ("a_balanced", a_fn, np.array([1.0, 0.6, 0.8])),
                        ("M", m_fn, np.array([0.3, -0.2, 0.5])), ("M_neg", m_fn, np.array([0.3, -0.2, -0.5]))):
        g = np.asarray(jax.grad(fn)(jnp.asarray(x)))
        h = 1e-6
        fd = np.array([(fn(x + h * e) - fn(x - h * e)) / (2 * h) for e in np.eye(len(x))])
        out[name] = (g, fd, float(jax.jit(fn)(x)), float(fn(x)))
    sys.stdout.buffer.write(pickle.dumps(out))
    """
    res = _run(code, root / "jax", None)
    for name, (g, fd, jitted, plain) in res.items():
        assert np.all(np.isfinite(g)), name
        np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8, err_msg=name)
        assert abs(jitted - plain) <= 1e-13 * max(1.0, abs(plain)), name


# ---------------------------------------------------------------- API and CLI


def test_cli_and_api_errors(tmp_path):
    from symrich.cli import main

    assert main(["export", "--target", "c", "--out", str(tmp_path / "c"), "--functions", "delta_of"]) == 0
    text = (tmp_path / "c" / "symrich_kernels.c").read_text()
    assert "symrich_delta_of" in text and "symrich_trajectory" not in text
    assert main(["export", "--target", "numpy", "--out", str(tmp_path / "n"), "--functions", "nope"]) == 2
    with pytest.raises(ValueError, match="target must be one of"):
        export("fortran", tmp_path)
    with pytest.raises(ValueError, match="functions must be among"):
        export("numpy", tmp_path, functions=["trajectory", "loss"])


def test_symrich_export_export_as_documented(tmp_path):
    paths = symrich.export.export("numpy", tmp_path, functions=["delta_of"])
    assert [p.name for p in paths] == ["symrich_kernels.py"]
    assert "def delta_of(" in (tmp_path / "symrich_kernels.py").read_text()

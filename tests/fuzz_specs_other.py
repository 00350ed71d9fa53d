"""Fuzz specs of the deep linear and piecewise-linear networks, the kernel distance, the experiments' config
loading and the export."""

from __future__ import annotations

import dataclasses
import pathlib
import tempfile

import numpy as np
from hypothesis import strategies as st

from symrich import deep_linear as dl
from symrich import piecewise_linear as pl
from symrich.experiments import config as ec
from symrich.export import TARGETS, available_functions, export
from symrich.numeric.kernels import kernel_distance
from tests.fuzz_specs import Spec, assert_finite, assert_shape, batch_shape, rates, shaped
from tests.fuzz_strategies import is_moderate, matrices, positive_reals, reals

# ---------------------------------------------------------------- deep linear


@st.composite
def deep_calls(draw, with_data=False):
    moderate = draw(st.booleans())
    dims = draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    weights = [draw(matrices((dims[i + 1], dims[i]), moderate)) for i in range(len(dims) - 1)]
    L = len(weights)
    etas = draw(st.one_of(st.just(1.0), positive_reals(moderate),
                          st.lists(positive_reals(moderate), min_size=L, max_size=L)))
    kw = {"weights": weights, "etas": etas}
    if with_data:
        n = draw(st.integers(1, 3))
        kw["X"] = draw(matrices((n, dims[0]), moderate))
        kw["Y"] = draw(matrices((n, dims[-1]), moderate))
    return kw, moderate


def check_conserved_quantities(Qs, kw):
    assert len(Qs) == len(kw["weights"]) - 1
    for Q, W in zip(Qs, kw["weights"]):
        assert_shape(Q, (np.shape(W)[0],) * 2, "Q")
    assert_finite(Qs)


def check_deep_flow(dWs, kw):
    assert len(dWs) == len(kw["weights"])
    for dW, W in zip(dWs, kw["weights"]):
        assert_shape(dW, np.shape(W), "W'")
    assert_finite(dWs)


# ---------------------------------------------------------------- piecewise linear

ACTIVATIONS = ("relu", "abs", "linear", ("leaky_relu", 0.1), ("leaky_relu", 0.5))


@st.composite
def network(draw, data=True):
    """``X, y, a, W`` of a two-layer piecewise-linear network, an activation and rates."""
    moderate = draw(st.booleans())
    kw = draw(rates(moderate))
    K, d, n = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kw.update(a=draw(matrices((K,), moderate)), W=draw(matrices((K, d), moderate)),
              activation=draw(st.sampled_from(ACTIVATIONS)))
    if data:
        kw.update(X=draw(matrices((n, d), moderate)), y=draw(matrices((n,), moderate)))
    return kw, moderate


def _select(strategy, *names):
    return strategy.map(lambda kwm: ({k: v for k, v in kwm[0].items() if k in names}, kwm[1]))


check_forward = shaped(lambda kw: (np.shape(kw["X"])[0],))


check_gradients = shaped(lambda kw: np.shape(kw["W"]))


check_pl_flow = shaped(lambda kw: np.shape(kw["a"]), lambda kw: np.shape(kw["W"]))


@st.composite
def beta_delta_calls(draw, pattern=False, g=False):
    kw, moderate = draw(network())
    a, W = kw.pop("a"), kw.pop("W")
    with np.errstate(all="ignore"):  # extreme a, W: an infinite beta is a bad input the call must reject
        kw["beta"] = a[:, None] * W
    kw["delta"] = pl.conserved_deltas(a, W, kw["eta_a"], kw["eta_w"]) if moderate else draw(
        matrices((len(a),), moderate))
    if pattern:
        with np.errstate(all="ignore"):  # extreme X, W: the sign of an overflowing preactivation is still a pattern
            kw["pattern"] = (kw["X"] @ W.T).T > 0
    else:
        del kw["activation"]
    if g:
        kw["g"] = draw(matrices(np.shape(W), moderate))
        # beta_k = 0: the direction is undefined (documented ValueError); only those rows are replaced
        kw["beta"] = np.where(np.any(kw["beta"] != 0, axis=1, keepdims=True), kw["beta"], 1.0)
    if not (pattern or g):
        del kw["X"], kw["y"]
    if not np.all(np.any(kw["beta"] != 0, axis=1)):
        kw["delta"] = np.abs(kw["delta"])  # M at beta = 0 with delta < 0 is undefined (documented ValueError)
    return kw, moderate


check_M_matrices = shaped(lambda kw: np.shape(kw["beta"]) + np.shape(kw["beta"])[-1:])


check_pl_beta_flow = shaped(lambda kw: np.shape(kw["beta"]))


def check_speeds(result, kw):
    K, d = np.shape(kw["beta"])
    for x, shape in zip(result, ((K,), (K, d), (K,))):
        assert_shape(x, shape)
    assert_finite(result)


check_pl_ntk = shaped(lambda kw: (np.shape(kw["X"])[0],) * 2)


def check_pattern(P, kw):
    assert_shape(P, (np.shape(kw["W"])[0], np.shape(kw["X"])[0]))
    assert P.dtype == bool


@st.composite
def hamming_calls(draw):
    K, n = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    lead = draw(st.sampled_from(((), (2,))))
    P0 = np.array(draw(st.lists(st.booleans(), min_size=K * n, max_size=K * n))).reshape(K, n)
    size = int(np.prod(lead)) * K * n
    Pt = np.array(draw(st.lists(st.booleans(), min_size=size, max_size=size))).reshape(lead + (K, n))
    return {"P0": P0, "Pt": Pt}, True


def check_hamming(h, kw):
    assert_shape(h, np.shape(kw["Pt"])[:-2])
    assert_finite(h)


check_deltas = shaped(lambda kw: np.shape(kw["a"]))


@st.composite
def activation_calls(draw):
    return {"name": draw(st.sampled_from(("relu", "leaky_relu", "abs", "custom"))), "slope": draw(reals())}, True


def check_activation(act, kw):
    assert isinstance(act, pl.Activation)
    assert_finite(act.sigma(np.array([-1.0, 0.0, 2.0])))


@st.composite
def activation_method_calls(draw, arg="z"):
    act = pl.as_activation(draw(st.sampled_from(ACTIVATIONS)))
    moderate = draw(st.booleans())
    shape = draw(st.sampled_from(((), (3,), (2, 2))))
    value = draw(matrices(shape, moderate)) if arg == "z" else np.array(draw(st.lists(
        st.booleans(), min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))).reshape(shape)
    return {"self": act, arg: value}, moderate


def check_activation_values(values, kw):
    assert_shape(values, np.shape(kw.get("z", kw.get("pattern"))))
    assert_finite(values)


@st.composite
def as_activation_calls(draw):
    spec = draw(st.one_of(st.sampled_from(ACTIVATIONS), st.builds(pl.leaky_relu, st.floats(-1, 1))))
    return {"spec": spec}, True


@st.composite
def integrate_calls(draw):
    """Small networks, short horizons; the float64 oracle mostly (the Taylor oracle is slow)."""
    kw, moderate = draw(network())
    kw["W0"], kw["a0"] = kw.pop("W"), kw.pop("a")
    with np.errstate(all="ignore"):  # an overflowing pre-activation is not 0
        at_zero = np.any(kw["W0"] @ kw["X"].T == 0)
    if at_zero:  # a pre-activation at 0 exactly: undefined pattern (documented ValueError)
        kw["W0"] = kw["W0"] + 0.125
    kw["t"] = sorted(set(draw(st.lists(st.floats(0.0, 0.5), min_size=1, max_size=3))))
    kw["method"] = draw(st.sampled_from(("scipy", "scipy", "scipy", "taylor")))
    kw["dps"] = draw(st.integers(15, 20))
    kw["max_flips"] = draw(st.integers(0, 20))
    # within the time limit, a stiff flow to t = 1e300 (a mutated t) and the Taylor method on entries near 1e300
    # (about 20 ms a step, a time scale near 1e-630) give up with the documented RuntimeError
    kw["max_steps"] = 1000
    return kw, moderate


@st.composite
def as_float_calls(draw):
    kw, moderate = draw(integrate_calls())
    # moderate rates: with eta near 1e300 the Taylor oracle needs more than max_steps (a documented RuntimeError of
    # integrate, whose own spec covers it), and this spec would fail while drawing its input
    kw.update(method="taylor", dps=15, X=np.eye(np.shape(kw["W0"])[1]), y=np.ones(np.shape(kw["W0"])[1]),
              a0=np.ones_like(kw["a0"]), W0=np.full_like(kw["W0"], 0.5), max_flips=20, **draw(rates(moderate=True)))
    return {"self": pl.integrate(**kw)}, True


def check_as_float(sol, kw):
    assert sol.a.dtype == float and sol.W.dtype == float
    assert_finite(sol)


def check_integrate(sol, kw):
    T, (K, d), n = len(kw["t"]), np.shape(kw["W0"]), np.shape(kw["X"])[0]
    assert_shape(sol.a, (T, K), "a")
    assert_shape(sol.W, (T, K, d), "W")
    assert_shape(sol.patterns, (T, K, n), "patterns")
    assert_finite(sol)


# ---------------------------------------------------------------- kernel distance


@st.composite
def kernel_distance_calls(draw):
    moderate = draw(st.booleans())
    m = draw(st.integers(1, 3))
    lead = draw(st.sampled_from(((), (2,))))
    K0 = draw(matrices((m, m), moderate))
    Kt = draw(matrices(lead + (m, m), moderate))
    return {"K0": K0, "Kt": Kt}, moderate


def check_kernel_distance(S, kw):
    assert_shape(S, batch_shape(np.shape(kw["K0"])[:-2], np.shape(kw["Kt"])[:-2]))
    assert_finite(S)
    assert np.all((np.asarray(S) >= 0) & (np.asarray(S) <= 2)), "S outside [0, 2]"


# ---------------------------------------------------------------- experiments' configuration

_GRID_VALUES = st.one_of(reals(), st.lists(reals(), min_size=1, max_size=3),
                         st.builds(lambda lo, hi, n: {"linspace": [lo, hi, n]}, reals(), reals(), st.integers(1, 4)),
                         st.builds(lambda lo, hi, n: {"logspace": [lo, hi, n]}, st.floats(-3, 3), st.floats(-3, 3),
                                   st.integers(1, 4)))
_POSITIVE_GRID = st.one_of(positive_reals(), st.lists(positive_reals(), min_size=1, max_size=3),
                           st.builds(lambda lo, hi, n: {"logspace": [lo, hi, n]}, st.floats(-3, 3), st.floats(-3, 3),
                                     st.integers(1, 4)))


@st.composite
def sweep_config(draw):
    grid = {"scale": draw(_POSITIVE_GRID), "seed": draw(st.one_of(st.integers(0, 5), st.just({"range": 2}),
                                                                   st.lists(st.integers(0, 9), min_size=1, max_size=2)))}
    if draw(st.booleans()):
        grid["delta"] = draw(_GRID_VALUES)
    else:
        grid["alpha"] = draw(_POSITIVE_GRID)
    settings = draw(st.fixed_dictionaries({}, optional={
        "preset": st.sampled_from(tuple(ec.PRESETS)), "d": st.integers(1, 5), "m": st.sampled_from((2, 4)),
        "steps": st.integers(0, 100), "base_lr": positive_reals(), "loss": st.sampled_from(ec.CONVENTIONS["loss"]),
        "n_probe": st.sampled_from(("all", None)), "symmetric": st.booleans(), "checkpoints_per_decade": st.integers(1, 3),
    }))
    return {"grid": grid, "settings": settings}


@st.composite
def config_calls(draw):
    config = draw(sweep_config())
    moderate = is_moderate([v for v in _leaves(config) if isinstance(v, float)])
    if draw(st.booleans()):  # as a TOML file
        lines = []
        for table, values in config.items():
            lines.append(f"[{table}]")
            lines += [f"{k} = {_toml(v)}" for k, v in values.items() if v is not None]
        path = pathlib.Path(tempfile.mkdtemp(prefix="symrich-fuzz-")) / "sweep.toml"
        path.write_text("\n".join(lines) + "\n")
        config = str(path)
    return {"config": config}, moderate


def _leaves(x):
    if isinstance(x, dict):
        return [v for value in x.values() for v in _leaves(value)]
    if isinstance(x, (list, tuple)):
        return [v for value in x for v in _leaves(value)]
    return [x]


def _toml(v):
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_toml(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    return repr(v).replace("inf", "inf").replace("e+", "e")


#: the keys of a sweep config, which an error about a config may name instead of ``config``.
CONFIG_KEYS = ("grid", "settings", "scale", "alpha", "delta", "seed", "preset", *(f.name for f in dataclasses.fields(ec.RunConfig)))


def check_load_config(spec, kw):
    assert set(spec) == {"grid", "settings"}
    assert_finite(spec)


def check_expand_grid(runs, kw):
    assert runs and all(isinstance(r, ec.RunConfig) for r in runs)
    assert_finite([(r.scale, r.alpha, r.delta, r.lr) for r in runs])


@st.composite
def run_config_calls(draw):
    kw = {"scale": draw(positive_reals()), "alpha": draw(positive_reals()), "seed": draw(st.integers(0, 2**31)),
          "d": draw(st.integers(1, 100)), "m": draw(st.sampled_from((2, 50))), "steps": draw(st.integers(0, 10**6)),
          "method": draw(st.sampled_from(ec.CONVENTIONS["method"]))}
    return kw, is_moderate([kw["scale"], kw["alpha"]])


def check_run_config(cfg, kw):
    assert isinstance(cfg, ec.RunConfig)
    assert_finite((cfg.delta, cfg.lr))
    assert isinstance(cfg.id, str) and cfg.checkpoints[-1] == cfg.steps


def check_columns(columns, kw):
    assert columns["id"] == kw["self"].id
    assert_finite({k: v for k, v in columns.items() if k not in ("n_probe",)})


@st.composite
def alpha_of_calls(draw):
    kw = {"delta": draw(reals()), "scale": draw(positive_reals())}
    return kw, is_moderate(list(kw.values()))


def check_positive(x, kw):
    assert_finite(x)
    assert x > 0


@st.composite
def delta_from_alpha_calls(draw):
    kw = {"alpha": draw(positive_reals()), "scale": draw(positive_reals())}
    return kw, is_moderate(list(kw.values()))


@st.composite
def checkpoint_calls(draw):
    return {"steps": draw(st.one_of(st.integers(0, 10**7), st.just(10**18))), "per_decade": draw(st.integers(1, 5))}, True


def check_checkpoints(steps, kw):
    assert steps[0] == 0 and steps[-1] == kw["steps"] and list(steps) == sorted(set(steps))


# ---------------------------------------------------------------- export

_QUICK = ("delta_of", "M_matrix", "ntk", "Phi_delta", "grad_Phi_delta")


@st.composite
def export_calls(draw):
    out = pathlib.Path(tempfile.mkdtemp(prefix="symrich-fuzz-")) / draw(st.sampled_from(("out", "a/b")))
    # not functions=None (all, the trajectory included): it takes minutes on a shared CI machine (tests/test_export.py)
    functions = draw(st.one_of(st.sampled_from(_QUICK), st.lists(st.sampled_from(_QUICK), min_size=1, max_size=2)))
    return {"target": draw(st.sampled_from(TARGETS)), "out_dir": str(out), "functions": functions}, True


def check_export(paths, kw):
    assert paths and all(pathlib.Path(p).is_file() for p in paths)


def check_available(names, kw):
    assert names and all(isinstance(n, str) for n in names)


SPECS = (
    Spec(dl.conserved_quantities, deep_calls(), check_conserved_quantities),
    Spec(dl.parameter_flow, deep_calls(with_data=True), check_deep_flow),
    Spec(pl.Activation, activation_calls(), check_activation),
    Spec(pl.Activation.sigma, activation_method_calls(), check_activation_values),
    Spec(pl.Activation.dsigma, activation_method_calls(), check_activation_values),
    Spec(pl.Activation.slopes, activation_method_calls("pattern"), check_activation_values),
    Spec(pl.leaky_relu, reals().map(lambda v: ({"alpha": v}, True)), check_activation, aliases=("slope",)),
    Spec(pl.as_activation, as_activation_calls(), check_activation, aliases=("activation",)),
    Spec(pl.forward, _select(network(), "X", "a", "W", "activation"), check_forward),
    Spec(pl.neuron_gradients, _select(network(), "X", "y", "a", "W", "activation"), check_gradients),
    Spec(pl.parameter_flow, network(), check_pl_flow),
    Spec(pl.M_matrices, beta_delta_calls(), check_M_matrices),
    Spec(pl.beta_flow, beta_delta_calls(pattern=True), check_pl_beta_flow),
    Spec(pl.radial_directional_speeds, beta_delta_calls(g=True).map(
        lambda kwm: ({k: v for k, v in kwm[0].items() if k in ("beta", "delta", "g", "eta_a", "eta_w")}, kwm[1])),
        check_speeds),
    Spec(pl.ntk, _select(network(), "X", "a", "W", "eta_a", "eta_w", "activation"), check_pl_ntk),
    Spec(pl.activation_pattern, _select(network(), "X", "W"), check_pattern),
    Spec(pl.hamming_distance, hamming_calls(), check_hamming),
    Spec(pl.conserved_deltas, _select(network(data=False), "a", "W", "eta_a", "eta_w"), check_deltas),
    Spec(pl.integrate, integrate_calls(), check_integrate, expected=(r"pre-activation .* is exactly 0",),
         documented=((RuntimeError, r"max_flips|max_steps|Filippov sliding|vanish together|step size underflow|solve_ivp failed"),)),
    Spec(pl.PiecewiseSolution.as_float, as_float_calls(), check_as_float),
    Spec(kernel_distance, kernel_distance_calls(), check_kernel_distance, expected=(r"zero kernel",)),
    Spec(ec.RunConfig, run_config_calls(), check_run_config),
    Spec(ec.RunConfig.columns, run_config_calls().filter(lambda kwm: kwm[1]).map(
        lambda kwm: ({"self": ec.RunConfig(**kwm[0])}, True)), check_columns),
    Spec(ec.alpha_of, alpha_of_calls(), check_positive),
    Spec(ec.delta_from_alpha, delta_from_alpha_calls(), lambda x, kw: assert_finite(x)),
    Spec(ec.checkpoint_steps, checkpoint_calls(), check_checkpoints),
    Spec(ec.load_config, config_calls(), check_load_config, aliases=CONFIG_KEYS),
    Spec(ec.expand_grid, config_calls(), check_expand_grid, aliases=CONFIG_KEYS),
    Spec(export, export_calls(), check_export),
    Spec(available_functions, st.just(({}, True)), check_available),
)

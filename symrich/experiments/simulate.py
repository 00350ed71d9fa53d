"""One training run of the Part III experiment: data, student, gradient descent, measurements.

The setting of the paper's two-layer ReLU sweep (Kunin, Raventós et al., Part III and
Figure 1): a teacher ``f*(x) = sum_j s_j relu(v_j^T x)`` with ``teacher_width`` unit-norm
rows ``v_j`` and readouts ``s_j = +-1``, inputs uniform on the unit sphere of ``R^d``, and a
student ``f(x) = sum_k a_k relu(w_k^T x)`` (no biases) of width ``m`` initialised with rows
``w_k = (scale / alpha) u_k`` (unit ``u_k``) and readouts ``a_k = scale * alpha * (+-1)``.
With ``symmetric = true`` the neurons come in pairs with equal rows and opposite readouts,
so ``f = 0`` at initialisation.

Training is full-batch gradient descent (``method = "gd"``) or gradient flow integrated by
classical RK4 with step ``lr`` (``method = "rk4"``), with ``lr = base_lr / scale^2``, on the
loss ``L = (c / 2n) sum_i (f(x_i) - y_i)^2`` with ``c = 1`` (``loss = "half_mean"``) or
``c = 2`` (``loss = "mean"``, the paper's); both layers share one learning rate.  One step is
:func:`descent_step`, written once for NumPy and for the JAX backend
(:mod:`symrich.experiments.jax_backend`).  ``dtype = "float32"`` trains in single precision;
the measurements are always taken in float64.

At the checkpoints ``0, 1, 10, ..., steps`` a run records the columns :data:`METRICS`
(:func:`checkpoint_rows`)::

    ``time``             gradient-flow time ``step * lr``;
    ``train_loss``, ``test_loss``   ``L`` on the training set and on ``n_test`` fresh samples;
    ``kernel_distance``  ``S(0, t) = 1 - <K0, Kt>_F / (||K0||_F ||Kt||_F)`` of the empirical NTK
                         (:func:`relu_ntk`) on the first ``n_probe`` training inputs (default all);
                         NaN for a dead network (:func:`ntk_distance`);
    ``hamming``          flipped activations ``1[w_k^T x_i > 0]`` since initialisation: the fraction
                         of (neuron, sample) pairs (``hamming = "mean"``) or the sum over neurons
                         of the fraction of samples (``"sum"``, the paper's; ``m`` times the mean);
    ``param_distance``   ``||theta_t - theta_0||`` with ``theta = (a, W)``, divided by
                         ``||theta_0||`` when ``param_distance = "relative"``;
    ``delta_drift``      ``max_k |delta_k(t) - delta_k(0)|`` (conserved by the flow; ``O(lr)`` at fixed time under descent);
    ``diverged``         1 at the checkpoints at or after ``diverged_step`` (their metrics are NaN);
    ``diverged_step``    the first step whose training loss is not finite, ``-1`` if none.

>>> cfg = RunConfig(scale=1.0, alpha=2.0, seed=0, d=5, m=4, n=20, n_test=50, steps=10)
>>> rows = simulate(cfg).rows
>>> [r["step"] for r in rows], rows[0]["hamming"], round(rows[0]["kernel_distance"], 12)
([0, 1, 10], 0.0, 0.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from symrich.experiments.config import RunConfig
from symrich.numeric.kernels import kernel_distance

__all__ = [
    "METRICS", "RunResult", "initialise", "relu_ntk", "ntk_distance", "gradients", "descent_step", "loss_value",
    "checkpoint_rows", "simulate",
]

#: The measured columns of a run's table, in order.
METRICS = ("time", "train_loss", "test_loss", "kernel_distance", "hamming", "param_distance", "delta_drift",
           "diverged", "diverged_step")

#: ``c`` in ``L = (c / 2n) sum_i r_i^2`` for each ``loss`` convention.
LOSS_FACTOR = {"half_mean": 1.0, "mean": 2.0}


def _unit_rows(rng, k, d):
    v = rng.standard_normal((k, d))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def initialise(cfg):
    """Data, teacher targets and the student's initial ``(a, W)`` for ``cfg``.

    The random streams depend on ``seed`` only (``numpy.random.SeedSequence(seed).spawn(3)``: teacher and
    training inputs, test inputs, student directions and signs), so runs that differ in ``scale`` or
    ``alpha`` share data and unit directions.

    Returns
    -------
    dict with ``X (n, d)``, ``y (n,)``, ``X_test``, ``y_test``, ``a (m,)``, ``W (m, d)`` (float64).

    >>> init = initialise(RunConfig(scale=1.0, alpha=2.0, seed=0, d=3, m=4, n=5, n_test=2))
    >>> bool(np.abs(init["a"] @ np.maximum(init["W"] @ init["X"].T, 0)).max() < 1e-15)  # symmetric: f = 0
    True
    >>> np.round(init["a"]**2 - np.sum(init["W"]**2, axis=1), 12)
    array([3.75, 3.75, 3.75, 3.75])
    """
    s_data, s_test, s_student = np.random.SeedSequence(cfg.seed).spawn(3)
    rng = np.random.default_rng(s_data)
    V = _unit_rows(rng, cfg.teacher_width, cfg.d)
    s = rng.choice([-1.0, 1.0], size=cfg.teacher_width)
    X = _unit_rows(rng, cfg.n, cfg.d)
    X_test = _unit_rows(np.random.default_rng(s_test), cfg.n_test, cfg.d)
    rng = np.random.default_rng(s_student)
    if cfg.symmetric:
        U = _unit_rows(rng, cfg.m // 2, cfg.d)
        signs = rng.choice([-1.0, 1.0], size=cfg.m // 2)
        U, signs = np.concatenate([U, U]), np.concatenate([signs, -signs])
    else:
        U = _unit_rows(rng, cfg.m, cfg.d)
        signs = rng.choice([-1.0, 1.0], size=cfg.m)
    return {
        "X": X, "y": np.maximum(X @ V.T, 0.0) @ s, "X_test": X_test, "y_test": np.maximum(X_test @ V.T, 0.0) @ s,
        "a": cfg.scale * cfg.alpha * signs, "W": (cfg.scale / cfg.alpha) * U,
    }


# ----------------------------------------------------------------------------------------------- numerics
def relu_ntk(a, W, X):
    """Empirical NTK ``K = J J^T`` of ``f(x) = sum_k a_k relu(w_k^T x)`` w.r.t. ``(a, W)``, in closed form.

    ``K_ij = sum_k [relu(w_k^T x_i) relu(w_k^T x_j) + a_k^2 1[w_k^T x_i > 0] 1[w_k^T x_j > 0] x_i^T x_j]``.

    Parameters
    ----------
    a : ndarray (m,)
    W : ndarray (m, d)
    X : ndarray (P, d)

    Returns
    -------
    ndarray (P, P)

    >>> relu_ntk(np.array([2.0]), np.array([[1.0, 0.0]]), np.array([[1.0, 1.0], [-1.0, 0.0]]))
    array([[9., 0.],
           [0., 0.]])
    """
    Z = X @ W.T
    H = np.maximum(Z, 0.0)
    D = (Z > 0).astype(float)
    return H @ H.T + (X @ X.T) * ((D * a**2) @ D.T)


def ntk_distance(K0, Kt):
    """The kernel distance :func:`symrich.numeric.kernels.kernel_distance`, or NaN where a kernel is zero.

    A zero NTK means a dead network: no neuron is active on any probe input (``K = 0``
    exactly, since every term of :func:`relu_ntk` carries an activation).  ``S`` is undefined
    there, so the metric is recorded as NaN rather than raising mid-run.

    >>> ntk_distance(np.eye(2), 3 * np.eye(2)), ntk_distance(np.eye(2), np.zeros((2, 2)))
    (0.0, nan)
    """
    if not (np.any(K0) and np.any(Kt)):
        return math.nan
    return kernel_distance(K0, Kt)


def gradients(a, W, X, y, loss="half_mean", xp=np):
    """``(dL/da, dL/dW, L)`` for ``L = (c/2n) sum_i (f(x_i) - y_i)^2``, vectorised over neurons and samples.

    With ``g_k = (c/n) sum_i 1[w_k^T x_i > 0] r_i x_i``: ``dL/da_k = w_k^T g_k`` and ``dL/dw_k = a_k g_k``;
    ``c = 1`` for ``loss = "half_mean"``, ``2`` for ``"mean"``.  ``xp`` is the array module
    (``numpy``, or ``jax.numpy`` inside the JAX backend's compiled loop); ``L`` is a 0-d array.

    >>> ga, gW, L = gradients(np.array([1.0]), np.array([[1.0, 0.0]]), np.array([[1.0, 0.0]]), np.array([0.0]))
    >>> ga, gW, float(L)
    (array([1.]), array([[1., 0.]]), 0.5)
    >>> float(gradients(np.array([1.0]), np.array([[1.0, 0.0]]), np.array([[1.0, 0.0]]), np.array([0.0]), "mean")[2])
    1.0
    """
    c = LOSS_FACTOR[loss]
    Z = X @ W.T
    H = xp.maximum(Z, 0.0)
    r = H @ a - y
    g = (c / y.shape[0]) * r
    G = ((Z > 0) * g[:, None]).T @ X  # rows g_k
    return H.T @ g, a[:, None] * G, (c / (2 * y.shape[0])) * (r @ r)


def descent_step(a, W, X, y, lr, method="gd", loss="half_mean", xp=np):
    """One step from ``(a, W)``: gradient descent, or classical RK4 on the gradient flow; also ``L(a, W)``.

    Returns ``(a_next, W_next, L)`` with ``L`` the loss *before* the step (so a non-finite ``L`` dates the
    divergence).  The same code runs under NumPy and, with ``xp = jax.numpy``, under ``jax.jit``.

    >>> a, W, L = descent_step(np.array([1.0]), np.array([[1.0, 0.0]]), np.array([[1.0, 0.0]]), np.array([0.0]), 0.1)
    >>> a, W, float(L)
    (array([0.9]), array([[0.9, 0. ]]), 0.5)
    """
    ga, gW, L = gradients(a, W, X, y, loss, xp)
    if method == "gd":
        return a - lr * ga, W - lr * gW, L
    k2 = gradients(a - 0.5 * lr * ga, W - 0.5 * lr * gW, X, y, loss, xp)
    k3 = gradients(a - 0.5 * lr * k2[0], W - 0.5 * lr * k2[1], X, y, loss, xp)
    k4 = gradients(a - lr * k3[0], W - lr * k3[1], X, y, loss, xp)
    return (a - lr / 6 * (ga + 2 * k2[0] + 2 * k3[0] + k4[0]),
            W - lr / 6 * (gW + 2 * k2[1] + 2 * k3[1] + k4[1]), L)


def loss_value(a, W, X, y, loss="half_mean"):
    """``L = (c/2n) sum_i (f(x_i) - y_i)^2`` as a float (``c`` as in :func:`gradients`).

    >>> loss_value(np.array([2.0]), np.array([[1.0]]), np.array([[1.0], [-1.0]]), np.array([0.0, 1.0]), "mean")
    2.5
    """
    r = np.maximum(X @ W.T, 0.0) @ a - y
    return LOSS_FACTOR[loss] / (2 * len(y)) * float(r @ r)


# ----------------------------------------------------------------------------------------------- measurements
def checkpoint_rows(cfg, data, params, diverged_step=-1):
    """The table rows of a run from its parameters at the checkpoints (shared by every backend).

    Parameters
    ----------
    cfg : RunConfig
    data : dict
        ``X, y, X_test, y_test`` as from :func:`initialise`.
    params : sequence of (a, W)
        The parameters at ``cfg.checkpoints`` (the first is the initialisation).
    diverged_step : int
        The first step with a non-finite training loss, ``-1`` if the training loop saw none.  A
        checkpoint whose loss is not finite also counts as the divergence.

    Returns
    -------
    list of dict
        One row per checkpoint: the configuration's columns, ``step`` and :data:`METRICS`.

    >>> cfg = RunConfig(scale=1.0, alpha=1.0, seed=0, d=3, m=2, n=4, n_test=4, steps=1)
    >>> init = initialise(cfg)
    >>> rows = checkpoint_rows(cfg, init, [(init["a"], init["W"]), (2 * init["a"], init["W"])])
    >>> [(r["step"], r["param_distance"] > 0, r["diverged"]) for r in rows]
    [(0, False, 0), (1, True, 0)]
    """
    X, y = data["X"], data["y"]
    params = [(np.asarray(a, dtype=np.float64), np.asarray(W, dtype=np.float64)) for a, W in params]
    with np.errstate(all="ignore"):
        train = [loss_value(a, W, X, y, cfg.loss) for a, W in params]
    for step, value in zip(cfg.checkpoints, train):
        if not math.isfinite(value) and (diverged_step < 0 or step < diverged_step):
            diverged_step = step
            break
    a0, W0 = params[0]
    Xp = X[: cfg.probe]
    K0 = relu_ntk(a0, W0, Xp)
    active0 = (X @ W0.T) > 0
    delta0 = a0**2 - np.sum(W0**2, axis=1)
    norm0 = math.sqrt(float(a0 @ a0) + float(np.sum(W0 * W0))) if cfg.param_distance == "relative" else 1.0
    base = cfg.columns()
    rows = []
    for step, (a, W), value in zip(cfg.checkpoints, params, train):
        row = dict(base, step=step, time=step * cfg.lr, diverged_step=diverged_step)
        if 0 <= diverged_step <= step:
            row.update({k: math.nan for k in METRICS[1:-2]}, diverged=1)
        else:
            flips = ((X @ W.T) > 0) != active0
            da, dW = a - a0, W - W0
            row.update(
                train_loss=value,
                test_loss=loss_value(a, W, data["X_test"], data["y_test"], cfg.loss),
                kernel_distance=ntk_distance(K0, relu_ntk(a, W, Xp)),
                hamming=float(np.mean(flips)) if cfg.hamming == "mean" else float(np.sum(np.mean(flips, axis=0))),
                param_distance=math.sqrt(float(da @ da) + float(np.sum(dW * dW))) / norm0,
                delta_drift=float(np.max(np.abs(a**2 - np.sum(W**2, axis=1) - delta0))),
                diverged=0,
            )
        rows.append(row)
    return rows


@dataclass(frozen=True)
class RunResult:
    """Rows of one run (one dict per checkpoint) and, if recorded, ``params[step] = (a, W)``.

    Attributes
    ----------
    config : RunConfig
        The configuration that was run.
    rows : list of dict
        One row per checkpoint: the configuration's columns, ``step`` and the metrics.
    params : dict
        ``{step: (a, W)}`` when :func:`simulate` was called with ``record_params=True``, else empty.

    Examples
    --------
    >>> cfg = RunConfig(scale=1.0, alpha=4.0, seed=1, d=4, m=6, n=30, n_test=30, steps=10)
    >>> res = simulate(cfg, record_params=True)
    >>> res.config is cfg, [row["step"] for row in res.rows]
    (True, [0, 1, 10])
    >>> a, W = res.params[10]
    >>> a.shape, W.shape
    ((6,), (6, 4))
    >>> simulate(cfg).params
    {}
    """

    config: RunConfig
    rows: list
    params: dict


def simulate(cfg, *, record_params=False, init=None):
    """Train one student with NumPy and measure it at the checkpoints of ``cfg``.

    Parameters
    ----------
    cfg : RunConfig
    record_params : bool
        Keep copies of ``(a, W)`` at every checkpoint in ``result.params``.
    init : dict, optional
        Replace :func:`initialise`'s output (same keys), for experiments with hand-made data.

    Returns
    -------
    RunResult
        A run whose loss stops being finite is recorded as diverged (``diverged_step``), not raised.

    >>> cfg = RunConfig(scale=1.0, alpha=4.0, seed=1, d=4, m=6, n=30, n_test=30, steps=100)
    >>> r = simulate(cfg)
    >>> r.rows[-1]["train_loss"] < r.rows[0]["train_loss"], r.rows[-1]["delta_drift"] < 1e-3
    (True, True)
    """
    if not isinstance(cfg, RunConfig):
        raise ValueError(f"cfg must be a RunConfig, got {type(cfg).__name__}")
    init = initialise(cfg) if init is None else init
    dtype = np.dtype(cfg.dtype)
    X, y = np.asarray(init["X"], dtype=dtype), np.asarray(init["y"], dtype=dtype)
    a, W = np.array(init["a"], dtype=dtype), np.array(init["W"], dtype=dtype)
    lr = dtype.type(cfg.lr)
    step, diverged_step, params = 0, -1, []
    with np.errstate(all="ignore"):
        for target in cfg.checkpoints:
            while step < target and diverged_step < 0:
                a_next, W_next, L = descent_step(a, W, X, y, lr, cfg.method, cfg.loss)
                if not np.isfinite(L):
                    diverged_step = step
                    break
                a, W, step = a_next, W_next, step + 1
            params.append((a.copy(), W.copy()))
    rows = checkpoint_rows(cfg, init, params, diverged_step)
    return RunResult(cfg, rows, dict(zip(cfg.checkpoints, params)) if record_params else {})

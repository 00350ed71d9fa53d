"""Template of the public functions of the exported NumPy module (``symrich export --target numpy``).

Not a module of the package: :mod:`symrich.export.numpy_code` copies its sections into the
generated ``symrich_kernels.py``.  A section starts with a line ``# symrich-export: NAME``
(``prelude`` is always copied, ``wide_prelude`` with ``wide_trajectory``; the others are the exported
functions); a docstring ``{{doc}}``
is replaced by the generated documentation.  The other names (``run_trajectory``,
``sn_general``...) are defined in the generated module: the driver of
:mod:`symrich.single_neuron.driver` and the kernels printed by SymPy.
"""

# symrich-export: prelude
def _numpy_only(backend):
    if backend != "numpy":
        raise ValueError(f"backend must be 'numpy' in the exported module, got {backend!r}")


# symrich-export: trajectory
def trajectory(t, a0, w0, beta_star, eta_a=1.0, eta_w=1.0, backend="numpy"):
    """{{doc}}"""
    _numpy_only(backend)
    return run_trajectory(pointwise_solver((sn_general, sn_saddle, sn_select)), sn_rows, t, a0, w0, beta_star,
                          eta_a, eta_w)


# symrich-export: observables
def observables(t, a0, w0, beta_star, eta_a=1.0, eta_w=1.0, backend="numpy"):
    """{{doc}}"""
    _numpy_only(backend)
    return run_observables(trajectory, sn_observables, SN_OBSERVABLES_OUTPUTS, t, a0, w0, beta_star, eta_a, eta_w)


# symrich-export: M_matrix
def M_matrix(beta, delta, eta_a=1.0, eta_w=1.0):
    """{{doc}}"""
    return run_M_matrix(sn_M, beta, delta, eta_a, eta_w)


# symrich-export: ntk
def ntk(X, beta, delta, eta_a=1.0, eta_w=1.0):
    """{{doc}}"""
    return run_ntk(sn_M, X, beta, delta, eta_a, eta_w)


# symrich-export: delta_of
def delta_of(a, w, eta_a=1.0, eta_w=1.0):
    """{{doc}}"""
    return run_delta_of(sn_delta, a, w, eta_a, eta_w)


# symrich-export: Phi_delta
def Phi_delta(beta, delta, eta_a=1.0, eta_w=1.0):
    """{{doc}}"""
    return run_Phi_delta(sn_phi, beta, delta, eta_a, eta_w)


# symrich-export: grad_Phi_delta
def grad_Phi_delta(beta, delta, eta_a=1.0, eta_w=1.0):
    """{{doc}}"""
    return run_grad_Phi_delta(sn_phi, beta, delta, eta_a, eta_w)


# symrich-export: wide_prelude
@dataclasses.dataclass(frozen=True)
class WideTrajectory:
    """Result of :func:`wide_trajectory` (the fields of ``symrich.wide_linear.WideTrajectory`` that are arrays).

    ``beta`` (..., T, c, d) is ``W2 W1``; ``W1TW1`` (..., T, d, d), ``W2W2T`` (..., T, c, c); ``W1``
    (..., T, h, d), ``W2`` (..., T, c, h) are the representative layers ``e^{F tau} Q0 G^{-1/2}``
    (the layers are determined only up to a rotation of the hidden units; None with ``layers=False``); ``lam`` (...) is
    ``lambda`` of each initialisation; ``t`` the times.
    """

    t: numpy.ndarray
    beta: numpy.ndarray
    W1TW1: numpy.ndarray
    W2W2T: numpy.ndarray
    W1: numpy.ndarray
    W2: numpy.ndarray
    lam: numpy.ndarray


def _wide_inputs(t, W1_0, W2_0, S):
    """Validated float arrays ``t`` (T,) or (), ``W1_0`` (B..., h, d), ``W2_0`` (B..., c, h), ``S`` (c, d)."""
    t = as_array(t, "t")
    if t.ndim > 1:
        raise ValueError(f"t must be a number or a 1-d array of times, got shape {t.shape}")
    if numpy.any(t < 0):
        raise ValueError("t must be >= 0")
    W1_0, W2_0, S = as_array(W1_0, "W1_0"), as_array(W2_0, "W2_0"), as_array(S, "S", ndim=2)
    if W1_0.ndim < 2 or W2_0.ndim < 2:
        raise ValueError(f"W1_0 and W2_0 must have shapes (..., h, d) and (..., c, h), got {W1_0.shape} and {W2_0.shape}")
    (h, d), c = W1_0.shape[-2:], S.shape[0]
    if S.shape[1] != d:
        raise ValueError(f"S = Y X^T must have shape (c, d) with d = {d} (W1_0 is h x d), got shape {S.shape}")
    if W2_0.shape[-2:] != (c, h):
        raise ValueError(f"W2_0 must have shape (..., c, h) = (..., {c}, {h}), got shape {W2_0.shape}")
    if 0 in (h, d, c):
        raise ValueError(f"W1_0 (h x d) and S (c x d) need h, d, c >= 1, got shapes {W1_0.shape} and {S.shape}")
    try:
        batch = numpy.broadcast_shapes(W1_0.shape[:-2], W2_0.shape[:-2])
    except ValueError:
        raise ValueError(f"the batch axes of W1_0 {W1_0.shape[:-2]} and W2_0 {W2_0.shape[:-2]} do not broadcast") from None
    return t, numpy.broadcast_to(W1_0, batch + (h, d)), numpy.broadcast_to(W2_0, batch + (c, h)), S


def _wide_failure(status, lam, err, size, rtol):
    """The ``ValueError`` for a status of ``evaluate`` other than ``OK``."""
    if status == NOT_BALANCED:
        if numpy.all(err <= rtol * size):  # every residual passes: nonzero layers whose size underflowed to 0
            return ValueError("W1_0, W2_0 with eta_a, eta_w underflow float64 in Delta = eta_w W2^T W2 - "
                              "eta_a W1 W1^T: rescale them")
        worst = int(numpy.argmax(numpy.nan_to_num(err - rtol * size, nan=numpy.inf)))
        return ValueError(f"W1_0, W2_0 are not lambda-balanced (or Delta leaves the float64 range): "
                          f"||Delta - lambda I||_F = {float(err[worst]):.3g}, eta_w ||W2||^2 + eta_a ||W1||^2 = "
                          f"{float(size[worst]):.3g}, rtol = {rtol:.3g}")
    return ValueError("the closed form overflows float64 at these t, W1_0, W2_0, S, eta_a, eta_w: rescale them")


# symrich-export: wide_trajectory
def wide_trajectory(t, W1_0, W2_0, S, eta_a=1.0, eta_w=1.0, backend="numpy", *, layers=True, rtol=1e-10):
    """{{doc}}"""
    _numpy_only(backend)
    if not isinstance(layers, (bool, numpy.bool_)):
        raise TypeError(f"layers must be True or False, got {layers!r}")
    eta_a, eta_w = positive(eta_a, "eta_a"), positive(eta_w, "eta_w")
    rtol = as_array(rtol, "rtol", ndim=0)
    if rtol < 0:
        raise ValueError(f"rtol must be a finite number >= 0, got {float(rtol)!r}")
    t, W1_0, W2_0, S = _wide_inputs(t, W1_0, W2_0, S)
    batch, (h, d), c = W1_0.shape[:-2], W1_0.shape[-2:], S.shape[0]
    W1, W2 = (numpy.ascontiguousarray(W).reshape((-1,) + W.shape[-2:]) for W in (W1_0, W2_0))
    US, s, VSh = numpy.linalg.svd(S)
    times = t.reshape(-1)
    lam, err, size = numpy.zeros((3, W1.shape[0]))
    shapes = {"beta": (c, d), "W1TW1": (d, d), "W2W2T": (c, c), "W1": (h, d), "W2": (c, h)}
    out = {name: numpy.zeros((W1.shape[0], times.size) + shape if layers or name not in ("W1", "W2") else (1, 1, 1, 1))
           for name, shape in shapes.items()}
    try:  # plain Python floats raise where the compiled kernel overflows to inf: both are NOT_FINITE
        with numpy.errstate(all="ignore"):
            status = evaluate(times, W1, W2, US, s, numpy.ascontiguousarray(VSh.T), eta_a, eta_w, float(rtol),
                              bool(layers), _MAX_LOG_GAP, 8 * EPS, CHOLESKY_MAX, lam, err, size, *out.values())
    except (ZeroDivisionError, OverflowError):
        status = NOT_FINITE
    if status != OK:
        raise _wide_failure(status, lam, err, size, rtol)
    lam = lam.reshape(batch)
    for name, arr in out.items():
        if name in ("W1", "W2") and not layers:
            out[name] = None
            continue
        arr = arr.reshape(batch + (times.size,) + arr.shape[-2:])
        out[name] = arr[..., 0, :, :] if t.ndim == 0 else arr
    return WideTrajectory(t=t, lam=lam, **out)

"""Template of the public functions of the exported NumPy module (``symrich export --target numpy``).

Not a module of the package: :mod:`symrich.export.numpy_code` copies its sections into the
generated ``symrich_kernels.py``.  A section starts with a line ``# symrich-export: NAME``
(``prelude`` is always copied; the others are the exported functions); a docstring ``{{doc}}``
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

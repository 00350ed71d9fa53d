"""Template of the public functions of the exported JAX module (``symrich export --target jax``).

Not a module of the package: :mod:`symrich.export.jax_code` copies its sections into the
generated ``symrich_kernels_jax.py``.  A section starts with a line ``# symrich-export: NAME``
(``prelude`` is always copied); a docstring ``{{doc}}`` is replaced by the generated documentation.
The kernels (``sn_rows``, ``sn_general_pos``...) and ``jnp`` (``jax.numpy``) are defined in the generated module.
"""

# symrich-export: prelude
def _phi1(x):
    """phi1(x) = expm1(x)/x, phi1(0) = 1, with exact derivatives at 0: Taylor series (degree 7) for |x| < 1e-2."""
    small = jnp.abs(x) < 1e-2
    xs = jnp.where(small, 1.0, x)   # double where: the unselected branch never sees 0
    xt = jnp.where(small, x, 0.0)
    series = 1 + xt / 2 * (1 + xt / 3 * (1 + xt / 4 * (1 + xt / 5 * (1 + xt / 6 * (1 + xt / 7 * (1 + xt / 8))))))
    return jnp.where(small, series, jnp.expm1(xs) / xs)


def _safe_norm(v):
    """(||v||, ||v||^2, ||v|| > 0) with a gradient of 0 (not NaN) at v = 0."""
    r2 = jnp.sum(v * v, axis=-1)
    pos = r2 > 0
    return jnp.where(pos, jnp.sqrt(jnp.where(pos, r2, 1.0)), 0.0), r2, pos


# symrich-export: trajectory
def trajectory_scalars(t, a0, pi0, s2, delta, eta_a=1.0, eta_w=1.0):
    """{{doc}}"""
    U, kappa = sn_select(a0, pi0, s2, delta, eta_a, eta_w)
    on_saddle = (U == 0) & (kappa > 0)
    nonneg = delta >= 0
    d_pos = jnp.where(nonneg, delta, 0.0)   # double where: each form only sees the sign it is stable for
    d_neg = jnp.where(nonneg, 0.0, delta)
    t_gen = jnp.where(on_saddle, 0.0, t)    # the general form is 0/0 on the saddle manifold at late times
    gp = sn_general_pos(t_gen, a0, pi0, s2, d_pos, eta_a, eta_w)
    gn = sn_general_neg(t_gen, a0, pi0, s2, d_neg, eta_a, eta_w)
    sd = sn_saddle(t, a0, pi0, s2, delta, eta_a, eta_w)
    return tuple(jnp.where(on_saddle, s, jnp.where(nonneg, p, n)) for s, p, n in zip(sd, gp, gn))


def trajectory(t, a0, w0, beta_star, eta_a=1.0, eta_w=1.0):
    """Exact trajectory ``(a, w)``: ``a`` of shape ``batch + t.shape``, ``w`` of shape ``batch + t.shape + (d,)``.

    ``batch`` is the broadcast of ``a0.shape``, ``w0.shape[:-1]`` and ``beta_star.shape[:-1]``;
    ``t`` is a scalar or a 1-d array.  No input validation (the arguments may be traced).
    """
    t = jnp.asarray(t, dtype=float)
    a0 = jnp.asarray(a0, dtype=float)
    w0 = jnp.asarray(w0, dtype=float)
    bs = jnp.asarray(beta_star, dtype=float)
    s2 = jnp.sum(bs * bs, axis=-1)
    pi0, delta = sn_rows(a0, jnp.sum(w0 * w0, axis=-1), jnp.sum(w0 * bs, axis=-1), s2, eta_a, eta_w)
    batch = jnp.broadcast_shapes(a0.shape, w0.shape[:-1], bs.shape[:-1])
    tt = jnp.reshape(t, (-1,))
    col = lambda x: jnp.expand_dims(jnp.broadcast_to(x, batch), -1)  # noqa: E731
    a, p, c = trajectory_scalars(tt, col(a0), col(pi0), col(s2), col(delta), eta_a, eta_w)
    wperp = w0 - jnp.expand_dims(pi0, -1) * bs
    w = jnp.expand_dims(p, -1) * jnp.expand_dims(bs, -2) + jnp.expand_dims(c, -1) * jnp.expand_dims(wperp, -2)
    d = w0.shape[-1]
    return jnp.reshape(a, batch + t.shape), jnp.reshape(w, batch + t.shape + (d,))


# symrich-export: observables
def observables(t, a0, w0, beta_star, eta_a=1.0, eta_w=1.0):
    """{{doc}}"""
    a, w = trajectory(t, a0, w0, beta_star, eta_a, eta_w)
    bs = jnp.asarray(beta_star, dtype=float)
    w0 = jnp.asarray(w0, dtype=float)
    a0 = jnp.asarray(a0, dtype=float)
    # broadcast the initial values against the time axis
    a_init = jnp.reshape(a0, jnp.shape(a0) + (1,) * (a.ndim - jnp.ndim(a0)))
    w_init = jnp.reshape(w0, w0.shape[:-1] + (1,) * (a.ndim - w0.ndim + 1) + w0.shape[-1:])
    b = jnp.reshape(bs, bs.shape[:-1] + (1,) * (a.ndim - bs.ndim + 1) + bs.shape[-1:])
    ww = jnp.sum(w * w, axis=-1)
    vals = sn_observables(a, ww, jnp.sum(w * b, axis=-1), a_init, jnp.sum(w_init * w_init, axis=-1),
                          jnp.sum(w_init * w, axis=-1), jnp.sum(b * b, axis=-1), w.shape[-1], eta_a, eta_w)
    resid = jnp.expand_dims(a, -1) * w - b
    out = dict(zip(SN_OBSERVABLES_OUTPUTS, (jnp.broadcast_to(v, a.shape) for v in vals)))
    out.update(a=a, w=w, loss=jnp.sum(resid * resid, axis=-1) / 2)
    return out


# symrich-export: M_matrix
def M_matrix(beta, delta, eta_a=1.0, eta_w=1.0):
    """{{doc}}"""
    beta = jnp.asarray(beta, dtype=float)
    delta = jnp.asarray(delta, dtype=float)
    rho, rho2, pos = _safe_norm(beta)
    negative = delta < 0
    # double where: the delta >= 0 forms see delta >= 0 (and R + delta > 0), the delta < 0 forms delta < 0
    d_pos = jnp.where(negative | (~pos & (delta == 0)), 1.0, delta)
    d_neg = jnp.where(negative, delta, -1.0)
    m_perp_pos = sn_M(jnp.where(negative, 1.0, delta), rho, eta_a, eta_w)[0]
    c_pos = sn_M(d_pos, rho, eta_a, eta_w)[1]
    _, _, m_perp_neg, m_diff_neg = sn_M(d_neg, rho, eta_a, eta_w)
    m_perp = jnp.where(negative, m_perp_neg, m_perp_pos)
    coeff = jnp.where(negative, m_diff_neg / jnp.where(pos, rho2, 1.0), jnp.where(pos, c_pos, 0.0))
    eye = jnp.eye(beta.shape[-1])
    M = m_perp[..., None, None] * eye + coeff[..., None, None] * beta[..., :, None] * beta[..., None, :]
    return jnp.where((pos | ~negative)[..., None, None], M, jnp.nan)   # undefined at beta = 0 with delta < 0


# symrich-export: ntk
def ntk(X, beta, delta, eta_a=1.0, eta_w=1.0):
    """{{doc}}"""
    X = jnp.asarray(X, dtype=float)
    return jnp.einsum("id,...de,je->...ij", X, M_matrix(beta, delta, eta_a, eta_w), X)


# symrich-export: delta_of
def delta_of(a, w, eta_a=1.0, eta_w=1.0):
    """{{doc}}"""
    w = jnp.asarray(w, dtype=float)
    return sn_delta(jnp.asarray(a, dtype=float), jnp.sum(w * w, axis=-1), eta_a, eta_w)[0]


# symrich-export: Phi_delta
def Phi_delta(beta, delta, eta_a=1.0, eta_w=1.0):
    """{{doc}}"""
    beta = jnp.asarray(beta, dtype=float)
    delta = jnp.asarray(delta, dtype=float)
    rho, _, pos = _safe_norm(beta)
    negative = delta < 0
    rho_k = jnp.where(pos, rho, 1.0)        # double where: the kernels never see rho = 0 (sqrt at 0)
    plain = sn_phi(rho_k, jnp.where(negative, 0.0, delta), eta_a, eta_w)[0]
    stable_neg = sn_phi(rho_k, jnp.where(negative, delta, -1.0), eta_a, eta_w)[1]
    dp = jnp.where(delta > 0, delta, 1.0)   # phi(0) = -delta^{3/2}/(3 eta_a sqrt(eta_w)) for delta > 0, 0 otherwise
    at_zero = jnp.where(delta > 0, sn_phi(jnp.zeros_like(dp), dp, eta_a, eta_w)[0], 0.0)
    return jnp.where(pos, jnp.where(negative, stable_neg, plain), at_zero)


# symrich-export: grad_Phi_delta
def grad_Phi_delta(beta, delta, eta_a=1.0, eta_w=1.0):
    """{{doc}}"""
    beta = jnp.asarray(beta, dtype=float)
    delta = jnp.asarray(delta, dtype=float)
    rho, _, pos = _safe_norm(beta)
    rho_k = jnp.where(pos, rho, 1.0)
    positive = delta > 0
    tangential_pos = sn_phi(rho, jnp.where(positive, delta, 1.0), eta_a, eta_w)[3]
    phi_prime = sn_phi(rho_k, delta, eta_a, eta_w)[2]
    coeff = jnp.where(positive, tangential_pos, jnp.where(pos, phi_prime / rho_k, 0.0))
    g = coeff[..., None] * beta
    return jnp.where((pos | (delta >= 0))[..., None], g, jnp.nan)   # cone point at beta = 0 with delta < 0

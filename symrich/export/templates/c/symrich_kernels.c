/* Template of the public C functions (symrich export --target c).
 * symrich.export.c_code copies the section of each exported function into symrich_kernels.c, after the
 * kernels printed by SymPy (sn_rows, sn_general, ...).  A section starts with a line
 * "symrich-export: NAME" in a comment. */

/* symrich-export: trajectory */
void symrich_trajectory_scalars(size_t T, const double *t, double a0, double pi0, double s2, double delta,
                                double eta_a, double eta_w, double *a, double *p, double *c)
{
    double U, kappa;
    sn_select(a0, pi0, s2, delta, eta_a, eta_w, &U, &kappa);
    const int on_saddle = (U == 0.0) && (kappa > 0.0);
    for (size_t j = 0; j < T; ++j) {
        if (on_saddle)
            sn_saddle(t[j], a0, pi0, s2, delta, eta_a, eta_w, &a[j], &p[j], &c[j]);
        else
            sn_general(t[j], a0, pi0, s2, delta, eta_a, eta_w, &a[j], &p[j], &c[j]);
    }
}

void symrich_row_scalars(size_t d, double a0, const double *w0, const double *beta_star, double eta_a, double eta_w,
                         double *pi0, double *s2, double *delta)
{
    double ss = 0.0, wb = 0.0, ww = 0.0;
    for (size_t k = 0; k < d; ++k) {
        ss += beta_star[k] * beta_star[k];
        wb += w0[k] * beta_star[k];
        ww += w0[k] * w0[k];
    }
    *s2 = ss;
    sn_rows(a0, ww, wb, ss, eta_a, eta_w, pi0, delta);
}

void symrich_trajectory(size_t T, const double *t, size_t d, double a0, const double *w0, const double *beta_star,
                        double eta_a, double eta_w, double *a, double *w)
{
    double pi0, s2, delta, p, c;
    symrich_row_scalars(d, a0, w0, beta_star, eta_a, eta_w, &pi0, &s2, &delta);
    for (size_t j = 0; j < T; ++j) {
        symrich_trajectory_scalars(1, &t[j], a0, pi0, s2, delta, eta_a, eta_w, &a[j], &p, &c);
        for (size_t k = 0; k < d; ++k)
            w[j * d + k] = p * beta_star[k] + c * (w0[k] - pi0 * beta_star[k]);
    }
}

/* symrich-export: observables */
void symrich_observable_scalars(double a, double w2, double wb, double a_init, double w2_init, double w0w, double s2,
                                double d, double eta_a, double eta_w, double *out5)
{
    sn_observables(a, w2, wb, a_init, w2_init, w0w, s2, d, eta_a, eta_w, &out5[0], &out5[1], &out5[2], &out5[3], &out5[4]);
}

/* symrich-export: M_matrix */
int symrich_M_matrix(size_t d, const double *beta, double delta, double eta_a, double eta_w, double *M)
{
    double rho2 = 0.0;
    for (size_t k = 0; k < d; ++k)
        rho2 += beta[k] * beta[k];
    const double rho = sqrt(rho2);
    if (rho == 0.0 && delta < 0.0) {
        for (size_t k = 0; k < d * d; ++k)
            M[k] = NAN;
        return 1;
    }
    double m_perp_pos, c_pos, m_perp_neg, m_diff_neg;
    sn_M(delta, rho, eta_a, eta_w, &m_perp_pos, &c_pos, &m_perp_neg, &m_diff_neg);
    const double m_perp = delta < 0.0 ? m_perp_neg : m_perp_pos;
    const double coeff = delta < 0.0 ? m_diff_neg / (rho * rho) : (rho > 0.0 ? c_pos : 0.0);
    for (size_t i = 0; i < d; ++i)
        for (size_t j = 0; j < d; ++j)
            M[i * d + j] = (i == j ? m_perp : 0.0) + coeff * beta[i] * beta[j];
    return 0;
}

/* symrich-export: delta_of */
double symrich_delta_of(size_t d, double a, const double *w, double eta_a, double eta_w)
{
    double ww = 0.0, out;
    for (size_t k = 0; k < d; ++k)
        ww += w[k] * w[k];
    sn_delta(a, ww, eta_a, eta_w, &out);
    return out;
}

/* symrich-export: Phi_delta */
double symrich_Phi_delta(size_t d, const double *beta, double delta, double eta_a, double eta_w)
{
    double rho2 = 0.0, plain, stable_neg, phi_prime, tangential_pos;
    for (size_t k = 0; k < d; ++k)
        rho2 += beta[k] * beta[k];
    sn_phi(sqrt(rho2), delta, eta_a, eta_w, &plain, &stable_neg, &phi_prime, &tangential_pos);
    return delta < 0.0 ? stable_neg : plain;
}

/* symrich-export: grad_Phi_delta */
int symrich_grad_Phi_delta(size_t d, const double *beta, double delta, double eta_a, double eta_w, double *grad)
{
    double rho2 = 0.0, plain, stable_neg, phi_prime, tangential_pos;
    for (size_t k = 0; k < d; ++k)
        rho2 += beta[k] * beta[k];
    const double rho = sqrt(rho2);
    if (rho == 0.0 && delta < 0.0) {
        for (size_t k = 0; k < d; ++k)
            grad[k] = NAN;
        return 1;
    }
    sn_phi(rho, delta, eta_a, eta_w, &plain, &stable_neg, &phi_prime, &tangential_pos);
    const double coeff = delta > 0.0 ? tangential_pos : (rho > 0.0 ? phi_prime / rho : 0.0);
    for (size_t k = 0; k < d; ++k)
        grad[k] = coeff * beta[k];
    return 0;
}

/* Template of the declarations of the exported C header (symrich export --target c).
 * symrich.export.c_code copies the section of each exported function into symrich_kernels.h.
 * A section starts with a line "symrich-export: NAME" in a comment. */

/* symrich-export: trajectory */
/* (a, p, c) at T times for one initial condition, from the row scalars (see symrich_row_scalars):
 * w(t_j) = p[j] beta_star + c[j] (w0 - pi0 beta_star).  The saddle form is used on the stable
 * manifold U = 0, kappa > 0 of beta = 0, the general form elsewhere. */
void symrich_trajectory_scalars(size_t T, const double *t, double a0, double pi0, double s2, double delta,
                                double eta_a, double eta_w, double *a, double *p, double *c);
/* s2 = ||beta_star||^2 and, from the kernel sn_rows, pi0 = w0.beta_star / s2 (0 if s2 = 0) and
 * delta = eta_w a0^2 - eta_a ||w0||^2. */
void symrich_row_scalars(size_t d, double a0, const double *w0, const double *beta_star, double eta_a, double eta_w,
                         double *pi0, double *s2, double *delta);
/* the trajectory a[T], w[T*d] (row-major) of one initial condition (a0, w0[d]) on whitened data. */
void symrich_trajectory(size_t T, const double *t, size_t d, double a0, const double *w0, const double *beta_star,
                        double eta_a, double eta_w, double *a, double *w);

/* symrich-export: observables */
/* the scalar observables ({{observable_names}}), NaN where undefined, from
 * a, ||w||^2, w.beta_star, a(0), ||w(0)||^2, w(0).w, s2 = ||beta_star||^2 and d. */
void symrich_observable_scalars(double a, double w2, double wb, double a_init, double w2_init, double w0w, double s2,
                                double d, double eta_a, double eta_w, double *out5);

/* symrich-export: M_matrix */
/* M (d x d, row-major) from beta[d] and delta; returns 0, or 1 (M filled with NaN) for beta = 0 with delta < 0. */
int symrich_M_matrix(size_t d, const double *beta, double delta, double eta_a, double eta_w, double *M);

/* symrich-export: delta_of */
/* delta = eta_w a^2 - eta_a ||w||^2 */
double symrich_delta_of(size_t d, double a, const double *w, double eta_a, double eta_w);

/* symrich-export: Phi_delta */
/* the mirror potential Phi_delta(beta) */
double symrich_Phi_delta(size_t d, const double *beta, double delta, double eta_a, double eta_w);

/* symrich-export: grad_Phi_delta */
/* grad Phi_delta(beta) into grad[d]; returns 0, or 1 (NaN) at beta = 0 with delta < 0 (cone point). */
int symrich_grad_Phi_delta(size_t d, const double *beta, double delta, double eta_a, double eta_w, double *grad);

"""Benchmark: the closed-form trajectory of a wide linear network against ``scipy.integrate.solve_ivp``.

Run as ``python benchmarks/bench_wide_linear.py [--inits 30] [--repeat 3]`` (the docs' table: ``--repeat 9``).

Cases: ``(d, c, h) = (10, 5, 8)`` (``h > c``, so ``lambda <= 0``), ``S`` Gaussian,
rates ``eta_a = 0.8``, ``eta_w = 1.3``, lambda-balanced random initialisations
(:func:`symrich.wide_linear.balanced_layers`, scale 0.3) with ``lambda`` in
``{-1, -0.3, 0}``, ``T = 101`` times on ``[0, t_max]`` for ``t_max = 20`` and 200.
The same initialisations and times for every method; each timing is the best of
``--repeat`` runs, interleaved (each round runs every method once, so that a slow phase of
the machine falls on all of them), of the CPU time of the process (``time.process_time``: one
process, one BLAS thread, and numba single-threaded, so one thread against one
thread; CPU time rather than wall time keeps other jobs on a shared machine out
of the numbers, though not their effect on caches).

* per trajectory: one initialisation, all ``T`` times; ``trajectory(...)`` (with
  and without the representative layers) against ``solve_ivp`` on the parameter
  flow of ``(W1, W2)`` (RK45, its default, and DOP853; ``rtol = 1e-10``,
  ``atol = 1e-12``, ``t_eval`` at the ``T`` times, which solve_ivp fills from its
  dense-output interpolant);
* per (initialisation, time) point: one batched call over all initialisations
  and times, divided by their number, against the ``solve_ivp`` trajectory time
  divided by ``T``;
* one (initialisation, time) point on its own: one call of ``trajectory`` at
  ``t_max`` against ``solve_ivp`` integrating from 0 to ``t_max`` without ``t_eval``;
* accuracy on the first ``--exact`` initialisations: the largest difference of
  ``beta`` from the 30-digit mpmath closed form (checked against the Taylor
  oracle in ``tests/test_wide_linear_closed_form.py``), relative to
  ``max |beta|``, for the float64 closed form and for ``solve_ivp`` at
  ``rtol = 1e-10`` (at the ``T`` times, and at ``t_max`` alone) and ``1e-13``
  (``atol = 1e-15``).

Prints a Markdown table (pasted into docs/wide_deep_linear.md).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402

import mpmath  # noqa: E402
import numpy as np  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402

from symrich.wide_linear import balanced_layers, trajectory  # noqa: E402

D, C, H, T = 10, 5, 8, 101
ETA_A, ETA_W = 0.8, 1.3
LAMS = (-1.0, -0.3, 0.0)


def cases(n_inits, seed=0):
    rng = np.random.default_rng(seed)
    S = rng.normal(size=(C, D))
    layers = [balanced_layers(D, H, C, LAMS[i % len(LAMS)], rng, ETA_A, ETA_W, scale=0.3) for i in range(n_inits)]
    return S, np.stack([w1 for w1, _ in layers]), np.stack([w2 for _, w2 in layers])


def flow(S):
    def rhs(_, y):
        W1, W2 = y[:H * D].reshape(H, D), y[H * D:].reshape(C, H)
        E = S - W2 @ W1
        return np.concatenate([(ETA_W * W2.T @ E).ravel(), (ETA_A * E @ W1.T).ravel()])
    return rhs


def integrate(t, W1, W2, S, method, rtol=1e-10, atol=1e-12):
    """``beta`` at the times ``t`` (``t_eval``: solve_ivp's dense-output interpolant between its steps)."""
    y = solve_ivp(flow(S), (0.0, t[-1]), np.concatenate([W1.ravel(), W2.ravel()]), t_eval=t, method=method,
                  rtol=rtol, atol=atol).y.T
    return y[:, H * D:].reshape(-1, C, H) @ y[:, :H * D].reshape(-1, H, D)


def integrate_to(t_end, W1, W2, S, method, rtol=1e-10, atol=1e-12):
    """``beta`` at ``t_end`` alone (no ``t_eval``: the integration's last step ends there)."""
    y = solve_ivp(flow(S), (0.0, t_end), np.concatenate([W1.ravel(), W2.ravel()]), method=method,
                  rtol=rtol, atol=atol).y[:, -1]
    return y[H * D:].reshape(C, H) @ y[:H * D].reshape(H, D)


def best_of(fns, repeat):
    """``{name: (best CPU time, last result)}`` of the callables ``fns``, run in turn ``repeat`` times.

    Interleaved (each round runs every callable once) so that a slow phase of a shared machine
    falls on all of them rather than on one.
    """
    best = {name: (np.inf, None) for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.process_time()
            out = fn()
            seconds = time.process_time() - t0
            best[name] = (min(best[name][0], seconds), out)
    return best


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--inits", type=int, default=30)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--exact", type=int, default=3, help="initialisations checked against the mpmath closed form")
    args = p.parse_args(argv)
    S, W1, W2 = cases(args.inits)
    B = len(W1)
    trajectory(np.linspace(0, 1, 3), W1[:2], W2[:2], S, ETA_A, ETA_W)  # compile (numba, cached on disk)
    print(f"(d, c, h) = ({D}, {C}, {H}), {B} initialisations (lambda in {LAMS}), T = {T} times, "
          f"best of {args.repeat} (CPU time), load average {os.getloadavg()[0]:.1f} at the start\n")
    print("| t_max | closed form | solve_ivp | per trajectory (closed form vs solve_ivp) | "
          "per (init, time) point, amortised | one point on its own | speed-up per trajectory | "
          "speed-up per point (amortised / on its own) |")
    print("|---|---|---|---|---|---|---|---|")
    errors = []
    for t_max in (20.0, 200.0):
        t = np.linspace(0.0, t_max, T)
        with mpmath.workdps(30):
            exact = [trajectory(t, W1[b], W2[b], S, ETA_A, ETA_W, backend="mpmath", layers=False, rtol=1e-10).beta
                     for b in range(args.exact)]
        exact = np.asarray(exact, dtype=float)
        scale = np.abs(exact).max()

        def error(beta):
            return np.abs(np.asarray(beta)[:args.exact] - exact).max() / scale

        fns = {}
        for method in ("RK45", "DOP853"):
            fns["ivp", method] = lambda m=method: [integrate(t, W1[b], W2[b], S, m) for b in range(B)]
            fns["end", method] = lambda m=method: [integrate_to(t_max, W1[b], W2[b], S, m) for b in range(B)]
        for layers in (False, True):
            fns["one", layers] = lambda lay=layers: [trajectory(t, W1[b], W2[b], S, ETA_A, ETA_W, layers=lay)
                                                     for b in range(B)]
            fns["single", layers] = lambda lay=layers: [trajectory(t_max, W1[b], W2[b], S, ETA_A, ETA_W, layers=lay)
                                                        for b in range(B)]
            fns["batch", layers] = lambda lay=layers: trajectory(t, W1, W2, S, ETA_A, ETA_W, layers=lay)
        timed = best_of(fns, args.repeat)
        ivp, ivp_end = {}, {}
        for method in ("RK45", "DOP853"):
            ivp[method] = timed["ivp", method][0] / B
            errors.append((t_max, f"solve_ivp {method}, rtol 1e-10 (t_eval, dense output)",
                           error(timed["ivp", method][1])))
            ivp_end[method] = timed["end", method][0] / B
            end_error = np.abs(np.asarray(timed["end", method][1])[:args.exact] - exact[:, -1]).max() / scale
            errors.append((t_max, f"solve_ivp {method}, rtol 1e-10, at t_max only (its last step)", end_error))
        tight = [integrate(t, W1[b], W2[b], S, "DOP853", 1e-13, 1e-15) for b in range(args.exact)]
        errors.append((t_max, "solve_ivp DOP853, rtol 1e-13, atol 1e-15 (t_eval, dense output)", error(tight)))
        for layers in (False, True):
            name = "with layers" if layers else "beta, Gram matrices"
            per_traj, per_point = timed["one", layers][0] / B, timed["batch", layers][0] / (B * T)
            single = timed["single", layers][0] / B
            if not layers:
                errors.append((t_max, "closed form, float64", error(timed["batch", layers][1].beta)))
            for method, ivp_traj in ivp.items():
                print(f"| {t_max:g} | {name} | {method} | {per_traj * 1e3:.2f} ms vs {ivp_traj * 1e3:.1f} ms | "
                      f"{per_point * 1e6:.2f} us vs {ivp_traj / T * 1e6:.1f} us | "
                      f"{single * 1e6:.0f} us vs {ivp_end[method] * 1e3:.1f} ms | {ivp_traj / per_traj:.0f}x | "
                      f"{ivp_traj / T / per_point:.0f}x / {ivp_end[method] / single:.0f}x |")
    print(f"\n| t_max | method | max rel. error of beta (reference: mpmath closed form, 30 digits, "
          f"{args.exact} initialisations) |")
    print("|---|---|---|")
    for t_max, name, err in errors:
        print(f"| {t_max:g} | {name} | {err:.1e} |")


if __name__ == "__main__":
    main()

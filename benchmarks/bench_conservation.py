"""Benchmark of symrich.conservation: discover, count, analyse and the proofs, on the example models.

Cases: the models of examples/conservation/ (paper.toml, beyond.toml, diagonal_linear.py), among them
the two-layer linear network at (d, c, h) = (3, 3, 3) with symbolic rates, then three larger ones
(two-layer linear (4, 4, 4), deep linear (3, 3, 3, 3), two-layer ReLU with d = m = 4).  For each: the best of N
runs of discover(model) (degree 2), count(model) (the Lie-algebra count alone, brackets until no new
field), analyse(model) (both, the brackets stopping at D - laws found), and one run of verifying the
law derivations.  Baseline, on the (3, 3, 3) network: the same two computations written directly with
SymPy expressions (a generic quadratic with unknown coefficients solved by sympy.linsolve; brackets of
sympy.Matrix fields with Matrix.jacobian, evaluated with subs, ranks by Matrix.rank).

Run:  python benchmarks/bench_conservation.py [--repeat N] [--no-baseline]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time
from pathlib import Path

import sympy as sp

from symrich.conservation import analyse, count, deep_linear, discover, law_derivations, two_layer, two_layer_linear
from symrich.conservation.spec import load_models

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "conservation"


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def naive_discover(model, degree=2):
    """Dimension of the polynomial laws by sympy.linsolve on a generic polynomial (the direct SymPy way)."""
    monos = sorted(sp.itermonomials(model.theta, degree, 1), key=sp.default_sort_key)
    cs = sp.symbols(f"c0:{len(monos)}")
    h = sum(c * m for c, m in zip(cs, monos))
    eqs = []
    for f in model.outputs:
        crit = sp.expand(sum(r * sp.diff(h, s) * sp.diff(f, s) for s, r in zip(model.theta, model.theta_rates)))
        eqs += sp.Poly(crit, *model.theta, *model.inputs).coeffs()
    (solution,) = sp.linsolve(eqs, cs)
    return len(set().union(*(sp.sympify(v).free_symbols for v in solution)) & set(cs))


def naive_count(model, points=3, seed=0, max_depth=12):
    """D - rank of the brackets at random integer points, with sympy.Matrix fields (the direct SymPy way)."""
    rng = random.Random(seed)
    rates = {s: rng.randint(1, 99) for s in model.rate_symbols}
    theta = sp.Matrix(model.theta)
    pts = [{s: rng.choice([-1, 1]) * rng.randint(1, 99) for s in model.theta} for _ in range(points)]
    gens = []
    for f in model.outputs:
        field = sp.Matrix([sp.sympify(r).subs(rates) * sp.diff(f, s) for s, r in zip(model.theta, model.theta_rates)])
        by_monomial = {}
        for i, comp in enumerate(field):
            for mono, coeff in sp.Poly(comp, *model.inputs).as_dict().items():
                by_monomial.setdefault(mono, sp.zeros(len(theta), 1))[i] = coeff
        gens += list(by_monomial.values())
    stacked = sp.zeros(0, len(theta) * points)
    kept = []

    def keep(F):
        nonlocal stacked
        row = sp.Matrix.hstack(*[F.subs(p).T for p in pts])
        trial = stacked.col_join(row)
        if trial.rank() > stacked.rank():
            stacked = trial
            kept.append(F)
            return True
        return False

    new = [F for F in gens if keep(F)]
    for _ in range(max_depth - 1):
        level = []
        for F in new:
            for V in gens:
                B = sp.expand(F.jacobian(theta) * V - V.jacobian(theta) * F)
                if any(B) and keep(B):
                    level.append(B)
        if not level:
            break
        new = level
    rank = max(sp.Matrix.hstack(*[F.subs(p) for F in kept]).rank() for p in pts)
    return len(theta) - rank


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best is reported)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the direct-SymPy baseline")
    args = parser.parse_args()
    models = [m for f in ("paper.toml", "beyond.toml", "diagonal_linear.py") for m in load_models(EXAMPLES / f)]
    models += [two_layer_linear(4, 4, 4), deep_linear((3, 3, 3, 3)), two_layer(4, 4)]
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} logical cores, Python "
          f"{platform.python_version()}, SymPy {sp.__version__}; load average {os.getloadavg()[0]:.2f}; "
          f"best of {args.repeat}")
    print()
    print("| model | D | laws found | count | complete | discover (s) | count (s) | analyse (s) | proofs (s) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for m in models:
        t_discover, laws = best(lambda: discover(m), args.repeat)
        t_count, c = best(lambda: count(m), args.repeat)
        t_analyse, result = best(lambda: analyse(m), args.repeat)
        start = time.perf_counter()
        for d in law_derivations(laws):
            d.verify()
        t_proofs = time.perf_counter() - start
        print(f"| {m.name} | {m.D} | {len(laws)} | {c.count} | {'yes' if result.complete else 'not proved'} | "
              f"{t_discover:.3f} | {t_count:.3f} | {t_analyse:.3f} | {t_proofs:.2f} |")
    if args.no_baseline:
        return
    print()
    m = two_layer_linear(3, 3, 3)
    t_discover, laws = best(lambda: discover(m), args.repeat)
    t_naive_discover, n = best(lambda: naive_discover(m), 1)
    assert n == len(laws), (n, len(laws))
    t_count, c = best(lambda: count(m), args.repeat)
    t_naive_count, k = best(lambda: naive_count(m), 1)
    assert k == c.count, (k, c.count)
    print("| two-layer linear (3, 3, 3), symbolic rates | symrich (s) | direct SymPy (s) | ratio |")
    print("|---|---|---|---|")
    print(f"| discover: {n} laws | {t_discover:.3f} | {t_naive_discover:.2f} | {t_naive_discover / t_discover:.0f}x |")
    print(f"| count: {k} | {t_count:.3f} | {t_naive_count:.2f} | {t_naive_count / t_count:.0f}x |")


if __name__ == "__main__":
    main()

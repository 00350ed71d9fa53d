"""A model written by hand: the diagonal linear network f(x) = sum_i u_i v_i x_i.

Run:  symrich conservation examples/conservation/diagonal_linear.py --out build/conservation

A model file defines ``model`` (or ``models``): parameter groups (symbols, vectors or matrices of
symbols), the inputs, the output(s) as SymPy expressions, polynomial in both, and the learning rates.
Expected: one law per coordinate, eta_v u_i^2 - eta_u v_i^2, and the list is complete.
"""

import sympy as sp

from symrich.conservation import Model

d = 3
u = sp.Matrix(sp.symbols(f"u_1:{d + 1}", real=True))
v = sp.Matrix(sp.symbols(f"v_1:{d + 1}", real=True))
x = sp.Matrix(sp.symbols(f"x_1:{d + 1}", real=True))
eta_u, eta_v = sp.symbols("eta_u eta_v", positive=True)

model = Model(
    "diagonal_linear",
    parameters={"u": u, "v": v},
    inputs=x,
    outputs=sum(u[i] * v[i] * x[i] for i in range(d)),
    rates={"u": eta_u, "v": eta_v},
)

"""Export the proved closed forms as standalone code: NumPy, C99 or JAX.

``symrich export --target {numpy,c,jax} --out DIR [--functions NAME ...]`` (or
:func:`export`) prints the same SymPy expressions the in-package kernels compile
(one :func:`sympy.cse` per kernel over all its outputs) with SymPy's code
printers, and writes

``numpy``
    ``DIR/symrich_kernels.py``: depends on NumPy only.  Offers the names and
    signatures of the in-package functions (``trajectory``, ``observables``,
    ``M_matrix``, ``ntk``, ``delta_of``, and ``Phi_delta``/``grad_Phi_delta``
    when :mod:`symrich.single_neuron.bias` provides them), so switching is an
    import change.  The driver logic (validation, batching, the saddle/general
    selection, the assembly of ``w``) is the source of
    :mod:`symrich.single_neuron.driver`, copied verbatim: it is the code the package
    itself runs.
``c``
    ``DIR/symrich_kernels.c``, ``DIR/symrich_kernels.h``, ``DIR/Makefile`` and
    ``DIR/README.txt``: C99, vectorised over an array of times, ``-lm`` only.
``jax``
    ``DIR/symrich_kernels_jax.py``: ``jax.numpy`` functions without Python
    branching on traced values (``jnp.where`` with the double-where trick, and
    ``phi1(x) = expm1(x)/x`` evaluated by its Taylor series near 0), so they are
    ``jit``-able and differentiable.

Every exported function documents the formula (``sympy.latex``), its
assumptions and the derivations that prove it.

>>> import tempfile, pathlib
>>> paths = export("numpy", tempfile.mkdtemp(), functions=["delta_of"])
>>> [p.name for p in paths]
['symrich_kernels.py']
"""

from __future__ import annotations

import sys
import types
import functools
import pathlib

__all__ = ["export", "FUNCTIONS", "TARGETS", "add_cli_commands"]

#: export targets.
TARGETS = ("numpy", "c", "jax")

#: exportable functions, with the derivations that prove them.
FUNCTIONS = {
    "trajectory": ("single_neuron_riccati", "single_neuron_bernoulli", "single_neuron_closed_form"),
    "observables": ("single_neuron_observables", "single_neuron_closed_form"),
    "M_matrix": ("single_neuron_function_space", "single_neuron_regimes"),
    "ntk": ("single_neuron_function_space", "single_neuron_regimes"),
    "delta_of": ("single_neuron_conservation",),
    "Phi_delta": ("single_neuron_mirror_flow",),
    "grad_Phi_delta": ("single_neuron_mirror_flow",),
}

#: kernels each public function needs.
_NEEDS = {
    "trajectory": ("sn_general", "sn_saddle", "sn_select"),
    "observables": ("sn_general", "sn_saddle", "sn_select", "sn_observables"),
    "M_matrix": ("sn_M",),
    "ntk": ("sn_M",),
    "delta_of": ("sn_delta",),
    "Phi_delta": ("sn_phi",),
    "grad_Phi_delta": ("sn_phi",),
}

_INLINE_MARK = "# export: inline"


# --------------------------------------------------------------------------
# what is exported: the expressions the in-package kernels compile


def _bias_available():
    import importlib.util

    if importlib.util.find_spec("symrich.single_neuron.bias") is None:
        return False
    from symrich.single_neuron import implicit_bias as snb

    return all(hasattr(snb, n) for n in ("Phi_delta", "grad_Phi_delta", "_phi_kernel"))


def available_functions():
    """The exportable function names (``Phi_delta``/``grad_Phi_delta`` only when the bias module provides them).

    >>> "trajectory" in available_functions()
    True
    """
    names = [n for n in FUNCTIONS if n not in ("Phi_delta", "grad_Phi_delta")]
    if _bias_available():
        names += ["Phi_delta", "grad_Phi_delta"]
    return tuple(names)


@functools.lru_cache(maxsize=None)
def _kernels():
    """``{name: (exprs, args)}``: exactly what :mod:`symrich.single_neuron` (and the bias module) compile."""
    from symrich import single_neuron as sn
    from symrich.symbolic.single_neuron_solution import KERNEL_ARGS, OBS_ARGS, observable_exprs

    general, saddle, selector = sn._solution_exprs()
    out = {
        "sn_general": (general, KERNEL_ARGS),
        "sn_saddle": (saddle, KERNEL_ARGS),
        "sn_select": (selector, KERNEL_ARGS[1:]),
        "sn_M": sn.M_coefficient_exprs(),
        "sn_delta": sn.delta_exprs(),
        "sn_observables": (tuple(observable_exprs()), OBS_ARGS),
    }
    if _bias_available():
        from symrich.single_neuron import implicit_bias as snb

        k = snb._phi_kernel()
        out["sn_phi"] = (tuple(k.exprs), tuple(k.args))
    return out


def _arg_names(args):
    return [str(a) for a in args]


#: kernels that the package compiles with ``compile_exprs`` (``lambdify(cse=True)``: default CSE); the
#: others are numba ufuncs (``compile_ufunc``: ``optimizations="basic"``).  The export repeats the same CSE,
#: so the printed arithmetic is the package's.
_LAMBDIFY_KERNELS = ("sn_M", "sn_delta", "sn_observables", "sn_phi")


def _cse(exprs, name=""):
    import sympy as sp

    opt = None if name in _LAMBDIFY_KERNELS else "basic"
    return sp.cse(list(exprs), symbols=sp.numbered_symbols("_x"), optimizations=opt)


# --------------------------------------------------------------------------
# LaTeX documentation of each function


def _tex(expr, limit=700):
    import sympy as sp

    s = sp.latex(expr)
    return s if len(s) <= limit else s[:limit] + r" \dots"


@functools.lru_cache(maxsize=None)
def _formula_docs():
    """``{function: (formula lines, assumptions)}`` (LaTeX strings from SymPy)."""
    import sympy as sp

    from symrich.symbolic import single_neuron as ssn
    from symrich.symbolic import single_neuron_solution as sol
    from symrich.symbolic.symbols import a, delta, eta_a, eta_w, t

    chi, D, I = sp.symbols(r"\chi D I")
    gen, sad = sol.stable_general(), sol.stable_saddle()
    traj = [
        r"w(t) = p(t)\,\beta^* + c(t)\,(w_0 - \pi_0 \beta^*),\quad \pi_0 = w_0^T\beta^*/s^2,\ s^2 = \|\beta^*\|^2",
        r"\chi(t) = " + _tex(sol.chi_plain()),
        r"I(t) = " + _tex(sol.I_plain()),
        r"a = " + _tex(sp.exp(delta * t) * chi / D) + r",\quad p = " + _tex(sp.Derivative(chi, t) * sp.exp(delta * t) / (eta_a * sp.Symbol("s") ** 2 * D))
        + r",\quad c = " + _tex(1 / D) + r",\quad D = " + _tex(sp.sqrt(1 + 2 * eta_w * I)),
        r"\text{compiled (overflow-free) form: } a = \tilde a/\tilde D,\ \tilde a = " + _tex(gen.atil)
        + r",\ \tilde D = " + _tex(gen.Dt),
        r"\text{on the stable manifold } U = 0,\ \delta + \Lambda > 0: a = " + _tex(sad.a),
        r"\varphi_1(x) = (e^x - 1)/x,\ \varphi_1(0) = 1",
    ]
    traj_assume = ("whitened data X^T X = I (beta_star = X^T y); eta_a, eta_w > 0; t >= 0; "
                   "delta = eta_w a0^2 - eta_a ||w0||^2 of any sign (0 included); beta_star = 0 allowed")
    m = [
        r"M = m_\perp I + (m_\parallel - m_\perp)\,\beta\beta^T/\|\beta\|^2 = \eta_a w w^T + \eta_w a^2 I",
        r"m_\perp = " + _tex(ssn.m_perp()) + r",\quad m_\parallel = " + _tex(ssn.m_par()),
        r"\delta \ge 0: (m_\parallel - m_\perp)/\rho^2 = " + _tex(ssn.m_diff_stable_positive()),
        r"\delta < 0: m_\perp = " + _tex(ssn.m_perp_stable_negative()),
    ]
    m_assume = "eta_a, eta_w > 0; delta = eta_w a^2 - eta_a ||w||^2 of any sign; beta = 0 only with delta >= 0"
    obs = [rf"\text{{{n}}} = " + _tex(e) for n, e in zip(sol.OBS_NAMES, sol.observable_exprs())]
    obs.append(r"\text{loss} = \tfrac12 \|a w - \beta^*\|^2 \text{ (from its definition)}")
    docs = {
        "trajectory": (traj, traj_assume),
        "observables": (traj[:1] + obs, traj_assume + "; alignment NaN where w = 0 or beta_star = 0"),
        "M_matrix": (m, m_assume),
        "ntk": ([r"K = X M X^T"] + m, m_assume + "; any X (not necessarily whitened)"),
        "delta_of": ([r"\delta = " + _tex(ssn.conserved_delta(a, sp.Symbol(r"\|w\|^2")))], "eta_a, eta_w > 0"),
    }
    if _bias_available():
        from symrich.symbolic import implicit_bias as ib

        phi = [
            r"\Phi_\delta(\beta) = \varphi(\|\beta\|),\quad \varphi(\rho) = " + _tex(ib.phi()),
            r"\delta < 0: \varphi(\rho) = " + _tex(ib.phi_stable_negative()),
        ]
        grad = [
            r"\nabla\Phi_\delta(\beta) = \varphi'(\rho)\,\beta/\rho,\quad \varphi'(\rho) = " + _tex(ib.phi_prime()),
            r"\delta > 0: \varphi'(\rho)/\rho = " + _tex(ib.phi_tangential_stable_positive()),
        ]
        docs["Phi_delta"] = (phi, "eta_a, eta_w > 0; delta of any sign; rho = ||beta||")
        docs["grad_Phi_delta"] = (grad, "eta_a, eta_w > 0; not defined at beta = 0 with delta < 0 (cone point)")
    return docs


def _docstring(name, indent="    ", *, what="", examples=""):
    import sympy as sp

    import symrich

    lines_tex, assumptions = _formula_docs()[name]
    parts = [what.strip() or f"``{name}``, exported by symrich.", "", "Formula (LaTeX)::", ""]
    parts += ["    " + ln for ln in lines_tex]
    parts += ["", f"Assumptions: {assumptions}.", "",
              f"Proved in the symrich derivation(s): {', '.join(FUNCTIONS[name])} "
              f"(symrich {symrich.__version__}, SymPy {sp.__version__})."]
    if examples:
        parts += ["", examples.strip("\n")]
    lines = [ln for p in parts for ln in p.split("\n")]
    body = "\n".join((indent + ln) if ln.strip() else "" for ln in lines)
    body = body.replace('"""', r"\"\"\"")
    return 'r"""' + body.lstrip() + "\n" + indent + '"""'


def _examples_of(func):
    """The ``Examples`` section of an in-package function's docstring (re-run against the exported module)."""
    import inspect

    doc = inspect.getdoc(func) or ""
    if "Examples\n--------" in doc:
        sec = doc.split("Examples\n--------", 1)[1]
    elif ">>>" in doc:
        sec = doc[doc.index(">>>"):]
    else:
        return ""
    lines = ["Examples", "--------"] + [ln for ln in sec.strip("\n").splitlines()]
    return "\n".join(lines)


# --------------------------------------------------------------------------
# numpy target


def _numpy_printer(jax=False):
    from sympy.printing.numpy import JaxPrinter, NumPyPrinter

    from symrich.numeric.codegen import NestedMaxMin

    base = JaxPrinter if jax else NumPyPrinter
    mod = "jnp" if jax else "numpy"

    class Printer(NestedMaxMin, base):
        def _print_Piecewise(self, expr):
            # nested where (both branches are evaluated; the compiled forms keep every branch finite or unselected)
            *pairs, last = expr.args
            if last.cond != True:  # noqa: E712
                raise ValueError("Piecewise without a default branch cannot be exported")
            out = self._print(last.expr)
            for e, c in reversed(pairs):
                out = f"{mod}.where({self._print(c)}, {self._print(e)}, {out})"
            return out

        def _print_phi1(self, expr):
            return f"_phi1({self._print(expr.args[0])})"

        # SymPy's JAX printer writes jax.numpy.asarray for And/Or, which the module (importing only jax.numpy) lacks
        def _print_And(self, expr):
            return self._fold("logical_and", expr.args) if jax else super()._print_And(expr)

        def _print_Or(self, expr):
            return self._fold("logical_or", expr.args) if jax else super()._print_Or(expr)

        def _module_format(self, fqn, register=True):
            if jax and fqn.startswith("jax.numpy."):
                return "jnp." + fqn[len("jax.numpy."):]
            return super()._module_format(fqn, register)

    return Printer({"fully_qualified_modules": True})


def _python_kernel(name, exprs, args, jax=False):
    """Source of ``def name(args): return (...)`` with one CSE over all outputs."""
    printer = _numpy_printer(jax)
    reps, reduced = _cse(exprs, name)
    names = _arg_names(args)
    doc = f'    """Compiled kernel: ({", ".join(names)}) -> {len(reduced)} output(s) (SymPy-printed, one CSE)."""'
    ind = "    " if jax else "        "
    body = [f"{ind}{s} = {printer.doprint(v)}" for s, v in reps]
    outs = ", ".join(printer.doprint(e) for e in reduced)
    if jax:
        return "\n".join([f"def {name}({', '.join(names)}):", doc] + body + [f"    return ({outs},)"]) + "\n"
    return "\n".join([f"def {name}({', '.join(names)}):", doc, '    with numpy.errstate(all="ignore"):']
                     + body + [f"        return ({outs},)"]) + "\n"


def _runtime_source():
    """The source of :mod:`symrich.single_neuron.driver` with the validation helpers inlined and the docstring dropped."""
    import ast
    import inspect

    from symrich.numeric import validation
    from symrich.single_neuron import driver

    src = inspect.getsource(driver)
    tree = ast.parse(src)
    first = tree.body[0]
    lines = src.splitlines()
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        lines = lines[first.end_lineno:]
    src = "\n".join(lines) + "\n"
    src = src.replace("from __future__ import annotations\n", "")
    marked = [ln for ln in src.splitlines() if ln.rstrip().endswith(_INLINE_MARK)]
    if len(marked) != 1 or not marked[0].startswith("from symrich.numeric.validation import "):
        raise RuntimeError("export_runtime must have exactly one '# export: inline' import of symrich.numeric.validation")
    names = [n.strip() for n in marked[0].split("import", 1)[1].split("#")[0].split(",")]
    helpers = "\n\n".join(inspect.getsource(getattr(validation, n)) for n in names)
    return src.replace(marked[0] + "\n", "\n" + helpers + "\n")


def _select(functions):
    avail = available_functions()
    if functions is None:
        return list(avail)
    functions = list(functions)
    bad = [f for f in functions if f not in avail]
    if bad:
        raise ValueError(f"functions must be among {', '.join(avail)}; unknown or unavailable: {', '.join(bad)}")
    if not functions:
        raise ValueError("functions must name at least one function")
    for f, dep in (("observables", "trajectory"), ("ntk", "M_matrix")):   # observables need the trajectory, K = X M X^T
        if f in functions and dep not in functions:
            functions.append(dep)
    return [f for f in avail if f in functions]


_NUMPY_WRAPPERS = {
    "trajectory": ("def trajectory(t, a0, w0, beta_star, eta_a=1.0, eta_w=1.0, backend=\"numpy\"):",
                   "    _numpy_only(backend)\n    return run_trajectory((sn_general, sn_saddle, sn_select), t, a0, w0, beta_star, eta_a, eta_w)"),
    "observables": ("def observables(t, a0, w0, beta_star, eta_a=1.0, eta_w=1.0, backend=\"numpy\"):",
                    "    _numpy_only(backend)\n    return run_observables(trajectory, sn_observables, t, a0, w0, beta_star, eta_a, eta_w)"),
    "M_matrix": ("def M_matrix(beta, delta, eta_a=1.0, eta_w=1.0):",
                 "    return run_M_matrix(sn_M, beta, delta, eta_a, eta_w)"),
    "ntk": ("def ntk(X, beta, delta, eta_a=1.0, eta_w=1.0):",
            "    return run_ntk(sn_M, X, beta, delta, eta_a, eta_w)"),
    "delta_of": ("def delta_of(a, w, eta_a=1.0, eta_w=1.0):",
                 "    return run_delta_of(sn_delta, a, w, eta_a, eta_w)"),
    "Phi_delta": ("def Phi_delta(beta, delta, eta_a=1.0, eta_w=1.0):",
                  "    return run_Phi_delta(sn_phi, beta, delta, eta_a, eta_w)"),
    "grad_Phi_delta": ("def grad_Phi_delta(beta, delta, eta_a=1.0, eta_w=1.0):",
                       "    return run_grad_Phi_delta(sn_phi, beta, delta, eta_a, eta_w)"),
}

_WHAT = {
    "trajectory": "Exact gradient-flow trajectory ``(a(t), w(t))`` of ``f(x) = a w^T x`` on whitened data.\n\n"
                  "Returns ``a`` (B, T) and ``w`` (B, T, d); the B axis is dropped without a batch and the T axis for a scalar t.",
    "observables": "Observables of the exact trajectory (an ``Observables`` dataclass; see its docstring).",
    "M_matrix": "The preconditioner ``M`` (shape (..., d, d)) of ``beta' = -M grad L``, from ``beta`` (..., d) and ``delta``.",
    "ntk": "Neural tangent kernel ``K = X M X^T`` (shape (..., n, n)) of the single neuron, for data ``X`` (n, d).",
    "delta_of": "The conserved ``delta = eta_w a^2 - eta_a ||w||^2`` of ``a`` (...,) and ``w`` (..., d).",
    "Phi_delta": "The mirror potential ``Phi_delta(beta) = phi_delta(||beta||)`` (implicit bias).",
    "grad_Phi_delta": "Gradient of ``Phi_delta``; equals ``sign(a) w`` at ``beta = a w``.",
}


def _in_package(name):
    import importlib

    module = "symrich.single_neuron.bias" if name in ("Phi_delta", "grad_Phi_delta") else "symrich.single_neuron"
    return getattr(importlib.import_module(module), name)


def _header(target, functions):
    import sympy as sp

    import symrich

    return (f"symrich {symrich.__version__} export (target {target}), printed by SymPy {sp.__version__}.\n"
            f"Functions: {', '.join(functions)}.\n"
            "Generated file: do not edit; re-run `symrich export` instead.")


def numpy_source(functions=None):
    """The source of the standalone NumPy module (``symrich_kernels.py``).

    >>> src = numpy_source(["delta_of"])
    >>> "import sympy" in src, "def delta_of(a, w, eta_a=1.0, eta_w=1.0):" in src
    (False, True)
    """
    functions = _select(functions)
    kernels = _kernels()
    needed = sorted({k for f in functions for k in _NEEDS[f]})
    header = _header("numpy", functions)
    out = ['"""Closed forms of the single neuron (symrich), standalone: NumPy only.\n\n' + header + '\n"""',
           "", "from __future__ import annotations", "", "import dataclasses", "", "import numpy", "import numpy as np",
           "", "", "# ---- driver logic: the source of symrich.single_neuron.driver, verbatim ----", _runtime_source(), "",
           "# ---- compiled kernels (SymPy-printed, one CSE per kernel) ----", "",
           "def _numpy_only(backend):",
           "    if backend != \"numpy\":",
           "        raise ValueError(f\"backend must be 'numpy' in the exported module, got {backend!r}\")", "", ""]
    for k in needed:
        exprs, args = kernels[k]
        out += [_python_kernel(k, exprs, args), ""]
    out += ["# ---- public functions (same names and signatures as in symrich) ----", ""]
    for f in functions:
        sig, body = _NUMPY_WRAPPERS[f]
        doc = _docstring(f, what=_WHAT[f], examples=_examples_of(_in_package(f)))
        out += [sig, "    " + doc, body, "", ""]
    out += [f"__all__ = {functions + (['Observables'] if 'observables' in functions else [])!r}", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------
# C target


def _c_printer():
    from sympy.printing.c import C99CodePrinter

    class Printer(C99CodePrinter):
        def _print_Piecewise(self, expr):
            *pairs, last = expr.args
            if last.cond != True:  # noqa: E712
                raise ValueError("Piecewise without a default branch cannot be exported")
            out = self._print(last.expr)
            for e, c in reversed(pairs):
                out = f"(({self._print(c)}) ? ({self._print(e)}) : ({out}))"
            return out

    printer = Printer()
    printer.math_macros = {}  # strict C99: no M_SQRT2 and friends (POSIX, not C99)
    return printer


def _c_kernel(name, exprs, args):
    printer = _c_printer()
    reps, reduced = _cse(exprs, name)
    names = _arg_names(args)
    params = ", ".join(f"double {n}" for n in names) + ", " + ", ".join(f"double *out{k}" for k in range(len(reduced)))
    body = [f"    const double {s} = {printer.doprint(v)};" for s, v in reps]
    body += [f"    *out{k} = {printer.doprint(e)};" for k, e in enumerate(reduced)]
    return "\n".join([f"/* compiled kernel: ({', '.join(names)}) -> {len(reduced)} output(s) */",
                      f"static void {name}({params})", "{"] + body + ["}"]) + "\n"


_C_API = {
    "trajectory": ("""\
/* (a, p, c) at T times for one initial condition, from the row scalars (see symrich_row_scalars):
 * w(t_j) = p[j] beta_star + c[j] (w0 - pi0 beta_star).  The saddle form is used on the stable
 * manifold U = 0, kappa > 0 of beta = 0, the general form elsewhere. */
void symrich_trajectory_scalars(size_t T, const double *t, double a0, double pi0, double s2, double delta,
                                double eta_a, double eta_w, double *a, double *p, double *c);
/* s2 = ||beta_star||^2, pi0 = w0.beta_star / s2 (0 if s2 = 0), delta = eta_w a0^2 - eta_a ||w0||^2. */
void symrich_row_scalars(size_t d, double a0, const double *w0, const double *beta_star, double eta_a, double eta_w,
                         double *pi0, double *s2, double *delta);
/* the trajectory a[T], w[T*d] (row-major) of one initial condition (a0, w0[d]) on whitened data. */
void symrich_trajectory(size_t T, const double *t, size_t d, double a0, const double *w0, const double *beta_star,
                        double eta_a, double eta_w, double *a, double *w);""", """\
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
    *pi0 = ss > 0.0 ? wb / ss : 0.0;
    *delta = eta_w * (a0 * a0) - eta_a * ww;
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
"""),
    "observables": ("""\
/* the scalar observables (beta_norm, signed_magnitude, ntk_norm, kernel_distance, alignment) from
 * a, ||w||^2, w.beta_star, a(0), ||w(0)||^2, w(0).w, s2 = ||beta_star||^2 and d. */
void symrich_observable_scalars(double a, double w2, double wb, double a_init, double w2_init, double w0w, double s2,
                                double d, double eta_a, double eta_w, double *out5);""", """\
void symrich_observable_scalars(double a, double w2, double wb, double a_init, double w2_init, double w0w, double s2,
                                double d, double eta_a, double eta_w, double *out5)
{
    sn_observables(a, w2, wb, a_init, w2_init, w0w, s2, d, eta_a, eta_w, &out5[0], &out5[1], &out5[2], &out5[3], &out5[4]);
}
"""),
    "M_matrix": ("""\
/* M (d x d, row-major) from beta[d] and delta; returns 0, or 1 (M filled with NaN) for beta = 0 with delta < 0. */
int symrich_M_matrix(size_t d, const double *beta, double delta, double eta_a, double eta_w, double *M);""", """\
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
"""),
    "delta_of": ("""\
/* delta = eta_w a^2 - eta_a ||w||^2 */
double symrich_delta_of(size_t d, double a, const double *w, double eta_a, double eta_w);""", """\
double symrich_delta_of(size_t d, double a, const double *w, double eta_a, double eta_w)
{
    double ww = 0.0, out;
    for (size_t k = 0; k < d; ++k)
        ww += w[k] * w[k];
    sn_delta(a, ww, eta_a, eta_w, &out);
    return out;
}
"""),
    "Phi_delta": ("""\
/* the mirror potential Phi_delta(beta) */
double symrich_Phi_delta(size_t d, const double *beta, double delta, double eta_a, double eta_w);""", """\
double symrich_Phi_delta(size_t d, const double *beta, double delta, double eta_a, double eta_w)
{
    double rho2 = 0.0, plain, stable_neg, phi_prime, tangential_pos;
    for (size_t k = 0; k < d; ++k)
        rho2 += beta[k] * beta[k];
    sn_phi(sqrt(rho2), delta, eta_a, eta_w, &plain, &stable_neg, &phi_prime, &tangential_pos);
    return delta < 0.0 ? stable_neg : plain;
}
"""),
    "grad_Phi_delta": ("""\
/* grad Phi_delta(beta) into grad[d]; returns 0, or 1 (NaN) at beta = 0 with delta < 0 (cone point). */
int symrich_grad_Phi_delta(size_t d, const double *beta, double delta, double eta_a, double eta_w, double *grad);""", """\
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
"""),
}
_C_API["ntk"] = _C_API["M_matrix"]

_C_BUILD = "cc -O2 -std=c99 -c symrich_kernels.c -lm"


def c_sources(functions=None):
    """``{filename: text}`` of the C99 export (``symrich_kernels.c``, ``.h``, ``Makefile``, ``README.txt``).

    >>> files = c_sources(["delta_of"])
    >>> sorted(files)
    ['Makefile', 'README.txt', 'symrich_kernels.c', 'symrich_kernels.h']
    >>> "double symrich_delta_of(size_t d" in files["symrich_kernels.h"]
    True
    """
    functions = _select(functions)
    kernels = _kernels()
    needed = sorted({k for f in functions for k in _NEEDS[f]})
    header = _header("c", functions)
    apis = []
    for f in functions:  # ntk shares M_matrix's C function
        if _C_API[f] not in apis:
            apis.append(_C_API[f])
    docs = []
    for f in functions:
        lines_tex, assumptions = _formula_docs()[f]
        docs += [f" * {f}: proved in {', '.join(FUNCTIONS[f])}; assumptions: {assumptions}."]
        docs += [" *     " + ln.replace("*/", "* /") for ln in lines_tex]
    h = ["/* " + header.replace("\n", "\n * ") + "\n *\n * Formulas (LaTeX):\n" + "\n".join(docs) + "\n */",
         "#ifndef SYMRICH_KERNELS_H", "#define SYMRICH_KERNELS_H", "", "#include <stddef.h>", "",
         "#ifdef __cplusplus", 'extern "C" {', "#endif", ""]
    h += [decl + "\n" for decl, _ in apis]
    h += ["#ifdef __cplusplus", "}", "#endif", "", "#endif /* SYMRICH_KERNELS_H */", ""]
    c = ["/* " + header.replace("\n", "\n * ") + "\n * Build: " + _C_BUILD + " */", "",
         "#include <math.h>", "#include <stddef.h>", '#include "symrich_kernels.h"', ""]
    c += [_c_kernel(k, *kernels[k]) for k in needed]
    c += [impl for _, impl in apis]
    makefile = ("CC ?= cc\nCFLAGS ?= -O2 -std=c99\n\n"
                "symrich_kernels.o: symrich_kernels.c symrich_kernels.h\n"
                "\t$(CC) $(CFLAGS) -c symrich_kernels.c -lm\n\n"
                "libsymrich_kernels.so: symrich_kernels.c symrich_kernels.h\n"
                "\t$(CC) $(CFLAGS) -fPIC -shared -o libsymrich_kernels.so symrich_kernels.c -lm\n")
    readme = (header + "\n\nBuild (C99, needs only the C math library):\n\n    " + _C_BUILD + "\n\n"
              "or `make` (object file) / `make libsymrich_kernels.so` (shared library, e.g. for ctypes).\n"
              "Link your program with -lm.  The API and the formulas are documented in symrich_kernels.h.\n"
              "Do not compile with -ffast-math: the kernels rely on IEEE infinities and exact comparisons with 0.\n")
    return {"symrich_kernels.c": "\n".join(c), "symrich_kernels.h": "\n".join(h), "Makefile": makefile, "README.txt": readme}


# --------------------------------------------------------------------------
# JAX target


@functools.lru_cache(maxsize=None)
def _jax_kernels():
    """Kernels for JAX: phi1 kept (printed as the helper ``_phi1``), the ``delta >= 0`` Piecewise split in two."""
    from symrich.symbolic import single_neuron_solution as sol
    from symrich.symbolic.single_neuron_solution import KERNEL_ARGS

    gen, sad = sol.stable_general(stable_rates=True), sol.stable_saddle(stable_rates=True)
    general = (gen.a, gen.p, gen.c)
    pos = tuple(e.xreplace({gen.T1: gen.T1_pos}) for e in general)
    neg = tuple(e.xreplace({gen.T1: gen.T1_neg}) for e in general)
    out = dict(_kernels())
    out["sn_general"] = None
    out["sn_general_pos"] = (pos, KERNEL_ARGS)
    out["sn_general_neg"] = (neg, KERNEL_ARGS)
    out["sn_saddle"] = ((sad.a, sad.p, sad.c), KERNEL_ARGS)
    out["sn_select"] = ((sol.saddle_A(), gen.kappa), KERNEL_ARGS[1:])
    return out


_JAX_NEEDS = {
    "trajectory": ("sn_general_pos", "sn_general_neg", "sn_saddle", "sn_select"),
    "observables": ("sn_general_pos", "sn_general_neg", "sn_saddle", "sn_select", "sn_observables"),
    "M_matrix": ("sn_M",), "ntk": ("sn_M",), "delta_of": ("sn_delta",),
    "Phi_delta": ("sn_phi",), "grad_Phi_delta": ("sn_phi",),
}

_JAX_PRELUDE = '''
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
'''

_JAX_FUNCS = {
    "trajectory": '''
def trajectory_scalars(t, a0, pi0, s2, delta, eta_a=1.0, eta_w=1.0):
    {doc}
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
    pos = s2 > 0
    pi0 = jnp.where(pos, jnp.sum(w0 * bs, axis=-1) / jnp.where(pos, s2, 1.0), 0.0)
    delta = eta_w * a0**2 - eta_a * jnp.sum(w0 * w0, axis=-1)
    batch = jnp.broadcast_shapes(a0.shape, w0.shape[:-1], bs.shape[:-1])
    tt = jnp.reshape(t, (-1,))
    col = lambda x: jnp.expand_dims(jnp.broadcast_to(x, batch), -1)  # noqa: E731
    a, p, c = trajectory_scalars(tt, col(a0), col(pi0), col(s2), col(delta), eta_a, eta_w)
    wperp = w0 - jnp.expand_dims(pi0, -1) * bs
    w = jnp.expand_dims(p, -1) * jnp.expand_dims(bs, -2) + jnp.expand_dims(c, -1) * jnp.expand_dims(wperp, -2)
    d = w0.shape[-1]
    return jnp.reshape(a, batch + t.shape), jnp.reshape(w, batch + t.shape + (d,))
''',
    "observables": '''
def observables(t, a0, w0, beta_star, eta_a=1.0, eta_w=1.0):
    {doc}
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
    out = dict(zip(("beta_norm", "signed_magnitude", "ntk_norm", "kernel_distance", "alignment"),
                   (jnp.broadcast_to(v, a.shape) for v in vals)))
    out.update(a=a, w=w, loss=jnp.sum(resid * resid, axis=-1) / 2)
    return out
''',
    "M_matrix": '''
def M_matrix(beta, delta, eta_a=1.0, eta_w=1.0):
    {doc}
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
''',
    "ntk": '''
def ntk(X, beta, delta, eta_a=1.0, eta_w=1.0):
    {doc}
    X = jnp.asarray(X, dtype=float)
    return jnp.einsum("id,...de,je->...ij", X, M_matrix(beta, delta, eta_a, eta_w), X)
''',
    "delta_of": '''
def delta_of(a, w, eta_a=1.0, eta_w=1.0):
    {doc}
    w = jnp.asarray(w, dtype=float)
    return sn_delta(jnp.asarray(a, dtype=float), jnp.sum(w * w, axis=-1), eta_a, eta_w)[0]
''',
    "Phi_delta": '''
def Phi_delta(beta, delta, eta_a=1.0, eta_w=1.0):
    {doc}
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
''',
    "grad_Phi_delta": '''
def grad_Phi_delta(beta, delta, eta_a=1.0, eta_w=1.0):
    {doc}
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
''',
}


def jax_source(functions=None):
    """The source of the JAX module (``symrich_kernels_jax.py``): ``jax.numpy`` only, no Python branching on values.

    >>> src = jax_source(["delta_of"])
    >>> "import jax.numpy as jnp" in src, " if " in src
    (True, False)
    """
    functions = _select(functions)
    kernels = _jax_kernels()
    needed = sorted({k for f in functions for k in _JAX_NEEDS[f]})
    header = _header("jax", functions)
    out = ['"""Closed forms of the single neuron (symrich) in jax.numpy: jit-able and differentiable.\n\n' + header
           + "\n\nNo input validation: the arguments may be traced.  Where the in-package function raises\n"
           "ValueError (beta = 0 with delta < 0) these return NaN.\n" + '"""',
           "", "import jax.numpy as jnp", "", _JAX_PRELUDE, ""]
    for k in needed:
        exprs, args = kernels[k]
        out += [_python_kernel(k, exprs, args, jax=True), ""]
    public = []
    for f in functions:
        doc = _docstring(f, what=_WHAT[f])
        out.append(_JAX_FUNCS[f].replace("{doc}", doc))
        public += (["trajectory_scalars"] if f == "trajectory" else []) + [f]
    out += ["", f"__all__ = {public!r}", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------
# API and CLI


def export(target, out_dir, functions=None):
    """Write the closed forms as standalone code for ``target`` into ``out_dir``; return the written paths.

    Parameters
    ----------
    target : {"numpy", "c", "jax"}
    out_dir : str or path
        Created if missing; existing files of the same names are overwritten.
    functions : sequence of str, optional
        Subset of :func:`available_functions` (default: all).

    Returns
    -------
    list of pathlib.Path

    Examples
    --------
    >>> import tempfile
    >>> [p.name for p in export("c", tempfile.mkdtemp(), functions=["M_matrix"])]
    ['symrich_kernels.c', 'symrich_kernels.h', 'Makefile', 'README.txt']
    """
    if target not in TARGETS:
        raise ValueError(f"target must be one of {', '.join(TARGETS)}, got {target!r}")
    if isinstance(functions, str):
        functions = [functions]
    out = pathlib.Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"out_dir must be a directory, got the file {out}")
    if target == "numpy":
        files = {"symrich_kernels.py": numpy_source(functions)}
    elif target == "c":
        files = c_sources(functions)
    else:
        files = {"symrich_kernels_jax.py": jax_source(functions)}
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in files.items():
        path = out / name
        path.write_text(text)
        paths.append(path)
    return paths


def cmd_export(args) -> int:
    import sys

    try:
        paths = export(args.target, args.out, args.functions)
    except ValueError as exc:
        print(f"symrich export: {exc}", file=sys.stderr)
        return 2
    for p in paths:
        print(p)
    return 0


def add_cli_commands(subparsers):
    """Add ``symrich export --target {numpy,c,jax} --out DIR [--functions NAME ...]``.

    >>> import argparse
    >>> p = argparse.ArgumentParser(); sub = p.add_subparsers()
    >>> add_cli_commands(sub)
    >>> p.parse_args(["export", "--target", "c", "--out", "x"]).target
    'c'
    """
    e = subparsers.add_parser("export", help="write the closed forms as standalone NumPy, C99 or JAX code")
    e.add_argument("--target", required=True, choices=TARGETS, help="code to write")
    e.add_argument("--out", required=True, metavar="DIR", help="output folder (created if missing)")
    e.add_argument("--functions", nargs="+", metavar="NAME",
                   help="functions to export (default: all): " + ", ".join(FUNCTIONS))
    e.set_defaults(func=cmd_export)


class _CallableModule(types.ModuleType):
    """Makes ``symrich.export(target, out_dir, functions=None)`` call :func:`export`.

    The module stays a module (``symrich.export.numpy_source`` and the rest work).
    """

    def __call__(self, target, out_dir, functions=None):
        return export(target, out_dir, functions)


sys.modules[__name__].__class__ = _CallableModule

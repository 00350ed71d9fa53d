"""What is exported, and the interface every target implements.

* :data:`EXPORTED`: the exportable functions, with the derivations that prove them, the
  kernels they need and what they compute;
* :func:`formula_docs`: their formulas in LaTeX (printed by SymPy from the expressions the
  kernels compile) and their assumptions;
* :class:`CodeGenerator`: the base of the targets (:mod:`symrich.export.numpy_code`,
  :mod:`symrich.export.c_code`, :mod:`symrich.export.jax_code`), organised like the code
  generators of PyDy (``pydy.codegen``): a subclass per language prints the kernels and fills
  the templates of ``symrich/export/templates/<target>/``.

The kernels are those of the package (:data:`symrich.single_neuron.kernels.KERNELS`, with the
same ``sympy.cse`` settings), so the exported arithmetic is the package's.

>>> [f for f in EXPORTED][:3]
['trajectory', 'observables', 'M_matrix']
>>> CodeGenerator.select(["ntk"])
['M_matrix', 'ntk']
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.resources
import pathlib
import re

from symrich.single_neuron.kernels import KERNELS

__all__ = ["ExportedFunction", "EXPORTED", "formula_docs", "CodeGenerator"]


@dataclasses.dataclass(frozen=True)
class ExportedFunction:
    """One exportable function.

    Attributes
    ----------
    name : str
        Its name, the same as in :mod:`symrich.single_neuron`.
    derivations : tuple of str
        The derivations that prove its formulas.
    kernels : tuple of str
        The kernels of :data:`symrich.single_neuron.kernels.KERNELS` it calls.
    needs : tuple of str
        Exported functions it calls (exported with it).
    what : str
        One-line description (the first line of its exported docstring).
    targets : tuple of str
        The export targets that have it (``wide_trajectory``, a loop over Householder
        reflections rather than SymPy-printed formulas, is exported for NumPy only).

    Examples
    --------
    >>> EXPORTED["ntk"].needs, EXPORTED["wide_trajectory"].targets
    (('M_matrix',), ('numpy',))
    """

    name: str
    derivations: tuple
    kernels: tuple
    needs: tuple = ()
    what: str = ""
    targets: tuple = ("numpy", "c", "jax")


_TRAJECTORY_KERNELS = ("sn_rows", "sn_general", "sn_saddle", "sn_select")

#: the exportable functions, in the order they are written.
EXPORTED = {f.name: f for f in (
    ExportedFunction("trajectory", ("single_neuron_riccati", "single_neuron_bernoulli", "single_neuron_closed_form"),
                     _TRAJECTORY_KERNELS,
                     what="Exact gradient-flow trajectory ``(a(t), w(t))`` of ``f(x) = a w^T x`` on whitened data.\n\n"
                          "Returns ``a`` (B, T) and ``w`` (B, T, d); the B axis is dropped without a batch and the T "
                          "axis for a scalar t."),
    ExportedFunction("observables", ("single_neuron_observables", "single_neuron_closed_form"),
                     _TRAJECTORY_KERNELS + ("sn_observables",), needs=("trajectory",),
                     what="Observables of the exact trajectory (an ``Observables`` dataclass; see its docstring)."),
    ExportedFunction("M_matrix", ("single_neuron_function_space", "single_neuron_regimes"), ("sn_M",),
                     what="The preconditioner ``M`` (shape (..., d, d)) of ``beta' = -M grad L``, from ``beta`` "
                          "(..., d) and ``delta``."),
    ExportedFunction("ntk", ("single_neuron_function_space", "single_neuron_regimes"), ("sn_M",), needs=("M_matrix",),
                     what="Neural tangent kernel ``K = X M X^T`` (shape (..., n, n)) of the single neuron, for data "
                          "``X`` (n, d)."),
    ExportedFunction("delta_of", ("single_neuron_conservation",), ("sn_delta",),
                     what="The conserved ``delta = eta_w a^2 - eta_a ||w||^2`` of ``a`` (...,) and ``w`` (..., d)."),
    ExportedFunction("Phi_delta", ("single_neuron_mirror_flow",), ("sn_phi",),
                     what="The mirror potential ``Phi_delta(beta) = phi_delta(||beta||)`` (implicit bias)."),
    ExportedFunction("grad_Phi_delta", ("single_neuron_mirror_flow",), ("sn_phi",),
                     what="Gradient of ``Phi_delta``; equals ``sign(a) w`` at ``beta = a w``."),
    ExportedFunction("wide_trajectory", ("wide_linear_conservation", "wide_linear_closed_form"), (),
                     what="Exact gradient-flow trajectory of a lambda-balanced two-layer linear network ``f(x) = W2 W1 x``"
                          " on whitened data\n(``symrich.wide_linear.trajectory`` with ``backend=\"numpy\"``).\n\n"
                          "Returns a ``WideTrajectory`` with ``beta = W2 W1`` (..., T, c, d), ``W1TW1`` (..., T, d, d), "
                          "``W2W2T`` (..., T, c, c),\nrepresentative layers ``W1`` (..., T, h, d), ``W2`` (..., T, c, h) "
                          "and ``lam`` (...); the T axis is dropped for a scalar t.",
                     targets=("numpy",)),
)}


def _tex(expr, limit=700):
    import sympy as sp

    s = sp.latex(expr)
    return s if len(s) <= limit else s[:limit] + r" \dots"


@functools.lru_cache(maxsize=None)
def formula_docs():
    """``{function: (formula lines, assumptions)}``: LaTeX strings printed by SymPy from the proved expressions.

    >>> lines, assumptions = formula_docs()["delta_of"]
    >>> print(lines[0])
    \\delta = - \\|w\\|^{2} \\eta_{a} + a^{2} \\eta_{w}
    """
    import sympy as sp

    from symrich.symbolic import implicit_bias as ib
    from symrich.symbolic import single_neuron as ssn
    from symrich.symbolic import single_neuron_solution as sol
    from symrich.symbolic import wide_linear_closed_form as wcf
    from symrich.symbolic.single_neuron_kernels import OBS_NAMES, observable_exprs
    from symrich.symbolic.symbols import a, delta, eta_a, eta_w, t

    chi, D = sp.symbols(r"\chi D")
    gen, sad = sol.stable_general(), sol.stable_saddle()
    traj = [
        r"w(t) = p(t)\,\beta^* + c(t)\,(w_0 - \pi_0 \beta^*),\quad \pi_0 = w_0^T\beta^*/s^2,\ s^2 = \|\beta^*\|^2",
        r"\chi(t) = " + _tex(sol.chi_plain()),
        r"I(t) = " + _tex(sol.I_plain()),
        r"a = " + _tex(sp.exp(delta * t) * chi / D) + r",\quad p = "
        + _tex(sp.Derivative(chi, t) * sp.exp(delta * t) / (eta_a * sp.Symbol("s") ** 2 * D))
        + r",\quad c = " + _tex(1 / D) + r",\quad D = " + _tex(sp.sqrt(1 + 2 * eta_w * sp.Symbol("I"))),
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
    obs = [rf"\text{{{n}}} = " + _tex(e) for n, e in zip(OBS_NAMES, observable_exprs()[0])]
    obs.append(r"\text{loss} = \tfrac12 \|a w - \beta^*\|^2 \text{ (from its definition)}")
    phi = [
        r"\Phi_\delta(\beta) = \varphi(\|\beta\|),\quad \varphi(\rho) = " + _tex(ib.phi()),
        r"\delta < 0: \varphi(\rho) = " + _tex(ib.phi_stable_negative()),
    ]
    grad = [
        r"\nabla\Phi_\delta(\beta) = \varphi'(\rho)\,\beta/\rho,\quad \varphi'(\rho) = " + _tex(ib.phi_prime()),
        r"\delta > 0: \varphi'(\rho)/\rho = " + _tex(ib.phi_tangential_stable_positive()),
    ]
    wide = [
        r"\frac{dQ}{d\tau} = F Q - \tfrac12 Q Q^T Q,\quad Q = \begin{pmatrix} W_1^T/\sqrt{\eta_w} \\ W_2/\sqrt{\eta_a}"
        r"\end{pmatrix},\quad \tau = k^2 t,\ k = \sqrt{\eta_a\eta_w},\ \lambda' = \lambda/k^2",
        r"F = " + _tex(wcf.scaled_flow().F),
        r"P = Q Q^T:\ \frac{dP}{d\tau} = F P + P F - P^2,\quad P(\tau) = e^{F\tau} Q_0 \Gamma^{-1} Q_0^T e^{F\tau},\ "
        r"\Gamma = I_h + Q_0^T \Big(\int_0^\tau e^{2Fs} ds\Big) Q_0",
        r"P = \begin{pmatrix} W_1^T W_1/\eta_w & \beta^T/k \\ \beta/k & W_2 W_2^T/\eta_a \end{pmatrix},\quad \beta = W_2 W_1",
        r"\text{evaluated as } E^T P E = (C Q_1)(C Q_1)^T,\ F = E\,\mathrm{diag}(\mu) E^T,\ C = \mathrm{diag}"
        r"(e^{\mu_i\tau}/\sqrt{\phi_i}),\ \phi_i = (e^{2\mu_i\tau} - 1)/(2\mu_i),\ "
        r"\begin{pmatrix} \Phi^{1/2} Z \\ I_h \end{pmatrix} = \begin{pmatrix} Q_1 \\ Q_2 \end{pmatrix} T,\ Z = E^T Q_0"
        r"\ \text{(graded QR, logarithms of } \phi_i \text{ only)}",
    ]
    wide_assume = ("whitened data X X^T = I (samples as columns), S = Y X^T (c x d); eta_a, eta_w > 0; t >= 0; "
                   "Delta = eta_w W2^T W2 - eta_a W1 W1^T = lambda I_h at t = 0, lambda of any sign; any widths")
    return {
        "wide_trajectory": (wide, wide_assume),
        "trajectory": (traj, traj_assume),
        "observables": (traj[:1] + obs, traj_assume + "; alignment NaN where w = 0 or beta_star = 0"),
        "M_matrix": (m, m_assume),
        "ntk": ([r"K = X M X^T"] + m, m_assume + "; any X (not necessarily whitened)"),
        "delta_of": ([r"\delta = " + _tex(ssn.conserved_delta(a, sp.Symbol(r"\|w\|^2")))], "eta_a, eta_w > 0"),
        "Phi_delta": (phi, "eta_a, eta_w > 0; delta of any sign; rho = ||beta||"),
        "grad_Phi_delta": (grad, "eta_a, eta_w > 0; not defined at beta = 0 with delta < 0 (cone point)"),
    }


_MARKER = re.compile(r"^(?:# |/\* )symrich-export: (\w+)(?: \*/)?\s*$")


class CodeGenerator:
    """Base of the export targets: which functions, which kernels, their documentation, the templates.

    A subclass sets :attr:`target` and implements :meth:`files`; :meth:`write` writes them.

    Parameters
    ----------
    functions : sequence of str, optional
        Functions to export (default: all of :data:`EXPORTED`); the functions they call are added.

    Examples
    --------
    >>> gen = CodeGenerator(["observables"])
    >>> gen.functions, gen.kernel_names()
    (['trajectory', 'observables'], ['sn_general', 'sn_observables', 'sn_rows', 'sn_saddle', 'sn_select'])
    """

    #: the name of the target (``symrich export --target``).
    target = ""
    #: the kernels this target prints, by name (a target may replace some by variants).
    kernel_defs = KERNELS

    def __init__(self, functions=None):
        self.functions = self.select(functions, self.target or None)

    @staticmethod
    def select(functions, target=None):
        """The functions to export, in the order of :data:`EXPORTED`, with the functions they call.

        With a ``target``, only the functions that target has (all of them by default; naming
        another is an error).
        """
        offered = [f for f, e in EXPORTED.items() if target is None or target in e.targets]
        if functions is None:
            return offered
        if isinstance(functions, str):
            functions = [functions]
        elif isinstance(functions, (list, tuple)):
            functions = list(functions)
        else:
            raise TypeError(f"functions must be a str or a list of str, got {type(functions).__name__}")
        bad = [f for f in functions if not isinstance(f, str) or f not in EXPORTED]
        if bad:
            raise ValueError(f"functions must be among {', '.join(EXPORTED)}; unknown: {', '.join(map(str, bad))}")
        if not functions:
            raise ValueError("functions must name at least one function")
        missing = [f for f in functions if f not in offered]
        if missing:
            raise ValueError(f"{', '.join(missing)} cannot be exported to {target} (only to "
                             f"{', '.join(EXPORTED[missing[0]].targets)}); the {target} target has: {', '.join(offered)}")
        chosen = set(functions)
        for f in functions:
            chosen.update(EXPORTED[f].needs)
        return [f for f in EXPORTED if f in chosen]

    def function_kernels(self, name):
        """The kernels the exported function ``name`` calls, in this target."""
        return EXPORTED[name].kernels

    def kernel_names(self):
        """Every kernel the selected functions call, sorted."""
        return sorted({k for f in self.functions for k in self.function_kernels(f)})

    def kernels(self):
        """``[(name, exprs, args, optimizations, outputs)]`` of :meth:`kernel_names`, from the symbolic layer."""
        out = []
        for name in self.kernel_names():
            kdef = self.kernel_defs[name]
            exprs, args = kdef.exprs()
            out.append((name, exprs, args, kdef.optimizations, kdef.output_names()))
        return out

    def header(self):
        """The provenance note at the top of every written file."""
        import sympy as sp

        import symrich

        return (f"symrich {symrich.__version__} export (target {self.target}), printed by SymPy {sp.__version__}.\n"
                f"Functions: {', '.join(self.functions)}.\n"
                "Generated file: do not edit; re-run `symrich export` instead.")

    def docstring(self, name, indent="    ", examples=""):
        """The docstring of an exported function: what it does, its formulas (LaTeX), assumptions, derivations."""
        import sympy as sp

        import symrich

        lines_tex, assumptions = formula_docs()[name]
        f = EXPORTED[name]
        parts = [f.what, "", "Formula (LaTeX)::", ""] + ["    " + ln for ln in lines_tex]
        parts += ["", f"Assumptions: {assumptions}.", "",
                  f"Proved in the symrich derivation(s): {', '.join(f.derivations)} "
                  f"(symrich {symrich.__version__}, SymPy {sp.__version__})."]
        if examples:
            parts += ["", examples.strip("\n")]
        lines = [ln for p in parts for ln in p.split("\n")]
        body = "\n".join((indent + ln) if ln.strip() else "" for ln in lines).replace('"""', r"\"\"\"")
        return 'r"""' + body.lstrip() + "\n" + indent + '"""'

    def template(self, filename):
        """The text of ``templates/<target>/<filename>``."""
        return (importlib.resources.files("symrich.export") / "templates" / self.target / filename).read_text()

    def sections(self, filename):
        """``{name: text}`` of a template split at its ``symrich-export: NAME`` marker lines."""
        out, name = {}, None
        for line in self.template(filename).splitlines(keepends=True):
            m = _MARKER.match(line)
            if m:
                name = m.group(1)
                out[name] = ""
            elif name is not None:
                out[name] += line
        return {k: v.strip("\n") + "\n" for k, v in out.items()}

    def files(self):
        """``{filename: text}`` of the export."""
        raise NotImplementedError

    def write(self, out_dir):
        """Write :meth:`files` into ``out_dir`` (created if missing); return the written paths in order."""
        out = pathlib.Path(out_dir)
        if out.exists() and not out.is_dir():
            raise ValueError(f"out_dir must be a directory, got the file {out}")
        files = self.files()
        paths = []
        try:
            out.mkdir(parents=True, exist_ok=True)
            for name, text in files.items():
                path = out / name
                path.write_text(text)
                paths.append(path)
        except OSError as exc:
            raise OSError(exc.errno, f"cannot write the export into {out}: {exc.strerror or exc}") from exc
        return paths

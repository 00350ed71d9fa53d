"""The NumPy target: a standalone module ``symrich_kernels.py`` that needs only NumPy.

It has the names and signatures of the package's functions, so switching is an import
change.  Its parts:

* the driver logic: the source of :mod:`symrich.numeric.validation` and of
  :mod:`symrich.single_neuron.driver`, copied verbatim (:func:`driver_source`): the input
  checks, batching, row scalars, saddle/general selection and assembly the package runs;
* the kernels, printed by SymPy (:func:`symrich.numeric.codegen.array_function_source`, the
  printer of the package's own NumPy kernels);
* the public functions, from ``templates/numpy/functions.py``;
* for ``wide_trajectory``, the wide network's closed form (:func:`wide_kernel_source`): the
  functions of :mod:`symrich.wide_linear.riccati` (:data:`~symrich.wide_linear.riccati.KERNEL_FUNCTIONS`,
  the code the package compiles with numba, here run as plain Python on NumPy arrays), copied verbatim.

The trajectory is evaluated point by point by the stable form (:func:`symrich.single_neuron.driver.pointwise_solver`,
the form of ``solution_kernels``), whereas the package's float ``trajectory`` runs the fused numba
loop of the two-exponential form (proved equal in ``single_neuron_closed_form``; both agree with
the 30-digit kernel to 1e-12 in the tests).

>>> src = NumPyGenerator(["delta_of"]).source()
>>> "import sympy" in src, "def delta_of(a, w, eta_a=1.0, eta_w=1.0):" in src
(False, True)
"""

from __future__ import annotations

import ast
import inspect

from symrich.export.base import CodeGenerator

__all__ = ["NumPyGenerator", "driver_source", "wide_kernel_source"]

_INLINE_MARK = "# export: inline"


def _body(module, drop_line=None):
    """The source of ``module`` without its docstring, ``from __future__`` import, ``__all__`` and ``drop_line``."""
    src = inspect.getsource(module)
    lines = src.splitlines()
    drop = set()
    for node in ast.parse(src).body:
        docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and node.lineno == 1
        future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
        names = isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets)
        if docstring or future or names:
            drop.update(range(node.lineno - 1, node.end_lineno))
    drop.update(i for i, ln in enumerate(lines) if drop_line is not None and ln == drop_line)
    return "\n".join(ln for i, ln in enumerate(lines) if i not in drop).strip("\n") + "\n"


def driver_source():
    """The source of :mod:`symrich.numeric.validation` and :mod:`symrich.single_neuron.driver`, as one NumPy-only block.

    The driver's ``# export: inline`` import of the validation helpers is replaced by their source.

    >>> src = driver_source()
    >>> "def as_array(" in src and "def run_trajectory(" in src, "from symrich" in src
    (True, False)
    """
    from symrich.numeric import validation
    from symrich.single_neuron import driver

    marked = [ln for ln in inspect.getsource(driver).splitlines() if ln.rstrip().endswith(_INLINE_MARK)]
    if len(marked) != 1 or not marked[0].startswith("from symrich.numeric.validation import "):
        raise RuntimeError("the driver must have exactly one '# export: inline' import of symrich.numeric.validation")
    return _body(validation) + "\n\n" + _body(driver, drop_line=marked[0])


def wide_kernel_source():
    """The module constants and kernel functions of :mod:`symrich.wide_linear.riccati`, NumPy only.

    The kernel functions are those of :data:`symrich.wide_linear.riccati.KERNEL_FUNCTIONS`, in order (callees
    first), with the module's constants (``exp``, ``log``... from :mod:`math`, ``DTYPE``, the largest log-gap).

    >>> src = wide_kernel_source()
    >>> "def householder_qr(" in src and "def prepare(" in src, "numba" in src, "mpmath" in src
    (True, False, False)
    """
    from symrich.wide_linear import riccati

    src = inspect.getsource(riccati)
    lines = src.splitlines()
    constants = [node for node in ast.parse(src).body if isinstance(node, ast.Assign)
                 and not any(getattr(t, "id", None) in ("__all__", "KERNEL_FUNCTIONS") for t in node.targets)]
    out = ["import math", ""] + ["\n".join(lines[n.lineno - 1:n.end_lineno]) for n in constants] + [""]
    for name in riccati.KERNEL_FUNCTIONS:
        out += ["", inspect.getsource(getattr(riccati, name)).rstrip("\n"), ""]
    return "\n".join(out) + "\n"


class NumPyGenerator(CodeGenerator):
    """``symrich_kernels.py``: the driver, the kernels printed for NumPy and the public functions.

    Examples
    --------
    >>> sorted(NumPyGenerator(["M_matrix"]).files())
    ['symrich_kernels.py']
    """

    target = "numpy"

    def source(self):
        """The text of ``symrich_kernels.py``."""
        from symrich.numeric.codegen import array_function_source

        sections = self.sections("functions.py")
        out = ['"""Closed forms of the single neuron and the wide linear network (symrich), standalone: NumPy only.\n\n'
               + self.header() + '\n"""',
               "", "from __future__ import annotations", "", "import numpy", "",
               "", "# ---- driver logic: the source of symrich.numeric.validation and symrich.single_neuron.driver ----",
               "", driver_source(), "",
               "# ---- compiled kernels (SymPy-printed, one CSE per kernel) ----", ""]
        for name, exprs, args, optimizations, outputs in self.kernels():
            out += [array_function_source(name, exprs, args, optimizations=optimizations, outputs=outputs), ""]
        if "wide_trajectory" in self.functions:
            out += ["# ---- wide linear network: the source of symrich.wide_linear.riccati (KERNEL_FUNCTIONS) ----", "",
                    wide_kernel_source(), "", sections["wide_prelude"], ""]
        out += ["# ---- public functions (same names and signatures as in symrich) ----", "", sections["prelude"], ""]
        for f in self.functions:
            doc = self.docstring(f, examples=_examples_of(f))
            out += [sections[f].replace('"""{{doc}}"""', doc), ""]
        classes = [c for f, c in (("observables", "Observables"), ("wide_trajectory", "WideTrajectory"))
                   if f in self.functions]
        out += [f"__all__ = {self.functions + classes!r}", ""]
        return "\n".join(out)

    def files(self):
        return {"symrich_kernels.py": self.source()}


#: the example of the exported ``wide_trajectory`` (the package's needs its initialisation helpers).
_WIDE_EXAMPLES = """Examples
--------
The single neuron (``h = c = 1``, ``lambda = eta_w a0^2 - eta_a ||w0||^2 = 0.09 - 1.25``):

>>> sol = wide_trajectory([0.0, 2.0, 1e6], [[1.0, -0.5]], [[0.3]], [[0.0, 1.5]])
>>> sol.beta.shape, round(float(sol.lam), 12), [round(float(x), 9) for x in sol.beta[-1, 0]]
((3, 1, 2), -1.16, [0.0, 1.5])
"""


def _examples_of(name):
    """The ``Examples`` section of the package function's docstring (re-run against the exported module)."""
    import symrich.single_neuron

    if name == "wide_trajectory":
        return _WIDE_EXAMPLES
    doc = inspect.getdoc(getattr(symrich.single_neuron, name)) or ""
    if "Examples\n--------" in doc:
        sec = doc.split("Examples\n--------", 1)[1]
    elif ">>>" in doc:
        sec = doc[doc.index(">>>"):]
    else:
        return ""
    return "\n".join(["Examples", "--------"] + sec.strip("\n").splitlines())

"""The JAX target: ``symrich_kernels_jax.py``, ``jax.numpy`` functions that are ``jit``-able and differentiable.

No Python branching on traced values: the choice of forms is ``jnp.where`` with the
double-where trick (each branch only sees inputs where it is finite), so the general form is
printed twice, with the piece ``T1`` for ``delta >= 0`` and for ``delta < 0``
(``sn_general_pos``, ``sn_general_neg``), and ``phi1(x) = expm1(x)/x`` is kept (printed as
the helper ``_phi1``, a Taylor series near 0 with exact derivatives).

>>> src = JaxGenerator(["delta_of"]).source()
>>> "import jax.numpy as jnp" in src, " if " in src
(True, False)
"""

from __future__ import annotations

from symrich.export.base import CodeGenerator
from symrich.single_neuron.kernels import KERNELS, KernelDef

__all__ = ["JaxGenerator", "jax_printer"]

_RAW_PHI1 = (("indicator_phi1", False),)


def jax_printer():
    """SymPy's JAX printer writing ``jnp.``, with broadcasting ``Max``/``And``/``where`` and ``phi1`` as ``_phi1``.

    >>> import sympy as sp
    >>> from symrich.symbolic.special import phi1
    >>> jax_printer().doprint(phi1(sp.Symbol("x")) + sp.Max(sp.Symbol("y"), 0))
    '_phi1(x) + jnp.maximum(0, y)'
    """
    from sympy.printing.numpy import JaxPrinter

    from symrich.numeric.codegen import ArrayPrinterMixin

    class Printer(ArrayPrinterMixin, JaxPrinter):
        def _print_phi1(self, expr):
            return f"_phi1({self._print(expr.args[0])})"

        def _module_format(self, fqn, register=True):
            if fqn.startswith("jax.numpy."):
                return "jnp." + fqn[len("jax.numpy."):]
            return super()._module_format(fqn, register)

    return Printer({"fully_qualified_modules": True})


class JaxGenerator(CodeGenerator):
    """``symrich_kernels_jax.py``: the kernels printed for ``jax.numpy`` and the public functions.

    Examples
    --------
    >>> JaxGenerator(["trajectory"]).kernel_names()
    ['sn_general_neg', 'sn_general_pos', 'sn_rows', 'sn_saddle', 'sn_select']
    """

    target = "jax"
    kernel_defs = {
        **KERNELS,
        "sn_general_pos": KernelDef("general_exprs", (("branch", "nonnegative"),) + _RAW_PHI1, optimizations="basic"),
        "sn_general_neg": KernelDef("general_exprs", (("branch", "negative"),) + _RAW_PHI1, optimizations="basic"),
        "sn_saddle": KernelDef("saddle_exprs", _RAW_PHI1, optimizations="basic"),
    }

    def function_kernels(self, name):
        kernels = []
        for k in super().function_kernels(name):
            kernels += ["sn_general_pos", "sn_general_neg"] if k == "sn_general" else [k]
        return tuple(kernels)

    def source(self):
        """The text of ``symrich_kernels_jax.py``."""
        from symrich.numeric.codegen import array_function_source

        sections = self.sections("functions.py")
        printer = jax_printer()
        out = ['"""Closed forms of the single neuron (symrich) in jax.numpy: jit-able and differentiable.\n\n'
               + self.header() + "\n\nNo input validation: the arguments may be traced.  Where the in-package "
               "function raises\nValueError (beta = 0 with delta < 0) these return NaN.\n" + '"""',
               "", "import jax.numpy as jnp", "", "", sections["prelude"], ""]
        for name, exprs, args, optimizations, outputs in self.kernels():
            out += [array_function_source(name, exprs, args, printer=printer, optimizations=optimizations,
                                          outputs=outputs, errstate=False), ""]
        public = []
        for f in self.functions:
            out += [sections[f].replace('"""{{doc}}"""', self.docstring(f), 1), ""]
            public += (["trajectory_scalars"] if f == "trajectory" else []) + [f]
        out += [f"__all__ = {public!r}", ""]
        return "\n".join(out)

    def files(self):
        return {"symrich_kernels_jax.py": self.source()}

"""The C99 target: ``symrich_kernels.c``, ``symrich_kernels.h``, a ``Makefile`` and a ``README.txt``.

The kernels are printed by SymPy's ``C99CodePrinter`` (one ``sympy.cse`` each, ``Piecewise``
as ``?:``, so only the selected branch is evaluated), vectorised over an array of times by the
public functions of ``templates/c/symrich_kernels.c``; the code needs only ``libm``.

>>> files = CGenerator(["delta_of"]).files()
>>> sorted(files)
['Makefile', 'README.txt', 'symrich_kernels.c', 'symrich_kernels.h']
>>> "double symrich_delta_of(size_t d" in files["symrich_kernels.h"]
True
"""

from __future__ import annotations

from symrich.export.base import EXPORTED, CodeGenerator, formula_docs
from symrich.symbolic.single_neuron_kernels import OBS_NAMES

__all__ = ["CGenerator", "c_printer", "c_kernel_source", "C_BUILD"]

#: the documented build line.
C_BUILD = "cc -O2 -std=c99 -c symrich_kernels.c -lm"
#: exported functions whose C API is another's (``ntk`` is ``X M X^T`` of ``symrich_M_matrix``).
_SAME_API = {"ntk": "M_matrix"}


def c_printer():
    """SymPy's C99 printer with ``Piecewise`` as nested ``?:`` and no POSIX-only macros (``M_SQRT2``...).

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> c_printer().doprint(sp.Piecewise((1 / x, x > 0), (0, True)))
    '((x > 0) ? (1.0/x) : (0))'
    """
    from sympy.printing.c import C99CodePrinter

    from symrich.numeric.codegen import print_piecewise

    class Printer(C99CodePrinter):
        def _print_Piecewise(self, expr):
            return print_piecewise(self, expr, lambda cond, value, otherwise: f"(({cond}) ? ({value}) : ({otherwise}))")

    printer = Printer()
    printer.math_macros = {}  # strict C99: no M_SQRT2 and friends (POSIX, not C99)
    return printer


def c_kernel_source(name, exprs, args, optimizations=None):
    """``static void name(double args..., double *out0, ...)`` with one ``sympy.cse`` over all outputs.

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> print(c_kernel_source("twice", [2 * x], (x,)))
    /* compiled kernel: (x) -> 1 output(s) */
    static void twice(double x, double *out0)
    {
        *out0 = 2*x;
    }
    <BLANKLINE>
    """
    import sympy as sp

    printer = c_printer()
    reps, reduced = sp.cse(list(exprs), symbols=sp.numbered_symbols("_x"), optimizations=optimizations)
    names = [str(a) for a in args]
    params = ", ".join([f"double {n}" for n in names] + [f"double *out{k}" for k in range(len(reduced))])
    body = [f"    const double {s} = {printer.doprint(v)};" for s, v in reps]
    body += [f"    *out{k} = {printer.doprint(e)};" for k, e in enumerate(reduced)]
    return "\n".join([f"/* compiled kernel: ({', '.join(names)}) -> {len(reduced)} output(s) */",
                      f"static void {name}({params})", "{"] + body + ["}"]) + "\n"


class CGenerator(CodeGenerator):
    """The C99 files of the export.

    Examples
    --------
    >>> CGenerator(["ntk"]).api_functions()
    ['M_matrix']
    """

    target = "c"

    def api_functions(self):
        """The sections of the C templates to copy (``ntk`` shares ``M_matrix``'s)."""
        out = []
        for f in self.functions:
            api = _SAME_API.get(f, f)
            if api not in out:
                out.append(api)
        return out

    def files(self):
        header = self.header()
        decls, impls = self.sections("symrich_kernels.h"), self.sections("symrich_kernels.c")
        docs = []
        for f in self.functions:
            lines_tex, assumptions = formula_docs()[f]
            docs += [f" * {f}: proved in {', '.join(EXPORTED[f].derivations)}; assumptions: {assumptions}."]
            docs += [" *     " + ln.replace("*/", "* /") for ln in lines_tex]
        names = ", ".join(OBS_NAMES)
        h = ["/* " + header.replace("\n", "\n * ") + "\n *\n * Formulas (LaTeX):\n" + "\n".join(docs) + "\n */",
             "#ifndef SYMRICH_KERNELS_H", "#define SYMRICH_KERNELS_H", "", "#include <stddef.h>", "",
             "#ifdef __cplusplus", 'extern "C" {', "#endif", ""]
        h += [decls[f].replace("{{observable_names}}", names) for f in self.api_functions()]
        h += ["#ifdef __cplusplus", "}", "#endif", "", "#endif /* SYMRICH_KERNELS_H */", ""]
        c = ["/* " + header.replace("\n", "\n * ") + "\n * Build: " + C_BUILD + " */", "",
             "#include <math.h>", "#include <stddef.h>", '#include "symrich_kernels.h"', ""]
        c += [c_kernel_source(name, exprs, args, optimizations) for name, exprs, args, optimizations, _ in self.kernels()]
        c += [impls[f] for f in self.api_functions()]
        readme = self.template("README.txt").replace("{{header}}", header).replace("{{build}}", C_BUILD)
        return {"symrich_kernels.c": "\n".join(c), "symrich_kernels.h": "\n".join(h),
                "Makefile": self.template("Makefile"), "README.txt": readme}

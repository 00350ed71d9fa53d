r"""Model files for the command line: a Python file defining models, or a TOML file naming builders.

Python (``.py``)
    Any file that defines ``model`` (a :class:`~symrich.conservation.Model`)
    or ``models`` (a sequence of them).  It is run with :func:`runpy.run_path`,
    like a script: only run files you trust.
TOML (``.toml``)
    One ``[[model]]`` table per model, naming a builder and its arguments::

        [[model]]
        builder = "two_layer_linear"   # single_neuron, two_layer_linear, deep_linear,
        d = 3                          # two_layer, bilinear_attention
        c = 3
        h = 3
        rates = "symbolic"             # default; or a number "1/2", or a table {W1 = 1, W2 = "1/2"}

    For ``two_layer``, ``activation`` is ``"relu"``, ``"linear"`` or a
    polynomial in ``z`` written as a string (``"z**2 + z"``).

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "m.toml"
>>> _ = path.write_text('[[model]]\nbuilder = "deep_linear"\nwidths = [1, 1, 1, 1]\nrates = 1\n')
>>> [m.name for m in load_models(path)]
['deep_linear_1_1_1_1']
"""

from __future__ import annotations

import os
import re
import runpy
from pathlib import Path

import sympy as sp

from symrich.conservation import builders
from symrich.conservation.model import Model
from symrich.paths import read_toml

__all__ = ["load_models", "models_from_toml", "BUILDERS"]

#: The builders a TOML model table may name.
BUILDERS = ("single_neuron", "two_layer_linear", "deep_linear", "two_layer", "bilinear_attention")


def load_models(path) -> tuple:
    """The models defined by a ``.py`` or ``.toml`` model file.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    tuple of Model

    Raises
    ------
    ValueError
        For a missing file, an unknown suffix, invalid TOML, or a file that
        defines no model; the message names the file.

    Examples
    --------
    >>> load_models("no/such/file.py")
    Traceback (most recent call last):
    ...
    ValueError: model file 'no/such/file.py' does not exist
    """
    path = Path(os.fspath(path))
    if not path.is_file():
        raise ValueError(f"model file {str(path)!r} does not exist")
    if path.suffix == ".toml":
        return models_from_toml(read_toml(path, "model file"), source=str(path))
    if path.suffix != ".py":
        raise ValueError(f"model file {str(path)!r}: expected a .py or .toml file")
    try:
        namespace = runpy.run_path(str(path), run_name="symrich_conservation_model")
    except Exception as exc:  # the user's code: report which file failed and why
        raise ValueError(f"model file {str(path)!r} raised {type(exc).__name__}: {exc}") from exc
    found = namespace.get("models", [namespace["model"]] if "model" in namespace else None)
    if found is None:
        raise ValueError(f"model file {str(path)!r} defines neither 'model' nor 'models'")
    found = tuple(found) if isinstance(found, (list, tuple)) else (found,)
    bad = [type(m).__name__ for m in found if not isinstance(m, Model)]
    if bad or not found:
        raise ValueError(f"model file {str(path)!r}: 'model'/'models' must be symrich.conservation.Model objects"
                         + (f", got {', '.join(bad)}" if bad else " (the list is empty)"))
    return found


def models_from_toml(config: dict, source: str = "config") -> tuple:
    """Build the models of a parsed TOML model file (``{"model": [table, ...]}``).

    Examples
    --------
    >>> [m.name for m in models_from_toml({"model": [{"builder": "two_layer", "d": 2, "m": 2,
    ...                                               "activation": "z**2", "rates": "1/2"}]})]
    ['two_layer_z^2_2_2']
    >>> models_from_toml({"model": [{"builder": "mlp"}]})
    Traceback (most recent call last):
    ...
    ValueError: config, model 1: unknown builder 'mlp'; expected one of single_neuron, two_layer_linear, ...
    """
    unknown = sorted(set(config) - {"model"})
    if unknown or not isinstance(config.get("model"), list) or not config["model"]:
        raise ValueError(f"{source}: expected one or more [[model]] tables" +
                         (f", found the unknown key(s) {', '.join(unknown)}" if unknown else ""))
    models = []
    for i, table in enumerate(config["model"], start=1):
        where = f"{source}, model {i}"
        table = dict(table)
        name = table.pop("builder", None)
        if name not in BUILDERS:
            raise ValueError(f"{where}: unknown builder {name!r}; expected one of {', '.join(BUILDERS)}")
        if "rates" in table:
            table["rates"] = _rates(table["rates"], where)
        if "activation" in table and table["activation"] not in ("relu", "linear"):
            table["activation"] = _polynomial(table["activation"], where)
        try:
            models.append(getattr(builders, name)(**table))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where}: {exc}") from exc
    return tuple(models)


def _number(value, where):
    try:
        out = sp.Rational(str(value))
    except (TypeError, ValueError, sp.SympifyError) as exc:
        raise ValueError(f"{where}: rate {value!r} is not an exact number (e.g. 1, \"1/2\")") from exc
    return out


def _rates(value, where):
    if value == "symbolic":
        return None
    if isinstance(value, dict):
        return {k: _number(v, where) for k, v in value.items()}
    return _number(value, where)


def _polynomial(text, where):
    z = sp.Symbol("z")
    if not re.fullmatch(r"[z0-9+\-*/^(). ]+", str(text)):  # only z, numbers and arithmetic reach the parser
        raise ValueError(f"{where}: activation {text!r} is not a polynomial in z (use z, numbers, + - * / ^ **)")
    text = str(text).replace("^", "**")
    try:
        expr = sp.parse_expr(str(text), local_dict={"z": z}, global_dict={"Integer": sp.Integer, "Rational": sp.Rational,
                                                                           "Symbol": sp.Symbol, "Float": sp.Float})
    except Exception as exc:  # sympy's parser raises many types on bad text
        raise ValueError(f"{where}: activation {text!r} is not a polynomial in z") from exc
    if expr.free_symbols - {z} or not expr.is_polynomial(z):
        raise ValueError(f"{where}: activation {text!r} is not a polynomial in z")
    return expr

"""Configuration of the Part III experiments: one run (:class:`RunConfig`) and a sweep's grid.

A run is a grid point ``(scale, alpha, seed)`` with fixed settings (sizes, steps,
learning rate, method).  Every neuron of the student starts with
``delta_k = a_k^2 - ||w_k||^2 = scale^2 (alpha^2 - alpha^-2)`` (:func:`delta_from_alpha`);
a grid over ``(scale, delta)`` fixes ``alpha`` through :func:`alpha_of`.  A sweep is a
TOML file (or a dict) with a ``[grid]`` and a ``[settings]`` table (:func:`load_config`),
expanded into runs by :func:`expand_grid`.

Conventions.  Where the paper's code and the theory differ, a run names its choice
(:data:`CONVENTIONS`; the first value is the default), and ``preset = "paper"``
(:data:`PRESETS`) selects every choice of the authors' code at once:

==================  ===================================  ========================================
setting             default                              ``preset = "paper"``
==================  ===================================  ========================================
``loss``            ``half_mean``: ``(1/2n) sum r_i^2``  ``mean``: ``(1/n) sum r_i^2``
``n_probe``         all ``n`` training inputs            all ``n`` training inputs
``hamming``         ``mean`` over (neuron, sample)       ``sum`` over neurons of the mean over
                    pairs of flipped activations         samples of flipped activations
``param_distance``  ``relative``: divided by             ``absolute``: ``||theta_t - theta_0||``
                    ``||theta_0||``
==================  ===================================  ========================================

The theory (paper, Part I) writes ``L = 1/2 ||X beta - y||^2``, a sum: ``"half_mean"``
is its gradient flow with time divided by ``n``; ``"mean"`` doubles the gradient, so the
paper's ``base_lr = 5e-3`` runs twice as fast as under ``"half_mean"``.

>>> [round(c.alpha, 4) for c in expand_grid({"grid": {"scale": 1.0, "delta": [-1.0, 1.0], "seed": [0]}})]
[0.7862, 1.272]
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from symrich.numeric.validation import choice, finite_real, integer, positive
from symrich.paths import read_toml

__all__ = [
    "RunConfig", "CONVENTIONS", "PRESETS", "alpha_of", "delta_from_alpha", "checkpoint_steps", "load_config",
    "expand_grid",
]

#: Named conventions of a run: ``{setting: allowed values}``; the first value is the default.
CONVENTIONS = {
    "loss": ("half_mean", "mean"),
    "hamming": ("mean", "sum"),
    "param_distance": ("relative", "absolute"),
    "method": ("gd", "rk4"),
    "dtype": ("float64", "float32"),
}

#: Named sets of settings (``preset = NAME`` in a config's ``[settings]``; explicit settings win).
#: ``"paper"``: the sizes, learning rate, steps and every convention of the authors' code.
PRESETS = {
    "symrich": {},
    "paper": {
        "d": 100, "m": 50, "n": 1000, "n_test": 10_000, "n_probe": None, "teacher_width": 3, "symmetric": True,
        "steps": 1_000_000, "base_lr": 5e-3, "method": "gd", "loss": "mean", "hamming": "sum",
        "param_distance": "absolute",
    },
}

_SETTINGS = {  # name: type of a [settings] value
    "d": int, "m": int, "n": int, "n_test": int, "n_probe": int, "teacher_width": int, "symmetric": bool,
    "steps": int, "base_lr": float, "checkpoints_per_decade": int, **{k: str for k in CONVENTIONS},
}


def alpha_of(delta, scale):
    """The relative scale ``alpha > 0`` with ``scale^2 (alpha^2 - alpha^-2) = delta``.

    Solved without cancellation: with ``u = delta / scale^2``,
    ``alpha^2 = (u + sqrt(u^2 + 4)) / 2`` for ``u >= 0`` and ``2 / (sqrt(u^2 + 4) - u)`` for ``u < 0``.

    >>> alpha_of(0.0, 0.5)
    1.0
    >>> a = alpha_of(-0.3, 0.2); round(0.2**2 * (a**2 - a**-2), 12)
    -0.3
    """
    delta, scale = finite_real(delta, "delta"), positive(scale, "scale")
    try:
        u = delta / scale**2 if delta else 0.0
        root = math.hypot(u, 2.0)
        alpha = math.sqrt((u + root) / 2.0 if u >= 0 else 2.0 / (root - u))
    except (OverflowError, ZeroDivisionError):
        alpha = math.inf
    if not 0 < alpha < math.inf:
        raise ValueError(f"delta = {delta!r} and scale = {scale!r} are outside the supported range: alpha is not a "
                         "positive float64")
    return alpha


def delta_from_alpha(alpha, scale):
    """``delta = scale^2 (alpha^2 - alpha^-2)``, the per-neuron ``delta_k`` at initialisation.

    >>> delta_from_alpha(1.0, 3.0), delta_from_alpha(2.0, 1.0)
    (0.0, 3.75)
    """
    alpha, scale = positive(alpha, "alpha"), positive(scale, "scale")
    try:
        delta = scale**2 * (alpha**2 - alpha**-2)
    except OverflowError:
        delta = math.inf
    if not math.isfinite(delta):
        raise ValueError(f"alpha = {alpha!r} and scale = {scale!r} are outside the supported range: delta overflows float64")
    return delta


def checkpoint_steps(steps, per_decade=1):
    """Log-spaced checkpoints ``0, 1, 10^(1/p), ..., steps`` (rounded, unique, always with 0 and ``steps``).

    >>> checkpoint_steps(1000)
    (0, 1, 10, 100, 1000)
    >>> checkpoint_steps(50, per_decade=2)
    (0, 1, 3, 10, 32, 50)
    """
    steps, per_decade = integer(steps, "steps", 0), integer(per_decade, "per_decade", 1)
    if steps > 10**18 or per_decade > 1000:
        raise ValueError(f"steps must be at most 10^18 and per_decade at most 1000 (got {steps} and {per_decade}): "
                         "a training run does not have more checkpoints than that")
    out, j = {0, steps}, 0
    while (s := round(10 ** (j / per_decade))) <= steps:
        out.add(s)
        j += 1
    return tuple(sorted(out))


@dataclass(frozen=True)
class RunConfig:
    """One training run: grid point ``(scale, alpha, seed)`` and the fixed settings.

    ``delta`` is derived (:func:`delta_from_alpha`); a sweep over ``delta`` stores the grid
    value in ``delta_grid`` so that tables group exactly.  ``id`` names the run's result file.

    Attributes
    ----------
    scale, alpha : float
        Initialisation: rows ``w_k = (scale / alpha) u_k``, readouts ``a_k = +-scale * alpha``.
    seed : int
        Teacher, data and student directions (:func:`symrich.experiments.simulate.initialise`).
    d, m, n, n_test, teacher_width : int
        Input dimension, student width, training and test samples, teacher width.
    n_probe : int or None
        The NTK of the kernel distance is taken on the first ``n_probe`` training inputs;
        ``None`` (default) on all ``n``, as the paper.
    symmetric : bool
        Pairs of neurons with equal rows and opposite readouts (``f = 0`` at initialisation).
    steps, base_lr, checkpoints_per_decade
        Training steps, ``lr = base_lr / scale^2``, and log-spaced checkpoints.
    method, loss, hamming, param_distance, dtype : str
        Conventions, see :data:`CONVENTIONS` and the module docstring.

    >>> c = RunConfig(scale=0.5, alpha=1.0, seed=3, m=4)
    >>> c.delta, c.lr, c.id.startswith("scale0.5_alpha1_seed3_")
    (0.0, 0.02, True)
    """

    scale: float
    alpha: float
    seed: int
    d: int = 100
    m: int = 50
    n: int = 1000
    n_test: int = 10_000
    n_probe: int | None = None
    teacher_width: int = 3
    symmetric: bool = True
    steps: int = 10_000
    base_lr: float = 5e-3
    method: str = "gd"
    checkpoints_per_decade: int = 1
    loss: str = "half_mean"
    hamming: str = "mean"
    param_distance: str = "relative"
    dtype: str = "float64"
    delta_grid: float | None = None

    def __post_init__(self):
        problems = []
        for name in ("scale", "alpha", "base_lr"):
            try:
                positive(getattr(self, name), name)
            except (TypeError, ValueError) as exc:
                problems.append(str(exc))
        for name in ("d", "m", "n", "n_test", "teacher_width", "checkpoints_per_decade"):
            v = getattr(self, name)
            if not (isinstance(v, int) and not isinstance(v, bool) and v >= 1):
                problems.append(f"{name} must be an integer >= 1, got {v!r}")
        if self.n_probe is not None and not (isinstance(self.n_probe, int) and not isinstance(self.n_probe, bool)
                                             and 1 <= self.n_probe <= self.n):
            problems.append(f"n_probe must be None (all n) or an integer in [1, n = {self.n}], got {self.n_probe!r}")
        if not (isinstance(self.steps, int) and not isinstance(self.steps, bool) and self.steps >= 0):
            problems.append(f"steps must be an integer >= 0, got {self.steps!r}")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            problems.append(f"seed must be an integer >= 0, got {self.seed!r}")
        for name, allowed in CONVENTIONS.items():
            try:
                choice(getattr(self, name), name, allowed)
            except (TypeError, ValueError) as exc:
                problems.append(str(exc))
        if self.symmetric and isinstance(self.m, int) and self.m % 2:
            problems.append(f"m must be even when symmetric = true (pairs of neurons), got {self.m}")
        if not problems:
            try:
                self.delta  # noqa: B018 (checked for its range)
                if not math.isfinite(self.lr):
                    raise ValueError(f"lr = base_lr/scale^2 overflows float64 (scale = {self.scale!r})")
            except (ValueError, ZeroDivisionError, OverflowError) as exc:
                problems.append(str(exc) if isinstance(exc, ValueError) else
                                f"lr = base_lr/scale^2 overflows float64 (scale = {self.scale!r})")
        if problems:
            raise ValueError("invalid run configuration: " + "; ".join(problems))

    @property
    def delta(self):
        return self.delta_grid if self.delta_grid is not None else delta_from_alpha(self.alpha, self.scale)

    @property
    def lr(self):
        return float(self.base_lr) / float(self.scale) ** 2  # Python floats: 1/0 raises, never a NumPy warning

    @property
    def probe(self):
        """The number of training inputs of the NTK (``n_probe``, or ``n`` when it is None)."""
        return self.n if self.n_probe is None else self.n_probe

    @property
    def checkpoints(self):
        return checkpoint_steps(self.steps, self.checkpoints_per_decade)

    @property
    def id(self):
        blob = json.dumps(dataclasses.asdict(self), sort_keys=True, default=repr)
        digest = hashlib.sha1(blob.encode()).hexdigest()[:10]
        return f"scale{self.scale:.4g}_alpha{self.alpha:.4g}_seed{self.seed}_{digest}"

    def columns(self):
        """The configuration part of a table row (``id`` first).

        The conventions ``hamming`` and ``param_distance`` are the columns
        ``hamming_convention`` and ``param_distance_convention``: the measured
        metrics of the same names are columns too.

        >>> cols = RunConfig(scale=1.0, alpha=1.0, seed=0).columns()
        >>> cols["hamming_convention"], cols["param_distance_convention"], "hamming" in cols
        ('mean', 'relative', False)
        """
        out = {"id": self.id}
        out.update(dataclasses.asdict(self))
        out["delta"] = self.delta
        out["lr"] = self.lr
        del out["delta_grid"]
        for name in ("hamming", "param_distance"):
            out[f"{name}_convention"] = out.pop(name)
        return out


def load_config(config):
    """Read a sweep configuration: a dict, or a path to a TOML file.

    The file has a ``[grid]`` table with ``scale``, ``seed`` and exactly one of ``delta`` or ``alpha``,
    each a list, a number, ``{linspace = [lo, hi, num]}``, ``{logspace = [lo, hi, num]}`` (base 10) or,
    for ``seed``, ``{range = N}``; and a ``[settings]`` table with any of the :class:`RunConfig` fields
    (``d, m, n, n_test, n_probe, teacher_width, symmetric, steps, base_lr, checkpoints_per_decade`` and the
    conventions ``method, loss, hamming, param_distance, dtype``; ``n_probe = "all"`` is the default) and
    optionally ``preset = "paper"`` (:data:`PRESETS`), whose values the explicit settings override.
    The returned settings are resolved: the preset's values are filled in.

    >>> spec = load_config({"grid": {"scale": 1.0, "alpha": [1, 2], "seed": {"range": 2}}})
    >>> spec["grid"]["seed"], spec["grid"]["alpha"]
    ([0, 1], [1.0, 2.0])
    >>> paper = load_config({"grid": {"scale": 1.0, "alpha": 1, "seed": 0},
    ...                      "settings": {"preset": "paper", "steps": 100}})["settings"]
    >>> paper["loss"], paper["hamming"], paper["param_distance"], paper["n_probe"], paper["steps"]
    ('mean', 'sum', 'absolute', None, 100)
    """
    if isinstance(config, (str, os.PathLike)):
        path = Path(config)
        if not path.is_file():
            raise ValueError(f"config must be a dict or the path of a TOML file; no file {str(path)!r}")
        config = read_toml(path, "config file")
    if not isinstance(config, dict):
        raise ValueError(f"config must be a dict or a TOML path, got {type(config).__name__}")
    problems = [f"unknown top-level table {k!r} (expected 'grid', 'settings')" for k in config
                if k not in ("grid", "settings")]
    for table in ("grid", "settings"):
        if not isinstance(config.get(table, {}), dict):
            raise ValueError(f"config: {table!r} must be a table (a dict), got {type(config[table]).__name__}")
    grid, settings = dict(config.get("grid", {})), dict(config.get("settings", {}))
    for k in grid:
        if k not in ("scale", "delta", "alpha", "seed"):
            problems.append(f"unknown grid key {k!r} (expected scale, delta or alpha, seed)")
    for k in ("scale", "seed"):
        if k not in grid:
            problems.append(f"grid needs {k!r}")
    if ("delta" in grid) == ("alpha" in grid):
        problems.append("grid needs exactly one of 'delta' and 'alpha'")
    preset = settings.pop("preset", "symrich")
    if not isinstance(preset, str) or preset not in PRESETS:  # (an array is unhashable: fuzz seed 63)
        problems.append(f"preset must be one of {', '.join(map(repr, PRESETS))}, got {preset!r}")
        preset = "symrich"
    for k, v in settings.items():
        kind = _SETTINGS.get(k)
        if kind is None:
            problems.append(f"unknown setting {k!r} (expected preset or one of {', '.join(_SETTINGS)})")
        elif k == "n_probe" and v in ("all", None):
            settings[k] = None
        elif kind is float and isinstance(v, (int, float)) and not isinstance(v, bool):
            try:
                settings[k] = positive(v, k)  # base_lr: NaN, inf, 0 or an int beyond float64 are rejected here
            except ValueError as exc:
                problems.append(str(exc))
        elif not isinstance(v, kind) or (kind is int and isinstance(v, bool)):
            expected = "an integer or 'all'" if k == "n_probe" else f"of type {kind.__name__}"
            problems.append(f"setting {k!r} must be {expected}, got {v!r}")
        elif k in CONVENTIONS and v not in CONVENTIONS[k]:
            problems.append(f"setting {k!r} must be one of {', '.join(map(repr, CONVENTIONS[k]))}, got {v!r}")
    settings = {**PRESETS[preset], **settings}
    out = {}
    for k, v in grid.items():
        try:
            out[k] = _axis(k, v)
        except (TypeError, ValueError, OverflowError) as exc:
            problems.append(f"grid {k!r}: {exc}")
    if problems:
        raise ValueError("invalid sweep config: " + "; ".join(problems))
    return {"grid": out, "settings": settings}


def _axis(name, v):
    if isinstance(v, dict):
        if len(v) != 1 or next(iter(v)) not in ("linspace", "logspace", "range"):
            raise ValueError(f"grid {name!r}: a table must be {{linspace = [..]}}, {{logspace = [..]}} or {{range = N}}")
        (kind, args), = v.items()
        if kind == "range":
            vals = list(range(int(args)))
        else:
            if not (isinstance(args, list) and len(args) == 3):
                raise ValueError(f"grid {name!r}: {kind} needs [start, stop, num], got {args!r}")
            start, stop, num = args
            if not all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in (start, stop)):
                raise ValueError(f"grid {name!r}: {kind} needs finite numbers for start and stop, got {args!r}")
            if not (isinstance(num, int) and not isinstance(num, bool) and num >= 1):
                raise ValueError(f"grid {name!r}: {kind} needs an integer num >= 1, got {num!r}")
            with np.errstate(over="ignore", invalid="ignore"):
                vals = getattr(np, kind)(float(start), float(stop), num).tolist()
            if not all(math.isfinite(x) for x in vals):
                raise ValueError(f"grid {name!r}: {kind} {args!r} overflows float64 (its values are not all finite)")
    else:
        vals = list(v) if isinstance(v, (list, tuple)) else [v]
    if not vals:
        raise ValueError(f"grid {name!r} is empty")
    if name == "seed":
        if not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in vals):
            raise ValueError(f"grid 'seed' must hold integers >= 0, got {vals!r}")
        return vals
    try:
        vals = [float(x) for x in vals]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"grid {name!r} must hold numbers, got {vals!r}") from exc
    if not all(math.isfinite(x) for x in vals) or (name != "delta" and min(vals) <= 0):
        raise ValueError(f"grid {name!r} must hold finite{'' if name == 'delta' else ' positive'} numbers, got {vals!r}")
    return vals


def expand_grid(config):
    """All :class:`RunConfig` of a sweep, in grid order (scale, then delta or alpha, then seed).

    >>> runs = expand_grid({"grid": {"scale": [0.5, 1.0], "delta": [-1.0, 0.0, 1.0], "seed": [0]},
    ...                     "settings": {"steps": 10}})
    >>> len(runs), runs[0].delta, round(runs[0].alpha, 4)
    (6, -1.0, 0.4859)
    """
    spec = load_config(config)
    grid, settings = spec["grid"], spec["settings"]
    by_delta = "delta" in grid
    runs = []
    for scale in grid["scale"]:
        for v in grid["delta" if by_delta else "alpha"]:
            alpha = alpha_of(v, scale) if by_delta else v
            for seed in grid["seed"]:
                runs.append(RunConfig(scale=scale, alpha=alpha, seed=seed, delta_grid=v if by_delta else None,
                                      **settings))
    return runs

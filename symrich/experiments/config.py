"""Configuration of the Part III experiments: one run (:class:`RunConfig`) and a sweep's grid.

A run is a grid point ``(scale, alpha, seed)`` with fixed settings (sizes, steps,
learning rate, method).  Every neuron of the student starts with
``delta_k = a_k^2 - ||w_k||^2 = scale^2 (alpha^2 - alpha^-2)`` (:func:`delta_from_alpha`);
a grid over ``(scale, delta)`` fixes ``alpha`` through :func:`alpha_of`.  A sweep is a
TOML file (or a dict) with a ``[grid]`` and a ``[settings]`` table (:func:`load_config`),
expanded into runs by :func:`expand_grid`.

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

__all__ = ["RunConfig", "alpha_of", "delta_from_alpha", "checkpoint_steps", "load_config", "expand_grid"]

_SETTINGS = {  # name: (type, default)
    "d": (int, 100), "m": (int, 50), "n": (int, 1000), "n_test": (int, 10_000), "n_probe": (int, 200),
    "teacher_width": (int, 3), "symmetric": (bool, True), "steps": (int, 10_000), "base_lr": (float, 5e-3),
    "method": (str, "gd"), "checkpoints_per_decade": (int, 1),
}
_METHODS = ("gd", "rk4")


def alpha_of(delta, scale):
    """The relative scale ``alpha > 0`` with ``scale^2 (alpha^2 - alpha^-2) = delta``.

    Solved without cancellation: with ``u = delta / scale^2``,
    ``alpha^2 = (u + sqrt(u^2 + 4)) / 2`` for ``u >= 0`` and ``2 / (sqrt(u^2 + 4) - u)`` for ``u < 0``.

    >>> alpha_of(0.0, 0.5)
    1.0
    >>> a = alpha_of(-0.3, 0.2); round(0.2**2 * (a**2 - a**-2), 12)
    -0.3
    """
    u = float(delta) / float(scale) ** 2
    root = math.sqrt(u * u + 4.0)
    return math.sqrt((u + root) / 2.0 if u >= 0 else 2.0 / (root - u))


def delta_from_alpha(alpha, scale):
    """``delta = scale^2 (alpha^2 - alpha^-2)``, the per-neuron ``delta_k`` at initialisation.

    >>> delta_from_alpha(1.0, 3.0), delta_from_alpha(2.0, 1.0)
    (0.0, 3.75)
    """
    return float(scale) ** 2 * (float(alpha) ** 2 - float(alpha) ** -2)


def checkpoint_steps(steps, per_decade=1):
    """Log-spaced checkpoints ``0, 1, 10^(1/p), ..., steps`` (rounded, unique, always with 0 and ``steps``).

    >>> checkpoint_steps(1000)
    (0, 1, 10, 100, 1000)
    >>> checkpoint_steps(50, per_decade=2)
    (0, 1, 3, 10, 32, 50)
    """
    steps, per_decade = int(steps), int(per_decade)
    if steps < 0 or per_decade < 1:
        raise ValueError(f"steps must be >= 0 and per_decade >= 1, got steps={steps}, per_decade={per_decade}")
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
    n_probe: int = 200
    teacher_width: int = 3
    symmetric: bool = True
    steps: int = 10_000
    base_lr: float = 5e-3
    method: str = "gd"
    checkpoints_per_decade: int = 1
    delta_grid: float | None = None

    def __post_init__(self):
        problems = []
        for name in ("scale", "alpha", "base_lr"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                problems.append(f"{name} must be a positive finite number, got {v!r}")
        for name in ("d", "m", "n", "n_test", "n_probe", "teacher_width", "checkpoints_per_decade"):
            v = getattr(self, name)
            if not (isinstance(v, int) and v >= 1):
                problems.append(f"{name} must be an integer >= 1, got {v!r}")
        if not (isinstance(self.steps, int) and self.steps >= 0):
            problems.append(f"steps must be an integer >= 0, got {self.steps!r}")
        if not isinstance(self.seed, int) or self.seed < 0:
            problems.append(f"seed must be an integer >= 0, got {self.seed!r}")
        if self.method not in _METHODS:
            problems.append(f"method must be one of {_METHODS}, got {self.method!r}")
        if self.symmetric and isinstance(self.m, int) and self.m % 2:
            problems.append(f"m must be even when symmetric = true (pairs of neurons), got {self.m}")
        if isinstance(self.n_probe, int) and isinstance(self.n, int) and self.n_probe > self.n:
            problems.append(f"n_probe must be <= n = {self.n}, got {self.n_probe}")
        if problems:
            raise ValueError("invalid run configuration: " + "; ".join(problems))

    @property
    def delta(self):
        return self.delta_grid if self.delta_grid is not None else delta_from_alpha(self.alpha, self.scale)

    @property
    def lr(self):
        return self.base_lr / self.scale**2

    @property
    def checkpoints(self):
        return checkpoint_steps(self.steps, self.checkpoints_per_decade)

    @property
    def id(self):
        blob = json.dumps(dataclasses.asdict(self), sort_keys=True, default=repr)
        digest = hashlib.sha1(blob.encode()).hexdigest()[:10]
        return f"scale{self.scale:.4g}_alpha{self.alpha:.4g}_seed{self.seed}_{digest}"

    def columns(self):
        """The configuration part of a table row (``id`` first)."""
        out = {"id": self.id}
        out.update(dataclasses.asdict(self))
        out["delta"] = self.delta
        out["lr"] = self.lr
        del out["delta_grid"]
        return out


def load_config(config):
    """Read a sweep configuration: a dict, or a path to a TOML file.

    The file has a ``[grid]`` table with ``scale``, ``seed`` and exactly one of ``delta`` or ``alpha``,
    each a list, a number, ``{linspace = [lo, hi, num]}``, ``{logspace = [lo, hi, num]}`` (base 10) or,
    for ``seed``, ``{range = N}``; and a ``[settings]`` table with any of the :class:`RunConfig` fields
    (``d, m, n, n_test, n_probe, teacher_width, symmetric, steps, base_lr, method, checkpoints_per_decade``).

    >>> spec = load_config({"grid": {"scale": 1.0, "alpha": [1, 2], "seed": {"range": 2}}})
    >>> spec["grid"]["seed"], spec["grid"]["alpha"]
    ([0, 1], [1.0, 2.0])
    """
    if isinstance(config, (str, os.PathLike)):
        path = Path(config)
        if not path.is_file():
            raise ValueError(f"config must be a dict or the path of a TOML file; no file {str(path)!r}")
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10
            try:
                import tomli as tomllib
            except ModuleNotFoundError as exc:
                raise ValueError("reading a TOML config on Python 3.10 needs the 'tomli' package "
                                 "(pip install tomli), or pass the config as a dict") from exc
        with path.open("rb") as fh:
            try:
                config = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise ValueError(f"config file {str(path)!r} is not valid TOML: {exc}") from exc
    if not isinstance(config, dict):
        raise ValueError(f"config must be a dict or a TOML path, got {type(config).__name__}")
    problems = [f"unknown top-level table {k!r} (expected 'grid', 'settings')" for k in config
                if k not in ("grid", "settings")]
    grid, settings = dict(config.get("grid", {})), dict(config.get("settings", {}))
    for k in grid:
        if k not in ("scale", "delta", "alpha", "seed"):
            problems.append(f"unknown grid key {k!r} (expected scale, delta or alpha, seed)")
    for k in ("scale", "seed"):
        if k not in grid:
            problems.append(f"grid needs {k!r}")
    if ("delta" in grid) == ("alpha" in grid):
        problems.append("grid needs exactly one of 'delta' and 'alpha'")
    for k, v in settings.items():
        if k not in _SETTINGS:
            problems.append(f"unknown setting {k!r} (expected one of {', '.join(_SETTINGS)})")
        elif _SETTINGS[k][0] is float and isinstance(v, (int, float)) and not isinstance(v, bool):
            settings[k] = float(v)
        elif not isinstance(v, _SETTINGS[k][0]) or (_SETTINGS[k][0] is int and isinstance(v, bool)):
            problems.append(f"setting {k!r} must be of type {_SETTINGS[k][0].__name__}, got {v!r}")
    out = {}
    for k, v in grid.items():
        try:
            out[k] = _axis(k, v)
        except ValueError as exc:
            problems.append(str(exc))
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
            vals = getattr(np, kind)(float(args[0]), float(args[1]), int(args[2])).tolist()
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

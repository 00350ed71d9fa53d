"""The figures: every one is produced, and the plotted curves are the kernels' values.

The data are read back from the matplotlib artists (by their ``gid``), not re-derived.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from symrich import figures  # noqa: E402
from symrich.single_neuron import observables, trajectory  # noqa: E402


def _line(fig, gid):
    for ax in fig.axes:
        for artist in ax.get_children():
            if getattr(artist, "get_gid", lambda: None)() == gid:
                return artist
    raise AssertionError(f"no artist with gid {gid!r}")


def test_initialisation_matches_the_paper_setting():
    for delta in figures.PAPER_DELTAS:
        a0, w0 = figures.initialisation(delta)
        assert a0 > 0
        assert np.allclose(a0 * w0, figures.BETA0, atol=1e-14)
        assert abs(a0**2 - w0 @ w0 - delta) < 1e-12


def test_function_space_curves_are_the_trajectory():
    t = np.linspace(0.0, 20.0, 400)
    fig = figures.function_space_figure()
    try:
        for delta in figures.PAPER_DELTAS:
            x, y = _line(fig, f"beta:delta={delta:g}").get_data()
            a0, w0 = figures.initialisation(delta)
            a, w = trajectory(t, a0, w0, figures.BETA_STAR)
            assert np.array_equal(x, a * w[:, 0]) and np.array_equal(y, a * w[:, 1])
            start, end = np.hypot(x[0] - 0.0, y[0] - 1.0), np.hypot(x[-1] - 0.0, y[-1] - 1.0)
            assert end < 0.2 * start  # heads to beta_star (delta = -4 is still on its way at t = 20)
    finally:
        plt.close(fig)


def test_observable_curves_are_the_kernel_values():
    t = np.linspace(0.0, 20.0, 400)
    fig = figures.observables_figure(deltas=(-2.0, 0.0, 2.0))
    try:
        for delta in (-2.0, 0.0, 2.0):
            obs = observables(t, *figures.initialisation(delta), figures.BETA_STAR)
            for name in ("beta_norm", "alignment", "kernel_distance"):
                x, y = _line(fig, f"{name}:delta={delta:g}").get_data()
                assert np.array_equal(x, t)
                assert np.array_equal(y, getattr(obs, name), equal_nan=True)
    finally:
        plt.close(fig)


def test_parameter_space_curves_lie_on_the_conserved_surface():
    fig = figures.parameter_space_figure(n_times=200, overlay=False)
    try:
        for delta in (-2.0, 0.0, 2.0):
            line = _line(fig, f"params:delta={delta:g}")
            w1, w2, a = (np.asarray(v) for v in line.get_data_3d())
            assert np.max(np.abs(a**2 - w1**2 - w2**2 - delta)) < 1e-10
    finally:
        plt.close(fig)


@pytest.mark.parametrize("name", sorted(figures.FIGURES))
def test_every_figure_is_written_as_png_and_pdf(name, tmp_path):
    written = figures.make_all(tmp_path, [name])
    for path in written[name]:
        assert path.exists() and path.stat().st_size > 1000
    assert {p.suffix for p in written[name]} == {".png", ".pdf"}


def test_cli_figures_and_unknown_name(tmp_path):
    from symrich.cli import main

    assert main(["figures", "--out", str(tmp_path), "--only", "function_space"]) == 0
    assert (tmp_path / "function_space.png").exists()
    with pytest.raises(ValueError, match="unknown figure"):
        figures.make_all(tmp_path, ["nope"])

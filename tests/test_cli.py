"""The ``symrich`` command line: version, help of every command, unknown names, environment errors as messages."""

import argparse
import os
import subprocess
import sys
import time

import pytest

import symrich
from symrich.cli import build_parser, main
from symrich.experiments import run_sweep

COMMANDS = sorted(build_parser()._subparsers._group_actions[0].choices)
WRITERS = ("derive", "figures", "export", "sweep", "plot-sweep")


def _cli(*args, timeout=120, **kw):
    return subprocess.run([sys.executable, "-m", "symrich.cli", *args], capture_output=True, text=True,
                          timeout=timeout, **kw)


def _tiny_config(path, steps=5):
    path.write_text('[grid]\nscale = [0.5]\ndelta = [-0.5, 0.5]\nseed = [0]\n'
                    f'[settings]\nd = 3\nm = 4\nn = 10\nn_test = 10\nn_probe = 10\nsteps = {steps}\n')
    return path


def test_version():
    proc = _cli("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"symrich {symrich.__version__}"


def test_every_command_is_listed():
    assert COMMANDS == ["conservation", "derive", "export", "figures", "latex", "list", "plot-sweep", "sweep"]
    top = build_parser().format_help()
    assert all(c in top for c in COMMANDS) and "Exit status" in top


@pytest.mark.parametrize("command", COMMANDS)
def test_help_of_every_command(command, capsys):
    """--help exits 0; every argument has help text; commands that write say where."""
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith(f"usage: symrich {command}") and "exit status" in text.lower()
    sub = build_parser()._subparsers._group_actions[0].choices[command]
    for action in sub._actions:
        assert action.help and action.help != argparse.SUPPRESS, (command, action.dest)
    if command in WRITERS:
        assert "--out" in text and "writ" in text.lower()


def test_derive_help_names_the_cache_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SYMRICH_CACHE_DIR", str(tmp_path / "my-cache"))
    with pytest.raises(SystemExit):
        main(["derive", "--help"])
    text = "".join(capsys.readouterr().out.split())  # argparse wraps long paths at hyphens
    assert f"derivationcache:{tmp_path / 'my-cache'}" in text


def test_no_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main([])
    assert exit_.value.code == 2 and "COMMAND" in capsys.readouterr().err


@pytest.mark.parametrize("argv, valid", [
    (["derive", "--only", "nosuchname", "single_neuron_conservation"], "single_neuron_closed_form"),
    (["latex", "nosuchname"], "single_neuron_closed_form"),
    (["export", "--target", "numpy", "--out", "{tmp}", "--functions", "nosuchname"], "delta_of"),
])
def test_unknown_names_list_the_valid_ones(argv, valid, tmp_path, capsys):
    assert main([a.format(tmp=tmp_path) for a in argv]) == 2
    err = capsys.readouterr().err
    assert "nosuchname" in err and valid in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())  # nothing written


@pytest.mark.parametrize("target", ["c", "jax"])
def test_a_function_the_target_has_not_is_a_message(target, tmp_path, capsys):
    """``wide_trajectory`` is NumPy only: a one-line message naming what the target has, not a traceback (tester)."""
    assert main(["export", "--target", target, "--out", str(tmp_path / "k"), "--functions", "wide_trajectory"]) == 2
    err = capsys.readouterr().err
    assert f"wide_trajectory cannot be exported to {target}" in err and "delta_of" in err and "Traceback" not in err
    assert not (tmp_path / "k").exists()


def test_unknown_figure_lists_the_valid_ones(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["figures", "--only", "nosuchname"])
    assert exit_.value.code == 2 and "function_space" in capsys.readouterr().err


@pytest.mark.parametrize("command", WRITERS)
def test_unwritable_output_folder_is_a_message(command, tmp_path, capsys):
    """An --out below a regular file cannot be created (even by root): exit 2, one line naming it, no work done."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    bad = blocker / "out"
    argv = {
        "derive": ["derive", "--out", str(bad), "--no-pdf", "--only", "single_neuron_conservation"],
        "figures": ["figures", "--out", str(bad), "--only", "basins"],
        "export": ["export", "--target", "c", "--out", str(bad)],
        "sweep": ["sweep", "--config", str(_tiny_config(tmp_path / "s.toml")), "--out", str(bad), "-q"],
        "plot-sweep": ["plot-sweep", str(tmp_path), "--out", str(bad / "fig.png")],
    }[command]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"symrich {command}: cannot write to") and str(bad) in err and "Traceback" not in err


def test_unwritable_output_in_a_real_process(tmp_path):
    (tmp_path / "a-file").write_text("")
    proc = _cli("export", "--target", "numpy", "--out", str(tmp_path / "a-file" / "out"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "a-file" in proc.stderr


def test_unreachable_scheduler_fails_within_the_timeout(tmp_path):
    pytest.importorskip("distributed")
    cfg = _tiny_config(tmp_path / "s.toml")
    start = time.monotonic()
    proc = _cli("sweep", "--config", str(cfg), "--out", str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:1",
                "--connect-timeout", "1", "-q")
    elapsed = time.monotonic() - start
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "tcp://127.0.0.1:1" in proc.stderr and "within 1 s" in proc.stderr
    assert elapsed < 30  # 1 s of waiting plus the start-up of Python, numpy and distributed
    assert _cli("sweep", "--config", str(cfg), "--out", "o", "--connect-timeout", "0").returncode == 2


def test_sweep_shows_a_progress_bar_and_exit_codes(tmp_path):
    cfg = _tiny_config(tmp_path / "s.toml")
    proc = _cli("sweep", "--config", str(cfg), "--out", str(tmp_path / "o"), "--workers", "0",
                env=dict(os.environ, COLUMNS="100"))
    assert proc.returncode == 0, proc.stderr
    assert "2/2" in proc.stderr and "config" in proc.stderr and "100%" in proc.stderr  # tqdm's bar
    assert "2 configurations: 2 run" in proc.stdout
    missing = _cli("sweep", "--config", str(tmp_path / "missing.toml"), "--out", str(tmp_path / "o"))
    assert missing.returncode == 2 and "missing.toml" in missing.stderr and "Traceback" not in missing.stderr


def test_a_listener_that_never_answers_is_not_a_hang(tmp_path):
    """A port that accepts connections but is no Dask scheduler (a dashboard, a web server): Dask's own timeout
    waited for ever there (new-user test); now a message after the timeout, and nothing written into --out."""
    pytest.importorskip("distributed")
    import socket

    cfg = _tiny_config(tmp_path / "s.toml")
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        address = f"tcp://127.0.0.1:{listener.getsockname()[1]}"
        start = time.monotonic()
        proc = _cli("sweep", "--config", str(cfg), "--out", str(tmp_path / "o"), "--scheduler", address,
                    "--connect-timeout", "1", "-q")
        elapsed = time.monotonic() - start
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and address in proc.stderr, proc.stderr
    assert elapsed < 40  # 1 s, 5 s of grace, and the start-up of Python, numpy and distributed
    assert not (tmp_path / "o" / "sweep.json").exists() and not (tmp_path / "o" / "runs").exists()


@pytest.mark.parametrize("address", ["nonsense", "tcp://127.0.0.1", "inproc://xyz", "http://example.invalid:80", ""])
def test_scheduler_addresses_are_checked_before_dask(address, tmp_path):
    proc = _cli("sweep", "--config", str(_tiny_config(tmp_path / "s.toml")), "--out", str(tmp_path / "o"),
                "--scheduler", address, "-q")
    assert proc.returncode == 2 and "scheduler must be an address scheme://host:port" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr


def test_the_jax_backend_without_jax_is_one_message(tmp_path, monkeypatch):
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "jax" else find_spec(name, *a))
    with pytest.raises(ValueError, match=r"backend 'jax' needs JAX, which is not installed"):
        run_sweep(_tiny_config(tmp_path / "s.toml"), tmp_path / "o", backend="jax", progress=False)
    assert not (tmp_path / "o").exists()


def test_an_empty_out_is_a_usage_error_and_repeated_names_run_once(tmp_path, capsys):
    """New-user test: ``--out ""`` wrote into the current folder; ``derive --only X X`` verified X twice."""
    assert main(["export", "--target", "numpy", "--out", ""]) == 2
    assert "--out needs a folder name" in capsys.readouterr().err
    name = "single_neuron_conservation"
    assert main(["derive", "--only", name, name, "--out", str(tmp_path / "d"), "--no-pdf"]) == 0
    assert "1 derivation" in capsys.readouterr().out

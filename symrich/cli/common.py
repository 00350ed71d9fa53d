"""What every ``symrich`` command shares: exit codes and checks of the environment.

Exit codes of every command:

=====  ==========================================================================
code   meaning
=====  ==========================================================================
0      success
1      a derivation or a run failed (the others are still written)
2      usage error (unknown name, bad option or config) or a bad environment
       (output folder not writable, scheduler unreachable, LaTeX failing)
=====  ==========================================================================

A problem the user can fix is raised as :class:`CommandError` (or found by
:func:`output_dir`) and printed by :func:`symrich.cli.main` as one line,
``symrich COMMAND: message``, never as a traceback.

>>> EXIT_OK, EXIT_FAILED, EXIT_USAGE
(0, 1, 2)
"""

from __future__ import annotations

import tempfile
from pathlib import Path

__all__ = ["EXIT_OK", "EXIT_FAILED", "EXIT_USAGE", "CommandError", "output_dir"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class CommandError(Exception):
    """A problem the user can fix (bad input or environment): printed as a message, exit code 2.

    Examples
    --------
    >>> str(CommandError("--out 'x' is a file, not a folder"))
    "--out 'x' is a file, not a folder"
    """


def output_dir(path, option="--out"):
    """Create the folder ``path`` (with its parents) if missing and check that files can be written in it.

    Run before a command's work, so that an unwritable folder is reported at once,
    not after minutes of computation.

    Parameters
    ----------
    path : str or path
    option : str
        The command-line option that named the folder, quoted in the message.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    CommandError
        When ``path`` is a file, cannot be created, or is not writable; the message
        names ``option``, the folder and the operating system's reason.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> base = pathlib.Path(tempfile.mkdtemp())
    >>> output_dir(base / "new" / "folder").is_dir()
    True
    >>> _ = (base / "afile").write_text("")
    >>> output_dir(base / "afile" / "out")
    Traceback (most recent call last):
    ...
    symrich.cli.common.CommandError: cannot write to --out '.../afile/out': '.../afile' is a file, not a folder
    """
    if not str(path).strip():
        raise CommandError(f"{option} needs a folder name, got an empty one")
    out = Path(path)
    blocking = next((p for p in (out, *out.parents) if p.exists()), None)
    if blocking is not None and not blocking.is_dir():
        raise CommandError(f"cannot write to {option} {str(out)!r}: {str(blocking)!r} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise CommandError(f"cannot write to {option} {str(out)!r}: {exc.strerror or exc}") from exc
    return out

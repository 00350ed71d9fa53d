"""The tidy result tables of a sweep: CSV files written atomically and read back exactly.

One row per (configuration, checkpoint); floats are written with ``repr`` so that
every number round-trips exactly, and a file is replaced atomically (temporary file,
``fsync``, ``os.replace``) so a reader never sees half a table.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
>>> write_table(p, [{"id": "x", "step": 10, "hamming": 0.1 + 0.2}], ["id", "step", "hamming"])
>>> read_table(p)[0]["hamming"] == 0.1 + 0.2
True
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

__all__ = ["read_table", "write_table", "write_atomic"]


def _fmt(v):
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float):
        return repr(v)
    return v


def write_table(path, rows, fieldnames):
    """Write ``rows`` (dicts) to the CSV file ``path`` atomically, columns ``fieldnames`` in order.

    Parameters
    ----------
    path : path
        The table; its folder must exist.  Written by :func:`write_atomic`.
    rows : iterable of dict
    fieldnames : sequence of str

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> write_table(p, [{"id": "a", "ok": True}], ["id", "ok"]); p.read_text().splitlines()
    ['id,ok', 'a,1']
    """
    buffer = io.StringIO(newline="")
    w = csv.DictWriter(buffer, fieldnames=fieldnames)
    w.writeheader()
    w.writerows({k: _fmt(r[k]) for k in fieldnames} for r in rows)
    write_atomic(path, buffer.getvalue())


def write_atomic(path, text):
    """Replace the file ``path`` by ``text`` atomically: a reader (or a killed writer) never leaves half a file.

    The text goes to ``.NAME.PID.tmp`` beside ``path``, is flushed to disk (``fsync``) and renamed over
    ``path`` (``os.replace``, atomic on POSIX and Windows).  A writer killed before the rename leaves
    only the temporary file, which :func:`symrich.experiments.sweep.run_sweep` removes.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.json"
    >>> write_atomic(p, "{}\\n"); p.read_text(), sorted(q.name for q in p.parent.iterdir())
    ('{}\\n', ['a.json'])
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _value(text):
    if text == "":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def read_table(path):
    """Read a results CSV into a list of dicts: integers, floats (``nan`` included), text, and None for empty.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("id,step,hamming,n_probe\\nx,10,0.25,\\n")
    >>> read_table(p)
    [{'id': 'x', 'step': 10, 'hamming': 0.25, 'n_probe': None}]
    """
    with Path(path).open(newline="") as fh:
        return [{k: _value(v) for k, v in row.items()} for row in csv.DictReader(fh)]

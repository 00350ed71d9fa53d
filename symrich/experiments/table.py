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
import os
from pathlib import Path

__all__ = ["read_table", "write_table"]

#: Columns that stay strings when a table is read.
TEXT_COLUMNS = ("id", "method")


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
        The table; its folder must exist.  A temporary ``.NAME.PID.tmp`` beside it is
        written, flushed to disk and renamed over ``path``.
    rows : iterable of dict
    fieldnames : sequence of str

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> write_table(p, [{"id": "a", "ok": True}], ["id", "ok"]); p.read_text().splitlines()
    ['id,ok', 'a,1']
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fieldnames)
        w.writeheader()
        w.writerows({k: _fmt(r[k]) for k in fieldnames} for r in rows)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def read_table(path):
    """Read a results CSV into a list of dicts with numbers converted (``id``/``method`` stay strings).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"; _ = p.write_text("id,step,hamming\\nx,10,0.25\\n")
    >>> read_table(p)
    [{'id': 'x', 'step': 10, 'hamming': 0.25}]
    """
    out = []
    with Path(path).open(newline="") as fh:
        for row in csv.DictReader(fh):
            conv = {}
            for k, v in row.items():
                if k in TEXT_COLUMNS:
                    conv[k] = v
                else:
                    try:
                        conv[k] = int(v)
                    except ValueError:
                        conv[k] = float(v)
            out.append(conv)
    return out

"""Input stage: a plain CSV file read by numpy's parser (docs/semantics.md#large-data).

Most large files are plain: UTF-8 (a byte-order mark before the header or none), a header on
line 1, one row per line, every row as wide as the header, no quotes, no blank lines, a ``.``
decimal mark and a delimiter other than blanks. The columns of such a file whose first cell is
a number are read by ``np.loadtxt`` into one float64 array (each value the one Python's
``float`` gives its cell); the text of a column is read when it is asked for. Whatever this
path does not take (a file of another kind, a cell numpy does not read as a number, a value
that is NaN or infinite), it does not judge: :func:`read_fast` returns None and the file is
read by :func:`bpnet.data.table.read_table`, whose messages name the line, the column and the
cell.
"""
from __future__ import annotations

import codecs
import os
import stat
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from bpnet.data.table import _BOMS, _MAGIC, DELIMITERS, Table, sniff_delimiter, to_number

BLOCK = 1 << 23   # bytes checked at a time (about 8 MB; the block ends at the end of a line)


@dataclass
class ColumnTable(Table):
    """A plain CSV file as arrays: ``values`` (N, M) holds its numeric columns (``numeric``:
    the file's column -> the column of ``values``), every value finite; text is read from the
    file (``source``, ``sep``) when a column is asked for as text, and kept in ``texts``."""

    source: str = ""
    sep: str = ","
    values: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    numeric: dict[int, int] = field(default_factory=dict)
    texts: dict[int, list[str]] = field(default_factory=dict)

    def column(self, name: str, key: str) -> list[str]:
        return self.text(self.index(name, key))

    def text(self, j: int) -> list[str]:
        """The cells of the file's column ``j`` as text."""
        if j not in self.texts:
            self.texts[j] = _load(self.source, self.sep, [j], object)[:, 0].tolist()
        return self.texts[j]

    def numbers(self, name: str, key: str) -> np.ndarray:
        j = self.index(name, key)
        if j not in self.numeric:
            return super().numbers(name, key)
        view = self.values[:, self.numeric[j]]   # no copy; the caller's stack copies it
        view.flags.writeable = False
        return view

    def matrix(self, names: Sequence[str], key: str) -> np.ndarray:
        """The columns ``names`` taken from ``values`` at once when they are all numbers (a
        copy made row by row, not column by column); else as any table's."""
        cols = [self.index(name, key) for name in names]
        if cols and all(j in self.numeric for j in cols):
            return np.take(self.values, [self.numeric[j] for j in cols], axis=1)
        return super().matrix(names, key)


class _Rows(Sequence):
    """The rows of a :class:`ColumnTable` as lists of text cells, made when asked for. It
    refers to its table weakly: no reference cycle keeps a table's arrays in memory after
    the table is dropped, until the garbage collector happens to run."""

    def __init__(self, table: ColumnTable, n: int) -> None:
        self.table, self.n = weakref.proxy(table), n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(self.n))]
        return [self.table.text(j)[i] for j in range(len(self.table.header))]


def read_fast(path: str, name: str, delimiter: str | None = None, decimal: str = ".",
              encoding: str | None = None, thousands: str | None = None) -> Table | None:
    """The table of the plain CSV file ``path`` (shown as ``name``), or None when the file is
    not plain or any cell is not for this path (see the module docstring)."""
    if decimal != "." or encoding is not None or delimiter in ("space", " ") or thousands:
        return None
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        first, cells = _head(path)
        sep = DELIMITERS[delimiter] if delimiter else sniff_delimiter(first)
        header, cells = [h.strip() for h in first.split(sep)], cells.split(sep)
        named = [h for h in header if h]
        if len(set(named)) != len(named) or len(cells) != len(header):
            return None   # a name given twice, or a short first row: read_table says where
        numeric = [j for j, c in enumerate(cells) if to_number(c) is not None]
        if not numeric or not _plain(path, sep, len(header), len(numeric) < len(header)):
            return None
        values = _load(path, sep, numeric if len(numeric) < len(header) else None, float)
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not np.isfinite(values).all():
        return None   # a missing value or an infinite one: read_table's rules say which
    table = ColumnTable(name, header, [], range(2, 2 + len(values)), ".", path, sep, values,
                        {j: k for k, j in enumerate(numeric)})
    table.rows = _Rows(table, len(values))
    return table


def _load(path: str, sep: str, columns: list[int] | None, dtype: type) -> np.ndarray:
    """The ``columns`` (None: all) of every data row of a plain file, (N, M) of ``dtype``:
    float as ``float`` reads each cell (ValueError when a cell is not a number, or a row is
    not as wide as the first), object: each cell's text."""
    return np.loadtxt(path, dtype=dtype, delimiter=sep, comments=None, quotechar=None,
                      skiprows=1, usecols=columns, ndmin=2, encoding="utf-8")


def _head(path: str) -> tuple[str, str]:
    """The header line and the first data line of a file that may be plain (ValueError when
    it is not: a binary file, a byte-order mark other than UTF-8's, a quote in the header,
    no data line)."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
        if (not head or b"\x00" in head
                or any(head.startswith(b) for b, _ in _BOMS if b != codecs.BOM_UTF8)
                or any(head.startswith(m) for m, _, _ in _MAGIC)):
            raise ValueError("not a plain file")
        fh.seek(0)
        first = _cells(fh.readline().decode("utf-8-sig"))
        cells = _cells(fh.readline().decode("utf-8"))
    if not first.strip() or '"' in first or not cells.strip():
        raise ValueError("not a plain file")
    return first, cells


def _cells(line: str) -> str:
    """A line without its end (``\\n`` or ``\\r\\n``)."""
    return line[:-2] if line.endswith("\r\n") else line[:-1] if line.endswith("\n") else line


def _plain(path: str, sep: str, width: int, widths: bool) -> bool:
    """Whether the data lines of ``path`` hold no quote, no NUL byte, no blank line (numpy
    skips one; read_table counts it) and no ``\\r`` but before a ``\\n``; with ``widths``,
    also whether each line has ``width`` cells (numpy checks that itself when it reads every
    column)."""
    with open(path, "rb") as fh:
        fh.readline()
        last = b"\n"
        while block := fh.read(BLOCK):
            block += fh.readline()
            if (b'"' in block or b"\x00" in block or b"\n\n" in block
                    or (last + block[:2]).startswith((b"\n\n", b"\n\r\n"))
                    or (b"\r" in block and (b"\n\r\n" in block
                                            or block.count(b"\r") != block.count(b"\r\n")))
                    or (widths and not _widths(block, sep, width))):
                return False
            last = block[-1:]
    return True


def _widths(block: bytes, sep: str, width: int) -> bool:
    """Whether every line of ``block`` has ``width`` cells separated by ``sep``: a line end
    after every ``width`` cuts, a cut being a delimiter or a line end."""
    buf = np.frombuffer(block if block.endswith(b"\n") else block + b"\n", np.uint8)
    ends = buf == ord("\n")
    cuts = np.flatnonzero(ends | (buf == ord(sep)))
    return len(cuts) == np.count_nonzero(ends) * width and bool(ends[cuts[width - 1::width]].all())

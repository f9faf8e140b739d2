"""Input stage: a plain CSV file read by numpy's C parser (docs/semantics.md#large-data).

Most large files are plain: UTF-8 (a byte-order mark before the header or none), a header on
line 1, one row per line, no quotes, no blank lines and a delimiter other than blanks. Such a
file is read here in blocks into one float64 array of its numeric columns, each value the one
Python's ``float`` gives its cell: a block whose numeric cells are all short plain decimals
(``-12.345``) by :mod:`bpnet.data.decimals`, all at once, any other by ``np.loadtxt`` (every
cell through the same correctly rounded conversion as ``float``); a column whose first cell is
not a number is kept as text. With decimal commas (``data.decimal: ","``) only the first way is
taken (``-12,345``): a block with any other number (``1.234,5``, a missing value) sends the
file to the careful reader. Whatever this path does not accept, it does not judge:
:func:`read_fast` returns None and the file is read by :func:`bpnet.data.table.read_table`,
whose messages name the line, the column and the cell. A column holding a cell that is NaN or
infinite (a missing value, ``nan``, ``inf``) is turned into numbers by :meth:`Table.numbers`
from its text, as any other table's. A large file is parsed on two cores: a forked copy of this
process parses the blocks of its second half into the same array, in memory both share, while
this process parses the first (the same blocks, so the same numbers).
"""
from __future__ import annotations

import codecs
import functools
import io
import math
import os
import stat
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from bpnet import progress, workers
from bpnet.data.decimals import parse_block
from bpnet.data.table import _BOMS, _MAGIC, DELIMITERS, Table, sniff_delimiter, to_number
from bpnet.errors import InputError

BLOCK = 1 << 23   # bytes parsed at a time (about 8 MB; the block ends at the end of a line)
TWO_CORES = 200_000   # rows from which a forked copy of the process parses half of the file


@dataclass
class ColumnTable(Table):
    """A plain CSV file as arrays: ``values`` (N, M) holds its numeric columns (``numeric``:
    the file's column -> the column of ``values``); text is read from the file (``source``,
    ``sep``) when a column is asked for as text, and kept in ``texts``."""

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
            self.texts.update(_text_columns(self.source, self.sep, len(self.header), [j]))
        return self.texts[j]

    def numbers(self, name: str, key: str) -> np.ndarray:
        j = self.index(name, key)
        if j not in self.numeric:
            return super().numbers(name, key)
        values = self.values[:, self.numeric[j]]
        # a finite value is the cell's number; the others are read from their text
        if np.isfinite(values).all():
            view = values.view()   # no copy of a million rows; the caller's stack copies it
            view.flags.writeable = False
            return view
        return self.mended(values.copy(), self.text(j), name)

    def matrix(self, names: Sequence[str], key: str) -> np.ndarray:
        """The columns ``names`` taken from ``values`` at once when they are all numbers
        and finite (a copy made row by row, not column by column); else as any table's."""
        cols = [self.index(name, key) for name in names]
        if cols and all(j in self.numeric for j in cols):
            out = np.take(self.values, [self.numeric[j] for j in cols], axis=1)
            if np.isfinite(out).all():
                return out
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
    if decimal not in (".", ",") or encoding is not None or delimiter in ("space", " ") or \
            thousands:
        return None
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        found = _scan(path)
        if found is None:
            return None
        first, rows, split = found
        sep = DELIMITERS[delimiter] if delimiter else sniff_delimiter(first, decimal)
        if sep == decimal:
            return None   # read_table says what to set
        return _read(path, name, first, sep, rows, split, decimal)
    except (OSError, ValueError, UnicodeDecodeError, InputError):
        return None


def _read(path: str, name: str, first: str, sep: str, rows: int,
          split: tuple[int, int] | None, decimal: str = ".") -> ColumnTable | None:
    """The table of a plain file whose header line is ``first`` and which has ``rows`` data
    rows (``split``: see :func:`_scan`); the columns whose first cell is not a number are read
    as text. None: not for this path after all."""
    header = [h.strip() for h in first.split(sep)]
    if len(set(h for h in header if h)) != len([h for h in header if h]):
        return None   # a name given twice: read_table says where
    with open(path, encoding="utf-8", newline="") as fh:
        fh.readline()
        cells = _cells(fh.readline())
    cells = cells.split(sep)
    if len(cells) != len(header):
        return None
    text = [j for j, c in enumerate(cells) if to_number(c, decimal) is None]
    numeric = [j for j in range(len(header)) if j not in text]
    if not numeric:
        return None   # text only: nothing for numpy's parser
    texts = _text_columns(path, sep, len(header), text) if text else {}
    parse = functools.partial(_block, sep=sep, numeric=numeric,
                              some=len(numeric) < len(header), width=len(header), point=decimal)
    values = _parse(path, name, parse, (rows, len(numeric)), split)
    if values is None:
        return None
    table = ColumnTable(name, header, [], range(2, 2 + rows), decimal, path, sep, values,
                        {j: k for k, j in enumerate(numeric)}, texts)
    table.rows = _Rows(table, rows)
    return table


def _cells(line: str) -> str:
    """A line without its end (``\\n`` or ``\\r\\n``)."""
    return line[:-2] if line.endswith("\r\n") else line[:-1] if line.endswith("\n") else line


def _blocks(fh, end: int | None = None) -> Iterator[bytes]:
    """The rest of the binary file ``fh`` (up to the byte ``end``, a line's start) in blocks
    of whole lines."""
    while end is None or fh.tell() < end:
        block = fh.read(BLOCK)
        if not block:
            return
        if not block.endswith(b"\n"):
            block += fh.readline()
        yield block


def _scan(path: str) -> tuple[str, int, tuple[int, int] | None] | None:
    """(the header line, the number of lines after it, the split) of a plain file, else None.
    The split: (the byte, the number of lines before it) of the end of the block nearest to
    the middle of the data, None when the data are one block."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
        bom = head.startswith(codecs.BOM_UTF8)   # as Excel's "CSV UTF-8" begins
        if (not head or b"\x00" in head or (not bom and any(head.startswith(b) for b, _ in _BOMS))
                or any(head.startswith(m) for m, _, _ in _MAGIC)):
            return None
        fh.seek(0)
        first = _cells(fh.readline().decode("utf-8-sig"))
        if not first.strip() or len(first.splitlines()) != 1 or '"' in first:
            return None
        lines, last, ends = 0, b"\n", [(fh.tell(), 0)]
        for block in _blocks(fh):
            count, blank = _line_ends(block)
            # (a block without \r, the usual, is not searched for blank lines ending \r\n)
            if (b'"' in block or b"\x00" in block or blank
                    or block.startswith((b"\n", b"\r\n")) or (b"\r" in block and (
                        b"\n\r\n" in block or block.count(b"\r") != block.count(b"\r\n")))):
                return None
            lines += count
            last = block
            ends.append((fh.tell(), lines))
        lines += not last.endswith(b"\n")
    middle = (ends[0][0] + ends[-1][0]) / 2
    split = min(ends[1:-1], key=lambda e: abs(e[0] - middle), default=None)
    return (first, lines, split) if lines else None


def _line_ends(block: bytes) -> tuple[int, bool]:
    """(how many ``\\n`` the block holds, whether two of them follow one another); numpy's
    comparison of every byte takes a third of the time of ``b"\\n\\n" in block``."""
    ends = np.frombuffer(block, np.uint8) == ord("\n")
    return int(np.count_nonzero(ends)), bool((ends[1:] & ends[:-1]).any())


def _parse(path: str, name: str, parse: Callable[[bytes], np.ndarray | None],
           shape: tuple[int, int], split: tuple[int, int] | None) -> np.ndarray | None:
    """Every data row's numeric columns, ``parse`` of each block, as ``shape`` (N, M) float64,
    or None when a block does not parse or its rows do not match its lines. From
    :data:`TWO_CORES` rows on, where it can, a forked copy of this process parses the blocks
    after the ``split`` (byte, rows before it) into the array's rows from there on meanwhile,
    in memory both share (and counts its rows there, for the progress lines)."""
    count = progress.Rows(f"reading {name}", shape[0])
    if split is None or shape[0] < TWO_CORES or not workers.can_fork():
        values = np.empty(shape)
        return values if _fill(path, parse, values, count.done) else None
    at, before = split
    values = workers.shared(shape, np.float64)
    done = workers.in_two(lambda said: _fill(path, parse, values[:before], said, end=at),
                          lambda said: _fill(path, parse, values[before:], said, at),
                          before, count.done)
    return values if done else None


def _fill(path: str, parse: Callable[[bytes], np.ndarray | None], out: np.ndarray,
          said: Callable[[int], None], start: int | None = None, end: int | None = None) -> bool:
    """``out`` (n, M) filled with ``parse`` of each block of the data lines of ``path`` from
    the byte ``start`` (None: the line after the header) up to the byte ``end`` (None: the
    end), ``said(k)`` after each block with k rows done; -> whether every block parsed and
    their rows, as many as their lines, are the n of ``out``."""
    done = 0
    with open(path, "rb") as fh:
        fh.readline()
        if start is not None:
            fh.seek(start)
        for block in _blocks(fh, end):
            n = block.count(b"\n") + (not block.endswith(b"\n"))
            part = parse(block)
            if part is None or len(part) != n or done + n > len(out):
                return False
            out[done:done + n] = part
            done += n
            said(done)
    return done == len(out)


def _block(data: bytes, sep: str, numeric: list[int], some: bool, width: int,
           point: str = ".") -> np.ndarray | None:
    """The ``numeric`` columns (``some``: not all ``width``) of the rows of ``data`` (n, M):
    by :func:`~bpnet.data.decimals.parse_block` when each of their cells is a short plain
    decimal, else by numpy's parser, or, when a cell is not a plain number (a missing value),
    row by row, NaN for every cell that ``float`` does not read (None when a row has another
    width). With ``point`` "," (decimal commas), the first way only, else None."""
    fast = parse_block(data, sep, numeric, width, point)
    if fast is not None or point != ".":
        return fast
    text = data.decode("utf-8")
    try:
        return np.loadtxt(io.StringIO(text), dtype=np.float64, delimiter=sep, comments=None,
                          quotechar=None, ndmin=2, usecols=numeric if some else None)
    except ValueError:
        pass
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    out = np.empty((len(lines), len(numeric)))
    for i, line in enumerate(lines):
        cells = _cells(line + "\n").split(sep)
        if len(cells) != width or not any(c.strip() for c in cells):
            return None   # a row of another width, or a blank one, that read_table skips
        out[i] = [_float(cells[j]) for j in numeric]
    return out


def _float(cell: str) -> float:
    try:
        return float(cell)
    except ValueError:
        return math.nan


def _text_columns(path: str, sep: str, width: int, columns: list[int]) -> dict[int, list[str]]:
    """The text of the ``columns`` of every data row of a plain file with ``width`` columns;
    a row of another width raises ValueError."""
    out: dict[int, list[str]] = {j: [] for j in columns}
    with open(path, encoding="utf-8", newline="") as fh:
        fh.readline()
        for line in fh:
            cells = _cells(line).split(sep)
            if len(cells) != width:
                raise ValueError("a row of another width")
            for j in columns:
                out[j].append(cells[j])
    return out

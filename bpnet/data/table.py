"""Input stage: a data file read as a table of text, with the line number of every row.

The file's dialect is found or taken from the config (docs/semantics.md#data-files): the encoding
from its byte-order mark (UTF-8 with or without one, UTF-16 and UTF-32 with one) unless
``data.encoding`` names one; the delimiter (comma, semicolon, tab or ``|``) from the header
line unless ``data.delimiter`` names one (or ``space``: runs of blanks); decimal commas with
``data.decimal: ","``, thousands separators with ``data.thousands``. A binary file (a MATLAB
``.mat``, an Excel workbook, ...) is refused with a message saying what is read. Cells become
numbers only when a column is asked for (:meth:`Table.numbers`), so that a bad cell is reported
with its line and column; a missing cell (empty, ``NA``, ``NaN``, ``.``, ...) becomes NaN, and
the caller's missing-value policy decides what happens to it (:mod:`bpnet.data.missing`).
"""
from __future__ import annotations

import codecs
import contextlib
import csv
import gc
import io
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from bpnet.errors import InputError
from bpnet.paths import checked, read_bytes, shown

# cell texts that mean "no value here" (compared in lower case, blanks stripped): what pandas,
# R, MATLAB, Excel and FRED write for a missing number
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "nil", ".", "-", "--", "?",
                     "#n/a", "#na", "missing"})
DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\t": "\t", "|": "|", "space": " ", " ": " "}
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d*)?$")
# a space groups digits as a no-break space or a narrow one does (French and Swiss spreadsheets)
_SPACES = " \u00a0\u202f"
_READS = ("text tables: comma, semicolon, tab or space separated, in UTF-8 (with or without a "
          "byte-order mark), UTF-16 or UTF-32 with one, or the encoding data.encoding names")


@dataclass
class Table:
    """A data file as text: ``header`` names, ``rows`` of cells, ``lines`` their line numbers
    (0 for a row that is not in the file, such as a time step inserted into a gap), the
    ``decimal`` mark of its numbers and their ``thousands`` separator (None: none)."""

    path: str
    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    decimal: str = "."
    thousands: str | None = field(default=None, kw_only=True)

    def column(self, name: str, key: str) -> list[str]:
        """The cells of column ``name`` (named by the config key ``key``) as text."""
        j = self.index(name, key)
        return [row[j] for row in self.rows]

    def index(self, name: str, key: str) -> int:
        """The position of column ``name`` in the header; an absent one is an error naming
        the config key ``key`` that asks for it."""
        if name not in self.header:
            raise InputError(f"{self.path}: no column {name!r} (named by {key}); the columns are "
                             f"{', '.join(self.header)}")
        return self.header.index(name)

    def numbers(self, name: str, key: str) -> np.ndarray:
        """Column ``name`` as float64 (L,), NaN where a cell is missing; a cell that is not a
        number, or an infinite one, is an error naming its line and column. When ``float``
        reads every cell, its values are taken at once and only the cells that are not
        finite go through :meth:`number` (in order, so the first bad one is named)."""
        cells = self.column(name, key)
        values = _floats(cells, self.decimal, self.thousands)
        if values is None:
            return np.array([self.number(cell, i, name) for i, cell in enumerate(cells)],
                            dtype=float)
        return self.mended(values, cells, name)

    def mended(self, values: np.ndarray, cells: Sequence[str], name: str) -> np.ndarray:
        """``values`` (L,) of column ``name``, each one that is not finite replaced, in place,
        by :meth:`number` of its cell in ``cells`` (L,), in order: the first bad cell is the
        one named, as reading cell by cell names it."""
        for i in np.flatnonzero(~np.isfinite(values)).tolist():
            values[i] = self.number(cells[i], i, name)
        return values

    def matrix(self, names: Sequence[str], key: str) -> np.ndarray:
        """The columns ``names`` as float64 (L, len(names)), each as :meth:`numbers` gives
        it (the first bad cell, column by column, is the one named)."""
        return np.column_stack([self.numbers(name, key) for name in names])

    def number(self, cell: str, i: int, name: str) -> float:
        """The cell of row ``i`` in column ``name`` as a number (NaN when missing)."""
        text = cell.strip()
        if text.lower() in MISSING:
            return math.nan
        value = to_number(text, self.decimal, self.thousands)
        if value is None:
            hint = _number_hint(text, self.decimal, self.thousands)
            raise InputError(f"{self.where(i, name)}: {cell!r} is not a number{hint}")
        if not math.isfinite(value):
            raise InputError(f"{self.where(i, name)}: {cell!r} is not a finite number")
        return value

    def where(self, i: int, name: str) -> str:
        """``path: line N, column C`` of row ``i``."""
        return f"{self.path}: line {self.lines[i]}, column {name}"


def _number_hint(text: str, decimal: str, thousands: str | None) -> str:
    """What to set for a cell ``text`` that is not a number as ``decimal`` and ``thousands``
    read it: the thousands separator (and decimal mark) it is written with, when its digits
    are grouped by threes (``1,120``, ``1.234,5``), or decimal commas (``3,5``)."""
    for mark, point in ((",", "."), (".", ","), ("'", decimal), (" ", decimal)):
        if mark != thousands and _has_mark(text, mark) and to_number(text, point, mark) is not None:
            marks = f"data.thousands: {mark!r}" + (f" and data.decimal: {point!r}"
                                                    if point != decimal else "")
            return f"; for thousands separators set {marks}"
    if thousands and _has_mark(text, thousands):
        return f"; data.thousands {thousands!r} groups digits by threes"
    if decimal == "." and re.fullmatch(r"[+-]?\d*,\d+", text):
        return "; for decimal commas set data.decimal: ','"
    return ""


def _has_mark(text: str, thousands: str) -> bool:
    """Whether ``text`` holds the thousands separator ``thousands`` (a space as any of
    :data:`_SPACES`)."""
    return any(c in text for c in (_SPACES if thousands == " " else thousands))


def _ungrouped(text: str, decimal: str, thousands: str) -> str | None:
    """``text`` without its thousands separators, None when they do not group its digits by
    threes after a first group of one to three (``1,234,567.5``; ``1,12,0`` is not a number)."""
    mark = f"[{_SPACES}]" if thousands == " " else re.escape(thousands)
    if not re.fullmatch(rf"[+-]?\d{{1,3}}({mark}\d{{3}})+({re.escape(decimal)}\d*)?", text):
        return None
    return re.sub(mark, "", text)


def _floats(cells: list[str], decimal: str, thousands: str | None = None) -> np.ndarray | None:
    """``float`` of every cell (L,), each a finite value :meth:`Table.number` gives too (it
    strips the same blanks, and no missing-value word but ``nan`` is a float); with decimal
    commas, of each cell with its comma made a point when no cell holds a point (a thousands
    mark). None when ``float`` does not read one, a cell holds the ``thousands`` mark, or a
    cell holds what ``float`` reads but a CSV number does not hold (see :func:`to_number`)."""
    text = "".join(cells)
    if (thousands and _has_mark(text, thousands)) or "_" in text or not text.isascii():
        return None
    if decimal == ",":
        if "." in text:
            return None
        cells = [c.replace(",", ".") for c in cells]
    try:
        return np.fromiter(map(float, cells), dtype=np.float64, count=len(cells))
    except ValueError:
        return None


def to_number(text: str, decimal: str = ".", thousands: str | None = None) -> float | None:
    """``text`` as a float (None when it is not a number); with a decimal comma, ``1.234,5``
    (dots as thousands separators) and ``1234,5`` read as 1234.5; with the ``thousands``
    separator ``,``, ``1,234.5`` reads as 1234.5 (its digits grouped by threes). A number is
    written in ASCII, blanks around it aside: ``float`` also reads ``1_000`` and digits of
    other scripts (``١١٢``), which are text in a CSV file."""
    text = text.strip()
    if thousands and _has_mark(text, thousands):
        text = _ungrouped(text, decimal, thousands)
        if text is None:
            return None
    if "_" in text or not text.isascii():
        return None
    if decimal == ",":
        if "." in text:
            if not _THOUSANDS.match(text):
                return None
            text = text.replace(".", "")
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def read_table(path: str, delimiter: str | None = None, decimal: str = ".",
               encoding: str | None = None, thousands: str | None = None) -> Table:
    """Read a text table with a header row; blank lines are skipped. ``delimiter`` and
    ``encoding`` None: found from the file (see the module docstring)."""
    name = shown(checked(path, "the data file"))
    text = decode(read_bytes(path, "data file", where=name), name, encoding)
    sep = DELIMITERS[delimiter] if delimiter else sniff_delimiter(text, decimal)
    _check_marks(name, sep, decimal, thousands)
    with collector_paused():
        records = [(n, row) for n, row in _records(text, sep, name) if _filled(row)]
    if not records:
        raise InputError(f"{name}: the file is empty; expected a header row and data rows")
    header = [h.strip() for h in records[0][1]]
    _check_header(header, records[0][0], name)
    if _trailing_column(header, records[1:]):
        header.append("")
    for n, row in records[1:]:
        if len(row) != len(header):
            raise InputError(f"{name}: line {n} has {len(row)} cells, the header has "
                             f"{len(header)}" + _delimiter_hint(row, header, sep))
    return Table(name, header, [r for _, r in records[1:]], [n for n, _ in records[1:]],
                 decimal, thousands=thousands)


def _check_marks(name: str, sep: str, decimal: str, thousands: str | None) -> None:
    """The delimiter, decimal mark and thousands separator must tell numbers apart: a decimal
    comma needs another delimiter, a thousands separator another mark than the decimal one,
    and a space as thousands separator another delimiter (a comma as both delimiter and
    thousands separator is fine: such cells are quoted, ``"1,120"``)."""
    if sep == "," and decimal == ",":
        raise InputError(f"{name}: data.decimal ',' needs another delimiter than the comma "
                         "(set data.delimiter: ';' or tab)")
    if thousands == decimal:
        raise InputError(f"{name}: data.thousands {thousands!r} is the decimal mark too "
                         "(data.decimal); give them different marks")
    if thousands == " " == sep:
        raise InputError(f"{name}: data.thousands ' ' needs another delimiter than spaces "
                         "(data.delimiter)")


def _trailing_column(header: list[str], rows: list[tuple[int, list[str]]]) -> bool:
    """Whether every row ends with a delimiter the header does not: an empty last column, as
    a program that writes a delimiter after each cell leaves."""
    return bool(rows) and all(len(r) == len(header) + 1 and not r[-1].strip() for _, r in rows)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block. Building a million lists of cells
    (which hold no cycles) otherwise sets it scanning all of them again and again: three
    quarters of the time of reading such a file."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
_SAVE_MAT = "in MATLAB, writematrix(X, 'data.csv') or writetable(T, 'data.csv') writes one"
_SAVE_XLS = "in Excel, Save As 'CSV UTF-8' writes one"
_MAGIC = ((b"MATLAB 5.0 MAT-file", "a MATLAB .mat file", _SAVE_MAT),
          (b"MATLAB 7", "a MATLAB .mat file", _SAVE_MAT),
          (b"\x89HDF", "an HDF5 file (MATLAB -v7.3 .mat)", _SAVE_MAT),
          (b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook, a .npz, ...)", _SAVE_XLS),
          (b"\xd0\xcf\x11\xe0", "an Excel .xls workbook", _SAVE_XLS),
          (b"\x93NUMPY", "a numpy .npy file", "numpy.savetxt writes one"),
          (b"\x1f\x8b", "a gzip-compressed file", "decompress it first"),
          (b"PAR1", "a Parquet file", "pandas' DataFrame.to_csv writes one"))


def decode(raw: bytes, name: str, encoding: str | None = None) -> str:
    """The text of a file's bytes: in ``encoding``, or as its byte-order mark says, or UTF-8;
    a binary file or bytes that are not text in that encoding are an error."""
    if encoding is None:
        for bom, codec in _BOMS:
            if raw.startswith(bom):
                return _decode(raw, codec, name)
        for magic, what, advice in _MAGIC:
            if raw.startswith(magic):
                raise InputError(f"{name}: {what}, not a text table; bpnet reads {_READS} "
                                 f"({advice})")
        if b"\x00" in raw[:4096]:
            raise InputError(f"{name}: a binary file (it holds NUL bytes), not a text table; "
                             f"bpnet reads {_READS}")
        encoding = "utf-8"
    return _decode(raw, encoding, name)


def _decode(raw: bytes, codec: str, name: str) -> str:
    try:
        return raw.decode(codec)
    except LookupError:
        raise InputError(f"{name}: data.encoding: unknown encoding {codec!r}") from None
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise InputError(f"{name}: line {line}: byte 0x{raw[exc.start]:02x} is not {codec} "
                         "text; save the file as UTF-8, or name its encoding with "
                         "data.encoding (e.g. cp1252 or latin-1)") from None


def sniff_delimiter(text: str, decimal: str = ".") -> str:
    """The delimiter of a table: the most frequent of comma, semicolon, tab and ``|`` in its
    first non-blank line (outside quotes), the comma only when no other is there if numbers
    have decimal commas (a column name may hold one: ``Temperatur, °C``); with none there (one
    column), a comma, or a semicolon when numbers have decimal commas."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    bare = re.sub(r'"[^"]*"', "", first)
    counts = {sep: bare.count(sep) for sep in (",", ";", "\t", "|")}
    if decimal == "," and any(n for sep, n in counts.items() if sep != ","):
        del counts[","]
    best = max(counts, key=lambda s: counts[s])
    if counts[best] == 0:
        return ";" if decimal == "," else ","
    return best


def _filled(row: list[str]) -> bool:
    """Whether a row has a cell that is not blank (its first, mostly)."""
    return bool(row) and (bool(row[0].strip()) or any(cell.strip() for cell in row))


def _records(text: str, sep: str, name: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) of every line; ``sep`` " " splits on runs of blanks."""
    if sep == " ":
        return [(n, line.split()) for n, line in enumerate(text.splitlines(), start=1)]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        if '"' not in text:   # no quotes, no cell across lines: each line is one row
            return list(enumerate(reader, start=1))
        return [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise InputError(f"{name}: cannot read the data file (line {reader.line_num}: "
                         f"{exc})") from None


def _check_header(header: list[str], line: int, name: str) -> None:
    """A column name given twice is an error naming it, how often and where (blank names, as
    of trailing empty columns, are not names): which one a key means would be a guess."""
    places: dict[str, list[int]] = {}
    for j, h in enumerate(header):
        if h:
            places.setdefault(h, []).append(j + 1)
    for h, cols in places.items():
        if len(cols) > 1:
            listed = ", ".join(map(str, cols[:-1])) + f" and {cols[-1]}"
            raise InputError(f"{name}: line {line}: column {h!r} appears {len(cols)} times in "
                             f"the header; rename all but one (in line {line}: columns {listed} "
                             f"are {'both' if len(cols) == 2 else 'all'} named {h!r}; bpnet "
                             "will not guess which is meant)")


def _delimiter_hint(row: list[str], header: list[str], sep: str) -> str:
    """A hint when a row splits differently from its header: it ends with a delimiter (an
    empty last cell), or its numbers have decimal commas."""
    if len(row) == len(header) + 1 and not row[-1].strip():
        return "; it ends with a delimiter (an empty last cell) that other lines have not"
    if sep == "," and len(row) > len(header) and any(re.fullmatch(r"\d+", c) for c in row):
        return "; if the numbers have decimal commas, set data.decimal: ',' (and the delimiter)"
    return ""

"""Input stage: a data file read as the data settings say, and a wide table read as a series.

Climate and statistics tables often come wide: one row per year, a column per month (or per
quarter). ``data.wide: {time: YEAR, columns: [JAN, ..., DEC]}`` reads such a table as one long
series, row by row and month by month, labelled ``YYYY-MM`` (``YYYYQn`` with four columns), in
a table of two columns, ``data.time`` and ``data.series`` (docs/semantics.md#data-files). A cell
keeps
its line and column, so a bad one is reported where it is in the file.
"""
from __future__ import annotations

from dataclasses import dataclass

from bpnet.config import DataConfig
from bpnet.data import arrays
from bpnet.data.fastcsv import read_fast
from bpnet.data.matfile import is_mat, read_mat_table
from bpnet.data.table import Table, read_table, to_number
from bpnet.errors import InputError
from bpnet.paths import checked, shown


@dataclass
class LongTable(Table):
    """A wide table read long: ``sources`` (L,) names the file's column of every value."""

    sources: list[str] | None = None

    def where(self, i: int, name: str) -> str:
        column = self.sources[i] if self.sources and name == self.header[1] else name
        return f"{self.path}: line {self.lines[i]}, column {column}"


def read_data(path: str, d: DataConfig) -> Table:
    """The table of a data file as ``d`` says: its delimiter, decimal mark and encoding, and
    with ``d.wide`` the wide table read long. A plain CSV file is read by numpy's parser
    (:mod:`~bpnet.data.fastcsv`), any other by :func:`~bpnet.data.table.read_table`; a
    ``.npy`` or ``.npz`` file as arrays (:mod:`~bpnet.data.arrays`); a .mat file's variables
    (:mod:`~bpnet.data.matfile`)."""
    if is_mat(path):
        return read_mat_table(path, d)
    name = shown(checked(path, "the data file"))
    if path.endswith(arrays.SUFFIXES):
        table = arrays.read_arrays(path, name, d.columns, arrays.named_columns(d))
    else:
        table = read_fast(path, name, d.delimiter, d.decimal, d.encoding, d.thousands) or \
            read_table(path, d.delimiter, d.decimal, d.encoding, d.thousands)
    return to_long(table, d) if d.wide is not None else table


def to_long(table: Table, d: DataConfig) -> Table:
    """The wide ``table`` as a long table of the columns ``d.time`` and ``d.series``: each row
    gives one value per column of ``d.wide.columns``, in that order."""
    w = d.wide
    years = table.column(w.time, "data.wide.time")
    cells = {c: table.column(c, "data.wide.columns") for c in w.columns}
    rows, lines, sources = [], [], []
    per_year = len(w.columns)
    for i, text in enumerate(years):
        year = to_number(text.strip())
        if year is None or not year.is_integer():
            raise InputError(f"{table.where(i, w.time)}: {text!r} is not a year")
        for j, column in enumerate(w.columns):
            label = f"{int(year):04d}-{j + 1:02d}" if per_year == 12 else f"{int(year)}Q{j + 1}"
            rows.append([label, cells[column][i]])
            lines.append(table.lines[i])
            sources.append(column)
    return LongTable(table.path, [d.time or w.time, d.series], rows, lines, table.decimal,
                     sources, thousands=table.thousands)

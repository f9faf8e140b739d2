"""Input stage: a CSV data file read as text, with the line number of every row.

Cells become numbers only when a column is asked for (:meth:`Table.numbers`), so that a bad cell
is reported with its line and column.
"""
from __future__ import annotations

import csv
import os
import stat
from collections import Counter
from dataclasses import dataclass

import numpy as np

from bpnet.errors import InputError
from bpnet.paths import checked, shown


@dataclass
class Table:
    """A CSV file as text: ``header`` names, ``rows`` of cells, ``lines`` their line numbers."""

    path: str
    header: list[str]
    rows: list[list[str]]
    lines: list[int]

    def column(self, name: str, key: str) -> list[str]:
        """The cells of column ``name`` (named by the config key ``key``) as text."""
        if name not in self.header:
            raise InputError(f"{self.path}: no column {name!r} (named by {key}); the columns are "
                             f"{', '.join(self.header)}")
        j = self.header.index(name)
        return [row[j] for row in self.rows]

    def numbers(self, name: str, key: str) -> np.ndarray:
        """Column ``name`` as float64 (L,); a blank, non-numeric or non-finite cell is an error."""
        cells = self.column(name, key)
        out = np.empty(len(cells))
        for i, cell in enumerate(cells):
            where = f"{self.path}: line {self.lines[i]}, column {name}"
            text = cell.strip()
            if not text:
                raise InputError(f"{where}: empty cell")
            try:
                value = float(text)
            except ValueError:
                raise InputError(f"{where}: {cell!r} is not a number") from None
            if not np.isfinite(value):
                raise InputError(f"{where}: {cell!r} is not a finite number")
            out[i] = value
        return out


def read_table(path: str) -> Table:
    """Read a CSV file with a header row; blank lines are skipped."""
    name = shown(checked(path, "the data file"))
    try:
        if stat.S_ISCHR(os.stat(path).st_mode):   # /dev/zero would be read forever
            raise InputError(f"{name}: a device, not a data file")
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            records = [(reader.line_num, row) for row in reader]
    except FileNotFoundError:
        raise InputError(f"{name}: data file not found") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{name}: cannot read the data file ({exc})") from None
    records = [(n, row) for n, row in records if any(cell.strip() for cell in row)]
    if not records:
        raise InputError(f"{name}: the file is empty; expected a header row and data rows")
    header = [h.strip() for h in records[0][1]]
    twice = [h for h, n in Counter(header).items() if n > 1]
    if twice:   # which one a key means would be a guess
        raise InputError(f"{name}: line {records[0][0]}: column {twice[0]!r} appears "
                         f"{header.count(twice[0])} times in the header; rename all but one")
    for n, row in records[1:]:
        if len(row) != len(header):
            raise InputError(f"{name}: line {n} has {len(row)} cells, the header has "
                             f"{len(header)}")
    return Table(name, header, [r for _, r in records[1:]], [n for n, _ in records[1:]])

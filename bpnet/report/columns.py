"""Output stage: tables of columns written fast, whatever their length
(docs/semantics.md#large-data).

A numeric column becomes its cells all at once (each number's shortest exact text, as
:func:`~bpnet.storage.fileio.number_cell` writes one; empty when NaN or infinite), a block of
rows at a time, so that memory stays small. A long table also goes into a ``.npz`` file
(:data:`NPZ_ROWS`), one array per column, which numpy reads back without pickle. Text that a
spreadsheet would run as a formula is written after a single quote (:func:`text_cell`).
"""
from __future__ import annotations

import csv
import math
import zipfile
from collections.abc import Sequence

import numpy as np

from bpnet import progress
from bpnet.data.samples import RowNumbers
from bpnet.data.table import to_number

ROWS = 10_000          # rows turned into text at a time (about 9 MB of text cells)
NPZ_ROWS = 100_000     # from this many rows on, predictions.npz is written beside the CSV


def number_cells(values: np.ndarray) -> list[str]:
    """The cells (n,) of the numbers ``values`` (n,): repr of each, empty when not finite
    (one repr for a column of one value: the training mean's)."""
    x = np.ascontiguousarray(values, dtype=float)
    bits = x.view(np.int64)
    if len(x) and np.isfinite(x[0]) and (bits == bits[0]).all():   # bits: 0.0 is not -0.0
        return [repr(float(x[0]))] * len(x)
    cells = list(map(repr, x.tolist()))
    for i in np.flatnonzero(~np.isfinite(x)).tolist():
        cells[i] = ""
    return cells


def write_columns(fh, cols: list[tuple[str, Sequence[str] | np.ndarray]], what: str = ""
                  ) -> None:
    """A CSV table of the columns ``cols`` (name, values (n,): text or a numpy array) into
    the text file ``fh``, a block of :data:`ROWS` rows at a time; ``what`` names the job in
    progress lines. Text is written as :func:`text_cells` writes it."""
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(text_cells([name for name, _ in cols]))
    n = len(cols[0][1]) if cols else 0
    said = progress.Rows(f"writing {what}", n).done
    for first in range(0, n, ROWS):
        last = min(n, first + ROWS)
        cells = [text_cells(values[first:last]) if not isinstance(values, np.ndarray)
                 else number_cells(values[first:last]) for _, values in cols]
        if len(cells) > 1 and not any(map(_quoted, cells)):
            fh.write("".join(line + "\n" for line in map(",".join, zip(*cells))))
        else:   # a cell the csv writer quotes: let it
            w.writerows(zip(*cells))
        said(last)


def text_cells(cells: Sequence[str]) -> Sequence[str]:
    """The text ``cells`` (n,), each as :func:`text_cell` writes it."""
    if set(_FORMULA).isdisjoint("".join([c[:1] for c in cells])):
        return cells
    return list(map(text_cell, cells))


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def text_cell(text: str) -> str:
    """A text cell as a CSV file holds it safely: one that a spreadsheet would run as a
    formula (it begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return and is not
    a finite number) with a single quote before it, as OWASP advises against CSV injection;
    any other as it is."""
    if not text.startswith(_FORMULA):
        return text
    value = to_number(text)
    return text if value is not None and math.isfinite(value) else f"'{text}"


def _quoted(cells: list[str]) -> bool:
    """Whether any of the text ``cells`` needs quotes in a CSV row (a comma, a quote or a line
    end in it); numbers' cells never do."""
    text = "".join(cells)
    return any(ch in text for ch in ',"\r\n')


def write_npz(path, cols: list[tuple[str, Sequence[str] | np.ndarray]]) -> None:
    """The columns ``cols`` as one .npz file at ``path`` (a path or a binary file): an array
    per column (text as str), keyed by the column name (a repeated name as ``name#2``).
    Written as ``np.savez`` writes one (a stored zip member ``<key>.npy`` per array), a
    column at a time, so that only one column is ever held as an array."""
    keys: set[str] = set()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, values in cols:
            key, k = name, 1
            while key in keys:   # a name given twice keeps both columns
                k += 1
                key = f"{name}#{k}"
            keys.add(key)
            with zf.open(f"{key}.npy", "w", force_zip64=True) as fh:
                if isinstance(values, np.ndarray):
                    np.lib.format.write_array(fh, np.asarray(values, dtype=float),
                                              allow_pickle=False)
                else:
                    _write_text(fh, values)


def _write_text(fh, values: Sequence[str]) -> None:
    """The text ``values`` (n,) as the .npy file of their str array into the binary file
    ``fh``, byte for byte as ``np.lib.format.write_array`` writes it, made :data:`ROWS`
    rows at a time: a million labels never become one array of text (28 MB and more). Row
    numbers (:class:`~bpnet.data.samples.RowNumbers`) are made as text by numpy."""
    numbers = isinstance(values, RowNumbers)
    width = len(str(max(len(values) - 1, 0))) if numbers else max(map(len, values), default=0)
    dtype = np.dtype(f"<U{max(width, 1)}")   # numpy's own width for these texts
    header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False,
              "shape": (len(values),)}
    np.lib.format.write_array_header_1_0(fh, header)
    for start in range(0, len(values), ROWS):
        stop = min(len(values), start + ROWS)
        block = np.arange(start, stop).astype(dtype) if numbers else values[start:stop]
        fh.write(np.asarray(block, dtype=dtype).tobytes())

"""Output stage: tables of columns written fast, whatever their length
(docs/semantics.md#large-data).

A numeric column becomes its cells all at once (each number's shortest exact text, as
:func:`~bpnet.storage.fileio.number_cell` writes one; empty when NaN or infinite), a block of
rows at a time, so that memory stays small; the second half of a large table is turned into
text by a forked copy of the process meanwhile, on the second core. A long table also goes
into a ``.npz`` file (:data:`NPZ_ROWS`), one array per column, which numpy reads back without
pickle.
"""
from __future__ import annotations

import csv
import io
import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Callable, Sequence

import numpy as np

from bpnet import progress, workers
from bpnet.data.samples import RowNumbers

ROWS = 10_000          # rows turned into text at a time (about 9 MB of text cells)
NPZ_ROWS = 100_000     # from this many rows on, predictions.npz is written beside the CSV
TWO_CORES = 200_000    # rows from which a forked copy of the process writes half of a table


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
    progress lines. From :data:`TWO_CORES` rows on, in a file on disk and where it can, a
    forked copy of this process turns the second half of the rows into text meanwhile, into
    a nameless file this process then appends (the same text)."""
    csv.writer(fh, lineterminator="\n").writerow([name for name, _ in cols])
    n = len(cols[0][1]) if cols else 0
    count = progress.Rows(f"writing {what}", n)
    half = ROWS * (n // (2 * ROWS))
    folder = _folder_of(fh) if n >= TWO_CORES and workers.can_fork() else None
    if folder is None:
        _write_rows(fh, cols, 0, n, count.done)
        return
    fh.flush()
    with tempfile.TemporaryFile(dir=folder) as part:
        def mine(said: Callable[[int], None]) -> bool:
            _write_rows(fh, cols, 0, half, said)
            return True

        def theirs(said: Callable[[int], None]) -> bool:
            with open(part.fileno(), "w", encoding="utf-8", newline="", closefd=False) as out:
                _write_rows(out, cols, half, n, said)
            return True

        if not workers.in_two(mine, theirs, half, count.done):
            # the copy did not finish: the rest is written here
            _write_rows(fh, cols, half, n, lambda k: count.done(half + k))
            return
        fh.flush()
        part.seek(0)
        shutil.copyfileobj(part, fh.buffer, 1 << 20)


def _folder_of(fh) -> str | None:
    """The folder of the file on disk that the text file ``fh`` writes (Linux); None when it
    is not one (a pipe, a string buffer)."""
    try:
        fd = fh.fileno()
        if not hasattr(fh, "buffer") or not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.path.dirname(os.readlink(f"/proc/self/fd/{fd}"))
    except (AttributeError, OSError, io.UnsupportedOperation):
        return None


def _write_rows(fh, cols: list[tuple[str, Sequence[str] | np.ndarray]], start: int, stop: int,
                said: Callable[[int], None]) -> None:
    """The rows ``start`` to ``stop`` (not included) of the table ``cols`` into the text file
    ``fh``, a block of :data:`ROWS` rows at a time, ``said(k)`` after each with k of them
    done."""
    w = csv.writer(fh, lineterminator="\n")
    for first in range(start, stop, ROWS):
        last = min(stop, first + ROWS)
        cells = [values[first:last] if not isinstance(values, np.ndarray)
                 else number_cells(values[first:last]) for _, values in cols]
        if len(cells) > 1 and not any(map(_quoted, cells)):
            fh.write("".join(line + "\n" for line in map(",".join, zip(*cells))))
        else:   # a cell the csv writer quotes: let it
            w.writerows(zip(*cells))
        said(last - start)


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

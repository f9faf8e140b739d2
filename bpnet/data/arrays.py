"""Input stage: data that are already arrays, a ``.npy`` or ``.npz`` file
(docs/semantics.md#large-data).

A ``.npy`` file holds one 2-D array, a row per sample, whose columns ``data.columns`` names in
order; it is memory-mapped, so a column is read from disk only when a key asks for it. A
``.npz`` file holds one 1-D array per column, under the column's name. Neither is ever read
with pickle: a file of Python objects is refused. NaN is a missing value, as an empty cell of
a CSV file is; a place in a message is a row (1 for the first sample), not a line.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass, field

import numpy as np

from bpnet.data.table import Table
from bpnet.errors import InputError

SUFFIXES = (".npy", ".npz")


@dataclass
class ArrayTable(Table):
    """A table of arrays: ``arrays`` maps each column name to its values (N,)."""

    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    def column(self, name: str, key: str) -> list[str]:
        values = self.arrays[self.header[self.index(name, key)]]
        if values.dtype.kind in "fc":
            return [repr(v) for v in values.tolist()]
        return [str(v) for v in values.tolist()]

    def numbers(self, name: str, key: str) -> np.ndarray:
        values = self.arrays[self.header[self.index(name, key)]]
        if values.dtype.kind not in "biuf":
            return super().numbers(name, key)   # text: cell by cell, as a CSV's
        out = np.array(values, dtype=np.float64)
        odd = np.flatnonzero(np.isinf(out))
        if odd.size:
            raise InputError(f"{self.where(int(odd[0]), name)}: {repr(float(out[odd[0]]))!r} "
                             "is not a finite number")
        return out

    def where(self, i: int, name: str) -> str:
        return f"{self.path}: row {self.lines[i]}, column {name}"


def read_arrays(path: str, name: str, columns: tuple[str, ...]) -> ArrayTable:
    """The table of the ``.npy`` (its columns named by ``columns``) or ``.npz`` file."""
    try:
        if path.endswith(".npy"):
            arrays = _npy(path, name, columns)
        else:
            arrays = _npz(path, name)
    except FileNotFoundError:
        raise InputError(f"{name}: data file not found") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        if "allow_pickle" in str(exc) or "Python objects" in str(exc):
            raise InputError(f"{name}: holds Python objects, which bpnet never unpickles; save "
                             "numbers (or text) arrays") from None
        raise InputError(f"{name}: cannot read the arrays ({exc})") from None
    lengths = {len(a) for a in arrays.values()}
    if len(lengths) > 1:
        sizes = ", ".join(f"{k} {len(a)}" for k, a in arrays.items())
        raise InputError(f"{name}: the arrays differ in length ({sizes}); each column needs "
                         "one value per sample")
    n = lengths.pop() if lengths else 0
    return ArrayTable(name, list(arrays), [], range(1, n + 1), ".", arrays)


def _npy(path: str, name: str, columns: tuple[str, ...]) -> dict[str, np.ndarray]:
    if not columns:
        raise InputError(f"{name}: data.columns: a .npy file needs the names of its columns, "
                         "in order (e.g. data.columns: [x1, x2, y])")
    array = np.load(path, mmap_mode="r", allow_pickle=False)
    if array.ndim != 2 or array.shape[1] != len(columns):
        raise InputError(f"{name}: holds an array of shape {array.shape}; data.columns names "
                         f"{len(columns)} columns, so a 2-D array (N, {len(columns)}) is needed")
    return {c: array[:, j] for j, c in enumerate(columns)}


def _npz(path: str, name: str) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as z:
        arrays = {key: z[key] for key in z.files}
    for key, a in arrays.items():
        if a.ndim != 1:
            raise InputError(f"{name}: array {key!r} has shape {a.shape}; a .npz file holds "
                             "one 1-D array per column")
    return arrays

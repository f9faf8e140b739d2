"""Input stage: data that are already arrays, a ``.npy`` or ``.npz`` file
(docs/semantics.md#large-data).

A ``.npy`` file holds one 2-D array, a row per sample, whose columns ``data.columns`` names in
order; it is memory-mapped, so a column is read from disk only when a key asks for it. A
``.npz`` file holds one 1-D array per column, under the column's name; only the arrays the
config names are read (by :class:`~bpnet.npzfile.NpzFile`, each after its header is checked
against the memory available), so an unused member, however large, is never decompressed.
Neither is ever read with pickle: a file of Python objects is refused. NaN is a missing value,
as an empty cell of a CSV file is; a place in a message is a row (1 for the first sample), not
a line.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np

from bpnet.config import DataConfig
from bpnet.config.schema import is_pattern
from bpnet.data.table import Table
from bpnet.errors import InputError
from bpnet.npzfile import NpzFile

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


def named_columns(d: DataConfig) -> frozenset[str] | None:
    """The columns the data settings ``d`` read: inputs, targets, classes, series, time,
    exogenous and wide-table columns; None (every one) when ``inputs`` selects them (``all``,
    a pattern)."""
    if any(is_pattern(n) for n in d.inputs):
        return None
    names = {*d.inputs, *d.targets, *d.exog, d.series, d.time, *d.class_columns}
    if d.wide is not None:
        names |= {d.wide.time, *d.wide.columns}
    return frozenset(names - {None})


def read_arrays(path: str, name: str, columns: tuple[str, ...],
                wanted: Collection[str] | None = None) -> ArrayTable:
    """The table of the ``.npy`` (its columns named by ``columns``) or ``.npz`` file; of a
    ``.npz``, only the arrays named in ``wanted`` (all when None) are read, the others are
    only listed in the header."""
    if path.endswith(".npy"):
        header, arrays = columns, _read_npy(path, name, columns)
    else:
        header, arrays = _npz(path, wanted)
    n = len(next(iter(arrays.values()))) if arrays else 0
    return ArrayTable(name, list(header), [], range(1, n + 1), ".", arrays)


def _read_npy(path: str, name: str, columns: tuple[str, ...]) -> dict[str, np.ndarray]:
    try:
        return _npy(path, name, columns)
    except FileNotFoundError:
        raise InputError(f"{name}: data file not found") from None
    except (OSError, ValueError, EOFError) as exc:
        if "allow_pickle" in str(exc) or "Python objects" in str(exc):
            raise InputError(f"{name}: holds Python objects, which bpnet never unpickles; save "
                             "numbers (or text) arrays") from None
        raise InputError(f"{name}: cannot read the arrays ({exc})") from None


def _npy(path: str, name: str, columns: tuple[str, ...]) -> dict[str, np.ndarray]:
    if not columns:
        raise InputError(f"{name}: data.columns: a .npy file needs the names of its columns, "
                         "in order (e.g. data.columns: [x1, x2, y])")
    array = np.load(path, mmap_mode="r", allow_pickle=False)
    if array.ndim != 2 or array.shape[1] != len(columns):
        raise InputError(f"{name}: holds an array of shape {array.shape}; data.columns names "
                         f"{len(columns)} columns, so a 2-D array (N, {len(columns)}) is needed")
    return {c: array[:, j] for j, c in enumerate(columns)}


def _npz(path: str, wanted: Collection[str] | None
         ) -> tuple[list[str], dict[str, np.ndarray]]:
    """(the names of every array of the ``.npz``, the arrays named in ``wanted`` (N,)): their
    shapes are checked, from their headers, before any is read."""
    with NpzFile(path, "data file") as npz:
        keys = [k for k in npz.names if wanted is None or k in wanted]
        shapes = {k: npz.header(k)[0] for k in keys}
        for key, shape in shapes.items():
            if len(shape) != 1:
                raise InputError(f"{npz.where}: array {key!r} has shape {shape}; a .npz file "
                                 "holds one 1-D array per column")
        if len(set(shapes.values())) > 1:
            sizes = ", ".join(f"{k} {s[0]}" for k, s in shapes.items())
            raise InputError(f"{npz.where}: the arrays differ in length ({sizes}); each column "
                             "needs one value per sample")
        return npz.names, {k: npz.array(k, numeric=False) for k in keys}

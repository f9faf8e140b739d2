"""Input stage: MATLAB .mat files (docs/semantics.md#mat-data-files): the one reader of their
variables,
and a .mat data file read as the table a CSV would give.

Files are read by ``scipy.io.loadmat`` (MATLAB's v4, v6 and v7 formats); a v7.3 file (HDF5,
which scipy cannot read) is refused with one line that says to save with ``-v7``, an empty or
damaged one with one line that names it. A variable is read only when it is used, and only
once the size its header declares (:mod:`bpnet.data.matheaders`) is known to fit in the
memory available: a few compressed megabytes that would inflate to gigabytes are refused,
naming the variable, before any of it is inflated. A numeric
variable must be a real, dense, finite 2-D array; a cell, struct, sparse, complex or text
variable where numbers are expected is an :class:`~bpnet.errors.InputError` naming it.

As data, a variable is a block of columns: MATLAB's toolbox keeps one sample per COLUMN, so an
R x Q variable gives R columns of Q samples (``data.layout: columns``, the default);
``data.layout: rows`` reads it as Q x R, one sample per row. A variable of one row (one column
with ``rows``) is the column named like the variable, ``X``; one of R > 1 rows gives the columns
``X(1)`` .. ``X(R)``. The config names variables (``inputs: X``) and the run records the
columns (``X(1)``, ...), so a saved model reads the same variable of another .mat file. A
series (``series: y``) may be any vector, 1 x L or L x 1.
"""
from __future__ import annotations

import dataclasses
import math
import re
import zlib
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from bpnet.config import DataConfig
from bpnet.config.schema import is_pattern, matching
from bpnet.data import matheaders
from bpnet.data.table import Table
from bpnet.errors import InputError
from bpnet.memory import require
from bpnet.paths import checked, read_bytes, shown

_INDEXED = re.compile(r"^(.*)\((\d+)\)$")
LAYOUTS = ("columns", "rows")
# bytes of memory per value read: scipy's array, its float64 copy and the network's own
PER_VALUE = 24.0
# as data: those and the text cell of the table (about 150 bytes a value, measured)
TABLE_PER_VALUE = 160.0


def is_mat(path: str | Path | None) -> bool:
    """Whether ``path`` names a .mat file (by its suffix)."""
    return path is not None and str(path).lower().endswith(".mat")


def load(path: str | Path, what: str = "the .mat file",
         per_value: float = PER_VALUE) -> MatVariables:
    """The variables of a .mat file by name, each read when first asked for (see
    :class:`MatVariables`; ``per_value``: the bytes of memory a value read will take).

    A missing or unreadable file, a v7.3 (HDF5) file or one that is not a MAT-file is an
    InputError of one line."""
    where = shown(checked(path, what))
    head = read_bytes(path, what.removeprefix("the "), 128, where)
    if head.startswith(b"MATLAB 7.3") or b"\x89HDF" in head[:8]:
        raise _v73(where)
    if not head:
        raise InputError(f"{where}: cannot read {what}: the file is empty")
    declared = _scipy(lambda: matheaders.scan(str(path)), where, what)
    return MatVariables(str(path), what, where, per_value, declared)


class MatVariables(Mapping):
    """The variables of a .mat file by name (scipy's arrays, unsqueezed, structs as records),
    known from their headers (:mod:`bpnet.data.matheaders`) and each read when first asked
    for, once what it declares is known to fit in memory (its values times ``per_value``
    bytes) and, for a compressed cell, struct or text, known to inflate to no more than it
    declares: a variable that is not used is never inflated."""

    def __init__(self, path: str, what: str, where: str, per_value: float,
                 declared: list[matheaders.Declared]) -> None:
        self.path, self.what, self.where, self.per_value = path, what, where, per_value
        self.declared: dict[str, matheaders.Declared] = {}
        for var in declared:   # scipy reads the first of two variables of one name
            if var.name and not var.name.startswith("__"):
                self.declared.setdefault(var.name, var)
        self._read: dict[str, object] = {}

    def __getitem__(self, name: str) -> object:
        if name not in self._read:
            self._read[name] = self._load(self.declared[name])
        return self._read[name]

    def __contains__(self, name: object) -> bool:
        return name in self.declared

    def __iter__(self):
        return iter(self.declared)

    def __len__(self) -> int:
        return len(self.declared)

    def shape(self, name: str) -> tuple[int, ...]:
        """The shape variable ``name`` declares, without reading it."""
        return self.declared[name].shape

    def _load(self, var: matheaders.Declared) -> object:
        from scipy import io
        where = f"{self.where}: variable {var.name} ({'x'.join(map(str, var.shape))} {var.kind})"
        require(self.per_value * var.values, where)
        if not var.bounded and not _scipy(lambda: matheaders.inflates_within(self.path, var),
                                          self.where, self.what):
            raise InputError(f"{where} inflates to more than the {var.nbytes} bytes it "
                             "declares: a damaged file")
        raw = _scipy(lambda: io.loadmat(self.path, variable_names=[var.name], squeeze_me=False,
                                        struct_as_record=True, mat_dtype=False),
                     self.where, self.what)
        if var.name not in raw:
            raise InputError(f"{where}: cannot read {self.what}: scipy.io.loadmat does not "
                             "find the variable")
        return raw[var.name]


def _scipy(read, where: str, what: str):
    """``read()``, scipy's errors of a file it cannot read made one InputError line."""
    from scipy.io.matlab import MatReadError
    try:
        return read()
    except NotImplementedError:
        raise _v73(where) from None
    except (MatReadError, ValueError, TypeError, OSError, EOFError, IndexError, KeyError,
            zlib.error) as exc:
        raise InputError(f"{where}: cannot read {what}: not a MATLAB .mat file that "
                         f"scipy.io.loadmat reads ({exc})") from None


def _v73(where: str) -> InputError:
    return InputError(f"{where}: a MATLAB v7.3 (HDF5) .mat file, which bpnet cannot read; "
                      "save it in MATLAB or Octave with save(..., '-v7')")


def matrix(variables: dict[str, object], name: str, where: str) -> np.ndarray:
    """Variable ``name`` as a real, finite float64 2-D array; a missing variable, or a cell,
    struct, text, sparse, complex, n-d or non-finite one, is an InputError naming it."""
    if name not in variables:
        have = ", ".join(sorted(variables)) or "no variables"
        raise InputError(f"{where}: no variable {name!r} (the file holds {have})")
    value = variables[name]
    kind = _kind(value)
    if kind:
        raise InputError(f"{where}: variable {name} is {kind}; expected a real numeric matrix")
    a = np.asarray(value)
    if a.ndim != 2:
        raise InputError(f"{where}: variable {name} has {a.ndim} dimensions "
                         f"{'x'.join(map(str, a.shape))}; expected a matrix")
    a = a.astype(float)
    return a


def _kind(value: object) -> str:
    """What a variable is when it is not a plain real numeric array ("" when it is)."""
    if hasattr(value, "tocsc") or type(value).__module__.startswith("scipy.sparse"):
        return "a sparse matrix (use full() before saving)"
    if not isinstance(value, np.ndarray):
        return f"a {type(value).__name__}"
    if value.dtype.names:
        return "a struct"
    if value.dtype.kind == "O":
        return "a cell array"
    if value.dtype.kind in "US":
        return "text"
    if value.dtype.kind == "c":
        return "complex"
    return ""


def finite(a: np.ndarray, name: str, where: str) -> np.ndarray:
    """``a`` itself; a NaN or infinite value in it is an InputError naming the variable."""
    if not np.isfinite(a).all():
        raise InputError(f"{where}: variable {name} holds NaN or infinite values")
    return a


def text(variables: dict[str, object], name: str, where: str) -> list[str] | None:
    """Variable ``name`` as a list of strings: a char row ('tansig'), a char matrix (one name
    per row) or a cell array of char rows; None when the file has no such variable."""
    if name not in variables:
        return None
    value = np.asarray(variables[name])
    if value.dtype.kind in "US":
        return [str(s).strip() for s in value.ravel()]
    if value.dtype.kind == "O":
        out = []
        for cell in value.ravel(order="F"):
            cell = np.asarray(cell)
            if cell.dtype.kind not in "US":
                raise InputError(f"{where}: variable {name}: a cell of text expected, one "
                                 f"cell holds {cell.dtype}")
            out.append("".join(str(s) for s in cell.ravel()).strip())
        return out
    raise InputError(f"{where}: variable {name} is {_kind(value) or 'numeric'}; expected text "
                     "(a char row or a cell array of char rows)")


# ---------------------------------------------------------------------------- data files
def variable_of(column: str) -> str:
    """The variable a column name comes from: ``X(2)`` -> ``X``, ``y`` -> ``y``."""
    m = _INDEXED.match(column)
    return m.group(1) if m else column


@dataclasses.dataclass
class MatTable(Table):
    """A .mat data file as a table: one column per variable row (or column), one row per
    sample; a cell is reported as the variable's element."""

    layout: str = "columns"
    variables: tuple[str, ...] = ()     # every variable of the file
    absent: tuple[str, ...] = ()        # the variables named by the settings that it lacks

    def column(self, name: str, key: str) -> list[str]:
        if name not in self.header and variable_of(name) in self.absent:
            raise InputError(f"{self.path}: no variable {variable_of(name)!r} (named by "
                             f"{key}; the file holds {', '.join(self.variables)})")
        return super().column(name, key)

    def where(self, i: int, name: str) -> str:
        m = _INDEXED.match(name)
        var, r = (m.group(1), int(m.group(2))) if m else (name, 1)
        return (f"{self.path}: variable {var}, sample {i + 1} "
                f"(element ({r},{i + 1}) with data.layout: {self.layout})")


def read_mat_table(path: str, d: DataConfig) -> MatTable:
    """The variables the data settings ``d`` name, as a table (see the module docstring); a
    variable the file lacks is an error when its column is asked for (predictions need no
    targets)."""
    layout = getattr(d, "layout", None) or "columns"
    variables = load(path, "the data file", TABLE_PER_VALUE)
    wanted = _wanted(d, list(variables))
    where = shown(path)
    header, columns = [], []
    absent = tuple(n for n in wanted if n not in variables)
    for name in (n for n in wanted if n not in absent):
        block = matrix(variables, name, where)
        samples = _samples_of(block, name, layout, vector=name in (d.series, d.time), where=where)
        header += [name] if samples.shape[1] == 1 else \
            [f"{name}({r + 1})" for r in range(samples.shape[1])]
        columns.append(samples)
    counts = {n: len(c) for n, c in zip([n for n in wanted if n not in absent], columns)}
    if len(set(counts.values())) > 1:
        told = ", ".join(f"{n} {q}" for n, q in counts.items())
        raise InputError(f"{where}: the variables hold different numbers of samples ({told}) "
                         f"with data.layout: {layout} (one sample per "
                         f"{'column' if layout == 'columns' else 'row'})")
    values = np.hstack(columns) if columns else np.empty((0, 0))
    rows = [[_cell(v) for v in row] for row in values]
    return MatTable(where, header, rows, list(range(1, len(rows) + 1)), ".", layout,
                    tuple(sorted(variables)), absent)


def _wanted(d: DataConfig, variables: list[str]) -> list[str]:
    """The variables the data settings ``d`` name, in their order: an entry of ``inputs``
    that is ``all`` or a pattern (:func:`~bpnet.config.schema.is_pattern`) names the
    variables it matches, in the file's order, but those of the targets, classes and time."""
    taken = {variable_of(n) for n in (d.time, *d.class_columns, *d.targets) if n}
    inputs = []
    for name in d.inputs:
        literal = not is_pattern(name) or name in variables
        inputs += [name] if literal else matching(name, [v for v in variables if v not in taken])
    names = [d.series, d.time, *d.class_columns, *inputs, *d.targets]
    return list(dict.fromkeys(variable_of(n) for n in names if n))


def _samples_of(block: np.ndarray, name: str, layout: str, vector: bool,
                where: str) -> np.ndarray:
    """A variable as samples in rows (Q, R): transposed in MATLAB's column layout; a vector
    for ``series``/``time`` either way round."""
    if vector:
        if min(block.shape) > 1:
            raise InputError(f"{where}: variable {name} is {block.shape[0]}x{block.shape[1]}; "
                             "a series is a vector (1 x L or L x 1)")
        return block.reshape(-1, 1)
    return block.T if layout == "columns" else block


def _cell(v: float) -> str:
    """A value as table text that reads back to the same float64 ("" for NaN: missing)."""
    if math.isnan(v):
        return ""
    if v.is_integer() and abs(v) < 2.0 ** 53:
        return str(int(v))
    return repr(float(v))

"""The one reader of ``.npz`` files: saved models (``run.py predict``, ``forecast``,
``load_model``), the weights of a warm start (``init:``) and data files of arrays
(:mod:`bpnet.data.arrays`) all go through it.

The file is opened as the zip archive an ``.npz`` is, and only the members asked for are read,
each after its header (shape, dtype), its size against the memory available and its size as
the archive declares it are checked, so that an unused or lying member is never
decompressed. Arrays are read with ``allow_pickle=False``; arrays of Python
objects, booleans, complex numbers, dates or text where numbers are expected, and NaN or
infinite values, are refused. Every problem is an :class:`~bpnet.errors.InputError` naming the
file.
"""
from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import numpy as np

from bpnet.errors import InputError
from bpnet.memory import require
from bpnet.paths import checked, read_bytes, shown

_HEADER_MAX = 10_000          # bytes of an .npy header (numpy's own limit)
TEXT_MAX = 1 << 20            # bytes of a text member (meta)
# what reading a damaged archive or member can raise
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError,
            RuntimeError)
_KIND_NAMES = {"b": "booleans", "c": "complex numbers", "M": "dates", "m": "time spans",
               "U": "text", "S": "bytes", "O": "Python objects", "V": "raw records"}


class NpzFile:
    """An open ``.npz`` archive; use as a context manager. ``names`` are its array names;
    ``what`` the kind of file messages call it ("model file", "data file")."""

    def __init__(self, path: str | Path, what: str = "model file") -> None:
        self.path = checked(path, what)
        self.where = shown(self.path)
        self.what = what
        _sniff(self.path, self.where, what)
        try:
            self._zip = zipfile.ZipFile(self.path)
        except _DAMAGED as exc:
            raise self.damaged(exc) from None
        self._members = {info.filename[:-4]: info for info in self._zip.infolist()
                         if info.filename.endswith(".npy")}
        self.names = list(self._members)

    def __enter__(self) -> NpzFile:
        return self

    def __exit__(self, *exc) -> None:
        self._zip.close()

    def damaged(self, exc: BaseException) -> InputError:
        return InputError(f"{self.where}: cannot read the {self.what}: a damaged or truncated "
                          f".npz ({exc})")

    def require(self, names) -> None:
        """Every one of ``names`` must be an array of the file; the missing ones are listed
        together, with what the file holds."""
        missing = [k for k in names if k not in self._members]
        if missing and f"m0_{missing[0]}" in self._members:
            raise InputError(f"{self.where}: holds the networks of an ensemble (combine: mean); "
                             "one network is needed here: the run's model_<name>.npz")
        if missing:
            raise InputError(f"{self.where}: the {self.what} has no {', '.join(missing)} "
                             f"(it holds {', '.join(self.names) or 'no arrays'})")

    def header(self, name: str) -> tuple[tuple[int, ...], np.dtype, int]:
        """(shape, dtype, header length) of array ``name``, read from its .npy header only."""
        self.require([name])
        try:
            with self._zip.open(self._members[name]) as fh:
                version = np.lib.format.read_magic(fh)
                read = {(1, 0): np.lib.format.read_array_header_1_0,
                        (2, 0): np.lib.format.read_array_header_2_0}.get(version)
                if read is None:
                    raise ValueError(f"unsupported .npy version {version}")
                shape, fortran, dtype = read(fh, max_header_size=_HEADER_MAX)
                return tuple(shape), dtype, fh.tell()
        except _DAMAGED as exc:
            raise self.damaged(f"{name}: {exc}") from None

    def array(self, name: str, shape: tuple[int, ...] | None = None,
              expected: str = "this network needs", numeric: bool = True) -> np.ndarray:
        """Array ``name``, read after its header is checked: its shape must be ``shape``
        (when given; ``expected`` says where that shape comes from), its size no more than the
        memory available and the size the archive declares, and, with ``numeric``, its values
        real, finite numbers."""
        got, dtype, head = self.header(name)
        if dtype.hasobject:
            raise InputError(f"{self.where}: cannot read the {self.what}: {name} holds Python "
                             f"objects, which would need pickle; a {self.what} holds plain "
                             "arrays")
        if shape is not None and got != tuple(shape):
            raise InputError(f"{self.where}: {name} has shape {got}, {expected} {tuple(shape)}")
        if numeric and dtype.kind not in "fiu":
            what = _KIND_NAMES.get(dtype.kind, str(dtype))
            raise InputError(f"{self.where}: {name} holds {what} ({dtype}), not real numbers")
        nbytes = float(np.prod(got, dtype=np.float64)) * dtype.itemsize
        require(nbytes, f"{self.where}: array {name} of shape {got} ({dtype})")
        if self._members[name].file_size != head + nbytes:
            raise self.damaged(f"{name}: the archive declares {self._members[name].file_size} "
                               f"bytes, its header {head + nbytes}")
        try:
            with self._zip.open(self._members[name]) as fh:
                value = np.lib.format.read_array(fh, allow_pickle=False)
        except _DAMAGED as exc:
            raise self.damaged(f"{name}: {exc}") from None
        if numeric and value.dtype.kind == "f" and not np.isfinite(value).all():
            raise InputError(f"{self.where}: {name} holds NaN or infinite values")
        return value

    def text(self, name: str) -> str:
        """The 0-d text array ``name`` (at most TEXT_MAX bytes) as a string."""
        self.require([name])
        if self._members[name].file_size > TEXT_MAX:
            raise InputError(f"{self.where}: {name} is {self._members[name].file_size} bytes; "
                             f"a model's {name} has at most {TEXT_MAX}")
        value = self.array(name, numeric=False)
        if value.shape != () or value.dtype.kind != "U":
            raise InputError(f"{self.where}: {name} is not a text array")
        return str(value)

    def fill(self, params: dict[str, np.ndarray], expected: str = "this network needs") -> None:
        """Copy array ``name`` into ``params[name]`` in place, for every name of ``params``;
        each must be present, of its parameter's shape, and real and finite."""
        self.require(params)
        for name, view in params.items():
            view[...] = self.array(name, view.shape, expected)


def _sniff(path: str, where: str, what: str) -> None:
    """Refuse, from its first bytes, a file that is not a zip archive, saying what it looks
    like: missing, a folder, empty, a single .npy array, text (a CSV given as a model)."""
    cannot = f"cannot read the {what}"
    start = read_bytes(path, what, 64, where)
    if not start:
        raise InputError(f"{where}: {cannot}: the file is empty, not an .npz {what}")
    if start.startswith(b"\x93NUMPY"):
        raise InputError(f"{where}: {cannot}: a single .npy array, not an .npz {what} "
                         "(numpy's savez writes one)")
    if not start.startswith(b"PK"):
        raise InputError(f"{where}: {cannot}: not an .npz {what}{_looks_like(start)}")


def _looks_like(start: bytes) -> str:
    """What a file that is not a zip archive seems to be, from its first bytes."""
    try:
        text = start.decode("utf-8")
    except UnicodeDecodeError:
        return " (it does not start like a zip archive)"
    if all(c.isprintable() or c in "\r\n\t" for c in text):
        first = text.splitlines()[0] if text.strip() else text
        return f" (it is text, starting {first[:40]!r}: a CSV or YAML file?)"
    return " (it does not start like a zip archive)"


def load_weights_into(params: dict[str, np.ndarray], path: str | Path,
                      expected: str = "this network needs") -> None:
    """Copy the arrays named like ``params`` from the ``.npz`` at ``path`` into ``params``."""
    with NpzFile(path) as npz:
        npz.fill(params, expected)

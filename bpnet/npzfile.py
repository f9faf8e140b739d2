"""Named arrays from an ``.npz`` file, read without pickle and checked against the arrays they
are meant to fill (a warm start's network, a saved model's network).

Every problem is an :class:`~bpnet.errors.InputError` naming the file.
"""
from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from bpnet.errors import InputError
from bpnet.paths import shown

# what np.load raises on a file that is not an .npz, a broken one, or an array needing pickle
_UNREADABLE = (ValueError, OSError, EOFError, zipfile.BadZipFile)


def read_arrays(path: str | Path, names: Iterable[str] | None = None,
                unreadable: str = "cannot read the model file") -> dict[str, np.ndarray]:
    """The arrays ``names`` (every array when None) of the ``.npz`` at ``path``, by name.

    A name the file lacks is reported with all the others missing and what the file holds; a
    file that cannot be read (or an array that would need pickle) as ``<path>: <unreadable>
    (<reason>)``.
    """
    try:
        with np.load(path, allow_pickle=False) as saved:
            wanted = list(saved.files if names is None else names)
            missing = [k for k in wanted if k not in saved.files]
            if missing:
                raise InputError(f"{shown(path)}: the model file has no {', '.join(missing)} "
                                 f"(it holds {', '.join(saved.files)})")
            return {k: saved[k] for k in wanted}
    except FileNotFoundError:
        raise InputError(f"{shown(path)}: model file not found") from None
    except _UNREADABLE as exc:
        raise InputError(f"{shown(path)}: {unreadable} ({exc})") from None


def copy_arrays(params: dict[str, np.ndarray], arrays: dict[str, np.ndarray], path: str | Path,
                expected: str = "this network needs") -> None:
    """Copy ``arrays[name]`` into ``params[name]`` in place, for every name of ``params``.

    Each array must be present, numeric, and of its parameter's shape; ``expected`` says where
    that shape comes from in the message (``W1 has shape (4, 2), this network needs (3, 2)``).
    """
    for name, view in params.items():
        if name not in arrays:
            raise InputError(f"{shown(path)}: missing array {name}")
        value = arrays[name]
        if value.shape != view.shape:
            raise InputError(f"{shown(path)}: {name} has shape {value.shape}, {expected} "
                             f"{view.shape}")
        if value.dtype.kind not in "fiu":
            raise InputError(f"{shown(path)}: {name} is not a numeric array")
        view[...] = value

"""Writing files so that a reader never sees half of one.

Every result file is written to a temporary name in its own folder and renamed into place: the
file is either the old one or the complete new one, even if the run is stopped mid-write.
"""
from __future__ import annotations

import io
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: str | Path, write: Callable[[io.IOBase], None],
                 binary: bool = False) -> None:
    """Call ``write(fh)`` on a temporary file beside ``path``, then rename it to ``path``."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; result files get the usual mode
        mode = {"mode": "wb"} if binary else {"mode": "w", "newline": "", "encoding": "utf-8"}
        with os.fdopen(fd, **mode) as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def number_cell(x: float) -> str:
    """A number as a CSV cell: its shortest exact text, empty when NaN or infinite."""
    return "" if not math.isfinite(x) else repr(float(x))

"""Writing files so that a reader never sees half of one.

Every result file is written to a temporary name in its own folder and renamed into place: the
file is either the old one or the complete new one, even if the run is stopped mid-write. Files
that belong together (a forecast's CSV and picture) are all written before any is renamed. A
temporary file's name carries its writer's PID, so that one a killed process left is removed by
the next write of the same file.
"""
from __future__ import annotations

import contextlib
import io
import math
import os
import re
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path


def atomic_write(path: str | Path, write: Callable[[io.IOBase], None],
                 binary: bool = False) -> None:
    """Call ``write(fh)`` on a temporary file beside ``path``, then rename it to ``path``."""
    write_together([(Path(path), write, binary)])


def write_together(files: list[tuple[Path, Callable[[io.IOBase], None], bool]]) -> None:
    """Write each (path, write, binary) to a temporary file beside its path, then rename them
    all into place, Ctrl-C and SIGTERM held meanwhile: when any write fails (a full disk) or
    the process is stopped, no file is replaced and no temporary file is left."""
    temps: list[tuple[str, Path]] = []
    try:
        for path, write, binary in files:
            remove_dead_temps(path)
            with signals_held():   # a temporary file is listed in temps as soon as it exists
                fh, tmp = _new_temp(path, binary)
                temps.append((tmp, path))
            with fh:
                write(fh)
        with signals_held():
            for tmp, path in temps:
                os.replace(tmp, path)
    except BaseException:
        for tmp, _ in temps:
            Path(tmp).unlink(missing_ok=True)
        raise


def _new_temp(path: Path, binary: bool) -> tuple[io.IOBase, str]:
    """A new temporary file beside ``path``, open for writing, and its name."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.",
                               suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; result files get the usual mode
        mode = {"mode": "wb"} if binary else {"mode": "w", "newline": "", "encoding": "utf-8"}
        return os.fdopen(fd, **mode), tmp
    except BaseException:
        os.close(fd)
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_dead_temps(path: Path) -> None:
    """Remove the temporary files of ``path`` that a killed process left (``kill -9`` between
    creating one and renaming it): those whose name carries the PID of no living process."""
    pattern = re.compile(re.escape(f".{path.name}.") + r"(\d+)\.[a-z0-9_]{8}\.tmp")
    try:
        names = os.listdir(path.parent)
    except OSError:
        return
    for name in names:
        m = pattern.fullmatch(name)
        if m and not process_exists(int(m.group(1))):
            Path(path.parent, name).unlink(missing_ok=True)


def process_exists(pid: int) -> bool:
    """Whether a process of this PID exists (of any user)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block is done (they are delivered at its end), so
    that a group of renames is never cut in two.

    Blocking the signals in this thread is not enough where other threads run (a pool's, or
    the second tanh thread): the kernel hands the signal to one of them and Python runs its
    handler in the main thread all the same. So in the main thread the handlers are replaced
    for the block by one that notes the signal, which is raised again after it."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = (signal.SIGINT, signal.SIGTERM)
    noted: list[int] = []
    handlers = {}
    if threading.current_thread() is threading.main_thread():
        for s in held:
            if signal.getsignal(s) not in (None, signal.SIG_IGN):
                handlers[s] = signal.signal(s, lambda signum, frame: noted.append(signum))
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        for s, handler in handlers.items():
            signal.signal(s, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        if noted:
            signal.raise_signal(noted[0])


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def number_cell(x: float) -> str:
    """A number as a CSV cell: its shortest exact text, empty when NaN or infinite."""
    return "" if not math.isfinite(x) else repr(float(x))

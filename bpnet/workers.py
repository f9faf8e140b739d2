"""Worker processes that end with the process that started them.

A run's worker processes (repeated runs, drawing) wait on their pool for work; when the run is
killed (``kill -9``, which runs no cleanup) nothing would ever tell them to stop. Each worker
watches its parent instead and exits once the parent is gone. :func:`forked` runs one piece of
work in a forked copy of this process meanwhile, :func:`in_two` a job's second half there with
the progress of both counted together (half of a large file's parsing, or of a large table's
writing), and :func:`shared` makes the arrays both see.
"""
from __future__ import annotations

import contextlib
import functools
import math
import mmap
import multiprocessing
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from multiprocessing.process import BaseProcess

import numpy as np

from bpnet.storage.fileio import signals_held


def exit_with_parent(every: float = 0.5) -> None:
    """In a worker process: a daemon thread that ends the process (without cleanup: it has
    nothing of its own to leave behind) within ``every`` seconds of its parent's death."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(1)
    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def can_fork() -> bool:
    """Whether :func:`forked` may be used here: on Linux (where forking is cheap and safe),
    with a second core, in the main thread of a process that may have children."""
    return (sys.platform == "linux" and (os.cpu_count() or 1) >= 2
            and threading.current_thread() is threading.main_thread()
            and not multiprocessing.current_process().daemon)


@contextlib.contextmanager
def forked(work: Callable[[], bool]) -> Iterator[BaseProcess]:
    """A forked copy of this process that calls ``work()`` while the block runs, then exits:
    status 0 when ``work`` returned true, 1 when it returned false or raised. The copy never
    prints; it leaves Ctrl-C to this process, ends on SIGTERM and with this process however it
    dies. Leaving the block kills the copy if it still runs, and reaps it (so that no child is
    left to ``multiprocessing.active_children``). Only where :func:`can_fork`."""
    process = multiprocessing.get_context("fork").Process(target=_copy, args=(work,),
                                                          daemon=True)
    try:
        # held: a signal that comes now finds the copy's own handlers in place; Python 3.12
        # warns of forking with threads alive: the copy touches nothing of theirs
        with signals_held(), warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            process.start()
        yield process
    finally:
        if process.pid is not None:
            process.kill()
            process.join()


def in_two(mine: Callable[[Callable[[int], None]], bool],
          theirs: Callable[[Callable[[int], None]], bool],
          before: int, said: Callable[[int], None]) -> bool | None:
    """``theirs(done)`` in a forked copy (:func:`forked`) while ``mine(done)`` runs here, each
    calling ``done(k)`` with the k rows of its half done so far; ``said(rows)`` with the rows
    of both (theirs after the ``before`` rows of mine) as they go. -> None when ``mine``
    failed (the copy is not waited for), else whether ``theirs`` succeeded."""
    count = shared((1,), np.int64)
    with forked(lambda: theirs(functools.partial(count.put, 0))) as copy:
        if not mine(lambda k: said(k + int(count[0]))):
            return None
        while copy.exitcode is None:
            copy.join(0.1)
            said(before + int(count[0]))
    return copy.exitcode == 0


def _copy(work: Callable[[], bool]) -> None:
    """In the forked copy: ``work()``, then out without any cleanup or word (see forked)."""
    status = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
        exit_with_parent()
        status = 0 if work() else 1
    finally:
        os._exit(status)


def shared(shape: tuple[int, ...], dtype: type) -> np.ndarray:
    """An array of zeros in anonymous memory that a forked process shares (its pages are
    taken when first written, as np.empty's are)."""
    count = math.prod(shape)
    try:
        memory = mmap.mmap(-1, max(count * np.dtype(dtype).itemsize, 1))
    except OSError as exc:   # as np.empty fails: the run says it is out of memory
        raise MemoryError(str(exc)) from exc
    return np.frombuffer(memory, dtype, count).reshape(shape)

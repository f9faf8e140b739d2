"""Compute stage: element-wise work on a large array split over two cores.

numpy lets go of the interpreter's lock inside its element-wise loops, so two threads each
taking half of an array run at once. ``tanh`` of a million samples' hidden layers is most of
the time a pass over them takes (matrix products already use every core through BLAS), and
each element's value does not depend on which thread computes it: the numbers are the same,
bit for bit, in about half the time.

The second thread is a daemon that waits for work; a forked process makes its own. A process
that is one of several workers (a pool's daemonic process, or one whose BLAS was given one
thread) keeps to one thread: its siblings use the other cores. So does one whose BLAS threads
spin between products (numpy imported before bpnet could tell OpenBLAS otherwise): they would
take the second core from the second thread.
"""
from __future__ import annotations

import multiprocessing
import os
import queue
import threading
from collections.abc import Callable

import numpy as np

import bpnet

SPLIT = 1 << 15   # elements from which an array is split (below, the hand-off costs more)


class _Second:
    """A daemon thread of this process that runs one call at a time."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.calls: queue.SimpleQueue = queue.SimpleQueue()
        self.results: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._serve, name="bpnet-halves", daemon=True).start()

    def _serve(self) -> None:
        while True:
            fn, args = self.calls.get()
            try:
                self.results.put((fn(*args), None))
            except BaseException as exc:   # given back to the caller, who raises it
                self.results.put((None, exc))

    def start(self, fn: Callable, *args) -> None:
        self.calls.put((fn, args))

    def finish(self) -> None:
        """Wait for the call started; raise what it raised."""
        _, exc = self.results.get()
        if exc is not None:
            raise exc


_SECOND: list[_Second] = []   # this process's second thread, once started


def _second() -> _Second | None:
    """This process's second thread, started on first use; None where work keeps to one
    thread (one core, a worker among several, or a call from another thread)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    if _SECOND and _SECOND[0].pid == os.getpid():
        return _SECOND[0]
    if (_cores() < 2 or multiprocessing.current_process().daemon
            or os.environ.get("OPENBLAS_NUM_THREADS") == "1" or not bpnet._BLAS_SLEEPS):
        return None
    _SECOND[:] = [_Second()]   # only the main thread gets here
    return _SECOND[0]


def _cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # not on Linux
        return os.cpu_count() or 1


def tanh(n: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``np.tanh(n, out=out)`` of an array of any shape; from :data:`SPLIT` elements on, the
    second half (along the first axis) on the second thread meanwhile."""
    second = _second() if n.ndim and n.size >= SPLIT and len(n) >= 2 else None
    if second is None:
        return np.tanh(n, out=out)
    if out is None:
        out = np.empty_like(n)
    h = len(n) // 2
    second.start(np.tanh, n[h:], out[h:])
    try:
        np.tanh(n[:h], out=out[:h])
    finally:
        second.finish()
    return out

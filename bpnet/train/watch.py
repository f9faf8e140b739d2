"""Compute stage: what a watcher of training (the live page, :mod:`bpnet.view`) is handed.

The training loop never waits on a watcher: when a training starts it hands over the list its
record grows by (one tuple per epoch, laid out as :class:`bpnet.train.loop.Epoch`), the names of
the rule's own columns and its start time; when it ends, why, its best epoch and its seconds.
Nothing is called per epoch: a watcher reads the list when it wants to (appending to a list and
reading it are safe across threads).

Runs trained in worker processes are watched from the parent through a queue: in the worker a
:class:`Sender` thread sends the rows added since its last look a few times a second; in the
parent a :class:`Receiver` thread rebuilds each training's list and tells the parent's watcher,
as if the training were its own.
"""
from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable
from typing import Protocol

# seconds between two looks of a Sender at its training's rows
SEND_EVERY = 0.2


class Watch(Protocol):
    """A watcher of one training."""

    def started(self, rows: list[tuple], columns: tuple[str, ...], start: float) -> None:
        """Training began at ``time.perf_counter()`` ``start``; ``rows`` is its record, to
        which it appends a row per epoch; ``columns`` names the rule's own values (Epoch.rule)."""

    def finished(self, reason: str, best_epoch: int, seconds: float) -> None:
        """Training ended, for ``reason``, keeping the network of ``best_epoch``."""


# a watcher of each training: (model name, seed) -> its Watch, or None to leave it unwatched
Watching = Callable[[str, int], "Watch | None"]


class Sender:
    """In a worker process: the Watch of one training that sends its rows to the parent's
    :class:`Receiver`, from a thread of its own."""

    def __init__(self, queue, key: tuple[str, int]) -> None:
        self.queue, self.key = queue, key
        self.rows: list[tuple] = []
        self.sent = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._send_while_training, daemon=True)

    def started(self, rows: list[tuple], columns: tuple[str, ...], start: float) -> None:
        self.rows = rows
        # the parent's clock is not this one: the time elapsed travels, not the start
        self.queue.put(("started", self.key, columns, time.perf_counter() - start))
        self.thread.start()

    def _send_while_training(self) -> None:
        while not self.done.wait(SEND_EVERY):
            self._send_rows()

    def _send_rows(self) -> None:
        n = len(self.rows)
        if n > self.sent:
            self.queue.put(("rows", self.key, self.rows[self.sent:n]))
            self.sent = n

    def finished(self, reason: str, best_epoch: int, seconds: float) -> None:
        self.done.set()
        self.thread.join()
        self._send_rows()
        self.queue.put(("finished", self.key, reason, best_epoch, seconds))


class Relay:
    """What a worker process is given to watch its trainings: ``relay(name, seed)`` -> a
    :class:`Sender` on the parent's queue."""

    def __init__(self, queue) -> None:
        self.queue = queue

    def __call__(self, name: str, seed: int) -> Sender:
        return Sender(self.queue, (name, seed))


class Receiver:
    """In the parent: a thread that turns what the workers' Senders send into calls of the
    parent's ``watching``. Use it as a context manager around the worker pool."""

    def __init__(self, watching: Watching) -> None:
        self.watching = watching
        self.queue = multiprocessing.Queue()
        self.relay = Relay(self.queue)
        self.thread = threading.Thread(target=self._receive, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.queue.put(None)
        self.thread.join()

    def _receive(self) -> None:
        watches: dict[tuple[str, int], tuple[Watch | None, list]] = {}
        while (message := self.queue.get()) is not None:
            what, key, *rest = message
            if what == "started":
                columns, elapsed = rest
                watches[key] = (self.watching(*key), [])
            watch, rows = watches[key]
            if watch is None:
                continue
            if what == "started":
                watch.started(rows, columns, time.perf_counter() - elapsed)
            elif what == "rows":
                rows.extend(rest[0])
            else:
                watch.finished(*rest)

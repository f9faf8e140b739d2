"""Shared: progress lines of long reads and writes (rows done and the rate, every few seconds).

The library never prints; the command line installs a listener (:func:`listen`) and each long
loop reports through a :class:`Rows` counter, which calls the listener at most once every
:data:`EVERY` seconds (and not at all for a job done sooner).
"""
from __future__ import annotations

import time
from collections.abc import Callable

EVERY = 3.0   # seconds between two progress lines
_listener: list[Callable[[str], None]] = []


def listen(say: Callable[[str], None] | None) -> None:
    """Send progress lines to ``say`` (None: nowhere, the default)."""
    _listener[:] = [say] if say is not None else []


class Rows:
    """Counts the rows of one job, ``what`` (e.g. ``reading data.csv``) of ``total`` rows, and
    says how far it is every :data:`EVERY` seconds."""

    def __init__(self, what: str, total: int) -> None:
        self.what, self.total = what, total
        self.start = self.last = time.monotonic()

    def done(self, rows: int) -> None:
        """``rows`` of the total are done."""
        now = time.monotonic()
        if not _listener or now - self.last < EVERY:
            return
        self.last = now
        rate = rows / max(now - self.start, 1e-9)
        share = f" ({100 * rows / self.total:.0f} %)" if self.total else ""
        _listener[0](f"{self.what}: {rows:,} of {self.total:,} rows{share}, "
                     f"{rate:,.0f} rows/s")

"""The live page's data for a sweep (``run.py sweep CONFIG --view``): its grid of cells.

The sweep (:func:`bpnet.sweep.run_sweep`) tells a :class:`SweepState` the runs it is about to
train (``begin``), each run as it is recorded (``done``, with the summary of every run recorded
so far, the one summary.csv is written from) and the end of its runs (``runs_ended``); ``/status``
reads what it last heard (:meth:`SweepState.status`), never waiting on the sweep.

A cell is "done" once all its runs are recorded, "running" while one of its runs is among the
first ``workers`` runs not recorded yet (the workers take the runs in order: exact for local
processes, an estimate on Dask), else "waiting". Its ``median`` is the lowest, over its models,
of the median selection perf of its runs so far; ``best`` is the cell and model that rank first
so far, as best.yaml will name them once the sweep ends.
"""
from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bpnet.view.state import RunState


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


class SweepState:
    """One sweep as the page shows it: ``cells`` (the swept keys' values of each, as text, in
    cell order), ``runs`` per cell, ranked by the ``select`` part's perf."""

    def __init__(self, run: RunState, keys: list[str], cells: list[dict[str, str]],
                 runs: int, select: str, workers: int) -> None:
        self.run, self.keys, self.cells = run, keys, cells
        self.runs, self.select, self.workers = runs, select, workers
        self.done_runs = [0] * len(cells)
        self.pending: list[tuple[int, int]] = []   # (cell, run) not recorded, in order
        self.summary: list[dict] = []
        self.start = time.monotonic()
        self.trained = 0           # runs recorded since begin, the last at ``last``
        self.last = 0.0
        self.running = False
        self.ended_at: float | None = None

    def begin(self, tasks: list[tuple[int, int]], summary: list[dict]) -> None:
        """The runs ``tasks`` ((cell, run) pairs, cells counted from 1) are about to be
        trained, in this order; ``summary`` (sweepfiles.summarise) holds the runs recorded
        earlier."""
        todo: dict[int, int] = {}
        for cell, _ in tasks:
            todo[cell] = todo.get(cell, 0) + 1
        self.done_runs = [self.runs - todo.get(c, 0) for c in range(1, len(self.cells) + 1)]
        self.pending, self.summary = list(tasks), summary
        self.start = time.monotonic()
        self.running = True
        self.run.stage = "training"

    def done(self, cell: int, run: int, summary: list[dict]) -> None:
        """Run ``run`` of ``cell`` is recorded; ``summary``: every run recorded so far."""
        self.pending = [t for t in self.pending if t != (cell, run)]
        self.done_runs[cell - 1] += 1
        self.trained += 1
        self.last = time.monotonic()
        self.summary = summary

    def runs_ended(self) -> None:
        """No run is trained any more (the sweep writes its summary, or was stopped)."""
        self.running = False
        self.ended_at = time.monotonic()
        if self.run.stage == "training":
            self.run.stage = "writing"

    def _cells(self, medians: dict[int, tuple[float, str]]) -> list[dict]:
        busy = {cell for cell, _ in self.pending[:self.workers]} if self.running else set()
        out = []
        for c, values in enumerate(self.cells, 1):
            n = self.done_runs[c - 1]
            state = "done" if n >= self.runs else "running" if c in busy else "waiting"
            median, model = medians.get(c, (math.nan, None))
            out.append({"cell": c, "values": values, "runs": n, "of": self.runs,
                        "state": state, "median": _finite(median), "model": model})
        return out

    def status(self) -> dict:
        """The ``sweep`` object of ``/status``."""
        summary = self.summary
        medians: dict[int, tuple[float, str]] = {}
        for e in summary:
            median = e["stats"][e["select"]][0]
            if math.isfinite(median) and median < medians.get(e["cell"], (math.inf,))[0]:
                medians[e["cell"]] = (median, e["model"])
        winner = min(summary, key=lambda e: e["rank"]) if summary else None
        best = None if winner is None else {
            "cell": winner["cell"], "model": winner["model"], "values": winner["values"],
            "median": _finite(winner["stats"][winner["select"]][0])}
        runs_done = sum(self.done_runs)
        elapsed = (self.ended_at or time.monotonic()) - self.start
        return {"keys": self.keys, "select": self.select, "cells": self._cells(medians),
                "best": best, "runs_done": runs_done,
                "runs_total": self.runs * len(self.cells),
                "cells_done": sum(1 for n in self.done_runs if n >= self.runs),
                "cells_total": len(self.cells), "elapsed": elapsed,
                "left": self._left()}

    def _left(self) -> float | None:
        """The seconds left as the progress line estimates them at each run, counted down
        since (None before the first run, or once the runs have ended)."""
        if not self.running or not self.trained:
            return None
        now = time.monotonic()
        per_run = (self.last - self.start) / self.trained
        return max(per_run * len(self.pending) - (now - self.last), 0.0)

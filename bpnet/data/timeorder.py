"""Input stage: the rows of a series put in time order (docs/semantics.md#time-column).

With a time column that :func:`~bpnet.data.timeaxis.read_axis` understands, the rows must come
oldest first, each time once, one regular step apart. A time label given twice is an error;
rows out of order are an error unless ``data.sort`` is true (then they are sorted, stably); a
gap (a multiple of the step) is an error unless ``data.missing`` fills values (then the absent
time steps are inserted, as missing values, labelled as the file labels its rows). Spacing
that is no multiple of one step is irregular: a warning, and lags then count rows.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np

from bpnet.config import DataConfig
from bpnet.data.table import Table
from bpnet.data.timeaxis import TimeAxis, read_axis, step_of, step_words
from bpnet.errors import InputError

FILLING = ("interpolate", "previous")


@dataclass(frozen=True)
class Timeline:
    """A series' rows in time order: ``values`` (L,) in original units, NaN where missing;
    ``labels`` (L,); ``rows`` (L,) the rows of the table, -1 for an inserted time step;
    ``inserted`` (L,) bool; ``axis`` None without a time column or with plain labels; once filled,
    ``filled`` (L,) bool marks the values that were missing."""

    values: np.ndarray
    labels: list[str]
    rows: np.ndarray
    inserted: np.ndarray
    axis: TimeAxis | None
    filled: np.ndarray | None = None

    def line(self, table: Table, i: int) -> int:
        """The line in the file of step ``i`` (0 for an inserted time step)."""
        return table.lines[self.rows[i]] if self.rows[i] >= 0 else 0

    def take(self, idx: np.ndarray) -> Timeline:
        """The steps ``idx`` (n,) of the timeline, in that order."""
        return Timeline(self.values[idx], [self.labels[i] for i in idx], self.rows[idx],
                        self.inserted[idx], self.axis.take(idx) if self.axis else None,
                        None if self.filled is None else self.filled[idx])


def arrange(table: Table, d: DataConfig) -> Timeline:
    """The series ``d.series`` of ``table`` in time order, checked, its gaps inserted."""
    y = table.numbers(d.series, "data.series")
    rows = np.arange(len(y))
    none = np.zeros(len(y), dtype=bool)
    if d.time is None:
        return Timeline(y, [str(i) for i in range(len(y))], rows, none, None)
    labels = [s.strip() for s in table.column(d.time, "data.time")]
    axis = read_axis(labels, lambda i: table.where(i, d.time))
    if axis is None:
        if d.sort:
            raise InputError(f"{table.path}: data.sort: column {d.time} holds no time labels "
                             "bpnet reads (YYYY, YYYYQn, YYYY-MM, YYYY-MM-DD, ISO timestamps)")
        return Timeline(y, labels, rows, none, None)
    _refuse_duplicates(table, axis, d.time)
    order = _time_order(table, axis, d)
    line = Timeline(y, axis.labels, rows, none, axis).take(order)
    axis = replace(line.axis, step=_regular_step(table, line, d.time))
    line = replace(line, axis=axis)
    if axis.step is None or not (np.diff(axis.positions) > axis.step).any():
        return line
    return _insert_gaps(table, line, d)


def _refuse_duplicates(table: Table, axis: TimeAxis, column: str) -> None:
    order = np.argsort(axis.positions, kind="stable")
    same = np.flatnonzero(np.diff(axis.positions[order]) == 0)
    if len(same):
        i, j = sorted((int(order[same[0]]), int(order[same[0] + 1])))
        raise InputError(f"{table.path}: column {column}: {axis.labels[i]!r} is on line "
                         f"{table.lines[i]} and line {table.lines[j]} ({len(same)} time "
                         "label(s) repeated); remove the duplicate rows")


def _time_order(table: Table, axis: TimeAxis, d: DataConfig) -> np.ndarray:
    """The row order (L,) oldest first: the file's, or sorted with data.sort."""
    back = np.flatnonzero(np.diff(axis.positions) < 0) + 1
    if len(back) == 0 or d.sort:
        return np.argsort(axis.positions, kind="stable")
    i = int(back[0])
    newest_first = len(back) == len(axis.positions) - 1
    raise InputError(
        f"{table.where(i, d.time)}: {axis.labels[i]!r} comes after {axis.labels[i - 1]!r} "
        f"(line {table.lines[i - 1]}): {len(back)} row(s) are out of time order"
        + (" (the file is newest first)" if newest_first else "")
        + "; set data.sort: true to sort the rows by time")


def _regular_step(table: Table, line: Timeline, column: str) -> int | None:
    """The step of sorted positions, or None (with a warning) when some spacing is not a
    multiple of the most common one."""
    axis = line.axis
    step = step_of(axis.positions)
    if step is None:
        return None
    d = np.diff(axis.positions)
    odd = np.flatnonzero(d % step != 0)
    if len(odd) == 0:
        return step
    i = int(odd[0])
    warnings.warn(
        f"{table.path}: column {column}: the spacing is irregular: {len(odd)} of {len(d)} steps "
        f"are not a multiple of {step_words(axis.unit, step)} (the first: line "
        f"{line.line(table, i)} {axis.labels[i]!r} to line {line.line(table, i + 1)} "
        f"{axis.labels[i + 1]!r}); lags count rows, not time, and forecast steps are numbered "
        "+1, +2, ...", stacklevel=4)
    return None


def _insert_gaps(table: Table, line: Timeline, d: DataConfig) -> Timeline:
    """Insert the absent time steps as missing values (data.missing fills them), or refuse."""
    axis = line.axis
    step, pos = axis.step, axis.positions
    gaps = np.flatnonzero(np.diff(pos) > step)
    absent = int(((np.diff(pos) // step) - 1).sum())
    if d.missing not in FILLING:
        i = int(gaps[0])
        raise InputError(
            f"{table.path}: {absent} time step(s) are missing from this {axis.describe()} "
            f"series, in {len(gaps)} gap(s); the first: "
            f"{step_words(axis.unit, int(pos[i + 1] - pos[i]) - step)} between line "
            f"{line.line(table, i)} ({axis.labels[i]!r}) and line {line.line(table, i + 1)} "
            f"({axis.labels[i + 1]!r}). Lags count rows, so they would reach across the gaps: "
            "set data.missing: interpolate (or previous) to insert and fill them")
    full = np.arange(pos[0], pos[-1] + step, step, dtype=np.int64)
    at = np.searchsorted(full, pos)
    values = np.full(len(full), np.nan)
    values[at] = line.values
    rows = np.full(len(full), -1)
    rows[at] = line.rows
    labels = [axis.label(int(p)) for p in full]
    for k, i in enumerate(at):
        labels[i] = axis.labels[k]
    return Timeline(values, labels, rows, rows < 0, replace(axis, positions=full, labels=labels))

"""Input stage: exogenous inputs of a series, MATLAB's narxnet and timedelaynet
(docs/semantics.md#exogenous-inputs).

``data.exog: {column: [delays]}`` names other columns of the series' file, read along the same
time axis; the sample of time t gets x_c[t - d] for every delay d of every column c (delay 0,
the same step, allowed), in the order of the config's columns and ascending delays, before the
series' own lags. ``data.exog_transform`` (log, differences) applies to every exogenous column
as ``data.transform`` does to the series; the inputs are the transformed values, which are never
inverted (only the series' predictions are).

Rows after the last known value of the series (the series cell blank) are future rows: their
exogenous values are what a closed-loop forecast past the end of the data reads. A blank
exogenous cell inside the history is an error: exogenous inputs are never filled. A blank
future cell ends the future a forecast can read: a forecast that would read it is an error
naming its line and column.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bpnet.config import DataConfig
from bpnet.data import missing as gaps
from bpnet.data.table import Table
from bpnet.data.timeorder import Timeline
from bpnet.data.transforms import SeriesTransform
from bpnet.errors import InputError


@dataclass(frozen=True, eq=False)
class Exog:
    """The exogenous columns of a series.

    ``values`` (L + F, E): column c of ``names`` at every time step of the series (L, the
    history) and of the F future rows after it, in original units; ``delays[c]`` the sorted
    delays of column c; ``w`` (L + F, E) the values transformed by ``transform`` (NaN where
    differencing leaves them undefined); ``blank`` the place (line and column, as messages
    name it) of the blank future cell that ends the F rows, None when every one is given.
    """

    names: tuple[str, ...]
    delays: tuple[tuple[int, ...], ...]
    transform: SeriesTransform
    values: np.ndarray
    known: int
    blank: str | None = None
    w: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        w = np.column_stack([self.transform.apply(self.values[:, j])
                             for j in range(len(self.names))])
        object.__setattr__(self, "w", w)

    @property
    def start(self) -> int:
        """The first time t whose every input is defined: lost to differencing + max delay."""
        return self.transform.lost + max(max(d) for d in self.delays)

    @property
    def size(self) -> int:
        """D_x, the number of exogenous inputs of a sample."""
        return sum(len(d) for d in self.delays)

    def inputs(self, t: np.ndarray) -> np.ndarray:
        """The exogenous inputs (n, D_x) of the samples of times t (n,): x_c[t - d], column by
        column, ascending delays."""
        t = np.asarray(t, dtype=int)
        cols = [self.w[t - d, j] for j, delays in enumerate(self.delays) for d in delays]
        return np.column_stack(cols) if cols else np.empty((len(t), 0))

    def needed(self, origin: int, steps: int) -> int:
        """How many time steps of exogenous values a forecast of ``steps`` steps from time
        ``origin`` reads: up to t - d for the last t and the smallest delay."""
        return origin + steps - min(min(d) for d in self.delays)

    def rows(self, origin: int, steps: int) -> np.ndarray:
        """The actual exogenous inputs (steps, D_x) of times origin, ..., origin + steps - 1;
        too few future rows is an InputError saying how many are needed."""
        need = self.needed(origin, steps)
        if need > len(self.w):
            wants = (f"a forecast of {steps} step(s) from here needs the exogenous values "
                     f"({', '.join(self.names)}) of {need - self.known} row(s) after the last "
                     "value of the series (rows whose series cell is blank)")
            if self.blank is not None:
                raise InputError(f"{self.blank}; {wants}, each given: future exogenous values "
                                 "are never filled")
            raise InputError(f"{wants}; the file has {len(self.w) - self.known}")
        return self.inputs(origin + np.arange(steps))

    def feature_names(self) -> list[str]:
        """``temperature[t]``, ``temperature[t-1]``, ..., as the inputs are ordered."""
        out = []
        for name, delays in zip(self.names, self.delays):
            shown = transformed_name(name, self.transform)
            out += [f"{shown}[t]" if d == 0 else f"{shown}[t-{d}]" for d in delays]
        return out


def transformed_name(name: str, tf: SeriesTransform) -> str:
    """A column's name as its transform makes it, e.g. ``diff12(diff1(log(passengers)))``."""
    return tf.name(name)


def split_future(line: Timeline) -> tuple[Timeline, Timeline]:
    """The timeline cut after its last known value: (history, future rows)."""
    known = np.flatnonzero(~np.isnan(line.values))
    end = int(known[-1]) + 1 if len(known) else len(line.values)
    return line.take(np.arange(end)), line.take(np.arange(end, len(line.values)))


def read(d: DataConfig, table: Table, history: Timeline, future: Timeline) -> Exog:
    """The exogenous columns of ``d.exog`` along the (filled) history and the future rows;
    a blank cell in the history, or a non-positive value under a log, is an error."""
    names = tuple(d.exog)
    steps = np.concatenate([history.rows, future.rows])
    labels = history.labels + future.labels
    cols = []
    for name in names:
        x = table.numbers(name, f"data.exog.{name}")
        col = np.where(steps >= 0, x[np.maximum(steps, 0)], np.nan)
        _refuse_blanks(table, name, col[:len(history.rows)], history, labels)
        cols.append(col)
    values = np.column_stack(cols) if cols else np.empty((len(steps), 0))
    tf = SeriesTransform(d.exog_transform.log, tuple(d.exog_transform.difference))
    if tf.log and (values <= 0).any():
        i, j = (int(a[0]) for a in np.nonzero(values <= 0))
        raise InputError(f"{table.where(int(steps[i]), names[j])}: {values[i, j]:g} has no "
                         "logarithm (data.exog_transform.log needs positive values)")
    # a forecast never reads past the first blank future value
    blanks = np.flatnonzero(np.isnan(values[len(history.rows):]).any(axis=1))
    usable = len(history.rows) + (int(blanks[0]) if len(blanks) else len(future.rows))
    blank = _blank(table, names, values[usable], int(steps[usable]), labels[usable]) \
        if len(blanks) else None
    return Exog(names, tuple(d.exog[n] for n in names), tf, values[:usable],
                len(history.rows), blank)


def _blank(table: Table, names: tuple[str, ...], values: np.ndarray, row: int, label: str
           ) -> str:
    """Where the first blank of the future values (E,) of the table's ``row`` (-1: a time
    step not in the file, labelled ``label``) is, as a message names it after the file."""
    if row < 0:
        return f"time {label}: not in the file"
    name = names[int(np.flatnonzero(np.isnan(values))[0])]
    place = table.where(row, name).removeprefix(f"{table.path}: ")
    return f"{place}: {gaps.cell_text(table.column(name, '')[row])}"


def _refuse_blanks(table: Table, name: str, col: np.ndarray, history: Timeline,
                   labels: list[str]) -> None:
    """A blank exogenous value inside the history stops the run with its line and column."""
    blank = np.flatnonzero(np.isnan(col))
    if not len(blank):
        return
    i = int(blank[0])
    hint = ("exogenous inputs are never filled (data.missing fills the series only): give "
            "every value of the history")
    row = int(history.rows[i])
    if row < 0:
        raise InputError(f"{table.path}: column {name}: time {labels[i]} is not in the file (a "
                         f"gap of the series, inserted by data.missing); {hint}")
    raise gaps.refuse(table.where(row, name), len(blank),
                      [history.line(table, k) for k in blank], table.column(name, "")[row], hint)

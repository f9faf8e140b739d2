"""Input stage: the samples of a table, in series mode or tabular mode.

Series mode (docs/semantics.md §8) turns one column y[0..L-1] into samples whose inputs are
y[t - lag] for each lag (and the calendar month of t) and whose target is y[t], built on the
transformed series when ``data.transform`` asks for one. Tabular mode reads named input and
target columns.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from bpnet.config import DataConfig
from bpnet.data import classes as class_column
from bpnet.data.table import Table
from bpnet.data.transforms import SeriesTransform
from bpnet.errors import InputError


@dataclass(frozen=True, eq=False)
class Series:
    """The series that series-mode samples are built from, and how.

    ``values`` (L,) is the series in original units with its time ``labels`` (L,);
    ``positions`` (Q,) is the time index t of every sample; ``months`` (L,) the calendar month
    of every t, or None without the month feature; ``stages`` are ``transform.stages(values)``,
    each (L,); ``lags`` are sorted; ``period`` is the seasonal naive baseline's period.
    """

    values: np.ndarray
    labels: list[str]
    positions: np.ndarray
    months: np.ndarray | None
    transform: SeriesTransform
    stages: list[np.ndarray]
    lags: tuple[int, ...]
    period: int

    @property
    def targets(self) -> np.ndarray:
        """(Q, 1): the value at every sample's time, in original units."""
        return self.values[self.positions, None]

    def to_original(self, y_model: np.ndarray, idx: np.ndarray | None = None) -> np.ndarray:
        """One-step predictions (n, 1) of the samples ``idx`` (all when None), unscaled but
        still transformed -> (n, 1) in original units, the transform inverted with the actual
        past values."""
        if self.transform.identity:
            return y_model
        t = self.positions if idx is None else self.positions[idx]
        return self.transform.invert(y_model[:, 0], t, self.stages)[:, None]


@dataclass(frozen=True, eq=False)
class Samples:
    """The samples of one table: inputs ``X`` (N, D); targets ``Y`` (N, K), or None when the
    target columns are absent and not needed; ``labels`` (N,) with the column name
    ``label_name``; and, in series mode, the :class:`Series` they come from."""

    X: np.ndarray
    Y: np.ndarray | None
    labels: list[str]
    label_name: str
    feature_names: list[str]
    target_names: list[str]
    series: Series | None = None


def build_samples(d: DataConfig, table: Table, targets_needed: bool = True,
                  classes: list[str] | None = None) -> Samples:
    """The samples of ``table`` as the data settings ``d`` build them. With ``d.classes`` the
    targets are one-hot rows over ``classes`` (default: the sorted labels of this table) and
    the target names are the classes."""
    if d.series is not None:
        return _series(d, table)
    if d.classes is not None:
        return _classified(d, table, targets_needed or d.classes in table.header, classes)
    return _tabular(d, table, targets_needed or all(t in table.header for t in d.targets))


def series_samples(y: np.ndarray, lags: tuple[int, ...], months: np.ndarray | None = None,
                   lost: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Lagged samples of a series (docs/semantics.md §8).

    y (L,), months (L,) in 1..12 or None -> X (L - lost - max(lags), len(lags) [+ 1]),
    Y (..., 1). Sample i has t = lost + max(lags) + i: inputs y[t - lag] for each lag, then
    months[t]; ``lost`` leading values of y are undefined (taken by differencing).
    """
    start = lost + max(lags)
    if len(y) <= start:
        return np.empty((0, len(lags) + (months is not None))), np.empty((0, 1))
    cols = [y[start - lag: len(y) - lag] for lag in lags]
    if months is not None:
        cols.append(months[start:].astype(float))
    return np.column_stack(cols), y[start:, None].copy()


_MONTH = re.compile(r"^\s*\d{1,4}[-/](\d{1,2})(?:\D|$)")


def months_of(labels: list[str], table: Table, column: str) -> np.ndarray:
    """Calendar months (L,) in 1..12 parsed from YYYY-MM (or YYYY-MM-DD, YYYY/MM) labels (L,)."""
    out = np.empty(len(labels), dtype=int)
    for i, text in enumerate(labels):
        m = _MONTH.match(text)
        month = int(m.group(1)) if m else 0
        if not 1 <= month <= 12:
            raise InputError(f"{table.path}: line {table.lines[i]}, column {column}: {text!r} "
                             "is not a YYYY-MM month label (needed by data.month)")
        out[i] = month
    return out


def _labels(d: DataConfig, table: Table, n: int) -> list[str]:
    """The time column's labels (n,), or the row numbers without one."""
    labels = table.column(d.time, "data.time") if d.time else [str(i) for i in range(n)]
    return [s.strip() for s in labels]


def _series(d: DataConfig, table: Table) -> Samples:
    y = table.numbers(d.series, "data.series")
    labels = _labels(d, table, len(y))
    lags = tuple(sorted(d.lags))
    tf = SeriesTransform(d.transform.log, tuple(d.transform.difference))
    if tf.log and (y <= 0).any():
        i = int(np.flatnonzero(y <= 0)[0])
        raise InputError(f"{table.path}: line {table.lines[i]}, column {d.series}: {y[i]:g} has "
                         "no logarithm (data.transform.log needs positive values)")
    months = months_of(labels, table, d.time) if d.month else None
    stages = tf.stages(y)
    X, Y = series_samples(stages[-1], lags, months, tf.lost)
    start = tf.lost + max(lags)
    positions = np.arange(start, max(start, len(y)))
    series = Series(y, labels, positions, months, tf, stages, lags, d.period)
    return Samples(X, Y, labels[start:], d.time or "t", _lag_names(d, lags, tf), [d.series],
                   series)


def _lag_names(d: DataConfig, lags: tuple[int, ...], tf: SeriesTransform) -> list[str]:
    """The feature names: the lagged (transformed) series, e.g.
    ``diff12(diff1(log(passengers)))[t-1]``, then ``month``."""
    name = d.series
    if not tf.identity:
        name = f"log({d.series})" if tf.log else d.series
        for k in tf.differences:
            name = f"diff{k}({name})"
    return [f"{name}[t-{lag}]" for lag in lags] + (["month"] if d.month else [])


def _tabular(d: DataConfig, table: Table, with_targets: bool = True) -> Samples:
    X = np.column_stack([table.numbers(c, "data.inputs") for c in d.inputs])
    Y = np.column_stack([table.numbers(c, "data.targets") for c in d.targets]) \
        if with_targets else None
    return Samples(X, Y, _labels(d, table, len(X)), d.time or "row", list(d.inputs),
                   list(d.targets))


def _classified(d: DataConfig, table: Table, with_targets: bool,
                classes: list[str] | None) -> Samples:
    """Tabular samples whose targets (N, K) are the one-hot rows of the class column."""
    X = np.column_stack([table.numbers(c, "data.inputs") for c in d.inputs])
    Y = None
    if with_targets:
        labels = class_column.read_labels(table, d.classes)
        classes = classes or class_column.class_list(labels, table, d.classes)
        Y = class_column.one_hot(labels, classes, table, d.classes)
    return Samples(X, Y, _labels(d, table, len(X)), d.time or "row", list(d.inputs),
                   list(classes or ()))

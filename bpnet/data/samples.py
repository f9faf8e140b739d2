"""Input stage: the samples of a table, in series mode or tabular mode.

Series mode (docs/semantics.md#time-series-samples) turns one column y[0..L-1], put in time order
and with its
missing values filled as the config says (:mod:`~bpnet.data.timeorder`,
:mod:`~bpnet.data.missing`), into samples whose inputs are y[t - lag] for each lag (and the
calendar features of t: month, quarter, week, weekday) and whose target is y[t], built on the
transformed series when ``data.transform`` asks for one. Tabular mode reads named input and
target columns.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from bpnet.config import DataConfig
from bpnet.config.schema import is_pattern, matching
from bpnet.data import classes as class_column
from bpnet.data import exog as outside
from bpnet.data import missing as gaps
from bpnet.data.matfile import MatTable, variable_of
from bpnet.data.table import Table
from bpnet.data.timeaxis import (
    FEATURES,
    NEEDS,
    TimeAxis,
    assumed_period,
    calendar,
    natural_features,
)
from bpnet.data.timeorder import FILLING, Timeline, arrange
from bpnet.data.transforms import SeriesTransform
from bpnet.errors import InputError


@dataclass(frozen=True, eq=False)
class Series:
    """The series that series-mode samples are built from, and how.

    ``values`` (L,) is the series in original units (missing values filled) with its time
    ``labels`` (L,); ``positions`` (Q,) is the time index t of every sample; ``calendar``
    (L, C) the calendar features (``features``: month, quarter, week, weekday) of every t, or
    None without any; ``stages`` are ``transform.stages(values)``, each (L,); ``lags`` are
    sorted; ``period`` is the seasonal naive baseline's period (None: no seasonal baseline);
    ``axis`` the time axis (None without a time column bpnet reads); ``unscored`` (L,) marks
    the filled values that are not targets (None when there are none); ``exog`` the
    exogenous columns whose delayed values come first in every sample (None without any).
    """

    values: np.ndarray
    labels: list[str]
    positions: np.ndarray
    calendar: np.ndarray | None
    transform: SeriesTransform
    stages: list[np.ndarray]
    lags: tuple[int, ...]
    period: int | None
    axis: TimeAxis | None = None
    features: tuple[str, ...] = ()
    unscored: np.ndarray | None = None
    exog: outside.Exog | None = None

    @property
    def targets(self) -> np.ndarray:
        """(Q, 1): the value at every sample's time, in original units; NaN where it was
        filled and is not scored."""
        y = self.values[self.positions, None]
        if self.unscored is not None:
            y = np.where(self.unscored[self.positions, None], np.nan, y)
        return y

    def calendar_after(self, origin: int, steps: int) -> np.ndarray | None:
        """The calendar features (steps, C) of times origin, origin + 1, ...: those of the
        series, then, past its end, of the time steps that follow its last one."""
        if self.calendar is None:
            return None
        t = origin + np.arange(steps)
        inside = t[t < len(self.values)]
        beyond = steps - len(inside)
        rows = [self.calendar[inside]]
        if beyond:
            if self.axis is None or self.axis.step is None:
                raise InputError("the calendar features of steps after the end of the series "
                                 "need a regular time step; this series' spacing is irregular")
            future = self.axis.after(beyond)
            rows.append(np.column_stack([calendar(self.axis.unit, future, f)
                                         for f in self.features]))
        return np.vstack(rows)

    def to_original(self, y_model: np.ndarray, idx: np.ndarray | None = None) -> np.ndarray:
        """One-step predictions (n, 1) of the samples ``idx`` (all when None), unscaled but
        still transformed -> (n, 1) in original units, the transform inverted with the actual
        past values."""
        if self.transform.identity:
            return y_model
        t = self.positions if idx is None else self.positions[idx]
        return self.transform.invert(y_model[:, 0], t, self.stages)[:, None]

    def to_model(self, y: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """The inverse of :meth:`to_original`: one-step predictions (n, 1) of the samples
        ``idx`` in original units -> (n, 1) on the transformed series."""
        if self.transform.identity:
            return y
        return self.transform.forward(y[:, 0], self.positions[idx], self.stages)[:, None]


@dataclass(frozen=True, eq=False)
class Samples:
    """The samples of one table: inputs ``X`` (N, D); targets ``Y`` (N, K), or None when the
    target columns are absent and not needed, NaN where there is no target; ``labels`` (N,)
    with the column name ``label_name``; in series mode, the :class:`Series` they come from;
    and what was done about missing values (None when there were none)."""

    X: np.ndarray
    Y: np.ndarray | None
    labels: list[str]
    label_name: str
    feature_names: list[str]
    target_names: list[str]
    series: Series | None = None
    missing: gaps.MissingReport | None = None


def build_samples(d: DataConfig, table: Table, targets_needed: bool = True,
                  classes: list[str] | None = None) -> Samples:
    """The samples of ``table`` as the data settings ``d`` build them. With ``d.classes`` the
    targets are one-hot rows over ``classes`` (default: the sorted labels of this table) and
    the target names are the classes."""
    if d.series is not None:
        return _series(d, table)
    d = select_columns(d, table)
    if d.classes is not None:
        return _classified(d, table, targets_needed or d.class_columns[0] in table.header,
                           classes)
    return _tabular(d, table, targets_needed or all(t in table.header for t in d.targets),
                    targets_needed)


def select_columns(d: DataConfig, table: Table) -> DataConfig:
    """The tabular data settings ``d`` with the columns of ``table`` they name
    (docs/data.md#choosing-columns): a .mat variable's (``X`` -> ``X(1)``, ``X(2)``, ...);
    of ``inputs``, ``all`` and a pattern (``pixel_*``, :mod:`fnmatch`) the columns (of a .mat:
    variables) they match, in file order, but the targets', the classes' and the time column;
    each column once. A name the table lacks stays (reading it says so); a pattern that
    matches nothing is an error naming data.inputs. Settings already selected are kept."""
    if d.series is not None:
        return d
    groups: dict[str, list[str]] = {}   # the names the settings use -> their columns
    for h in table.header:
        groups.setdefault(variable_of(h) if isinstance(table, MatTable) else h, []).append(h)

    def columns(name: str) -> list[str]:
        return [name] if name in table.header else groups.get(name, [name])
    taken = {*d.targets, *d.class_columns, d.time}
    free = [g for g, cols in groups.items() if g not in taken and not taken & {*cols}]
    inputs = []
    for name in d.inputs:
        if is_pattern(name) and name not in table.header and name not in groups:
            found = matching(name, free)
            if not found:
                raise _no_match(name, table, taken, free)
            inputs += [c for g in found for c in groups[g]]
        else:
            inputs += columns(name)
    classes = d.classes
    if classes is not None:
        classes = tuple(c for name in d.class_columns for c in columns(name))
        classes = classes[0] if len(classes) == 1 else classes
    return replace(d, inputs=tuple(dict.fromkeys(inputs)), classes=classes,
                   targets=tuple(c for name in d.targets for c in columns(name)))


def _no_match(pattern: str, table: Table, taken: set[str], free: list[str]) -> InputError:
    """The error of an entry of data.inputs that selects no column, with some of those
    there are (``free``; of a .mat, the variables of the file but those ``taken``)."""
    what = "column"
    if isinstance(table, MatTable):
        what, taken = "variable", {variable_of(n) for n in taken if n}
        free = [v for v in table.variables if v not in taken]
    shown = ", ".join(free[:12]) + (f", ... ({len(free)} in all)" if len(free) > 12 else "")
    there = f"the {what}s it may take are {shown}" if free else \
        f"every {what} is a target, a class or the time"
    return InputError(f"{table.path}: data.inputs: {pattern!r} matches no {what}; {there}")


def series_samples(y: np.ndarray, lags: tuple[int, ...], calendar: np.ndarray | None = None,
                   lost: int = 0, start: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Lagged samples of a series (docs/semantics.md#lagged-samples).

    y (L,), calendar (L,) or (L, C) of calendar features (the month 1..12, ...) or None
    -> X (L - t0, len(lags) [+ C]), Y (..., 1), t0 = max(lost + max(lags), start). Sample i
    has t = t0 + i: inputs y[t - lag] for each lag, then calendar[t]; ``lost`` leading values
    of y are undefined (taken by differencing); ``start`` is a later first t that other inputs
    need (exogenous delays, docs/semantics.md#exogenous-inputs). ``lags`` may be empty (no feedback
    of y).
    """
    cal = None if calendar is None else np.asarray(calendar)
    if cal is not None and cal.ndim == 1:
        cal = cal[:, None]
    start = max(lost + max(lags, default=0), start)
    width = len(lags) + (0 if cal is None else cal.shape[1])
    if len(y) <= start:
        return np.empty((0, width)), np.empty((0, 1))
    cols = [y[start - lag: len(y) - lag] for lag in lags]
    if cal is not None:
        cols.extend(cal[start:, j].astype(float) for j in range(cal.shape[1]))
    X = np.column_stack(cols) if cols else np.empty((len(y) - start, 0))
    return X, y[start:, None].copy()


def first_time(d: DataConfig) -> int:
    """The time t of a series' first sample (docs/semantics.md#series-transforms,
    #exogenous-inputs): the values lost to
    differencing plus the largest lag, or, later, those of the exogenous inputs."""
    start = sum(d.transform.difference) + max(d.lags, default=0)
    if d.exog:
        start = max(start, sum(d.exog_transform.difference)
                    + max(max(v) for v in d.exog.values()))
    return start


def delays_text(d: DataConfig) -> str:
    """How a series' first sample is reached, for messages: ``lags up to 2`` (and the
    exogenous delays when there are any)."""
    text = f"lags up to {max(d.lags)}" if d.lags else "no lags"
    if d.exog:
        text += f", exogenous delays up to {max(max(v) for v in d.exog.values())}"
    return text


class RowNumbers(Sequence):
    """The labels of n samples without a time column: their row numbers "0", "1", ...,
    each made when asked for (a list of a million of them would take 60 MB). It equals a
    list of the same labels, adds to one as a list does and becomes a numpy array of text
    at once."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i):
        rows = range(self.n)[i]
        return list(map(str, rows)) if isinstance(i, slice) else str(rows)

    def __eq__(self, other) -> bool:
        if isinstance(other, RowNumbers):
            return other.n == self.n
        return isinstance(other, (list, tuple)) and list(self) == list(other)

    def __add__(self, other) -> list[str]:
        return list(self) + list(other)

    def __radd__(self, other) -> list[str]:
        return list(other) + list(self)

    def __iter__(self):
        return map(str, range(self.n))

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """(n,) text as wide as the longest label, as numpy makes of a list of them."""
        if dtype is not None and np.dtype(dtype).kind != "U":
            return np.array(list(self), dtype=dtype)
        return np.arange(self.n).astype(f"U{len(str(max(self.n - 1, 0)))}")

    def __repr__(self) -> str:
        return f"RowNumbers({self.n})"


def _labels(d: DataConfig, table: Table, n: int) -> Sequence[str]:
    """The time column's labels (n,), or the row numbers without one."""
    if not d.time:
        return RowNumbers(n)
    return [s.strip() for s in table.column(d.time, "data.time")]


def _series(d: DataConfig, table: Table) -> Samples:
    line = arrange(table, d)
    if d.exog:   # rows after the series' last value hold future exogenous values
        line, future = outside.split_future(line)
    line, report = _filled(d, table, line)
    ex = outside.read(d, table, line, future) if d.exog else None
    y, labels, axis = line.values, line.labels, line.axis
    lags = tuple(sorted(d.lags))
    tf = SeriesTransform.of(d.transform)
    if tf.undefined(y).any():
        i = int(np.flatnonzero(tf.undefined(y))[0])
        at = f"line {line.line(table, i)}" if line.rows[i] >= 0 else f"time {labels[i]} (filled)"
        raise InputError(f"{table.path}: {at}, column {d.series}: {tf.why_undefined(y[i])}")
    features = tuple(f for f in FEATURES if getattr(d, f))
    cal = _calendar(d, table, axis, features)
    stages = tf.stages(y)
    start = first_time(d)
    X, Y = series_samples(stages[-1], lags, cal, tf.lost, start)
    positions = np.arange(start, max(start, len(y)))
    if ex is not None:   # exogenous inputs first (docs/semantics.md#exogenous-inputs)
        X = np.hstack([ex.inputs(positions), X])
    unscored = None
    if line.filled is not None and line.filled.any() and not d.score_filled:
        unscored = line.filled
        Y[unscored[positions]] = np.nan
    period = d.period if d.period is not None else assumed_period(axis, len(y))
    series = Series(y, labels, positions, cal, tf, stages, lags, period, axis, features,
                    unscored, ex)
    names = (ex.feature_names() if ex is not None else []) + _lag_names(d, lags, tf)
    return Samples(X, Y, labels[start:], d.time or "t", names, [d.series], series, report)


def _filled(d: DataConfig, table: Table, line: Timeline
            ) -> tuple[Timeline, gaps.MissingReport | None]:
    """The timeline with its missing values filled by ``d.missing`` (or the error), and the
    report of what was done."""
    missing = np.isnan(line.values)
    if not missing.any():
        return line, None
    idx = np.flatnonzero(missing)
    if d.missing not in FILLING:
        row = int(line.rows[idx[0]])
        raise gaps.refuse(table.where(row, d.series), len(idx),
                          [line.line(table, i) for i in idx], table.column(d.series, "")[row],
                          "set data.missing: interpolate (or previous) to fill them")
    positions = line.axis.positions if line.axis is not None else np.arange(len(missing))
    y, keep = gaps.fill(line.values, positions, d.missing)
    if keep.stop - keep.start < 2:
        raise InputError(f"{table.path}: column {d.series}: fewer than two values are known; "
                         "nothing to fill from")
    kept = np.arange(keep.start, keep.stop)
    out = replace(line.take(kept), values=y[kept], filled=missing[kept])
    report = gaps.MissingReport(
        d.missing, (d.series,), table.path, filled=int(out.filled.sum()),
        inserted=int(out.inserted.sum()), trimmed=len(missing) - len(kept),
        at=tuple(out.labels[i] for i in np.flatnonzero(out.filled)[:gaps.SHOWN]),
        scored=d.score_filled)
    return out, report


def _calendar(d: DataConfig, table: Table, axis: TimeAxis | None,
              features: tuple[str, ...]) -> np.ndarray | None:
    """The calendar features (L, C) the config asks for, or None; a feature the time step
    does not support (a month of quarterly data) is an error saying which would."""
    if not features:
        return None
    if not table.rows:   # no rows, no samples: the size check says so
        return np.empty((0, len(features)), dtype=int)
    if axis is None:
        raise InputError(f"{table.where(0, d.time)}: "
                         f"{table.column(d.time, 'data.time')[0].strip()!r} is not a time label "
                         f"bpnet reads (YYYY-MM, YYYY-MM-DD, YYYYQn, ...), which data."
                         f"{features[0]} needs")
    natural = natural_features(axis.unit, axis.step)
    for f in features:
        if f not in natural:
            better = [g for g in FEATURES if g in natural and g != f]
            hint = f"; data.{better[0]} fits it" if better else ""
            raise InputError(f"{table.path}: data.{f}: needs {NEEDS[f]} or finer data; "
                             f"column {d.time} is {axis.describe()}{hint}")
    return np.column_stack([calendar(axis.unit, axis.positions, f) for f in features])



def _lag_names(d: DataConfig, lags: tuple[int, ...], tf: SeriesTransform) -> list[str]:
    """The feature names: the lagged (transformed) series, e.g.
    ``diff12(diff1(log(passengers)))[t-1]``, then the calendar features."""
    name = outside.transformed_name(d.series, tf)
    return [f"{name}[t-{lag}]" for lag in lags] + [f for f in FEATURES if getattr(d, f)]


def _tabular(d: DataConfig, table: Table, with_targets: bool = True,
             checked: bool = True) -> Samples:
    """Tabular samples; ``checked``: targets that are classes (one-hot rows, text labels) are
    an error saying to use data.classes, integer labels a warning
    (:func:`~bpnet.data.classes.check_targets`)."""
    X = table.matrix(d.inputs, "data.inputs")
    Y = _targets(d, table, checked) if with_targets else None
    labels = _labels(d, table, len(X))
    X, Y, labels, report = _tabular_missing(d, table, X, Y, labels)
    return Samples(X, Y, labels, d.time or "row", list(d.inputs), list(d.targets),
                   missing=report)


def _targets(d: DataConfig, table: Table, checked: bool) -> np.ndarray:
    """The target columns (N, T), checked for classes when ``checked``."""
    try:
        Y = table.matrix(d.targets, "data.targets")
    except InputError as exc:
        raise class_column.labels_as_targets(table, d.targets, exc) from None
    if checked:
        class_column.check_targets(Y, table, d.targets)
    return Y


def _classified(d: DataConfig, table: Table, with_targets: bool,
                classes: list[str] | None) -> Samples:
    """Tabular samples whose targets (N, K) are the one-hot rows of the class column; missing
    inputs and labels as ``data.missing`` says (a row without a label is left out)."""
    X = table.matrix(d.inputs, "data.inputs")
    Y = None
    if with_targets and len(d.class_columns) > 1:
        Y, classes = class_column.one_hot_columns(table, d.class_columns, classes)
    elif with_targets:
        labels = class_column.read_labels(table, d.classes)
        classes = classes or class_column.class_list(labels, table, d.classes)
        Y = class_column.one_hot(labels, classes, table, d.classes)
    X, Y, rows, report = _tabular_missing(d, table, X, Y, _labels(d, table, len(X)))
    if Y is not None:
        X, Y, rows, report = class_column.labelled(X, Y, rows, report)
    return Samples(X, Y, rows, d.time or "row", list(d.inputs), list(classes or ()),
                   missing=report)


def _tabular_missing(d: DataConfig, table: Table, X: np.ndarray, Y: np.ndarray | None,
                     labels: list[str]):
    """Tabular samples with the missing-value policy applied -> (X, Y, labels, report)."""
    x_gap = np.isnan(X)
    y_gap = np.isnan(Y) if Y is not None else np.zeros((len(X), 0), bool)
    targets = list(d.class_columns or d.targets)
    if len(d.class_columns) == 1:   # one label a row, whatever the number of classes
        y_gap = y_gap[:, :1]
    if not x_gap.any() and not y_gap.any():
        return X, Y, labels, None
    if d.missing == "error":
        cells = np.hstack([x_gap, y_gap])
        names = list(d.inputs) + targets[:y_gap.shape[1]]
        rows, cols = np.nonzero(cells)
        i, name = int(rows[0]), names[int(cols[0])]
        raise gaps.refuse(table.where(i, name), len(rows), [table.lines[r] for r in rows],
                          table.column(name, "data")[i],
                          "set data.missing: drop to leave the rows with a missing input out "
                          + ("(and those without a class label)" if d.classes is not None else
                             "(a missing target then means no target there, as in MATLAB)"))
    X, keep = gaps.fill_columns(X, d.missing)
    Y = Y[keep] if Y is not None else None
    where = np.flatnonzero(x_gap.any(axis=1) | y_gap.any(axis=1))[:gaps.SHOWN]
    report = gaps.MissingReport(
        d.missing, tuple(np.array(d.inputs)[x_gap.any(axis=0)]), table.path,
        filled=0 if d.missing == "drop" else int(x_gap[keep].sum()),
        dropped=len(x_gap) - len(keep),
        no_target=int(np.isnan(Y).sum()) if Y is not None else 0,
        at=tuple(f"line {table.lines[i]}" for i in where), series=False)
    return X, Y, [labels[i] for i in keep], report

"""Output stage: the recursive multi-step forecast of a series model.

Each step's prediction is fed back as the next lag input; the calendar month advances; a
recurrent network carries its hidden state from step to step.
"""
from __future__ import annotations

import re

import numpy as np

from bpnet.data import Dataset
from bpnet.data.samples import Series
from bpnet.data.scaling import Scaler

_YEAR_MONTH = re.compile(r"^\s*(\d{1,4})([-/])(\d{1,2})\s*$")


def plain_label(label: str) -> str:
    """A time label as pictures and messages show it: a whole number written as a float
    (a year read as ``1871.0``) without its ``.0``; any other label unchanged."""
    text = label.strip()
    try:
        value = float(text)
    except ValueError:
        return label
    return str(int(value)) if value.is_integer() and "." in text and "e" not in text.lower() \
        else label


def next_labels(last: str, steps: int) -> list[str]:
    """The labels of the ``steps`` periods after ``last``: months after YYYY-MM, whole numbers
    after a whole number (also one written as ``1871.0``), else ``+1``, ``+2``, ..."""
    m = _YEAR_MONTH.match(last)
    if m:
        year, sep, month = int(m.group(1)), m.group(2), int(m.group(3))
        out = []
        for _ in range(steps):
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            out.append(f"{year:04d}{sep}{month:02d}")
        return out
    try:
        start = int(plain_label(last))
    except ValueError:
        return [f"+{h}" for h in range(1, steps + 1)]
    return [str(start + h) for h in range(1, steps + 1)]


def path_labels(series: Series, origin: int, steps: int) -> list[str]:
    """The labels (steps,) of the times origin, origin + 1, ... of ``series``; past its end,
    the labels that follow its last one."""
    known = list(series.labels[origin:origin + steps])
    return known + next_labels(series.labels[-1], steps - len(known))


def recursive(net, x_scaler: Scaler, y_scaler: Scaler, history: np.ndarray,
              lags: tuple[int, ...], steps: int, last_month: int | None = None,
              state=None) -> np.ndarray:
    """Forecast ``steps`` values after ``history`` (L,), in original units -> (steps,).

    Step h (t = L + h) has inputs y[t - lag] for each lag (forecasts where t - lag >= L) and,
    when ``last_month`` (the month of history[-1]) is given, the month of t. A recurrent ``net``
    starts from ``state`` (its state after the history) and carries it along.
    """
    y = np.concatenate([np.asarray(history, dtype=float), np.empty(steps)])
    n = len(history)
    x = np.empty((1, len(lags) + (last_month is not None)))
    for h in range(steps):
        t = n + h
        for j, lag in enumerate(lags):
            x[0, j] = y[t - lag]
        if last_month is not None:
            x[0, -1] = (last_month - 1 + h + 1) % 12 + 1
        xs = x_scaler.transform(x)
        if net.recurrent:
            ys, state = net.forward(xs, state)
        else:
            ys = net.predict(xs)
        y[t] = y_scaler.inverse_transform(ys)[0, 0]
    return y[n:]


def from_end(net, x_scaler: Scaler, y_scaler: Scaler, X_before: np.ndarray, series: Series,
             origin: int, steps: int) -> np.ndarray:
    """The forecast (steps,) of ``steps`` values from time ``origin`` of ``series``, in
    original units.

    X_before (n, D): the samples before ``origin``, in time order (a recurrent net runs them
    from h0 = 0 to reach its state at the origin). Only values before ``origin`` are used.
    """
    months = series.months
    state = None
    if net.recurrent and len(X_before):
        state = net.forward(x_scaler.transform(X_before))[1]
    w_path = recursive(net, x_scaler, y_scaler, series.stages[-1][:origin], series.lags, steps,
                       int(months[origin - 1]) if months is not None else None, state)
    return series.transform.invert_path(w_path, origin, series.stages)


def forecast_origin(data: Dataset, horizon) -> tuple[int, int, int]:
    """(origin time t, steps, first test sample) of the forecast from the end of the training
    (and val) part: the test part's first time step. ``horizon``: "test" (as many steps as
    the test part has) or a number of steps."""
    first = int(data.index["test"][0])
    steps = len(data.index["test"]) if horizon == "test" else int(horizon)
    return int(data.series.positions[first]), steps, first


def multistep(net, data: Dataset, horizon) -> np.ndarray:
    """The recursive forecast (steps,) in original units from the test part's start."""
    origin, steps, first = forecast_origin(data, horizon)
    return from_end(net, data.x_scaler, data.y_scaler, data.X[:first], data.series, origin,
                    steps)

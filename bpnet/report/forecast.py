"""Output stage: the recursive multi-step forecast of a series model.

Each step's prediction is fed back as the next lag input; the calendar features (month,
quarter, week, weekday) are those of each step's true time, from the series' time axis; a
recurrent network carries its hidden state from step to step. Exogenous inputs
(docs/semantics.md#exogenous-inputs) are never predicted: the closed loop reads their actual values,
from
the file's future rows past the end of the series.
"""
from __future__ import annotations

import numpy as np

from bpnet.data import Dataset
from bpnet.data.samples import Series
from bpnet.data.scaling import Scaler


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


def next_labels(series: Series, steps: int) -> list[str]:
    """The labels of the ``steps`` time steps after the end of ``series``, written as its file
    writes its labels (``1961-01``, ``1961Q1``, ``2009``, ``2002-01-05``); ``+1, +2, ...``
    without a regular time step."""
    axis = series.axis
    if axis is None or axis.step is None:
        return [f"+{h}" for h in range(1, steps + 1)]
    return [axis.label(int(p)) for p in axis.after(steps)]


def path_labels(series: Series, origin: int, steps: int) -> list[str]:
    """The labels (steps,) of the times origin, origin + 1, ... of ``series``; past its end,
    the labels that follow its last one."""
    known = list(series.labels[origin:origin + steps])
    return known + next_labels(series, steps - len(known))


def recursive(net, x_scaler: Scaler, y_scaler: Scaler, history: np.ndarray,
              lags: tuple[int, ...], steps: int, calendar: np.ndarray | None = None,
              state=None, exog: np.ndarray | None = None) -> np.ndarray:
    """Forecast ``steps`` values after ``history`` (L,), in original units -> (steps,).

    Step h (t = L + h) has inputs: when ``exog`` (steps, D_x) is given, its row h (the actual
    exogenous inputs of t); y[t - lag] for each lag (forecasts where t - lag >= L); when
    ``calendar`` (steps, C) is given, the calendar features of t, its row h. A recurrent
    ``net`` starts from ``state`` (its state after the history) and carries it along.
    """
    y = np.concatenate([np.asarray(history, dtype=float), np.empty(steps)])
    n = len(history)
    e = 0 if exog is None else exog.shape[1]
    m = e + len(lags)
    x = np.empty((1, m + (0 if calendar is None else calendar.shape[1])))
    for h in range(steps):
        t = n + h
        if exog is not None:
            x[0, :e] = exog[h]
        for j, lag in enumerate(lags):
            x[0, e + j] = y[t - lag]
        if calendar is not None:
            x[0, m:] = calendar[h]
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
    from h0 = 0 to reach its state at the origin). Only values of the series before
    ``origin`` are used; exogenous inputs take their actual values at every step.
    """
    state = None
    if net.recurrent and len(X_before):
        state = net.forward(x_scaler.transform(X_before))[1]
    exog = None if series.exog is None else series.exog.rows(origin, steps)
    w_path = recursive(net, x_scaler, y_scaler, series.stages[-1][:origin], series.lags, steps,
                       series.calendar_after(origin, steps), state, exog)
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

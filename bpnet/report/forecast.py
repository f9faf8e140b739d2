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

    M forecasts at once: history (M, L), calendar (M, steps, C), exog (M, steps, D_x) and,
    for a recurrent net, ``state`` a list of M states (None: all zero) -> (M, steps).
    """
    one = np.ndim(history) == 1
    y = np.atleast_2d(np.asarray(history, dtype=float))
    cal, ex = (None if a is None else np.asarray(a)[None] if one else np.asarray(a)
               for a in (calendar, exog))
    paths, n = y.shape
    y = np.concatenate([y, np.empty((paths, steps))], axis=1)
    states = [state] if one else state or [None] * paths
    e = 0 if ex is None else ex.shape[-1]
    m = e + len(lags)
    x = np.empty((paths, m + (0 if cal is None else cal.shape[-1])))
    for h in range(steps):
        t = n + h
        if ex is not None:
            x[:, :e] = ex[:, h]
        for j, lag in enumerate(lags):
            x[:, e + j] = y[:, t - lag]
        if cal is not None:
            x[:, m:] = cal[:, h]
        xs = x_scaler.transform(x)
        if net.recurrent:   # one sequence per path, each with its own state
            runs = [net.forward(xs[i:i + 1], states[i]) for i in range(paths)]
            ys, states = np.vstack([r[0] for r in runs]), [r[1] for r in runs]
        else:
            ys = net.predict(xs)
        y[:, t] = y_scaler.inverse_transform(ys)[:, 0]
    return y[0, n:] if one else y[:, n:]


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


def calibration(net, data: Dataset, part: str, steps: int, most: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """The recursive forecasts that reach the targets of ``part``: (forecasts (M, steps) in
    original units, actual (M, steps)).

    Row m is the forecast from origin o_m (the time of a sample, in time order), its column
    h - 1 that of y[o_m + h - 1], made as :func:`from_end` makes one: only values before
    o_m, exogenous inputs at their actual values. The origins are those whose forecasts
    reach, at some horizon h <= ``steps``, one of the last ``most`` targets of ``part``;
    ``actual`` holds the value of each time forecast where it is such a target, NaN
    elsewhere (a filled value is no target). Steps past the part's last target are not
    forecast (NaN).
    """
    s = data.series
    idx = data.index[part]
    times = s.positions[idx]
    last, first = int(times[-1]), int(times[max(0, len(times) - most)])
    rows = np.flatnonzero((s.positions >= first - steps + 1) & (s.positions <= last))
    origins = s.positions[rows]
    t = origins[:, None] + np.arange(steps)   # (M, steps): the time of each forecast
    inside = np.minimum(t, last)   # inputs of the steps past the last target: never used
    exog = None if s.exog is None else \
        s.exog.inputs(inside.ravel()).reshape(len(rows), steps, -1)
    calendar = None if s.calendar is None else s.calendar[inside]
    history = s.stages[-1][origins[:, None] + np.arange(-max(s.lags, default=0), 0)]
    states = _states_before(net, data.Xs, rows) if net.recurrent else None
    w = recursive(net, data.x_scaler, data.y_scaler, history, s.lags, steps, calendar,
                  states, exog)
    w[t > last] = np.nan
    forecasts = s.transform.invert_paths(w, origins, s.stages)
    known = np.full(len(s.values), np.nan)
    known[times[-most:]] = data.targets[idx[-most:], 0]
    return forecasts, np.where(t > last, np.nan, known[inside])


def _states_before(net, Xs: np.ndarray, rows: np.ndarray) -> list:
    """The states of the recurrent ``net`` before each of the samples ``rows`` (sorted),
    all samples Xs (Q, D) run as one sequence from the zero state."""
    states, state, done = [], None, 0
    for r in rows:
        if r > done:
            state = net.forward(Xs[done:r], state)[1]
            done = int(r)
        states.append(state)
    return states

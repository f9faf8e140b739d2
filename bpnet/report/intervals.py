"""Output stage: prediction intervals from the errors by horizon, and their scores
(docs/semantics.md#prediction-intervals).

The calibration errors are those of the recursive forecasts of the calibration targets (the
validation part's; the training part's when there is none), h steps ahead for every horizon
h, on the scale g on which the series is transformed before it is differenced (z_0 of
:mod:`bpnet.data.transforms`: the log or Box-Cox of the series, or the series itself):

    e_h = g(y_t) - g(yhat_t|t-h)          the forecast of y_t made from the values before t-h+1

An interval of level 1 - alpha around an h-step prediction yhat is

    [g^-1(g(yhat) + q_h(alpha/2)),  g^-1(g(yhat) + q_h(1 - alpha/2))]

with q_h(p) the empirical p-quantile of the errors e_h (numpy's default quantile, linear
interpolation): the empirical prediction intervals of Williams & Goodman (1971), as sktime's
``ConformalIntervals(method="empirical")`` computes them. One step ahead, e_1 are the one-step
residuals. An interval is scored on the values y it should hold by its coverage, its mean
width and its mean interval score (Winkler 1972; Gneiting & Raftery 2007), in y's units:

    S = (u - l) + (2 / alpha) (l - y) [y < l] + (2 / alpha) (y - u) [y > u]

Everything here is a function of plain arrays; :class:`Bands` holds what a model's intervals
are made of.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MAX_ERRORS = 1000   # the errors kept per horizon: those of the last calibration targets
MIN_ERRORS = 2      # fewer errors of a horizon give no interval there


def level_name(level: float) -> str:
    """The name of a level in column names and metrics: 0.8 -> "80", 0.975 -> "97.5"."""
    return f"{100 * level:g}"


def errors_by_horizon(forecasts: np.ndarray, actual: np.ndarray, g=np.asarray,
                      most: int = MAX_ERRORS) -> np.ndarray:
    """The errors g(actual) - g(forecasts) by horizon -> (H, N), row h - 1 the errors of
    horizon h in the order of the rows (the last ``most`` of them), NaN-padded.

    forecasts, actual (M, H): row m the forecasts of one origin, column h - 1 its h-step
    forecast and the value it forecast (NaN: no error there). g maps values to the scale of
    the errors (elementwise; the identity by default).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        e = g(np.asarray(actual, dtype=float)) - g(np.asarray(forecasts, dtype=float))
    columns = [col[~np.isnan(col)][-most:] for col in e.T]
    out = np.full((len(columns), max(map(len, columns), default=0)), np.nan)
    for h, col in enumerate(columns):
        out[h, :len(col)] = col
    return out


def offsets(errors: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The quantiles q_h(alpha/2) and q_h(1 - alpha/2), each (H,), of the errors (H, N) by
    horizon for ``level`` = 1 - alpha; NaN for a horizon with fewer than MIN_ERRORS."""
    alpha = 1.0 - level
    lo, hi = np.full(len(errors), np.nan), np.full(len(errors), np.nan)
    for h, row in enumerate(errors):
        row = row[~np.isnan(row)]
        if len(row) >= MIN_ERRORS:
            lo[h], hi[h] = np.quantile(row, [alpha / 2, 1 - alpha / 2])
    return lo, hi


def interval(center: np.ndarray, errors: np.ndarray, level: float,
             horizon: np.ndarray | int = 1, g=np.asarray, g_inverse=np.asarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """The interval (lower (n,), upper (n,)) of ``level`` around the predictions ``center``
    (n,), each made ``horizon`` (n,) steps ahead (or all as many), from the errors (H, N) by
    horizon on the scale g (g_inverse its inverse); NaN where the prediction is NaN or its
    horizon has no errors."""
    center = np.asarray(center, dtype=float)
    h = np.broadcast_to(np.asarray(horizon, dtype=int), center.shape)
    steps = int(h.max(initial=1))
    lo, hi = (_padded(q, steps)[h - 1] for q in offsets(errors, level))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        z = g(center)
        return g_inverse(z + lo), g_inverse(z + hi)


def _padded(q: np.ndarray, n: int) -> np.ndarray:
    """The first n of q (H,), NaN past its end -> (n,)."""
    out = np.full(n, np.nan)
    out[:min(n, len(q))] = q[:n]
    return out


def interval_score(lower: np.ndarray, upper: np.ndarray, y: np.ndarray, level: float
                   ) -> np.ndarray:
    """The interval score (n,) of intervals [lower, upper] (n,) of ``level`` = 1 - alpha for
    the values y (n,): the width, plus 2/alpha times how far y lies outside."""
    alpha = 1.0 - level
    below = np.maximum(lower - y, 0.0)
    above = np.maximum(y - upper, 0.0)
    return (upper - lower) + (2.0 / alpha) * (below + above)


def scores(lower: np.ndarray, upper: np.ndarray, y: np.ndarray, level: float) -> dict:
    """coverage (the fraction of y inside [lower, upper]), mean_width and interval_score (the
    mean of :func:`interval_score`) of intervals (n,) for the values y (n,), over the
    samples with a value and an interval (``n``); NaN when there are none."""
    lower, upper, y = (np.asarray(a, dtype=float).ravel() for a in (lower, upper, y))
    ok = ~(np.isnan(lower) | np.isnan(upper) | np.isnan(y))
    lower, upper, y = lower[ok], upper[ok], y[ok]
    if not len(y):
        return {"n": 0, "coverage": math.nan, "mean_width": math.nan,
                "interval_score": math.nan}
    return {"n": int(len(y)), "coverage": float(np.mean((lower <= y) & (y <= upper))),
            "mean_width": float(np.mean(upper - lower)),
            "interval_score": float(np.mean(interval_score(lower, upper, y, level)))}


@dataclass
class Bands:
    """A model's prediction intervals: the ``levels`` (L,) ascending, the calibration
    ``errors`` (H, N) by horizon (:func:`errors_by_horizon`), and per level the interval of
    every one-step prediction, ``lower`` and ``upper`` (L, Q), and of every step of the
    multi-step forecast, ``path_lower`` and ``path_upper`` (L, H) (None without one)."""

    levels: tuple[float, ...]
    errors: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    path_lower: np.ndarray | None = None
    path_upper: np.ndarray | None = None

    @classmethod
    def around(cls, levels: tuple[float, ...], errors: np.ndarray, one_step: np.ndarray,
               path: np.ndarray | None, g=np.asarray, g_inverse=np.asarray) -> Bands:
        """The bands of the one-step predictions (Q,) and the forecast ``path`` (H,), the
        errors (H, N) on the scale g."""
        one = [interval(one_step, errors, level, 1, g, g_inverse) for level in levels]
        out = cls(tuple(levels), errors, np.array([b[0] for b in one]),
                  np.array([b[1] for b in one]))
        if path is not None:
            steps = np.arange(1, len(path) + 1)
            many = [interval(path, errors, level, steps, g, g_inverse) for level in levels]
            out.path_lower = np.array([b[0] for b in many])
            out.path_upper = np.array([b[1] for b in many])
        return out

    def scores(self, rows: np.ndarray, y: np.ndarray, path: bool = False) -> dict:
        """Per level name, :func:`scores` of the one-step intervals of the samples ``rows``
        (n,) for their values y (n,); with ``path``, of the first n forecast steps."""
        lower, upper = (self.path_lower, self.path_upper) if path else \
            (self.lower[:, rows], self.upper[:, rows])
        n = len(y)
        return {level_name(level): scores(lower[i, :n], upper[i, :n], y, level)
                for i, level in enumerate(self.levels)}


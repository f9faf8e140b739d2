"""Output stage: errors of predictions in original units (docs/semantics.md §11), and their
spread over runs.

The relative error of a prediction is (y_pred - y_true) / y_true; a zero target has none (NaN),
is left out of MAPE and max |relative error|, and is counted in ``n_zero_targets``.
"""
from __future__ import annotations

import math

import numpy as np


def mse(y_pred: np.ndarray, y_true: np.ndarray) -> float:
    """sum((y_true - y_pred)^2) / numel over all samples and outputs; y_pred, y_true (n, K)."""
    e = (np.asarray(y_true) - np.asarray(y_pred)).ravel()
    return float(e @ e) / e.size if e.size else math.nan


def relative_error(y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    """(y_pred - y_true) / y_true elementwise, (n, K) from two (n, K); NaN where y_true == 0."""
    y_true = np.asarray(y_true, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y_true != 0, (np.asarray(y_pred) - y_true) / y_true, np.nan)


def regression_metrics(y_pred: np.ndarray, y_true: np.ndarray) -> dict[str, float | int]:
    """RMSE, MAE, MAPE (%), max |relative error| and counts of y_pred vs y_true, both (n, K)."""
    e = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    rel = relative_error(y_pred, y_true)
    finite = rel[~np.isnan(rel)]
    return {
        "n": int(e.shape[0]),
        "rmse": float(np.sqrt(np.mean(e ** 2))) if e.size else math.nan,
        "mae": float(np.mean(np.abs(e))) if e.size else math.nan,
        "mape": float(100.0 * np.mean(np.abs(finite))) if finite.size else math.nan,
        "max_abs_rel_error": float(np.max(np.abs(finite))) if finite.size else math.nan,
        "n_zero_targets": int(np.isnan(rel).sum()),
    }


def over_runs(runs: list[dict]) -> dict:
    """Median, min and max over runs of every number in the runs' summaries
    (``ModelResult.summary()``): epochs, best_epoch, train_seconds and each part's metrics."""
    out: dict = {key: _spread([run[key] for run in runs])
                 for key in ("epochs", "best_epoch", "train_seconds")}
    for part in ("train", "val", "test", "test_multistep"):
        if part in runs[0]:
            out[part] = {metric: _spread([run[part][metric] for run in runs])
                         for metric in runs[0][part]}
    return out


def _spread(values: list) -> dict[str, float]:
    """median, min and max of (n,) numbers."""
    v = np.array(values, dtype=float)
    return {"median": float(np.median(v)), "min": float(v.min()), "max": float(v.max())}

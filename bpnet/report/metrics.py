"""Output stage: errors of predictions in original units (SPEC 11), and their spread over runs.

The relative error of a prediction is (y_pred - y_true) / y_true; a zero target has none (NaN),
is left out of MAPE and max |relative error|, and is counted in ``n_zero_targets``.
"""
from __future__ import annotations

import math

import numpy as np


def mse(y_pred: np.ndarray, y_true: np.ndarray) -> float:
    """sum((y_true - y_pred)^2) / numel over all samples and outputs with a target; y_pred,
    y_true (n, K); a NaN target is no target (MATLAB's convention)."""
    e = (np.asarray(y_true) - np.asarray(y_pred)).ravel()
    no_target = np.isnan(np.asarray(y_true, dtype=float)).ravel()
    if no_target.any():
        e = e[~no_target]
    return float(e @ e) / e.size if e.size else math.nan


def relative_error(y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    """(y_pred - y_true) / y_true elementwise, (n, K) from two (n, K); NaN where y_true == 0
    (and where there is no target)."""
    y_true = np.asarray(y_true, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y_true != 0, (np.asarray(y_pred) - y_true) / y_true, np.nan)


def regression_metrics(y_pred: np.ndarray, y_true: np.ndarray) -> dict[str, float | int]:
    """RMSE, MAE, MAPE (%), max |relative error| and counts of y_pred vs y_true, both (n, K).

    A NaN target is no target: left out of every figure; ``n`` counts the samples with at
    least one target, and ``n_no_target`` (present only when there are some) the targets left
    out.
    """
    y_true = np.asarray(y_true, dtype=float)
    known = ~np.isnan(y_true)
    e = np.asarray(y_pred, dtype=float) - y_true
    rel = relative_error(y_pred, y_true)
    missing = int((~known).sum())
    if missing:
        e, rel = e[known], rel[known]
    finite = rel[~np.isnan(rel)]
    out = {
        "n": int(e.shape[0]) if not missing else int(known.any(axis=1).sum()),
        "rmse": float(np.sqrt(np.mean(e ** 2))) if e.size else math.nan,
        "mae": float(np.mean(np.abs(e))) if e.size else math.nan,
        "mape": float(100.0 * np.mean(np.abs(finite))) if finite.size else math.nan,
        "max_abs_rel_error": float(np.max(np.abs(finite))) if finite.size else math.nan,
        "n_zero_targets": int(np.isnan(rel).sum()),
    }
    if missing:
        out["n_no_target"] = missing
    return out


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

"""Output stage: errors of predictions in original units (docs/semantics.md §11), and their
spread over runs.

The relative error of a prediction is (y_pred - y_true) / y_true; a zero target has none (NaN),
is left out of MAPE and max |relative error|, and is counted in ``n_zero_targets``. A target
whose values cross zero (some negative, some positive) gets no MAPE and no max |relative error|
at all: near its zero crossings relative errors say nothing about the fit (see
:func:`relative_meaningful`).

With one target the errors of a part are one flat dict. With several, each target has its own
errors in its own units under ``"targets"``, and only the unit-free figures (MAPE, max
|relative error|, the count of zero targets) are pooled beside them: an RMSE pooled over
targets in different units means nothing.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

# the metrics regression_metrics reports for one target; the pooled ones of several targets
PER_TARGET = ("rmse", "mae", "mape", "max_abs_rel_error", "n_zero_targets")
POOLED = ("mape", "max_abs_rel_error", "n_zero_targets")


def mse(y_pred: np.ndarray, y_true: np.ndarray) -> float:
    """sum((y_true - y_pred)^2) / numel over all samples and outputs; y_pred, y_true (n, K)."""
    e = (np.asarray(y_true) - np.asarray(y_pred)).ravel()
    return float(e @ e) / e.size if e.size else math.nan


def relative_error(y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    """(y_pred - y_true) / y_true elementwise, (n, K) from two (n, K); NaN where y_true == 0."""
    y_true = np.asarray(y_true, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y_true != 0, (np.asarray(y_pred) - y_true) / y_true, np.nan)


def crosses_zero(targets: np.ndarray) -> np.ndarray:
    """(K,) bool from targets (Q, K): true where a column holds both negative and positive
    values."""
    t = np.asarray(targets, dtype=float)
    if t.size == 0:
        return np.zeros(t.shape[1], dtype=bool)
    return (t.min(axis=0) < 0) & (t.max(axis=0) > 0)


def relative_meaningful(targets: np.ndarray) -> np.ndarray:
    """(K,) bool from all targets (Q, K) of a run: whether relative errors (MAPE, max |relative
    error|) are reported for each target. Decided once per run on every sample, so that every
    model, baseline and part reports the same metrics."""
    return ~crosses_zero(targets)


def _errors(e: np.ndarray, rel: np.ndarray, relative: bool) -> dict[str, float | int]:
    """RMSE, MAE, MAPE, max |relative error| and zero targets of errors e and relative errors
    rel of any shape (pooled)."""
    finite = rel[~np.isnan(rel)] if relative else rel[:0]
    return {
        "rmse": float(np.sqrt(np.mean(e ** 2))) if e.size else math.nan,
        "mae": float(np.mean(np.abs(e))) if e.size else math.nan,
        "mape": float(100.0 * np.mean(np.abs(finite))) if finite.size else math.nan,
        "max_abs_rel_error": float(np.max(np.abs(finite))) if finite.size else math.nan,
        "n_zero_targets": int(np.isnan(rel).sum()),
    }


def regression_metrics(y_pred: np.ndarray, y_true: np.ndarray,
                       names: Sequence[str] | None = None,
                       relative: np.ndarray | None = None) -> dict:
    """The errors of y_pred against y_true, both (n, K), in original units.

    One target: {n, rmse, mae, mape (%), max_abs_rel_error, n_zero_targets}. Several (K > 1,
    named by ``names``): {n, mape, max_abs_rel_error, n_zero_targets, targets: name -> the
    errors of that target}. ``relative`` (K,) bool says per target whether relative errors
    are meaningful (default: all); where not, MAPE and max |relative error| are NaN, and a
    pooled MAPE is NaN as soon as one target has none.
    """
    y_pred = np.asarray(y_pred, dtype=float)
    y_true = np.asarray(y_true, dtype=float)
    k = y_true.shape[1] if y_true.ndim == 2 else 1
    relative = np.ones(k, dtype=bool) if relative is None else np.asarray(relative, dtype=bool)
    e = y_pred - y_true
    rel = relative_error(y_pred, y_true)
    if k == 1:
        return {"n": int(e.shape[0]), **_errors(e, rel, bool(relative[0]))}
    names = list(names) if names is not None else [f"y{j + 1}" for j in range(k)]
    per_target = {name: _errors(e[:, j], rel[:, j], bool(relative[j]))
                  for j, name in enumerate(names)}
    pooled = _errors(e, rel, bool(relative.all()))
    return {"n": int(e.shape[0]), **{m: pooled[m] for m in POOLED}, "targets": per_target}


def metric(scores: dict, name: str, target: str | None = None) -> float:
    """One metric of a part's errors (as :func:`regression_metrics` returns them): of
    ``target`` when the errors are per target, else the part's own."""
    if target is not None and "targets" in scores:
        return scores["targets"][target].get(name, math.nan)
    return scores.get(name, math.nan)


def over_runs(runs: list[dict]) -> dict:
    """Median, min and max over runs of every number in the runs' summaries
    (``ModelResult.summary()``): epochs, best_epoch, train_seconds and each part's metrics
    (per target too)."""
    out: dict = {key: _spread([run[key] for run in runs])
                 for key in ("epochs", "best_epoch", "train_seconds")}
    for part in ("train", "val", "test", "test_multistep"):
        if part in runs[0]:
            out[part] = _spread_tree([run[part] for run in runs])
    return out


def _spread_tree(values: list[dict]) -> dict:
    """The spread of every number of equally shaped nested dicts, keeping the nesting;
    what is not a number (a confusion matrix's labels and counts) is left out."""
    return {key: _spread_tree([v[key] for v in values]) if isinstance(first, dict)
            else _spread([v[key] for v in values])
            for key, first in values[0].items()
            if isinstance(first, (dict, int, float)) and _numeric_tree(first)}


def _numeric_tree(value) -> bool:
    """Whether a nested dict holds numbers only (a number is one)."""
    if isinstance(value, dict):
        return all(_numeric_tree(v) for v in value.values())
    return isinstance(value, (int, float))


def _spread(values: list) -> dict[str, float]:
    """median, min and max of (n,) numbers."""
    v = np.array(values, dtype=float)
    return {"median": float(np.median(v)), "min": float(v.min()), "max": float(v.max())}

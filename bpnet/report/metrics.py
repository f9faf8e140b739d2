"""Output stage: errors of predictions in original units (docs/semantics.md#metrics), and their
spread over runs.

The relative error of a prediction is (y_pred - y_true) / y_true; a zero target has none (NaN),
is left out of MAPE and max |relative error|, and is counted in ``n_zero_targets``. A target
whose values cross zero (some negative, some positive) gets no MAPE and no max |relative error|
at all: near its zero crossings relative errors say nothing about the fit (see
:func:`relative_meaningful`).

A NaN target is no target (MATLAB's convention; a filled value of a series that is not scored,
a missing target of a table): it is left out of every figure and counted in ``n_no_target``.

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


def crosses_zero(targets: np.ndarray) -> np.ndarray:
    """(K,) bool from targets (Q, K): true where a column holds both negative and positive
    values (NaN, no target, is neither)."""
    t = np.asarray(targets, dtype=float)
    return (t < 0).any(axis=0) & (t > 0).any(axis=0)


def relative_meaningful(targets: np.ndarray) -> np.ndarray:
    """(K,) bool from all targets (Q, K) of a run: whether relative errors (MAPE, max |relative
    error|) are reported for each target. Decided once per run on every sample, so that every
    model, baseline and part reports the same metrics."""
    return ~crosses_zero(targets)


def _errors(e: np.ndarray, rel: np.ndarray, relative: bool, known: np.ndarray
            ) -> dict[str, float | int]:
    """RMSE, MAE, MAPE, max |relative error| and zero targets of errors e and relative errors
    rel of any shape (pooled), over the targets where ``known`` (bool, of their shape) is
    true; the others (NaN targets: no target) are counted in ``n_no_target``, present only
    when there are some."""
    missing = int(known.size - np.count_nonzero(known))
    if missing:
        e, rel = e[known], rel[known]
    finite = rel[~np.isnan(rel)] if relative else rel[:0]
    out = {
        "rmse": float(np.sqrt(np.mean(e ** 2))) if e.size else math.nan,
        "mae": float(np.mean(np.abs(e))) if e.size else math.nan,
        "mape": float(100.0 * np.mean(np.abs(finite))) if finite.size else math.nan,
        "max_abs_rel_error": float(np.max(np.abs(finite))) if finite.size else math.nan,
        "n_zero_targets": int(np.isnan(rel).sum()),
    }
    if missing:
        out["n_no_target"] = missing
    return out


def regression_metrics(y_pred: np.ndarray, y_true: np.ndarray,
                       names: Sequence[str] | None = None,
                       relative: np.ndarray | None = None) -> dict:
    """The errors of y_pred against y_true, both (n, K), in original units.

    One target: {n, rmse, mae, mape (%), max_abs_rel_error, n_zero_targets}. Several (K > 1,
    named by ``names``): {n, mape, max_abs_rel_error, n_zero_targets, targets: name -> the
    errors of that target}. ``relative`` (K,) bool says per target whether relative errors
    are meaningful (default: all); where not, MAPE and max |relative error| are NaN, and a
    pooled MAPE is NaN as soon as one target has none.

    A NaN target is no target (MATLAB's convention): left out of every figure; ``n`` counts
    the samples with at least one target, and ``n_no_target`` (present only when there are
    some; per target too) the targets left out.
    """
    y_pred = np.asarray(y_pred, dtype=float)
    y_true = np.asarray(y_true, dtype=float)
    k = y_true.shape[1] if y_true.ndim == 2 else 1
    relative = np.ones(k, dtype=bool) if relative is None else np.asarray(relative, dtype=bool)
    e = y_pred - y_true
    rel = relative_error(y_pred, y_true)
    known = ~np.isnan(y_true)
    # the samples with at least one target
    n = int(e.shape[0]) if known.all() else int(known.reshape(len(e), -1).any(axis=1).sum())
    if k == 1:
        return {"n": n, **_errors(e, rel, bool(relative[0]), known)}
    names = list(names) if names is not None else [f"y{j + 1}" for j in range(k)]
    per_target = {name: _errors(e[:, j], rel[:, j], bool(relative[j]), known[:, j])
                  for j, name in enumerate(names)}
    pooled = _errors(e, rel, bool(relative.all()), known)
    shown = POOLED + (("n_no_target",) if "n_no_target" in pooled else ())
    return {"n": n, **{m: pooled[m] for m in shown}, "targets": per_target}


# two figures this close (relative to the larger) are a tie: neither does worse than the other
TIE = 1e-3


def worse(a: float, b: float, higher_is_better: bool = False) -> bool:
    """Whether figure ``a`` is worse than ``b`` (larger; smaller with ``higher_is_better``) by
    more than ``TIE`` of the larger magnitude: 14.853 against 14.849 is a tie. A NaN ``a`` is
    worse than any finite ``b``; nothing is worse than a ``b`` that is not finite."""
    if not math.isfinite(b):
        return False
    if math.isnan(a):
        return True
    gap = (b - a) if higher_is_better else (a - b)
    return gap > TIE * max(abs(a), abs(b))


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

"""Output stage: the baselines every network is reported beside, scored like the networks.

Tabular data: the training mean, and the ordinary least-squares linear model on the same scaled
inputs (fitted on the training part by ``np.linalg.lstsq``: LAPACK's gelsd with the cutoff
``scipy.linalg.lstsq`` gives it). A series: naive (the previous value), seasonal naive (the
value one period earlier) and the linear autoregression: least squares on the network's own
scaled inputs (the same lags, month and transforms), scored one step ahead and, with a
forecast, many steps ahead exactly as the networks are.

A classifier's baselines are the majority class and the multinomial logistic regression
(:mod:`bpnet.report.classify`).

Each baseline is a dict: "what" (its name in the summary), "scores" (part -> errors, as a
model's), "predictions" (Q, K) in original units (NaN where it does not predict: the naive
baselines predict the test part only) and "multistep" ((steps,) or None).
"""
from __future__ import annotations

import numpy as np

from bpnet.data import Dataset
from bpnet.report import classify, metrics
from bpnet.report.forecast import forecast_origin
from bpnet.report.scores import score_predictions

# the names of the baselines in metrics.json and predictions.csv; no model may take them
NAMES = ("train_mean", "ols", "naive", "seasonal_naive", "majority", "logistic")
LINEAR = "ols"


class LinearModel:
    """Y = X W^T + b on scaled inputs X (n, D) -> (n, K): W (K, D), b (K,). It predicts as a
    feed-forward network does, so that it is scored and forecast by the same code."""

    recurrent = False

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        self.W, self.b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)

    @classmethod
    def least_squares(cls, X: np.ndarray, Y: np.ndarray) -> LinearModel:
        """The least-squares fit (intercept included) of Y (n, K) on X (n, D); a NaN target
        is no target: each output is fitted on the rows where it has one."""
        return cls.of_design(np.column_stack([np.ones(len(X)), X]), Y)

    @classmethod
    def of_design(cls, A: np.ndarray, Y: np.ndarray) -> LinearModel:
        """The least-squares fit of Y (n, K) on the design matrix A (n, 1 + D): a column of
        ones, then the inputs."""
        known = ~np.isnan(Y)
        if known.all():
            coef = lstsq(A, Y)      # (D + 1, K); minimum norm if rank-deficient
        else:
            coef = np.column_stack([lstsq(A[known[:, k]], Y[known[:, k], k])
                                    for k in range(Y.shape[1])])
        return cls(coef[1:].T, coef[0])

    @classmethod
    def mean(cls, X: np.ndarray, Y: np.ndarray) -> LinearModel:
        """The constant model: the mean of Y (n, K) (of its targets: NaN is none), whatever
        X (n, D)."""
        mean = Y.mean(axis=0) if not np.isnan(Y).any() else np.nanmean(Y, axis=0)
        return cls(np.zeros((Y.shape[1], X.shape[1])), mean)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """X (n, D) -> (n, K)."""
        return X @ self.W.T + self.b

    def __repr__(self) -> str:
        return f"LinearModel(W={self.W!r}, b={self.b!r})"


def lstsq(A: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """``scipy.linalg.lstsq(A, Y)[0]`` bit for bit, for A (n, P) and Y (n, K) or (n,): the
    same LAPACK routine (gelsd) with the same cutoff of small singular values (eps times the
    largest), finite values checked as scipy checks them. numpy's wrapper of the routine:
    importing scipy.linalg takes a third of a second, a tenth of the demo's wall time."""
    A, Y = np.asarray_chkfinite(A), np.asarray_chkfinite(Y)
    return np.linalg.lstsq(A, Y, rcond=np.finfo(float).eps)[0]


def score_baselines(data: Dataset, horizon=None) -> dict[str, dict]:
    """Every baseline of ``data``: name -> {"what", "scores", "predictions", "multistep"}.

    Tabular: train_mean and ols. Series: naive and seasonal_naive (when a test part exists),
    then ols. ``horizon`` ("test" or a number of steps, series only) adds the multi-step
    forecasts from the test part's start; the naive ones are always forecast ("test").
    """
    if data.classes is not None:
        return _class_baselines(data, *data.scaled("train"))
    # fitted first, on a design matrix of its own, before any baseline asks for the scaled
    # inputs of every sample: a large data set never holds both
    linear = LinearModel.of_design(*data.design("train"))
    out = {}
    if data.series is None:
        out["train_mean"] = _fitted("train mean", LinearModel.mean(*data.scaled("train")),
                                    data, None)
    else:
        out.update(_naive(data, horizon))
    what = "linear (OLS)" if data.series is None else \
        "linear AR (OLS)" if data.series.exog is None else "linear ARX (OLS)"
    out[LINEAR] = _fitted(what, linear, data, horizon)
    return out


def _class_baselines(data: Dataset, X: np.ndarray, T: np.ndarray) -> dict[str, dict]:
    """A classifier's baselines: the majority class (the training class frequencies as its
    outputs) and the multinomial logistic regression on the same scaled inputs X (n, D),
    both fitted on the training part's one-hot targets T (n, K)."""
    return {classify.MAJORITY: _fitted("majority class",
                                       classify.ConstantModel(T.mean(axis=0)), data, None),
            classify.LOGISTIC: _fitted("logistic regression",
                                       classify.LogisticModel.fit(X, T), data, None)}


def _fitted(what: str, model: LinearModel, data: Dataset, horizon) -> dict:
    predictions, scores, path = score_predictions(model, data, horizon)
    return {"what": what, "scores": scores, "predictions": predictions, "multistep": path,
            "model": model}


def _naive(data: Dataset, horizon) -> dict[str, dict]:
    """naive (the previous value) and seasonal naive (the value one period earlier), scored
    on the test samples one step ahead and, from the test part's start, many steps ahead."""
    if "test" not in data.index:
        return {}
    y, period = data.series.values, data.series.period
    idx = data.index["test"]
    t = data.series.positions[idx]
    truth = data.targets[idx]
    relative = metrics.relative_meaningful(data.targets)
    origin, steps, _ = forecast_origin(data, horizon or "test")
    n = min(steps, len(idx))
    h = np.arange(steps)
    out = {}
    for name, what, one, many in (
            ("naive", "naive", y[t - 1], np.full(steps, y[origin - 1])),
            ("seasonal_naive", "seasonal naive",
             y[t - period] if period and t.min() >= period else None,
             y[origin - period + h % period] if period and origin >= period else None)):
        if one is None:
            continue
        scores = {"test": metrics.regression_metrics(one[:, None], truth, relative=relative)}
        if many is not None:
            scores["test_multistep"] = metrics.regression_metrics(many[:n, None], truth[:n],
                                                                  relative=relative)
        predictions = np.full(data.targets.shape, np.nan)
        predictions[idx, 0] = one
        out[name] = {"what": what, "scores": scores, "predictions": predictions,
                     "multistep": many}
    return out

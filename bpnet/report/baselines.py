"""Output stage: the naive baselines a series model must beat, scored like the models."""
from __future__ import annotations

import numpy as np

from bpnet.data import Dataset
from bpnet.report import metrics
from bpnet.report.forecast import forecast_origin


def score_baselines(data: Dataset, horizon) -> dict[str, dict]:
    """naive (the previous value) and seasonal naive (the value one period earlier; none
    without a period, as for yearly data), scored on the test samples one step ahead and,
    from the test part's start, many steps ahead.

    -> name -> {"scores": part -> errors, "one_step": (n_test,), "multistep": (steps,) or
    None}; {} without a series or a test part.
    """
    if data.series is None or "test" not in data.index:
        return {}
    y, period = data.series.values, data.series.period
    idx = data.index["test"]
    t = data.series.positions[idx]
    truth = data.targets[idx]
    origin, steps, _ = forecast_origin(data, horizon or "test")
    n = min(steps, len(idx))
    h = np.arange(steps)
    out = {}
    for name, one, many in (
            ("naive", y[t - 1], np.full(steps, y[origin - 1])),
            ("seasonal_naive", y[t - period] if period and t.min() >= period else None,
             y[origin - period + h % period] if period and origin >= period else None)):
        if one is None:
            continue
        scores = {"test": metrics.regression_metrics(one[:, None], truth)}
        if many is not None:
            scores["test_multistep"] = metrics.regression_metrics(many[:n, None], truth[:n])
        out[name] = {"scores": scores, "one_step": one, "multistep": many}
    return out

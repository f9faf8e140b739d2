"""Every outside reference figure the README quotes, computed on exactly bpnet's test months.

    pip install statsmodels            # an optional tool for this script, not a dependency
    python benchmarks/references.py

The Box-Jenkins airline model, SARIMA(0,1,1)(0,1,1)12 on the log of the airline series, is
fitted (maximum likelihood, statsmodels' SARIMAX) on the months before bpnet's test part and
scored on the test part's months, which are read from bpnet's own data stage for
configs/passengers_forecast.yaml (and checked against configs/passengers.yaml): one step ahead
(each month predicted from every actual month before it, the fitted parameters kept) and over
the whole test part from its start (no test month used). Forecasts of the log are mapped back
with exp, as bpnet maps back its own log forecasts.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bpnet.config import load_config  # noqa: E402  (after the path is set)
from bpnet.data import dataset  # noqa: E402


def test_months(config: str) -> tuple[np.ndarray, list[str], int]:
    """(the series (L,), its labels, the time index of the first test month) of a config, as
    bpnet divides it."""
    cfg = load_config(ROOT / "configs" / config)
    data = dataset.load(cfg, np.random.default_rng(cfg.seed))
    s = data.series
    t = s.positions[data.index["test"]]
    assert np.all(np.diff(t) == 1) and t[-1] == len(s.values) - 1, "the test part is a block"
    return s.values, s.labels, int(t[0])


def errors(forecast: np.ndarray, actual: np.ndarray) -> str:
    """MAPE (%), RMSE and max |relative error| of a forecast, as bpnet reports them."""
    rel = (forecast - actual) / actual
    rmse = np.sqrt(np.mean((forecast - actual) ** 2))
    return (f"MAPE {100 * np.mean(np.abs(rel)):.2f} %, RMSE {rmse:.2f}, "
            f"max |rel err| {np.max(np.abs(rel)):.4f}")


def airline_model(y: np.ndarray, origin: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SARIMA(0,1,1)(0,1,1)12 of log(y) fitted on y[:origin]: (one-step predictions of
    y[origin:], the forecast of y[origin:] from the origin, the fitted parameters)."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX
    log_y = np.log(y)
    fit = SARIMAX(log_y[:origin], order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)).fit(disp=False)
    whole = fit.append(log_y[origin:], refit=False)        # the same parameters, every month
    one_step = whole.get_prediction(start=origin, end=len(y) - 1, dynamic=False).predicted_mean
    path = fit.forecast(len(y) - origin)
    return np.exp(one_step), np.exp(path), fit.params


def main() -> int:
    try:
        import statsmodels
    except ImportError:
        print("this script needs statsmodels: pip install statsmodels", file=sys.stderr)
        return 1
    y, labels, origin = test_months("passengers_forecast.yaml")
    _, labels_demo, origin_demo = test_months("passengers.yaml")
    assert (origin, labels[origin]) == (origin_demo, labels_demo[origin_demo])
    n = len(y) - origin
    print(f"statsmodels {statsmodels.__version__}, numpy {np.__version__}")
    print(f"bpnet's test part (configs/passengers_forecast.yaml and passengers.yaml): {n} "
          f"months, {labels[origin]}..{labels[-1]}; training months {labels[0]}.."
          f"{labels[origin - 1]} (the forecast origin)\n")
    one, path, params = airline_model(y, origin)
    names = ["ma.L1 (theta)", "ma.S.L12 (Theta)", "sigma2"]
    print("Box-Jenkins airline model, SARIMA(0,1,1)(0,1,1)12 on log(passengers), fitted on "
          "the training months: " + ", ".join(f"{k} {v:.4f}" for k, v in zip(names, params)))
    print(f"  one step ahead, {n} test months:  {errors(one, y[origin:])}")
    print(f"  {n} steps ahead from {labels[origin - 1]}:     {errors(path, y[origin:])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

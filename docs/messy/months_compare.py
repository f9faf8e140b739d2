"""The 52-week forecast of docs/messy/weekly.yaml (gaps interpolated) with each step's true
month, and with the month advanced by one per step as bpnet did before it read dates: the
multi-step RMSE of both, on the same trained network.

    python docs/messy/months_compare.py
"""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))   # this checkout's bpnet
from bpnet.config import load_config  # noqa: E402
from bpnet.data import dataset  # noqa: E402
from bpnet.data.samples import Series  # noqa: E402
from bpnet.report import forecast, metrics  # noqa: E402
from bpnet import experiment  # noqa: E402

HERE = Path(__file__).resolve().parent


def month_plus_one(series: Series, origin: int, steps: int) -> np.ndarray:
    """The month of the step before the origin, advanced by one per step (steps, 1)."""
    last = int(series.calendar[origin - 1, 0])
    return np.array([[(last + h) % 12 + 1] for h in range(steps)])


def main() -> None:
    cfg = load_config(HERE / "weekly.yaml", ["data.missing=interpolate"])
    data = dataset.load(cfg, np.random.default_rng(cfg.seed))
    fit = experiment.fit_model("bp", cfg.models["bp"], data, cfg.seed,
                               horizon=cfg.forecast.horizon)
    test = data.index["test"][:len(fit.multistep)]
    true = metrics.regression_metrics(fit.multistep[:, None], data.targets[test])["rmse"]
    Series.calendar_after = month_plus_one     # the forecast as it was: month += 1 per step
    old = forecast.multistep(fit.net, data, cfg.forecast.horizon)
    plus_one = metrics.regression_metrics(old[:, None], data.targets[test])["rmse"]
    print(f"52-week forecast RMSE: {true:.3f} with the true months, {plus_one:.3f} with the "
          "month advanced by one per step")


if __name__ == "__main__":
    main()

"""bpnet's prediction intervals beside those of classical models, on exactly bpnet's test parts.

    pip install statsmodels            # an optional tool for this script, not a dependency
    python benchmarks/intervals.py     # about a minute on two cores; docs/intervals.txt

Three series, each scored one step ahead (each test value predicted from every actual value
before it) and over the whole test part from its start (no test value used), by the coverage,
mean width and mean interval score of the 95 % and 80 % intervals
(docs/semantics.md#prediction-intervals):

- the airline passengers with configs/passengers_forecast.yaml (its test part: 1957-07 to
  1960-12), beside the Box-Jenkins airline model, SARIMA(0,1,1)(0,1,1)12 of the log series,
  and ETS(A,A,A) of the log series, both fitted on the months before the test part;
- statsmodels' Mauna Loa CO2 (weekly, as monthly means; the months without a value filled
  by bpnet and left out of every score), its last 48 months tested, beside SARIMA(0,1,1)
  (0,1,1)12;
- statsmodels' yearly sunspot numbers, the last 30 years tested, beside the ARMA(p, q) with a
  constant of lowest AIC on the years before (p <= 9, q <= 2).

The two statsmodels series are written to a temporary folder and run with the configs below,
each with a validation part (the intervals calibrated out of sample); the passengers config
has none (calibrated on the training part). statsmodels' intervals are its own (the Gaussian
ones of the state-space models), mapped back with exp where the model is of the log.
"""
from __future__ import annotations

import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bpnet  # noqa: E402  (after the path is set)
from bpnet.report.console import figure  # noqa: E402
from bpnet.report.intervals import scores  # noqa: E402

LEVELS = (0.95, 0.8)
TRAIN = {"algorithm": "trainlm", "epochs": 100, "show": 0}
# beside each network, the same inputs through purelin layers only: a linear autoregression
LINEAR = {"linear": {"type": "feedforward", "hidden": [1], "transfer": ["purelin", "purelin"]}}


def co2_config(path: Path) -> dict:
    """Monthly CO2: the differences of the airline model, lags 1, 12, 13; the last 48 of its
    500 samples tested, 75 before them for validation."""
    return {"seed": 0, "runs": 5,
            "data": {"path": str(path), "series": "co2", "time": "month", "lags": [1, 12, 13],
                     "transform": {"difference": [1, 12]}, "missing": "interpolate"},
            "split": {"method": "block", "train": 0.754, "val": 0.15, "test": 0.096},
            "forecast": {"horizon": "test", "intervals": list(LEVELS)},
            "models": {"bp": {"type": "feedforward", "hidden": [2],
                              "transfer": ["tansig", "purelin"]}, **LINEAR},
            "train": TRAIN}


def sunspots_config(path: Path) -> dict:
    """Yearly sunspots: lags 1 to 9, no transform (some years are 0); the last 30 of its
    300 samples tested, 45 before them for validation."""
    return {"seed": 0, "runs": 5,
            "data": {"path": str(path), "series": "sunspots", "time": "year", "lags": "1:9"},
            "split": {"method": "block", "train": 0.75, "val": 0.15, "test": 0.1},
            "forecast": {"horizon": "test", "intervals": list(LEVELS)},
            "models": {"bp": {"type": "feedforward", "hidden": [3],
                              "transfer": ["tansig", "purelin"]}, **LINEAR},
            "train": TRAIN}


def write_series(folder: Path) -> tuple[Path, Path]:
    """statsmodels' CO2 as monthly means (a month without a value left blank) and its yearly
    sunspots, as CSV files in ``folder``."""
    import statsmodels.api as sm
    co2 = sm.datasets.co2.load_pandas().data["co2"].resample("MS").mean()
    rows = [f"{t:%Y-%m},{'' if np.isnan(v) else repr(float(v))}" for t, v in co2.items()]
    (folder / "co2.csv").write_text("month,co2\n" + "\n".join(rows) + "\n")
    sun = sm.datasets.sunspots.load_pandas().data
    rows = [f"{int(y)},{float(v)!r}" for y, v in zip(sun["YEAR"], sun["SUNACTIVITY"])]
    (folder / "sunspots.csv").write_text("year,sunspots\n" + "\n".join(rows) + "\n")
    return folder / "co2.csv", folder / "sunspots.csv"


def bpnet_cells(result, model: str) -> tuple[dict, dict]:
    """bpnet's interval figures of ``model``: one step, multi-step, each level -> scores."""
    m = result.metrics["models"][model]
    return tuple({lv: m[part]["intervals"][f"{100 * lv:g}"] for lv in LEVELS}
                 for part in ("test", "test_multistep"))


def state_space_cells(fit, y: np.ndarray, origin: int, log: bool) -> tuple[dict, dict]:
    """The interval figures of a fitted statsmodels state-space model on y[origin:]: one step
    ahead (the fitted parameters kept, every value before each month used) and from the
    origin; NaN values of y are left out."""
    z = np.log(y) if log else y
    back = np.exp if log else np.asarray
    whole = fit.append(z[origin:], refit=False)
    one_step = whole.get_prediction(start=origin, end=len(y) - 1, dynamic=False)
    path = fit.get_forecast(len(y) - origin)
    actual = y[origin:]
    out = []
    for pred in (one_step, path):
        cells = {}
        for lv in LEVELS:
            bounds = back(np.asarray(pred.conf_int(alpha=1 - lv)))
            cells[lv] = scores(bounds[:, 0], bounds[:, 1], actual, lv)
        out.append(cells)
    return out[0], out[1]


def ets_cells(y: np.ndarray, origin: int) -> dict:
    """ETS(A,A,A) of log(y), fitted on y[:origin]: its intervals from the origin."""
    import pandas as pd  # statsmodels' ETS takes a series with an index
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    log_y = pd.Series(np.log(y[:origin]), index=pd.RangeIndex(origin))
    fit = ETSModel(log_y, error="add", trend="add", seasonal="add",
                   seasonal_periods=12).fit(disp=False)
    frames = {lv: fit.get_prediction(start=origin, end=len(y) - 1).summary_frame(alpha=1 - lv)
              for lv in LEVELS}
    return {lv: scores(np.exp(f["pi_lower"].to_numpy()), np.exp(f["pi_upper"].to_numpy()),
                       y[origin:], lv) for lv, f in frames.items()}


def best_arma(y: np.ndarray, origin: int):
    """The ARMA(p, q) with a constant, p <= 9, q <= 2, of lowest AIC on y[:origin]."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX
    fits = [SARIMAX(y[:origin], order=(p, 0, q), trend="c").fit(disp=False)
            for p in range(1, 10) for q in range(3)]
    return min(fits, key=lambda f: f.aic)


def row(name: str, cells: dict) -> str:
    figures = [f"{c['coverage']:.3f} | {figure(c['mean_width'])} | {figure(c['interval_score'])}"
               for c in (cells[lv] for lv in LEVELS)]
    return f"| {name} | " + " | ".join(figures) + " |"


def table(title: str, rows: list[tuple[str, dict]]) -> list[str]:
    head = " | ".join(f"{100 * lv:g} % {what}" for lv in LEVELS
                      for what in ("coverage", "mean width", "interval score"))
    return [f"\n{title}\n", f"| | {head} |", "|---" * (1 + 3 * len(LEVELS)) + "|",
            *(row(name, cells) for name, cells in rows)]


def passengers() -> list[str]:
    from statsmodels.tsa.statespace.sarimax import SARIMAX
    result = bpnet.run(ROOT / "configs/passengers_forecast.yaml",
                       set={"forecast.intervals": list(LEVELS)})
    one, many = bpnet_cells(result, "bp")
    s = result.data.series
    y, labels, origin = s.values, s.labels, int(s.positions[result.data.index["test"][0]])
    fit = SARIMAX(np.log(y[:origin]), order=(0, 1, 1),
                  seasonal_order=(0, 1, 1, 12)).fit(disp=False)
    a_one, a_many = state_space_cells(fit, y, origin, log=True)
    n = len(y) - origin
    bp = result.results[0]
    log_errors = np.log(result.data.targets[:, 0]) - np.log(bp.predictions[:, 0])
    spread = ", ".join(f"{np.std(log_errors[result.data.index[part]]):.3f} on the {part} part"
                       for part in ("train", "test"))
    print(f"\nbp's one-step errors of log(passengers): standard deviation {spread}")
    print(chance(n))
    return table(f"Airline passengers, configs/passengers_forecast.yaml, bp (kept run of 5; "
                 f"calibrated on {result.metrics['intervals']['calibrated_on']}): test "
                 f"{labels[origin]}..{labels[-1]}, {n} months",
                 [("bpnet bp, one step ahead", one),
                  ("airline model SARIMA(0,1,1)(0,1,1)12 of log, one step ahead", a_one),
                  (f"bpnet bp, {n} steps from one origin", many),
                  (f"airline model, {n} steps", a_many),
                  (f"ETS(A,A,A) of log, {n} steps", ets_cells(y, origin))])


def chance(n: int) -> str:
    """The coverage that an exactly calibrated interval reaches on n values with independent
    errors, 95 % of the time (the binomial's central 95 %), for every level."""
    from scipy.stats import binom
    ranges = ", ".join(f"{100 * lv:g} %: {lo / n:.3f}..{hi / n:.3f}"
                       for lv in LEVELS for lo, hi in [binom.interval(0.95, n, lv)])
    return (f"coverage of exactly calibrated intervals on {n} values with independent errors, "
            f"95 % of the time: {ranges}")


def statsmodels_series(config: dict, name: str, model_of) -> list[str]:
    result = bpnet.run(config)
    s = result.data.series
    y = s.values if s.unscored is None else np.where(s.unscored, np.nan, s.values)
    origin = int(s.positions[result.data.index["test"][0]])
    fit = model_of(y, origin)
    seasonal = fit.model.seasonal_order
    spec = f"SARIMAX{fit.model.order}" + (f"{seasonal[:3]}{seasonal[3]}" if seasonal[3] else "")
    m_one, m_many = state_space_cells(fit, y, origin, log=False)
    n = len(y) - origin
    rows = []
    for model in config["models"]:
        one, many = bpnet_cells(result, model)
        rows += [(f"bpnet {model}, one step ahead", one),
                 (f"bpnet {model}, {n} steps from one origin", many)]
    return table(f"{name}: test {s.labels[origin]}..{s.labels[-1]}, {n} steps; bpnet's kept "
                 f"runs of 5, calibrated on {result.metrics['intervals']['calibrated_on']}",
                 [*rows[::2], (f"{spec}, one step ahead", m_one), *rows[1::2],
                  (f"{spec}, {n} steps", m_many)])


def airline_sarima(y: np.ndarray, origin: int):
    from statsmodels.tsa.statespace.sarimax import SARIMAX
    return SARIMAX(y[:origin], order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)).fit(disp=False)


def main() -> int:
    try:
        import statsmodels
    except ImportError:
        print("this script needs statsmodels: pip install statsmodels", file=sys.stderr)
        return 1
    warnings.filterwarnings("ignore", module="statsmodels")   # its convergence chatter
    print(f"bpnet {bpnet.__version__}, statsmodels {statsmodels.__version__}, "
          f"numpy {np.__version__}")
    lines = passengers()
    with tempfile.TemporaryDirectory() as tmp:
        co2, sun = write_series(Path(tmp))
        lines += statsmodels_series(co2_config(co2), "Mauna Loa CO2 (monthly means)",
                                    airline_sarima)
        lines += statsmodels_series(sunspots_config(sun), "Sunspots (yearly)", best_arma)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

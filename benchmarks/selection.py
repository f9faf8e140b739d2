"""What can be chosen on the demo's series without seeing its test months, and how well it does.

    pip install statsmodels scipy       # statsmodels for this script only
    python benchmarks/selection.py      # about a minute; its output is docs/selection.txt

The demo's test part is the 42 months 1957-07..1960-12 (read from bpnet's own data stage, as
benchmarks/references.py reads them); everything is chosen on the 102 months before it and
scored on the test months one step ahead (each month predicted from every actual month before
it, the fitted parameters kept), by MAPE, as docs/tune.md scores the tuned network.

1. Seasonal ARIMA models of log(passengers), their orders chosen the classical way: lowest
   AIC over p, q <= 2, P, Q <= 1 and the differences (d, D) in (1, 1), (1, 0), (0, 1), each
   fitted by maximum likelihood (statsmodels' SARIMAX) on the months before the test part.
2. Least squares (the linear autoregression that every bpnet series report carries) on each of
   the series settings ``run.py tune`` searches (the series itself, its log or its Box-Cox
   transform, lambda fitted on each fold's training months; no difference, 1, 12 or both;
   the lags 1, 1:2, .., 1:25, [1, 12, 13], [1, 2, 12, 13, 24, 25]), chosen by the rolling
   origins of the tune (fitted afresh on every month before each origin, scored on the block
   after it, errors in passengers pooled) and by other layouts of origins.

Where the choice lands on the test months says whether a setting that beats the airline
model's 2.72 % can be found on the months before them.
"""
from __future__ import annotations

import itertools
import sys
import warnings
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))

from references import test_months  # noqa: E402  (the test months as bpnet divides them)

TRANSFORMS = ("none", "log", "boxcox")
DIFFERENCES = ((), (1,), (12,), (1, 12))
LAGS = [tuple(range(1, k + 1)) for k in range(1, 26)] + [(1, 12, 13), (1, 2, 12, 13, 24, 25)]
LAYOUTS = {   # name -> (first origin after the start, block length, number of origins)
    "the tune's: 3 origins, 12 months each (1954-07, 1955-07, 1956-07)": (-36, 12, 3),
    "36 origins of one month each, from 1954-07": (-36, 1, 36),
    "2 origins, 12 months each (1955-07, 1956-07)": (-24, 12, 2),
    "1 origin, the last 12 months (1956-07)": (-12, 12, 1),
}


def mape(forecast: np.ndarray, actual: np.ndarray) -> float:
    return float(100 * np.mean(np.abs(forecast - actual) / actual))


def sarima_choice(y: np.ndarray, origin: int) -> list[str]:
    from statsmodels.tsa.statespace.sarimax import SARIMAX
    log_y, found = np.log(y), []
    for (d, D), p, q, P, Q in itertools.product(((1, 1), (1, 0), (0, 1)), range(3), range(3),
                                                range(2), range(2)):
        with warnings.catch_warnings():   # statsmodels' convergence chatter
            warnings.simplefilter("ignore")
            fit = SARIMAX(log_y[:origin], order=(p, d, q), seasonal_order=(P, D, Q, 12),
                          trend="c" if d + D < 2 else "n").fit(disp=False)
        whole = fit.append(log_y[origin:], refit=False)
        one = np.exp(whole.get_prediction(start=origin, end=len(y) - 1).predicted_mean)
        found.append((fit.aic, mape(one, y[origin:]), f"({p},{d},{q})({P},{D},{Q})12"))
    found.sort()
    airline = next(i for i, f in enumerate(found) if f[2] == "(0,1,1)(0,1,1)12")
    on_test = min(range(len(found)), key=lambda i: found[i][1])
    return [f"Seasonal ARIMA of log(passengers), orders by AIC on the months before the test "
            f"part ({len(found)} models):",
            f"  chosen, lowest AIC:       {found[0][2]}  test MAPE {found[0][1]:.2f} %",
            *(f"  AIC rank {i + 1:>2}:              {f[2]}  test MAPE {f[1]:.2f} %"
              for i, f in enumerate(found[1:5], 1)),
            f"  the airline model:        {found[airline][2]}  test MAPE "
            f"{found[airline][1]:.2f} %, AIC rank {airline + 1}",
            f"  best on the test months:  {found[on_test][2]}  test MAPE "
            f"{found[on_test][1]:.2f} %, AIC rank {on_test + 1}"]


def least_squares(y: np.ndarray, transform: str, diffs: tuple, lags: tuple,
                  origins: list[int], block: int) -> np.ndarray | None:
    """One-step predictions (n,) of y[o:o + block] for every origin o, each by least squares
    fitted on the samples whose target lies before o; None if a fit has too few samples."""
    out = []
    for o in origins:
        if transform == "log":
            z, back = np.log(y), np.exp
        elif transform == "boxcox":
            lam = stats.boxcox(y[:o])[1]
            z, back = stats.boxcox(y, lam), (lambda v, lam=lam: np.power(lam * v + 1, 1 / lam))
        else:
            z, back = y.astype(float), np.asarray
        w = z.copy()
        for d in diffs:
            w = w[d:] - w[:-d]
        first = max(lags)
        X = np.column_stack([w[first - k:len(w) - k] for k in lags] + [np.ones(len(w) - first)])
        target, t = w[first:], np.arange(first, len(w)) + sum(diffs)   # t: the target's month
        fit, scored = t < o, (t >= o) & (t < o + block)
        if fit.sum() < X.shape[1] + 1:
            return None
        b = np.linalg.lstsq(X[fit], target[fit], rcond=None)[0]
        out.append(back(X[scored] @ b + z[t[scored]] - target[scored]))   # the differences undone
    return np.concatenate(out)


def rolling_choice(y: np.ndarray, origin: int) -> list[str]:
    settings = list(itertools.product(TRANSFORMS, DIFFERENCES, LAGS))
    test = {s: least_squares(y, *s, [origin], len(y) - origin) for s in settings}
    lines = [f"Least squares on the tune's {len(settings)} series settings, chosen by rolling "
             "origin (RMSE of the pooled errors):",
             "| origins | chosen setting | its test MAPE | mean of the best 3, 5 | "
             "rank of the best 3 on the test months |", "|---|---|---|---|---|"]
    by_test = sorted((mape(p, y[origin:]), s) for s, p in test.items() if p is not None)
    for name, (start, block, n) in LAYOUTS.items():
        origins = [origin + start + block * i for i in range(n)]
        ranked = []
        for s in settings:
            p = least_squares(y[:origin], *s, origins, block)
            if p is not None and test[s] is not None:
                actual = np.concatenate([y[o:o + block] for o in origins])
                ranked.append((float(np.sqrt(np.mean((p - actual) ** 2))), s))
        ranked.sort()
        order = [s for _, s in ranked]
        means = [mape(np.mean([test[s] for s in order[:k]], axis=0), y[origin:]) for k in (3, 5)]
        ranks = ", ".join(f"{order.index(s) + 1}" for _, s in by_test[:3])
        lines.append(f"| {name} | {describe(order[0])} | {mape(test[order[0]], y[origin:]):.2f} "
                     f"% | {means[0]:.2f} %, {means[1]:.2f} % | {ranks} of {len(order)} |")
    lines.append("best on the test months: " + "; ".join(f"{describe(s)} {m:.2f} %"
                                                         for m, s in by_test[:3]))
    return lines


def describe(setting: tuple) -> str:
    transform, diffs, lags = setting
    lag = f"1:{len(lags)}" if lags == tuple(range(1, len(lags) + 1)) and len(lags) > 1 else \
        str(list(lags))
    diff = f"differenced at {' and '.join(map(str, diffs))}" if diffs else "not differenced"
    return f"{'the series' if transform == 'none' else transform}, {diff}, lags {lag}"


def main() -> int:
    try:
        import statsmodels
    except ImportError:
        print("this script needs statsmodels: pip install statsmodels", file=sys.stderr)
        return 1
    y, labels, origin = test_months("passengers.yaml")
    print(f"statsmodels {statsmodels.__version__}, numpy {np.__version__}")
    print(f"chosen on {labels[0]}..{labels[origin - 1]} ({origin} months); scored one step "
          f"ahead on {labels[origin]}..{labels[-1]} ({len(y) - origin} months)\n")
    print("\n".join(sarima_choice(y, origin)) + "\n")
    print("\n".join(rolling_choice(y, origin)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

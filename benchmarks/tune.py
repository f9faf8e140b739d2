"""What ``python run.py tune`` finds, and what it costs.

    python benchmarks/tune.py demo   [--budget 10m]   # the demo's series, against the airline model
    python benchmarks/tune.py others [--budget 2m]    # 3 series and 3 tables of statsmodels and
                                                      # scikit-learn, against MLPRegressor
    python benchmarks/tune.py speed  [--trials 9]     # trials per minute: 1 and 2 processes, Dask

``demo`` tunes configs/passengers.yaml as it is (its test part: the 42 months 1957-07 to
1960-12) on two processes and prints the tuned network's one-step test MAPE beside the
seasonal ARIMA airline model's 2.72 % on the same months (benchmarks/references.py).
``others`` needs ``pip install statsmodels scikit-learn`` (benchmark-only): each data set is
written as a CSV with a config beside it in a temporary folder, tuned, and scored beside
every baseline and scikit-learn's MLPRegressor (its defaults, on the same train + val rows
and scaled inputs, tested on the same test rows). ``speed`` runs the same tune of
``--trials`` trials on 1 and 2 local processes and a 2-worker Dask LocalCluster.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AIRLINE_MAPE = 2.72   # benchmarks/references.py: SARIMA(0,1,1)(0,1,1)12, one step ahead


def tune(config: Path, out: Path, *args: str) -> tuple[float, str]:
    """``python run.py tune CONFIG --out OUT ARGS`` -> (wall seconds, its last line)."""
    start = time.monotonic()
    proc = subprocess.run([sys.executable, str(ROOT / "run.py"), "tune", str(config),
                           "--out", str(out), "--quiet", *args], capture_output=True,
                          text=True, check=False)
    took = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit(f"tune of {config} failed:\n{proc.stderr}")
    return took, proc.stdout.strip().splitlines()[-1]


def tuned_test(out: Path) -> tuple[str, dict, dict]:
    """(the tuned network's name, its test scores, every baseline's test scores) from the
    winner's run in ``out/best``."""
    m = json.loads((out / "best" / "metrics.json").read_text())
    models = m["models"]
    name = next((n for n in models if "mean of" in n), next(iter(models)))
    return name, models[name]["test"], {b: v["test"] for b, v in m["baselines"].items()}


def trials_of(out: Path) -> int:
    import csv
    with open(out / "tune.csv", newline="") as fh:
        return len({row["trial"] for row in csv.DictReader(fh)})


def demo(budget: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "tune"
        took, last = tune(ROOT / "configs" / "passengers.yaml", out, "--budget", budget,
                          "--jobs", "2")
        name, test, baselines = tuned_test(out)
        print(f"demo: {trials_of(out)} trials in {took / 60:.1f} min on 2 processes")
        print(f"  tuned network ({name}): one-step test MAPE {test['mape']:.3f} %, RMSE "
              f"{test['rmse']:.2f}; the airline model: MAPE {AIRLINE_MAPE} %")
        for b, s in baselines.items():
            print(f"  baseline {b}: MAPE {s['mape']:.3f} %, RMSE {s['rmse']:.2f}")
        print(f"  {'below' if test['mape'] < AIRLINE_MAPE else 'not below'} the airline "
              f"model's {AIRLINE_MAPE} %")
        print(f"  {last}")
        print("  winner: " + (out / "best.yaml").read_text().splitlines()[0])


# ---------------------------------------------------------------- other data sets

SERIES = {   # name -> (loader, column, time column kind)
    "co2": "statsmodels.datasets.co2",
    "sunspots": "statsmodels.datasets.sunspots",
    "elnino": "statsmodels.datasets.elnino",
}
TABLES = ("diabetes", "engel", "wine_alcohol")


def _series_csv(name: str, folder: Path) -> Path:
    """A monthly or yearly series of statsmodels as a CSV (time, value)."""
    import importlib

    import pandas as pd
    ds = importlib.import_module(SERIES[name]).load_pandas().data
    if name == "co2":   # weekly with gaps: monthly means
        s = ds["co2"].resample("MS").mean().interpolate()
        rows = [(f"{t:%Y-%m}", v) for t, v in s.items()]
    elif name == "sunspots":   # yearly
        rows = [(str(int(y)), v) for y, v in zip(ds["YEAR"], ds["SUNACTIVITY"])]
    else:   # elnino: a row per year, a column per month
        values = ds.drop(columns="YEAR").to_numpy().ravel()
        years = np.repeat(ds["YEAR"].astype(int).to_numpy(), 12)
        rows = [(f"{y}-{m % 12 + 1:02d}", v) for m, (y, v) in enumerate(zip(years, values))]
    path = folder / f"{name}.csv"
    pd.DataFrame(rows, columns=["t", "y"]).to_csv(path, index=False)
    return path


def _table_csv(name: str, folder: Path) -> tuple[Path, list[str]]:
    """A regression table shipped with scikit-learn or statsmodels as a CSV; -> (path,
    input columns)."""
    from sklearn import datasets
    if name == "diabetes":
        frame = datasets.load_diabetes(as_frame=True).frame
    elif name == "engel":   # statsmodels: food expenditure from income, 235 households
        from statsmodels.datasets import engel
        frame = engel.load_pandas().data
    else:   # the wine recognition data's alcohol from the other measurements
        frame = datasets.load_wine(as_frame=True).frame.drop(columns="target")
    target = {"diabetes": "target", "engel": "foodexp", "wine_alcohol": "alcohol"}[name]
    frame = frame.rename(columns={target: "y"})
    path = folder / f"{name}.csv"
    frame.to_csv(path, index=False)
    return path, [c for c in frame.columns if c != "y"]


def _config(folder: Path, name: str, data: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(f"seed: 0\ndata: {data}\nscaling: mapstd\n"
                    "models: {bp: {type: feedforward, hidden: [10]}}\n"
                    "train: {algorithm: trainlm, epochs: 300, show: 0}\n")
    return path


def mlp(config: Path) -> float:
    """scikit-learn's MLPRegressor (defaults, seed 0) on the train + val samples of bpnet's
    data stage for ``config`` (inputs scaled as bpnet scales them), its test RMSE in
    original units."""
    from sklearn.neural_network import MLPRegressor

    from bpnet.config import load_config
    from bpnet.data import dataset
    cfg = load_config(config)
    d = dataset.load(cfg, np.random.default_rng(cfg.seed))
    fit = np.concatenate([d.index[p] for p in ("train", "val") if p in d.index])
    test = d.index["test"]
    model = MLPRegressor(random_state=0, max_iter=2000).fit(d.Xs[fit], d.Ys[fit, 0])
    pred = d.y_scaler.inverse_transform(model.predict(d.Xs[test])[:, None])
    pred = d.to_original(pred, test)
    return float(np.sqrt(np.nanmean((pred[:, 0] - d.targets[test, 0]) ** 2)))


def others(budget: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cases = []
        for name in SERIES:
            csv = _series_csv(name, folder)
            cases.append((name, _config(folder, name, f"{{path: {csv.name}, series: y, "
                                        "time: t, lags: [1]}\nsplit: {method: block, train: "
                                        "0.7, val: 0.1, test: 0.2}")))
        for name in TABLES:
            csv, inputs = _table_csv(name, folder)
            cases.append((name, _config(folder, name, f"{{path: {csv.name}, inputs: "
                                        f"[{', '.join(inputs)}], targets: [y]}}\nsplit: "
                                        "{method: random, train: 0.7, val: 0.1, test: 0.2}")))
        print("data          tuned RMSE  MLPRegressor  baselines (test RMSE)                "
              "      trials  minutes")
        for name, config in cases:
            out = folder / f"{name}-tune"
            took, _ = tune(config, out, "--budget", budget, "--jobs", "2")
            net, test, baselines = tuned_test(out)
            base = ", ".join(f"{b} {s['rmse']:.4g}" for b, s in baselines.items()
                             if s.get("rmse") is not None)
            print(f"{name:<13} {test['rmse']:<11.4g} {mlp(config):<13.4g} {base:<44} "
                  f"{trials_of(out):<7} {took / 60:.1f}")


def speed(trials: int) -> None:
    config = ROOT / "configs" / "passengers.yaml"
    with tempfile.TemporaryDirectory() as tmp:
        for label, args in (("1 local process", ["--jobs", "1"]),
                            ("2 local processes", ["--jobs", "2"]),
                            ("Dask LocalCluster, 2 workers", ["--dask", "local", "--jobs", "2"])):
            out = Path(tmp) / label.replace(" ", "_")
            took, _ = tune(config, out, "--trials", str(trials), "--no-plots", *args)
            print(f"{label:<30} {trials / (took / 60):6.1f} trials per minute "
                  f"({trials} trials, {took:.0f} s, the winner's run included)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("what", choices=("demo", "others", "speed"))
    p.add_argument("--budget", default=None)
    p.add_argument("--trials", type=int, default=9)
    args = p.parse_args()
    if args.what == "demo":
        demo(args.budget or "10m")
    elif args.what == "others":
        others(args.budget or "2m")
    else:
        speed(args.trials)


if __name__ == "__main__":
    main()

"""The table of configs/narx.yaml in docs/narx.md: one-step (open-loop) and closed-loop test
RMSE of every model (the kept run and the median and range over runs) and baseline, and the
RMSE of a saved model's forecast past the data against what the plant then did.

    python docs/narx_table.py docs/narx data/plant_truth.csv docs/narx/forecast_future.csv
"""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np


def cell(block: dict, over: dict | None, part: str) -> str:
    kept = f"{block[part]['rmse']:.4f}"
    if not over:
        return kept
    r = over[part]["rmse"]
    return f"{kept} ({r['median']:.4f} [{r['min']:.4f}, {r['max']:.4f}])"


def main(folder: str, truth: str, forecast: str) -> None:
    m = json.loads((Path(folder) / "metrics.json").read_text())
    print("| model | test RMSE, one step (open loop) | test RMSE, closed loop over the "
          "test part |")
    print("|---|---|---|")
    for name, block in m["models"].items():
        over = block.get("over_runs")
        print(f"| {name} | {cell(block, over, 'test')} | {cell(block, over, 'test_multistep')} |")
    for name, block in m["baselines"].items():
        print(f"| {name} (baseline) | {cell(block, None, 'test')} | "
              f"{cell(block, None, 'test_multistep')} |")
    with open(truth, newline="") as fh:
        actual = np.array([float(r["position"]) for r in csv.DictReader(fh)])
    with open(forecast, newline="") as fh:
        predicted = np.array([float(r["prediction"]) for r in csv.DictReader(fh)])
    n = min(len(actual), len(predicted))
    rmse = float(np.sqrt(np.mean((predicted[:n] - actual[:n]) ** 2)))
    print(f"\nforecast of {n} steps past the data ({Path(forecast).name}) against "
          f"{Path(truth).name}: RMSE {rmse:.4f}")


if __name__ == "__main__":
    main(*sys.argv[1:4])

"""Write the synthetic plant of configs/narx.yaml: a lightly damped second-order system driven
by a known input, sampled once a second, with measurement noise.

    python data/make_plant.py          # rewrites data/plant.csv, plant_future.csv, plant_truth.csv

The plant is a mass on a spring with little damping (damping ratio 0.1, natural period 20 s,
static gain 1), pushed by a force u that holds a random level in [-1, 1] for 5 to 30 s at a
time (a staircase, as system identification experiments use). Sampled with the force held over
each second, its position obeys exactly

    p[t] = a1 p[t-1] + a2 p[t-2] + b (u[t-1] + u[t-2]) + v[t],
    a1 = 2 r cos(theta), a2 = -r^2, r = exp(-zeta w), theta = w sqrt(1 - zeta^2), w = 2 pi / 20,
    b = (1 - a1 - a2) / 2   (static gain 1),

v ~ N(0, 0.02^2) small unmeasured pushes, and the file holds y[t] = p[t] + e[t],
e ~ N(0, 0.01^2) the sensor's noise. The position
depends on the force one and two seconds earlier, so a network that sees the force (data.exog,
delays 1 and 2) can predict it; one that sees only the position's own past cannot know when
the next push comes.

plant.csv: 800 rows (time, force, position). plant_future.csv: the same 800 rows and then 50
rows of the force alone (the position blank): what ``run.py forecast`` reads to forecast 50 s
past the data. plant_truth.csv: the position those 50 seconds actually had.
"""
from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
N, FUTURE = 800, 50
ZETA, PERIOD, PUSH, NOISE = 0.1, 20.0, 0.02, 0.01


def staircase(n: int, rng: np.random.Generator) -> np.ndarray:
    """A force (n,) holding a uniform(-1, 1) level for 5..30 steps at a time."""
    u = np.empty(n)
    i = 0
    while i < n:
        hold = int(rng.integers(5, 31))
        u[i:i + hold] = rng.uniform(-1.0, 1.0)
        i += hold
    return u


def plant(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The position (n,) of the plant driven by the force u (n,) and the disturbance v (n,)
    from rest."""
    w = 2 * np.pi / PERIOD
    r, theta = np.exp(-ZETA * w), w * np.sqrt(1 - ZETA ** 2)
    a1, a2 = 2 * r * np.cos(theta), -r ** 2
    b = (1 - a1 - a2) / 2
    p = np.zeros(len(u))
    for t in range(2, len(u)):
        p[t] = a1 * p[t - 1] + a2 * p[t - 2] + b * (u[t - 1] + u[t - 2]) + v[t]
    return p


def write(path: Path, times, force, position) -> None:
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["time", "force", "position"])
        for t, f, p in zip(times, force, position):
            w.writerow([t, f"{f:.6f}", "" if p is None else f"{p:.6f}"])


def main() -> None:
    rng = np.random.default_rng(2024)
    total = N + FUTURE
    u = staircase(total, rng)
    y = plant(u, rng.normal(0.0, PUSH, total)) + rng.normal(0.0, NOISE, total)
    start = datetime(2024, 1, 1)
    times = [(start + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%S") for i in range(total)]
    write(HERE / "plant.csv", times[:N], u[:N], y[:N])
    write(HERE / "plant_future.csv", times, u, list(y[:N]) + [None] * FUTURE)
    write(HERE / "plant_truth.csv", times[N:], u[N:], y[N:])


if __name__ == "__main__":
    main()

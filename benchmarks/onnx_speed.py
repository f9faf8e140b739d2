"""Predictions per second: bpnet's ``Model.predict`` and the exported ONNX graph in onnxruntime
(docs/onnx.md), side by side, on 10^5 samples.

    python benchmarks/onnx_speed.py                # 10^5 samples, best of 3
    python benchmarks/onnx_speed.py --samples 20000 --repeat 5

The networks are the demo's (configs/passengers.yaml: BP 2-10-10-1 and Elman 2-32-1), an LSTM
and a GRU of 32 units on the same inputs (trained for 2 epochs: the weights do not change the
cost) and an iris classifier (BP 4-10-10-3, softmax). The inputs are drawn uniformly in each
model's training range; a recurrent network runs them as one sequence of 10^5 steps, a
feedforward one as one batch. Each figure is the best of ``--repeat`` timed calls after one
untimed call (onnxruntime's first run sets up its kernels); onnxruntime runs with its default
threads (one per core), as bpnet uses BLAS's. Needs onnx and onnxruntime
(pip install 'bpnet[onnx]'). Never asserted in a test: timings belong to the machine.
"""
from __future__ import annotations

import argparse
import functools
import os
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bpnet  # noqa: E402
from bpnet import onnxexport  # noqa: E402


def models() -> dict[str, bpnet.Model]:
    """label -> a trained model (in memory: nothing is written)."""
    series = {"data": {"path": str(ROOT / "data/airline_passengers.csv"),
                       "series": "passengers", "time": "month", "lags": [1], "month": True},
              "split": {"method": "block", "train": 0.7, "val": 0.0, "test": 0.3},
              "models": {"bp": {"type": "feedforward", "hidden": [10, 10]},
                         "elman": {"type": "elman", "hidden": 32},
                         "lstm": {"type": "lstm", "hidden": 32},
                         "gru": {"type": "gru", "hidden": 32}},
              "train": {"epochs": 2, "show": 0}}
    iris = {"data": {"path": str(ROOT / "data/iris.csv"), "classes": "species",
                     "inputs": ["sepal_length", "sepal_width", "petal_length", "petal_width"]},
            "split": {"method": "random", "train": 0.7, "val": 0.15, "test": 0.15},
            "models": {"bp": {"type": "feedforward", "hidden": [10, 10]}},
            "train": {"epochs": 2, "show": 0}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = bpnet.run(series).models
        found["classifier"] = bpnet.run(iris).models["bp"]
    labels = {"bp": "BP 2-10-10-1", "elman": "Elman 2-32-1", "lstm": "LSTM 2-32-1",
              "gru": "GRU 2-32-1", "classifier": "BP 4-10-10-3 softmax"}
    return {labels[k]: m for k, m in found.items()}


def best(call, repeat: int) -> float:
    """The shortest of ``repeat`` timed calls (after one untimed call), in seconds."""
    call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(model, n: int, repeat: int, folder: Path) -> list[float]:
    """[bpnet, onnxruntime float64, onnxruntime float32] predictions per second of n
    samples drawn in the model's training range."""
    import onnxruntime as ort
    rng = model.meta.train_range
    X = np.random.default_rng(0).uniform(rng.min, rng.max, (n, len(rng.min)))
    rates = [n / best(lambda: model._outputs(X), repeat)]
    for dtype in ("float64", "float32"):
        path = folder / f"net_{dtype}.onnx"
        onnxexport.export(model, path, dtype)
        s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        feed = {"x": X.astype(dtype)}
        rates.append(n / best(functools.partial(s.run, None, feed), repeat))
    return rates


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--samples", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    import onnxruntime as ort
    ort.set_default_logger_severity(3)
    print(f"predictions per second, {args.samples:,} samples, best of {args.repeat}; "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, numpy "
          f"{np.__version__}, onnxruntime {ort.__version__}, opset {onnxexport.OPSET}\n")
    head = ("network", "bpnet predict", "onnxruntime float64", "onnxruntime float32",
            "float64 / bpnet")
    print(f"{head[0]:<22}" + "".join(f"{h:>21}" for h in head[1:]))
    with tempfile.TemporaryDirectory() as tmp:
        for label, model in models().items():
            rates = measure(model, args.samples, args.repeat, Path(tmp))
            print(f"{label:<22}" + "".join(f"{r:>21,.0f}" for r in rates)
                  + f"{rates[1] / rates[0]:>20.2f}x")


if __name__ == "__main__":
    main()

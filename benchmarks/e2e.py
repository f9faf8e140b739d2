"""A run end to end at scale: a generated CSV of N rows x 21 columns (20 inputs, 1 target),
a 20-64-64-1 network, 3 epochs of traingdx, timed stage by stage.

    python benchmarks/e2e.py N        # one size, in this process: prints one JSON line
    python benchmarks/bench.py --end-to-end   # the table of every size, each in a new process

Times are CPU seconds of this process (the machine may be shared; CPU time is what the
stage costs whatever else runs), pictures drawn here, one after the other; memory is the peak
resident size of the process (the Python interpreter, numpy and matplotlib included).
``pandas.read_csv`` of the same file is timed beside the reading where pandas is installed.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIZES = (10_000, 100_000, 1_000_000)


def write_csv(path: Path, n: int, rng: np.random.Generator) -> None:
    """N rows of 20 standard normal inputs x0..x19 and y = x0 + ... + x4 + noise, 6 decimals,
    written a block at a time."""
    with open(path, "w") as fh:
        fh.write(",".join([f"x{i}" for i in range(20)] + ["y"]) + "\n")
        for start in range(0, n, 100_000):
            X = rng.standard_normal((min(100_000, n - start), 20))
            y = X[:, :5].sum(axis=1) + 0.1 * rng.standard_normal(len(X))
            np.savetxt(fh, np.column_stack([X, y]), delimiter=",", fmt="%.6f")


def config(path: Path, out: Path):
    from bpnet.config import build_config
    raw = {"seed": 0, "data": {"path": str(path), "inputs": [f"x{i}" for i in range(20)],
                               "targets": ["y"]},
           "models": {"bp": {"type": "feedforward", "hidden": [64, 64]}},
           "train": {"algorithm": "traingdx", "epochs": 3, "show": 0},
           "output": {"dir": str(out), "plots": False}}
    return build_config(raw, "e2e")


class Clock:
    """CPU seconds per stage."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}

    def run(self, stage: str, fn, *args):
        t = time.process_time()
        try:
            return fn(*args)
        finally:
            self.spent[stage] = self.spent.get(stage, 0.0) + time.process_time() - t

    def wrap(self, module, name: str, stage: str) -> None:
        """``module.name`` counted as ``stage`` from now on."""
        fn = getattr(module, name)
        setattr(module, name, lambda *a, **k: self.run(stage, fn, *a, **k))


def one(n: int) -> dict:
    """Every stage of a run on N rows -> {stage: CPU seconds, ...}."""
    from bpnet.data import dataset
    from bpnet.data.wide import read_data
    from bpnet.report import files, pictures, plots
    from bpnet.report.baselines import score_baselines
    from bpnet.train import experiment
    clock = Clock()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.csv"
        write_csv(path, n, np.random.default_rng(0))
        cfg = config(path, Path(tmp) / "out")
        table = clock.run("read", read_data, str(path), cfg.data)
        del table
        data = clock.run("samples", dataset.load, cfg, np.random.default_rng(0))
        clock.spent["samples"] -= clock.spent["read"]   # load reads the file again
        clock.wrap(experiment, "score_model", "evaluate")
        results = clock.run("train", experiment.fit_models, cfg, data, None, 1)
        clock.spent["train"] -= clock.spent["evaluate"]
        baselines = clock.run("evaluate", score_baselines, data, None)
        clock.run("write", files.write_all, cfg, data, results, baselines)
        plots.warm_up()
        worst = 0.0
        for picture in pictures.of_run(data, results, baselines).values():
            t = time.process_time()
            clock.run("plot", lambda p=picture: plots.png_bytes(p()))
            worst = max(worst, time.process_time() - t)
        out = {"n": n, "mb": os.path.getsize(path) / 1e6, **clock.spent, "worst_plot": worst,
               "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
               "data_mib": n * 21 * 8 / 2**20}
        out["pandas"] = _pandas(path)
    return out


def _pandas(path: Path) -> float | None:
    try:
        import pandas
    except ImportError:
        return None
    t = time.process_time()
    pandas.read_csv(path)
    return time.process_time() - t


def report(quick: bool = False) -> str:
    """The table of every size, each measured in a new process."""
    from bench import table
    rows = []
    for n in SIZES[:1] if quick else SIZES:
        out = subprocess.run([sys.executable, __file__, str(n)], capture_output=True,
                             text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        rest = sum(r[k] for k in ("read", "samples", "evaluate", "write", "plot"))
        rows.append((f"{n:,} x 21 ({r['mb']:.0f} MB)", f"{r['read']:.2f}",
                     "-" if r["pandas"] is None else f"{r['pandas']:.2f}",
                     f"{r['samples']:.2f}", f"{r['train']:.2f}", f"{r['evaluate']:.2f}",
                     f"{r['write']:.2f}", f"{r['plot']:.2f} ({r['worst_plot']:.2f})",
                     f"{rest:.2f}", f"{r['data_mib']:.0f}", f"{r['peak_mib']:.0f}"))
    head = ("CSV", "read", "pandas", "samples+scale", "train (3 epochs)", "evaluate", "write",
            "plot (slowest)", "all but train", "data MiB", "peak RSS MiB")
    return ("End to end: CPU seconds per stage of a 20-64-64-1 traingdx run on a generated "
            "CSV (pandas.read_csv of the same file where installed)\n\n" + table(head, rows))


if __name__ == "__main__":
    print(json.dumps(one(int(float(sys.argv[1])))))

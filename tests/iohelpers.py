"""Helpers of the tests that attack bpnet's files: a tiny config, a snapshot of every file under
a folder, the one-line error check, and the check that a folder holds one complete run."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import yaml

from bpnet.storage import outdir

ROOT = Path(__file__).resolve().parents[1]

SERIES = "month,passengers\n" + "".join(
    f"19{50 + i // 12}-{i % 12 + 1:02d},{100 + i + (i % 12) * 3}\n" for i in range(40))


def tiny_config(folder: Path, models: str = "{bp: {type: feedforward, hidden: [3, 3]}}",
                extra: str = "", data: str = SERIES, epochs: int = 5) -> Path:
    """A config with a 40-month series beside it (d.csv), training ``models`` for ``epochs``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "d.csv").write_text(data)
    path = folder / "c.yaml"
    path.write_text(
        "data: {path: d.csv, series: passengers, time: month, lags: [1], month: true}\n"
        "split: {method: block, train: 0.7, val: 0.0, test: 0.3}\n"
        f"models: {models}\ntrain: {{epochs: {epochs}, show: 0}}\n{extra}\n")
    return path


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder`` (hidden ones too): relative path -> (bytes, mtime)."""
    out = {}
    for dirpath, _, names in os.walk(folder):
        for name in names:
            p = Path(dirpath) / name
            if p.is_symlink():
                out[str(p.relative_to(folder))] = (os.readlink(p).encode(), 0)
            else:
                out[str(p.relative_to(folder))] = (p.read_bytes(), p.stat().st_mtime_ns)
    return out


def one_error_line(err: str, fragment: str) -> str:
    """``err`` is one ``error:`` line holding ``fragment``, no traceback; returns it."""
    lines = [line for line in err.strip().splitlines() if not line.startswith("warning:")]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert fragment in lines[0], lines[0]
    assert "Traceback" not in err
    return lines[0]


def start(*args: str, cwd: Path | None = None) -> subprocess.Popen:
    """``python run.py ARGS`` as a real process, with this checkout's bpnet."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(ROOT / "run.py"), *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run(*args: str, cwd: Path | None = None, timeout: float = 120) -> tuple[int, str, str]:
    proc = start(*args, cwd=cwd)
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def column(path: Path, name: str) -> list[str]:
    with open(path, newline="") as fh:
        return [row[name] for row in csv.DictReader(fh)]


def assert_one_complete_run(folder: Path, data: Path) -> int:
    """``folder`` holds one complete run: every file its manifest lists, with the checksum
    listed, no other result file, config.yaml and metrics.json of the same seed, and every
    model file predicting exactly the column of predictions.csv. Returns the run's seed."""
    import bpnet
    manifest = outdir.read_manifest(folder)
    assert manifest is not None, sorted(p.name for p in folder.iterdir())
    for name, digest in manifest["files"].items():
        assert outdir.sha256(folder / name) == digest, name
    names = {p.name for p in folder.iterdir() if not p.name.startswith(".")}
    assert names == set(manifest["files"]) | {outdir.MANIFEST}, names ^ set(manifest["files"])
    seed = json.loads((folder / "metrics.json").read_text())["seed"]
    assert yaml.safe_load((folder / "config.yaml").read_text())["seed"] == seed
    for model in manifest["models"]:
        pred = predicted(bpnet.load_model(folder / f"model_{model}.npz"), data)
        assert [float(x) for x in column(folder / "predictions.csv", model)] == \
            pred.y_pred[:, 0].tolist(), model
    return seed


def predicted(model, data: Path):
    """``model.predict_file(data)`` without its warning of inputs outside the training range:
    a whole file holds the test part too, where the series has grown past it."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*outside the training range")
        return model.predict_file(data)

"""Output stage of a sweep with ``combine: mean``: every cell's runs scored as one ensemble.

Each run's predictions are kept as it finishes, in ``runs/cell<c>_run<r>.npz`` of the sweep's
folder (written before the run is recorded in sweep.csv, so that a recorded run always has
them and a resumed sweep combines the runs of earlier sessions too). Once a cell has all its
runs, the mean of their predictions is scored as ``python run.py`` scores the "<model> (mean of
N)" model of the cell's config with ``runs: N`` and ``combine: mean`` (docs/semantics.md#ensembles).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from bpnet.config import Config
from bpnet.data import Dataset
from bpnet.report.scores import ModelResult, ensemble
from bpnet.report.sweepfiles import cell_number, score_cells
from bpnet.storage.fileio import atomic_write

RUNS_DIR = "runs"


def run_file(out: Path, cell: int, run: int) -> Path:
    return out / RUNS_DIR / f"cell{cell}_run{run}.npz"


def save_run(out: Path, cell: int, run: int, arrays: dict[str, np.ndarray]) -> None:
    """Keep one run's predictions (model -> (Q, K); <model>_multistep -> (h,)), atomically."""
    path = run_file(out, cell, run)
    path.parent.mkdir(exist_ok=True)
    atomic_write(path, lambda fh: np.savez(fh, **arrays), binary=True)


def add_means(summary: list[dict], configs: list[Config], data: list[Dataset], out: Path,
              runs: int, metrics: tuple[str, ...]) -> None:
    """Give each summary entry whose cell has the runs 0 .. runs - 1 kept the scores of their
    mean: ``entry["mean"]`` = metric -> value, for its selection metric and ``metrics``.
    ``configs[c - 1]`` and ``data[c - 1]`` are cell c's config and samples."""
    for entry in summary:
        paths = [run_file(out, entry["cell"], r) for r in range(runs)]
        if not all(p.exists() for p in paths):   # runs recorded by a sweep without combine
            continue
        cfg = configs[entry["cell"] - 1]
        model = entry["model"]
        members = []
        for r, path in enumerate(paths):
            with np.load(path, allow_pickle=False) as z:
                steps = z[f"{model}_multistep"] if f"{model}_multistep" in z.files else None
                members.append(ModelResult(model, cfg.models[model], None, None, z[model], {},
                                           cfg.seed + r, multistep=steps))
        cell_data = data[entry["cell"] - 1].for_model(cfg.models[model].exog)
        cells = score_cells(ensemble(members, cell_data).scores)   # as sweep.csv has a run's
        entry["mean"] = {m: cell_number(cells[m]) for m in (entry["select"], *metrics)
                         if m in cells}

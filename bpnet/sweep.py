"""A sweep, the three stages: read the sweep and every cell's samples (once per distinct data
setup), run every cell x run not yet recorded on an engine, then summarise.

    python run.py sweep configs/passengers_sweep.yaml [--grid KEY=[V1,V2] ...] [--jobs N]
                                                      [--dask ADDRESS | --dask local]

The sweep's folder (``output.dir`` or ``--out``) is locked while the sweep runs; sweep.csv
gets each run as it finishes, so that a stopped sweep loses nothing but the runs under way
and the same sweep run again into the same folder trains only the runs it does not hold
(sweep.yaml, the sweep as run, tells a resumed sweep from another one).
See docs/semantics.md#sweeps.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from bpnet.config import Config, portable_config
from bpnet.config.sweepspec import Sweep, value_text
from bpnet.data import Dataset
from bpnet.data import dataset as data_stage
from bpnet.engines import Engine, Output, Task, reached, run_tasks
from bpnet.errors import InputError
from bpnet.experiment import check_memory
from bpnet.paths import shown
from bpnet.report import files, sweepmeans
from bpnet.report import sweepfiles as sf
from bpnet.storage import outdir
from bpnet.storage.fileio import atomic_write


@dataclass
class Progress:
    """How far a sweep is: runs and cells done (of all), runs skipped as recorded earlier,
    seconds since it started and the estimate of the seconds left (None: no run done yet)."""

    runs: int
    runs_total: int
    cells: int
    cells_total: int
    skipped: int
    elapsed: float
    left: float | None


@dataclass
class SweepResult:
    """What a sweep produced: the summary per cell and model (``sweepfiles.summarise``), the
    winner's entry, the console table, and the files written (names in ``out``)."""

    out: Path
    summary: list[dict]
    winner: dict | None
    table: str
    skipped: int
    written: list[str] = field(default_factory=list)


def data_key(cfg: Config) -> str:
    """What a cell's samples depend on: cells with equal keys share one Dataset."""
    return repr((cfg.data, cfg.split, cfg.scaling, cfg.seed, cfg.forecast))


def load_data(sweep: Sweep) -> tuple[list[str], dict[str, Dataset]]:
    """Every cell's samples, read once per distinct data setup: (key of each cell, key ->
    Dataset); the memory every cell's networks need is checked too."""
    keys = [data_key(cfg) for cfg in sweep.configs]
    datasets: dict[str, Dataset] = {}
    for key, cfg in zip(keys, sweep.configs):
        if key not in datasets:
            datasets[key] = data_stage.load(cfg, np.random.default_rng(cfg.seed))
        check_memory(cfg, datasets[key])
    return keys, datasets


def check_folder(sweep: Sweep, out: Path) -> None:
    """Before any work: the sweep's folder can be written, none of its files is an input, and
    none is a file the user put there."""
    outdir.check_output_dir(str(out))
    outdir.check_clashes([(str(out / n), f"the sweep's {n}") for n in sf.FILES],
                         files.input_files(sweep.base, sweep.path))
    check_record_files(out, sf.SWEEP_YAML, [*sf.FILES, sweepmeans.RUNS_DIR], "sweep")


def check_record_files(out: Path, record: str, names: list[str], what: str) -> None:
    """The files and folders ``names`` of a sweep or tune already in ``out`` are an earlier
    one's only beside its record (``record``, its YAML file): without it each is the user's,
    never written over."""
    if (out / record).exists():
        return
    for name in names:
        if name != record and os.path.lexists(out / name):
            raise InputError(f"{shown(out / name)}: exists and was not written by a {what} "
                             f"(the folder has no {record}); choose another --out or remove it")


def recorded_runs(folder: Path) -> bool:
    """Whether the sweep.csv in ``folder`` records a run (more than its header)."""
    try:
        with open(folder / sf.SWEEP_CSV, "rb") as fh:
            return len(fh.read(1 << 16).splitlines()) > 1
    except OSError:
        return False


def sweep_record(sweep: Sweep, out: Path) -> dict:
    """sweep.yaml: the base config (paths relative to ``out``, written into it) with its
    sweep block; ``python run.py sweep <out>/sweep.yaml`` resumes the sweep."""
    spec = sweep.spec
    raw = portable_config(sweep.base, out)
    raw["runs"] = 1
    del raw["combine"]   # a sweep's runs are single; best.yaml combines the winner's
    return {"sweep": {"grid": spec.grid, "runs": spec.runs, "select": spec.select}, **raw}


def check_same_sweep(path: Path, record: dict) -> None:
    """A sweep.yaml already there must be this sweep's (runs may differ: more runs extend it)
    once it has recorded a run; one that recorded none gives way to this sweep."""
    def without_runs(r: dict) -> dict:
        sweep = r.get("sweep")
        return {**r, "sweep": {k: v for k, v in sweep.items() if k != "runs"}
                if isinstance(sweep, dict) else sweep}
    check_same_record(path, record, "sweep", without_runs,
                      give_way=not recorded_runs(path.parent))


def check_same_record(path: Path, record: dict, what: str,
                      compared: Callable[[dict], dict] = lambda r: r,
                      give_way: bool = False) -> None:
    """The record of a sweep or tune (its YAML file at ``path``) already there must be this
    one's, ``compared`` on what matters; else one error naming the first keys that differ.
    With ``give_way`` (it recorded no run yet) the record of another sweep or tune gives
    way to this one."""
    if not path.exists():
        return
    try:
        earlier = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"{shown(path)}: cannot read the {what} recorded there ({exc}); "
                         "choose another --out") from None
    if give_way and isinstance(earlier, dict) and isinstance(earlier.get(what), dict):
        return
    earlier = compared(earlier) if isinstance(earlier, dict) else {}
    if earlier != compared(record):
        differ = _differences(earlier, compared(record))
        raise InputError(f"{shown(path.parent)}: holds another {what} (it differs in "
                         f"{', '.join(differ[:3]) or 'its keys'}); choose another --out, or "
                         "remove that folder to start again")


def _differences(a, b, prefix: str = "") -> list[str]:
    """The key paths where two mappings differ (leaves first found, in b's order)."""
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return [] if a == b else [prefix.rstrip(".") or "the whole file"]
    out = []
    for key in dict.fromkeys([*b, *a]):
        out += _differences(a.get(key), b.get(key), f"{prefix}{key}.")
    return out


def run_sweep(sweep: Sweep, out: Path, engine: Engine,
              progress: Callable[[Progress], None] | None = None,
              finished: Callable[[Task], None] | None = None,
              plots: bool = True, watch=None, finish: bool = True) -> SweepResult:
    """Run the sweep into folder ``out`` on ``engine``: the cells x runs that sweep.csv does
    not hold yet, each recorded as it finishes; then (``finish``) summary.csv, best.yaml and
    sweep.png.
    ``progress`` is told after each run, ``finished(task)`` too (after it is recorded);
    ``watch`` (the live page's bpnet.view.sweepstate.SweepState) the runs to come, each run
    recorded with the summary so far, and the end of the runs."""
    check_folder(sweep, out)
    with reached(engine) as engine:   # a scheduler out of reach: nothing written
        keys, datasets = load_data(sweep)
        with outdir.RunFolder(str(out), keep=files.input_files(sweep.base, sweep.path)) as folder:
            record = sweep_record(sweep, folder.path)
            check_same_sweep(folder.path / sf.SWEEP_YAML, record)
            table = sf.SweepTable(folder.path / sf.SWEEP_CSV, sweep.spec.keys)
            table.load(grid_cells(sweep))
            sf.write_yaml(folder.path / sf.SWEEP_YAML, record,
                          ["a sweep as run; python run.py sweep on this file resumes it"])
            tasks, skipped = _tasks(sweep, keys, table.recorded())
            if watch is not None:
                watch.begin([(t.cell, t.run) for t in tasks], _summary(sweep, table))
                finished = _watching(sweep, table, watch, finished)
            try:
                _run(sweep, engine, tasks, skipped, datasets, table, progress, finished)
            finally:
                if watch is not None:
                    watch.runs_ended()
            if not finish:   # a caller that ranks the runs itself (a tune's rung)
                return SweepResult(folder.path, [], None, "", skipped,
                                   [sf.SWEEP_YAML, sf.SWEEP_CSV])
            return _finish(sweep, folder.path, table, skipped, plots, [datasets[k] for k in keys])


def _tasks(sweep: Sweep, keys: list[str], recorded: set[tuple[int, int]]
           ) -> tuple[list[Task], int]:
    """The tasks not recorded yet (cell by cell, run by run) and how many are."""
    keep = sweep.spec.combine is not None
    every = [Task(c, run, cfg.seed + run, keys[c - 1], keep)
             for c, cfg in enumerate(sweep.configs, 1) for run in range(sweep.spec.runs)]
    todo = [t for t in every if (t.cell, t.run) not in recorded]
    return todo, len(every) - len(todo)


def _perform(sweep: Sweep) -> dict[str, str]:
    """Each model's perf function, the one its cells are ranked by."""
    return {name: m.train.perform or "mse" for name, m in sweep.base.models.items()}


def grid_cells(sweep: Sweep) -> list[sf.Cell]:
    """What sweep.csv may hold of each cell (sweepfiles.check_rows)."""
    perform = _perform(sweep)
    return [sf.Cell({k: value_text(v) for k, v in cell.items()}, cfg.seed,
                    {name: f"{sweep.spec.select}_{perform.get(name, 'mse')}"
                     for name in cfg.models})
            for cell, cfg in zip(sweep.cells, sweep.configs)]


def _summary(sweep: Sweep, table: sf.SweepTable) -> list[dict]:
    """The summary of every run ``table`` holds (sweepfiles.summarise), as summary.csv has it."""
    return sf.summarise(table, sweep.spec.select, _perform(sweep), sweep.spec.runs)


def _watching(sweep: Sweep, table: sf.SweepTable, watch,
              finished: Callable[[Task], None] | None) -> Callable[[Task], None]:
    """``finished`` that tells ``watch`` of each run first, with the summary so far."""
    def told(task: Task) -> None:
        watch.done(task.cell, task.run, _summary(sweep, table))
        if finished:
            finished(task)
    return told


def _run(sweep: Sweep, engine: Engine, tasks: list[Task], skipped: int,
         datasets: dict[str, Dataset], table: sf.SweepTable,
         progress: Callable[[Progress], None] | None,
         finished: Callable[[Task], None] | None) -> None:
    runs = sweep.spec.runs
    total = len(sweep.configs) * runs
    per_cell = {c: runs - sum(1 for t in tasks if t.cell == c)
                for c in range(1, len(sweep.configs) + 1)}
    start = time.monotonic()
    count = 0

    def done(task: Task, output: Output) -> None:
        nonlocal count
        rows, arrays = output
        if task.keep:   # before the run is recorded: a recorded run has its predictions
            sweepmeans.save_run(table.path.parent, task.cell, task.run, arrays)
        cell = sweep.cells[task.cell - 1]
        table.add(task.cell, {k: value_text(v) for k, v in cell.items()}, rows)
        count += 1
        per_cell[task.cell] += 1
        if progress:
            elapsed = time.monotonic() - start
            progress(Progress(skipped + count, total,
                              sum(1 for n in per_cell.values() if n == runs), len(per_cell),
                              skipped, elapsed, elapsed / count * (len(tasks) - count)))
        if finished:
            finished(task)
    run_tasks(engine, tasks, sweep.configs, datasets, done)


def _finish(sweep: Sweep, out: Path, table: sf.SweepTable, skipped: int,
            plots: bool, data: list[Dataset]) -> SweepResult:
    """summary.csv, best.yaml and (``plots``) sweep.png from every recorded run; with
    ``combine``, the scores of each cell's mean of runs in the summary (``data``: every
    cell's samples)."""
    summary = _summary(sweep, table)
    if sweep.spec.combine:
        sweepmeans.add_means(summary, sweep.configs, data, out, sweep.spec.runs,
                             sf.TEST_METRICS)
    winner = min(summary, key=lambda e: e["rank"]) if summary else None
    result = SweepResult(out, summary, winner, sf.summary_table(sweep.spec.keys, summary),
                         skipped, [sf.SWEEP_YAML, sf.SWEEP_CSV])
    if sweep.spec.combine:
        result.written.append(f"{sweepmeans.RUNS_DIR}/ (each run's predictions)")
    atomic_write(out / sf.SUMMARY_CSV, lambda fh: sf.write_summary(fh, sweep.spec.keys, summary))
    result.written.append(sf.SUMMARY_CSV)
    if winner is not None:
        cfg = sweep.configs[winner["cell"] - 1]
        best = sf.best_config(cfg, winner["model"], sweep.spec.runs, out)
        sf.write_yaml(out / sf.BEST_YAML, best, [
            f"the winner of the sweep in this folder: cell {winner['cell']} "
            f"({', '.join(f'{k}={v}' for k, v in winner['values'].items())}), model "
            f"{winner['model']}, ranked by the median {winner['select']} over "
            f"{winner['runs']} runs", "python run.py best.yaml trains it again"])
        result.written.append(sf.BEST_YAML)
    if plots and summary:
        from bpnet.report import sweepplot
        sweepplot.save(out / sf.SWEEP_PNG, sweep.spec.keys, summary, sweep.spec.grid)
        result.written.append(sf.SWEEP_PNG)
    return result

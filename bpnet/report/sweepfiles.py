"""Output stage of a sweep: sweep.csv (one row per cell, run and model), its summary per cell
(summary.csv and the console table), and best.yaml, the winning cell's config.

sweep.csv is rewritten atomically, rows in cell and run order, each time a run finishes: it is
always complete, and the same whichever order the runs finished in. The numbers are written
as their shortest exact text, so that the file is the same bit for bit whichever engine ran
the sweep; the training time, which differs from run to run, is left out.
"""
from __future__ import annotations

import csv
import io
import math
import typing
from pathlib import Path

import numpy as np
import yaml

from bpnet.config import Config, portable_config
from bpnet.errors import InputError
from bpnet.paths import shown
from bpnet.report.fileio import atomic_write, number_cell
from bpnet.report.scores import ModelResult

SWEEP_CSV = "sweep.csv"
SUMMARY_CSV = "summary.csv"
BEST_YAML = "best.yaml"
SWEEP_YAML = "sweep.yaml"
SWEEP_PNG = "sweep.png"
FILES = (SWEEP_CSV, SUMMARY_CSV, BEST_YAML, SWEEP_YAML, SWEEP_PNG)
# a run's own columns, after the cell's values
RUN_COLUMNS = ("model", "run", "seed", "epochs", "best_epoch", "stop_reason")
# the test metrics a summary shows, those a run has
TEST_METRICS = ("test_rmse", "test_mape", "test_multistep_mape", "test_accuracy")

Row = dict[str, str]


def model_row(r: ModelResult, run: int) -> Row:
    """One trained model of one run as a sweep.csv row (without the cell's columns): its
    seed, epochs, stop reason and every metric of every part (``<part>_<metric>``; a metric
    per target ``<part>_<target>_<metric>``)."""
    t = r.train
    row = {"model": r.name, "run": str(run), "seed": str(r.seed), "epochs": str(t.epochs),
           "best_epoch": str(t.best_epoch), "stop_reason": t.stop_reason}
    row.update(score_cells(r.scores))
    return row


def score_cells(scores: dict[str, dict]) -> Row:
    """Every metric of every part as sweep.csv's cells: ``<part>_<metric>`` (a metric per
    target ``<part>_<target>_<metric>``), numbers as their shortest exact text."""
    row: Row = {}
    for part, part_scores in scores.items():
        row.update(_flat(part_scores, part))
    return row


def _flat(scores: dict, prefix: str) -> Row:
    out: Row = {}
    for key, value in scores.items():
        name = f"{prefix}_{key}"
        if isinstance(value, dict):
            out.update(_flat(value, name))
        elif isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            out[name] = str(int(value))
        elif isinstance(value, (float, np.floating)):
            out[name] = number_cell(value)
        else:
            out[name] = str(value)
    return out


class SweepTable:
    """The rows of sweep.csv in memory, kept in cell and run order and written atomically
    to ``path`` after each run (``keys``: the swept keys, the columns after "cell")."""

    def __init__(self, path: Path, keys: list[str]) -> None:
        self.path = path
        self.keys = keys
        self.rows: list[Row] = []

    def load(self) -> None:
        """The rows an earlier run of the same sweep recorded (none without sweep.csv)."""
        if not self.path.exists():
            return
        try:
            with open(self.path, newline="", encoding="utf-8") as fh:
                reader = csv.DictReader(fh)
                header = reader.fieldnames or []
                rows = list(reader)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise InputError(f"{shown(self.path)}: cannot read the sweep's earlier runs "
                             f"({exc}); remove it or choose another --out") from None
        expect = ["cell", *self.keys, *RUN_COLUMNS]
        if header[:len(expect)] != expect:
            raise InputError(f"{shown(self.path)}: holds another sweep (its columns begin "
                             f"{', '.join(header[:len(expect)])}); choose another --out")
        self.rows = rows

    def recorded(self) -> set[tuple[int, int]]:
        """The (cell, run) pairs of sweep.csv (cells counted from 1, runs from 0)."""
        return {(int(r["cell"]), int(r["run"])) for r in self.rows}

    def add(self, cell: int, values: dict[str, str], rows: list[Row]) -> None:
        """Record the rows of one finished run of ``cell`` and rewrite sweep.csv."""
        self.rows += [{"cell": str(cell), **values, **row} for row in rows]
        self.rows.sort(key=lambda r: (int(r["cell"]), int(r["run"])))   # stable: model order
        atomic_write(self.path, self.write)

    def columns(self) -> list[str]:
        cols = ["cell", *self.keys, *RUN_COLUMNS]
        for row in self.rows:
            cols += [c for c in row if c not in cols]
        return cols

    def write(self, fh: io.IOBase) -> None:
        w = csv.DictWriter(fh, self.columns(), restval="", lineterminator="\n")
        w.writeheader()
        w.writerows(self.rows)


def _stats(values: list[float]) -> tuple[float, float, float]:
    """(median, min, max) of the finite values; NaN when there are none."""
    v = np.array([x for x in values if math.isfinite(x)], dtype=float)
    if not v.size:
        return math.nan, math.nan, math.nan
    return float(np.median(v)), float(v.min()), float(v.max())


def cell_number(text: str | None) -> float:
    """A cell's number; NaN for an empty or non-numeric cell."""
    try:
        return float(text) if text else math.nan
    except ValueError:
        return math.nan


def summarise(table: SweepTable, select: str, perform: dict[str, str],
              runs: int | None = None) -> list[dict]:
    """Per cell and model (in cell order): its values, model, runs, the (median, min, max)
    over runs of the selection perf (``<select>_<perform[model]>``) and of the test metrics
    it has, and its rank by the median selection perf (1: the best; ties: the first cell).
    With ``runs``, only the runs 0 .. runs - 1 of each cell count (sweep.csv may hold more,
    from a sweep of more runs into the same folder)."""
    groups: dict[tuple[int, str], list[Row]] = {}
    for row in table.rows:
        if runs is not None and int(row["run"]) >= runs:
            continue
        groups.setdefault((int(row["cell"]), row["model"]), []).append(row)
    out = []
    for (cell, model), rows in groups.items():
        entry = {"cell": cell, "values": {k: rows[0][k] for k in table.keys}, "model": model,
                 "runs": len(rows), "select": f"{select}_{perform.get(model, 'mse')}"}
        entry["stats"] = {entry["select"]: _stats([cell_number(r.get(entry["select"]))
                                                   for r in rows])}
        for metric in TEST_METRICS:
            if any(r.get(metric) for r in rows):
                entry["stats"][metric] = _stats([cell_number(r.get(metric)) for r in rows])
        out.append(entry)
    order = sorted(range(len(out)), key=lambda i: _rank_key(out[i]))
    for rank, i in enumerate(order, 1):
        out[i]["rank"] = rank
    return out


def _rank_key(entry: dict) -> tuple[float, int]:
    median = entry["stats"][entry["select"]][0]
    return (median if math.isfinite(median) else math.inf, entry["cell"])


def write_summary(fh: io.IOBase, keys: list[str], summary: list[dict]) -> None:
    """summary.csv: per cell and model its values, runs, rank and the median, min and max
    of the selection perf and of each test metric."""
    metrics = list(dict.fromkeys(m for e in summary for m in e["stats"]))
    means = _mean_metrics(summary)
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["cell", *keys, "model", "runs", "rank",
                *[f"{m}_{s}" for m in metrics for s in ("median", "min", "max")],
                *[f"mean_of_runs_{m}" for m in means]])
    for e in summary:
        stats = [number_cell(x) for m in metrics
                 for x in e["stats"].get(m, (math.nan,) * 3)]
        w.writerow([e["cell"], *e["values"].values(), e["model"], e["runs"], e["rank"],
                    *stats, *[number_cell(e.get("mean", {}).get(m, math.nan)) for m in means]])


def _mean_metrics(summary: list[dict]) -> list[str]:
    """The metrics of the cells' means of runs (sweep.combine: mean), in order; [] without."""
    return list(dict.fromkeys(m for e in summary for m in e.get("mean", {})))


def summary_table(keys: list[str], summary: list[dict], limit: int = 20) -> str:
    """The console table: the cells and models by rank, the selection perf and the test
    metrics as median [min, max] over runs (at most ``limit`` rows)."""
    ranked = sorted(summary, key=lambda e: e["rank"])
    metrics = list(dict.fromkeys(m for e in summary for m in e["stats"]))
    means = _mean_metrics(summary)
    head = ["rank", *keys, "model", "runs", *[f"{m} median [min, max]" for m in metrics],
            *[f"{m} of the mean" for m in means]]
    body = [[str(e["rank"]), *e["values"].values(), e["model"], str(e["runs"]),
             *[_spread(e["stats"].get(m)) for m in metrics],
             *[_one(e.get("mean", {}).get(m)) for m in means]] for e in ranked[:limit]]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
             for r in [head, ["-" * w for w in widths], *body]]
    if len(ranked) > limit:
        lines.append(f"... {len(ranked) - limit} more in {SUMMARY_CSV}")
    return "\n".join(lines)


def _one(value: float | None) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.4g}"


def _spread(stats: tuple[float, float, float] | None) -> str:
    if stats is None or not math.isfinite(stats[0]):
        return "-"
    return "{} [{}, {}]".format(*(f"{x:.4g}" for x in stats))


def best_config(cfg: Config, model: str, runs: int, out: Path) -> dict:
    """The winning cell's config (``cfg``) as best.yaml holds it: only the winning model,
    ``runs`` runs (and, with several, the mean of them beside the kept one: ``combine:
    mean``), its paths relative to the sweep's folder ``out``, its results written into
    ``best`` there."""
    raw = portable_config(cfg, out)
    raw["models"] = {model: raw["models"][model]}
    raw["runs"] = runs
    raw["combine"] = "mean" if runs > 1 else None
    raw["output"]["dir"] = "best"
    return raw


def write_yaml(path: Path, raw: dict, comment: typing.Sequence[str] = ()) -> None:
    """A config file, atomically, with ``comment`` lines at its top."""
    text = "".join(f"# {line}\n" for line in comment)
    atomic_write(path, lambda fh: fh.write(text + yaml.safe_dump(raw, sort_keys=False)))

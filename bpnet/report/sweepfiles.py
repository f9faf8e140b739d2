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
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from bpnet.config import Config, portable_config
from bpnet.errors import InputError
from bpnet.paths import shown
from bpnet.report.console import figure, spread, table
from bpnet.report.scores import ModelResult
from bpnet.storage.fileio import atomic_write, number_cell

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
# the parts a run is scored on, each score a column <part>_<metric> (test_multistep_* too)
PARTS = ("train_", "val_", "test_")

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

    def load(self, cells: list[Cell]) -> None:
        """The rows an earlier run of the same sweep recorded (none without sweep.csv), as
        :func:`check_rows` finds them for the grid ``cells``."""
        if not self.path.exists():
            return
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise InputError(f"{shown(self.path)}: cannot read the sweep's earlier runs "
                             f"({exc.strerror or exc}); remove it or choose another --out") \
                from None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _damaged(self.path, data.count(b"\n", 0, exc.start) + 1, None,
                           f"byte 0x{data[exc.start]:02x} is not UTF-8") from None
        self.rows = check_rows(self.path, text, self.keys, cells)

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


@dataclass(frozen=True)
class Cell:
    """What sweep.csv may hold of one cell of the grid: its swept keys' ``values`` as the
    file writes them, its ``seed`` (run r is trained from seed + r) and its models, each
    with the column that ranks it (``ranked_by``: model -> ``<select>_<perform>``)."""

    values: Row
    seed: int
    ranked_by: dict[str, str]


def check_rows(path: Path, text: str, keys: list[str], cells: list[Cell]) -> list[Row]:
    """The rows of sweep.csv (``text``, read from ``path``) as a sweep of the grid ``cells``
    over ``keys`` wrote them, else an InputError naming the line (and column): no NUL byte;
    a header beginning with cell, the keys and RUN_COLUMNS, with each model's ranking column,
    its other columns <part>_<metric>, each once; rows of as many cells, each naming a cell
    of the grid with its values, one of its models, a run from 0 and that run's seed, whole
    numbers of epochs, numbers (or nothing) where the summary reads them; each cell, run
    and model once, and every model of a cell in each of its runs. A last line without its
    line end, as a writer stopped mid-row leaves it, is dropped with the other rows of its
    run (which is trained again), with a warning."""
    if "\0" in text:
        raise _damaged(path, text.count("\n", 0, text.index("\0")) + 1, None,
                       "holds a NUL byte")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        lines = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise _damaged(path, reader.line_num, None, str(exc)) from None
    if not lines:
        raise _damaged(path, 1, None, "the file is empty, without its header")
    header = lines[0][1]
    _check_header(path, header, keys, cells)
    body = lines[1:]
    cut = body.pop() if body and not text.endswith(("\n", "\r")) else None
    rows: dict[tuple[int, int, str], tuple[int, Row]] = {}
    for line, cells_of_row in body:
        if len(cells_of_row) != len(header):
            raise _damaged(path, line, None, f"{len(cells_of_row)} cells, the header has "
                           f"{len(header)}")
        row = dict(zip(header, cells_of_row))
        key = _check_row(path, line, row, keys, cells)
        if key in rows:
            raise _damaged(path, line, None, f"cell {key[0]}, run {key[1]}, model {key[2]} "
                           f"is recorded twice (line {rows[key][0]} too)")
        rows[key] = (line, row)
    if cut is not None:
        _drop_cut_run(path, cut[0], rows, cells)
    _check_runs_whole(path, rows, cells)
    return [row for _, row in rows.values()]


def _damaged(path: Path, line: int, column: str | None, what: str) -> InputError:
    at = f"line {line}" + (f", column {column}" if column else "")
    return InputError(f"{shown(path)}: {at}: {what}, not as a sweep writes it; mend or remove "
                      "the file (its runs are then trained again), or choose another --out")


def _check_header(path: Path, header: list[str], keys: list[str], cells: list[Cell]) -> None:
    expect = ["cell", *keys, *RUN_COLUMNS]
    if header[:len(expect)] != expect:
        raise InputError(f"{shown(path)}: line 1: holds another sweep (its columns begin "
                         f"{', '.join(header[:len(expect)])}); choose another --out")
    for i, name in enumerate(header):
        if name in header[:i]:
            raise _damaged(path, 1, name, "the column is named twice")
        if i >= len(expect) and not name.startswith(PARTS):
            raise _damaged(path, 1, name, "not a score of a part (" +
                           ", ".join(f"{p}<metric>" for p in PARTS) + ")")
    for cell in cells:
        for column in cell.ranked_by.values():
            if column not in header:
                raise _damaged(path, 1, None, f"no column {column}, which ranks the cells")


def _check_row(path: Path, line: int, row: Row, keys: list[str], cells: list[Cell]
               ) -> tuple[int, int, str]:
    """One row's cell, run and model, once its cells are as the sweep writes them."""
    def whole(column: str, low: int = 0) -> int:
        text = row[column]
        if not (text.isascii() and text.isdigit() and int(text) >= low):
            raise _damaged(path, line, column, f"{text!r} is not a whole number from {low}")
        return int(text)
    c = whole("cell", 1)
    if c > len(cells):
        raise _damaged(path, line, "cell", f"{c} is not a cell of the grid (1 to {len(cells)})")
    cell = cells[c - 1]
    for key in keys:
        if row[key] != cell.values[key]:
            raise _damaged(path, line, key, f"{row[key]!r} is not cell {c}'s value "
                           f"({cell.values[key]})")
    if row["model"] not in cell.ranked_by:
        raise _damaged(path, line, "model", f"{row['model']!r} is not a model of the sweep")
    run = whole("run")
    if whole("seed") != cell.seed + run:
        raise _damaged(path, line, "seed", f"run {run} is trained from seed {cell.seed + run}")
    whole("epochs")
    whole("best_epoch")
    for column in (cell.ranked_by[row["model"]], *TEST_METRICS):
        try:
            float(row.get(column) or 0)
        except ValueError:
            raise _damaged(path, line, column, f"{row[column]!r} is not a number") from None
    return c, run, row["model"]


def _drop_cut_run(path: Path, line: int, rows: dict[tuple[int, int, str], tuple[int, Row]],
                  cells: list[Cell]) -> None:
    """Drop the last run of ``rows`` when the cut ``line`` leaves it without a model's row,
    and say so (the cut line is dropped already)."""
    dropped = 1
    if rows:
        c, run, _ = next(reversed(rows))
        of_run = [k for k in rows if k[:2] == (c, run)]
        if len(of_run) < len(cells[c - 1].ranked_by):
            for k in of_run:
                del rows[k]
            dropped += len(of_run)
    warnings.warn(f"{shown(path)}: line {line} is cut short, as a writer stopped mid-row "
                  f"leaves it: {dropped} line{'s' * (dropped > 1)} of its run dropped; the "
                  "run is trained again", stacklevel=2)


def _check_runs_whole(path: Path, rows: dict[tuple[int, int, str], tuple[int, Row]],
                      cells: list[Cell]) -> None:
    """Every run recorded has a row of each model of its cell."""
    runs: dict[tuple[int, int], list[str]] = {}
    for c, run, model in rows:
        runs.setdefault((c, run), []).append(model)
    for (c, run), models in runs.items():
        missing = [m for m in cells[c - 1].ranked_by if m not in models]
        if missing:
            line = rows[(c, run, models[0])][0]
            raise _damaged(path, line, None, f"run {run} of cell {c} has no row of model "
                           f"{missing[0]}")


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
             *[spread_of(e["stats"].get(m)) for m in metrics],
             *[figure(e.get("mean", {}).get(m)) for m in means]] for e in ranked[:limit]]
    lines = [line.rstrip() for line in table(head, body, left=len(head))]
    if len(ranked) > limit:
        lines.append(f"... {len(ranked) - limit} more in {SUMMARY_CSV}")
    return "\n".join(lines)


def spread_of(stats: tuple[float, float, float] | None) -> str:
    """:func:`~bpnet.report.console.spread` of (median, min, max); "-" without them."""
    return "-" if stats is None else spread(dict(zip(("median", "min", "max"), stats)))


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

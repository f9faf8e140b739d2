"""Output stage of a tune: tune.csv, one row per trial and rung it reached (docs/tune.md).

Rows in the order the trials were scored (bracket, rung, trial); the numbers as their
shortest exact text, so that the same tune writes the same file on every engine.
"""
from __future__ import annotations

import csv
import io

from bpnet.config.sweepspec import value_text
from bpnet.storage.fileio import number_cell

COLUMNS = ("trial", "bracket", "rung", "epochs", "runs")


def score_columns(metric: str) -> list[str]:
    """The score columns: the val metric's median, min and max over runs, and that of the
    mean of the runs (a bracket's last rung only)."""
    return [*(f"val_{metric}_{s}" for s in ("median", "min", "max")),
            f"val_{metric}_of_mean"]


def write_csv(fh: io.IOBase, knobs: list[str], metric: str, entries: list) -> None:
    """tune.csv: per entry (bpnet.tune.Entry) the trial, bracket, rung, epochs and runs,
    each knob's value (null: the knob does not apply to the trial), the scores and whether
    the trial went on (at the last rung: won its bracket)."""
    w = csv.writer(fh, lineterminator="\n")
    w.writerow([*COLUMNS, *knobs, *score_columns(metric), "kept"])
    for e in sorted(entries, key=lambda e: (e.bracket, e.rung.index, e.trial.number)):
        s = e.score
        w.writerow([e.trial.number, e.bracket, e.rung.index + 1, e.epochs, s.runs,
                    *[value_text(e.trial.settings.get(k)) for k in knobs],
                    number_cell(s.median), number_cell(s.low), number_cell(s.high),
                    "" if s.mean is None else number_cell(s.mean), "yes" if e.kept else "no"])


def read_csv(path) -> list[dict[str, str]]:
    """The rows of a tune.csv."""
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))

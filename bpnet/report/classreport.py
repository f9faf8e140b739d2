"""Output stage: what a classification run shows (docs/semantics.md#classification): its console
tables,
the columns of its predictions.csv (its pictures are listed by
:func:`bpnet.report.pictures.of_run`).

The console summary has per model the epochs, the stop reason, train and test accuracy and
the test crossentropy, with the baselines (majority class, logistic regression) under them.
predictions.csv has per sample the split and target label, then per model and baseline the
predicted label, whether it is right (1/0) and the probability of every class.
"""
from __future__ import annotations

import numpy as np

from bpnet.data import Dataset
from bpnet.report.classify import predicted_class
from bpnet.report.console import figure, spread, table
from bpnet.report.metrics import over_runs
from bpnet.report.scores import ModelResult


def summary_table(results: list[ModelResult], baselines: dict | None = None) -> str:
    """The console summary: one row per model, then the baselines."""
    head = ["model", "epochs", "stop reason", "train accuracy", "test accuracy",
            "test crossentropy"]
    entries = [(r.name, *r.outcome, r.scores) for r in results]
    entries += [(b["what"], "-", "baseline", b["scores"]) for b in (baselines or {}).values()]
    rows = []
    for name, epochs, reason, scores in entries:
        def num(part, m, scores=scores):
            return figure(scores[part][m]) if part in scores else "-"
        rows.append([name, epochs, reason, num("train", "accuracy"), num("test", "accuracy"),
                     num("test", "crossentropy")])
    return "\n".join(table(head, rows, left=3))


def runs_table(results: list[ModelResult], has_val: bool) -> str:
    """Median [min, max] over runs of the accuracies and the test crossentropy, and which run
    was kept."""
    head = ["model", "runs", "kept seed", "train accuracy", "test accuracy", "test crossentropy"]
    rows = []
    for r in results:
        if not r.runs:
            continue
        o = over_runs(r.runs)

        def cell(part, m, o=o):
            return spread(o[part][m]) if part in o else "-"
        rows.append([r.name, str(len(r.runs)), str(r.seed), cell("train", "accuracy"),
                     cell("test", "accuracy"), cell("test", "crossentropy")])
    which = "validation" if has_val else "training"
    perform = results[0].cfg.train.perform if results else "crossentropy"
    return "\n".join([f"over runs: median [min, max]; kept: the run of lowest {which} "
                      f"{perform}", *table(head, rows, left=len(head))])


def _label_columns(name: str, P: np.ndarray, truth: np.ndarray, classes: list[str]
                   ) -> list[tuple[str, list | np.ndarray]]:
    """A model's (or baseline's) columns: predicted label, right (1/0), one probability per
    class; rows where it has no output (NaN) are blank."""
    has = ~np.isnan(P).any(axis=1)
    k = predicted_class(np.nan_to_num(P, nan=-1.0))
    label = [classes[i] if h else "" for i, h in zip(k, has)]
    right = [("1" if i == t else "0") if h else "" for i, t, h in zip(k, truth, has)]
    return [(name, label), (f"{name}_right", right),
            *[(f"{name}_p_{c}", P[:, j]) for j, c in enumerate(classes)]]


def prediction_columns(data: Dataset, results: list[ModelResult], baselines: dict | None = None
                       ) -> list[tuple[str, list | np.ndarray]]:
    """The columns of a classification run's predictions.csv, each (Q,)."""
    truth = predicted_class(data.targets)
    cols: list[tuple[str, list | np.ndarray]] = [
        (data.label_name, data.labels), ("split", data.part_of()),
        ("target", [data.classes[i] for i in truth])]
    for name, P in [(r.name, r.predictions) for r in results] + \
            [(name, b["predictions"]) for name, b in (baselines or {}).items()]:
        cols += _label_columns(name, P, truth, data.classes)
    return cols

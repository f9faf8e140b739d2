"""Input stage: a class-label column turned into one-hot targets (docs/semantics.md#classification).

The classes are the distinct labels of the training file, sorted (as numbers when every label
is a number, else as text); class k is output unit k, so a label becomes a one-hot row (K,).
Labels that are the same number (``1``, ``1.0``, ``1e0``) are one class, named as the file
first writes it. K >= 2 always: a column with one class has nothing to learn. The targets are
never scaled.

A missing label (an empty cell, or a word that means "no value" as in any other column: ``NA``,
``NaN``, ... :data:`~bpnet.data.table.MISSING`) is a missing value like any other: under
``data.missing: error`` it stops the run (:func:`bpnet.data.samples.build_samples` names it);
under any other policy its row is left out (:func:`labelled`), since a class cannot be filled
and a row without one has nothing to learn or score.

At most :data:`MAX_CLASSES` classes: each is an output unit, a probability column per model in
predictions.csv, a row and a column of the confusion matrix and a curve of the roc picture, so
more is almost always a column of identifiers or measurements named by mistake (regression
takes ``data.targets``); the one-hot targets must also fit in memory.
"""
from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np

from bpnet.data.missing import MissingReport
from bpnet.data.table import MISSING, Table, to_number
from bpnet.errors import InputError
from bpnet.memory import require

MAX_CLASSES = 1000


def read_labels(table: Table, column: str) -> list[str | None]:
    """The labels (N,) of the class column, stripped; None where the cell is missing."""
    cells = [c.strip() for c in table.column(column, "data.classes")]
    return [None if c.lower() in MISSING else c for c in cells]


def _key(label: str, decimal: str) -> float | str:
    """What makes labels one class: their number when they are a finite one, else the text."""
    value = to_number(label, decimal)
    return value if value is not None and math.isfinite(value) else label


def class_list(labels: list[str | None], table: Table, column: str) -> list[str]:
    """The sorted distinct classes of ``labels`` (N,), missing ones (None) aside: numerically
    when all are numbers, one class per number.

    No class or one is an error, and so are more than MAX_CLASSES; numbers that are not all
    whole are kept as labels, with a warning.
    """
    named: dict[float | str, str] = {}   # class key -> its first spelling
    for label in dict.fromkeys(labels):
        if label is not None:
            named.setdefault(_key(label, table.decimal), label)
    where = f"{table.path}: column {column} (data.classes)"
    if len(named) > MAX_CLASSES:
        raise InputError(f"{where} holds {len(named):,} distinct labels; bpnet classifies at "
                         f"most {MAX_CLASSES:,} classes (each one an output unit, a probability "
                         "column and a row of the confusion matrix): is it a column of "
                         "identifiers or measurements? (regression takes data.targets)")
    if len(named) < 2:
        held = f"one class only ({next(iter(named.values()))!r})" if named else "no label"
        raise InputError(f"{where} holds {held}; classification needs at least two classes")
    if all(isinstance(k, float) for k in named):
        if not all(k.is_integer() for k in named):
            warnings.warn(f"{where} holds numbers that are not all whole; treated as labels, "
                          "one class per distinct value", stacklevel=2)
        return [named[k] for k in sorted(named)]
    return sorted(named.values())


def one_hot(labels: list[str | None], classes: list[str], table: Table, column: str
            ) -> np.ndarray:
    """labels (N,) -> one-hot rows (N, K) over ``classes`` (K,), a row of NaN (no target)
    where the label is missing; a label that is not a class (a test file's label that
    training never saw) is an error naming its line."""
    require(8.0 * len(labels) * len(classes), f"{table.path}: column {column} (data.classes): "
            f"the one-hot targets of {len(labels):,} rows x {len(classes):,} classes")
    where = {_key(c, table.decimal): k for k, c in enumerate(classes)}
    of_label = {t: where.get(_key(t, table.decimal)) for t in set(labels) if t is not None}
    Y = np.zeros((len(labels), len(classes)))
    for i, label in enumerate(labels):
        if label is None:
            Y[i] = np.nan
            continue
        k = of_label[label]
        if k is None:
            raise InputError(f"{table.where(i, column)}: class {label!r} was not among the "
                             f"training file's classes ({', '.join(classes)})")
        Y[i, k] = 1.0
    return Y


def labelled(X: np.ndarray, Y: np.ndarray, rows, report: MissingReport | None):
    """The samples X (N, D), Y (N, K), row labels (N,) without those whose class label is
    missing (Y NaN), and the missing-value report counting them -> (X, Y, rows, report)."""
    known = ~np.isnan(Y).any(axis=1)
    if known.all():
        return X, Y, rows, report
    keep = np.flatnonzero(known)
    report = dataclasses.replace(report, no_target=0, unlabelled=len(Y) - len(keep))
    return X[keep], Y[keep], [rows[i] for i in keep], report

"""Input stage: a class-label column turned into one-hot targets (docs/semantics.md §13).

The classes are the distinct labels of the training file, sorted (as numbers when every label
is a number, else as text); class k is output unit k, so a label becomes a one-hot row (K,).
K >= 2 always: a column with one class has nothing to learn. The targets are never scaled.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from bpnet.data.table import Table, to_number
from bpnet.errors import InputError


def read_labels(table: Table, column: str) -> list[str]:
    """The labels (N,) of the class column, stripped; an empty cell is an error naming its
    line."""
    cells = [c.strip() for c in table.column(column, "data.classes")]
    for i, c in enumerate(cells):
        if not c:
            raise InputError(f"{table.path}: line {table.lines[i]}, column {column}: empty class "
                             "label")
    return cells


def _number(text: str) -> float | None:
    value = to_number(text)
    return value if value is not None and math.isfinite(value) else None


def class_list(labels: list[str], table: Table, column: str) -> list[str]:
    """The sorted distinct labels of ``labels`` (N,): numerically when all are numbers.

    One class is an error; numbers that are not all whole are kept as labels, with a warning.
    """
    distinct = sorted(set(labels))
    if len(distinct) < 2:
        raise InputError(f"{table.path}: column {column} (data.classes) holds one class only "
                         f"({distinct[0]!r}); classification needs at least two")
    numbers = [_number(c) for c in distinct]
    if all(v is not None for v in numbers):
        if not all(float(v).is_integer() for v in numbers):
            warnings.warn(f"{table.path}: column {column} (data.classes) holds numbers that are "
                          "not all whole; treated as labels, one class per distinct value",
                          stacklevel=2)
        return [c for _, c in sorted(zip(numbers, distinct))]
    return distinct


def one_hot(labels: list[str], classes: list[str], table: Table, column: str) -> np.ndarray:
    """labels (N,) -> one-hot rows (N, K) over ``classes`` (K,); a label that is not a class
    (a test file's label that training never saw) is an error naming its line."""
    where = {c: k for k, c in enumerate(classes)}
    Y = np.zeros((len(labels), len(classes)))
    for i, label in enumerate(labels):
        k = where.get(label)
        if k is None:
            raise InputError(f"{table.path}: line {table.lines[i]}, column {column}: class "
                             f"{label!r} was not among the training file's classes "
                             f"({', '.join(classes)})")
        Y[i, k] = 1.0
    return Y

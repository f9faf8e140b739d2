"""Input stage: the classes of a table as one-hot targets (docs/semantics.md#classification).

``data.classes`` names a column of labels, or K 0/1 columns that are one-hot targets already
(a list of columns, or a .mat variable of K rows as MATLAB's ind2vec makes it): their classes
are the columns' names, or 1..K for a variable's, as vec2ind numbers them
(:func:`one_hot_columns`), and every row must be one 1 and the rest 0. Targets that are
classes are caught where they would be fitted as numbers (:func:`check_targets`,
:func:`labels_as_targets`).

Of a label column, the classes are the distinct labels of the training file, sorted (as
numbers when every label is a number, else as text); class k is output unit k, so a label
becomes a one-hot row (K,).
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

from bpnet.data.matfile import MatTable, variable_of
from bpnet.data.missing import MissingReport
from bpnet.data.table import MISSING, Table, to_number
from bpnet.errors import InputError
from bpnet.memory import require

MAX_CLASSES = 1000
# the most distinct whole numbers a target column may hold to be told it looks like labels
MAX_LABELS = 20


def read_labels(table: Table, column: str, key: str = "data.classes") -> list[str | None]:
    """The labels (N,) of the class column (named by ``key``), stripped; None where the cell
    is missing."""
    cells = [c.strip() for c in table.column(column, key)]
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
    numbers = [v for k, v in named.items() if isinstance(k, float)]
    if numbers:   # a 2 beside "two": a typo, or the codes of two files mixed
        texts = [v for k, v in named.items() if not isinstance(k, float)]
        warnings.warn(f"{where} mixes numbers ({', '.join(numbers[:3])}) with text labels "
                      f"({', '.join(texts[:3])}); each distinct value is a class",
                      stacklevel=2)
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


def one_hot_columns(table: Table, columns: tuple[str, ...], classes: list[str] | None = None
                    ) -> tuple[np.ndarray, list[str]]:
    """The one-hot targets (N, K) that the K 0/1 ``columns`` hold (NaN where a cell is
    missing), and the classes (K,): ``classes`` when given (the training file's), else the
    columns' names, or of a .mat variable's columns ``T(1)`` .. ``T(K)`` the numbers 1..K, as
    MATLAB's vec2ind gives them. A value other than 0 and 1, or a row whose cells are not
    exactly one 1 and the rest 0, is an error naming it."""
    where = f"{table.path}: data.classes"
    if len(columns) > MAX_CLASSES:
        raise InputError(f"{where}: {len(columns):,} one-hot columns; bpnet classifies at most "
                         f"{MAX_CLASSES:,} classes")
    names = classes or _column_classes(table, columns)
    if len(names) != len(columns):
        raise InputError(f"{where}: {len(columns)} one-hot columns; the model was trained on "
                         f"{len(names)} classes ({', '.join(names)})")
    Y = table.matrix(columns, "data.classes")
    known = ~np.isnan(Y)
    bad = np.argwhere(known & (Y != 0) & (Y != 1))
    if len(bad):
        i, j = map(int, bad[0])
        raise InputError(f"{table.where(i, columns[j])}: {Y[i, j]:g} in a one-hot class column "
                         "(data.classes); each sample has one 1 and the rest 0")
    ones = (Y == 1).sum(axis=1)
    wrong = np.flatnonzero((ones > 1) | (known.all(axis=1) & (ones != 1)))
    if len(wrong):
        i = int(wrong[0])
        raise InputError(f"{_sample(table, i, columns)}: {int(ones[i])} ones among the one-hot "
                         f"class columns (data.classes: {_listed(table, columns)}); each "
                         "sample needs exactly one 1 and the rest 0")
    return Y, list(names)


def _variable(table: Table, columns: tuple[str, ...]) -> str | None:
    """The .mat variable whose columns ``columns`` are (``T`` of ``T(1)`` .. ``T(K)``), or
    None."""
    variables = {variable_of(c) for c in columns}
    if isinstance(table, MatTable) and len(variables) == 1 and columns[0] not in variables:
        return variables.pop()
    return None


def _column_classes(table: Table, columns: tuple[str, ...]) -> list[str]:
    """The classes of one-hot columns: their names, or 1..K for a .mat variable's."""
    if _variable(table, columns):
        return [str(k) for k in range(1, len(columns) + 1)]
    return list(columns)


def _sample(table: Table, i: int, columns: tuple[str, ...]) -> str:
    """Where sample ``i`` of the one-hot ``columns`` is: its line, or its .mat sample."""
    if isinstance(table, MatTable):
        return f"{table.path}: variable {variable_of(columns[0])}, sample {i + 1}"
    return table.where(i, columns[0]).rsplit(", column ", 1)[0]


def _listed(table: Table, columns: tuple[str, ...]) -> str:
    """The columns as data.classes would name them: a .mat variable, or a list."""
    return _variable(table, columns) or f"[{', '.join(columns)}]"


def labels_as_targets(table: Table, targets: tuple[str, ...], exc: InputError) -> InputError:
    """The error of target columns that do not read as numbers: when one holds words (more
    than half its cells are not numbers), class labels, one that says to use data.classes;
    else ``exc`` itself."""
    for name in (t for t in targets if t in table.header):
        known = [c for c in read_labels(table, name, "data.targets") if c is not None]
        words = [c for c in known if isinstance(_key(c, table.decimal), str)]
        if 2 * len(words) > len(known):
            return InputError(f"{table.path}: column {name} (data.targets) holds class labels "
                              f"({words[0]!r}, ...), not numbers to fit; to classify, write "
                              f"data.classes: {name} in place of data.targets")
    return exc


def check_targets(Y: np.ndarray, table: Table, targets: tuple[str, ...]) -> None:
    """Regression targets Y (N, T) that are classes: one-hot rows (T >= 2 columns of 0/1, one
    1 a row) are an error saying to use data.classes; a column of the whole numbers 0..K-1 or
    1..K (2 <= K <= MAX_LABELS) runs as asked, with a warning that data.classes would
    classify it."""
    known = ~np.isnan(Y)
    if Y.shape[1] >= 2 and known.any(axis=None) and np.isin(Y[known], (0.0, 1.0)).all() and \
            (np.nansum(Y, axis=1)[known.all(axis=1)] == 1).all():
        named = _listed(table, targets)
        raise InputError(f"{table.path}: data.targets: {named}: one-hot rows (one 1 per "
                         "sample, the rest 0, as ind2vec makes them) are classes, not numbers "
                         f"to fit; write data.classes: {named} in place of data.targets to "
                         "classify")
    for j, name in enumerate(targets):
        values = np.unique(Y[known[:, j], j])
        if 2 <= len(values) <= MAX_LABELS and values[0] in (0, 1) and \
                np.array_equal(values, values[0] + np.arange(len(values))):
            warnings.warn(f"data.targets: column {name} holds only the whole numbers "
                          f"{values[0]:g} to {values[-1]:g}; they are fitted as numbers "
                          f"(regression), as asked; if they are class labels, data.classes: "
                          f"{name} classifies them (softmax outputs, crossentropy, accuracy)",
                          stacklevel=3)
            return


def labelled(X: np.ndarray, Y: np.ndarray, rows, report: MissingReport | None):
    """The samples X (N, D), Y (N, K), row labels (N,) without those whose class label is
    missing (Y NaN), and the missing-value report counting them -> (X, Y, rows, report)."""
    known = ~np.isnan(Y).any(axis=1)
    if known.all():
        return X, Y, rows, report
    keep = np.flatnonzero(known)
    report = dataclasses.replace(report, no_target=0, unlabelled=len(Y) - len(keep))
    return X[keep], Y[keep], [rows[i] for i in keep], report

"""Input stage: missing values, as ``data.missing`` says (docs/semantics.md#missing-values).

A missing value is a cell that is empty or says so (``NA``, ``NaN``, ``.``, ...; see
:data:`bpnet.data.table.MISSING`), or, in a regular series, a time step absent from the file.

- ``error`` (default): the run stops; the message counts every missing value and names the
  first few lines.
- ``drop``: tabular rows with a missing input are left out. (A series would lose the meaning
  of its lags: refused by the config check.)
- ``interpolate``: linear in time between the nearest values on both sides (a series; tabular
  inputs along the rows); values before the first or after the last known one cannot be
  interpolated, and those ends of a series are left out.
- ``previous``: the last known value before (the first values of a series, before any known
  one, are left out).

A missing class label (``data.classes``) is a missing value too: under any policy other than
``error`` its row is left out (a class is never filled).

In tabular mode, whatever the policy other than ``error``, a missing target is MATLAB's "no
target here": it stays NaN and is left out of perf and of every metric. Filled values of a
series are inputs only: they are not targets (not in perf, validation or any score) unless
``data.score_filled`` is true. What was done is a :class:`MissingReport`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpnet.errors import InputError

SHOWN = 5   # how many places a message or report names


@dataclass(frozen=True)
class MissingReport:
    """What the missing-value policy did to the file ``path``: ``filled`` values (of which
    ``inserted`` were time steps absent from the file), ``dropped`` tabular rows, ``trimmed``
    values at the ends of a series that nothing could fill, ``no_target`` target cells left
    empty (tabular), ``unlabelled`` rows left out for a missing class label, ``at``: the
    labels of the first few places, whether filled values are ``scored`` as targets, and
    whether the file is a ``series`` (else a table, whose ``columns`` are then the input
    columns with missing values)."""

    policy: str
    columns: tuple[str, ...]
    path: str = ""
    filled: int = 0
    inserted: int = 0
    dropped: int = 0
    trimmed: int = 0
    no_target: int = 0
    unlabelled: int = 0
    at: tuple[str, ...] = ()
    scored: bool = False
    series: bool = True

    @property
    def changed(self) -> bool:
        """True when anything was filled, dropped or left without a target."""
        return bool(self.filled or self.dropped or self.trimmed or self.no_target
                    or self.unlabelled)

    def to_json(self) -> dict:
        """The report as plain data for metrics.json."""
        return {"file": self.path, "policy": self.policy, "columns": list(self.columns),
                "filled": self.filled,
                "inserted_time_steps": self.inserted, "dropped_rows": self.dropped,
                "trimmed_ends": self.trimmed, "no_target": self.no_target,
                "unlabelled_rows": self.unlabelled, "first": list(self.at),
                "filled_scored": self.scored}

    def describe(self) -> str:
        """One line for the console."""
        said = []
        if self.filled:
            how = {"interpolate": "by linear interpolation", "previous": "with the previous "
                   "value"}[self.policy]
            along = (" in time" if self.policy == "interpolate" else "") if self.series \
                else " along the rows"
            steps = f" ({self.inserted} of them missing time steps, inserted)" \
                if self.inserted else ""
            scored = ("; they are scored as targets" if self.scored else
                      "; they are inputs only, never scored as targets") if self.series else ""
            said.append(f"filled {self.filled} missing value(s) of {', '.join(self.columns)} "
                        f"{how}{along}{steps}{scored}")
        if self.dropped:
            said.append(f"left out {self.dropped} row(s) with a missing input")
        if self.trimmed:
            said.append(f"left out {self.trimmed} missing value(s) at the ends of the series, "
                        "with no known value on the side needed to fill them")
        if self.unlabelled:
            said.append(f"left out {self.unlabelled} row(s) without a class label")
        if self.no_target:
            said.append(f"{self.no_target} missing target(s): no target there (left out of "
                        "perf and of every metric)")
        first = f"; first at {', '.join(self.at)}" if self.at else ""
        return f"{self.path}: {'; '.join(said)}{first}"


def refuse(where: str, count: int, lines: list[int], cell: str, hint: str) -> InputError:
    """The error for ``count`` missing values under ``data.missing: error``: ``where`` is
    ``path: line N, column C`` of the first, ``cell`` its text, ``lines`` (the first few of)
    their line numbers."""
    what = cell_text(cell)
    more = f", the first of {count} missing values (lines " + \
        ", ".join(map(str, lines[:SHOWN])) + (", ..." if count > SHOWN else "") + ")" \
        if count > 1 else ""
    return InputError(f"{where}: {what}{more}; {hint}")


def cell_text(cell: str) -> str:
    """A missing cell as a message names it: ``empty cell`` or ``'NA' (a missing value)``."""
    return "empty cell" if not cell.strip() else f"{cell.strip()!r} (a missing value)"


def fill(y: np.ndarray, positions: np.ndarray, policy: str) -> tuple[np.ndarray, slice]:
    """Fill the NaN of y (L,) at ``positions`` (L,) by ``policy`` (interpolate or previous)
    -> (filled y (L,), the slice of values that could be filled: the ends without a known
    value on the needed side are outside it)."""
    known = ~np.isnan(y)
    if not known.any():
        return y.copy(), slice(0, 0)
    first, last = int(np.argmax(known)), len(y) - int(np.argmax(known[::-1]))
    out = y.copy()
    if policy == "interpolate":
        t = np.asarray(positions, dtype=float)
        out[~known] = np.interp(t[~known], t[known], y[known])
        return out, slice(first, last)
    index = np.where(known, np.arange(len(y)), 0)
    np.maximum.accumulate(index, out=index)
    return y[index], slice(first, len(y))


def fill_columns(X: np.ndarray, policy: str) -> tuple[np.ndarray, np.ndarray]:
    """Tabular inputs X (N, D) with NaN: -> (filled X (n, D), the kept rows (n,) of X): drop
    leaves out rows with a NaN; interpolate and previous fill along the rows, and leave out
    the rows at the ends that they cannot fill."""
    missing = np.isnan(X).any(axis=1)
    if policy == "drop":
        keep = np.flatnonzero(~missing)
        return X[keep], keep
    out = X.copy()
    lo, hi = 0, len(X)
    rows = np.arange(len(X))
    for j in range(X.shape[1]):
        out[:, j], span = fill(X[:, j], rows, policy)
        lo, hi = max(lo, span.start), min(hi, span.stop)
    keep = np.arange(lo, max(lo, hi))
    return out[keep], keep

"""Compute stage: the one training loop that every rule and every network share
(docs/semantics.md#training-rules).

A rule (:mod:`bpnet.train.rules`) moves the weight vector theta (P,) one epoch; :func:`train`
owns everything else, for every rule and every network: the stop checks in MATLAB's order, the
training record, validation and the best network. The network is seen only through a
:class:`~bpnet.train.objective.NetObjective`. Names as in :mod:`bpnet.train.objective`.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from bpnet.train.objective import NetObjective, Rule
from bpnet.train.rules import RULES
from bpnet.train.stops import (
    GOAL_MET,
    MAX_EPOCH,
    MAX_TIME,
    MIN_GRAD,
    NOT_FINITE,
    USER_STOP,
    VALIDATION_STOP,
    never,
)
from bpnet.train.watch import Watch

if TYPE_CHECKING:   # the config imports the rules' parameters: no import back at run time
    from bpnet.config import TrainConfig

# the columns of every training record, in the order of the history files; a rule without a
# learning rate leaves lr NaN, or out when it names it in its ``omitted`` (trainscg, trainbr)
HISTORY_COLUMNS = ("epoch", "perf", "vperf", "tperf", "lr", "gradient", "val_fail")
_INT_COLUMNS = ("epoch", "val_fail", "clipped")


class Epoch(NamedTuple):
    """One row of the training record: the state after ``epoch`` epochs (0: the start)."""

    epoch: int
    perf: float                 # training mse
    vperf: float                # val mse (NaN without a val part)
    tperf: float                # test mse (NaN without a test part)
    gradient: float             # norm(g), before clipping
    val_fail: int               # epochs since vperf last improved
    clipped: int                # how many gradients clipping has shortened so far
    rule: tuple[float, ...]     # the rule's own columns, named by its ``record``


class Record:
    """The training record (MATLAB's tr), one row per epoch.

    ``rows`` holds plain tuples laid out as :class:`Epoch` (the loop appends one per epoch,
    and a tuple costs a tenth of a NamedTuple); they are read by Epoch's field names only. As
    columns the record has HISTORY_COLUMNS less the rule's ``omitted``, then "clipped" when
    the gradient is clipped, then the rule's own columns that are not among them (trainlm:
    "mu"; trainbr: "mu", "gamk", "ssX").
    """

    def __init__(self, rule: Rule, clipping: bool):
        self.rule_columns, self.clipping = rule.record, clipping
        self.loop_columns = tuple(c for c in HISTORY_COLUMNS if c not in rule.omitted)
        self.rows: list[tuple] = []

    def shown(self, row: tuple) -> dict[str, float]:
        """One row by name, as a progress line shows it: the HISTORY_COLUMNS (NaN where the
        rule has none), then the rule's own columns that are not among them."""
        row = Epoch._make(row)
        named = {**row._asdict(), **dict(zip(self.rule_columns, row.rule))}
        return {name: named.get(name, math.nan)
                for name in (*HISTORY_COLUMNS, *self._own_columns())}

    def _own_columns(self) -> list[str]:
        return [c for c in self.rule_columns if c not in HISTORY_COLUMNS]

    def columns(self) -> dict[str, np.ndarray]:
        """The record column by column: name -> (epochs + 1,), int or float."""
        n = len(self.rows)
        values = dict(zip(Epoch._fields, zip(*self.rows)))
        values.update(zip(self.rule_columns, zip(*values.pop("rule", ()))))
        names = [*self.loop_columns, *(["clipped"] if self.clipping else []),
                 *self._own_columns()]
        return {name: np.array(values.get(name, [math.nan] * n),
                               dtype=int if name in _INT_COLUMNS else float)
                for name in names}


@dataclass
class TrainResult:
    """What training returns: the best theta (P,), why it stopped, and the record of every
    epoch (``history``: column name -> (epochs + 1,))."""

    theta: np.ndarray
    best_epoch: int
    stop_reason: str
    epochs: int
    seconds: float
    history: dict[str, np.ndarray]
    clipped: int = 0
    final_theta: np.ndarray = field(default=None, repr=False)   # (P,) after the last epoch

    @property
    def seconds_per_epoch(self) -> float:
        return self.seconds / self.epochs if self.epochs else math.nan


# progress(epoch, the HISTORY_COLUMNS of its row by name, the stop reason or None)
Progress = Callable[[int, dict[str, float], "str | None"], None]


def train(obj: NetObjective, theta0: np.ndarray, tc: TrainConfig,
          val_test_perf: Callable[[np.ndarray], tuple[float, float]] | None = None,
          has_val: bool = False, progress: Progress | None = None,
          should_stop: Callable[[], bool] = never, watch: Watch | None = None) -> TrainResult:
    """Train from theta0 (P,) with the rule ``tc.algorithm`` until a stop check holds.

    val_test_perf(theta) -> (vperf, tperf), the mse of the validation and test parts (NaN for
    an absent part), is called after every epoch. With a val part the best network is the one
    of lowest vperf and ``max_fail`` epochs without improvement stop training; without one it
    is the one of lowest training perf (``max_fail`` 0: no validation stop, the best network
    still the one of lowest vperf). ``should_stop()`` true ends training with "User stop."
    at the next epoch. ``watch`` is handed the record as training starts and the outcome as it
    ends (:mod:`bpnet.train.watch`; never called per epoch). The network ends up holding the
    best theta, which is returned.
    ``tc.regularization`` is the objective's (``NetObjective(..., regularization)``); the two
    must agree.
    """
    if (tc.regularization or 0.0) != obj.regularization:
        raise ValueError(f"the objective's regularization {obj.regularization} is not the "
                         f"config's {tc.regularization}")
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is a stop reason, below
        return _train(obj, theta0, tc, val_test_perf, has_val, progress, should_stop, watch)


def _train(obj: NetObjective, theta0: np.ndarray, tc: TrainConfig, val_test_perf, has_val: bool,
           progress: Progress | None, should_stop: Callable[[], bool],
           watch: Watch | None) -> TrainResult:
    rule = RULES[tc.algorithm](tc)
    checks = _StopChecks(tc, rule, has_val, should_stop)
    record = Record(rule, obj.clip_norm is not None)
    if watch is not None:
        watch.started(record.rows, record.rule_columns, checks.start)
    theta = np.array(theta0, dtype=float)
    perf, g = obj.perf_and_gradient(theta)
    rule.start(obj, theta, perf)
    vperf, tperf = val_test_perf(theta) if val_test_perf else (math.nan, math.nan)
    best = _Best(theta, perf, vperf, has_val)
    epoch = 0
    while True:
        reason = checks.reason(epoch, perf, obj.norm, best.val_fail)
        row = (epoch, perf, vperf, tperf, obj.norm, best.val_fail, obj.clipped, rule.recorded())
        record.rows.append(row)   # laid out as Epoch
        if progress is not None and (reason or (tc.show and epoch % tc.show == 0)):
            progress(epoch, record.shown(row), reason)
        if reason:
            break
        theta, perf, g = rule.step(obj, theta, perf, g)
        epoch += 1
        if val_test_perf:
            vperf, tperf = val_test_perf(theta)
        best.update(theta, epoch, perf, vperf)
    seconds = checks.elapsed()
    obj.net.theta[:] = best.theta
    if watch is not None:
        watch.finished(reason, best.epoch, seconds)
    return TrainResult(best.theta, best.epoch, reason, epoch, seconds, record.columns(),
                       obj.clipped, theta)


class _StopChecks:
    """MATLAB's stop checks in its order (docs/semantics.md#training-rules); the first that holds is
    the reason.

    Before them: a perf or gradient that is not finite, then the user's stop request.
    """

    def __init__(self, tc: TrainConfig, rule: Rule, has_val: bool,
                 should_stop: Callable[[], bool]):
        self.tc, self.rule, self.has_val, self.should_stop = tc, rule, has_val, should_stop
        self.start = time.perf_counter()
        self.timed = math.isfinite(tc.time)

    def elapsed(self) -> float:
        """Seconds since training started."""
        return time.perf_counter() - self.start

    def reason(self, epoch: int, perf: float, gnorm: float, val_fail: int) -> str | None:
        """Why training stops before ``epoch`` + 1, or None to go on."""
        tc = self.tc
        if not (math.isfinite(perf) and math.isfinite(gnorm)):
            return NOT_FINITE
        if self.should_stop():
            return USER_STOP
        if perf <= tc.goal:
            return GOAL_MET
        if epoch == tc.epochs:
            return MAX_EPOCH
        if self.timed and self.elapsed() >= tc.time:
            return MAX_TIME
        if gnorm <= tc.min_grad:
            return MIN_GRAD
        reason = self.rule.stop_reason()
        if reason:
            return reason
        if self.has_val and tc.max_fail > 0 and val_fail >= tc.max_fail:   # 0: no such stop
            return VALIDATION_STOP
        return None


class _Best:
    """Validation bookkeeping: the best theta (P,) so far, its epoch, and val_fail.

    With a val part the best is the theta of lowest vperf, and every epoch whose vperf is
    higher than the best's counts a val_fail (an equal one does not; a better one resets it);
    without one it is the theta of lowest training perf.
    """

    def __init__(self, theta: np.ndarray, perf: float, vperf: float, has_val: bool):
        self.theta, self.epoch = theta.copy(), 0
        self.perf, self.vperf = perf, vperf
        self.val_fail = 0
        self.has_val = has_val

    def update(self, theta: np.ndarray, epoch: int, perf: float, vperf: float) -> None:
        """Account for the theta (P,) reached after ``epoch`` epochs."""
        if self.has_val:
            if vperf < self.vperf:
                self.theta, self.epoch, self.vperf, self.val_fail = theta.copy(), epoch, vperf, 0
            elif vperf > self.vperf:
                self.val_fail += 1
        elif perf < self.perf:
            self.theta, self.epoch, self.perf = theta.copy(), epoch, perf

"""Compute stage: the one training loop that every rule and every network share (SPEC 6).

A rule (``rules.py``) is a small object holding its own state; ``rule.step`` moves the weight
vector X one epoch. :func:`train` owns everything else, for every rule and every network:
the stop checks in MATLAB's order, the training record, validation and the best network.
The networks are seen only through an :class:`Objective`: perf(X), g = -dperf/dX and, for
trainlm, the Jacobian of the outputs.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bpnet.config import TrainConfig
from bpnet.train.rules import RULES

HISTORY_COLUMNS = ("epoch", "perf", "vperf", "tperf", "lr", "gradient", "val_fail")

GOAL_MET = "Performance goal met."
MAX_EPOCH = "Maximum epoch reached."
MAX_TIME = "Maximum time elapsed."
MIN_GRAD = "Minimum gradient reached."
VALIDATION_STOP = "Validation stop."
NOT_FINITE = "Performance is not finite."
USER_STOP = "User stop."


class UserStop:
    """Raised (``requested = True``) by the CLI on Ctrl-C or SIGTERM; every training loop then
    ends at its next epoch with "User stop.", keeping its best network, as MATLAB's stop button
    does."""

    requested = False


class Objective:
    """The training perf of one network on its training data, as a function of the vector X.

    ``perf(X)`` runs the forward pass and keeps its cache; ``gradient()`` then runs the backward
    pass for that same X, so a rejected trial step costs a forward pass only. With ``clip_norm``
    the gradient is scaled down to that 2-norm when it is longer (``clipped`` counts how often);
    ``norm`` is the length before clipping.
    """

    def __init__(self, net, X: np.ndarray, Y: np.ndarray, clip_norm: float | None = None):
        self.net, self.X, self.Y, self.clip_norm = net, X, Y, clip_norm
        self.clipped = 0
        self.norm = math.nan
        self._cache = None

    def perf(self, theta: np.ndarray) -> float:
        self.net.theta[:] = theta
        perf, self._cache = self.net.loss(self.X, self.Y)
        return perf

    def gradient(self) -> np.ndarray:
        """g = -dperf/dX at the X of the last ``perf`` call."""
        g = self.net.flat_grad(self._cache)
        g *= -1.0
        self.norm = float(np.sqrt(g @ g))
        if self.clip_norm is not None and self.norm > self.clip_norm:
            g *= self.clip_norm / self.norm
            self.clipped += 1
        return g

    def evaluate(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        perf = self.perf(theta)
        return perf, self.gradient()

    def residuals_and_jacobian(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """e = t - y (N*K,) and J = dy/dX (N*K, P) at X, rows in the order of Y.ravel()."""
        self.net.theta[:] = theta
        y, J = self.net.jacobian(self.X)
        return (self.Y - y).ravel(), J


# -------------------------------------------------------------------------------- the loop

@dataclass
class TrainResult:
    """What training returns: the best X, why it stopped, and the record of every epoch."""

    theta: np.ndarray
    best_epoch: int
    stop_reason: str
    epochs: int
    seconds: float
    history: dict[str, np.ndarray]
    clipped: int = 0
    final_theta: np.ndarray = field(default=None, repr=False)

    @property
    def seconds_per_epoch(self) -> float:
        return self.seconds / self.epochs if self.epochs else math.nan


Progress = Callable[[int, dict, "str | None"], None]


def train(obj: Objective, theta0: np.ndarray, p: TrainConfig,
          score: Callable[[np.ndarray], tuple[float, float]] | None = None,
          has_val: bool = False, progress: Progress | None = None) -> TrainResult:
    """Train from theta0 with the rule ``p.algorithm`` until a stop check holds.

    score(X) -> (vperf, tperf), the mse of the validation and test parts (NaN for an absent
    part), is called after every epoch. With a val part the best network is the one of lowest
    vperf and ``max_fail`` epochs without improvement stop training; without one it is the
    one of lowest training perf. The network ends up holding the best X, which is returned.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is a stop reason, below
        return _train(obj, theta0, p, score, has_val, progress)


def _train(obj, theta0, p, score, has_val, progress) -> TrainResult:
    rule = RULES[p.algorithm](p)
    start = time.perf_counter()
    timed = math.isfinite(p.time)
    X = np.array(theta0, dtype=float)
    perf, g = obj.evaluate(X)
    vperf, tperf = score(X) if score else (math.nan, math.nan)
    best, best_epoch = X.copy(), 0
    best_perf, best_vperf = perf, vperf
    val_fail = 0
    rows = []
    epoch = 0
    while True:
        gnorm = obj.norm
        if not (math.isfinite(perf) and math.isfinite(gnorm)):
            reason = NOT_FINITE
        elif UserStop.requested:
            reason = USER_STOP
        elif perf <= p.goal:
            reason = GOAL_MET
        elif epoch == p.epochs:
            reason = MAX_EPOCH
        elif timed and time.perf_counter() - start >= p.time:
            reason = MAX_TIME
        elif gnorm <= p.min_grad:
            reason = MIN_GRAD
        elif getattr(rule, "stop_reason", None):
            reason = rule.stop_reason
        elif has_val and val_fail >= p.max_fail:
            reason = VALIDATION_STOP
        else:
            reason = None
        rows.append((epoch, perf, vperf, tperf, getattr(rule, "lr", math.nan), gnorm, val_fail,
                     obj.clipped, getattr(rule, "mu", math.nan)))
        if progress is not None and (reason or (p.show and epoch % p.show == 0)):
            progress(epoch, dict(zip(HISTORY_COLUMNS, rows[-1])), reason)
        if reason:
            break
        X, perf, g = rule.step(obj, X, perf, g)
        epoch += 1
        if score:
            vperf, tperf = score(X)
        if has_val:
            if vperf < best_vperf:
                best, best_epoch, best_vperf, val_fail = X.copy(), epoch, vperf, 0
            elif vperf > best_vperf:
                val_fail += 1
        elif perf < best_perf:
            best, best_epoch, best_perf = X.copy(), epoch, perf
    seconds = time.perf_counter() - start
    obj.net.theta[:] = best
    table = np.array(rows, dtype=float)
    history = {name: table[:, i] for i, name in enumerate(HISTORY_COLUMNS)}
    history["epoch"] = history["epoch"].astype(int)
    history["val_fail"] = history["val_fail"].astype(int)
    if obj.clip_norm is not None:
        history["clipped"] = table[:, 7].astype(int)
    if hasattr(rule, "mu"):
        history["mu"] = table[:, 8]
    return TrainResult(best, best_epoch, reason, epoch, seconds, history, obj.clipped, X)

"""Compute stage: MATLAB's training rules and the one loop they share (SPEC 6).

A rule is a small object holding its own state (lr, the last step dX); ``rule.step`` moves the
weight vector X one epoch. :func:`train` owns everything else, for every rule and every network:
the stop checks in MATLAB's order, the training record, validation and the best network.
The networks are seen only through an :class:`Objective`: perf(X) and g = -dperf/dX.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .config import TrainConfig

HISTORY_COLUMNS = ("epoch", "perf", "vperf", "tperf", "lr", "gradient", "val_fail")

GOAL_MET = "Performance goal met."
MAX_EPOCH = "Maximum epoch reached."
MAX_TIME = "Maximum time elapsed."
MIN_GRAD = "Minimum gradient reached."
VALIDATION_STOP = "Validation stop."
NOT_FINITE = "Performance is not finite."


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


# -------------------------------------------------------------------------------- the rules

class Traingd:
    """Gradient descent: dX = lr*g; X = X + dX; every step accepted."""

    def __init__(self, p: TrainConfig):
        self.lr = p.lr

    def step(self, obj: Objective, X: np.ndarray, perf: float, g: np.ndarray):
        X = X + self.lr * g
        perf, g = obj.evaluate(X)
        return X, perf, g


class Traingdm:
    """Gradient descent with momentum: dX = mc*dX + (1-mc)*lr*g; X = X + dX; always accepted.

    The first dX is lr*g (it starts as lr*g, so the first update gives lr*g as well).
    """

    def __init__(self, p: TrainConfig):
        self.lr, self.mc = p.lr, p.mc
        self.dX = None

    def step(self, obj: Objective, X: np.ndarray, perf: float, g: np.ndarray):
        if self.dX is None:
            self.dX = self.lr * g
        self.dX = self.mc * self.dX + (1.0 - self.mc) * self.lr * g
        X = X + self.dX
        perf, g = obj.evaluate(X)
        return X, perf, g


class Traingdx:
    """Adaptive lr with momentum (MATLAB's default gradient-descent rule).

        dX = mc*dX + (1-mc)*lr*g;  perf2 = perf(X + dX)
        perf2/perf > max_perf_inc:  reject; lr *= lr_dec; dX = lr*g   (X, perf, g stay)
        otherwise:                  accept; lr *= lr_inc if perf2 < perf
    """

    def __init__(self, p: TrainConfig, mc: float | None = None):
        self.lr, self.mc = p.lr, p.mc if mc is None else mc
        self.lr_inc, self.lr_dec, self.max_perf_inc = p.lr_inc, p.lr_dec, p.max_perf_inc
        self.dX = None

    def step(self, obj: Objective, X: np.ndarray, perf: float, g: np.ndarray):
        if self.dX is None:
            self.dX = self.lr * g
        self.dX = self.mc * self.dX + (1.0 - self.mc) * self.lr * g
        X2 = X + self.dX
        perf2 = obj.perf(X2)
        if perf2 / perf > self.max_perf_inc:
            # reject: MATLAB keeps X and makes the next trial step plain lr*g
            self.lr *= self.lr_dec
            self.dX = self.lr * g
            return X, perf, g
        if perf2 < perf:
            self.lr *= self.lr_inc
        return X2, perf2, obj.gradient()


class Traingda(Traingdx):
    """Adaptive lr without momentum: traingdx with mc = 0."""

    def __init__(self, p: TrainConfig):
        super().__init__(p, mc=0.0)


RULES: dict[str, Callable[[TrainConfig], object]] = {
    "traingd": Traingd, "traingdm": Traingdm, "traingda": Traingda, "traingdx": Traingdx,
}


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
    score = score or (lambda X: (math.nan, math.nan))
    start = time.perf_counter()
    X = np.array(theta0, dtype=float)
    perf, g = obj.evaluate(X)
    vperf, tperf = score(X)
    best, best_epoch = X.copy(), 0
    best_perf, best_vperf = perf, vperf
    val_fail = 0
    rows = []
    epoch = 0
    while True:
        gnorm = obj.norm
        elapsed = time.perf_counter() - start
        if not (math.isfinite(perf) and math.isfinite(gnorm)):
            reason = NOT_FINITE
        elif perf <= p.goal:
            reason = GOAL_MET
        elif epoch == p.epochs:
            reason = MAX_EPOCH
        elif elapsed >= p.time:
            reason = MAX_TIME
        elif gnorm <= p.min_grad:
            reason = MIN_GRAD
        elif has_val and val_fail >= p.max_fail:
            reason = VALIDATION_STOP
        else:
            reason = None
        rows.append((epoch, perf, vperf, tperf, rule.lr, gnorm, val_fail, obj.clipped))
        if progress is not None and (reason or (p.show and epoch % p.show == 0)):
            progress(epoch, dict(zip(HISTORY_COLUMNS, rows[-1])), reason)
        if reason:
            break
        X, perf, g = rule.step(obj, X, perf, g)
        epoch += 1
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
        history["clipped"] = table[:, -1].astype(int)
    return TrainResult(best, best_epoch, reason, epoch, seconds, history, obj.clipped, X)

"""Compute stage: the one training loop that every rule and every network share (SPEC 6).

A rule (``rules.py``, ``trainscg.py``, ``trainbr.py``) is a small object holding its own state;
``rule.step`` moves the weight vector X one epoch. :func:`train` owns everything else, for every
rule and every network: the stop checks in MATLAB's order, the training record, validation and
the best network. The networks are seen only through an :class:`Objective`: perf(X),
g = -dperf/dX and, for trainlm and trainbr, the Jacobian of the outputs. A rule may also name
its own record columns (``record_columns``, read from its attributes every epoch; it then has no
lr column) and set itself up at the starting point before epoch 0's record (``start``).
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bpnet.config.load import TrainConfig
from bpnet.train.rules import RULES
from bpnet.train.trainbr import Trainbr
from bpnet.train.trainscg import Trainscg

# registered here, not in rules.py: trainbr builds on trainlm's solve and stop reason there
RULES.update(trainscg=Trainscg)
RULES.update(trainbr=Trainbr)

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

    With ``regularization`` r > 0 (MATLAB's performParam.regularization, SPEC 15) perf is
    (1 - r) mse + r mean(X^2), g follows it, and the residuals and Jacobian that trainlm uses
    gain one row per weight, so that LM minimises the same regularised perf (``_weight_rows``).
    """

    def __init__(self, net, X: np.ndarray, Y: np.ndarray, clip_norm: float | None = None,
                 regularization: float = 0.0):
        self.net, self.X, self.Y, self.clip_norm = net, X, Y, clip_norm
        self.regularization = regularization
        self.clipped = 0
        self.norm = math.nan
        self._cache = None

    def perf(self, theta: np.ndarray) -> float:
        self.net.theta[:] = theta
        perf, self._cache = self.net.loss(self.X, self.Y)
        if self.regularization:
            perf = regularised(perf, theta, self.regularization)
        return perf

    def gradient(self, record: bool = True) -> np.ndarray:
        """g = -dperf/dX at the X of the last ``perf`` call. ``record=False`` (a rule's probe at
        a trial point, as trainscg's curvature step) leaves ``norm`` and ``clipped`` alone: they
        describe the iterate."""
        g = self.net.flat_grad(self._cache)
        if self.regularization:
            r = self.regularization
            g = (1.0 - r) * g + (2.0 * r / g.size) * self.net.theta
        g *= -1.0
        norm = float(np.sqrt(g @ g))
        if record:
            self.norm = norm
        if self.clip_norm is not None and norm > self.clip_norm:
            g *= self.clip_norm / norm
            self.clipped += record
        return g

    def evaluate(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        perf = self.perf(theta)
        return perf, self.gradient()

    def residuals_and_jacobian(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """e = t - y (N*K,) and J = dy/dX (N*K, P) at X, rows in the order of Y.ravel()
        (with regularisation, then P rows for the weights: (N*K + P,) and (N*K + P, P))."""
        self.net.theta[:] = theta
        y, J = self.net.jacobian(self.X)
        e = (self.Y - y).ravel()
        if self.regularization:
            return _weight_rows(e, J, theta, self.regularization)
        return e, J


def regularised(mse: float, theta: np.ndarray, r: float) -> float:
    """MATLAB's regularised perf (1 - r) mse + r mean(X^2) of the weight vector theta (P,)."""
    return (1.0 - r) * mse + r * float(theta @ theta) / theta.size


def _weight_rows(e: np.ndarray, J: np.ndarray, theta: np.ndarray, r: float
                 ) -> tuple[np.ndarray, np.ndarray]:
    """e (M,), J (M, P) -> [sqrt(1 - r) e; -c X] (M + P,) and [sqrt(1 - r) J; c I] (M + P, P),
    c = sqrt(r M/P): the weights become P more residuals with target 0, so that e'e = M perf
    and J'J, J'e are the Gauss-Newton terms of the regularised perf in trainlm's units (sums of
    squares, as with r = 0, so that mu keeps its meaning)."""
    M, P = J.shape
    a, c = math.sqrt(1.0 - r), math.sqrt(r * M / P)
    return np.concatenate([a * e, -c * theta]), np.vstack([a * J, c * np.eye(P)])


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
    if p.regularization:   # MATLAB's performParam.regularization: part of perf itself
        obj.regularization = p.regularization
    # a rule that names its own record columns (trainscg, trainbr) gets those and no lr column
    own = getattr(rule, "record_columns", None)
    names = (*HISTORY_COLUMNS, "clipped", "mu", *(own or ()))
    start = time.perf_counter()
    timed = math.isfinite(p.time)
    X = np.array(theta0, dtype=float)
    perf, g = obj.evaluate(X)
    if hasattr(rule, "start"):   # trainbr: alph, beta, gamk and ssX before epoch 0's record
        rule.start(obj, X, perf)
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
        elif has_val and p.max_fail > 0 and val_fail >= p.max_fail:   # 0: no validation stop
            reason = VALIDATION_STOP
        else:
            reason = None
        rows.append((epoch, perf, vperf, tperf, getattr(rule, "lr", math.nan), gnorm, val_fail,
                     obj.clipped, getattr(rule, "mu", math.nan),
                     *(getattr(rule, c) for c in own or ())))
        if progress is not None and (reason or (p.show and epoch % p.show == 0)):
            progress(epoch, dict(zip(names, rows[-1])), reason)
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
    history = _history(rows, names, own, obj.clip_norm is not None, hasattr(rule, "mu"))
    return TrainResult(best, best_epoch, reason, epoch, seconds, history, obj.clipped, X)


def _history(rows: list[tuple], names: tuple[str, ...], own: tuple[str, ...] | None,
             clipped: bool, mu: bool) -> dict[str, np.ndarray]:
    """The record as columns: HISTORY_COLUMNS, then "clipped" (with clip_norm), then "mu" (a
    rule with an LM mu) or, for a rule that names its own columns, those instead of lr and mu."""
    table = np.array(rows, dtype=float)
    history = {name: table[:, i] for i, name in enumerate(HISTORY_COLUMNS)}
    history["epoch"] = history["epoch"].astype(int)
    history["val_fail"] = history["val_fail"].astype(int)
    if clipped:
        history["clipped"] = table[:, 7].astype(int)
    if own is not None:
        del history["lr"]
        history.update({c: table[:, len(names) - len(own) + i] for i, c in enumerate(own)})
    elif mu:
        history["mu"] = table[:, 8]
    return history

"""Compute stage: MATLAB's training rules, one small object each (SPEC 6).

A rule holds its own state (lr, the last step dX, Rprop's step sizes, LM's mu) and moves the
weight vector X by one epoch in ``step(obj, X, perf, g) -> (X, perf, g)``, where g = -dperf/dX
and ``obj`` is the :class:`~bpnet.train.loop.Objective` that evaluates perf and g. The training
record reads a rule's ``lr`` and ``mu`` where it has them; a rule that can stop training by
itself (trainlm, when mu passes mu_max) sets ``stop_reason``.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import scipy.linalg

from bpnet.config import TrainConfig

if TYPE_CHECKING:
    from bpnet.train.loop import Objective


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
        dX = self.dX                 # in place: dX = mc*dX + (1-mc)*lr*g
        dX *= self.mc
        dX += (1.0 - self.mc) * self.lr * g
        X2 = X + dX
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


class Trainrp:
    """Resilient back-propagation (Rprop), per weight i:

        g_i g_prev_i > 0: delta_i *= delt_inc;  < 0: delta_i *= delt_dec
        delta_i = min(delta_i, deltamax);  X_i += delta_i sign(g_i)

    delta starts at delta0 and g_prev at the first g; every step is accepted.
    """

    def __init__(self, p: TrainConfig):
        self.p = p
        self.delta = None
        self.g_prev = None

    def step(self, obj, X: np.ndarray, perf: float, g: np.ndarray):
        p = self.p
        if self.delta is None:
            self.delta = np.full_like(X, p.delta0)
            self.g_prev = g
        sign = g * self.g_prev
        self.delta = np.where(sign > 0, self.delta * p.delt_inc,
                              np.where(sign < 0, self.delta * p.delt_dec, self.delta))
        np.minimum(self.delta, p.deltamax, out=self.delta)
        X = X + self.delta * np.sign(g)
        self.g_prev = g
        perf, g = obj.evaluate(X)
        return X, perf, g


class Trainlm:
    """Levenberg-Marquardt. With e = t - y and J = dy/dX (rows: every sample and output):

        repeat: dX = solve(J'J + mu I, J'e)
                perf(X + dX) < perf: accept, mu *= mu_dec, done
                otherwise:           mu *= mu_inc
        while mu <= mu_max

    When mu passes mu_max without a better X, X stays; the stop checks then end training with
    "Maximum MU reached." (they test mu > mu_max before every epoch). The record's mu column
    shows mu.
    """

    def __init__(self, p: TrainConfig):
        self.p = p
        self.mu = p.mu

    @property
    def stop_reason(self) -> str | None:
        return MAX_MU if self.mu > self.p.mu_max else None

    def step(self, obj: Objective, X: np.ndarray, perf: float, g: np.ndarray):
        p = self.p
        e, J = obj.residuals_and_jacobian(X)
        JJ, Je = J.T @ J, J.T @ e
        diag = np.diag_indices_from(JJ)
        jj_diag = JJ[diag].copy()
        while True:
            JJ[diag] = jj_diag + self.mu
            dX = _solve_spd(JJ, Je)
            X2 = X + dX
            perf2 = obj.perf(X2)
            if perf2 < perf:
                self.mu *= p.mu_dec
                return X2, perf2, obj.gradient()
            self.mu *= p.mu_inc
            if self.mu > p.mu_max:
                return X, perf, g


MAX_MU = "Maximum MU reached."


def _solve_spd(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve A x = b for a symmetric positive definite A (J'J + mu I), Cholesky first."""
    try:
        return scipy.linalg.solve(A, b, assume_a="pos", check_finite=False)
    except (np.linalg.LinAlgError, scipy.linalg.LinAlgError):
        return np.linalg.lstsq(A, b, rcond=None)[0]


class Adam:
    """Adam as torch.optim.Adam (no weight decay), with d = dperf/dX = -g, k = 1, 2, ...:

        m = beta1 m + (1 - beta1) d;  v = beta2 v + (1 - beta2) d^2
        X -= lr (m / (1 - beta1^k)) / (sqrt(v / (1 - beta2^k)) + eps)

    Every step is accepted.
    """

    def __init__(self, p: TrainConfig):
        self.p = p
        self.lr = p.lr
        self.k = 0
        self.m = self.v = None

    def step(self, obj, X: np.ndarray, perf: float, g: np.ndarray):
        p = self.p
        d = -g
        if self.m is None:
            self.m, self.v = np.zeros_like(X), np.zeros_like(X)
        self.k += 1
        self.m = p.beta1 * self.m + (1.0 - p.beta1) * d
        self.v = p.beta2 * self.v + (1.0 - p.beta2) * d * d
        m_hat = self.m / (1.0 - p.beta1 ** self.k)
        v_hat = self.v / (1.0 - p.beta2 ** self.k)
        X = X - self.lr * m_hat / (np.sqrt(v_hat) + p.eps)
        perf, g = obj.evaluate(X)
        return X, perf, g


RULES: dict[str, Callable[[TrainConfig], object]] = {
    "traingd": Traingd, "traingdm": Traingdm, "traingda": Traingda, "traingdx": Traingdx,
    "trainrp": Trainrp, "trainlm": Trainlm, "adam": Adam,
}



"""Compute stage: MATLAB's training rules, one small object each (docs/semantics.md#training-rules).

Each rule is a :class:`~bpnet.train.objective.Rule`: it holds its own state (lr, the last step
dtheta, Rprop's step sizes, LM's mu) and moves the weight vector theta (P,) by one epoch in
``step(obj, theta, perf, g) -> (theta, perf, g)``, where g = -dperf/dtheta and ``obj`` is the
:class:`~bpnet.train.objective.Objective` that evaluates perf and g. The rules that have a
learning rate record it ("lr"); trainlm records mu and stops training by itself when mu passes
mu_max. ``RULES`` maps every config name to its rule, trainscg and trainbr (each in its own
module, docs/semantics.md#trainscg, #trainbr) included. Names as in :mod:`bpnet.train.objective`.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from bpnet.train.linalg import solve_spd
from bpnet.train.objective import Objective, Rule
from bpnet.train.stops import MAX_MU
from bpnet.train.trainbr import Trainbr
from bpnet.train.trainscg import Trainscg

if TYPE_CHECKING:   # the config imports the rules' parameters: no import back at run time
    from bpnet.config import TrainConfig


# MATLAB's performParam.regularization (docs/semantics.md#regularisation): a parameter of every
# rule but trainbr, which chooses its own weight decay
REGULARIZATION = {"regularization": 0.0}
_GD = {"lr": 0.01, "lr_inc": 1.05, "lr_dec": 0.7, "max_perf_inc": 1.04, "mc": 0.9}


class _LearningRate(Rule):
    """A rule whose training record shows its current learning rate ``lr``."""

    record = ("lr",)
    lr: float

    def recorded(self) -> tuple[float, ...]:
        return (self.lr,)


class Traingd(_LearningRate):
    """Gradient descent: dtheta = lr*g; theta = theta + dtheta; every step accepted."""

    params = {"lr": 0.01, **REGULARIZATION}

    def __init__(self, tc: TrainConfig):
        self.lr = tc.lr

    def step(self, obj: Objective, theta: np.ndarray, perf: float, g: np.ndarray):
        theta = theta + self.lr * g
        perf, g = obj.perf_and_gradient(theta)
        return theta, perf, g


class Traingdm(_LearningRate):
    """Gradient descent with momentum: dtheta = mc*dtheta + (1-mc)*lr*g;
    theta = theta + dtheta; always accepted.

    The first dtheta is lr*g (it starts as lr*g, so the first update gives lr*g as well).
    """

    params = {"lr": 0.01, "mc": 0.9, **REGULARIZATION}

    def __init__(self, tc: TrainConfig):
        self.lr, self.mc = tc.lr, tc.mc
        self.dtheta = None

    def step(self, obj: Objective, theta: np.ndarray, perf: float, g: np.ndarray):
        if self.dtheta is None:
            self.dtheta = self.lr * g
        self.dtheta = self.mc * self.dtheta + (1.0 - self.mc) * self.lr * g
        theta = theta + self.dtheta
        perf, g = obj.perf_and_gradient(theta)
        return theta, perf, g


class Traingdx(_LearningRate):
    """Adaptive lr with momentum (MATLAB's default gradient-descent rule).

        dtheta = mc*dtheta + (1-mc)*lr*g;  perf2 = perf(theta + dtheta)
        perf2/perf > max_perf_inc:  reject; lr *= lr_dec; dtheta = lr*g  (theta, perf, g stay)
        otherwise:                  accept; lr *= lr_inc if perf2 < perf
    """

    params = {**_GD, **REGULARIZATION}

    def __init__(self, tc: TrainConfig, mc: float | None = None):
        self.lr, self.mc = tc.lr, tc.mc if mc is None else mc
        self.lr_inc, self.lr_dec, self.max_perf_inc = tc.lr_inc, tc.lr_dec, tc.max_perf_inc
        self.dtheta = None

    def step(self, obj: Objective, theta: np.ndarray, perf: float, g: np.ndarray):
        if self.dtheta is None:
            self.dtheta = self.lr * g
        dtheta = self.dtheta         # in place: dtheta = mc*dtheta + (1-mc)*lr*g
        dtheta *= self.mc
        dtheta += (1.0 - self.mc) * self.lr * g
        theta2 = theta + dtheta
        perf2 = obj.perf(theta2)
        if perf2 / perf > self.max_perf_inc:
            # reject: MATLAB keeps theta and makes the next trial step plain lr*g
            self.lr *= self.lr_dec
            self.dtheta = self.lr * g
            return theta, perf, g
        if perf2 < perf:
            self.lr *= self.lr_inc
        return theta2, perf2, obj.gradient()


class Traingda(Traingdx):
    """Adaptive lr without momentum: traingdx with mc = 0."""

    params = {**{k: v for k, v in _GD.items() if k != "mc"}, **REGULARIZATION}

    def __init__(self, tc: TrainConfig):
        super().__init__(tc, mc=0.0)


class Trainrp(Rule):
    """Resilient back-propagation (Rprop), per weight i:

        g_i g_prev_i > 0: delta_i *= delt_inc;  < 0: delta_i *= delt_dec
        delta_i = min(delta_i, deltamax);  theta_i += delta_i sign(g_i)

    delta starts at delta0 and g_prev at the first g; every step is accepted. No lr to record.
    """

    params = {"delta0": 0.07, "delt_inc": 1.2, "delt_dec": 0.5, "deltamax": 50.0,
              **REGULARIZATION}

    def __init__(self, tc: TrainConfig):
        self.tc = tc
        self.delta = None
        self.g_prev = None

    def step(self, obj: Objective, theta: np.ndarray, perf: float, g: np.ndarray):
        tc = self.tc
        if self.delta is None:
            self.delta = np.full_like(theta, tc.delta0)
            self.g_prev = g
        sign = g * self.g_prev
        self.delta = np.where(sign > 0, self.delta * tc.delt_inc,
                              np.where(sign < 0, self.delta * tc.delt_dec, self.delta))
        np.minimum(self.delta, tc.deltamax, out=self.delta)
        theta = theta + self.delta * np.sign(g)
        self.g_prev = g
        perf, g = obj.perf_and_gradient(theta)
        return theta, perf, g


_MU_MIN = float(np.finfo(float).tiny)   # the smallest normal float


class Trainlm(Rule):
    """Levenberg-Marquardt. With e = t - y and J = dy/dtheta (rows: every sample and output):

        repeat: dtheta = solve(J'J + mu I, J'e)
                perf(theta + dtheta) < perf: accept, mu *= mu_dec, done
                otherwise:                   mu *= mu_inc
        while mu <= mu_max

    When mu passes mu_max without a better theta, theta stays; ``stop_reason`` then ends
    training with "Maximum MU reached." (the loop asks before every epoch). The record's mu
    column shows mu. mu never falls below the smallest normal float, from which mu_inc can
    raise it (0 would stay 0). A J'J + mu I that scipy finds ill-conditioned (a tiny mu) is
    one warning per training, not one per solve.
    """

    params = {"mu": 0.001, "mu_dec": 0.1, "mu_inc": 10.0, "mu_max": 1e10, "min_grad": 1e-7,
              **REGULARIZATION}

    record = ("mu",)

    def __init__(self, tc: TrainConfig):
        from scipy.linalg import LinAlgWarning  # here: only the LM rules import scipy
        self.tc = tc
        self.mu = tc.mu
        self.ill_conditioned = LinAlgWarning
        self.warned = False

    def recorded(self) -> tuple[float, ...]:
        return (self.mu,)

    def stop_reason(self) -> str | None:
        return MAX_MU if self.mu > self.tc.mu_max else None

    def step(self, obj: Objective, theta: np.ndarray, perf: float, g: np.ndarray):
        tc = self.tc
        e, J = obj.residuals_and_jacobian(theta)
        JJ, Je = J.T @ J, J.T @ e
        diag = np.diag_indices_from(JJ)
        jj_diag = JJ[diag].copy()
        while True:
            JJ[diag] = jj_diag + self.mu
            dtheta = self._solve(JJ, Je)
            theta2 = theta + dtheta
            perf2 = obj.perf(theta2)
            if perf2 < perf:
                self.mu = max(self.mu * tc.mu_dec, _MU_MIN)
                return theta2, perf2, obj.gradient()
            self.mu *= tc.mu_inc
            if self.mu > tc.mu_max:
                return theta, perf, g

    def _solve(self, A: np.ndarray, b: np.ndarray) -> np.ndarray:
        """solve_spd(A, b); scipy's warnings of an ill-conditioned A become one of this
        training's, the first time (others pass on as they were)."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", self.ill_conditioned)
            x = solve_spd(A, b)
        for w in caught:
            if not issubclass(w.category, self.ill_conditioned):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            elif not self.warned:
                self.warned = True
                warnings.warn(f"trainlm: J'J + mu I is ill-conditioned at mu = {self.mu:g} "
                              "(scipy: the solve may be inaccurate); said once per training",
                              stacklevel=2)
        return x


class Adam(_LearningRate):
    """Adam as torch.optim.Adam (no weight decay), with d = dperf/dtheta = -g, k = 1, 2, ...:

        m = beta1 m + (1 - beta1) d;  v = beta2 v + (1 - beta2) d^2
        theta -= lr (m / (1 - beta1^k)) / (sqrt(v / (1 - beta2^k)) + eps)

    Every step is accepted.
    """

    params = {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, **REGULARIZATION}

    def __init__(self, tc: TrainConfig):
        self.tc = tc
        self.lr = tc.lr
        self.k = 0
        self.m = self.v = None

    def step(self, obj: Objective, theta: np.ndarray, perf: float, g: np.ndarray):
        tc = self.tc
        d = -g
        if self.m is None:
            self.m, self.v = np.zeros_like(theta), np.zeros_like(theta)
        self.k += 1
        self.m = tc.beta1 * self.m + (1.0 - tc.beta1) * d
        self.v = tc.beta2 * self.v + (1.0 - tc.beta2) * d * d
        m_hat = self.m / (1.0 - tc.beta1 ** self.k)
        v_hat = self.v / (1.0 - tc.beta2 ** self.k)
        theta = theta - self.lr * m_hat / (np.sqrt(v_hat) + tc.eps)
        perf, g = obj.perf_and_gradient(theta)
        return theta, perf, g


RULES: dict[str, Callable[[TrainConfig], Rule]] = {
    "traingd": Traingd, "traingdm": Traingdm, "traingda": Traingda, "traingdx": Traingdx,
    "trainrp": Trainrp, "trainlm": Trainlm, "adam": Adam, "trainscg": Trainscg,
    "trainbr": Trainbr,
}

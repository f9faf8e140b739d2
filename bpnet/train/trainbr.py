"""Compute stage: trainbr, Bayesian regularisation as MATLAB's trainbr.m codes it (SPEC 15).

One small rule object with the interface of those in ``rules.py``:
``step(obj, X, perf, g) -> (X, perf, g)``, g = -dperf/dX. The perf it takes and returns (and
that the record shows) is E_D, the training mse; the regularised objective
beta*E_D + alph*ssX is its own state.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from bpnet.config.load import TrainConfig
from bpnet.train.rules import MAX_MU, _solve_spd

if TYPE_CHECKING:
    from bpnet.train.loop import Objective


class Trainbr:
    """Levenberg-Marquardt on F = beta E_D + alph ssX, re-estimating alph and beta every epoch.

    Nw weights, Ne training target elements, E_D = training mse, e = t - y, J = dy/dX (trainlm's
    Jacobian), JJ = J'J/Ne, JE = J'e/Ne, ssX = X'X. At the start gamk = Nw,
    beta = (Ne - gamk)/(2 E_D) (1 if E_D == 0 or beta <= 0), alph = gamk/(2 ssX). Each epoch:

        while mu <= mu_max:
            dX = solve(beta JJ + (mu + alph) I, beta JE - alph X);  X2 = X + dX
            beta E_D(X2) + alph X2'X2 < F and dX finite: accept; mu = max(mu mu_dec, 1e-20); done
            mu = mu mu_inc
        if mu <= mu_max, at the new X:
            gamk = Nw - alph trace(inv(beta JJ + alph I))      (effective number of parameters)
            alph = gamk/(2 ssX) (1 if ssX == 0);  beta = (Ne - gamk)/(2 E_D) (1 if E_D == 0)
            F = beta E_D + alph ssX

    "Maximum MU reached." once mu >= mu_max (checked before every epoch). The record gains mu,
    gamk and ssX; it has no lr column.
    """

    record_columns = ("mu", "gamk", "ssX")

    def __init__(self, p: TrainConfig):
        self.p = p
        self.mu = p.mu
        self.gamk = self.ssX = math.nan

    @property
    def stop_reason(self) -> str | None:
        return MAX_MU if self.mu >= self.p.mu_max else None

    def start(self, obj: Objective, X: np.ndarray, perf: float) -> None:
        """The starting alph, beta and F at X, whose E_D is ``perf`` (before epoch 0's record)."""
        if obj.regularization:
            raise ValueError("trainbr chooses its own regularisation; use regularization 0")
        self._measure(obj, X)
        self.gamk = float(X.size)
        beta = (self.Ne - self.gamk) / (2.0 * perf) if perf != 0 else 1.0
        self.beta = beta if beta > 0 else 1.0
        self.alph = self.gamk / (2.0 * self.ssX) if self.ssX != 0 else 1.0
        self.F = self.beta * perf + self.alph * self.ssX

    def step(self, obj: Objective, X: np.ndarray, perf: float, g: np.ndarray
             ) -> tuple[np.ndarray, float, np.ndarray]:
        p = self.p
        B = self.beta * self.gram
        rhs = self.beta * self.JE - self.alph * X
        while self.mu <= p.mu_max:
            dX = self._solve(B, self.mu + self.alph, rhs)
            X2 = X + dX
            perf2 = obj.perf(X2)
            F2 = self.beta * perf2 + self.alph * float(X2 @ X2)
            if F2 < self.F and np.all(np.isfinite(dX)):
                X, perf, self.F = X2, perf2, F2
                self.mu = max(self.mu * p.mu_dec, 1e-20)
                g = obj.gradient()
                self._measure(obj, X)
                break
            self.mu = self.mu * p.mu_inc
        if self.mu <= p.mu_max:
            self._reestimate(perf)
        return X, perf, g

    def _measure(self, obj: Objective, X: np.ndarray) -> None:
        """J (Ne, Nw), JE = J'e/Ne (Nw,) and ssX at X, and the smaller Gram matrix: JJ = J'J/Ne
        (Nw, Nw), or JJ' /Ne (Ne, Ne) when there are more weights than errors."""
        e, J = obj.residuals_and_jacobian(X)
        self.Ne, Nw = J.shape
        self.J, self.JE = J, (J.T @ e) / self.Ne
        self.gram = (J @ J.T if Nw > self.Ne else J.T @ J) / self.Ne
        self.ssX = float(X @ X)

    def _solve(self, B: np.ndarray, c: float, rhs: np.ndarray) -> np.ndarray:
        """solve(beta JJ + c I, rhs) (Nw,), B = beta times the Gram matrix. With more weights
        than errors, through (c I + s J'J)^-1 = (I - s J'(c I + s JJ')^-1 J)/c, s = beta/Ne:
        an Ne x Ne system instead of Nw x Nw (Elman 2-32-1: 101 instead of 1153)."""
        A = B.copy()
        A[np.diag_indices_from(A)] += c
        if A.shape[0] == rhs.size:
            return _solve_spd(A, rhs)
        return (rhs - (self.beta / self.Ne) * (self.J.T @ _solve_spd(A, self.J @ rhs))) / c

    def _reestimate(self, E_D: float) -> None:
        """gamk, alph, beta and F from the Hessian estimate beta JJ + alph I at the current X.

        gamk = Nw - alph trace(inv(beta JJ + alph I)) is evaluated as the sum of
        beta lam/(beta lam + alph) over the eigenvalues lam of the Gram matrix of ``_measure``
        (JJ' has the nonzero eigenvalues of JJ; each zero one adds 1/alph to the trace, so 0 to
        gamk): the same number, but it stays in [0, min(Nw, Ne)] where beta JJ + alph I is too
        ill-conditioned to invert (an Elman network on the passengers data reaches a condition
        number of 1e17 there, and the inverse's trace gave gamk = -145).
        """
        lam = np.maximum(np.linalg.eigvalsh(self.gram), 0.0)   # rounding leaves some below 0
        self.gamk = float(np.sum(self.beta * lam / (self.beta * lam + self.alph)))
        self.alph = self.gamk / (2.0 * self.ssX) if self.ssX != 0 else 1.0
        self.beta = (self.Ne - self.gamk) / (2.0 * E_D) if E_D != 0 else 1.0
        self.F = self.beta * E_D + self.alph * self.ssX

"""Compute stage: trainbr, Bayesian regularisation as MATLAB's trainbr.m codes it
(docs/semantics.md#trainbr).

A :class:`~bpnet.train.objective.Rule`; names as in :mod:`bpnet.train.objective`, and MATLAB's
for the rule's own quantities (alph, beta, gamk, ssX, E_D). The perf it takes and returns (and
that the record shows) is E_D, the training mse; the regularised objective
F = beta E_D + alph ssX is its own state.

Two pieces of the arithmetic differ from trainbr.m in form, not in value; both are exact
rewritings, chosen for speed and for numerical safety:

- The smaller system. With more weights than errors (Nw > Ne; the Elman 2-32-1 network on the
  passengers data has 1153 weights and 101 errors) the step is solved through the identity
  (c I + s J'J)^-1 = (I - s J'(c I + s J J')^-1 J) / c, with s = beta / Ne and c = mu + alph:
  one Ne x Ne system instead of one Nw x Nw system (101 x 101 instead of 1153 x 1153). In exact
  arithmetic dX is the same; in floating point it differs in the last digits. With Nw <= Ne
  the Nw x Nw system is solved as written.
- gamk from eigenvalues. gamk = Nw - alph trace(inverse(beta JJ + alph I)) equals the sum over
  the eigenvalues lam of JJ of beta lam / (beta lam + alph), computed from the eigenvalues of
  the smaller of J'J/Ne and JJ'/Ne (the two have the same nonzero eigenvalues, and a zero
  eigenvalue adds nothing to the sum; those that rounding leaves slightly below 0 are taken as
  0). The sum always lies in [0, min(Nw, Ne)], while the inverse's trace loses every digit when
  beta JJ + alph I is badly conditioned (a condition number of about 1e17 on the passengers
  data gave gamk = -145 by the trace, and the run broke down).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from bpnet.train.linalg import solve_spd
from bpnet.train.objective import Objective, Rule
from bpnet.train.stops import MAX_MU

if TYPE_CHECKING:   # the config imports the rules' parameters: no import back at run time
    from bpnet.config import TrainConfig


class Trainbr(Rule):
    """Levenberg-Marquardt on F = beta E_D + alph ssX, re-estimating alph and beta every epoch.

    Nw weights, Ne training target elements, E_D = training mse, e = t - y, J = dy/dtheta
    (trainlm's Jacobian), JJ = J'J/Ne, JE = J'e/Ne, ssX = theta'theta. At the start gamk = Nw,
    beta = (Ne - gamk)/(2 E_D) (1 if E_D == 0 or beta <= 0), alph = gamk/(2 ssX). Each epoch:

        while mu <= mu_max:
            dtheta = solve(beta JJ + (mu + alph) I, beta JE - alph theta)
            F(theta + dtheta) < F and dtheta finite: accept; mu = max(mu mu_dec, 1e-20); done
            mu = mu mu_inc
        if mu <= mu_max, at the new theta:
            gamk = Nw - alph trace(inv(beta JJ + alph I))      (effective number of parameters)
            alph = gamk/(2 ssX) (1 if ssX == 0);  beta = (Ne - gamk)/(2 E_D) (1 if E_D == 0)
            F = beta E_D + alph ssX

    "Maximum MU reached." once mu >= mu_max (checked before every epoch). The record gains mu,
    gamk and ssX; it has no lr column. The objective must be the plain mse (no
    ``regularization``): trainbr chooses its own.
    """

    record = ("mu", "gamk", "ssX")
    omitted = ("lr",)
    params = {"mu": 0.005, "mu_dec": 0.1, "mu_inc": 10.0, "mu_max": 1e10, "min_grad": 1e-7,
              "max_fail": 0}   # no regularization: trainbr chooses its own weight decay

    def __init__(self, tc: TrainConfig):
        self.tc = tc
        self.mu = tc.mu
        self.gamk = self.ssX = math.nan

    def recorded(self) -> tuple[float, ...]:
        return (self.mu, self.gamk, self.ssX)

    def stop_reason(self) -> str | None:
        return MAX_MU if self.mu >= self.tc.mu_max else None

    def start(self, obj: Objective, theta: np.ndarray, perf: float) -> None:
        """The starting alph, beta and F at theta (P,), whose E_D is ``perf``."""
        if obj.regularization:
            raise ValueError("trainbr chooses its own regularisation; use regularization 0")
        self._measure(obj, theta)
        self.gamk = float(theta.size)
        beta = (self.Ne - self.gamk) / (2.0 * perf) if perf != 0 else 1.0
        self.beta = beta if beta > 0 else 1.0
        self.alph = self.gamk / (2.0 * self.ssX) if self.ssX != 0 else 1.0
        self.F = self.beta * perf + self.alph * self.ssX

    def step(self, obj: Objective, theta: np.ndarray, perf: float, g: np.ndarray
             ) -> tuple[np.ndarray, float, np.ndarray]:
        tc = self.tc
        B = self.beta * self.gram
        rhs = self.beta * self.JE - self.alph * theta
        while self.mu <= tc.mu_max:
            dtheta = self._solve(B, self.mu + self.alph, rhs)
            theta2 = theta + dtheta
            perf2 = obj.perf(theta2)
            F2 = self.beta * perf2 + self.alph * float(theta2 @ theta2)
            if F2 < self.F and np.all(np.isfinite(dtheta)):
                theta, perf, self.F = theta2, perf2, F2
                self.mu = max(self.mu * tc.mu_dec, 1e-20)
                g = obj.gradient()
                self._measure(obj, theta)
                break
            self.mu = self.mu * tc.mu_inc
        if self.mu <= tc.mu_max:
            self._reestimate(perf)
        return theta, perf, g

    def _measure(self, obj: Objective, theta: np.ndarray) -> None:
        """J (Ne, Nw), JE = J'e/Ne (Nw,) and ssX at theta, and the smaller Gram matrix:
        JJ = J'J/Ne (Nw, Nw), or JJ'/Ne (Ne, Ne) when there are more weights than errors."""
        e, J = obj.residuals_and_jacobian(theta)
        self.Ne, Nw = J.shape
        self.J, self.JE = J, (J.T @ e) / self.Ne
        self.gram = (J @ J.T if Nw > self.Ne else J.T @ J) / self.Ne
        self.ssX = float(theta @ theta)

    def _solve(self, B: np.ndarray, c: float, rhs: np.ndarray) -> np.ndarray:
        """solve(beta JJ + c I, rhs) (Nw,), B = beta times the Gram matrix. With more weights
        than errors, through (c I + s J'J)^-1 = (I - s J'(c I + s JJ')^-1 J)/c, s = beta/Ne:
        an Ne x Ne system instead of Nw x Nw (Elman 2-32-1: 101 instead of 1153)."""
        A = B.copy()
        A[np.diag_indices_from(A)] += c
        if A.shape[0] == rhs.size:
            return solve_spd(A, rhs)
        return (rhs - (self.beta / self.Ne) * (self.J.T @ solve_spd(A, self.J @ rhs))) / c

    def _reestimate(self, E_D: float) -> None:
        """gamk, alph, beta and F from the Hessian estimate beta JJ + alph I at the current
        theta.

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

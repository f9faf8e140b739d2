"""Compute stage: trainscg, scaled conjugate gradient as MATLAB's trainscg.m codes it
(docs/semantics.md#trainscg).

A :class:`~bpnet.train.objective.Rule`; names as in :mod:`bpnet.train.objective`, and MATLAB's
for the rule's own quantities (gX = dperf/dtheta = -g, sigmak, deltak, lambdak, alphak, difk).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from bpnet.train.objective import Objective, Rule

if TYPE_CHECKING:   # the config imports the rules' parameters: no import back at run time
    from bpnet.config import TrainConfig


class Trainscg(Rule):
    """Scaled conjugate gradient. With gX = dperf/dtheta (= -g), direction dtheta, n weights, and
    at the start dtheta = -gX, nrmsqr = dtheta'dtheta, success = 1, lambdab = 0,
    lambdak = lambda:

        if success: sigmak = sigma/sqrt(nrmsqr)
                    sk = (gX(theta + sigmak dtheta) - gX)/sigmak;  deltak = dtheta'sk
        deltak += (lambdak - lambdab) nrmsqr
        deltak <= 0: lambdab = 2 (lambdak - deltak/nrmsqr); deltak = -deltak + lambdak nrmsqr;
                     lambdak = lambdab
        muk = -dtheta'gX;  alphak = muk/deltak
        difk = 2 deltak (perf - perf(theta + alphak dtheta)) / muk^2
        difk >= 0 (accept): theta += alphak dtheta; new gX; lambdab = 0; success = 1
                 dtheta = -gX on epochs 0, n, 2n, ... (the restart counts EPOCHS, rejected
                 ones too), else dtheta = -gX + betak dtheta, betak = (gX'gX - gX'gX_old)/muk
                 nrmsqr = dtheta'dtheta; difk >= 0.75: lambdak /= 4
        difk < 0 (reject): theta, perf, gX stay; lambdab = lambdak; success = 0 (deltak is
                 reused next epoch, with no new gradient)
        difk < 0.25 and nrmsqr != 0: lambdak += deltak (1 - difk)/nrmsqr

    MATLAB's quirks are kept: the restart on the epoch number (so the second step is plain
    steepest descent too) and the lambda raise after a success with the NEW direction's nrmsqr
    and the old deltak. The record has no lr column; ``alphak``, ``deltak`` and ``difk`` of the
    last epoch stay readable.
    """

    omitted = ("lr",)
    params = {"sigma": 5e-5, "lambda": 5e-7, "min_grad": 1e-6, "regularization": 0.0}

    def __init__(self, tc: TrainConfig):
        self.sigma, self.lambdak = tc.sigma, tc.lambda_
        self.lambdab = 0.0
        self.success = True
        self.epoch = 0
        self.dtheta = self.nrmsqr = None
        self.deltak = self.alphak = self.difk = math.nan

    def step(self, obj: Objective, theta: np.ndarray, perf: float, g: np.ndarray
             ) -> tuple[np.ndarray, float, np.ndarray]:
        gX = -g
        if self.dtheta is None:
            self.dtheta = -gX
            self.nrmsqr = float(self.dtheta @ self.dtheta)
        dtheta, nrmsqr = self.dtheta, self.nrmsqr
        if self.success:
            self.deltak = self._curvature(obj, theta, gX)
        deltak = self.deltak + (self.lambdak - self.lambdab) * nrmsqr
        if deltak <= 0:
            self.lambdab = 2.0 * (self.lambdak - deltak / nrmsqr)
            deltak = -deltak + self.lambdak * nrmsqr
            self.lambdak = self.lambdab
        self.deltak = deltak
        muk = -float(dtheta @ gX)
        self.alphak = alphak = muk / deltak
        theta2 = theta + alphak * dtheta
        perf2 = obj.perf(theta2)
        self.difk = difk = 2.0 * deltak * (perf - perf2) / muk ** 2
        if difk >= 0:
            g = obj.gradient()
            self._new_direction(-g, gX, muk)
            theta, perf = theta2, perf2
            self.lambdab = 0.0
            self.success = True
            if difk >= 0.75:
                self.lambdak = 0.25 * self.lambdak
        else:
            # reject: theta, perf and g stay; deltak is reused next epoch with no new gradient
            self.lambdab = self.lambdak
            self.success = False
        if difk < 0.25 and self.nrmsqr != 0:
            self.lambdak = self.lambdak + deltak * (1.0 - difk) / self.nrmsqr
        self.epoch += 1
        return theta, perf, g

    def _curvature(self, obj: Objective, theta: np.ndarray, gX: np.ndarray) -> float:
        """deltak = dtheta'sk, sk = (gX(theta + sigmak dtheta) - gX)/sigmak: the second
        derivative along dtheta from one more gradient, at a probe the record never sees."""
        sigmak = self.sigma / math.sqrt(self.nrmsqr)
        obj.perf(theta + sigmak * self.dtheta)
        sk = (-obj.gradient(record=False) - gX) / sigmak
        return float(self.dtheta @ sk)

    def _new_direction(self, gX: np.ndarray, gX_old: np.ndarray, muk: float) -> None:
        """dtheta = -gX on a restart epoch (every n-th, counting from 0), else the conjugate
        direction -gX + betak dtheta; nrmsqr = dtheta'dtheta."""
        if self.epoch % gX.size == 0:
            self.dtheta = -gX
        else:
            betak = (float(gX @ gX) - float(gX @ gX_old)) / muk
            self.dtheta = -gX + betak * self.dtheta
        self.nrmsqr = float(self.dtheta @ self.dtheta)

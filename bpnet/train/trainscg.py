"""Compute stage: trainscg, scaled conjugate gradient as MATLAB's trainscg.m codes it (SPEC 14).

One small rule object with the interface of those in ``rules.py``:
``step(obj, X, perf, g) -> (X, perf, g)``, g = -dperf/dX.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from bpnet.config.load import TrainConfig

if TYPE_CHECKING:
    from bpnet.train.loop import Objective


class Trainscg:
    """Scaled conjugate gradient. With gX = dperf/dX (= -g), direction dX, n weights, and at the
    start dX = -gX, nrmsqr = dX'dX, success = 1, lambdab = 0, lambdak = lambda:

        if success: sigmak = sigma/sqrt(nrmsqr); sk = (gX(X + sigmak dX) - gX)/sigmak
                    deltak = dX'sk
        deltak += (lambdak - lambdab) nrmsqr
        deltak <= 0: lambdab = 2 (lambdak - deltak/nrmsqr); deltak = -deltak + lambdak nrmsqr;
                     lambdak = lambdab
        muk = -dX'gX;  alphak = muk/deltak
        difk = 2 deltak (perf - perf(X + alphak dX)) / muk^2
        difk >= 0 (accept): X += alphak dX; new gX; lambdab = 0; success = 1
                 dX = -gX on epochs 0, n, 2n, ... (the restart counts EPOCHS, rejected ones
                 too), else dX = -gX + betak dX, betak = (gX'gX - gX'gX_old)/muk
                 nrmsqr = dX'dX; difk >= 0.75: lambdak /= 4
        difk < 0 (reject): X, perf, gX stay; lambdab = lambdak; success = 0 (deltak is
                 reused next epoch, with no new gradient)
        difk < 0.25 and nrmsqr != 0: lambdak += deltak (1 - difk)/nrmsqr

    MATLAB's quirks are kept: the restart on the epoch number (so the second step is plain
    steepest descent too) and the lambda raise after a success with the NEW direction's nrmsqr
    and the old deltak. The record has no lr column; ``alphak``, ``deltak`` and ``difk`` of the
    last epoch stay readable.
    """

    record_columns: tuple[str, ...] = ()

    def __init__(self, p: TrainConfig):
        self.sigma, self.lambdak = p.sigma, p.lambda_
        self.lambdab = 0.0
        self.success = True
        self.epoch = 0
        self.dX = self.nrmsqr = None
        self.deltak = self.alphak = self.difk = math.nan

    def step(self, obj: Objective, X: np.ndarray, perf: float, g: np.ndarray
             ) -> tuple[np.ndarray, float, np.ndarray]:
        gX = -g
        if self.dX is None:
            self.dX = -gX
            self.nrmsqr = float(self.dX @ self.dX)
        dX, nrmsqr = self.dX, self.nrmsqr
        if self.success:
            self.deltak = self._curvature(obj, X, gX)
        deltak = self.deltak + (self.lambdak - self.lambdab) * nrmsqr
        if deltak <= 0:
            self.lambdab = 2.0 * (self.lambdak - deltak / nrmsqr)
            deltak = -deltak + self.lambdak * nrmsqr
            self.lambdak = self.lambdab
        self.deltak = deltak
        muk = -float(dX @ gX)
        self.alphak = alphak = muk / deltak
        X2 = X + alphak * dX
        perf2 = obj.perf(X2)
        self.difk = difk = 2.0 * deltak * (perf - perf2) / muk ** 2
        if difk >= 0:
            g = obj.gradient()
            self._new_direction(-g, gX, muk)
            X, perf = X2, perf2
            self.lambdab = 0.0
            self.success = True
            if difk >= 0.75:
                self.lambdak = 0.25 * self.lambdak
        else:
            # reject: X, perf and g stay; deltak is reused next epoch with no new gradient
            self.lambdab = self.lambdak
            self.success = False
        if difk < 0.25 and self.nrmsqr != 0:
            self.lambdak = self.lambdak + deltak * (1.0 - difk) / self.nrmsqr
        self.epoch += 1
        return X, perf, g

    def _curvature(self, obj: Objective, X: np.ndarray, gX: np.ndarray) -> float:
        """deltak = dX'sk, sk = (gX(X + sigmak dX) - gX)/sigmak: the second derivative along dX
        from one more gradient, at a trial point that the record never sees."""
        sigmak = self.sigma / math.sqrt(self.nrmsqr)
        obj.perf(X + sigmak * self.dX)
        sk = (-obj.gradient(record=False) - gX) / sigmak
        return float(self.dX @ sk)

    def _new_direction(self, gX: np.ndarray, gX_old: np.ndarray, muk: float) -> None:
        """dX = -gX on a restart epoch (every n-th, counting from 0), else the conjugate
        direction -gX + betak dX; nrmsqr = dX'dX."""
        if self.epoch % gX.size == 0:
            self.dX = -gX
        else:
            betak = (float(gX @ gX) - float(gX @ gX_old)) / muk
            self.dX = -gX + betak * self.dX
        self.nrmsqr = float(self.dX @ self.dX)

"""Compute stage: the linear solve of the Levenberg-Marquardt rules (trainlm, trainbr)."""
from __future__ import annotations

import numpy as np


def solve_spd(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve A x = b (A (P, P), b (P,) -> x (P,)) for a symmetric positive definite A
    (J'J + mu I), Cholesky first."""
    import scipy.linalg  # here: only the LM rules pay for importing it
    try:
        return scipy.linalg.solve(A, b, assume_a="pos", check_finite=False)
    except (np.linalg.LinAlgError, scipy.linalg.LinAlgError):
        return np.linalg.lstsq(A, b, rcond=None)[0]

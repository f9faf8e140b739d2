"""Compute stage: MATLAB's transfer functions and their derivatives (SPEC 2).

Each entry maps a MATLAB name to ``f(n) -> a`` and ``deriv(n, a) -> f'(n)``; the derivative is
taken from the output ``a`` where that is cheaper (tansig, logsig). ``linear`` marks purelin, whose
derivative is 1 and is skipped in the backward passes.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np


class Transfer(NamedTuple):
    name: str
    f: Callable[[np.ndarray], np.ndarray]
    deriv: Callable[[np.ndarray, np.ndarray], np.ndarray]
    out_range: tuple[float, float]      # the range of a, used by Nguyen-Widrow for later layers
    active: tuple[float, float] | None  # net-input range Nguyen-Widrow maps to; None: rands
    linear: bool = False


def _logsig(n: np.ndarray) -> np.ndarray:
    # 1/(1+exp(-n)) written with tanh so that large |n| never overflows exp
    return 0.5 * (np.tanh(0.5 * n) + 1.0)


TRANSFERS: dict[str, Transfer] = {
    "tansig": Transfer("tansig", np.tanh, lambda n, a: 1.0 - a * a, (-1.0, 1.0), (-2.0, 2.0)),
    "logsig": Transfer("logsig", _logsig, lambda n, a: a * (1.0 - a), (0.0, 1.0), (-4.0, 4.0)),
    "purelin": Transfer("purelin", lambda n: n, lambda n, a: np.ones_like(n), (-1.0, 1.0), None,
                        linear=True),
    # poslin's output is unbounded above; Nguyen-Widrow of the next layer assumes [0, 1].
    "poslin": Transfer("poslin", lambda n: np.maximum(n, 0.0),
                       lambda n, a: (n >= 0).astype(n.dtype), (0.0, 1.0), None),
}


def get(name: str) -> Transfer:
    """The transfer function called ``name`` (tansig, logsig, purelin, poslin)."""
    return TRANSFERS[name]

"""Compute stage: MATLAB's transfer functions and their derivatives
(docs/semantics.md#transfer-functions).

Each entry maps a MATLAB name to ``f(n) -> a`` and ``deriv(n, a) -> f'(n)``; the derivative is
taken from the output ``a`` where that is cheaper (tansig, logsig). ``linear`` marks purelin, whose
derivative is 1 and is skipped in the backward passes. softmax (docs/semantics.md#classification)
works on a
whole row of an output layer, so its derivative is a matrix per sample: only ``backprop`` applies
it, ``deriv`` refuses.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np


class Transfer(NamedTuple):
    name: str
    f: Callable[..., np.ndarray]        # f(n) or f(n, out=buffer)
    deriv: Callable[[np.ndarray, np.ndarray], np.ndarray]
    out_range: tuple[float, float]      # the range of a, used by Nguyen-Widrow for later layers
    active: tuple[float, float] | None  # net-input range Nguyen-Widrow maps to; None: rands
    linear: bool = False
    needs_n: bool = False               # the derivative needs the net input n, not only a

    def backprop(self, da: np.ndarray, n: np.ndarray, a: np.ndarray) -> np.ndarray:
        """dn = da * f'(n) from da, n and a = f(n), all of one shape (N, S): as few passes
        over the arrays as the function allows."""
        if self.name == "tansig":      # da * (1 - a^2)
            d = a * a
            np.subtract(1.0, d, out=d)
            d *= da
            return d
        if self.name == "softmax":     # dn_k = a_k (da_k - sum_j da_j a_j), row by row
            return a * (da - np.sum(da * a, axis=-1, keepdims=True))
        return da * self.deriv(n, a)


def sigmoid(n: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """logsig, 1 / (1 + exp(-n)), of an array of any shape (written into ``out`` if given).

    Computed as (tanh(n/2) + 1) / 2 so that large |n| never overflows exp; the LSTM and GRU
    gates use this same function.
    """
    a = np.multiply(n, 0.5, out=out)
    np.tanh(a, out=a)
    a += 1.0
    a *= 0.5
    return a


def _purelin(n, out=None):
    if out is None:
        return n
    np.copyto(out, n)
    return out


def _poslin(n, out=None):
    return np.maximum(n, 0.0, out=out)


def softmax(n: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Row-wise softmax over the last axis, exp(n - max n) / sum exp(n - max n) (written into
    ``out`` if given): (..., K) -> (..., K), each row positive and summing to 1."""
    a = np.subtract(n, n.max(axis=-1, keepdims=True), out=out)
    np.exp(a, out=a)
    a /= a.sum(axis=-1, keepdims=True)
    return a


def _dtansig(n, a):
    return 1.0 - a * a


def _dlogsig(n, a):
    return a * (1.0 - a)


def _dpurelin(n, a):
    return np.ones_like(n)


def _dposlin(n, a):
    return (n >= 0).astype(n.dtype)


def _dsoftmax(n, a):
    raise ValueError("softmax's derivative is a K x K matrix per sample; use Transfer.backprop")


# module-level functions, not lambdas, so that networks pickle (runs in worker processes)
TRANSFERS: dict[str, Transfer] = {
    "tansig": Transfer("tansig", np.tanh, _dtansig, (-1.0, 1.0), (-2.0, 2.0)),
    "logsig": Transfer("logsig", sigmoid, _dlogsig, (0.0, 1.0), (-4.0, 4.0)),
    "purelin": Transfer("purelin", _purelin, _dpurelin, (-1.0, 1.0), None, linear=True),
    # poslin's output is unbounded above; Nguyen-Widrow of the next layer assumes [0, 1].
    "poslin": Transfer("poslin", _poslin, _dposlin, (0.0, 1.0), None, needs_n=True),
    # an output layer only; no bounded active range, so Nguyen-Widrow leaves it to rands
    "softmax": Transfer("softmax", softmax, _dsoftmax, (0.0, 1.0), None),
}


NAMES: tuple[str, ...] = tuple(TRANSFERS)


def get(name: str) -> Transfer:
    """The transfer function called ``name`` (tansig, logsig, purelin, poslin, softmax)."""
    return TRANSFERS[name]

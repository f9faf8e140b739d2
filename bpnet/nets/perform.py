"""Compute stage: MATLAB's crossentropy performance function (docs/semantics.md#classification) and
the
error it sends into the output layer.

With y the outputs and t the targets, both (N, K), and eps = 2.220446049250313e-16:

    K >= 2:  perf = sum(-t log(yc)) / (N K)
    K == 1:  perf = sum(-t log(yc) - (1 - t) log(1 - yc)) / N       yc = clip(y, eps, 1 - eps)

divided by the number of target ELEMENTS, as MATLAB does. mse (the default) stays in the
networks' own code. The error of the output layer's net input n is, for a softmax output,
dperf/dn = (y sum_k t_k - t) / (N K) (= (y - t) / (N K) for one-hot rows), for a logsig output of
one unit (y - t) / N, and otherwise the output transfer's backprop of dperf/dy.
"""
from __future__ import annotations

import numpy as np

from bpnet.nets.transfer import Transfer

PERFORMS = ("mse", "crossentropy")
EPS = float(np.finfo(float).eps)


def crossentropy_sum(y: np.ndarray, t: np.ndarray) -> float:
    """The sum (not yet divided) of the crossentropy elements of y, t (N, K)."""
    yc = np.clip(y, EPS, 1.0 - EPS)
    if y.shape[-1] == 1:
        return float(np.sum(-t * np.log(yc) - (1.0 - t) * np.log(1.0 - yc)))
    return float(np.sum(-t * np.log(yc)))


def crossentropy(y: np.ndarray, t: np.ndarray) -> float:
    """perf of outputs y against targets t, both (N, K): the crossentropy elements summed and
    divided by N K; NaN when there is no element."""
    return crossentropy_sum(y, t) / t.size if t.size else float("nan")


def dcrossentropy(y: np.ndarray, t: np.ndarray, size: int) -> np.ndarray:
    """dperf/dy (N, K) for y, t (N, K), perf divided by ``size`` elements; zero where the
    clip holds y."""
    inside = (y > EPS) & (y < 1.0 - EPS)
    yc = np.clip(y, EPS, 1.0 - EPS)
    d = -t / yc
    if y.shape[-1] == 1:
        d = d + (1.0 - t) / (1.0 - yc)
    return np.where(inside, d, 0.0) / size


def output_error(tf: Transfer, n: np.ndarray, y: np.ndarray, t: np.ndarray, size: int
                 ) -> np.ndarray:
    """dperf/dn (N, K) of crossentropy divided by ``size`` elements, for the output layer's
    net inputs n, outputs y = tf(n) and targets t, all (N, K)."""
    if tf.name == "softmax":
        return (y * t.sum(axis=-1, keepdims=True) - t) / size
    if tf.name == "logsig" and y.shape[-1] == 1:
        return (y - t) / size
    return tf.backprop(dcrossentropy(y, t, size), n, y)

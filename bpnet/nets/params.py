"""A flat parameter vector with named views.

Training rules see one vector X of all weights and biases (MATLAB's getwb); the networks see named
arrays (W1, b1, ...). Both are the same memory: ``params[name]`` is a reshaped view into ``theta``,
so writing ``theta[:] = X`` sets every layer at once, with no copying between the two.
"""
from __future__ import annotations

import numpy as np


def flat_params(shapes: dict[str, tuple[int, ...]]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Allocate a zero vector for ``shapes`` and return it with one view per name."""
    sizes = [int(np.prod(s)) for s in shapes.values()]
    theta = np.zeros(sum(sizes))
    views, start = {}, 0
    for (name, shape), size in zip(shapes.items(), sizes):
        views[name] = theta[start:start + size].reshape(shape)
        start += size
    return theta, views


def slices(params: dict[str, np.ndarray]) -> dict[str, slice]:
    """Where each named array lies in the flat vector (the order of ``params``)."""
    out, start = {}, 0
    for name, value in params.items():
        out[name] = slice(start, start + value.size)
        start += value.size
    return out


def flatten(grads: dict[str, np.ndarray], names) -> np.ndarray:
    """The gradient arrays named by ``names``, in that order, as one vector."""
    return np.concatenate([grads[n].ravel() for n in names])


def known_errors(e: np.ndarray, known: np.ndarray) -> tuple[float, np.ndarray]:
    """MATLAB's "a NaN target is no target": e = t - y (n,) over every target, known (n,) bool
    -> (perf = the mse over the known targets only, e with 0 at the others and scaled by
    n / n_known), so that ``-2 e / e.size`` is still dperf/dy for the backward pass."""
    e[~known] = 0.0
    n_known = int(known.sum())
    perf = float(e @ e) / n_known if n_known else 0.0
    if n_known:
        e *= e.size / n_known
    return perf, e

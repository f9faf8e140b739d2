"""Input stage: weight initialisation (docs/semantics.md#initialisation).

``nguyen_widrow`` is MATLAB's initnw for a tansig/logsig layer, ``rands`` its uniform(-1, 1)
initialisation of other layers, and ``load_weights`` copies the arrays of a saved model into a
network for warm starts. All randomness comes from the caller's ``numpy.random.Generator``.
"""
from __future__ import annotations

import numpy as np

from bpnet.npzfile import load_weights_into


def nguyen_widrow(s: int, ranges: np.ndarray, active: tuple[float, float],
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Nguyen-Widrow weights for a layer of ``s`` units.

    ranges (R, 2): [pmin, pmax] of each input; active: the transfer function's net-input range
    (tansig [-2, 2], logsig [-4, 4]). Returns W (s, R), b (s,). Inputs with pmin == pmax get
    weight 0; with r the number of the others, wMag = 0.7 s^(1/r), the rows of W point in random
    directions with length wMag and the biases spread evenly over [-wMag, wMag].
    """
    ranges = np.asarray(ranges, dtype=float)
    keep = ranges[:, 0] != ranges[:, 1]
    r = int(keep.sum())
    W = np.zeros((s, len(ranges)))
    if r == 0:
        return W, np.zeros(s)
    mag = 0.7 * s ** (1.0 / r)
    w = rng.uniform(-1.0, 1.0, size=(s, r))
    w = mag * w / np.linalg.norm(w, axis=1, keepdims=True)
    b = np.zeros(s) if s == 1 else mag * np.linspace(-1.0, 1.0, s) * np.sign(w[:, 0])
    # net inputs from [-1, 1] to the active range [nmin, nmax]
    nmin, nmax = active
    w = w * (nmax - nmin) / 2.0
    b = b * (nmax - nmin) / 2.0 + (nmax + nmin) / 2.0
    # inputs from [pmin, pmax] to [-1, 1]
    pmin, pmax = ranges[keep, 0], ranges[keep, 1]
    x = 2.0 / (pmax - pmin)
    y = 1.0 - pmax * x
    b = w @ y + b
    W[:, keep] = w * x
    return W, b


def rands(s: int, r: int, rng: np.random.Generator,
          scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """W (s, r) and b (s,), each uniform(-scale, scale), weights drawn first (MATLAB rands)."""
    W = rng.uniform(-scale, scale, size=(s, r))
    b = rng.uniform(-scale, scale, size=s)
    return W, b


def load_weights(params: dict[str, np.ndarray], path: str) -> None:
    """Copy the arrays named like ``params`` from a saved model (.npz) into ``params``.

    Every name must be present with the same shape and hold real, finite numbers; the file is
    read by the one model-file reader (:mod:`bpnet.npzfile`), as ``run.py predict`` reads it.
    """
    load_weights_into(params, path)

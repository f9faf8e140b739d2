"""Input stage: mapstd and mapminmax, fitted on the training part only (SPEC 3).

A :class:`Scaler` is fitted column by column on the training samples and then applied unchanged
to every part; ``inverse_transform`` maps network outputs back to original units. A constant
column is centred with scale 1 (it becomes 0) and a warning names it.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Scaler:
    """``y = (x - offset) * gain + shift`` per column.

    mapstd: offset = mean, gain = 1/std (sample std, N-1), shift = 0.
    mapminmax: offset = xmin, gain = 2/(xmax - xmin), shift = -1.
    none: offset 0, gain 1, shift 0.
    """

    method: str
    offset: np.ndarray  # (D,)
    gain: np.ndarray    # (D,)
    shift: float = 0.0

    def transform(self, x: np.ndarray) -> np.ndarray:
        """x (N, D) in original units -> (N, D) scaled."""
        return (x - self.offset) * self.gain + self.shift

    def inverse_transform(self, y: np.ndarray) -> np.ndarray:
        """y (N, D) scaled -> (N, D) in original units."""
        return (y - self.shift) / self.gain + self.offset

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The saved-model arrays (SPEC 10): x_mean/x_std for mapstd, x_offset/x_gain otherwise."""
        if self.method == "mapstd":
            return {f"{prefix}_mean": self.offset, f"{prefix}_std": 1.0 / self.gain}
        return {f"{prefix}_offset": self.offset, f"{prefix}_gain": self.gain}

    @classmethod
    def from_arrays(cls, method: str, arrays, prefix: str) -> "Scaler":
        """Rebuild a scaler from the arrays written by :meth:`arrays`."""
        if method == "mapstd":
            return cls(method, np.asarray(arrays[f"{prefix}_mean"], float),
                       1.0 / np.asarray(arrays[f"{prefix}_std"], float))
        shift = -1.0 if method == "mapminmax" else 0.0
        return cls(method, np.asarray(arrays[f"{prefix}_offset"], float),
                   np.asarray(arrays[f"{prefix}_gain"], float), shift)


def fit(method: str, x: np.ndarray, names: list[str] | None = None) -> Scaler:
    """Fit ``method`` (mapstd, mapminmax or none) to the training samples x (N, D)."""
    x = np.asarray(x, dtype=float)
    d = x.shape[1]
    if method == "none":
        return Scaler("none", np.zeros(d), np.ones(d))
    if method == "mapstd":
        offset = x.mean(axis=0)
        spread = x.std(axis=0, ddof=1) if len(x) > 1 else np.zeros(d)
        scale, shift = 1.0, 0.0
    elif method == "mapminmax":
        offset = x.min(axis=0)
        spread = x.max(axis=0) - offset
        scale, shift = 2.0, -1.0
    else:
        raise ValueError(f"unknown scaling {method!r}")
    constant = ~(spread > 0)
    if constant.any():
        which = [names[i] if names else str(i) for i in np.flatnonzero(constant)]
        warnings.warn(f"{method}: constant column(s) {', '.join(which)} in the training part: "
                      "centred, not scaled", stacklevel=2)
        # centred: y = (x - offset) * 1 + shift must be 0 on the constant value
        offset = np.where(constant, offset + shift, offset)
    gain = np.where(constant, 1.0, scale / np.where(constant, 1.0, spread))
    return Scaler(method, offset, gain, shift)

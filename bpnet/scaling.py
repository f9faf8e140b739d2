"""Input stage: mapstd and mapminmax, fitted on the training part only (SPEC 3).

A :class:`Scaler` is fitted column by column on the training samples and then applied unchanged
to every part; ``inverse_transform`` maps network outputs back to original units. A constant
column is centred with scale 1 (it becomes 0) and a warning names it.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

# the statistics each method keeps, under their saved-model names (SPEC 10)
STATS = {"mapstd": ("mean", "std"), "mapminmax": ("min", "max")}


@dataclass(frozen=True)
class Scaler:
    """``y = (x - offset) / scale + shift`` per column, built from two statistics per column.

    mapstd: a = mean, b = sample std (N - 1): offset a, scale b, shift 0.
    mapminmax: a = min, b = max: offset a, scale (b - a)/2, shift -1 (to [-1, 1]).
    none: no statistics, the identity.
    """

    method: str
    a: np.ndarray  # (D,) mean or min
    b: np.ndarray  # (D,) std or max

    def __post_init__(self) -> None:
        a, b = np.asarray(self.a, dtype=float), np.asarray(self.b, dtype=float)
        if self.method == "mapstd":
            spread, shift = b, 0.0
        elif self.method == "mapminmax":
            spread, shift = (b - a) / 2.0, -1.0
        else:
            spread, shift = np.ones_like(a), 0.0
            a = np.zeros_like(a)
        constant = ~(spread > 0)
        scale = np.where(constant, 1.0, spread)
        # a constant column is centred: (x - offset) / 1 + shift is 0 on its value
        offset = np.where(constant, a + shift, a) if self.method != "none" else a
        object.__setattr__(self, "offset", offset)
        object.__setattr__(self, "scale", scale)
        object.__setattr__(self, "shift", shift)
        object.__setattr__(self, "constant", constant if self.method != "none" else
                           np.zeros(a.shape, bool))

    def transform(self, x: np.ndarray) -> np.ndarray:
        """x (N, D) in original units -> (N, D) scaled."""
        return (x - self.offset) / self.scale + self.shift

    def inverse_transform(self, y: np.ndarray) -> np.ndarray:
        """y (N, D) scaled -> (N, D) in original units."""
        return (y - self.shift) * self.scale + self.offset

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The saved-model arrays: x_mean/x_std (mapstd) or x_min/x_max (mapminmax)."""
        if self.method == "none":
            return {}
        na, nb = STATS[self.method]
        return {f"{prefix}_{na}": np.asarray(self.a, float),
                f"{prefix}_{nb}": np.asarray(self.b, float)}

    @classmethod
    def from_arrays(cls, method: str, arrays, prefix: str, size: int) -> Scaler:
        """Rebuild a scaler from the arrays written by :meth:`arrays` (KeyError if missing)."""
        if method == "none":
            return cls("none", np.zeros(size), np.ones(size))
        na, nb = STATS[method]
        return cls(method, np.asarray(arrays[f"{prefix}_{na}"], float),
                   np.asarray(arrays[f"{prefix}_{nb}"], float))


def fit(method: str, x: np.ndarray, names: list[str] | None = None) -> Scaler:
    """Fit ``method`` (mapstd, mapminmax or none) to the training samples x (N, D)."""
    x = np.asarray(x, dtype=float)
    d = x.shape[1]
    if method == "none":
        return Scaler("none", np.zeros(d), np.ones(d))
    if method == "mapstd":
        s = Scaler(method, x.mean(axis=0), x.std(axis=0, ddof=1) if len(x) > 1 else np.zeros(d))
    elif method == "mapminmax":
        s = Scaler(method, x.min(axis=0), x.max(axis=0))
    else:
        raise ValueError(f"unknown scaling {method!r}")
    if s.constant.any():
        which = [names[i] if names else str(i) for i in np.flatnonzero(s.constant)]
        warnings.warn(f"{method}: constant column(s) {', '.join(which)} in the training part: "
                      "centred, not scaled", stacklevel=2)
    return s

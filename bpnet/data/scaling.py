"""Input stage: mapstd and mapminmax, fitted on the training part only (docs/semantics.md#scaling).

A :class:`Scaler` is fitted column by column on the training samples and then applied unchanged
to every part; ``inverse_transform`` maps network outputs back to original units. A constant
column is centred with scale 1 (it becomes 0) and a warning names it.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

# the names of the saved arrays of each method, offset first (x_mean, x_std, ...)
SAVED_NAMES = {"mapstd": ("mean", "std"), "mapminmax": ("offset", "gain")}


@dataclass(frozen=True)
class Scaler:
    """Per column, with MATLAB's settings names:

    mapstd:     y = (x - mean) / std              saved as x_mean, x_std
    mapminmax:  y = (x - offset) * gain - 1       saved as x_offset, x_gain (gain = 2/(max - min))
    none:       y = x

    A constant column has std 1 (mapstd) or gain 1 and offset = value - 1 (mapminmax): it maps
    to 0. The saved arrays are exactly those the arithmetic uses, so a reloaded model scales
    to the last bit as the training run did.
    """

    method: str
    offset: np.ndarray  # (D,) mean, or offset
    factor: np.ndarray  # (D,) std, or gain
    constant: np.ndarray | None = None   # (D,) bool: the columns that were constant

    def transform(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """x (N, D) in original units -> (N, D) scaled, written into ``out`` (N, D) when given.
        Each step works in place on the result: the same numbers as new arrays, in half the
        memory."""
        if self.method == "mapstd":
            y = np.subtract(x, self.offset, out=out)
            y /= self.factor
            return y
        if self.method == "mapminmax":
            y = np.subtract(x, self.offset, out=out)
            y *= self.factor
            y -= 1.0
            return y
        if out is None:
            return np.array(x, dtype=float)
        out[...] = x
        return out

    def inverse_transform(self, y: np.ndarray) -> np.ndarray:
        """y (N, D) scaled -> (N, D) in original units."""
        if self.method == "mapstd":
            return y * self.factor + self.offset
        if self.method == "mapminmax":
            return (y + 1.0) / self.factor + self.offset
        return np.array(y, dtype=float)

    @property
    def scale(self) -> np.ndarray:
        """How many original units one scaled unit is, per column."""
        if self.method == "mapminmax":
            return 1.0 / self.factor
        return self.factor

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The saved-model arrays (docs/semantics.md#saved-model), named by the method."""
        names = SAVED_NAMES.get(self.method)
        if names is None:
            return {}
        return {f"{prefix}_{names[0]}": self.offset, f"{prefix}_{names[1]}": self.factor}

    @classmethod
    def from_arrays(cls, method: str, arrays, prefix: str, size: int) -> Scaler:
        """Rebuild a scaler from the arrays written by :meth:`arrays` (KeyError if missing)."""
        if method == "none":
            return cls("none", np.zeros(size), np.ones(size))
        names = SAVED_NAMES[method]
        return cls(method, np.asarray(arrays[f"{prefix}_{names[0]}"], float),
                   np.asarray(arrays[f"{prefix}_{names[1]}"], float))


def fit(method: str, x: np.ndarray, names: list[str] | None = None) -> Scaler:
    """Fit ``method`` (mapstd, mapminmax or none) to the training samples x (N, D)."""
    x = np.asarray(x, dtype=float)
    d = x.shape[1]
    if method == "none":
        return Scaler("none", np.zeros(d), np.ones(d), np.zeros(d, bool))
    # a NaN (a target that is no target) is left out of the statistics; without one, numpy's
    # plain reductions, whose last bits the saved models depend on
    nan = np.isnan(x).any()
    if method == "mapstd":
        offset = np.nanmean(x, axis=0) if nan else x.mean(axis=0)
        spread = np.zeros(d) if len(x) < 2 else np.nanstd(x, axis=0, ddof=1) if nan else \
            x.std(axis=0, ddof=1)
        constant = ~(spread > 0)
        s = Scaler(method, offset, np.where(constant, 1.0, spread), constant)
    elif method == "mapminmax":
        lo, hi = (np.nanmin(x, axis=0), np.nanmax(x, axis=0)) if nan else \
            (x.min(axis=0), x.max(axis=0))
        constant = ~(hi > lo)
        gain = 2.0 / np.where(constant, 2.0, hi - lo)
        s = Scaler(method, np.where(constant, lo - 1.0, lo), gain, constant)
    else:
        raise ValueError(f"unknown scaling {method!r}")
    if s.constant.any():
        which = [names[i] if names else str(i) for i in np.flatnonzero(s.constant)]
        warnings.warn(f"{method}: constant column(s) {', '.join(which)} in the training part: "
                      "centred, not scaled", stacklevel=2)
    return s

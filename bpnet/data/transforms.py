"""Input stage: series transforms (log, differences) and their exact inverses.

The samples of a transformed series are built on w, where

    z_0 = log(y) (or y),   z_k[t] = z_{k-1}[t] - z_{k-1}[t - d_k]   for d_1, d_2, ...
    w = z_m

Every array keeps the time index of y (length L); the first sum(d) entries of w are undefined
(NaN): they are the samples lost to differencing. A prediction w_hat[t] maps back through

    z_{k-1}[t] = z_k[t] + z_{k-1}[t - d_k],   y[t] = exp(z_0[t]) (or z_0[t]),

with the actual past values for one-step predictions (``invert``) and with the forecast's own
earlier values for a multi-step forecast (``invert_path``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SeriesTransform:
    """log, then the differences in order. ``lost`` is how many leading values w lacks."""

    log: bool = False
    differences: tuple[int, ...] = ()

    @property
    def lost(self) -> int:
        return sum(self.differences)

    @property
    def identity(self) -> bool:
        return not self.log and not self.differences

    def stages(self, y: np.ndarray) -> list[np.ndarray]:
        """[z_0, z_1, ..., z_m], each (L,) on y's time index, NaN where undefined."""
        z = np.log(y) if self.log else np.asarray(y, dtype=float).copy()
        out = [z]
        for d in self.differences:
            nxt = np.full_like(z, np.nan)
            nxt[d:] = z[d:] - z[:-d]
            out.append(nxt)
            z = nxt
        return out

    def apply(self, y: np.ndarray) -> np.ndarray:
        """w (L,): the transformed series."""
        return self.stages(y)[-1]

    def invert(self, w_hat: np.ndarray, t: np.ndarray, stages: list[np.ndarray]) -> np.ndarray:
        """One-step: w_hat (n,) predicted at times t (n,) -> y_hat (n,), using the actual past
        values held in ``stages`` (as returned by :meth:`stages` of the actual series)."""
        t = np.asarray(t)
        z = np.asarray(w_hat, dtype=float)
        for k in range(len(self.differences), 0, -1):
            z = z + stages[k - 1][t - self.differences[k - 1]]
        return np.exp(z) if self.log else z

    def forward(self, y_hat: np.ndarray, t: np.ndarray, stages: list[np.ndarray]) -> np.ndarray:
        """The inverse of :meth:`invert`: one-step predictions y_hat (n,) at times t (n,) ->
        w_hat (n,), the differences taken from the actual past values in ``stages``."""
        t = np.asarray(t)
        z = np.log(y_hat) if self.log else np.asarray(y_hat, dtype=float)
        for k, d in enumerate(self.differences):
            z = z - stages[k][t - d]
        return z

    def invert_path(self, w_path: np.ndarray, origin: int, stages: list[np.ndarray]
                    ) -> np.ndarray:
        """Multi-step: w_path (h,) forecast for times origin, origin + 1, ... -> y (h,).

        Values before ``origin`` come from ``stages`` (the actual series); from ``origin`` on,
        every stage is rebuilt from the forecast itself, so no actual value at or after
        ``origin`` is used.
        """
        return self.invert_paths(np.asarray(w_path)[None], np.array([origin]), stages)[0]

    def invert_paths(self, w_paths: np.ndarray, origins: np.ndarray, stages: list[np.ndarray]
                     ) -> np.ndarray:
        """:meth:`invert_path` of M forecasts at once: w_paths (M, h), row m forecast for
        times origins[m], origins[m] + 1, ... (each origin >= :attr:`lost`) -> y (M, h)."""
        w = np.asarray(w_paths, dtype=float)
        h = w.shape[1]
        back = self.lost   # how far before its origin a path's differences reach
        before = np.asarray(origins, dtype=int)[:, None] + np.arange(-back, 0)
        own = [np.concatenate([s[before], np.empty((len(w), h))], axis=1) for s in stages]
        m = len(self.differences)
        for i in range(h):
            t = back + i
            own[m][:, t] = w[:, i]
            for k in range(m, 0, -1):
                own[k - 1][:, t] = own[k][:, t] + own[k - 1][:, t - self.differences[k - 1]]
        z = own[0][:, back:]
        return np.exp(z) if self.log else z

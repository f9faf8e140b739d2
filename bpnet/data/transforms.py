"""Input stage: series transforms (log or Box-Cox, differences) and their exact inverses.

The samples of a transformed series are built on w, where

    z_0 = log(y + c), boxcox(y + c, lambda) or y,
    z_k[t] = z_{k-1}[t] - z_{k-1}[t - d_k]   for d_1, d_2, ...,   w = z_m

with c the shift (0 unless given), boxcox(x, lambda) = (x^lambda - 1) / lambda (log x for
lambda = 0, scipy.special.boxcox) and lambda given or fitted by maximum likelihood on the
training part's values (:func:`fit_boxcox`, as scipy.stats.boxcox fits it).

Every array keeps the time index of y (length L); the first sum(d) entries of w are undefined
(NaN): they are the samples lost to differencing. A prediction w_hat[t] maps back through

    z_{k-1}[t] = z_k[t] + z_{k-1}[t - d_k],   y[t] = exp(z_0[t]) - c, inv_boxcox(z_0[t]) - c
    (or z_0[t]),

with the actual past values for one-step predictions (``invert``) and with the forecast's own
earlier values for a multi-step forecast (``invert_path``). A predicted z_0 outside the range
of the Box-Cox transform (1 + lambda z_0 <= 0, lambda != 0) has no inverse: it is clipped to
the range's edge, where scipy.special.inv_boxcox gives y + c = 0 (lambda > 0) or infinity
(lambda < 0), with a warning saying how many were clipped.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from bpnet.errors import InputError


@dataclass(frozen=True)
class SeriesTransform:
    """log or Box-Cox (``boxcox``: its lambda, None without) of the series plus ``shift``,
    then the differences in order. ``lost`` is how many leading values w lacks."""

    log: bool = False
    differences: tuple[int, ...] = ()
    boxcox: float | None = None
    shift: float = 0.0

    @classmethod
    def of(cls, tc) -> SeriesTransform:
        """The transform a config's TransformConfig ``tc`` describes; its ``boxcox`` must be
        a lambda by now (``auto`` is fitted by :func:`bpnet.data.dataset.load`)."""
        if tc.boxcox == "auto":
            raise InputError("data.transform.boxcox: auto is fitted on the training part of "
                             "a run; give a lambda here")
        lam = None if tc.boxcox is None else float(tc.boxcox)
        return cls(tc.log, tuple(tc.difference), lam, float(tc.shift))

    @property
    def lost(self) -> int:
        return sum(self.differences)

    @property
    def identity(self) -> bool:
        return not self.powered and not self.differences

    @property
    def powered(self) -> bool:
        """Whether z_0 is the log or the Box-Cox transform of y + shift (not y itself)."""
        return self.log or self.boxcox is not None

    def undefined(self, y: np.ndarray) -> np.ndarray:
        """(L,) bool: the values of y (L,) the log or Box-Cox transform is not defined for
        (y + shift <= 0)."""
        y = np.asarray(y, dtype=float)
        return y + self.shift <= 0 if self.powered else np.zeros(y.shape, dtype=bool)

    def why_undefined(self, value: float, key: str = "data.transform") -> str:
        """The end of the message refusing ``value``, one for which :meth:`undefined`."""
        shown = f"{value:g} + {key}.shift {self.shift:g} = {value + self.shift:g}" \
            if self.shift else f"{value:g}"
        hint = "" if self.shift else f"; {key}.shift adds a constant first, e.g. shift: 1"
        if self.log:
            return f"{shown} has no logarithm ({key}.log needs positive values{hint})"
        return f"{shown} is not positive, as {key}.boxcox needs it to be{hint}"

    def name(self, column: str) -> str:
        """The name of the transformed column, e.g. ``diff12(diff1(log(passengers)))``."""
        if self.shift:
            column = f"{column} + {self.shift:g}"
        if self.log:
            column = f"log({column})"
        elif self.boxcox is not None:
            column = f"boxcox({column})"
        for k in self.differences:
            column = f"diff{k}({column})"
        return column

    def z0(self, y: np.ndarray) -> np.ndarray:
        """z_0 of values y (any shape): the log or Box-Cox of y + shift, or y; the scale on
        which prediction intervals add their errors (docs/semantics.md#prediction-intervals)."""
        return self._power(y)

    def from_z0(self, z: np.ndarray) -> np.ndarray:
        """The inverse of :meth:`z0`: values in original units of z_0 (any shape)."""
        return self._unpower(z)

    def _power(self, y: np.ndarray) -> np.ndarray:
        """z_0 (n,) of values y (n,)."""
        y = np.asarray(y, dtype=float)
        if self.boxcox is not None:
            from scipy.special import boxcox  # here: only a Box-Cox series imports scipy
            return boxcox(y + self.shift, self.boxcox)
        return np.log(y + self.shift) if self.log else y.copy()

    def _unpower(self, z: np.ndarray) -> np.ndarray:
        """The inverse of :meth:`_power`: z_0 (n,) -> y (n,); outside the Box-Cox range
        clipped to its edge (with a warning)."""
        if self.boxcox is not None:
            from scipy.special import inv_boxcox
            return inv_boxcox(self._in_range(z), self.boxcox) - self.shift
        return np.exp(z) - self.shift if self.log else z

    def _in_range(self, z: np.ndarray) -> np.ndarray:
        """z (n,) clipped to the range of the Box-Cox transform, 1 + lambda z >= 0."""
        lam = self.boxcox
        if lam == 0:
            return z
        edge = -1.0 / lam
        outside = z < edge if lam > 0 else z > edge
        if outside.any():
            to = f"{-self.shift:g}" if lam > 0 else "infinity"
            warnings.warn(f"{int(outside.sum())} of {outside.size} predictions fall outside "
                          f"the range of the Box-Cox transform (lambda {lam:.4g}: 1 + lambda "
                          f"* z <= 0) and have no inverse; clipped to its edge, {to} in "
                          "original units", stacklevel=4)
            return np.where(outside, edge, z)
        return z

    def stages(self, y: np.ndarray) -> list[np.ndarray]:
        """[z_0, z_1, ..., z_m], each (L,) on y's time index, NaN where undefined."""
        z = self._power(y)
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
        return self._unpower(z)

    def forward(self, y_hat: np.ndarray, t: np.ndarray, stages: list[np.ndarray]) -> np.ndarray:
        """The inverse of :meth:`invert`: one-step predictions y_hat (n,) at times t (n,) ->
        w_hat (n,), the differences taken from the actual past values in ``stages``."""
        t = np.asarray(t)
        z = self._power(y_hat)
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
        return self._unpower(own[0][:, back:])


def fit_boxcox(values: np.ndarray) -> float:
    """The Box-Cox lambda of positive ``values`` (n,) by maximum likelihood, as
    scipy.stats.boxcox fits it (scipy.stats.boxcox_normmax, method mle); values all equal
    have no best lambda (an InputError)."""
    from scipy.stats import boxcox_normmax  # here: only a fitted Box-Cox imports scipy.stats
    values = np.asarray(values, dtype=float)
    if len(values) < 2 or np.ptp(values) == 0:
        raise InputError(f"data.transform.boxcox: auto: the {len(values)} values of the "
                         "training part are all equal, and no lambda fits them best; give "
                         "a lambda (0 is the log)")
    with np.errstate(all="ignore"):   # brent's bracket search may step past a finite value
        return float(boxcox_normmax(values, method="mle"))

"""Compute stage: the training contract, what a rule, the loop and a network see of each other.

Names, the same in every module of ``bpnet/train`` (MATLAB's names stay in the config):

- ``X`` (N, D), ``Y`` (N, K): the scaled training inputs and targets (the data, never weights);
- ``theta`` (P,): the vector of all weights and biases of a network, its ``net.theta`` (what
  MATLAB's training functions call X, from getwb); a step is ``dtheta``;
- ``perf``: the training mse at theta; ``g`` (P,) = -dperf/dtheta, MATLAB's sign;
- ``e`` (N*K,) = t - y and ``J`` (N*K, P) = dy/dtheta, for trainlm;
- ``tc``: the :class:`~bpnet.config.load.TrainConfig` of a training.

A :class:`Rule` moves theta one epoch through an :class:`Objective`; the loop
(:mod:`bpnet.train.loop`) owns everything else. :class:`NetObjective` is the Objective of one
:class:`Network` on its training data.
"""
from __future__ import annotations

import math
from typing import ClassVar, Protocol

import numpy as np


class Network(Protocol):
    """What training needs of a network (BPNet, ElmanNet, GatedNet)."""

    theta: np.ndarray   # (P,): a view of every parameter array, written in place

    def loss(self, X: np.ndarray, Y: np.ndarray) -> tuple[float, object]:
        """X (N, D), Y (N, K) -> (mse, the cache of the forward pass for flat_grad); with a
        keyword ``known`` (N, K) bool, the mse of the known targets only (a NaN target is no
        target)."""

    def flat_grad(self, cache: object) -> np.ndarray:
        """dperf/dtheta (P,), a new array, at the theta of the forward pass that made cache."""

    def jacobian(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """X (N, D) -> (y (N, K), J = dy/dtheta (N*K, P), rows in the order of y.ravel())."""


class Objective(Protocol):
    """What a rule sees of the network: perf and g as functions of theta.

    ``perf(theta)`` runs the forward pass only; ``gradient()`` then gives g at that same theta,
    so that a rejected trial step costs a forward pass and no more.
    """

    def perf(self, theta: np.ndarray) -> float:
        """The training mse at theta (P,)."""

    def gradient(self) -> np.ndarray:
        """g = -dperf/dtheta (P,) at the theta of the last ``perf`` call."""

    def perf_and_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """(perf, g (P,)) at theta (P,)."""

    def residuals_and_jacobian(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(e = t - y (N*K,), J = dy/dtheta (N*K, P)) at theta (P,)."""


class Rule(Protocol):
    """One training rule (MATLAB's traingd, trainlm, ...), a small object holding its own state.

    ``Rule(tc)`` makes it from a TrainConfig; ``step`` is one epoch. ``record`` names the
    columns of the training record that the rule fills ("lr", "mu"), and ``recorded()`` gives
    their values now, in that order; ``stop_reason()`` is a reason (from
    :mod:`bpnet.train.stops`) when the rule itself ends training, else None. The defaults
    below are those of a rule that records nothing and never stops by itself.
    """

    record: ClassVar[tuple[str, ...]] = ()

    def step(self, obj: Objective, theta: np.ndarray, perf: float,
             g: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
        """One epoch from theta (P,) with its perf and g (P,) -> the next (theta, perf, g).

        A rejected step returns the same theta, perf and g.
        """

    def recorded(self) -> tuple[float, ...]:
        return ()

    def stop_reason(self) -> str | None:
        return None


class NetObjective:
    """The :class:`Objective` of ``net`` on its training data X (N, D), Y (N, K).

    With ``clip_norm`` the gradient is scaled down to that 2-norm when it is longer
    (``clipped`` counts how often); ``norm`` is the length of the last g before clipping.
    """

    def __init__(self, net: Network, X: np.ndarray, Y: np.ndarray,
                 clip_norm: float | None = None):
        self.net, self.X, self.Y, self.clip_norm = net, X, Y, clip_norm
        self.clipped = 0
        self.norm = math.nan
        self._cache = None
        # MATLAB's convention: a NaN target is no target, left out of perf and its gradient
        no_target = None if Y is None else np.isnan(Y)
        self.known = ~no_target if no_target is not None and no_target.any() else None

    def perf(self, theta: np.ndarray) -> float:
        """The training mse at theta (P,); keeps the forward pass for ``gradient``."""
        self.net.theta[:] = theta
        if self.known is None:
            perf, self._cache = self.net.loss(self.X, self.Y)
        else:
            perf, self._cache = self.net.loss(self.X, self.Y, known=self.known)
        return perf

    def gradient(self) -> np.ndarray:
        """g = -dperf/dtheta (P,) at the theta of the last ``perf`` call, clipped."""
        g = self.net.flat_grad(self._cache)
        g *= -1.0
        self.norm = float(np.sqrt(g @ g))
        if self.clip_norm is not None and self.norm > self.clip_norm:
            g *= self.clip_norm / self.norm
            self.clipped += 1
        return g

    def perf_and_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """(perf, g (P,)) at theta (P,)."""
        perf = self.perf(theta)
        return perf, self.gradient()

    def residuals_and_jacobian(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """e = t - y (N*K,) and J = dy/dtheta (N*K, P) at theta (P,), rows in the order of
        Y.ravel()."""
        self.net.theta[:] = theta
        y, J = self.net.jacobian(self.X)
        e = (self.Y - y).ravel()
        if self.known is not None:   # no target: no residual, no row of J
            unknown = ~self.known.ravel()
            e[unknown] = 0.0
            J[unknown] = 0.0
        return e, J

"""Compute stage: the training contract, what a rule, the loop and a network see of each other.

Names, the same in every module of ``bpnet/train`` (MATLAB's names stay in the config):

- ``X`` (N, D), ``Y`` (N, K): the scaled training inputs and targets (the data, never weights);
- ``theta`` (P,): the vector of all weights and biases of a network, its ``net.theta`` (what
  MATLAB's training functions call X, from getwb); a step is ``dtheta``;
- ``perf``: the training mse at theta (regularised with ``train.regularization``);
  ``g`` (P,) = -dperf/dtheta, MATLAB's sign;
- ``e`` (N*K,) = t - y and ``J`` (N*K, P) = dy/dtheta, for trainlm and trainbr;
- ``tc``: the :class:`~bpnet.config.load.TrainConfig` of a training.

A :class:`Rule` moves theta one epoch through an :class:`Objective`; the loop
(:mod:`bpnet.train.loop`) owns everything else. :class:`NetObjective` is the Objective of one
:class:`Network` on its training data.
"""
from __future__ import annotations

import math
from typing import Any, ClassVar, Protocol

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
    so that a rejected trial step costs a forward pass and no more. ``regularization`` is r of
    docs/semantics.md#regularisation: perf = (1 - r) mse + r mean(theta^2) (0: the plain mse).
    """

    regularization: float

    def perf(self, theta: np.ndarray) -> float:
        """The training perf at theta (P,)."""

    def gradient(self, record: bool = True) -> np.ndarray:
        """g = -dperf/dtheta (P,) at the theta of the last ``perf`` call.

        ``record=False`` for a probe at a point that is not the iterate (trainscg's curvature
        step): it leaves what the training record reads of the objective (``norm``,
        ``clipped``) alone.
        """

    def perf_and_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """(perf, g (P,)) at theta (P,)."""

    def residuals_and_jacobian(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(e (M,), J = -de/dtheta (M, P)) at theta (P,), with e'e = M perf: e = t - y and
        J = dy/dtheta (M = N*K), and with regularisation P more rows for the weights."""


class Rule(Protocol):
    """One training rule (MATLAB's traingd, trainlm, ...), a small object holding its own state.

    ``Rule(tc)`` makes it from a TrainConfig; ``start`` sees the starting point before epoch 0's
    record (trainbr estimates its first alph and beta there); ``step`` is one epoch. ``record``
    names the columns of the training record that the rule fills ("lr", "mu", trainbr's "gamk"
    and "ssX"), and ``recorded()`` gives their values now, in that order; ``omitted`` names
    the loop's own columns that its record leaves out (trainscg and trainbr: "lr", a NaN column
    otherwise). ``stop_reason()`` is a reason (from :mod:`bpnet.train.stops`) when the rule
    itself ends training, else None. ``params`` names the rule's own parameters with MATLAB's
    defaults (the config takes them from here). The defaults below are those of a rule that needs no
    start, records nothing and never stops by itself.
    """

    record: ClassVar[tuple[str, ...]] = ()
    omitted: ClassVar[tuple[str, ...]] = ()
    # the rule's parameters (MATLAB's trainParam beyond those every rule takes) and defaults
    params: ClassVar[dict[str, float]] = {}

    def start(self, obj: Objective, theta: np.ndarray, perf: float) -> None:
        """Set up at the starting theta (P,), whose perf is ``perf``."""

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
    (``clipped`` counts how often); ``norm`` is the length of the last g before clipping. With
    ``regularization`` r > 0 (MATLAB's performParam.regularization,
    docs/semantics.md#regularisation)
    perf is (1 - r) mse + r mean(theta^2), g follows it, and the residuals and Jacobian gain one
    row per weight, so that trainlm minimises the same regularised perf (:func:`_weight_rows`).
    """

    def __init__(self, net: Network, X: np.ndarray, Y: np.ndarray,
                 clip_norm: float | None = None, regularization: float = 0.0):
        self.net, self.X, self.Y, self.clip_norm = net, X, Y, clip_norm
        self.regularization = regularization
        self.clipped = 0
        self.norm = math.nan
        self._cache = None
        self._theta = None
        # MATLAB's convention: a NaN target is no target, left out of perf and its gradient
        no_target = None if Y is None else np.isnan(Y)
        self.known = ~no_target if no_target is not None and no_target.any() else None

    def perf(self, theta: np.ndarray) -> float:
        """The training perf at theta (P,); keeps the forward pass for ``gradient``."""
        self.net.theta[:] = theta
        if self.known is None:
            perf, self._cache = self.net.loss(self.X, self.Y)
        else:
            perf, self._cache = self.net.loss(self.X, self.Y, known=self.known)
        self._theta = theta.copy()
        if self.regularization:
            perf = regularised(perf, theta, self.regularization)
        return perf

    def state_after(self, theta: np.ndarray) -> Any:
        """A recurrent network's state after the training sequence at weights theta (P,), when
        the last ``perf`` ran at exactly theta; None otherwise (and for a network without
        state)."""
        state = getattr(self._cache, "state", None)
        if state is None or not np.array_equal(self._theta, theta):
            return None
        return state

    def gradient(self, record: bool = True) -> np.ndarray:
        """g = -dperf/dtheta (P,) at the theta of the last ``perf`` call, clipped; a probe
        (``record=False``) leaves ``norm`` and ``clipped`` as they were."""
        g = self.net.flat_grad(self._cache)
        if self.regularization:
            r = self.regularization
            g = (1.0 - r) * g + (2.0 * r / g.size) * self.net.theta
        g *= -1.0
        norm = float(np.sqrt(g @ g))
        if record:
            self.norm = norm
        if self.clip_norm is not None and norm > self.clip_norm:
            g *= self.clip_norm / norm
            self.clipped += record
        return g

    def perf_and_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """(perf, g (P,)) at theta (P,)."""
        perf = self.perf(theta)
        return perf, self.gradient()

    def residuals_and_jacobian(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """e = t - y (M,) and J = dy/dtheta (M, P) at theta (P,), one row per known target
        (M = N*K when every target is known) in the order of Y.ravel(); with regularisation then
        P rows for the weights: (M + P,), (M + P, P)."""
        self.net.theta[:] = theta
        y, J = self.net.jacobian(self.X)
        e = (self.Y - y).ravel()
        if self.known is not None:   # no target: no residual, no row of J
            rows = self.known.ravel()
            e, J = e[rows], J[rows]
        if self.regularization:
            return _weight_rows(e, J, theta, self.regularization)
        return e, J


def regularised(mse: float, theta: np.ndarray, r: float) -> float:
    """MATLAB's regularised perf (1 - r) mse + r mean(theta^2) of the weight vector theta (P,)
    (docs/semantics.md#regularisation)."""
    return (1.0 - r) * mse + r * float(theta @ theta) / theta.size


def _weight_rows(e: np.ndarray, J: np.ndarray, theta: np.ndarray, r: float
                 ) -> tuple[np.ndarray, np.ndarray]:
    """e (M,), J (M, P) -> [sqrt(1 - r) e; -c theta] (M + P,) and [sqrt(1 - r) J; c I]
    (M + P, P), c = sqrt(r M/P): the weights become P more residuals with target 0, so that
    e'e = M perf and J'J, J'e are the Gauss-Newton terms of the regularised perf in trainlm's
    units (sums of squares, as with r = 0, so that mu keeps its meaning)."""
    M, P = J.shape
    a, c = math.sqrt(1.0 - r), math.sqrt(r * M / P)
    return np.concatenate([a * e, -c * theta]), np.vstack([a * J, c * np.eye(P)])

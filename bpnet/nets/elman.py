"""Compute stage: the Elman network (MATLAB elmannet / newelm) with exact BPTT.

One sequence of T steps, x_t (D,), h_0 given (zeros by default):

    h_t = f(Wx x_t + Wh h_{t-1} + bh)        (H,)
    y_t = g(Wy h_t + by)                     (K,)    g = purelin by default
    perf = sum_t sum_k (y*_t - y_t)^2 / (T K)

Back-propagation through time is exact over the whole sequence (SPEC 9): the error reaching h_t
is the output error at t plus what flows back from t + 1,

    dh_t = dy_t Wy + dz_{t+1} Wh,   dz_t = dh_t * f'(n_t),
    dWx = sum_t dz_t x_t^T,  dWh = sum_t dz_t h_{t-1}^T,  dbh = sum_t dz_t,  dh_0 = dz_1 Wh.

MATLAB's own Elman training drops the second term of dh_t (it treats h_{t-1} as a constant
input); this network keeps it. Everything that does not depend on the recurrence (the input
projections of all steps, the output layer, dWx, dWh, dWy) is one matrix product over all
steps; only the recurrence itself is a Python loop.
"""
from __future__ import annotations

import numpy as np

from bpnet.nets import initializers
from bpnet.nets import transfer
from bpnet.nets.params import flat_params, flatten, known_errors, slices


class ElmanNet:
    """Elman network: D inputs, H hidden units with recurrent weights, K outputs.

    ``params`` holds Wx (H, D), Wh (H, H), bh (H,), Wy (K, H), by (K,) as views into ``theta``.
    """

    kind = "elman"
    recurrent = True

    def __init__(self, input_size: int, hidden_size: int, output_size: int,
                 transfers: tuple[str, str] = ("tansig", "purelin")):
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        self.hidden_tf, self.out_tf = transfer.get(transfers[0]), transfer.get(transfers[1])
        D, H, K = input_size, hidden_size, output_size
        self.theta, self.params = flat_params(
            {"Wx": (H, D), "Wh": (H, H), "bh": (H,), "Wy": (K, H), "by": (K,)})

    @property
    def sizes(self) -> list[int]:
        return [self.input_size, self.hidden_size, self.output_size]

    @property
    def transfers(self) -> list[transfer.Transfer]:
        return [self.hidden_tf, self.out_tf]

    def __repr__(self) -> str:
        return (f"ElmanNet(input_size={self.input_size}, hidden_size={self.hidden_size}, "
                f"output_size={self.output_size}, [{self.hidden_tf.name}, {self.out_tf.name}], "
                f"{self.theta.size} weights)")

    # ---------------------------------------------------------------- initialisation
    def init_weights(self, method: str, rng: np.random.Generator, x_range: np.ndarray) -> None:
        """As MATLAB's newelm: Nguyen-Widrow for the hidden layer, whose inputs are the scaled
        inputs (range x_range (D, 2)) and its own previous output (the transfer function's
        range), then rands for the output layer; ``uniform``: every array uniform(-1, 1)."""
        p, D, H = self.params, self.input_size, self.hidden_size
        if method == "nguyen-widrow" and self.hidden_tf.active is not None:
            ranges = np.vstack([np.asarray(x_range, dtype=float),
                                np.tile(self.hidden_tf.out_range, (H, 1))])
            W, b = initializers.nguyen_widrow(H, ranges, self.hidden_tf.active, rng)
        else:
            W, b = initializers.rands(H, D + H, rng)
        p["Wx"][...], p["Wh"][...], p["bh"][...] = W[:, :D], W[:, D:], b
        p["Wy"][...], p["by"][...] = initializers.rands(self.output_size, H, rng)

    # ---------------------------------------------------------------- forward and backward
    def _hidden(self, X: np.ndarray, h0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Net inputs n (T, H) and states h (T, H) of the sequence X (T, D) from h0 (H,)."""
        p = self.params
        n = X @ p["Wx"].T + p["bh"]          # input projections of every step at once
        hs = np.empty_like(n)
        WhT, f = p["Wh"].T, self.hidden_tf.f
        h = h0
        for t in range(len(n)):
            n_t = n[t]
            n_t += h @ WhT
            hs[t] = h = f(n_t)
        return n, hs

    def forward(self, X: np.ndarray, h0: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
        """X (T, D), h0 (H,) or None for zeros -> (Y_hat (T, K), h_n (H,)), as nn.RNN returns."""
        h0 = np.zeros(self.hidden_size) if h0 is None else np.asarray(h0, dtype=float)
        if len(X) == 0:
            return np.empty((0, self.output_size)), h0.copy()
        _, hs = self._hidden(X, h0)
        p = self.params
        return self.out_tf.f(hs @ p["Wy"].T + p["by"]), hs[-1].copy()

    def predict(self, X: np.ndarray) -> np.ndarray:
        """X (T, D) as one sequence from h0 = 0 -> Y_hat (T, K)."""
        return self.forward(X)[0]

    def loss(self, X: np.ndarray, Y: np.ndarray, h0: np.ndarray | None = None,
             known: np.ndarray | None = None) -> tuple[float, tuple]:
        """mse of the sequence X (T, D) against Y (T, K) from h0, and the backward cache; with
        ``known`` (T, K) bool, over the known targets only (the others are NaN: no target)."""
        h0 = np.zeros(self.hidden_size) if h0 is None else np.asarray(h0, dtype=float)
        n, hs = self._hidden(X, h0)
        p = self.params
        ny = hs @ p["Wy"].T + p["by"]
        y = self.out_tf.f(ny)
        e = (Y - y).ravel()
        if known is not None:
            perf, e = known_errors(e, known.ravel())
        else:
            perf = float(e @ e) / e.size
        return perf, (X, h0, n, hs, ny, y, e)

    def backward(self, cache: tuple) -> dict[str, np.ndarray]:
        """Gradients of perf for Wx, Wh, bh, Wy, by, and for the initial state ("h0")."""
        X, h0, n, hs, ny, y, e = cache
        p = self.params
        dy = (-2.0 / e.size) * e.reshape(y.shape)
        dny = dy if self.out_tf.linear else dy * self.out_tf.deriv(ny, y)
        dz = dny @ p["Wy"]                    # output error reaching every h_t, (T, H)
        fprime = self.hidden_tf.deriv(n, hs)  # f'(n_t) of every step, (T, H)
        Wh = p["Wh"]
        dh_next = np.zeros(self.hidden_size)
        for t in range(len(dz) - 1, -1, -1):
            dz_t = dz[t]
            dz_t += dh_next                   # the error flowing back from step t + 1
            dz_t *= fprime[t]
            dh_next = dz_t @ Wh
        h_prev = np.vstack([h0[None, :], hs[:-1]])
        return {"Wx": dz.T @ X, "Wh": dz.T @ h_prev, "bh": dz.sum(axis=0),
                "Wy": dny.T @ hs, "by": dny.sum(axis=0), "h0": dh_next}

    def loss_and_grads(self, X: np.ndarray, Y: np.ndarray, h0: np.ndarray | None = None
                       ) -> tuple[float, dict[str, np.ndarray]]:
        """(perf, grads) of one sequence; grads has the keys of ``params`` and "h0"."""
        perf, cache = self.loss(X, Y, h0)
        return perf, self.backward(cache)

    def flat_grad(self, cache: tuple) -> np.ndarray:
        """dperf/dtheta as one vector, in the order of ``theta``."""
        return flatten(self.backward(cache), self.params)

    def jacobian(self, X: np.ndarray, h0: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Y_hat (T, K) and J = dY_hat/dtheta (T*K, P), rows in the order of Y_hat.ravel().

        BPTT from every output y_{s,k} at once: the rows of ``dh`` are the T*K sources, and
        each source starts at its own step s, so one backward sweep gives the whole Jacobian.
        """
        h0 = np.zeros(self.hidden_size) if h0 is None else np.asarray(h0, dtype=float)
        p = self.params
        n, hs = self._hidden(X, h0)
        ny = hs @ p["Wy"].T + p["by"]
        y = self.out_tf.f(ny)
        T, K, H = len(X), self.output_size, self.hidden_size
        dout = np.ones_like(y) if self.out_tf.linear else self.out_tf.deriv(ny, y)   # (T, K)
        fprime = self.hidden_tf.deriv(n, hs)
        dz = np.zeros((T * K, T, H))         # dz[source, t]: dy_source / dn_t
        dh = np.zeros((T * K, H))
        Wh = p["Wh"]
        for t in range(T - 1, -1, -1):
            dh[t * K:(t + 1) * K] += dout[t][:, None] * p["Wy"]   # the sources at step t
            dz[:, t] = dh * fprime[t]
            dh = dz[:, t] @ Wh
        h_prev = np.vstack([h0[None, :], hs[:-1]])
        J = np.zeros((T, K, self.theta.size))
        where = slices(p)
        src = dz.reshape(T, K, T, H)
        J[:, :, where["Wx"]] = np.einsum("sktj,td->skjd", src, X).reshape(T, K, -1)
        J[:, :, where["Wh"]] = np.einsum("sktj,ti->skji", src, h_prev).reshape(T, K, -1)
        J[:, :, where["bh"]] = src.sum(axis=2)
        J = J.reshape(T * K, -1)
        J[:, where["Wy"]], J[:, where["by"]] = output_jacobian(dout, hs)
        return y, J


def output_jacobian(dout: np.ndarray, hs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """dy/dWy (T*K, K*H) and dy/dby (T*K, K) of a linear-in-weights output layer
    y_t = g(Wy h_t + by), from g'(.) dout (T, K) and the states hs (T, H): output k of step t
    depends on row k of Wy and on by[k] only."""
    T, K = dout.shape
    H = hs.shape[1]
    Jwy = np.zeros((T, K, K, H))
    Jby = np.zeros((T, K, K))
    for k in range(K):
        Jwy[:, k, k, :] = dout[:, k:k + 1] * hs
        Jby[:, k, k] = dout[:, k]
    return Jwy.reshape(T * K, K * H), Jby.reshape(T * K, K)

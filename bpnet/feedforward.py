"""Compute stage: the BP network (MATLAB feedforwardnet / newff) with its exact gradient.

Layers l = 1..L (two hidden layers and the output layer by default), one row per sample:

    a_0 = X (N, D);   n_l = a_{l-1} W_l^T + b_l;   a_l = f_l(n_l);   Y_hat = a_L (N, K)
    perf = sum((Y - Y_hat)^2) / numel(Y)

Backward, with dA_L = dperf/dY_hat = -2 (Y - Y_hat) / numel(Y):

    dn_l = dA_l * f_l'(n_l);  dW_l = dn_l^T a_{l-1};  db_l = sum_rows(dn_l);  dA_{l-1} = dn_l W_l
"""
from __future__ import annotations

import numpy as np

from . import initializers, transfer
from .params import flat_params, flatten, slices


class BPNet:
    """A feed-forward network of ``len(sizes) - 1`` layers, W_l of shape (out, in).

    sizes: [D, H1, H2, K]; transfers: one MATLAB name per layer, e.g. [tansig, tansig, purelin].
    ``params`` holds W1, b1, W2, b2, ... as views into the flat vector ``theta``.
    """

    kind = "feedforward"
    recurrent = False

    def __init__(self, sizes: list[int], transfers: list[str]):
        if len(transfers) != len(sizes) - 1:
            raise ValueError("one transfer function per layer")
        self.sizes = list(sizes)
        self.transfers = [transfer.get(t) for t in transfers]
        shapes = {}
        for l in range(1, len(sizes)):
            shapes[f"W{l}"] = (sizes[l], sizes[l - 1])
            shapes[f"b{l}"] = (sizes[l],)
        self.theta, self.params = flat_params(shapes)
        self._layers = [(self.params[f"W{l}"], self.params[f"b{l}"], self.transfers[l - 1])
                        for l in range(1, len(sizes))]

    def __repr__(self) -> str:
        arch = "-".join(map(str, self.sizes))
        names = ", ".join(t.name for t in self.transfers)
        return f"BPNet({arch}, [{names}], {self.theta.size} weights)"

    # ---------------------------------------------------------------- initialisation
    def init_weights(self, method: str, rng: np.random.Generator, x_range: np.ndarray) -> None:
        """nguyen-widrow (MATLAB initnw; purelin/poslin layers get rands) or uniform(-1, 1).

        x_range (D, 2): [min, max] of each scaled training input, the range of layer 1's inputs.
        """
        ranges = np.asarray(x_range, dtype=float)
        for W, b, tf in self._layers:
            if method == "nguyen-widrow" and tf.active is not None:
                W[...], b[...] = initializers.nguyen_widrow(W.shape[0], ranges, tf.active, rng)
            else:
                W[...], b[...] = initializers.rands(W.shape[0], W.shape[1], rng)
            ranges = np.tile(tf.out_range, (W.shape[0], 1))

    # ---------------------------------------------------------------- forward and backward
    def predict(self, X: np.ndarray) -> np.ndarray:
        """X (N, D) -> Y_hat (N, K)."""
        a = X
        for W, b, tf in self._layers:
            a = tf.f(a @ W.T + b)
        return a

    def loss(self, X: np.ndarray, Y: np.ndarray) -> tuple[float, tuple]:
        """mse of X (N, D) against Y (N, K), and the cache the backward pass needs."""
        acts, nets = [X], []
        a = X
        for W, b, tf in self._layers:
            n = a @ W.T + b
            a = tf.f(n)
            nets.append(n)
            acts.append(a)
        e = (Y - a).ravel()
        perf = float(e @ e) / e.size
        return perf, (acts, nets, e)

    def backward(self, cache: tuple) -> dict[str, np.ndarray]:
        """Gradients of perf for every array in ``params`` (same keys, same shapes)."""
        acts, nets, e = cache
        dA = (-2.0 / e.size) * e.reshape(acts[-1].shape)
        grads = {}
        for l in range(len(self._layers), 0, -1):
            W, _, tf = self._layers[l - 1]
            dn = dA if tf.linear else dA * tf.deriv(nets[l - 1], acts[l])
            grads[f"W{l}"] = dn.T @ acts[l - 1]
            grads[f"b{l}"] = dn.sum(axis=0)
            if l > 1:
                dA = dn @ W
        return grads

    def loss_and_grads(self, X: np.ndarray, Y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        """(perf, grads) at the current weights; grads has the keys of ``params``."""
        perf, cache = self.loss(X, Y)
        return perf, self.backward(cache)

    def flat_grad(self, cache: tuple) -> np.ndarray:
        """dperf/dtheta as one vector, in the order of ``theta``."""
        return flatten(self.backward(cache), self.params)

    def jacobian(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Y_hat (N, K) and J = dY_hat/dtheta (N*K, P), rows in the order of Y_hat.ravel().

        Back-propagation from each output unit k at once for all samples, keeping the
        per-sample products dn_l[i] a_{l-1}[i]^T instead of summing them.
        """
        acts, nets, _ = self.loss(X, np.zeros((len(X), self.sizes[-1])))[1]
        N, K = acts[-1].shape
        J = np.empty((N, K, self.theta.size))
        where = slices(self.params)
        for k in range(K):
            dA = np.zeros((N, K))
            dA[:, k] = 1.0
            for l in range(len(self._layers), 0, -1):
                W, _, tf = self._layers[l - 1]
                dn = dA if tf.linear else dA * tf.deriv(nets[l - 1], acts[l])
                J[:, k, where[f"W{l}"]] = (dn[:, :, None] * acts[l - 1][:, None, :]).reshape(N, -1)
                J[:, k, where[f"b{l}"]] = dn
                if l > 1:
                    dA = dn @ W
        return acts[-1], J.reshape(N * K, -1)

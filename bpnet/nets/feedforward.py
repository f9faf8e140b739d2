"""Compute stage: the BP network (MATLAB feedforwardnet / newff) with its exact gradient.

Layers l = 1..L (two hidden layers and the output layer by default), one row per sample:

    a_0 = X (N, D);   n_l = a_{l-1} W_l^T + b_l;   a_l = f_l(n_l);   Y_hat = a_L (N, K)
    perf = sum((Y - Y_hat)^2) / numel(Y)

(a NaN target is no target: its error is 0 and numel(Y) counts the known targets only).
Backward, with dA_L = dperf/dY_hat = -2 (Y - Y_hat) / numel(Y):

    dn_l = dA_l * f_l'(n_l);  dW_l = dn_l^T a_{l-1};  db_l = sum_rows(dn_l);  dA_{l-1} = dn_l W_l

With ``perform = "crossentropy"`` (classification, docs/semantics.md#classification) perf is
:func:`~bpnet.nets.perform.crossentropy` and the recurrence starts from dn_L given by
:func:`~bpnet.nets.perform.output_error` ((Y_hat - Y) / numel(Y) for a softmax output).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

import numpy as np

from bpnet.nets import initializers, perform, transfer
from bpnet.nets.params import flat_params, slices

CHUNK = 4096  # samples per block of the forward-backward pass on large data sets


class LossCache(NamedTuple):
    """One forward pass over N samples, which ``loss`` leaves for ``flat_grad``; when ``loss``
    took the samples CHUNK rows at a time, only ``grad``, the finished gradient, is set."""

    acts: list[np.ndarray] | None   # a_0 = X (N, D), a_1 .. a_L (N, S_l)
    nets: list[np.ndarray] | None   # n_1 .. n_L (N, S_l); a_l's buffer too unless f_l needs n_l
    e: np.ndarray | None            # (N K,) the errors (Y - a_L).ravel(), 0 where no target
    n: int                          # the number of targets perf is the mean over
    grad: np.ndarray | None = None  # (P,) dperf/dtheta
    t: np.ndarray | None = None     # (N, K) the targets, kept for crossentropy only


class BPNet:
    """A feed-forward network of ``len(sizes) - 1`` layers, W_l of shape (out, in).

    sizes: [D, H1, H2, K]; transfers: one MATLAB name per layer, e.g. [tansig, tansig, purelin].
    ``params`` holds W1, b1, W2, b2, ... as views into the flat vector ``theta``.
    ``perform`` is mse or crossentropy (:mod:`bpnet.nets.perform`).
    """

    type = "feedforward"   # the config's models.<name>.type
    recurrent = False
    perform = "mse"

    def __init__(self, sizes: list[int], transfers: list[str]):
        if len(transfers) != len(sizes) - 1:
            raise ValueError("one transfer function per layer")
        self.sizes = list(sizes)
        self.transfers = [transfer.get(t) for t in transfers]
        shapes = {}
        for l in range(1, len(sizes)):
            shapes[f"W{l}"] = (sizes[l], self.fan_in(sizes, l))
            shapes[f"b{l}"] = (sizes[l],)
        self.theta, self.params = flat_params(shapes)
        self._layers = [(self.params[f"W{l}"], self.params[f"b{l}"], self.transfers[l - 1])
                        for l in range(1, len(sizes))]
        where = slices(self.params)
        self._where = [(where[f"W{l}"], where[f"b{l}"]) for l in range(1, len(sizes))]

    @staticmethod
    def fan_in(sizes: list[int], l: int) -> int:
        """The number of inputs of layer l: the size of layer l - 1."""
        return sizes[l - 1]

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
            ranges = self._next_ranges(ranges, np.tile(tf.out_range, (W.shape[0], 1)))

    @staticmethod
    def _next_ranges(ranges: np.ndarray, outputs: np.ndarray) -> np.ndarray:
        """The input ranges (I', 2) of the next layer from this layer's ``ranges`` (I, 2) and
        its outputs' ranges (S, 2): the outputs' alone; a cascade's stacks them."""
        return outputs

    # ---------------------------------------------------------------- forward and backward
    def predict(self, X: np.ndarray) -> np.ndarray:
        """X (N, D) -> Y_hat (N, K), CHUNK rows at a time on large data."""
        if len(X) > CHUNK:
            return np.vstack([self.predict(X[s:s + CHUNK]) for s in range(0, len(X), CHUNK)])
        a = X
        for W, b, tf in self._layers:   # in place: the numbers of tf.f(a @ W.T + b)
            n = a @ W.T
            n += b
            a = tf.f(n, out=n)
        return a

    def loss(self, X: np.ndarray, Y: np.ndarray, known: np.ndarray | None = None
             ) -> tuple[float, LossCache]:
        """mse of X (N, D) against Y (N, K), and the cache ``flat_grad`` needs; with ``known``
        (N, K) bool, the mse of the known targets only (the others are NaN: no target, an
        error of 0 that the mean does not count).

        Up to CHUNK samples the cache holds the forward pass and the backward pass waits until
        it is asked for (a rejected traingdx step never needs it). Beyond that the samples are
        taken CHUNK rows at a time, forward and backward together, so that the element-wise
        work stays in the processor's cache and memory does not grow with N beyond the data;
        the cache then holds the finished gradient.
        """
        if self.perform != "mse":
            return self._crossentropy_loss(X, Y)
        n = Y.size if known is None else max(int(known.sum()), 1)
        if len(X) <= CHUNK:
            fwd = self._forward(X, Y, known, n)
            return float(np.dot(fwd.e, fwd.e)) / n, fwd
        return self._in_chunks(X, Y, lambda fwd, _: (float(np.dot(fwd.e, fwd.e)),
                                                     self._backprop(fwd)), known, n)

    def _in_chunks(self, X: np.ndarray, Y: np.ndarray,
                   term: Callable[[LossCache, np.ndarray], tuple[float, np.ndarray]],
                   known: np.ndarray | None = None, n: int | None = None
                   ) -> tuple[float, LossCache]:
        """X (N, D), Y (N, K) (known (N, K) bool or None) taken CHUNK rows at a time: term(forward
        pass of a chunk, its targets) gives its (sum of perf elements, gradient (P,)); -> (perf,
        a cache holding the gradient), the sum divided by ``n`` (default: every target)."""
        n = Y.size if n is None else n
        grad = np.zeros_like(self.theta)
        total = 0.0
        for s in range(0, len(X), CHUNK):
            rows = slice(s, s + CHUNK)
            Yc = Y[rows]
            value, g = term(self._forward(X[rows], Yc, None if known is None else known[rows], n),
                            Yc)
            total += value
            grad += g
        return total / n, LossCache(None, None, None, n, grad)

    def _crossentropy_loss(self, X: np.ndarray, Y: np.ndarray) -> tuple[float, LossCache]:
        """crossentropy of X (N, D) against Y (N, K) and the cache, CHUNK rows at a time on
        large data as :meth:`loss` does."""
        if len(X) <= CHUNK:
            fwd = self._forward(X, Y, None, Y.size)._replace(t=Y)
            return perform.crossentropy(fwd.acts[-1], Y), fwd
        return self._in_chunks(X, Y, lambda fwd, Yc: (
            perform.crossentropy_sum(fwd.acts[-1], Yc),
            self._crossentropy_backprop(fwd._replace(t=Yc), Y.size)))

    def _crossentropy_backprop(self, fwd: LossCache, size: int) -> np.ndarray:
        """The gradient (P,) of the crossentropy of the forward pass ``fwd`` divided by
        ``size`` target elements."""
        dn = perform.output_error(self._layers[-1][2], fwd.nets[-1], fwd.acts[-1], fwd.t, size)
        return self._gradient(dn, fwd, top_is_dn=True)


    def _forward(self, X: np.ndarray, Y: np.ndarray, known: np.ndarray | None, count: int
                 ) -> LossCache:
        """X (N, D), Y (N, K), known (N, K) bool or None (all known), ``count`` the number of
        targets perf divides by -> the activations, net inputs and errors of every layer (0
        where there is no target)."""
        acts, nets = [X], []
        a = X
        for W, b, tf in self._layers:
            n = np.dot(a, W.T)
            n += b
            # the net input is kept only where the derivative needs it (poslin)
            a = tf.f(n) if tf.needs_n else tf.f(n, out=n)
            nets.append(n)
            acts.append(a)
        e = (Y - a).ravel()
        if known is not None:
            e[~known.ravel()] = 0.0
        return LossCache(acts, nets, e, count)

    def flat_grad(self, cache: LossCache) -> np.ndarray:
        """dperf/dtheta (P,), in the order of ``theta``."""
        if cache.grad is not None:
            return cache.grad
        if cache.t is not None:
            return self._crossentropy_backprop(cache, cache.t.size)
        return self._backprop(cache)

    def _layer_errors(self, dA: np.ndarray, fwd: LossCache, dot: Callable = np.dot,
                      top_is_dn: bool = False) -> Iterator[tuple[int, np.ndarray]]:
        """The backward recurrence over the layers from dA_L (N, K): yields (l, dn_l (N, S_l))
        for l = L .. 1, dn_l = dA_l * f_l'(n_l), dA_{l-1} = dot(dn_l, W_l).

        ``dot`` is np.dot for the gradient and np.matmul for the Jacobian, as they always were:
        the two differ in the sign of exact zeros when dn_l has one element (np.dot multiplies
        by it as by a scalar), and keeping each one keeps every result bit for bit.
        ``top_is_dn``: the given dA is already dn_L (crossentropy's output error).
        """
        L = len(self._layers)
        for l in range(L, 0, -1):
            W, _, tf = self._layers[l - 1]
            done = tf.linear or (top_is_dn and l == L)
            dn = dA if done else tf.backprop(dA, fwd.nets[l - 1], fwd.acts[l])
            yield l, dn
            if l > 1:
                dA = dot(dn, W)

    def _backprop(self, fwd: LossCache) -> np.ndarray:
        """The summed gradient (P,) dperf/dtheta of the mse, from dA_L = -2 e / n."""
        return self._gradient((-2.0 / fwd.n) * fwd.e.reshape(fwd.acts[-1].shape), fwd)

    def _gradient(self, dA: np.ndarray, fwd: LossCache, top_is_dn: bool = False
                  ) -> np.ndarray:
        """The gradient (P,) from the output error dA (N, K) (dn_L when ``top_is_dn``); each
        layer's products are written straight into their place."""
        grad = np.empty_like(self.theta)
        ones = np.ones(len(dA))
        for l, dn in self._layer_errors(dA, fwd, top_is_dn=top_is_dn):
            where_W, where_b = self._where[l - 1]
            np.dot(dn.T, self._layer_input(fwd, l), out=grad[where_W].reshape(dn.shape[1], -1))
            np.dot(ones, dn, out=grad[where_b])          # the column sums of dn
        return grad

    def backward(self, cache: LossCache) -> dict[str, np.ndarray]:
        """Gradients of perf for every array in ``params`` (same keys, same shapes)."""
        grad = self.flat_grad(cache)
        return {name: grad[where].reshape(self.params[name].shape)
                for name, where in slices(self.params).items()}

    def loss_and_grads(self, X: np.ndarray, Y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        """(perf, grads) at the current weights; grads has the keys of ``params``."""
        perf, cache = self.loss(X, Y)
        return perf, self.backward(cache)

    def _layer_input(self, fwd: LossCache, l: int) -> np.ndarray:
        """What layer l reads in the forward pass ``fwd``: a_{l-1} (N, S_{l-1})."""
        return fwd.acts[l - 1]

    def jacobian(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Y_hat (N, K) and J = dY_hat/dtheta (N*K, P), rows in the order of Y_hat.ravel().

        The backward recurrence from each output unit k at once for all samples, keeping the
        per-sample products dn_l[i] a_{l-1}[i]^T instead of summing them.
        """
        Y = np.zeros((len(X), self.sizes[-1]))   # the errors are not used
        fwd = self._forward(X, Y, None, Y.size)
        N, K = fwd.acts[-1].shape
        J = np.empty((N, K, self.theta.size))
        for k in range(K):
            dA = np.zeros((N, K))
            dA[:, k] = 1.0
            for l, dn in self._layer_errors(dA, fwd, np.matmul):
                where_W, where_b = self._where[l - 1]
                a = self._layer_input(fwd, l)
                J[:, k, where_W] = (dn[:, :, None] * a[:, None, :]).reshape(N, -1)
                J[:, k, where_b] = dn
        return fwd.acts[-1], J.reshape(N * K, -1)

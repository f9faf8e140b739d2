"""Compute stage: the cascade-forward network (MATLAB cascadeforwardnet) with its exact gradient.

As MATLAB builds it, the input connects to every layer and every layer to all later layers,
the output layer included; so the network holds the linear model X -> Y_hat and can reach past
its training range as that model does. Layer l sees the columns of every earlier layer side by
side, c_{l-1} = [a_0, a_1, ..., a_{l-1}] (N, D + S_1 + ... + S_{l-1}), and W_l has one column
per column of c_{l-1}: MATLAB's IW{l,1} is W_l[:, :D] and LW{l,j} the columns of a_j.

    n_l = c_{l-1} W_l^T + b_l;   a_l = f_l(n_l);   Y_hat = a_L

Every activation lives in one buffer C = [a_0, a_1, ..., a_L] (N, D + S_1 + ... + S_L): layer l
reads the view C[:, :o_l] and writes a_l into C[:, o_l:o_l + S_l]. Backward, the error of the
buffer, dC, has the same columns: dA_l = dC[:, o_l:o_l + S_l] is complete once every later layer
has added its share, so the layers are taken from L down to 1:

    dn_l = dA_l * f_l'(n_l);  dW_l = dn_l^T c_{l-1};  db_l = sum_rows(dn_l)
    dC[:, :o_l] += dn_l W_l
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from bpnet.nets.feedforward import CHUNK, BPNet, LossCache


class CascadeNet(BPNet):
    """A cascade-forward network of ``len(sizes) - 1`` layers; W_l of shape (S_l, o_l) where
    o_l = D + S_1 + ... + S_{l-1}. sizes, transfers, ``params`` and ``theta`` as for BPNet."""

    type = "cascadeforward"

    def __init__(self, sizes: list[int], transfers: list[str]):
        super().__init__(sizes, transfers)
        self.offsets = np.cumsum([0, *sizes]).tolist()   # o_l: where a_l starts in C

    @staticmethod
    def fan_in(sizes: list[int], l: int) -> int:
        """The number of inputs of layer l: D and every earlier layer's units."""
        return sum(sizes[:l])

    def __repr__(self) -> str:
        return super().__repr__().replace("BPNet", "CascadeNet", 1)

    @staticmethod
    def _next_ranges(ranges: np.ndarray, outputs: np.ndarray) -> np.ndarray:
        """Each layer's input ranges are those of the inputs and of every earlier layer's
        outputs side by side (MATLAB's initnw over all of a layer's weights)."""
        return np.vstack([ranges, outputs])

    # ---------------------------------------------------------------- forward and backward
    def _buffer(self, X: np.ndarray) -> np.ndarray:
        """C (N, o_{L+1}) with a_0 = X in its first D columns."""
        C = np.empty((len(X), self.offsets[-1]))
        C[:, :self.sizes[0]] = X
        return C

    def predict(self, X: np.ndarray) -> np.ndarray:
        """X (N, D) -> Y_hat (N, K), CHUNK rows at a time on large data."""
        if len(X) > CHUNK:
            return np.vstack([self.predict(X[s:s + CHUNK]) for s in range(0, len(X), CHUNK)])
        C = self._buffer(X)
        for l, (W, b, tf) in enumerate(self._layers, start=1):
            o = self.offsets[l]
            C[:, o:o + self.sizes[l]] = tf.f(C[:, :o] @ W.T + b)
        return C[:, self.offsets[-2]:].copy()

    def _forward(self, X: np.ndarray, Y: np.ndarray, known: np.ndarray | None, count: int
                 ) -> LossCache:
        """As BPNet's; ``acts`` is [C, a_1, ..., a_L], each a_l a view into the buffer C."""
        C = self._buffer(X)
        acts, nets = [C], []
        for l, (W, b, tf) in enumerate(self._layers, start=1):
            o = self.offsets[l]
            n = C[:, :o] @ W.T + b
            a = C[:, o:o + self.sizes[l]]
            a[...] = tf.f(n)
            nets.append(n)
            acts.append(a)
        e = (Y - acts[-1]).ravel()
        if known is not None:
            e[~known.ravel()] = 0.0
        return LossCache(acts, nets, e, count)

    def _layer_errors(self, dA: np.ndarray, fwd: LossCache, dot: Callable = np.dot,
                      top_is_dn: bool = False) -> Iterator[tuple[int, np.ndarray]]:
        """The backward recurrence from dA_L (N, K): yields (l, dn_l (N, S_l)) for l = L .. 1,
        each layer's error passed to the columns of every earlier layer through dC."""
        L = len(self._layers)
        C = fwd.acts[0]
        dC = np.zeros((len(C), self.offsets[L]))   # the error of every column but a_L's
        for l in range(L, 0, -1):
            W, _, tf = self._layers[l - 1]
            o = self.offsets[l]
            if l < L:
                dA = dC[:, o:o + self.sizes[l]]
            done = tf.linear or (top_is_dn and l == L)
            dn = dA if done else tf.backprop(dA, fwd.nets[l - 1], fwd.acts[l])
            yield l, dn
            if l > 1:
                dC[:, :o] += dot(dn, W)

    def _layer_input(self, fwd: LossCache, l: int) -> np.ndarray:
        """What layer l reads: c_{l-1} = C[:, :o_l], the inputs and every earlier layer."""
        return fwd.acts[0][:, :self.offsets[l]]

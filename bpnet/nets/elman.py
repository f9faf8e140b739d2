"""Compute stage: the Elman network (MATLAB elmannet / newelm) with exact BPTT
(docs/semantics.md#elman-network).

One gate: with the input projections n_t = Wx x_t + bh computed for every step at once,

    h_t = f(n_t + Wh h_{t-1})                (H,)    f = tansig by default

and, given the error dHo_t reaching h_t from outside the recurrence (the output layer), the
error reaching h_t is dHo_t plus what flows back from t + 1:

    dz_t = (dHo_t + dz_{t+1} Wh) * f'(n_t),   dh_0 = dz_1 Wh,
    dWx = sum_t dz_t x_t^T,  dWh = sum_t dz_t h_{t-1}^T,  dbh = sum_t dz_t.

MATLAB's own Elman training drops the second term (it treats h_{t-1} as a constant input); this
network keeps it. The output layer, the loss and the Jacobian are :class:`RecurrentNet`'s.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from bpnet.nets import initializers, transfer
from bpnet.nets.recurrent import Cell, RecurrentNet


class ElmanCache(NamedTuple):
    n: np.ndarray         # (T, H) net inputs of every step
    state0: np.ndarray    # (H,) h_0


class ElmanCell(Cell):
    """h_t = f(Wx x_t + Wh h_{t-1} + bh): arrays Wx (H, D), Wh (H, H), bh (H,); state h."""

    name = "elman"
    input_bias = "bh"        # MATLAB's one bias of the layer, added with the input projections
    recurrent_bias = None

    def __init__(self, hidden_size: int, transfer_name: str = "tansig"):
        super().__init__(hidden_size)
        self.transfer = transfer.get(transfer_name)

    def run(self, xp: np.ndarray, params: dict[str, np.ndarray], state: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, ElmanCache]:
        """xp (T, H) input projections, h0 (H,) -> hs (T, H), h_T (H,), cache."""
        n = xp                                   # becomes the net inputs, step by step
        hs = np.empty_like(n)
        Wh, f, dot = params["Wh"], self.transfer.f, np.dot
        product = np.empty(len(Wh))              # Wh h_{t-1}, the same buffer every step
        h = state
        for n_t, h_t in zip(n, hs):              # rows of n and hs: views, written in place
            n_t += dot(Wh, h, out=product)
            h = f(n_t, out=h_t)
        return hs, hs[-1].copy(), ElmanCache(n, state)

    def backprop(self, dHo: np.ndarray, cache: ElmanCache, hs: np.ndarray, Wh: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """dHo (S, T, H): error reaching every h_t from outside the recurrence, overwritten ->
        dZ (S, T, H), the errors of the net inputs (of both X Wx^T + bh and h Wh^T), twice,
        and dh0 (S, H)."""
        S, T, H = dHo.shape
        fprime = self.transfer.deriv(cache.n, hs)   # f'(n_t) of every step, (T, H)
        dZ = dHo
        # step t's rows, (H,) for one source: 1-d arrays cost less per step than (1, H)
        steps = dZ[0] if S == 1 else dZ.transpose(1, 0, 2)
        dh = np.zeros(steps.shape[1:])
        dot = np.dot
        for z, fprime_t in zip(steps[::-1], fprime[::-1]):   # t = T .. 1, views
            z += dh                      # the error flowing back from step t + 1
            z *= fprime_t
            dot(z, Wh, out=dh)
        return dZ, dZ, dh.reshape(S, H)

    def init_weights(self, params: dict[str, np.ndarray], method: str,
                     rng: np.random.Generator, x_range: np.ndarray | None) -> None:
        """As MATLAB's newelm: Nguyen-Widrow for the hidden layer, whose inputs are the scaled
        inputs (range x_range (D, 2)) and its own previous output (the transfer function's
        range), then rands for the output layer Wy, by; ``uniform``: rands for both layers."""
        p, H = params, self.H
        D = p["Wx"].shape[1]
        if method == "nguyen-widrow" and self.transfer.active is not None:
            ranges = np.vstack([np.asarray(x_range, dtype=float),
                                np.tile(self.transfer.out_range, (H, 1))])
            W, b = initializers.nguyen_widrow(H, ranges, self.transfer.active, rng)
        else:
            W, b = initializers.rands(H, D + H, rng)
        p["Wx"][...], p["Wh"][...], p["bh"][...] = W[:, :D], W[:, D:], b
        p["Wy"][...], p["by"][...] = initializers.rands(p["Wy"].shape[0], H, rng)


class ElmanNet(RecurrentNet):
    """Elman network: D inputs, H hidden units with recurrent weights, K outputs.

    ``params`` holds Wx (H, D), Wh (H, H), bh (H,), Wy (K, H), by (K,) as views into ``theta``;
    transfers: (hidden, output), MATLAB names.
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int,
                 transfers: tuple[str, str] = ("tansig", "purelin")):
        super().__init__(ElmanCell(hidden_size, transfers[0]), input_size, output_size,
                         transfers[1])

"""Compute stage: LSTM and GRU cells with exact BPTT (docs/semantics.md#lstm-and-gru, PyTorch's
equations).

A :class:`GatedNet` is a :class:`~bpnet.nets.recurrent.RecurrentNet` whose cell is an
:class:`LSTMCell` or a :class:`GRUCell`. Arrays, in PyTorch's gate order and orientation:
Wx (G H, D), Wh (G H, H), bx, bh (G H,), Wy (K, H), by (K,), G = 4 (i, f, g, o) for the LSTM and
3 (r, z, n) for the GRU. Each cell's backward loop runs on a batch of S error sources at once
(S = 1 for the gradient of perf, S = T K for trainlm's Jacobian), with the same code.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from bpnet.nets import transfer
from bpnet.nets.recurrent import Cell, RecurrentNet


class LSTMCache(NamedTuple):
    A: np.ndarray         # (T, 4H) gate activations i, f, g, o of every step
    cs: np.ndarray        # (T, H) cell states c_1 .. c_T
    tcs: np.ndarray       # (T, H) tanh(c_t)
    state0: tuple[np.ndarray, np.ndarray]   # (h_0, c_0), (H,) each


class GRUCache(NamedTuple):
    RZ: np.ndarray        # (T, 2H) gates r, z of every step
    N: np.ndarray         # (T, H) candidates n_t
    HN: np.ndarray        # (T, H) W_hn h_{t-1} + b_hn of every step
    state0: np.ndarray    # (H,) h_0


class GatedCell(Cell):
    """What the LSTM and GRU cells share: biases on both sides, tansig as the layer's named
    transfer function (the sigmoid gates are the cell's own), PyTorch's initialisation."""

    transfer = transfer.get("tansig")

    def init_weights(self, params: dict[str, np.ndarray], method: str,
                     rng: np.random.Generator, x_range: np.ndarray | None = None) -> None:
        """Every array, the output layer's too, uniform(-1/sqrt(H), 1/sqrt(H)), PyTorch's
        default, in the order of ``params`` (whatever ``method``)."""
        k = 1.0 / np.sqrt(self.H)
        for view in params.values():
            view[...] = rng.uniform(-k, k, size=view.shape)


class LSTMCell(GatedCell):
    """c' = f c + i g,  h' = o tanh(c'), with i, f, o = sigma(.), g = tanh(.) of
    W_x x + b_x + W_h h + b_h (rows i, f, g, o). The state is the pair (h, c)."""

    gates = 4
    name = "lstm"

    def __init__(self, hidden_size: int):
        super().__init__(hidden_size)
        H = hidden_size
        # one tanh over all four gates: sigma(z) = (tanh(z/2) + 1)/2 on the i, f, o rows
        self.half = np.r_[np.full(2 * H, 0.5), np.ones(H), np.full(H, 0.5)]
        self.shift = np.r_[np.full(2 * H, 0.5), np.zeros(H), np.full(H, 0.5)]

    def zero_state(self) -> tuple[np.ndarray, np.ndarray]:
        """(h0, c0) = 0, (H,) each."""
        return (np.zeros(self.H), np.zeros(self.H))

    def as_state(self, state) -> tuple[np.ndarray, np.ndarray]:
        """A user's (h0, c0) as float arrays of their own; None: zeros."""
        return self.zero_state() if state is None else \
            tuple(np.array(s, dtype=float) for s in state)

    def h_part(self, state: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """The h (H,) of a state (h, c)."""
        return state[0]

    def state_grads(self, d0: tuple[np.ndarray, np.ndarray]) -> dict[str, np.ndarray]:
        """(dh0, dc0), (1, H) each from a backprop of one source -> {"h0": (H,), "c0": (H,)}."""
        return {"h0": d0[0][0], "c0": d0[1][0]}

    def run(self, xp: np.ndarray, params: dict[str, np.ndarray],
            state: tuple[np.ndarray, np.ndarray]
            ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray], LSTMCache]:
        """xp (T, 4H) input projections, (h0, c0) -> hs (T, H), (h_T, c_T), cache."""
        H, T = self.H, len(xp)
        h, c = state
        xp = xp + params["bh"]         # the recurrent bias, once for all steps
        A = np.empty_like(xp)          # gate activations i, f, g, o of every step
        cs = np.empty((T, H))
        tcs = np.empty((T, H))
        hs = np.empty((T, H))
        WhT = params["Wh"].T
        half, shift = self.half, self.shift
        for t in range(T):
            a = A[t]
            np.dot(h, WhT, out=a)
            a += xp[t]                  # xp holds bx + bh already
            a *= half                   # z/2 on the sigma rows, z on the g rows
            np.tanh(a, out=a)
            a *= half                   # sigma(z) = (tanh(z/2) + 1)/2; g rows unchanged
            a += shift
            c = a[H:2 * H] * c
            c += a[:H] * a[2 * H:3 * H]
            cs[t] = c
            np.tanh(c, out=tcs[t])
            hs[t] = h = a[3 * H:] * tcs[t]
        return hs, (hs[-1].copy(), cs[-1].copy()), LSTMCache(A, cs, tcs, state)

    def backprop(self, dHo: np.ndarray, cache: LSTMCache, hs: np.ndarray, Wh: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """dHo (S, T, H): error reaching every h_t from outside the recurrence ->
        dZ_x (S, T, 4H) = dZ_h: the pre-activation errors of every step, and (dh0, dc0),
        (S, H) each."""
        A, cs, tcs = cache.A, cache.cs, cache.tcs
        c0 = cache.state0[1]
        H = self.H
        S, T, _ = dHo.shape
        i, f, g, o = A[:, :H], A[:, H:2 * H], A[:, 2 * H:3 * H], A[:, 3 * H:]
        c_prev = np.vstack([c0[None, :], cs[:-1]])
        # local multipliers of every step, outside the loop
        m_c = o * (1.0 - tcs * tcs)                 # dh -> dc through h = o tanh(c)
        m_gates = np.empty((T, 4 * H))              # dc (i, f, g rows) or dh (o row) -> dz
        m_gates[:, :H] = g * i * (1.0 - i)
        m_gates[:, H:2 * H] = c_prev * f * (1.0 - f)
        m_gates[:, 2 * H:3 * H] = i * (1.0 - g * g)
        m_gates[:, 3 * H:] = tcs * o * (1.0 - o)
        dZ = np.empty((S, T, 4 * H))
        dh = np.zeros((S, H))
        dc = np.zeros((S, H))
        for t in range(T - 1, -1, -1):
            dh_t = dHo[:, t] + dh
            dc_t = dc + dh_t * m_c[t]
            z = dZ[:, t]
            z.reshape(S, 4, H)[:, :3] = dc_t[:, None, :]
            z[:, 3 * H:] = dh_t
            z *= m_gates[t]
            dh = z @ Wh
            dc = dc_t * f[t]
        return dZ, dZ, (dh, dc)


class GRUCell(GatedCell):
    """r, z = sigma(.), n = tanh(W_xn x + b_xn + r (W_hn h + b_hn)), h' = (1 - z) n + z h
    (rows r, z, n). The state is h."""

    gates = 3
    name = "gru"

    def run(self, xp: np.ndarray, params: dict[str, np.ndarray], state: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, GRUCache]:
        """xp (T, 3H) input projections, h0 (H,) -> hs (T, H), h_T (H,), cache."""
        H, T = self.H, len(xp)
        h = state
        bh = params["bh"]
        RZ = np.empty((T, 2 * H))
        N = np.empty((T, H))
        HN = np.empty((T, H))          # W_hn h + b_hn of every step
        hs = np.empty((T, H))
        WhT = params["Wh"].T
        hp = np.empty(3 * H)
        for t in range(T):
            np.dot(h, WhT, out=hp)
            hp += bh
            rz = RZ[t]
            np.add(xp[t, :2 * H], hp[:2 * H], out=rz)
            transfer.sigmoid(rz, out=rz)
            HN[t] = hp[2 * H:]
            n = N[t]
            np.multiply(rz[:H], hp[2 * H:], out=n)
            n += xp[t, 2 * H:]
            np.tanh(n, out=n)
            hs[t] = h = n + rz[H:] * (h - n)
        return hs, hs[-1].copy(), GRUCache(RZ, N, HN, state)

    def backprop(self, dHo: np.ndarray, cache: GRUCache, hs: np.ndarray, Wh: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """dHo (S, T, H): error reaching every h_t from outside the recurrence ->
        dZ_x (S, T, 3H) (errors of the input projections), dZ_h (S, T, 3H) (errors of
        W_h h + b_h), and dh0 (S, H)."""
        RZ, N, HN, h0 = cache
        H = self.H
        S, T, _ = dHo.shape
        r, z = RZ[:, :H], RZ[:, H:]
        h_prev = np.vstack([h0[None, :], hs[:-1]])
        m_n = (1.0 - z) * (1.0 - N * N)             # dh -> d(pre-activation of n)
        m_z = (h_prev - N) * z * (1.0 - z)          # dh -> d(pre-activation of z)
        m_r = HN * r * (1.0 - r)                    # d(pre n) -> d(pre-activation of r)
        dX = np.empty((S, T, 3 * H))
        dH = np.empty((S, T, 3 * H))
        dh = np.zeros((S, H))
        for t in range(T - 1, -1, -1):
            dh_t = dHo[:, t] + dh
            x = dX[:, t]
            dan = np.multiply(dh_t, m_n[t], out=x[:, 2 * H:])
            np.multiply(dh_t, m_z[t], out=x[:, H:2 * H])
            np.multiply(dan, m_r[t], out=x[:, :H])
            y = dH[:, t]
            y[:, :2 * H] = x[:, :2 * H]
            np.multiply(dan, r[t], out=y[:, 2 * H:])
            dh = dh_t * z[t] + y @ Wh
        return dX, dH, dh


CELLS: dict[str, type[GatedCell]] = {"lstm": LSTMCell, "gru": GRUCell}


class GatedNet(RecurrentNet):
    """An LSTM or GRU layer of ``hidden_size`` units (``cell``: lstm or gru) under an output
    layer.

    ``forward(X, state)``: the state is (h, c) for the LSTM, h for the GRU; None: zeros.
    """

    def __init__(self, cell: str, input_size: int, hidden_size: int, output_size: int,
                 out_transfer: str = "purelin"):
        super().__init__(CELLS[cell](hidden_size), input_size, output_size, out_transfer)

"""Compute stage: LSTM and GRU networks with exact BPTT (SPEC 12, PyTorch's equations).

A :class:`GatedNet` is a recurrent layer of H units, given by its cell (:class:`LSTMCell` or
:class:`GRUCell`), and a purelin output layer y_t = Wy h_t + by. Arrays, in PyTorch's gate order
and orientation: Wx (G H, D), Wh (G H, H), bx, bh (G H,), Wy (K, H), by (K,), G = 4 (i, f, g, o)
for the LSTM and 3 (r, z, n) for the GRU.

The input projections of all steps (X Wx^T + bx), the output layer and every weight gradient
are single matrix products over all steps; only the recurrence is a Python loop. The backward
loop runs on a batch of S error sources at once: S = 1 for the gradient of perf, S = T K (one
per output of every step) for trainlm's Jacobian, with the same code.
"""
from __future__ import annotations

import numpy as np

from bpnet.nets import transfer
from bpnet.nets.elman import output_jacobian
from bpnet.nets.params import flat_params, flatten, known_errors, slices


def _sigmoid(z: np.ndarray, out=None) -> np.ndarray:
    a = np.multiply(z, 0.5, out=out)
    np.tanh(a, out=a)
    a += 1.0
    a *= 0.5
    return a


class LSTMCell:
    """c' = f c + i g,  h' = o tanh(c'), with i, f, o = sigma(.), g = tanh(.) of
    W_x x + b_x + W_h h + b_h (rows i, f, g, o). The state is the pair (h, c)."""

    gates = 4
    name = "lstm"

    def __init__(self, hidden_size: int):
        H = hidden_size
        self.H = H
        # one tanh over all four gates: sigma(z) = (tanh(z/2) + 1)/2 on the i, f, o rows
        self.half = np.r_[np.full(2 * H, 0.5), np.ones(H), np.full(H, 0.5)]
        self.shift = np.r_[np.full(2 * H, 0.5), np.zeros(H), np.full(H, 0.5)]

    def zero_state(self):
        return (np.zeros(self.H), np.zeros(self.H))

    def run(self, xp: np.ndarray, Wh: np.ndarray, bh: np.ndarray, state):
        """xp (T, 4H) input projections -> hs (T, H), final state, cache."""
        H, T = self.H, len(xp)
        h, c = state
        xp = xp + bh                   # the recurrent bias, once for all steps
        A = np.empty_like(xp)          # gate activations i, f, g, o of every step
        cs = np.empty((T, H))
        tcs = np.empty((T, H))
        hs = np.empty((T, H))
        WhT = Wh.T
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
        return hs, (hs[-1].copy(), cs[-1].copy()), (A, cs, tcs, state)

    def backprop(self, dHo: np.ndarray, cache, hs: np.ndarray, Wh: np.ndarray):
        """dHo (S, T, H): error reaching every h_t from outside the recurrence ->
        dZ_x (S, T, 4H) = dZ_h: the pre-activation errors of every step, and (dh0, dc0)."""
        A, cs, tcs, (h0, c0) = cache
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


class GRUCell:
    """r, z = sigma(.), n = tanh(W_xn x + b_xn + r (W_hn h + b_hn)), h' = (1 - z) n + z h
    (rows r, z, n). The state is h."""

    gates = 3
    name = "gru"

    def __init__(self, hidden_size: int):
        self.H = hidden_size

    def zero_state(self):
        return np.zeros(self.H)

    def run(self, xp: np.ndarray, Wh: np.ndarray, bh: np.ndarray, state):
        """xp (T, 3H) input projections -> hs (T, H), final state, cache."""
        H, T = self.H, len(xp)
        h = state
        RZ = np.empty((T, 2 * H))
        N = np.empty((T, H))
        HN = np.empty((T, H))          # W_hn h + b_hn of every step
        hs = np.empty((T, H))
        WhT = Wh.T
        hp = np.empty(3 * H)
        for t in range(T):
            np.dot(h, WhT, out=hp)
            hp += bh
            rz = RZ[t]
            np.add(xp[t, :2 * H], hp[:2 * H], out=rz)
            _sigmoid(rz, out=rz)
            HN[t] = hp[2 * H:]
            n = N[t]
            np.multiply(rz[:H], hp[2 * H:], out=n)
            n += xp[t, 2 * H:]
            np.tanh(n, out=n)
            hs[t] = h = n + rz[H:] * (h - n)
        return hs, hs[-1].copy(), (RZ, N, HN, state)

    def backprop(self, dHo: np.ndarray, cache, hs: np.ndarray, Wh: np.ndarray):
        """dHo (S, T, H) -> dZ_x (S, T, 3H) (errors of the input projections), dZ_h (S, T, 3H)
        (errors of W_h h + b_h), and dh0."""
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


CELLS = {"lstm": LSTMCell, "gru": GRUCell}


class GatedNet:
    """An LSTM or GRU layer of ``hidden_size`` units with a linear output layer.

    ``forward(X, state)`` is PyTorch's call: X (T, D) and the state after the previous sequence
    ((h, c) for the LSTM, h for the GRU; None: zeros) -> (Y_hat (T, K), state at the end).
    """

    recurrent = True

    def __init__(self, kind: str, input_size: int, hidden_size: int, output_size: int,
                 out_transfer: str = "purelin"):
        self.kind = kind
        self.cell = CELLS[kind](hidden_size)
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        self.out_tf = transfer.get(out_transfer)
        D, H, K, G = input_size, hidden_size, output_size, self.cell.gates
        self.theta, self.params = flat_params(
            {"Wx": (G * H, D), "Wh": (G * H, H), "bx": (G * H,), "bh": (G * H,),
             "Wy": (K, H), "by": (K,)})

    @property
    def sizes(self) -> list[int]:
        return [self.input_size, self.hidden_size, self.output_size]

    @property
    def transfers(self) -> list[transfer.Transfer]:
        return [transfer.get("tansig"), self.out_tf]

    def __repr__(self) -> str:
        return (f"GatedNet({self.kind}, input_size={self.input_size}, "
                f"hidden_size={self.hidden_size}, output_size={self.output_size}, "
                f"{self.theta.size} weights)")

    def init_weights(self, method: str, rng: np.random.Generator, x_range=None) -> None:
        """uniform: every array uniform(-1/sqrt(H), 1/sqrt(H)), PyTorch's default."""
        k = 1.0 / np.sqrt(self.hidden_size)
        for view in self.params.values():
            view[...] = rng.uniform(-k, k, size=view.shape)

    # ---------------------------------------------------------------- forward and backward
    def _state(self, state):
        if state is None:
            return self.cell.zero_state()
        if self.kind == "lstm":
            return tuple(np.asarray(s, dtype=float) for s in state)
        return np.asarray(state, dtype=float)

    def _hidden(self, X: np.ndarray, state):
        p = self.params
        xp = X @ p["Wx"].T + p["bx"]        # the input projections of every step at once
        return self.cell.run(xp, p["Wh"], p["bh"], state)

    def forward(self, X: np.ndarray, state=None):
        """X (T, D), state or None -> (Y_hat (T, K), state after the last step)."""
        state = self._state(state)
        if len(X) == 0:
            return np.empty((0, self.output_size)), state
        hs, final, _ = self._hidden(X, state)
        p = self.params
        return self.out_tf.f(hs @ p["Wy"].T + p["by"]), final

    def predict(self, X: np.ndarray) -> np.ndarray:
        """X (T, D) as one sequence from the zero state -> Y_hat (T, K)."""
        return self.forward(X)[0]

    def loss(self, X: np.ndarray, Y: np.ndarray, state=None, known: np.ndarray | None = None):
        """mse of the sequence X (T, D) against Y (T, K), and the backward cache; with
        ``known`` (T, K) bool, over the known targets only (the others are NaN: no target)."""
        state = self._state(state)
        hs, _, cache = self._hidden(X, state)
        p = self.params
        ny = hs @ p["Wy"].T + p["by"]
        y = self.out_tf.f(ny)
        e = (Y - y).ravel()
        if known is not None:
            perf, e = known_errors(e, known.ravel())
            return perf, (X, hs, cache, ny, y, e)
        return float(e @ e) / e.size, (X, hs, cache, ny, y, e)

    def backward(self, cache) -> dict[str, np.ndarray]:
        """Gradients of perf for every array of ``params``, and for the initial state
        ("h0"; for the LSTM also "c0")."""
        X, hs, cell_cache, ny, y, e = cache
        p = self.params
        dy = (-2.0 / e.size) * e.reshape(y.shape)
        dny = dy if self.out_tf.linear else dy * self.out_tf.deriv(ny, y)
        dHo = (dny @ p["Wy"])[None]                 # (1, T, H)
        dZx, dZh, d0 = self.cell.backprop(dHo, cell_cache, hs, p["Wh"])
        dZx, dZh = dZx[0], dZh[0]
        h0 = cell_cache[-1][0] if self.kind == "lstm" else cell_cache[-1]
        h_prev = np.vstack([h0[None, :], hs[:-1]])
        grads = {"Wx": dZx.T @ X, "Wh": dZh.T @ h_prev, "bx": dZx.sum(axis=0),
                 "bh": dZh.sum(axis=0), "Wy": dny.T @ hs, "by": dny.sum(axis=0)}
        if self.kind == "lstm":
            grads["h0"], grads["c0"] = d0[0][0], d0[1][0]
        else:
            grads["h0"] = d0[0]
        return grads

    def loss_and_grads(self, X: np.ndarray, Y: np.ndarray, state=None):
        perf, cache = self.loss(X, Y, state)
        return perf, self.backward(cache)

    def flat_grad(self, cache) -> np.ndarray:
        """dperf/dtheta as one vector, in the order of ``theta``."""
        return flatten(self.backward(cache), self.params)

    def jacobian(self, X: np.ndarray):
        """Y_hat (T, K) and J = dY_hat/dtheta (T*K, P): BPTT from all T*K outputs at once."""
        p = self.params
        state = self.cell.zero_state()
        hs, _, cell_cache = self._hidden(X, state)
        ny = hs @ p["Wy"].T + p["by"]
        y = self.out_tf.f(ny)
        T, K, H = len(X), self.output_size, self.hidden_size
        dout = np.ones_like(y) if self.out_tf.linear else self.out_tf.deriv(ny, y)
        dHo = np.zeros((T, K, T, H))
        for k in range(K):   # source (s, k) injects dout[s, k] Wy[k] into h_s
            dHo[np.arange(T), k, np.arange(T)] = dout[:, k:k + 1] * p["Wy"][k]
        dZx, dZh, _ = self.cell.backprop(dHo.reshape(T * K, T, H), cell_cache, hs, p["Wh"])
        h0 = state[0] if self.kind == "lstm" else state
        h_prev = np.vstack([h0[None, :], hs[:-1]])
        J = np.zeros((T * K, self.theta.size))
        where = slices(p)
        J[:, where["Wx"]] = np.einsum("stg,td->sgd", dZx, X).reshape(T * K, -1)
        J[:, where["Wh"]] = np.einsum("stg,tj->sgj", dZh, h_prev).reshape(T * K, -1)
        J[:, where["bx"]] = dZx.sum(axis=1)
        J[:, where["bh"]] = dZh.sum(axis=1)
        J[:, where["Wy"]], J[:, where["by"]] = output_jacobian(dout, hs)
        return y, J

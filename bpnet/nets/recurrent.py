"""Compute stage: the recurrent network, written once for every cell
(docs/semantics.md#elman-network, #lstm-and-gru).

A :class:`RecurrentNet` is a recurrent layer of H units, given by its cell, under an output layer.
One sequence of T steps, x_t (D,), from the initial state s_0 (zeros by default):

    h_t, s_t = cell(x_t, s_{t-1})            (H,)    h_t is s_t itself, or a part of it (LSTM)
    y_t = g(Wy h_t + by)                     (K,)    g = purelin by default
    perf = sum_t sum_k (y*_t - y_t)^2 / (T K)     (a NaN target y*: no target, not counted)

The cell's arrays are Wx (G H, D) and Wh (G H, H) with G pre-activations (gates) per unit, an
input-side bias added to X Wx^T and, for the gated cells, a recurrent-side bias added to h Wh^T.

Back-propagation through time is exact over the whole sequence and runs on a batch of S error
sources at once: dHo (S, T, H) is the error reaching every h_t from outside the recurrence.
S = 1 gives the gradient of perf (the source is the output layer's error); S = T K, one source
per output y_{s,k} (dHo[(s, k), s] = g'_{s,k} Wy[k], zero elsewhere), gives trainlm's Jacobian.
Each cell writes its BPTT once, for both. Everything that does not depend on the recurrence (the
input projections of all steps, the output layer, the weight gradients) is one product over all
steps; only the recurrence itself is a Python loop.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from bpnet.nets import perform, transfer
from bpnet.nets.params import flat_params, flatten, slices


class Cell:
    """A recurrent layer's step, its BPTT and its state; this base holds what cells share.

    A cell sets ``name`` (the model type), ``gates`` (G), ``transfer`` (the layer's transfer
    function as the saved model names it) and its biases: ``input_bias`` is added to X Wx^T,
    ``recurrent_bias`` to h Wh^T (None: no such bias). It implements ``run``, ``backprop`` and
    ``init_weights``. The state methods here are for a state that is h alone; the LSTM
    overrides them (its state is the pair (h, c)).
    """

    name = ""
    gates = 1
    transfer: transfer.Transfer
    input_bias = "bx"
    recurrent_bias: str | None = "bh"

    def __init__(self, hidden_size: int):
        self.H = hidden_size

    def shapes(self, input_size: int) -> dict[str, tuple[int, ...]]:
        """The recurrent layer's arrays in their saved order: Wx, Wh, then the biases."""
        G, H = self.gates * self.H, self.H
        shapes = {"Wx": (G, input_size), "Wh": (G, H), self.input_bias: (G,)}
        if self.recurrent_bias is not None:
            shapes[self.recurrent_bias] = (G,)
        return shapes

    def zero_state(self) -> Any:
        """The state before the first step: h0 = 0 (H,)."""
        return np.zeros(self.H)

    def as_state(self, state: Any) -> Any:
        """A user's state (h0 (H,), any array-like) as a float array of its own; None: zeros."""
        return self.zero_state() if state is None else np.array(state, dtype=float)

    def h_part(self, state: Any) -> np.ndarray:
        """The h (H,) of a state."""
        return state

    def state_grads(self, d0: Any) -> dict[str, np.ndarray]:
        """The gradients of the initial state, dh0 (1, H) from a backprop of one source, by
        name: {"h0": dh0 (H,)}."""
        return {"h0": d0[0]}

    def run(self, xp: np.ndarray, params: dict[str, np.ndarray], state: Any
            ) -> tuple[np.ndarray, Any, Any]:
        """xp (T, G H): X Wx^T + input bias of every step; the state before step 1 ->
        hs (T, H), the state after step T, and a cache (a NamedTuple with a ``state0`` field,
        the state it started from) for ``backprop``."""
        raise NotImplementedError

    def backprop(self, dHo: np.ndarray, cache: Any, hs: np.ndarray, Wh: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, Any]:
        """dHo (S, T, H), the error of S sources reaching every h_t from outside the
        recurrence (the cell may overwrite it) -> dZx (S, T, G H), the errors of the input
        projections X Wx^T + input bias, dZh (S, T, G H), those of h Wh^T (+ recurrent bias),
        and the errors of the initial state, in the state's shape with S rows."""
        raise NotImplementedError

    def init_weights(self, params: dict[str, np.ndarray], method: str,
                     rng: np.random.Generator, x_range: np.ndarray | None) -> None:
        """Fill every array of ``params``, the output layer's too: the initialisation is the
        network family's (MATLAB's or PyTorch's). x_range (D, 2): the scaled inputs' range."""
        raise NotImplementedError


class RecurrentCache(NamedTuple):
    """What ``loss`` keeps for the backward pass of one sequence."""

    X: np.ndarray         # (T, D) the inputs
    hs: np.ndarray        # (T, H) the hidden outputs h_1 .. h_T
    cell: Any             # the cell's own cache of the run (a NamedTuple with a state0 field)
    ny: np.ndarray        # (T, K) the output layer's net inputs Wy h_t + by
    y: np.ndarray         # (T, K) the outputs
    e: np.ndarray         # (T K,) the errors, (Y - y).ravel(), 0 where there is no target
    n: int                # the number of targets perf is the mean over
    state: Any            # the state after the last step (h_T; (h_T, c_T) for the LSTM)
    t: np.ndarray | None = None   # (T, K) the targets, kept for crossentropy only


class RecurrentNet:
    """A recurrent layer given by ``cell`` under an output layer of ``output_size`` units.

    ``params`` holds the cell's arrays (Wx, Wh, its biases), then Wy (K, H) and by (K,), as
    views into the flat vector ``theta``. ``forward(X, state)`` is PyTorch's call: X (T, D) and
    the state after the previous sequence (None: zeros) -> (Y_hat (T, K), state at the end).
    """

    recurrent = True
    perform = "mse"     # or crossentropy (bpnet.nets.perform), for the loss and its gradient

    def __init__(self, cell: Cell, input_size: int, output_size: int,
                 out_transfer: str = "purelin"):
        self.cell = cell
        self.input_size, self.hidden_size, self.output_size = input_size, cell.H, output_size
        self.out_tf = transfer.get(out_transfer)
        K, H = output_size, cell.H
        self.theta, self.params = flat_params(
            {**cell.shapes(input_size), "Wy": (K, H), "by": (K,)})

    @property
    def type(self) -> str:
        return self.cell.name

    @property
    def sizes(self) -> list[int]:
        return [self.input_size, self.hidden_size, self.output_size]

    @property
    def transfers(self) -> list[transfer.Transfer]:
        return [self.cell.transfer, self.out_tf]

    def __repr__(self) -> str:
        names = ", ".join(t.name for t in self.transfers)
        return (f"{type(self).__name__}({self.type}, input_size={self.input_size}, "
                f"hidden_size={self.hidden_size}, output_size={self.output_size}, [{names}], "
                f"{self.theta.size} weights)")

    def init_weights(self, method: str, rng: np.random.Generator,
                     x_range: np.ndarray | None = None) -> None:
        """The cell's initialisation of every array (MATLAB newelm's for the Elman network,
        PyTorch's for the gated cells); x_range (D, 2): [min, max] of each scaled input."""
        self.cell.init_weights(self.params, method, rng, x_range)

    # ---------------------------------------------------------------- forward
    def _run(self, X: np.ndarray, state: Any) -> tuple[np.ndarray, Any, Any]:
        """X (T, D) from ``state`` -> hs (T, H), the state after step T, the cell's cache."""
        p = self.params
        xp = X @ p["Wx"].T + p[self.cell.input_bias]   # the input projections of every step
        return self.cell.run(xp, p, state)

    def _output(self, hs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """hs (T, H) -> the output layer's net inputs ny (T, K) and outputs y (T, K)."""
        ny = hs @ self.params["Wy"].T + self.params["by"]
        return ny, self.out_tf.f(ny)

    def forward(self, X: np.ndarray, state: Any = None) -> tuple[np.ndarray, Any]:
        """X (T, D), state or None -> (Y_hat (T, K), state after the last step)."""
        state = self.cell.as_state(state)
        if len(X) == 0:
            return np.empty((0, self.output_size)), state
        hs, final, _ = self._run(X, state)
        return self._output(hs)[1], final

    def predict(self, X: np.ndarray) -> np.ndarray:
        """X (T, D) as one sequence from the zero state -> Y_hat (T, K)."""
        return self.forward(X)[0]

    def loss(self, X: np.ndarray, Y: np.ndarray, state: Any = None,
             known: np.ndarray | None = None) -> tuple[float, RecurrentCache]:
        """perf (mse, or crossentropy with ``perform``) of the sequence X (T, D) against
        Y (T, K) from ``state``, and the backward cache; with ``known`` (T, K) bool, the mse of
        the known targets only (the others are NaN: no target, an error of 0 that the mean does
        not count)."""
        hs, final, cell_cache = self._run(X, self.cell.as_state(state))
        ny, y = self._output(hs)
        e = (Y - y).ravel()
        if self.perform != "mse":
            return perform.crossentropy(y, Y), RecurrentCache(X, hs, cell_cache, ny, y, e,
                                                              e.size, final, Y)
        n = e.size
        if known is not None:
            e[~known.ravel()] = 0.0
            n = max(int(known.sum()), 1)
        return float(e @ e) / n, RecurrentCache(X, hs, cell_cache, ny, y, e, n, final)

    # ---------------------------------------------------------------- backward
    def _h_prev(self, cell_cache: Any, hs: np.ndarray) -> np.ndarray:
        """hs (T, H) -> h_0 .. h_{T-1} (T, H): what Wh multiplies at each step."""
        h0 = self.cell.h_part(cell_cache.state0)
        return np.vstack([h0[None, :], hs[:-1]])

    def backward(self, cache: RecurrentCache) -> dict[str, np.ndarray]:
        """Gradients of perf for every array of ``params`` (same keys and shapes) and for the
        initial state ("h0" (H,); for the LSTM also "c0")."""
        p, X, hs, y, e = self.params, cache.X, cache.hs, cache.y, cache.e
        if cache.t is not None:
            dny = perform.output_error(self.out_tf, cache.ny, y, cache.t, cache.t.size)
        else:
            dy = (-2.0 / cache.n) * e.reshape(y.shape)
            dny = dy if self.out_tf.linear else self.out_tf.backprop(dy, cache.ny, y)
        dHo = (dny @ p["Wy"])[None]                  # output error reaching every h_t, (1, T, H)
        dZx, dZh, d0 = self.cell.backprop(dHo, cache.cell, hs, p["Wh"])
        dZx, dZh = dZx[0], dZh[0]                    # (T, G H) each
        grads = {"Wx": dZx.T @ X, "Wh": dZh.T @ self._h_prev(cache.cell, hs)}
        for name, dZ in self._biases(dZx, dZh):
            grads[name] = dZ.sum(axis=0)
        grads["Wy"], grads["by"] = dny.T @ hs, dny.sum(axis=0)
        grads.update(self.cell.state_grads(d0))
        return grads

    def _biases(self, dZx: np.ndarray, dZh: np.ndarray) -> list[tuple[str, np.ndarray]]:
        """The cell's biases, each with the pre-activation errors it receives (dZx or dZh)."""
        pairs = [(self.cell.input_bias, dZx), (self.cell.recurrent_bias, dZh)]
        return [(name, dZ) for name, dZ in pairs if name is not None]

    def loss_and_grads(self, X: np.ndarray, Y: np.ndarray, state: Any = None
                       ) -> tuple[float, dict[str, np.ndarray]]:
        """(perf, grads) of one sequence; grads has the keys of ``params`` and "h0" (, "c0")."""
        perf, cache = self.loss(X, Y, state)
        return perf, self.backward(cache)

    def flat_grad(self, cache: RecurrentCache) -> np.ndarray:
        """dperf/dtheta (P,), in the order of ``theta``."""
        return flatten(self.backward(cache), self.params)

    def jacobian(self, X: np.ndarray, state: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """Y_hat (T, K) and J = dY_hat/dtheta (T K, P), rows in the order of Y_hat.ravel():
        BPTT from all T K outputs at once, source (s, k) entering at h_s."""
        p = self.params
        hs, _, cell_cache = self._run(X, self.cell.as_state(state))
        ny, y = self._output(hs)
        T, K, H = len(X), self.output_size, self.hidden_size
        dout = np.ones_like(y) if self.out_tf.linear else self.out_tf.deriv(ny, y)   # (T, K)
        dHo = np.zeros((T, K, T, H))
        for k in range(K):   # source (s, k) injects dout[s, k] Wy[k] into h_s
            dHo[np.arange(T), k, np.arange(T)] = dout[:, k:k + 1] * p["Wy"][k]
        dZx, dZh, _ = self.cell.backprop(dHo.reshape(T * K, T, H), cell_cache, hs, p["Wh"])
        h_prev = self._h_prev(cell_cache, hs)
        J = np.zeros((T * K, self.theta.size))
        where = slices(p)
        J[:, where["Wx"]] = np.einsum("stg,td->sgd", dZx, X).reshape(T * K, -1)
        J[:, where["Wh"]] = np.einsum("stg,tj->sgj", dZh, h_prev).reshape(T * K, -1)
        for name, dZ in self._biases(dZx, dZh):
            J[:, where[name]] = dZ.sum(axis=1)
        J[:, where["Wy"]], J[:, where["by"]] = output_jacobian(dout, hs)
        return y, J


def output_jacobian(dout: np.ndarray, hs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """dy/dWy (T K, K H) and dy/dby (T K, K) of the output layer y_t = g(Wy h_t + by), from
    g'(.) dout (T, K) and the states hs (T, H): output k of step t depends on row k of Wy and
    on by[k] only."""
    T, K = dout.shape
    H = hs.shape[1]
    Jwy = np.zeros((T, K, K, H))
    Jby = np.zeros((T, K, K))
    for k in range(K):
        Jwy[:, k, k, :] = dout[:, k:k + 1] * hs
        Jby[:, k, k] = dout[:, k]
    return Jwy.reshape(T * K, K * H), Jby.reshape(T * K, K)

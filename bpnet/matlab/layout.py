"""A network in MATLAB's layout (docs/semantics.md#matlab-layout): its arrays under MATLAB's names,
in
getwb's order, and MATLAB's processing settings of its inputs and outputs.

Names (every matrix (out, in), as bpnet keeps it; every bias a column vector):

    feedforward  IW1_1 = W1, b1;  LW2_1 = W2, b2;  LW3_2 = W3, b3; ...
    cascade      IWl_1 = Wl(:, inputs), LWl_j = Wl(:, columns of layer j) for j < l, bl
    elman        IW1_1 = Wx, LW1_1 = Wh, b1 = bh;  LW2_1 = Wy, b2 = by
    lstm, gru    IW1_1 = Wx, LW1_1 = Wh, b1 = bx, b1_h = bh;  LW2_1 = Wy, b2 = by

getwb's order takes the layers in turn: b{i}, then IW{i,j}(:), then LW{i,k}(:), each matrix
flattened column by column (MATLAB has no LSTM or GRU here; their vector puts b1_h after b1).

Processing settings, MATLAB's per-row functions on samples in columns (here applied to samples
in rows, x (N, R)):

    removeconstantrows  y = x(keep, :)                     keep: 1-based indices in MATLAB
    mapminmax           y = (x - xoffset) .* gain + ymin   reverse (y - ymin) ./ gain + xoffset
    mapstd              y = (x - xoffset) .* gain + ymean  reverse (y - ymean) ./ gain + xoffset
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpnet.data.scaling import Scaler

MAPPINGS = ("mapminmax", "mapstd")
# the settings field that a mapping adds after the gain
_Y0 = {"mapminmax": "ymin", "mapstd": "ymean"}


def names(kind: str, layers: int = 3) -> list[tuple[str, str]]:
    """(MATLAB name, bpnet parameter name) of every array of a ``kind`` network, in getwb's
    order (a cascade-forward network's W_l holds IWl_1 and every LWl_j); ``layers``: a
    feedforward or cascade-forward network's number of layers."""
    if kind == "cascadeforward":
        out = []
        for l in range(1, layers + 1):
            out += [(f"b{l}", f"b{l}"), (f"IW{l}_1", f"W{l}")]
            out += [(f"LW{l}_{j}", f"W{l}") for j in range(1, l)]
        return out
    if kind == "feedforward":
        out = []
        for l in range(1, layers + 1):
            out += [(f"b{l}", f"b{l}"), ("IW1_1" if l == 1 else f"LW{l}_{l - 1}", f"W{l}")]
        return out
    first = [("b1", "bh")] if kind == "elman" else [("b1", "bx"), ("b1_h", "bh")]
    return [*first, ("IW1_1", "Wx"), ("LW1_1", "Wh"), ("b2", "by"), ("LW2_1", "Wy")]


def of(kind: str, params: dict[str, np.ndarray]) -> list[tuple[str, str]]:
    """:func:`names` of the network whose arrays are ``params``."""
    if kind not in ("feedforward", "cascadeforward"):
        return names(kind)
    return names(kind, sum(1 for k in params if k.startswith("W")))


def blocks(kind: str, params: dict[str, np.ndarray]) -> list[tuple[str, np.ndarray]]:
    """(MATLAB name, a 2-D view into ``params``) of every array, in getwb's order (biases
    (S, 1)). A cascade-forward layer's W_l splits by columns into IWl_1 and LWl_j, j < l."""
    if kind != "cascadeforward":
        return [(m, params[p].reshape(params[p].shape[0], -1)) for m, p in of(kind, params)]
    out = []
    layers = sum(1 for k in params if k.startswith("W"))
    sizes = [params["W1"].shape[1]] + [params[f"W{l}"].shape[0] for l in range(1, layers + 1)]
    starts = np.cumsum([0, *sizes]).tolist()
    for l in range(1, layers + 1):
        W = params[f"W{l}"]
        out += [(f"b{l}", params[f"b{l}"].reshape(-1, 1)), (f"IW{l}_1", W[:, :sizes[0]])]
        out += [(f"LW{l}_{j}", W[:, starts[j]:starts[j + 1]]) for j in range(1, l)]
    return out


def to_matlab(kind: str, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A network's ``params`` as MATLAB's 2-D arrays by MATLAB name (biases (S, 1))."""
    return {m: np.array(a, dtype=float) for m, a in blocks(kind, params)}


def getwb(kind: str, params: dict[str, np.ndarray]) -> np.ndarray:
    """MATLAB's getwb vector (P,) of a network's ``params``."""
    arrays = to_matlab(kind, params)
    return np.concatenate([a.ravel(order="F") for a in arrays.values()])


def setwb(kind: str, wb: np.ndarray, params: dict[str, np.ndarray]) -> None:
    """Copy MATLAB's getwb vector ``wb`` (P,) into ``params`` (arrays of their shapes, in
    place); the length must be right (ValueError)."""
    views = [view for _, view in blocks(kind, params)]
    total = sum(view.size for view in views)
    if wb.size != total:
        raise ValueError(f"wb has {wb.size} values, this network has {total} weights and biases")
    at = 0
    for view in views:
        view[...] = wb[at:at + view.size].reshape(view.shape, order="F")
        at += view.size


@dataclass(frozen=True)
class Step:
    """One processing function of MATLAB with its settings: ``keep`` (0-based rows kept of
    ``rows``) for removeconstantrows; ``xoffset``, ``gain`` (R,) and ``y0`` (ymin or ymean)
    for a mapping."""

    name: str
    keep: np.ndarray | None = None
    rows: int = 0
    xoffset: np.ndarray | None = None
    gain: np.ndarray | None = None
    y0: float = 0.0

    def apply(self, x: np.ndarray) -> np.ndarray:
        """x (N, R) -> (N, R') processed."""
        if self.name == "removeconstantrows":
            return x[:, self.keep]
        return (x - self.xoffset) * self.gain + self.y0

    def reverse(self, y: np.ndarray) -> np.ndarray:
        """y (N, R') processed -> (N, R): a mapping's reverse, or a removeconstantrows that
        removed nothing (what it removed is not known here)."""
        if self.name == "removeconstantrows":
            if len(self.keep) != self.rows:
                raise ValueError("removeconstantrows that removed rows has no reverse here")
            return y
        return (y - self.y0) / self.gain + self.xoffset

    def constants(self, prefix: str) -> dict[str, np.ndarray]:
        """The settings as genFunction's literals, ``prefix`` e.g. x1_step1."""
        if self.name == "removeconstantrows":
            return {f"{prefix}_keep": (self.keep + 1.0)[None, :]}
        return {f"{prefix}_xoffset": self.xoffset[:, None], f"{prefix}_gain": self.gain[:, None],
                f"{prefix}_{_Y0[self.name]}": np.array([[self.y0]])}


@dataclass(frozen=True)
class Processing:
    """MATLAB's processing of one input or output: ``steps`` in order, on ``size`` rows.

    Used where bpnet uses a :class:`~bpnet.data.scaling.Scaler`: ``transform`` x (N, size)
    -> the network's (N, R); ``inverse_transform`` the network's outputs back."""

    steps: tuple[Step, ...]
    size: int

    @property
    def method(self) -> str:
        maps = [s.name for s in self.steps if s.name in MAPPINGS]
        return maps[-1] if maps else "none"

    @property
    def kept(self) -> int:
        """The number of rows left after removeconstantrows (the network's inputs)."""
        rows = self.size
        for s in self.steps:
            if s.keep is not None:
                rows = len(s.keep)
        return rows

    def transform(self, x: np.ndarray) -> np.ndarray:
        """x (N, size) -> (N, kept) as MATLAB's input processing."""
        for s in self.steps:
            x = s.apply(x)
        return x

    def inverse_transform(self, y: np.ndarray) -> np.ndarray:
        """y (N, size), the network's outputs -> original units (a mapping's reverse)."""
        for s in reversed(self.steps):
            y = s.reverse(y)
        return y

    def constants(self, prefix: str) -> dict[str, np.ndarray]:
        """Every step's literals, named ``{prefix}_step{i}_*`` (prefix x1 or y1)."""
        out: dict[str, np.ndarray] = {}
        for i, s in enumerate(self.steps, 1):
            out.update(s.constants(f"{prefix}_step{i}"))
        return out


def from_scaler(scaler: Scaler) -> Processing:
    """bpnet's scaling as MATLAB's settings: mapminmax as it is (ymin = -1), mapstd with
    gain = 1/std and ymean = 0; none: no step."""
    size = len(scaler.offset)
    if scaler.method == "mapminmax":
        return Processing((Step("mapminmax", xoffset=scaler.offset, gain=scaler.factor,
                                y0=-1.0),), size)
    if scaler.method == "mapstd":
        return Processing((Step("mapstd", xoffset=scaler.offset, gain=1.0 / scaler.factor,
                                y0=0.0),), size)
    return Processing((), size)

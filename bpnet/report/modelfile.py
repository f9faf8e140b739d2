"""Output stage: the saved model, a ``.npz`` of plain arrays (docs/semantics.md §10), never pickle.

BP net: W1 (H1, D), b1, W2 (H2, H1), b2, W3 (K, H2), b3; Elman: Wx (H, D), Wh (H, H), bh,
Wy (K, H), by; LSTM / GRU: Wx (G H, D), Wh (G H, H), bx, bh (G H,), Wy, by with G = 4 / 3.
All carry the scaling arrays (x_mean, x_std, y_mean, y_std for mapstd; x_offset, x_gain,
y_offset, y_gain for mapminmax) and ``meta``, a JSON string (:class:`~bpnet.report.meta.ModelMeta`)
with the model type, layer sizes, transfer functions, feature and target names, the data
settings, the scaling method and the package version: everything needed to use the model
without its config. A classifier's meta also lists its classes; it has no y scaling arrays.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bpnet.data import scaling
from bpnet.errors import InputError
from bpnet.nets import registry
from bpnet.npzfile import copy_arrays, read_arrays
from bpnet.paths import shown
from bpnet.report.fileio import atomic_write
from bpnet.report.meta import ModelMeta, invalid


def save(path: str | Path, net, x_scaler: scaling.Scaler, y_scaler: scaling.Scaler,
         meta: ModelMeta) -> None:
    """Write the model atomically (a temporary file in the same folder, renamed into place)."""
    arrays = {k: np.ascontiguousarray(v) for k, v in net.params.items()}
    arrays.update(x_scaler.arrays("x"))
    arrays.update(y_scaler.arrays("y"))
    arrays["meta"] = np.array(json.dumps(meta.to_json()))
    atomic_write(path, lambda fh: np.savez(fh, **arrays), binary=True)


def load(path: str | Path) -> tuple[object, scaling.Scaler, scaling.Scaler, ModelMeta]:
    """Read a saved model: (net, x_scaler, y_scaler, meta). Bad files raise InputError."""
    path = str(path)
    arrays = read_arrays(path, unreadable="not a readable bpnet model")
    if "meta" not in arrays:
        raise InputError(f"{shown(path)}: no meta array; not a bpnet model file")
    try:
        raw = json.loads(str(arrays["meta"]))
        net = registry.from_meta(raw)
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise invalid(path, exc) from None
    copy_arrays(net.params, arrays, path, expected="its meta says")
    method = raw.get("scaling", "none")
    try:
        xs = scaling.Scaler.from_arrays(method, arrays, "x", net.sizes[0])
        # a classifier's one-hot targets are never scaled
        ys = scaling.Scaler.from_arrays("none" if raw.get("classes") else method, arrays, "y",
                                        net.sizes[-1])
    except KeyError as exc:
        raise InputError(f"{shown(path)}: missing scaling array {exc.args[0]}") from None
    return net, xs, ys, ModelMeta.from_json(raw, path)

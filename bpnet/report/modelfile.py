"""Output stage: the saved model, a ``.npz`` of plain arrays (SPEC 10), never pickle.

BP net: W1 (H1, D), b1, W2 (H2, H1), b2, W3 (K, H2), b3; Elman: Wx (H, D), Wh (H, H), bh,
Wy (K, H), by; LSTM / GRU: Wx (G H, D), Wh (G H, H), bx, bh (G H,), Wy, by with G = 4 / 3.
All carry the scaling arrays (x_mean, x_std, y_mean, y_std for mapstd; x_offset, x_gain,
y_offset, y_gain for mapminmax) and ``meta``, a JSON string with the model type,
layer sizes, transfer functions, feature and target names, the data settings, the scaling method
and the package version: everything needed to use the model without its config.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from bpnet.version import __version__
from bpnet.data import scaling
from bpnet.errors import InputError, shown
from bpnet.nets import registry
from bpnet.report.fileio import atomic_write


def save(path: str | Path, net, x_scaler: scaling.Scaler, y_scaler: scaling.Scaler,
         meta: dict) -> None:
    """Write the model atomically (a temporary file in the same folder, renamed into place)."""
    meta = {"model": net.kind, "sizes": net.sizes,
            "transfer": [t.name for t in net.transfers], "scaling": x_scaler.method,
            "version": __version__, **meta}
    arrays = {k: np.ascontiguousarray(v) for k, v in net.params.items()}
    arrays.update(x_scaler.arrays("x"))
    arrays.update(y_scaler.arrays("y"))
    arrays["meta"] = np.array(json.dumps(meta))
    atomic_write(path, lambda fh: np.savez(fh, **arrays), binary=True)


def load(path: str | Path):
    """Read a saved model: (net, x_scaler, y_scaler, meta). Bad files raise InputError."""
    path = str(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except FileNotFoundError:
        raise InputError(f"{shown(path)}: model file not found") from None
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise InputError(f"{shown(path)}: not a readable bpnet model ({exc})") from None
    if "meta" not in arrays:
        raise InputError(f"{shown(path)}: no meta array; not a bpnet model file")
    try:
        meta = json.loads(str(arrays["meta"]))
        net = registry.from_meta(meta)
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise InputError(f"{shown(path)}: the meta array is not a valid model description "
                         f"({exc})") from None
    for name, view in net.params.items():
        if name not in arrays:
            raise InputError(f"{shown(path)}: missing array {name}")
        if arrays[name].shape != view.shape:
            raise InputError(f"{shown(path)}: {name} has shape {arrays[name].shape}, its meta says "
                             f"{view.shape}")
        view[...] = arrays[name]
    method = meta.get("scaling", "none")
    try:
        xs = scaling.Scaler.from_arrays(method, arrays, "x", net.sizes[0])
        ys = scaling.Scaler.from_arrays(method, arrays, "y", net.sizes[-1])
    except KeyError as exc:
        raise InputError(f"{shown(path)}: missing scaling array {exc.args[0]}") from None
    return net, xs, ys, meta

"""Output stage: the saved model, a ``.npz`` of plain arrays (docs/semantics.md#saved-model), never
pickle.

BP net: W1 (H1, D), b1, W2 (H2, H1), b2, W3 (K, H2), b3; Elman: Wx (H, D), Wh (H, H), bh,
Wy (K, H), by; LSTM / GRU: Wx (G H, D), Wh (G H, H), bx, bh (G H,), Wy, by with G = 4 / 3.
All carry the scaling arrays (x_mean, x_std, y_mean, y_std for mapstd; x_offset, x_gain,
y_offset, y_gain for mapminmax) and ``meta``, a JSON string (:class:`~bpnet.report.meta.ModelMeta`)
with the model type, layer sizes, transfer functions, feature and target names, the data
settings, the scaling method and the package version: everything needed to use the model
without its config. A classifier's meta also lists its classes; it has no y scaling arrays.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from bpnet.data import scaling
from bpnet.errors import InputError
from bpnet.memory import network_values, require
from bpnet.nets import registry
from bpnet.npzfile import NpzFile
from bpnet.report.meta import ModelMeta, invalid
from bpnet.storage.fileio import atomic_write


def save(path: str | Path, net, x_scaler: scaling.Scaler, y_scaler: scaling.Scaler,
         meta: ModelMeta, errors: np.ndarray | None = None) -> None:
    """Write the model atomically (a temporary file in the same folder, renamed into place).
    ``net`` is a network, or the list of an ensemble's networks: their arrays are saved under
    their names prefixed m0_, m1_, ... and the meta counts them. ``errors`` (H, N), the
    calibration errors of the prediction intervals by horizon (NaN-padded), are saved as
    ``interval_counts`` (H,), the number of errors of each horizon, and ``interval_errors``,
    those errors one horizon after the other."""
    nets = net if isinstance(net, list) else [net]
    meta = dataclasses.replace(meta, members=len(nets))
    arrays = {prefix + k: np.ascontiguousarray(v)
              for prefix, one in zip(_prefixes(len(nets)), nets) for k, v in one.params.items()}
    arrays.update(x_scaler.arrays("x"))
    arrays.update(y_scaler.arrays("y"))
    if errors is not None:
        known = ~np.isnan(errors)
        arrays["interval_counts"] = known.sum(axis=1)
        arrays["interval_errors"] = errors[known]
    arrays["meta"] = np.array(json.dumps(meta.to_json()))
    atomic_write(path, lambda fh: np.savez(fh, **arrays), binary=True)


def load(path: str | Path) -> tuple[object, scaling.Scaler, scaling.Scaler, ModelMeta]:
    """Read a saved model: (net, x_scaler, y_scaler, meta); an ensemble's net is the list of
    its networks (``meta.members`` of them). Bad files raise InputError.

    The meta is read and checked first; the network it describes is built only when its size
    fits in memory, and each array is read only after its header matches the network.
    """
    with NpzFile(path) as npz:
        if "meta" not in npz.names:
            raise InputError(f"{npz.where}: no meta array; not a bpnet model file")
        try:
            raw = json.loads(npz.text("meta"))
        except ValueError as exc:
            raise invalid(path, exc) from None
        meta = ModelMeta.from_json(raw, path)
        values = network_values(meta.type, meta.sizes)
        many = f"{meta.members:,} networks" if meta.members > 1 else "network"
        require(16.0 * values * meta.members, f"{npz.where}: its {meta.type} {many} of "
                f"sizes {meta.sizes} ({values:,} weights)")
        try:
            nets = [registry.from_meta(raw) for _ in range(meta.members)]
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise invalid(path, exc) from None
        for prefix, one in zip(_prefixes(meta.members), nets):
            npz.fill({prefix + k: v for k, v in one.params.items()}, expected="its meta says")
        net = nets if meta.members > 1 else nets[0]
        xs = _scaler(npz, meta.scaling, "x", meta.sizes[0])
        # a classifier's one-hot targets are never scaled
        ys = _scaler(npz, "none" if meta.classes else meta.scaling, "y", meta.sizes[-1])
    return net, xs, ys, meta


def interval_errors(path: str | Path) -> np.ndarray | None:
    """The calibration errors (H, N) by horizon, NaN-padded, that :func:`save` wrote into
    the model file (None when it holds none), checked: counts that are whole numbers >= 0
    and as many finite errors as they add up to."""
    with NpzFile(path) as npz:
        if "interval_counts" not in npz.names and "interval_errors" not in npz.names:
            return None
        counts = npz.array("interval_counts")
        if counts.ndim != 1 or counts.dtype.kind not in "iu" or (counts < 0).any():
            raise InputError(f"{npz.where}: interval_counts must be a list of whole numbers "
                             ">= 0, one per horizon")
        flat = npz.array("interval_errors", (int(counts.sum()),),
                         "its interval_counts add up to")
        require(8.0 * len(counts) * float(counts.max(initial=0)),
                f"{npz.where}: its interval errors by horizon")
    out = np.full((len(counts), int(counts.max(initial=0))), np.nan)
    for h, (start, n) in enumerate(zip(np.cumsum(counts) - counts, counts)):
        out[h, :n] = flat[start:start + n]
    return out


def _prefixes(members: int) -> list[str]:
    """The prefix of each network's array names: none for one network; m0_, m1_, ... for the
    networks of an ensemble."""
    return [""] if members == 1 else [f"m{i}_" for i in range(members)]


def _scaler(npz: NpzFile, method: str, prefix: str, size: int) -> scaling.Scaler:
    """The saved scaling of the inputs (``prefix`` x) or targets (y): ``size`` finite offsets
    and as many positive factors (std or gain); the arrays of another method are an
    inconsistent file (its meta would have the model predict unscaled)."""
    names = [f"{prefix}_{n}" for n in scaling.SAVED_NAMES.get(method, ())]
    other = [f"{prefix}_{n}" for saved in scaling.SAVED_NAMES.values() for n in saved
             if f"{prefix}_{n}" in npz.names and f"{prefix}_{n}" not in names]
    if other:
        part = "inputs" if prefix == "x" else "targets"
        raise InputError(f"{npz.where}: holds {', '.join(other)}, but its meta scales the "
                         f"{part} by {method}: an inconsistent model file")
    npz.require(names)
    arrays = {n: npz.array(n, (size,), expected="its meta's sizes say") for n in names}
    if names and not (arrays[names[1]] > 0).all():
        raise InputError(f"{npz.where}: {names[1]} holds values <= 0; a scaling factor is "
                         "positive")
    return scaling.Scaler.from_arrays(method, arrays, prefix, size)

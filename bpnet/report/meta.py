"""Output stage: the description saved with a model (the ``meta`` JSON of docs/semantics.md §10).

Everything needed to use a trained network without its config: the network's type, sizes and
transfer functions, the scaling method, the feature and target names, the range of the training
inputs, and the data settings that build samples exactly as at training time.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

from bpnet.config import DataConfig, to_plain
from bpnet.config.checks import check_data_settings
from bpnet.config.schema import MODEL_TYPES, SCALINGS, TRANSFERS
from bpnet.config.yamlschema import fields
from bpnet.data import Dataset
from bpnet.errors import InputError
from bpnet.paths import shown
from bpnet.version import __version__

_REQUIRED = ("features", "targets", "data")   # a meta without these is not from run.py


@dataclass(frozen=True)
class InputRange:
    """Per feature, the smallest and largest training input, each (D,), in original units."""

    min: list[float]
    max: list[float]


@dataclass(frozen=True)
class ModelMeta:
    """A saved model's description. The fields are the JSON keys, in the order written.

    ``model`` is the network type (feedforward, elman, lstm, gru), ``sizes`` its layer sizes
    from inputs to outputs, ``transfer`` its transfer functions; ``data`` holds the data settings
    (its ``path`` and ``test_path`` are not saved: the model is used on other files).
    """

    model: str
    sizes: list[int]
    transfer: list[str]
    scaling: str
    version: str
    features: list[str]
    targets: list[str]
    train_range: InputRange | None
    data: DataConfig

    @classmethod
    def of_run(cls, net, d: DataConfig, data: Dataset) -> ModelMeta:
        """The description of ``net`` trained on ``data``, built as the settings ``d`` say."""
        train = data.X[data.index["train"]]
        return cls(net.kind, net.sizes, [t.name for t in net.transfers], data.x_scaler.method,
                   __version__, data.feature_names, data.target_names,
                   InputRange(train.min(axis=0).tolist(), train.max(axis=0).tolist()),
                   dataclasses.replace(d, path="", test_path=None))

    def to_json(self) -> dict:
        """The plain data written as JSON into the model file."""
        out = to_plain(self)
        for key in ("path", "test_path"):
            del out["data"][key]
        return out

    @classmethod
    def from_json(cls, raw: dict, path: str | Path) -> ModelMeta:
        """Read back what :meth:`to_json` wrote (or an earlier version of it: a missing
        transform, period or train range takes its default). Every field is checked (types,
        names, sizes that agree with each other, the data recipe as a config's data block is
        checked); a bad one is an InputError."""
        bad = f"{shown(path)}: the meta array is not a valid model description"
        if not isinstance(raw, dict):
            raise InputError(f"{bad} (a JSON {type(raw).__name__}, not an object)")
        for key in _REQUIRED:
            if key not in raw:
                raise InputError(f"{shown(path)}: the meta array has no {key!r}; not a model "
                                 "written by run.py")
        try:
            model, sizes, transfer = _network(raw)
            features, targets = (_names(raw, key, n) for key, n in
                                 (("features", sizes[0]), ("targets", sizes[-1])))
            scaling = raw.get("scaling", "none")
            if scaling not in SCALINGS:
                raise ValueError(f"scaling {scaling!r} is not one of {', '.join(SCALINGS)}")
            version = raw.get("version", "")
            if not isinstance(version, str):
                raise ValueError("version is not text")
            rng = _train_range(raw.get("train_range"), sizes[0])
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise InputError(f"{bad} ({exc})") from None
        data = _data_settings(raw["data"], f"{bad}; in meta")
        _check_recipe(data, sizes, bad)
        return cls(model, sizes, transfer, scaling, version, features, targets, rng, data)


def invalid(path: str | Path, exc: Exception) -> InputError:
    """The error for a meta array that does not describe a model."""
    return InputError(f"{shown(path)}: the meta array is not a valid model description ({exc})")


def _network(raw: dict) -> tuple[str, list[int], list[str]]:
    """The network type, layer sizes and transfer functions of a meta, checked."""
    model = raw["model"]
    if model not in MODEL_TYPES:
        raise ValueError(f"model {model!r} is not one of {', '.join(MODEL_TYPES)}")
    sizes = raw["sizes"]
    if not isinstance(sizes, list) or not all(type(n) is int and n >= 1 for n in sizes):
        raise ValueError(f"sizes must be a list of whole numbers >= 1, got {sizes!r:.60}")
    if len(sizes) != 3 and (model != "feedforward" or len(sizes) < 3):
        raise ValueError(f"a {model} network has {'3 or more' if model == 'feedforward' else 3} "
                         f"layer sizes, got {len(sizes)}")
    transfer = raw["transfer"]
    if not isinstance(transfer, list) or not all(t in TRANSFERS for t in transfer):
        raise ValueError(f"transfer must list names of {', '.join(TRANSFERS)}")
    if len(transfer) != len(sizes) - 1:
        raise ValueError(f"transfer needs {len(sizes) - 1} names, got {len(transfer)}")
    return model, list(sizes), list(transfer)


def _names(raw: dict, key: str, n: int) -> list[str]:
    """The ``n`` column names under ``key`` (features: one per input; targets: per output)."""
    names = raw[key]
    if not isinstance(names, list) or not all(isinstance(x, str) for x in names):
        raise ValueError(f"{key} must be a list of names")
    if len(names) != n:
        raise ValueError(f"{len(names)} {key} for a network of {n}")
    return list(names)


def _train_range(rng, d: int) -> InputRange | None:
    """The training inputs' range: None, or a min and a max of ``d`` finite numbers each."""
    if rng is None:
        return None
    if not isinstance(rng, dict) or not all(isinstance(rng.get(k), list) for k in ("min", "max")):
        raise ValueError("train_range must be {min: [...], max: [...]}")
    lo, hi = list(rng["min"]), list(rng["max"])
    for values in (lo, hi):
        if len(values) != d or not all(type(v) in (int, float) and math.isfinite(v)
                                       for v in values):
            raise ValueError(f"train_range needs {d} finite numbers for min and for max")
    return InputRange(lo, hi)


_RECIPE = ("series", "time", "lags", "month", "inputs", "targets")


def _data_settings(d, where: str) -> DataConfig:
    """The saved data recipe as a DataConfig with no path, checked as a config's data block
    is (types, lags, series or tabular); every key of the recipe must be there."""
    if not isinstance(d, dict):
        raise InputError(f"{where}: data: expected a mapping of keys")
    missing = [k for k in _RECIPE if k not in d]
    if missing:
        raise InputError(f"{where}: data: the recipe has no {', '.join(missing)}")
    values = fields(DataConfig, {**d, "path": ""}, "data", where)
    data = DataConfig(**values)
    check_data_settings(data, where)
    return data


def _check_recipe(data: DataConfig, sizes: list[int], bad: str) -> None:
    """The recipe and the network agree: a series gives one target; a table as many inputs
    and targets as the network has."""
    if data.series is not None and sizes[-1] != 1:
        raise InputError(f"{bad} (a series model has one output, this network {sizes[-1]})")
    if data.series is None and (len(data.inputs), len(data.targets)) != (sizes[0], sizes[-1]):
        raise InputError(f"{bad} (data.inputs and data.targets name {len(data.inputs)} and "
                         f"{len(data.targets)} columns, the network has {sizes[0]} inputs and "
                         f"{sizes[-1]} outputs)")

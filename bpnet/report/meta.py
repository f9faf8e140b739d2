"""Output stage: the description saved with a model (the ``meta`` JSON of
docs/semantics.md#saved-model).

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
from bpnet.config.yamlschema import fields, show
from bpnet.data import Dataset
from bpnet.data.dataset import rows_of
from bpnet.data.timeaxis import describe
from bpnet.errors import InputError
from bpnet.nets.registry import LAYERED
from bpnet.paths import shown
from bpnet.version import __version__

_REQUIRED = ("features", "targets", "data")   # a meta without these is not from run.py
MAX_MEMBERS = 10_000   # the most networks an ensemble's file may hold


@dataclass(frozen=True)
class InputRange:
    """Per feature, the smallest and largest training input, each (D,), in original units."""

    min: list[float]
    max: list[float]


@dataclass(frozen=True)
class TimeStep:
    """The time step of the series a model was trained on: ``step`` units of ``unit`` (year,
    quarter, month, day or second), e.g. 7 days for a weekly series."""

    unit: str
    step: int

    def describe(self) -> str:
        return describe(self.unit, self.step)


@dataclass(frozen=True)
class ModelMeta:
    """A saved model's description. The fields are the JSON keys, in the order written.

    ``type`` is the network type (the config's ``type``: feedforward, cascadeforward, elman,
    lstm, gru; files written before it was so named say ``model``), ``sizes`` its layer sizes
    from inputs to outputs, ``transfer`` its transfer functions; ``data`` holds the data settings
    (its ``path`` and ``test_path`` are not saved: the model is used on other files);
    ``classes`` a classifier's class labels, output unit k being class k (None: regression).
    ``time_step`` the regular step of the series it was trained on (None: tabular, no time
    column, or irregular), so that a forecast labels its steps right. ``members`` > 1: the
    file holds an ensemble of that many networks of this description, whose predictions are
    averaged (docs/semantics.md#ensembles).
    """

    type: str
    sizes: list[int]
    transfer: list[str]
    scaling: str
    version: str
    features: list[str]
    targets: list[str]
    train_range: InputRange | None
    data: DataConfig
    classes: list[str] | None = None     # a classifier's class labels, one per output unit
    time_step: TimeStep | None = None
    members: int = 1                     # an ensemble's number of networks (combine: mean)

    @classmethod
    def of_run(cls, net, d: DataConfig, data: Dataset) -> ModelMeta:
        """The description of ``net`` trained on ``data``, built as the settings ``d`` say."""
        train = rows_of(data.X, data.index["train"])   # a view: no copy of a large part
        if d.exog and data.series is not None and data.series.exog is None:
            # a model trained without the exogenous inputs (exog: false) is a series model
            d = dataclasses.replace(d, exog={}, exog_transform=type(d.exog_transform)())
        if data.series is not None and data.series.transform.boxcox is not None:
            # the recipe holds the lambda the run used (boxcox: auto fitted it)
            d = dataclasses.replace(d, transform=dataclasses.replace(
                d.transform, boxcox=data.series.transform.boxcox))
        axis = data.series.axis if data.series is not None else None
        step = TimeStep(axis.unit, int(axis.step)) if axis is not None and axis.step else None
        return cls(net.type, net.sizes, [t.name for t in net.transfers], data.x_scaler.method,
                   __version__, data.feature_names, data.target_names,
                   InputRange(train.min(axis=0).tolist(), train.max(axis=0).tolist()),
                   dataclasses.replace(d, path="", test_path=None), data.classes, step)

    def to_json(self) -> dict:
        """The plain data written as JSON into the model file."""
        out = to_plain(self)
        for key in ("path", "test_path"):
            del out["data"][key]
        if self.classes is None:   # a regression model's meta stays as it was
            del out["classes"]
            del out["data"]["classes"]
        if not self.data.exog:     # and so does that of a series without exogenous inputs
            del out["data"]["exog"]
            del out["data"]["exog_transform"]
        if self.members == 1:      # and that of one network
            del out["members"]
        for key in ("transform", "exog_transform"):   # and that of no power transform
            tf = out["data"].get(key, {})
            for name, default in (("boxcox", None), ("shift", 0.0)):
                if name in tf and tf[name] == default:
                    del tf[name]
        return out

    @classmethod
    def from_json(cls, raw: dict, path: str | Path) -> ModelMeta:
        """Read back what :meth:`to_json` wrote (or an earlier version of it: a missing
        transform, Box-Cox lambda, period, train range, time step or data setting added later
        takes its default). Every field is checked (types, names, sizes that agree with each
        other, the classes of a classifier, the data recipe as a config's data block is
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
            classes = _classes(raw.get("classes"), sizes[-1])
            step = _time_step(raw.get("time_step"))
            members = raw.get("members", 1)
            if type(members) is not int or not 1 <= members <= MAX_MEMBERS:
                raise ValueError(f"members must be a whole number from 1 to {MAX_MEMBERS}")
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise InputError(f"{bad} ({exc})") from None
        data = _data_settings(raw["data"], f"{bad}; in meta")
        _check_recipe(data, sizes, classes, bad)
        return cls(model, sizes, transfer, scaling, version, features, targets, rng, data,
                   classes, step, members)


def invalid(path: str | Path, exc: Exception) -> InputError:
    """The error for a meta array that does not describe a model."""
    return InputError(f"{shown(path)}: the meta array is not a valid model description ({exc})")


def _network(raw: dict) -> tuple[str, list[int], list[str]]:
    """The network type, layer sizes and transfer functions of a meta, checked."""
    model = raw["type"] if "type" in raw else raw["model"]
    if model not in MODEL_TYPES:
        raise ValueError(f"type {model!r} is not one of {', '.join(MODEL_TYPES)}")
    sizes = raw["sizes"]
    if not isinstance(sizes, list) or not all(type(n) is int and n >= 1 for n in sizes):
        raise ValueError(f"sizes must be a list of whole numbers >= 1, got {sizes!r:.60}")
    if len(sizes) != 3 and (model not in LAYERED or len(sizes) < 3):
        raise ValueError(f"a {model} network has {'3 or more' if model in LAYERED else 3} "
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


def _classes(classes, k: int) -> list[str] | None:
    """A classifier's class labels: None (regression), or ``k`` distinct labels, one per
    output unit."""
    if not classes:
        return None
    if not isinstance(classes, list) or not all(isinstance(c, (str, int, float)) and
                                                not isinstance(c, bool) for c in classes):
        raise ValueError("classes must be a list of class labels")
    labels = [str(c) for c in classes]
    if len(labels) != k:
        raise ValueError(f"{len(labels)} classes for a network of {k} outputs")
    if len(set(labels)) != len(labels):
        raise ValueError("classes names a class twice")
    return labels


_TIME_UNITS = ("year", "quarter", "month", "day", "second")


def _time_step(step) -> TimeStep | None:
    """The series' time step: None, or a unit of _TIME_UNITS and a whole number >= 1."""
    if step is None:
        return None
    if not isinstance(step, dict) or step.get("unit") not in _TIME_UNITS \
            or type(step.get("step")) is not int or step["step"] < 1:
        raise ValueError(f"time_step must be {{unit: one of {', '.join(_TIME_UNITS)}, "
                         "step: a whole number >= 1}")
    return TimeStep(step["unit"], step["step"])


_RECIPE = ("series", "time", "lags", "month", "inputs", "targets")


def _data_settings(d, where: str) -> DataConfig:
    """The saved data recipe as a DataConfig with no path, checked as a config's data block
    is (types, lags, series or tabular); every key of the recipe must be there."""
    if not isinstance(d, dict):
        raise InputError(f"{where}: data: expected a mapping of keys")
    missing = [k for k in _RECIPE if k not in d]
    if missing:
        raise InputError(f"{where}: data: the recipe has no {', '.join(missing)}")
    # a config may write lags as MATLAB range text (1:12); a saved recipe holds the numbers
    lags = d["lags"]
    for i, lag in enumerate(lags if isinstance(lags, list) else [lags]):
        if isinstance(lag, str):
            at = f"data.lags[{i}]" if isinstance(lags, list) else "data.lags"
            raise InputError(f"{where}: {at}: expected a whole number, got {show(lag)}")
    # a model saved before the period was saved had the period 12
    values = fields(DataConfig, {"period": 12, **d, "path": ""}, "data", where)
    data = DataConfig(**values)
    check_data_settings(data, where)
    if data.transform.boxcox == "auto":
        raise InputError(f"{where}: data.transform.boxcox: a saved recipe holds the lambda "
                         "the run fitted, a number, not auto")
    return data


def _check_recipe(data: DataConfig, sizes: list[int], classes: list[str] | None,
                  bad: str) -> None:
    """The recipe and the network agree: a series gives one target; a table as many inputs
    and targets as the network has; a classifier (a class column) one output per class."""
    if data.series is not None and sizes[-1] != 1:
        raise InputError(f"{bad} (a series model has one output, this network {sizes[-1]})")
    if (data.classes is not None) != (classes is not None):
        raise InputError(f"{bad} (data.classes and the list of classes go together: a "
                         "classifier has both, a regression model neither)")
    if classes is not None:
        if len(data.inputs) != sizes[0]:
            raise InputError(f"{bad} (data.inputs names {len(data.inputs)} columns, the "
                             f"network has {sizes[0]} inputs)")
        return
    if data.series is None and (len(data.inputs), len(data.targets)) != (sizes[0], sizes[-1]):
        raise InputError(f"{bad} (data.inputs and data.targets name {len(data.inputs)} and "
                         f"{len(data.targets)} columns, the network has {sizes[0]} inputs and "
                         f"{sizes[-1]} outputs)")

"""Output stage: the description saved with a model (the ``meta`` JSON of docs/semantics.md §10).

Everything needed to use a trained network without its config: the network's type, sizes and
transfer functions, the scaling method, the feature and target names, the range of the training
inputs, and the data settings that build samples exactly as at training time.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from bpnet.config import DataConfig, TransformConfig, WideConfig, to_plain
from bpnet.data import Dataset
from bpnet.data.timeaxis import describe
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

    ``model`` is the network type (feedforward, elman, lstm, gru), ``sizes`` its layer sizes
    from inputs to outputs, ``transfer`` its transfer functions; ``data`` holds the data settings
    (its ``path`` and ``test_path`` are not saved: the model is used on other files);
    ``classes`` a classifier's class labels, output unit k being class k (None: regression).
    ``time_step`` the regular step of the series it was trained on (None: tabular, no time
    column, or irregular), so that a forecast labels its steps right.
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
    classes: list[str] | None = None     # a classifier's class labels, one per output unit
    time_step: TimeStep | None = None

    @classmethod
    def of_run(cls, net, d: DataConfig, data: Dataset) -> ModelMeta:
        """The description of ``net`` trained on ``data``, built as the settings ``d`` say."""
        train = data.X[data.index["train"]]
        axis = data.series.axis if data.series is not None else None
        step = TimeStep(axis.unit, int(axis.step)) if axis is not None and axis.step else None
        return cls(net.kind, net.sizes, [t.name for t in net.transfers], data.x_scaler.method,
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
        return out

    @classmethod
    def from_json(cls, raw: dict, path: str | Path) -> ModelMeta:
        """Read back what :meth:`to_json` wrote (or an earlier version of it: a missing
        transform, period, train range, time step or data setting added later takes its
        default); a bad one is an InputError."""
        for key in _REQUIRED:
            if key not in raw:
                raise InputError(f"{shown(path)}: the meta array has no {key!r}; not a model "
                                 "written by run.py")
        try:
            rng = raw.get("train_range")
            step = raw.get("time_step")
            return cls(raw["model"], list(raw["sizes"]), list(raw["transfer"]),
                       raw.get("scaling", "none"), raw.get("version", ""),
                       list(raw["features"]), list(raw["targets"]),
                       InputRange(list(rng["min"]), list(rng["max"])) if rng else None,
                       _data_settings(raw["data"]),
                       [str(c) for c in raw["classes"]] if raw.get("classes") else None,
                       TimeStep(str(step["unit"]), int(step["step"])) if step else None)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise invalid(path, exc) from None


def invalid(path: str | Path, exc: Exception) -> InputError:
    """The error for a meta array that does not describe a model."""
    return InputError(f"{shown(path)}: the meta array is not a valid model description ({exc})")


# saved data settings read as they are (an earlier model lacks some: their defaults apply)
_PLAIN = ("quarter", "week", "weekday", "sort", "missing", "score_filled", "delimiter",
          "decimal", "encoding")


def _data_settings(d: dict) -> DataConfig:
    """The saved data settings as a DataConfig with no path."""
    tf = d.get("transform") or {}
    wide = d.get("wide")
    return DataConfig(path="", series=d["series"], time=d["time"], lags=tuple(d["lags"]),
                      month=d["month"], inputs=tuple(d["inputs"]), targets=tuple(d["targets"]),
                      classes=d.get("classes"),
                      transform=TransformConfig(bool(tf.get("log", False)),
                                                tuple(tf.get("difference", ()))),
                      period=d.get("period", 12),
                      wide=WideConfig(wide["time"], tuple(wide["columns"])) if wide else None,
                      **{k: d[k] for k in _PLAIN if k in d})

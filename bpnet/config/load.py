"""Input stage: the YAML config as a frozen, nested dataclass schema.

``load_config(path, overrides)`` reads the file with ``yaml.safe_load``, applies ``--set``
overrides, checks every key, type and range, and returns a :class:`Config` with every default
filled in. Any mistake raises :class:`~bpnet.errors.InputError` with one line naming the file and
the key path, e.g. ``configs/x.yaml: train.lr_incr: unknown key; did you mean train.lr_inc?``.
"""
from __future__ import annotations

import dataclasses
import keyword
import math
import typing
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bpnet.errors import InputError
from bpnet.config.yamlschema import (check, choice, fields, kind, mapping, parse_yaml, show,
                                     yaml_key)

TRANSFERS = ("tansig", "logsig", "purelin", "poslin")
MODEL_TYPES = ("feedforward", "elman", "lstm", "gru")
SCALINGS = ("mapstd", "mapminmax", "none")
DIVISIONS = ("block", "random", "interleaved")


@dataclass(frozen=True)
class TransformConfig:
    """Series transforms, applied in this order before the samples are built."""

    log: bool = False
    difference: tuple[int, ...] = field(default=(), metadata=check(
        lambda v: all(x >= 1 for x in v), "must be positive integers, e.g. [1, 12]"))


@dataclass(frozen=True)
class DataConfig:
    """Where the samples come from: a series with lags (series mode) or named columns (tabular)."""

    path: str
    series: str | None = None
    time: str | None = None
    lags: tuple[int, ...] = field(default=(1,), metadata=check(
        lambda v: len(v) > 0 and all(x >= 1 for x in v) and len(set(v)) == len(v),
        "must be a non-empty list of distinct positive integers"))
    month: bool = False
    inputs: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    test_path: str | None = None
    transform: TransformConfig = field(default_factory=TransformConfig)
    period: int = field(default=12, metadata=check(lambda v: v >= 1, "must be >= 1"))


@dataclass(frozen=True)
class SplitConfig:
    """Fractions of the samples for training, validation and test (SPEC 7)."""

    method: str = field(default="block", metadata=choice(*DIVISIONS))
    train: float = field(default=0.7, metadata=check(lambda v: 0 < v <= 1, "must be in (0, 1]"))
    val: float = field(default=0.15, metadata=check(lambda v: 0 <= v < 1, "must be in [0, 1)"))
    test: float = field(default=0.15, metadata=check(lambda v: 0 <= v < 1, "must be in [0, 1)"))


# The parameters of each rule, with MATLAB's defaults (SPEC 6); every rule also takes COMMON.
COMMON = {"epochs": 1000, "goal": 0.0, "min_grad": 1e-5, "max_fail": 6, "show": 25,
          "time": math.inf}
_GD = {"lr": 0.01, "lr_inc": 1.05, "lr_dec": 0.7, "max_perf_inc": 1.04, "mc": 0.9}
RULE_PARAMS: dict[str, dict[str, float]] = {
    "traingd": {"lr": 0.01},
    "traingdm": {"lr": 0.01, "mc": 0.9},
    "traingda": {k: v for k, v in _GD.items() if k != "mc"},
    "traingdx": _GD,
    "trainrp": {"delta0": 0.07, "delt_inc": 1.2, "delt_dec": 0.5, "deltamax": 50.0},
    "trainlm": {"mu": 0.001, "mu_dec": 0.1, "mu_inc": 10.0, "mu_max": 1e10, "min_grad": 1e-7},
    "adam": {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
    "trainscg": {"sigma": 5e-5, "lambda": 5e-7, "min_grad": 1e-6},
    "trainbr": {"mu": 0.005, "mu_dec": 0.1, "mu_inc": 10.0, "mu_max": 1e10, "min_grad": 1e-7,
                "max_fail": 0},
}
# MATLAB's performParam.regularization (SPEC 15), for every rule but trainbr, which chooses
# its own weight decay
for _name, _params in RULE_PARAMS.items():
    if _name != "trainbr":
        _params["regularization"] = 0.0
ALGORITHMS = tuple(RULE_PARAMS)


def rule_params(algorithm: str) -> dict[str, float]:
    """Every parameter ``algorithm`` takes, with its default."""
    return {**COMMON, **RULE_PARAMS[algorithm]}


def _positive(v):
    return 0 < v < math.inf


@dataclass(frozen=True)
class TrainConfig:
    """MATLAB trainParam: the rule and its parameters, under MATLAB's names (SPEC 6).

    Parameters the rule does not take are None; those it takes and that were not given get the
    rule's default (``rule_params``), so ``TrainConfig(algorithm="trainlm")`` is ready to use.
    """

    algorithm: str = field(default="traingdx", metadata=choice(*ALGORITHMS))
    epochs: int | None = field(default=None, metadata=check(lambda v: v >= 0, "must be >= 0"))
    goal: float | None = field(default=None, metadata=check(lambda v: v >= 0, "must be >= 0"))
    min_grad: float | None = field(default=None, metadata=check(lambda v: v >= 0,
                                                                 "must be >= 0"))
    max_fail: int | None = field(default=None, metadata=check(
        lambda v: v >= 0, "must be >= 0 (0: no validation stop)"))
    show: int | None = field(default=None, metadata=check(lambda v: v >= 0, "must be >= 0"))
    time: float | None = field(default=None, metadata=check(lambda v: v > 0, "must be > 0"))
    lr: float | None = field(default=None, metadata=check(_positive, "must be > 0"))
    lr_inc: float | None = field(default=None, metadata=check(lambda v: 1 <= v < math.inf,
                                                               "must be >= 1"))
    lr_dec: float | None = field(default=None, metadata=check(lambda v: 0 < v < 1,
                                                               "must be in (0, 1)"))
    max_perf_inc: float | None = field(default=None, metadata=check(
        lambda v: 1 <= v < math.inf, "must be >= 1"))
    mc: float | None = field(default=None, metadata=check(lambda v: 0 <= v < 1,
                                                           "must be in [0, 1)"))
    delta0: float | None = field(default=None, metadata=check(_positive, "must be > 0"))
    delt_inc: float | None = field(default=None, metadata=check(lambda v: 1 <= v < math.inf,
                                                                 "must be >= 1"))
    delt_dec: float | None = field(default=None, metadata=check(lambda v: 0 < v < 1,
                                                                 "must be in (0, 1)"))
    deltamax: float | None = field(default=None, metadata=check(_positive, "must be > 0"))
    mu: float | None = field(default=None, metadata=check(_positive, "must be > 0"))
    mu_dec: float | None = field(default=None, metadata=check(lambda v: 0 < v < 1,
                                                               "must be in (0, 1)"))
    mu_inc: float | None = field(default=None, metadata=check(lambda v: 1 < v < math.inf,
                                                               "must be > 1"))
    mu_max: float | None = field(default=None, metadata=check(_positive, "must be > 0"))
    beta1: float | None = field(default=None, metadata=check(lambda v: 0 <= v < 1,
                                                              "must be in [0, 1)"))
    beta2: float | None = field(default=None, metadata=check(lambda v: 0 <= v < 1,
                                                              "must be in [0, 1)"))
    eps: float | None = field(default=None, metadata=check(_positive, "must be > 0"))
    sigma: float | None = field(default=None, metadata=check(_positive, "must be > 0"))
    lambda_: float | None = field(default=None, metadata=check(lambda v: 0 <= v < math.inf,
                                                                "must be >= 0"))
    regularization: float | None = field(default=None, metadata=check(
        lambda v: 0 <= v <= 1, "must be in [0, 1]"))

    def __post_init__(self) -> None:
        takes = rule_params(self.algorithm)
        extra = [yaml_key(f.name) for f in dataclasses.fields(self)
                 if f.name != "algorithm" and yaml_key(f.name) not in takes
                 and getattr(self, f.name) is not None]
        if extra:
            raise ValueError(f"{self.algorithm} does not take {', '.join(extra)}")
        for name, default in takes.items():
            if getattr(self, field_name(name)) is None:
                object.__setattr__(self, field_name(name), default)


def field_name(key: str) -> str:
    """The TrainConfig field of a parameter's YAML (MATLAB) name: trainscg's ``lambda`` is a
    Python keyword, so its field is ``lambda_``."""
    return key + "_" if keyword.iskeyword(key) else key


@dataclass(frozen=True)
class ModelConfig:
    """One network: its type, layer sizes, transfer functions, initialisation and training."""

    type: str = field(metadata=choice(*MODEL_TYPES))
    hidden: tuple[int, ...] = field(default=(), metadata=check(
        lambda v: all(x >= 1 for x in v), "sizes must be >= 1"))
    transfer: tuple[str, ...] = field(default=(), metadata=check(
        lambda v: all(x in TRANSFERS for x in v), f"each must be one of {', '.join(TRANSFERS)}"))
    init: str = ""   # resolved: nguyen-widrow (feedforward, elman) or uniform (lstm, gru)
    clip_norm: float | None = field(default=None, metadata=check(
        lambda v: v is None or v > 0, "must be > 0"))
    train: TrainConfig = field(default_factory=TrainConfig)


def _horizon(value: Any, key: str, where: str) -> int | str | None:
    if value is None or value == "test":
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise InputError(f"{where}: {key}: expected test or a number of steps >= 1, got "
                     f"{show(value)}")


@dataclass(frozen=True)
class ForecastConfig:
    """The recursive multi-step forecast from the end of the training (and val) part."""

    horizon: int | str | None = field(default=None, metadata={"parse": _horizon})


@dataclass(frozen=True)
class OutputConfig:
    """Where results go."""

    dir: str = ""


@dataclass(frozen=True)
class Config:
    """The whole experiment, every default filled in."""

    data: DataConfig
    models: dict[str, ModelConfig]
    seed: int = 0
    runs: int = field(default=1, metadata=check(lambda v: v >= 1, "must be >= 1"))
    split: SplitConfig = field(default_factory=SplitConfig)
    scaling: str = field(default="mapstd", metadata=choice(*SCALINGS))
    train: TrainConfig = field(default_factory=TrainConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    forecast: ForecastConfig = field(default_factory=ForecastConfig)


# --------------------------------------------------------------------------------------------
# loading

def load_config(path: str | Path, overrides: typing.Sequence[str] = (),
                out_dir: str | None = None) -> Config:
    """Read, override, check and resolve a config file.

    ``overrides`` are ``key.path=value`` strings (values parsed as YAML scalars or flow lists);
    ``out_dir`` replaces ``output.dir``. Relative paths in the file resolve against its folder;
    ``output.dir`` defaults to ``results/<config stem>`` in the current folder.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read config file ({exc})") from None
    raw = parse_yaml(text, str(path))
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InputError(f"{path}: the config must be a mapping of keys, not {kind(raw)}")
    given = {_apply_override(raw, item, path) for item in overrides}
    _switch_rules(raw, given)
    return build_config(raw, str(path), base=path.parent, out_dir=out_dir)


def _switch_rules(raw: dict, given: set[str]) -> None:
    """When --set changes a train block's rule, drop the block's parameters that were written
    for the file's rule and that the new one does not take (with a warning naming them);
    parameters given with --set itself are still checked."""
    models = raw.get("models") if isinstance(raw.get("models"), dict) else {}
    blocks = {"train": raw.get("train")}
    blocks.update({f"models.{n}.train": m.get("train") for n, m in models.items()
                   if isinstance(m, dict)})
    for path, block in blocks.items():
        if f"{path}.algorithm" not in given or not isinstance(block, dict):
            continue
        algorithm = block.get("algorithm")
        if algorithm not in RULE_PARAMS:
            continue  # reported by the schema check
        takes = rule_params(algorithm)
        dropped = [k for k in block if k != "algorithm" and k not in takes
                   and f"{path}.{k}" not in given]
        for k in dropped:
            del block[k]
        if dropped:
            warnings.warn(f"--set {path}.algorithm={algorithm}: {', '.join(dropped)} "
                          f"dropped (not parameters of {algorithm})", stacklevel=3)


def _apply_override(raw: dict, item: str, path: Path) -> str:
    key, sep, value = item.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise InputError(f"--set {item!r}: expected key.path=value, e.g. train.lr=0.05")
    value = parse_yaml(value, f"--set {key}")
    node = raw
    parts = key.split(".")
    for depth, part in enumerate(parts[:-1]):
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            raise InputError(f"--set {key}: {'.'.join(parts[:depth + 1])} is not a mapping")
        node = child
    node[parts[-1]] = value
    return key


def build_config(raw: dict, where: str, base: Path = Path("."),
                 out_dir: str | None = None) -> Config:
    """Check a raw mapping (as from YAML) and resolve it into a :class:`Config`."""
    raw = dict(raw)
    for required in ("data", "models"):
        if required not in raw:
            raise InputError(f"{where}: {required} is missing")
    top_train = _train_values(raw.pop("train", None) or {}, "train", where, "traingdx")
    models_raw = mapping(raw.pop("models") or {}, "models", where)
    if not models_raw:
        raise InputError(f"{where}: models must name at least one model")
    values = fields(Config, raw, "", where, skip={"models", "train"})
    values["train"] = TrainConfig(**top_train)
    models = {}
    for name, mraw in models_raw.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise InputError(f"{where}: models.{name}: model names must be identifiers "
                             "(letters, digits, underscores)")
        models[name] = _model(mraw, f"models.{name}", where, top_train)
    values["models"] = models
    cfg = Config(**values)
    if cfg.data.series is None and isinstance(raw.get("data"), dict):
        for key in ("lags", "month", "period", "transform"):   # would be silently unused
            if raw["data"].get(key) is not None:
                raise InputError(f"{where}: data.{key} is for a series (data.series); "
                                 "tabular mode uses data.inputs and data.targets")
    _check_data(cfg.data, where)
    if cfg.forecast.horizon is not None:
        if cfg.data.series is None:
            raise InputError(f"{where}: forecast: needs a series (data.series with lags)")
        if cfg.split.method != "block":
            raise InputError(f"{where}: forecast: starts from the end of the training part, "
                             "so it needs split.method: block")
        if cfg.split.test == 0:
            raise InputError(f"{where}: forecast: needs a test part to forecast (split.test)")
    _check_split(cfg.split, where)
    return _resolve_paths(cfg, base, where, out_dir)


def _model(raw: Any, path: str, where: str, top_train: dict) -> ModelConfig:
    raw = dict(mapping(raw, path, where))
    override = _train_values(raw.pop("train", None) or {}, f"{path}.train", where,
                             top_train.get("algorithm", "traingdx"))
    values = fields(ModelConfig, raw, path, where, skip={"train"})
    algorithm = override.get("algorithm", top_train.get("algorithm", "traingdx"))
    # the top-level block serves every model; a model that chooses another rule takes from it
    # only the parameters that rule has
    takes = rule_params(algorithm)
    inherited = {k: v for k, v in top_train.items() if yaml_key(k) in takes or k == "algorithm"}
    values["train"] = TrainConfig(**{**inherited, **override})
    mtype = values["type"]
    hidden = values.get("hidden", ())
    transfer = values.get("transfer", ())
    if mtype == "feedforward":
        hidden = hidden or (10, 10)
        transfer = transfer or ("tansig",) * len(hidden) + ("purelin",)
        if len(transfer) != len(hidden) + 1:
            raise InputError(f"{where}: {path}.transfer: needs {len(hidden) + 1} names, one per "
                             f"layer ({len(hidden)} hidden + output), got {len(transfer)}")
    else:
        hidden = hidden or (10,)
        transfer = transfer or ("tansig", "purelin")
        if mtype in ("lstm", "gru") and transfer[0] != "tansig":
            raise InputError(f"{where}: {path}.transfer: an {mtype} cell has its own sigmoid and "
                             f"tanh; only the output layer's transfer can be chosen "
                             f"([tansig, purelin] and the like)")
        if len(hidden) != 1:
            raise InputError(f"{where}: {path}.hidden: an {mtype} network has one hidden layer; "
                             "give one size")
        if len(transfer) != 2:
            raise InputError(f"{where}: {path}.transfer: needs 2 names (hidden, output), "
                             f"got {len(transfer)}")
    values["hidden"], values["transfer"] = hidden, transfer
    gated = mtype in ("lstm", "gru")
    init = values.get("init") or ("uniform" if gated else "nguyen-widrow")
    if gated and init == "nguyen-widrow":
        raise InputError(f"{where}: {path}.init: nguyen-widrow is for feedforward and elman "
                         "networks; an lstm or gru starts from uniform (PyTorch's default) or a "
                         "saved model")
    values["init"] = init
    return ModelConfig(**values)


def _train_values(raw: Any, path: str, where: str, default_algorithm: str) -> dict:
    """The keys given in one train block, checked against the rule that block ends up with:
    a parameter the rule does not take is an error, never silently ignored (null = not given)."""
    values = {k: v for k, v in fields(TrainConfig, raw, path, where, partial=True).items()
              if v is not None}
    algorithm = values.get("algorithm", default_algorithm)
    takes = rule_params(algorithm)
    if algorithm == "trainbr" and values.get("regularization") == 0:
        del values["regularization"]   # nothing to mix in: the same as not given
    for key in map(yaml_key, values):
        if key == "regularization" and algorithm == "trainbr":
            raise InputError(f"{where}: {path}.regularization: trainbr chooses its own "
                             "regularisation (alph and beta, SPEC 15); remove it or set it to 0")
        if key != "algorithm" and key not in takes:
            users = [a for a, p in RULE_PARAMS.items() if key in p]
            raise InputError(
                f"{where}: {path}.{key}: {algorithm} does not take {key} (a parameter of "
                f"{', '.join(users)}); remove it or set it to null. {algorithm} takes "
                f"{', '.join(takes)}")
    return values


def _check_data(data: DataConfig, where: str) -> None:
    if data.series is not None:
        for key in ("inputs", "targets"):
            if getattr(data, key):
                raise InputError(f"{where}: data.{key} is for tabular mode; with data.series "
                                 "the inputs are the lags (and month)")
        if data.test_path is not None:
            raise InputError(f"{where}: data.test_path is for tabular mode (data.inputs/"
                             "data.targets); a series is divided by split")
    else:
        if not data.inputs or not data.targets:
            raise InputError(f"{where}: data: give either series (with lags) or both inputs "
                             "and targets")
    if data.series is None and (data.transform.log or data.transform.difference):
        raise InputError(f"{where}: data.transform is for a series (data.series)")
    if data.month and data.time is None:
        raise InputError(f"{where}: data.month: needs data.time, the column of YYYY-MM labels")


def _check_split(split: SplitConfig, where: str) -> None:
    total = split.train + split.val + split.test
    if abs(total - 1.0) > 1e-9:
        raise InputError(f"{where}: split: train + val + test must be 1, got {total:g}")


def _resolve_paths(cfg: Config, base: Path, where: str, out_dir: str | None) -> Config:
    def resolve(p: str | None) -> str | None:
        if p is None:
            return None
        q = Path(p).expanduser()
        return str(q if q.is_absolute() else (base / q).resolve())

    data = dataclasses.replace(cfg.data, path=resolve(cfg.data.path),
                               test_path=resolve(cfg.data.test_path))
    models = {}
    for name, m in cfg.models.items():
        init = m.init
        if init not in ("nguyen-widrow", "uniform"):
            if not init.endswith(".npz"):
                raise InputError(f"{where}: models.{name}.init: expected nguyen-widrow, uniform "
                                 f"or the path of a saved model .npz, got {init!r}")
            init = resolve(init)
        models[name] = dataclasses.replace(m, init=init)
    if out_dir is not None:
        out = str(Path(out_dir).resolve())
    elif cfg.output.dir:
        out = resolve(cfg.output.dir)
    else:
        out = str((Path("results") / Path(where).stem).resolve())
    return dataclasses.replace(cfg, data=data, models=models, output=OutputConfig(dir=out))


def config_to_dict(cfg: Config) -> dict:
    """The resolved config as plain YAML-ready data (tuples as lists, inf as .inf)."""
    def plain(v):
        if isinstance(v, TrainConfig):
            return {yaml_key(f.name): plain(getattr(v, f.name)) for f in dataclasses.fields(v)
                    if getattr(v, f.name) is not None}
        if dataclasses.is_dataclass(v):
            return {f.name: plain(getattr(v, f.name)) for f in dataclasses.fields(v)}
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        if isinstance(v, (tuple, list)):
            return [plain(x) for x in v]
        return v
    return plain(cfg)

"""Input stage: the config schema, a frozen, nested dataclass per YAML block.

Each field carries its default and, in its metadata, the check or the choices that
:func:`~bpnet.config.yamlschema.fields` applies to what the user wrote. ``RULE_PARAMS`` lists the
parameters of every training rule with MATLAB's defaults (docs/semantics.md#training-rules).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from bpnet.config import matlab
from bpnet.config.ranges import parse_integers
from bpnet.config.yamlschema import check, choice, convert, field_name, show, yaml_key
from bpnet.errors import InputError
from bpnet.nets.registry import LAYERED, MODEL_TYPES
from bpnet.nets.transfer import NAMES as TRANSFERS

SCALINGS = ("mapstd", "mapminmax", "none")
DIVISIONS = ("block", "random", "interleaved", "index")
MISSING = ("error", "drop", "interpolate", "previous")
DELIMITER_NAMES = (",", ";", "tab", "\t", "|", "space")


@dataclass(frozen=True)
class TransformConfig:
    """Series transforms, applied in this order before the samples are built."""

    log: bool = False
    difference: tuple[int, ...] = field(default=(), metadata=check(
        lambda v: all(x >= 1 for x in v), "must be positive integers, e.g. [1, 12]"))


def _lags(value: Any, key: str, where: str) -> tuple[int, ...]:
    """Lags as a list, a number or a MATLAB range (``1:12``, ``[1:3, 12]``, ``1:2:11``); ``[]``
    (no feedback of the series: a time-delay network) only beside ``data.exog``, which the
    cross-key check (:mod:`bpnet.config.checks`) sees to."""
    if value == []:
        return ()
    lags = parse_integers(value, key, where)
    if not lags or min(lags) < 1 or len(set(lags)) != len(lags):
        zero = "; lag 0 would be the target itself (delay 0 is for data.exog columns)" \
            if 0 in lags else ""
        raise InputError(f"{where}: {key}: must be a non-empty list of distinct positive "
                         f"integers, got {show(value)}{zero}")
    return lags


def _exog(value: Any, key: str, where: str) -> dict[str, tuple[int, ...]]:
    """Exogenous columns and their input delays, ``{column: [delays]}`` (MATLAB's
    inputDelays; 0, the same step, allowed), each list as :func:`_lags` reads one."""
    if not isinstance(value, dict):
        raise InputError(f"{where}: {key}: expected a mapping {{column: [delays]}}, e.g. "
                         f"{{temperature: [0, 1, 2]}}, got {show(value)}")
    out = {}
    for name, delays in value.items():
        at = f"{key}.{name}"
        if not isinstance(name, str):
            raise InputError(f"{where}: {at}: a column name must be text, got {show(name)}")
        parsed = parse_integers(delays, at, where) if delays != [] else ()
        if not parsed or min(parsed) < 0 or len(set(parsed)) != len(parsed):
            raise InputError(f"{where}: {at}: must be a non-empty list of distinct delays "
                             f">= 0 (0: the same step), got {show(delays)}")
        out[name] = tuple(sorted(parsed))
    return out


def _transfer(value: Any, key: str, where: str) -> tuple[str, ...]:
    names = value if isinstance(value, list) else [value]
    for name in names:
        if name not in TRANSFERS:
            said = matlab.absent("transfer", name)
            raise InputError(f"{where}: {key}: each must be one of {', '.join(TRANSFERS)}, got "
                             f"{show(value)}" + (f"; {said}" if said else ""))
    return tuple(names)


@dataclass(frozen=True)
class WideConfig:
    """A wide table read as one series: a time column of years and one column per month
    (12 names, January first) or per quarter (4 names), as climate tables come."""

    time: str
    columns: tuple[str, ...] = field(metadata=check(
        lambda v: len(v) in (4, 12) and len(set(v)) == len(v),
        "must name 12 month columns (January first) or 4 quarter columns, each once"))


@dataclass(frozen=True)
class DataConfig:
    """Where the samples come from: a series with lags (series mode) or named columns (tabular),
    and how the file is written (delimiter, decimal mark, encoding, wide layout) and cleaned
    (sort, missing values). ``period`` None: from the time step (docs/semantics.md#time-column)."""

    path: str
    series: str | None = None
    time: str | None = None
    lags: tuple[int, ...] = field(default=(1,), metadata={"parse": _lags})
    month: bool = False
    inputs: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    classes: str | None = None      # a class-label column: classification
                                    # (docs/semantics.md#classification)
    test_path: str | None = None
    transform: TransformConfig = field(default_factory=TransformConfig)
    period: int | None = field(default=None, metadata=check(lambda v: v >= 1, "must be >= 1"))
    quarter: bool = False
    week: bool = False
    weekday: bool = False
    sort: bool = False
    missing: str = field(default="error", metadata=choice(*MISSING))
    score_filled: bool = False
    delimiter: str | None = field(default=None, metadata=choice(*DELIMITER_NAMES))
    decimal: str = field(default=".", metadata=choice(".", ","))
    encoding: str | None = None
    wide: WideConfig | None = None
    # outside input series (MATLAB narxnet/timedelaynet, docs/semantics.md#exogenous-inputs)
    exog: dict[str, tuple[int, ...]] = field(default_factory=dict, metadata={"parse": _exog})
    exog_transform: TransformConfig = field(default_factory=TransformConfig)
    # a .mat file's orientation: one sample per column (MATLAB's, the default) or per row
    layout: str | None = field(default=None, metadata=choice("columns", "rows"))
    # the names of a .npy file's columns, in order (docs/semantics.md#large-data)
    columns: tuple[str, ...] = field(default=(), metadata=check(
        lambda v: len(set(v)) == len(v), "must name each column once"))


def _split_part(span: str):
    """The parse of split.train/val/test: a fraction in ``span`` ("(0, 1]" or "[0, 1)"), or
    (split.method: index) a list of sample numbers, 1-based as MATLAB's divideind counts."""
    def parse(value: Any, key: str, where: str) -> float | tuple[int, ...]:
        if isinstance(value, (list, str)) and not _is_number_text(value):
            return parse_integers(value, key, where)
        v = convert(float, value, key, where)
        inside = 0 < v <= 1 if span == "(0, 1]" else 0 <= v < 1
        if not inside:
            raise InputError(f"{where}: {key}: must be in {span}, got {show(value)}")
        return v
    return parse


def _is_number_text(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class SplitConfig:
    """Fractions of the samples for training, validation and test (docs/semantics.md#data-division),
    or
    with ``method: index`` the lists of sample numbers of each part (MATLAB's divideind)."""

    method: str = field(default="block", metadata=choice(*DIVISIONS))
    train: float | tuple[int, ...] = field(default=0.7,
                                           metadata={"parse": _split_part("(0, 1]")})
    val: float | tuple[int, ...] = field(default=0.15,
                                         metadata={"parse": _split_part("[0, 1)")})
    test: float | tuple[int, ...] = field(default=0.15,
                                          metadata={"parse": _split_part("[0, 1)")})


# The parameters of each rule, with MATLAB's defaults (docs/semantics.md#training-rules); every rule
# also
# takes COMMON.
COMMON = {"epochs": 1000, "goal": 0.0, "min_grad": 1e-5, "max_fail": 6, "show": 25,
          "time": math.inf, "perform": "mse"}
# MATLAB's performance functions (net.performFcn); crossentropy is classification's default
PERFORMS = ("mse", "crossentropy")
# the rules that take mse only: their Gauss-Newton step needs a sum of squared errors
SQUARED_ERROR_RULES = ("trainlm", "trainbr")
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
# MATLAB's performParam.regularization (docs/semantics.md#regularisation), for every rule but
# trainbr,
# which chooses its own weight decay
for _params in (p for a, p in RULE_PARAMS.items() if a != "trainbr"):
    _params["regularization"] = 0.0
ALGORITHMS = tuple(RULE_PARAMS)


def rule_params(algorithm: str) -> dict[str, float]:
    """Every parameter ``algorithm`` takes, with its default."""
    return {**COMMON, **RULE_PARAMS[algorithm]}


def _positive(v):
    return 0 < v < math.inf


@dataclass(frozen=True)
class TrainConfig:
    """MATLAB trainParam: the rule and its parameters, under MATLAB's names
    (docs/semantics.md#training-rules).

    Parameters the rule does not take are None; those it takes and that were not given get the
    rule's default (``rule_params``), so ``TrainConfig(algorithm="trainlm")`` is ready to use.
    trainscg's ``lambda`` is a Python keyword: its field is ``lambda_`` (``field_name``), the
    YAML key ``lambda`` (``yaml_key``).
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
    perform: str | None = field(default=None, metadata=choice(*PERFORMS))

    def __post_init__(self) -> None:
        takes = rule_params(self.algorithm)
        extra = [yaml_key(f.name) for f in dataclasses.fields(self)
                 if f.name != "algorithm" and yaml_key(f.name) not in takes
                 and getattr(self, f.name) is not None]
        if extra:
            raise ValueError(f"{self.algorithm} does not take {', '.join(extra)}")
        for key, default in takes.items():
            if getattr(self, field_name(key)) is None:
                object.__setattr__(self, field_name(key), default)


@dataclass(frozen=True)
class ModelConfig:
    """One network: its type, layer sizes, transfer functions, initialisation and training."""

    type: str = field(metadata=choice(*MODEL_TYPES))
    hidden: tuple[int, ...] = field(default=(), metadata=check(
        lambda v: all(x >= 1 for x in v), "sizes must be >= 1"))
    transfer: tuple[str, ...] = field(default=(), metadata={"parse": _transfer})
    init: str = ""   # resolved: nguyen-widrow (feedforward, elman) or uniform (lstm, gru)
    clip_norm: float | None = field(default=None, metadata=check(
        lambda v: v is None or v > 0, "must be > 0"))
    train: TrainConfig = field(default_factory=TrainConfig)
    exog: bool = True   # false: leave data.exog's inputs out (a series-only network beside)


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
    """Where results go, and whether pictures are drawn (false: every picture is skipped)."""

    dir: str = ""
    plots: bool = True


@dataclass(frozen=True)
class Config:
    """The whole experiment, every default filled in."""

    data: DataConfig
    models: dict[str, ModelConfig]
    seed: int = field(default=0, metadata=check(lambda v: v >= 0, "must be >= 0"))
    runs: int = field(default=1, metadata=check(lambda v: v >= 1, "must be >= 1"))
    # mean: beside each model's kept run, the ensemble of all its runs (docs/semantics.md#ensembles)
    combine: str | None = field(default=None, metadata=choice("mean"))
    split: SplitConfig = field(default_factory=SplitConfig)
    scaling: str = field(default="mapstd", metadata=choice(*SCALINGS))
    train: TrainConfig = field(default_factory=TrainConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    forecast: ForecastConfig = field(default_factory=ForecastConfig)


# What each key does, by its path in the YAML (``models.<name>`` stands for every model; the
# ``sweep`` block is read by :mod:`bpnet.config.sweepspec`). docs/make_config_reference.py writes
# docs/config.md from these, the dataclasses above and RULE_PARAMS.
DOCS: dict[str, str] = {
    "seed": "One seed drives the data division and every initialisation; run i of `runs` "
            "initialises its weights from seed + i.",
    "runs": "Train each model this many times (seeds seed, seed + 1, ...) and keep the run of "
            "lowest validation mse (training mse without a val part); the report gives the "
            "median and range over runs of every metric.",
    "combine": "`mean` (with runs >= 2): beside each model's kept run, the ensemble of all its "
               "runs, the model `<model> (mean of N)`.",
    "data": "Where the samples come from.",
    "models": "The networks, each a block under its name.",
    "split": "The division of the samples into training, validation and test parts.",
    "scaling": "Fitted on the training part only, to the inputs and the targets separately.",
    "train": "The training rule and its parameters, under MATLAB's trainParam names; it serves "
             "every model.",
    "output": "Where results go.",
    "forecast": "The recursive multi-step forecast of a series.",
    "data.path": "The data file: a text table (CSV, semicolons, tabs, ...), a MATLAB .mat, a "
                 ".npy or a .npz. A relative path resolves against the config file's folder "
                 "(one typed with --set against the current folder).",
    "data.series": "Series mode: the column to forecast.",
    "data.time": "The time column: order, step, seasonal period, calendar features, labels.",
    "data.lags": "Series mode: the inputs y[t-l] for each lag l (MATLAB's feedbackDelays); "
                 "MATLAB ranges too (`1:12`, `[1:3, 12]`, `1:2:11`); `[]` only beside "
                 "data.exog (a time-delay network).",
    "data.month": "Series mode: the calendar month of t as an input.",
    "data.inputs": "Tabular mode: the input columns (of a .mat: variables).",
    "data.targets": "Tabular mode: the target columns; several are allowed.",
    "data.classes": "A class-label column (text or integers): the run classifies, as MATLAB's "
                    "patternnet does.",
    "data.test_path": "Tabular mode: the test set in a file of its own; the main file is then "
                      "divided into train and val.",
    "data.transform": "Series transforms (log, then differences), undone before any error is "
                      "computed.",
    "data.period": "The seasonal-naive baseline's period; by default from the time step (12 "
                   "without a time column).",
    "data.quarter": "Series mode: the calendar quarter of t as an input.",
    "data.week": "Series mode: the ISO week of t as an input.",
    "data.weekday": "Series mode: the ISO weekday of t (Monday 1) as an input.",
    "data.sort": "Sort the rows by time; otherwise rows out of time order are an error.",
    "data.missing": "Missing values: `error` stops the run; `drop` leaves tabular rows out; "
                    "`interpolate` (linear in time) and `previous` fill a series.",
    "data.score_filled": "Score filled values as targets too (by default they are inputs only).",
    "data.delimiter": "The delimiter; by default found from the header line (`space`: runs of "
                      "blanks).",
    "data.decimal": "The decimal mark: `,` for decimal commas.",
    "data.encoding": "The file's encoding (`cp1252`, `latin-1`, ...); by default from the "
                     "byte-order mark, else UTF-8.",
    "data.wide": "A wide table (a row per year, a column per month or quarter) read as one "
                 "series named data.series.",
    "data.exog": "Outside input columns and their delays, `{column: [delays]}` (MATLAB's "
                 "inputDelays; 0 is the same step).",
    "data.exog_transform": "Transforms of every exogenous column (log, then differences).",
    "data.layout": "A .mat file's orientation: `columns` (one sample per column, MATLAB's; the "
                   "default) or `rows`.",
    "data.columns": "The names of a .npy file's columns, in order.",
    "data.transform.log": "Take the log first (the values must be positive).",
    "data.transform.difference": "Differences at these lags, in the order given, e.g. "
                                 "`[1, 12]`.",
    "data.wide.time": "The wide table's year column (also the default of data.time).",
    "data.wide.columns": "12 month columns (January first) or 4 quarter columns.",
    "split.method": "`block` (MATLAB's divideblock), `random` (dividerand), `interleaved` "
                    "(divideint) or `index` (divideind); MATLAB's names are understood too.",
    "split.train": "The training fraction; with method `index`, a list of sample numbers "
                   "counted from 1 (MATLAB ranges allowed).",
    "split.val": "The validation fraction (the validation stop and the best network), or a "
                 "list of sample numbers with `index`.",
    "split.test": "The test fraction, or a list of sample numbers with `index`; the test part "
                  "is scored, never used to choose.",
    "models.<name>.type": "The network: `feedforward` (BP), `cascadeforward` (MATLAB's "
                          "cascadeforwardnet), `elman`, `lstm` or `gru`.",
    "models.<name>.hidden": "Hidden layer sizes: one per layer for feedforward and "
                            "cascadeforward (default "
                            "[10, 10]); one size for a recurrent network (default 10).",
    "models.<name>.transfer": "One transfer function per layer, output last: tansig, logsig, "
                              "purelin, poslin; softmax for the output only. Default tansig "
                              "hidden, purelin out (softmax for a classifier).",
    "models.<name>.init": "`nguyen-widrow` (the default of feedforward and elman), `uniform` "
                          "(of lstm and gru), or a saved model `.npz` or MATLAB `.mat` to "
                          "start from.",
    "models.<name>.clip_norm": "Scale the gradient down to this 2-norm when it is longer "
                               "(trainlm and trainbr build their steps from J and e and do "
                               "not feel it).",
    "models.<name>.train": "Keys of the train block that this model overrides; a model that "
                           "picks another rule inherits only the parameters that rule takes.",
    "models.<name>.exog": "`false`: leave data.exog's inputs out (a series-only network beside "
                          "the others).",
    "train.algorithm": "The training rule (default traingdx; trainscg when data.classes is "
                       "set).",
    "train.epochs": "The most epochs.",
    "train.goal": "Stop when perf <= goal.",
    "train.min_grad": "Stop when the gradient's 2-norm is this short.",
    "train.max_fail": "Epochs allowed without a better validation perf; 0: no validation stop.",
    "train.show": "A progress line every `show` epochs; 0: only the last.",
    "train.time": "The most seconds of training.",
    "train.lr": "The learning rate.",
    "train.lr_inc": "lr is multiplied by this after a step that lowered perf.",
    "train.lr_dec": "lr is multiplied by this after a rejected step.",
    "train.max_perf_inc": "A step that raises perf by more than this ratio is rejected.",
    "train.mc": "The momentum constant.",
    "train.delta0": "Rprop's first step size.",
    "train.delt_inc": "Rprop: a weight's step grows by this while its gradient keeps its sign.",
    "train.delt_dec": "Rprop: a weight's step shrinks by this when its gradient flips.",
    "train.deltamax": "Rprop's largest step.",
    "train.mu": "Levenberg-Marquardt's first mu.",
    "train.mu_dec": "mu is multiplied by this after a step that lowered perf.",
    "train.mu_inc": "mu is multiplied by this after a trial that did not.",
    "train.mu_max": "Training stops (\"Maximum MU reached.\") past this mu.",
    "train.beta1": "Adam's decay of the gradient's mean.",
    "train.beta2": "Adam's decay of the squared gradient's mean.",
    "train.eps": "Adam's term added to the denominator.",
    "train.sigma": "trainscg: the step that estimates the curvature.",
    "train.lambda": "trainscg: the first regularisation of the curvature.",
    "train.regularization": "r of perf = (1 - r) mse + r mean(X^2) over the weights "
                            "(MATLAB's performParam.regularization).",
    "train.perform": "The performance function: `mse`, or `crossentropy` (the default when "
                     "data.classes is set).",
    "output.dir": "The output folder; by default `results/<config stem>` in the current folder.",
    "output.plots": "`false`: no pictures (as `--no-plots`).",
    "forecast.horizon": "`test` (as many steps as the test part) or a number of steps; needs a "
                        "series, block division and a test part.",
    "sweep": "What `python run.py sweep` varies; a plain run ignores it and trains the base "
             "config.",
    "sweep.grid": "Config keys in --set syntax, each with its list of values; the cells are "
                  "every combination, the last key varying fastest.",
    "sweep.runs": "Runs per cell (seeds seed .. seed + runs - 1).",
    "sweep.select": "The part whose median perf ranks the cells: `val` (the default with a val "
                    "part) or `train`; never test.",
    "sweep.combine": "`mean` (with runs >= 2): each cell's runs also scored as one ensemble.",
    "tune": "What `python run.py tune` searches; a plain run ignores it and trains the config.",
    "tune.space": "Knobs in --set syntax, each with its list of values (or a range such as "
                  "`1:20` for whole numbers): replaces the default values of that knob or adds "
                  "one; `null` takes a default knob out (the config's value then applies).",
    "tune.trials": "Trials of a bracket's first rung (as `--trials`); 27 by default.",
    "tune.budget": "A time to spend (`90s`, `10m`, `1h`; as `--budget`): brackets of trials "
                   "follow one another while the next fits.",
    "tune.folds": "Forecast origins of a series (rolling origin), or k of the k-fold "
                  "cross-validation of a table.",
    "tune.runs": "Runs of each finalist (seeds seed .. seed + runs - 1); the winner's "
                 "best.yaml trains as many and their mean.",
    "tune.metric": "What scores a trial on the folds: `rmse` (the default), `mae`, `mape`; "
                   "`mse` for several targets; `crossentropy` (the default) or `accuracy` "
                   "for classes.",
    "tune.model": "The model of the config that is tuned (default: the first); the others "
                  "are left out.",
}

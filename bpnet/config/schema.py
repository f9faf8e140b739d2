"""Input stage: the config schema, a frozen, nested dataclass per YAML block.

Each field carries its default and, in its metadata, the check or the choices that
:func:`~bpnet.config.yamlschema.fields` applies to what the user wrote. Each training rule's
parameters and MATLAB's defaults are on its class (``bpnet.train.rules.RULES``, the rule's
``params``); :func:`rule_params` gives them with those every rule takes.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from bpnet.config import matlab
from bpnet.config.ranges import parse_integers
from bpnet.config.yamlschema import check, choice, convert, field_name, show, yaml_key
from bpnet.errors import InputError
from bpnet.nets.registry import MODEL_TYPES
from bpnet.nets.transfer import NAMES as TRANSFERS
from bpnet.train.rules import RULES

SCALINGS = ("mapstd", "mapminmax", "none")
DIVISIONS = ("block", "random", "interleaved", "index")
MISSING = ("error", "drop", "interpolate", "previous")
DELIMITER_NAMES = (",", ";", "tab", "\t", "|", "space")


def _boxcox(value: Any, key: str, where: str) -> float | str:
    """The Box-Cox lambda: ``auto`` (fitted on the training part) or a finite number."""
    if isinstance(value, str) and value.strip().lower() == "auto":
        return "auto"
    try:
        lam = convert(float, value, key, where)
    except InputError:
        lam = math.nan
    if not math.isfinite(lam):
        raise InputError(f"{where}: {key}: expected auto (lambda by maximum likelihood on the "
                         f"training part) or a lambda, a number (0 is the log), got "
                         f"{show(value)}")
    return lam


@dataclass(frozen=True)
class TransformConfig:
    """Series transforms, applied in this order before the samples are built: ``shift``
    added, the log or the Box-Cox transform (``boxcox``: its lambda, or ``auto`` to fit it on
    the training part; None: none), then the differences (docs/semantics.md#series-transforms)."""

    log: bool = False
    difference: tuple[int, ...] = field(default=(), metadata=check(
        lambda v: all(x >= 1 for x in v), "must be positive integers, e.g. [1, 12]"))
    boxcox: float | str | None = field(default=None, metadata={"parse": _boxcox})
    shift: float = field(default=0.0, metadata=check(math.isfinite, "must be a finite number"))

    @property
    def identity(self) -> bool:
        """Whether the series is used as it is (no transform at all)."""
        return not self.log and self.boxcox is None and not self.difference


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


def _classes(value: Any, key: str, where: str) -> str | tuple[str, ...]:
    """``data.classes``: one name (a column of class labels, or a .mat variable of labels or
    of one-hot columns), or a list of the 0/1 columns of one-hot targets (one name alone is
    that name)."""
    names = value if isinstance(value, list) else [value]
    if not names or not all(isinstance(n, str) and n for n in names):
        raise InputError(f"{where}: {key}: expected a column name (class labels) or a list of "
                         f"the 0/1 columns of one-hot targets, got {show(value)}")
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise InputError(f"{where}: {key}: {twice!r} is named twice")
    return names[0] if len(names) == 1 else tuple(names)


def is_pattern(name: str) -> bool:
    """Whether an entry of ``data.inputs`` selects columns rather than naming one: ``all``, or
    a shell-style pattern (``pixel_*``, ``x?``, ``[ab]*``: :mod:`fnmatch`). A column that is
    so named is still itself."""
    return name == "all" or any(c in name for c in "*?[")


def matching(pattern: str, names: list[str]) -> list[str]:
    """The ``names`` (in their order) that ``pattern`` selects: all of them for ``all``, else
    those it matches (case-sensitive, :func:`fnmatch.fnmatchcase`)."""
    return [n for n in names if pattern == "all" or fnmatchcase(n, pattern)]


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
    # classification (docs/semantics.md#classification): a class-label column, a .mat
    # variable of one-hot columns, or a list of the 0/1 columns of one-hot targets
    classes: str | tuple[str, ...] | None = field(default=None, metadata={"parse": _classes})
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
    thousands: str | None = field(default=None, metadata=choice(",", ".", "'", " "))
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

    @property
    def class_columns(self) -> tuple[str, ...]:
        """The columns (or .mat variable) ``classes`` names: none without classes, one of
        labels (or a variable), or the one-hot columns."""
        if self.classes is None:
            return ()
        return (self.classes,) if isinstance(self.classes, str) else tuple(self.classes)


def _split_part(span: str, counts: bool = False):
    """The parse of split.train/val/test: a fraction in ``span`` ("(0, 1]" or "[0, 1)"), with
    ``counts`` also a whole number >= 1 (a count of the last steps, or rows), or
    (split.method: index) a list of sample numbers, 1-based as MATLAB's divideind counts."""
    def parse(value: Any, key: str, where: str) -> float | int | tuple[int, ...]:
        if counts and _count(value) is not None:
            return _count(value)
        if isinstance(value, (list, str)) and not _is_number_text(value):
            return parse_integers(value, key, where)
        v = convert(float, value, key, where)
        inside = 0 < v <= 1 if span == "(0, 1]" else 0 <= v < 1
        if not inside:
            also = " (a fraction; or a whole number >= 1, a count of the last steps)" \
                if counts else ""
            raise InputError(f"{where}: {key}: must be in {span}, got {show(value)}{also}")
        return v
    return parse


def _count(value: Any) -> int | None:
    """``value`` as a count of steps: a whole number >= 1 (also as text), else None."""
    if isinstance(value, str):
        try:
            value = int(value.strip().replace("_", ""), 10)
        except ValueError:
            return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    return None


def is_count(value: Any) -> bool:
    """Whether a part's size in a SplitConfig is a count of the last steps (not a fraction
    or a list of sample numbers)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number_text(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _time_label(value: Any, key: str, where: str) -> str:
    """A time label as the time column writes it (text, or a whole number: a year)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        hint = " (quote it: a number such as 1957.10 loses its last 0)" \
            if isinstance(value, float) else ""
        raise InputError(f"{where}: {key}: expected a time label of data.time, e.g. "
                         f"1957-07, got {show(value)}{hint}")
    return value.strip()


@dataclass(frozen=True)
class SplitConfig:
    """Fractions of the samples for training, validation and test (docs/semantics.md#data-division),
    or
    with ``method: index`` the lists of sample numbers of each part (MATLAB's divideind).

    The test part may instead be the last ``test`` steps (a whole number) or start at the time
    label ``test_from``; ``val`` is then a fraction of the samples before the test part or a
    count of the steps just before it, and the training part is the rest (``train`` None).
    """

    method: str = field(default="block", metadata=choice(*DIVISIONS))
    train: float | tuple[int, ...] | None = field(default=0.7,
                                                  metadata={"parse": _split_part("(0, 1]")})
    val: float | int | tuple[int, ...] = field(
        default=0.15, metadata={"parse": _split_part("[0, 1)", counts=True)})
    test: float | int | tuple[int, ...] | None = field(
        default=0.15, metadata={"parse": _split_part("[0, 1)", counts=True)})
    test_from: str | None = field(default=None, metadata={"parse": _time_label})

    @property
    def counted(self) -> bool:
        """Whether the test part is the last steps (a count, or from ``test_from``) rather
        than a fraction of the samples."""
        return self.test_from is not None or is_count(self.test)


# The parameters every rule takes; each rule's own, with MATLAB's defaults, are on its class
# (bpnet.train.rules.RULES, docs/semantics.md#training-rules).
COMMON = {"epochs": 1000, "goal": 0.0, "min_grad": 1e-5, "max_fail": 6, "show": 25,
          "time": math.inf, "perform": "mse"}
# MATLAB's performance functions (net.performFcn); crossentropy is classification's default
PERFORMS = ("mse", "crossentropy")
# the rules that take mse only: their Gauss-Newton step needs a sum of squared errors
SQUARED_ERROR_RULES = ("trainlm", "trainbr")
ALGORITHMS = tuple(RULES)


def rule_params(algorithm: str) -> dict[str, float]:
    """Every parameter ``algorithm`` takes, with its default."""
    return {**COMMON, **RULES[algorithm].params}


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


MAX_LEVELS = 5   # the most interval levels a run reports


def interval_levels(value: Any, key: str, where: str = "") -> tuple[float, ...]:
    """Prediction-interval levels: a number or a list of at most :data:`MAX_LEVELS` distinct
    numbers, each strictly between 0 and 1 (0.8: an 80 % interval), sorted ascending; any
    other value is an InputError naming ``key`` (after ``where``, when given)."""
    at = f"{where}: {key}" if where else key
    items = value if isinstance(value, (list, tuple)) else [value]
    levels = []
    for item in items:
        if isinstance(item, str):
            item = _number_or_text(item)
        if isinstance(item, bool) or not isinstance(item, (int, float)) \
                or not 0.0 < item < 1.0:
            raise InputError(f"{at}: each level must be a number between 0 and 1 (0.8 for an "
                             f"80 % interval), got {show(item)}")
        levels.append(float(item))
    if len(set(levels)) != len(levels):
        raise InputError(f"{at}: a level is listed twice, got {show(value)}")
    if len(levels) > MAX_LEVELS:
        raise InputError(f"{at}: at most {MAX_LEVELS} levels, got {len(levels)}")
    return tuple(sorted(levels))


def _number_or_text(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def _intervals(value: Any, key: str, where: str) -> tuple[float, ...]:
    return () if value == [] else interval_levels(value, key, where)


@dataclass(frozen=True)
class ForecastConfig:
    """The recursive multi-step forecast from the end of the training (and val) part, and the
    levels of the prediction intervals of every one-step prediction and forecast."""

    horizon: int | str | None = field(default=None, metadata={"parse": _horizon})
    intervals: tuple[float, ...] = field(default=(), metadata={"parse": _intervals})


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
# docs/config.md from these, the dataclasses above and the rules' ``params``.
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
    "forecast": "The recursive multi-step forecast of a series, and prediction intervals.",
    "data.path": "The data file: a text table (CSV, semicolons, tabs, ...), a MATLAB .mat, a "
                 ".npy or a .npz. A relative path resolves against the config file's folder "
                 "(one typed with --set against the current folder).",
    "data.series": "Series mode: the column to forecast.",
    "data.time": "The time column: order, step, seasonal period, calendar features, labels.",
    "data.lags": "Series mode: the inputs y[t-l] for each lag l (MATLAB's feedbackDelays); "
                 "MATLAB ranges too (`1:12`, `[1:3, 12]`, `1:2:11`); `[]` only beside "
                 "data.exog (a time-delay network).",
    "data.month": "Series mode: the calendar month of t as an input.",
    "data.inputs": "Tabular mode: the input columns (of a .mat: variables); `all` takes every "
                   "column but the targets, the classes and the time column, and a pattern "
                   "such as `pixel_*` (fnmatch: `*`, `?`, `[...]`) the matching ones, in file "
                   "order.",
    "data.targets": "Tabular mode: the target columns; several are allowed.",
    "data.classes": "The classes: a column of labels (text or integers), a list of 0/1 "
                    "columns of one-hot targets, or of a .mat a variable of labels or of "
                    "one-hot targets (K x N, as ind2vec gives); the run classifies, as MATLAB's "
                    "patternnet does.",
    "data.test_path": "Tabular mode: the test set in a file of its own; the main file is then "
                      "divided into train and val.",
    "data.transform": "Series transforms (shift, log or Box-Cox, then differences), undone "
                      "before any error is computed.",
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
    "data.thousands": "The thousands separator of numbers (`,` `.` `'` or a space): "
                      "`\"1,120\"` reads as 1120; digits are grouped by threes.",
    "data.encoding": "The file's encoding (`cp1252`, `latin-1`, ...); by default from the "
                     "byte-order mark, else UTF-8.",
    "data.wide": "A wide table (a row per year, a column per month or quarter) read as one "
                 "series named data.series.",
    "data.exog": "Outside input columns and their delays, `{column: [delays]}` (MATLAB's "
                 "inputDelays; 0 is the same step).",
    "data.exog_transform": "Transforms of every exogenous column (log, then differences; "
                           "no Box-Cox, no shift).",
    "data.layout": "A .mat file's orientation: `columns` (one sample per column, MATLAB's; the "
                   "default) or `rows`.",
    "data.columns": "The names of a .npy file's columns, in order.",
    "data.transform.log": "Take the log first (the values must be positive).",
    "data.transform.difference": "Differences at these lags, in the order given, e.g. "
                                 "`[1, 12]`.",
    "data.transform.boxcox": "The Box-Cox transform first (instead of log): `auto` (lambda by "
                             "maximum likelihood on the training part's targets, as "
                             "scipy.stats.boxcox fits it) or a lambda (0 is the log); the "
                             "values must be positive.",
    "data.transform.shift": "A constant added to the series before log or boxcox (for values "
                            "<= 0).",
    "data.wide.time": "The wide table's year column (also the default of data.time).",
    "data.wide.columns": "12 month columns (January first) or 4 quarter columns.",
    "split.method": "`block` (MATLAB's divideblock), `random` (dividerand), `interleaved` "
                    "(divideint) or `index` (divideind); MATLAB's names are understood too.",
    "split.train": "The training fraction; with method `index`, a list of sample numbers "
                   "counted from 1 (MATLAB ranges allowed); with test_from or a test count, "
                   "the rest (leave it out).",
    "split.val": "The validation fraction (the validation stop and the best network), or a "
                 "list of sample numbers with `index`; with test_from or a test count, a "
                 "fraction of the samples before the test part or a count of the steps "
                 "just before it.",
    "split.test": "The test fraction, a whole number >= 1 (the last steps or rows, with "
                  "method `block`), or a list of sample numbers with `index`; the test part "
                  "is scored, never used to choose.",
    "split.test_from": "The time label (of data.time) of the first test step: the test part "
                       "is that step and every later one (method `block`), the same steps "
                       "whatever the lags and transforms.",
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
    "forecast.intervals": "Prediction-interval levels, up to 5 in (0, 1), e.g. `[0.8, 0.95]`: "
                          "bounds for every one-step prediction and every forecast step, from "
                          "the empirical quantiles of the errors by horizon on the validation "
                          "part (the training part without one); needs a series.",
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

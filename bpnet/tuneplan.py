"""The plan of a tune: the config it starts from, the knobs it searches, the folds that score
a trial, and the config of every trial on every fold and of the winner (docs/tune.md).

A trial is the config with one value set for each knob (keys in ``--set`` syntax). It is
scored on folds that never hold a sample of the config's test part:

* a series by rolling origin: ``folds`` forecast origins before the test part, each followed
  by a block of time steps (one seasonal period when there is room); at each origin the
  trial is trained afresh on every step before it and predicts the block one step ahead.
  The blocks are time steps, the same for every trial whatever its lags and transforms;
* a table (regression or classes) by k-fold over the train and val parts.

The winner is trained on every sample before the test part (a table: the train and val
parts) and tested on the config's own test part: for a series the same time steps.
"""
from __future__ import annotations

import copy
import itertools
import math
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from bpnet.config import ALGORITHMS, Config, SplitConfig, rule_params
from bpnet.config.load import build_config, read_config_file
from bpnet.config.overrides import apply_overrides, apply_values
from bpnet.config.schema import ForecastConfig
from bpnet.config.sweepspec import value_text
from bpnet.config.tunespec import TRIALS, TuneSpec
from bpnet.config.yamlschema import yaml_key
from bpnet.data import Dataset
from bpnet.data import dataset as data_stage
from bpnet.data.samples import first_time
from bpnet.errors import InputError
from bpnet.paths import checked

VAL = 0.15        # the val part of a trial with a validation stop, when the config has none
MIN_TRAIN = 5     # a trial needs this many training samples on its smallest fold
CALENDAR = ("month", "quarter", "week", "weekday")
RULES = ["trainlm", "trainbr", "trainscg", "traingdx"]   # the rules a tune tries
# the random streams of a tune, each seeded from the config's seed and its number here
TRIAL_STREAM, FOLD_STREAM, VAL_STREAM = 1, 2, 3


@dataclass(frozen=True)
class Trial:
    """One point of the space: its ``number`` (from 1), the ``settings`` (knob -> value),
    its config (the config's own split) and, for a series, the time of its first sample."""

    number: int
    settings: dict[str, Any]
    cfg: Config
    first: int = 0

    @property
    def text(self) -> str:
        return ", ".join(f"{k}={value_text(v)}" for k, v in self.settings.items())


@dataclass
class Plan:
    """What a tune starts from: the config file (``path``), its raw mapping with ``--set``
    applied (one model: the tuned one, its train block merged into the top one), the keys
    given on the command line, the base config, its samples, the knobs (``space``), the
    ``metric`` and the folds: for a series the origins (time steps) and the block length,
    for a table the rows of each fold (0-based)."""

    path: Path
    raw: dict
    given: frozenset
    base: Config
    data: Dataset
    spec: TuneSpec
    model: str
    space: dict[str, list]
    metric: str
    origins: list[int]
    block: int = 0
    fold_rows: list[np.ndarray] | None = None
    cap: float | None = None   # with a budget: the most seconds of one training (train.time)

    @property
    def series(self) -> bool:
        return self.data.series is not None

    @property
    def classes(self) -> bool:
        return self.data.classes is not None

    @property
    def trials(self) -> int:
        return self.spec.trials or TRIALS

    @property
    def test_steps(self) -> np.ndarray:
        """A series' test part as time steps (n,); a table's as rows (n,), 0-based."""
        idx = self.data.index["test"]
        return self.data.series.positions[idx] if self.series else idx

    def fold_names(self) -> list[str]:
        """Each fold as tune files name it: a series' origin (its time label), else k."""
        if self.series:
            return [self.data.series.labels[t] for t in self.origins]
        return [str(k + 1) for k in range(len(self.fold_rows))]


def plan(path: str | Path, spec: TuneSpec, overrides=(), out_dir: str | None = None
         ) -> Plan:
    """Read the config, its samples and the knobs; check every key of the space; place the
    folds. Every mistake is an InputError before any work."""
    path = Path(checked(path, "the config file"))
    raw = read_config_file(path)
    raw.pop("tune", None)
    raw.pop("sweep", None)
    given = apply_overrides(raw, overrides)
    base = build_config(copy.deepcopy(raw), str(path), path.parent, out_dir, given,
                        check_files=True)
    model = spec.model or next(iter(base.models))
    if model not in base.models:
        raise InputError(f"{path}: tune.model: {model!r} is not a model of this config "
                         f"(it has {', '.join(base.models)})")
    raw = _one_model(raw, model)
    base = build_config(copy.deepcopy(raw), str(path), path.parent, out_dir, given,
                        check_files=True)
    data = data_stage.load(base, np.random.default_rng(base.seed))
    base = data_stage.resolved(base, data)
    if "test" not in data.index:
        raise InputError(f"{path}: split: a tune needs a test part to report the winner on "
                         "(split.test > 0, or data.test_path)")
    p = Plan(path, raw, given, base, data, spec, model, {}, "", [])
    p.metric = _metric(p, str(path))
    _place_folds(p, str(path))
    p.space = _space(p, str(path))
    return p


def _one_model(raw: dict, model: str) -> dict:
    """The raw config with the tuned model only, its own train block merged into the top
    one (a knob such as train.algorithm then reaches it), the top block's parameters that
    its rule does not take left out."""
    raw = copy.deepcopy(raw)
    m = dict(raw["models"][model] or {})
    own = m.pop("train", None) or {}
    top = raw.get("train") or {}
    algorithm = own.get("algorithm", top.get("algorithm"))
    takes = rule_params(algorithm) if algorithm in ALGORITHMS else None
    kept = {k: v for k, v in top.items()
            if takes is None or k == "algorithm" or yaml_key(k) in takes}
    if own or top:
        raw["train"] = {**kept, **own}
    raw["models"] = {model: m}
    return raw


def _metric(p: Plan, where: str) -> str:
    """The metric that scores a trial: the spec's, checked against the data, or the data's
    default (rmse; mse for several targets; crossentropy for classes)."""
    several = not p.classes and p.data.Y.shape[1] > 1
    fits = ("crossentropy", "accuracy", "mse") if p.classes else \
        ("mse", "mape") if several else ("rmse", "mae", "mape") if p.series else \
        ("rmse", "mae", "mape", "mse")
    metric = p.spec.metric or fits[0]
    if metric not in fits:
        why = {"mse": "a series' mse is on each trial's own scale (transforms differ)"}.get(
            metric, "this data does not have it")
        raise InputError(f"{where}: tune.metric: {metric} does not fit this data ({why}); "
                         f"choose {', '.join(fits)}")
    return metric


def _place_folds(p: Plan, where: str) -> None:
    """The folds: a series' origins before its test part (one block of time steps each),
    a table's k parts of its train and val rows."""
    k = p.spec.folds
    if p.series:
        test = p.test_steps
        start = int(test[0])
        if not np.array_equal(test, np.arange(start, start + len(test))) or \
                test[-1] != len(p.data.series.values) - 1:
            raise InputError(f"{where}: split: a series is tuned with its test part as its "
                             "last steps (split.method: block)")
        period = p.data.series.period or 0
        first = int(p.data.series.positions[0])
        room = start - first
        p.block = period if period > 1 and k * period <= room // 2 else room // (2 * k)
        if p.block < 1:
            raise InputError(f"{where}: {room} steps before the test part are too few for "
                             f"{k} forecast origins (tune.folds)")
        p.origins = [start - (k - i) * p.block for i in range(k)]
        return
    rows = np.sort(np.concatenate([p.data.index[x] for x in ("train", "val")
                                   if x in p.data.index]))
    if len(rows) < 2 * k:
        raise InputError(f"{where}: {len(rows)} train and val samples are too few for "
                         f"{k} folds (tune.folds)")
    order = _rng(p, FOLD_STREAM).permutation(rows)
    p.fold_rows = [np.sort(part) for part in np.array_split(order, k)]


def _rng(p: Plan, stream: int, *more: int) -> np.random.Generator:
    return np.random.default_rng([p.base.seed, stream, *more])


def default_space(p: Plan) -> dict[str, list]:
    """The knobs a MATLAB user turns: for a series its transform, lags and calendar
    inputs; the network's type and hidden sizes; the rule, its regularization and the
    validation stop (max_fail; 0: none)."""
    m = f"models.{p.model}"
    space: dict[str, list] = {}
    if p.series:
        space.update(_series_knobs(p))
        space[f"{m}.type"] = ["feedforward", "cascadeforward", "elman"]
    else:
        space[f"{m}.type"] = ["feedforward", "cascadeforward"]
    sizes = [1, 2, 3, 5, 8, 12, 20]
    space[f"{m}.hidden"] = [[k] for k in range(1, 21)] + \
        [[a, b] for a in sizes for b in sizes if b <= a]
    space["train.algorithm"] = list(RULES)
    space["train.regularization"] = [0, 0.001, 0.01, 0.1]
    space["train.max_fail"] = [0, 6, 20]
    return space


def _series_knobs(p: Plan) -> dict[str, list]:
    """The transforms (none, log, Box-Cox; differences at 1 and at the period), the lags
    (ranges up to two periods and the seasonal ones) and the calendar inputs the config
    has."""
    period = p.data.series.period or 0
    plain: list[dict] = [{}, {"difference": [1]}]
    if period > 1:
        plain += [{"difference": [period]}, {"difference": [1, period]}]
    positive = bool((p.data.series.values > 0).all())   # the log's and Box-Cox's domain
    transforms = plain + ([{"log": True, **t} for t in plain] +
                          [{"boxcox": "auto", **t} for t in plain] if positive else [])
    top = 2 * period + 1 if period > 1 else 12
    lags: list = [1] + [f"1:{k}" for k in range(2, top + 1)]
    if period > 2:
        lags += [[1, period, period + 1], [1, 2, period, period + 1, 2 * period,
                                           2 * period + 1]]
    knobs = {"data.transform": transforms, "data.lags": lags}
    for feature in CALENDAR:
        if getattr(p.base.data, feature):
            knobs[f"data.{feature}"] = [True, False]
    return knobs


def _space(p: Plan, where: str) -> dict[str, list]:
    """The default space with the tune block's knobs over it, each key checked: a value of
    the tune block that makes no valid config is an error (a typo, a wrong value), and so is
    a default knob none of whose values does."""
    space = default_space(p)
    for key, values in p.spec.space.items():
        if key.startswith("models.") and key.split(".")[1] != p.model:
            raise InputError(f"{where}: tune.space.{key}: the tuned model is {p.model} "
                             f"(models.{p.model}...)")
        if values is None:
            space.pop(key, None)
        else:
            space[key] = values
    for key, values in space.items():
        errors = [e for e in (_unfit(p, space, key, v, where) for v in values) if e]
        if key in p.spec.space and errors:   # the user's: every value must fit
            raise InputError(errors[0])
        if len(errors) == len(values):
            raise InputError(f"{where}: tune: the default knob {key} fits no value here "
                             f"({errors[0]}); take it out with tune.space.{key}: null")
    return space


def _unfit(p: Plan, space: dict[str, list], key: str, value: Any, where: str) -> str | None:
    """Why ``value`` of knob ``key`` makes no valid config, alone or beside any one value of
    another knob (an elman network's two layers fit no feedforward knob value, say); None
    when it makes one."""
    try:
        trial_config(p, {key: value}, where)
        return None
    except InputError as exc:
        alone = str(exc)
    for other, values in space.items():
        for v in values if other != key else ():
            try:
                trial_config(p, {key: value, other: v}, where)
                return None
            except InputError:
                pass
    return alone


def trial_config(p: Plan, settings: dict[str, Any], where: str) -> Config:
    """The config of one trial: the config with ``settings`` set (knob -> value) as
    ``--set`` sets keys, the model's transfer functions fitted to its layers."""
    raw = copy.deepcopy(p.raw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # a rule's parameters dropped: as meant
        typed = p.given | apply_values(raw, settings)
    m = raw["models"][p.model]
    shaped = any(k.startswith(f"models.{p.model}.") for k in settings)
    if shaped and isinstance(m, dict):
        if isinstance(m.get("transfer"), list) and len(m["transfer"]) >= 2:
            layers = len(m["hidden"]) if isinstance(m.get("hidden"), list) else 1
            layers = 1 if m.get("type") in ("elman", "lstm", "gru") else layers
            m["transfer"] = [m["transfer"][0]] * layers + [m["transfer"][-1]]
        if str(m.get("init", "")).endswith((".npz", ".mat")):
            del m["init"]
    text = ", ".join(f"{k}={value_text(v)}" for k, v in settings.items())
    return build_config(raw, f"{where} (tune: {text})", p.path.parent, p.base.output.dir,
                        typed, check_files=False)


def canonical(settings: dict[str, Any]) -> dict[str, Any]:
    """A trial's settings without the knobs its rule ignores (trainbr chooses its own
    regularization)."""
    if settings.get("train.algorithm") == "trainbr":
        return {k: v for k, v in settings.items() if k != "train.regularization"}
    return settings


def val_fraction(p: Plan, cfg: Config) -> float:
    """The part of a trial's training samples held out for its validation stop: none
    without one (max_fail 0); the config's split.val, or VAL when the validation stop is a
    knob and the config has no val part."""
    if cfg.models[p.model].train.max_fail == 0:
        return 0.0
    val = p.base.split.val if isinstance(p.base.split.val, float) else 0.0
    if val == 0 and p.base.split.method == "index":
        val = len(p.data.index.get("val", ())) / len(p.data.X)
    return val or (VAL if "train.max_fail" in p.space else 0.0)


class TrialSource:
    """The trials of a tune in the order they are tried: drawn from the space with the
    config's seed (every value of every knob equally likely), each distinct, each a valid
    config with at least MIN_TRAIN training samples on every fold. A small space is
    enumerated in a seeded order instead."""

    def __init__(self, p: Plan) -> None:
        self.plan = p
        self.rng = _rng(p, TRIAL_STREAM)
        self.seen: set[str] = set()
        self.count = 0
        keys = list(p.space)
        size = math.prod(len(v) for v in p.space.values())
        self.grid = None
        if size <= 4 * p.trials:
            combos = list(itertools.product(*p.space.values()))
            self.grid = iter([dict(zip(keys, combos[i]))
                              for i in self.rng.permutation(len(combos))])

    def _draw(self) -> dict[str, Any] | None:
        if self.grid is not None:
            return next(self.grid, None)
        return {k: v[int(self.rng.integers(len(v)))] for k, v in self.plan.space.items()}

    def take(self, n: int) -> list[Trial]:
        """The next ``n`` trials (fewer when the space holds no more)."""
        out: list[Trial] = []
        misses = 0
        while len(out) < n and misses < 200 * n:
            settings = self._draw()
            if settings is None:
                break
            trial = self._trial(canonical(settings))
            if trial is None:
                misses += 1
                continue
            out.append(trial)
        return out

    def _trial(self, settings: dict[str, Any]) -> Trial | None:
        key = value_text(settings)
        if key in self.seen:
            return None
        self.seen.add(key)
        p = self.plan
        try:
            cfg = trial_config(p, settings, str(p.path))
        except InputError:
            return None
        first = first_time(cfg.data) if p.series else 0
        trial = Trial(self.count + 1, settings, cfg, first)
        if min(len(parts[0]) for parts in fold_parts_all(p, trial)) < MIN_TRAIN:
            return None
        self.count += 1
        return trial


def fold_parts_all(p: Plan, trial: Trial) -> list[tuple[tuple, tuple, tuple]]:
    return [fold_parts(p, trial, k) for k in range(len(p.origins) or len(p.fold_rows))]


def fold_parts(p: Plan, trial: Trial, k: int) -> tuple[tuple, tuple, tuple]:
    """The sample numbers (1-based, as split.method: index lists them) of the train, val
    and scored parts of fold ``k`` of a trial."""
    v = val_fraction(p, trial.cfg)
    if p.series:
        origin = p.origins[k]
        n = origin - trial.first                      # samples before the origin
        n_val = int(math.floor(v * n + 1e-9))
        scored = range(n + 1, n + p.block + 1)
        return tuple(range(1, n - n_val + 1)), tuple(range(n - n_val + 1, n + 1)), \
            tuple(scored)
    held = p.fold_rows[k]
    rest = _rng(p, VAL_STREAM, k).permutation(
        np.setdiff1d(np.concatenate(p.fold_rows), held))
    n_val = int(math.floor(v * len(rest) + 1e-9))
    return _numbers(rest[n_val:]), _numbers(rest[:n_val]), _numbers(held)


def _numbers(rows: np.ndarray) -> tuple[int, ...]:
    return tuple(int(r) + 1 for r in np.sort(rows))


def fold_config(p: Plan, trial: Trial, k: int, epochs: int) -> Config:
    """A trial's config on fold ``k``, trained for ``epochs``: the fold's parts listed
    (split.method: index), no test file, no forecast, no pictures, one run."""
    train, val, scored = fold_parts(p, trial, k)
    cfg = trial.cfg
    m = cfg.models[p.model]
    model = replace(m, train=replace(capped(p, m.train), epochs=min(epochs, m.train.epochs),
                                     show=0))
    return replace(cfg, data=replace(cfg.data, test_path=None),
                   split=SplitConfig("index", train, val, scored), models={p.model: model},
                   runs=1, combine=None, forecast=ForecastConfig(None),
                   output=replace(cfg.output, plots=False))


def capped(p: Plan, train):
    """A model's TrainConfig with the tune's time cap (train.time) when it has one."""
    return train if p.cap is None else replace(train, time=min(train.time, p.cap))


def final_config(p: Plan, trial: Trial) -> Config:
    """The winner's config: trained on every sample before the test part (a table: on its
    train and val parts), the validation stop's share of them held out, and tested on the
    config's own test part: for a series the same time steps; with the tune's time cap,
    as it was scored."""
    m = trial.cfg.models[p.model]
    cfg = replace(trial.cfg, models={p.model: replace(m, train=capped(p, m.train))})
    v = val_fraction(p, cfg)
    if p.data.series is None and cfg.data.test_path is not None:
        return replace(cfg, split=SplitConfig(cfg.split.method, 1.0 - v, v, 0.0))
    if p.series:
        test = tuple(int(t) - trial.first + 1 for t in p.test_steps)
        n = test[0] - 1
        before = np.arange(n)
    else:
        test = _numbers(p.test_steps)
        before = _rng(p, VAL_STREAM, len(p.fold_rows)).permutation(
            np.concatenate(p.fold_rows))
        n = len(before)
    n_val = int(math.floor(v * n + 1e-9))
    if p.series:
        train, val = tuple(range(1, n - n_val + 1)), tuple(range(n - n_val + 1, n + 1))
    else:
        train, val = _numbers(before[n_val:]), _numbers(before[:n_val])
    return replace(cfg, split=SplitConfig("index", train, val, test))


def ranges(numbers) -> str | list:
    """Sample numbers as MATLAB writes them: ``1:58``, ``[1:3, 7, 9:12]``; [] for none."""
    numbers = sorted(int(x) for x in numbers)
    if not numbers:
        return []
    runs, start = [], numbers[0]
    for a, b in zip(numbers, numbers[1:] + [None]):
        if b != a + 1:
            runs.append(f"{start}:{a}" if a > start else str(start))
            start = b
    return runs[0] if len(runs) == 1 else "[" + ", ".join(runs) + "]"

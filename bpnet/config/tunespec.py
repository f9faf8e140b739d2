"""Input stage of a tune: the ``tune:`` block, the options of ``python run.py tune`` and the
space of knobs it searches (docs/tune.md).

    tune:
      space:                    # knobs in --set syntax: a list of values, or a range (1:20)
        data.lags: ["1:12", "1:25"]
        models.bp.hidden: 1:20  # one hidden layer of 1 .. 20 units
        train.regularization: null   # not searched: the config's value
      trials: 27                # trials of a bracket's first rung (as --trials)
      folds: 3                  # forecast origins of a series, k of k-fold for a table
      runs: 5                   # runs of each finalist
      metric: rmse              # what scores a trial (lower is better, accuracy higher)

A key of ``space`` replaces the default space's values of that key (narrowing or widening
it) or adds a knob; ``null`` takes a default knob out (its value is then the config's).
"""
from __future__ import annotations

import difflib
import re
import typing
from dataclasses import dataclass

from bpnet.config.ranges import parse_integers
from bpnet.config.sweepspec import value_text
from bpnet.config.yamlschema import kind, show
from bpnet.errors import InputError

KEYS = ("space", "trials", "budget", "folds", "runs", "metric", "model")
# metric -> whether higher is better
METRICS = {"rmse": False, "mae": False, "mape": False, "mse": False, "crossentropy": False,
           "accuracy": True}
TRIALS = 27       # trials of a bracket's first rung by default
FOLDS = 3
RUNS = 5
ETA = 3           # successive halving keeps the best 1 / ETA of a rung
MAX_VALUES = 10_000
_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?")


@dataclass(frozen=True)
class TuneSpec:
    """What a tune searches and how: the knobs given (``space``: key path -> its values, None:
    taken out of the default space), ``trials`` per bracket (None: the default), a time
    ``budget`` in seconds (None: one bracket), the ``folds`` that score a trial, the ``runs``
    of each finalist, the ``metric`` (None: the data's default) and the tuned ``model`` (None:
    the config's first)."""

    space: dict[str, list | None]
    trials: int | None = None
    budget: float | None = None
    folds: int = FOLDS
    runs: int = RUNS
    metric: str | None = None
    model: str | None = None


def parse_budget(text: typing.Any, where: str) -> float:
    """A duration as seconds: ``90s``, ``10m``, ``1h30m`` or a number of seconds."""
    if isinstance(text, (int, float)) and not isinstance(text, bool) and text > 0:
        return float(text)
    m = _DURATION.fullmatch(str(text).strip()) if isinstance(text, str) else None
    if isinstance(text, str) and re.fullmatch(r"\d+(\.\d+)?", text.strip()):
        seconds = float(text)
    elif m and any(m.groups()):
        h, mi, s = (float(g or 0) for g in m.groups())
        seconds = 3600 * h + 60 * mi + s
    else:
        raise InputError(f"{where}: {show(text)} is not a duration; write 90s, 10m, 1h30m "
                         "or a number of seconds")
    if seconds <= 0:
        raise InputError(f"{where}: the budget must be more than 0 seconds, got {show(text)}")
    return seconds


def _whole(value: typing.Any, key: str, where: str, least: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise InputError(f"{where}: {key}: must be a whole number >= {least}, got "
                         f"{show(value)}")
    return value


def parse_tune(block: typing.Any, where: str, trials: int | None = None,
               budget: str | None = None) -> TuneSpec:
    """The tune block (None: absent) and the command line's ``--trials`` and ``--budget``
    (which replace the block's trials and budget) as a checked TuneSpec."""
    block = {} if block is None else block
    if not isinstance(block, dict):
        raise InputError(f"{where}: tune must be a mapping ({', '.join(KEYS)}), not "
                         f"{kind(block)}")
    unknown = sorted(str(k) for k in set(block) - set(KEYS))
    if unknown:
        guess = difflib.get_close_matches(unknown[0], KEYS, n=1)
        raise InputError(f"{where}: tune.{unknown[0]} is not a key"
                         + (f" (did you mean tune.{guess[0]}?)" if guess else "")
                         + f"; tune takes {', '.join(KEYS)}")
    if trials is not None and budget is not None:
        raise InputError("--trials and --budget: give one of them (a number of trials, "
                         "or a time to spend)")
    if trials is not None:
        _whole(trials, "--trials", "run.py tune")
        block = {k: v for k, v in block.items() if k != "budget"}
    seconds = parse_budget(budget, "--budget") if budget is not None else (
        parse_budget(block["budget"], f"{where}: tune.budget")
        if block.get("budget") is not None else None)
    count = trials if trials is not None else block.get("trials")
    metric = block.get("metric")
    if metric is not None and metric not in METRICS:
        raise InputError(f"{where}: tune.metric: must be one of {', '.join(METRICS)}, got "
                         f"{show(metric)}")
    model = block.get("model")
    if model is not None and not isinstance(model, str):
        raise InputError(f"{where}: tune.model: the name of a model, got {show(model)}")
    return TuneSpec(
        _space(block.get("space"), where),
        None if count is None else _whole(count, "tune.trials", where),
        seconds, _whole(block.get("folds", FOLDS), "tune.folds", where, 2),
        _whole(block.get("runs", RUNS), "tune.runs", where), metric, model)


def _space(space: typing.Any, where: str) -> dict[str, list | None]:
    """tune.space: key path -> its values (a list, or a range text ``1:20`` for whole
    numbers), or None to take a default knob out."""
    if space is None:
        return {}
    if not isinstance(space, dict):
        raise InputError(f"{where}: tune.space must map config keys to lists of values, "
                         f"not {kind(space)}")
    out: dict[str, list | None] = {}
    for key, values in space.items():
        key = str(key).strip()
        at = f"tune.space.{key}"
        if not key or any(not part for part in key.split(".")):
            raise InputError(f"{where}: tune.space: {key!r} is not a key path such as "
                             "models.bp.hidden")
        if key.split(".")[0] in ("tune", "sweep", "output", "runs", "seed", "combine",
                                 "split", "forecast"):
            raise InputError(f"{where}: {at}: {key.split('.')[0]} is not a knob of the "
                             "network (the test part, the seeds and the output are the "
                             "tune's own)")
        if values is None:
            out[key] = None
            continue
        if isinstance(values, str):
            values = list(parse_integers(values, at, where))
        if not isinstance(values, list) or not values:
            raise InputError(f"{where}: {at}: must be a non-empty list of values or a range "
                             f"such as 1:20, got {show(values)}")
        if len(values) > MAX_VALUES:
            raise InputError(f"{where}: {at}: {len(values):,} values is more than a tune "
                             f"searches ({MAX_VALUES:,})")
        texts = [value_text(v) for v in values]
        if len(set(texts)) < len(texts):
            raise InputError(f"{where}: {at}: a value is given twice")
        out[key] = values
    return out

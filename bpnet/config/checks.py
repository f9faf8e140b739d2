"""Input stage: the checks that span several keys of a config, and its paths resolved.

Each key on its own is checked by the schema (:mod:`bpnet.config.schema`); here are the rules
that tie keys together (series or tabular data, what a forecast needs, fractions summing to 1)
and the resolution of relative paths against the config file's folder.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from bpnet.config.schema import Config, DataConfig, OutputConfig, SplitConfig
from bpnet.errors import InputError

_SERIES_ONLY = ("lags", "month", "quarter", "week", "weekday", "period", "transform", "sort",
                "score_filled", "wide")


def check_config(cfg: Config, raw: dict, where: str) -> Config:
    """Every cross-key rule, in a fixed order; ``raw`` is the config as written. Returns
    ``cfg`` with the parts ``split.method: index`` leaves unlisted empty."""
    raw_data = raw.get("data")
    if cfg.data.series is None and isinstance(raw_data, dict):
        for key in _SERIES_ONLY:   # would be silently unused
            if raw_data.get(key) not in (None, False):
                raise InputError(f"{where}: data.{key} is for a series (data.series); "
                                 "tabular mode uses data.inputs and data.targets")
    cfg = _check_wide(cfg, where)
    _check_data(cfg.data, where)
    _check_missing(cfg.data, where)
    cfg = _check_split(cfg, raw.get("split"), where)
    _check_forecast(cfg, where)
    return cfg


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
    for feature in ("month", "quarter", "week", "weekday"):
        if getattr(data, feature) and data.time is None:
            raise InputError(f"{where}: data.{feature}: needs data.time, the column of time "
                             "labels (YYYY-MM, YYYY-MM-DD, ...)")


def _check_wide(cfg: Config, where: str) -> Config:
    """A wide table becomes a series named by data.series, labelled by data.time (default:
    the wide table's time column)."""
    data = cfg.data
    if data.wide is None:
        return cfg
    if data.series is None:
        raise InputError(f"{where}: data.wide: name the series it becomes with data.series "
                         "(any name, e.g. temperature)")
    if data.time is None:
        cfg = dataclasses.replace(cfg, data=dataclasses.replace(data, time=data.wide.time))
    return cfg


def _check_missing(data: DataConfig, where: str) -> None:
    if data.series is not None and data.missing == "drop":
        raise InputError(f"{where}: data.missing: drop would take rows out of the series and "
                         "break its lags (lag 1 would no longer be the step before); use "
                         "interpolate (or previous) for a series")
    if data.score_filled and data.missing not in ("interpolate", "previous"):
        raise InputError(f"{where}: data.score_filled: only with data.missing: interpolate "
                         "or previous (nothing else fills values)")


def _check_forecast(cfg: Config, where: str) -> None:
    if cfg.forecast.horizon is None:
        return
    if cfg.data.series is None:
        raise InputError(f"{where}: forecast: needs a series (data.series with lags)")
    if cfg.split.method != "block":
        raise InputError(f"{where}: forecast: starts from the end of the training part, "
                         "so it needs split.method: block")
    if cfg.split.test == 0:
        raise InputError(f"{where}: forecast: needs a test part to forecast (split.test)")


def _check_split(cfg: Config, raw_split, where: str) -> Config:
    """Fractions that add up to 1, or with ``method: index`` lists of sample numbers (an
    unlisted part is empty)."""
    split = cfg.split
    parts = {p: getattr(split, p) for p in ("train", "val", "test")}
    if split.method != "index":
        for part, value in parts.items():
            if isinstance(value, tuple):
                raise InputError(f"{where}: split.{part}: a list of sample numbers needs "
                                 "split.method: index (MATLAB's divideind)")
        total = split.train + split.val + split.test
        if abs(total - 1.0) > 1e-9:
            raise InputError(f"{where}: split: train + val + test must be 1, got {total:g}")
        return cfg
    given = raw_split if isinstance(raw_split, dict) else {}
    for part, value in parts.items():
        if isinstance(value, float):
            if value != 0 and (given.get(part) is not None or part == "train"):
                raise InputError(f"{where}: split.{part}: with split.method: index, give the "
                                 "sample numbers of the part (1-based, e.g. 1:100), not a "
                                 "fraction")
            parts[part] = ()
    if cfg.data.test_path is not None:
        raise InputError(f"{where}: split.method: index lists the samples of one file; with "
                         "data.test_path use a fraction method")
    return dataclasses.replace(cfg, split=SplitConfig("index", **parts))


def resolve_paths(cfg: Config, base: Path, where: str, out_dir: str | None) -> Config:
    """``cfg`` with its data, init and output paths absolute: relative ones against ``base``
    (the config file's folder); ``out_dir`` (``--out``) against the current folder, and without
    either, ``results/<config stem>`` in the current folder."""
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

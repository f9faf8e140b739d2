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
from bpnet.paths import checked

_SERIES_ONLY = ("lags", "month", "period", "transform")


def check_config(cfg: Config, raw_data, where: str) -> None:
    """Every cross-key rule, in a fixed order; ``raw_data`` is the data block as written."""
    if cfg.data.series is None and isinstance(raw_data, dict):
        for key in _SERIES_ONLY:   # would be silently unused
            if raw_data.get(key) is not None:
                raise InputError(f"{where}: data.{key} is for a series (data.series); "
                                 "tabular mode uses data.inputs and data.targets")
    _check_data(cfg.data, where)
    _check_columns(cfg.data, where)
    _check_forecast(cfg, where)
    _check_split(cfg.split, where)


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


def _check_split(split: SplitConfig, where: str) -> None:
    total = split.train + split.val + split.test
    if abs(total - 1.0) > 1e-9:
        raise InputError(f"{where}: split: train + val + test must be 1, got {total:g}")


def resolve_paths(cfg: Config, base: Path, where: str, out_dir: str | None) -> Config:
    """``cfg`` with its data, init and output paths absolute: relative ones against ``base``
    (the config file's folder); ``out_dir`` (``--out``) against the current folder, and without
    either, ``results/<config stem>`` in the current folder."""
    def resolve(p: str | None, key: str = "") -> str | None:
        if p is None:
            return None
        q = Path(checked(p, f"{where}: {key}")).expanduser()
        return str(q if q.is_absolute() else (base / q).resolve())

    data = dataclasses.replace(cfg.data, path=resolve(cfg.data.path, "data.path"),
                               test_path=resolve(cfg.data.test_path, "data.test_path"))
    models = {}
    for name, m in cfg.models.items():
        init = m.init
        if init not in ("nguyen-widrow", "uniform"):
            if not init.endswith(".npz"):
                raise InputError(f"{where}: models.{name}.init: expected nguyen-widrow, uniform "
                                 f"or the path of a saved model .npz, got {init!r}")
            init = resolve(init, f"models.{name}.init")
        models[name] = dataclasses.replace(m, init=init)
    if out_dir is not None:
        out = str(Path(checked(out_dir, "--out")).resolve())
    elif cfg.output.dir:
        out = resolve(cfg.output.dir, "output.dir")
    else:
        out = str((Path("results") / Path(where).stem).resolve())
    return dataclasses.replace(cfg, data=data, models=models, output=OutputConfig(dir=out))


def check_data_settings(data: DataConfig, where: str) -> None:
    """The cross-key rules of a data block on its own, as a saved model's recipe is checked."""
    _check_data(data, where)
    _check_columns(data, where)


def _check_columns(data: DataConfig, where: str) -> None:
    """Tabular columns named once each, and no target among the inputs (a network fed its own
    target learns nothing it could use)."""
    for key in ("inputs", "targets"):
        names = getattr(data, key)
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise InputError(f"{where}: data.{key}: {twice[0]!r} is named twice")
    both = [n for n in data.inputs if n in data.targets]
    if both:
        raise InputError(f"{where}: data.inputs: {both[0]!r} is also a target; a network given "
                         "its own target as an input predicts nothing")

"""Input stage, written back: the resolved config as plain data, and as the portable
``config.yaml`` written next to the results.

:func:`to_plain` is the one walker that turns the package's values into plain YAML/JSON data.
"""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np

from bpnet.config.checks import SERIES_ONLY
from bpnet.config.schema import Config, TrainConfig
from bpnet.config.yamlschema import yaml_key
from bpnet.paths import relative_to


def to_plain(value: Any, finite: bool = False) -> Any:
    """``value`` as plain data: dataclasses as dicts under their YAML keys (a TrainConfig
    without the parameters its rule does not take), tuples as lists, numpy scalars as Python
    numbers; with ``finite``, NaN and infinities as None (JSON has neither)."""
    if isinstance(value, np.generic):
        value = value.item()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        skip_none = isinstance(value, TrainConfig)
        return {yaml_key(f.name): to_plain(getattr(value, f.name), finite)
                for f in dataclasses.fields(value)
                if not (skip_none and getattr(value, f.name) is None)}
    if isinstance(value, dict):
        return {k: to_plain(x, finite) for k, x in value.items()}
    if isinstance(value, (tuple, list)):
        return [to_plain(x, finite) for x in value]
    if finite and isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def config_to_dict(cfg: Config) -> dict:
    """The resolved config as plain YAML-ready data (tuples as lists, inf as .inf)."""
    return to_plain(cfg)


def portable_config(cfg: Config, out: Path) -> dict:
    """The resolved config with its paths relative to the output folder, where it is written,
    so that ``python run.py <out>/config.yaml`` reruns the same experiment from any folder."""
    raw = config_to_dict(cfg)
    if raw["data"]["series"] is None:   # tabular: the series keys would be refused on a rerun
        for key in SERIES_ONLY:
            del raw["data"][key]
    raw["data"]["path"] = relative_to(raw["data"]["path"], out)
    if raw["data"]["test_path"]:
        raw["data"]["test_path"] = relative_to(raw["data"]["test_path"], out)
    for m in raw["models"].values():
        if m["init"].endswith((".npz", ".mat")):
            m["init"] = relative_to(m["init"], out)
    raw["output"]["dir"] = "."
    return raw

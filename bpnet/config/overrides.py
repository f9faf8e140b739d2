"""Input stage: ``--set key.path=value`` overrides, and the rule switch they may cause.

Overrides are applied to the raw mapping read from YAML, before any check, so that an override
is checked exactly as if it had been written in the file.
"""
from __future__ import annotations

import os
import typing
import warnings

from bpnet.config.schema import ALGORITHMS, rule_params
from bpnet.config.yamlschema import parse_yaml
from bpnet.errors import InputError


def apply_overrides(raw: dict, overrides: typing.Sequence[str]) -> frozenset[str]:
    """Apply ``key.path=value`` strings to ``raw`` in place, in order, then switch rules;
    returns the key paths given."""
    given = {_set(raw, item) for item in overrides}
    _switch_rules(raw, given)
    return frozenset(given)


def apply_values(raw: dict, values: typing.Mapping[str, typing.Any]) -> frozenset[str]:
    """As :func:`apply_overrides`, with Python values given by key path (``bpnet.run``'s
    ``set={"train.lr": 0.05}``) instead of YAML text."""
    given = set()
    for key, value in values.items():
        _check_key(str(key), f"{key}={value!r}")
        _put(raw, str(key).strip(), as_yaml(value))
        given.add(str(key).strip())
    _switch_rules(raw, given)
    return frozenset(given)


def as_yaml(value):
    """A Python value as YAML would have given it: tuples as lists, numpy scalars as numbers,
    paths as text."""
    if isinstance(value, dict):
        return {k: as_yaml(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_yaml(v) for v in value]
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", None) == 0:
        return value.item()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


def _check_key(key: str, item: str) -> None:
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise InputError(f"--set {item!r}: expected key.path=value, e.g. train.lr=0.05")


def _set(raw: dict, item: str) -> str:
    """Apply one ``key.path=value`` (the value parsed as YAML); returns the key path."""
    key, sep, value = item.partition("=")
    key = key.strip()
    if not sep:
        raise InputError(f"--set {item!r}: expected key.path=value, e.g. train.lr=0.05")
    _check_key(key, item)
    # a lone comma or semicolon (data.decimal=, data.delimiter=;) is not YAML: take it as text
    text = value.strip()
    _put(raw, key, text if text in (",", ";") else parse_yaml(value, f"--set {key}"))
    return key


def _put(raw: dict, key: str, value) -> None:
    """raw[k1][k2]...[kn] = value for key "k1.k2...kn", creating the mappings on the way."""
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
        if algorithm not in ALGORITHMS:
            continue  # reported by the schema check
        takes = rule_params(algorithm)
        dropped = [k for k in block if k != "algorithm" and k not in takes
                   and f"{path}.{k}" not in given]
        for k in dropped:
            del block[k]
        if dropped:
            # stacklevel: the warning is the caller's of load_config
            warnings.warn(f"--set {path}.algorithm={algorithm}: {', '.join(dropped)} "
                          f"dropped (not parameters of {algorithm})", stacklevel=4)

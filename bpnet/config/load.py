"""Input stage: read a YAML config, check it and resolve it into a :class:`Config`.

``load_config(path, overrides)`` reads the file with ``yaml.safe_load``, applies ``--set``
overrides, checks every key, type and range, and returns a :class:`Config` with every default
filled in. Any mistake raises :class:`~bpnet.errors.InputError` with one line naming the file and
the key path, e.g. ``configs/x.yaml: train.lr_incr: unknown key; did you mean train.lr_inc?``.
"""
from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

from bpnet.config.checks import check_config, complete_config, resolve_paths
from bpnet.config.overrides import apply_overrides
from bpnet.config.schema import ALGORITHMS, Config, ModelConfig, TrainConfig, rule_params
from bpnet.config.yamlschema import fields, kind, mapping, parse_yaml, yaml_key
from bpnet.errors import InputError
from bpnet.nets.registry import LAYERED
from bpnet.paths import checked, read_bytes


def load_config(path: str | Path, overrides: typing.Sequence[str] = (),
                out_dir: str | None = None, check_files: bool = False) -> Config:
    """Read, override, check and resolve a config file.

    ``overrides`` are ``key.path=value`` strings (values parsed as YAML scalars or flow lists);
    ``out_dir`` replaces ``output.dir``. Relative paths in the file resolve against its folder,
    those given in ``overrides`` and ``out_dir`` against the current folder; ``output.dir``
    defaults to ``results/<config stem>`` in the current folder. ``check_files``: a data or
    model file that does not exist is an error naming its key and both paths.
    """
    path = Path(checked(path, "the config file"))
    raw = read_config_file(path)
    typed = apply_overrides(raw, overrides)
    return build_config(raw, str(path), base=path.parent, out_dir=out_dir, typed=typed,
                        check_files=check_files)


def read_config_file(path: Path) -> dict:
    """The raw mapping of a YAML config file (``yaml.safe_load``, no tags), unchecked."""
    raw = parse_yaml(read_config_text(path), str(path))
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InputError(f"{path}: the config must be a mapping of keys, not {kind(raw)}")
    return raw


MAX_CONFIG_BYTES = 1 << 20   # a config is a page or two; a bigger file is not one


def read_config_text(path: Path) -> str:
    """The text of a config file: a regular UTF-8 file of at most MAX_CONFIG_BYTES."""
    data = read_bytes(path, "config file", MAX_CONFIG_BYTES + 1, where=str(path))
    if len(data) > MAX_CONFIG_BYTES:
        raise InputError(f"{path}: the config file is larger than {MAX_CONFIG_BYTES >> 20} MiB; "
                         "a config is a page or two (is this the right file?)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: cannot read config file (not UTF-8 text: {exc})") from None


def build_config(raw: dict, where: str, base: Path = Path("."),
                 out_dir: str | None = None, typed: frozenset[str] = frozenset(),
                 base_name: str = "the config file's folder", check_files: bool = False
                 ) -> Config:
    """Check a raw mapping (as from YAML) and resolve it into a :class:`Config`: relative
    paths against ``base`` (``base_name`` in messages), those of the keys in ``typed`` (given
    on the command line) against the current folder; ``check_files`` as in
    :func:`load_config`."""
    raw = dict(raw)
    raw.pop("sweep", None)   # what `run.py sweep` varies; a plain run trains the base config
    raw.pop("tune", None)    # what `run.py tune` searches; likewise
    for required in ("data", "models"):
        if required not in raw:
            raise InputError(f"{where}: {required} is missing")
    classify = _classifies(raw.get("data"))
    top_train = _train_values(raw.pop("train", None) or {}, "train", where,
                              "trainscg" if classify else "traingdx")
    if classify:   # MATLAB patternnet's defaults (docs/semantics.md#classification)
        top_train.setdefault("algorithm", "trainscg")
        top_train.setdefault("perform", "crossentropy")
    models_raw = mapping(raw.pop("models") or {}, "models", where)
    if not models_raw:
        raise InputError(f"{where}: models must name at least one model")
    values = fields(Config, raw, "", where, skip={"models", "train"})
    values["train"] = TrainConfig(**top_train)
    values["models"] = {name: _model(name, mraw, where, top_train, classify)
                        for name, mraw in models_raw.items()}
    cfg = complete_config(Config(**values), raw.get("split"), where)
    check_config(cfg, raw.get("data"), where)
    return resolve_paths(cfg, base, where, out_dir, typed, base_name, check_files)


def _classifies(data: Any) -> bool:
    """Whether the data block as written names a class column (data.classes)."""
    return isinstance(data, dict) and data.get("classes") is not None


def _model(name: Any, raw: Any, where: str, top_train: dict, classify: bool = False
           ) -> ModelConfig:
    """One entry of ``models``, its train block merged over the top-level one; ``classify``:
    the output layer defaults to softmax."""
    if not isinstance(name, str) or not name.isidentifier():
        raise InputError(f"{where}: models.{name}: model names must be identifiers "
                         "(letters, digits, underscores)")
    path = f"models.{name}"
    raw = dict(mapping(raw, path, where))
    override = _train_values(raw.pop("train", None) or {}, f"{path}.train", where,
                             top_train.get("algorithm", "traingdx"))
    values = fields(ModelConfig, raw, path, where, skip={"train"})
    for key in ("hidden", "transfer"):
        if values.get(key) == ():   # an empty list is not null: it never means the default
            raise InputError(f"{where}: {path}.{key}: an empty list; every network has at least "
                             f"one hidden layer: give {key} (e.g. "
                             f"{'[10, 10]' if key == 'hidden' else '[tansig, purelin]'}) or "
                             "leave it out for the default")
    algorithm = override.get("algorithm", top_train.get("algorithm", "traingdx"))
    # the top-level block serves every model; a model that chooses another rule takes from it
    # only the parameters that rule has
    takes = rule_params(algorithm)
    inherited = {k: v for k, v in top_train.items() if yaml_key(k) in takes or k == "algorithm"}
    values["train"] = TrainConfig(**{**inherited, **override})
    values["hidden"], values["transfer"] = _layers(values["type"], values.get("hidden", ()),
                                                   values.get("transfer", ()), path, where,
                                                   "softmax" if classify else "purelin")
    values["init"] = _init(values["type"], values.get("init"), path, where)
    return ModelConfig(**values)


def _layers(mtype: str, hidden: tuple[int, ...], transfer: tuple[str, ...], path: str,
            where: str, output: str = "purelin") -> tuple[tuple[int, ...], tuple[str, ...]]:
    """The hidden sizes and transfer functions of a ``mtype`` network, defaults filled in
    (``output``: the output layer's default)."""
    if "softmax" in transfer[:-1]:
        raise InputError(f"{where}: {path}.transfer: softmax is for the output layer only (the "
                         "last name); a hidden layer takes tansig, logsig, purelin or poslin")
    if mtype in LAYERED:
        hidden = hidden or (10, 10)
        transfer = transfer or ("tansig",) * len(hidden) + (output,)
        if len(transfer) != len(hidden) + 1:
            raise InputError(f"{where}: {path}.transfer: needs {len(hidden) + 1} names, one per "
                             f"layer ({len(hidden)} hidden + output), got {len(transfer)}")
        return hidden, transfer
    hidden = hidden or (10,)
    transfer = transfer or ("tansig", output)
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
    return hidden, transfer


def _init(mtype: str, init: str | None, path: str, where: str) -> str:
    """The initialisation of a ``mtype`` network: as given, or its type's default."""
    gated = mtype in ("lstm", "gru")
    init = init or ("uniform" if gated else "nguyen-widrow")
    if gated and init == "nguyen-widrow":
        raise InputError(f"{where}: {path}.init: nguyen-widrow is for feedforward and elman "
                         "networks; an lstm or gru starts from uniform (PyTorch's default) or a "
                         "saved model")
    return init


def _train_values(raw: Any, path: str, where: str, default_algorithm: str) -> dict:
    """The keys given in one train block (by field name), checked against the rule that block
    ends up with: a parameter the rule does not take is an error, never silently ignored (null =
    not given); so is a regularization under trainbr, which chooses its own (0 is accepted: it
    mixes nothing in)."""
    values = {k: v for k, v in fields(TrainConfig, raw, path, where, partial=True).items()
              if v is not None}
    algorithm = values.get("algorithm", default_algorithm)
    takes = rule_params(algorithm)
    if algorithm == "trainbr" and values.get("regularization") == 0:
        del values["regularization"]
    for key in map(yaml_key, values):
        if key == "regularization" and algorithm == "trainbr":
            raise InputError(f"{where}: {path}.regularization: trainbr chooses its own "
                             "regularisation (alph and beta, docs/semantics.md#trainbr); remove it "
                             "or set it to 0")
        if key != "algorithm" and key not in takes:
            users = [a for a in ALGORITHMS if key in rule_params(a)]
            raise InputError(
                f"{where}: {path}.{key}: {algorithm} does not take {key} (a parameter of "
                f"{', '.join(users)}); remove it or set it to null. {algorithm} takes "
                f"{', '.join(takes)}")
    return values

"""Write docs/config.md, the config reference, from the schema: the dataclasses of
bpnet/config/schema.py (keys, types, defaults, allowed values), their ``DOCS`` (what each key
does), the rules' ``params`` (each rule's parameters and MATLAB's defaults) and the sweep block of
bpnet/config/sweepspec.py.

    python docs/make_config_reference.py          # rewrites docs/config.md

tests/test_docs.py fails when docs/config.md is not what this script writes.
"""
from __future__ import annotations

import dataclasses
import math
import re
import sys
import types
import typing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bpnet.config import schema  # noqa: E402
from bpnet.config.sweepspec import SELECTS, SweepSpec  # noqa: E402
from bpnet.config.tunespec import FOLDS, RUNS, TRIALS, TuneSpec  # noqa: E402
from bpnet.config.yamlschema import yaml_key  # noqa: E402

TARGET = ROOT / "docs" / "config.md"

INTRO = """\
# Config reference

<!-- Written by docs/make_config_reference.py from bpnet/config/schema.py; do not edit. -->

A config is a YAML file of the blocks below ([configs/passengers.yaml](../configs/passengers.yaml)
is a commented example). Every key can be overridden on the command line with
`--set key.path=value` (repeatable; the value is read as YAML, e.g.
`--set models.bp.hidden=[8,4]`). `null` for any key means "not given": the default applies. A
relative path written in the file resolves against the file's folder; one typed on the command
line (`--set data.path=...`, `--out`) against the current folder. Unknown keys, wrong types and
values out of range stop the run with one line naming the key (see
[output files and errors](outputs.md#when-something-is-wrong)); `config.yaml` in the output
folder is the config resolved, every default filled in.

Command line: `python run.py CONFIG [--set key.path=value ...] [--out DIR] [--quiet] [--jobs N]
[--no-plots] [--view [--view-port N] [--no-browser]]`; `python run.py sweep CONFIG` for a
[sweep](sweeps.md), `python run.py tune CONFIG` for a [tune](tune.md); `predict`, `forecast`
and `export` for a saved model
([python.md](python.md#using-a-trained-network), [matlab.md](matlab.md)).
"""

# (heading, YAML path of its keys, dataclass, what the section adds)
SECTIONS = [
    ("top level", "", schema.Config, ""),
    ("data", "data", schema.DataConfig, "Series mode names `series` (with `lags` and the "
     "calendar features); tabular mode `inputs` and `targets` (or `classes`). See "
     "[data.md](data.md)."),
    ("transform", "data.transform", schema.TransformConfig, "`data.transform` and "
     "`data.exog_transform` take these keys. See [forecasts.md](forecasts.md)."),
    ("wide", "data.wide", schema.WideConfig, "See [data.md](data.md#wide-tables)."),
    ("split", "split", schema.SplitConfig, "The fractions must add up to 1. See "
     "[semantics.md](semantics.md#data-division)."),
    ("models", "models.<name>", schema.ModelConfig, "Each model is a block under its name "
     "(`models: {bp: {type: feedforward}}`). See [networks.md](networks.md)."),
    ("train", "train", schema.TrainConfig, "A rule takes the common parameters and its own "
     "(table below); a parameter the chosen rule does not take is an error, and `--set "
     "train.algorithm=...` drops, with a warning, the parameters the file wrote for another "
     "rule. See [training.md](training.md)."),
    ("output", "output", schema.OutputConfig, "See [outputs.md](outputs.md)."),
    ("forecast", "forecast", schema.ForecastConfig, "See [forecasts.md](forecasts.md)."),
    ("sweep", "sweep", SweepSpec, "Read by `python run.py sweep` only. See "
     "[sweeps.md](sweeps.md)."),
    ("tune", "tune", TuneSpec, "Read by `python run.py tune` only. See [tune.md](tune.md)."),
]
# the sweep block is checked by code (sweepspec.parse_spec), not by field metadata
SWEEP = {"grid": ("required", ""), "runs": ("`1`", "must be >= 1"),
         "select": ("-", ", ".join(f"`{s}`" for s in SELECTS)), "combine": ("-", "`mean`")}
# so is the tune block (tunespec.parse_tune)
TUNE = {"space": ("-", "config keys"), "trials": (f"`{TRIALS}`", "must be >= 1"),
        "budget": ("-", "a duration"), "folds": (f"`{FOLDS}`", "must be >= 2"),
        "runs": (f"`{RUNS}`", "must be >= 1"), "metric": ("-", "`rmse`, `mae`, `mape`, "
                                                          "`mse`, `crossentropy`, `accuracy`"),
        "model": ("-", "a model's name")}
ANCHORS = {cls: heading.replace(" ", "-") for heading, _, cls, _ in SECTIONS}
WORDS = {bool: "true or false", int: "integer", float: "number", str: "text",
         type(None): "null", list: "list"}


def kind(hint: typing.Any) -> str:
    """A type hint in words: ``tuple[int, ...]`` -> "list of integer"."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(kind(a) for a in args if a is not type(None))
    if origin is tuple:
        return f"list of {kind(args[0])}"
    if origin is dict:
        return f"mapping of {kind(args[0])} to {kind(args[1])}"
    if dataclasses.is_dataclass(hint):
        return f"[block](#{ANCHORS[hint]})" if hint in ANCHORS else "block"
    return WORDS.get(hint, getattr(hint, "__name__", str(hint)))


def default(f: dataclasses.Field) -> str:
    """A field's default as YAML shows it; "-" where none is written (the key's text says
    what then applies)."""
    if f.default_factory is not dataclasses.MISSING:
        return "-"
    value = f.default
    if value is dataclasses.MISSING:
        return "required"
    if value in ("", ()) or value is None:
        return "-"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, tuple):
        return "`[" + ", ".join(map(str, value)) + "]`"
    return f"`{number(value) if isinstance(value, float) else value}`"


def allowed(f: dataclasses.Field) -> str:
    meta = f.metadata
    if "choices" in meta:
        return ", ".join(f"`{c}`".replace("|", "\\|") for c in meta["choices"] if c != "\t")
    if "check" in meta:
        return meta["check"][1]
    return ""


def key_table(path: str, cls: type) -> list[str]:
    hints = typing.get_type_hints(cls, vars(sys.modules[cls.__module__]))
    rows = ["| key | type | default | allowed | what it does |", "|---|---|---|---|---|"]
    for f in dataclasses.fields(cls):
        key = yaml_key(f.name)
        full = f"{path}.{key}" if path else key
        if full not in schema.DOCS:
            raise KeyError(f"{full}: no description in bpnet.config.schema.DOCS")
        shown, rule = default(f), allowed(f)
        if cls is schema.TrainConfig and key != "algorithm":
            shown = "rule's"
        if cls is SweepSpec:
            shown, rule = SWEEP[key]
        if cls is TuneSpec:
            shown, rule = TUNE[key]
        rows.append(f"| `{key}` | {kind(hints[f.name])} | {shown} | {rule} | "
                    f"{schema.DOCS[full]} |")
    return rows


def number(value: float) -> str:
    """A number as a person writes it: 0.01, 1e-5, 1e10, .inf."""
    if value == math.inf:
        return ".inf"
    return re.sub(r"e\+?(-?)0*(\d)", r"e\1\2", f"{value:g}")


def rule_table() -> list[str]:
    common = ", ".join(f"{k} {number(v) if not isinstance(v, str) else v}"
                       for k, v in schema.COMMON.items())
    rows = ["", f"Every rule takes the common parameters ({common}) and its own, with MATLAB's "
            "defaults (a parameter listed here overrides the common default):", "",
            "| rule | parameters (defaults) |", "|---|---|"]
    for rule, params in ((r, schema.RULES[r].params) for r in schema.ALGORITHMS):
        rows.append(f"| `{rule}` | " + ", ".join(f"{k} {number(v)}" for k, v in params.items())
                    + " |")
    return rows


def render() -> str:
    """The whole of docs/config.md."""
    parts = [INTRO]
    for heading, path, cls, note in SECTIONS:
        lines = [f"## {heading}", ""]
        if path:
            block = "models" if path == "models.<name>" else path
            lines += [f"The `{path}` block. {schema.DOCS[block]} {note}".rstrip(), ""]
        parts.append("\n".join(lines + key_table(path, cls)
                                + (rule_table() if cls is schema.TrainConfig else [])) + "\n")
    return "\n".join(parts)


if __name__ == "__main__":
    TARGET.write_text(render())
    print(f"wrote {TARGET.relative_to(ROOT)}")

"""Input stage of a sweep: the ``sweep:`` block and ``--grid``, and the config of every cell.

A sweep trains a base config many times: every cell of a grid (one value per swept key, keys
in ``--set`` syntax) from seeds seed, seed + 1, ... (``runs``), and ranks the cells by the
``select`` part's perf (docs/semantics.md#sweeps)::

    sweep:
      grid:
        models.bp.hidden: [[2, 2], [5, 5]]
        train.algorithm: [traingdx, trainlm]
      runs: 10
      select: val

A cell's config is the base config with the cell's values applied as ``--set`` would apply
them, then checked exactly like a config file.
"""
from __future__ import annotations

import copy
import difflib
import itertools
import typing
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

from bpnet.config.load import build_config, read_config_file
from bpnet.config.overrides import apply_overrides, apply_values
from bpnet.config.schema import Config
from bpnet.config.yamlschema import kind, parse_yaml
from bpnet.errors import InputError
from bpnet.paths import checked

SELECTS = ("val", "train")
MAX_CELLS = 10_000


@dataclass(frozen=True)
class SweepSpec:
    """What a sweep varies: ``grid`` key path -> its values (in order), ``runs`` per cell,
    the part that ranks the cells (``select``: "val" or "train") and whether the runs of each
    cell are also scored as their mean (``combine``, docs/semantics.md#ensembles)."""

    grid: dict[str, list]
    runs: int
    select: str
    combine: str | None = None   # mean: each cell's runs also scored as one ensemble

    @property
    def keys(self) -> list[str]:
        return list(self.grid)

    def cells(self) -> list[dict[str, typing.Any]]:
        """Every combination of the grid's values, the last key varying fastest."""
        return [dict(zip(self.grid, values)) for values in itertools.product(*self.grid.values())]


@dataclass(frozen=True)
class Sweep:
    """A sweep read from its config file: the spec, the base config's raw mapping (with the
    ``--set`` overrides applied, without its ``sweep`` block) and every cell's config."""

    spec: SweepSpec
    path: Path
    base: Config
    cells: list[dict[str, typing.Any]]
    configs: list[Config]


def value_text(value: typing.Any) -> str:
    """A grid value as one short line of YAML: [5, 5], traingdx, 0.05, true, null."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {value_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def load_sweep(path: str | Path, grid_args: typing.Sequence[str] = (),
               overrides: typing.Sequence[str] = (), out_dir: str | None = None,
               runs: int | None = None) -> Sweep:
    """Read a sweep: the config file with its ``sweep`` block, ``--grid key=[values]`` (each
    replacing or adding a key of the block's grid), ``--set`` overrides of the base config and
    ``runs`` (overriding the block's). Every cell's config is built and checked here, before
    any work."""
    path = Path(checked(path, "the config file"))
    raw = read_config_file(path)
    block = raw.pop("sweep", None)
    combine = raw.pop("combine", None)   # the config's combine is the sweep's (cells run once)
    if combine is not None and (block is None or isinstance(block, dict)):
        block = {"combine": combine, **(block or {})}
    spec = parse_spec(block, grid_args, str(path), runs)
    given = apply_overrides(raw, overrides)
    base = build_config(copy.deepcopy(raw), str(path), path.parent, out_dir, given,
                        check_files=True)
    spec = _checked_select(spec, base, str(path))
    cells = spec.cells()
    configs = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for cell in cells:
            cell_raw = copy.deepcopy(raw)
            typed = given | apply_values(cell_raw, cell)
            where = f"{path} (sweep cell {_cell_text(cell)})"
            cfg = build_config(cell_raw, where, path.parent, out_dir, typed, check_files=True)
            if spec.select == "val" and cfg.split.val <= 0:
                raise InputError(f"{where}: sweep.select: val, but this cell has no val part "
                                 "(split.val is 0)")
            configs.append(replace(cfg, runs=1))
    for message in dict.fromkeys(str(w.message) for w in caught):
        warnings.warn(f"sweep: {message}", stacklevel=2)
    return Sweep(spec, path, base, cells, configs)


def _cell_text(cell: dict) -> str:
    return ", ".join(f"{k}={value_text(v)}" for k, v in cell.items())


def parse_spec(block: typing.Any, grid_args: typing.Sequence[str], where: str,
               runs: int | None = None) -> SweepSpec:
    """The sweep block (None: absent) and the ``--grid`` items as a checked SweepSpec."""
    if block is None:
        block = {}
    if not isinstance(block, dict):
        raise InputError(f"{where}: sweep must be a mapping (grid, runs, select, combine), "
                         f"not {kind(block)}")
    keys = ("grid", "runs", "select", "combine")
    unknown = sorted(str(k) for k in set(block) - set(keys))
    if unknown:
        guess = difflib.get_close_matches(unknown[0], keys, n=1)
        raise InputError(f"{where}: sweep.{unknown[0]} is not a key"
                         + (f" (did you mean sweep.{guess[0]}?)" if guess else "")
                         + "; sweep takes grid, runs, select and combine")
    grid = block.get("grid") or {}
    if not isinstance(grid, dict):
        raise InputError(f"{where}: sweep.grid must map config keys to lists of values, "
                         f"not {kind(grid)}")
    grid = {str(k).strip(): v for k, v in grid.items()}
    for item in grid_args:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--grid {item!r}: expected key.path=[values], e.g. "
                             "--grid models.bp.hidden=[[5,5],[10,10]]")
        grid[key.strip()] = parse_yaml(text, f"--grid {key.strip()}")
    for key, values in grid.items():
        _check_values(key, values, where)
    if not grid:
        raise InputError(f"{where}: a sweep needs a grid: a sweep.grid block or "
                         "--grid key.path=[values]")
    runs = block.get("runs", 1) if runs is None else runs
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise InputError(f"{where}: sweep.runs: must be a whole number >= 1, got {runs!r}")
    select = block.get("select")
    if select is not None and select not in SELECTS:
        why = "; the test part is reported, never used to choose" if select == "test" else ""
        raise InputError(f"{where}: sweep.select: must be val or train, got {select!r}{why}")
    spec = SweepSpec(grid, runs, select or "", _combine(block.get("combine"), runs, where))
    cells = 1
    for values in grid.values():
        cells *= len(values)
    if cells * runs > MAX_CELLS * 10 or cells > MAX_CELLS:
        raise InputError(f"{where}: sweep.grid: {cells:,} cells x {runs} runs is more than "
                         f"this sweep can hold ({MAX_CELLS:,} cells, {MAX_CELLS * 10:,} runs)")
    return spec


def _combine(combine: typing.Any, runs: int, where: str) -> str | None:
    """sweep.combine: None or mean, which needs 2 runs or more."""
    if combine is None:
        return None
    if combine != "mean":
        raise InputError(f"{where}: sweep.combine: must be mean, got {combine!r}")
    if runs < 2:
        raise InputError(f"{where}: sweep.combine: mean averages the runs of each cell; set "
                         f"sweep.runs: 2 or more (runs is {runs})")
    return combine


def _check_values(key: str, values: typing.Any, where: str) -> None:
    if any(not part for part in key.split(".")):
        raise InputError(f"{where}: sweep.grid: {key!r} is not a key path such as "
                         "models.bp.hidden")
    if key.split(".")[0] in ("sweep", "output", "runs", "seed", "combine"):
        raise InputError(f"{where}: sweep.grid.{key}: {key.split('.')[0]} cannot be swept "
                         "(the seeds are the runs of every cell; the output is the sweep's; "
                         "best.yaml combines the winner's runs)")
    if not isinstance(values, list) or not values:
        raise InputError(f"{where}: sweep.grid.{key}: must be a non-empty list of values, "
                         f"got {kind(values)}")
    texts = [value_text(v) for v in values]
    if len(set(texts)) < len(texts):
        raise InputError(f"{where}: sweep.grid.{key}: a value is given twice")


def _checked_select(spec: SweepSpec, base: Config, where: str) -> SweepSpec:
    """The select part: val by default when the base config has a val part, train else."""
    has_val = base.split.val > 0
    if spec.select == "val" and not has_val:
        raise InputError(f"{where}: sweep.select: val needs a val part (split.val > 0, now "
                         f"{base.split.val:g}); give split.val or select: train")
    return replace(spec, select=spec.select or ("val" if has_val else "train"))

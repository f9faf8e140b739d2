"""Output stage: every result file of a run.

The files are written into the staging folder of the locked output folder, every picture
included, and only then moved into place together with a manifest listing their checksums
(:mod:`bpnet.storage.outdir`): the folder holds the earlier run or this one, never a mix.
"""
from __future__ import annotations

import csv
import importlib.metadata
import json
import os
import platform
from pathlib import Path

import numpy as np
import yaml

from bpnet.config import Config, portable_config, to_plain
from bpnet.data import Dataset
from bpnet.errors import InputError
from bpnet.paths import same_file, shown
from bpnet.report import classreport, columns, console, metrics, modelfile, pictures
from bpnet.report.intervals import Bands, level_name
from bpnet.report.meta import ModelMeta
from bpnet.report.scores import ModelResult, calibration_part
from bpnet.storage.fileio import atomic_write, number_cell
from bpnet.storage.outdir import (
    MANIFEST,
    RunFolder,
    check_clashes,
    check_output_dir,
    check_replaced,
    finish_commit,
    not_bpnets,
    read_manifest,
)
from bpnet.train.loop import HISTORY_COLUMNS
from bpnet.version import __version__


def versions() -> dict[str, str]:
    """The versions of bpnet, Python and the packages it runs on (read from the installed
    packages' metadata, so that no picture library is imported for it)."""
    import scipy
    return {"bpnet": __version__, "python": platform.python_version(),
            "numpy": np.__version__, "scipy": scipy.__version__,
            "matplotlib": _installed_version("matplotlib"), "pyyaml": yaml.__version__}


def _installed_version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def metrics_dict(cfg: Config, results: list[ModelResult], baselines: dict | None = None,
                 data: Dataset | None = None, not_trained: dict[str, str] | None = None
                 ) -> dict:
    """metrics.json: per model its training outcome and scores (and their spread over runs;
    with prediction intervals, each part's coverage, mean width and interval score per
    level), how the intervals were calibrated (levels, part, errors per horizon), then the
    baselines' scores, a series' Box-Cox lambda, the targets whose MAPE is omitted and why,
    the notes of the summary and (when any were) what was done about missing values (with
    ``data``), and the models a stop left untrained (``not_trained``: model -> why); NaN and
    infinities as null."""
    models = {}
    for r in results:
        if r.is_ensemble:
            models[r.name] = {"type": r.cfg.type, "combine": "mean", "of": r.model,
                              "seeds": [r.seed + i for i in range(len(r.members))], **r.scores}
            continue
        t = r.train
        entry = {"type": r.cfg.type, "algorithm": r.cfg.train.algorithm,
                 "epochs": t.epochs, "best_epoch": t.best_epoch, "stop_reason": t.stop_reason,
                 "train_seconds": t.seconds, "seconds_per_epoch": t.seconds_per_epoch}
        if r.cfg.clip_norm is not None:
            entry["clipped_epochs"] = t.clipped
        if "gamk" in t.history:   # trainbr: the effective number of parameters, of all weights
            entry["gamk"] = float(t.history["gamk"][-1])
            entry["n_weights"] = int(r.net.theta.size)
        entry.update(r.scores)
        if r.runs:
            entry["seed"] = r.seed
            entry["runs"] = r.runs
            entry["over_runs"] = metrics.over_runs(r.runs)
        models[r.name] = entry
    out = {"seed": cfg.seed, "versions": versions(), "models": models}
    banded = [r for r in results if r.bands is not None]
    if banded and data is not None:
        out["intervals"] = {"levels": list(banded[0].bands.levels),
                            "calibrated_on": calibration_part(data),
                            "calibration_errors": np.sum(~np.isnan(banded[0].bands.errors),
                                                         axis=1).tolist()}
    if baselines:
        out["baselines"] = {name: b["scores"] for name, b in baselines.items()}
    if data is not None:
        if data.series is not None and data.series.transform.boxcox is not None:
            out["boxcox_lambda"] = data.series.transform.boxcox
        omitted = console.mape_omitted(data)
        if omitted:
            out["mape_omitted"] = {t: f"the target crosses zero (from {lo:.6g} to {hi:.6g})"
                                   for t, lo, hi in omitted}
        lines = console.notes(data, results, baselines)
        if lines:
            out["notes"] = [line.removeprefix("note: ") for line in lines]
        if data.missing:
            out["missing_values"] = [r.to_json() for r in data.missing]
    if not_trained:
        out["not_trained"] = not_trained
    return to_plain(out, finite=True)


def prediction_columns(data: Dataset, results: list[ModelResult],
                       baselines: dict | None = None) -> list[tuple[str, list | np.ndarray]]:
    """The columns of predictions.csv, each (Q,): label, split, target(s), then per model its
    prediction and relative error per target (and its prediction intervals,
    :func:`band_columns`), the models' multi-step forecasts of the test part (each with its
    intervals), then per baseline its predictions (every sample it predicts; the naive ones
    the test part only) and its multi-step forecast. A (name, values) list: names may repeat. A
    classification run's columns are :func:`~bpnet.report.classreport.prediction_columns`."""
    if data.classes is not None:
        return classreport.prediction_columns(data, results, baselines)
    multi = len(data.target_names) > 1
    names = data.target_names
    q = len(data.targets)
    cols: list[tuple[str, list | np.ndarray]] = [(data.label_name, data.labels),
                                                 ("split", data.part_of())]
    cols += [(t if multi else "target", data.targets[:, j]) for j, t in enumerate(names)]
    for r in results:
        rel = metrics.relative_error(r.predictions, data.targets)
        for j, t in enumerate(names):
            col = f"{r.name}_{t}" if multi else r.name
            cols += [(col, r.predictions[:, j]), (f"{col}_relerr", rel[:, j])]
        cols += band_columns(r.name, r.bands)
    test = data.index.get("test", np.array([], dtype=int))
    for r in results:
        if r.multistep is not None:
            cols.append((f"{r.name}_multistep", _on_rows(r.multistep, test, q)))
            cols += [(name, _on_rows(v, test, q)) for name, v in
                     band_columns(f"{r.name}_multistep", r.bands, path=True)]
    for name, b in (baselines or {}).items():
        cols += [(f"{name}_{t}" if multi else name, b["predictions"][:, j])
                 for j, t in enumerate(names)]
        if b["multistep"] is not None:
            cols.append((f"{name}_multistep", _on_rows(b["multistep"], test, q)))
    return cols


def band_columns(name: str, bands: Bands | None, path: bool = False
                 ) -> list[tuple[str, np.ndarray]]:
    """The columns <name>_lower_80, <name>_upper_80, ... of the prediction intervals of every
    level of ``bands`` (none without): of the one-step predictions (Q,), or with ``path`` of
    the multi-step forecast (H,)."""
    if bands is None:
        return []
    lower, upper = (bands.path_lower, bands.path_upper) if path else (bands.lower, bands.upper)
    cols = []
    for i, level in enumerate(bands.levels):
        cols += [(f"{name}_lower_{level_name(level)}", lower[i]),
                 (f"{name}_upper_{level_name(level)}", upper[i])]
    return cols


def _on_rows(values: np.ndarray, rows: np.ndarray, q: int) -> np.ndarray:
    """(Q,) NaN but for ``rows``, which get the first ``values``."""
    col = np.full(q, np.nan)
    n = min(len(values), len(rows))
    col[rows[:n]] = values[:n]
    return col


def write_predictions(fh, data: Dataset, results: list[ModelResult],
                      baselines: dict | None = None) -> None:
    """predictions.csv: one row per sample, the columns of :func:`prediction_columns`."""
    columns.write_columns(fh, prediction_columns(data, results, baselines), "predictions.csv")


def write_history(fh, history: dict[str, np.ndarray]) -> None:
    """The training record, one row per epoch (epoch 0 is the initial network)."""
    w = csv.writer(fh, lineterminator="\n")
    cols = [c for c in (*HISTORY_COLUMNS, "mu", "clipped") if c in history]
    cols += [c for c in history if c not in cols]   # a rule's own columns (trainbr's gamk, ssX)
    w.writerow(cols)
    for i in range(len(history["epoch"])):
        w.writerow([int(history[c][i]) if c in ("epoch", "val_fail", "clipped")
                    else number_cell(history[c][i]) for c in cols])


class _Folder:
    """Writes files atomically into one folder and lists them in the order written."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.written: list[Path] = []

    def put(self, name: str, write, binary: bool = False) -> None:
        atomic_write(self.out / name, write, binary)
        self.written.append(self.out / name)

    def model(self, name: str, net, data: Dataset, meta: ModelMeta,
              errors: np.ndarray | None = None) -> None:
        modelfile.save(self.out / name, net, data.x_scaler, data.y_scaler, meta, errors)
        self.written.append(self.out / name)


def planned_files(cfg: Config) -> list[str]:
    """Every file a run of ``cfg`` may write into its output folder, its manifest included."""
    names = ["config.yaml", "metrics.json", "predictions.csv", "predictions.npz"]
    for name in cfg.models:
        names += [f"history_{name}.csv", f"model_{name}.npz"]
        if cfg.output.plots:
            names += [f"{kind}_{name}.png" for kind in pictures.MODEL_PICTURES]
        if cfg.combine:   # the mean of the model's runs
            names.append(f"model_{name}_mean.npz")
            if cfg.output.plots:
                names += [f"{kind}_{name}_mean.png" for kind in pictures.MODEL_PICTURES]
    if cfg.output.plots:
        names += ["errors.png"] * (len(cfg.models) > 1)
        names += ["forecast.png"] * (cfg.forecast.horizon is not None)
        names.append("fit.png")
    return [*names, MANIFEST]


def input_files(cfg: Config, config_path: str | Path | None = None) -> dict[str, str]:
    """The files a run of ``cfg`` reads (path -> what it is), which no output may replace."""
    inputs = {str(config_path): "the config file"} if config_path is not None else {}
    inputs[cfg.data.path] = "the data file (data.path)"
    if cfg.data.test_path:
        inputs[cfg.data.test_path] = "the test file (data.test_path)"
    for name, m in cfg.models.items():
        if m.init.endswith((".npz", ".mat")):
            inputs[m.init] = f"the model file of models.{name}.init"
    return inputs


def check_outputs(cfg: Config, config_path: str | Path | None = None,
                  names: list[str] | None = None) -> None:
    """Before any work: the output folder can be written, none of the files a run of ``cfg``
    may write there is one of its inputs, and none would replace a file there that is not
    bpnet's. A rerun, ``python run.py <out>/config.yaml``, replaces its own config: the
    config.yaml of the run in that folder, unchanged, which stays until the commit. With
    ``names``, the files actually written are checked once more against the inputs (the
    commit checks what they replace)."""
    check_output_dir(cfg.output.dir)
    out = Path(cfg.output.dir)
    inputs = input_files(cfg, config_path)
    first = names is None
    if first:
        names = planned_files(cfg)
        finish_commit(out)
        if config_path is not None and _is_rerun(Path(config_path), out):
            del inputs[str(config_path)]
    check_clashes([(str(out / n), f"the run's {n}") for n in names], inputs)
    if first:
        check_replaced(out, names)


def _is_rerun(config_path: Path, out: Path) -> bool:
    """Whether the config read is the config.yaml of the run in ``out``, as it wrote it."""
    record = out / "config.yaml"
    return (same_file(config_path, record) and os.path.isfile(record)
            and not_bpnets(record, read_manifest(out)) is None)


def write_all(cfg: Config, data: Dataset, results: list[ModelResult],
              baselines: dict | None = None, drawer: pictures.Drawer | None = None,
              folder: RunFolder | None = None, not_trained: dict[str, str] | None = None,
              figures: dict[str, pictures.Picture] | None = None) -> list[Path]:
    """Write every result file into ``cfg.output.dir`` as one run: all into the staging folder
    of ``folder`` (the locked output folder; opened here when None), the pictures included
    (unless ``cfg.output.plots`` is false, with ``drawer``: by default one that uses every
    core), then moved into place together (:class:`~bpnet.storage.outdir.RunFolder`).
    ``not_trained``: model -> why, for the models a stop left untrained. ``figures``: the
    run's pictures (:func:`pictures.of_run`) when they are made already. Returns the paths
    written."""
    if folder is None:
        check_outputs(cfg)
        with RunFolder(cfg.output.dir, keep=input_files(cfg)) as own:
            return write_all(cfg, data, results, baselines, drawer, own, not_trained, figures)
    try:
        staged = _Folder(folder.staging())
        _write_files(staged, cfg, data, results, baselines, not_trained, folder.path)
        if cfg.output.plots:
            with drawer or pictures.Drawer() as draw:
                made = figures or pictures.of_run(data, results, baselines)
                staged.written += draw.draw_all(made, staged.out)
        names = [p.name for p in staged.written]
        check_outputs(cfg, names=names)   # the files actually written, checked once more
        info = {"models": [r.name for r in results]}
        if not_trained:
            info["not_trained"] = not_trained
        folder.commit(names, info)
    except OSError as exc:
        state = ("the results are written but not all moved into place; the next run into "
                 "this folder completes it") if folder.committed else "the folder is as it was"
        raise InputError(f"{shown(folder.path)}: cannot write the results "
                         f"({exc.strerror or exc}); {state}") from None
    return [folder.path / n for n in folder.files]


def _write_files(folder: _Folder, cfg: Config, data: Dataset, results: list[ModelResult],
                 baselines: dict | None, not_trained: dict[str, str] | None, out: Path) -> None:
    """Every file of the run but the pictures into ``folder``; paths in config.yaml relative
    to ``out``."""
    folder.put("config.yaml", lambda fh: yaml.safe_dump(portable_config(cfg, out), fh,
                                                        sort_keys=False))
    folder.put("metrics.json", lambda fh: json.dump(
        metrics_dict(cfg, results, baselines, data, not_trained), fh, indent=2))
    folder.put("predictions.csv", lambda fh: write_predictions(fh, data, results, baselines))
    if len(data.targets) >= columns.NPZ_ROWS:   # a long table: as arrays too
        folder.put("predictions.npz", lambda fh: columns.write_npz(
            fh, prediction_columns(data, results, baselines)), binary=True)
    for r in results:
        if not r.is_ensemble:
            folder.put(f"history_{r.name}.csv",
                       lambda fh, r=r: write_history(fh, r.train.history))
        seen = data.for_model(r.cfg.exog)
        meta = ModelMeta.of_run(r.members[0] if r.is_ensemble else r.net, cfg.data, seen)
        folder.model(f"model_{r.stem}.npz", r.net, seen, meta,
                     None if r.bands is None else r.bands.errors)

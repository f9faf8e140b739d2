"""Output stage: every result file of a run.

The files are written into the staging folder of the locked output folder, every picture
included, and only then moved into place together with a manifest listing their checksums
(:mod:`bpnet.report.outdir`): the folder holds the earlier run or this one, never a mix.
"""
from __future__ import annotations

import csv
import json
import platform
from pathlib import Path

import numpy as np
import yaml

from bpnet.config import Config, portable_config, to_plain
from bpnet.data import Dataset
from bpnet.errors import InputError
from bpnet.paths import shown
from bpnet.report import metrics, modelfile, plots
from bpnet.report.fileio import atomic_write, number_cell
from bpnet.report.meta import ModelMeta
from bpnet.report.outdir import MANIFEST, RunFolder, check_clashes, check_output_dir
from bpnet.report.scores import ModelResult
from bpnet.train.loop import HISTORY_COLUMNS
from bpnet.version import __version__


def versions() -> dict[str, str]:
    """The versions of bpnet, Python and the packages it runs on."""
    import matplotlib
    import scipy
    return {"bpnet": __version__, "python": platform.python_version(),
            "numpy": np.__version__, "scipy": scipy.__version__,
            "matplotlib": matplotlib.__version__, "pyyaml": yaml.__version__}


def metrics_dict(cfg: Config, results: list[ModelResult], baselines: dict | None = None,
                 not_trained: dict[str, str] | None = None) -> dict:
    """metrics.json: per model its training outcome and scores (and their spread over runs),
    then the baselines' scores, and the models a stop left untrained (model -> why); NaN and
    infinities as null."""
    models = {}
    for r in results:
        t = r.train
        entry = {"type": r.cfg.type, "algorithm": r.cfg.train.algorithm,
                 "epochs": t.epochs, "best_epoch": t.best_epoch, "stop_reason": t.stop_reason,
                 "train_seconds": t.seconds, "seconds_per_epoch": t.seconds_per_epoch}
        if r.cfg.clip_norm is not None:
            entry["clipped_epochs"] = t.clipped
        entry.update(r.scores)
        if r.runs:
            entry["seed"] = r.seed
            entry["runs"] = r.runs
            entry["over_runs"] = metrics.over_runs(r.runs)
        models[r.name] = entry
    out = {"seed": cfg.seed, "versions": versions(), "models": models}
    if baselines:
        out["baselines"] = {name: b["scores"] for name, b in baselines.items()}
    if not_trained:
        out["not_trained"] = not_trained
    return to_plain(out, finite=True)


def write_predictions(fh, data: Dataset, results: list[ModelResult],
                      baselines: dict | None = None) -> None:
    """One row per sample: label, split, target(s), then per model prediction and rel. error
    (and, with a forecast, the multi-step forecast of the test part), then the baselines."""
    w = csv.writer(fh, lineterminator="\n")
    multi = len(data.target_names) > 1
    names = data.target_names
    header = [data.label_name, "split", *(names if multi else ["target"])]
    for r in results:
        for t in names:
            col = f"{r.name}_{t}" if multi else r.name
            header += [col, f"{col}_relerr"]
    columns = _test_columns(data, results, baselines)
    w.writerow(header + list(columns))
    rel = {r.name: metrics.relative_error(r.predictions, data.targets) for r in results}
    part_of = data.part_of()
    for i in range(len(data.targets)):
        row = [data.labels[i], part_of[i], *(number_cell(v) for v in data.targets[i])]
        for r in results:
            for j in range(len(names)):
                row += [number_cell(r.predictions[i, j]), number_cell(rel[r.name][i, j])]
        w.writerow(row + [number_cell(col[i]) for col in columns.values()])


def _test_columns(data: Dataset, results: list[ModelResult], baselines: dict | None
                  ) -> dict[str, np.ndarray]:
    """The columns (Q,) that only the test samples fill (NaN elsewhere): the models'
    multi-step forecasts, then the baselines (one step and many)."""
    extras: dict[str, np.ndarray] = {}
    for r in results:
        if r.multistep is not None:
            extras[f"{r.name}_multistep"] = r.multistep
    for name, b in (baselines or {}).items():
        extras[name] = b["one_step"]
        if b["multistep"] is not None:
            extras[f"{name}_multistep"] = b["multistep"]
    test = data.index.get("test", np.array([], dtype=int))
    columns = {}
    for name, values in extras.items():
        col = np.full(len(data.targets), np.nan)
        n = min(len(values), len(test))
        col[test[:n]] = values[:n]
        columns[name] = col
    return columns


def write_history(fh, history: dict[str, np.ndarray]) -> None:
    """The training record, one row per epoch (epoch 0 is the initial network)."""
    w = csv.writer(fh, lineterminator="\n")
    cols = [c for c in (*HISTORY_COLUMNS, "mu", "clipped") if c in history]
    w.writerow(cols)
    for i in range(len(history["epoch"])):
        w.writerow([int(history[c][i]) if c in ("epoch", "val_fail", "clipped")
                    else number_cell(history[c][i]) for c in cols])


class _Folder:
    """Writes files atomically into one folder and lists them in the order written."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.written: list[Path] = []

    def put(self, name: str, write) -> None:
        atomic_write(self.out / name, write)
        self.written.append(self.out / name)

    def figure(self, name: str, fig) -> None:
        plots.save(fig, self.out / name)
        self.written.append(self.out / name)

    def model(self, name: str, net, data: Dataset, meta: ModelMeta) -> None:
        modelfile.save(self.out / name, net, data.x_scaler, data.y_scaler, meta)
        self.written.append(self.out / name)


def model_files(name: str) -> list[str]:
    """The files of one model, in the order written."""
    return [f"history_{name}.csv", f"model_{name}.npz", f"errors_{name}.png",
            f"trainstate_{name}.png", f"regression_{name}.png", f"errhist_{name}.png"]


def planned_files(cfg: Config) -> list[str]:
    """Every file a run of ``cfg`` may write into its output folder, its manifest included."""
    names = ["config.yaml", "metrics.json", "predictions.csv"]
    for name in cfg.models:
        names += model_files(name)
    names += ["errors.png"] * (len(cfg.models) > 1)
    names += ["forecast.png"] * (cfg.forecast.horizon is not None)
    return [*names, "fit.png", MANIFEST]


def input_files(cfg: Config, config_path: str | Path | None = None) -> dict[str, str]:
    """The files a run of ``cfg`` reads (path -> what it is), which no output may replace."""
    inputs = {str(config_path): "the config file"} if config_path is not None else {}
    inputs[cfg.data.path] = "the data file (data.path)"
    if cfg.data.test_path:
        inputs[cfg.data.test_path] = "the test file (data.test_path)"
    for name, m in cfg.models.items():
        if m.init.endswith(".npz"):
            inputs[m.init] = f"the model file of models.{name}.init"
    return inputs


def check_outputs(cfg: Config, config_path: str | Path | None = None,
                  names: list[str] | None = None) -> None:
    """Before any work: the output folder can be written, and none of the files a run of
    ``cfg`` writes there (``names``, by default all it may write) is one of its inputs."""
    check_output_dir(cfg.output.dir)
    out = Path(cfg.output.dir)
    check_clashes([(str(out / n), f"the run's {n}") for n in names or planned_files(cfg)],
                  input_files(cfg, config_path))


def write_all(cfg: Config, data: Dataset, results: list[ModelResult],
              baselines: dict | None = None, folder: RunFolder | None = None,
              not_trained: dict[str, str] | None = None) -> list[Path]:
    """Write every result file into ``cfg.output.dir`` as one run: all into the staging folder
    of ``folder`` (the locked output folder; opened here when None), then moved into place
    together (:class:`~bpnet.report.outdir.RunFolder`). ``not_trained``: model -> why, for the
    models a stop left untrained. Returns the paths written."""
    if folder is None:
        check_outputs(cfg)
        with RunFolder(cfg.output.dir, keep=input_files(cfg)) as own:
            return write_all(cfg, data, results, baselines, own, not_trained)
    try:
        staged = _Folder(folder.staging())
        _write_files(staged, cfg, data, results, baselines, not_trained, folder.path)
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
    """Every file of the run into ``folder``; paths in config.yaml relative to ``out``."""
    folder.put("config.yaml", lambda fh: yaml.safe_dump(portable_config(cfg, out), fh,
                                                        sort_keys=False))
    folder.put("metrics.json", lambda fh: json.dump(
        metrics_dict(cfg, results, baselines, not_trained), fh, indent=2))
    folder.put("predictions.csv", lambda fh: write_predictions(fh, data, results, baselines))
    for r in results:
        _write_model(folder, cfg, data, r)
    _write_overview(folder, data, results)


def _write_model(folder: _Folder, cfg: Config, data: Dataset, r: ModelResult) -> None:
    """One model's files: its history, the saved model, and its four pictures."""
    folder.put(f"history_{r.name}.csv", lambda fh: write_history(fh, r.train.history))
    folder.model(f"model_{r.name}.npz", r.net, data, ModelMeta.of_run(r.net, cfg.data, data))
    folder.figure(f"errors_{r.name}.png",
                  plots.performance(r.name, r.train.history, r.train.best_epoch,
                                    r.cfg.train.algorithm, r.train.stop_reason))
    folder.figure(f"trainstate_{r.name}.png",
                  plots.train_state(r.name, r.train.history, r.cfg.train.algorithm))
    targets = {p: data.targets[i] for p, i in data.index.items()}
    outputs = {p: r.predictions[i] for p, i in data.index.items()}
    folder.figure(f"regression_{r.name}.png", plots.regression(r.name, targets, outputs))
    folder.figure(f"errhist_{r.name}.png", plots.error_histogram(
        r.name, {p: targets[p] - outputs[p] for p in targets}))


def _write_overview(folder: _Folder, data: Dataset, results: list[ModelResult]) -> None:
    """The pictures of all models together: their error curves, the multi-step forecasts of
    the test part, and the fit of every sample."""
    if len(results) > 1:
        folder.figure("errors.png", plots.compare({r.name: r.train.history for r in results},
                                                  {r.name: r.cfg.train.algorithm for r in results}))
    if any(r.multistep is not None for r in results):
        test = data.index["test"]
        s = data.series
        folder.figure("forecast.png", plots.forecast_test(
            s.labels, s.values, s.positions[test],
            {r.name: r.predictions[test, 0] for r in results},
            {r.name: r.multistep for r in results}, int(s.positions[test[0]]),
            data.target_names[0], data.label_name))
    folder.figure("fit.png", plots.fit(data.labels, data.label_name, data.targets,
                                       data.target_names, {r.name: r.predictions for r in results},
                                       data.part_of()))

"""Run a config from Python (a notebook, a script): the three stages without the command line.

    import bpnet
    result = bpnet.run("configs/passengers.yaml", set={"train.lr": 0.05}, out=None)
    result.metrics["models"]["bp"]["test"]["rmse"]    # metrics.json, as a dict
    result.predictions                # predictions.csv: a DataFrame with pandas, else arrays
    result.histories["bp"]            # the training record: column -> (epochs + 1,)
    result.models["bp"].predict(X)    # a trained network (bpnet.Model), original units
    result.figure("fit.png")          # a matplotlib Figure, drawn when asked for
    print(result.summary)             # the table and notes the command line prints

``out=None`` writes nothing; a folder writes every result file there, as ``run.py --out``
does: checked against the inputs before any work, and written as one run (staging folder,
lock and manifest: :mod:`bpnet.storage.outdir`).
A config is a file (relative paths in it resolve against its folder) or a dict as the YAML
would give it (relative paths resolve against the current folder, as do those in ``set``).
Mistakes raise :class:`bpnet.errors.InputError` with the one-line message the command line
prints.
"""
from __future__ import annotations

import copy
import functools
import os
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bpnet import experiment
from bpnet.config import Config, build_config
from bpnet.config.load import read_config_file
from bpnet.config.overrides import apply_values, as_yaml
from bpnet.data import Dataset
from bpnet.data import dataset as data_stage
from bpnet.predict import PATHS, Model, check_argument, model_of
from bpnet.report import classreport, console, files, pictures
from bpnet.report.baselines import score_baselines
from bpnet.report.meta import ModelMeta
from bpnet.report.scores import ModelResult
from bpnet.storage.outdir import RunFolder
from bpnet.train.stops import never


@dataclass
class RunResult:
    """Everything a run produced: the resolved ``config``, the ``data`` (samples and parts),
    the trained models' ``results`` (best run of each), the ``baselines``, the files
    ``written`` (none when nothing was written) and the models a stop left untrained
    (``not_trained``: model -> why)."""

    config: Config
    data: Dataset
    results: list[ModelResult]
    baselines: dict[str, dict]
    written: list[Path] = field(default_factory=list)
    not_trained: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"RunResult(models={[r.name for r in self.results]}, "
                f"baselines={list(self.baselines)}, written={len(self.written)} files)")

    @functools.cached_property
    def metrics(self) -> dict:
        """What metrics.json holds (NaN as None)."""
        return files.metrics_dict(self.config, self.results, self.baselines, self.data,
                                  self.not_trained)

    @property
    def predictions(self):
        """What predictions.csv holds, one row per sample: a pandas DataFrame when pandas is
        installed, else a dict of column name -> (Q,) array."""
        cols = files.prediction_columns(self.data, self.results, self.baselines)
        try:
            import pandas
        except ImportError:
            return {name: np.asarray(values) for name, values in cols}
        frame = pandas.DataFrame({i: values for i, (_, values) in enumerate(cols)})
        frame.columns = [name for name, _ in cols]
        return frame

    @property
    def histories(self) -> dict[str, dict[str, np.ndarray]]:
        """Per model its training record: column -> (epochs + 1,) (history_<model>.csv)."""
        return {r.name: r.train.history for r in self.results if not r.is_ensemble}

    @property
    def models(self) -> dict[str, Model]:
        """Per model the trained network with its scaling and feature recipe, as
        ``bpnet.load_model`` would read it back from model_<name>.npz."""
        d = self.data
        seen = {r.name: self.data.for_model(r.cfg.exog) for r in self.results}
        return {r.name: model_of(r.net, seen[r.name].x_scaler, d.y_scaler,
                                 ModelMeta.of_run((r.members or [r.net])[0], self.config.data,
                                                  seen[r.name]), f"<{r.name}>",
                                 None if r.bands is None else r.bands.errors)
                for r in self.results}

    @property
    def notes(self) -> list[str]:
        """The notes printed under the summary table."""
        return console.notes(self.data, self.results, self.baselines)

    @property
    def summary(self) -> str:
        """The summary table, the notes under it and, with several runs, the runs table."""
        d = self.data
        if d.classes is not None:
            parts = [classreport.summary_table(self.results, self.baselines), *self.notes]
            if self.config.runs > 1:
                parts += ["", classreport.runs_table(self.results, "val" in d.index)]
            return "\n".join(parts)
        parts = [console.summary_table(self.results, self.baselines, d.target_names,
                                       self.not_trained), *self.notes]
        if self.config.runs > 1:
            parts += ["", console.runs_table(self.results, "val" in d.index, d.target_names)]
        return "\n".join(parts)

    @property
    def figure_names(self) -> list[str]:
        """The file names of the run's pictures, e.g. "fit.png", "errors_bp.png"."""
        return list(pictures.of_run(self.data, self.results, self.baselines))

    def figure(self, name: str):
        """One picture of the run as a matplotlib Figure, drawn now (``name`` as in
        :attr:`figure_names`, the ".png" optional)."""
        draw = pictures.of_run(self.data, self.results, self.baselines)
        key = name if name in draw else f"{name}.png"
        if key not in draw:
            raise KeyError(f"no picture {name!r}; this run has {', '.join(draw)}")
        return draw[key]()

    def figures(self) -> dict[str, Any]:
        """Every picture of the run, drawn now: file name -> matplotlib Figure."""
        return {name: draw() for name, draw in
                pictures.of_run(self.data, self.results, self.baselines).items()}


def run(config: str | os.PathLike | Mapping, set: Mapping[str, Any] | None = None,
        out: str | os.PathLike | None = None, *, jobs: int | None = None) -> RunResult:
    """Run a config: read the data, train every model (``runs`` times each, on ``jobs``
    processes), score the models and the baselines; with ``out``, write every result file
    there. ``set`` overrides keys by path, as ``--set`` does: ``{"train.lr": 0.05}``.
    An argument of the wrong type is a TypeError naming it.
    """
    check_argument(isinstance(config, (*PATHS, Mapping)), "config", config,
                   "a config file's path or a dict")
    check_argument(set is None or isinstance(set, Mapping), "set", set,
                   "a mapping of key paths to values, e.g. {'train.lr': 0.05}")
    check_argument(out is None or isinstance(out, PATHS), "out", out, "a folder's path or None")
    cfg = configure(config, set or {}, out)
    if out is not None:   # before any work: the folder can be written, no output is an input
        files.check_outputs(cfg, config if not isinstance(config, Mapping) else None)
    data = data_stage.load(cfg, np.random.default_rng(cfg.seed))
    cfg = data_stage.resolved(cfg, data)
    return execute(cfg, data, jobs=jobs, write=out is not None)


def configure(config: str | os.PathLike | Mapping, values: Mapping[str, Any],
              out: str | os.PathLike | None = None) -> Config:
    """The resolved config of a file or a dict, with ``values`` set by key path."""
    out_dir = None if out is None else os.fspath(out)
    if isinstance(config, Mapping):
        raw = as_yaml(copy.deepcopy(dict(config)))
        typed = apply_values(raw, values)
        return build_config(raw, "the config", Path.cwd(), out_dir, typed,
                            base_name="the current folder", check_files=True)
    path = Path(config)
    raw = read_config_file(path)
    typed = apply_values(raw, values)
    return build_config(raw, str(path), path.parent, out_dir, typed, check_files=True)


def execute(cfg: Config, data: Dataset, progress: Callable | None = None,
            jobs: int | None = None, should_stop: Callable[[], bool] = never,
            write: bool = True, folder: RunFolder | None = None,
            stage: Callable[..., None] | None = None,
            watching: Callable | None = None,
            drawer: pictures.Drawer | None = None) -> RunResult:
    """The compute and output stages of a run on loaded ``data``: train, score the baselines,
    warn once about zero targets, and (``write``) write every result file as one run into
    ``folder`` (the locked output folder; by default locked while writing). A stop
    (``should_stop``) leaves the models not trained yet without results or files.
    ``stage`` is told when training starts, ``stage("training")``, and when writing follows,
    ``stage("writing", result)`` with the RunResult that is being written.
    ``watching(name, seed)`` gives the watcher of each training (:mod:`bpnet.train.watch`).
    ``drawer``: the drawing worker of a single run, started earlier (the command line starts
    it as soon as the config is read); closed here."""
    early = write and cfg.output.plots and cfg.runs == 1
    # one run per model trains on one core: the drawing worker starts now (unless it has
    # already), imports matplotlib meanwhile and draws each model's pictures once it is
    # trained (several runs fork their own workers first; the drawing starts after training)
    with drawer if early and drawer else pictures.Drawer(jobs if early else 1) as drawer:
        done: list[ModelResult] = []
        made: dict[str, pictures.Picture] = {}   # the run's pictures, once all are trained

        def on_trained(r: ModelResult) -> None:
            done.append(r)
            if len(done) < len(cfg.models):
                drawer.start(pictures.of_model(data, r))
            else:   # the last model: every picture that is left, on both cores
                made.update(pictures.of_run(data, done, baselines))
                drawer.start(made, last=True)
        if stage:
            stage("training")
        # the baselines first: the last pictures (the fit) can start as training ends; a
        # size that would not fit in memory (a forecast horizon too) is refused before that
        experiment.check_memory(cfg, data)
        baselines = score_baselines(data, cfg.forecast.horizon)
        results = experiment.fit_models(cfg, data, progress, jobs, should_stop,
                                        on_trained if early else None, watching)
        trained = {r.name for r in results}
        not_trained = {n: experiment.NOT_TRAINED for n in cfg.models if n not in trained}
        result = RunResult(cfg, data, results, baselines, [], not_trained)
        if stage:
            stage("writing", result)
        message = console.zero_targets(data)
        if message:
            warnings.warn(message, stacklevel=3)
        if write:
            if cfg.output.plots and not early:
                drawer = pictures.Drawer(jobs)   # after training's own workers are gone
            result.written = files.write_all(cfg, data, results, baselines, drawer, folder,
                                             not_trained, made or None)
    return result

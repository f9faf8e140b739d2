"""Output stage: which pictures a run has, each drawn on demand, in this process or another.

:func:`of_run` maps every picture's file name to a :class:`Picture`: the name of a drawing
function of :mod:`bpnet.report.plots` and its arguments (plain arrays, so that a picture can be
sent to a worker process). Calling it draws the matplotlib Figure; matplotlib is imported only
then, so a run with ``--no-plots`` (or a Python caller who never asks for a figure) never
imports it. :class:`Drawer` writes a run's pictures, on every core.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from bpnet.data import Dataset
from bpnet.report.forecast import path_labels
from bpnet.report.scores import ModelResult
from bpnet.workers import exit_with_parent

# the pictures of each model, named <kind>_<model>.png (see _model_pictures)
MODEL_PICTURES = ("errors", "trainstate", "regression", "errhist")


@dataclass(frozen=True)
class Picture:
    """``plots.<kind>(*args, **kwargs)``, drawn when called."""

    kind: str
    args: tuple
    kwargs: dict = field(default_factory=dict)

    def __call__(self):
        """-> the matplotlib Figure."""
        # drawing alone needs matplotlib
        from bpnet.report import plots
        return getattr(plots, self.kind)(*self.args, **self.kwargs)


def of_run(data: Dataset, results: list[ModelResult], baselines: dict | None = None
           ) -> dict[str, Picture]:
    """File name -> :class:`Picture` of every picture of a run: per model its error curves,
    training state, regression and error histogram; then every model's error curves together
    (with several models), the multi-step forecast (with one) and the fit."""
    baselines = baselines or {}
    out: dict[str, Picture] = {}
    for r in results:
        out.update(_model_pictures(data, r))
    if len(results) > 1:
        out["errors.png"] = Picture("compare", ({r.name: r.train.history for r in results},
                                                {r.name: r.cfg.train.algorithm for r in results}))
    if any(r.multistep is not None for r in results):
        out["forecast.png"] = _forecast(data, results, baselines)
    out["fit.png"] = _fit(data, results, baselines)
    return out


def _model_pictures(data: Dataset, r: ModelResult) -> dict[str, Picture]:
    """One model's four pictures (MATLAB's plotperform, plottrainstate, plotregression and
    ploterrhist)."""
    h, algorithm = r.train.history, r.cfg.train.algorithm
    targets = {p: data.targets[i] for p, i in data.index.items()}
    outputs = {p: r.predictions[i] for p, i in data.index.items()}
    return {
        f"errors_{r.name}.png": Picture("performance", (r.name, h, r.train.best_epoch,
                                                        algorithm, r.train.stop_reason)),
        f"trainstate_{r.name}.png": Picture("train_state", (r.name, h, algorithm)),
        f"regression_{r.name}.png": Picture("regression", (r.name, targets, outputs,
                                                           data.target_names)),
        f"errhist_{r.name}.png": Picture("error_histogram", (
            r.name, {p: targets[p] - outputs[p] for p in targets})),
    }


def _fit(data: Dataset, results: list[ModelResult], baselines: dict) -> Picture:
    """A series: the data and the one-step predictions against time. Tabular data: each
    sample's predictions against its actual value, the samples sorted by the actual value.
    The linear baseline is drawn beside the networks."""
    predictions = {r.name: r.predictions for r in results}
    linear = {b["what"]: b["predictions"] for name, b in baselines.items() if name == "ols"}
    if data.series is None:
        return Picture("fit_sorted", (data.targets, data.target_names, predictions,
                                      data.part_of(), linear))
    return Picture("fit", (data.labels, data.label_name, data.targets, data.target_names,
                           predictions, data.part_of(), linear))


def _forecast(data: Dataset, results: list[ModelResult], baselines: dict) -> Picture:
    """The series, the one-step predictions and multi-step forecasts of the test part, the
    linear baseline's forecast dashed."""
    test = data.index["test"]
    s = data.series
    origin = int(s.positions[test[0]])
    one_step = {r.name: r.predictions[test, 0] for r in results}
    paths = {r.name: r.multistep for r in results}
    linear = baselines.get("ols", {})
    if linear.get("multistep") is not None:
        paths[linear["what"]] = linear["multistep"]
    steps = max(len(p) for p in paths.values() if p is not None)
    return Picture("forecast_test", (s.labels, s.values, s.positions[test], one_step, paths,
                                     origin, path_labels(s, origin, steps),
                                     data.target_names[0], data.label_name))


class Drawer:
    """Draws pictures to files, on worker processes when there are cores to spare.

    ``Drawer(jobs)`` starts up to ``jobs`` workers (default: one per core, at most 4) at once,
    where processes can be forked (Linux); each imports matplotlib as it starts, so that a run
    that creates its drawer before training pays for the import while it trains. With
    ``jobs`` 1, or elsewhere, pictures are drawn in this process. Use it as a context manager.
    """

    def __init__(self, jobs: int | None = None) -> None:
        jobs = min(4, jobs or os.cpu_count() or 1)
        self.pool = None
        if jobs >= 2 and sys.platform == "linux":   # fork is cheap and safe here only
            self.pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"),
                                            initializer=_drawing_worker)
            self.pool.submit(int)   # start the workers now

    def __enter__(self) -> Drawer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def draw_all(self, pictures: dict[str, Picture], folder: Path) -> list[Path]:
        """Draw every picture to ``folder``/name (each written atomically); -> the paths, in
        the order of ``pictures``. A worker that dies (a signal) leaves its pictures to this
        process; a picture that fails fails the run, as it would here."""
        jobs = [(p, folder / name) for name, p in pictures.items()]
        if self.pool is not None and len(jobs) > 1:
            try:
                for done in [self.pool.submit(_draw_to, p, path) for p, path in jobs]:
                    done.result()
                return [path for _, path in jobs]
            except BrokenProcessPool:
                self.close()
        for p, path in jobs:
            _draw_to(p, path)
        return [path for _, path in jobs]


def _draw_to(picture: Picture, path: Path) -> None:
    from bpnet.report import plots
    plots.save(picture(), path)


def _drawing_worker() -> None:
    """A drawing process imports matplotlib at once and leaves Ctrl-C to the run (which kills
    the workers when it aborts); SIGTERM ends it (the run then draws in its own process), and
    so does the death of the run, however it dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    exit_with_parent()
    from bpnet.report import plots  # noqa: F401

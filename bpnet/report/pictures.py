"""Output stage: which pictures a run has, each drawn on demand, in this process or another.

:func:`of_run` maps every picture's file name to a :class:`Picture`: the name of a drawing
function of :mod:`bpnet.report.plots` and its arguments (plain arrays, so that a picture can be
sent to a worker process). Calling it draws the matplotlib Figure; matplotlib is imported only
then, so a run with ``--no-plots`` (or a Python caller who never asks for a figure) never
imports it. :class:`Drawer` writes a run's pictures, on two cores.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bpnet.data import Dataset
from bpnet.data.dataset import rows_of
from bpnet.data.timeaxis import clock_labels, default_period
from bpnet.report import dense
from bpnet.report.console import best_baselines
from bpnet.report.forecast import next_labels
from bpnet.report.scores import ModelResult
from bpnet.storage.fileio import atomic_write
from bpnet.workers import exit_with_parent

# the pictures of each model, named <kind>_<model>.png (see _model_pictures)
MODEL_PICTURES = ("errors", "trainstate", "regression", "errhist")


@dataclass(frozen=True)
class Picture:
    """``<module>.<kind>(*args, **kwargs)``, drawn when called."""

    kind: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    module: str = "plots"     # the drawing module: plots, or classplots for a classifier's

    def __call__(self):
        """-> the matplotlib Figure."""
        # drawing alone needs matplotlib
        import importlib

        import matplotlib
        module = importlib.import_module(f"bpnet.report.{self.module}")
        # titles sit at the top of their axes, which have no labels above them: matplotlib
        # need not measure the axes' ticks to place them (a quarter of the drawing time)
        with matplotlib.rc_context({"axes.titley": 1.0}):
            return getattr(module, self.kind)(*self.args, **self.kwargs)


def of_run(data: Dataset, results: list[ModelResult], baselines: dict | None = None
           ) -> dict[str, Picture]:
    """File name -> :class:`Picture` of every picture of a run: per model its error curves,
    training state, regression and error histogram; then every model's error curves together
    (with several models), the multi-step forecast (with one) and the fit. A classifier's
    pictures are those of :func:`_class_pictures`."""
    if data.classes is not None:
        return _class_pictures(data, results)
    baselines = baselines or {}
    out: dict[str, Picture] = {}
    for r in results:
        out.update(of_model(data, r))
    trained = [r for r in results if not r.is_ensemble]
    if len(trained) > 1:
        out["errors.png"] = Picture("compare", ({r.name: r.train.history for r in trained},
                                                {r.name: r.cfg.train.algorithm for r in trained}))
    if any(r.multistep is not None for r in results):
        out["forecast.png"] = _forecast(data, results, baselines)
    out["fit.png"] = _fit(data, results, baselines)
    return out


def of_model(data: Dataset, r: ModelResult) -> dict[str, Picture]:
    """One model's four pictures (MATLAB's plotperform, plottrainstate, plotregression and
    ploterrhist); an ensemble, not trained itself, has the last two."""
    # the samples with every target (a NaN target is no target: nothing to draw); views of
    # the parts that are consecutive rows (a block division): no copy of a million rows
    scored = {p: _with_target(data.targets, i) for p, i in data.index.items()}
    targets = {p: rows_of(data.targets, i) for p, i in scored.items() if len(i)}
    outputs = {p: rows_of(r.predictions, i) for p, i in scored.items() if len(i)}
    out = {} if r.is_ensemble else _training_pictures(r)
    # the panels are made here: a picture of a million points hands over its densities
    out[f"regression_{r.stem}.png"] = Picture("regression", (
        r.name, dense.regression_panels(targets, outputs), data.target_names))
    out[f"errhist_{r.stem}.png"] = Picture("error_histogram", (
        r.name, *dense.histogram({p: targets[p] - outputs[p] for p in targets})))
    return out


def _with_target(targets: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Those of the ``rows`` (n,) whose targets (Q, K) are all known (``rows`` themselves
    when every one is)."""
    known = ~np.isnan(rows_of(targets, rows)).any(axis=1)
    return rows if known.all() else rows[known]


def _training_pictures(r: ModelResult, perform: tuple = ()) -> dict[str, Picture]:
    """A trained model's error curves and training state (``perform``: the perf's name as
    the curves' extra argument, a classifier's)."""
    h, algorithm = r.train.history, r.cfg.train.algorithm
    return {f"errors_{r.name}.png": Picture("performance", (r.name, h, r.train.best_epoch,
                                                            algorithm, r.train.stop_reason,
                                                            *perform)),
            f"trainstate_{r.name}.png": Picture("train_state", (r.name, h, algorithm))}


def _class_pictures(data: Dataset, results: list[ModelResult]) -> dict[str, Picture]:
    """A classification run's pictures: per model its error curves (crossentropy), training
    state, confusion matrices and ROC curves (MATLAB's plotconfusion and plotroc, one panel
    per part and All); every model's error curves together with several. No regression or
    error histogram: their targets would be 0/1 columns."""
    titles = {"train": "Training", "val": "Validation", "test": "Test"}
    everything = np.sort(np.concatenate(list(data.index.values())))
    out: dict[str, Picture] = {}
    for r in results:
        matrices = {titles[p]: np.array(r.scores[p]["cm"]["counts"]) for p in data.index}
        matrices["All"] = sum(matrices.values())
        rows = {**{titles[p]: idx for p, idx in data.index.items()}, "All": everything}
        curves = {t: (data.targets[idx], r.predictions[idx]) for t, idx in rows.items()}
        if not r.is_ensemble:
            out.update(_training_pictures(r, (r.cfg.train.perform,)))
        out[f"confusion_{r.stem}.png"] = Picture("confusion", (r.name, matrices, data.classes),
                                                 module="classplots")
        out[f"roc_{r.stem}.png"] = Picture("roc", (r.name, curves, data.classes),
                                           module="classplots")
    trained = [r for r in results if not r.is_ensemble]
    if len(trained) > 1:
        out["errors.png"] = Picture("compare", ({r.name: r.train.history for r in trained},
                                                {r.name: r.cfg.train.algorithm for r in trained},
                                                trained[0].cfg.train.perform))
    return out


def _fit(data: Dataset, results: list[ModelResult], baselines: dict) -> Picture:
    """A series: the data and the one-step predictions against time. Tabular data: each
    sample's predictions against its actual value, the samples sorted by the actual value.
    The linear baseline is drawn beside the networks, and so is the baseline that does best
    on the test part (the one the notes name) when it is another."""
    predictions = {r.name: r.predictions for r in results}
    drawn = dict.fromkeys(["ols", *best_baselines(data, baselines)])
    shown = {baselines[n]["what"]: baselines[n]["predictions"] for n in drawn if n in baselines}
    if data.series is None:
        panels = dense.sorted_panels(data.targets, [*predictions.values(), *shown.values()],
                                     data.index)
        return Picture("fit_sorted", (panels, data.target_names, list(predictions),
                                      list(shown), len(data.targets)))
    s = data.series
    labels, label_name = _tick_labels(data, len(s.labels))
    return Picture("fit", ([labels[i] for i in s.positions], label_name, data.targets,
                           data.target_names, predictions, data.part_of(), shown,
                           int(s.positions[0])),
                   {"bands": _bands(results) if len(data.targets) <= dense.MANY else None,
                    "cycle": _cycle(data)})


def _tick_labels(data: Dataset, n: int) -> tuple[list[str], str]:
    """The labels of the first ``n`` time steps of a series (past its end, those that follow
    it) as a picture's ticks show them, and the name of the time axis: a series stepped in
    less than a day shows its clock times, the axis' name the day they fall on."""
    s = data.series
    axis = s.axis
    past = n - len(s.labels)
    if axis is not None and axis.step is not None:
        positions = np.concatenate([axis.positions, axis.after(past)]) if past > 0 else \
            axis.positions[:n]
        short = clock_labels(axis, positions)
        if short is not None:
            return short[0], f"{data.label_name} ({short[1]})" if short[1] else data.label_name
    return list(s.labels[:n]) + next_labels(s, past) if past > 0 else list(s.labels[:n]), \
        data.label_name


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
    labels, label_name = _tick_labels(data, max(len(s.labels), origin + steps))
    return Picture("forecast_test", (labels[:len(s.labels)], s.values, s.positions[test],
                                     one_step, paths, origin, labels[origin:origin + steps],
                                     data.target_names[0], label_name),
                   {"bands": _bands(results, path=True), "cycle": _cycle(data)})


def _cycle(data: Dataset) -> int | None:
    """The steps in which a series' calendar repeats (12 for months; None without a time
    axis, or yearly), on which its pictures' time ticks fall."""
    axis = data.series.axis
    return None if axis is None else default_period(axis.unit, axis.step)


def _bands(results: list[ModelResult], path: bool = False) -> tuple | None:
    """The prediction intervals the fit (or, with ``path``, the forecast) shades: those of
    the first model with intervals, (name, levels, lower (L, n), upper (L, n)); None."""
    for r in results:
        b = r.bands
        if b is not None and (b.path_lower is not None or not path):
            return (r.name, b.levels, *((b.path_lower, b.path_upper) if path
                                        else (b.lower, b.upper)))
    return None


class Drawer:
    """Draws pictures to files, in a worker process when there is a core to spare.

    ``Drawer(jobs)`` with ``jobs`` >= 2, where processes can be forked (Linux), starts one
    worker at once; it imports matplotlib while this process trains. :meth:`start` hands it
    pictures that are already known (a model's, as soon as that model is trained), to be
    rendered to PNG bytes while the other models train, and then the last ones, which it
    shares with a copy of itself forked then (which needs no import of its own).
    :meth:`draw_all` renders what is left the same way and writes every file. With ``jobs`` 1,
    or elsewhere, pictures are drawn in this process. Use it as a context manager.
    """

    def __init__(self, jobs: int | None = None) -> None:
        jobs = jobs or os.cpu_count() or 1
        self.pool = None
        self.handed: list[Future] = []   # the worker's tasks, each giving name -> PNG bytes
        self.worker: set = set()   # the worker process
        if jobs >= 2 and sys.platform == "linux":   # fork is cheap and safe here only
            before = set(multiprocessing.active_children())
            fork = multiprocessing.get_context("fork")
            # a flag in shared memory without a lock (a worker killed while it looks cannot
            # leave one locked): 1 once the last pictures are handed to the worker
            self.last = fork.RawValue("b", 0)
            self.pool = ProcessPoolExecutor(1, mp_context=fork, initializer=_drawing_worker,
                                            initargs=(self.last,))
            self.pool.submit(int)   # start the worker now
            self.worker = set(multiprocessing.active_children()) - before

    def __enter__(self) -> Drawer:
        return self

    def __exit__(self, error, *exc) -> None:
        if error is not None:   # the run failed: nothing to draw, no import to wait for
            for process in self.worker:
                process.kill()
        self.close()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def start(self, pictures: dict[str, Picture], last: bool = False) -> None:
        """Render ``pictures`` in the worker from now on, one by one (nothing without a
        worker). ``last``: ``pictures`` are every picture of the run; those it has not
        rendered by then (it skips those handed earlier that it has not begun) are rendered
        as one batch shared with a forked copy of the worker."""
        if self.pool is None:
            return
        if last:
            self.last.value = 1
            self.handed.append(self.pool.submit(_render_last, pictures))
            return
        self.handed += [self.pool.submit(_render_early, name, p)
                        for name, p in pictures.items()]

    def draw_all(self, pictures: dict[str, Picture], folder: Path) -> list[Path]:
        """Draw every picture to ``folder``/name (each written atomically); -> the paths, in
        the order of ``pictures``. A worker that dies (a signal) leaves its pictures to this
        process; a picture that fails fails the run, as it would here."""
        rendered = self._rendered(pictures)
        for name, p in pictures.items():
            png = rendered[name] if name in rendered else _render({name: p})[name]
            atomic_write(folder / name, lambda fh, png=png: fh.write(png), binary=True)
        return [folder / name for name in pictures]

    def _rendered(self, pictures: dict[str, Picture]) -> dict[str, bytes]:
        """name -> PNG bytes of the pictures the worker rendered (all of them, or none after
        the worker died). Those handed to :meth:`start` that the worker has not begun yet are
        rendered with the rest, on both processes."""
        if self.pool is None:
            return {}
        self.last.value = 1
        try:
            out: dict[str, bytes] = {}
            for done in self.handed:
                out.update(done.result())
            rest = {name: p for name, p in pictures.items() if name not in out}
            if rest:
                out.update(self.pool.submit(_render_last, rest).result())
            return out
        except BrokenProcessPool:
            self.close()
            return {}


# in a drawing worker, the names of the pictures it has rendered one by one (_render_early),
# and its Drawer's flag of the last pictures (set by _drawing_worker)
_RENDERED: set[str] = set()
_LAST: list = []


def _render_early(name: str, picture: Picture) -> dict[str, bytes]:
    """In the worker: {name: the PNG bytes of ``picture``}, or {} when the last pictures are
    handed over already: it is rendered with them then."""
    if _LAST[0].value:
        return {}
    out = _render({name: picture})
    _RENDERED.add(name)
    return out


def _render_last(pictures: dict[str, Picture]) -> dict[str, bytes]:
    """In the worker: name -> PNG bytes of those of ``pictures`` it has not rendered yet, half
    of them in a forked copy of it."""
    return _render({name: p for name, p in pictures.items() if name not in _RENDERED},
                   split=True)


def _render(pictures: dict[str, Picture], split: bool = False) -> dict[str, bytes]:
    """name -> the PNG bytes of each picture; with ``split``, a forked copy of this process
    renders the second half meanwhile."""
    from bpnet.report import plots
    if not split or len(pictures) < 2:   # split: only in a worker, so on Linux
        return {name: plots.png_bytes(p()) for name, p in pictures.items()}
    mine, theirs = _halves(pictures)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"),
                             initializer=exit_with_parent) as copy:
        second = copy.submit(_render, {name: pictures[name] for name in theirs})
        first = _render({name: pictures[name] for name in mine})
        return {**first, **second.result()}


# the time each kind of picture takes to draw, relative to an error histogram's (the demo's)
COST = {"train_state": 1.8, "regression": 1.8, "compare": 1.5, "performance": 1.3}


def _halves(pictures: dict[str, Picture]) -> tuple[list[str], list[str]]:
    """The names of ``pictures`` in two parts of about the same drawing time (the costliest
    first, each to the part that costs less so far), the costlier part first: the process
    that forks the other has its fonts loaded and its labels laid out already."""
    parts: tuple[list[str], list[str]] = ([], [])
    costs = [0.0, 0.0]
    for name in sorted(pictures, key=lambda n: -COST.get(pictures[n].kind, 1.0)):
        i = int(costs[1] < costs[0])
        parts[i].append(name)
        costs[i] += COST.get(pictures[name].kind, 1.0)
    return parts if costs[0] >= costs[1] else (parts[1], parts[0])


def _drawing_worker(last) -> None:
    """A drawing process leaves Ctrl-C to the run (which kills the workers when it aborts);
    SIGTERM ends it (the run then draws in its own process), and so does the death of the run,
    however it dies. It imports matplotlib at once, while the run trains. ``last``: the
    shared flag set once the last pictures are handed over."""
    _LAST[:] = [last]
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    exit_with_parent()
    # matplotlib's objects (and the run's, copied by the fork) live as long as the process:
    # with fewer sweeps of the garbage collector, and none of those objects, the import and
    # the drawing take about a tenth less time
    gc.set_threshold(20_000, 20, 100)
    from bpnet.report import plots  # noqa: F401  (matplotlib)
    gc.freeze()

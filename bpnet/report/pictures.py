"""Output stage: which pictures a run has, each as a function that draws it on demand.

:func:`of_run` maps every picture's file name to a function of no arguments that returns its
matplotlib Figure, so that matplotlib is imported only when a picture is drawn: a run with
``--no-plots`` (or a Python caller who never asks for a figure) never imports it.
"""
from __future__ import annotations

from collections.abc import Callable

from bpnet.data import Dataset
from bpnet.report.forecast import path_labels
from bpnet.report.scores import ModelResult

Draw = Callable[[], object]   # -> matplotlib.figure.Figure


def of_run(data: Dataset, results: list[ModelResult], baselines: dict | None = None
           ) -> dict[str, Draw]:
    """File name -> drawing function of every picture of a run: per model its error curves,
    training state, regression and error histogram; then every model's error curves together
    (with several models), the multi-step forecast (with one) and the fit."""
    out: dict[str, Draw] = {}
    for r in results:
        out.update(_model_pictures(data, r))
    if len(results) > 1:
        out["errors.png"] = lambda: _plots().compare(
            {r.name: r.train.history for r in results},
            {r.name: r.cfg.train.algorithm for r in results})
    if any(r.multistep is not None for r in results):
        out["forecast.png"] = lambda: _forecast(data, results, baselines or {})
    out["fit.png"] = lambda: _fit(data, results, baselines or {})
    return out


def _plots():
    from bpnet.report import plots
    return plots


def _model_pictures(data: Dataset, r: ModelResult) -> dict[str, Draw]:
    """One model's four pictures (MATLAB's plotperform, plottrainstate, plotregression and
    ploterrhist)."""
    h, algorithm = r.train.history, r.cfg.train.algorithm
    targets = {p: data.targets[i] for p, i in data.index.items()}
    outputs = {p: r.predictions[i] for p, i in data.index.items()}
    return {
        f"errors_{r.name}.png": lambda: _plots().performance(
            r.name, h, r.train.best_epoch, algorithm, r.train.stop_reason),
        f"trainstate_{r.name}.png": lambda: _plots().train_state(r.name, h, algorithm),
        f"regression_{r.name}.png": lambda: _plots().regression(
            r.name, targets, outputs, data.target_names),
        f"errhist_{r.name}.png": lambda: _plots().error_histogram(
            r.name, {p: targets[p] - outputs[p] for p in targets}),
    }


def _fit(data: Dataset, results: list[ModelResult], baselines: dict):
    """A series: the data and the one-step predictions against time. Tabular data: each
    sample's predictions against its actual value, the samples sorted by the actual value."""
    predictions = {r.name: r.predictions for r in results}
    linear = {b["what"]: b["predictions"] for name, b in baselines.items() if name == "ols"}
    plots = _plots()
    if data.series is None:
        return plots.fit_sorted(data.targets, data.target_names, predictions, data.part_of(),
                                linear)
    return plots.fit(data.labels, data.label_name, data.targets, data.target_names,
                     predictions, data.part_of(), linear)


def _forecast(data: Dataset, results: list[ModelResult], baselines: dict):
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
    return _plots().forecast_test(s.labels, s.values, s.positions[test], one_step, paths,
                                  origin, path_labels(s, origin, steps), data.target_names[0],
                                  data.label_name)

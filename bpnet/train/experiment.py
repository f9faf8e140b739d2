"""Compute stage glue: build a network from its config, train it, and predict every part.

``fit_model`` is the whole compute stage of one model: build, initialise (from the seed), train
with the shared loop, and return the trained network with its predictions in original units.
"""
from __future__ import annotations

import os
import signal
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from bpnet.report import forecast
from bpnet.nets import initializers
from bpnet.report import metrics
from bpnet.train import loop as training
from bpnet.config.load import Config, ModelConfig
from bpnet.data.dataset import Dataset
from bpnet.nets.elman import ElmanNet
from bpnet.nets.feedforward import BPNet
from bpnet.nets.gated import GatedNet


@dataclass
class ModelResult:
    """A trained model: its network, training outcome, predictions and errors."""

    name: str
    cfg: ModelConfig
    net: object
    train: training.TrainResult
    predictions: np.ndarray          # (Q, K) in original units, every sample
    scores: dict[str, dict]          # part -> mse (scaled) and errors in original units
    seed: int = 0
    runs: list[dict] = field(default_factory=list)   # a summary of every run, when several
    multistep: np.ndarray | None = None   # (h,) the recursive forecast from the test origin

    @property
    def selection_perf(self) -> float:
        """What picks the best of several runs: val mse, or training mse without a val part."""
        return self.scores["val" if "val" in self.scores else "train"]["mse"]

    def summary(self) -> dict:
        t = self.train
        return {"seed": self.seed, "epochs": t.epochs, "best_epoch": t.best_epoch,
                "stop_reason": t.stop_reason, "train_seconds": t.seconds, **self.scores}


def build_network(m: ModelConfig, n_inputs: int, n_outputs: int):
    """An uninitialised network of the type, sizes and transfer functions in ``m``."""
    if m.type == "feedforward":
        return BPNet([n_inputs, *m.hidden, n_outputs], list(m.transfer))
    if m.type == "elman":
        return ElmanNet(n_inputs, m.hidden[0], n_outputs, tuple(m.transfer))
    return GatedNet(m.type, n_inputs, m.hidden[0], n_outputs, m.transfer[1])


def initialise(net, m: ModelConfig, data: Dataset, rng: np.random.Generator) -> None:
    """Nguyen-Widrow, uniform, or the weights of a saved model (``m.init`` ends in .npz)."""
    if m.init.endswith(".npz"):
        initializers.load_weights(net.params, m.init)
        return
    Xtrain = data.scaled("train")[0]
    x_range = np.column_stack([Xtrain.min(axis=0), Xtrain.max(axis=0)])
    net.init_weights(m.init, rng, x_range)


def predict_scaled(net, data: Dataset, parts=None) -> dict[str, np.ndarray]:
    """Scaled predictions (n, K) of each part.

    A recurrent network on a series runs all samples as one sequence from h0 = 0 (train, then
    val, then test) and each part keeps its own steps; on tabular data each part is its own
    sequence from h0 = 0.
    """
    parts = data.parts if parts is None else [p for p in parts if p in data.index]
    # a feed-forward net predicts all rows in one product too, so that its numbers do not
    # depend on how the rows were grouped (BLAS may round a row differently in another batch)
    if data.sequence or not net.recurrent:
        Y = net.predict(data.Xs)
        return {p: Y[data.index[p]] for p in parts}
    return {p: net.predict(data.scaled(p)[0]) for p in parts}


def scorer(net, data: Dataset, regularization: float = 0.0):
    """score(X) -> (vperf, tperf): mse of the val and test parts at weights X (NaN if absent),
    with regularisation r > 0 the training perf's mixture (1 - r) mse + r mean(X^2)."""
    parts = [p for p in ("val", "test") if p in data.index]
    if not parts:
        return None
    scaled = {p: data.scaled(p) for p in parts}
    whole = net.recurrent and data.sequence   # the parts' steps come from one run of the series

    def score(theta: np.ndarray) -> tuple[float, float]:
        net.theta[:] = theta
        if whole:
            Y = net.predict(data.Xs)
            pred = {p: Y[data.index[p]] for p in parts}
        else:
            pred = {p: net.predict(scaled[p][0]) for p in parts}
        perfs = tuple(metrics.mse(pred[p], scaled[p][1]) if p in pred else np.nan
                      for p in ("val", "test"))
        if regularization:
            return tuple(training.regularised(v, theta, regularization) for v in perfs)
        return perfs
    return score


def fit_model(name: str, m: ModelConfig, data: Dataset, seed: int,
              progress: training.Progress | None = None, horizon=None) -> ModelResult:
    """Build, initialise from ``seed``, train and evaluate one model (with ``horizon``, also
    its recursive forecast of the test part: "test" or a number of steps)."""
    net = build_network(m, data.X.shape[1], data.Y.shape[1])
    initialise(net, m, data, np.random.default_rng(seed))
    Xtr, Ytr = data.scaled("train")
    r = m.train.regularization or 0.0   # None: trainbr, which chooses its own
    obj = training.Objective(net, Xtr, Ytr, m.clip_norm, r)
    result = training.train(obj, net.theta.copy(), m.train, scorer(net, data, r),
                            has_val="val" in data.index, progress=progress)
    return evaluate(name, m, net, data, result, seed, horizon)


def forecast_origin(data: Dataset, horizon) -> tuple[int, int, int]:
    """(origin time t, steps, first test sample) of the forecast from the end of the training
    (and val) part: the test part's first time step."""
    first = int(data.index["test"][0])
    steps = len(data.index["test"]) if horizon == "test" else int(horizon)
    return int(data.positions[first]), steps, first


def multistep(net, data: Dataset, horizon) -> np.ndarray:
    """The recursive forecast (steps,) in original units from the test part's start."""
    origin, steps, first = forecast_origin(data, horizon)
    extra = {"transform": data.transform, "stages": data.stages, "months": data.months,
             "lags": data.lags}
    return forecast.from_end(net, data.x_scaler, data.y_scaler, data.X[:first], extra, origin,
                             steps)


def baselines(data: Dataset, horizon) -> dict[str, dict]:
    """naive (the previous value) and seasonal naive (the value one period earlier), scored on
    the test samples one step ahead and, from the test part's start, many steps ahead."""
    if data.series is None or "test" not in data.index:
        return {}
    y, period = data.series, data.period
    idx = data.index["test"]
    t = data.positions[idx]
    truth = data.targets[idx]
    origin, steps, _ = forecast_origin(data, horizon or "test")
    n = min(steps, len(idx))
    h = np.arange(steps)
    out = {}
    for name, one, many in (
            ("naive", y[t - 1], np.full(steps, y[origin - 1])),
            ("seasonal_naive", y[t - period] if t.min() >= period else None,
             y[origin - period + h % period] if origin >= period else None)):
        if one is None:
            continue
        scores = {"test": metrics.errors(one[:, None], truth)}
        if many is not None:
            scores["test_multistep"] = metrics.errors(many[:n, None], truth[:n])
        out[name] = {"scores": scores, "one_step": one, "multistep": many}
    return out


def fit_models(cfg: Config, data: Dataset,
               progress: Callable[[str], training.Progress | None] | None = None,
               jobs: int | None = None) -> list[ModelResult]:
    """Train every model ``cfg.runs`` times, from seeds seed, seed + 1, ...; keep the best run.

    The best run has the lowest val mse (training mse without a val part), as MATLAB users pick
    it by hand. Several runs go to ``jobs`` worker processes (default: one per core); each run
    depends on its seed only, so the numbers are the same in one process or several.
    ``progress(name)`` gives the progress callback of a model (single runs only).
    """
    tasks = [(name, m, cfg.seed + i) for name, m in cfg.models.items() for i in range(cfg.runs)]
    jobs = min(len(tasks), jobs or os.cpu_count() or 1)
    if cfg.runs == 1 or jobs == 1:
        done = [fit_model(name, m, data, seed,
                          progress(name) if progress and cfg.runs == 1 else None,
                          cfg.forecast.horizon)
                for name, m, seed in tasks]
    else:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_worker_signals) as pool:
            done = list(pool.map(_fit_task, tasks, [data] * len(tasks),
                                 [cfg.forecast.horizon] * len(tasks)))
    kept = []
    for name in cfg.models:
        runs = [r for r in done if r.name == name]
        best = min(runs, key=lambda r: r.selection_perf)   # the first of equals: lowest seed
        if len(runs) > 1:
            best.runs = [r.summary() for r in runs]
        kept.append(best)
        for part, s in best.scores.items():
            if s["n_zero_targets"]:
                warnings.warn(f"{name}: {s['n_zero_targets']} zero target(s) in the {part} part "
                              "have no relative error; they are left out of MAPE", stacklevel=2)
    return kept


def _worker_signals() -> None:
    """In a worker, Ctrl-C and SIGTERM ask its training to stop (the parent decides the rest)."""
    def stop(signum, frame):
        training.UserStop.requested = True
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


def _fit_task(task, data: Dataset, horizon) -> ModelResult:
    name, m, seed = task
    return fit_model(name, m, data, seed, horizon=horizon)


def evaluate(name: str, m: ModelConfig, net, data: Dataset,
             result: training.TrainResult, seed: int = 0, horizon=None) -> ModelResult:
    """Predict every part with the network as it is and score it."""
    scaled = predict_scaled(net, data)
    predictions = np.full(data.targets.shape, np.nan)
    scores = {}
    for part, Ys_hat in scaled.items():
        idx = data.index[part]
        y_hat = data.to_original(data.y_scaler.inverse_transform(Ys_hat), idx)
        predictions[idx] = y_hat
        scores[part] = {"mse": metrics.mse(Ys_hat, data.Ys[idx]),
                        **metrics.errors(y_hat, data.targets[idx])}
    path = None
    if horizon is not None:
        path = multistep(net, data, horizon)
        idx = data.index["test"]
        n = min(len(path), len(idx))
        scores["test_multistep"] = metrics.errors(path[:n, None], data.targets[idx[:n]])
    return ModelResult(name, m, net, result, predictions, scores, seed, multistep=path)

"""Compute stage: fit the models of a config: build, initialise, train, repeat over seeds.

``fit_model`` is the whole compute stage of one model: build, initialise (from the seed), train
with the shared loop, then score the trained network (:mod:`bpnet.report.scores`).
``fit_models`` trains every model ``runs`` times, in worker processes when there are several
runs, and keeps the best run of each. Names as in :mod:`bpnet.train.objective`; ``model_cfg``
is a model's :class:`~bpnet.config.load.ModelConfig`.
"""
from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from bpnet.config import Config, ModelConfig
from bpnet.data import Dataset
from bpnet.matlab import weights
from bpnet.memory import network_values, require
from bpnet.nets import initializers, registry
from bpnet.nets.perform import crossentropy
from bpnet.report import metrics
from bpnet.report.intervals import MAX_ERRORS
from bpnet.report.scores import ModelResult, ensemble, score_model
from bpnet.train import loop as training
from bpnet.train.objective import NetObjective, regularised
from bpnet.train.stops import USER_STOP, StopRequest, never
from bpnet.train.watch import Receiver, Relay, Watch, Watching
from bpnet.workers import exit_with_parent


def initialise(net, model_cfg: ModelConfig, data: Dataset, rng: np.random.Generator) -> None:
    """Nguyen-Widrow, uniform, or the weights of a saved model (``init`` ends in .npz) or of
    MATLAB (.mat)."""
    if model_cfg.init.endswith(".npz"):
        initializers.load_weights(net.params, model_cfg.init)
        return
    if model_cfg.init.endswith(".mat"):   # MATLAB's weights (docs/semantics.md#import)
        weights.load_into(net.params, net.type, model_cfg.init)
        return
    X = data.scaled("train")[0]
    x_range = np.column_stack([X.min(axis=0), X.max(axis=0)])
    net.init_weights(model_cfg.init, rng, x_range)


def make_val_test_perf(net, data: Dataset, regularization: float = 0.0,
                       obj: NetObjective | None = None
                       ) -> Callable[[np.ndarray], tuple[float, float]] | None:
    """val_test_perf(theta) -> (vperf, tperf): the perf (the net's ``perform``: mse or
    crossentropy) of the val and test parts at weights theta (P,), NaN for an absent part;
    None when there is neither part. With regularisation r > 0, the training perf's mixture
    (1 - r) perf + r mean(theta^2) (docs/semantics.md#regularisation).

    A recurrent network on a series runs the whole series from the zero state; when the
    training part is the series' first n steps and ``obj`` last ran them at theta, the run
    goes on from the state they ended in instead (the same numbers, without running the
    training steps twice)."""
    parts = [part for part in ("val", "test") if part in data.index]
    if not parts:
        return None
    measure = metrics.mse if net.perform == "mse" else crossentropy
    scaled = {part: data.scaled(part) for part in parts}
    whole = net.recurrent and data.sequence   # the parts' steps come from one run of the series
    n = len(data.index["train"])
    after_train = whole and obj is not None and np.array_equal(data.index["train"], np.arange(n))

    def val_test_perf(theta: np.ndarray) -> tuple[float, float]:
        net.theta[:] = theta
        state = obj.state_after(theta) if after_train else None
        if state is not None:
            Y = net.forward(data.Xs[n:], state)[0]
            pred = {part: Y[data.index[part] - n] for part in parts}
        elif whole:
            Y = net.predict(data.Xs)
            pred = {part: Y[data.index[part]] for part in parts}
        else:
            pred = {part: net.predict(scaled[part][0]) for part in parts}
        perfs = tuple(measure(pred[part], scaled[part][1]) if part in pred else np.nan
                      for part in ("val", "test"))
        if regularization:
            return tuple(regularised(v, theta, regularization) for v in perfs)
        return perfs
    return val_test_perf


def fit_model(name: str, model_cfg: ModelConfig, data: Dataset, seed: int,
              progress: training.Progress | None = None, horizon=None,
              should_stop: Callable[[], bool] = never, watch: Watch | None = None,
              levels: tuple[float, ...] = ()) -> ModelResult:
    """Build, initialise from ``seed``, train and score one model (with ``horizon``, also
    its recursive forecast of the test part: "test" or a number of steps; with ``levels``,
    the prediction intervals of every prediction).

    ``should_stop()`` true ends training at the next epoch with "User stop."; ``watch``
    watches the training (:mod:`bpnet.train.watch`).
    """
    data = data.for_model(model_cfg.exog)
    net = registry.from_config(model_cfg, data.X.shape[1], data.Y.shape[1])
    net.perform = model_cfg.train.perform or "mse"
    initialise(net, model_cfg, data, np.random.default_rng(seed))
    X, Y = data.scaled("train")
    r = model_cfg.train.regularization or 0.0   # None: trainbr, which chooses its own
    obj = NetObjective(net, X, Y, model_cfg.clip_norm, r)
    result = training.train(obj, net.theta.copy(), model_cfg.train,
                            make_val_test_perf(net, data, r, obj),
                            has_val="val" in data.index, progress=progress,
                            should_stop=should_stop, watch=watch)
    return score_model(name, model_cfg, net, data, result, seed, horizon, levels)


def fit_models(cfg: Config, data: Dataset,
               progress: Callable[[str], training.Progress | None] | None = None,
               jobs: int | None = None,
               should_stop: Callable[[], bool] = never,
               trained: Callable[[ModelResult], None] | None = None,
               watching: Watching | None = None) -> list[ModelResult]:
    """Train every model ``cfg.runs`` times, from seeds seed, seed + 1, ...; keep the best run.

    The best run has the lowest val mse (training mse without a val part), as MATLAB users pick
    it by hand. Several runs go to ``jobs`` worker processes (default: one per core); each run
    depends on its seed only, so the numbers are the same in one process or several.
    ``progress(name)`` gives the progress callback of a model (single runs only).
    ``should_stop`` is polled by the trainings of this process; a worker process stops on its
    own Ctrl-C or SIGTERM instead (the CLI passes its signals on to the workers). Once a stop
    is asked for, the run being trained ends with "User stop." and no other run starts: the
    result lists only the models with at least one run (:data:`NOT_TRAINED` the others).
    ``trained(result)`` is called as each model of a single run is trained (the output stage
    starts drawing its pictures while the next one trains). ``watching(name, seed)`` gives
    the watcher of each run, here or in a worker process (:mod:`bpnet.train.watch`).
    """
    check_memory(cfg, data)
    tasks = [(name, model_cfg, cfg.seed + i)
             for name, model_cfg in cfg.models.items() for i in range(cfg.runs)]
    jobs = min(len(tasks), jobs or os.cpu_count() or 1)
    done: list[ModelResult] = []
    if cfg.runs == 1 or jobs == 1:
        for name, model_cfg, seed in tasks:
            if should_stop():
                break
            done.append(fit_model(name, model_cfg, data, seed,
                                  progress(name) if progress and cfg.runs == 1 else None,
                                  cfg.forecast.horizon, should_stop,
                                  watching(name, seed) if watching else None,
                                  cfg.forecast.intervals))
            if trained and cfg.runs == 1:
                trained(done[-1])
    else:
        done = _fit_in_workers(tasks, data, cfg.forecast.horizon, jobs, should_stop, watching,
                               cfg.forecast.intervals)
    runs = {name: [r for r in done if r.name == name] for name in cfg.models}
    kept = []
    for name, rs in runs.items():
        if rs:
            kept.append(_best_run(name, rs))
        if cfg.combine == "mean" and len(rs) > 1:   # the mean of the runs, beside the kept one
            kept.append(ensemble(rs, data.for_model(rs[0].cfg.exog)))
    return kept


def _fit_in_workers(tasks: list, data: Dataset, horizon, jobs: int,
                    should_stop: Callable[[], bool], watching: Watching | None,
                    levels: tuple[float, ...] = ()) -> list[ModelResult]:
    """The runs ``tasks`` on ``jobs`` worker processes; -> those trained."""
    done: list[ModelResult] = []
    receiver = Receiver(watching) if watching else None
    with receiver or contextlib.nullcontext(), \
            ProcessPoolExecutor(max_workers=jobs, initializer=_worker_setup,
                                initargs=(receiver.relay if receiver else None,)) as pool:
        futures = [pool.submit(_fit_task, task, data, horizon, levels) for task in tasks]
        for future in futures:
            if should_stop():   # the runs not started yet never start
                for f in futures:
                    f.cancel()
            if not future.cancelled() and (r := future.result()) is not None:
                done.append(r)
    return done


# why a model has no result after a stop
NOT_TRAINED = f"not trained ({USER_STOP})"


def check_memory(cfg: Config, data: Dataset) -> None:
    """Refuse, before training, layer sizes, runs or a forecast horizon that would need more
    memory than is available (with how much they would need)."""
    n, d, k = len(data.X), data.X.shape[1], data.Y.shape[1]
    for name, m in cfg.models.items():
        sizes = [d, *m.hidden, k]
        values = network_values(m.type, sizes)
        if m.type in registry.LAYERED:   # blocks of 4096 samples (nets.feedforward)
            steps = 6.0 * min(n, 4096) * sum(m.hidden)
        else:                         # every time step's state, for BPTT
            steps = 8.0 * n * m.hidden[0] * {"lstm": 4, "gru": 3}.get(m.type, 1)
        need = 8.0 * (12 * values + steps)
        if m.train.algorithm in ("trainlm", "trainbr"):   # the Jacobian and J'J
            need += 8.0 * (n * k * values + 2.0 * values * values)
        require(need, f"models.{name}.hidden: a {m.type} network of sizes {sizes} "
                f"({values:,} weights) trained on {n:,} samples")
    per_run = 8.0 * (2 * max(network_values(m.type, [d, *m.hidden, k])
                             for m in cfg.models.values()) + 4 * n * k) + 2048
    require(per_run * cfg.runs * len(cfg.models),
            f"runs: {cfg.runs:,} runs of {len(cfg.models)} model(s), kept until the best "
            "is chosen,")
    horizon = cfg.forecast.horizon
    if isinstance(horizon, int):
        require(32.0 * horizon * len(cfg.models) * cfg.runs,
                f"forecast.horizon: a forecast of {horizon:,} steps")
    if cfg.forecast.intervals:   # the calibration forecasts and their values, kept per run
        steps = horizon if isinstance(horizon, int) else \
            len(data.index.get("test", ())) if horizon == "test" else 1
        origins = min(n, MAX_ERRORS + steps)
        require(32.0 * origins * steps * len(cfg.models) * cfg.runs,
                f"forecast.intervals: the calibration forecasts from {origins:,} origins, "
                f"{steps:,} steps each,")


def _best_run(name: str, runs: list[ModelResult]) -> ModelResult:
    """The run of lowest selection perf (the first of equals: lowest seed), with a summary of
    every run when there are several. (Zero targets, left out of MAPE, are reported once per
    run by the output stage.)"""
    best = min(runs, key=lambda r: r.selection_perf)
    if len(runs) > 1:
        best.runs = [r.summary() for r in runs]
    return best


# the stop request of a worker process: set by its own signal handler, polled by its trainings
_WORKER_STOP = StopRequest()
# the watcher of a worker process's trainings (None: unwatched)
_WORKER_WATCH: list[Relay | None] = [None]


def _worker_setup(relay: Relay | None = None) -> None:
    """In a worker, Ctrl-C and SIGTERM ask its training to stop (the parent decides the rest);
    the worker ends when the parent dies. ``relay`` watches its trainings."""
    _WORKER_WATCH[0] = relay
    def stop(signum, frame):
        _WORKER_STOP.set()
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_with_parent()


def _fit_task(task, data: Dataset, horizon, levels: tuple[float, ...] = ()
              ) -> ModelResult | None:
    """One run in a worker process; None when a stop came before it started."""
    name, model_cfg, seed = task
    if _WORKER_STOP.is_set():
        return None
    relay = _WORKER_WATCH[0]
    return fit_model(name, model_cfg, data, seed, horizon=horizon,
                     should_stop=_WORKER_STOP.is_set,
                     watch=relay(name, seed) if relay else None, levels=levels)

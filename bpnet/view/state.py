"""The live page's data: the run as it stands, built on request from the training records.

:class:`RunState` knows the config (each model's layers, rule and limits) and holds one
:class:`Training` per model and run; each is the :class:`~bpnet.train.watch.Watch` of its
training. :meth:`RunState.status` is what ``/status`` answers, read from the records the loops
grow: the loops never wait on it.

Every stop condition of the training record is a bar (MATLAB's training window): its value,
its limit, and ``frac``, how far the value has gone from where training started toward the
limit (0 to 1; None where there is no limit). Epoch, time, validation checks and trainbr's
effective number of parameters are linear; performance, gradient and mu are measured in
decades, as the window draws them (a limit of 0 is taken as ten decades below the start).
"""
from __future__ import annotations

import math
import threading
import time

from bpnet.config import Config, ModelConfig
from bpnet.memory import network_values

# the row layout of bpnet.train.loop.Epoch
EPOCH, PERF, VPERF, TPERF, GRADIENT, VAL_FAIL = range(6)
RULE = 7
# the most points of a curve sent in one status (every k-th epoch beyond that)
CURVE_POINTS = 250
_ZERO_LIMIT_DECADES = 10.0


def _finite(x: float | None) -> float | None:
    """JSON has no NaN or infinity: None instead."""
    return x if x is None or isinstance(x, int) or math.isfinite(x) else None


def linear_frac(value: float, limit: float) -> float | None:
    """How far 0 -> ``value`` has gone toward ``limit`` (None without a finite limit)."""
    if not math.isfinite(limit) or limit <= 0:
        return None
    return min(max(value / limit, 0.0), 1.0)


def decades_frac(value: float, start: float, limit: float) -> float | None:
    """How far ``start`` -> ``value`` has gone toward ``limit``, in decades (either way)."""
    if not (math.isfinite(value) and math.isfinite(start)) or value <= 0 or start <= 0:
        return None
    if limit <= 0:
        limit = start * 10.0 ** -_ZERO_LIMIT_DECADES
    if not math.isfinite(limit) or limit == start:
        return None
    frac = math.log(value / start) / math.log(limit / start)
    return min(max(frac, 0.0), 1.0)


def _bar(name: str, start, value, limit, frac: float | None, scale: str = "linear") -> dict:
    return {"name": name, "start": _finite(start), "value": _finite(value),
            "limit": _finite(limit), "frac": frac, "scale": scale}


class Training:
    """One training of one model (one run): the Watch the loop hands its record to."""

    def __init__(self, run: int, seed: int) -> None:
        self.run, self.seed = run, seed
        self.rows: list[tuple] | None = None
        self.columns: tuple[str, ...] = ()
        self.start = 0.0
        self.outcome: tuple[str, int, float] | None = None
        self._best = (0, math.inf)    # (epoch, its value) of the rows looked at so far
        self._looked = 0
        self.run_ended = False
        self._final: dict | None = None   # the status of a finished training never changes

    def started(self, rows: list[tuple], columns: tuple[str, ...], start: float) -> None:
        self.columns, self.start = columns, start
        self.rows = rows

    def finished(self, reason: str, best_epoch: int, seconds: float) -> None:
        self.outcome = (reason, best_epoch, seconds)

    @property
    def state(self) -> str:
        if self.outcome is not None:
            return "done"
        if self.rows is None:   # a stop skips the trainings not started yet
            return "not trained" if self.run_ended else "waiting"
        return "training"

    def best_epoch(self, rows: list[tuple], has_val: bool) -> int:
        """The loop's best epoch so far: the first of lowest val perf (training perf without
        a val part); only the rows not looked at before are looked at."""
        column = VPERF if has_val else PERF
        epoch, best = self._best
        for row in rows[self._looked:]:
            if row[column] < best:
                epoch, best = row[EPOCH], row[column]
        self._best, self._looked = (epoch, best), len(rows)
        return epoch

    def status(self, model: ModelState) -> dict:
        """This training as ``/status`` gives it."""
        if self._final is not None:
            return self._final
        out = {"run": self.run, "seed": self.seed, "state": self.state}
        if self.rows is None or not self.rows:
            return out
        rows = self.rows[:len(self.rows)]   # a snapshot: the loop appends meanwhile
        last = rows[-1]
        elapsed = self.outcome[2] if self.outcome else time.perf_counter() - self.start
        best = self.outcome[1] if self.outcome else self.best_epoch(rows, model.has_val)
        out.update(epoch=last[EPOCH], elapsed=elapsed, best_epoch=best,
                   bars=model.bars(rows[0], last, elapsed, self.columns),
                   curve=curve(rows, best), stop_reason=self.outcome and self.outcome[0])
        if self.outcome is not None and len(rows) == len(self.rows):
            self._final = out
        return out


def curve(rows: list[tuple], best: int) -> dict:
    """The error curves of ``rows``: every k-th epoch (k a power of two, so that the points
    stay put as training goes on), the last and the best; NaN as None."""
    step = 1
    while len(rows) > step * CURVE_POINTS:
        step *= 2
    picked = rows[::step]
    if picked[-1] is not rows[-1]:
        picked.append(rows[-1])
    if best % step and best < len(rows):
        picked.append(rows[best])
        picked.sort(key=lambda r: r[EPOCH])
    isfinite = math.isfinite
    return {"epoch": [r[EPOCH] for r in picked],
            **{name: [r[i] if isfinite(r[i]) else None for r in picked]
               for name, i in (("train", PERF), ("val", VPERF), ("test", TPERF))}}


class ModelState:
    """One model of the config: its layers, rule and limits, and its trainings."""

    def __init__(self, name: str, m: ModelConfig, inputs: int, outputs: int, has_val: bool,
                 seeds: list[int]) -> None:
        self.name, self.cfg, self.has_val = name, m, has_val
        self.sizes = [inputs, *m.hidden, outputs]
        self.trainings = {seed: Training(i + 1, seed) for i, seed in enumerate(seeds)}
        self.pictures: list[str] = []

    def layers(self) -> list[dict]:
        """Input, each hidden layer (size, transfer function, whether it is recurrent or
        gated), output."""
        m = self.cfg
        kind = {"feedforward": None, "elman": "recurrent"}.get(m.type, m.type.upper())
        transfer = list(m.transfer)
        hidden = [{"name": f"Hidden {i + 1}" if len(m.hidden) > 1 else "Hidden", "size": size,
                   "transfer": transfer[i] if i < len(transfer) - 1 else None, "kind": kind}
                  for i, size in enumerate(m.hidden)]
        return [{"name": "Input", "size": self.sizes[0]}, *hidden,
                {"name": "Output", "size": self.sizes[-1], "transfer": transfer[-1]}]

    def bars(self, first: tuple, last: tuple, elapsed: float, columns: tuple[str, ...]
             ) -> list[dict]:
        """The stop conditions of the training record, from its first and last rows."""
        tc = self.cfg.train
        rule = dict(zip(columns, last[RULE]))
        rule0 = dict(zip(columns, first[RULE]))
        bars = [_bar("Epoch", 0, last[EPOCH], tc.epochs, linear_frac(last[EPOCH], tc.epochs)),
                _bar("Time", 0, elapsed, tc.time, linear_frac(elapsed, tc.time)),
                _bar("Performance", first[PERF], last[PERF], tc.goal,
                     decades_frac(last[PERF], first[PERF], tc.goal), "log"),
                _bar("Gradient", first[GRADIENT], last[GRADIENT], tc.min_grad,
                     decades_frac(last[GRADIENT], first[GRADIENT], tc.min_grad), "log")]
        if "mu" in rule:
            bars.append(_bar("Mu", rule0["mu"], rule["mu"], tc.mu_max,
                             decades_frac(rule["mu"], rule0["mu"], tc.mu_max), "log"))
        if "gamk" in rule:
            weights = network_values(self.cfg.type, self.sizes)
            bars.append(_bar("Effective # Param", 0, rule["gamk"], weights,
                             linear_frac(rule["gamk"], weights)))
            bars.append(_bar("Sum Squared Param", rule0["ssX"], rule["ssX"], None, None))
        if "lr" in rule and math.isfinite(rule["lr"]):
            bars.append(_bar("Learning rate", rule0["lr"], rule["lr"], None, None))
        if self.has_val and tc.max_fail > 0:
            bars.append(_bar("Validation Checks", 0, last[VAL_FAIL], tc.max_fail,
                             linear_frac(last[VAL_FAIL], tc.max_fail)))
        return bars

    def status(self) -> dict:
        m = self.cfg
        return {"name": self.name, "type": m.type, "layers": self.layers(),
                "algorithm": m.train.algorithm, "perform": m.train.perform or "mse",
                "trainings": [t.status(self) for t in self.trainings.values()],
                "pictures": self.pictures}


class RunState:
    """The whole run as the page shows it: its models and their trainings, and what stage the
    run is in ("training", "writing", "written", "done" with its exit status)."""

    def __init__(self, config_name: str, out: str) -> None:
        self.models: dict[str, ModelState] = {}
        self.info = {"config": config_name, "out": out, "runs": 1}
        self.stage = "starting"
        self.stop_requested = False
        self.exit_status: int | None = None
        self.files: list[str] = []
        self.sweep = None   # a sweep's SweepState (bpnet.view.sweepstate)
        self.lock = threading.Lock()   # requests are served on several threads

    def configure(self, cfg: Config, inputs: int, outputs: int, has_val: bool) -> None:
        """The models of the resolved config ``cfg``, on data of ``inputs`` inputs and
        ``outputs`` targets, with or without a val part."""
        seeds = [cfg.seed + i for i in range(cfg.runs)]
        self.models = {name: ModelState(name, m, inputs, outputs, has_val, seeds)
                       for name, m in cfg.models.items()}
        self.info["runs"] = cfg.runs

    def watch(self, name: str, seed: int) -> Training:
        """The Watch of model ``name``'s training from ``seed``."""
        return self.models[name].trainings[seed]

    def ended(self, exit_status: int) -> None:
        """The run is over, with ``exit_status``."""
        for m in self.models.values():
            for t in m.trainings.values():
                t.run_ended = True
        if self.sweep is not None:
            self.sweep.runs_ended()
        self.exit_status = exit_status
        self.stage = "done"

    def written(self, files: list[str]) -> None:
        """The run's files are in the output folder: its pictures can be shown."""
        self.files = list(files)
        pictures = [f for f in files if f.endswith(".png")]
        for name, m in self.models.items():
            m.pictures = [f for f in pictures if f.partition("_")[2] == f"{name}.png"]
        self.stage = "written"

    def status(self) -> dict:
        """What ``/status`` answers."""
        with self.lock:   # one status at a time: the best-epoch scan is incremental
            models = [m.status() for m in self.models.values()]
        own = {n for m in self.models.values() for n in m.pictures}
        return {**self.info, "stage": self.stage, "stop_requested": self.stop_requested,
                "exit_status": self.exit_status, "models": models,
                "sweep": self.sweep and self.sweep.status(),
                "pictures": [f for f in self.files if f.endswith(".png") and f not in own]}

"""Compute stage of a sweep: its runs, each one task, on local worker processes or on a Dask
cluster (``dask.distributed``, an optional extra).

A task is one run of one cell: every model of the cell's config trained from one seed
(:func:`run_task`); it depends on the config, the samples and the seed only, so that its numbers
are the same on any engine and any number of workers, each of which runs BLAS on one thread.
The samples are read once, by the process that starts the sweep, and
shipped: to each local worker once when it starts, to each Dask worker once (a task of their
own that each worker fetches); a task carries its cell's config and its seed.
"""
from __future__ import annotations

import contextlib
import dataclasses
import logging
import multiprocessing
import os
import signal
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from bpnet.config import Config
from bpnet.data import Dataset
from bpnet.errors import InputError, show_warning
from bpnet.experiment import fit_model
from bpnet.report.sweepfiles import Row, model_row
from bpnet.storage.fileio import signals_held
from bpnet.workers import exit_with_parent


@dataclass(frozen=True)
class Task:
    """One run of one cell: ``cell`` counted from 1, ``run`` from 0, trained from ``seed``;
    ``data`` names the cell's samples among those shipped; ``keep``: the run's predictions
    come back with its rows."""

    cell: int
    run: int
    seed: int
    data: str
    keep: bool = False   # return the models' predictions too (sweep.combine: mean)


@dataclass(frozen=True)
class Engine:
    """Where the tasks run: ``jobs`` local processes (None: one per core), or a Dask
    scheduler at ``dask`` ("local": a LocalCluster of ``jobs`` worker processes here);
    ``client``: the scheduler's dask.distributed Client once :func:`reached`."""

    jobs: int | None = None
    dask: str | None = None
    client: object = dataclasses.field(default=None, compare=False, repr=False)

    def describe(self, tasks: int) -> str:
        n = self.workers(tasks)
        if self.dask == "local":
            return f"a Dask LocalCluster of {n} worker processes"
        if self.dask:
            return f"the Dask scheduler at {self.dask}"
        return f"{n} local process{'es' * (n > 1)}"

    def workers(self, tasks: int) -> int:
        return max(1, min(tasks, self.jobs or os.cpu_count() or 1))


# what a task gives back: a sweep.csv row per model, and (Task.keep) per model its predictions
# (Q, K) in original units under its name and its multi-step forecast under <name>_multistep
Output = tuple[list[Row], dict[str, np.ndarray]]
Done = Callable[[Task, Output], None]
LOST = ("the runs finished are recorded; run the same sweep again to go on from there")


def run_task(cfg: Config, data: Dataset, seed: int, run: int, keep: bool = False) -> Output:
    """Train every model of ``cfg`` from ``seed`` (as ``python run.py`` trains one run) ->
    one sweep.csv row per model and (``keep``) the models' predictions (:data:`Output`)."""
    rows, arrays = [], {}
    for name, m in cfg.models.items():
        r = fit_model(name, m, data, seed, horizon=cfg.forecast.horizon)
        rows.append(model_row(r, run))
        if keep:
            arrays[name] = r.predictions
            if r.multistep is not None:
                arrays[f"{name}_multistep"] = r.multistep
    return rows, arrays


def run_tasks(engine: Engine, tasks: Sequence[Task], configs: Sequence[Config],
              datasets: dict[str, Dataset], done: Done) -> None:
    """Run every task on ``engine``, calling ``done(task, rows)`` in this process as each
    finishes (in the order they finish). ``configs[cell - 1]`` is a cell's config."""
    if not tasks:
        return
    if engine.dask:
        _run_dask(engine, tasks, configs, datasets, done)
    else:
        _run_local(engine.workers(len(tasks)), tasks, configs, datasets, done)


# ---------------------------------------------------------------- local processes

_SHIPPED: dict = {}


def _start_worker(parent: int, configs: Sequence[Config], datasets: dict[str, Dataset]
                  ) -> None:
    """In a local worker: keep what was shipped; BLAS on one thread (it splits large products
    and solves over its threads, and the split changes their last bits; Dask's workers have
    one by default); Ctrl-C is the parent's to handle (it ends the workers), and the worker
    ends when the parent (process ``parent``) dies, at once when it is gone already (stopped
    while this worker started); a warning is one ``warning:`` line, as in the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warnings.showwarning = show_warning
    if hasattr(signal, "pthread_sigmask"):   # held by the parent while it started this worker
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    import scipy.linalg  # noqa: F401  (scipy's own OpenBLAS, loaded now to be limited too)
    threadpool_limits(1, user_api="blas")
    exit_with_parent()
    if os.getppid() != parent:   # ends as the parent's death would have ended it
        os.kill(os.getpid(), signal.SIGKILL)
    _SHIPPED.update(configs=configs, datasets=datasets)


def _local_task(t: Task) -> Output:
    return run_task(_SHIPPED["configs"][t.cell - 1], _SHIPPED["datasets"][t.data], t.seed, t.run,
                    t.keep)


def _run_local(jobs: int, tasks: Sequence[Task], configs: Sequence[Config],
               datasets: dict[str, Dataset], done: Done) -> None:
    """The tasks on ``jobs`` fresh worker processes (started, not forked: a fork of a process
    whose threads run would copy their locks as they are), even for one job. A stop waits
    while a worker is started (by ``submit``): cut short, the worker would be left out of
    active_children, and so not ended."""
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker,
                               initargs=(os.getpid(), list(configs), datasets))
    try:
        pending = {}
        for t in tasks:
            with signals_held():
                pending[pool.submit(_local_task, t)] = t
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for f in finished:
                done(pending.pop(f), f.result())
    except BrokenProcessPool:
        pool.shutdown(wait=False, cancel_futures=True)
        raise InputError(f"a sweep worker process died (killed, or out of memory); {LOST}") \
            from None
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        for child in multiprocessing.active_children():
            child.kill()
        # the pool's manager thread sees its workers gone and ends; joined here, it is not
        # woken again by the interpreter's exit through a pipe it has closed (a traceback)
        pool.shutdown(wait=True)
        raise
    pool.shutdown()


# ---------------------------------------------------------------- Dask

# a scheduler that does not answer within this many seconds is unreachable
CONNECT_SECONDS = 4

# Dask's defaults that cost CPU time and give a sweep nothing: a profiler thread that samples
# the running task's stack every 10 ms (a training's many small numpy calls make that a tenth
# of a core), the memory monitor's 100 ms polls, the event loop's 20 ms ticks and the system
# monitor's 500 ms polls in every process (together some 5 % of a core per idle worker), and
# work stealing, which moves tasks that are all alike. Set for the LocalCluster of --dask
# local; the README says how to start the processes of other machines with them.
QUIET_DASK = {"distributed.worker.profile.enabled": False,
              "distributed.worker.memory.monitor-interval": "1s",
              "distributed.admin.tick.interval": "1s",
              "distributed.admin.system-monitor.interval": "5s",
              "distributed.scheduler.work-stealing": False}


def local_cluster(workers: int):
    """A LocalCluster of ``workers`` processes of one thread each, started with
    :data:`QUIET_DASK`."""
    import dask
    from dask.distributed import LocalCluster
    with dask.config.set(QUIET_DASK):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                            dashboard_address=None, silence_logs=logging.ERROR)


def _dask_client():
    """dask.distributed's Client class, or an InputError saying how to install it."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise InputError("--dask: dask.distributed is not installed; install it with "
                         "python -m pip install -e '.[dask]'") from None
    return Client


@contextlib.contextmanager
def reached(engine: Engine) -> Iterator[Engine]:
    """``engine`` with its Dask scheduler (``--dask ADDRESS``) reached, before anything is
    written: within :data:`CONNECT_SECONDS`, else an InputError; its Client is closed at the
    end. Other engines as they are (a LocalCluster starts with the tasks)."""
    if not engine.dask or engine.dask == "local":
        yield engine
        return
    Client = _dask_client()
    try:
        client = Client(engine.dask, timeout=f"{CONNECT_SECONDS}s")
    except ValueError as exc:
        raise InputError(f"--dask {engine.dask}: not a scheduler's address ({exc}); give "
                         "one as tcp://host:8786, or 'local'") from None
    except (OSError, TimeoutError) as exc:
        raise InputError(f"--dask {engine.dask}: cannot reach a Dask scheduler there "
                         f"({exc}); start one with 'dask scheduler'") from None
    try:
        yield dataclasses.replace(engine, client=client)
    finally:
        client.close()


@contextlib.contextmanager
def _client(engine: Engine, tasks: int):
    """A dask.distributed Client of the engine's scheduler: the one :func:`reached` opened,
    or a LocalCluster's for "local" (closed with it at the end)."""
    if engine.client is not None:
        yield engine.client
        return
    if engine.dask != "local":
        with reached(engine) as connected:
            yield connected.client
        return
    Client = _dask_client()
    cluster = local_cluster(engine.workers(tasks))
    try:
        with Client(cluster) as client:
            yield client
    finally:
        cluster.close()


def _samples(data: Dataset) -> Dataset:
    """A Dask task that holds a sweep's samples on the workers that need them."""
    return data


def _run_dask(engine: Engine, tasks: Sequence[Task], configs: Sequence[Config],
              datasets: dict[str, Dataset], done: Done) -> None:
    with _client(engine, len(tasks)) as client:
        _submit_all(client, tasks, configs, datasets, done)


def _submit_all(client, tasks: Sequence[Task], configs: Sequence[Config],
                datasets: dict[str, Dataset], done: Done) -> None:
    from dask.distributed import as_completed
    from distributed.scheduler import KilledWorker
    futures: dict = {}
    try:
        token = uuid.uuid4().hex[:12]
        # the samples as a task of their own (not scattered): a worker fetches them once, and
        # when every worker holding them dies the scheduler makes them again from the task
        shipped = {key: client.submit(_samples, d, key=f"bpnet-data-{token}-{i}", pure=False)
                   for i, (key, d) in enumerate(datasets.items())}
        for t in tasks:
            f = client.submit(run_task, configs[t.cell - 1], shipped[t.data], t.seed, t.run,
                              t.keep, key=f"bpnet-sweep-{token}-{t.cell}-{t.run}", pure=False)
            futures[f.key] = (f, t)
        for f in as_completed([f for f, _ in futures.values()]):
            done(futures[f.key][1], f.result())
    except KilledWorker as exc:
        client.cancel([f for f, _ in futures.values()])
        raise InputError(f"--dask: a task's workers died one after another ({exc}); {LOST}") \
            from None
    except BaseException:
        # stopping: what the scheduler of a LocalCluster says of the client leaving is noise
        logging.getLogger("distributed").setLevel(logging.CRITICAL + 1)
        client.cancel([f for f, _ in futures.values()])
        raise

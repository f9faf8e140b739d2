"""Speed of bpnet's training epochs, and how they scale.

    python benchmarks/bench.py            # the epoch table and the scale table
    python benchmarks/bench.py --torch    # ... with PyTorch's time for the same shapes beside it
    python benchmarks/bench.py --quick    # fewer repetitions and sizes, for a smoke test
    python benchmarks/bench.py --no-scale --no-sweep   # the epoch and rule tables only
    python benchmarks/bench.py --end-to-end   # only the end-to-end table (CSV to pictures)

Everything runs on one thread (BLAS and PyTorch), in float64, in this one process (the sweep
table: in worker processes too). Times are the
fastest of several repetitions of many epochs; memory is the peak that tracemalloc sees during
training (numpy reports its arrays to it), over the data already loaded. The end-to-end table
runs each size in a fresh process (:mod:`e2e`): wall seconds of each stage, peak resident memory.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import scipy.linalg
import yaml
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bpnet.config import TrainConfig, build_config  # noqa: E402
from bpnet.data import dataset as data  # noqa: E402
from bpnet.nets.elman import ElmanNet  # noqa: E402
from bpnet.nets.feedforward import BPNet  # noqa: E402
from bpnet.nets.gated import GatedNet  # noqa: E402
from bpnet.train import loop as training  # noqa: E402
from bpnet.train.objective import NetObjective  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
GDX = TrainConfig(algorithm="traingdx", epochs=0, show=0, min_grad=0.0)


def passengers(lags: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The scaled training part (70 %, block) of the passengers samples with these lags."""
    raw = {"data": {"path": str(ROOT / "data/airline_passengers.csv"), "series": "passengers",
                    "time": "month", "lags": lags, "month": lags == [1]},
           "split": {"method": "block", "train": 0.7, "val": 0.0, "test": 0.3},
           "models": {"m": {"type": "feedforward"}}}
    ds = data.load(build_config(raw, "bench"), np.random.default_rng(0))
    return ds.scaled("train")


def timed(fn, repeat: int) -> float:
    """Fastest seconds of fn() over ``repeat`` calls, after one call to warm up: the least
    disturbed by whatever else the machine does."""
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def init(net, X):
    net.init_weights("nguyen-widrow", np.random.default_rng(0),
                     np.column_stack([X.min(axis=0), X.max(axis=0)]))
    return net.theta.copy()


def bpnet_run(net, X, Y, epochs: int):
    """A function that trains ``epochs`` traingdx epochs through the shared loop."""
    theta0 = init(net, X)
    p = TrainConfig(**{**GDX.__dict__, "epochs": epochs})
    return lambda: training.train(NetObjective(net, X, Y), theta0, p)


def bare_run(net, X, Y, epochs: int):
    """A function that runs ``epochs`` of forward, backward and a momentum update, with no loop
    machinery at all."""
    theta0 = init(net, X)

    def run():
        net.theta[:] = theta0
        dX = np.zeros_like(theta0)
        for _ in range(epochs):
            _, cache = net.loss(X, Y)
            dX = 0.9 * dX - 0.1 * 0.01 * net.flat_grad(cache)
            net.theta += dX
    return run


def bpnet_epoch(net, X, Y, epochs: int, repeat: int) -> float:
    """Seconds per traingdx epoch through the shared training loop."""
    return timed(bpnet_run(net, X, Y, epochs), repeat) / epochs


def paired(a, b, repeat: int) -> tuple[float, float]:
    """Fastest seconds of a() and of b(), their repetitions interleaved so that both see the
    same machine."""
    a(), b()
    ta, tb = [], []
    for _ in range(repeat):
        for fn, times in ((a, ta), (b, tb)):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
    return min(ta), min(tb)


def torch_epoch(kind: str, X, Y, hidden, epochs: int, repeat: int) -> float:
    """Seconds per epoch of the usual PyTorch full-batch training of the same shapes."""
    import torch
    torch.set_num_threads(1)
    dtype = torch.float64
    x, y = torch.from_numpy(X), torch.from_numpy(Y)
    if kind == "bp":
        layers, sizes = [], [X.shape[1], *hidden]
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [torch.nn.Linear(a, b, dtype=dtype), torch.nn.Tanh()]
        model = torch.nn.Sequential(*layers, torch.nn.Linear(sizes[-1], Y.shape[1], dtype=dtype))
        params = list(model.parameters())
        forward = lambda: model(x)  # noqa: E731
    else:
        cls = {"elman": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
        rnn = cls(X.shape[1], hidden[0], dtype=dtype)
        out = torch.nn.Linear(hidden[0], Y.shape[1], dtype=dtype)
        params = list(rnn.parameters()) + list(out.parameters())
        seq = x[:, None, :]
        forward = lambda: out(rnn(seq)[0][:, 0, :])  # noqa: E731
    opt = torch.optim.SGD(params, lr=0.01, momentum=0.9)
    loss_fn = torch.nn.MSELoss()

    def run():
        for _ in range(epochs):
            opt.zero_grad()
            loss = loss_fn(forward(), y)
            loss.backward()
            opt.step()
    return timed(run, repeat) / epochs


def epoch_table(use_torch: bool, quick: bool) -> list[tuple]:
    repeat, n = (3, 200) if quick else (7, 1000)
    X12, Y12 = passengers(list(range(1, 13)))
    X2, Y2 = passengers([1])
    Xe, Ye = passengers([1])
    Xe, Ye = np.vstack([Xe, Xe])[:100], np.vstack([Ye, Ye])[:100]   # 100 steps
    cases = [
        ("BP 12-10-10-1, lags 1-12", lambda: BPNet([12, 10, 10, 1], ["tansig"] * 2 + ["purelin"]),
         X12, Y12, "bp", [10, 10], n),
        ("BP 2-10-10-1, month + lag 1", lambda: BPNet([2, 10, 10, 1], ["tansig"] * 2 +
                                                      ["purelin"]), X2, Y2, "bp", [10, 10], n),
        ("Elman 2-32-1, 100 steps", lambda: ElmanNet(2, 32, 1), Xe, Ye, "elman", [32], n // 5),
        ("LSTM 2-32-1, 100 steps", lambda: GatedNet("lstm", 2, 32, 1), Xe, Ye, "lstm", [32],
         n // 10),
        ("GRU 2-32-1, 100 steps", lambda: GatedNet("gru", 2, 32, 1), Xe, Ye, "gru", [32],
         n // 10),
    ]
    rows = []
    warm_up = time.perf_counter() + 1.0   # let the processor reach its working clock first
    while time.perf_counter() < warm_up:
        bpnet_run(cases[0][1](), cases[0][2], cases[0][3], 50)()
    for name, make, X, Y, kind, hidden, epochs in cases:
        ours, bare = paired(bpnet_run(make(), X, Y, epochs), bare_run(make(), X, Y, epochs),
                            repeat)
        ours, bare = ours / epochs, bare / epochs
        theirs = torch_epoch(kind, X, Y, hidden, epochs, repeat) if use_torch else None
        rows.append((name, f"{len(X)}", f"{ours * 1e6:.1f}", f"{bare * 1e6:.1f}",
                     f"{ours / bare - 1:+.0%}",
                     f"{theirs * 1e6:.1f}" if theirs else "-",
                     f"{ours / theirs:.2f}" if theirs else "-"))
    return rows


def rule_epoch(make, X, Y, algorithm: str, epochs: int, repeat: int) -> tuple[float, int]:
    """Seconds per epoch of ``algorithm`` through the shared loop, and the epochs timed (trainlm
    and trainbr may stop before ``epochs`` at mu_max)."""
    net = make()
    theta0 = init(net, X)
    p = TrainConfig(algorithm=algorithm, epochs=epochs, show=0, min_grad=0.0)
    done = []

    def run():
        done.append(training.train(NetObjective(net, X, Y), theta0, p).epochs)
    return timed(run, repeat) / max(done[-1], 1), done[-1]


def rules_table(quick: bool) -> list[tuple]:
    """Milliseconds per epoch of the Jacobian rules and trainscg beside traingdx's."""
    repeat = 2 if quick else 5
    X12, Y12 = passengers(list(range(1, 13)))
    Xe, Ye = passengers([1])
    Xe, Ye = np.vstack([Xe, Xe])[:100], np.vstack([Ye, Ye])[:100]   # 100 steps
    cases = [("BP 12-10-10-1, lags 1-12", lambda: BPNet([12, 10, 10, 1], ["tansig"] * 2 +
                                                        ["purelin"]), X12, Y12, 1),
             ("Elman 2-32-1, T = 100", lambda: ElmanNet(2, 32, 1), Xe, Ye, 4)]
    rows = []
    for name, make, X, Y, slow in cases:
        base = None
        for algorithm, epochs in (("traingdx", 200), ("trainlm", 20), ("trainbr", 20),
                                  ("trainscg", 200)):
            epochs = max(2, epochs // slow // (4 if quick else 1))
            with warnings.catch_warnings():   # trainlm's J'J of the Elman net is near singular
                warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
                seconds, done = rule_epoch(make, X, Y, algorithm, epochs, repeat)
            base = base or seconds
            rows.append((name, str(len(X)), str(make().theta.size), algorithm, str(done),
                         f"{seconds * 1e3:.3f}", f"{seconds / base:.1f}"))
    return rows


def matmul_only(net: BPNet, X: np.ndarray, Y: np.ndarray, repeat: int) -> float:
    """Seconds of the matrix products of one forward and backward pass alone, on the arrays
    the real pass makes (the same shapes, the same memory layout)."""
    cache = net._forward(X, Y, None, Y.size)
    acts, nets = cache.acts, cache.nets
    Ws = [net.params[f"W{l}"] for l in range(1, len(acts))]
    dn = [np.ones_like(n) for n in nets]

    def products():
        for l, W in enumerate(Ws):
            acts[l] @ W.T                       # forward
            dn[l].T @ acts[l]                    # dW
            if l > 0:
                dn[l] @ W                        # error to the layer below
    return timed(products, repeat)


def scale_table(quick: bool) -> list[tuple]:
    rng = np.random.default_rng(0)
    rows = []
    # the Elman rows first: the large BP runs leave the machine slower for a while
    for t in ([100, 1_000] if quick else [100, 1_000, 10_000]):
        X, Y = rng.normal(size=(t, 2)), rng.normal(size=(t, 1))
        epochs = max(3, 20_000 // t)
        per_epoch = bpnet_epoch(ElmanNet(2, 32, 1), X, Y, epochs, 3)
        peak = peak_memory(lambda X=X, Y=Y: bpnet_epoch(ElmanNet(2, 32, 1), X, Y, 2, 1))
        rows.append((f"Elman 2-32-1, T = {t:,}", f"{per_epoch:.4g}", "-", "-",
                     f"{(X.nbytes + Y.nbytes) / 2**20:.2f}", f"{peak / 2**20:.2f}"))
    sizes = [1_000, 10_000, 100_000] if quick else [1_000, 10_000, 100_000, 1_000_000]
    for n in sizes:
        X, Y = rng.normal(size=(n, 20)), rng.normal(size=(n, 1))
        net = BPNet([20, 64, 64, 1], ["tansig", "tansig", "purelin"])
        epochs = max(3, min(200, 2_000_000 // n))
        repeat = 3
        per_epoch = bpnet_epoch(net, X, Y, epochs, repeat)
        mm = matmul_only(net, X, Y, repeat)
        peak = peak_memory(lambda net=net, X=X, Y=Y: bpnet_epoch(net, X, Y, 2, 1))
        rows.append((f"BP 20-64-64-1, N = {n:,}", f"{per_epoch:.4g}", f"{mm:.4g}",
                     f"{per_epoch / mm:.2f}", f"{(X.nbytes + Y.nbytes) / 2**20:.1f}",
                     f"{peak / 2**20:.1f}"))
    return rows[-len(sizes):] + rows[:-len(sizes)]


def sweep_config(folder: Path, epochs: int) -> Path:
    """configs/passengers_sweep.yaml as a sweep of 4 learning rates x 10 runs whose runs all
    train ``epochs`` epochs (no early stop)."""
    raw = yaml.safe_load((ROOT / "configs/passengers_sweep.yaml").read_text())
    raw["data"]["path"] = str(ROOT / "data/airline_passengers.csv")
    raw["train"].update(epochs=epochs, max_fail=10 ** 9, min_grad=0.0)
    raw["sweep"] = {"grid": {"train.lr": [0.01, 0.02, 0.03, 0.04]}, "runs": 10,
                    "select": "val"}
    path = folder / "sweep.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def sweep_table(quick: bool) -> list[tuple]:
    """Runs per second of a sweep of 40 runs of about 0.5 s (0.02 s with ``quick``) on 1 and 2
    local processes and on a LocalCluster of two Dask workers (started beforehand: its
    start-up is not a task's cost), and the Dask overhead per task, relative to a run; each
    the best of 3 sweeps (1 with ``quick``)."""
    import importlib
    import tempfile

    from bpnet.config.sweepspec import load_sweep
    from bpnet.engines import Engine, local_cluster
    from bpnet.sweep import run_sweep
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        probe_epochs = 50 if quick else 1000
        probe = load_sweep(sweep_config(folder, probe_epochs))
        t = time.perf_counter()
        run_sweep(probe, folder / "probe", Engine(jobs=1), plots=False)
        per_epoch = (time.perf_counter() - t) / 40 / probe_epochs
        run_s = 0.02 if quick else 0.5
        repeat = 1 if quick else 3
        sweep = load_sweep(sweep_config(folder, max(10, round(run_s / per_epoch))))

        def timed_sweep(engine: Engine, name: str) -> float:
            """The least of ``repeat`` whole sweeps (timeit's rule: the others were slowed by
            what else ran), each into a fresh folder."""
            best = math.inf
            for i in range(repeat):
                t = time.perf_counter()
                run_sweep(sweep, folder / f"{name}{i}", engine, plots=False)
                best = min(best, time.perf_counter() - t)
            return best
        one = timed_sweep(Engine(jobs=1), "one")
        two = timed_sweep(Engine(jobs=2), "two")
        run = one / 40   # a run's seconds, start-up and writing included
        rows = [("local, 1 process", f"{one:.1f}", f"{40 / one:.2f}", "1.00", "-"),
                ("local, 2 processes", f"{two:.1f}", f"{40 / two:.2f}", f"{one / two:.2f}", "-")]
        try:
            from dask.distributed import Client
        except ImportError:
            return rows + [("Dask LocalCluster, 2 workers", "-", "not installed", "-", "-")]
        # the LocalCluster that --dask local starts
        with local_cluster(2) as cluster, Client(cluster) as client:
            # the workers import bpnet once, as local workers do when they start
            client.run(importlib.import_module, "bpnet.engines")
            dask = timed_sweep(Engine(dask=cluster.scheduler_address), "dask")
        # what a task costs on Dask beyond the same task on a local process, both engines
        # running two at a time
        extra = (dask - two) * 2 / 40
        rows.append(("Dask LocalCluster, 2 workers", f"{dask:.1f}", f"{40 / dask:.2f}",
                     f"{one / dask:.2f}", f"{extra * 1000:+.0f} ms ({extra / run:+.1%})"))
        return rows


def peak_memory(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def table(head, rows) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    fmt = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa
    return "\n".join([fmt(head), fmt(["-" * w for w in widths]), *map(fmt, rows)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch", action="store_true", help="time PyTorch on the same shapes")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and sizes")
    parser.add_argument("--no-scale", action="store_true", help="skip the scale table")
    parser.add_argument("--no-sweep", action="store_true", help="skip the sweep table")
    parser.add_argument("--end-to-end", action="store_true",
                        help="only the end-to-end table: a generated CSV to every picture")
    args = parser.parse_args()
    if args.end_to_end:
        import e2e
        print(e2e.report(args.quick))
        return
    threadpool_limits(1, user_api="blas")   # one thread, as PyTorch gets below
    torch_version = ""
    if args.torch:
        try:
            import torch
            torch_version = f", PyTorch {torch.__version__}"
        except ImportError:
            parser.error("--torch: PyTorch is not installed")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, numpy {np.__version__}{torch_version}; "
          "one thread, float64\n")
    print("Microseconds per traingdx epoch (bpnet: the shared loop; bare: forward, backward and "
          "a momentum update alone)\n")
    print(table(("network", "samples", "bpnet us", "bare us", "loop cost", "PyTorch us",
                 "bpnet/PyTorch"), epoch_table(args.torch, args.quick)))
    print("\nMilliseconds per epoch of each rule through the shared loop (trainlm and trainbr: "
          "the Jacobian and its linear systems; trainscg: two gradients and a forward pass)\n")
    print(table(("network", "samples", "weights", "rule", "epochs", "ms/epoch", "x traingdx"),
                rules_table(args.quick)))
    if not args.no_scale:
        print("\nScale: seconds per traingdx epoch; the matrix products of one forward and "
              "backward pass alone (whole-data products); the data's size and the peak memory "
              "that training adds to it\n")
        print(table(("network", "s/epoch", "products s", "ratio", "data MiB", "training MiB"),
                    scale_table(args.quick)))
    if not args.no_sweep:
        print("\nSweep: 40 runs of passengers_sweep.yaml (4 learning rates x 10 seeds, no early "
              "stop), whole sweeps; Dask's overhead per task: its time beyond the same task's on "
              "two local processes, and that relative to a run\n")
        print(table(("engine", "sweep s", "runs/s", "speed-up", "Dask overhead/task"),
                    sweep_table(args.quick)))


if __name__ == "__main__":
    main()

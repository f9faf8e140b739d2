"""What the live page (--view) costs training: the demo's training seconds with and without it.

    python benchmarks/view_cost.py                 # 5 repeats of each, configs/passengers.yaml
    python benchmarks/view_cost.py --repeat 9 --config configs/passengers_rules2.yaml

"with the page" is what ``run.py CONFIG --view`` does while a browser shows the page: every
training watched, the page's server running on its thread, and a client polling ``/status``
four times a second (as the page does) for the whole run. "without" trains the same config
untouched. The two alternate, ``--repeat`` times each, in this process (no interpreter start
in the figures); the figure is the sum of every model's training seconds (the loops' own
clock). The minimum is the cost on an idle machine, the median what a user sees. Never
asserted in a test: timings belong to the machine.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bpnet import api  # noqa: E402
from bpnet.data import dataset  # noqa: E402
from bpnet.view.server import ViewServer  # noqa: E402
from bpnet.view.state import RunState  # noqa: E402

POLL_EVERY = 0.25   # seconds, as the page (bpnet/view/page/view.js)


def _poll(url: str, done: threading.Event, answers: list[int]) -> None:
    while not done.wait(POLL_EVERY):
        with urllib.request.urlopen(url, timeout=10) as r:
            answers.append(len(r.read()))


def train_seconds(cfg, data, view: bool) -> tuple[float, int]:
    """(every model's training seconds summed, how many /status answers were polled)."""
    if not view:
        result = api.execute(cfg, data, write=False, jobs=1)
        return sum(r.train.seconds for r in result.results), 0
    state = RunState("bench", "-")
    state.configure(cfg, data.X.shape[1], data.Y.shape[1], "val" in data.index)
    with tempfile.TemporaryDirectory() as tmp:
        server = ViewServer(state, Path(tmp), lambda: False).start()
        done, answers = threading.Event(), []
        poller = threading.Thread(target=_poll, args=(server.url.replace("/?", "/status?"),
                                                      done, answers))
        poller.start()
        try:
            result = api.execute(cfg, data, write=False, jobs=1, watching=state.watch)
        finally:
            done.set()
            poller.join()
            server.close()
    return sum(r.train.seconds for r in result.results), len(answers)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=str(ROOT / "configs" / "passengers.yaml"))
    ap.add_argument("--repeat", type=int, default=5, help="runs of each (default 5)")
    args = ap.parse_args()
    cfg = api.configure(args.config, {"output.plots": False})
    data = dataset.load(cfg, np.random.default_rng(cfg.seed))
    cfg = dataset.resolved(cfg, data)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load average {load:.2f} at the start; {Path(args.config).name}, "
          f"{args.repeat} runs of each, alternating\n")
    times: dict[bool, list[float]] = {False: [], True: []}
    polls = []
    for _ in range(args.repeat):
        for view in (False, True):
            seconds, answers = train_seconds(cfg, data, view)
            times[view].append(seconds)
            polls += [answers] if view else []
    rows = [(view, min(t), statistics.median(t)) for view, t in times.items()]
    print("| training seconds | min | median |")
    print("| ---------------- | --- | ------ |")
    for view, lo, mid in rows:
        print(f"| {'with the page' if view else 'without':<16} | {lo:.3f} | {mid:.3f} |")
    base, watched = rows[0], rows[1]
    print(f"\ncost of the page: {100 * (watched[1] / base[1] - 1):+.1f} % (min), "
          f"{100 * (watched[2] / base[2] - 1):+.1f} % (median); {min(polls)}-{max(polls)} "
          "/status answers per watched run")
    return 0


if __name__ == "__main__":
    sys.exit(main())

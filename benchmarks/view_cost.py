"""What the live page (--view) costs training: the demo's training seconds with and without it.

    python benchmarks/view_cost.py                 # 5 repeats of each, configs/passengers.yaml
    python benchmarks/view_cost.py --repeat 9 --config configs/passengers_rules2.yaml

"with the page" is what ``run.py CONFIG --view`` does while a browser shows the page: every
training watched, the page's server running on its thread, and a client in another process
(as the browser is) polling ``/status`` four times a second, as the page does, for the whole
run. "without" trains the same config untouched. The two alternate, ``--repeat`` times each,
in this process (no interpreter start in the figures). Two figures: the sum of every model's
training seconds (the loops' own clock, wall time), and the CPU seconds this process spent
on the whole run (training, and with the page the server's answers too: on a busy machine
the steadier of the two). The minimum is the cost on an idle machine, the median what a user
sees. Last, what one answer costs, whatever the load: the CPU this process spends answering
``/status`` 200 times (the demo's two models trained), as the share of one core that four
answers a second take. Never asserted in a test: timings belong to the machine.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bpnet import api  # noqa: E402
from bpnet.data import dataset  # noqa: E402
from bpnet.view.server import ViewServer  # noqa: E402
from bpnet.view.state import RunState  # noqa: E402

# the browser: polls the page's data four times a second (bpnet/view/page/view.js) until its
# standard input closes, then prints how many answers it had
POLLER = """
import sys, threading, time, urllib.request
stop, answers = threading.Event(), 0
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
while not stop.wait(0.25):
    with urllib.request.urlopen(sys.argv[1], timeout=10) as r:
        r.read()
    answers += 1
print(answers)
"""


def run_once(cfg, data, view: bool) -> tuple[float, float, int]:
    """(every model's training seconds summed, this process's CPU seconds, how many /status
    answers the poller had)."""
    if not view:
        cpu = time.process_time()
        result = api.execute(cfg, data, write=False, jobs=1)
        return sum(r.train.seconds for r in result.results), time.process_time() - cpu, 0
    state = RunState("bench", "-")
    state.configure(cfg, data.X.shape[1], data.Y.shape[1], "val" in data.index)
    with tempfile.TemporaryDirectory() as tmp:
        server = ViewServer(state, Path(tmp), lambda: False).start()
        poller = subprocess.Popen([sys.executable, "-c", POLLER,
                                   server.url.replace("/?", "/status?")],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            cpu = time.process_time()
            result = api.execute(cfg, data, write=False, jobs=1, watching=state.watch)
            cpu = time.process_time() - cpu
        finally:
            answers = int(poller.communicate("")[0] or 0)
            server.close()
    return sum(r.train.seconds for r in result.results), cpu, answers


def answer_cpu(cfg, data, answers: int = 200) -> float:
    """CPU seconds this process spends on one /status answer of the run ``cfg``, trained."""
    state = RunState("bench", "-")
    state.configure(cfg, data.X.shape[1], data.Y.shape[1], "val" in data.index)
    api.execute(cfg, data, write=False, jobs=1, watching=state.watch)
    server = ViewServer(state, Path(tempfile.gettempdir()), lambda: False).start()
    client = ("import sys, urllib.request\nfor _ in range(int(sys.argv[2])):\n"
              "    urllib.request.urlopen(sys.argv[1]).read()")
    cpu = time.process_time()
    subprocess.run([sys.executable, "-c", client, server.url.replace("/?", "/status?"),
                    str(answers)], check=True)
    cpu = time.process_time() - cpu
    server.close()
    return cpu / answers


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
    runs: dict[bool, list[tuple[float, float, int]]] = {False: [], True: []}
    for _ in range(args.repeat):
        for view in (False, True):
            runs[view].append(run_once(cfg, data, view))
    print("| run           | training s min | median | CPU s min | median |")
    print("| ------------- | -------------- | ------ | --------- | ------ |")
    figures = {}
    for view, rs in runs.items():
        wall, cpu = [r[0] for r in rs], [r[1] for r in rs]
        figures[view] = (min(wall), statistics.median(wall), min(cpu), statistics.median(cpu))
        print(f"| {'with the page' if view else 'without':<13} | {figures[view][0]:14.3f} | "
              f"{figures[view][1]:6.3f} | {figures[view][2]:9.3f} | {figures[view][3]:6.3f} |")
    cost = [100 * (w / b - 1) for w, b in zip(figures[True], figures[False])]
    polls = [r[2] for r in runs[True]]
    print(f"\ncost of the page: training seconds {cost[0]:+.1f} % (min), {cost[1]:+.1f} % "
          f"(median); CPU seconds {cost[2]:+.1f} % (min), {cost[3]:+.1f} % (median); "
          f"{min(polls)}-{max(polls)} /status answers per watched run")
    per_answer = answer_cpu(cfg, data)
    print(f"one /status answer: {1000 * per_answer:.2f} ms of CPU; four a second: "
          f"{100 * 4 * per_answer:.1f} % of one core")
    return 0


if __name__ == "__main__":
    sys.exit(main())

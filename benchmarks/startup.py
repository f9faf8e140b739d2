"""Wall time of whole command-line runs, from start to exit, as a user waits for them.

    python benchmarks/startup.py              # 5 repeats of each command
    python benchmarks/startup.py --repeat 9

Each command runs in a fresh interpreter, ``--repeat`` times, one after the other (timeit
style: the minimum is the cost on an idle machine, the median what a user sees); the load
average before the first repeat says how busy the machine was. The demo writes into a
temporary folder. Never asserted in a test: timings belong to the machine.
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

ROOT = Path(__file__).resolve().parent.parent


def commands(out: str) -> list[tuple[str, list[str]]]:
    demo = ["configs/passengers.yaml", "--out", out, "--quiet"]
    return [
        ("run.py --version", ["--version"]),
        ("a config error (train.lr=-1)", ["configs/passengers.yaml", "--set", "train.lr=-1"]),
        ("the demo, --no-plots", [*demo, "--no-plots"]),
        ("the demo, --jobs 1 (pictures drawn in one process)", [*demo, "--jobs", "1"]),
        ("the demo (python run.py configs/passengers.yaml)", demo),
    ]


def wall_times(args: list[str], repeat: int) -> list[float]:
    """Seconds from start to exit of ``python run.py *args``, ``repeat`` times."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "run.py"), *args], cwd=ROOT, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="runs of each command (default 5)")
    args = ap.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; load average {load:.2f} at the start; "
          f"{args.repeat} runs of each\n")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, argv in commands(str(Path(tmp) / "out")):
            t = wall_times(argv, args.repeat)
            rows.append((name, min(t), statistics.median(t)))
    width = max(len(r[0]) for r in rows)
    print(f"| {'command':<{width}} | min s | median s |")
    print(f"| {'-' * width} | ----- | -------- |")
    for name, lo, mid in rows:
        print(f"| {name:<{width}} | {lo:5.2f} | {mid:8.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

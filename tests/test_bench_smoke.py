"""The benchmark script runs and prints its tables (it measures; nothing here asserts a time)."""
import subprocess
import sys


def test_benchmark_runs(root):
    out = subprocess.run([sys.executable, str(root / "benchmarks/bench.py"), "--quick",
                          "--no-scale"], capture_output=True, text=True, timeout=300, cwd=root)
    assert out.returncode == 0, out.stderr
    assert "BP 12-10-10-1, lags 1-12" in out.stdout and "Elman 2-32-1, 100 steps" in out.stdout
    rows = [line.split("|") for line in out.stdout.splitlines() if "| train" in line]
    assert {(r[1].strip(), r[4].strip()) for r in rows} == {
        (net, rule) for net in ("BP 12-10-10-1, lags 1-12", "Elman 2-32-1, T = 100")
        for rule in ("traingdx", "trainlm", "trainbr", "trainscg")}
    assert "| local, 1 process" in out.stdout and "| local, 2 processes" in out.stdout
    assert "| Dask LocalCluster, 2 workers" in out.stdout

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


def test_scale_table_products_run_on_the_real_pass(root):
    """The scale table's product timing takes the arrays of BPNet's own forward pass (the
    full table is too slow for the suite)."""
    import importlib.util

    import numpy as np
    spec = importlib.util.spec_from_file_location("bench", root / "benchmarks/bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(50, 3)), rng.normal(size=(50, 1))
    net = bench.BPNet([3, 4, 4, 1], ["tansig", "tansig", "purelin"])
    assert bench.matmul_only(net, X, Y, 1) > 0

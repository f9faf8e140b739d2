import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def numeric_grad(f, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Central differences of the scalar f() with respect to the array x, changed in place."""
    g = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        fp = f()
        x[i] = old - h
        fm = f()
        x[i] = old
        g[i] = (fp - fm) / (2 * h)
    return g


def numeric_jacobian(net, X: np.ndarray) -> np.ndarray:
    """d net.predict(X).ravel() / d net.theta by central differences, (N*K, P)."""
    n = net.predict(X).size
    return np.column_stack([numeric_grad(lambda i=i: net.predict(X).ravel()[i], net.theta)
                            for i in range(n)]).T


def predict_column_and_run_column(root, out, tmp_path, model="bp"):
    """``run.py predict`` of a run's saved model on the passengers data, and the run's own
    predictions of that model: (prediction column, predictions.csv column), as text."""
    from bpnet.cli import main
    assert main(["predict", str(out / f"model_{model}.npz"),
                 str(root / "data/airline_passengers.csv"), "--out", str(tmp_path / "p.csv")]) == 0
    ours = [line.split(",")[1] for line in (tmp_path / "p.csv").read_text().splitlines()[1:]]
    header = (out / "predictions.csv").read_text().splitlines()[0].split(",")
    j = header.index(model)
    theirs = [line.split(",")[j] for line in (out / "predictions.csv").read_text().splitlines()[1:]]
    return ours, theirs


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """||a - b|| / (||a|| + ||b||), 0 when both are zero."""
    a, b = np.ravel(a), np.ravel(b)
    den = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / den) if den > 0 else 0.0


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture
def root() -> Path:
    return ROOT

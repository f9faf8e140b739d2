"""Helpers shared by the tests: central differences, a relative error, the smallest networks
for hand-worked training examples (Square, Linear), and the predict-vs-run comparison of a saved
model."""
from pathlib import Path

import numpy as np

from bpnet.nets.elman import ElmanNet
from bpnet.nets.feedforward import BPNet

ROOT = Path(__file__).resolve().parents[1]


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


def numeric_jacobian(net, X: np.ndarray, theta: np.ndarray | None = None,
                     h: float = 1e-5) -> np.ndarray:
    """d net.predict(X).ravel() / d theta by central differences, (N*K, P), at ``theta`` (the
    net's own weights when None); the net keeps its weights."""
    theta = net.theta.copy() if theta is None else np.array(theta, dtype=float)
    saved = net.theta.copy()
    cols = []
    for i in range(theta.size):
        plus, minus = theta.copy(), theta.copy()
        plus[i] += h
        minus[i] -= h
        net.theta[:] = plus
        yp = net.predict(X).ravel()
        net.theta[:] = minus
        ym = net.predict(X).ravel()
        cols.append((yp - ym) / (2 * h))
    net.theta[:] = saved
    return np.column_stack(cols)


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """||a - b|| / (||a|| + ||b||), 0 when both are zero."""
    a, b = np.ravel(a), np.ravel(b)
    den = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / den) if den > 0 else 0.0



class Square:
    """perf(theta) = sum(theta^2): the smallest network there is, for hand-worked examples."""

    def __init__(self, n=1):
        self.theta = np.zeros(n)

    def loss(self, X, Y):
        with np.errstate(over="ignore"):
            return float(self.theta @ self.theta), None

    def flat_grad(self, cache):
        return 2.0 * self.theta


class Linear:
    """y = X theta with n weights: perf = mse, Jacobian X (or -X, to force every LM step to
    fail)."""

    def __init__(self, sign=1.0, n=1):
        self.theta = np.zeros(n)
        self.sign = sign

    def loss(self, X, Y):
        e = (Y - X @ self.theta[:, None]).ravel()
        return float(e @ e) / e.size, (X, e)

    def flat_grad(self, cache):
        X, e = cache
        return -2.0 / e.size * X.T @ e

    def jacobian(self, X):
        return X @ self.theta[:, None], self.sign * X


def regression_problem(kind: str, rng: np.random.Generator, n: int = 25, noise: float = 0.0):
    """A BP 2-5-4-1 ("bp") or Elman 2-4-1 ("elman") network and a smooth target with ``noise``:
    (net, X (n, 2), Y (n, 1), theta0 (P,) random weights)."""
    X = rng.normal(size=(n, 2))
    Y = np.sin(X[:, :1]) + 0.3 * X[:, 1:]
    if noise:
        Y = Y + noise * rng.normal(size=(n, 1))
    net = BPNet([2, 5, 4, 1], ["tansig", "tansig", "purelin"]) if kind == "bp" \
        else ElmanNet(2, 4, 1)
    return net, X, Y, rng.normal(scale=0.5, size=net.theta.size)


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

"""train.regularization (docs/semantics.md#regularisation, MATLAB's performParam.regularization):
perf,
gradient and
trainlm's residuals and Jacobian of (1 - r) mse + r mean(X^2), checked against central
differences and the closed-form minimum of a linear fit; vperf and tperf mixed alike."""
import numpy as np
import pytest
from helpers import Linear, numeric_grad, rel_error

from bpnet import experiment
from bpnet.config import TrainConfig, load_config
from bpnet.data import dataset as data
from bpnet.nets.elman import ElmanNet
from bpnet.nets.feedforward import BPNet
from bpnet.nets.gated import GatedNet
from bpnet.report import metrics
from bpnet.train import loop as training
from bpnet.train.objective import NetObjective

R = 0.3


def network(kind, rng):
    net = {"bp": lambda: BPNet([3, 5, 4, 2], ["tansig", "logsig", "purelin"]),
           "elman": lambda: ElmanNet(3, 4, 2),
           "lstm": lambda: GatedNet("lstm", 3, 3, 2)}[kind]()
    net.theta[:] = rng.normal(scale=0.5, size=net.theta.size)
    X, Y = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    return net, X, Y


@pytest.mark.parametrize("kind", ["bp", "elman", "lstm"])
def test_regularised_perf_and_its_gradient(kind, rng):
    net, X, Y = network(kind, rng)
    obj = NetObjective(net, X, Y, regularization=R)
    x = net.theta.copy()
    mse = NetObjective(net, X, Y).perf(x)
    assert obj.perf(x) == pytest.approx((1 - R) * mse + R * np.mean(x ** 2), rel=1e-15)
    g = obj.perf_and_gradient(x)[1]
    theta = x.copy()
    numeric = numeric_grad(lambda: obj.perf(theta), theta)
    assert rel_error(-g, numeric) < 1e-7
    assert obj.norm == pytest.approx(np.linalg.norm(numeric), rel=1e-7)


@pytest.mark.parametrize("kind", ["bp", "elman"])
def test_regularised_residuals_and_jacobian(kind, rng):
    """e'e = M perf (M errors), J = -de/dX, and -2 J'e/M is the regularised perf's gradient."""
    net, X, Y = network(kind, rng)
    obj = NetObjective(net, X, Y, regularization=R)
    x = net.theta.copy()
    e, J = obj.residuals_and_jacobian(x)
    M, P = Y.size, x.size
    assert e.shape == (M + P,) and J.shape == (M + P, P)
    assert e @ e == pytest.approx(M * obj.perf(x), rel=1e-13)
    theta = x.copy()
    numeric = np.column_stack([numeric_grad(lambda i=i: -obj.residuals_and_jacobian(theta)[0][i],
                                            theta) for i in range(M + P)]).T
    assert rel_error(J, numeric) < 1e-7
    obj.perf(x)
    assert rel_error(-2 * J.T @ e / M, -obj.gradient()) < 1e-12


def ridge(X, Y, r):
    """The minimum of (1 - r)|Y - X w|^2/N + r|w|^2/P: ((1 - r)/N X'X + r/P I) w = (1 - r)/N X'Y."""
    N, P = X.shape
    return np.linalg.solve((1 - r) / N * X.T @ X + r / P * np.eye(P), (1 - r) / N * X.T @ Y)


@pytest.mark.parametrize("algorithm, epochs", [("trainlm", 30), ("trainscg", 60),
                                               ("traingd", 3000)])
def test_rules_reach_the_regularised_minimum(algorithm, epochs, rng):
    X = rng.normal(size=(20, 3))
    Y = X @ np.array([[1.0], [-2.0], [0.5]]) + 0.1 * rng.normal(size=(20, 1))
    tc = TrainConfig(algorithm=algorithm, epochs=epochs, min_grad=1e-12, show=0,
                     regularization=0.6, **({"lr": 0.5} if algorithm == "traingd" else {}))
    r = training.train(NetObjective(Linear(n=3), X, Y, regularization=0.6), np.zeros(3), tc)
    expected = ridge(X, Y, 0.6)
    np.testing.assert_allclose(r.theta, expected.ravel(), rtol=1e-7)
    assert np.linalg.norm(expected) < 0.9 * np.linalg.norm(ridge(X, Y, 0.0))   # it shrinks


def test_r_equal_1_is_pure_weight_decay(rng):
    X, Y = rng.normal(size=(10, 2)), rng.normal(size=(10, 1))
    tc = TrainConfig(algorithm="trainlm", epochs=5, show=0, regularization=1.0)
    r = training.train(NetObjective(Linear(n=2), X, Y, regularization=1.0),
                       np.array([1.0, -1.0]), tc)
    assert np.abs(r.theta).max() < 1e-6


def test_vperf_and_tperf_are_mixed_alike(root):
    cfg = load_config(root / "configs/passengers.yaml",
                      ["split={method: block, train: 0.7, val: 0.15, test: 0.15}",
                       "train.regularization=0.2", "train.epochs=5", "train.show=0"])
    ds = data.load(cfg, np.random.default_rng(0))
    r = experiment.fit_model("bp", cfg.models["bp"], ds, 0)
    x = r.net.theta
    h = r.train.history
    k = r.train.best_epoch
    for part, column in (("val", "vperf"), ("test", "tperf")):
        Xs, Ys = ds.scaled(part)
        mixed = 0.8 * metrics.mse(r.net.predict(Xs), Ys) + 0.2 * np.mean(x ** 2)
        assert h[column][k] == pytest.approx(mixed, rel=1e-12)
        assert r.scores[part]["mse"] == pytest.approx(metrics.mse(r.net.predict(Xs), Ys))
    Xs, Ys = ds.scaled("train")
    assert h["perf"][k] == pytest.approx(0.8 * metrics.mse(r.net.predict(Xs), Ys)
                                         + 0.2 * np.mean(x ** 2), rel=1e-12)


def test_regularization_shrinks_the_weights_in_the_cli(root, tmp_path):
    from bpnet.cli import main
    sizes = []
    for r in (0.0, 0.5):
        out = tmp_path / str(r)
        assert main([str(root / "configs/passengers.yaml"), "--out", str(out), "--quiet",
                     "--no-plots", "--set", "models={bp: {type: feedforward, hidden: [10, 10]}}",
                     "--set", "train.algorithm=trainlm", "--set", "train.epochs=30",
                     "--set", f"train.regularization={r}"]) == 0
        with np.load(out / "model_bp.npz", allow_pickle=False) as z:
            sizes.append(sum(float(np.sum(z[k] ** 2)) for k in ("W1", "b1", "W2", "b2",
                                                               "W3", "b3")))
        assert f"regularization: {r}" in (out / "config.yaml").read_text()
    assert sizes[1] < 0.5 * sizes[0]

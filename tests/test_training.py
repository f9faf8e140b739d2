"""Golden tests of MATLAB's gradient-descent rules and the shared training loop (SPEC 6),
worked by hand on perf(X) = X^2 (so g = -2X), then checked against an independent step-by-step
implementation on a real BP network."""
import math

import numpy as np
import pytest

from bpnet.train import loop as training
from bpnet.config import TrainConfig
from bpnet.nets.feedforward import BPNet


class Square:
    """perf(X) = sum(X^2): the smallest network there is, for hand-worked examples."""

    def __init__(self, n=1):
        self.theta = np.zeros(n)

    def loss(self, X, Y):
        with np.errstate(over="ignore"):
            return float(self.theta @ self.theta), None

    def flat_grad(self, cache):
        return 2.0 * self.theta


def run(x0, epochs, **kw):
    kw.setdefault("show", 0)
    p = TrainConfig(epochs=epochs, **kw)
    obj = training.Objective(Square(len(np.atleast_1d(x0))), None, None)
    return training.train(obj, np.atleast_1d(np.array(x0, float)), p)


def test_traingdx_accepted_steps_with_momentum():
    # X0 = 1: perf 1, g = -2.  Step 1: dX = 0.9*(0.1*-2) + 0.1*0.1*-2 = -0.2 -> X = 0.8,
    # perf 0.64 < 1 so lr = 0.105.  Step 2: g = -1.6, dX = 0.9*-0.2 + 0.1*0.105*-1.6 = -0.1968.
    r = run(1.0, 2, algorithm="traingdx", lr=0.1)
    h = r.history
    assert h["lr"][0] == 0.1 and h["lr"][1] == pytest.approx(0.105, abs=1e-15)
    assert h["perf"][1] == pytest.approx(0.64, abs=1e-15)
    assert r.final_theta[0] == pytest.approx(0.8 - 0.1968, abs=1e-15)
    assert h["lr"][2] == pytest.approx(0.105 * 1.05, abs=1e-15)


def test_traingdx_rejected_step_keeps_weights_and_retries_plain_lr_g():
    # lr = 1.5: the trial X = 1 - 3 = -2 has perf 4 > 1.04: rejected, X stays 1, lr = 1.05.
    # The next trial step is exactly lr*g = -2.1 (X = -1.1, perf 1.21: rejected again, lr 0.735);
    # then -1.47: X = -0.47, perf 0.2209, accepted, lr = 0.735*1.05.
    r = run(1.0, 3, algorithm="traingdx", lr=1.5)
    h = r.history
    assert list(h["perf"]) == [1.0, 1.0, 1.0, pytest.approx(0.2209, abs=1e-14)]
    assert h["lr"][1] == pytest.approx(1.05, abs=1e-15)
    assert h["lr"][2] == pytest.approx(0.735, abs=1e-15)
    assert h["lr"][3] == pytest.approx(0.735 * 1.05, abs=1e-15)
    assert r.final_theta[0] == pytest.approx(1.0 - 1.47, abs=1e-15)


def test_traingdx_increase_within_max_perf_inc_is_accepted_without_lr_change():
    # lr = 1.005: X = 1 - 2.01 = -1.01, perf 1.0201 (+2 %): accepted, lr unchanged.
    r = run(1.0, 1, algorithm="traingdx", lr=1.005)
    assert r.final_theta[0] == pytest.approx(-1.01, abs=1e-15)
    assert r.history["perf"][1] == pytest.approx(1.0201, abs=1e-14)
    assert r.history["lr"][1] == 1.005
    # ... and the network returned is the best one, X0, not the last accepted one
    assert r.theta[0] == 1.0 and r.best_epoch == 0


def test_traingda_is_traingdx_without_momentum():
    # dX = lr*g every epoch: 1 -> 0.8 (lr 0.105) -> 0.8 - 0.105*1.6 = 0.632
    r = run(1.0, 2, algorithm="traingda", lr=0.1)
    assert r.final_theta[0] == pytest.approx(0.632, abs=1e-15)


def test_traingd_fixed_steps():
    # X <- X + 0.1*(-2X) = 0.8 X, lr constant, every step accepted
    r = run(1.0, 3, algorithm="traingd", lr=0.1)
    assert r.final_theta[0] == pytest.approx(0.8 ** 3, abs=1e-15)
    assert set(r.history["lr"]) == {0.1}


def test_traingdm_momentum_and_no_rejection():
    # dX1 = lr*g = -0.2 -> 0.8; dX2 = 0.9*-0.2 + 0.1*0.1*-1.6 = -0.196 -> 0.604
    r = run(1.0, 2, algorithm="traingdm", lr=0.1)
    assert r.final_theta[0] == pytest.approx(0.604, abs=1e-15)
    # a huge lr raises perf, and traingdm still accepts it
    r = run(1.0, 1, algorithm="traingdm", lr=5.0)
    assert r.final_theta[0] == pytest.approx(-9.0, abs=1e-15)


@pytest.mark.parametrize("kw, reason, epochs", [
    ({"goal": 0.5, "algorithm": "traingd", "lr": 0.1}, training.GOAL_MET, 2),   # .64^2 < .5
    ({"epochs": 3}, training.MAX_EPOCH, 3),
    ({"time": 1e-12}, training.MAX_TIME, 0),
    ({"min_grad": 1.0, "algorithm": "traingd", "lr": 0.1}, training.MIN_GRAD, 4),  # 2*.8^4<1
])
def test_each_stop_reason(kw, reason, epochs):
    kw.setdefault("epochs", 100)
    r = run(1.0, **kw)
    assert r.stop_reason == reason
    assert r.epochs == epochs
    assert len(r.history["epoch"]) == epochs + 1


def test_goal_is_checked_before_epochs():
    r = run(0.0, 0, goal=0.0)
    assert r.stop_reason == training.GOAL_MET


def test_validation_stop_and_best_network():
    # traingd with lr 0.1 gives X_k = 0.8^k; vperf = (X - 0.5)^2 is lowest at k = 3 (0.512)
    # then rises: val_fail reaches max_fail = 3 at epoch 6 and the best X is 0.512.
    p = TrainConfig(algorithm="traingd", lr=0.1, max_fail=3, show=0)
    obj = training.Objective(Square(), None, None)
    r = training.train(obj, np.array([1.0]), p, score=lambda X: ((X[0] - 0.5) ** 2, math.nan),
                       has_val=True)
    assert r.stop_reason == training.VALIDATION_STOP
    assert r.epochs == 6
    assert r.best_epoch == 3
    assert r.theta[0] == pytest.approx(0.512, abs=1e-15)
    assert list(r.history["val_fail"]) == [0, 0, 0, 0, 1, 2, 3]
    assert obj.net.theta[0] == r.theta[0]  # the network is left holding the best weights


def test_not_finite_performance_stops_and_keeps_best():
    r = run(1.0, 10, algorithm="traingd", lr=1e200)
    assert r.stop_reason == training.NOT_FINITE
    assert r.theta[0] == 1.0


def test_clip_norm_scales_the_gradient_down():
    obj = training.Objective(Square(2), None, None, clip_norm=1.0)
    perf, g = obj.evaluate(np.array([3.0, 4.0]))
    assert obj.norm == pytest.approx(10.0)
    assert np.linalg.norm(g) == pytest.approx(1.0)
    assert obj.clipped == 1
    obj.evaluate(np.array([0.1, 0.1]))  # short: left alone
    assert obj.clipped == 1


# ------------------------------------------------------------------ an independent implementation

def reference_training(net, X, Y, theta0, p: TrainConfig, epochs: int) -> np.ndarray:
    """SPEC 6 written out plainly, with dict gradients instead of the rule objects."""
    def evaluate(x):
        net.theta[:] = x
        perf, grads = net.loss_and_grads(X, Y)
        return perf, -np.concatenate([grads[k].ravel() for k in net.params])

    x = theta0.copy()
    lr, mc = p.lr, (0.0 if p.algorithm in ("traingd", "traingda") else p.mc)
    perf, g = evaluate(x)
    dx = lr * g
    for _ in range(epochs):
        if p.algorithm == "traingd":
            x = x + lr * g
            perf, g = evaluate(x)
            continue
        dx = mc * dx + (1 - mc) * lr * g
        if p.algorithm == "traingdm":
            x = x + dx
            perf, g = evaluate(x)
            continue
        net.theta[:] = x + dx
        perf2 = net.loss(X, Y)[0]
        if perf2 / perf > p.max_perf_inc:
            lr *= p.lr_dec
            dx = lr * g
        else:
            if perf2 < perf:
                lr *= p.lr_inc
            x = x + dx
            perf, g = evaluate(x)
    return x


@pytest.mark.parametrize("algorithm", ["traingd", "traingdm", "traingda", "traingdx"])
def test_rules_match_an_independent_implementation(algorithm, rng):
    net = BPNet([2, 6, 5, 1], ["tansig", "tansig", "purelin"])
    theta0 = rng.normal(scale=0.5, size=net.theta.size)
    X = rng.normal(size=(30, 2))
    Y = np.sin(X[:, :1]) + 0.3 * X[:, 1:]
    p = TrainConfig(algorithm=algorithm, epochs=200, lr=0.05, show=0, min_grad=0.0)
    expected = reference_training(net, X, Y, theta0, p, 200)
    r = training.train(training.Objective(net, X, Y), theta0, p)
    assert r.epochs == 200
    np.testing.assert_allclose(r.final_theta, expected, rtol=1e-12, atol=0)
    if algorithm == "traingdx":  # the run had both accepted and rejected steps
        assert np.any(np.diff(r.history["lr"]) < 0) and np.any(np.diff(r.history["lr"]) > 0)

"""Golden tests of MATLAB's gradient-descent rules and the shared training loop
(docs/semantics.md#training-rules), worked by hand on perf(theta) = theta^2 (so g = -2 theta), then
checked
against an independent step-by-step implementation on a real BP network."""
import math

import numpy as np
import pytest
from helpers import Square

from bpnet.config import TrainConfig
from bpnet.nets.feedforward import BPNet
from bpnet.train import loop as training
from bpnet.train import stops
from bpnet.train.objective import NetObjective
from bpnet.train.rules import RULES


def run(theta0, epochs, **kw):
    kw.setdefault("show", 0)
    tc = TrainConfig(epochs=epochs, **kw)
    obj = NetObjective(Square(len(np.atleast_1d(theta0))), None, None)
    return training.train(obj, np.atleast_1d(np.array(theta0, float)), tc)


def test_traingdx_accepted_steps_with_momentum():
    # theta0 = 1: perf 1, g = -2.  Step 1: dtheta = 0.9*(0.1*-2) + 0.1*0.1*-2 = -0.2, so
    # theta = 0.8, perf 0.64 < 1 and lr = 0.105.  Step 2: g = -1.6,
    # dtheta = 0.9*-0.2 + 0.1*0.105*-1.6 = -0.1968.
    r = run(1.0, 2, algorithm="traingdx", lr=0.1)
    h = r.history
    assert h["lr"][0] == 0.1 and h["lr"][1] == pytest.approx(0.105, abs=1e-15)
    assert h["perf"][1] == pytest.approx(0.64, abs=1e-15)
    assert r.final_theta[0] == pytest.approx(0.8 - 0.1968, abs=1e-15)
    assert h["lr"][2] == pytest.approx(0.105 * 1.05, abs=1e-15)


def test_traingdx_rejected_step_keeps_weights_and_retries_plain_lr_g():
    # lr = 1.5: the trial theta = 1 - 3 = -2 has perf 4 > 1.04: rejected, theta stays 1,
    # lr = 1.05. The next trial step is exactly lr*g = -2.1 (theta = -1.1, perf 1.21: rejected
    # again, lr 0.735); then -1.47: theta = -0.47, perf 0.2209, accepted, lr = 0.735*1.05.
    r = run(1.0, 3, algorithm="traingdx", lr=1.5)
    h = r.history
    assert list(h["perf"]) == [1.0, 1.0, 1.0, pytest.approx(0.2209, abs=1e-14)]
    assert h["lr"][1] == pytest.approx(1.05, abs=1e-15)
    assert h["lr"][2] == pytest.approx(0.735, abs=1e-15)
    assert h["lr"][3] == pytest.approx(0.735 * 1.05, abs=1e-15)
    assert r.final_theta[0] == pytest.approx(1.0 - 1.47, abs=1e-15)


def test_traingdx_increase_within_max_perf_inc_is_accepted_without_lr_change():
    # lr = 1.005: theta = 1 - 2.01 = -1.01, perf 1.0201 (+2 %): accepted, lr unchanged.
    r = run(1.0, 1, algorithm="traingdx", lr=1.005)
    assert r.final_theta[0] == pytest.approx(-1.01, abs=1e-15)
    assert r.history["perf"][1] == pytest.approx(1.0201, abs=1e-14)
    assert r.history["lr"][1] == 1.005
    # ... and the network returned is the best one, theta0, not the last accepted one
    assert r.theta[0] == 1.0 and r.best_epoch == 0


def test_traingda_is_traingdx_without_momentum():
    # dtheta = lr*g every epoch: 1 -> 0.8 (lr 0.105) -> 0.8 - 0.105*1.6 = 0.632
    r = run(1.0, 2, algorithm="traingda", lr=0.1)
    assert r.final_theta[0] == pytest.approx(0.632, abs=1e-15)


def test_traingd_fixed_steps():
    # theta <- theta + 0.1*(-2 theta) = 0.8 theta, lr constant, every step accepted
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
    ({"goal": 0.5, "algorithm": "traingd", "lr": 0.1}, stops.GOAL_MET, 2),   # .64^2 < .5
    ({"epochs": 3}, stops.MAX_EPOCH, 3),
    ({"time": 1e-12}, stops.MAX_TIME, 0),
    ({"min_grad": 1.0, "algorithm": "traingd", "lr": 0.1}, stops.MIN_GRAD, 4),  # 2*.8^4<1
])
def test_each_stop_reason(kw, reason, epochs):
    kw.setdefault("epochs", 100)
    r = run(1.0, **kw)
    assert r.stop_reason == reason
    assert r.epochs == epochs
    assert len(r.history["epoch"]) == epochs + 1


def test_goal_is_checked_before_epochs():
    r = run(0.0, 0, goal=0.0)
    assert r.stop_reason == stops.GOAL_MET


def test_validation_stop_and_best_network():
    # traingd with lr 0.1 gives theta_k = 0.8^k; vperf = (theta - 0.5)^2 is lowest at k = 3
    # (0.512) then rises: val_fail reaches max_fail = 3 at epoch 6 and the best theta is 0.512.
    tc = TrainConfig(algorithm="traingd", lr=0.1, max_fail=3, show=0)
    obj = NetObjective(Square(), None, None)
    r = training.train(obj, np.array([1.0]), tc,
                       val_test_perf=lambda theta: ((theta[0] - 0.5) ** 2, math.nan),
                       has_val=True)
    assert r.stop_reason == stops.VALIDATION_STOP
    assert r.epochs == 6
    assert r.best_epoch == 3
    assert r.theta[0] == pytest.approx(0.512, abs=1e-15)
    assert list(r.history["val_fail"]) == [0, 0, 0, 0, 1, 2, 3]
    assert obj.net.theta[0] == r.theta[0]  # the network is left holding the best weights


def test_not_finite_performance_stops_and_keeps_best():
    r = run(1.0, 10, algorithm="traingd", lr=1e200)
    assert r.stop_reason == stops.NOT_FINITE
    assert r.theta[0] == 1.0


def test_clip_norm_scales_the_gradient_down():
    obj = NetObjective(Square(2), None, None, clip_norm=1.0)
    perf, g = obj.perf_and_gradient(np.array([3.0, 4.0]))
    assert obj.norm == pytest.approx(10.0)
    assert np.linalg.norm(g) == pytest.approx(1.0)
    assert obj.clipped == 1
    obj.perf_and_gradient(np.array([0.1, 0.1]))  # short: left alone
    assert obj.clipped == 1


# ------------------------------------------------------------------ an independent implementation

def reference_training(net, X, Y, theta0, tc: TrainConfig, epochs: int) -> np.ndarray:
    """docs/semantics.md#training-rules written out plainly, with dict gradients instead of the rule
    objects."""
    def perf_and_gradient(theta):
        net.theta[:] = theta
        perf, grads = net.loss_and_grads(X, Y)
        return perf, -np.concatenate([grads[k].ravel() for k in net.params])

    theta = theta0.copy()
    lr, mc = tc.lr, (0.0 if tc.algorithm in ("traingd", "traingda") else tc.mc)
    perf, g = perf_and_gradient(theta)
    dtheta = lr * g
    for _ in range(epochs):
        if tc.algorithm == "traingd":
            theta = theta + lr * g
            perf, g = perf_and_gradient(theta)
            continue
        dtheta = mc * dtheta + (1 - mc) * lr * g
        if tc.algorithm == "traingdm":
            theta = theta + dtheta
            perf, g = perf_and_gradient(theta)
            continue
        net.theta[:] = theta + dtheta
        perf2 = net.loss(X, Y)[0]
        if perf2 / perf > tc.max_perf_inc:
            lr *= tc.lr_dec
            dtheta = lr * g
        else:
            if perf2 < perf:
                lr *= tc.lr_inc
            theta = theta + dtheta
            perf, g = perf_and_gradient(theta)
    return theta


@pytest.mark.parametrize("algorithm", ["traingd", "traingdm", "traingda", "traingdx"])
def test_rules_match_an_independent_implementation(algorithm, rng):
    net = BPNet([2, 6, 5, 1], ["tansig", "tansig", "purelin"])
    theta0 = rng.normal(scale=0.5, size=net.theta.size)
    X = rng.normal(size=(30, 2))
    Y = np.sin(X[:, :1]) + 0.3 * X[:, 1:]
    tc = TrainConfig(algorithm=algorithm, epochs=200, lr=0.05, show=0, min_grad=0.0)
    expected = reference_training(net, X, Y, theta0, tc, 200)
    r = training.train(NetObjective(net, X, Y), theta0, tc)
    assert r.epochs == 200
    np.testing.assert_allclose(r.final_theta, expected, rtol=1e-12, atol=0)
    if algorithm == "traingdx":  # the run had both accepted and rejected steps
        assert np.any(np.diff(r.history["lr"]) < 0) and np.any(np.diff(r.history["lr"]) > 0)


# ------------------------------------------------------------------ the loop's contract

def test_should_stop_ends_training_with_user_stop_and_keeps_the_best():
    # traingd lr 0.1 on theta^2 lowers perf every epoch; a stop asked at epoch 3 ends there
    tc = TrainConfig(algorithm="traingd", lr=0.1, epochs=100, show=0)
    obj = NetObjective(Square(), None, None)
    asked = iter([False, False, False, True])   # polled once before every epoch
    r = training.train(obj, np.array([1.0]), tc, should_stop=lambda: next(asked))
    assert r.stop_reason == stops.USER_STOP
    assert r.epochs == 3 and r.best_epoch == 3
    assert r.theta[0] == pytest.approx(0.8 ** 3, abs=1e-15)


def test_progress_gets_the_history_columns_by_name():
    rows = []
    tc = TrainConfig(algorithm="trainrp", epochs=2, show=1)
    training.train(NetObjective(Square(), None, None), np.array([1.0]), tc,
                   progress=lambda epoch, row, reason: rows.append((epoch, row, reason)))
    assert [epoch for epoch, _, _ in rows] == [0, 1, 2]
    assert all(tuple(row) == training.HISTORY_COLUMNS for _, row, _ in rows)
    assert rows[1][1]["epoch"] == 1 and rows[1][1]["perf"] == pytest.approx((1 - 0.084) ** 2)
    assert math.isnan(rows[0][1]["lr"])   # trainrp has no learning rate
    assert [reason for _, _, reason in rows] == [None, None, stops.MAX_EPOCH]


@pytest.mark.parametrize("algorithm", sorted(RULES))
def test_every_rule_states_its_record_and_the_history_follows_it(algorithm, rng):
    tc = TrainConfig(algorithm=algorithm, epochs=3, show=0, min_grad=0.0)
    rule = RULES[algorithm](tc)
    assert len(rule.recorded()) == len(rule.record)
    assert rule.stop_reason() is None
    net = BPNet([2, 3, 1], ["tansig", "purelin"])
    X, Y = rng.normal(size=(10, 2)), rng.normal(size=(10, 1))
    obj = NetObjective(net, X, Y, clip_norm=1.0)
    history = training.train(obj, rng.normal(size=net.theta.size), tc).history
    extra = [c for c in rule.record if c not in training.HISTORY_COLUMNS]
    kept = [c for c in training.HISTORY_COLUMNS if c not in rule.omitted]
    assert list(history) == [*kept, "clipped", *extra]
    assert all(len(column) == 4 for column in history.values())
    for name, column in history.items():
        assert column.dtype == (int if name in ("epoch", "val_fail", "clipped") else float)
    assert history["epoch"].tolist() == [0, 1, 2, 3]
    if "lr" in rule.omitted:   # trainscg, trainbr: no lr column at all
        assert "lr" not in history and "lr" not in rule.record
    else:
        assert np.isnan(history["lr"]).all() == ("lr" not in rule.record)

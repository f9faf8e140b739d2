"""Golden tests of trainrp, trainlm and adam, worked by hand, and both against independent
step-by-step implementations of docs/semantics.md#training-rules on a real network."""
import numpy as np
import pytest
from helpers import Linear, Square, numeric_jacobian, regression_problem

from bpnet.config import TrainConfig
from bpnet.config.yamlschema import field_name
from bpnet.train import loop as training
from bpnet.train import stops
from bpnet.train.objective import NetObjective
from bpnet.train.rules import RULES


def run(net, theta0, tc, X=None, Y=None):
    return training.train(NetObjective(net, X, Y), np.array(theta0, float), tc)


def test_trainrp_grows_shrinks_and_caps():
    tc = TrainConfig(algorithm="trainrp", epochs=2, show=0)
    # theta0 = [1, -2], g = [-2, 4]; g_prev starts = g, so delta = 0.07 * 1.2 = 0.084 at once
    r = run(Square(2), [1.0, -2.0], tc)
    np.testing.assert_allclose(r.final_theta, [1 - 0.084 - 0.1008, -2 + 0.084 + 0.1008],
                               rtol=1e-15)
    # theta0 = 0.05: step 1 overshoots to -0.034, the gradient changes sign, delta halves: +0.042
    r = run(Square(), [0.05], tc)
    assert r.final_theta[0] == pytest.approx(-0.034 + 0.042, abs=1e-15)
    # deltamax caps the grown step
    r = run(Square(), [1.0], TrainConfig(algorithm="trainrp", epochs=1, deltamax=0.08, show=0))
    assert r.final_theta[0] == pytest.approx(0.92, abs=1e-15)


def test_trainlm_accepted_step_lowers_mu():
    # one weight, X = [1, 2], Y = [2, 4]: J'J = 5, J'e = 10 at theta = 0
    X, Y = np.array([[1.0], [2.0]]), np.array([[2.0], [4.0]])
    r = run(Linear(), [0.0], TrainConfig(algorithm="trainlm", epochs=1, show=0), X, Y)
    assert r.final_theta[0] == pytest.approx(10 / 5.001, rel=1e-15)
    assert r.history["mu"].tolist() == [0.001, pytest.approx(0.0001, rel=1e-15)]
    assert np.isnan(r.history["lr"]).all()


def test_trainlm_failed_steps_raise_mu_until_max_mu():
    # with the Jacobian's sign flipped every trial step goes uphill: mu 1e-3 -> 1e-2 -> ... -> 10
    X, Y = np.array([[1.0], [2.0]]), np.array([[2.0], [4.0]])
    tc = TrainConfig(algorithm="trainlm", epochs=10, mu_max=1.0, show=0)
    r = run(Linear(sign=-1.0), [0.0], tc, X, Y)
    assert r.stop_reason == stops.MAX_MU == "Maximum MU reached."
    assert r.epochs == 1 and r.final_theta[0] == 0.0
    assert r.history["mu"][-1] == pytest.approx(10.0, rel=1e-12)


def test_trainlm_mu_moves_by_mu_inc_and_mu_dec(rng):
    """Across an epoch mu changes by mu_inc^k * mu_dec: k failed trials, then an accepted one."""
    net, X, Y, theta0 = regression_problem("bp", rng)
    tc = TrainConfig(algorithm="trainlm", epochs=40, min_grad=0.0, mu_inc=4.0, mu_dec=0.5,
                     show=0)
    r = training.train(NetObjective(net, X, Y), theta0, tc)
    k = np.log(r.history["mu"][1:] / r.history["mu"][:-1] / 0.5) / np.log(4.0)
    np.testing.assert_allclose(k, np.round(k), atol=1e-9)
    assert k.min() == 0 and k.max() >= 1   # plain accepted epochs and ones that failed first


def test_adam_first_steps():
    # d = dperf/dtheta = 2 theta; step 1: m_hat = d, v_hat = d^2, so theta1 = 1 - lr*2/(2 + eps)
    r = run(Square(), [1.0], TrainConfig(algorithm="adam", epochs=1, lr=0.1, show=0))
    assert r.final_theta[0] == pytest.approx(1 - 0.1 * 2 / (2 + 1e-8), abs=1e-15)
    r = run(Square(), [1.0], TrainConfig(algorithm="adam", epochs=2, lr=0.1, show=0))
    d1, x1 = 2.0, 1 - 0.1 * 2 / (2 + 1e-8)
    d2 = 2 * x1
    m = 0.9 * 0.1 * d1 + 0.1 * d2
    v = 0.999 * 0.001 * d1 ** 2 + 0.001 * d2 ** 2
    x2 = x1 - 0.1 * (m / (1 - 0.9 ** 2)) / (np.sqrt(v / (1 - 0.999 ** 2)) + 1e-8)
    assert r.final_theta[0] == pytest.approx(x2, abs=1e-15)


# ------------------------------------------------------------------ independent implementations

def grad_of(net, X, Y, theta):
    net.theta[:] = theta
    perf, grads = net.loss_and_grads(X, Y)
    return perf, -np.concatenate([grads[k].ravel() for k in net.params])


def reference_rprop(net, X, Y, theta, tc, epochs):
    perf, g = grad_of(net, X, Y, theta)
    delta, g_prev = np.full(theta.size, tc.delta0), g.copy()
    for _ in range(epochs):
        for i in range(theta.size):
            if g[i] * g_prev[i] > 0:
                delta[i] *= tc.delt_inc
            elif g[i] * g_prev[i] < 0:
                delta[i] *= tc.delt_dec
            delta[i] = min(delta[i], tc.deltamax)
        theta = theta + delta * np.sign(g)
        g_prev = g
        perf, g = grad_of(net, X, Y, theta)
    return theta



def reference_lm(net, X, Y, theta, tc, epochs):
    mu = tc.mu
    net.theta[:] = theta
    perf = net.loss(X, Y)[0]
    for _ in range(epochs):
        net.theta[:] = theta
        e = (Y - net.predict(X)).ravel()
        J = numeric_jacobian(net, X, theta, h=1e-6)
        while mu <= tc.mu_max:
            dtheta = np.linalg.solve(J.T @ J + mu * np.eye(theta.size), J.T @ e)
            net.theta[:] = theta + dtheta
            perf2 = net.loss(X, Y)[0]
            if perf2 < perf:
                theta, perf, mu = theta + dtheta, perf2, mu * tc.mu_dec
                break
            mu *= tc.mu_inc
    return theta


@pytest.mark.parametrize("kind", ["bp", "elman"])
def test_trainrp_matches_an_independent_implementation(kind, rng):
    net, X, Y, theta0 = regression_problem(kind, rng)
    tc = TrainConfig(algorithm="trainrp", epochs=60, min_grad=0.0, show=0)
    expected = reference_rprop(net, X, Y, theta0.copy(), tc, 60)
    r = training.train(NetObjective(net, X, Y), theta0, tc)
    np.testing.assert_allclose(r.final_theta, expected, rtol=1e-12)


@pytest.mark.parametrize("kind", ["bp", "elman"])
def test_trainlm_matches_an_independent_implementation(kind, rng):
    net, X, Y, theta0 = regression_problem(kind, rng)
    tc = TrainConfig(algorithm="trainlm", epochs=15, min_grad=0.0, show=0)
    expected = reference_lm(net, X, Y, theta0.copy(), tc, 15)
    r = training.train(NetObjective(net, X, Y), theta0, tc)
    assert r.epochs == 15
    np.testing.assert_allclose(r.final_theta, expected, rtol=1e-6, atol=1e-9)
    assert r.history["perf"][-1] < 0.1 * r.history["perf"][0]


def test_adam_matches_torch(rng):
    torch = pytest.importorskip("torch")
    net, X, Y, theta0 = regression_problem("bp", rng)
    tc = TrainConfig(algorithm="adam", epochs=50, lr=0.01, min_grad=0.0, show=0)
    r = training.train(NetObjective(net, X, Y), theta0, tc)
    w = torch.tensor(theta0.copy(), requires_grad=True)
    opt = torch.optim.Adam([w], lr=0.01)
    for _ in range(50):
        opt.zero_grad()
        perf, g = grad_of(net, X, Y, w.detach().numpy().copy())
        w.grad = torch.from_numpy(-g)
        opt.step()
    np.testing.assert_allclose(r.final_theta, w.detach().numpy(), rtol=1e-10, atol=1e-13)


CHANGED = {"lr": 3.0, "lr_inc": 1.3, "lr_dec": 0.3, "max_perf_inc": 1.5, "mc": 0.5,
           "delta0": 0.2, "delt_inc": 1.5, "delt_dec": 0.2, "deltamax": 0.05,
           "mu": 10.0, "mu_dec": 0.5, "mu_inc": 3.0, "mu_max": 1e-4,
           "beta1": 0.5, "beta2": 0.9, "eps": 1.0, "sigma": 1e-2, "lambda": 1e-2,
           "regularization": 0.3}


# max_fail needs a val part: trainbr's (the only rule whose default differs) is tested in
# test_rules_scg_br.py
@pytest.mark.parametrize("algorithm, key", [
    (a, k) for a, rule in RULES.items() for k in rule.params
    if k not in ("min_grad", "max_fail")])
def test_every_parameter_changes_the_run(algorithm, key, rng):
    """No parameter of any rule is silently ignored."""
    net, X, Y, theta0 = regression_problem("bp", rng)
    # a large lr makes traingda/traingdx reject steps, so that lr_dec and max_perf_inc matter
    base = {"lr": 1.0} if "lr" in RULES[algorithm].params and algorithm != "adam" else {}
    tc0 = TrainConfig(algorithm=algorithm, epochs=20, min_grad=0.0, show=0, **base)
    tc1 = TrainConfig(algorithm=algorithm, epochs=20, min_grad=0.0, show=0,
                      **{**base, field_name(key): CHANGED[key]})
    r0 = training.train(NetObjective(net, X, Y), theta0, tc0)
    # regularization is part of perf, so the objective's: NetObjective takes it from the config
    r1 = training.train(NetObjective(net, X, Y, regularization=tc1.regularization or 0.0),
                        theta0, tc1)
    assert not np.array_equal(r0.final_theta, r1.final_theta) or r0.epochs != r1.epochs


def test_trainlm_stops_before_any_step_when_mu_starts_above_mu_max():
    X, Y = np.array([[1.0], [2.0]]), np.array([[2.0], [4.0]])
    tc = TrainConfig(algorithm="trainlm", epochs=10, mu=10.0, mu_max=1.0, show=0)
    r = run(Linear(), [0.0], tc, X, Y)
    assert r.stop_reason == stops.MAX_MU and r.epochs == 0

"""Golden tests of trainrp, trainlm and adam, worked by hand, and both against independent
step-by-step implementations of SPEC 6 on a real network."""
import numpy as np
import pytest
from test_training import Square

from bpnet.train import loop as training
from bpnet.config.load import RULE_PARAMS, TrainConfig, field_name
from bpnet.nets.elman import ElmanNet
from bpnet.nets.feedforward import BPNet


class Linear:
    """y = X w: perf = mse, Jacobian X (or -X, to force every LM step to fail)."""

    def __init__(self, sign=1.0):
        self.theta = np.zeros(1)
        self.sign = sign

    def loss(self, X, Y):
        e = (Y - X @ self.theta[:, None]).ravel()
        return float(e @ e) / e.size, (X, e)

    def flat_grad(self, cache):
        X, e = cache
        return -2.0 / e.size * X.T @ e

    def jacobian(self, X):
        return X @ self.theta[:, None], self.sign * X


def run(net, x0, p, X=None, Y=None):
    return training.train(training.Objective(net, X, Y), np.array(x0, float), p)


def test_trainrp_grows_shrinks_and_caps():
    p = TrainConfig(algorithm="trainrp", epochs=2, show=0)
    # X0 = [1, -2], g = [-2, 4]; g_prev starts = g, so delta = 0.07 * 1.2 = 0.084 at once
    r = run(Square(2), [1.0, -2.0], p)
    np.testing.assert_allclose(r.final_theta, [1 - 0.084 - 0.1008, -2 + 0.084 + 0.1008],
                               rtol=1e-15)
    # X0 = 0.05: step 1 overshoots to -0.034, the gradient changes sign, delta halves: +0.042
    r = run(Square(), [0.05], p)
    assert r.final_theta[0] == pytest.approx(-0.034 + 0.042, abs=1e-15)
    # deltamax caps the grown step
    r = run(Square(), [1.0], TrainConfig(algorithm="trainrp", epochs=1, deltamax=0.08, show=0))
    assert r.final_theta[0] == pytest.approx(0.92, abs=1e-15)


def test_trainlm_accepted_step_lowers_mu():
    # one weight, X = [1, 2], Y = [2, 4]: J'J = 5, J'e = 10 at w = 0
    X, Y = np.array([[1.0], [2.0]]), np.array([[2.0], [4.0]])
    r = run(Linear(), [0.0], TrainConfig(algorithm="trainlm", epochs=1, show=0), X, Y)
    assert r.final_theta[0] == pytest.approx(10 / 5.001, rel=1e-15)
    assert r.history["mu"].tolist() == [0.001, pytest.approx(0.0001, rel=1e-15)]
    assert np.isnan(r.history["lr"]).all()


def test_trainlm_failed_steps_raise_mu_until_max_mu():
    # with the Jacobian's sign flipped every trial step goes uphill: mu 1e-3 -> 1e-2 -> ... -> 10
    X, Y = np.array([[1.0], [2.0]]), np.array([[2.0], [4.0]])
    p = TrainConfig(algorithm="trainlm", epochs=10, mu_max=1.0, show=0)
    r = run(Linear(sign=-1.0), [0.0], p, X, Y)
    assert r.stop_reason == "Maximum MU reached."
    assert r.epochs == 1 and r.final_theta[0] == 0.0
    assert r.history["mu"][-1] == pytest.approx(10.0, rel=1e-12)


def test_trainlm_mu_moves_by_mu_inc_and_mu_dec(rng):
    """Across an epoch mu changes by mu_inc^k * mu_dec: k failed trials, then an accepted one."""
    net, X, Y, x0 = problem("bp", rng)
    p = TrainConfig(algorithm="trainlm", epochs=40, min_grad=0.0, mu_inc=4.0, mu_dec=0.5,
                    show=0)
    r = training.train(training.Objective(net, X, Y), x0, p)
    k = np.log(r.history["mu"][1:] / r.history["mu"][:-1] / 0.5) / np.log(4.0)
    np.testing.assert_allclose(k, np.round(k), atol=1e-9)
    assert k.min() == 0 and k.max() >= 1   # plain accepted epochs and ones that failed first


def test_adam_first_steps():
    # d = dperf/dX = 2X; step 1: m_hat = d, v_hat = d^2, so X1 = 1 - lr * 2/(2 + eps)
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

def grad_of(net, X, Y, x):
    net.theta[:] = x
    perf, grads = net.loss_and_grads(X, Y)
    return perf, -np.concatenate([grads[k].ravel() for k in net.params])


def reference_rprop(net, X, Y, x, p, epochs):
    perf, g = grad_of(net, X, Y, x)
    delta, g_prev = np.full(x.size, p.delta0), g.copy()
    for _ in range(epochs):
        for i in range(x.size):
            if g[i] * g_prev[i] > 0:
                delta[i] *= p.delt_inc
            elif g[i] * g_prev[i] < 0:
                delta[i] *= p.delt_dec
            delta[i] = min(delta[i], p.deltamax)
        x = x + delta * np.sign(g)
        g_prev = g
        perf, g = grad_of(net, X, Y, x)
    return x


def numeric_jacobian(net, X, x, h=1e-6):
    cols = []
    for i in range(x.size):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        net.theta[:] = xp
        yp = net.predict(X).ravel()
        net.theta[:] = xm
        ym = net.predict(X).ravel()
        cols.append((yp - ym) / (2 * h))
    return np.column_stack(cols)


def reference_lm(net, X, Y, x, p, epochs):
    mu = p.mu
    net.theta[:] = x
    perf = net.loss(X, Y)[0]
    for _ in range(epochs):
        net.theta[:] = x
        e = (Y - net.predict(X)).ravel()
        J = numeric_jacobian(net, X, x)
        while mu <= p.mu_max:
            dx = np.linalg.solve(J.T @ J + mu * np.eye(x.size), J.T @ e)
            net.theta[:] = x + dx
            perf2 = net.loss(X, Y)[0]
            if perf2 < perf:
                x, perf, mu = x + dx, perf2, mu * p.mu_dec
                break
            mu *= p.mu_inc
    return x


def problem(kind, rng):
    X = rng.normal(size=(25, 2))
    Y = np.sin(X[:, :1]) + 0.3 * X[:, 1:]
    net = BPNet([2, 5, 4, 1], ["tansig", "tansig", "purelin"]) if kind == "bp" \
        else ElmanNet(2, 4, 1)
    return net, X, Y, rng.normal(scale=0.5, size=net.theta.size)


@pytest.mark.parametrize("kind", ["bp", "elman"])
def test_trainrp_matches_an_independent_implementation(kind, rng):
    net, X, Y, x0 = problem(kind, rng)
    p = TrainConfig(algorithm="trainrp", epochs=60, min_grad=0.0, show=0)
    expected = reference_rprop(net, X, Y, x0.copy(), p, 60)
    r = training.train(training.Objective(net, X, Y), x0, p)
    np.testing.assert_allclose(r.final_theta, expected, rtol=1e-12)


@pytest.mark.parametrize("kind", ["bp", "elman"])
def test_trainlm_matches_an_independent_implementation(kind, rng):
    net, X, Y, x0 = problem(kind, rng)
    p = TrainConfig(algorithm="trainlm", epochs=15, min_grad=0.0, show=0)
    expected = reference_lm(net, X, Y, x0.copy(), p, 15)
    r = training.train(training.Objective(net, X, Y), x0, p)
    assert r.epochs == 15
    np.testing.assert_allclose(r.final_theta, expected, rtol=1e-6, atol=1e-9)
    assert r.history["perf"][-1] < 0.1 * r.history["perf"][0]


def test_adam_matches_torch(rng):
    torch = pytest.importorskip("torch")
    net, X, Y, x0 = problem("bp", rng)
    p = TrainConfig(algorithm="adam", epochs=50, lr=0.01, min_grad=0.0, show=0)
    r = training.train(training.Objective(net, X, Y), x0, p)
    w = torch.tensor(x0.copy(), requires_grad=True)
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
    (a, k) for a, params in RULE_PARAMS.items() for k in params
    if k not in ("min_grad", "max_fail")])
def test_every_parameter_changes_the_run(algorithm, key, rng):
    """No parameter of any rule is silently ignored."""
    net, X, Y, x0 = problem("bp", rng)
    # a large lr makes traingda/traingdx reject steps, so that lr_dec and max_perf_inc matter
    base = {"lr": 1.0} if "lr" in RULE_PARAMS[algorithm] and algorithm != "adam" else {}
    p0 = TrainConfig(algorithm=algorithm, epochs=20, min_grad=0.0, show=0, **base)
    p1 = TrainConfig(algorithm=algorithm, epochs=20, min_grad=0.0, show=0,
                     **{**base, field_name(key): CHANGED[key]})
    r0 = training.train(training.Objective(net, X, Y), x0, p0)
    r1 = training.train(training.Objective(net, X, Y), x0, p1)
    assert not np.array_equal(r0.final_theta, r1.final_theta) or r0.epochs != r1.epochs


def test_trainlm_stops_before_any_step_when_mu_starts_above_mu_max():
    X, Y = np.array([[1.0], [2.0]]), np.array([[2.0], [4.0]])
    p = TrainConfig(algorithm="trainlm", epochs=10, mu=10.0, mu_max=1.0, show=0)
    r = run(Linear(), [0.0], p, X, Y)
    assert r.stop_reason == "Maximum MU reached." and r.epochs == 0

"""LSTM and GRU: exact BPTT against central differences, PyTorch's equations, the stateful call."""

import numpy as np
import pytest
from helpers import numeric_grad, numeric_jacobian, rel_error

from bpnet.nets.gated import GatedNet


@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("out_tf", ["purelin", "tansig"])
def test_bptt_matches_central_differences(kind, out_tf, rng):
    net = GatedNet(kind, 3, 4, 2, out_tf)
    net.theta[:] = rng.normal(scale=0.5, size=net.theta.size)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    state = (rng.normal(size=4), rng.normal(size=4)) if kind == "lstm" else rng.normal(size=4)
    _, grads = net.loss_and_grads(X, Y, state)
    for name, p in net.params.items():
        num = numeric_grad(lambda: net.loss(X, Y, state)[0], p)
        assert rel_error(grads[name], num) < 1e-6, name
    states = state if kind == "lstm" else (state,)
    for name, s in zip(("h0", "c0"), states):
        num = numeric_grad(lambda: net.loss(X, Y, state)[0], s)
        assert rel_error(grads[name], num) < 1e-6, name


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_jacobian_matches_central_differences(kind, rng):
    net = GatedNet(kind, 2, 3, 2)
    net.theta[:] = rng.normal(scale=0.5, size=net.theta.size)
    X = rng.normal(size=(4, 2))
    y, J = net.jacobian(X)
    np.testing.assert_allclose(y, net.predict(X), rtol=1e-14)
    num = numeric_jacobian(net, X)
    assert rel_error(J, num) < 1e-6


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_state_carries_across_consecutive_sequences(kind, rng):
    net = GatedNet(kind, 2, 5, 1)
    net.init_weights("uniform", rng)
    X = rng.normal(size=(9, 2))
    Y_all, s_all = net.forward(X)
    Y1, s1 = net.forward(X[:4])
    Y2, s2 = net.forward(X[4:], s1)
    np.testing.assert_allclose(np.vstack([Y1, Y2]), Y_all, rtol=1e-14)
    np.testing.assert_allclose(np.ravel(s2), np.ravel(s_all), rtol=1e-14)


def test_pytorch_default_initialisation(rng):
    net = GatedNet("lstm", 2, 16, 1)
    net.init_weights("uniform", rng)
    assert np.abs(net.theta).max() <= 0.25 and np.abs(net.theta).max() > 0.2

"""Every analytic gradient against central differences, in float64."""
import numpy as np
import pytest
from helpers import numeric_grad, numeric_jacobian, rel_error

from bpnet.nets import registry
from bpnet.nets.cascade import CascadeNet
from bpnet.nets.elman import ElmanNet
from bpnet.nets.feedforward import BPNet

TRANSFERS = ["tansig", "logsig", "purelin", "poslin"]


@pytest.mark.parametrize("net_class", [BPNet, CascadeNet])
@pytest.mark.parametrize("hidden_tf", TRANSFERS)
@pytest.mark.parametrize("out_tf", ["purelin", "tansig", "logsig"])
def test_bpnet_gradient_matches_central_differences(net_class, hidden_tf, out_tf, rng):
    """BP and cascade-forward networks (every layer fed by the input and every earlier one)."""
    net = net_class([3, 5, 4, 2], [hidden_tf, hidden_tf, out_tf])
    net.theta[:] = rng.normal(scale=0.7, size=net.theta.size)
    X, Y = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    _, grads = net.loss_and_grads(X, Y)
    assert set(grads) == set(net.params)
    for name, p in net.params.items():
        num = numeric_grad(lambda: net.loss(X, Y)[0], p)
        assert rel_error(grads[name], num) < 1e-6, name


@pytest.mark.parametrize("hidden_tf", TRANSFERS)
def test_bpnet_gradient_per_layer_transfer(hidden_tf, rng):
    """Mixed transfer functions, one hidden layer of each kind."""
    net = BPNet([2, 4, 3, 1], [hidden_tf, "tansig", "purelin"])
    net.theta[:] = rng.normal(size=net.theta.size)
    X, Y = rng.normal(size=(9, 2)), rng.normal(size=(9, 1))
    flat = net.flat_grad(net.loss(X, Y)[1])
    num = numeric_grad(lambda: net.loss(X, Y)[0], net.theta)
    assert rel_error(flat, num) < 1e-6


@pytest.mark.parametrize("hidden_tf", TRANSFERS)
@pytest.mark.parametrize("T", [3, 8])
def test_elman_bptt_matches_central_differences(hidden_tf, T, rng):
    net = ElmanNet(3, 4, 2, (hidden_tf, "purelin"))
    net.theta[:] = rng.normal(scale=0.6, size=net.theta.size)
    X, Y = rng.normal(size=(T, 3)), rng.normal(size=(T, 2))
    h0 = rng.normal(scale=0.5, size=4)
    _, grads = net.loss_and_grads(X, Y, h0)
    for name, p in net.params.items():
        num = numeric_grad(lambda: net.loss(X, Y, h0)[0], p)
        assert rel_error(grads[name], num) < 1e-6, name
    num_h0 = numeric_grad(lambda: net.loss(X, Y, h0)[0], h0)
    assert rel_error(grads["h0"], num_h0) < 1e-6


@pytest.mark.parametrize("out_tf", ["tansig", "logsig"])
def test_elman_gradient_with_nonlinear_output(out_tf, rng):
    net = ElmanNet(2, 3, 2, ("tansig", out_tf))
    net.theta[:] = rng.normal(scale=0.6, size=net.theta.size)
    X, Y = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    flat = net.flat_grad(net.loss(X, Y)[1])
    num = numeric_grad(lambda: net.loss(X, Y)[0], net.theta)
    assert rel_error(flat, num) < 1e-6


def test_elman_gradient_needs_the_recurrent_term(rng):
    """MATLAB's approximation (no error flowing back through Wh) is measurably different: the
    check above would fail if dh_next were dropped."""
    net = ElmanNet(2, 3, 1)
    net.theta[:] = rng.normal(size=net.theta.size)
    X, Y = rng.normal(size=(6, 2)), rng.normal(size=(6, 1))
    perf, cache = net.loss(X, Y)
    exact = net.flat_grad(cache)
    # the truncated gradient: each step's output error only, dh_next = 0
    dy = (-2.0 / cache.e.size) * cache.e.reshape(cache.y.shape)
    dz = (dy @ net.params["Wy"]) * (1 - cache.hs ** 2)
    truncated_dWx = dz.T @ X
    assert rel_error(exact[: net.params["Wx"].size], truncated_dWx.ravel()) > 1e-3


def test_elman_forward_carries_state(rng):
    """Two consecutive halves with the state carried equal one whole sequence."""
    net = ElmanNet(2, 5, 1)
    net.theta[:] = rng.normal(size=net.theta.size)
    X = rng.normal(size=(10, 2))
    Y_all, h_all = net.forward(X)
    Y1, h1 = net.forward(X[:4])
    Y2, h2 = net.forward(X[4:], h1)
    np.testing.assert_array_equal(np.vstack([Y1, Y2]), Y_all)
    np.testing.assert_array_equal(h2, h_all)


@pytest.mark.parametrize("out_tf", ["purelin", "logsig"])
def test_bpnet_jacobian_matches_central_differences(out_tf, rng):
    net = BPNet([3, 4, 3, 2], ["tansig", "logsig", out_tf])
    net.theta[:] = rng.normal(scale=0.7, size=net.theta.size)
    X = rng.normal(size=(5, 3))
    y, J = net.jacobian(X)
    np.testing.assert_array_equal(y, net.predict(X))
    num = numeric_jacobian(net, X)
    assert rel_error(J, num) < 1e-6


@pytest.mark.parametrize("hidden_tf, out_tf", [("tansig", "purelin"), ("logsig", "tansig")])
def test_elman_jacobian_matches_central_differences(hidden_tf, out_tf, rng):
    net = ElmanNet(2, 3, 2, (hidden_tf, out_tf))
    net.theta[:] = rng.normal(scale=0.6, size=net.theta.size)
    X = rng.normal(size=(4, 2))
    y, J = net.jacobian(X)
    np.testing.assert_allclose(y, net.predict(X), rtol=1e-14)
    num = numeric_jacobian(net, X)
    assert rel_error(J, num) < 1e-6


def test_jacobian_agrees_with_the_gradient(rng):
    """dperf/dtheta = -2/numel J'e, the identity trainlm relies on."""
    for net in (BPNet([2, 3, 3, 1], ["tansig", "tansig", "purelin"]), ElmanNet(2, 4, 1)):
        net.theta[:] = rng.normal(size=net.theta.size)
        X, Y = rng.normal(size=(6, 2)), rng.normal(size=(6, 1))
        y, J = net.jacobian(X)
        e = (Y - y).ravel()
        np.testing.assert_allclose(net.flat_grad(net.loss(X, Y)[1]), -2 / e.size * J.T @ e,
                                   rtol=1e-10, atol=1e-14)


def test_large_data_in_chunks_gives_the_same_perf_and_gradient(rng, monkeypatch):
    """Beyond CHUNK samples the forward and backward passes run block by block."""
    from bpnet.nets import feedforward
    net = BPNet([3, 5, 4, 2], ["tansig", "logsig", "purelin"])
    net.theta[:] = rng.normal(size=net.theta.size)
    X, Y = rng.normal(size=(50, 3)), rng.normal(size=(50, 2))
    perf, cache = net.loss(X, Y)
    whole = net.flat_grad(cache)
    monkeypatch.setattr(feedforward, "CHUNK", 7)
    perf_chunked, cache_chunked = net.loss(X, Y)
    assert cache_chunked.grad is not None and cache_chunked.acts is None
    assert cache.grad is None and cache.acts is not None
    assert perf_chunked == pytest.approx(perf, rel=1e-13)
    np.testing.assert_allclose(net.flat_grad(cache_chunked), whole, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("kind", ["elman", "lstm", "gru"])
def test_recurrent_jacobian_from_a_given_state(kind, rng):
    """Every cell's state (h, or (h, c) for the LSTM) enters the shared Jacobian the same way."""
    net = registry.build(kind, [2, 3, 2], ["tansig", "tansig"])
    net.theta[:] = rng.normal(scale=0.6, size=net.theta.size)
    X = rng.normal(size=(4, 2))
    state = (rng.normal(size=3), rng.normal(size=3)) if kind == "lstm" else rng.normal(size=3)
    y, J = net.jacobian(X, state)
    np.testing.assert_array_equal(y, net.forward(X, state)[0])
    num = np.column_stack([numeric_grad(lambda i=i: net.forward(X, state)[0].ravel()[i],
                                        net.theta) for i in range(y.size)]).T
    assert rel_error(J, num) < 1e-6
    assert not np.allclose(J, net.jacobian(X)[1])     # the state matters

"""The cascade-forward network: its connections, gradient and Jacobian against central
differences, and the linear model it contains."""
import numpy as np
import pytest
from helpers import numeric_grad, numeric_jacobian, rel_error

from bpnet.nets.cascade import CascadeNet
from bpnet.nets.feedforward import BPNet

TRANSFERS = ["tansig", "logsig", "purelin", "poslin"]


def test_every_layer_sees_the_inputs_and_every_earlier_layer():
    net = CascadeNet([3, 5, 4, 2], ["tansig", "tansig", "purelin"])
    assert [net.params[f"W{l}"].shape for l in (1, 2, 3)] == [(5, 3), (4, 8), (2, 12)]


def test_forward_is_the_sum_of_matlabs_connections(rng):
    """n_l = IW{l,1} x + sum_j<l LW{l,j} a_j + b_l, written out connection by connection."""
    net = CascadeNet([3, 5, 4, 2], ["tansig", "logsig", "purelin"])
    net.theta[:] = rng.normal(size=net.theta.size)
    X = rng.normal(size=(6, 3))
    acts = [X]
    for l, tf in enumerate(net.transfers, start=1):
        W, cols = net.params[f"W{l}"], np.cumsum([0, *net.sizes[:l]])
        n = net.params[f"b{l}"] + sum(acts[j] @ W[:, cols[j]:cols[j + 1]].T for j in range(l))
        acts.append(tf.f(n))
    assert rel_error(net.predict(X), acts[-1]) < 1e-14


def test_cascade_gradient_in_chunks_and_with_missing_targets(rng, monkeypatch):
    from bpnet.nets import cascade
    net = CascadeNet([2, 3, 1], ["tansig", "purelin"])
    net.theta[:] = rng.normal(size=net.theta.size)
    X, Y = rng.normal(size=(11, 2)), rng.normal(size=(11, 1))
    known = rng.random((11, 1)) > 0.3
    Y[~known] = np.nan
    whole = net.flat_grad(net.loss(X, Y, known)[1])
    Y_hat = net.predict(X)
    num = numeric_grad(lambda: net.loss(X, Y, known)[0], net.theta)
    assert rel_error(whole, num) < 1e-6
    monkeypatch.setattr(cascade, "CHUNK", 4)
    import bpnet.nets.feedforward as ff
    monkeypatch.setattr(ff, "CHUNK", 4)
    assert rel_error(net.flat_grad(net.loss(X, Y, known)[1]), whole) < 1e-12
    assert rel_error(net.predict(X), Y_hat) < 1e-14


def test_cascade_crossentropy_gradient(rng):
    net = CascadeNet([3, 4, 3], ["tansig", "softmax"])
    net.perform = "crossentropy"
    net.theta[:] = rng.normal(size=net.theta.size)
    X = rng.normal(size=(8, 3))
    Y = np.eye(3)[rng.integers(0, 3, 8)]
    flat = net.flat_grad(net.loss(X, Y)[1])
    num = numeric_grad(lambda: net.loss(X, Y)[0], net.theta)
    assert rel_error(flat, num) < 1e-6


@pytest.mark.parametrize("hidden_tf", TRANSFERS)
def test_cascade_jacobian_matches_central_differences(hidden_tf, rng):
    net = CascadeNet([2, 4, 3, 2], [hidden_tf, "tansig", "purelin"])
    net.theta[:] = rng.normal(size=net.theta.size)
    X = rng.normal(size=(5, 2))
    Y_hat, J = net.jacobian(X)
    assert rel_error(Y_hat, net.predict(X)) < 1e-14
    assert rel_error(J, numeric_jacobian(net, X)) < 1e-6


def test_the_cascade_holds_the_linear_model(rng):
    """With every hidden layer's outgoing weights zero, the network is X W^T + b: it reaches
    past the training range as the linear model does, where a BPNet of tansig layers cannot."""
    net = CascadeNet([1, 3, 1], ["tansig", "purelin"])
    net.params["W1"][...] = rng.normal(size=(3, 1))
    net.params["W2"][...] = [[2.0, 0.0, 0.0, 0.0]]
    net.params["b2"][...] = 1.0
    X = np.array([[10.0], [100.0]])
    assert np.allclose(net.predict(X), 2 * X + 1)
    ff = BPNet([1, 3, 1], ["tansig", "purelin"])
    ff.theta[:] = rng.normal(size=ff.theta.size)
    bound = np.abs(ff.params["W2"]).sum() + abs(ff.params["b2"][0])
    assert np.all(np.abs(ff.predict(X)) <= bound) and bound < 100

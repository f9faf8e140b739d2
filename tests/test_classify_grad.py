"""Classification in the compute stage (docs/semantics.md#classification): softmax, crossentropy's
golden
values, and the gradients of softmax + crossentropy (and crossentropy on logsig outputs) through
every layer of the BP network and the recurrent ones, against central differences."""
import math

import numpy as np
import pytest
from helpers import numeric_grad, rel_error

from bpnet.nets import perform, registry, transfer
from bpnet.nets.elman import ElmanNet
from bpnet.nets.feedforward import CHUNK, BPNet


def test_crossentropy_worked_example():
    t = np.array([[1.0, 0, 0], [0, 1, 0]])
    y = np.array([[.7, .2, .1], [.2, .5, .3]])
    assert perform.crossentropy(y, t) == pytest.approx(0.17497035408311298, rel=1e-15)
    assert perform.crossentropy(y, t) == pytest.approx((-math.log(.7) - math.log(.5)) / 6)


def test_crossentropy_binary_form_and_clip():
    t, y = np.array([[1.0], [0.0]]), np.array([[0.8], [0.3]])
    assert perform.crossentropy(y, t) == pytest.approx((-math.log(.8) - math.log(.7)) / 2)
    # y = 0 against t = 1 is clipped to eps inside the log: finite
    v = perform.crossentropy(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]]))
    assert math.isfinite(v) and v == pytest.approx(-math.log(perform.EPS) / 2)
    assert math.isfinite(perform.crossentropy(np.array([[0.0]]), np.array([[1.0]])))


def test_softmax_rows_and_large_inputs():
    n = np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, -1000.0]])
    a = transfer.get("softmax").f(n.copy())
    assert np.allclose(a.sum(axis=1), 1.0)
    assert np.allclose(a[1], [0.5, 0.5, 0.0])
    e = np.exp([1.0, 2.0, 3.0])
    assert np.allclose(a[0], e / e.sum())
    with pytest.raises(ValueError, match="backprop"):
        transfer.get("softmax").deriv(n, a)


def _one_hot(rng, n, k):
    return np.eye(k)[rng.integers(0, k, n)]


@pytest.mark.parametrize("hidden_tf", ["tansig", "logsig", "poslin"])
def test_bpnet_softmax_crossentropy_gradient(hidden_tf, rng):
    net = BPNet([3, 5, 4, 3], [hidden_tf, "tansig", "softmax"])
    net.perform = "crossentropy"
    net.theta[:] = rng.normal(scale=0.7, size=net.theta.size)
    X, Y = rng.normal(size=(8, 3)), _one_hot(rng, 8, 3)
    _, grads = net.loss_and_grads(X, Y)
    for name, p in net.params.items():
        num = numeric_grad(lambda: net.loss(X, Y)[0], p)
        assert rel_error(grads[name], num) < 1e-6, name


@pytest.mark.parametrize("k", [1, 3])
def test_bpnet_crossentropy_on_logsig_gradient(k, rng):
    """One logsig output (the binary form) and several (MATLAB's -t log y elements)."""
    net = BPNet([2, 4, 3, k], ["tansig", "tansig", "logsig"])
    net.perform = "crossentropy"
    net.theta[:] = rng.normal(scale=0.7, size=net.theta.size)
    X = rng.normal(size=(9, 2))
    Y = rng.integers(0, 2, (9, 1)).astype(float) if k == 1 else _one_hot(rng, 9, k)
    flat = net.flat_grad(net.loss(X, Y)[1])
    num = numeric_grad(lambda: net.loss(X, Y)[0], net.theta)
    assert rel_error(flat, num) < 1e-6


def test_bpnet_softmax_mse_gradient(rng):
    """softmax under mse goes through the softmax Jacobian (Transfer.backprop)."""
    net = BPNet([3, 4, 3], ["tansig", "softmax"])
    net.theta[:] = rng.normal(scale=0.7, size=net.theta.size)
    X, Y = rng.normal(size=(6, 3)), _one_hot(rng, 6, 3)
    flat = net.flat_grad(net.loss(X, Y)[1])
    num = numeric_grad(lambda: net.loss(X, Y)[0], net.theta)
    assert rel_error(flat, num) < 1e-6


def test_bpnet_crossentropy_in_chunks(rng):
    """Beyond CHUNK samples the loss and gradient add up chunk by chunk to the same numbers."""
    net = BPNet([2, 3, 3], ["tansig", "softmax"])
    net.perform = "crossentropy"
    net.theta[:] = rng.normal(size=net.theta.size)
    X, Y = rng.normal(size=(CHUNK + 50, 2)), _one_hot(rng, CHUNK + 50, 3)
    perf, cache = net.loss(X, Y)
    a, b = net.loss(X[:CHUNK], Y[:CHUNK]), net.loss(X[CHUNK:], Y[CHUNK:])
    whole = (a[0] * CHUNK * 3 + b[0] * 50 * 3) / Y.size
    assert perf == pytest.approx(whole, rel=1e-12)
    g = (net.flat_grad(a[1]) * CHUNK * 3 + net.flat_grad(b[1]) * 50 * 3) / Y.size
    assert rel_error(net.flat_grad(cache), g) < 1e-12


@pytest.mark.parametrize("kind", ["elman", "lstm", "gru"])
@pytest.mark.parametrize("out_tf", ["softmax", "logsig"])
def test_recurrent_crossentropy_gradient(kind, out_tf, rng):
    net = registry.build(kind, [3, 4, 3], ["tansig", out_tf])
    net.perform = "crossentropy"
    net.theta[:] = rng.normal(scale=0.6, size=net.theta.size)
    X, Y = rng.normal(size=(5, 3)), _one_hot(rng, 5, 3)
    h0 = rng.normal(scale=0.5, size=4) if kind != "lstm" else None
    _, grads = net.loss_and_grads(X, Y, h0)
    for name, p in net.params.items():
        num = numeric_grad(lambda: net.loss(X, Y, h0)[0], p)
        assert rel_error(grads[name], num) < 1e-6, name
    if h0 is not None:
        assert rel_error(grads["h0"], numeric_grad(lambda: net.loss(X, Y, h0)[0], h0)) < 1e-6


def test_elman_softmax_mse_gradient(rng):
    net = ElmanNet(2, 3, 3, ("tansig", "softmax"))
    net.theta[:] = rng.normal(scale=0.6, size=net.theta.size)
    X, Y = rng.normal(size=(4, 2)), _one_hot(rng, 4, 3)
    flat = net.flat_grad(net.loss(X, Y)[1])
    assert rel_error(flat, numeric_grad(lambda: net.loss(X, Y)[0], net.theta)) < 1e-6


def test_output_error_is_y_minus_t_over_elements(rng):
    """SPEC 13: with softmax + crossentropy and one-hot t, dperf/dn = (y - t) / (N K)."""
    n = rng.normal(size=(4, 3))
    tf = transfer.get("softmax")
    y, t = tf.f(n.copy()), _one_hot(rng, 4, 3)
    assert np.allclose(perform.output_error(tf, n, y, t, t.size), (y - t) / 12)

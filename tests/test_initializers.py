"""Nguyen-Widrow (MATLAB initnw) magnitudes, bias spread, range mapping; rands; warm starts."""
import numpy as np
import pytest

from bpnet.errors import InputError
from bpnet.nets import initializers
from bpnet.nets.elman import ElmanNet
from bpnet.nets.feedforward import BPNet


def test_nguyen_widrow_magnitudes_and_bias_spread():
    # inputs in [-1, 1]: the input map is the identity, so for tansig (active range [-2, 2])
    # every row has length 2 * 0.7 * S^(1/R) and the biases are 2 * wMag * linspace * sign.
    S, R = 5, 3
    W, b = initializers.nguyen_widrow(S, np.tile([-1.0, 1.0], (R, 1)), (-2.0, 2.0),
                                      np.random.default_rng(0))
    mag = 0.7 * S ** (1 / R)
    np.testing.assert_allclose(np.linalg.norm(W, axis=1), 2 * mag, rtol=1e-14)
    np.testing.assert_allclose(b, 2 * mag * np.linspace(-1, 1, S) * np.sign(W[:, 0]), rtol=1e-14)
    # the directions are MATLAB's rands(S, R) rows normalised, from the caller's generator
    raw = np.random.default_rng(0).uniform(-1, 1, size=(S, R))
    np.testing.assert_allclose(W, 2 * mag * raw / np.linalg.norm(raw, axis=1, keepdims=True),
                               rtol=1e-14)


def test_nguyen_widrow_logsig_active_range():
    W, b = initializers.nguyen_widrow(4, np.tile([-1.0, 1.0], (2, 1)), (-4.0, 4.0),
                                      np.random.default_rng(3))
    mag = 0.7 * 4 ** 0.5
    np.testing.assert_allclose(np.linalg.norm(W, axis=1), 4 * mag, rtol=1e-14)
    assert np.allclose(np.abs(b), 4 * mag * np.abs(np.linspace(-1, 1, 4)))


def test_nguyen_widrow_maps_the_input_range():
    """On inputs in [pmin, pmax] the net inputs equal those of [-1, 1] inputs mapped linearly."""
    ranges = np.array([[0.0, 10.0], [-3.0, 5.0]])
    W, b = initializers.nguyen_widrow(6, ranges, (-2.0, 2.0), np.random.default_rng(7))
    Wu, bu = initializers.nguyen_widrow(6, np.tile([-1.0, 1.0], (2, 1)), (-2.0, 2.0),
                                        np.random.default_rng(7))
    p = np.array([[0.0, -3.0], [10.0, 5.0], [2.5, 1.0]])
    u = 2 * (p - ranges[:, 0]) / (ranges[:, 1] - ranges[:, 0]) - 1
    np.testing.assert_allclose(p @ W.T + b, u @ Wu.T + bu, rtol=1e-12, atol=1e-12)


def test_nguyen_widrow_constant_input_and_single_unit():
    W, b = initializers.nguyen_widrow(1, np.array([[2.0, 2.0], [-1.0, 1.0]]), (-2.0, 2.0),
                                      np.random.default_rng(0))
    assert W[0, 0] == 0.0                       # constant input: weight 0
    assert abs(W[0, 1]) == pytest.approx(2 * 0.7)  # r = 1 input left, S = 1: wMag = 0.7
    assert b[0] == 0.0                          # S == 1: b = 0


def test_bpnet_init_layers():
    net = BPNet([2, 4, 3, 1], ["tansig", "logsig", "purelin"])
    net.init_weights("nguyen-widrow", np.random.default_rng(0), np.tile([-1.0, 1.0], (2, 1)))
    p = net.params
    np.testing.assert_allclose(np.linalg.norm(p["W1"], axis=1), 2 * 0.7 * 4 ** 0.5)
    # layer 2's inputs are tansig outputs in [-1, 1]: logsig rows of length 4 * 0.7 * 3^(1/4)
    np.testing.assert_allclose(np.linalg.norm(p["W2"], axis=1), 4 * 0.7 * 3 ** 0.25)
    # purelin output layer: rands
    assert np.all(np.abs(p["W3"]) <= 1) and np.all(np.abs(p["b3"]) <= 1)
    net2 = BPNet([2, 4, 3, 1], ["tansig", "logsig", "purelin"])
    net2.init_weights("nguyen-widrow", np.random.default_rng(0), np.tile([-1.0, 1.0], (2, 1)))
    np.testing.assert_array_equal(net.theta, net2.theta)  # one seed, same weights


def test_elman_nguyen_widrow_treats_state_as_input():
    net = ElmanNet(2, 5, 1)
    net.init_weights("nguyen-widrow", np.random.default_rng(0), np.tile([-1.0, 1.0], (2, 1)))
    W = np.hstack([net.params["Wx"], net.params["Wh"]])
    np.testing.assert_allclose(np.linalg.norm(W, axis=1), 2 * 0.7 * 5 ** (1 / 7), rtol=1e-14)


def test_uniform_init():
    net = BPNet([3, 4, 4, 1], ["tansig", "tansig", "purelin"])
    net.init_weights("uniform", np.random.default_rng(0), np.tile([-5.0, 5.0], (3, 1)))
    assert np.all(np.abs(net.theta) <= 1) and np.std(net.theta) > 0.3


def test_load_weights_checks_names_and_shapes(tmp_path):
    net = BPNet([2, 3, 3, 1], ["tansig", "tansig", "purelin"])
    net.theta[:] = np.arange(net.theta.size)
    path = tmp_path / "w.npz"
    np.savez(path, **net.params)
    other = BPNet([2, 3, 3, 1], ["tansig", "tansig", "purelin"])
    initializers.load_weights(other.params, str(path))
    np.testing.assert_array_equal(other.theta, net.theta)
    with pytest.raises(InputError, match="W1 has shape"):
        initializers.load_weights(BPNet([3, 3, 3, 1], ["tansig"] * 2 + ["purelin"]).params,
                                  str(path))
    np.savez(tmp_path / "partial.npz", W1=net.params["W1"])
    with pytest.raises(InputError, match="has no b1"):
        initializers.load_weights(other.params, str(tmp_path / "partial.npz"))
    np.savez(tmp_path / "obj.npz", **{**net.params, "W1": np.array([None, 1], dtype=object)})
    with pytest.raises(InputError):
        initializers.load_weights(other.params, str(tmp_path / "obj.npz"))

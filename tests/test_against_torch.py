"""Loss and gradients against PyTorch autograd (float64), when PyTorch is installed.

PyTorch is not a dependency; these checks run where it is present and are skipped elsewhere.
"""
import numpy as np
import pytest

from bpnet.nets.elman import ElmanNet
from bpnet.nets.feedforward import BPNet

torch = pytest.importorskip("torch")


def test_elman_matches_nn_rnn_autograd(rng):
    D, H, K, T = 3, 5, 2, 12
    net = ElmanNet(D, H, K)
    net.theta[:] = rng.normal(scale=0.5, size=net.theta.size)
    X, Y, h0 = rng.normal(size=(T, D)), rng.normal(size=(T, K)), rng.normal(size=H)
    perf, grads = net.loss_and_grads(X, Y, h0)

    rnn = torch.nn.RNN(D, H, nonlinearity="tanh", dtype=torch.float64)
    lin = torch.nn.Linear(H, K, dtype=torch.float64)
    p = net.params
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(p["Wx"]))
        rnn.weight_hh_l0.copy_(torch.from_numpy(p["Wh"]))
        rnn.bias_ih_l0.copy_(torch.from_numpy(p["bh"]))
        rnn.bias_hh_l0.zero_()
        lin.weight.copy_(torch.from_numpy(p["Wy"]))
        lin.bias.copy_(torch.from_numpy(p["by"]))
    th0 = torch.tensor(h0[None, None, :], requires_grad=True)
    out, h_n = rnn(torch.from_numpy(X)[:, None, :], th0)
    loss = torch.mean((torch.from_numpy(Y) - lin(out[:, 0, :])) ** 2)
    loss.backward()
    assert perf == pytest.approx(loss.item(), rel=1e-12)
    pairs = {"Wx": rnn.weight_ih_l0, "Wh": rnn.weight_hh_l0, "bh": rnn.bias_ih_l0,
             "Wy": lin.weight, "by": lin.bias}
    for name, t in pairs.items():
        np.testing.assert_allclose(grads[name], t.grad.numpy(), rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(grads["h0"], th0.grad.numpy()[0, 0], rtol=1e-9, atol=1e-14)
    Y_hat, h_last = net.forward(X, h0)
    np.testing.assert_allclose(h_last, h_n.detach().numpy()[0, 0], rtol=1e-12)


def test_bpnet_matches_autograd(rng):
    net = BPNet([4, 6, 5, 2], ["tansig", "logsig", "purelin"])
    net.theta[:] = rng.normal(scale=0.5, size=net.theta.size)
    X, Y = rng.normal(size=(20, 4)), rng.normal(size=(20, 2))
    perf, grads = net.loss_and_grads(X, Y)
    t = {k: torch.tensor(v, requires_grad=True) for k, v in net.params.items()}
    a1 = torch.tanh(torch.from_numpy(X) @ t["W1"].T + t["b1"])
    a2 = torch.sigmoid(a1 @ t["W2"].T + t["b2"])
    y = a2 @ t["W3"].T + t["b3"]
    loss = torch.mean((torch.from_numpy(Y) - y) ** 2)
    loss.backward()
    assert perf == pytest.approx(loss.item(), rel=1e-12)
    for k in net.params:
        np.testing.assert_allclose(grads[k], t[k].grad.numpy(), rtol=1e-9, atol=1e-14)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_gated_cells_match_pytorch(kind, rng):
    from bpnet.nets.gated import GatedNet
    D, H, K, T = 3, 5, 2, 10
    net = GatedNet(kind, D, H, K)
    net.theta[:] = rng.normal(scale=0.5, size=net.theta.size)
    X, Y = rng.normal(size=(T, D)), rng.normal(size=(T, K))
    h0 = rng.normal(size=H)
    c0 = rng.normal(size=H)
    state = (h0, c0) if kind == "lstm" else h0
    perf, grads = net.loss_and_grads(X, Y, state)
    cls = torch.nn.LSTM if kind == "lstm" else torch.nn.GRU
    rnn = cls(D, H, dtype=torch.float64)
    lin = torch.nn.Linear(H, K, dtype=torch.float64)
    p = net.params
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(p["Wx"]))
        rnn.weight_hh_l0.copy_(torch.from_numpy(p["Wh"]))
        rnn.bias_ih_l0.copy_(torch.from_numpy(p["bx"]))
        rnn.bias_hh_l0.copy_(torch.from_numpy(p["bh"]))
        lin.weight.copy_(torch.from_numpy(p["Wy"]))
        lin.bias.copy_(torch.from_numpy(p["by"]))
    th0 = torch.tensor(h0[None, None, :], requires_grad=True)
    tc0 = torch.tensor(c0[None, None, :], requires_grad=True)
    x = torch.from_numpy(X)[:, None, :]
    out, _ = rnn(x, (th0, tc0)) if kind == "lstm" else rnn(x, th0)
    loss = torch.mean((torch.from_numpy(Y) - lin(out[:, 0, :])) ** 2)
    loss.backward()
    assert perf == pytest.approx(loss.item(), rel=1e-12)
    pairs = {"Wx": rnn.weight_ih_l0, "Wh": rnn.weight_hh_l0, "bx": rnn.bias_ih_l0,
             "bh": rnn.bias_hh_l0, "Wy": lin.weight, "by": lin.bias}
    for name, t in pairs.items():
        np.testing.assert_allclose(grads[name], t.grad.numpy(), rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(grads["h0"], th0.grad.numpy()[0, 0], rtol=1e-9, atol=1e-13)
    if kind == "lstm":
        np.testing.assert_allclose(grads["c0"], tc0.grad.numpy()[0, 0], rtol=1e-9, atol=1e-13)


def test_softmax_crossentropy_matches_nn_crossentropyloss(rng):
    """bpnet divides by N*K target elements, nn.CrossEntropyLoss (mean) by N: the loss and
    every gradient agree after multiplying bpnet's by K."""
    N, D, K = 9, 3, 4
    net = BPNet([D, 5, K], ["tansig", "softmax"])
    net.perform = "crossentropy"
    net.theta[:] = rng.normal(scale=0.7, size=net.theta.size)
    X, labels = rng.normal(size=(N, D)), rng.integers(0, K, N)
    perf, grads = net.loss_and_grads(X, np.eye(K)[labels])
    W1, b1, W2, b2 = (torch.tensor(net.params[k], requires_grad=True)
                      for k in ("W1", "b1", "W2", "b2"))
    logits = torch.tanh(torch.from_numpy(X) @ W1.T + b1) @ W2.T + b2
    loss = torch.nn.CrossEntropyLoss()(logits, torch.from_numpy(labels))
    loss.backward()
    assert perf * K == pytest.approx(loss.item(), rel=1e-12)
    for name, t in zip(("W1", "b1", "W2", "b2"), (W1, b1, W2, b2)):
        assert np.allclose(grads[name] * K, t.grad.numpy(), rtol=1e-10, atol=1e-13), name

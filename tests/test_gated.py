"""LSTM and GRU: exact BPTT against central differences, PyTorch's equations, the stateful call."""
import json

import numpy as np
import pytest
from conftest import numeric_grad, numeric_jacobian, predict_column_and_run_column, rel_error

from bpnet.cli import main
from bpnet.config import build_config
from bpnet.data import dataset as data
from bpnet.errors import InputError
from bpnet.nets.gated import GatedNet
from bpnet.train import experiment


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


# ------------------------------------------------------------------ in the pipeline

import json  # noqa: E402

from bpnet.data import dataset as data  # noqa: E402
from bpnet.train import experiment
from bpnet.cli import main  # noqa: E402
from bpnet.config import build_config  # noqa: E402
from bpnet.errors import InputError  # noqa: E402


def series_cfg(root, kind, **train):
    raw = {"data": {"path": str(root / "data/airline_passengers.csv"), "series": "passengers",
                    "time": "month", "lags": [1], "month": True},
           "split": {"method": "block", "train": 0.7, "val": 0.15, "test": 0.15},
           "train": {"epochs": 15, "show": 0, **train},
           "models": {"m": {"type": kind, "hidden": 5}}}
    return build_config(raw, "t.yaml")


@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("algorithm", ["traingd", "traingdm", "traingda", "traingdx",
                                       "trainrp", "trainlm", "adam"])
def test_every_rule_trains_gated_nets(root, kind, algorithm):
    cfg = series_cfg(root, kind, algorithm=algorithm)
    ds = data.load(cfg, np.random.default_rng(0))
    r = experiment.fit_model("m", cfg.models["m"], ds, 0)
    h = r.train.history
    assert r.train.epochs >= 1 and h["perf"].min() < h["perf"][0]
    # the whole series runs as one sequence: the val part's mse is recorded as scored
    assert h["vperf"][r.train.best_epoch] == pytest.approx(r.scores["val"]["mse"], rel=1e-12)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_saved_gated_model_predicts_and_forecasts(root, tmp_path, kind):
    out = tmp_path / "o"
    assert main([str(root / "configs/passengers.yaml"), "--out", str(out), "--quiet",
                 "--set", f"models.bp.type={kind}", "--set", "models.bp.hidden=[6]",
                 "--set", "models.bp.transfer=null", "--set", "models.bp.init=null",
                 "--set", "train.epochs=20"]) == 0
    with np.load(out / "model_bp.npz", allow_pickle=False) as z:
        G = 4 if kind == "lstm" else 3
        assert z["Wx"].shape == (G * 6, 2) and z["Wh"].shape == (G * 6, 6)
        assert z["bx"].shape == z["bh"].shape == (G * 6,)
        assert json.loads(str(z["meta"]))["model"] == kind
    ours, theirs = predict_column_and_run_column(root, out, tmp_path)
    assert ours == theirs
    assert main(["forecast", str(out / "model_bp.npz"), str(root / "data/airline_passengers.csv"),
                 "--steps", "6", "--out", str(tmp_path / "f.csv")]) == 0


def test_gated_config_mistakes(root):
    with pytest.raises(InputError, match="nguyen-widrow is for feedforward and elman"):
        build_config({"data": {"path": "x.csv", "series": "y"},
                      "models": {"m": {"type": "lstm", "init": "nguyen-widrow"}}}, "t.yaml")
    with pytest.raises(InputError, match="only the output layer's transfer"):
        build_config({"data": {"path": "x.csv", "series": "y"},
                      "models": {"m": {"type": "gru", "transfer": ["logsig", "purelin"]}}},
                     "t.yaml")

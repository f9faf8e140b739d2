"""The Elman network in the pipeline: one sequence per series, each part scored on its own steps,
the same training rules, clip_norm in the record, tabular sequences."""
import json

import numpy as np
import pytest

from bpnet import experiment
from bpnet.cli import main
from bpnet.config import TrainConfig, build_config
from bpnet.data import dataset as data
from bpnet.nets.elman import ElmanNet
from bpnet.train import loop as training
from bpnet.train.objective import NetObjective


def series_cfg(root, split=(0.7, 0.0, 0.3), **model):
    raw = {"data": {"path": str(root / "data/airline_passengers.csv"), "series": "passengers",
                    "time": "month", "lags": [1], "month": True},
           "split": {"method": "block", "train": split[0], "val": split[1], "test": split[2]},
           "train": {"epochs": 40, "show": 0},
           "models": {"elman": {"type": "elman", "hidden": 6, **model}}}
    return build_config(raw, "t.yaml")


def test_series_is_one_sequence_and_parts_keep_their_steps(root):
    cfg = series_cfg(root, split=(0.7, 0.15, 0.15))
    ds = data.load(cfg, np.random.default_rng(0))
    r = experiment.fit_model("elman", cfg.models["elman"], ds, 0)
    net = r.net
    whole = ds.y_scaler.inverse_transform(net.predict(ds.Xs))
    np.testing.assert_array_equal(r.predictions, whole)
    # the training part alone, from h0 = 0, gives the same steps: training saw exactly these
    train_only = ds.y_scaler.inverse_transform(net.predict(ds.scaled("train")[0]))
    np.testing.assert_allclose(r.predictions[ds.index["train"]], train_only, rtol=1e-12)
    # ... and the test part run on its own (from h0 = 0) would differ: the state matters
    alone = ds.y_scaler.inverse_transform(net.predict(ds.scaled("test")[0]))
    assert not np.allclose(alone, r.predictions[ds.index["test"]])
    # the val perf recorded at the best epoch is the val part's mse of the returned net
    h = r.train.history
    assert h["vperf"][r.train.best_epoch] == pytest.approx(r.scores["val"]["mse"], rel=1e-12)


@pytest.mark.parametrize("split, kind", [((0.7, 0.15, 0.15), "elman"), ((0.6, 0.2, 0.2), "lstm")])
def test_val_and_test_perf_go_on_from_the_state_training_ended_in(root, split, kind):
    # with the training part first, the val/test perf continues the training pass; it is the
    # perf of the whole series run from the zero state
    cfg = series_cfg(root, split=split, type=kind)
    ds = data.load(cfg, np.random.default_rng(0))
    m = cfg.models["elman"]
    r = experiment.fit_model("elman", m, ds, 0)
    X, Y = ds.scaled("train")
    obj = NetObjective(r.net, X, Y)
    theta = r.net.theta.copy() * 1.01
    obj.perf(theta)
    assert obj.state_after(theta) is not None
    assert obj.state_after(theta * 2.0) is None          # ran at other weights: no shortcut
    fast = experiment.make_val_test_perf(r.net, ds, 0.0, obj)(theta)
    whole = experiment.make_val_test_perf(r.net, ds, 0.0)(theta)
    np.testing.assert_allclose(fast, whole, rtol=1e-12)
    Yhat = r.net.predict(ds.Xs)
    v, t = (ds.index[p] for p in ("val", "test"))
    np.testing.assert_allclose(whole, [np.mean((Yhat[v] - ds.Ys[v]) ** 2),
                                       np.mean((Yhat[t] - ds.Ys[t]) ** 2)], rtol=1e-12)


@pytest.mark.parametrize("algorithm", ["traingd", "traingdm", "traingda", "traingdx"])
def test_every_rule_trains_the_elman_network(root, algorithm):
    cfg = series_cfg(root, train={"algorithm": algorithm, "lr": 0.01})
    ds = data.load(cfg, np.random.default_rng(0))
    r = experiment.fit_model("elman", cfg.models["elman"], ds, 0)
    assert r.train.epochs == 40
    assert r.train.history["perf"][r.train.best_epoch] < r.train.history["perf"][0]


def test_clip_norm_is_counted(root):
    cfg = series_cfg(root, clip_norm=0.05)
    ds = data.load(cfg, np.random.default_rng(0))
    r = experiment.fit_model("elman", cfg.models["elman"], ds, 0)
    assert r.train.clipped > 0
    assert r.train.history["clipped"][-1] == r.train.clipped
    # the steps really were shorter: recorded norms are the unclipped lengths
    assert np.any(r.train.history["gradient"] > 0.05)


def test_tabular_parts_are_their_own_sequences(tmp_path):
    rng = np.random.default_rng(0)
    rows = "\n".join(f"{a:.6f},{b:.6f},{a + b:.6f}" for a, b in rng.normal(size=(30, 2)))
    (tmp_path / "d.csv").write_text("a,b,y\n" + rows + "\n")
    raw = {"data": {"path": str(tmp_path / "d.csv"), "inputs": ["a", "b"], "targets": ["y"]},
           "split": {"train": 0.7, "val": 0.0, "test": 0.3}, "train": {"epochs": 5, "show": 0},
           "models": {"e": {"type": "elman", "hidden": 3}}}
    cfg = build_config(raw, "t.yaml")
    ds = data.load(cfg, np.random.default_rng(0))
    r = experiment.fit_model("e", cfg.models["e"], ds, 0)
    test_alone = ds.y_scaler.inverse_transform(r.net.predict(ds.scaled("test")[0]))
    np.testing.assert_array_equal(r.predictions[ds.index["test"]], test_alone)


def test_default_config_trains_both_side_by_side(root, tmp_path):
    out = tmp_path / "out"
    assert main([str(root / "configs/passengers.yaml"), "--out", str(out), "--quiet",
                 "--set", "train.epochs=30"]) == 0
    m = json.loads((out / "metrics.json").read_text())["models"]
    assert set(m) == {"bp", "elman"} and m["elman"]["type"] == "elman"
    header = (out / "predictions.csv").read_text().splitlines()[0].split(",")
    assert header == ["month", "split", "target", "bp", "bp_relerr", "elman", "elman_relerr",
                      "naive", "naive_multistep", "seasonal_naive", "seasonal_naive_multistep",
                      "ols"]
    with np.load(out / "model_elman.npz", allow_pickle=False) as z:
        assert z["Wx"].shape == (32, 2) and z["Wh"].shape == (32, 32) and z["by"].shape == (1,)
        assert {"x_mean", "x_std", "y_mean", "y_std", "meta"} <= set(z.files)
    for name in ("errors_elman.png", "history_elman.csv", "fit.png"):
        assert (out / name).stat().st_size > 0


def test_objective_on_the_elman_net_is_the_sequence_mse(rng):
    net = ElmanNet(2, 4, 1)
    net.theta[:] = rng.normal(size=net.theta.size)
    X, Y = rng.normal(size=(7, 2)), rng.normal(size=(7, 1))
    obj = NetObjective(net, X, Y)
    perf, g = obj.perf_and_gradient(net.theta.copy())
    ref_perf, grads = net.loss_and_grads(X, Y)
    assert perf == ref_perf
    np.testing.assert_array_equal(-g[:8], grads["Wx"].ravel())
    r = training.train(obj, net.theta.copy(), TrainConfig(epochs=3, show=0))
    assert r.epochs == 3

"""LSTM and GRU networks in the whole pipeline: every rule, saved models, config mistakes."""
import json

import numpy as np
import pytest
from helpers import predict_column_and_run_column

from bpnet import experiment
from bpnet.cli import main
from bpnet.config import build_config
from bpnet.data import dataset as data
from bpnet.errors import InputError


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
        assert json.loads(str(z["meta"]))["type"] == kind
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

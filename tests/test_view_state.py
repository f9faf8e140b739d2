"""What the live page's /status says of a training: its bars (one per stop condition of the
record, trainlm's mu and trainbr's gamk among them), its curve, its best epoch, read from the
record the loop hands over."""
from __future__ import annotations

import math

import numpy as np
from iohelpers import tiny_config

from bpnet import api
from bpnet.data import dataset
from bpnet.memory import network_values
from bpnet.view.state import CURVE_POINTS, RunState, Training, curve, decades_frac, linear_frac


def test_fractions_of_the_bars():
    assert linear_frac(250, 1000) == 0.25 and linear_frac(5, math.inf) is None
    assert decades_frac(1e-2, 1.0, 1e-4) == 0.5              # two of four decades down
    assert decades_frac(1e-3, 1e-3, 1e10) == 0.0             # mu at its start
    assert math.isclose(decades_frac(1e2, 1e-3, 1e10), 5 / 13)   # mu going up to mu_max
    assert math.isclose(decades_frac(1e-5, 1.0, 0.0), 0.5)   # goal 0: ten decades down
    assert decades_frac(2.0, 1.0, 1e-4) == 0.0 and decades_frac(math.nan, 1.0, 0.1) is None


def test_curve_keeps_at_most_its_points_the_last_and_the_best():
    rows = [(e, 1.0 / (e + 1), math.nan, 2.0, 0.1, 0, 0, ()) for e in range(5001)]
    c = curve(rows, best=4097)
    assert len(c["epoch"]) <= CURVE_POINTS + 2 and c["epoch"][-1] == 5000
    assert 4097 in c["epoch"] and c["epoch"] == sorted(c["epoch"])
    assert c["epoch"][1] - c["epoch"][0] == 32 and c["val"][0] is None and c["test"][0] == 2.0


def test_best_epoch_as_the_loop_chooses_it():
    t = Training(1, 0)
    rows = [(0, 5.0, 3.0, 0, 0, 0, 0, ()), (1, 4.0, 2.0, 0, 0, 0, 0, ()),
            (2, 3.0, 2.0, 0, 0, 1, 0, ())]
    assert t.best_epoch(rows, has_val=True) == 1   # an equal vperf is no improvement
    rows.append((3, 2.0, 1.5, 0, 0, 0, 0, ()))
    assert t.best_epoch(rows, has_val=True) == 3


def _watched(tmp_path, models: str, values: dict | None = None) -> tuple:
    path = tiny_config(tmp_path, models, epochs=6)
    cfg = api.configure(path, values or {})
    data = dataset.load(cfg, np.random.default_rng(cfg.seed))
    cfg = dataset.resolved(cfg, data)
    state = RunState("c.yaml", "out")
    state.configure(cfg, data.X.shape[1], data.Y.shape[1], "val" in data.index)
    result = api.execute(cfg, data, write=False, watching=state.watch)
    status = state.status()
    return status, {m["name"]: m["trainings"][0] for m in status["models"]}, result


def test_trainlm_and_trainbr_bars_with_a_val_part(tmp_path):
    split = {"split.train": 0.6, "split.val": 0.2, "split.test": 0.2}
    models = ("{lm: {type: feedforward, hidden: [3], train: {algorithm: trainlm}}, "
              "br: {type: feedforward, hidden: [3], train: {algorithm: trainbr}}}")
    status, t, result = _watched(tmp_path, models, split)
    lm = {b["name"]: b for b in t["lm"]["bars"]}
    br = {b["name"]: b for b in t["br"]["bars"]}
    h = result.histories
    assert lm["Mu"]["value"] == h["lm"]["mu"][-1] and lm["Mu"]["limit"] == 1e10
    assert lm["Mu"]["start"] == h["lm"]["mu"][0] and lm["Mu"]["scale"] == "log"
    assert lm["Validation Checks"]["limit"] == 6
    assert lm["Validation Checks"]["value"] == h["lm"]["val_fail"][-1]
    assert "Learning rate" not in lm
    assert br["Effective # Param"]["value"] == h["br"]["gamk"][-1]
    assert br["Effective # Param"]["limit"] == network_values("feedforward", [2, 3, 1])
    assert br["Sum Squared Param"]["value"] == h["br"]["ssX"][-1]
    for name, r in zip(("lm", "br"), result.results):
        assert t[name]["stop_reason"] == r.train.stop_reason
        assert t[name]["best_epoch"] == r.train.best_epoch
        assert t[name]["curve"]["val"] == list(h[name]["vperf"])
    assert [layer["size"] for layer in status["models"][0]["layers"]] == [2, 3, 1]


def test_recurrent_layers_and_perf_bars(tmp_path):
    status, t, result = _watched(tmp_path, "{e: {type: elman, hidden: 4}, "
                                 "g: {type: lstm, hidden: 3}}")
    e, g = (m["layers"] for m in status["models"])
    assert e[1] == {"name": "Hidden", "size": 4, "transfer": "tansig", "kind": "recurrent"}
    assert g[1]["kind"] == "LSTM"
    bars = {b["name"]: b for b in t["e"]["bars"]}
    h = result.histories["e"]
    assert bars["Epoch"] == {"name": "Epoch", "start": 0, "value": 6, "limit": 6, "frac": 1.0,
                             "scale": "linear"}
    assert bars["Performance"]["value"] == h["perf"][-1]
    assert bars["Performance"]["start"] == h["perf"][0]
    assert bars["Gradient"]["value"] == h["gradient"][-1] and bars["Time"]["limit"] is None
    assert "Validation Checks" not in bars   # no val part

"""Exogenous inputs of a series (MATLAB narxnet / timedelaynet, docs/semantics.md#exogenous-inputs):
the
sample layout, open-loop training of every network type and rule, the closed-loop forecast
(no value of the series after the origin, the actual future exogenous values), forecasts from a
saved model reading future rows, the bad inputs, and a held-out system on which the exogenous
inputs must pay."""
import json

import numpy as np
import pytest
from iohelpers import column, one_error_line, predicted

import bpnet
from bpnet import data, experiment
from bpnet.cli import main
from bpnet.config import build_config
from bpnet.config.schema import ALGORITHMS
from bpnet.errors import InputError
from bpnet.report.forecast import multistep

GOLDEN = "t,x,y\n1,10,1\n2,20,2\n3,30,3\n4,40,4\n5,50,5\n"


def write_system(path, n=300, seed=0, future=0, x_future=None):
    """A series y driven by x (white noise) through x[t-1] and x[t-2], with a little feedback
    of its own and noise; ``future`` rows of x after it with y blank."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, n + future)
    if x_future is not None:
        x[n:] = x_future
    y = np.zeros(n + future)
    for t in range(2, n + future):
        y[t] = 0.5 * y[t - 1] - 0.2 * y[t - 2] + np.sin(2 * x[t - 1]) + 0.5 * x[t - 2] ** 2 \
            + rng.normal(0, 0.05)
    rows = [f"{i},{float(x[i])!r}," + (f"{float(y[i])!r}" if i < n else "")
            for i in range(n + future)]
    path.write_text("step,x,y\n" + "\n".join(rows) + "\n")
    return x, y


def config(path, **over):
    raw = {"data": {"path": str(path), "series": "y", "lags": [1, 2], "exog": {"x": [1, 2]}},
           "split": {"method": "block", "train": 0.7, "val": 0.0, "test": 0.3},
           "forecast": {"horizon": "test"},
           "train": {"algorithm": "trainlm", "epochs": 15, "show": 0},
           "models": {"bp": {"type": "feedforward", "hidden": [6],
                             "transfer": ["tansig", "purelin"]},
                      "elman": {"type": "elman", "hidden": 4}}}
    for key, value in over.items():
        block, _, leaf = key.partition(".")
        if leaf:
            raw[block] = {**raw[block], leaf: value}
        else:
            raw[block] = value
    return build_config(raw, "t.yaml")


def test_golden_sample_layout(tmp_path):
    """x = 10..50, y = 1..5, input delays [1, 2], feedback delays [1, 2]: 3 samples, the first
    predicting y = 3 from x[t-1] = 20, x[t-2] = 10, y[t-1] = 2, y[t-2] = 1, in that order."""
    (tmp_path / "g.csv").write_text(GOLDEN)
    c = config(tmp_path / "g.csv", split={"method": "block", "train": 1.0, "val": 0.0,
                                           "test": 0.0}, forecast={"horizon": None})
    ds = data.load(c, np.random.default_rng(0))
    assert ds.feature_names == ["x[t-1]", "x[t-2]", "y[t-1]", "y[t-2]"]
    np.testing.assert_array_equal(ds.X, [[20, 10, 2, 1], [30, 20, 3, 2], [40, 30, 4, 3]])
    np.testing.assert_array_equal(ds.Y[:, 0], [3, 4, 5])
    assert ds.labels == ["2", "3", "4"]   # without data.time: the rows, counted from 0


def test_delay_zero_several_columns_and_no_lags(tmp_path):
    (tmp_path / "g.csv").write_text("t,x,z,y\n" + "".join(
        f"{i},{10 * i},{100 * i},{i}\n" for i in range(1, 6)))
    raw = {"data": {"path": str(tmp_path / "g.csv"), "series": "y", "lags": [],
                    "exog": {"z": [0], "x": [2, 0]}},
           "split": {"method": "block", "train": 1.0, "val": 0.0, "test": 0.0},
           "models": {"bp": {"type": "feedforward"}}}
    ds = data.load(build_config(raw, "t.yaml"), np.random.default_rng(0))
    # columns in the config's order, each with ascending delays; a time-delay network: no y
    assert ds.feature_names == ["z[t]", "x[t]", "x[t-2]"]
    np.testing.assert_array_equal(ds.X[0], [300, 30, 10])
    assert ds.Y[0, 0] == 3 and len(ds.X) == 3


def test_exog_transform_log_and_difference(tmp_path):
    (tmp_path / "g.csv").write_text(GOLDEN)
    raw = {"data": {"path": str(tmp_path / "g.csv"), "series": "y", "lags": [1],
                    "exog": {"x": [0, 1]}, "exog_transform": {"log": True, "difference": [1]}},
           "split": {"method": "block", "train": 1.0, "val": 0.0, "test": 0.0},
           "models": {"bp": {"type": "feedforward"}}}
    ds = data.load(build_config(raw, "t.yaml"), np.random.default_rng(0))
    assert ds.feature_names == ["diff1(log(x))[t]", "diff1(log(x))[t-1]", "y[t-1]"]
    # the first difference of log x is defined from t = 1; delay 1 needs t = 2
    np.testing.assert_allclose(ds.X[0], [np.log(30 / 20), np.log(20 / 10), 2])
    np.testing.assert_array_equal(ds.targets[:, 0], [3, 4, 5])   # y is not transformed


@pytest.mark.parametrize("kind", ["feedforward", "elman", "lstm", "gru"])
@pytest.mark.parametrize("rule", ALGORITHMS)
def test_every_network_and_rule_trains_open_loop(tmp_path, kind, rule):
    write_system(tmp_path / "s.csv", n=60)
    model = {"type": kind, "hidden": [3] if kind == "feedforward" else 3}
    if kind == "feedforward":
        model["transfer"] = ["tansig", "purelin"]
    c = config(tmp_path / "s.csv", models={"m": model},
               train={"algorithm": rule, "epochs": 3, "show": 0})
    ds = data.load(c, np.random.default_rng(0))
    r = experiment.fit_model("m", c.models["m"], ds, 0, horizon="test")
    assert r.net.sizes[0] == 4 and r.train.epochs >= 1
    assert np.isfinite(r.scores["test"]["rmse"]) and np.isfinite(r.multistep).all()


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The system, a BP and an Elman network trained on it (open loop)."""
    folder = tmp_path_factory.mktemp("sys")
    write_system(folder / "s.csv")
    c = config(folder / "s.csv")
    ds = data.load(c, np.random.default_rng(0))
    nets = {name: experiment.fit_model(name, c.models[name], ds, 0, horizon="test")
            for name in c.models}
    return folder, ds, nets


def _changed(folder, ds, column_index, scale):
    """The system's file with column ``column_index`` (1: x, 2: y) changed from the forecast
    origin on, loaded with the trained scaling."""
    lines = (folder / "s.csv").read_text().splitlines()
    origin = int(ds.series.positions[ds.index["test"][0]])
    out = lines[:1 + origin]
    for line in lines[1 + origin:]:
        cells = line.split(",")
        cells[column_index] = repr(float(cells[column_index]) * scale + 0.3)
        out.append(",".join(cells))
    (folder / "c.csv").write_text("\n".join(out) + "\n")
    ds2 = data.load(config(folder / "c.csv"), np.random.default_rng(0))
    ds2.x_scaler, ds2.y_scaler = ds.x_scaler, ds.y_scaler
    ds2.Xs = ds.x_scaler.transform(ds2.X)
    return ds2


@pytest.mark.parametrize("name", ["bp", "elman"])
def test_closed_loop_uses_no_series_value_after_the_origin(trained, name):
    folder, ds, nets = trained
    r = nets[name]
    ds2 = _changed(folder, ds, 2, -3.0)          # every y from the origin on
    np.testing.assert_array_equal(multistep(r.net, ds2, "test"), r.multistep)
    # the open-loop (one-step) predictions of the test part do see them
    test = ds.index["test"]
    assert not np.allclose(r.net.predict(ds2.Xs)[test], r.net.predict(ds.Xs)[test])


@pytest.mark.parametrize("name", ["bp", "elman"])
def test_closed_loop_uses_the_future_exogenous_values(trained, name):
    folder, ds, nets = trained
    r = nets[name]
    ds2 = _changed(folder, ds, 1, -1.0)          # every x from the origin on
    other = multistep(r.net, ds2, "test")
    assert np.abs(other - r.multistep).max() > 0.1
    # the first step reads x[origin - 1] and x[origin - 2] only, which did not change
    assert other[0] == r.multistep[0]


def test_report_scores_open_and_closed_loop(tmp_path):
    write_system(tmp_path / "s.csv", n=120)
    (tmp_path / "c.yaml").write_text("""
data: {path: s.csv, series: y, lags: [1, 2], exog: {x: [1, 2]}}
split: {method: block, train: 0.7, val: 0.0, test: 0.3}
forecast: {horizon: test}
models:
  narx: {type: feedforward, hidden: [4], transfer: [tansig, purelin]}
  plain: {type: feedforward, hidden: [4], transfer: [tansig, purelin], exog: false}
train: {algorithm: trainlm, epochs: 10, show: 0}
""")
    out = tmp_path / "o"
    assert main([str(tmp_path / "c.yaml"), "--out", str(out), "--quiet"]) == 0
    m = json.loads((out / "metrics.json").read_text())
    for name in ("narx", "plain", "ols"):
        block = m["models"].get(name) or m["baselines"][name]
        assert {"test", "test_multistep"} <= set(block), name
    header = (out / "predictions.csv").read_text().splitlines()[0].split(",")
    assert {"narx", "narx_multistep", "plain_multistep", "naive_multistep"} <= set(header)
    assert (out / "forecast.png").stat().st_size > 0
    # the saved models: feature order and recipe in meta; the series-only one has no exog
    narx, plain = (bpnet.load_model(out / f"model_{n}.npz") for n in ("narx", "plain"))
    assert narx.meta.features == ["x[t-1]", "x[t-2]", "y[t-1]", "y[t-2]"]
    assert narx.meta.data.exog == {"x": (1, 2)}
    assert plain.meta.features == ["y[t-1]", "y[t-2]"] and plain.meta.data.exog == {}
    # each reloaded model predicts its column of predictions.csv to the last digit
    for name, model in (("narx", narx), ("plain", plain)):
        pred = predicted(model, tmp_path / "s.csv")
        saved = [float(v) for v in column(out / "predictions.csv", name)]
        assert pred.y_pred[-len(saved):, 0].tolist() == saved[-len(pred.y_pred):]


def test_forecast_reads_future_exogenous_rows(tmp_path, capsys):
    x, _ = write_system(tmp_path / "s.csv", n=150)
    (tmp_path / "c.yaml").write_text("""
data: {path: s.csv, series: y, lags: [1, 2], exog: {x: [1, 2]}}
split: {method: block, train: 0.8, val: 0.0, test: 0.2}
models: {narx: {type: feedforward, hidden: [4], transfer: [tansig, purelin]}}
train: {algorithm: trainlm, epochs: 10, show: 0}
""")
    out = tmp_path / "o"
    assert main([str(tmp_path / "c.yaml"), "--out", str(out), "--quiet"]) == 0
    model = out / "model_narx.npz"
    write_system(tmp_path / "f.csv", n=150, future=10)
    fc = tmp_path / "fc.csv"
    assert main(["forecast", str(model), str(tmp_path / "f.csv"), "--steps", "11",
                 "--out", str(fc)]) == 0
    values = [float(v) for v in column(fc, "prediction")]
    assert len(values) == 11 and (tmp_path / "fc.png").stat().st_size > 0
    # the same from Python, and other future values of x give another forecast
    m = bpnet.load_model(model)
    future, past = m.forecast_file(tmp_path / "f.csv", steps=11)
    assert future.y_pred[:, 0].tolist() == values and len(past.labels) == 150
    write_system(tmp_path / "g.csv", n=150, future=10, x_future=np.zeros(10))
    other = m.forecast_file(tmp_path / "g.csv", steps=11)[0].y_pred[:, 0]
    assert other[0] == values[0]   # step 1 reads x[149], x[148] only, the last known ones
    assert np.abs(other[1:] - values[1:]).max() > 1e-3
    # one step more than the future rows allow: one line saying how many are needed
    code = main(["forecast", str(model), str(tmp_path / "f.csv"), "--steps", "12",
                 "--out", str(fc)])
    assert code == 2
    one_error_line(capsys.readouterr().err,
                   "f.csv: a forecast of 12 step(s) from here needs the exogenous values (x) "
                   "of 11 row(s) after the last value of the series")
    with pytest.raises(InputError, match="needs the exogenous values"):
        m.forecast_file(tmp_path / "s.csv", steps=2)


BAD_CSV = "t,x,y\n" + "".join(f"{i},{(i * 7) % 5},{i % 3}\n" for i in range(30))


@pytest.mark.parametrize("data_block, csv, fragment", [
    ("lags: [1], exog: {y: [1]}", BAD_CSV, "data.exog.y: 'y' is the series itself"),
    ("lags: [1], exog: {x: [1, -1]}", BAD_CSV, "data.exog.x: must be a non-empty list of "
                                              "distinct delays >= 0"),
    ("lags: [0, 1], exog: {x: [1]}", BAD_CSV, "lag 0 would be the target itself"),
    ("lags: [], exog: {}", BAD_CSV, "data.lags: an empty list needs data.exog"),
    ("lags: [1], exog: {w: [1]}", BAD_CSV, "no column 'w' (named by data.exog.w)"),
    ("lags: [1], exog: [x]", BAD_CSV, "data.exog: expected a mapping {column: [delays]}"),
    ("lags: [1], exog: {x: [1]}", BAD_CSV.replace("\n7,4,1\n", "\n7,,1\n"),
     "d.csv: line 9, column x: empty cell"),
    ("lags: [1], exog_transform: {log: true}", BAD_CSV, "no data.exog column to transform"),
    ("lags: [1], exog: {x: [1]}, exog_transform: {log: true}", BAD_CSV,
     "column x: 0 has no logarithm"),
])
def test_bad_input_is_one_line(tmp_path, capsys, data_block, csv, fragment):
    (tmp_path / "d.csv").write_text(csv)
    (tmp_path / "c.yaml").write_text(
        f"data: {{path: d.csv, series: y, {data_block}}}\n"
        "split: {method: block, train: 0.7, val: 0.0, test: 0.3}\n"
        "models: {bp: {type: feedforward, hidden: [3]}}\ntrain: {epochs: 2, show: 0}\n")
    out = tmp_path / "o"
    assert main([str(tmp_path / "c.yaml"), "--out", str(out), "--quiet"]) == 2
    one_error_line(capsys.readouterr().err, fragment)
    assert not out.exists()


def test_held_out_system_exogenous_inputs_win_by_a_wide_margin(tmp_path):
    """A system written for this test only (nothing in bpnet was tuned on it): y follows a
    lagged outside input x through a nonlinearity. The same BP network with and without x."""
    rng = np.random.default_rng(7)
    n = 500
    x = np.zeros(n)
    for t in range(1, n):                                    # a wandering, zero-mean input
        x[t] = 0.8 * x[t - 1] + rng.normal(0, 0.5)
    y = np.zeros(n)
    for t in range(3, n):
        y[t] = 0.3 * y[t - 1] + np.tanh(1.5 * x[t - 3]) + 0.4 * x[t - 2] + rng.normal(0, 0.03)
    (tmp_path / "h.csv").write_text("x,y\n" + "".join(f"{float(a)!r},{float(b)!r}\n"
                                                       for a, b in zip(x, y)))
    c = config(tmp_path / "h.csv", data={"path": str(tmp_path / "h.csv"), "series": "y",
                                         "lags": [1, 2], "exog": {"x": [1, 2, 3]}},
               split={"method": "block", "train": 0.7, "val": 0.15, "test": 0.15},
               train={"algorithm": "trainlm", "epochs": 100, "show": 0},
               models={"narx": {"type": "feedforward", "hidden": [8],
                                "transfer": ["tansig", "purelin"]},
                       "alone": {"type": "feedforward", "hidden": [8],
                                 "transfer": ["tansig", "purelin"], "exog": False}})
    ds = data.load(c, np.random.default_rng(0))
    r = {name: experiment.fit_model(name, c.models[name], ds, 0, horizon="test")
         for name in c.models}
    for part in ("test", "test_multistep"):
        narx, alone = (r[name].scores[part]["rmse"] for name in ("narx", "alone"))
        assert narx < alone / 4, (part, narx, alone)


def test_transformed_series_and_exog_are_inverted_exactly(tmp_path):
    """data.transform differences the series and data.exog_transform the exogenous column;
    one-step predictions go back to original units with the actual past values, and the
    closed loop starts from the same first step."""
    _, y = write_system(tmp_path / "s.csv", n=150)
    c = config(tmp_path / "s.csv", data={
        "path": str(tmp_path / "s.csv"), "series": "y", "lags": [1, 2], "exog": {"x": [0, 1]},
        "transform": {"difference": [1]}, "exog_transform": {"difference": [1]}})
    ds = data.load(c, np.random.default_rng(0))
    assert ds.feature_names == ["diff1(x)[t]", "diff1(x)[t-1]", "diff1(y)[t-1]",
                                "diff1(y)[t-2]"]
    assert ds.series.positions[0] == 3          # diff of y (1) + lag 2; diff of x (1) + delay 1
    r = experiment.fit_model("bp", c.models["bp"], ds, 0, horizon="test")
    t = ds.series.positions
    w_hat = ds.y_scaler.inverse_transform(r.net.predict(ds.Xs))[:, 0]
    np.testing.assert_allclose(r.predictions[:, 0], w_hat + y[t - 1], rtol=1e-12)
    assert np.isfinite(r.multistep).all() and len(r.multistep) == len(ds.index["test"])
    # the first closed-loop step is the one-step prediction of the origin's sample
    assert r.multistep[0] == pytest.approx(r.predictions[ds.index["test"][0], 0], rel=1e-12)

"""Series transforms, the multi-step forecast and the baselines."""
import json

import numpy as np
import pytest
from helpers import predict_column_and_run_column

from bpnet import data, experiment
from bpnet.cli import main
from bpnet.config import build_config
from bpnet.data.transforms import SeriesTransform
from bpnet.errors import InputError
from bpnet.report.baselines import score_baselines
from bpnet.report.forecast import multistep


def airline(root) -> np.ndarray:
    lines = (root / "data/airline_passengers.csv").read_text().splitlines()[1:]
    return np.array([float(line.split(",")[1]) for line in lines])


@pytest.mark.parametrize("log, diffs", [(False, ()), (True, ()), (False, (1,)),
                                        (True, (1, 12)), (True, (12, 1)), (False, (2, 3))])
def test_transform_then_inverse_is_the_identity(root, log, diffs):
    y = airline(root)
    tf = SeriesTransform(log, diffs)
    stages = tf.stages(y)
    w = stages[-1]
    t = np.arange(tf.lost, len(y))
    assert np.isnan(w[:tf.lost]).all() and np.isfinite(w[tf.lost:]).all()
    # a one-step prediction equal to the true transformed value maps back to the true value
    np.testing.assert_allclose(tf.invert(w[t], t, stages), y[t], rtol=1e-13)
    # and a forecast path equal to the true values, rebuilt from its own values, too
    origin = 100
    np.testing.assert_allclose(tf.invert_path(w[origin:], origin, stages), y[origin:],
                               rtol=1e-12)


def test_hand_worked_differences():
    y = np.array([1.0, 3.0, 6.0, 10.0, 15.0])
    tf = SeriesTransform(False, (1, 1))
    w = tf.apply(y)                       # first differences 2, 3, 4, 5; second 1, 1, 1
    np.testing.assert_array_equal(w[2:], [1.0, 1.0, 1.0])
    assert tf.invert(np.array([2.0]), np.array([4]), tf.stages(y))[0] == 10.0 + 4.0 + 2.0
    # a path of second differences 1, 1 from origin 3: 6 + 3 + 1 = 10, then 10 + 4 + 1 = 15
    np.testing.assert_array_equal(tf.invert_path(np.array([1.0, 1.0]), 3, tf.stages(y)),
                                  [10.0, 15.0])


def cfg(root, **over):
    raw = {"data": {"path": str(root / "data/airline_passengers.csv"), "series": "passengers",
                    "time": "month", "lags": [1, 12, 13],
                    "transform": {"log": True, "difference": [1, 12]}},
           "split": {"method": "block", "train": 0.7, "val": 0.0, "test": 0.3},
           "forecast": {"horizon": "test"},
           "train": {"epochs": 30, "show": 0},
           "models": {"bp": {"type": "feedforward", "hidden": [2, 2]},
                      "elman": {"type": "elman", "hidden": 3}}}
    for k, v in over.items():
        raw[k] = v
    return build_config(raw, "t.yaml")


def test_samples_lost_to_differencing_and_lags(root):
    ds = data.load(cfg(root), np.random.default_rng(0))
    assert len(ds.X) == 144 - 13 - 13
    assert ds.series.positions[0] == 26 and ds.labels[0] == "1951-03"
    np.testing.assert_array_equal(ds.targets[:, 0], airline(root)[26:])
    assert ds.feature_names == ["diff12(diff1(log(passengers)))[t-1]",
                                "diff12(diff1(log(passengers)))[t-12]",
                                "diff12(diff1(log(passengers)))[t-13]"]


def test_one_step_predictions_are_in_original_units(root):
    ds = data.load(cfg(root), np.random.default_rng(0))
    r = experiment.fit_model("bp", cfg(root).models["bp"], ds, 0, horizon="test")
    y_model = ds.y_scaler.inverse_transform(r.net.predict(ds.Xs))
    t = ds.series.positions
    expected = np.exp(y_model[:, 0] + ds.series.stages[1][t - 12] + ds.series.stages[0][t - 1])
    np.testing.assert_allclose(r.predictions[:, 0], expected, rtol=1e-12)


@pytest.mark.parametrize("name", ["bp", "elman"])
def test_multistep_forecast_uses_no_test_value(root, tmp_path, name):
    c = cfg(root)
    ds = data.load(c, np.random.default_rng(0))
    r = experiment.fit_model(name, c.models[name], ds, 0, horizon="test")
    assert len(r.multistep) == len(ds.index["test"])
    # the same network on a series whose test years are different
    lines = (root / "data/airline_passengers.csv").read_text().splitlines()
    origin = int(ds.series.positions[ds.index["test"][0]])
    changed = lines[:1 + origin] + [f"{x.split(',')[0]},{float(x.split(',')[1]) + 7 * i * i}"
                                    for i, x in enumerate(lines[1 + origin:])]
    (tmp_path / "d.csv").write_text("\n".join(changed) + "\n")
    c2 = cfg(root, data={**{"path": str(tmp_path / "d.csv")}, **{
        k: v for k, v in {"series": "passengers", "time": "month", "lags": [1, 12, 13],
                          "transform": {"log": True, "difference": [1, 12]}}.items()}})
    ds2 = data.load(c2, np.random.default_rng(0))
    ds2.x_scaler, ds2.y_scaler = ds.x_scaler, ds.y_scaler   # the trained net's own scaling
    ds2.Xs = ds.x_scaler.transform(ds2.X)
    np.testing.assert_array_equal(multistep(r.net, ds2, "test"), r.multistep)
    # while the one-step predictions of the test part do change
    assert not np.allclose(ds2.y_scaler.inverse_transform(r.net.predict(ds2.Xs))[-5:],
                           ds.y_scaler.inverse_transform(r.net.predict(ds.Xs))[-5:])


def test_baselines_on_the_test_samples(root):
    ds = data.load(cfg(root), np.random.default_rng(0))
    b = score_baselines(ds, "test")
    y = airline(root)
    test = ds.index["test"]
    t = ds.series.positions[test]
    np.testing.assert_array_equal(b["naive"]["predictions"][test, 0], y[t - 1])
    np.testing.assert_array_equal(b["seasonal_naive"]["predictions"][test, 0], y[t - 12])
    # the naive baselines predict the test part only
    assert np.isnan(np.delete(b["naive"]["predictions"][:, 0], test)).all()
    origin = t[0]
    assert (b["naive"]["multistep"] == y[origin - 1]).all()
    np.testing.assert_array_equal(b["seasonal_naive"]["multistep"][:24],
                                  np.tile(y[origin - 12:origin], 2))
    mape = 100 * np.mean(np.abs(y[t - 12] - y[t]) / y[t])
    assert b["seasonal_naive"]["scores"]["test"]["mape"] == pytest.approx(mape, rel=1e-12)


def test_report_has_multistep_and_baselines(root, tmp_path):
    out = tmp_path / "o"
    assert main([str(root / "configs/passengers.yaml"), "--out", str(out), "--quiet",
                 "--set", "train.epochs=20", "--set", "forecast.horizon=test"]) == 0
    m = json.loads((out / "metrics.json").read_text())
    assert {"naive", "seasonal_naive", "ols"} == set(m["baselines"])
    assert m["models"]["bp"]["test_multistep"]["n"] == 42
    assert (out / "forecast.png").stat().st_size > 0
    header = (out / "predictions.csv").read_text().splitlines()[0].split(",")
    assert {"bp_multistep", "elman_multistep", "naive", "seasonal_naive_multistep", "ols",
            "ols_multistep"} <= set(header)


def test_saved_transformed_model_predicts_as_in_the_run(root, tmp_path):
    out = tmp_path / "o"
    assert main([str(root / "configs/passengers_forecast.yaml"), "--out", str(out), "--quiet",
                 "--set", "runs=1", "--set", "train.epochs=20"]) == 0
    ours, theirs = predict_column_and_run_column(root, out, tmp_path)
    assert ours == theirs
    assert main(["forecast", str(out / "model_bp.npz"), str(root / "data/airline_passengers.csv"),
                 "--steps", "12", "--out", str(tmp_path / "f.csv")]) == 0
    values = [float(line.split(",")[1]) for line in
              (tmp_path / "f.csv").read_text().splitlines()[1:]]
    assert len(values) == 12 and all(300 < v < 900 for v in values)


@pytest.mark.parametrize("raw, fragment", [
    ({"split": {"method": "random", "train": 0.7, "val": 0.0, "test": 0.3}},
     "forecast: starts from the end of the training part"),
    ({"forecast": {"horizon": 0}}, "forecast.horizon: expected test or a number of steps"),
    ({"forecast": {"horizon": "all"}}, "forecast.horizon: expected test or a number of steps"),
])
def test_forecast_config_mistakes(root, raw, fragment):
    with pytest.raises(InputError, match=fragment):
        cfg(root, **raw)


def test_log_of_a_non_positive_value_is_an_error(root, tmp_path):
    (tmp_path / "d.csv").write_text("month,passengers\n" + "\n".join(
        f"19{50 + i // 12}-{i % 12 + 1:02d},{0 if i == 7 else 100 + i}" for i in range(60)))
    c = cfg(root, data={"path": str(tmp_path / "d.csv"), "series": "passengers",
                        "time": "month", "lags": [1], "transform": {"log": True}})
    with pytest.raises(InputError, match="line 9, column passengers: 0 has no logarithm"):
        data.load(c, np.random.default_rng(0))

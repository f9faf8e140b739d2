"""Prediction intervals: the interval score, coverage on data of known noise, the calibration
forecasts, the files that carry the intervals, and the levels refused."""
import csv
import io
import json

import numpy as np
import pytest

from bpnet import data, experiment, load_model
from bpnet.api import run
from bpnet.cli import main
from bpnet.config import build_config
from bpnet.errors import InputError
from bpnet.report import intervals
from bpnet.report.forecast import calibration, from_end
from bpnet.report.scores import calibration_part


def test_interval_score_by_hand():
    # 80 % intervals [10, 20]: inside costs the width, outside also 2/0.2 = 10 per unit out
    lower, upper = np.array([10.0, 10.0, 10.0]), np.array([20.0, 20.0, 20.0])
    y = np.array([15.0, 25.0, 7.0])
    np.testing.assert_allclose(intervals.interval_score(lower, upper, y, 0.8),
                               [10.0, 10.0 + 10 * 5, 10.0 + 10 * 3])
    s = intervals.scores(lower, upper, y, 0.8)
    assert s == {"n": 3, "coverage": pytest.approx(1 / 3), "mean_width": 10.0,
                 "interval_score": pytest.approx(110 / 3)}
    # a missing value or bound is left out
    assert intervals.scores([10.0, np.nan], [20.0, 1.0], [12.0, 0.5], 0.8)["n"] == 1


def test_quantiles_of_the_errors_by_horizon_on_the_log_scale():
    # forecasts of 100 made 1 and 2 steps ahead; the values 100 * exp(e)
    e = np.array([[-0.2, -0.4], [0.0, 0.0], [0.2, 0.4]])
    errors = intervals.errors_by_horizon(np.full((3, 2), 100.0), 100.0 * np.exp(e), np.log)
    np.testing.assert_allclose(errors, e.T, atol=1e-15)
    lower, upper = intervals.interval(np.array([50.0, 50.0]), errors, 0.5, np.array([1, 2]),
                                      np.log, np.exp)
    # the quartiles of (-0.2, 0, 0.2) are -0.1 and 0.1; of (-0.4, 0, 0.4), -0.2 and 0.2
    np.testing.assert_allclose(lower, 50.0 * np.exp([-0.1, -0.2]))
    np.testing.assert_allclose(upper, 50.0 * np.exp([0.1, 0.2]))
    # a horizon past the errors has no interval
    assert np.isnan(intervals.interval(np.array([50.0]), errors, 0.5, 3, np.log, np.exp)).all()


def test_known_noise_gives_the_nominal_coverage():
    rng = np.random.default_rng(0)
    forecasts = np.zeros((4000, 3))
    noise = rng.normal(scale=[1.0, 2.0, 3.0], size=(4000, 3))
    errors = intervals.errors_by_horizon(forecasts, noise, most=4000)
    new = rng.normal(scale=[1.0, 2.0, 3.0], size=(20000, 3))
    for level in (0.5, 0.8, 0.95):
        for h in range(3):
            lower, upper = intervals.interval(np.zeros(len(new)), errors, level, h + 1)
            assert np.mean((lower <= new[:, h]) & (new[:, h] <= upper)) == \
                pytest.approx(level, abs=0.015)


def ar1(tmp_path, n=700, phi=0.5, seed=3):
    """A CSV of y_t = phi y_{t-1} + e_t, e_t ~ N(0, 1)."""
    rng = np.random.default_rng(seed)
    y = np.zeros(n)
    for t in range(1, n):
        y[t] = phi * y[t - 1] + rng.normal()
    path = tmp_path / "ar1.csv"
    path.write_text("t,y\n" + "".join(f"{t},{v!r}\n" for t, v in enumerate(y.tolist())))
    return path


def test_a_linear_network_of_an_ar1_series_is_covered_as_its_noise_says(tmp_path):
    config = {"data": {"path": str(ar1(tmp_path)), "series": "y", "lags": [1]},
              "split": {"method": "block", "train": 0.5, "val": 0.25, "test": 0.25},
              "forecast": {"horizon": "test", "intervals": [0.8, 0.95]},
              "train": {"algorithm": "trainlm", "epochs": 20, "show": 0},
              "models": {"ar": {"type": "feedforward", "hidden": [1],
                                "transfer": ["purelin", "purelin"]}}}
    result = run(config, out=None)
    assert result.metrics["intervals"]["calibrated_on"] == "val"
    bands = result.results[0].bands
    for i, (level, z) in enumerate(((0.8, 1.2816), (0.95, 1.96))):
        one = result.metrics["models"]["ar"]["test"]["intervals"][f"{100 * level:g}"]
        assert one["coverage"] == pytest.approx(level, abs=0.07)
        assert one["mean_width"] == pytest.approx(2 * z, rel=0.15)   # sigma = 1
        # far ahead, the spread of an AR(1) is its own: sigma / sqrt(1 - phi^2)
        width = np.mean(bands.path_upper[i, 20:] - bands.path_lower[i, 20:])
        assert width == pytest.approx(2 * z / np.sqrt(0.75), rel=0.15)


@pytest.mark.parametrize("name", ["bp", "cascade", "elman", "lstm", "gru", "narx"])
def test_calibration_forecasts_are_the_forecasts_from_each_origin(root, name):
    if name == "narx":
        raw = {"data": {"path": str(root / "data/plant.csv"), "series": "position",
                        "time": "time", "lags": [1, 2], "exog": {"force": [1, 2]}},
               "models": {"narx": {"type": "feedforward", "hidden": [3]}}}
    else:
        raw = {"data": {"path": str(root / "data/airline_passengers.csv"),
                        "series": "passengers", "time": "month", "lags": [1, 12, 13],
                        "month": True, "transform": {"log": True, "difference": [1, 12]}},
               "models": {"bp": {"type": "feedforward", "hidden": [2]},
                          "cascade": {"type": "cascadeforward", "hidden": [2]},
                          "elman": {"type": "elman", "hidden": 2},
                          "lstm": {"type": "lstm", "hidden": 2},
                          "gru": {"type": "gru", "hidden": 2}}}
    raw.update(split={"method": "block", "train": 0.6, "val": 0.2, "test": 0.2},
               train={"epochs": 5, "show": 0})
    cfg = build_config(raw, "t.yaml")
    ds = data.load(cfg, np.random.default_rng(0))
    r = experiment.fit_model(name, cfg.models[name], ds, 0)
    steps = 7
    forecasts, actual = calibration(r.net, ds, "val", steps, most=10)
    val = ds.index["val"]
    times = ds.series.positions
    first = times[val[-10]] - steps + 1
    origins = times[(times >= first) & (times <= times[val[-1]])]
    assert len(forecasts) == len(origins)
    for m in (0, len(origins) // 2, len(origins) - 1):
        i = int(np.searchsorted(times, origins[m]))
        n = min(steps, int(times[val[-1]] - origins[m] + 1))
        alone = from_end(r.net, ds.x_scaler, ds.y_scaler, ds.X[:i], ds.series,
                         int(origins[m]), n)
        np.testing.assert_allclose(forecasts[m, :n], alone, rtol=1e-12)
        assert np.isnan(forecasts[m, n:]).all()
    # the values are those of the last 10 val targets, and no other
    kept = ~np.isnan(actual)
    assert set((origins[:, None] + np.arange(steps))[kept]) == set(times[val[-10:]])


def tiny(root, **over):
    raw = {"data": {"path": str(root / "data/airline_passengers.csv"), "series": "passengers",
                    "time": "month", "lags": [1, 12, 13],
                    "transform": {"log": True, "difference": [1, 12]}},
           "split": {"method": "block", "train": 0.644, "val": 0.0, "test": 0.356},
           "forecast": {"horizon": "test", "intervals": [0.8, 0.95]},
           "train": {"epochs": 10, "show": 0},
           "models": {"bp": {"type": "feedforward", "hidden": [2]}},
           "output": {"plots": False}}
    raw.update(over)
    return raw


def test_files_carry_the_intervals(root, tmp_path):
    out = tmp_path / "o"
    result = run(tiny(root), out=out)
    rows = list(csv.DictReader(io.StringIO((out / "predictions.csv").read_text())))
    bounds = ["bp_lower_80", "bp_upper_80", "bp_lower_95", "bp_upper_95"]
    assert set(bounds + [f"bp_multistep_{b[3:]}" for b in bounds]) <= set(rows[0])
    for row in rows:
        lo95, lo80, hi80, hi95 = (float(row[f"bp_{b}"]) for b in
                                  ("lower_95", "lower_80", "upper_80", "upper_95"))
        assert lo95 <= lo80 < float(row["bp"]) < hi80 <= hi95
    assert all(row["bp_multistep_lower_80"] == "" for row in rows if row["split"] == "train")
    m = json.loads((out / "metrics.json").read_text())
    assert m["intervals"]["levels"] == [0.8, 0.95]
    assert m["intervals"]["calibrated_on"] == "train"
    assert m["intervals"]["calibration_errors"][0] == 76   # every training target
    assert m["intervals"]["calibration_errors"][41] == 76 - 41
    test = m["models"]["bp"]["test"]["intervals"]["95"]
    y = np.array([float(r["target"]) for r in rows if r["split"] == "test"])
    lo = np.array([float(r["bp_lower_95"]) for r in rows if r["split"] == "test"])
    hi = np.array([float(r["bp_upper_95"]) for r in rows if r["split"] == "test"])
    assert test["coverage"] == pytest.approx(np.mean((lo <= y) & (y <= hi)))
    assert test["interval_score"] == pytest.approx(
        np.mean(intervals.interval_score(lo, hi, y, 0.95)))
    assert "multi-step cover % 80/95" in result.summary
    assert any("split.val: 0" in note for note in m["notes"])
    # the saved model gives the run's intervals back
    model = load_model(out / "model_bp.npz")
    np.testing.assert_array_equal(model.errors, result.results[0].bands.errors)
    pred = model.predict_file(root / "data/airline_passengers.csv", intervals=[0.8])
    np.testing.assert_allclose(pred.intervals[0.8][0], [float(r["bp_lower_80"]) for r in rows],
                               rtol=1e-12)


def test_forecast_command_writes_bounds_and_says_where_they_end(root, tmp_path, capsys):
    out = tmp_path / "o"
    run(tiny(root, forecast={"horizon": 3, "intervals": [0.9]}), out=out)
    fc = tmp_path / "f.csv"
    assert main(["forecast", str(out / "model_bp.npz"), str(root / "data/airline_passengers.csv"),
                 "--steps", "5", "--out", str(fc), "--intervals", "0.9"]) == 0
    assert "steps 4 to 5 have none" in capsys.readouterr().err
    assert (tmp_path / "f.png").stat().st_size > 0
    rows = list(csv.DictReader(io.StringIO(fc.read_text())))
    assert list(rows[0]) == ["month", "prediction", "lower_90", "upper_90"]
    assert all(float(r["lower_90"]) < float(r["prediction"]) < float(r["upper_90"])
               for r in rows[:3])
    assert rows[3]["lower_90"] == rows[4]["upper_90"] == ""


def test_an_ensemble_has_intervals_of_its_mean(root):
    result = run(tiny(root, runs=2, combine="mean"), out=None)
    mean = result.results[-1]
    assert mean.is_ensemble and mean.bands is not None
    np.testing.assert_allclose(mean.calibration[0], np.mean(
        [calibration(net, result.data, "train", 42, 1000)[0] for net in mean.net], axis=0))


@pytest.mark.parametrize("levels, why", [([0.8, 1.0], "between 0 and 1"),
                                         ([0.0], "between 0 and 1"),
                                         ([0.8, 0.8], "listed twice"),
                                         ([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], "at most 5"),
                                         (["high"], "between 0 and 1")])
def test_bad_levels_are_one_error_naming_the_key(root, tmp_path, capsys, levels, why):
    config = tmp_path / "c.yaml"
    config.write_text(json.dumps(tiny(root, forecast={"horizon": "test", "intervals": levels},
                                      output={"dir": str(tmp_path / "o")})))
    assert main([str(config), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")
    assert "forecast.intervals" in err[0] and why in err[0]
    assert not (tmp_path / "o").exists()


def test_bad_uses_of_intervals(root, tmp_path, capsys):
    with pytest.raises(InputError, match="forecast.intervals: needs a series"):
        build_config({"data": {"path": str(root / "data/iris.csv"), "inputs": ["sepal_length"],
                               "targets": ["petal_length"]},
                      "forecast": {"intervals": [0.9]},
                      "models": {"bp": {"type": "feedforward"}}}, "t.yaml")
    out = tmp_path / "o"
    run(tiny(root, forecast={"horizon": "test"}), out=out)   # no intervals
    args = ["forecast", str(out / "model_bp.npz"), str(root / "data/airline_passengers.csv"),
            "--steps", "2", "--out", str(tmp_path / "f.csv")]
    assert main([*args, "--intervals", "0.9,1.5"]) == 2
    assert "error: --intervals: each level must be a number between 0 and 1" in \
        capsys.readouterr().err
    assert main([*args, "--intervals", "0.9"]) == 2
    assert "holds no calibration errors" in capsys.readouterr().err
    assert not (tmp_path / "f.csv").exists()


def test_the_calibration_part_is_val_when_there_is_one(root):
    cfg = build_config(tiny(root, split={"method": "block", "train": 0.5, "val": 0.2,
                                         "test": 0.3}), "t.yaml")
    assert calibration_part(data.load(cfg, np.random.default_rng(0))) == "val"


def test_a_box_cox_series_has_its_errors_on_the_box_cox_scale(root):
    from scipy.special import boxcox
    result = run(tiny(root, data={**tiny(root)["data"], "transform": {
        "boxcox": 0.5, "difference": [1, 12]}}), out=None)
    r, ds = result.results[0], result.data
    train = ds.index["train"]
    residuals = boxcox(ds.targets[train, 0], 0.5) - boxcox(r.predictions[train, 0], 0.5)
    np.testing.assert_allclose(r.bands.errors[0], residuals, atol=1e-9)
    inside = (r.bands.lower[1] < r.predictions[:, 0]) & (r.predictions[:, 0] < r.bands.upper[1])
    assert inside.all()

"""The baselines every report carries: the training mean and least squares on tabular data, the
linear autoregression on a series; and the note under the summary when a network does worse."""
import csv
import json

import numpy as np
import pytest

from bpnet import data
from bpnet.cli import main
from bpnet.config import load_config
from bpnet.report.baselines import LinearModel, score_baselines
from bpnet.report.console import figure
from bpnet.report.forecast import recursive


def read_csv(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def tiny(tmp_path, model="{type: feedforward, hidden: [2], train: {epochs: 2}}"):
    """Four training samples and two test samples (in their own file), one input."""
    (tmp_path / "train.csv").write_text("x,y\n0,1\n1,3\n2,2\n3,5\n")
    (tmp_path / "test.csv").write_text("x,y\n4,6\n5,6\n")
    (tmp_path / "c.yaml").write_text(f"""
data: {{path: train.csv, test_path: test.csv, inputs: [x], targets: [y]}}
split: {{method: block, train: 1.0, val: 0.0, test: 0.0}}
models: {{bp: {model}}}
train: {{show: 0}}
""")
    return tmp_path / "c.yaml"


def test_least_squares_on_four_samples_worked_by_hand(tmp_path, capsys):
    # x = 0, 1, 2, 3 and y = 1, 3, 2, 5: mean x 1.5, mean y 2.75, Sxy = 5.5, Sxx = 5, so
    # y = 1.1 + 1.1 x: 1.1, 2.2, 3.3, 4.4 on the training part, 5.5 and 6.6 at x = 4 and 5
    out = tmp_path / "o"
    assert main([str(tiny(tmp_path)), "--out", str(out), "--quiet", "--no-plots"]) == 0
    rows = read_csv(out / "predictions.csv")
    assert [float(r["ols"]) for r in rows] == pytest.approx([1.1, 2.2, 3.3, 4.4, 5.5, 6.6],
                                                            abs=1e-12)
    assert [float(r["train_mean"]) for r in rows] == pytest.approx([2.75] * 6, abs=1e-12)
    m = json.loads((out / "metrics.json").read_text())["baselines"]
    # training residuals -0.1, 0.8, -1.3, 0.6; test errors -0.5, 0.6
    assert m["ols"]["train"]["rmse"] == pytest.approx(np.sqrt(2.7 / 4), rel=1e-12)
    assert m["ols"]["test"]["rmse"] == pytest.approx(np.sqrt(0.61 / 2), rel=1e-12)
    assert m["ols"]["test"]["mape"] == pytest.approx(100 * (0.5 / 6 + 0.6 / 6) / 2, rel=1e-12)
    assert m["ols"]["test"]["mae"] == pytest.approx(0.55, rel=1e-12)
    assert m["train_mean"]["test"]["rmse"] == pytest.approx(3.25, rel=1e-12)
    assert m["train_mean"]["train"]["mae"] == pytest.approx((1.75 + 0.25 + 0.75 + 2.25) / 4)
    table = capsys.readouterr().out
    assert "train mean" in table and "linear (OLS)" in table


def test_linear_model_is_least_squares_with_an_intercept():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    m = LinearModel.least_squares(X, np.array([[1.0], [3.0], [2.0], [5.0]]))
    np.testing.assert_allclose(m.W, [[1.1]], rtol=1e-12)
    np.testing.assert_allclose(m.b, [1.1], rtol=1e-12)
    mean = LinearModel.mean(X, np.array([[1.0, 10.0], [3.0, 0.0], [2.0, 0.0], [5.0, 2.0]]))
    np.testing.assert_allclose(mean.predict(np.ones((2, 1))), [[2.75, 3.0]] * 2, rtol=1e-12)


def test_the_summary_says_when_a_network_is_worse_than_the_linear_baseline(tmp_path, capsys):
    # a network trained for 2 epochs cannot match least squares on a straight line
    assert main([str(tiny(tmp_path)), "--out", str(tmp_path / "o"), "--quiet",
                 "--no-plots"]) == 0
    out = capsys.readouterr().out
    m = json.loads((tmp_path / "o/metrics.json").read_text())
    bp, ols = m["models"]["bp"]["test"]["rmse"], m["baselines"]["ols"]["test"]["rmse"]
    assert bp > ols
    note = [line for line in out.splitlines() if "the linear baseline (least" in line]
    assert note == [f"note: bp does worse on the test part than the best baseline, the linear "
                    f"baseline (least squares on the same inputs): RMSE {figure(bp)} against "
                    f"{figure(ols)}"]
    assert any("the linear baseline (least" in n for n in m["notes"])


def test_no_note_when_the_network_beats_the_linear_baseline(tmp_path, capsys):
    """y = x^2 on [-1, 1]: no straight line fits it, a small network trained by trainlm does."""
    x = np.linspace(-1, 1, 41)
    (tmp_path / "d.csv").write_text("x,y\n" + "".join(f"{a:.17g},{a * a + 1:.17g}\n" for a in x))
    (tmp_path / "c.yaml").write_text("""
data: {path: d.csv, inputs: [x], targets: [y]}
split: {method: interleaved, train: 0.7, val: 0.0, test: 0.3}
models: {bp: {type: feedforward, hidden: [5]}}
train: {algorithm: trainlm, epochs: 100, show: 0}
""")
    assert main([str(tmp_path / "c.yaml"), "--out", str(tmp_path / "o"), "--quiet",
                 "--no-plots"]) == 0
    out = capsys.readouterr().out
    m = json.loads((tmp_path / "o/metrics.json").read_text())
    assert m["models"]["bp"]["test"]["rmse"] < 0.1 * m["baselines"]["ols"]["test"]["rmse"]
    assert "note:" not in out and "notes" not in m


def test_linear_autoregression_on_the_networks_own_inputs(root):
    """One step: least squares of y[t] on y[t-1] and the month in original units (the
    scaling is affine, so it gives the same line); many steps: that line fed its own
    forecasts."""
    cfg = load_config(root / "configs/passengers.yaml", ["forecast.horizon=test"])
    ds = data.load(cfg, np.random.default_rng(0))
    b = score_baselines(ds, "test")["ols"]
    train, test = ds.index["train"], ds.index["test"]
    A = np.column_stack([np.ones(len(ds.X)), ds.X])
    coef = np.linalg.lstsq(A[train], ds.Y[train, 0], rcond=None)[0]
    np.testing.assert_allclose(b["predictions"][:, 0], A @ coef, rtol=1e-10)
    y = list(ds.series.values[:ds.series.positions[test[0]]])
    for t in ds.series.positions[test]:
        y.append(coef[0] + coef[1] * y[-1] + coef[2] * ds.series.calendar[t, 0])
    np.testing.assert_allclose(b["multistep"], y[-len(test):], rtol=1e-10)
    assert set(b["scores"]) == {"train", "test", "test_multistep"}


def test_linear_autoregression_through_the_transforms(root):
    """On the log-differenced series the linear AR is the purelin network of the forecast
    config: the same inputs, mapped back through the same transforms."""
    cfg = load_config(root / "configs/passengers_forecast.yaml")
    ds = data.load(cfg, np.random.default_rng(0))
    b = score_baselines(ds, "test")["ols"]
    m = b["model"]
    test = ds.index["test"]
    w_hat = ds.y_scaler.inverse_transform(m.predict(ds.Xs[test]))
    np.testing.assert_allclose(b["predictions"][test], ds.to_original(w_hat, test), rtol=1e-12)
    # the recursive forecast is the one every network gets
    origin = ds.series.positions[test[0]]
    w_path = recursive(m, ds.x_scaler, ds.y_scaler, ds.series.stages[-1][:origin],
                       ds.series.lags, len(test))
    np.testing.assert_allclose(b["multistep"],
                               ds.series.transform.invert_path(w_path, origin,
                                                               ds.series.stages), rtol=1e-12)
    assert 2.5 < b["scores"]["test"]["mape"] < 3.0


def test_a_model_may_not_take_a_baselines_name(tmp_path, capsys):
    path = tiny(tmp_path)
    path.write_text(path.read_text().replace("models: {bp:", "models: {ols:"))
    assert main([str(path), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    assert "models.ols: 'ols' is the name of a baseline" in capsys.readouterr().err


def test_a_forecast_of_a_never_negative_series_that_goes_below_zero_is_flagged(tmp_path,
                                                                                capsys):
    """y falls by 0.5 a step to 0.5: 99 samples (t = 1..99), 70 for training; the linear
    AR's 40-step forecast of t = 71..110 ends at 50 - 0.5 * 110 = -5, past the data's end."""
    (tmp_path / "d.csv").write_text("t,y\n" + "".join(f"{t},{50 - 0.5 * t}\n"
                                                      for t in range(100)))
    (tmp_path / "c.yaml").write_text("""
data: {path: d.csv, series: y, time: t, lags: [1]}
split: {method: block, train: 0.7, val: 0.0, test: 0.3}
forecast: {horizon: 40}
models: {bp: {type: feedforward, hidden: [2], train: {epochs: 2}}}
train: {show: 0}
""")
    out = tmp_path / "o"
    assert main([str(tmp_path / "c.yaml"), "--out", str(out), "--quiet", "--no-plots"]) == 0
    lines = capsys.readouterr().out.splitlines()
    flagged = [line for line in lines if "below zero" in line]
    assert ("note: linear AR (OLS)'s 40-step forecast goes below zero (-5 at 110) though y "
            "is never negative") in flagged
    # a saved model's forecast is flagged too
    with open(tmp_path / "e.csv", "w") as fh:
        fh.write("t,y\n" + "".join(f"{t},{max(0.0, 5 - 0.5 * t)}\n" for t in range(12)))
    assert main(["forecast", str(out / "model_bp.npz"), str(tmp_path / "e.csv"), "--steps",
                 "200", "--out", str(tmp_path / "f.csv"), "--no-plots"]) == 0
    forecast = [float(r["prediction"]) for r in read_csv(tmp_path / "f.csv")]
    said = capsys.readouterr().out
    assert ("note: the forecast goes below zero" in said) == (min(forecast) < 0)


def scipy_coefficients(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    import scipy.linalg
    return scipy.linalg.lstsq(np.column_stack([np.ones(len(X)), X]), Y)[0]


@pytest.mark.parametrize("n, d, rank", [(101, 2, 2), (40, 8, 8), (30, 6, 3), (5, 9, 5),
                                        (2000, 20, 20)])
def test_least_squares_are_scipys_bit_for_bit(n, d, rank):
    """Tall, rank-deficient and wide designs: the coefficients are scipy.linalg.lstsq's
    (the minimum-norm ones where the inputs are dependent), bit for bit, and a NaN input is
    refused as scipy refuses it."""
    from bpnet.report.baselines import lstsq
    rng = np.random.default_rng(n + d)
    X = rng.standard_normal((n, rank)) @ rng.standard_normal((rank, d)) * 10.0 ** rng.uniform(
        -3, 3, d)
    Y = rng.standard_normal((n, 2))
    fit = LinearModel.least_squares(X, Y)
    coef = scipy_coefficients(X, Y)
    np.testing.assert_array_equal(fit.W, coef[1:].T)
    np.testing.assert_array_equal(fit.b, coef[0])
    import scipy.linalg
    np.testing.assert_array_equal(lstsq(X, Y[:, 0]), scipy.linalg.lstsq(X, Y[:, 0])[0])
    X[1, 0] = np.nan
    with pytest.raises(ValueError, match="infs or NaNs"):
        lstsq(X, Y)

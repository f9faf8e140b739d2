"""Missing values: one error that counts them all, or filled (series) or dropped (tabular) as
data.missing says, reported, and never scored as targets; MATLAB's "a NaN target is no
target" in tabular mode (docs/semantics.md#missing-values)."""
import datetime as dt
import json

import numpy as np
import pytest
from helpers import numeric_grad, rel_error

from bpnet.cli import main
from bpnet.config import DataConfig, TrainConfig, load_config
from bpnet.data import build_samples, dataset, read_table, scaling
from bpnet.errors import InputError
from bpnet.nets import feedforward
from bpnet.nets.elman import ElmanNet
from bpnet.nets.feedforward import BPNet
from bpnet.nets.gated import GatedNet
from bpnet.report import metrics
from bpnet.report.baselines import LinearModel
from bpnet.train import loop as training
from bpnet.train.objective import NetObjective

EMPTY = {7: "", 14: "NA", 21: "NaN", 39: ".", 50: "", 60: "n/a", 70: ""}


def series_csv(tmp_path, n=80, blanks=EMPTY, name="d.csv"):
    rows = [f"{1950 + i // 12}-{i % 12 + 1:02d},{blanks.get(i, f'{100 + i + 10 * (i % 12)}')}"
            for i in range(n)]
    (tmp_path / name).write_text("month,y\n" + "\n".join(rows) + "\n")
    return tmp_path / name


def series(path, **settings):
    d = DataConfig(path=str(path), series="y", time="month", **settings)
    return build_samples(d, read_table(str(path)))


def test_the_error_counts_every_missing_value_and_names_the_first_lines(tmp_path):
    # observed on main: "line 8, column co2: empty cell", one of 59, and no way out
    with pytest.raises(InputError) as err:
        series(series_csv(tmp_path))
    assert str(err.value).endswith(
        "d.csv: line 9, column y: empty cell, the first of 7 missing values (lines 9, 16, 23, "
        "41, 52, ...); set data.missing: interpolate (or previous) to fill them")


def test_interpolate_is_linear_in_time_and_reported(tmp_path):
    s = series(series_csv(tmp_path), missing="interpolate")
    y = s.series.values
    full = 100 + np.arange(80) + 10 * (np.arange(80) % 12)
    for i in EMPTY:
        assert y[i] == pytest.approx((full[i - 1] + full[i + 1]) / 2)
    assert s.missing.filled == 7 and s.missing.inserted == 0
    assert s.missing.at == ("1950-08", "1951-03", "1951-10", "1953-04", "1954-03")


def test_previous_repeats_the_last_known_value_and_drops_unfillable_starts(tmp_path):
    s = series(series_csv(tmp_path, blanks={0: "", 1: "", 30: ""}), missing="previous")
    assert s.series.labels[0] == "1950-03"         # nothing before the first two to repeat
    assert s.series.values[28] == s.series.values[27]
    assert s.missing.trimmed == 2 and s.missing.filled == 1


def test_filled_values_are_inputs_but_never_targets(tmp_path):
    s = series(series_csv(tmp_path), missing="interpolate")
    t = s.series.positions                            # lag 1: sample i targets t = i + 1
    filled_targets = np.isin(t, list(EMPTY))
    assert np.isnan(s.Y[filled_targets, 0]).all() and not np.isnan(s.Y[~filled_targets]).any()
    assert np.isnan(s.series.targets[filled_targets]).all()
    assert not np.isnan(s.X).any()                     # a filled value is a lag input
    scored = series(series_csv(tmp_path), missing="interpolate", score_filled=True)
    assert not np.isnan(scored.Y).any()


def test_drop_is_refused_for_a_series(tmp_path):
    (tmp_path / "c.yaml").write_text("data: {path: d.csv, series: y, missing: drop}\n"
                                     "models: {bp: {type: feedforward}}\n")
    with pytest.raises(InputError, match="data.missing: drop would take rows out of the series "
                                         "and break its lags.*use interpolate"):
        load_config(tmp_path / "c.yaml")


def run(tmp_path, data, extra=""):
    (tmp_path / "c.yaml").write_text(f"""
data: {data}
split: {{method: block, train: 0.7, val: 0.0, test: 0.3}}
models: {{bp: {{type: feedforward, hidden: [3]}}}}
train: {{epochs: 5, show: 0}}
{extra}""")
    out = tmp_path / "out"
    assert main([str(tmp_path / "c.yaml"), "--out", str(out), "--quiet"]) == 0
    return out, json.loads((out / "metrics.json").read_text())


def test_a_series_run_reports_what_was_filled(tmp_path, capsys):
    series_csv(tmp_path)
    out, m = run(tmp_path, "{path: d.csv, series: y, time: month, missing: interpolate}")
    said = capsys.readouterr().out
    assert ("d.csv: filled 7 missing value(s) of y by linear interpolation in time; they are "
            "inputs only, never scored as targets; first at 1950-08,") in said
    assert "\nmissing values: " in said
    assert "the scores leave out 7 of 79 targets (filled values, not scored as targets)" in said
    assert m["missing_values"][0]["filled"] == 7 and not m["missing_values"][0]["filled_scored"]
    test = m["models"]["bp"]["test"]
    assert test["n_no_target"] == 2 and test["n"] == 21     # rows 60 and 70 are in the test
    rows = (out / "predictions.csv").read_text().splitlines()
    assert [r for r in rows if r.startswith("1955-11,")][0].split(",")[2] == ""


def tabular_csv(tmp_path):
    rng = np.random.default_rng(3)
    lines = ["x1,x2,y"]
    for i in range(40):
        x1, x2 = rng.normal(size=2)
        y = "" if i in (5, 33) else f"{2 * x1 - x2:.6f}"
        cell = "" if i in (8, 20) else f"{x2:.6f}"
        lines.append(f"{x1:.6f},{cell},{y}")
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n")


def test_tabular_missing_values_are_an_error_by_default(tmp_path):
    tabular_csv(tmp_path)
    d = DataConfig(path="", inputs=("x1", "x2"), targets=("y",))
    with pytest.raises(InputError, match=r"line 7, column y: empty cell, the first of 4 missing "
                                         r"values \(lines 7, 10, 22, 35\); set data.missing: "
                                         r"drop"):
        build_samples(d, read_table(str(tmp_path / "t.csv")))


def test_tabular_drop_leaves_rows_out_and_a_missing_target_is_no_target(tmp_path, capsys):
    tabular_csv(tmp_path)
    out, m = run(tmp_path, "{path: t.csv, inputs: [x1, x2], targets: [y], missing: drop}")
    said = capsys.readouterr().out
    assert "data: 38 samples" in said
    assert "the scores leave out 2 of 38 targets (missing targets: no target there)" in said
    assert ("t.csv: left out 2 row(s) with a missing input; 2 missing target(s): no target "
            "there (left out of perf and of every metric)") in said
    report = m["missing_values"][0]
    assert (report["dropped_rows"], report["no_target"]) == (2, 2)
    assert m["models"]["bp"]["train"]["n_no_target"] == 1
    assert m["models"]["bp"]["test"]["n_no_target"] == 1
    rows = (out / "predictions.csv").read_text().splitlines()
    assert len(rows) == 39 and rows[6].split(",")[2] == ""   # predicted, with no target


def test_metrics_and_scaling_leave_no_target_out():
    y_true = np.array([[1.0], [np.nan], [2.0], [4.0]])
    y_pred = np.array([[1.5], [100.0], [2.0], [3.0]])
    assert metrics.mse(y_pred, y_true) == pytest.approx((0.25 + 0 + 1) / 3)
    m = metrics.regression_metrics(y_pred, y_true)
    assert (m["n"], m["n_no_target"], m["n_zero_targets"]) == (3, 1, 0)
    assert m["rmse"] == pytest.approx(np.sqrt(1.25 / 3))
    assert m["mape"] == pytest.approx(100 * (0.5 + 0 + 0.25) / 3)
    s = scaling.fit("mapstd", y_true)
    assert s.offset[0] == pytest.approx(7 / 3) and s.factor[0] == pytest.approx(np.std(
        [1, 2, 4], ddof=1))


@pytest.mark.parametrize("make", [
    lambda: BPNet([3, 4, 2], ["tansig", "purelin"]),
    lambda: ElmanNet(3, 4, 2, ("tansig", "purelin")),
    lambda: GatedNet("lstm", 3, 3, 2, "purelin"),
    lambda: GatedNet("gru", 3, 3, 2, "purelin"),
])
def test_a_nan_target_is_left_out_of_perf_and_its_gradient(make, rng):
    net = make()
    net.theta[:] = rng.normal(scale=0.5, size=net.theta.size)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    Y[1, 0] = Y[4, :] = np.nan
    known = ~np.isnan(Y)
    obj = NetObjective(net, X, Y)
    theta = net.theta.copy()

    def masked_mse() -> float:
        e = (Y - net.predict(X))[known]
        return float(e @ e) / e.size
    perf, g = obj.perf_and_gradient(theta)
    assert perf == pytest.approx(masked_mse(), rel=1e-13)
    net.theta[:] = theta
    num = numeric_grad(masked_mse, net.theta)
    assert rel_error(-g, num) < 1e-6
    e, J = obj.residuals_and_jacobian(theta)   # trainlm's and trainbr's: known rows only
    y, J_all = net.jacobian(X)
    rows = known.ravel()
    assert e.size == rows.sum() and not np.isnan(e).any()
    np.testing.assert_array_equal(e, (Y - y).ravel()[rows])
    np.testing.assert_array_equal(J, J_all[rows])
    assert e @ e == pytest.approx(e.size * perf, rel=1e-13)


def test_a_nan_target_in_blocks_of_samples(rng, monkeypatch):
    net = BPNet([3, 4, 2], ["tansig", "purelin"])
    net.theta[:] = rng.normal(scale=0.5, size=net.theta.size)
    X, Y = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    Y[1, 0] = Y[4, :] = Y[6, 1] = np.nan
    theta = net.theta.copy()
    whole = NetObjective(net, X, Y).perf_and_gradient(theta)
    monkeypatch.setattr(feedforward, "CHUNK", 2)   # the same loss, two samples at a time
    blocks = NetObjective(net, X, Y).perf_and_gradient(theta)
    assert blocks[0] == pytest.approx(whole[0], rel=1e-14)
    np.testing.assert_allclose(blocks[1], whole[1], rtol=1e-12, atol=1e-15)


def test_a_row_without_target_trains_as_if_it_were_not_there(rng):
    net = BPNet([2, 3, 1], ["tansig", "purelin"])
    net.theta[:] = rng.normal(size=net.theta.size)
    X, Y = rng.normal(size=(8, 2)), rng.normal(size=(8, 1))
    Y[[2, 5]] = np.nan
    keep = ~np.isnan(Y[:, 0])
    theta = net.theta.copy()
    p1, g1 = NetObjective(net, X, Y).perf_and_gradient(theta)
    p2, g2 = NetObjective(net, X[keep], Y[keep]).perf_and_gradient(theta)
    assert p1 == pytest.approx(p2, rel=1e-14)
    np.testing.assert_allclose(g1, g2, rtol=1e-12, atol=1e-15)


def test_weekly_series_with_gaps_and_empty_cells_end_to_end(tmp_path):
    first = dt.date(1958, 3, 29)
    lines = ["date,co2"]
    for i in range(200):
        if i in (20, 21, 90):
            continue
        value = "" if i in (40, 120) else f"{315 + 0.03 * i + 3 * np.sin(i / 8.3):.2f}"
        lines.append(f"{first + dt.timedelta(weeks=i)},{value}")
    (tmp_path / "w.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "c.yaml").write_text("""
data: {path: w.csv, series: co2, time: date, lags: [1, 52], month: true, missing: interpolate}
split: {method: block, train: 0.7, val: 0.0, test: 0.3}
models: {bp: {type: feedforward, hidden: [2]}}
""")
    data = dataset.load(load_config(tmp_path / "c.yaml"), np.random.default_rng(0))
    assert len(data.series.values) == 200 and data.series.period == 52
    report = data.missing[0]
    assert (report.filled, report.inserted) == (5, 3)
    assert report.at == ("1958-08-16", "1958-08-23", "1959-01-03", "1959-12-19", "1960-07-16")


def test_per_target_metrics_leave_each_targets_missing_values_out():
    y_true = np.array([[1.0, 10.0], [np.nan, 20.0], [2.0, np.nan], [4.0, 40.0]])
    y_pred = np.array([[2.0, 11.0], [100.0, 22.0], [2.0, 999.0], [3.0, 40.0]])
    m = metrics.regression_metrics(y_pred, y_true, ["a", "b"])
    assert (m["n"], m["n_no_target"]) == (4, 2)
    a, b = m["targets"]["a"], m["targets"]["b"]
    assert a["n_no_target"] == b["n_no_target"] == 1
    assert a["rmse"] == pytest.approx(np.sqrt((1 + 0 + 1) / 3))
    assert b["rmse"] == pytest.approx(np.sqrt((1 + 4 + 0) / 3))
    assert m["mape"] == pytest.approx(100 * (1 + 0 + 0.25 + 0.1 + 0.1 + 0) / 6)
    assert not metrics.crosses_zero(np.array([[1.0], [np.nan], [2.0]]))[0]


def test_the_linear_baselines_fit_the_known_targets_only():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(12, 2))
    Y = np.column_stack([X @ [1.0, -2.0] + 0.5, X @ [3.0, 1.0] - 1.0])
    Y[[2, 7], 0] = np.nan
    Y[[4], 1] = np.nan
    fit = LinearModel.least_squares(X, Y)
    np.testing.assert_allclose(fit.W, [[1.0, -2.0], [3.0, 1.0]], atol=1e-12)
    np.testing.assert_allclose(fit.b, [0.5, -1.0], atol=1e-12)
    np.testing.assert_allclose(LinearModel.mean(X, Y).b, np.nanmean(Y, axis=0))


@pytest.mark.parametrize("algorithm", ["trainlm", "trainbr", "trainscg"])
def test_rules_train_on_missing_targets_as_if_the_rows_were_not_there(algorithm, rng):
    net = BPNet([2, 3, 1], ["tansig", "purelin"])
    theta0 = rng.normal(scale=0.5, size=net.theta.size)
    X = rng.normal(size=(10, 2))
    Y = np.tanh(X @ [[1.0], [-0.5]])
    Y[[3, 8]] = np.nan
    keep = ~np.isnan(Y[:, 0])
    tc = TrainConfig(algorithm=algorithm, epochs=5, show=0)
    with_nan = training.train(NetObjective(net, X, Y), theta0.copy(), tc)
    without = training.train(NetObjective(net, X[keep], Y[keep]), theta0.copy(), tc)
    np.testing.assert_allclose(with_nan.final_theta, without.final_theta, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(with_nan.history["perf"], without.history["perf"], rtol=1e-9)

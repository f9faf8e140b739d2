"""The time column understood: its forms and step, the seasonal period and calendar features
that follow, forecast labels, rows out of order, repeated times and gaps
(docs/semantics.md#time-column)."""
import datetime as dt
import json

import numpy as np
import pytest

import bpnet
from bpnet.cli import main
from bpnet.config import DataConfig, load_config
from bpnet.data import build_samples, dataset, read_table, scaling
from bpnet.data.timeaxis import calendar, default_period, describe, read_axis, step_of
from bpnet.errors import InputError
from bpnet.report import forecast


def axis_of(labels):
    axis = read_axis(labels, lambda i: f"line {i + 2}")
    return axis, step_of(axis.positions)


def next_two(labels):
    axis, step = axis_of(labels)
    return [axis.label(int(axis.positions[-1] + step * h)) for h in (1, 2)]


@pytest.mark.parametrize("labels, unit, words, period, after", [
    (["1700.0", "1701.0", "1702.0"], "year", "yearly", None, ["1703", "1704"]),
    (["1987", "1988"], "year", "yearly", None, ["1989", "1990"]),
    (["1959Q3", "1959Q4"], "quarter", "quarterly", 4, ["1960Q1", "1960Q2"]),
    (["1959-Q3", "1959-Q4"], "quarter", "quarterly", 4, ["1960-Q1", "1960-Q2"]),
    (["Q3 1959", "Q4 1959"], "quarter", "quarterly", 4, ["Q1 1960", "Q2 1960"]),
    (["1960-11", "1960-12"], "month", "monthly", 12, ["1961-01", "1961-02"]),
    (["1960/11", "1960/12"], "month", "monthly", 12, ["1961/01", "1961/02"]),
    (["1960M11", "1960M12"], "month", "monthly", 12, ["1961M01", "1961M02"]),
    (["Nov 1960", "Dec 1960"], "month", "monthly", 12, ["Jan 1961", "Feb 1961"]),
    (["1960-NOV", "1960-DEC"], "month", "monthly", 12, ["1961-JAN", "1961-FEB"]),
    (["1960-10-31", "1960-11-30", "1960-12-31"], "month", "monthly", 12,
     ["1961-01-31", "1961-02-28"]),
    (["1960-11-01", "1960-12-01"], "month", "monthly", 12, ["1961-01-01", "1961-02-01"]),
    (["2000-07-01", "2000-10-01"], "month", "quarterly", 4, ["2001-01-01", "2001-04-01"]),
    (["1999-12-31", "2000-12-31"], "month", "yearly", None, ["2001-12-31", "2002-12-31"]),
    (["2001-12-22", "2001-12-29"], "day", "weekly", 52, ["2002-01-05", "2002-01-12"]),
    (["2001-12-30", "2001-12-31"], "day", "daily", 7, ["2002-01-01", "2002-01-02"]),
    (["2001-12-30 00:00:00", "2001-12-31 00:00:00"], "day", "daily", 7,
     ["2002-01-01 00:00:00", "2002-01-02 00:00:00"]),
    (["29.12.2001", "30.12.2001", "31.12.2001"], "day", "daily", 7,
     ["01.01.2002", "02.01.2002"]),
    (["30.11.2001", "31.12.2001"], "month", "monthly", 12, ["31.01.2002", "28.02.2002"]),
    (["11/30/1749", "12/31/1749", "1/31/1750"], "month", "monthly", 12,
     ["2/28/1750", "3/31/1750"]),
    (["30/12/2001", "31/12/2001"], "day", "daily", 7, ["01/01/2002", "02/01/2002"]),
    (["2001-12-31T22:00", "2001-12-31T23:00"], "second", "hourly", 24,
     ["2002-01-01T00:00", "2002-01-01T01:00"]),
    (["2001-12-31T23:00:00+01:00", "2002-01-01T00:00:00+01:00"], "second", "hourly", 24,
     ["2002-01-01T01:00:00+01:00", "2002-01-01T02:00:00+01:00"]),
])
def test_forms_steps_periods_and_next_labels(labels, unit, words, period, after):
    axis, step = axis_of(labels)
    assert axis.unit == unit
    assert describe(unit, step) == words
    assert default_period(unit, step) == period
    assert next_two(labels) == after


def test_yearly_labels_are_shown_as_whole_years():
    axis, _ = axis_of(["1700.0", "1701.0"])
    assert axis.labels == ["1700", "1701"]


@pytest.mark.parametrize("labels", [["a", "b", "c"], ["x1", "x2"], ["1949.042", "1949.125"]])
def test_plain_labels_are_not_a_time_axis(labels):
    assert read_axis(labels, str) is None


def test_dates_that_read_both_day_first_and_month_first_are_an_error():
    with pytest.raises(InputError, match="line 2: '03/04/2020' reads as day/month/year and as "
                                         "month/day/year.*write them as YYYY-MM-DD"):
        read_axis(["03/04/2020", "04/04/2020", "05/04/2020"], lambda i: f"line {i + 2}")
    assert read_axis(["01/01/2020", "02/02/2020"], str).unit == "month"   # the same both ways


def test_a_label_unlike_the_others_names_its_line():
    with pytest.raises(InputError, match="line 3: 'April' is not a YYYY-MM label"):
        read_axis(["1950-01", "April", "1950-03"], lambda i: f"line {i + 2}")


def test_calendar_features_of_a_weekly_series_across_new_year():
    axis, _ = axis_of(["2001-12-22", "2001-12-29", "2002-01-05", "2002-01-12"])
    assert calendar(axis.unit, axis.positions, "month").tolist() == [12, 12, 1, 1]
    assert calendar(axis.unit, axis.positions, "quarter").tolist() == [4, 4, 1, 1]
    assert calendar(axis.unit, axis.positions, "week").tolist() == [51, 52, 1, 2]
    assert calendar(axis.unit, axis.positions, "weekday").tolist() == [6, 6, 6, 6]


# ------------------------------------------------------------------ series from files
def weekly_csv(tmp_path, start="2000-01-01", n=100, name="w.csv", skip=(), empty=()):
    first = dt.date.fromisoformat(start)
    rows = []
    for i in range(n):
        if i in skip:
            continue
        d = first + dt.timedelta(weeks=i)
        rows.append(f"{d},{'' if i in empty else 300 + i + 3 * np.sin(i / 8.3):.4f}")
    (tmp_path / name).write_text("date,co2\n" + "\n".join(rows) + "\n")
    return tmp_path / name


def samples(path, **settings):
    d = DataConfig(path=str(path), **settings)
    return build_samples(d, read_table(str(path)))


def test_weekly_forecast_uses_the_true_month_of_every_step(tmp_path):
    # observed on main: the month advanced by one per step, a 12-week "year" in the forecast
    path = weekly_csv(tmp_path, start="2001-01-06", n=50)      # ends 2001-12-15
    s = samples(path, series="co2", time="date", lags=(1,), month=True)
    series = s.series

    class MonthEcho:                    # a "network" whose output is its month input
        recurrent = False

        def predict(self, x):
            return x[:, -1:]

    none = scaling.fit("none", np.zeros((2, 1)))
    path_months = forecast.from_end(MonthEcho(), scaling.fit("none", np.zeros((2, 2))), none,
                                    s.X, series, len(series.values), 8)
    assert forecast.next_labels(series, 8) == [
        "2001-12-22", "2001-12-29", "2002-01-05", "2002-01-12", "2002-01-19", "2002-01-26",
        "2002-02-02", "2002-02-09"]
    assert path_months.tolist() == [12, 12, 1, 1, 1, 1, 2, 2]


def test_weekly_model_forecast_file_feeds_true_months(tmp_path):
    path = weekly_csv(tmp_path, start="2000-01-01", n=100)     # ends 2001-11-24
    (tmp_path / "c.yaml").write_text("""
data: {path: w.csv, series: co2, time: date, lags: [1, 2], month: true}
split: {method: block, train: 0.8, val: 0.0, test: 0.2}
models: {bp: {type: feedforward, hidden: [4]}}
train: {epochs: 20, show: 0}
""")
    out = tmp_path / "out"
    assert main([str(tmp_path / "c.yaml"), "--out", str(out), "--quiet"]) == 0
    model = bpnet.load_model(out / "model_bp.npz")
    assert model.meta.time_step.unit == "day" and model.meta.time_step.step == 7
    fc, history = model.forecast_file(path, steps=10)
    assert fc.labels[:3] == ["2001-12-01", "2001-12-08", "2001-12-15"]
    assert fc.labels[4:6] == ["2001-12-29", "2002-01-05"]
    # the forecast by hand: each step's inputs are the last two values and its true month
    y = list(history.y_true[:, 0])
    for label in fc.labels:
        month = int(label[5:7])
        y.append(model.predict([[y[-1], y[-2], month]])[0, 0])
    np.testing.assert_array_equal(fc.y_pred[:, 0], y[-10:])


def test_newest_first_rows_are_an_error_naming_the_first_line(tmp_path):
    lines = [f"{1950 + i // 12}-{i % 12 + 1:02d},{100 + i}" for i in range(24)]
    (tmp_path / "d.csv").write_text("month,y\n" + "\n".join(reversed(lines)) + "\n")
    with pytest.raises(InputError) as err:
        samples(tmp_path / "d.csv", series="y", time="month")
    msg = str(err.value)
    assert "line 3, column month: '1951-11' comes after '1951-12' (line 2)" in msg
    assert "23 row(s) are out of time order (the file is newest first)" in msg
    assert "data.sort: true" in msg


def test_sort_gives_the_samples_of_the_oldest_first_file(tmp_path):
    lines = [f"{1950 + i // 12}-{i % 12 + 1:02d},{100 + i * (i % 5)}" for i in range(36)]
    (tmp_path / "old.csv").write_text("month,y\n" + "\n".join(lines) + "\n")
    shuffled = [lines[i] for i in np.random.default_rng(0).permutation(36)]
    (tmp_path / "new.csv").write_text("month,y\n" + "\n".join(shuffled) + "\n")
    a = samples(tmp_path / "old.csv", series="y", time="month", lags=(1, 12), month=True)
    b = samples(tmp_path / "new.csv", series="y", time="month", lags=(1, 12), month=True,
                sort=True)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.Y, b.Y)
    assert a.labels == b.labels
    assert forecast.next_labels(b.series, 2) == ["1953-01", "1953-02"]


def test_out_of_order_rows_count_and_first_line(tmp_path):
    lines = [f"{1950 + i},{i}" for i in range(10)]
    lines[4], lines[5] = lines[5], lines[4]
    (tmp_path / "d.csv").write_text("year,y\n" + "\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"line 7, column year: '1954' comes after '1955' "
                                         r"\(line 6\): 1 row\(s\) are out of time order;"):
        samples(tmp_path / "d.csv", series="y", time="year")


def test_a_repeated_time_is_an_error_even_with_sort(tmp_path):
    (tmp_path / "d.csv").write_text("year,y\n1950,1\n1951,2\n1951,3\n1952,4\n")
    with pytest.raises(InputError, match="'1951' is on line 3 and line 4 .*remove the dup"):
        samples(tmp_path / "d.csv", series="y", time="year", sort=True)


def test_gaps_are_an_error_naming_how_many_and_the_first(tmp_path):
    path = weekly_csv(tmp_path, n=60, skip=(10, 11, 30))
    with pytest.raises(InputError) as err:
        samples(path, series="co2", time="date")
    msg = str(err.value)
    assert "3 time step(s) are missing from this weekly series, in 2 gap(s)" in msg
    assert "the first: 2 weeks between line 11 ('2000-03-04') and line 12 ('2000-03-25')" in msg
    assert "data.missing: interpolate" in msg


def test_gaps_are_inserted_and_interpolated_in_time(tmp_path):
    full = samples(weekly_csv(tmp_path, n=60, name="full.csv"), series="co2", time="date")
    gappy = samples(weekly_csv(tmp_path, n=60, skip=(10, 11, 30)), series="co2", time="date",
                    missing="interpolate")
    assert gappy.series.labels == full.series.labels       # the absent weeks are back
    y, y_full = gappy.series.values, full.series.values
    np.testing.assert_allclose(y[10:12], y_full[9] + (y_full[12] - y_full[9]) * np.array([1, 2])
                               / 3, rtol=1e-14)
    assert gappy.missing.inserted == 3 and gappy.missing.filled == 3
    assert gappy.series.axis.step == 7


def test_irregular_spacing_is_a_warning_and_forecasts_count_steps(tmp_path):
    (tmp_path / "d.csv").write_text("date,y\n" + "".join(
        f"2000-01-{d:02d},{d}\n" for d in (1, 8, 15, 22, 26, 29)))
    with pytest.warns(UserWarning, match="the spacing is irregular: 2 of 5 steps are not a "
                                         "multiple of 1 week"):
        s = samples(tmp_path / "d.csv", series="y", time="date")
    assert s.series.axis.step is None
    assert forecast.next_labels(s.series, 2) == ["+1", "+2"]


@pytest.mark.parametrize("labels, feature, fragment", [
    (["1959Q1", "1959Q2", "1959Q3", "1959Q4"], "month",
     "data.month: needs monthly or finer data; column t is quarterly; data.quarter fits it"),
    (["1950", "1951", "1952", "1953"], "month", "data.month: needs monthly or finer data; "
                                                "column t is yearly"),
    (["1950", "1951", "1952", "1953"], "quarter", "needs quarterly or finer data"),
    (["1950-01", "1950-02", "1950-03", "1950-04"], "week", "data.week: needs weekly or finer"),
    (["2000-01-01", "2000-01-08", "2000-01-15", "2000-01-22"], "weekday",
     "data.weekday: needs daily or finer data; column t is weekly"),
    (["a", "b", "c", "d"], "month", "'a' is not a time label bpnet reads"),
])
def test_calendar_features_that_do_not_fit_the_step(tmp_path, labels, feature, fragment):
    (tmp_path / "d.csv").write_text("t,y\n" + "".join(f"{t},{i}\n" for i, t in
                                                      enumerate(labels)))
    with pytest.raises(InputError) as err:
        samples(tmp_path / "d.csv", series="y", time="t", **{feature: True})
    assert fragment in str(err.value)


def test_quarter_week_and_weekday_features(tmp_path):
    path = weekly_csv(tmp_path, start="2001-12-22", n=6)
    s = samples(path, series="co2", time="date", lags=(1,), month=True, quarter=True, week=True)
    assert s.feature_names == ["co2[t-1]", "month", "quarter", "week"]
    np.testing.assert_array_equal(s.X[:, 1:], [[12, 4, 52], [1, 1, 1], [1, 1, 2], [1, 1, 3],
                                               [1, 1, 4]])


@pytest.mark.parametrize("labels, period", [
    ([f"{2000 + i // 4}Q{i % 4 + 1}" for i in range(40)], 4),
    ([str(1900 + i) for i in range(40)], None),
    ([str(dt.date(2000, 1, 1) + dt.timedelta(weeks=i)) for i in range(120)], 52),
    ([str(dt.date(2000, 1, 1) + dt.timedelta(days=i)) for i in range(40)], 7),
])
def test_default_period_and_the_seasonal_baseline(tmp_path, labels, period):
    (tmp_path / "d.csv").write_text("t,y\n" + "".join(f"{t},{5 + i % 7}\n" for i, t in
                                                      enumerate(labels)))
    s = samples(tmp_path / "d.csv", series="y", time="t")
    assert s.series.period == period
    s = samples(tmp_path / "d.csv", series="y", time="t", period=3)
    assert s.series.period == 3


def test_yearly_float_labels_end_to_end(tmp_path, capsys):
    (tmp_path / "d.csv").write_text("YEAR,SUNACTIVITY\n" + "".join(
        f"{1700 + i}.0,{60 + 50 * np.sin(i / 1.75):.1f}\n" for i in range(60)))
    (tmp_path / "c.yaml").write_text("""
data: {path: d.csv, series: SUNACTIVITY, time: YEAR, lags: [1, 2]}
split: {method: block, train: 0.8, val: 0.0, test: 0.2}
models: {bp: {type: feedforward, hidden: [3]}}
train: {epochs: 5, show: 0}
forecast: {horizon: test}
""")
    out = tmp_path / "out"
    assert main([str(tmp_path / "c.yaml"), "--out", str(out), "--quiet"]) == 0
    said = capsys.readouterr().out
    assert "time: yearly (YYYY), 1700 to 1759, 60 steps; no seasonal period" in said
    rows = (out / "predictions.csv").read_text().splitlines()
    assert rows[1].startswith("1702,train,")
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["baselines"]) == {"naive", "ols"}   # no seasonal period for years
    assert main(["forecast", str(out / "model_bp.npz"), str(tmp_path / "d.csv"), "--steps", "3",
                 "--out", str(tmp_path / "f.csv")]) == 0
    assert "forecast 3 periods after 1759 with" in capsys.readouterr().out
    assert [r.split(",")[0] for r in (tmp_path / "f.csv").read_text().splitlines()[1:]] == \
        ["1760", "1761", "1762"]


def test_a_model_refuses_a_file_of_another_time_step(tmp_path):
    weekly_csv(tmp_path, n=80)
    (tmp_path / "c.yaml").write_text("""
data: {path: w.csv, series: co2, time: date, lags: [1]}
split: {method: block, train: 0.8, val: 0.0, test: 0.2}
models: {bp: {type: feedforward, hidden: [2]}}
train: {epochs: 2, show: 0}
""")
    out = tmp_path / "out"
    assert main([str(tmp_path / "c.yaml"), "--out", str(out), "--quiet"]) == 0
    (tmp_path / "m.csv").write_text("date,co2\n" + "".join(
        f"2001-{m:02d}-01,{300 + m}\n" for m in range(1, 13)))
    with pytest.raises(InputError, match="the series is monthly; the model .* was trained on a "
                                         "weekly series"):
        bpnet.load_model(out / "model_bp.npz").forecast_file(tmp_path / "m.csv", 3)
    # an irregular file takes the model's step for the labels of its forecast
    (tmp_path / "i.csv").write_text("date,co2\n2001-01-06,1\n2001-01-13,2\n2001-01-19,3\n"
                                    "2001-01-27,4\n")
    with pytest.warns(UserWarning, match="irregular"):
        fc, _ = bpnet.load_model(out / "model_bp.npz").forecast_file(tmp_path / "i.csv", 2)
    assert fc.labels == ["2001-02-03", "2001-02-10"]


def test_a_forecast_needs_a_test_sample(tmp_path):
    (tmp_path / "d.csv").write_text("year,y\n" + "".join(f"{1950 + i},{i}\n" for i in range(4)))
    (tmp_path / "c.yaml").write_text("""
data: {path: d.csv, series: y, time: year}
split: {method: block, train: 0.8, val: 0.0, test: 0.2}
models: {bp: {type: feedforward, hidden: [2]}}
forecast: {horizon: test}
""")
    with pytest.raises(InputError, match="forecast: 3 samples leave none for the test part it "
                                         "forecasts"):
        dataset.load(load_config(tmp_path / "c.yaml"), np.random.default_rng(0))

"""What bpnet tells a MATLAB user about a run reads right: MATLAB's performFcn is read as
train.perform, classifiers and series are compared with their best baseline (a tie is no loss),
table figures carry four significant figures, a training that stopped early says which knobs
to turn, and the pictures show what they draw, uncut."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest
from helpers import ROOT

import bpnet
from bpnet.config import load_config
from bpnet.data.timeaxis import assumed_period
from bpnet.errors import InputError
from bpnet.report import classreport, console
from bpnet.report.console import figure
from bpnet.report.metrics import worse

IRIS = ROOT / "configs" / "iris.yaml"


def iris(tmp_path, perform: str = "") -> str:
    """configs/iris.yaml with ``perform`` in place of its train.perform line."""
    text = IRIS.read_text().replace("perform: crossentropy", perform)
    (tmp_path / "c.yaml").write_text(text.replace("../data/", str(ROOT / "data") + "/"))
    return tmp_path / "c.yaml"


# ------------------------------------------------------------------ MATLAB's performFcn
@pytest.mark.parametrize("key", ["train.performFcn", "train.PERFORMFCN",
                                 "models.bp.train.performFcn"])
@pytest.mark.parametrize("value", ["mse", "crossentropy"])
def test_performfcn_is_train_perform(tmp_path, key, value):
    cfg = load_config(iris(tmp_path), [f"{key}={value}"])
    assert cfg.models["bp"].train.perform == value


def test_performfcn_in_the_yaml_file(tmp_path):
    assert load_config(iris(tmp_path, "performFcn: mse")).models["bp"].train.perform == "mse"


@pytest.mark.parametrize("setting, said", [
    ("train.performFcn=sse", "train.performFcn: 'sse' is not one of mse, crossentropy; sse is "
                             "the sum squared error in MATLAB; bpnet does not have it"),
    ("train.perform=mae", "train.perform: 'mae' is not one of mse, crossentropy; mae is the "
                          "mean absolute error in MATLAB"),
    ("performFcn=crossentropy", "performFcn: not a bpnet key: MATLAB's performance function: "
                                "write train.perform (mse or crossentropy)"),
    ("net.performFcn=crossentropy", "net: not a bpnet key: MATLAB's network object: write "
                                    "net.performFcn as train.perform"),
])
def test_performfcn_names_bpnet_lacks(tmp_path, setting, said):
    with pytest.raises(InputError) as err:
        load_config(iris(tmp_path), [setting])
    message = str(err.value)
    assert said in message and "remove it" not in message and "did you mean" not in message


def test_performfcn_and_perform_together_are_one_key_twice():
    with pytest.raises(InputError, match="train.performFcn and train.perform are the same key"):
        load_config(IRIS, ["train.performFcn=mse"])   # iris.yaml writes perform already


# ------------------------------------------------------------------ shared small runs
@pytest.fixture(scope="module")
def passengers():
    """The demo's data and baselines, one network trained briefly: the seasonal naive
    forecast (RMSE 42.57) beats the linear baseline (47.51) and the network."""
    return bpnet.run(ROOT / "configs" / "passengers.yaml",
                     set={"train.epochs": 30, "train.show": 0,
                          "models": {"bp": {"type": "feedforward", "hidden": [4]}}})


@pytest.fixture(scope="module")
def weak_classifier(tmp_path_factory):
    """iris, one run of two epochs: below the logistic regression."""
    return bpnet.run(iris(tmp_path_factory.mktemp("iris"), "perform: crossentropy"),
                     set={"train.epochs": 2, "runs": 1})


def note_lines(result) -> list[str]:
    return [line for line in result.summary.splitlines() if line.startswith("note: ")]


# ------------------------------------------------------------------ the best baseline
def test_the_note_names_the_best_baseline_and_its_figure(passengers):
    b = passengers.baselines
    best = b["seasonal_naive"]["scores"]["test"]["rmse"]
    assert best < b["ols"]["scores"]["test"]["rmse"]
    bp = passengers.results[0].scores["test"]["rmse"]
    said = (f"note: bp does worse on the test part than the best baseline, the seasonal naive "
            f"forecast (the value 12 steps earlier): RMSE {figure(bp)} against {figure(best)}")
    assert said in note_lines(passengers)
    assert [n for n in passengers.metrics["notes"] if "does worse" in n] == \
        [said.removeprefix("note: ")]


def test_fit_draws_the_best_baseline_dashed_beside_the_linear_one(passengers):
    fig = passengers.figure("fit.png")
    ax = fig.axes[0]
    dashed = {line.get_label(): line for line in ax.get_lines() if line.get_linestyle() == "--"}
    assert {"linear AR (OLS) (baseline)", "seasonal naive (baseline)"} <= set(dashed)
    seasonal = dashed["seasonal naive (baseline)"].get_ydata()
    test = passengers.data.index["test"]
    assert np.nanmax(np.abs(np.asarray(seasonal, dtype=float)[test] -
                            passengers.baselines["seasonal_naive"]["predictions"][test, 0])) == 0
    assert dashed["seasonal naive (baseline)"].get_color() != \
        dashed["linear AR (OLS) (baseline)"].get_color()
    plt.close(fig)


@pytest.mark.parametrize("ours, theirs", [(14.853, 14.849), (0.3462422, 0.3462419)])
def test_a_tie_is_not_a_loss(passengers, ours, theirs):
    """Figures within 1e-3 of each other (relative) are a tie: no note says the network does
    worse."""
    assert not worse(ours, theirs) and not worse(theirs, ours)
    assert worse(ours * 1.002, theirs) and worse(0.97, 0.98, higher_is_better=True)
    r = dataclasses.replace(passengers.results[0],
                            scores={**passengers.results[0].scores, "test": {"rmse": ours}})
    baselines = {"ols": {**passengers.baselines["ols"], "scores": {"test": {"rmse": theirs}}}}
    assert not any("worse" in n for n in console.notes(passengers.data, [r], baselines))


# ------------------------------------------------------------------ notes for classifiers
def test_a_classifier_below_its_baseline_gets_a_note(weak_classifier):
    r = weak_classifier
    ours = r.results[0].scores["test"]["accuracy"]
    theirs = r.baselines["logistic"]["scores"]["test"]["accuracy"]
    assert ours < theirs
    said = (f"note: bp does worse on the test part than the best baseline, the logistic "
            f"regression (on the same inputs): accuracy {figure(100 * ours)} % against "
            f"{figure(100 * theirs)} %")
    lines = r.summary.splitlines()
    assert said in lines and lines.index(said) > lines.index(next(
        line for line in lines if line.startswith("logistic regression")))
    assert said.removeprefix("note: ") in r.metrics["notes"]


# ------------------------------------------------------------------ four significant figures
def significant(cell: str) -> int:
    """The significant figures of a number as a table writes it."""
    digits = cell.split("e")[0].replace("-", "").replace(".", "").lstrip("0")
    return len(digits)


@pytest.mark.parametrize("value, shown", [(0.005548123, "0.005548"), (48.3081, "48.31"),
                                          (0.246, "0.2460"), (12345.6, "12346"),
                                          (1.0, "1.000"), (2.5e-7, "2.500e-07"),
                                          (float("nan"), "-"), (0.0, "0")])
def test_one_formatting_function(value, shown):
    assert figure(value) == shown


def test_every_table_figure_has_four_significant_figures(passengers, weak_classifier):
    r = passengers
    runs = [{**r.results[0].summary(), "seed": s} for s in range(3)]
    for i, run in enumerate(runs):   # three runs a little apart: their spread must show
        run["test"] = {**run["test"], "rmse": 0.0331 + 0.0002 * i}
        run["train"] = {**run["train"], "mse": 0.001257 - 0.00001 * i}
    spread = dataclasses.replace(r.results[0], runs=runs)
    tables = [console.summary_table(r.results, r.baselines),
              console.runs_table([spread], False),
              classreport.summary_table(weak_classifier.results, weak_classifier.baselines)]
    cells = [cell for table in tables for line in table.splitlines()[2:]
             for cell in re.findall(r"(?<![\w.])-?\d+\.\d+(?:e[-+]\d+)?", line)]
    assert len(cells) > 20 and all(significant(c) >= 4 for c in cells), cells
    assert "0.03330 [0.03310, 0.03350]" in tables[1]


# ------------------------------------------------------------------ stopped too early
def test_a_validation_stop_near_the_start_names_the_knobs(passengers):
    r = passengers.results[0]
    early = dataclasses.replace(r, train=dataclasses.replace(
        r.train, stop_reason="Validation stop.", epochs=16, best_epoch=10))
    lines = console.stopped_early(passengers.data, [early], {})
    assert lines == ["note: bp may have stopped learning too early (validation stopped it at "
                     "epoch 16 of 30, its best epoch 10): try a larger train.max_fail (now 6), "
                     "a larger hidden layer (models.bp.hidden, now [4]) or train.algorithm: "
                     "trainlm or trainbr"]
    late = dataclasses.replace(early, train=dataclasses.replace(early.train, epochs=36,
                                                                best_epoch=30))
    assert console.stopped_early(passengers.data, [late], {}) == []


def test_a_network_below_the_linear_baseline_in_training_names_the_knobs(weak_classifier):
    r = weak_classifier
    notes = [n for n in note_lines(r) if "may have stopped learning too early" in n]
    assert len(notes) == 1 and "its training accuracy" in notes[0]
    assert "below the logistic regression's" in notes[0]
    assert "more train.epochs (now 2)" in notes[0] and "a larger hidden layer" in notes[0]
    assert "trainlm or trainbr with train.perform: mse" in notes[0]


# ------------------------------------------------------------------ pictures not cut
def seconds_run(folder, start: dt.datetime, every: int = 1):
    """A series of 300 steps of ``every`` seconds from ``start`` with a forecast of its test
    part, briefly trained."""
    (folder / "d.csv").write_text("t,y\n" + "".join(
        f"{(start + dt.timedelta(seconds=every * i)).isoformat()},{np.sin(i / 5):.6f}\n"
        for i in range(300)))
    (folder / "c.yaml").write_text("""
data: {path: d.csv, series: y, time: t, lags: [1, 2]}
split: {method: block, train: 0.7, val: 0.15, test: 0.15}
models: {a_network_with_a_rather_long_name: {type: feedforward, hidden: [3]}}
train: {algorithm: trainlm, epochs: 5, show: 0}
forecast: {horizon: test}
""")
    return bpnet.run(folder / "c.yaml")


@pytest.fixture(scope="module")
def seconds(tmp_path_factory):
    return seconds_run(tmp_path_factory.mktemp("seconds"), dt.datetime(2024, 1, 1))


@pytest.fixture(scope="module")
def past_midnight(tmp_path_factory):
    return seconds_run(tmp_path_factory.mktemp("midnight"), dt.datetime(2024, 1, 1, 23, 50),
                       every=5)


def drawn(fig):
    fig.canvas.draw()
    return fig.canvas.get_renderer()


@pytest.mark.parametrize("name", ["fit.png", "forecast.png"])
def test_a_series_of_seconds_is_labelled_by_the_clock(seconds, name):
    fig = seconds.figure(name)
    drawn(fig)
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    ticks = [t.get_text() for x, t in zip(ax.get_xticks(), ax.get_xticklabels()) if lo <= x <= hi]
    assert len(ticks) >= 5 and all(re.fullmatch(r"00:0\d:\d\d", t) for t in ticks), ticks
    assert ax.get_xlabel() == "t (2024-01-01)"
    plt.close(fig)


def test_no_seasonal_period_for_a_series_shorter_than_two(seconds):
    assert "; no seasonal period" in console.data_lines(seconds.data)[0]
    assert "seasonal_naive" not in seconds.baselines
    axis = seconds.data.series.axis
    assert assumed_period(axis, 300) is None
    monthly = dataclasses.replace(axis, unit="month", step=1)
    assert assumed_period(monthly, 23) is None and assumed_period(monthly, 24) == 12
    assert assumed_period(None, 24) == 12 and assumed_period(None, 23) is None


def test_a_series_past_midnight_shows_the_day_where_it_changes(past_midnight):
    fig = past_midnight.figure("fit.png")
    drawn(fig)
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    # 36 steps of 5 seconds apart, on whole 3 minutes from the series' start
    assert ticks[:3] == ["01-01 23:53:00", "01-01 23:56:00", "01-01 23:59:00"]
    assert ticks[3] == "01-02 00:02:00" and fig.axes[0].get_xlabel() == "t"
    plt.close(fig)


@pytest.mark.parametrize("run", ["seconds", "past_midnight"])
@pytest.mark.parametrize("name", ["forecast.png", "fit.png", "errors_{}.png"])
def test_titles_and_labels_lie_inside_the_picture(request, run, name):
    result = request.getfixturevalue(run)
    fig = result.figure(name.format(result.results[0].name))
    renderer = drawn(fig)
    for ax in fig.axes:
        lo, hi = ax.get_xlim()
        ticks = [t for x, t in zip(ax.get_xticks(), ax.get_xticklabels()) if lo <= x <= hi]
        for text in [ax.title, ax.xaxis.label, *ticks]:
            box = text.get_window_extent(renderer)
            assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= fig.bbox.x1 and \
                box.y1 <= fig.bbox.y1, (text.get_text(), box, fig.bbox)
    plt.close(fig)


@pytest.mark.parametrize("name", ["errors", "trainstate"])
def test_epoch_axes_end_at_the_last_epoch(seconds, name):
    r = seconds.results[0]
    fig = seconds.figure(f"{name}_{r.name}.png")
    assert fig.axes[-1 if name == "trainstate" else 0].get_xlim() == (0, r.train.epochs)
    plt.close(fig)


@pytest.mark.parametrize("name", ["fit.png", "forecast.png"])
def test_monthly_ticks_fall_on_whole_years_after_the_differences(name):
    """118 samples (26 months lost to the differences and lags) would give a tick every 10
    months from 1951-03; the months' ticks fall on a divisor or multiple of 12 instead."""
    result = bpnet.run(ROOT / "configs" / "passengers_forecast.yaml",
                       set={"runs": 1, "train.epochs": 5, "forecast.intervals": None,
                            "models": {"bp": {"type": "feedforward", "hidden": [1]}}})
    fig = result.figure(name)
    drawn(fig)
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    ticks = [t.get_text() for x, t in zip(ax.get_xticks(), ax.get_xticklabels()) if lo <= x <= hi]
    assert len(ticks) >= 4 and all(t.endswith("-01") for t in ticks), ticks
    plt.close(fig)

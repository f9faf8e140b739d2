"""The Box-Cox series transform: its exact inverse, lambda fitted on the training part only,
predictions in original units in a run and from the saved model, and its bad inputs."""
import json
import warnings

import numpy as np
import pytest
import scipy.stats
from helpers import predict_column_and_run_column
from iohelpers import one_error_line

from bpnet import data, experiment, load_model
from bpnet.cli import main
from bpnet.config import build_config
from bpnet.data.transforms import SeriesTransform
from bpnet.errors import InputError
from bpnet.report.meta import ModelMeta


def airline(root) -> np.ndarray:
    lines = (root / "data/airline_passengers.csv").read_text().splitlines()[1:]
    return np.array([float(line.split(",")[1]) for line in lines])


def cfg(root, path=None, transform=None, **over):
    raw = {"data": {"path": str(path or root / "data/airline_passengers.csv"),
                    "series": "passengers", "time": "month", "lags": [1, 12, 13],
                    "transform": transform or {"boxcox": "auto", "difference": [1, 12]}},
           "split": {"method": "block", "train": 0.7, "val": 0.0, "test": 0.3},
           "forecast": {"horizon": "test"},
           "train": {"epochs": 20, "show": 0},
           "models": {"bp": {"type": "feedforward", "hidden": [2]}}}
    raw.update(over)
    return build_config(raw, "t.yaml")


@pytest.mark.parametrize("lam, shift, diffs", [(0.5, 0.0, ()), (0.0, 0.0, (1, 12)),
                                               (-0.4, 0.0, (1, 12)), (1.7, 25.0, (12, 1)),
                                               (0.15, -50.0, (1,))])
def test_transform_then_inverse_is_the_identity(root, lam, shift, diffs):
    y = airline(root)
    tf = SeriesTransform(False, diffs, lam, shift)
    stages = tf.stages(y)
    np.testing.assert_allclose(stages[0], scipy.stats.boxcox(y + shift, lam), rtol=1e-13)
    w, t = stages[-1], np.arange(tf.lost, len(y))
    np.testing.assert_allclose(tf.invert(w[t], t, stages), y[t], rtol=1e-12)
    np.testing.assert_allclose(tf.invert_path(w[100:], 100, stages), y[100:], rtol=1e-11)
    np.testing.assert_allclose(tf.forward(y[t], t, stages), w[t], rtol=1e-9, atol=1e-12)


def test_lambda_zero_is_the_log(root):
    y = airline(root)
    box, log = SeriesTransform(False, (1,), 0.0), SeriesTransform(True, (1,))
    np.testing.assert_allclose(box.apply(y)[1:], log.apply(y)[1:], rtol=1e-13)


def test_lambda_is_scipys_of_the_training_part_only(root, tmp_path):
    ds = data.load(cfg(root), np.random.default_rng(0))
    y = airline(root)
    train_t = ds.series.positions[ds.index["train"]]
    assert train_t[0] == 26 and len(train_t) == 83   # 118 - floor(0.3 * 118)
    lam = scipy.stats.boxcox(y[train_t])[1]
    assert ds.series.transform.boxcox == pytest.approx(lam, rel=1e-6)
    assert ds.series.transform.boxcox != pytest.approx(scipy.stats.boxcox(y)[1], rel=1e-2)

    def fitted(values) -> float:
        lines = (root / "data/airline_passengers.csv").read_text().splitlines()
        (tmp_path / "d.csv").write_text("\n".join([lines[0]] + [
            f"{line.split(',')[0]},{v:g}" for line, v in zip(lines[1:], values)]) + "\n")
        return data.load(cfg(root, tmp_path / "d.csv"),
                         np.random.default_rng(0)).series.transform.boxcox

    test_t = ds.series.positions[ds.index["test"]]
    other_test = y.copy()
    other_test[test_t] = 3 * y[test_t] ** 1.5
    assert fitted(other_test) == ds.series.transform.boxcox
    other_train = y.copy()
    other_train[train_t[5]] *= 1.5
    assert fitted(other_train) != pytest.approx(ds.series.transform.boxcox, rel=1e-6)


def test_one_step_predictions_are_in_original_units(root):
    c = cfg(root, transform={"boxcox": 0.3, "difference": [1, 12], "shift": 10})
    ds = data.load(c, np.random.default_rng(0))
    r = experiment.fit_model("bp", c.models["bp"], ds, 0)
    w = ds.y_scaler.inverse_transform(r.net.predict(ds.Xs))[:, 0]
    y = airline(root)
    z0 = ((y + 10) ** 0.3 - 1) / 0.3                  # by hand: (x^lambda - 1) / lambda
    t = ds.series.positions
    z = w + (z0[t - 12] - z0[t - 13]) + z0[t - 1]      # undo diff12, then diff1
    np.testing.assert_allclose(r.predictions[:, 0], (0.3 * z + 1) ** (1 / 0.3) - 10,
                               rtol=1e-11)
    assert ds.feature_names[0] == "diff12(diff1(boxcox(passengers + 10)))[t-1]"


def test_a_prediction_outside_the_range_is_clipped_with_a_warning():
    y = np.array([4.0, 9.0, 16.0])
    up = SeriesTransform(False, (), 0.5, 1.0)          # range: z >= -2
    with pytest.warns(UserWarning, match="1 of 2 predictions fall outside the range"):
        out = up.invert(np.array([-5.0, 2.0]), np.array([0, 1]), up.stages(y))
    np.testing.assert_array_equal(out, [-1.0, 3.0])   # the edge: y + shift = 0
    down = SeriesTransform(False, (), -0.5)           # range: z < 2
    with pytest.warns(UserWarning, match="clipped to its edge, infinity"):
        out = down.invert_path(np.array([3.0, 1.0]), 3, down.stages(y))
    assert out[0] == np.inf and out[1] == pytest.approx(4.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(up.invert(np.array([-1.9]), np.array([0]), up.stages(y))).all()


def write_config(root, folder, transform="{boxcox: auto, difference: [1, 12]}"):
    folder.mkdir(exist_ok=True)
    path = folder / "c.yaml"
    path.write_text(
        f"data: {{path: {root / 'data/airline_passengers.csv'}, series: passengers, "
        f"time: month, lags: [1, 12, 13], transform: {transform}}}\n"
        "split: {method: block, train: 0.644, val: 0.0, test: 0.356}\n"
        "forecast: {horizon: test}\n"
        "models: {bp: {type: feedforward, hidden: [1, 1]}}\n"
        "train: {epochs: 30, show: 0}\n")
    return path


def test_saved_model_predicts_and_forecasts_as_in_the_run(root, tmp_path, capsys):
    out = tmp_path / "o"
    assert main([str(write_config(root, tmp_path)), "--out", str(out), "--quiet",
                 "--no-plots"]) == 0
    lam = json.loads((out / "metrics.json").read_text())["boxcox_lambda"]
    assert f"Box-Cox lambda {lam:.4g} (maximum likelihood on the training part)" in \
        capsys.readouterr().out
    model = load_model(out / "model_bp.npz")
    assert model.meta.data.transform.boxcox == lam
    ours, theirs = predict_column_and_run_column(root, out, tmp_path)
    assert ours == theirs
    # the forecast from the saved model of the series cut at the test part's start is the
    # run's own multi-step forecast of the test part
    rows = (out / "predictions.csv").read_text().splitlines()
    head = rows[0].split(",")
    test = [r.split(",") for r in rows[1:] if r.split(",")[1] == "test"]
    lines = (root / "data/airline_passengers.csv").read_text().splitlines()
    cut = next(i for i, x in enumerate(lines) if x.startswith(test[0][0] + ","))
    (tmp_path / "cut.csv").write_text("\n".join(lines[:cut]) + "\n")
    assert main(["forecast", str(out / "model_bp.npz"), str(tmp_path / "cut.csv"), "--steps",
                 str(len(test)), "--out", str(tmp_path / "f.csv"), "--no-plots"]) == 0
    got = [float(r.split(",")[1]) for r in (tmp_path / "f.csv").read_text().splitlines()[1:]]
    want = [float(r[head.index("bp_multistep")]) for r in test]
    np.testing.assert_allclose(got, want, rtol=1e-10)
    # the exports say their outputs are Box-Cox units, and of which lambda
    assert main(["export", str(out / "model_bp.npz"), "--out", str(tmp_path / "n.m")]) == 0
    assert f"% The Box-Cox lambda of those units: {lam!r}." in \
        (tmp_path / "n.m").read_text().splitlines()
    from bpnet.onnxexport import metadata
    assert f"Box-Cox lambda {lam!r}" in metadata(model, "float64", None)["bpnet.note"]


def test_a_model_file_without_a_lambda_still_loads(root, tmp_path):
    out = tmp_path / "o"
    assert main([str(write_config(root, tmp_path, "{log: true, difference: [1, 12]}")),
                 "--out", str(out), "--quiet", "--no-plots"]) == 0
    meta = load_model(out / "model_bp.npz").meta
    raw = meta.to_json()
    assert set(raw["data"]["transform"]) == {"log", "difference"}   # as before Box-Cox
    again = ModelMeta.from_json(raw, "m.npz")
    assert again.data.transform.boxcox is None and again.data.transform.shift == 0
    raw["data"]["transform"] = {"boxcox": "auto", "difference": [1, 12]}
    with pytest.raises(InputError, match="data.transform.boxcox: a saved recipe holds"):
        ModelMeta.from_json(raw, "m.npz")


def series_file(tmp_path, bad: float) -> str:
    (tmp_path / "d.csv").write_text("month,passengers\n" + "\n".join(
        f"19{50 + i // 12}-{i % 12 + 1:02d},{bad if i == 7 else 100 + i}" for i in range(60)))
    return str(tmp_path / "d.csv")


@pytest.mark.parametrize("transform, bad, fragment", [
    ({"boxcox": "auto"}, 0,
     "line 9, column passengers: 0 is not positive, as data.transform.boxcox needs it to be; "
     "data.transform.shift adds a constant first"),
    ({"boxcox": 0.5, "shift": 10}, -12,
     "line 9, column passengers: -12 + data.transform.shift 10 = -2 is not positive"),
    ({"log": True, "shift": 1}, -1, "line 9, column passengers: -1 + data.transform.shift 1 = 0 "
                                    "has no logarithm"),
])
def test_values_the_transform_does_not_take(root, tmp_path, transform, bad, fragment):
    c = cfg(root, series_file(tmp_path, bad), transform, forecast={})
    with pytest.raises(InputError, match=fragment.replace("+", r"\+")):
        data.load(c, np.random.default_rng(0))


def test_a_shift_makes_them_usable(root, tmp_path):
    c = cfg(root, series_file(tmp_path, -12), {"boxcox": "auto", "shift": 13}, forecast={})
    ds = data.load(c, np.random.default_rng(0))
    assert np.isfinite(ds.X).all()
    y = ds.series.values
    np.testing.assert_allclose(ds.series.stages[0], scipy.stats.boxcox(
        y + 13, ds.series.transform.boxcox), rtol=1e-12)


@pytest.mark.parametrize("transform, fragment", [
    ({"log": True, "boxcox": "auto"}, "data.transform: log and boxcox together"),
    ({"shift": 5}, "data.transform.shift: is added before log or boxcox"),
    ({"boxcox": "mle"}, "data.transform.boxcox: expected auto"),
    ({"boxcox": ".inf"}, "data.transform.boxcox: expected auto"),
])
def test_transform_config_mistakes(root, transform, fragment):
    with pytest.raises(InputError, match=fragment):
        cfg(root, transform=transform)


def test_exogenous_and_tabular_columns_take_no_boxcox(root):
    for key, value in (("boxcox", 0), ("shift", 3)):
        with pytest.raises(InputError, match=f"data.exog_transform.{key}: is for the series"):
            cfg(root, data={"path": "p.csv", "series": "y", "time": "t", "exog": {"x": [0]},
                            "exog_transform": {"log": True, key: value}})
    with pytest.raises(InputError, match="data.transform is for a series"):
        build_config({"data": {"path": "p.csv", "inputs": ["a"], "targets": ["b"],
                               "transform": {"boxcox": 0.5}},
                      "models": {"bp": {"type": "feedforward"}}}, "t.yaml")


def test_a_bad_value_stops_the_run_with_one_line(root, tmp_path, capsys):
    path = write_config(root, tmp_path)
    path.write_text(path.read_text().replace(str(root / "data/airline_passengers.csv"),
                                             series_file(tmp_path, 0)))
    assert main([str(path), "--out", str(tmp_path / "o"), "--quiet", "--no-plots"]) == 2
    one_error_line(capsys.readouterr().err, "column passengers: 0 is not positive")
    assert not (tmp_path / "o").exists()

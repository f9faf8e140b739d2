"""combine: mean: the mean of each model's runs, reported, saved and used like a model."""
import json

import numpy as np
import pytest

import bpnet
from bpnet.api import configure
from bpnet.cli import main
from bpnet.data import scaling
from bpnet.data.dataset import Dataset
from bpnet.experiment import fit_model
from bpnet.predict import Ensemble, load_model
from bpnet.report.scores import ModelResult, ensemble
from tests.iohelpers import column, one_error_line, run

SHORT = {"train.epochs": 15, "runs": 3, "combine": "mean"}


def _table(targets, train, test) -> Dataset:
    """Four tabular samples with targets (4, 1), y scaled by mapstd with mean 0 and std 2."""
    X = np.arange(4.0)[:, None]
    ident = scaling.Scaler("none", np.zeros(1), np.ones(1))
    ys = scaling.Scaler("mapstd", np.zeros(1), np.full(1, 2.0))
    return Dataset(X, np.array(targets, float)[:, None], ["1", "2", "3", "4"], "row",
                   {"train": np.array(train), "test": np.array(test)}, ["x"], ["y"], False,
                   ident, ys)


def _run(preds, name="bp") -> ModelResult:
    return ModelResult(name, None, object(), None, np.array(preds, float)[:, None], {}, 0)


def test_mean_of_two_runs_worked_by_hand():
    data = _table([1, 2, 3, 4], [0, 1], [2, 3])
    r = ensemble([_run([1, 2, 2, 6]), _run([3, 2, 4, 2])], data)
    assert r.name == "bp (mean of 2)" and r.stem == "bp_mean" and r.is_ensemble
    np.testing.assert_array_equal(r.predictions[:, 0], [2, 2, 3, 4])
    # train: errors 1 and 0 -> rmse sqrt(1/2); on the scale the network sees (y / 2): mse 1/8
    assert r.scores["train"]["rmse"] == pytest.approx(np.sqrt(0.5), rel=1e-15)
    assert r.scores["train"]["mse"] == pytest.approx(0.125, rel=1e-15)
    assert r.scores["test"]["rmse"] == 0.0
    assert r.outcome == ("-", "mean of 2 runs")


def test_to_network_undoes_to_original_on_a_transformed_series(root):
    cfg = configure(root / "configs/passengers_forecast.yaml", {})
    from bpnet.data import dataset as stage
    data = stage.load(cfg, np.random.default_rng(0))
    idx = data.index["test"]
    Ys_hat = np.random.default_rng(1).normal(size=(len(idx), 1))
    y = data.to_original(data.y_scaler.inverse_transform(Ys_hat), idx)
    np.testing.assert_allclose(data.to_network(y, idx), Ys_hat, rtol=1e-9, atol=1e-12)


def test_mean_row_averages_the_runs_in_original_units(root):
    """A log-differenced series: the ensemble's predictions and multi-step forecast are the
    averages of those of the runs trained one by one; the kept run is unchanged."""
    path = root / "configs/passengers_forecast.yaml"
    result = bpnet.run(path, set={**SHORT, "models": {"bp": {"type": "feedforward",
                                                             "hidden": [2, 2]}}}, jobs=1)
    names = [r.name for r in result.results]
    assert names == ["bp", "bp (mean of 3)"]
    kept, mean = result.results
    cfg, data = result.config, result.data
    runs = [fit_model("bp", cfg.models["bp"], data, s, horizon=cfg.forecast.horizon)
            for s in (0, 1, 2)]
    np.testing.assert_array_equal(mean.predictions, np.mean([r.predictions for r in runs], 0))
    np.testing.assert_array_equal(mean.multistep, np.mean([r.multistep for r in runs], 0))
    test = data.index["test"]
    err = mean.predictions[test, 0] - data.targets[test, 0]
    assert mean.scores["test"]["rmse"] == pytest.approx(np.sqrt(np.mean(err ** 2)), rel=1e-12)
    # averaging in original units differs from averaging the transformed outputs
    assert mean.scores["test"]["rmse"] != min(r.scores["test"]["rmse"] for r in runs)
    single = bpnet.run(path, set={**SHORT, "combine": None,
                                  "models": {"bp": {"type": "feedforward", "hidden": [2, 2]}}},
                       jobs=2)
    assert single.results[0].scores == kept.scores
    assert "bp (mean of 3)" in result.metrics["models"]
    assert result.metrics["models"]["bp (mean of 3)"]["seeds"] == [0, 1, 2]
    assert "bp (mean of 3)" in result.summary and "mean of 3 runs" in result.summary


def test_saved_ensemble_predicts_and_forecasts_as_the_mean(root, tmp_path):
    out = tmp_path / "out"
    args = [str(root / "configs/passengers_forecast.yaml"), "--out", str(out), "--quiet",
            "--jobs", "1", "--no-plots"]
    for key, value in SHORT.items():
        args += ["--set", f"{key}={value}"]
    assert main(args) == 0
    names = json.loads((out / "metrics.json").read_text())["models"]
    assert "elman (mean of 3)" in names and not (out / "history_elman_mean.csv").exists()
    model = load_model(out / "model_elman_mean.npz")
    assert isinstance(model, Ensemble) and len(model.members) == 3
    csv_path = root / "data/airline_passengers.csv"
    got = model.predict_file(csv_path)
    written = np.array([float(v) if v else np.nan
                        for v in column(out / "predictions.csv", "elman (mean of 3)")])
    np.testing.assert_allclose(got.y_pred[:, 0], written, rtol=1e-12)
    members = [m.forecast_file(csv_path, 6)[0].y_pred for m in model.members]
    np.testing.assert_array_equal(model.forecast_file(csv_path, 6)[0].y_pred,
                                  np.mean(members, axis=0))
    # the kept run is one of the members, saved on its own as before
    kept = load_model(out / "model_elman.npz")
    assert any(all(np.array_equal(kept.net.params[k], m.net.params[k]) for k in kept.net.params)
               for m in model.members)
    code, stdout, _ = run("predict", str(out / "model_elman_mean.npz"), str(csv_path),
                          "--out", str(tmp_path / "p.csv"))
    assert code == 0, stdout
    pred = np.array([float(v) for v in column(tmp_path / "p.csv", "prediction")])
    np.testing.assert_allclose(pred, got.y_pred[:, 0], rtol=1e-15)


def test_classifier_ensemble_averages_probabilities(root, tmp_path):
    out = tmp_path / "iris"
    assert main([str(root / "configs/iris.yaml"), "--out", str(out), "--quiet", "--jobs", "1",
                 "--set", "runs=2", "--set", "combine=mean", "--set", "train.epochs=20"]) == 0
    model = load_model(out / "model_bp_mean.npz")
    X = np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]])
    P = model.predict_proba(X)
    np.testing.assert_array_equal(P, np.mean([m.predict_proba(X) for m in model.members], 0))
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    for name in ("confusion_bp_mean.png", "roc_bp_mean.png"):
        assert (out / name).stat().st_size > 0
    assert not (out / "errors_bp_mean.png").exists()


@pytest.mark.parametrize("sets, fragment", [
    (["combine=mean"], "combine: mean averages the runs of each model; set runs: 2 or more"),
    (["runs=2", "combine=median"], "combine: 'median' is not one of mean"),
])
def test_combine_mistakes(root, tmp_path, sets, fragment):
    args = [str(root / "configs/passengers.yaml"), "--out", str(tmp_path / "o")]
    for s in sets:
        args += ["--set", s]
    code, _, err = run(*args)
    assert code == 2
    one_error_line(err, fragment)
    assert not (tmp_path / "o").exists()


def test_an_ensemble_is_not_exported_to_matlab(root, tmp_path):
    out = tmp_path / "o"
    assert main([str(root / "configs/passengers.yaml"), "--out", str(out), "--quiet",
                 "--no-plots", "--jobs", "1", "--set", "runs=2", "--set", "combine=mean",
                 "--set", "train.epochs=5"]) == 0
    code, _, err = run("export", str(out / "model_bp_mean.npz"), "--out",
                       str(tmp_path / "mynet.m"))
    assert code == 2
    one_error_line(err, "holds the mean of 2 networks")
    assert not (tmp_path / "mynet.m").exists()
    # nor does a model block start from it: init takes one network
    code, _, err = run(str(root / "configs/passengers.yaml"), "--out", str(tmp_path / "i"),
                       "--set", f"models.bp.init={out / 'model_bp_mean.npz'}")
    assert code == 2
    one_error_line(err, "holds the networks of an ensemble (combine: mean)")


def test_api_gives_the_ensemble_as_a_model(root):
    result = bpnet.run(root / "configs/passengers.yaml", set={
        "runs": 2, "combine": "mean", "train.epochs": 5,
        "models": {"bp": {"type": "feedforward", "hidden": [3, 3]}}}, jobs=1)
    model = result.models["bp (mean of 2)"]
    assert isinstance(model, Ensemble)
    assert "bp (mean of 2)" not in result.histories
    X = result.data.X[result.data.index["test"]]
    np.testing.assert_allclose(model.predict(X)[:, 0],
                               result.results[1].predictions[result.data.index["test"], 0],
                               rtol=1e-12)

"""Using a trained network: predict and forecast from a saved model, with no config."""
import csv
import json
import shutil

import numpy as np
import pytest

import bpnet
import bpnet.errors
from bpnet.cli import main
from bpnet.errors import InputError


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from helpers import ROOT
    out = tmp_path_factory.mktemp("trained")
    assert main([str(ROOT / "configs/passengers.yaml"), "--out", str(out), "--quiet",
                 "--set", "train.epochs=60"]) == 0
    return out


def rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("name", ["bp", "elman"])
def test_predict_reproduces_the_training_run_exactly(trained, root, tmp_path, name):
    model = tmp_path / "m.npz"
    shutil.copy(trained / f"model_{name}.npz", model)   # no config, no results folder
    out = tmp_path / "p.csv"
    assert main(["predict", str(model), str(root / "data/airline_passengers.csv"),
                 "--out", str(out)]) == 0
    ours = rows(out)
    theirs = rows(trained / "predictions.csv")
    assert [r["month"] for r in ours] == [r["month"] for r in theirs]
    assert [r["prediction"] for r in ours] == [r[name] for r in theirs]
    assert [r["relerr"] for r in ours] == [r[f"{name}_relerr"] for r in theirs]


def test_load_model_from_python(trained, root):
    model = bpnet.load_model(trained / "model_bp.npz")
    y = model.predict([[112.0, 2.0], [118.0, 3.0]])
    first = rows(trained / "predictions.csv")[:2]
    assert y.shape == (2, 1)
    np.testing.assert_allclose(y[:, 0], [float(r["bp"]) for r in first], rtol=1e-12)
    assert model.meta.features == ["passengers[t-1]", "month"]
    with pytest.raises(InputError, match="expected 2 input columns"):
        model.predict([[1.0, 2.0, 3.0]])


@pytest.mark.parametrize("name", ["bp", "elman"])
def test_forecast(trained, root, tmp_path, name, capsys):
    out = tmp_path / "f.csv"
    data = root / "data/airline_passengers.csv"
    assert main(["forecast", str(trained / f"model_{name}.npz"), str(data), "--steps", "24",
                 "--out", str(out)]) == 0
    fc = rows(out)
    assert [r["month"] for r in fc][:2] == ["1961-01", "1961-02"] and fc[-1]["month"] == "1962-12"
    assert (tmp_path / "f.png").stat().st_size > 0
    # the first step is the one-step prediction of the sample (Dec 1960, January)
    model = bpnet.load_model(trained / f"model_{name}.npz")
    y = np.array([float(r["passengers"]) for r in rows(data)])
    if name == "bp":
        first = model.predict([[y[-1], 1.0]])[0, 0]
    else:  # the whole series, then the new sample, as one sequence
        months = np.arange(len(y)) % 12 + 1
        X = np.column_stack([np.append(y[:-1], y[-1]), np.append(months[1:], 1)])
        first = model.predict(X)[-1, 0]
    assert float(fc[0]["prediction"]) == pytest.approx(first, rel=1e-12)
    # the second step is fed the first forecast
    if name == "bp":
        assert float(fc[1]["prediction"]) == pytest.approx(
            model.predict([[float(fc[0]["prediction"]), 2.0]])[0, 0], rel=1e-12)


def test_predict_warns_outside_the_training_range(trained, root, capsys, tmp_path):
    assert main(["predict", str(trained / "model_bp.npz"),
                 str(root / "data/airline_passengers.csv"), "--out", str(tmp_path / "p.csv")]) == 0
    err = capsys.readouterr().err
    assert "samples have inputs outside the training range (passengers[t-1])" in err


@pytest.mark.parametrize("damage, fragment", [
    (lambda a: a.pop("W2"), "the model file has no W2 (it holds W1, b1, b2, W3"),
    (lambda a: a.update(W1=np.zeros((3, 2))), "W1 has shape (3, 2), its meta says (10, 2)"),
    (lambda a: a.update(meta=np.array([{"x": 1}], dtype=object)),
     "cannot read the model file: meta holds Python objects"),
    (lambda a: a.pop("meta"), "no meta array"),
    (lambda a: a.pop("y_std"), "the model file has no y_std"),
])
def test_damaged_model_files_are_refused(trained, root, tmp_path, capsys, damage, fragment):
    with np.load(trained / "model_bp.npz") as z:
        arrays = {k: z[k] for k in z.files}
    damage(arrays)
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    out = tmp_path / "p.csv"
    code = main(["predict", str(path), str(root / "data/airline_passengers.csv"),
                 "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and fragment in err[0], err
    assert not out.exists()


def test_forecast_needs_a_series_model_and_steps(trained, root, capsys, tmp_path):
    code = main(["forecast", str(trained / "model_bp.npz"),
                 str(root / "data/airline_passengers.csv"), "--steps", "0",
                 "--out", str(tmp_path / "f.csv")])
    assert code == 2 and "--steps: must be >= 1" in capsys.readouterr().err


def test_help_lists_the_three_forms(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert "run.py CONFIG" in text and "run.py predict MODEL.npz DATA.csv" in text
    assert "run.py forecast MODEL.npz DATA.csv --steps N" in text


def test_meta_carries_everything(trained):
    with np.load(trained / "model_elman.npz", allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
    assert meta["type"] == "elman" and meta["data"]["lags"] == [1] and meta["data"]["month"]
    assert meta["scaling"] == "mapstd" and meta["transfer"] == ["tansig", "purelin"]
    assert meta["version"] == bpnet.__version__


def test_mapminmax_model_saves_offset_and_gain_and_reloads_exactly(root, tmp_path):
    out = tmp_path / "o"
    assert main([str(root / "configs/passengers.yaml"), "--out", str(out), "--quiet",
                 "--set", "scaling=mapminmax", "--set", "train.epochs=30"]) == 0
    with np.load(out / "model_bp.npz", allow_pickle=False) as z:
        assert {"x_offset", "x_gain", "y_offset", "y_gain"} <= set(z.files)
        assert "x_mean" not in z.files
        y = np.array([float(r["passengers"]) for r in rows(root / "data/airline_passengers.csv")])
        train_targets = y[1:102]            # the 101 training samples' targets
        assert z["y_gain"][0] == 2 / (train_targets.max() - train_targets.min())
        assert z["y_offset"][0] == train_targets.min()
    assert main(["predict", str(out / "model_bp.npz"), str(root / "data/airline_passengers.csv"),
                 "--out", str(tmp_path / "p.csv")]) == 0
    assert [r["prediction"] for r in rows(tmp_path / "p.csv")] == \
        [r["bp"] for r in rows(out / "predictions.csv")]


def test_meta_reads_back_what_it_writes_and_older_metas(trained):
    from bpnet.report.meta import ModelMeta
    with np.load(trained / "model_bp.npz", allow_pickle=False) as z:
        raw = json.loads(str(z["meta"]))
    meta = ModelMeta.from_json(raw, "m.npz")
    assert meta.to_json() == raw and list(meta.to_json()) == list(raw)
    assert meta.data.lags == (1,) and meta.data.month and len(meta.train_range.min) == 2
    # a meta from before the transform, the period and the training range were saved
    older = {k: v for k, v in raw.items() if k != "train_range"}
    older["data"] = {k: v for k, v in raw["data"].items() if k not in ("transform", "period")}
    meta = ModelMeta.from_json(older, "m.npz")
    assert meta.train_range is None and meta.data.period == 12
    assert not meta.data.transform.log and meta.data.transform.difference == ()
    with pytest.raises(bpnet.errors.InputError, match="m.npz: the meta array has no 'targets'"):
        ModelMeta.from_json({k: v for k, v in raw.items() if k != "targets"}, "m.npz")
    with pytest.raises(bpnet.errors.InputError, match="not a valid model description"):
        ModelMeta.from_json({**raw, "data": {"series": None}}, "m.npz")


def test_predict_forecast_and_export_replace_only_their_own_files(tmp_path, capsys):
    """--out of predict, forecast and export replaces a file they wrote, unchanged since,
    and never a file of the user's: that is refused before any work, the file as it was."""
    from iohelpers import one_error_line, tiny_config
    config = tiny_config(tmp_path / "c")
    assert main([str(config), "--out", str(tmp_path / "run"), "--quiet", "--no-plots"]) == 0
    model, data = str(tmp_path / "run/model_bp.npz"), str(tmp_path / "c/d.csv")
    out = tmp_path / "p.csv"
    for _ in range(2):   # the second replaces the first's file
        assert main(["predict", model, data, "--out", str(out)]) == 0
    out.write_text(out.read_text() + "my note\n")
    mine = {"p.csv": out.read_bytes()}
    for name in ("f.png", "net.onnx", "net.m"):
        (tmp_path / name).write_text("mine\n")
        mine[name] = (tmp_path / name).read_bytes()
    capsys.readouterr()
    for argv, fragment in [
            (["predict", model, data, "--out", str(out)], "p.csv: exists and has changed since "
             "bpnet wrote it"),
            (["forecast", model, data, "--steps", "2", "--out", str(tmp_path / "f.csv")],
             "f.png: exists and was not written by bpnet"),
            (["export", model, "--out", str(tmp_path / "net.onnx")],
             "net.onnx: exists and was not written by bpnet"),
            (["export", model, "--out", str(tmp_path / "net.m")],
             "net.m: exists and was not written by bpnet")]:
        assert main(argv) == 2
        one_error_line(capsys.readouterr().err, fragment)
    assert {n: (tmp_path / n).read_bytes() for n in mine} == mine
    assert not (tmp_path / "f.csv").exists()


def test_predict_says_which_rows_its_missing_values_left_out(tmp_path, capsys):
    (tmp_path / "t.csv").write_text("x,y\n" + "".join(f"{i},{2 * i + 1}\n" for i in range(30)))
    (tmp_path / "c.yaml").write_text(
        "data: {path: t.csv, inputs: [x], targets: [y], missing: drop}\n"
        "models: {bp: {type: feedforward, hidden: [2]}}\ntrain: {epochs: 5, show: 0}\n")
    assert main([str(tmp_path / "c.yaml"), "--out", str(tmp_path / "o"), "--quiet",
                 "--no-plots"]) == 0
    (tmp_path / "n.csv").write_text("x,y\n1,3\n,5\n3,7\n")
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "o/model_bp.npz"), str(tmp_path / "n.csv"),
                 "--out", str(tmp_path / "p.csv")]) == 0
    out, err = capsys.readouterr()
    assert "predicted 2 samples" in out
    assert "warning: missing values:" in err and "left out 1 row(s) with a missing input; " \
        "first at line 3" in err

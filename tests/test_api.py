"""bpnet.run: the three stages from Python, returning what the files would hold."""
import json
import os
from pathlib import Path

import numpy as np
import pytest

import bpnet
from bpnet.cli import main
from bpnet.errors import InputError

QUICK = {"train.epochs": 20, "train.show": 0}


def every_file(folder: Path) -> dict[str, float]:
    return {str(p): p.stat().st_mtime_ns for p in folder.rglob("*")}


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """An empty current folder."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def test_run_writes_nothing_without_out(root, elsewhere):
    before_repo, before_here = every_file(root), every_file(elsewhere)
    r = bpnet.run(root / "configs/passengers.yaml", set=QUICK, out=None)
    assert every_file(elsewhere) == before_here == {}
    assert every_file(root) == before_repo
    assert r.written == []
    # the metrics and the predictions are those metrics.json and predictions.csv would hold
    m = r.metrics
    assert m["models"]["bp"]["epochs"] == 20 and m["models"]["bp"]["test"]["n"] == 42
    assert {"naive", "seasonal_naive", "ols"} == set(m["baselines"])
    pred = r.predictions
    columns = list(pred)
    assert columns[:4] == ["month", "split", "target", "bp"] and "ols" in columns
    np.testing.assert_array_equal(np.asarray(pred["bp"], dtype=float),
                                  r.results[0].predictions[:, 0])
    assert len(r.histories["bp"]["perf"]) == 21
    # a trained model predicts in original units, as its saved file would
    bp = r.models["bp"]
    X = r.data.X[:5]
    np.testing.assert_allclose(bp.predict(X)[:, 0], np.asarray(pred["bp"], dtype=float)[:5],
                               rtol=1e-12)
    assert "linear AR (OLS)" in r.summary


def test_run_with_out_writes_what_the_command_line_writes(root, tmp_path):
    r = bpnet.run(str(root / "configs/passengers.yaml"), set=QUICK, out=tmp_path / "api")
    assert main([str(root / "configs/passengers.yaml"), "--out", str(tmp_path / "cli"),
                 "--quiet", "--set", "train.epochs=20"]) == 0
    for name in ("predictions.csv", "history_bp.csv"):
        assert (tmp_path / "api" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes()
    assert sorted(p.name for p in r.written) == sorted(p.name for p in (tmp_path / "cli").iterdir())
    a = json.loads((tmp_path / "api/metrics.json").read_text())
    assert a["baselines"] == r.metrics["baselines"]


def test_run_a_dict_config_with_paths_against_the_current_folder(root, elsewhere):
    (elsewhere / "air.csv").write_bytes((root / "data/airline_passengers.csv").read_bytes())
    config = {"data": {"path": "air.csv", "series": "passengers", "lags": [1, 2]},
              "split": {"method": "block", "train": 0.8, "val": 0.0, "test": 0.2},
              "models": {"net": {"type": "feedforward", "hidden": (3,)}}}
    r = bpnet.run(config, set={"train.epochs": np.int64(5)})
    assert r.config.data.path == str(elsewhere / "air.csv")
    assert r.config.models["net"].hidden == (3,) and r.config.train.epochs == 5
    assert os.listdir(elsewhere) == ["air.csv"]
    assert config["data"]["path"] == "air.csv"            # the caller's dict is not changed
    with pytest.raises(InputError, match="the config: train.lr: must be > 0"):
        bpnet.run(config, set={"train.lr": -1.0})
    with pytest.raises(InputError, match="data file not found: 'x.csv', resolved against the "
                       "current folder"):
        bpnet.run(config, set={"data.path": "x.csv"})


def test_figures_on_demand(root, elsewhere):
    r = bpnet.run(root / "configs/passengers.yaml", set={**QUICK, "runs": 1})
    assert "fit.png" in r.figure_names and "errors_bp.png" in r.figure_names
    import matplotlib.figure
    fig = r.figure("fit")
    assert isinstance(fig, matplotlib.figure.Figure)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "linear AR (OLS) (baseline)" in labels
    with pytest.raises(KeyError, match="no picture 'nope'"):
        r.figure("nope")
    assert every_file(elsewhere) == {}


def test_predictions_are_a_dataframe_with_pandas(root):
    pandas = pytest.importorskip("pandas")
    r = bpnet.run(root / "configs/passengers.yaml", set=QUICK)
    frame = r.predictions
    assert isinstance(frame, pandas.DataFrame) and len(frame) == 143
    assert frame["split"].iloc[-1] == "test" and frame["ols"].notna().all()


def test_the_error_of_a_mistake_is_bpnet_input_error(tmp_path):
    """``bpnet.InputError`` is the one exception of a user's mistake, from the package itself."""
    root = Path(__file__).resolve().parents[1]
    assert bpnet.InputError is InputError
    with pytest.raises(bpnet.InputError, match="steps"):
        bpnet.load_model(root / "docs/example/model_bp.npz").forecast_file(
            root / "data/airline_passengers.csv", steps=0)

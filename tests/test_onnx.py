"""Export to ONNX (docs/onnx.md): every network type, run in onnxruntime, reproduces
``Model.predict`` (1e-12 in float64, 1e-5 in float32); the state of a recurrent graph carries
over; the metadata; the forecasting loop of the docs; the mistakes of ``run.py export``.

onnx and onnxruntime are the optional extra ``bpnet[onnx]``; without them these tests skip.
"""
from __future__ import annotations

import json
import re

import numpy as np
import pytest
from helpers import ROOT
from iohelpers import one_error_line, snapshot, tiny_config

import bpnet
from bpnet.cli import main
from bpnet.errors import InputError

onnx = pytest.importorskip("onnx", reason="onnx is not installed (pip install 'bpnet[onnx]')")
ort = pytest.importorskip("onnxruntime",
                          reason="onnxruntime is not installed (pip install 'bpnet[onnx]')")
from bpnet import onnxexport  # noqa: E402

PASSENGERS = str(ROOT / "data/airline_passengers.csv")
IRIS = str(ROOT / "data/iris.csv")
ort.set_default_logger_severity(3)   # not the note that h0 is an overridable initializer


def _series(scaling: str, models: dict) -> dict:
    return {"data": {"path": PASSENGERS, "series": "passengers", "time": "month",
                     "lags": [1, 2, 12], "month": True},
            "split": {"train": 0.7, "val": 0.0, "test": 0.3}, "scaling": scaling,
            "models": models, "train": {"epochs": 8, "show": 0}}


def _narx(folder) -> dict:
    """A plant with an outside input x: y[t] = 0.6 y[t-1] + 0.3 x[t-1] - 0.1 x[t-2]."""
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, 120)
    y = np.zeros(120)
    for t in range(2, 120):
        y[t] = 0.6 * y[t - 1] + 0.3 * x[t - 1] - 0.1 * x[t - 2] + 0.01 * rng.normal()
    path = folder / "plant.csv"
    path.write_text("x,y\n" + "".join(f"{a!r},{b!r}\n" for a, b in zip(x.tolist(), y.tolist())))
    return {"data": {"path": str(path), "series": "y", "lags": [1, 2], "exog": {"x": [1, 2]}},
            "split": {"train": 0.7, "val": 0.0, "test": 0.3},
            "models": {"narx": {"type": "feedforward", "hidden": [4]},
                       "narx_elman": {"type": "elman", "hidden": 4}},
            "train": {"epochs": 8, "show": 0}}


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict:
    """Trained models of every type, all three scalings, a NARX and a classifier:
    name -> (Model, its training inputs X (N, D))."""
    runs = {"mapstd": _series("mapstd", {
                "bp": {"type": "feedforward", "hidden": [6, 4]},
                "cf": {"type": "cascadeforward", "hidden": [4, 3]},
                "elman": {"type": "elman", "hidden": 5},
                "lstm": {"type": "lstm", "hidden": 4}, "gru": {"type": "gru", "hidden": 4}}),
            "mapminmax": _series("mapminmax", {
                "bp": {"type": "feedforward", "hidden": [5, 3],
                       "transfer": ["logsig", "poslin", "purelin"]},
                "elman": {"type": "elman", "hidden": 5, "transfer": ["logsig", "purelin"]},
                "lstm": {"type": "lstm", "hidden": 3}, "gru": {"type": "gru", "hidden": 3}}),
            "none": _series("none", {"bp": {"type": "feedforward", "hidden": [4]}}),
            "narx": _narx(tmp_path_factory.mktemp("plant")),
            "iris": {"data": {"path": IRIS, "inputs": ["sepal_length", "sepal_width",
                                                        "petal_length", "petal_width"],
                              "classes": "species"},
                     "split": {"method": "random", "train": 0.7, "val": 0.15, "test": 0.15},
                     "models": {"bp": {"type": "feedforward", "hidden": [5, 4]}},
                     "train": {"epochs": 15, "show": 0}}}
    out = {}
    for tag, cfg in runs.items():
        result = bpnet.run(cfg)
        for name, m in result.models.items():
            out[f"{name}_{tag}"] = (m, result.data.X)
    return out


def session(model, dtype: str = "float64"):
    proto = onnxexport.build(model, dtype)
    onnx.checker.check_model(proto, full_check=True)
    return ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).max() / np.abs(b).max())


def _inputs(X: np.ndarray) -> dict[str, np.ndarray]:
    """The training inputs and new ones (each input moved by -10 % .. +20 %)."""
    return {"training": X, "new": X * np.random.default_rng(5).uniform(0.9, 1.2, X.shape)}


NAMES = ["bp_mapstd", "cf_mapstd", "elman_mapstd", "lstm_mapstd", "gru_mapstd", "bp_mapminmax",
         "elman_mapminmax", "lstm_mapminmax", "gru_mapminmax", "bp_none", "narx_narx",
         "narx_elman_narx", "bp_iris"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype, tol", [("float64", 1e-12), ("float32", 1e-5)])
def test_the_graph_in_onnxruntime_is_predict(models, name, dtype, tol):
    """On the training inputs and on new ones, the graph's outputs in original units are
    Model.predict's (a classifier's: predict_proba's, and the label predict's)."""
    m, X = models[name]
    s = session(m, dtype)
    for part, x in _inputs(X).items():
        out = s.run(None, {"x": x.astype(dtype)})
        if m.classes is None:
            assert out[0].dtype == dtype and out[0].shape == (len(x), m.net.sizes[-1])
            assert _rel(out[0], m.predict(x)) < tol, (part, _rel(out[0], m.predict(x)))
        else:
            assert _rel(out[0], m.predict_proba(x)) < tol, part
            assert out[1].dtype == np.int64
            np.testing.assert_array_equal(np.array(m.classes)[out[1]], m.predict(x))


@pytest.mark.parametrize("name", ["elman_mapstd", "lstm_mapminmax", "gru_mapstd"])
def test_a_recurrent_graph_carries_its_state(models, name):
    """h_n (and c_n) is the network's state after the last row; a sequence run in two parts,
    the second from the first's final state, gives the outputs of one run; any length runs."""
    m, X = models[name]
    s = session(m)
    names = [o.name for o in s.get_outputs()]
    assert names == (["y", "h_n", "c_n"] if m.net.type == "lstm" else ["y", "h_n"])
    whole = s.run(None, {"x": X})
    want = m.net.forward(m.x_scaler.transform(X))[1]
    for got, state in zip(whole[1:], want if m.net.type == "lstm" else [want]):
        assert _rel(got, state) < 1e-12
    k = 17
    first = s.run(None, {"x": X[:k]})
    second = s.run(None, {"x": X[k:], **{f"{v}0": first[i] for i, v in
                                         enumerate(["h", "c"][:len(first) - 1], 1)}})
    assert _rel(np.vstack([first[0], second[0]]), m.predict(X)) < 1e-12
    assert _rel(s.run(None, {"x": X[:1]})[0], m.predict(X[:1])) < 1e-12


def test_the_metadata_and_the_command_line(tmp_path, capsys):
    """run.py export writes a checked model whose metadata names the features, targets, the
    version, opset and dtype, describes the model and carries its training summary from the
    run's metrics.json."""
    config = tiny_config(tmp_path, "{el: {type: elman, hidden: 3}}")
    assert main([str(config), "--out", str(tmp_path / "run"), "--quiet", "--no-plots"]) == 0
    npz, out = tmp_path / "run/model_el.npz", tmp_path / "new/el.onnx"
    assert main(["export", str(npz), "--out", str(out), "--dtype", "float32"]) == 0
    assert "as ONNX (opset 17, float32); wrote" in capsys.readouterr().out
    proto = onnx.load(str(out))
    onnx.checker.check_model(proto, full_check=True)
    assert proto.opset_import[0].version == onnxexport.OPSET == 17
    props = {p.key: p.value for p in proto.metadata_props}
    model = bpnet.load_model(npz)
    metrics = json.loads((tmp_path / "run/metrics.json").read_text())
    assert json.loads(props["bpnet.features"]) == model.meta.features == [
        "passengers[t-1]", "month"]
    assert json.loads(props["bpnet.targets"]) == ["passengers"]
    assert props["bpnet.version"] == bpnet.__version__ and props["bpnet.opset"] == "17"
    assert props["bpnet.dtype"] == "float32"
    assert json.loads(props["bpnet.model"])["sizes"] == [2, 3, 1]
    assert json.loads(props["bpnet.training"]) == metrics["models"]["el"]
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT


def test_a_classifier_names_its_classes(models):
    m, _ = models["bp_iris"]
    props = {p.key: p.value for p in onnxexport.build(m).metadata_props}
    assert json.loads(props["bpnet.classes"]) == m.classes == ["setosa", "versicolor",
                                                                "virginica"]
    assert "bpnet.training" not in props   # a model of bpnet.run has no run folder


def test_the_forecasting_loop_of_the_docs(tmp_path, monkeypatch, capsys):
    """The loop in docs/onnx.md, run as written on the exported Elman network of the demo,
    gives run.py forecast's 12 months."""
    text = (ROOT / "docs/onnx.md").read_text()
    command = re.search(r"python run\.py export (\S+) --out (\S+)", text)
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").symlink_to(ROOT / "data")
    assert main(["export", str(ROOT / command.group(1)), "--out", command.group(2)]) == 0
    space: dict = {}
    exec(compile(code, "docs/onnx.md", "exec"), space)
    model = bpnet.load_model(ROOT / command.group(1))
    want = model.forecast_file(PASSENGERS, 12)[0].y_pred[:, 0]
    assert _rel(np.array(space["forecast"]), want) < 1e-12


# ------------------------------------------------------------------------ mistakes
def _fails(capsys, args: list[str], fragment: str) -> None:
    assert main(args) == 2
    one_error_line(capsys.readouterr().err, fragment)


def test_mistakes_are_one_error_line_and_write_nothing(tmp_path, capsys):
    config = tiny_config(tmp_path)
    assert main([str(config), "--out", str(tmp_path / "run"), "--quiet", "--no-plots"]) == 0
    model = tmp_path / "mine.npz"
    model.write_bytes((tmp_path / "run/model_bp.npz").read_bytes())
    (tmp_path / "file").write_text("x")
    (tmp_path / "link.onnx").symlink_to(model)
    (tmp_path / "dir.onnx").mkdir()
    before = snapshot(tmp_path)
    _fails(capsys, ["export", str(model), "--out", str(tmp_path / "link.onnx")],
           "--out would overwrite the model file")
    _fails(capsys, ["export", str(model), "--out", str(tmp_path / "file/net.onnx")],
           "is not a folder")
    _fails(capsys, ["export", str(model), "--out", str(tmp_path / "dir.onnx")],
           "is a folder")
    _fails(capsys, ["export", str(model), "--out", str(tmp_path / "n.m"), "--dtype",
                    "float32"], "--dtype goes with an ONNX file")
    assert snapshot(tmp_path) == before


def test_what_cannot_be_exported_says_why(tmp_path, capsys, monkeypatch):
    out = tmp_path / "o"
    assert main([str(ROOT / "configs/passengers.yaml"), "--out", str(out), "--quiet",
                 "--no-plots", "--jobs", "1", "--set", "runs=2", "--set", "combine=mean",
                 "--set", "train.epochs=3"]) == 0
    before = snapshot(tmp_path)
    _fails(capsys, ["export", str(out / "model_bp_mean.npz"), "--out",
                    str(tmp_path / "net.onnx")], "holds the mean of 2 networks; an ONNX export "
           "holds one network")
    monkeypatch.setattr(onnxexport, "onnx", None)
    _fails(capsys, ["export", str(out / "model_bp.npz"), "--out", str(tmp_path / "net.onnx")],
           "ONNX export needs the onnx package: pip install onnx")
    assert snapshot(tmp_path) == before


def test_a_network_type_without_a_graph_is_refused(models, monkeypatch):
    m, _ = models["gru_mapstd"]
    monkeypatch.delitem(onnxexport.NETWORKS, "gru")
    with pytest.raises(InputError, match="a gru network has no ONNX form here"):
        onnxexport.build(m)


def test_a_cascade_network_is_one_more_function(rng):
    """MATLAB's cascadeforwardnet (the input feeds every layer, every layer all later ones)
    written as one function over ``layer``, which sums any number of weighted inputs."""
    D, S, K = 3, [4, 2], 2
    IW = [rng.normal(size=(s, D)) for s in [*S, K]]
    LW = {(i, j): rng.normal(size=((S + [K])[i], S[j])) for i in range(3) for j in range(i)}
    b = [rng.normal(size=s) for s in [*S, K]]
    tfs = ["tansig", "logsig", "purelin"]

    def cascade(g, x):
        acts = []
        for i, tf in enumerate(tfs):
            terms = [(x, IW[i])] + [(acts[j], LW[i, j]) for j in range(i)]
            acts.append(onnxexport.layer(g, terms, b[i], tf))
        return acts[-1]

    g = onnxexport.Graph("float64")
    y = g.op("Identity", cascade(g, "x"), out="y")
    graph = onnx.helper.make_graph(g.nodes, "cascade", [g.value("x", ["N", D])],
                                   [g.value(y, ["N", K])], g.consts)
    proto = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 17)],
                                   ir_version=onnxexport.IR_VERSION)
    onnx.checker.check_model(proto, full_check=True)
    X = rng.normal(size=(6, D))
    got = ort.InferenceSession(proto.SerializeToString(),
                               providers=["CPUExecutionProvider"]).run(None, {"x": X})[0]
    f = {"tansig": np.tanh, "logsig": lambda n: 1 / (1 + np.exp(-n)), "purelin": lambda n: n}
    acts = []
    for i, tf in enumerate(tfs):
        acts.append(f[tf](X @ IW[i].T + sum(acts[j] @ LW[i, j].T for j in range(i)) + b[i]))
    assert _rel(got, acts[-1]) < 1e-12

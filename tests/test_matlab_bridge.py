"""The bridge to MATLAB (docs/semantics.md#matlab-layout): export to a genFunction-style .m and a
.mat,
import of MATLAB's weights and settings, .mat data files.

The tests marked ``octave`` run a real GNU Octave (``octave-cli``), batched into one call per
test; without Octave they are skipped with the reason, and the rest check the same files
without it (the literals of the .m read back, the .mat through scipy, getwb's order).
"""
from __future__ import annotations

import io
import shutil
import struct
import subprocess
import zlib

import numpy as np
import pytest
import scipy.io as sio
from helpers import ROOT
from iohelpers import one_error_line

import bpnet
from bpnet.cli import main
from bpnet.matlab import export as mexport
from bpnet.matlab import layout
from bpnet.matlab.weights import load_into

OCTAVE = shutil.which("octave-cli")
octave = pytest.mark.skipif(OCTAVE is None, reason="octave-cli is not installed (Debian: "
                            "apt-get install --no-install-recommends octave; .ci/run does it)")
PASSENGERS = str(ROOT / "data/airline_passengers.csv")
IRIS = str(ROOT / "data/iris.csv")


def run_octave(folder, script: str) -> None:
    """Run ``script`` in ``folder`` with octave-cli; a failure shows Octave's output."""
    done = subprocess.run([OCTAVE, "--no-gui", "--quiet", "--norc", "--eval", script],
                          cwd=folder, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    """``run.py ARGS`` in this process: (exit status, stdout, stderr)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _series_config(scaling: str) -> dict:
    models = {"bp": {"type": "feedforward", "hidden": [6, 4]},
              "cf": {"type": "cascadeforward", "hidden": [4, 3]},
              "bplog": {"type": "feedforward", "hidden": [5], "transfer": ["logsig", "purelin"]},
              "elman": {"type": "elman", "hidden": 5},
              "lstm": {"type": "lstm", "hidden": 4}, "gru": {"type": "gru", "hidden": 4}}
    return {"data": {"path": PASSENGERS, "series": "passengers", "time": "month",
                     "lags": [1, 2, 12], "month": True},
            "split": {"train": 0.7, "val": 0.0, "test": 0.3}, "scaling": scaling,
            "models": models, "train": {"epochs": 8, "show": 0}}


@pytest.fixture(scope="module")
def models() -> dict:
    """Trained models of every type, both scalings (and none), and a classifier:
    name -> (Model, its inputs X (N, D))."""
    out = {}
    for scaling in ("mapstd", "mapminmax"):
        result = bpnet.run(_series_config(scaling))
        X = result.data.X
        for name, m in result.models.items():
            out[f"{name}_{scaling}"] = (m, X)
    plain = _series_config("none")
    plain["models"] = {"bp": plain["models"]["bp"]}
    result = bpnet.run(plain)
    out["bp_none"] = (result.models["bp"], result.data.X)
    iris = {"data": {"path": IRIS, "inputs": ["sepal_length", "sepal_width", "petal_length",
                                               "petal_width"], "classes": "species"},
            "split": {"method": "random", "train": 0.7, "val": 0.15, "test": 0.15},
            "models": {"bp": {"type": "feedforward", "hidden": [5, 4]}},
            "train": {"epochs": 15, "show": 0}}
    result = bpnet.run(iris)
    out["iris"] = (result.models["bp"], result.data.X)
    return out


@pytest.fixture(scope="module")
def exported(models, tmp_path_factory):
    """Every model exported into one folder as net_<name>.m / .mat."""
    folder = tmp_path_factory.mktemp("exported")
    for name, (m, _) in models.items():
        mexport.export(m, folder / f"net_{name}.m")
    return folder


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).max() / np.abs(b).max())


@octave
def test_every_exported_network_runs_in_octave_as_predict(models, exported):
    """Every type, both scalings and a softmax classifier: Octave's y1 = net(x1) on the
    training data, and on inputs it has not seen, reproduces Model's outputs to 1e-12; a
    recurrent network continued from xf1 gives the same as one call."""
    rng = np.random.default_rng(5)
    lines = []
    for name, (m, X) in models.items():
        unseen = X * rng.uniform(0.9, 1.2, X.shape)
        for tag, x in (("a", X), ("b", unseen)):
            np.savetxt(exported / f"x_{name}_{tag}.txt", x.T, fmt="%.17g")
            lines.append(f"x = load('x_{name}_{tag}.txt'); y = net_{name}(x); "
                         f"dlmwrite('y_{name}_{tag}.txt', y, 'precision', '%.17g');")
        if m.net.recurrent:
            k = len(X) // 2
            lines.append(f"x = load('x_{name}_a.txt'); [y1, s] = net_{name}(x(:, 1:{k})); "
                         f"y2 = net_{name}(x(:, {k + 1}:end), s); "
                         f"dlmwrite('y_{name}_s.txt', [y1, y2], 'precision', '%.17g');")
    run_octave(exported, "\n".join(lines))
    worst = {}
    for name, (m, _) in models.items():
        for tag in ("a", "b", "s") if m.net.recurrent else ("a", "b"):
            x = np.loadtxt(exported / f"x_{name}_{'a' if tag == 's' else tag}.txt", ndmin=2).T
            theirs = np.loadtxt(exported / f"y_{name}_{tag}.txt", delimiter=",", ndmin=2)
            ours = m._outputs(x).T
            assert theirs.shape == ours.shape
            worst[f"{name}_{tag}"] = _rel(theirs, ours)
    print(f"worst relative difference {max(worst.values()):.3g} ({max(worst, key=worst.get)})")
    assert max(worst.values()) < 1e-12, worst


def test_the_m_literals_read_back_to_the_same_network(models, exported):
    """Without Octave: the literals of every .m give the network's arrays and the scaling to
    the last bit, and the .mat holds the same arrays exactly."""
    for name, (m, _) in models.items():
        consts = mexport.read_constants((exported / f"net_{name}.m").read_text())
        mat = sio.loadmat(exported / f"net_{name}.mat")
        want = mexport.constants(m)
        assert list(consts) == list(want)
        for key, value in want.items():
            assert np.array_equal(consts[key], value), (name, key)
            assert mat[key].dtype == np.float64 and np.array_equal(mat[key], value), (name, key)
        for mname, view in layout.blocks(m.net.type, m.net.params):
            assert np.array_equal(consts[mname], view)
        if m.x_scaler.method == "mapminmax":
            assert np.array_equal(consts["x1_step1_xoffset"][:, 0], m.x_scaler.offset)
            assert np.array_equal(consts["x1_step1_gain"][:, 0], m.x_scaler.factor)
        assert [str(t[0]) for t in mat["transfer"][0]] == [t.name for t in m.net.transfers]
        assert str(mat["scaling"][0]) == m.meta.scaling
        assert str(mat["type"][0]) == m.net.type


def test_the_exported_mat_loads_back_as_the_same_model(models, exported):
    for name, (m, X) in models.items():
        back = bpnet.load_model(exported / f"net_{name}.mat")
        assert back.meta.features == m.meta.features and back.net.type == m.net.type
        for key, value in m.net.params.items():
            assert np.array_equal(back.net.params[key], value)
        assert _rel(back._outputs(X), m._outputs(X)) < 1e-14
    iris = bpnet.load_model(exported / "net_iris.mat")
    assert iris.classes == ["setosa", "versicolor", "virginica"]


def test_the_m_file_says_how_to_call_it(exported):
    text = (exported / "net_bp_mapstd.m").read_text()
    assert text.startswith("function y1 = net_bp_mapstd(x1)\n")
    assert "%   1: passengers[t-1]" in text and "%   4: month" in text
    assert "x1_step1_ymean = 0;" in text and "mapstd_reverse(a3," in text
    gru = (exported / "net_gru_mapminmax.m").read_text()
    assert gru.startswith("function [y1, xf1] = net_gru_mapminmax(x1, xi1)\n")
    assert "the gates r, z, n" in gru
    iris = (exported / "net_iris.m").read_text()
    assert "a3 = softmax_apply(" in iris and "%   3: class virginica" in iris
    assert "y1_step1" not in iris


def test_getwb_order():
    """docs/semantics.md#getwb-order: b1 = [1; 2], IW1_1 = [3 4; 5 6] start the vector 1 2 3 5 4 6;
    the layers follow in turn, and setwb inverts getwb."""
    net = bpnet.nets.registry.build("feedforward", [2, 2, 1], ["tansig", "purelin"])
    p = net.params
    p["b1"][...] = [1, 2]
    p["W1"][...] = [[3, 4], [5, 6]]
    p["b2"][...] = [7]
    p["W2"][...] = [[8, 9]]
    assert layout.getwb("feedforward", p).tolist() == [1, 2, 3, 5, 4, 6, 7, 8, 9]
    elman = bpnet.nets.registry.build("elman", [2, 3, 1], ["tansig", "purelin"])
    elman.theta[...] = np.arange(elman.theta.size)
    wb = layout.getwb("elman", elman.params)
    e = elman.params
    assert np.array_equal(wb, np.concatenate([e["bh"], e["Wx"].ravel("F"), e["Wh"].ravel("F"),
                                              e["by"], e["Wy"].ravel("F")]))
    copy = bpnet.nets.registry.build("elman", [2, 3, 1], ["tansig", "purelin"])
    layout.setwb("elman", wb, copy.params)
    assert np.array_equal(copy.theta, elman.theta)


def test_getwb_order_of_a_cascade():
    """A cascade-forward layer's weights split into IWl_1 and LWl_j, in getwb's order:
    b1, IW1_1, b2, IW2_1, LW2_1."""
    net = bpnet.nets.registry.build("cascadeforward", [2, 2, 1], ["tansig", "purelin"])
    p = net.params
    p["b1"][...] = [1, 2]
    p["W1"][...] = [[3, 4], [5, 6]]
    p["b2"][...] = [7]
    p["W2"][...] = [[8, 9, 10, 11]]   # IW2_1 = [8 9], LW2_1 = [10 11]
    assert layout.getwb("cascadeforward", p).tolist() == [1, 2, 3, 5, 4, 6, 7, 8, 9, 10, 11]
    assert list(layout.to_matlab("cascadeforward", p)) == ["b1", "IW1_1", "b2", "IW2_1",
                                                           "LW2_1"]
    copy = bpnet.nets.registry.build("cascadeforward", [2, 2, 1], ["tansig", "purelin"])
    layout.setwb("cascadeforward", layout.getwb("cascadeforward", p), copy.params)
    assert np.array_equal(copy.theta, net.theta)


# ---------------------------------------------------------------- a network made in MATLAB
MATLAB_NET = r"""
rand('seed', 7); randn('seed', 7);
x = [rand(1, 40) * 10; 5 * ones(1, 40); randn(2, 40) * 3 + 1];   % row 2 is constant
keep = [1 3 4];
xk = x(keep, :);
xmin = min(xk, [], 2); xmax = max(xk, [], 2);
gain = 2 ./ (xmax - xmin); ymin = -1;
IW1_1 = randn(5, 3); b1 = randn(5, 1); LW2_1 = randn(4, 5); b2 = randn(4, 1);
LW3_2 = randn(2, 4); b3 = randn(2, 1);
ygain = [0.5; 0.02]; yoffset = [-3; 100];
xp = bsxfun(@plus, bsxfun(@times, bsxfun(@minus, xk, xmin), gain), ymin);
a1 = 2 ./ (1 + exp(-2 * (repmat(b1, 1, 40) + IW1_1 * xp))) - 1;
a2 = 1 ./ (1 + exp(-(repmat(b2, 1, 40) + LW2_1 * a1)));
a3 = repmat(b3, 1, 40) + LW3_2 * a2;
y = bsxfun(@plus, bsxfun(@rdivide, a3 - ymin, ygain), yoffset);
x1_step1_keep = keep; x1_step1_xrows = 4;
x1_step2_xoffset = xmin; x1_step2_gain = gain; x1_step2_ymin = ymin;
y1_step1_xoffset = yoffset; y1_step1_gain = ygain; y1_step1_ymin = ymin;
transfer = {'tansig', 'logsig', 'purelin'};
save('-v7', 'w.mat', 'IW1_1', 'b1', 'LW2_1', 'b2', 'LW3_2', 'b3', 'x1_step1_keep', ...
     'x1_step1_xrows', 'x1_step2_xoffset', 'x1_step2_gain', 'x1_step2_ymin', ...
     'y1_step1_xoffset', 'y1_step1_gain', 'y1_step1_ymin', 'transfer');
s1.keep = keep; s1.xrows = 4; s2.xoffset = xmin; s2.gain = gain; s2.ymin = ymin;
x1_step1 = s1; x1_step2 = s2;
r.keep = [1 2]; r.xrows = 2; r.remove = []; m.xoffset = yoffset; m.gain = ygain; m.ymin = ymin;
y1_step1 = r; y1_step2 = m;    % as net.outputs{3}.processSettings: nothing removed
save('-v7', 'ws.mat', 'IW1_1', 'b1', 'LW2_1', 'b2', 'LW3_2', 'b3', 'x1_step1', 'x1_step2', ...
     'y1_step1', 'y1_step2', 'transfer');
wb = [b1; IW1_1(:); b2; LW2_1(:); b3; LW3_2(:)];
save('-v7', 'wb.mat', 'wb');
X = x; T = y; Xr = x'; Tr = y'; Xk = xk;
save('-v7', 'data.mat', 'X', 'T', 'Xr', 'Tr', 'Xk');
dlmwrite('x.txt', x, 'precision', '%.17g'); dlmwrite('y.txt', y, 'precision', '%.17g');
"""


@pytest.fixture(scope="module")
def from_octave(tmp_path_factory):
    if OCTAVE is None:
        pytest.skip("octave-cli is not installed (Debian: apt-get install "
                    "--no-install-recommends octave; .ci/run does it)")
    folder = tmp_path_factory.mktemp("octave")
    run_octave(folder, MATLAB_NET)
    return folder


@octave
@pytest.mark.parametrize("file", ["w.mat", "ws.mat"])
def test_a_network_made_in_octave_reproduces_octaves_outputs(from_octave, file):
    """MATLAB's layout: removeconstantrows (row 2 constant, IW1_1 has 3 columns of 4),
    mapminmax on inputs and outputs, tansig/logsig/purelin; as genFunction's flat constants
    and as processSettings structs (the outputs' removeconstantrows removing nothing)."""
    x = np.loadtxt(from_octave / "x.txt", delimiter=",")
    y = np.loadtxt(from_octave / "y.txt", delimiter=",")
    model = bpnet.load_model(from_octave / file)
    assert model.net.sizes == [3, 5, 4, 2] and len(model.meta.features) == 4
    assert _rel(model.predict(x.T).T, y) < 1e-12


@octave
def test_predict_matlab_on_the_command_line(from_octave, tmp_path, capsys):
    """run.py predict w.mat data.mat --matlab --inputs X: Octave's outputs in the CSV."""
    out = tmp_path / "p.csv"
    code, _, err = run_cli(capsys, "predict", str(from_octave / "w.mat"),
                           str(from_octave / "data.mat"), "--matlab", "--inputs", "X",
                           "--out", str(out))
    assert code == 0, err
    got = np.genfromtxt(out, delimiter=",", names=True)
    y = np.loadtxt(from_octave / "y.txt", delimiter=",")
    assert _rel(np.column_stack([got["y11_prediction"], got["y12_prediction"]]).T, y) < 1e-12


@octave
def test_init_from_octave_weights_and_wb(from_octave, tmp_path):
    """init: w.mat (IW1_1 widened back by the removed row) and init: wb.mat (getwb's vector)
    start training from MATLAB's weights: with 0 epochs they are the model's weights."""
    cfg = {"data": {"path": str(from_octave / "data.mat"), "inputs": "Xk", "targets": "T"},
           "split": {"train": 0.8, "val": 0.0, "test": 0.2},
           "models": {"a": {"type": "feedforward", "hidden": [5, 4],
                            "transfer": ["tansig", "logsig", "purelin"],
                            "init": str(from_octave / "wb.mat")}},
           "train": {"epochs": 0, "show": 0}}
    net = bpnet.run(cfg).models["a"].net
    octave_net = bpnet.load_model(from_octave / "w.mat").net
    for key, value in octave_net.params.items():
        assert np.array_equal(net.params[key], value)
    params = {k: np.zeros_like(v) for k, v in net.params.items()}
    params["W1"] = np.zeros((5, 4))
    load_into(params, "feedforward", from_octave / "w.mat")
    assert np.array_equal(params["W1"][:, [0, 2, 3]], octave_net.params["W1"])
    assert not params["W1"][:, 1].any()


@octave
@pytest.mark.filterwarnings("ignore:mapstd. constant column")
def test_mat_data_written_by_octave_loads_in_the_right_orientation(from_octave):
    data = sio.loadmat(from_octave / "data.mat")
    base = {"split": {"train": 0.8, "val": 0.0, "test": 0.2},
            "models": {"a": {"type": "feedforward", "hidden": [2]}},
            "train": {"epochs": 0, "show": 0}}
    cols = bpnet.run({**base, "data": {"path": str(from_octave / "data.mat"),
                                       "inputs": "X", "targets": "T"}}).data
    assert np.array_equal(cols.X, data["X"].T) and np.array_equal(cols.Y, data["T"].T)
    assert cols.feature_names == ["X(1)", "X(2)", "X(3)", "X(4)"]
    rows = bpnet.run({**base, "data": {"path": str(from_octave / "data.mat"), "inputs": "Xr",
                                       "targets": "Tr", "layout": "rows"}}).data
    assert np.array_equal(rows.X, cols.X) and np.array_equal(rows.Y, cols.Y)


# ---------------------------------------------------------------- .mat data without Octave
def _data_file(path) -> dict:
    rng = np.random.default_rng(3)
    X = rng.uniform(-2, 2, (3, 50))
    T = np.vstack([X[0] * X[1], np.sin(X[2])])
    sio.savemat(path, {"X": X, "T": T, "Xr": X.T, "Tr": T.T, "y": np.cumsum(rng.uniform(1, 2, 60)),
                       "c": np.where(X[0] > 0, 2.0, 1.0)[None, :]})
    return {"X": X, "T": T}


def test_mat_data_columns_rows_and_series(tmp_path):
    path = tmp_path / "d.mat"
    arrays = _data_file(path)
    base = {"split": {"train": 0.8, "val": 0.0, "test": 0.2},
            "models": {"a": {"type": "feedforward", "hidden": [2]}},
            "train": {"epochs": 1, "show": 0}}
    cols = bpnet.run({**base, "data": {"path": str(path), "inputs": "X", "targets": "T"}})
    assert np.array_equal(cols.data.X, arrays["X"].T)
    assert cols.config.data.inputs == ("X(1)", "X(2)", "X(3)")
    rows = bpnet.run({**base, "data": {"path": str(path), "inputs": "Xr", "targets": "Tr",
                                       "layout": "rows"}})
    assert np.array_equal(rows.data.X, arrays["X"].T) and np.array_equal(rows.data.Y,
                                                                         arrays["T"].T)
    series = bpnet.run({**base, "data": {"path": str(path), "series": "y", "lags": [1, 2]}})
    y = sio.loadmat(path)["y"].ravel()
    assert np.array_equal(series.data.X[:, 0], y[1:-1]) and len(series.data.X) == 58
    classes = bpnet.run({**base, "data": {"path": str(path), "inputs": "X", "classes": "c"}})
    assert classes.data.classes == ["1", "2"]


def test_a_model_trained_on_mat_data_predicts_another_mat_file(tmp_path):
    _data_file(tmp_path / "d.mat")
    out = tmp_path / "run"
    bpnet.run({"data": {"path": str(tmp_path / "d.mat"), "inputs": "X", "targets": "T"},
               "split": {"train": 0.8, "val": 0.0, "test": 0.2},
               "models": {"a": {"type": "feedforward", "hidden": [3]}},
               "train": {"epochs": 3, "show": 0}}, out=out)
    model = bpnet.load_model(out / "model_a.npz")
    pred = model.predict_file(tmp_path / "d.mat")
    X = sio.loadmat(tmp_path / "d.mat")["X"]
    assert np.array_equal(pred.y_pred, model.predict(X.T))


# ---------------------------------------------------------------- bad input: one error line
def _bad_files(folder) -> None:
    sio.savemat(folder / "d.mat", {"X": np.ones((2, 20)), "T": np.ones((1, 20)),
                                   "C": np.array([[1, "a"]], dtype=object),
                                   "S": {"a": 1.0}, "Z": np.ones((2, 20)) * 1j,
                                   "P": __import__("scipy.sparse").sparse.eye(20, format="csc")})
    (folder / "v73.mat").write_bytes(b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: "
                                     b"Mon Jan  1 00:00:00 2024 HDF5 schema 1.00 .".ljust(512)
                                     + b"\x89HDF\r\n\x1a\n" + bytes(64))
    good = {"IW1_1": np.ones((3, 2)), "b1": np.ones((3, 1)), "LW2_1": np.ones((1, 3)),
            "b2": np.ones((1, 1))}
    sio.savemat(folder / "chain.mat", {**good, "LW2_1": np.ones((1, 4))})
    sio.savemat(folder / "tf.mat", {**good, "transfer": np.array([["tansig", "radbas"]],
                                                                 dtype=object)})
    sio.savemat(folder / "good.mat", good)
    (folder / "empty.mat").write_bytes(b"")
    (folder / "text.mat").write_text("a,b\n1,2\n")
    sio.savemat(folder / "nogain.mat", {**good, "x1_step1": {"xoffset": np.zeros((2, 1)),
                                                             "ymin": -1.0}})
    sio.savemat(folder / "nofields.mat", {**good, "x1_step1": {"no_change": 1.0}})


@pytest.mark.parametrize("data, fragment", [
    ("{path: d.mat, inputs: Q, targets: T}", "no variable 'Q' (named by data.inputs; the file "
                                            "holds C, P, S, T, X, Z)"),
    ("{path: d.mat, inputs: C, targets: T}", "variable C is a cell array"),
    ("{path: d.mat, inputs: S, targets: T}", "variable S is a struct"),
    ("{path: d.mat, inputs: Z, targets: T}", "variable Z is complex"),
    ("{path: d.mat, inputs: P, targets: T}", "variable P is a sparse matrix"),
    ("{path: d.mat, inputs: X, targets: T, layout: rows}", "different numbers of samples"),
    ("{path: v73.mat, inputs: X, targets: T}", "save(..., '-v7')"),
    ("{path: empty.mat, inputs: X, targets: T}", "empty.mat: cannot read the data file: the "
                                                 "file is empty"),
    ("{path: text.mat, inputs: X, targets: T}", "text.mat: cannot read the data file: not a "
                                                "MATLAB .mat file"),
])
def test_bad_mat_data_is_one_error_line(tmp_path, data, fragment, capsys):
    _bad_files(tmp_path)
    (tmp_path / "c.yaml").write_text(f"data: {data}\nmodels: {{a: {{type: feedforward, "
                                     "hidden: [2]}}\ntrain: {epochs: 1, show: 0}\n")
    code, _, err = run_cli(capsys, str(tmp_path / "c.yaml"), "--out", str(tmp_path / "o"))
    assert code == 2
    one_error_line(err, fragment)


@pytest.mark.parametrize("model, extra, fragment", [
    ("chain.mat", [], "weights whose shapes do not chain: LW2_1 is 1x4, the layer before it "
                      "has 3 units"),
    ("tf.mat", [], "unknown transfer function 'radbas'"),
    ("good.mat", ["--transfer", "tansig,softplus"], "unknown transfer function 'softplus'"),
    ("v73.mat", [], "MATLAB v7.3 (HDF5)"),
    ("good.mat", ["--inputs", "Q"], "no variable 'Q' (named by data.inputs; the file holds "
                                    "C, P, S, T, X, Z)"),
    ("d.mat", [], "no variable 'IW1_1'"),
    ("good.mat", ["--no-matlab"], "a .mat model holds MATLAB weights; add --matlab"),
    ("good.npz", [], "--matlab takes a .mat of MATLAB weights"),
    ("good.mat", ["--no-matlab", "--transfer", "purelin"], "add --matlab"),
    ("empty.mat", [], "empty.mat: cannot read the MATLAB weights file: the file is empty"),
    ("text.mat", [], "text.mat: cannot read the MATLAB weights file: not a MATLAB .mat file"),
    ("nogain.mat", [], "x1_step1 has no gain: a step has keep (removeconstantrows), or "
                       "xoffset, gain and ymin (mapminmax) or ymean (mapstd) (it has xoffset, "
                       "ymin)"),
    ("nofields.mat", [], "x1_step1 has no xoffset, gain, ymin/ymean"),
])
def test_bad_matlab_weights_are_one_error_line(tmp_path, model, extra, fragment, capsys):
    _bad_files(tmp_path)
    sio.savemat(tmp_path / "x.mat", {"x1": np.ones((2, 5))})
    data = tmp_path / ("d.mat" if "--inputs" in extra else "x.mat")
    flag = [] if "--no-matlab" in extra else ["--matlab"]
    extra = [e for e in extra if e != "--no-matlab"]
    (tmp_path / "good.npz").write_bytes(b"")
    code, _, err = run_cli(capsys, "predict", str(tmp_path / model), str(data), *flag, *extra,
                           "--out", str(tmp_path / "p.csv"))
    assert code == 2
    one_error_line(err, fragment)


def test_init_weights_of_the_wrong_shape_are_one_error_line(tmp_path, capsys):
    _bad_files(tmp_path)
    (tmp_path / "c.yaml").write_text(
        "data: {path: d.mat, inputs: X, targets: T}\n"
        "models: {a: {type: feedforward, hidden: [4], init: good.mat}}\n"
        "train: {epochs: 1, show: 0}\n")
    code, _, err = run_cli(capsys, str(tmp_path / "c.yaml"), "--out", str(tmp_path / "o"))
    assert code == 2
    one_error_line(err, "IW1_1 has shape 3x2, the config's network needs 4x2")


def test_export_names_a_matlab_function(tmp_path, models):
    m, _ = models["bp_mapstd"]
    with pytest.raises(bpnet.errors.InputError, match="not a MATLAB function name"):
        mexport.function_name(tmp_path / "my-net.m")
    with pytest.raises(bpnet.errors.InputError, match="ending in .m"):
        mexport.function_name(tmp_path / "mynet.txt")


def test_export_on_the_command_line(tmp_path, capsys):
    """run.py export MODEL.npz --out DIR/mynet.m: both files (the folder made), one line; a
    .mat model, a name
    MATLAB cannot call and an output that is the model are one error line each."""
    out = tmp_path / "run"
    bpnet.run(_series_config("mapstd") | {"models": {"e": {"type": "elman", "hidden": 3}}},
              out=out)
    code, said, err = run_cli(capsys, "export", str(out / "model_e.npz"), "--out",
                              str(tmp_path / "x" / "mynet.m"))
    assert code == 0, err
    assert "as the MATLAB function mynet; wrote" in said
    assert (tmp_path / "x" / "mynet.m").read_text().startswith(
        "function [y1, xf1] = mynet(x1, xi1)")
    assert sio.loadmat(tmp_path / "x" / "mynet.mat")["LW1_1"].shape == (3, 3)
    for args, fragment in [
            ([str(tmp_path / "x" / "mynet.mat")], "export takes a bpnet model (.npz)"),
            ([str(out / "model_e.npz"), "--out", str(tmp_path / "my-net.m")],
             "not a MATLAB function name"),
            ([str(out / "model_e.npz"), "--out", str(tmp_path / "mynet.txt")], "ending in .m")]:
        code, _, err = run_cli(capsys, "export", *args)
        assert code == 2
        one_error_line(err, fragment)


@octave
def test_the_readme_fit_script(tmp_path, capsys):
    """docs/matlab_fit.m, the README's MATLAB -> bpnet example, in Octave; bpnet predicts
    its data.mat as Octave did."""
    (tmp_path / "data").mkdir()
    shutil.copy(PASSENGERS, tmp_path / "data")
    script = (ROOT / "docs/matlab_fit.m").read_text()
    run_octave(tmp_path, script + "\ndlmwrite('y.txt', y', 'precision', '%.17g');")
    code, _, err = run_cli(capsys, "predict", str(tmp_path / "weights.mat"),
                           str(tmp_path / "data.mat"), "--matlab", "--out",
                           str(tmp_path / "p.csv"))
    assert code == 0, err
    got = np.genfromtxt(tmp_path / "p.csv", delimiter=",", names=True)["prediction"]
    assert _rel(got, np.loadtxt(tmp_path / "y.txt")) < 1e-12


def test_matlab_weights_on_a_csv_name_its_columns(tmp_path, capsys):
    """A CSV's input columns are named by --inputs; without it, one error line says so."""
    _bad_files(tmp_path)
    (tmp_path / "x.csv").write_text("a,b\n1,2\n0.5,-1\n")
    out = str(tmp_path / "p.csv")
    code, _, err = run_cli(capsys, "predict", str(tmp_path / "good.mat"), str(tmp_path / "x.csv"),
                           "--matlab", "--out", out)
    assert code == 2
    one_error_line(err, "no column 'x1(1)' for the MATLAB weights' 2 inputs (x1(1), x1(2)); "
                        "name the columns of the inputs with --inputs, e.g. --inputs a,b")
    code, _, err = run_cli(capsys, "predict", str(tmp_path / "good.mat"), str(tmp_path / "x.csv"),
                           "--matlab", "--inputs", "a,b", "--out", out)
    assert code == 0, err
    got = np.genfromtxt(out, delimiter=",", names=True)["prediction"]
    want = 1 + 3 * np.tanh(1 + np.array([3.0, -0.5]))   # ones everywhere: y = b2 + LW2_1 a1
    assert np.allclose(got, want, rtol=1e-15)


def test_matlab_weights_take_a_variable_of_one_row_per_input(tmp_path, capsys):
    """x1 (or the variable --inputs names) stands for the network's D inputs, one per row
    (one sample per column): a 5-row x1 for 2 inputs, or a 1-row a, is one error line."""
    _bad_files(tmp_path)
    sio.savemat(tmp_path / "x5.mat", {"x1": np.ones((5, 10)), "a": np.ones((1, 10))})
    out = tmp_path / "p.csv"
    for inputs, fragment in [
            ([], "x5.mat: variable x1 has 5 rows (5x10, one sample per column); the MATLAB "
                 "weights take 2 inputs from it, one per row (x1(1), x1(2))"),
            (["--inputs", "x1"], "variable x1 has 5 rows"),
            (["--inputs", "a"], "variable a has 1 row (1x10, one sample per column)")]:
        code, _, err = run_cli(capsys, "predict", str(tmp_path / "good.mat"),
                               str(tmp_path / "x5.mat"), "--matlab", *inputs, "--out", str(out))
        assert code == 2 and not out.exists()
        one_error_line(err, fragment)


# ------------------------------------------------ a .mat declares its size before it inflates
def _deflated(arrays: dict, lie: str = "", extra: bytes = b"") -> bytes:
    """``arrays`` as a .mat whose variables are each deflated, as MATLAB saves them; the
    variable ``lie`` declares 16 bytes fewer than it holds; ``extra`` elements after them."""
    buf = io.BytesIO()
    sio.savemat(buf, arrays)
    raw, out, at = buf.getvalue(), [buf.getvalue()[:128]], 128
    for name in arrays:   # savemat writes them in order, each an miMATRIX element
        mdtype, n = struct.unpack_from("<II", raw, at)
        element = raw[at:at + 8 + n]
        if name == lie:
            element = struct.pack("<II", mdtype, n - 16) + element[8:]
        deflated = zlib.compress(element)
        out.append(struct.pack("<II", 15, len(deflated)) + deflated)
        at += 8 + n
    return b"".join(out) + extra


def _bomb(name: str, values: int, tail: bytes = b"") -> bytes:
    """A deflated variable whose header declares 1 x ``values`` doubles (a small file that
    would inflate to 8 * values bytes); it holds 8 MB of zeros, then ``tail`` (bytes that no
    inflater can read) or the end of the stream."""
    def element(mdtype: int, data: bytes) -> bytes:
        return struct.pack("<II", mdtype, len(data)) + data + bytes(-len(data) % 8)
    body = (element(6, struct.pack("<II", 6, 0)) + element(5, struct.pack("<ii", 1, values))
            + element(1, name.encode()) + struct.pack("<II", 9, 8 * values))
    z = zlib.compressobj()
    deflated = (z.compress(struct.pack("<II", 14, len(body) + 8 * values) + body)
                + z.compress(bytes(1 << 23)) + (z.flush(zlib.Z_SYNC_FLUSH) + tail if tail
                                                else z.flush()))
    return struct.pack("<II", 15, len(deflated)) + deflated


GOOD = {"IW1_1": np.ones((3, 2)), "b1": np.ones((3, 1)), "LW2_1": np.ones((1, 3)),
        "b2": np.ones((1, 1)), "transfer": np.array([["tansig", "purelin"]], dtype=object)}


def test_a_variable_too_large_for_memory_is_refused_before_it_inflates(tmp_path, capsys,
                                                                        monkeypatch):
    """3.4 GB declared in a few kilobytes, as data and as weights: one line naming the file,
    the variable and the memory it would need, from its header alone."""
    monkeypatch.setattr("bpnet.memory.available", lambda: 8 * 10 ** 9)
    weights = {k: v for k, v in GOOD.items() if k != "IW1_1"}
    (tmp_path / "d.mat").write_bytes(_deflated({"T": np.ones((1, 20))},
                                               extra=_bomb("X", 425 * 10 ** 6)))
    (tmp_path / "w.mat").write_bytes(_deflated(weights, extra=_bomb("IW1_1", 425 * 10 ** 6)))
    (tmp_path / "c.yaml").write_text("data: {path: d.mat, inputs: X, targets: T}\n"
                                     "models: {a: {type: feedforward, hidden: [2]}}\n")
    sio.savemat(tmp_path / "x.mat", {"x1": np.ones((2, 5))})
    for args in ([str(tmp_path / "c.yaml"), "--out", str(tmp_path / "o")],
                 ["predict", str(tmp_path / "w.mat"), str(tmp_path / "x.mat"), "--matlab",
                  "--out", str(tmp_path / "p.csv")]):
        code, _, err = run_cli(capsys, *args)
        assert code == 2
        line = one_error_line(err, "(1x425000000 double) would need about")
        assert ("d.mat: variable X" if "c.yaml" in args[0] else "w.mat: variable IW1_1") in line
        assert "GB of memory; 8.0 GB is available" in line


def test_a_variable_that_is_not_used_is_never_inflated(tmp_path, capsys):
    """A weights file with a 3.4 GB bomb beside the weights (whose stream turns to garbage
    after 8 MB) predicts as without it."""
    (tmp_path / "w.mat").write_bytes(_deflated(GOOD, extra=_bomb("junk", 425 * 10 ** 6,
                                                                 tail=b"\xff" * 64)))
    sio.savemat(tmp_path / "x.mat", {"x1": np.ones((2, 5))})
    code, _, err = run_cli(capsys, "predict", str(tmp_path / "w.mat"), str(tmp_path / "x.mat"),
                           "--matlab", "--out", str(tmp_path / "p.csv"))
    assert code == 0, err
    got = np.genfromtxt(tmp_path / "p.csv", delimiter=",", names=True)["prediction"]
    assert np.allclose(got, 1 + 3 * np.tanh(3.0), rtol=1e-15)


@pytest.mark.parametrize("lie, fragment", [
    ("IW1_1", "its data (48 bytes) overrun the 88 bytes it declares"),
    ("transfer", "variable transfer (1x2 cell) inflates to more than the"),
])
def test_a_variable_that_holds_more_than_it_declares_is_refused(tmp_path, capsys, lie,
                                                                fragment):
    """A numeric variable whose data overrun its declared size, and a cell whose nested
    elements inflate past it: one line each, nothing inflated past the declaration."""
    (tmp_path / "w.mat").write_bytes(_deflated(GOOD, lie=lie))
    sio.savemat(tmp_path / "x.mat", {"x1": np.ones((2, 5))})
    code, _, err = run_cli(capsys, "predict", str(tmp_path / "w.mat"), str(tmp_path / "x.mat"),
                           "--matlab", "--out", str(tmp_path / "p.csv"))
    assert code == 2
    one_error_line(err, fragment)

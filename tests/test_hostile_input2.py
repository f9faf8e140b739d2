"""Hostile and careless input, continued: a data ``.npz`` with a member that would fill the
memory, class columns with missing, mixed-spelling or too many labels, a future exogenous file
with a blank, a model file whose meta and arrays disagree, the Python API called with wrong
arguments, and trainlm with a mu so small that every solve is ill-conditioned."""
import io
import json
import warnings
import zipfile

import numpy as np
import pytest
from helpers import Linear

import bpnet
from bpnet import memory
from bpnet.config import DataConfig, TrainConfig
from bpnet.data import build_samples
from bpnet.data.wide import read_data
from bpnet.errors import InputError
from bpnet.train import loop as training
from bpnet.train.objective import NetObjective
from bpnet.train.rules import Trainlm


def npy_bytes(shape: tuple[int, ...], body: bytes = b"\0" * 64) -> bytes:
    """An .npy file of float64 whose header declares ``shape``, followed by ``body`` only."""
    fh = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        fh, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return fh.getvalue() + body


def data_npz(path, rng, extra: dict[str, bytes]) -> DataConfig:
    """A data .npz of columns x and y (20 rows) and the raw members ``extra``; the settings
    that read x -> y."""
    x = rng.standard_normal(20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, a in (("x", x), ("y", 2 * x)):
            fh = io.BytesIO()
            np.save(fh, a)
            z.writestr(f"{name}.npy", fh.getvalue())
        for name, raw in extra.items():
            z.writestr(f"{name}.npy", raw)
    return DataConfig(path=str(path), inputs=("x",), targets=("y",))


# ------------------------------------------------------------ 1. a data .npz read member by member

def test_an_unused_8_gib_member_of_a_data_npz_is_never_read(tmp_path, rng):
    d = data_npz(tmp_path / "d.npz", rng, {"junk": npy_bytes((1 << 30,))})
    table = read_data(d.path, d)
    s = build_samples(d, table)
    assert s.X.shape == (20, 1) and np.array_equal(s.Y, 2 * s.X)
    assert "junk" in table.header and "junk" not in table.arrays


def test_a_used_member_larger_than_the_memory_is_refused_before_it_is_read(tmp_path, rng,
                                                                           monkeypatch):
    big = npy_bytes((10_000_000,))
    d = data_npz(tmp_path / "d.npz", rng, {"z": big, "w": big})
    d = DataConfig(path=d.path, inputs=("z",), targets=("w",))
    monkeypatch.setattr(memory, "available", lambda: 1_000_000)
    with pytest.raises(InputError) as err:
        read_data(d.path, d)
    assert str(err.value).startswith(f"{d.path}: array z of shape (10000000,) (float64) would "
                                     "need about 80.0 MB of memory; 1.0 MB is available")


# ------------------------------------------------------------ 2, 3. class labels

def classified(tmp_path, labels: list[str], missing: str = "error", name: str = "d.csv"):
    """The samples of a table of one input and the class column ``kind`` holding ``labels``."""
    path = tmp_path / name
    path.write_text("a,kind\n" + "".join(f"{i},{k}\n" for i, k in enumerate(labels)))
    d = DataConfig(path=str(path), inputs=("a",), classes="kind", missing=missing)
    return build_samples(d, read_data(d.path, d))


def test_a_missing_class_label_is_a_missing_value(tmp_path):
    labels = ["1", "2", "1.0", "NaN", "2.0", "", "1e0", "2"]
    with pytest.raises(InputError) as err:
        classified(tmp_path, labels)
    assert str(err.value).startswith(
        f"{tmp_path / 'd.csv'}: line 5, column kind: 'NaN' (a missing value), the first of 2 "
        "missing values (lines 5, 7); set data.missing: drop")
    s = classified(tmp_path, labels, missing="drop")
    assert s.target_names == ["1", "2"]          # 1, 1.0 and 1e0 are one class, as are 2, 2.0
    assert s.X[:, 0].tolist() == [0, 1, 2, 4, 6, 7]
    assert s.Y.argmax(axis=1).tolist() == [0, 1, 0, 1, 0, 1]
    assert (s.missing.unlabelled, s.missing.no_target) == (2, 0)
    assert "left out 2 row(s) without a class label" in s.missing.describe()


def test_a_test_files_label_is_matched_by_its_number(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,kind\n0,2.0\n1,1\n")
    d = DataConfig(path=str(path), inputs=("a",), classes="kind")
    s = build_samples(d, read_data(d.path, d), classes=["1", "2"])
    assert s.Y.tolist() == [[0, 1], [1, 0]]


def test_100000_distinct_class_labels_are_refused_by_their_number(tmp_path):
    with pytest.raises(InputError) as err:
        classified(tmp_path, [f"id{i}" for i in range(100_000)])
    assert str(err.value).startswith(
        f"{tmp_path / 'd.csv'}: column kind (data.classes) holds 100,000 distinct labels; "
        "bpnet classifies at most 1,000 classes")


def test_one_hot_targets_larger_than_the_memory_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(memory, "available", lambda: 1000)
    with pytest.raises(InputError, match=r"column kind \(data.classes\): the one-hot targets of "
                       r"100 rows x 2 classes would need about 1.6 KB of memory"):
        classified(tmp_path, ["x", "y"] * 50)


# ------------------------------------------------------------ 4. a blank future exogenous cell

def system_csv(path, n: int = 60, future: int = 10, blank: tuple[int, str] | None = None):
    """A series y driven by x through x[t-1], x[t-2], with ``future`` rows of x after it (y
    blank); ``blank`` = (future row, text) puts that text in x there."""
    x = np.sin(0.7 * np.arange(n + future)) + 0.3 * np.cos(1.9 * np.arange(n + future))
    y = np.zeros(n + future)
    for t in range(2, n):
        y[t] = 0.5 * y[t - 1] + np.sin(x[t - 1]) + 0.3 * x[t - 2]
    cells = [[str(i), repr(float(x[i])), repr(float(y[i])) if i < n else ""]
             for i in range(n + future)]
    if blank is not None:
        cells[n + blank[0]][1] = blank[1]
    path.write_text("step,x,y\n" + "".join(",".join(row) + "\n" for row in cells))
    return path


@pytest.fixture(scope="module")
def narx(tmp_path_factory):
    """A saved model of a series with an exogenous input (x, delays 1 and 2)."""
    folder = tmp_path_factory.mktemp("narx")
    config = {"data": {"path": str(system_csv(folder / "s.csv", future=0)), "series": "y",
                       "lags": [1, 2], "exog": {"x": [1, 2]}},
              "split": {"method": "block", "train": 0.8, "val": 0.0, "test": 0.2},
              "models": {"bp": {"type": "feedforward", "hidden": [3],
                                "transfer": ["tansig", "purelin"]}},
              "train": {"epochs": 3, "show": 0}, "output": {"plots": False}}
    bpnet.run(config, out=folder / "o")
    return bpnet.load_model(folder / "o" / "model_bp.npz")


@pytest.mark.parametrize("text, said", [("NaN", "'NaN' (a missing value)"), ("", "empty cell")])
def test_a_blank_future_exogenous_cell_is_named(tmp_path, narx, text, said):
    path = system_csv(tmp_path / "f.csv", blank=(4, text))   # line 1 + 60 + 4 + 1 = 66
    future, _ = narx.forecast_file(path, steps=5)             # reads x up to future row 3
    assert len(future.y_pred) == 5
    with pytest.raises(InputError) as err:
        narx.forecast_file(path, steps=9)
    assert str(err.value).startswith(
        f"{path}: line 66, column x: {said}; a forecast of 9 step(s) from here needs the "
        "exogenous values (x) of 8 row(s) after the last value of the series")


# ------------------------------------------------------------ 5. a model file at odds with itself

def test_a_model_whose_meta_says_no_scaling_but_holds_mapstd_arrays_is_refused(tmp_path, narx,
                                                                             capsys):
    with np.load(narx.path) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(str(arrays["meta"]))
    assert meta["scaling"] == "mapstd" and "x_mean" in arrays
    arrays["meta"] = np.array(json.dumps({**meta, "scaling": "none"}))
    path = tmp_path / "m.npz"
    np.savez(path, **arrays)
    with pytest.raises(InputError) as err:
        bpnet.load_model(path)
    assert str(err.value) == (f"{path}: holds x_mean, x_std, but its meta scales the inputs "
                              "by none: an inconsistent model file")


# ------------------------------------------------------------ 6. the Python API's arguments

@pytest.mark.parametrize("call, error, message", [
    (lambda m, f: m.forecast_file(f, steps=2.5), TypeError,
     "steps: expected a whole number of periods, e.g. 12, got float 2.5"),
    (lambda m, f: m.forecast_file(f, steps="3"), TypeError,
     "steps: expected a whole number of periods, e.g. 12, got str '3'"),
    (lambda m, f: m.forecast_file(f, steps=True), TypeError, "steps: expected a whole number"),
    (lambda m, f: m.forecast_file(f, steps=0), InputError, "steps: must be >= 1, got 0"),
    (lambda m, f: m.forecast_file(f, steps=-1), InputError, "steps: must be >= 1, got -1"),
    (lambda m, f: m.forecast_file(None, steps=2), TypeError, "path: expected a file path"),
    (lambda m, f: m.predict(None), TypeError,
     "X: expected numbers, an array (samples, inputs), got None"),
    (lambda m, f: m.predict([[1, 2], [3]]), TypeError, "X: expected numbers"),
    (lambda m, f: m.predict_file(None), TypeError,
     "path: expected a file path (str or os.PathLike), got None"),
    (lambda m, f: m.predict_file(5), TypeError,
     "path: expected a file path (str or os.PathLike), got int 5"),
    (lambda m, f: bpnet.load_model(5), TypeError, "path: expected a file path"),
])
def test_wrong_arguments_of_a_model_name_the_argument(tmp_path, narx, call, error, message):
    path = system_csv(tmp_path / "f.csv")
    with pytest.raises(error) as err:
        call(narx, path)
    assert type(err.value) is error and str(err.value).startswith(message)


@pytest.mark.parametrize("kwargs, message", [
    ({"set": [("train.lr", 0.1)]}, "set: expected a mapping of key paths to values, e.g. "
                                   "{'train.lr': 0.05}, got list [('train.lr', 0.1)]"),
    ({"config": 5}, "config: expected a config file's path or a dict, got int 5"),
    ({"out": 3.0}, "out: expected a folder's path or None, got float 3.0"),
])
def test_wrong_arguments_of_run_name_the_argument(root, kwargs, message):
    with pytest.raises(TypeError) as err:
        bpnet.run(**{"config": root / "configs/passengers.yaml", **kwargs})
    assert str(err.value) == message


# ------------------------------------------------------------ 7. trainlm with a tiny mu

def test_trainlm_says_once_that_its_matrix_is_ill_conditioned():
    # J'J = diag(5, 1e-18): with mu from 1e-300 every trial until mu ~ 1e-16 is
    # ill-conditioned, and with the Jacobian's sign flipped every trial fails (about 286)
    X, Y = np.array([[1.0, 0.0], [0.0, 1e-9], [2.0, 0.0]]), np.array([[1.0], [2.0], [3.5]])
    tc = TrainConfig(algorithm="trainlm", epochs=3, mu=1e-300, show=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = training.train(NetObjective(Linear(sign=-1.0, n=2), X, Y), np.zeros(2), tc)
    assert r.epochs == 1 and r.history["mu"][-1] > tc.mu_max
    assert [str(w.message) for w in caught] == [
        "trainlm: J'J + mu I is ill-conditioned at mu = 1e-300 (scipy: the solve may be "
        "inaccurate); said once per training"]


def test_trainlm_mu_never_falls_to_zero():
    # the first step is exact (a linear model) and accepted: mu * mu_dec = 1e-330 is 0 in
    # floats, from which mu_inc could never raise mu again; the next step fails and raises it
    X, Y = np.array([[1.0, 0.3], [0.2, 1.0], [2.0, 0.5]]), np.array([[1.0], [2.0], [3.5]])
    tc = TrainConfig(algorithm="trainlm", epochs=2, mu=1e-300, mu_dec=1e-30, min_grad=0.0,
                     show=0)
    rule = Trainlm(tc)
    obj = NetObjective(Linear(n=2), X, Y)
    perf, g = obj.perf_and_gradient(np.zeros(2))
    theta, perf, g = rule.step(obj, np.zeros(2), perf, g)
    assert rule.mu == np.finfo(float).tiny
    rule.step(obj, theta, perf, g)
    assert rule.mu > tc.mu_max

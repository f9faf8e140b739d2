"""Classes as MATLAB users bring them (docs/semantics.md#classification, docs/data.md): one-hot
targets of a .mat variable (MATLAB's iris_dataset: irisInputs 4x150, irisTargets 3x150) or of
0/1 columns, classes given as targets refused or noted, and inputs chosen by ``all`` or a
pattern."""
import csv
import warnings

import numpy as np
import pytest
import scipy.io as sio
from helpers import ROOT

import bpnet
from bpnet.cli import main
from bpnet.config import build_config
from bpnet.data import dataset
from bpnet.errors import InputError

IRIS = ROOT.parent.parent / "shared" / "data" / "iris.csv"
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
SPECIES = ["setosa", "versicolor", "virginica"]


def _iris() -> tuple[np.ndarray, list[str]]:
    """The iris inputs (150, 4) and species (150,) of the shared copy (or the repo's)."""
    path = IRIS if IRIS.exists() else ROOT / "data" / "iris.csv"
    rows = list(csv.DictReader(open(path, newline="")))
    return np.array([[float(r[f]) for f in FEATURES] for r in rows]), [r["species"] for r in rows]


def _iris_mat(path, layout="columns", **changes):
    """MATLAB's iris_dataset.mat: irisInputs 4x150, irisTargets 3x150 of 0/1 (transposed with
    ``layout`` rows); ``changes`` replace variables."""
    X, species = _iris()
    T = np.array([[float(s == c) for s in species] for c in SPECIES])
    arrays = {"irisInputs": X.T, "irisTargets": T, **changes}
    if layout == "rows":
        arrays = {k: v.T for k, v in arrays.items()}
    sio.savemat(path, arrays)
    return X, T.T


def _onehot_csv(path, edit=None):
    """iris as a CSV of the four inputs and one 0/1 column per species; ``edit(i, row)`` may
    change row i's cells."""
    X, species = _iris()
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([*FEATURES, *SPECIES])
        for i, (x, s) in enumerate(zip(X, species)):
            row = [*(repr(float(v)) for v in x), *(str(int(s == c)) for c in SPECIES)]
            w.writerow(edit(i, row) if edit else row)
    return path


def _load(data: dict):
    """The Dataset a config of ``data`` reads (no training)."""
    raw = {"data": data, "split": {"method": "random", "train": 0.7, "val": 0.15, "test": 0.15},
           "models": {"bp": {"type": "feedforward", "hidden": [3]}}}
    cfg = build_config(raw, "c")
    return dataset.load(cfg, np.random.default_rng(0)), cfg


def _trained(tmp_path, data: dict, epochs: int, hidden: int):
    """A run of one small network on ``data``, written to tmp_path/run -> (result, its saved
    model read back)."""
    res = bpnet.run({"data": data, "split": {"method": "random"},
                     "train": {"epochs": epochs, "show": 0}, "output": {"plots": False},
                     "models": {"bp": {"type": "feedforward", "hidden": [hidden]}}},
                    out=tmp_path / "run")
    return res, bpnet.load_model(tmp_path / "run" / "model_bp.npz")


# ---------------------------------------------------------------- one-hot classes
@pytest.mark.parametrize("layout", ["columns", "rows"])
def test_a_mat_variable_of_one_hot_targets_is_the_classes(tmp_path, layout):
    X, T = _iris_mat(tmp_path / "iris_dataset.mat", layout)
    data = {"path": str(tmp_path / "iris_dataset.mat"), "inputs": "irisInputs",
            "classes": "irisTargets"}
    if layout == "rows":
        data["layout"] = "rows"
    ds, cfg = _load(data)
    assert ds.classes == ["1", "2", "3"]          # as vec2ind numbers them
    np.testing.assert_array_equal(ds.X, X)
    np.testing.assert_array_equal(ds.Y, T)
    assert cfg.train.perform == "crossentropy" and cfg.models["bp"].transfer[-1] == "softmax"
    assert dataset.resolved(cfg, ds).data.classes == "irisTargets"


def test_one_hot_columns_of_a_csv_give_the_label_columns_targets(tmp_path):
    _onehot_csv(tmp_path / "d.csv")
    onehot, _ = _load({"path": str(tmp_path / "d.csv"), "inputs": FEATURES,
                       "classes": SPECIES})
    path = IRIS if IRIS.exists() else ROOT / "data" / "iris.csv"
    labels, _ = _load({"path": str(path), "inputs": FEATURES, "classes": "species"})
    assert onehot.classes == labels.classes == SPECIES
    np.testing.assert_array_equal(onehot.Y, labels.Y)
    np.testing.assert_array_equal(onehot.X, labels.X)


def test_a_trained_one_hot_classifier_predicts_another_mat_file(tmp_path):
    _iris_mat(tmp_path / "a.mat")
    _, species = _iris()
    res, model = _trained(tmp_path, {"path": str(tmp_path / "a.mat"), "inputs": "irisInputs",
                                     "classes": "irisTargets"}, epochs=40, hidden=4)
    assert model.classes == ["1", "2", "3"]
    assert model.meta.data.inputs == tuple(f"irisInputs({r})" for r in range(1, 5))
    X, _ = _iris_mat(tmp_path / "b.mat", "columns")
    labels = model.predict(X)
    truth = [str(SPECIES.index(s) + 1) for s in species]
    assert np.mean(np.array(labels) == np.array(truth)) > 0.8
    assert res.metrics["models"]["bp"]["test"]["accuracy"] > 0.8


@pytest.mark.parametrize("edit, fragment", [
    (lambda i, r: r[:4] + ["1", "1", "0"] if i == 4 else r,
     "line 6: 2 ones among the one-hot class columns"),
    (lambda i, r: r[:4] + ["0", "0", "0"] if i == 9 else r,
     "line 11: 0 ones among the one-hot class columns"),
    (lambda i, r: r[:4] + ["0", "0.5", "0.5"] if i == 2 else r,
     "line 4, column versicolor: 0.5 in a one-hot class column"),
])
def test_a_one_hot_row_that_is_not_one_1_is_an_error_naming_it(tmp_path, edit, fragment):
    _onehot_csv(tmp_path / "d.csv", edit)
    with pytest.raises(InputError, match=fragment):
        _load({"path": str(tmp_path / "d.csv"), "inputs": FEATURES, "classes": SPECIES})


def test_a_bad_row_of_a_mat_variable_names_its_sample(tmp_path):
    _, species = _iris()
    T = np.array([[float(s == c) for s in species] for c in SPECIES])
    T[:, 6] = [1, 0, 1]
    _iris_mat(tmp_path / "d.mat", irisTargets=T)
    with pytest.raises(InputError, match=r"d.mat: variable irisTargets, sample 7: 2 ones"):
        _load({"path": str(tmp_path / "d.mat"), "inputs": "irisInputs",
               "classes": "irisTargets"})


def test_a_missing_one_hot_cell_is_a_missing_label(tmp_path):
    _onehot_csv(tmp_path / "d.csv", lambda i, r: r[:5] + ["", "0"] if i == 3 else r)
    data = {"path": str(tmp_path / "d.csv"), "inputs": FEATURES, "classes": SPECIES}
    with pytest.raises(InputError, match="line 5, column versicolor: empty cell"):
        _load(data)
    ds, _ = _load({**data, "missing": "drop"})
    assert len(ds.X) == 149 and not np.isnan(ds.Y).any()


# ---------------------------------------------------------------- classes given as targets
def test_one_hot_targets_are_refused_naming_data_classes(tmp_path):
    _iris_mat(tmp_path / "d.mat")
    with pytest.raises(InputError, match=r"data.targets: irisTargets: one-hot rows .* write "
                                         r"data.classes: irisTargets in place of data.targets"):
        _load({"path": str(tmp_path / "d.mat"), "inputs": "irisInputs",
               "targets": "irisTargets"})
    _onehot_csv(tmp_path / "d.csv")
    with pytest.raises(InputError, match=r"data.classes: \[setosa, versicolor, virginica\]"):
        _load({"path": str(tmp_path / "d.csv"), "inputs": FEATURES, "targets": SPECIES})


def test_text_labels_as_targets_are_refused_on_one_line(tmp_path, capsys):
    path = IRIS if IRIS.exists() else ROOT / "data" / "iris.csv"
    (tmp_path / "c.yaml").write_text(
        f"data: {{path: {path}, inputs: all, targets: species}}\n"
        "models: {bp: {type: feedforward}}\n")
    assert main([str(tmp_path / "c.yaml"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert err.startswith("error: ") and "column species (data.targets) holds class labels " \
        "('setosa', ...)" in err and "write data.classes: species" in err
    assert not (tmp_path / "out").exists()


def test_a_stray_word_in_a_numeric_target_keeps_its_own_message(tmp_path):
    rows = "".join(f"{i},{i * 2 if i != 7 else 'oops'}\n" for i in range(20))
    (tmp_path / "d.csv").write_text("x,y\n" + rows)
    with pytest.raises(InputError, match=r"line 9, column y: 'oops' is not a number$"):
        _load({"path": str(tmp_path / "d.csv"), "inputs": "x", "targets": "y"})


def test_integer_labels_as_targets_run_as_asked_with_a_note(tmp_path):
    X, species = _iris()
    with open(tmp_path / "d.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([*FEATURES, "label"])
        w.writerows([*x, SPECIES.index(s)] for x, s in zip(X, species))
    with pytest.warns(UserWarning, match=r"column label holds only the whole numbers 0 to 2; "
                                         r".*data.classes: label classifies"):
        ds, _ = _load({"path": str(tmp_path / "d.csv"), "inputs": FEATURES, "targets": "label"})
    assert ds.classes is None and ds.Y.shape == (150, 1)
    np.testing.assert_array_equal(ds.Y[:, 0], [SPECIES.index(s) for s in species])
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # a measured target: no note
        _load({"path": str(tmp_path / "d.csv"), "inputs": FEATURES[:3],
               "targets": "petal_width"})


# ---------------------------------------------------------------- inputs: all and patterns
def _pixels(path):
    """A digits-like CSV: an id (text), pixel columns out of name order, a time and a label."""
    names = ["pixel_10", "pixel_2", "other", "pixel_1"]
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["when", *names, "label"])
        for i in range(30):
            w.writerow([f"2000-{i % 12 + 1:02d}", i, i % 7, i % 5, (i * 3) % 11, "ab"[i % 2]])
    return names


def test_inputs_all_and_patterns_take_columns_in_file_order(tmp_path):
    names = _pixels(tmp_path / "d.csv")
    data = {"path": str(tmp_path / "d.csv"), "time": "when", "classes": "label"}
    every, cfg = _load({**data, "inputs": "all"})
    assert every.feature_names == names
    assert dataset.resolved(cfg, every).data.inputs == tuple(names)
    pixels, _ = _load({**data, "inputs": "pixel_*"})
    assert pixels.feature_names == ["pixel_10", "pixel_2", "pixel_1"]
    np.testing.assert_array_equal(pixels.X, every.X[:, [0, 1, 3]])
    mixed, _ = _load({**data, "inputs": ["other", "pixel_?"]})
    assert mixed.feature_names == ["other", "pixel_2", "pixel_1"]


def test_a_pattern_that_matches_nothing_names_data_inputs(tmp_path):
    _pixels(tmp_path / "d.csv")
    with pytest.raises(InputError, match=r"d.csv: data.inputs: 'px_\*' matches no column; "
                                         r"the columns it may take are pixel_10, pixel_2, "
                                         r"other, pixel_1$"):
        _load({"path": str(tmp_path / "d.csv"), "inputs": "px_*", "time": "when",
               "classes": "label"})


def test_patterns_of_a_mat_file_match_its_variables(tmp_path):
    X, _ = _iris()
    sio.savemat(tmp_path / "d.mat", {"x_b": X[:, :2].T, "x_a": X[:, 2:].T, "y": X[:, :1].T,
                                     "c": (np.arange(150) % 2)[None, :]})
    ds, _ = _load({"path": str(tmp_path / "d.mat"), "inputs": "all", "classes": "c"})
    assert ds.feature_names == ["x_b(1)", "x_b(2)", "x_a(1)", "x_a(2)", "y"]
    ds, _ = _load({"path": str(tmp_path / "d.mat"), "inputs": "x_*", "classes": "c"})
    np.testing.assert_array_equal(ds.X, X)
    with pytest.raises(InputError, match=r"'z\*' matches no variable; the variables it may "
                                         r"take are x_a, x_b, y"):
        _load({"path": str(tmp_path / "d.mat"), "inputs": "z*", "classes": "c"})


def test_a_model_of_inputs_all_predicts_by_column_name(tmp_path):
    _pixels(tmp_path / "d.csv")
    _, model = _trained(tmp_path, {"path": str(tmp_path / "d.csv"), "inputs": "pixel_*",
                                   "time": "when", "classes": "label"}, epochs=3, hidden=2)
    assert model.meta.data.inputs == ("pixel_10", "pixel_2", "pixel_1")
    rows = list(csv.reader(open(tmp_path / "d.csv", newline="")))
    with open(tmp_path / "moved.csv", "w", newline="") as fh:   # columns in another order
        csv.writer(fh).writerows([list(reversed(r)) for r in rows])
    same, moved = (model.predict_file(tmp_path / name) for name in ("d.csv", "moved.csv"))
    np.testing.assert_array_equal(same.y_pred, moved.y_pred)
    assert same.y_pred.shape == (30, 2)


def test_inputs_all_reads_every_array_of_a_npz(tmp_path):
    X, species = _iris()
    np.savez(tmp_path / "d.npz", a=X[:, 0], b=X[:, 1], species=np.array(species))
    ds, _ = _load({"path": str(tmp_path / "d.npz"), "inputs": "all", "classes": "species"})
    assert ds.feature_names == ["a", "b"] and ds.classes == SPECIES


# ---------------------------------------------------------------- config rules
@pytest.mark.parametrize("data, fragment", [
    ({"inputs": ["a", "k"], "classes": "k"}, "data.inputs: 'k' is also data.classes"),
    ({"inputs": ["a"], "classes": ["k", "k"]}, "data.classes: 'k' is named twice"),
    ({"inputs": ["a"], "classes": [1, 2]}, "data.classes: expected a column name"),
])
def test_class_settings_that_cannot_be_meant(tmp_path, data, fragment):
    raw = {"data": {"path": "d.csv", **data}, "models": {"bp": {"type": "feedforward"}}}
    with pytest.raises(InputError, match=fragment):
        build_config(raw, "c")

"""Classification end to end (docs/semantics.md#classification): the golden examples of confusion
and roc,
the config rules and bad inputs of a class column, a run on iris read back, saved classifiers,
and recurrent networks classifying every time step."""
import csv
import json
import warnings

import numpy as np
import pytest
from helpers import ROOT

import bpnet
from bpnet.cli import main
from bpnet.config import build_config
from bpnet.errors import InputError
from bpnet.report import classify


# ---------------------------------------------------------------- golden examples
def test_confusion_example():
    target = np.array([1, 2, 3, 1, 2, 3]) - 1
    output = np.array([1, 2, 2, 2, 2, 3]) - 1
    c, cm = classify.confusion(target, output, 3)
    assert c == pytest.approx(1 / 3)
    assert cm.tolist() == [[1, 1, 0], [0, 2, 0], [0, 1, 1]]


def test_roc_example():
    th, tpr, fpr = classify.roc(np.array([1, 0, 1, 0]), np.array([.9, .8, .4, .2]))
    assert th.tolist() == [1, .9, .8, .4, .2, 0]
    assert tpr.tolist() == [0, 0, .5, .5, 1, 1]
    assert fpr.tolist() == [0, 0, 0, .5, .5, 1]
    assert classify.auc(fpr, tpr) == pytest.approx(0.75)


def test_first_maximum_wins_a_tie():
    P = np.array([[0.4, 0.4, 0.2], [0.1, 0.45, 0.45], [1 / 3, 1 / 3, 1 / 3]])
    assert classify.predicted_class(P).tolist() == [0, 1, 0]


def test_per_class_figures_and_macro():
    T = np.eye(3)[[0, 1, 2, 0, 1, 2]]
    P = np.eye(3)[[0, 1, 1, 1, 1, 2]] * 0.8 + 0.2 / 3
    m = classify.classification_metrics(P, T, ["a", "b", "c"])
    assert m["accuracy"] == pytest.approx(2 / 3) and m["c"] == pytest.approx(1 / 3)
    assert m["cm"]["counts"] == [[1, 1, 0], [0, 2, 0], [0, 1, 1]]
    b = m["per_class"]["b"]
    assert b["precision"] == pytest.approx(0.5) and b["recall"] == 1.0
    assert b["f1"] == pytest.approx(2 / 3)
    assert m["macro"]["recall"] == pytest.approx((0.5 + 1 + 0.5) / 3)
    # a fourth class with no sample in the part and never output is not averaged in
    m4 = classify.classification_metrics(np.c_[P * 0.9, np.full(6, 0.1)], np.c_[T, np.zeros(6)],
                                         ["a", "b", "c", "d"])
    assert m4["per_class"]["d"]["support"] == 0 and m4["macro"] == pytest.approx(m["macro"])


def test_logistic_baseline_separates_separable_classes(rng):
    X = np.vstack([rng.normal(-3, 1, (30, 2)), rng.normal(3, 1, (30, 2))])
    T = np.eye(2)[[0] * 30 + [1] * 30]
    model = classify.LogisticModel.fit(X, T)
    assert (classify.predicted_class(model.predict(X)) == T.argmax(1)).mean() == 1.0


# ---------------------------------------------------------------- config and data rules
def _raw(tmp_path, data_extra=None, models=None, train=None, csv_text=None):
    path = tmp_path / "d.csv"
    path.write_text(csv_text or "a,b,kind\n" + "\n".join(
        f"{i % 7},{i % 5},{'xyz'[i % 3]}" for i in range(30)) + "\n")
    data = {"path": str(path), "inputs": ["a", "b"], "classes": "kind", **(data_extra or {})}
    raw = {"data": data, "split": {"method": "random", "train": 0.7, "val": 0.15, "test": 0.15},
           "models": models or {"bp": {"type": "feedforward", "hidden": [3]}}}
    if train is not None:
        raw["train"] = train
    return raw


def test_patternnet_defaults(tmp_path):
    cfg = build_config(_raw(tmp_path, models={"bp": {"type": "feedforward", "hidden": [3, 3]},
                                              "el": {"type": "elman", "hidden": 4}}), "c")
    assert cfg.models["bp"].transfer == ("tansig", "tansig", "softmax")
    assert cfg.models["el"].transfer == ("tansig", "softmax")
    t = cfg.models["bp"].train
    assert (t.algorithm, t.perform) == ("trainscg", "crossentropy")
    mse = build_config(_raw(tmp_path, train={"perform": "mse", "algorithm": "trainlm"}), "c")
    assert mse.models["bp"].train.perform == "mse"


@pytest.mark.parametrize("change, fragment", [
    ({"train": {"algorithm": "trainlm"}}, "train.algorithm: trainlm takes mse only"),
    ({"models": {"bp": {"type": "feedforward", "train": {"algorithm": "trainbr"}}}},
     "models.bp.train.algorithm: trainbr takes mse only"),
    ({"models": {"bp": {"type": "feedforward", "hidden": [3],
                        "transfer": ["softmax", "purelin"]}}},
     "softmax is for the output layer only"),
    ({"models": {"e": {"type": "elman", "transfer": ["softmax", "softmax"]}}},
     "softmax is for the output layer only"),
    ({"data_extra": {"targets": ["a"]}}, "give either targets (regression) or classes"),
    ({"models": {"majority": {"type": "feedforward"}}}, "'majority' is the name of a baseline"),
    ({"models": {"g": {"type": "gru", "train": {"algorithm": "trainlm", "perform": "mse"}}}},
     "needs the Jacobian of the outputs"),
])
def test_config_mistakes(tmp_path, change, fragment):
    raw = _raw(tmp_path, change.get("data_extra"), change.get("models"), change.get("train"))
    with pytest.raises(InputError, match=None) as err:
        build_config(raw, "c.yaml")
    assert fragment in str(err.value)


def test_crossentropy_needs_classes(tmp_path):
    raw = _raw(tmp_path, train={"perform": "crossentropy"})
    raw["data"] = {"path": raw["data"]["path"], "inputs": ["a"], "targets": ["b"]}
    with pytest.raises(InputError, match="crossentropy needs class targets"):
        build_config(raw, "c.yaml")


def _load(tmp_path, csv_text, test_text=None):
    from bpnet.data import dataset
    raw = _raw(tmp_path, csv_text=csv_text)
    if test_text is not None:
        (tmp_path / "t.csv").write_text(test_text)
        raw["data"]["test_path"] = str(tmp_path / "t.csv")
        raw["split"] = {"method": "random", "train": 0.8, "val": 0.2, "test": 0.0}
    return dataset.load(build_config(raw, "c.yaml"), np.random.default_rng(0))


def test_classes_sorted_numbers_as_numbers_one_hot_not_scaled(tmp_path):
    text = "a,b,kind\n" + "\n".join(f"{i},{i % 3},{[10, 9, 100][i % 3]}" for i in range(12))
    data = _load(tmp_path, text + "\n")
    assert data.classes == ["9", "10", "100"]
    assert data.Y[0].tolist() == [0, 1, 0] and data.Y[2].tolist() == [0, 0, 1]
    assert np.array_equal(data.Ys, data.Y) and data.y_scaler.method == "none"


@pytest.mark.parametrize("text, fragment", [
    ("a,b,kind\n1,2,x\n2,3,x\n3,4,x\n", "holds one class only ('x')"),
    ("a,b,kind\n1,2,x\n2,3, \n3,4,y\n", "line 3, column kind: empty cell; set data.missing"),
])
def test_bad_class_columns(tmp_path, text, fragment):
    with pytest.raises(InputError) as err:
        _load(tmp_path, text)
    assert fragment in str(err.value)


def test_unseen_test_label_names_its_line(tmp_path):
    train = "a,b,kind\n" + "\n".join(f"{i},{i % 4},{'xy'[i % 2]}" for i in range(10)) + "\n"
    with pytest.raises(InputError, match=r"t.csv: line 3, column kind: class 'z' was not among"):
        _load(tmp_path, train, "a,b,kind\n1,1,x\n2,2,z\n")


def test_non_integer_numeric_classes_warn(tmp_path):
    text = "a,b,kind\n" + "\n".join(f"{i},{i % 3},{[0.5, 1.5][i % 2]}" for i in range(10))
    with pytest.warns(UserWarning, match="treated as labels"):
        data = _load(tmp_path, text + "\n")
    assert data.classes == ["0.5", "1.5"]


def test_numbers_mixed_with_text_labels_warn(tmp_path):
    text = "a,b,kind\n" + "\n".join(f"{i},{i % 3},{['1', 'two', '3'][i % 3]}" for i in range(12))
    with pytest.warns(UserWarning, match=r"mixes numbers \(1, 3\) with text labels \(two\)"):
        data = _load(tmp_path, text + "\n")
    assert data.classes == ["1", "3", "two"]


def test_two_classes_give_two_softmax_outputs(tmp_path):
    text = "a,b,kind\n" + "\n".join(f"{i},{i % 3},{'ny'[i % 2]}" for i in range(20))
    data = _load(tmp_path, text + "\n")
    assert data.Y.shape == (20, 2)


# ---------------------------------------------------------------- end to end
@pytest.fixture(scope="module")
def iris_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("iris")
    code = main([str(ROOT / "configs/iris.yaml"), "--out", str(out), "--quiet",
                 "--set", "runs=2", "--set", "train.epochs=60", "--jobs", "1"])
    assert code == 0
    return out


def test_iris_run_writes_classification_results(iris_run):
    names = {p.name for p in iris_run.iterdir()}
    assert {"confusion_bp.png", "roc_bp.png", "errors_bp.png", "trainstate_bp.png",
            "metrics.json", "predictions.csv", "model_bp.npz"} <= names
    assert not names & {"regression_bp.png", "errhist_bp.png", "fit.png"}
    m = json.loads((iris_run / "metrics.json").read_text())
    test = m["models"]["bp"]["test"]
    assert test["cm"]["labels"] == ["setosa", "versicolor", "virginica"]
    assert sum(map(sum, test["cm"]["counts"])) == test["n"] == 22
    assert test["accuracy"] == pytest.approx(1 - test["c"])
    assert set(test["per_class"]["setosa"]) == {"precision", "recall", "f1", "auc", "support"}
    assert m["models"]["bp"]["algorithm"] == "trainscg"
    assert test["accuracy"] > 0.8
    assert set(m["baselines"]) == {"majority", "logistic"}
    assert m["baselines"]["majority"]["test"]["accuracy"] < 0.5
    assert "accuracy" in m["models"]["bp"]["over_runs"]["test"]
    hist = (iris_run / "history_bp.csv").read_text().splitlines()[0].split(",")
    assert "lr" not in hist


def test_iris_predictions_csv(iris_run):
    with open(iris_run / "predictions.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 150
    r = rows[0]
    assert r["target"] == "setosa" and r["bp"] in ("setosa", "versicolor", "virginica")
    p = [float(r[f"bp_p_{c}"]) for c in ("setosa", "versicolor", "virginica")]
    assert sum(p) == pytest.approx(1.0)
    assert r["bp_right"] == ("1" if r["bp"] == "setosa" else "0")
    assert {row["split"] for row in rows} == {"train", "val", "test"}


def test_saved_classifier_predicts_without_config(iris_run, tmp_path, capsys):
    model = bpnet.load_model(iris_run / "model_bp.npz")
    X = np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]])
    labels, proba = model.predict(X), model.predict_proba(X)
    assert proba.shape == (2, 3) and np.allclose(proba.sum(axis=1), 1.0)
    assert labels.tolist() == [model.classes[k] for k in proba.argmax(axis=1)]
    assert labels[0] == "setosa"
    out = tmp_path / "p.csv"
    assert main(["predict", str(iris_run / "model_bp.npz"), str(ROOT / "data/iris.csv"),
                 "--out", str(out)]) == 0
    assert "accuracy 0." in capsys.readouterr().out
    head = out.read_text().splitlines()[0]
    assert head == "row,prediction,p_setosa,p_versicolor,p_virginica,target,right"


def test_probabilities_that_are_not_numbers_get_no_made_up_class(iris_run, tmp_path, capsys,
                                                                 monkeypatch):
    """Finite inputs far outside the training data can overflow the network to NaN
    probabilities (how far depends on its weights: here the network is made to), which no
    class stands for: an error naming the row, not the first class."""
    from bpnet.predict import Model
    model = bpnet.load_model(iris_run / "model_bp.npz")
    real = model.net.predict
    model.net.predict = lambda X: np.where(X[:, :1] > 1e3, np.nan, real(X))
    assert list(model.predict([[5.1, 3.5, 1.4, 0.2]])) == ["setosa"]
    with pytest.raises(InputError, match=r"not numbers for 1 row\(s\) \(the first: row 1\)"):
        model.predict([[5.1, 3.5, 1.4, 0.2], [1e9, 3.5, 1.4, 0.2]])
    predicted = Model._predicted
    monkeypatch.setattr(Model, "_predicted", lambda self, s: np.where(
        np.arange(len(s.X))[:, None] == 1, np.nan, predicted(self, s)))
    code = main(["predict", str(iris_run / "model_bp.npz"), str(ROOT / "data/iris.csv"),
                 "--out", str(tmp_path / "p.csv")])
    assert code == 2 and not (tmp_path / "p.csv").exists()
    assert "class probabilities are not numbers for 1 row(s) (the first: row 1)" in \
        capsys.readouterr().err


def test_regression_model_refuses_predict_proba(tmp_path):
    from bpnet import api
    res = api.run({"data": {"path": str(ROOT / "data/airline_passengers.csv"),
                            "series": "passengers", "lags": [1]},
                   "models": {"bp": {"type": "feedforward", "hidden": [2]}},
                   "train": {"epochs": 2, "show": 0}})
    with pytest.raises(InputError, match="predict_proba is for a classifier"):
        res.models["bp"].predict_proba(np.ones((1, 1)))


@pytest.mark.parametrize("kind", ["elman", "lstm", "gru"])
def test_recurrent_networks_classify_each_time_step(tmp_path, kind):
    """Block-divided rows in time order: each part is one sequence and every step is
    classified; the class is the sign of the previous input, which only memory tells."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=120)
    label = ["up" if v > 0 else "down" for v in np.r_[0.0, x[:-1]]]
    (tmp_path / "s.csv").write_text("x,kind\n" + "\n".join(
        f"{v},{c}" for v, c in zip(x, label)) + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = bpnet.run({"data": {"path": str(tmp_path / "s.csv"), "inputs": ["x"],
                                  "classes": "kind"},
                         "split": {"method": "block", "train": 0.7, "val": 0.0, "test": 0.3},
                         "models": {"r": {"type": kind, "hidden": 6}},
                         "train": {"epochs": 150, "show": 0}})
    r = res.results[0]
    assert r.net.out_tf.name == "softmax" and r.net.perform == "crossentropy"
    assert r.predictions.shape == (120, 2)
    assert r.scores["test"]["accuracy"] > 0.8
    assert res.metrics["baselines"]["logistic"]["test"]["accuracy"] < 0.75


def test_written_config_reruns(iris_run, tmp_path):
    """config.yaml of a tabular run holds no series keys, so it reruns as it is."""
    text = (iris_run / "config.yaml").read_text()
    assert "lags" not in text and "classes: species" in text
    assert main([str(iris_run / "config.yaml"), "--out", str(tmp_path / "again"), "--quiet",
                 "--no-plots", "--set", "runs=1"]) == 0


def test_a_header_only_file_asks_for_a_row_not_for_lags(iris_run, tmp_path, capsys):
    data = tmp_path / "h.csv"
    data.write_text("sepal_length,sepal_width,petal_length,petal_width\n")
    assert main(["predict", str(iris_run / "model_bp.npz"), str(data), "--out",
                 str(tmp_path / "p.csv")]) == 2
    err = capsys.readouterr().err
    assert "needs at least one row of values below its header" in err and "lags" not in err

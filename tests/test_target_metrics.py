"""Per-target metrics: each target in its own units, only unit-free figures pooled, no MAPE for
a target that crosses zero, and one zero-target warning per run."""
import csv
import json

import numpy as np
import pytest

from bpnet.cli import main
from bpnet.report import metrics


def test_per_target_metrics_worked_by_hand():
    y_true = np.array([[10.0, 1.0], [20.0, -1.0], [40.0, 2.0]])
    y_pred = np.array([[11.0, 1.5], [18.0, -1.0], [40.0, 1.0]])
    m = metrics.regression_metrics(y_pred, y_true, ["a", "b"],
                                   relative=metrics.relative_meaningful(y_true))
    a, b = m["targets"]["a"], m["targets"]["b"]
    assert a["rmse"] == pytest.approx(np.sqrt(5 / 3)) and a["mae"] == pytest.approx(1.0)
    assert a["mape"] == pytest.approx(100 * (0.1 + 0.1 + 0) / 3)
    assert a["max_abs_rel_error"] == pytest.approx(0.1)
    assert b["rmse"] == pytest.approx(np.sqrt(1.25 / 3)) and b["mae"] == pytest.approx(0.5)
    # b crosses zero: no relative figures for it, nor pooled ones
    assert np.isnan(b["mape"]) and np.isnan(b["max_abs_rel_error"])
    assert np.isnan(m["mape"]) and "rmse" not in m and m["n"] == 3
    # without the crossing target the pooled MAPE is the mean over both targets' errors
    y_true[1, 1] = 4.0
    m = metrics.regression_metrics(y_pred, y_true, ["a", "b"],
                                   relative=metrics.relative_meaningful(y_true))
    rel = np.abs(y_pred - y_true) / y_true
    assert m["mape"] == pytest.approx(100 * rel.mean())
    assert m["targets"]["b"]["mape"] == pytest.approx(100 * rel[:, 1].mean())


def test_one_target_keeps_its_flat_errors():
    m = metrics.regression_metrics(np.array([[1.0], [3.0]]), np.array([[2.0], [2.0]]))
    assert m == {"n": 2, "rmse": 1.0, "mae": 1.0, "mape": 50.0, "max_abs_rel_error": 0.5,
                 "n_zero_targets": 0}


def test_spread_over_runs_keeps_the_targets():
    runs = [{"epochs": e, "best_epoch": e, "train_seconds": 0.1,
             "test": {"n": 2, "mape": 1.0 * e, "targets": {"a": {"rmse": 2.0 * e}}}}
            for e in (1, 2, 3)]
    o = metrics.over_runs(runs)
    assert o["test"]["targets"]["a"]["rmse"] == {"median": 4.0, "min": 2.0, "max": 6.0}
    assert o["test"]["mape"]["median"] == 2.0


@pytest.fixture
def two_targets(tmp_path):
    """weight (positive, two zeros) and change (crosses zero), two models."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 2))
    weight = 50 + 3 * x[:, 0]
    weight[[5, 37]] = 0.0
    change = x[:, 1] - 0.2
    rows = "".join(f"{a:.6f},{b:.6f},{w:.6f},{c:.6f}\n" for (a, b), w, c in zip(x, weight, change))
    (tmp_path / "d.csv").write_text("a,b,weight,change\n" + rows)
    (tmp_path / "c.yaml").write_text("""
data: {path: d.csv, inputs: [a, b], targets: [weight, change]}
split: {method: block, train: 0.75, val: 0.0, test: 0.25}
models: {bp: {type: feedforward, hidden: [3]}, bp2: {type: feedforward, hidden: [2]}}
train: {epochs: 30, show: 0}
""")
    return tmp_path


def test_several_targets_end_to_end(two_targets, capsys):
    out = two_targets / "o"
    assert main([str(two_targets / "c.yaml"), "--out", str(out), "--quiet"]) == 0
    captured = capsys.readouterr()
    m = json.loads((out / "metrics.json").read_text())
    test = m["models"]["bp"]["test"]
    assert set(test["targets"]) == {"weight", "change"} and "rmse" not in test
    assert test["targets"]["change"]["mape"] is None and test["mape"] is None
    assert test["targets"]["weight"]["mape"] is not None
    assert m["mape_omitted"] == {"change": m["mape_omitted"]["change"]}
    assert "crosses zero" in m["mape_omitted"]["change"]
    assert set(m["baselines"]["ols"]["test"]["targets"]) == {"weight", "change"}
    # the RMSE of each target is in its own units, from the predictions
    with open(out / "predictions.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["split"] == "test"]
    for t in ("weight", "change"):
        e = [float(r[f"bp_{t}"]) - float(r[t]) for r in rows]
        assert test["targets"][t]["rmse"] == pytest.approx(np.sqrt(np.mean(np.square(e))))
        assert all(r[f"ols_{t}"] and r[f"train_mean_{t}"] for r in rows)
    # the summary: one row per model and target, and the reason MAPE is missing
    lines = captured.out.splitlines()
    assert lines[2].split()[:2] == ["model", "target"]
    assert sum(line.startswith("bp ") for line in lines) == 2
    assert any(line.startswith("note: no MAPE or max |rel err| for change: it crosses zero")
               for line in lines)
    # zero targets: one warning for the run (two models, scored on every part), naming both
    warned = [line for line in captured.err.splitlines() if "zero target" in line]
    assert warned == ["warning: weight: 1 zero target(s) in the train part and 1 zero "
                      "target(s) in the test part: they have no relative error and are left "
                      "out of MAPE and max |rel err| (of every model and baseline)"]
    assert {"regression_bp.png", "fit.png"} <= {p.name for p in out.iterdir()}

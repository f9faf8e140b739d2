"""runs: N trains from seeds seed, seed + 1, ...; the same numbers in one process or several."""
import json

import numpy as np

from bpnet.cli import main


def run(root, out, jobs, plots=True):
    return main([str(root / "configs/passengers.yaml"), "--out", str(out), "--quiet",
                 "--jobs", str(jobs), "--set", "runs=3", "--set", "train.epochs=40",
                 *([] if plots else ["--no-plots"])])


def test_runs_same_in_one_process_or_two(root, tmp_path):
    assert run(root, tmp_path / "one", 1, plots=False) == 0
    assert run(root, tmp_path / "two", 2, plots=False) == 0
    a = json.loads((tmp_path / "one/metrics.json").read_text())["models"]
    b = json.loads((tmp_path / "two/metrics.json").read_text())["models"]
    for name in ("bp", "elman"):
        assert [r["seed"] for r in a[name]["runs"]] == [0, 1, 2]
        for ra, rb in zip(a[name]["runs"], b[name]["runs"]):
            assert ra["train"] == rb["train"] and ra["test"] == rb["test"]
        assert a[name]["over_runs"]["test"] == b[name]["over_runs"]["test"]
    assert (tmp_path / "one/predictions.csv").read_bytes() == \
        (tmp_path / "two/predictions.csv").read_bytes()


def test_kept_run_is_the_best_and_summaries_are_right(root, tmp_path):
    assert run(root, tmp_path, 2) == 0
    m = json.loads((tmp_path / "metrics.json").read_text())["models"]["bp"]
    train_mse = [r["train"]["mse"] for r in m["runs"]]
    assert m["seed"] == m["runs"][int(np.argmin(train_mse))]["seed"]
    assert m["train"]["mse"] == min(train_mse)
    test_rmse = [r["test"]["rmse"] for r in m["runs"]]
    assert m["over_runs"]["test"]["rmse"] == {"median": float(np.median(test_rmse)),
                                              "min": min(test_rmse), "max": max(test_rmse)}
    # the kept network is saved: its predictions are the kept run's
    with np.load(tmp_path / "model_bp.npz") as z:
        assert json.loads(str(z["meta"]))["type"] == "feedforward"
    for name in ("trainstate_bp.png", "regression_bp.png", "errhist_bp.png", "errors.png"):
        assert (tmp_path / name).stat().st_size > 0


def test_single_run_matches_the_first_of_several(root, tmp_path):
    """Run 0 of several is the same run as a single run with the same seed."""
    assert run(root, tmp_path / "many", 2, plots=False) == 0
    assert main([str(root / "configs/passengers.yaml"), "--out", str(tmp_path / "single"),
                 "--quiet", "--no-plots", "--set", "train.epochs=40"]) == 0
    many = json.loads((tmp_path / "many/metrics.json").read_text())["models"]["bp"]["runs"][0]
    single = json.loads((tmp_path / "single/metrics.json").read_text())["models"]["bp"]
    assert many["train"] == single["train"] and many["test"] == single["test"]

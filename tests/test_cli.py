"""End to end: the CLI on the real config, reading back what it wrote."""
import csv
import json

import numpy as np
import pytest

from bpnet.cli import main
from bpnet.report import modelfile


def run(root, out, *extra):
    return main([str(root / "configs/passengers.yaml"), "--out", str(out), "--quiet", *extra])


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    from helpers import ROOT
    out = tmp_path_factory.mktemp("run1")
    assert run(ROOT, out, "--set", "train.epochs=150") == 0
    return out


def read_csv(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_writes_every_result_file(first_run):
    names = {p.name for p in first_run.iterdir()}
    for model in ("bp",):
        assert {f"history_{model}.csv", f"model_{model}.npz", f"errors_{model}.png"} <= names
    assert {"metrics.json", "predictions.csv", "config.yaml", "fit.png"} <= names
    assert not [n for n in names if n.endswith(".tmp")]
    m = json.loads((first_run / "metrics.json").read_text())
    bp = m["models"]["bp"]
    assert bp["epochs"] == 150 and bp["stop_reason"] == "Maximum epoch reached."
    assert set(bp) >= {"train", "test", "best_epoch", "train_seconds", "seconds_per_epoch"}
    assert bp["train"]["n"] == 101 and bp["test"]["n"] == 42
    assert m["seed"] == 0 and "numpy" in m["versions"]
    rows = read_csv(first_run / "predictions.csv")
    assert len(rows) == 143 and rows[0]["month"] == "1949-02"
    assert {r["split"] for r in rows} == {"train", "test"}
    r = rows[-1]
    rel = (float(r["bp"]) - float(r["target"])) / float(r["target"])
    assert float(r["bp_relerr"]) == pytest.approx(rel, rel=1e-12)
    # MAPE in metrics.json is the mean of the test rows' relative errors
    test_rel = [abs(float(r["bp_relerr"])) for r in rows if r["split"] == "test"]
    assert bp["test"]["mape"] == pytest.approx(100 * np.mean(test_rel), rel=1e-12)
    hist = read_csv(first_run / "history_bp.csv")
    assert len(hist) == 151 and list(hist[0]) == ["epoch", "perf", "vperf", "tperf", "lr",
                                                   "gradient", "val_fail"]


def test_same_seed_same_numbers(first_run, tmp_path, root):
    assert run(root, tmp_path, "--set", "train.epochs=150") == 0
    assert (tmp_path / "predictions.csv").read_bytes() == \
        (first_run / "predictions.csv").read_bytes()
    a = json.loads((first_run / "metrics.json").read_text())["models"]["bp"]
    b = json.loads((tmp_path / "metrics.json").read_text())["models"]["bp"]
    for part in ("train", "test"):
        assert a[part] == b[part]


def test_saved_model_reproduces_predictions(first_run, root):
    from bpnet import data
    from bpnet.config import load_config
    net, xs, ys, meta = modelfile.load(first_run / "model_bp.npz")
    assert meta.type == "feedforward" and meta.features == ["passengers[t-1]", "month"]
    cfg = load_config(first_run / "config.yaml")
    ds = data.load(cfg, np.random.default_rng(cfg.seed))
    pred = ys.inverse_transform(net.predict(xs.transform(ds.X)))
    rows = read_csv(first_run / "predictions.csv")
    assert [float(r["bp"]) for r in rows] == pred[:, 0].tolist()


def test_init_from_saved_model(first_run, tmp_path, root):
    """epochs 0 from a saved model writes back the same weights; training continues from it."""
    saved = first_run / "model_bp.npz"
    assert run(root, tmp_path, "--set", f"models.bp.init={saved}", "--set", "train.epochs=0") == 0
    with np.load(saved) as a, np.load(tmp_path / "model_bp.npz") as b:
        for k in ("W1", "b1", "W2", "b2", "W3", "b3"):
            np.testing.assert_array_equal(a[k], b[k])
    again = [r["bp"] for r in read_csv(tmp_path / "predictions.csv")]
    assert again == [r["bp"] for r in read_csv(first_run / "predictions.csv")]


def test_resolved_config_reruns(first_run, tmp_path):
    """The config.yaml written beside the results reruns the same experiment."""
    assert main([str(first_run / "config.yaml"), "--out", str(tmp_path / "o"), "--quiet"]) == 0
    assert (tmp_path / "o/predictions.csv").read_bytes() == \
        (first_run / "predictions.csv").read_bytes()


def test_user_mistake_is_one_line_exit_2(tmp_path, root, capsys):
    out = tmp_path / "out"
    code = run(root, out, "--set", "train.lr_incr=2")
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "did you mean train.lr_inc?" in err
    assert not out.exists()


def test_output_piped_into_a_reader_that_stops_early_is_no_traceback(tmp_path, root):
    # `run.py ... | head -1`: the reader closes the pipe after the first line
    import os
    import subprocess
    import sys
    env = {**os.environ, "PYTHONPATH": str(root)}
    cmd = [sys.executable, str(root / "run.py"), str(root / "configs/passengers.yaml"),
           "--out", str(tmp_path / "out"), "--no-plots",
           "--set", "train.epochs=200", "--set", "train.show=1"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert p.stdout.readline().startswith(b"data:")
    p.stdout.close()
    err = p.stderr.read().decode()
    p.wait(timeout=120)
    assert p.returncode == 1
    assert "Traceback" not in err and "BrokenPipeError" not in err, err


# every command's positional arguments, then each option that takes a number
COMMANDS = {"run": ["c.yaml"], "sweep": ["sweep", "c.yaml"],
            "predict": ["predict", "m.npz", "d.csv"],
            "forecast": ["forecast", "m.npz", "d.csv", "--steps", "3"],
            "export": ["export", "m.npz"], "tune": ["tune", "c.yaml"]}


def _typed_options() -> list[tuple[str, str]]:
    """(command, option) of every option whose value argparse converts to a number."""
    from bpnet import cli, sweepcli, tunecli
    from bpnet.arguments import count, whole_number
    parsers = {"run": cli._parser(), "sweep": sweepcli.parser(), "tune": tunecli.parser(),
               "predict": cli._use_parser("predict"), "forecast": cli._use_parser("forecast"),
               "export": cli._export_parser()}
    return [(command, action.option_strings[0]) for command, p in parsers.items()
            for action in p._actions if action.type in (count, whole_number)]


def test_every_number_option_is_found():
    assert {("forecast", "--steps"), ("run", "--view-port"), ("sweep", "--view-port"),
            ("run", "--jobs"), ("sweep", "--jobs"), ("sweep", "--runs"), ("tune", "--trials"),
            ("tune", "--jobs")} <= \
        set(_typed_options())


@pytest.mark.parametrize("command, option", _typed_options())
@pytest.mark.parametrize("value", ["1e9", "abc", "2.5"])
def test_a_value_that_is_not_a_number_is_one_error_line(command, option, value, capsys):
    code = main([*COMMANDS[command], option, value])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"error: {option}: must be a whole number, got {value!r}\n"


@pytest.mark.parametrize("argv, option", [
    (["c.yaml", "--jobs"], "--jobs"), (["sweep", "c.yaml", "--jobs"], "--jobs"),
    (["sweep", "c.yaml", "--runs"], "--runs"), (["tune", "c.yaml", "--jobs"], "--jobs"),
    (["tune", "c.yaml", "--trials"], "--trials")])
@pytest.mark.parametrize("value", ["0", "-1"])
def test_a_count_below_one_is_one_error_line(argv, option, value, capsys):
    assert main([*argv, value]) == 2
    assert capsys.readouterr().err == f"error: {option}: must be >= 1, got {value}\n"


@pytest.mark.parametrize("argv, message", [
    (["forecast", "m.npz", "d.csv"], "the following arguments are required: --steps"),
    (["tune", "c.yaml", "--bogus"], "unrecognized arguments: --bogus"),
    (["tune", "c.yaml", "--dask", " "], "--dask: give a scheduler address (tcp://host:8786) "
     "or 'local'"),
    (["sweep", "c.yaml", "--dask", ""], "--dask: give a scheduler address (tcp://host:8786) "
     "or 'local'"),
    (["c.yaml", "--jobs"], "--jobs: expected one argument"),
    (["c.yaml", "--no-such-option"], "unrecognized arguments: --no-such-option"),
    (["sweep"], "the following arguments are required: config"),
])
def test_other_command_line_mistakes_are_one_error_line(argv, message, capsys):
    assert main(argv) == 2
    assert capsys.readouterr().err == f"error: {message}\n"

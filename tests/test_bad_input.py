"""Every user mistake ends before training with exit status 2 and one line naming the file and
the key, line or column; the output folder is left exactly as it was."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from bpnet.cli import main
from bpnet.storage import outdir

GOOD_CSV = "month,passengers\n" + "\n".join(f"19{50 + i // 12}-{i % 12 + 1:02d},{100 + i}"
                                            for i in range(40)) + "\n"


def config(tmp_path, extra="", data=GOOD_CSV, model="{type: feedforward, hidden: [3, 3]}"):
    (tmp_path / "d.csv").write_text(data)
    # an extra train block replaces the default one (a key written twice is an error)
    train = "" if extra.lstrip().startswith("train:") else "train: {epochs: 5, show: 0}"
    text = f"""
data: {{path: d.csv, series: passengers, time: month, lags: [1], month: true}}
split: {{method: block, train: 0.7, val: 0.0, test: 0.3}}
models:
  bp: {model}
{train}
{extra}
"""
    path = tmp_path / "c.yaml"
    path.write_text(text)
    return path


def snapshot(folder: Path):
    if not folder.exists():
        return None
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}


def fails(capsys, args, out: Path, fragment: str):
    before = snapshot(out)
    code = main([*map(str, args), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert fragment in lines[0], lines[0]
    assert "Traceback" not in err
    assert snapshot(out) == before
    return lines[0]


@pytest.fixture
def out(tmp_path):
    """An output folder holding the results of an earlier run, which must survive."""
    return earlier_run(tmp_path / "out")


def earlier_run(folder: Path) -> Path:
    """``folder`` holding an earlier run: its metrics.json, listed in its manifest."""
    folder.mkdir()
    (folder / "metrics.json").write_text('{"earlier": true}')
    (folder / "manifest.json").write_text(json.dumps(
        {"files": {"metrics.json": outdir.sha256(folder / "metrics.json")}}))
    return folder


@pytest.mark.parametrize("extra, fragment", [
    ("train: {lr_incr: 1.1}", "train.lr_incr: unknown key; did you mean train.lr_inc?"),
    ("sead: 3", "sead: unknown key; did you mean seed?"),
    ("train: {epochs: many}", "train.epochs: expected a whole number, got 'many'"),
    ("train: {lr: 0}", "train.lr: must be > 0, got 0"),
    ("train: {mc: 1}", "train.mc: must be in [0, 1), got 1"),
    ("train: {lr_dec: 1}", "train.lr_dec: must be in (0, 1), got 1"),
    ("train: {lr_inc: 0.5}", "train.lr_inc: must be >= 1, got 0.5"),
    ("train: {epochs: -5}", "train.epochs: must be >= 0, got -5"),
    ("train: {algorithm: trainoss}", "train.algorithm: 'trainoss' is not one of"),
    ("train: {algorithm: trainbr, regularization: 0.1}",
     "train.regularization: trainbr chooses its own regularisation"),
    ("train: {regularization: 1.5}", "train.regularization: must be in [0, 1], got 1.5"),
    ("train: {max_fail: -1}", "train.max_fail: must be >= 0 (0: no validation stop), got -1"),
    ("train: {algorithm: trainscg, lambda: -1}", "train.lambda: must be >= 0, got -1"),
    ("scaling: zscore", "scaling: 'zscore' is not one of"),
    ("seed: !!python/object/apply:os.system [echo hi]", "tag 'tag:yaml.org,2002:python/object"),
    ("seed: !!binary aGVsbG8=", "tag 'tag:yaml.org,2002:binary' is not allowed"),
    ("seed: !mine 3", "tag '!mine' is not allowed"),
])
def test_config_mistakes(tmp_path, capsys, out, extra, fragment):
    path = config(tmp_path, extra)
    line = fails(capsys, [path], out, fragment)
    assert str(path) in line


@pytest.mark.parametrize("override, fragment", [
    ("split.test=-0.1", "split.test: must be in [0, 1), got -0.1"),
    ("split.train=0.5", "split: train + val + test must be 1, got 0.8"),
    ("split.method=chunks", "split.method: 'chunks' is not one of block, random, interleaved"),
    ("models.bp.hidden=[0,2]", "models.bp.hidden: sizes must be >= 1"),
    ("models.bp.transfer=[tansig,relu,purelin]", "models.bp.transfer: each must be one of"),
    ("data.lags=[1,-2]", "data.lags: must be a non-empty list of distinct positive integers"),
    ("data.lags=[1.5]", "data.lags[0]: expected a whole number, got 1.5"),
    ("data.series=pax", "no column 'pax' (named by data.series); the columns are month, pass"),
])
def test_override_mistakes(tmp_path, capsys, out, override, fragment):
    fails(capsys, [config(tmp_path), "--set", override], out, fragment)


def test_config_file_missing_and_syntax(tmp_path, capsys, out):
    fails(capsys, [tmp_path / "nope.yaml"], out, "nope.yaml: config file not found")
    (tmp_path / "bad.yaml").write_text("data: {path: d.csv\nmodels:\n  - [\n")
    fails(capsys, [tmp_path / "bad.yaml"], out, "YAML syntax error at line")


@pytest.mark.parametrize("data, fragment", [
    (GOOD_CSV.replace(",103\n", ",abc\n"), "d.csv: line 5, column passengers: 'abc' is not a"),
    (GOOD_CSV.replace(",103\n", ",\n"), "d.csv: line 5, column passengers: empty cell"),
    # NaN is a missing value (MATLAB writes one as NaN): data.missing says what to do with it
    (GOOD_CSV.replace(",103\n", ",nan\n"), "line 5, column passengers: 'nan' (a missing value)"),
    (GOOD_CSV.replace(",103\n", ",inf\n"), "line 5, column passengers: 'inf' is not a finite"),
    (GOOD_CSV.replace("1950-04", "April"), "line 5, column month: 'April' is not a YYYY-MM"),
    ("month,passengers\n1950-01,1\n1950-02,2\n", "rows are needed"),
    (GOOD_CSV.replace(",103\n", ",103,7\n"), "d.csv: line 5 has 3 cells, the header has 2"),
    ("", "the file is empty"),
    (GOOD_CSV.replace(",103\n", ",1e308\n").replace(",104\n", ",-1e308\n"),
     "column(s) passengers[t-1]: values too large to scale with mapstd"),
])
def test_data_mistakes(tmp_path, capsys, out, data, fragment):
    fails(capsys, [config(tmp_path, data=data)], out, fragment)


def test_too_few_rows_says_how_many(tmp_path, capsys, out):
    short = "month,passengers\n1950-01,1\n1950-02,2\n"
    line = fails(capsys, [config(tmp_path, data=short)], out, "rows are needed")
    assert "at least 3 rows" in line   # lag 1 loses one row; 2 samples give 2 for training


def test_data_file_missing_or_unreadable(tmp_path, capsys, out):
    path = config(tmp_path)
    (tmp_path / "d.csv").unlink()
    # the key, the path as written and the path it resolved to
    fails(capsys, [path], out, "c.yaml: data.path: data file not found: 'd.csv', resolved "
          f"against the config file's folder to {(tmp_path / 'd.csv').resolve()}")
    (tmp_path / "d.csv").mkdir()
    fails(capsys, [path], out, "d.csv: is a folder, not a data file")


def saved_model(tmp_path, **arrays):
    path = tmp_path / "init.npz"
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize("arrays, fragment", [
    ({"W1": np.zeros((3, 2))}, "the model file has no b1, W2, b2, W3, b3"),
    ({"W1": np.zeros((4, 2)), "b1": np.zeros(3), "W2": np.zeros((3, 3)), "b2": np.zeros(3),
      "W3": np.zeros((1, 3)), "b3": np.zeros(1)}, "W1 has shape (4, 2), this network needs (3, 2)"),
    ({"W1": np.array([[None, 1]] * 3, dtype=object), "b1": np.zeros(3), "W2": np.zeros((3, 3)),
      "b2": np.zeros(3), "W3": np.zeros((1, 3)), "b3": np.zeros(1)}, "cannot read the model file"),
])
def test_model_file_mistakes(tmp_path, capsys, out, arrays, fragment):
    init = saved_model(tmp_path, **arrays)
    fails(capsys, [config(tmp_path), "--set", f"models.bp.init={init}"], out, fragment)


def test_model_file_missing_or_garbage(tmp_path, capsys, out):
    fails(capsys, [config(tmp_path), "--set", f"models.bp.init={tmp_path / 'x.npz'}"], out,
          f"--set models.bp.init: model file not found: '{tmp_path / 'x.npz'}'")
    (tmp_path / "g.npz").write_text("not a zip")
    fails(capsys, [config(tmp_path), "--set", f"models.bp.init={tmp_path / 'g.npz'}"], out,
          "g.npz: cannot read the model file")
    (tmp_path / "e.npz").write_bytes(b"")                           # empty
    (tmp_path / "z.npz").write_bytes(b"PK\x03\x04" + b"\0" * 40)    # a broken zip
    for name in ("e.npz", "z.npz"):
        fails(capsys, [config(tmp_path), "--set", f"models.bp.init={tmp_path / name}"], out,
              f"{name}: cannot read the model file")


def test_output_folder_cannot_be_created(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    fails(capsys, [config(tmp_path)], tmp_path / "file" / "out", "is not a folder")


def test_missing_output_folder_is_not_created_on_a_mistake(tmp_path, capsys):
    fails(capsys, [config(tmp_path, "train: {lr: -1}")], tmp_path / "new", "train.lr")
    assert not (tmp_path / "new").exists()


# ------------------------------------------------------------------ warnings, not errors

def test_constant_input_column_is_a_warning(tmp_path, capsys):
    rows = "\n".join(f"{i},{5},{i * 2.0 + 1}" for i in range(20))
    (tmp_path / "t.csv").write_text("a,c,y\n" + rows + "\n")
    (tmp_path / "c.yaml").write_text("""
data: {path: t.csv, inputs: [a, c], targets: [y]}
split: {train: 0.7, val: 0.0, test: 0.3}
models: {bp: {type: feedforward, hidden: [3, 3]}}
train: {epochs: 5, show: 0}
""")
    assert main([str(tmp_path / "c.yaml"), "--out", str(tmp_path / "o"), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "warning: mapstd: constant column(s) c in the training part" in err


def test_zero_target_is_a_warning_and_counted(tmp_path, capsys):
    data = GOOD_CSV.replace(",139\n", ",0\n")   # the last month, in the test part
    assert main([str(config(tmp_path, data=data)), "--out", str(tmp_path / "o"), "--quiet"]) == 0
    assert "1 zero target(s) in the test part" in capsys.readouterr().err
    m = json.loads((tmp_path / "o/metrics.json").read_text())["models"]["bp"]["test"]
    assert m["n_zero_targets"] == 1 and m["mape"] is not None
    last = (tmp_path / "o/predictions.csv").read_text().splitlines()[-1].split(",")
    assert last[2] == "0.0" and last[4] == ""     # no relative error for a zero target


# ------------------------------------------------------------------ divergence, interruption

def test_divergence_stops_keeps_the_best_and_writes(tmp_path, capsys):
    path = config(tmp_path, "train: {algorithm: traingd, lr: 1.0e+6, epochs: 50, show: 0}")
    assert main([str(path), "--out", str(tmp_path / "o"), "--quiet"]) == 0
    m = json.loads((tmp_path / "o/metrics.json").read_text())["models"]["bp"]
    assert m["stop_reason"] == "Performance is not finite."
    assert m["best_epoch"] < m["epochs"] and m["train"]["rmse"] is not None
    assert "Performance is not finite." in capsys.readouterr().out


def start(root, out, *extra):
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.Popen(
        [sys.executable, str(root / "run.py"), str(root / "configs/passengers.yaml"), "--out",
         str(out), "--quiet", "--set", "train.epochs=100000000", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=root)


def wait_for_training(proc):
    """Until the data line is printed, that is, training has started."""
    assert proc.stdout.readline().startswith("data:")
    time.sleep(1.0)


@pytest.mark.parametrize("sig, extra", [(signal.SIGINT, ()), (signal.SIGTERM, ()),
                                        (signal.SIGINT, ("--set", "runs=2"))])
def test_interrupt_stops_like_user_stop_and_writes(root, tmp_path, sig, extra):
    """The model being trained ends with "User stop." and is written; the next one (elman) is
    not trained and gets no files; exit status 130."""
    proc = start(root, tmp_path / "o", *extra)
    wait_for_training(proc)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "stopping training" in err and "Traceback" not in err
    metrics = json.loads((tmp_path / "o/metrics.json").read_text())
    m = metrics["models"]
    assert {v["stop_reason"] for v in m.values()} == {"User stop."}
    assert m["bp"]["epochs"] > 0 and "elman" not in m
    assert metrics["not_trained"] == {"elman": "not trained (User stop.)"}
    assert not list((tmp_path / "o").glob("*elman*"))
    assert "not trained (User stop.)" in out


def test_second_interrupt_aborts_and_leaves_files_whole(root, tmp_path):
    folder = earlier_run(tmp_path / "o")
    proc = start(root, folder)
    wait_for_training(proc)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.2)   # two signals at the same instant arrive as one
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "aborted" in err and "Traceback" not in err
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    text = (folder / "metrics.json").read_text()
    assert text == '{"earlier": true}' or json.loads(text)["models"]   # old, or whole


def test_package_loads_only_safely(root):
    """Only yaml.safe_load (and the safe composer) and np.load(..., allow_pickle=False)."""
    for path in (root / "bpnet").glob("*.py"):
        text = path.read_text()
        assert "import pickle" not in text and "yaml.load(" not in text
        assert "unsafe_load" not in text and "full_load" not in text
        for i in range(text.count("np.load(")):
            call = text.split("np.load(")[i + 1].split(")")[0]
            assert "allow_pickle=False" in call, path

"""Hostile and careless input, in the CLI's own process: each case ends with one ``error:``
line and exit status 2, and every file under the test's folder (inputs and an earlier run) is
byte-identical afterwards; or, where the case has a right answer, gives it."""
import json
import os
import shutil
import subprocess
import sys
import time
import warnings
import zipfile

import numpy as np
import pytest
import yaml
from iohelpers import SERIES, one_error_line, snapshot, tiny_config

import bpnet
from bpnet.cli import main
from bpnet.config import load_config
from bpnet.errors import InputError
from bpnet.report import plots


def fails(capsys, tmp_path, args, fragment) -> str:
    """``run.py ARGS`` exits 2 with one error line holding ``fragment``; nothing changed."""
    before = snapshot(tmp_path)
    code = main([str(a) for a in args])
    err = capsys.readouterr().err
    assert code == 2, err
    line = one_error_line(err, fragment)
    assert snapshot(tmp_path) == before
    return line


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A config beside its data, and the complete results of a run of it in out/."""
    folder = tmp_path_factory.mktemp("template")
    config = tiny_config(folder)
    assert main([str(config), "--out", str(folder / "out"), "--quiet"]) == 0
    return folder


@pytest.fixture
def earlier(tmp_path, template, capsys):
    """A copy of the template in tmp_path: its config, data and out/; returns the config."""
    shutil.copytree(template, tmp_path, dirs_exist_ok=True)
    capsys.readouterr()
    return tmp_path / "c.yaml"


# ------------------------------------------------------------ 1. outputs never overwrite inputs

@pytest.mark.parametrize("data_name, fragment", [
    ("predictions.csv", "the run's predictions.csv would overwrite the data file (data.path)"),
    ("history_bp.csv", "the run's history_bp.csv would overwrite the data file (data.path)"),
    ("metrics.json", "the run's metrics.json would overwrite the data file"),
])
def test_a_run_never_writes_over_its_data(tmp_path, capsys, data_name, fragment):
    config = tiny_config(tmp_path, extra="output: {dir: .}")
    (tmp_path / "d.csv").rename(tmp_path / data_name)
    # a path typed with --set resolves against the current folder: given whole
    fails(capsys, tmp_path, [config, "--quiet", "--set", f"data.path={tmp_path / data_name}"],
          fragment)


def test_a_run_never_writes_over_its_config_init_or_test_file(tmp_path, capsys, earlier):
    config = tmp_path / "config.yaml"
    config.write_text("# my own comments\n" + earlier.read_text())
    fails(capsys, tmp_path, [config, "--out", tmp_path, "--quiet"],
          "the run's config.yaml would overwrite the config file")
    init = tmp_path / "out/model_bp.npz"
    fails(capsys, tmp_path, [earlier, "--out", tmp_path / "out", "--quiet", "--set",
                             f"models.bp.init={init}"],
          "the run's model_bp.npz would overwrite the model file of models.bp.init")
    rows = "a,y\n" + "".join(f"{i},{2 * i + 1}\n" for i in range(12))
    (tmp_path / "t.csv").write_text(rows)
    (tmp_path / "fit.png").write_text(rows)
    tab = tmp_path / "tab.yaml"
    tab.write_text("data: {path: t.csv, inputs: [a], targets: [y], test_path: fit.png}\n"
                   "split: {train: 0.8, val: 0.0, test: 0.2}\nmodels: {bp: {type: feedforward}}\n")
    fails(capsys, tmp_path, [tab, "--out", tmp_path, "--quiet"],
          "the run's fit.png would overwrite the test file (data.test_path)")


def test_links_are_followed(tmp_path, capsys, earlier):
    (tmp_path / "linked").mkdir()
    os.symlink(tmp_path / "d.csv", tmp_path / "linked/predictions.csv")
    fails(capsys, tmp_path, [earlier, "--out", tmp_path / "linked", "--quiet"],
          "would overwrite the data file (data.path)")
    os.symlink(tmp_path, tmp_path / "here")   # the output folder is the data's folder
    (tmp_path / "d.csv").rename(tmp_path / "fit.png")
    fails(capsys, tmp_path, [earlier, "--out", tmp_path / "here", "--quiet", "--set",
                             f"data.path={tmp_path / 'fit.png'}"],
          "the run's fit.png would overwrite")
    (tmp_path / "out/errors_bp.png").unlink()
    os.link(tmp_path / "fit.png", tmp_path / "out/errors_bp.png")   # a hard link
    fails(capsys, tmp_path, [earlier, "--out", tmp_path / "out", "--quiet", "--set",
                             f"data.path={tmp_path / 'fit.png'}"],
          "the run's errors_bp.png would overwrite")


def test_predict_and_forecast_never_write_over_their_inputs(tmp_path, capsys, earlier):
    model = tmp_path / "m.npz"
    model.write_bytes((tmp_path / "out/model_bp.npz").read_bytes())
    data = tmp_path / "d.csv"
    fails(capsys, tmp_path, ["predict", model, data, "--out", data],
          "--out would overwrite the data file")
    fails(capsys, tmp_path, ["predict", model, data, "--out", model],
          "--out would overwrite the model file")
    fails(capsys, tmp_path, ["forecast", model, data, "--steps", "3", "--out",
                             tmp_path / "f.png"],
          "--out (the forecast's CSV) and its picture (--out with .png) would be the same file")
    (tmp_path / "series.png").write_text(SERIES)
    fails(capsys, tmp_path, ["forecast", model, tmp_path / "series.png", "--steps", "3", "--out",
                             tmp_path / "series.csv"],
          "its picture (--out with .png) would overwrite the data file")
    fails(capsys, tmp_path, ["predict", tmp_path / "out/model_bp.npz", data, "--out",
                             tmp_path / "out/predictions.csv"],
          "is a result file of the run in")


# ------------------------------------------------------------ 2. one run per folder

def test_files_of_models_this_run_does_not_have_are_removed(tmp_path, capsys):
    config = tiny_config(tmp_path, models="{bp: {type: feedforward, hidden: [3, 3]}, "
                                          "el: {type: elman, hidden: 2}}")
    out = tmp_path / "out"
    assert main([str(config), "--out", str(out), "--quiet"]) == 0
    assert (out / "model_el.npz").exists() and (out / "errors.png").exists()
    (out / "model_mine.npz").write_bytes(b"put here by the user: not in the manifest")
    (out / "notes.txt").write_text("mine")
    (out / ".metrics.json.ab12cd34.tmp").write_bytes(b"")   # left by a killed older version
    (out / ".bpnet-staging").mkdir()                        # left by a killed run
    (out / ".bpnet-staging/metrics.json").write_text("{}")
    capsys.readouterr()
    config.write_text(config.read_text().replace(", el: {type: elman, hidden: 2}", ""))
    assert main([str(config), "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "removed 7 files of the earlier run there that this run does not have: " \
           "errhist_el.png, errors.png, errors_el.png, history_el.csv, model_el.npz, " \
           "regression_el.png, trainstate_el.png" in printed
    names = {p.name for p in out.iterdir()}
    run_files = {"config.yaml", "metrics.json", "predictions.csv", "fit.png", "manifest.json",
                 "history_bp.csv", "model_bp.npz", "errors_bp.png", "trainstate_bp.png",
                 "regression_bp.png", "errhist_bp.png"}
    assert names == run_files | {"notes.txt", "model_mine.npz"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["models"] == ["bp"] and "model_el.npz" in manifest["removed"]
    # the earlier run's file changed since it was written: not bpnet's any more, kept
    (out / "model_bp.npz").rename(out / "model_el.npz")
    (out / "manifest.json").write_text(json.dumps(
        {**manifest, "files": {**manifest["files"], "model_el.npz": "0" * 64}}))
    assert main([str(config), "--out", str(out), "--quiet", "--no-plots"]) == 0
    captured = capsys.readouterr()
    assert "model_el.npz" not in captured.out   # not among the removed
    assert "kept 1 files there that this run does not write, as they have " \
           "changed since the earlier run wrote them: model_el.npz" in captured.err
    assert (out / "model_el.npz").exists() and (out / "model_mine.npz").exists()


def test_temporary_files_of_killed_writers_are_removed(tmp_path, capsys, earlier):
    """A temporary file's name carries its writer's PID: the next write of the same file
    removes one whose process is gone, never one of a living process."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    left = tmp_path / f".p.csv.{dead.pid}.ab12cd34.tmp"
    alive = tmp_path / f".p.csv.{os.getpid()}.ab12cd34.tmp"
    left.write_bytes(b"")
    alive.write_bytes(b"")
    assert main(["predict", str(tmp_path / "out/model_bp.npz"), str(tmp_path / "d.csv"),
                 "--out", str(tmp_path / "p.csv")]) == 0
    assert not left.exists() and alive.exists()


def test_an_input_in_the_folder_is_never_removed(tmp_path, capsys, earlier):
    out = tmp_path / "out"
    (out / "model_old.npz").write_bytes((out / "model_bp.npz").read_bytes())
    assert main([str(earlier), "--out", str(out), "--quiet", "--set",
                 f"models.bp.init={out / 'model_old.npz'}"]) == 0
    assert (out / "model_old.npz").exists()


def test_predict_refuses_a_model_that_does_not_match_its_manifest(tmp_path, capsys, earlier):
    out = tmp_path / "out"
    other = tmp_path / "other"
    assert main([str(earlier), "--out", str(other), "--quiet", "--set", "seed=7"]) == 0
    (out / "model_bp.npz").write_bytes((other / "model_bp.npz").read_bytes())   # a mix
    fails(capsys, tmp_path, ["predict", out / "model_bp.npz", tmp_path / "d.csv", "--out",
                             tmp_path / "p.csv"], "does not match its checksum in")


def test_a_commit_cut_short_is_completed_by_the_next_reader(tmp_path, capsys, earlier,
                                                            monkeypatch):
    """A kill between the moves of the commit leaves a journal (.bpnet-commit); predict (or
    the next run) completes it, and the folder then holds the new run."""
    from iohelpers import assert_one_complete_run

    from bpnet.storage import outdir
    out = tmp_path / "out"
    moves = []
    real = os.replace

    def cut(a, b):
        if ".bpnet-commit" in str(a):
            moves.append(a)
            if len(moves) == 4:
                raise KeyboardInterrupt   # as a kill would stop it, mid-way
        return real(a, b)
    monkeypatch.setattr(outdir.os, "replace", cut)
    monkeypatch.setattr(outdir.RunFolder, "close", lambda self: None)   # a kill runs no cleanup
    assert main([str(earlier), "--out", str(out), "--quiet", "--set", "seed=3"]) == 0
    monkeypatch.undo()
    assert (out / ".bpnet-commit").is_dir() and not (out / "manifest.json").exists()
    os.unlink(out / ".bpnet.lock")   # the killed process's lock: a dead PID would be taken over
    bpnet.load_model(out / "model_bp.npz")
    assert not (out / ".bpnet-commit").exists()
    assert assert_one_complete_run(out, tmp_path / "d.csv") == 3


def test_every_picture_is_drawn_before_any_file_moves(tmp_path, capsys, earlier, monkeypatch):
    before = snapshot(tmp_path / "out")

    def broken(*args, **kwargs):
        raise RuntimeError("a picture that cannot be drawn")
    monkeypatch.setattr(plots, "fit", broken)   # the last picture of a run
    with pytest.raises(RuntimeError):
        main([str(earlier), "--out", str(tmp_path / "out"), "--quiet", "--set", "seed=5"])
    assert snapshot(tmp_path / "out") == before


# ------------------------------------------------------------ 3. pictures of degenerate runs

def _history(perf, gradient=None, lr=None):
    n = len(perf)
    return {"epoch": np.arange(n), "perf": np.array(perf, float), "vperf": np.full(n, np.nan),
            "tperf": np.full(n, np.nan), "lr": np.full(n, 0.01 if lr is None else lr),
            "gradient": np.full(n, 1.0 if gradient is None else gradient),
            "val_fail": np.zeros(n, int)}


NAN3, HUGE3 = np.full((3, 1), np.nan), np.array([[1e308], [-1e308], [0.0]])


def regression(name: str, targets: dict, outputs: dict):
    """The regression picture of these targets and outputs, its panels made as a run makes
    them."""
    from bpnet.report.dense import regression_panels
    return plots.regression(name, regression_panels(targets, outputs))


def error_histogram(name: str, errors: dict):
    """The error histogram of these errors, binned as a run bins them."""
    from bpnet.report.dense import histogram
    return plots.error_histogram(name, *histogram(errors))
TINY3 = np.array([[1e-320], [0.0], [3e-320]])


@pytest.mark.parametrize("draw", [
    lambda: plots.performance("m", _history([0.0, 0.0]), 0, "traingdx", "x"),
    lambda: plots.performance("m", _history([np.nan]), 0, "traingdx", "x"),
    lambda: plots.performance("m", _history([1e308, np.inf, 0.0]), 2, "traingdx", "x"),
    lambda: plots.train_state("m", _history([np.nan], np.nan, np.nan), "trainrp"),
    lambda: plots.train_state("m", _history([1.0, 0.5], 0.0), "traingdx"),
    lambda: plots.compare({"a": _history([0.0, 0.0]), "b": _history([np.nan] * 2)},
                          {"a": "x", "b": "y"}),
    lambda: regression("m", {"train": np.zeros((4, 1)), "test": np.zeros((2, 1))},
                             {"train": np.zeros((4, 1)), "test": np.zeros((2, 1))}),
    lambda: regression("m", {"train": np.arange(3.0)[:, None]}, {"train": NAN3}),
    lambda: regression("m", {"train": TINY3}, {"train": TINY3[::-1]}),
    lambda: regression("m", {"train": HUGE3}, {"train": HUGE3[::-1]}),
    lambda: regression("m", {"train": np.zeros((0, 1))}, {"train": np.zeros((0, 1))}),
    lambda: error_histogram("m", {"train": NAN3, "test": np.zeros((2, 1))}),
    lambda: error_histogram("m", {"train": HUGE3}),
    lambda: error_histogram("m", {"train": TINY3}),
    lambda: error_histogram("m", {"train": np.zeros((0, 1))}),
    lambda: plots.fit(["a", "b", "c"], "t", np.zeros((3, 1)), ["y"], {"m": HUGE3},
                      ["train", "train", "test"]),
    lambda: plots.forecast(["a", "b"], np.ones((2, 1)), ["c", "d"], np.array([[np.nan], [1e308]]),
                           "y", "t", "m"),
    lambda: plots.forecast_test(["a", "b", "c", "d"], np.arange(4.0), np.array([2, 3]),
                                {"m": np.array([np.inf, 1e308])}, {"m": np.full(2, np.nan)}, 2,
                                ["c", "d"], "y", "t"),
])
def test_every_picture_survives_constant_empty_and_non_finite_parts(draw):
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # not even a warning
        assert plots.png_bytes(draw()).startswith(b"\x89PNG")


@pytest.mark.parametrize("values", [
    [100 + i if i < 28 else 0 for i in range(40)],     # the test part all zero
    [5] * 40,                                          # a constant series
])
def test_degenerate_series_run_to_the_end(tmp_path, capsys, values):
    data = "month,passengers\n" + "".join(f"19{50 + i // 12}-{i % 12 + 1:02d},{v}\n"
                                          for i, v in enumerate(values))
    config = tiny_config(tmp_path, data=data, extra="forecast: {horizon: test}",
                         models="{bp: {type: feedforward, hidden: [2, 2]}, "
                                "el: {type: elman, hidden: 2}}")
    assert main([str(config), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    assert len(list((tmp_path / "out").glob("*.png"))) == 11


# ------------------------------------------------------------ 5. one error line, exit 2

@pytest.mark.parametrize("override, fragment", [
    ("seed=-1", "seed: must be >= 0, got -1"),
    ('data.path="d\\0.csv"', "data.path: 'd\\x00.csv': a path cannot hold a NUL byte"),
    ('output.dir="o\\0"', "output.dir: 'o\\x00': a path cannot hold a NUL byte"),
    ('models.bp.init="m\\0.npz"', "models.bp.init: 'm\\x00.npz': a path cannot hold a NUL"),
    (f"data.path={'d' * 300}.csv", "data.path: the name 'dddddddddddddddddddddddddddddddddddddddd"
                                   "...' is 304 bytes long; file names can have at most 255"),
    (f"output.dir={'o' * 300}", "output.dir: the name"),
    ("output.dir=/proc/bpnet", "/proc/bpnet: is under /proc, the kernel's folder"),
    ("output.dir=/sys/kernel/bpnet", "is under /sys, the kernel's folder"),
    ("output.dir=/dev/bpnet", "is under /dev, the kernel's folder"),
    ("models.bp.hidden=[100000, 100000]", "models.bp.hidden: a feedforward network of sizes "
                                          "[2, 100000, 100000, 1] (10,000,500,001 weights) trained"
                                          " on 39 samples would need about"),
    ("runs=100000000", "runs: 100,000,000 runs of 1 model(s), kept until the best is chosen, "
                       "would need about"),
    ("forecast.horizon=1000000000000", "forecast.horizon: a forecast of 1,000,000,000,000 steps "
                                       "would need about 32.0 TB of memory"),
    ("models.bp.hidden=[]", "models.bp.hidden: an empty list; every network has at least one "
                            "hidden layer"),
    ("models.bp.transfer=[]", "models.bp.transfer: an empty list"),
    ("data.lags=[0]", "data.lags: must be a non-empty list of distinct positive integers"),
])
def test_one_error_line(tmp_path, capsys, earlier, override, fragment):
    out = [] if override.startswith("output.dir") else ["--out", tmp_path / "out"]
    fails(capsys, tmp_path, [earlier, *out, "--quiet", "--set", override], fragment)


def test_jobs_out_and_long_names(tmp_path, capsys, earlier):
    out = tmp_path / "out"
    fails(capsys, tmp_path, [earlier, "--out", out, "--jobs", "-1"], "--jobs: must be >= 1")
    fails(capsys, tmp_path, [earlier, "--out", out / ("x" * 300)], "is 300 bytes long")
    fails(capsys, tmp_path, [tmp_path / ("c" * 300 + ".yaml")], "is 305 bytes long")
    model, data = out / "model_bp.npz", tmp_path / "d.csv"
    fails(capsys, tmp_path, ["predict", model, data, "--out", tmp_path],
          f"--out {tmp_path}: is a folder; name the file to write, e.g. {tmp_path}/predictions.csv")
    fails(capsys, tmp_path, ["predict", model, data, "--out", "/proc/p.csv"], "is under /proc")
    fails(capsys, tmp_path, ["predict", model, data, "--out", "/dev/null"],
          "--out /dev/null: exists and is not a regular file")
    fails(capsys, tmp_path, ["predict", model, data, "--out", "/dev/p.csv"], "is under /dev")
    fails(capsys, tmp_path, ["forecast", model, data, "--steps", "1000000000", "--out",
                             tmp_path / "f.csv"],
          "a forecast of 1,000,000,000 steps would need about 200.0 GB of memory")


def test_deep_yaml_is_one_line(tmp_path, capsys, earlier):
    for name, text in (("deep.yaml", "seed: " + "[" * 3000 + "]" * 3000),
                       ("deep2.yaml", "a:\n" + "".join(" " * 2 * i + "k:\n" for i in range(1, 99))),
                       ("deep3.yaml", "seed: " + "{a: " * 200 + "1" + "}" * 200)):
        (tmp_path / name).write_text(text)
        fails(capsys, tmp_path, [tmp_path / name, "--out", tmp_path / "out"], "nested")


def _model_arrays(out):
    with np.load(out / "model_bp.npz", allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def _bad_models(out):
    """Model files broken in every way a reader must catch: name -> (bytes or arrays, error)."""
    good = _model_arrays(out)
    meta = json.loads(str(good["meta"]))

    def with_meta(**changes):
        m = {**meta, **changes}
        return {**good, "meta": np.array(json.dumps(m))}

    def with_data(**changes):
        return with_meta(data={**meta["data"], **changes})
    raw = (out / "model_bp.npz").read_bytes()
    cases = {
        "empty": (b"", "cannot read the model file: the file is empty, not an .npz model file"),
        "npy": (b"\x93NUMPY\x01\x00" + b" " * 100, "a single .npy array, not an .npz model file"),
        "truncated": (raw[: len(raw) // 2], "cannot read the model file: a damaged or truncated"),
        "csv": (SERIES.encode(), "not an .npz model file (it is text, starting "
                                 "'month,passengers'"),
        "png": ((out / "fit.png").read_bytes(), "not an .npz model file (it does not start like "
                                                "a zip archive)"),
        "nan": ({**good, "W2": good["W2"] * np.nan}, "W2 holds NaN or infinite values"),
        "inf": ({**good, "b1": good["b1"] + np.inf}, "b1 holds NaN or infinite values"),
        "bool": ({**good, "W1": good["W1"] > 0}, "W1 holds booleans (bool), not real numbers"),
        "complex": ({**good, "W1": good["W1"] + 0j}, "W1 holds complex numbers"),
        "datetime": ({**good, "b3": np.array(["2020-01-01"], "datetime64[D]")}, "b3 holds dates"),
        "text": ({**good, "b3": np.array(["1.0"])}, "b3 holds text"),
        "std0": ({**good, "y_std": np.zeros(1)}, "y_std holds values <= 0"),
        "std shape": ({**good, "x_std": np.ones(3)}, "x_std has shape (3,), its meta's sizes say"),
        "std nan": ({**good, "x_mean": np.full(2, np.nan)}, "x_mean holds NaN or infinite"),
        "lags [0]": (with_data(lags=[0]), "data.lags: must be a non-empty list of distinct "
                                          "positive integers, got [0]"),
        "lags text": (with_data(lags="1"), "data.lags: expected a whole number, got '1'"),
        "no lags": ({**good, "meta": np.array(json.dumps(
            {**meta, "data": {k: v for k, v in meta["data"].items() if k != "lags"}}))},
            "the recipe has no lags"),
        "series": (with_data(series=3), "data.series: expected text, got 3"),
        "difference": (with_data(transform={"difference": [-1]}), "data.transform.difference: "
                                                                  "must be positive integers"),
        "features": (with_meta(features=["a"]), "1 features for a network of 2"),
        "range": (with_meta(train_range={"min": [0], "max": [1]}), "train_range needs 2"),
        "sizes": (with_meta(sizes=[2, 4, 3, 1]), "W1 has shape (3, 2), its meta says (4, 2)"),
        "huge": (with_meta(sizes=[2, 10 ** 6, 10 ** 6, 1]), "its feedforward network of sizes "
                                                            "[2, 1000000, 1000000, 1]"),
        "type": (with_meta(type="rnn"), "type 'rnn' is not one of"),
        "meta json": ({**good, "meta": np.array("{not json")}, "not a valid model description"),
        "meta list": ({**good, "meta": np.array("[1, 2]")}, "a JSON list, not an object"),
    }
    return cases


def _write_case(path, content):
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        np.savez(path, **content)


def test_bad_model_files_one_reader(tmp_path, capsys, earlier):
    """Every broken model file is one error line, as a model for predict and as an init:
    both go through the one reader."""
    out = tmp_path / "out"
    for name, (content, fragment) in _bad_models(out).items():
        path = tmp_path / f"bad_{name.replace(' ', '_')}.npz"
        _write_case(path, content)
        fails(capsys, tmp_path, ["predict", path, tmp_path / "d.csv", "--out",
                                 tmp_path / "p.csv"], fragment)
        if not name.startswith(("std", "lags", "no lags", "series", "difference", "features",
                                "range", "sizes", "huge", "type", "meta")):
            fails(capsys, tmp_path, [earlier, "--out", out, "--quiet", "--set",
                                     f"models.bp.init={path}"], fragment)
        path.unlink()


def test_an_unused_huge_member_is_never_read(tmp_path, capsys, earlier):
    """A model file with a 256 MB member it does not need loads in milliseconds; a needed
    member whose header claims a huge shape is refused before it is read."""
    arrays = _model_arrays(tmp_path / "out")
    path = tmp_path / "big.npz"
    np.savez_compressed(path, **arrays, junk=np.zeros(1 << 25))
    start = time.perf_counter()
    bpnet.load_model(path)
    assert time.perf_counter() - start < 1.0
    lying = tmp_path / "lying.npz"
    np.savez(lying, **{**arrays, "W1": np.zeros((4, 2))})
    with zipfile.ZipFile(lying) as z:
        members = {i.filename: z.read(i) for i in z.infolist()}
    # the header of W1 claims 10^5 x 10^5 values; the member is as small as before
    members["W1.npy"] = members["W1.npy"].replace(b"(4, 2)", b"(100000, 100000)".ljust(6))
    with zipfile.ZipFile(lying, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    with pytest.raises(InputError, match=r"W1 has shape \(100000, 100000\), its meta says"):
        bpnet.load_model(lying)


# ------------------------------------------------------------ 6. hangs and memory

def test_billion_laughs_is_refused_at_once(tmp_path, capsys, earlier):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    (tmp_path / "laughs.yaml").write_text(earlier.read_text() + "\n".join(lines) + "\n"
                                          "seed: *a9\n")
    start = time.perf_counter()
    fails(capsys, tmp_path, [tmp_path / "laughs.yaml", "--out", tmp_path / "out"],
          "a0: unknown key")
    (tmp_path / "laughs.yaml").write_text(earlier.read_text() + "\n".join(lines).replace(
        "a", "x") + "\nruns: *x9\n")
    fails(capsys, tmp_path, [tmp_path / "laughs.yaml", "--out", tmp_path / "out"],
          "x0: unknown key")
    assert time.perf_counter() - start < 2.0


def test_billion_laughs_in_a_known_key(tmp_path):
    lines = ['x0: &x0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 9)}]" for i in range(1, 10)]
    from bpnet.config.yamlschema import parse_yaml
    start = time.perf_counter()
    raw = parse_yaml("\n".join(lines) + "\n", "laughs.yaml")
    from bpnet.config import build_config
    for key in ("seed", "runs", "data.lags", "models.bp.hidden", "data.inputs"):
        config = {"data": {"path": "d.csv", "series": "y"},
                  "models": {"bp": {"type": "feedforward"}}}
        *path, last = key.split(".")
        node = config
        for part in path:
            node = node[part]
        node[last] = raw["x9"]
        with pytest.raises(InputError, match=r"expected .*, got \[\[\[\[\.\.\.\]"):
            build_config(config, "laughs.yaml")
    assert time.perf_counter() - start < 2.0


def test_config_size_is_capped_and_read_once(tmp_path, capsys, earlier, monkeypatch):
    big = tmp_path / "big.yaml"
    big.write_text(earlier.read_text() + "# " + "x" * (2 << 20) + "\n")
    start = time.perf_counter()
    fails(capsys, tmp_path, [big, "--out", tmp_path / "out"],
          "the config file is larger than 1 MiB; a config is a page or two")
    assert time.perf_counter() - start < 1.0
    calls = []
    real = yaml.SafeLoader.get_single_node
    monkeypatch.setattr(yaml.SafeLoader, "get_single_node",
                        lambda self: calls.append(1) or real(self))
    monkeypatch.setattr(yaml, "safe_load", None)   # parsed by parse_yaml alone
    monkeypatch.setattr(yaml, "compose", None)
    load_config(earlier)
    assert len(calls) == 1


# ------------------------------------------------------------ 7. no silent wrong result

def test_duplicate_yaml_key_names_the_key_and_both_lines(tmp_path, capsys, earlier):
    text = earlier.read_text().replace("train: {epochs: 5, show: 0}",
                                       "train:\n  epochs: 5\n  lr: 0.1\n  show: 0\n  lr: 0.2")
    (tmp_path / "dup.yaml").write_text(text)
    fails(capsys, tmp_path, [tmp_path / "dup.yaml", "--out", tmp_path / "out"],
          "dup.yaml: line 8, column 3: key 'lr' appears twice in one mapping (lines 6 and 8)")
    (tmp_path / "dup.yaml").write_text(text.replace("lr: 0.2", "show: true"))
    fails(capsys, tmp_path, [tmp_path / "dup.yaml", "--out", tmp_path / "out"],
          "key 'show' appears twice in one mapping (lines 7 and 8)")


def test_duplicate_csv_column_is_an_error(tmp_path, capsys, earlier):
    (tmp_path / "d.csv").write_text(SERIES.replace("month,passengers", "month,passengers,month")
                                    .replace("\n", ",x\n").replace("month,x\n", "month\n", 1))
    fails(capsys, tmp_path, [earlier, "--out", tmp_path / "out"],
          "d.csv: line 1: column 'month' appears 2 times in the header; rename all but one")


def test_model_predict_refuses_3d_and_non_finite_input(tmp_path, earlier):
    model = bpnet.load_model(tmp_path / "out/model_bp.npz")
    with pytest.raises(InputError, match=r"expected inputs as a 2-D array .* got 3-D"):
        model.predict(np.ones((2, 3, 2)))
    with pytest.raises(InputError, match=r"1 row\(s\) hold NaN or infinite values"):
        model.predict([[1.0, 2.0], [np.nan, 3.0]])
    with pytest.raises(InputError, match="must be finite"):
        model.predict([[np.inf, 1.0]])
    assert model.predict([[112.0, 2.0]]).shape == (1, 1)

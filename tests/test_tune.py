"""Tunes (docs/tune.md): the successive halving on the sweep engine, its files, a winner that
never depends on the test part, the same time steps for every trial, the same tune on every
run and engine, resuming, a table's k folds, and the mistakes refused before any work."""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from iohelpers import SERIES, one_error_line, run, snapshot, tiny_config

from bpnet.cli import main
from bpnet.config.load import read_config_file
from bpnet.config.ranges import parse_integers
from bpnet.config.tunespec import parse_budget, parse_tune
from bpnet.config.yamlschema import parse_yaml
from bpnet.data import dataset as data_stage
from bpnet.errors import InputError
from bpnet.tune import rungs
from bpnet.tuneplan import TrialSource, final_config, fold_config, plan

SPACE = ("tune:\n  space:\n    data.lags: [1, 2, '1:3']\n"
         "    data.transform: [{}, {difference: [1]}]\n"
         "    models.bp.hidden: [[2], [3], [2, 2]]\n"
         "    train.algorithm: [trainlm, traingdx]\n"
         "    train.regularization: null\n    train.max_fail: [0, 6]\n"
         "  runs: 2\n")


def tune_config(folder: Path, data: str = SERIES, extra: str = SPACE) -> Path:
    return tiny_config(folder, extra=extra, data=data, epochs=6)


def tune(config: Path, out: Path, *args: str, plots: bool = False) -> tuple[int, str]:
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["tune", str(config), "--out", str(out), "--quiet", *args,
                     *([] if plots else ["--no-plots"])])
    return code, buf.getvalue()


def rows(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def best_config(folder: Path) -> dict:
    """best.yaml of a tune's folder, without the data's path (relative to the folder)."""
    best = yaml.safe_load((folder / "best.yaml").read_text())
    del best["data"]["path"]
    return best


def changed_test_part(scale: float = 10.0, shuffle: bool = False) -> str:
    """SERIES with every value of the test part (its last 11 months) changed."""
    lines = SERIES.splitlines()
    head, body = lines[0], [x.split(",") for x in lines[1:]]
    values = [float(v) for _, v in body[-11:]]
    values = list(np.random.default_rng(5).permutation(values)) if shuffle else \
        [v * scale for v in values]
    for row, v in zip(body[-11:], values):
        row[1] = repr(float(v))
    return "\n".join([head, *[",".join(r) for r in body]]) + "\n"


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    """A tune of 5 trials of the tiny series, with its output."""
    folder = tmp_path_factory.mktemp("tune")
    config = tune_config(folder / "c")
    code, out = tune(config, folder / "t", "--trials", "5", "--jobs", "2", plots=True)
    assert code == 0
    return folder, config, out


def test_tune_writes_its_files_and_best_yaml_reruns(first, tmp_path):
    folder, _, out = first
    t = folder / "t"
    for name in ("tune.yaml", "tune.csv", "best.yaml", "tune.png", "best/fit.png"):
        assert (t / name).is_file(), name
    entries = rows(t / "tune.csv")
    assert [r["rung"] for r in entries] == ["1"] * 5 + ["2"] * 2
    assert [r["runs"] for r in entries] == ["1"] * 5 + ["2"] * 2
    kept = [r["trial"] for r in entries if r["rung"] == "1" and r["kept"] == "yes"]
    ranked = sorted((r for r in entries if r["rung"] == "1"),
                    key=lambda r: (float(r["val_rmse_median"] or "inf"), int(r["trial"])))
    assert sorted(kept) == sorted(r["trial"] for r in ranked[:2])
    assert [bool(r["val_rmse_of_mean"]) for r in entries] == [False] * 5 + [True] * 2
    winner = min((r for r in entries if r["rung"] == "2"),
                 key=lambda r: float(r["val_rmse_of_mean"]))
    assert winner["kept"] == "yes"
    best = yaml.safe_load((t / "best.yaml").read_text())
    lags = parse_integers(parse_yaml(winner["data.lags"], "tune.csv"), "lags", "tune.csv")
    assert best["data"]["lags"] == list(lags)
    assert best["runs"] == 2 and best["combine"] == "mean"
    assert best["split"]["method"] == "block" and best["split"]["test_from"] == "1952-06"
    last = out.strip().splitlines()[-1]
    assert last.startswith(f"tuned: trial {winner['trial']} ")
    assert "beats every baseline on the test part" in last or "is still better than" in last \
        or "ties with" in last
    code, _, err = run(str(t / "best.yaml"), "--no-plots", "--out", str(tmp_path / "again"))
    assert code == 0, err
    again = json.loads((tmp_path / "again" / "metrics.json").read_text())["models"]
    kept = json.loads((t / "best" / "metrics.json").read_text())["models"]
    assert [again[m]["test"] for m in again] == [kept[m]["test"] for m in kept]


def test_the_winner_never_sees_the_test_part(first, tmp_path):
    """Every value of the test part multiplied by 10, or shuffled: the same tune.csv and
    best.yaml, bit for bit (and the winner's test figures do change)."""
    folder, _, _ = first
    for i, data in enumerate((changed_test_part(10.0), changed_test_part(shuffle=True))):
        config = tune_config(tmp_path / f"c{i}", data)
        code, out = tune(config, tmp_path / f"t{i}", "--trials", "5", "--jobs", "1")
        assert code == 0
        assert (tmp_path / f"t{i}" / "tune.csv").read_bytes() == \
            (folder / "t" / "tune.csv").read_bytes()
        assert best_config(tmp_path / f"t{i}") == best_config(folder / "t")
        assert out.splitlines()[-1] != first[2].splitlines()[-1]   # the test figures differ


def test_same_config_and_trials_give_the_same_tune(first, tmp_path):
    """Another run of the same tune on one process instead of two: the same files."""
    folder, config, out = first
    code, again = tune(config, tmp_path / "t", "--trials", "5", "--jobs", "1")
    assert code == 0
    assert (tmp_path / "t" / "tune.csv").read_bytes() == \
        (folder / "t" / "tune.csv").read_bytes()
    assert best_config(tmp_path / "t") == best_config(folder / "t")
    assert again.splitlines()[-1] == out.splitlines()[-1]


def test_tune_resumes_and_refuses_another(first, tmp_path):
    folder, _, _ = first
    t, config = tmp_path / "t", tmp_path / "c" / "c.yaml"
    shutil.copytree(folder / "t", t)   # with its config beside it: the same relative paths
    shutil.copytree(folder / "c", tmp_path / "c")
    sweep_csv = t / "rungs" / "bracket1-rung2" / "sweep.csv"
    kept = rows(sweep_csv)[:3]
    with open(sweep_csv, "w", newline="") as fh:
        w = csv.DictWriter(fh, list(kept[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(kept)
    code, out = tune(config, t, "--trials", "5", "--jobs", "1")
    assert code == 0
    assert "resumed: 18 runs were recorded" in out
    assert (t / "tune.csv").read_bytes() == (folder / "t" / "tune.csv").read_bytes()
    before = snapshot(t)
    code, _, err = run("tune", str(config), "--out", str(t), "--trials", "4")
    assert code == 2
    one_error_line(err, "holds another tune (it differs in tune.trials")
    assert snapshot(t) == before


def test_every_trial_is_scored_on_the_same_time_steps(tmp_path):
    """Trials of other lags and transforms have other samples, but their folds score the
    same months, and the winner's test part is the config's test months."""
    config = tune_config(tmp_path)
    p = plan(config, parse_tune(read_config_file(config)["tune"], str(config), 12))
    trials = TrialSource(p).take(12)
    assert len({t.first for t in trials}) > 1
    base_test = [p.data.labels[i] for i in p.data.index["test"]]
    seen = []
    for t in trials:
        months = []
        for k in range(3):
            cfg = fold_config(p, t, k, 5)
            d = data_stage.load(cfg, np.random.default_rng(0))
            months.append([d.labels[i] for i in d.index["test"]])
            assert not set(d.labels[i] for i in d.index["train"]) & set(base_test)
        seen.append(months)
        final = data_stage.load(final_config(p, t), np.random.default_rng(0))
        assert [final.labels[i] for i in final.index["test"]] == base_test
    assert all(s == seen[0] for s in seen)
    assert [m[0] for m in seen[0]] == p.fold_names()


TABLE = "x1,x2,y\n" + "".join(f"{i % 7},{(i * 3) % 11},{(i % 7) * 2 + (i * 3) % 11 * 0.5}\n"
                              for i in range(60))


def test_a_table_is_tuned_by_k_fold_over_train_and_val(tmp_path):
    (tmp_path / "t.csv").write_text(TABLE)
    config = tmp_path / "c.yaml"
    config.write_text("data: {path: t.csv, inputs: [x1, x2], targets: [y]}\n"
                      "split: {method: random, train: 0.6, val: 0.2, test: 0.2}\n"
                      "models: {bp: {type: feedforward, hidden: [3]}}\n"
                      "train: {epochs: 6, show: 0}\n"
                      "tune:\n  space: {models.bp.hidden: 2:4, train.max_fail: [0, 6],\n"
                      "    train.algorithm: [trainlm, trainscg]}\n  folds: 4\n  runs: 1\n")
    p = plan(config, parse_tune(read_config_file(config)["tune"], str(config)))
    test = set(p.data.index["test"].tolist())
    folds = [set(f.tolist()) for f in p.fold_rows]
    assert len(folds) == 4 and not set().union(*folds) & test
    assert set().union(*folds) == set(p.data.index["train"]) | set(p.data.index["val"])
    code, out = tune(config, tmp_path / "out", "--trials", "4", "--jobs", "1")
    assert code == 0
    assert "by 4-fold cross-validation" in out
    best = yaml.safe_load((tmp_path / "out" / "best.yaml").read_text())
    assert best["split"]["method"] == "random" and best["split"]["test"] == pytest.approx(0.2)
    cfg = final_config(p, TrialSource(p).take(1)[0])
    d = data_stage.load(cfg, np.random.default_rng(0))
    assert set(d.index["test"].tolist()) == test


def test_a_budget_caps_each_training(tmp_path):
    """With --budget, brackets until the time is spent, each training capped (train.time) so
    that a bracket fits in it; best.yaml keeps the cap the winner was scored with."""
    config = tune_config(tmp_path / "c", extra=SPACE + "  trials: 3\n")
    code, out = tune(config, tmp_path / "t", "--budget", "1s", "--jobs", "1")
    assert code == 0
    assert "brackets of 3 trials for 0:01" in out
    entries = rows(tmp_path / "t" / "tune.csv")
    # how many brackets fit in the second depends on the machine: each of 3 trials, one rung
    brackets = sorted({int(r["bracket"]) for r in entries})
    assert brackets == list(range(1, len(brackets) + 1)) and len(entries) == 3 * len(brackets)
    best = yaml.safe_load((tmp_path / "t" / "best.yaml").read_text())
    assert best["models"]["bp"]["train"]["time"] == pytest.approx(1 / 18)


def test_successive_halving_rungs():
    r = rungs(27, 5)
    assert [x.size for x in r] == [27, 9, 3]
    assert [x.runs for x in r] == [1, 2, 5]
    assert [x.epochs(1000) for x in r] == [111, 333, 1000]
    assert [x.size for x in rungs(2, 3)] == [2] and rungs(2, 3)[0].runs == 3


@pytest.mark.parametrize("extra, args, fragment", [
    (SPACE + "  trails: 4\n", [], "tune.trails is not a key (did you mean tune.trials?); "
     "tune takes space"),
    (SPACE, ["--budget", "ten minutes"], "--budget: 'ten minutes' is not a duration"),
    (SPACE, ["--trials", "0"], "--trials: must be >= 1, got 0"),
    (SPACE, ["--trials", "3", "--budget", "1m"], "--trials and --budget: give one"),
    (SPACE.replace("data.lags", "data.lagz"), [],
     "data.lagz: unknown key; did you mean data.lags?"),
    (SPACE + "  metric: mse\n", [], "tune.metric: mse does not fit this data"),
], ids=["unknown key", "budget", "trials 0", "both", "space key", "metric"])
def test_mistakes_are_one_line_and_write_nothing(tmp_path, extra, args, fragment):
    config = tiny_config(tmp_path / "c", extra=extra)
    before = snapshot(tmp_path)
    code, _, err = run("tune", str(config), "--out", str(tmp_path / "out"), *args)
    assert code == 2
    one_error_line(err, fragment)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("mine, fragment", [
    ("tune.csv", "tune.csv: exists and was not written by a tune (the folder has no "
                 "tune.yaml)"),
    ("best.yaml", "best.yaml: exists and was not written by a tune"),
    ("best/predictions.csv", "best: exists and was not written by a tune"),
], ids=["tune.csv", "best.yaml", "best/"])
def test_a_users_files_in_the_folder_are_refused_before_any_work(tmp_path, mine, fragment):
    """A file of the tune's names that no tune wrote there is the user's: the tune is
    refused at once, the folder as it was (the winner's run folder too)."""
    config = tiny_config(tmp_path / "c", extra=SPACE)
    (tmp_path / "out" / mine).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / "out" / mine).write_text("my own notes\n")
    before = snapshot(tmp_path)
    code, out, err = run("tune", str(config), "--out", str(tmp_path / "out"), "--trials", "2")
    assert code == 2 and out == ""
    one_error_line(err, fragment)
    assert snapshot(tmp_path) == before


def test_a_users_file_in_the_winners_folder_is_refused_before_any_work(first, tmp_path):
    folder, _, _ = first
    t, config = tmp_path / "t", tmp_path / "c" / "c.yaml"
    shutil.copytree(folder / "t", t)
    shutil.copytree(folder / "c", tmp_path / "c")
    (t / "best" / "notes.txt").write_text("mine\n")
    before = snapshot(tmp_path)
    code, out, err = run("tune", str(config), "--out", str(t), "--trials", "5")
    assert code == 2 and out == ""
    one_error_line(err, "notes.txt: exists and was not written by bpnet")
    assert snapshot(tmp_path) == before


def test_a_tune_that_recorded_no_run_gives_way_to_another(first, tmp_path):
    """tune.yaml of a tune stopped before its first run (a mistake found while it ran) does
    not hold the folder against the corrected config."""
    folder, _, _ = first
    t = tmp_path / "t"
    t.mkdir()
    shutil.copy(folder / "t" / "tune.yaml", t / "tune.yaml")
    config = tune_config(tmp_path / "c", extra=SPACE.replace("runs: 2", "runs: 1"))
    code, _ = tune(config, t, "--trials", "3", "--jobs", "1")
    assert code == 0 and (t / "best.yaml").exists()
    assert yaml.safe_load((t / "tune.yaml").read_text())["tune"]["runs"] == 1


def test_a_knob_value_that_fits_no_config_is_refused_beside_good_ones(tmp_path):
    extra = SPACE.replace("[[2], [3], [2, 2]]", "[[0], [3]]")
    config = tiny_config(tmp_path / "c", extra=extra)
    code, out, err = run("tune", str(config), "--out", str(tmp_path / "out"))
    assert code == 2 and out == ""
    one_error_line(err, "models.bp.hidden: sizes must be >= 1")


def test_a_series_with_a_zero_is_searched_without_log_and_box_cox(tmp_path):
    """Log and Box-Cox need every value of the series positive, its test part's too: a zero
    there leaves them out of the default space rather than failing the trials."""
    lines = SERIES.splitlines()
    lines[-2] = lines[-2].rsplit(",", 1)[0] + ",0"   # in the test part
    config = tiny_config(tmp_path, data="\n".join(lines) + "\n")
    p = plan(config, parse_tune(None, str(config), 3))
    transforms = p.space["data.transform"]
    assert {} in transforms and {"difference": [1]} in transforms
    assert not any("log" in t or "boxcox" in t for t in transforms)
    positive = plan(tiny_config(tmp_path / "p"), parse_tune(None, str(config), 3))
    assert {"log": True} in positive.space["data.transform"]


def test_budget_texts():
    assert [parse_budget(t, "x") for t in ("90s", "10m", "1h30m", "45", 12)] == \
        [90, 600, 5400, 45, 12]
    with pytest.raises(InputError):
        parse_budget("10 min", "x")

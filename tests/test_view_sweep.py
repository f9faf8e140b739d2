"""The live page of a sweep (``run.py sweep CONFIG --view``) over HTTP: a real sweep, its
cells in /status, its token, and its Stop Training (the sweep's Ctrl-C); and in headless
Chromium (skipped without it): the table of cells, coloured by state, the best marked, and a
click on Stop Training."""
from __future__ import annotations

import csv
import json
import threading
import time
from pathlib import Path

import pytest
from iohelpers import tiny_config
from viewhelpers import CHROMIUM, Chromium, ViewRun

SPLIT = ("split: {method: block, train: 0.7, val: 0.0, test: 0.3}\n",
         "split: {method: block, train: 0.6, val: 0.15, test: 0.25}\n")


def sweep_config(tmp_path: Path, grid: str, epochs: int) -> Path:
    """The tiny config of iohelpers with a val part and the sweep block ``grid``."""
    path = tiny_config(tmp_path, epochs=epochs)
    path.write_text(path.read_text().replace(*SPLIT) + grid)
    return path


def test_sweep_cells_progress_to_done_and_the_best_is_best_yaml(tmp_path):
    grid = ("sweep:\n  grid:\n    models.bp.hidden: [[2, 2], [3, 3], [4, 4]]\n  runs: 2\n"
            "  select: val\n")
    config = sweep_config(tmp_path, grid, epochs=300)
    run = ViewRun("sweep", str(config), "--out", str(tmp_path / "s"), "--jobs", "1",
                  "--quiet", "--no-plots", "--set", "train.max_fail=0")
    try:
        seen: list[dict] = []
        end = run.wait_for(lambda s: seen.append(s["sweep"]) or s["exit_status"] is not None)
        code, out, err = run.finish()
    finally:
        run.kill()
    assert code == 0, err
    sweep = end["sweep"]
    assert sweep["keys"] == ["models.bp.hidden"] and sweep["select"] == "val"
    assert [c["values"]["models.bp.hidden"] for c in sweep["cells"]] == \
        ["[2, 2]", "[3, 3]", "[4, 4]"]
    assert all(c["state"] == "done" and c["runs"] == c["of"] == 2 for c in sweep["cells"])
    assert (sweep["runs_done"], sweep["runs_total"]) == (6, 6)
    assert (sweep["cells_done"], sweep["cells_total"]) == (3, 3)
    assert sweep["elapsed"] > 0 and sweep["left"] is None
    # on the way: the runs done never fall, one cell at a time runs (one worker), in order
    done = [s["runs_done"] for s in seen]
    assert done == sorted(done) and 0 < len(set(done))
    for s in seen:
        running = [c["cell"] for c in s["cells"] if c["state"] == "running"]
        assert len(running) <= 1
        assert all(c["state"] == "done" for c in s["cells"] if running and
                   c["cell"] < running[0])
    assert any(c["state"] == "running" for s in seen for c in s["cells"])
    with open(tmp_path / "s" / "summary.csv", newline="") as fh:
        first = next(r for r in csv.DictReader(fh) if r["rank"] == "1")
    best = sweep["best"]
    assert (str(best["cell"]), best["model"]) == (first["cell"], first["model"])
    assert best["values"] == {"models.bp.hidden": first["models.bp.hidden"]}
    assert f"models.bp.hidden={best['values']['models.bp.hidden']}" in \
        (tmp_path / "s" / "best.yaml").read_text()
    medians = {c["cell"]: c["median"] for c in sweep["cells"]}
    assert best["median"] == min(medians.values())
    assert end["models"] == [] and end["stage"] == "done"


@pytest.fixture
def long_sweep(tmp_path):
    # cell 1 ends at once, cell 2 trains until stopped (or its time limit)
    grid = "sweep:\n  grid:\n    train.epochs: [3, 1000000]\n  runs: 2\n  select: val\n"
    config = sweep_config(tmp_path, grid, epochs=3)
    run = ViewRun("sweep", str(config), "--out", str(tmp_path / "s"), "--jobs", "1",
                  "--quiet", "--set", "train.max_fail=0", "--set", "train.min_grad=0",
                  "--set", "train.time=120")
    yield run
    run.kill()


def test_no_token_no_answer(long_sweep):
    run = long_sweep
    for path, method in (("/", "GET"), ("/status", "GET"), ("/stop", "POST")):
        assert run.request(path, method, token=None)[0] == 403
        assert run.request(path, method, token="wrong")[0] == 403
    # nothing stopped the sweep: it goes on to its long cell
    run.wait_for(lambda s: s["sweep"]["runs_done"] == 2)
    assert run.proc.poll() is None
    # ended by its Stop (with the token), not killed: a worker killed while it starts up
    # would outlive it
    assert run.request("/stop", "POST")[0] == 200
    assert run.finish()[0] == 130


def test_stop_training_stops_the_sweep_as_ctrl_c(long_sweep, tmp_path):
    run = long_sweep
    during = run.wait_for(lambda s: s["sweep"]["runs_done"] == 2
                          and s["sweep"]["cells"][1]["state"] == "running")
    assert during["stage"] == "training" and during["sweep"]["cells"][0]["state"] == "done"
    assert during["sweep"]["best"]["cell"] == 1 and during["sweep"]["left"] is not None
    code, body = run.request("/stop", "POST")
    assert code == 200 and json.loads(body) == {"stopping": True}
    end = run.wait_for(lambda s: s["exit_status"] is not None)
    assert end["exit_status"] == 130 and end["stop_requested"]
    assert [c["state"] for c in end["sweep"]["cells"]] == ["done", "waiting"]
    assert run.request("/stop", "POST")[0] == 409          # nothing left to stop
    code, out, err = run.finish()
    assert code == 130, err
    assert "sweep stopped; the runs finished are in" in err and "Traceback" not in err
    with open(tmp_path / "s" / "sweep.csv", newline="") as fh:
        kept = list(csv.DictReader(fh))
    assert sorted((r["cell"], r["run"]) for r in kept) == [("1", "0"), ("1", "1")]
    assert not (tmp_path / "s" / "summary.csv").exists()


def _descendants(pid: int) -> set[tuple[int, str]]:
    """The processes below ``pid`` (Linux's /proc), each as (pid, its start time)."""
    out = set()
    try:
        children = [int(c) for task in Path(f"/proc/{pid}/task").iterdir()
                    for c in (task / "children").read_text().split()]
    except OSError:   # gone meanwhile
        return out
    for child in children:
        started = _started(child)
        if started is not None:
            out |= {(child, started)} | _descendants(child)
    return out


def _started(pid: int) -> str | None:
    """The start time of process ``pid`` while it lives (not a zombie), else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] in "ZX" else fields[19]


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux's /proc")
def test_a_sweep_stopped_from_the_page_leaves_no_process_behind(tmp_path):
    # samples large enough that a worker takes a while to receive them: a stop as the sweep
    # starts finds its workers starting
    series = "month,passengers\n" + "".join(f"{1000 + i // 12}-{i % 12 + 1:02d},"
                                            f"{100 + i % 50 + i % 12 * 3}\n" for i in range(3000))
    path = tiny_config(tmp_path, epochs=3, data=series)
    grid = "sweep:\n  grid:\n    train.epochs: [3, 1000000]\n  runs: 2\n  select: val\n"
    path.write_text(path.read_text().replace(*SPLIT) + grid)
    run = ViewRun("sweep", str(path), "--out", str(tmp_path / "s"), "--jobs", "2", "--quiet",
                  "--set", "train.max_fail=0", "--set", "train.min_grad=0",
                  "--set", "train.time=120")
    seen: set[tuple[int, str]] = set()
    watching = threading.Event()

    def watch() -> None:
        while not watching.is_set():
            seen.update(_descendants(run.proc.pid))
            time.sleep(0.005)
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        run.wait_for(lambda s: s["stage"] == "training", timeout=120)
        assert run.request("/stop", "POST")[0] == 200
        run.wait_for(lambda s: s["exit_status"] is not None)
        code, _, err = run.finish()
    finally:
        watching.set()
        watcher.join()
        run.kill()
    assert code == 130 and "Traceback" not in err, err
    assert seen   # the workers were started
    end = time.monotonic() + 10   # a worker whose parent is gone ends within half a second
    while (left := {p for p, started in seen if _started(p) == started}) and \
            time.monotonic() < end:
        time.sleep(0.1)
    assert not left


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine "
                    "(Debian: apt-get install chromium; .ci/run installs it)")
def test_the_page_draws_the_cells_and_its_stop_is_a_click(long_sweep, tmp_path):
    run = long_sweep
    browser = Chromium(tmp_path / "profile")
    try:
        browser.call("Page.enable")
        browser.call("Page.navigate", url=run.url)
        browser.wait_for("document.querySelectorAll('#sweep tr.cell.done').length === 1 && "
                         "document.querySelectorAll('#sweep tr.cell.running').length === 1",
                         timeout=60)
        assert browser.evaluate("document.querySelector('#sweep tr.cell.best')"
                                ".dataset.cell") == "1"
        colours = browser.evaluate("[...document.querySelectorAll('#sweep tr.cell')].map("
                                   "r => getComputedStyle(r).backgroundColor)")
        assert len(set(colours)) == 2   # done and running differ
        assert "2/4 runs" in browser.evaluate("document.querySelector('#sweep .totals')"
                                              ".textContent")
        browser.click("#stop")
        end = run.wait_for(lambda s: s["exit_status"] is not None)
        assert end["exit_status"] == 130 and end["stop_requested"]
        browser.wait_for("document.getElementById('stage').textContent"
                         ".includes('exit status 130')")
    finally:
        browser.close()
        code, _, err = run.finish()
    assert code == 130, err


def test_cell_states_follow_the_workers_and_the_runs_recorded():
    from bpnet.view.state import RunState
    from bpnet.view.sweepstate import SweepState
    run = RunState("c.yaml", "out")
    sweep = SweepState(run, ["k"], [{"k": "1"}, {"k": "2"}, {"k": "3"}], runs=2,
                       select="val", workers=2)
    run.sweep = sweep
    entry = lambda cell, median, rank: {"cell": cell, "values": {"k": str(cell)},
                                        "model": "bp", "select": "val_mse", "rank": rank,
                                        "stats": {"val_mse": (median, median, median)}}
    # cell 1 was recorded by an earlier sweep into the folder
    sweep.begin([(2, 0), (2, 1), (3, 0), (3, 1)], [entry(1, 0.5, 1)])
    assert run.stage == "training"
    states = lambda: [c["state"] for c in run.status()["sweep"]["cells"]]
    assert states() == ["done", "running", "waiting"]   # two workers on cell 2's runs
    assert run.status()["sweep"]["left"] is None        # no run trained yet
    sweep.done(2, 1, [entry(1, 0.5, 2), entry(2, 0.25, 1)])
    s = run.status()["sweep"]
    assert states() == ["done", "running", "running"] and s["runs_done"] == 3
    assert s["best"] == {"cell": 2, "model": "bp", "values": {"k": "2"}, "median": 0.25}
    assert [c["median"] for c in s["cells"]] == [0.5, 0.25, None] and s["left"] >= 0
    run.ended(130)   # stopped: nothing runs any more
    assert states() == ["done", "waiting", "waiting"] and run.status()["sweep"]["left"] is None
    assert run.stage == "done"

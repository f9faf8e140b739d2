"""Sweeps (docs/semantics.md#sweeps): the grid, sweep.csv as a record that resumes, the engines
(local processes, a real Dask LocalCluster of two worker processes) giving the same numbers
bit for bit, and a sweep of one cell and one run equal to ``python run.py``."""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from iohelpers import one_error_line, run, snapshot, start, tiny_config

from bpnet.config.sweepspec import load_sweep
from bpnet.engines import Engine
from bpnet.sweep import run_sweep

SPLIT = "split: {method: block, train: 0.6, val: 0.15, test: 0.25}\n"
GRID = ("sweep:\n  grid:\n    models.bp.hidden: [[2, 2], [3, 3]]\n"
        "    train.algorithm: [traingdx, trainlm]\n  runs: 2\n  select: val\n")


def sweep_config(tmp_path: Path, grid: str = GRID, epochs: int = 8) -> Path:
    """The tiny config of iohelpers with a val part and a sweep block."""
    path = tiny_config(tmp_path, epochs=epochs)
    text = path.read_text().replace("split: {method: block, train: 0.7, val: 0.0, test: 0.3}\n",
                                    SPLIT)
    path.write_text(text + grid)
    return path


def rows(folder: Path) -> list[dict]:
    with open(folder / "sweep.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def keep_rows(folder: Path, kept: list[dict]) -> None:
    """sweep.csv with only the rows ``kept``, as a sweep stopped after them would leave it."""
    with open(folder / "sweep.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, list(kept[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(kept)


def test_sweep_writes_its_files_and_best_yaml_reruns(tmp_path):
    config = sweep_config(tmp_path)
    code, out, err = run("sweep", str(config), "--out", str(tmp_path / "s"), "--jobs", "2")
    assert code == 0, err
    folder = tmp_path / "s"
    for name in ("sweep.csv", "summary.csv", "best.yaml", "sweep.png", "sweep.yaml"):
        assert (folder / name).is_file(), name
    recorded = rows(folder)
    assert len(recorded) == 4 * 2
    assert [(r["cell"], r["run"], r["seed"]) for r in recorded] == \
        [(str(c), str(r), str(r)) for c in range(1, 5) for r in range(2)]
    assert {r["models.bp.hidden"] for r in recorded} == {"[2, 2]", "[3, 3]"}
    with open(folder / "summary.csv", newline="") as fh:
        summary = list(csv.DictReader(fh))
    best = min(summary, key=lambda r: int(r["rank"]))
    assert float(best["val_mse_median"]) == min(float(r["val_mse_median"]) for r in summary)
    assert "rank" in out and "best: models.bp.hidden=" in out
    cfg = yaml.safe_load((folder / "best.yaml").read_text())
    assert cfg["models"]["bp"]["hidden"] == yaml.safe_load(best["models.bp.hidden"])
    assert cfg["models"]["bp"]["train"]["algorithm"] == best["train.algorithm"]
    code, out, err = run(str(folder / "best.yaml"), "--no-plots")
    assert code == 0, err
    kept = json.loads((folder / "best" / "metrics.json").read_text())["models"]["bp"]
    assert kept["val"]["mse"] == min(float(r["val_mse"]) for r in recorded
                                     if r["cell"] == best["cell"])


def test_one_cell_one_run_equals_run_py(tmp_path):
    grid = "sweep:\n  grid:\n    train.lr: [0.02]\n  runs: 1\n"
    config = sweep_config(tmp_path, grid, epochs=30)
    code, _, err = run("sweep", str(config), "--out", str(tmp_path / "s"), "--no-plots")
    assert code == 0, err
    code, _, err = run(str(config), "--set", "train.lr=0.02", "--out", str(tmp_path / "r"),
                       "--no-plots")
    assert code == 0, err
    (row,) = rows(tmp_path / "s")
    m = json.loads((tmp_path / "r" / "metrics.json").read_text())["models"]["bp"]
    assert (int(row["epochs"]), int(row["best_epoch"]), row["stop_reason"]) == \
        (m["epochs"], m["best_epoch"], m["stop_reason"])
    compared = 0
    for part in ("train", "val", "test"):
        for name, value in m[part].items():
            if isinstance(value, float):
                assert float(row[f"{part}_{name}"]) == value, (part, name)
                compared += 1
    assert compared >= 12


def test_local_engines_agree_and_resume_skips_exactly_the_recorded_runs(tmp_path):
    config = sweep_config(tmp_path)
    one = run_sweep(load_sweep(config, out_dir=str(tmp_path / "one")), tmp_path / "one",
                    Engine(jobs=1), plots=False)
    run_sweep(load_sweep(config, out_dir=str(tmp_path / "two")), tmp_path / "two",
              Engine(jobs=2), plots=False)
    whole = (tmp_path / "one" / "sweep.csv").read_bytes()
    assert (tmp_path / "two" / "sweep.csv").read_bytes() == whole
    assert one.skipped == 0
    # keep 5 of the 8 runs, as a sweep stopped after them would have left them
    kept = rows(tmp_path / "one")
    gone = {(kept[i]["cell"], kept[i]["run"]) for i in (1, 4, 7)}
    keep_rows(tmp_path / "one", [r for r in kept if (r["cell"], r["run"]) not in gone])
    trained = []
    again = run_sweep(load_sweep(config, out_dir=str(tmp_path / "one")), tmp_path / "one",
                      Engine(jobs=2), finished=lambda t: trained.append((str(t.cell),
                                                                         str(t.run))),
                      plots=False)
    assert again.skipped == 5
    assert sorted(trained) == sorted(gone)
    assert (tmp_path / "one" / "sweep.csv").read_bytes() == whole


@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory) -> Path:
    """A folder holding a config (2 cells x 2 runs of 3 epochs) and its finished sweep, s/."""
    base = tmp_path_factory.mktemp("small")
    grid = "sweep:\n  grid:\n    train.lr: [0.01, 0.02]\n  runs: 2\n  select: val\n"
    config = sweep_config(base, grid, epochs=3)
    run_sweep(load_sweep(config, out_dir=str(base / "s")), base / "s", Engine(jobs=1),
              plots=False)
    return base


def _replace_cell(line: str, column: int, value: str) -> str:
    cells = line.split(",")
    cells[column] = value
    return ",".join(cells)


def _val_mse(lines: list[str]) -> int:
    return lines[0].split(",").index("val_mse")


# each damage: (lines of sweep.csv) -> its text; what the resumed sweep says of it (the line
# after the file's name), and its exit status: 2, the file refused and left as it is; 0, the
# damaged run dropped and trained again
DAMAGES = {
    "a last row cut short": (lambda ls: "".join(ls)[:-len(ls[-1]) // 2],
                             "warning: {csv}: line 5 is cut short, as a writer stopped mid-row "
                             "leaves it: 1 line of its run dropped; the run is trained again",
                             0),
    "a renamed column": (lambda ls: "".join([ls[0].replace("val_mse,", "val_mse_,"), *ls[1:]]),
                         "error: {csv}: line 1: no column val_mse, which ranks the cells", 2),
    "a metric that is not a number": (
        lambda ls: "".join([*ls[:2], _replace_cell(ls[2], _val_mse(ls), "abc"), *ls[3:]]),
        "error: {csv}: line 3, column val_mse: 'abc' is not a number", 2),
    "a duplicated row": (lambda ls: "".join([*ls[:3], ls[2], *ls[3:]]),
                         "error: {csv}: line 4: cell 1, run 1, model bp is recorded twice "
                         "(line 3 too)", 2),
    "a cell not in the grid": (lambda ls: "".join([*ls[:3], _replace_cell(ls[3], 0, "7"),
                                                   *ls[4:]]),
                               "error: {csv}: line 4, column cell: 7 is not a cell of the grid "
                               "(1 to 2)", 2),
    "a value not of its cell": (lambda ls: "".join([*ls[:3], _replace_cell(ls[3], 1, "0.01"),
                                                    *ls[4:]]),
                                "error: {csv}: line 4, column train.lr: '0.01' is not cell 2's "
                                "value (0.02)", 2),
    "an empty file": (lambda ls: "", "error: {csv}: line 1: the file is empty", 2),
    "a NUL byte": (lambda ls: "".join([*ls[:2], ls[2].replace(",", ",\0", 1), *ls[3:]]),
                   "error: {csv}: line 3: holds a NUL byte", 2),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_resume_checks_sweep_csv_before_trusting_it(small_sweep, tmp_path, damage):
    shutil.copytree(small_sweep, tmp_path / "b")
    folder = tmp_path / "b" / "s"
    (folder / "summary.csv").unlink()
    whole = (folder / "sweep.csv").read_text()
    lines = whole.splitlines(keepends=True)
    assert len(lines) == 5
    damaged, said, status = DAMAGES[damage]
    (folder / "sweep.csv").write_text(damaged(lines))
    before = snapshot(tmp_path / "b")
    code, out, err = run("sweep", str(tmp_path / "b" / "c.yaml"), "--out", str(folder),
                         "--no-plots")
    assert code == status, err
    said = said.format(csv=folder / "sweep.csv")
    assert len(err.splitlines()) == 1 and err.startswith(said), err
    if status == 2:
        assert snapshot(tmp_path / "b") == before
    else:
        assert "resumed: 3 of 4 runs" in out
        assert (folder / "sweep.csv").read_text() == whole


def summary_rows(folder: Path) -> list[dict]:
    with open(folder / "summary.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def test_combine_scores_each_cells_mean_as_run_py_does_and_after_a_resume(tmp_path):
    """sweep.combine: mean: each cell's mean of runs is scored as python run.py scores the
    model "bp (mean of 2)" of the cell's config; a resumed sweep combines the runs of both
    sessions; the local engines agree."""
    config = sweep_config(tmp_path, GRID.replace("runs: 2", "runs: 2\n  combine: mean"))
    run_sweep(load_sweep(config, out_dir=str(tmp_path / "a")), tmp_path / "a", Engine(jobs=2),
              plots=False)
    summary = summary_rows(tmp_path / "a")
    assert len(summary) == 4 and all(r["mean_of_runs_test_rmse"] for r in summary)
    cell = summary[3]   # [3, 3] with trainlm
    code, _, err = run(str(config), "--out", str(tmp_path / "r"), "--no-plots", "--set",
                       "models.bp.hidden=[3, 3]", "--set", "train.algorithm=trainlm",
                       "--set", "runs=2", "--set", "combine=mean")
    assert code == 0, err
    mean = json.loads((tmp_path / "r" / "metrics.json").read_text())["models"]["bp (mean of 2)"]
    assert float(cell["mean_of_runs_test_rmse"]) == mean["test"]["rmse"]
    assert float(cell["mean_of_runs_val_mse"]) == mean["val"]["mse"]
    # a sweep stopped after 5 of its 8 runs, resumed by another session on one process
    kept = rows(tmp_path / "a")
    keep_rows(tmp_path / "a", kept[:5])
    for r in kept[5:]:
        (tmp_path / "a" / "runs" / f"cell{r['cell']}_run{r['run']}.npz").unlink()
    run_sweep(load_sweep(config, out_dir=str(tmp_path / "a")), tmp_path / "a", Engine(jobs=1),
              plots=False)
    assert summary_rows(tmp_path / "a") == summary


def test_resume_from_the_command_line_says_how_many(tmp_path):
    config = sweep_config(tmp_path)
    assert run("sweep", str(config), "--out", str(tmp_path / "s"), "--no-plots")[0] == 0
    code, out, err = run("sweep", str(config), "--out", str(tmp_path / "s"), "--no-plots")
    assert code == 0, err
    assert "resumed: 8 of 8 runs were recorded" in out
    code, out, err = run("sweep", str(config), "--out", str(tmp_path / "s"), "--no-plots",
                         "--runs", "3")
    assert code == 0, err
    assert "resumed: 8 of 12 runs" in out and len(rows(tmp_path / "s")) == 12
    code, out, err = run("sweep", str(config), "--out", str(tmp_path / "s"), "--no-plots",
                         "--runs", "1")
    assert code == 0, err
    assert "resumed: 4 of 4 runs" in out and len(rows(tmp_path / "s")) == 12
    with open(tmp_path / "s" / "summary.csv", newline="") as fh:
        assert {r["runs"] for r in csv.DictReader(fh)} == {"1"}   # the runs asked for only
    code, _, err = run("sweep", str(config), "--out", str(tmp_path / "s"),
                       "--set", "train.epochs=3")
    assert code == 2
    one_error_line(err, "holds another sweep (it differs in models.bp.train.epochs")


@pytest.mark.parametrize("mine", ["summary.csv", "sweep.png", "runs/1.npz"])
def test_a_users_file_of_a_sweeps_name_is_refused_before_any_work(tmp_path, mine):
    config = sweep_config(tmp_path)
    (tmp_path / "s" / mine).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / "s" / mine).write_text("mine\n")
    before = snapshot(tmp_path)
    code, out, err = run("sweep", str(config), "--out", str(tmp_path / "s"), "--no-plots")
    assert code == 2 and out == ""
    one_error_line(err, f"{mine.split('/')[0]}: exists and was not written by a sweep (the "
                        "folder has no sweep.yaml)")
    assert snapshot(tmp_path) == before


def test_a_sweep_that_recorded_no_run_gives_way_to_another(tmp_path):
    config = sweep_config(tmp_path)
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "sweep.yaml").write_text("sweep: {grid: {train.lr: [0.5]}, runs: 1}\n")
    code, _, err = run("sweep", str(config), "--out", str(tmp_path / "s"), "--no-plots")
    assert code == 0, err
    assert "train.lr" not in (tmp_path / "s" / "sweep.yaml").read_text().split("data:")[0]


def test_ctrl_c_stops_with_the_finished_runs_recorded_and_the_rerun_resumes(tmp_path):
    config = sweep_config(tmp_path, GRID.replace("runs: 2", "runs: 6"), epochs=300)
    proc = start("sweep", str(config), "--out", str(tmp_path / "s"), "--jobs", "2")
    for line in proc.stdout:   # not a terminal: the progress comes as plain lines
        if line.startswith("sweep: 3/24 runs"):
            proc.send_signal(signal.SIGINT)
            break
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "sweep stopped; the runs finished are in" in err and "Traceback" not in err
    recorded = rows(tmp_path / "s")
    assert 3 <= len(recorded) < 24
    assert not (tmp_path / "s" / "summary.csv").exists()
    assert [p.name for p in (tmp_path / "s").iterdir() if p.name.endswith(".tmp")] == []
    code, out, err = run("sweep", str(config), "--out", str(tmp_path / "s"), "--no-plots")
    assert code == 0, err
    assert f"resumed: {len(recorded)} of 24 runs" in out
    after = rows(tmp_path / "s")
    assert len(after) == 24 and all(r in after for r in recorded)


def _workers(pid: int) -> list[int]:
    """The local sweep workers of process ``pid`` (its children started by multiprocessing,
    the resource tracker aside)."""
    out = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        cmd = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        if "spawn_main" in cmd and "resource_tracker" not in cmd:
            out.append(int(child))
    return out


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux's /proc")
def test_a_killed_local_worker_ends_the_sweep_with_one_error_and_the_rerun_completes(tmp_path):
    config = sweep_config(tmp_path, GRID.replace("runs: 2", "runs: 6"), epochs=300)
    proc = start("sweep", str(config), "--out", str(tmp_path / "s"), "--jobs", "2")
    for line in proc.stdout:
        if line.startswith("sweep: 2/24 runs"):
            os.kill(_workers(proc.pid)[0], signal.SIGKILL)
            break
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    one_error_line(err, "a sweep worker process died (killed, or out of memory); the runs "
                   "finished are recorded")
    assert 2 <= len(rows(tmp_path / "s")) < 24
    code, out, err = run("sweep", str(config), "--out", str(tmp_path / "s"), "--no-plots")
    assert code == 0, err
    whole = run_sweep(load_sweep(config, out_dir=str(tmp_path / "w")), tmp_path / "w",
                      Engine(jobs=2), plots=False)
    assert whole.skipped == 0
    assert (tmp_path / "s" / "sweep.csv").read_bytes() == \
        (tmp_path / "w" / "sweep.csv").read_bytes()


@pytest.mark.parametrize("args, fragment", [
    (["--grid", "train.lr=0.05"], "sweep.grid.train.lr: must be a non-empty list"),
    (["--grid", "seed=[0, 1]"], "seed cannot be swept"),
    (["--grid", "train.lr=[0.01, 0.01]"], "a value is given twice"),
    (["--grid", "models.bp.hiden=[[2, 2]]"], "hiden"),
    (["--grid", "train.lr=[0.01]", "--set", "split={method: block, train: 0.7, val: 0, "
      "test: 0.3}"], "select: val needs a val part"),
    (["--grid", "train.lr=[0.01]", "--jobs", "0"], "--jobs: must be >= 1"),
])
def test_bad_sweeps_are_one_error_line(tmp_path, args, fragment):
    config = sweep_config(tmp_path, "sweep: {select: val}\n")
    code, _, err = run("sweep", str(config), "--out", str(tmp_path / "s"), *args)
    assert code == 2
    one_error_line(err, fragment)
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("block, fragment", [
    ("select: test", "the test part is reported, never used to choose"),
    ("combine: mean", "sweep.combine: mean averages the runs of each cell; set sweep.runs"),
])
def test_sweep_block_mistakes_are_refused(tmp_path, block, fragment):
    config = sweep_config(tmp_path, f"sweep: {{grid: {{train.lr: [0.01]}}, {block}}}\n")
    code, _, err = run("sweep", str(config))
    assert code == 2
    one_error_line(err, fragment)


def test_a_plain_run_trains_the_base_config_of_a_sweep_file(tmp_path):
    config = sweep_config(tmp_path)
    code, out, err = run(str(config), "--out", str(tmp_path / "r"), "--no-plots")
    assert code == 0, err
    assert json.loads((tmp_path / "r" / "metrics.json").read_text())["models"]["bp"]


# ---------------------------------------------------------------- Dask

try:
    from dask.distributed import Client, LocalCluster
except ImportError:   # the optional extra: pip install -e '.[dask]'
    LocalCluster = None

needs_dask = pytest.mark.skipif(LocalCluster is None,
                                reason="dask.distributed is not installed (pip install -e "
                                "'.[dask]'; .ci/run installs it)")


@pytest.fixture
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as c:
        yield c


# [16, 16] under trainlm: products and solves big enough that BLAS splits them over threads
# where it has several; its last bits then depend on how many (the engines give it one)
BIG = GRID.replace("[[2, 2], [3, 3]]", "[[2, 2], [16, 16]]")


@needs_dask
def test_dask_gives_the_local_sweep_csv_even_when_a_worker_is_killed(tmp_path, cluster):
    config = sweep_config(tmp_path, BIG, epochs=40)
    run_sweep(load_sweep(config, out_dir=str(tmp_path / "local")), tmp_path / "local",
              Engine(jobs=2), plots=False)
    whole = (tmp_path / "local" / "sweep.csv").read_bytes()
    with Client(cluster) as client:   # closed before the sweep: one client per process
        pids = list(client.run(os.getpid).values())
    assert len(pids) == 2
    killed = []

    def kill_one(task) -> None:
        if not killed:   # after the first run: a worker dies with its tasks under way
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])
    run_sweep(load_sweep(config, out_dir=str(tmp_path / "dask")), tmp_path / "dask",
              Engine(dask=cluster.scheduler_address), finished=kill_one, plots=False)
    assert killed
    assert (tmp_path / "dask" / "sweep.csv").read_bytes() == whole
    with Client(cluster) as client:
        client.wait_for_workers(2, timeout=30)
        assert pids[0] not in client.run(os.getpid).values()   # the nanny started another


@needs_dask
def test_dask_local_from_the_command_line_and_its_resume(tmp_path):
    config = sweep_config(tmp_path)
    run_sweep(load_sweep(config, out_dir=str(tmp_path / "local")), tmp_path / "local",
              Engine(jobs=1), plots=False)

    def dask_sweep(says: str) -> None:
        """The sweep on a two-worker LocalCluster into d/: it says ``says`` and writes the
        local engine's sweep.csv."""
        code, out, err = run("sweep", str(config), "--out", str(tmp_path / "d"), "--dask",
                             "local", "--jobs", "2", "--no-plots", timeout=240)
        assert code == 0, err
        assert says in out
        assert (tmp_path / "d" / "sweep.csv").read_bytes() == \
            (tmp_path / "local" / "sweep.csv").read_bytes()
    dask_sweep("Dask LocalCluster of 2 worker processes")
    keep_rows(tmp_path / "d", rows(tmp_path / "d")[:6])
    dask_sweep("resumed: 6 of 8 runs")


@needs_dask
@pytest.mark.parametrize("address, fragment", [
    ("tcp://localhost", "not a scheduler's address (missing port number"),
    ("tcp://127.0.0.1:{port}", "cannot reach a Dask scheduler there"),
])
def test_dask_out_of_reach_writes_nothing(tmp_path, monkeypatch, address, fragment):
    from viewhelpers import free_port

    from bpnet import engines
    from bpnet.errors import InputError
    monkeypatch.setattr(engines, "CONNECT_SECONDS", 1, raising=False)
    address = address.format(port=free_port())   # a loopback port nothing listens on
    config = sweep_config(tmp_path)
    with pytest.raises(InputError) as error:
        run_sweep(load_sweep(config, out_dir=str(tmp_path / "s")), tmp_path / "s",
                  Engine(dask=address), plots=False)
    assert f"--dask {address}: {fragment}" in str(error.value)
    assert not (tmp_path / "s").exists()


def test_a_malformed_dask_address_is_one_error_line(tmp_path):
    config = sweep_config(tmp_path)
    code, _, err = run("sweep", str(config), "--out", str(tmp_path / "s"), "--dask", "x y")
    assert code == 2
    one_error_line(err, "--dask x y: not a scheduler's address")
    assert not (tmp_path / "s").exists()


def in_a_worker(tmp_path: Path, root: Path, task: str) -> subprocess.CompletedProcess:
    """Run ``task`` (the source of ``def task(_)``) in one local worker as the engine starts
    it, from a script of its own (a spawned worker imports the task from there); -> the
    script's process, which prints what the task returns."""
    script = tmp_path / "w.py"
    script.write_text(
        "import multiprocessing, os, sys\n"
        f"sys.path.insert(0, {str(root)!r})\n"
        "from bpnet import engines\n"
        f"{task}\n"
        "if __name__ == '__main__':\n"
        "    ctx = multiprocessing.get_context('spawn')\n"
        "    with ctx.Pool(1, engines._start_worker, (os.getpid(), [], {})) as pool:\n"
        "        print(pool.map(task, [0])[0])\n")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_a_workers_warning_is_one_warning_line(tmp_path, root):
    """A local worker shows a warning as the command does, not as Python's two lines."""
    proc = in_a_worker(tmp_path, root, "def task(_):\n"
                                       "    import warnings\n"
                                       "    warnings.warn('a worker has something to say')")
    assert proc.stderr == "warning: a worker has something to say\n"


def test_every_blas_of_a_worker_runs_one_thread(tmp_path, root):
    """numpy's and scipy's OpenBLAS (scipy brings its own, loaded with scipy.linalg) are both
    held to one thread in a local worker: two workers on two cores, each spinning a second
    BLAS thread, took three times the CPU of one."""
    proc = in_a_worker(tmp_path, root, "def task(_):\n"
                                       "    import scipy.linalg\n"
                                       "    from threadpoolctl import threadpool_info\n"
                                       "    return sorted({i['num_threads'] for i in "
                                       "threadpool_info()\n"
                                       "                   if i['user_api'] == 'blas'})")
    assert proc.stdout == "[1]\n"

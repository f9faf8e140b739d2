"""The output folder as processes see it, in real processes: one run per folder under a lock,
signals inside and outside training, a full disk, and kill -9 at random moments. Afterwards
every file the user had is byte-identical, or the folder holds one complete run."""
import errno
import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from iohelpers import assert_one_complete_run, one_error_line, run, snapshot, start, tiny_config

from bpnet.cli import main
from bpnet.paths import shown

TWO_MODELS = "{bp: {type: feedforward, hidden: [3, 3]}, el: {type: elman, hidden: 3}}"
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc and sends POSIX signals")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A config of two models beside its data, and a complete run of it in out/."""
    folder = tmp_path_factory.mktemp("template")
    config = tiny_config(folder, TWO_MODELS)
    assert main([str(config), "--out", str(folder / "out"), "--quiet"]) == 0
    return folder


@pytest.fixture
def earlier(tmp_path, template):
    shutil.copytree(template, tmp_path, dirs_exist_ok=True)
    return tmp_path / "c.yaml"


def month_series(path: Path, months: int) -> Path:
    """A monthly series of ``months`` rows from 1000-01 at ``path``."""
    with open(path, "w") as fh:
        fh.write("month,passengers\n")
        fh.writelines(f"{1000 + i // 12}-{i % 12 + 1:02d},{100 + i % 97}\n"
                      for i in range(months))
    return path


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:
    """A 600,000-month series: reading it takes a while."""
    return month_series(tmp_path_factory.mktemp("big") / "big.csv", 600_000)


@pytest.fixture(scope="module")
def long_csv(tmp_path_factory) -> Path:
    """A 96,000-month series whose labels are all valid (years 1000 to 8999): a model of the
    template predicts and forecasts it."""
    return month_series(tmp_path_factory.mktemp("long") / "long.csv", 96_000)


def wait_until(condition, timeout=60.0, every=0.002):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(every)
    raise AssertionError("timed out")


def has_open(proc, path: Path) -> bool:
    try:
        fds = os.listdir(f"/proc/{proc.pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{proc.pid}/fd/{fd}") == str(path):
                return True
        except OSError:
            pass
    return False


# ------------------------------------------------------------ the lock

def test_two_runs_at_once_one_refuses_at_once(tmp_path, earlier):
    args = [str(earlier), "--out", str(tmp_path / "out"), "--quiet", "--no-plots", "--set",
            "train.epochs=100000000", "--set", "train.time=2", "--set", "seed=9"]
    procs = [start(*args), start(*args)]
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 2], results
    loser = next(err for code, _, err in results if code == 2)
    one_error_line(loser, "out: another run (PID ")
    assert "is writing this folder; wait for it to end or choose another output folder" in loser
    assert assert_one_complete_run(tmp_path / "out", tmp_path / "d.csv") == 9
    assert not (tmp_path / "out/.bpnet.lock").exists()


def test_a_killed_runs_lock_is_taken_over(tmp_path, earlier):
    out = tmp_path / "out"
    proc = start(str(earlier), "--out", str(out), "--quiet", "--set", "train.epochs=100000000")
    assert proc.stdout.readline().startswith("data:")   # the lock is held from here on
    assert (out / ".bpnet.lock").read_text().split()[0] == str(proc.pid)
    proc.kill()
    proc.wait()
    assert (out / ".bpnet.lock").exists()   # left by the dead process
    code, _, err = run(str(earlier), "--out", str(out), "--quiet", "--no-plots", "--set",
                       "seed=4")
    assert code == 0, err
    assert assert_one_complete_run(out, tmp_path / "d.csv") == 4
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []


def test_a_lock_naming_a_live_process_is_respected(tmp_path, earlier, capsys):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / "out/.bpnet.lock").write_text(f"{sleeper.pid}\n")
        before = snapshot(tmp_path)
        assert main([str(earlier), "--out", str(tmp_path / "out"), "--quiet"]) == 2
        one_error_line(capsys.readouterr().err, f"another run (PID {sleeper.pid}) is writing")
        assert snapshot(tmp_path) == before
    finally:
        sleeper.kill()
        sleeper.wait()
    # the same file once its process is gone: taken over
    assert main([str(earlier), "--out", str(tmp_path / "out"), "--quiet", "--no-plots"]) == 0


@pytest.mark.parametrize("folder", ["new", "out"])
def test_a_run_refused_by_the_lock_leaves_the_folder_to_its_holder(tmp_path, earlier, capsys,
                                                                   monkeypatch, folder):
    """A run B refused while A holds the folder (A's files staged, A about to commit) touches
    nothing there: A then commits every file, into a folder of an earlier run or a new one."""
    from bpnet.storage import outdir
    out, ready, go = tmp_path / folder, tmp_path / "ready", tmp_path / "go"
    commit = outdir.RunFolder.commit

    def held(self, *args, **kwargs):   # A waits here, its files staged, until B is done
        ready.touch()
        wait_until(go.exists, timeout=60, every=0.01)
        return commit(self, *args, **kwargs)
    monkeypatch.setattr(outdir.RunFolder, "commit", held)
    err = tmp_path.parent / f"{tmp_path.name}.err"
    a = _forked_run([str(earlier), "--out", str(out), "--quiet", "--no-plots", "--set",
                     "seed=6"], err)
    try:
        wait_until(ready.exists, timeout=60, every=0.01)
        before = snapshot(out)
        assert (out / ".bpnet-staging/model_el.npz").exists()
        assert main([str(earlier), "--out", str(out), "--quiet", "--no-plots"]) == 2
        one_error_line(capsys.readouterr().err, f"another run (PID {a.pid}) is writing")
        assert snapshot(out) == before
    finally:
        go.touch()
        a.join(60)
    assert a.exitcode == 0, err.read_text()
    assert assert_one_complete_run(out, tmp_path / "d.csv") == 6


# ------------------------------------------------------------ signals

def test_a_stop_during_training_skips_the_remaining_models(tmp_path, earlier):
    """The first SIGINT ends bp with "User stop."; el is not trained and has no files (its
    files from the earlier run are removed); exit status 130."""
    out = tmp_path / "out"
    proc = start(str(earlier), "--out", str(out), "--quiet", "--set", "train.epochs=100000000")
    assert proc.stdout.readline().startswith("data:")
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    stdout, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "error:" not in err
    assert re.search(r"^el +- +not trained \(User stop\.\) +- +- +- +-$", stdout, re.M), stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["models"]["bp"]["stop_reason"] == "User stop." and "el" not in metrics["models"]
    assert metrics["not_trained"] == {"el": "not trained (User stop.)"}
    assert not list(out.glob("*_el.*"))
    assert_one_complete_run(out, tmp_path / "d.csv")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_while_reading_the_data_aborts_at_once(tmp_path, earlier, big_csv, sig):
    before = snapshot(tmp_path)
    proc = start(str(earlier), "--out", str(tmp_path / "new"), "--set", f"data.path={big_csv}")
    wait_until(lambda: has_open(proc, big_csv))
    sent = time.monotonic()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert time.monotonic() - sent < 5.0
    assert proc.returncode == 130
    one_error_line(err, f"aborted by {sig.name}; nothing was written, every file is as it was")
    assert snapshot(tmp_path) == before   # not even the new output folder


def test_a_signal_while_writing_leaves_the_earlier_run(tmp_path, earlier):
    out = tmp_path / "out"
    before = snapshot(tmp_path)
    proc = start(str(earlier), "--out", str(out), "--quiet", "--set", "seed=2")
    wait_until(lambda: (out / ".bpnet-staging").exists(), every=0.0005)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    if "error:" not in err:   # the signal came during the commit: delivered after it
        assert "SIGTERM: received as the results were moved into place" in err
        assert assert_one_complete_run(out, tmp_path / "d.csv") == 2
        return
    one_error_line(err, "aborted by SIGTERM; nothing was written")
    assert snapshot(tmp_path) == before


def test_signals_outside_training_abort_predict_and_forecast(tmp_path, earlier, long_csv):
    model = tmp_path / "out/model_bp.npz"
    before = snapshot(tmp_path)
    proc = start("predict", str(model), str(long_csv), "--out", str(tmp_path / "p.csv"))
    wait_until(lambda: has_open(proc, long_csv))
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    one_error_line(err, "aborted by SIGINT; nothing was written, every file is as it was")
    proc = start("forecast", str(model), str(long_csv), "--steps", "10000000",
                 "--out", str(tmp_path / "f.csv"))
    wait_until(lambda: has_open(proc, long_csv))
    wait_until(lambda: not has_open(proc, long_csv))
    time.sleep(1.5)   # the samples built, well into the 10,000,000 steps
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert time.monotonic() - sent < 5.0
    assert proc.returncode == 130
    one_error_line(err, "aborted by SIGTERM")
    assert snapshot(tmp_path) == before


# ------------------------------------------------------------ whose files

def test_files_bpnet_cannot_tell_it_wrote_are_kept(tmp_path, capsys):
    """In a folder without a manifest, the files a run does not write are kept whatever their
    names (one warning says so): bpnet cannot tell who wrote them."""
    config = tiny_config(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "errors.png").write_bytes(b"the user's picture")
    (out / "model_elman.npz").write_bytes(b"the user's model")
    before = snapshot(out)
    for kept in ("kept 2 files", None):   # the second run: not in the manifest, not bpnet's
        assert main([str(config), "--out", str(out), "--quiet", "--no-plots"]) == 0
        captured = capsys.readouterr()
        assert "removed" not in captured.out
        assert {n: v for n, v in snapshot(out).items() if n in before} == before
        warned = [line for line in captured.err.splitlines() if " kept " in line]
        assert warned == ([f"warning: {shown(out)}: kept 2 files there that this run does not "
                           "write, as the folder had no manifest.json, so bpnet cannot tell "
                           "who wrote them: errors.png, model_elman.npz"] if kept else [])


@pytest.mark.parametrize("how", ["no manifest", "not listed", "changed"])
def test_a_run_never_replaces_a_file_bpnet_did_not_write(tmp_path, earlier, capsys, how):
    """A file the run would write that is there already and is not bpnet's refuses the folder
    before any work, the file named: one the user put in a folder without a manifest, one
    the manifest does not list, one changed since the run wrote it."""
    out, name = tmp_path / "out", "model_bp.npz"
    manifest = json.loads((out / "manifest.json").read_text())
    if how == "no manifest":
        out, name = tmp_path / "mine", "errors.png"
        out.mkdir()
        (out / name).write_bytes(b"the user's picture")
        why = "was not written by bpnet (the folder has no manifest.json)"
    elif how == "not listed":
        del manifest["files"][name]
        (out / "manifest.json").write_text(json.dumps(manifest))
        why = "was not written by bpnet (the folder's manifest.json does not list it)"
    else:
        with open(out / name, "ab") as fh:
            fh.write(b"\0")
        why = "has changed since bpnet wrote it"
    before = snapshot(tmp_path)
    assert main([str(earlier), "--out", str(out), "--quiet"]) == 2
    line = one_error_line(capsys.readouterr().err, f"{name}: exists and {why}")
    assert line.endswith("; choose another --out or remove it")
    assert snapshot(tmp_path) == before


def test_a_file_put_there_during_the_run_is_not_replaced(tmp_path, capsys, monkeypatch):
    """The commit checks once more: a file saved in the folder as the run writes is kept, and
    the run is refused with the folder as it is."""
    from bpnet.report import files
    config, out = tiny_config(tmp_path), tmp_path / "new"
    write = files._write_files

    def meanwhile(folder, *args):
        (out / "model_bp.npz").write_bytes(b"the user's, saved as the run writes")
        write(folder, *args)
    monkeypatch.setattr(files, "_write_files", meanwhile)
    assert main([str(config), "--out", str(out), "--quiet", "--no-plots"]) == 2
    one_error_line(capsys.readouterr().err, "model_bp.npz: exists and was not written by bpnet")
    assert os.listdir(out) == ["model_bp.npz"]
    assert (out / "model_bp.npz").read_bytes() == b"the user's, saved as the run writes"


def untimed(text: str | bytes) -> dict:
    """A metrics.json without the seconds training took."""
    metrics = json.loads(text)
    for entry in metrics["models"].values():
        del entry["train_seconds"], entry["seconds_per_epoch"]
    return metrics


def test_a_run_reruns_from_its_own_config(tmp_path, capsys, monkeypatch):
    """``python run.py <out>/config.yaml`` reruns the run into its folder, from any folder:
    the same numbers, the same config.yaml, which stays as it was until the commit; a
    config.yaml changed since the run wrote it is the user's, never replaced."""
    from bpnet.report import files
    config, out = tiny_config(tmp_path / "exp"), tmp_path / "exp/out"
    assert main([str(config), "--out", str(out), "--quiet", "--no-plots"]) == 0
    first = snapshot(out)
    monkeypatch.chdir(tmp_path)
    with monkeypatch.context() as full:
        def no_space(*args):
            raise OSError(errno.ENOSPC, "No space left on device")
        full.setattr(files, "write_predictions", no_space)
        assert main(["exp/out/config.yaml", "--quiet"]) == 2
        one_error_line(capsys.readouterr().err, "cannot write the results (No space left")
        assert snapshot(out) == first
    assert main(["exp/out/config.yaml", "--quiet"]) == 0
    assert (out / "config.yaml").read_bytes() == first["config.yaml"][0]
    assert untimed((out / "metrics.json").read_bytes()) == untimed(first["metrics.json"][0])
    assert_one_complete_run(out, tmp_path / "exp/d.csv")
    with open(out / "config.yaml", "a") as fh:
        fh.write("# mine now\n")
    before = snapshot(tmp_path)
    assert main(["exp/out/config.yaml", "--quiet"]) == 2
    one_error_line(capsys.readouterr().err, "would overwrite the config file")
    assert snapshot(tmp_path) == before


# ------------------------------------------------------------ a full disk

@pytest.fixture
def full_disk(tmp_path, template):
    """A 2 MB tmpfs holding the template (config, data, a complete run), filled to the last
    byte; skipped where tmpfs cannot be mounted (test_full_disk_simulated covers it)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        shutil.copytree(template, disk, dirs_exist_ok=True)
        with open(disk / "filler", "wb", buffering=0) as fh:
            try:
                while fh.write(b"\0" * 4096):
                    pass
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def test_full_disk_in_train_predict_and_forecast(full_disk):
    d = full_disk
    before = snapshot(d)
    for args in ([str(d / "c.yaml"), "--out", str(d / "out"), "--quiet", "--set", "seed=1"],
                 ["predict", str(d / "out/model_bp.npz"), str(d / "d.csv"), "--out",
                  str(d / "p.csv")],
                 ["forecast", str(d / "out/model_el.npz"), str(d / "d.csv"), "--steps", "5",
                  "--out", str(d / "f.csv")]):
        code, _, err = run(*args)
        assert code == 2, err
        one_error_line(err, "No space left on device")
        assert snapshot(d) == before


def test_full_disk_simulated(tmp_path, earlier, capsys, monkeypatch):
    """The same without a tmpfs: every write after the first few fails with ENOSPC."""
    from bpnet.storage import fileio
    real, calls = fileio._new_temp, []

    def full(path, binary):
        calls.append(path)
        if len(calls) > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, binary)
    monkeypatch.setattr(fileio, "_new_temp", full)
    before = snapshot(tmp_path)
    assert main([str(earlier), "--out", str(tmp_path / "out"), "--quiet", "--set",
                 "seed=1"]) == 2
    line = one_error_line(capsys.readouterr().err, "cannot write the results (No space left on "
                                                   "device); the folder is as it was")
    assert str(tmp_path / "out") in line or "out:" in line
    calls.extend([None] * 3)
    for args in (["predict", str(tmp_path / "out/model_bp.npz"), str(tmp_path / "d.csv"),
                  "--out", str(tmp_path / "p.csv")],
                 ["forecast", str(tmp_path / "out/model_el.npz"), str(tmp_path / "d.csv"),
                  "--steps", "5", "--out", str(tmp_path / "f.csv")]):
        assert main(args) == 2
        one_error_line(capsys.readouterr().err, "cannot write (No space left on device); every "
                                                "file is as it was")
    assert snapshot(tmp_path) == before


class OtherThread(threading.Thread):
    """A thread, started now (so SIGINT is not blocked in it), that on :meth:`ctrl_c` sends
    SIGINT to itself, as the kernel may hand a Ctrl-C to any thread of a process where several
    run (a sweep's pool)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.go, self.sent = threading.Event(), threading.Event()
        self.start()

    def run(self) -> None:
        self.go.wait()
        signal.pthread_kill(threading.get_ident(), signal.SIGINT)
        self.sent.set()

    def ctrl_c(self) -> None:
        """Send it; when this returns, Python's flag for the main thread is set."""
        self.go.set()
        assert self.sent.wait(10)
        self.join()


@pytest.fixture
def ctrl_c_raises():
    """Ctrl-C raises KeyboardInterrupt during the test, as in a terminal (a shell's background
    job starts with SIGINT ignored)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_signals_held_hold_a_signal_another_thread_receives(ctrl_c_raises):
    """Python runs the handler in the main thread whichever thread received the signal: the
    hold covers that too, and the signal comes when the block ends."""
    from bpnet.storage.fileio import signals_held
    reached, other = False, OtherThread()
    with pytest.raises(KeyboardInterrupt):
        with signals_held():
            other.ctrl_c()
            for _ in range(20):   # room for the handler to run, had it been left in place
                time.sleep(0.001)
            reached = True
    assert reached
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_stop_as_a_temporary_file_is_made_leaves_none(tmp_path, monkeypatch, ctrl_c_raises):
    """Ctrl-C in the instant after the temporary file exists: it is removed all the same."""
    from bpnet.storage import fileio
    real, other = fileio._new_temp, OtherThread()

    def then_stopped(path, binary):
        made = real(path, binary)
        other.ctrl_c()
        return made
    monkeypatch.setattr(fileio, "_new_temp", then_stopped)
    with pytest.raises(KeyboardInterrupt):
        fileio.atomic_write(tmp_path / "a.csv", lambda fh: fh.write("x\n"))
    assert os.listdir(tmp_path) == []


# ------------------------------------------------------------ kill -9 at random moments

def _forked_run(argv: list[str], err: Path | None = None) -> multiprocessing.Process:
    """``run.py ARGV`` in a forked process: a real process, without the second of start-up
    that a fresh interpreter spends importing (the parent has imported bpnet already), in a
    process group of its own (as a shell starts a command); its standard error goes to
    ``err``."""
    def child():
        os.setpgrp()
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            os.dup2(null.fileno(), 2)
        sys.stderr = open(err or os.devnull, "w", buffering=1)   # not pytest's capture
        os._exit(main(argv))
    proc = multiprocessing.get_context("fork").Process(target=child)
    proc.start()
    return proc


def test_kill_at_random_moments_leaves_one_complete_run(tmp_path, earlier):
    """Twelve runs, each overwriting the folder and killed (kill -9) at a random moment of
    its work: after each kill the folder holds one complete run, the earlier one or the new
    one, every model agreeing with predictions.csv. A kill inside the moves of a commit leaves
    a journal that the next reader completes."""
    from bpnet.storage import outdir
    out, data = tmp_path / "out", tmp_path / "d.csv"
    rng = random.Random(15)

    def launch(seed):
        return _forked_run([str(earlier), "--out", str(out), "--quiet", "--set", f"seed={seed}"])
    took = []
    for seed in (100, 99):   # the shorter of two whole runs: a kill may still come after the
        # commit (the process ends its workers then), but most come before
        began = time.monotonic()
        proc = launch(seed)
        proc.join(120)
        assert proc.exitcode == 0
        took.append(time.monotonic() - began)
    span = min(took)
    seeds, outcomes = {0, 99, 100}, {"old": 0, "new": 0, "journal": 0}
    for i in range(1, 13):
        old = assert_one_complete_run(out, data)
        proc = launch(100 + i)
        time.sleep(rng.uniform(0.0, span))
        proc.kill()
        proc.join()
        if (out / ".bpnet-commit").is_dir():
            outcomes["journal"] += 1
            with outdir.RunFolder(str(out)):
                pass   # what the next run or predict does first
        seed = assert_one_complete_run(out, data)
        assert seed in (old, 100 + i) and seed in seeds | {100 + i}
        seeds.add(seed)
        outcomes["old" if seed == old else "new"] += 1
    assert outcomes["old"] >= 3, outcomes   # most kills land mid-run
    code, _, err = run(str(earlier), "--out", str(out), "--quiet")
    assert code == 0, err
    assert assert_one_complete_run(out, data) == 0
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]
    print(outcomes)


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_a_killed_run_leaves_no_worker_behind(tmp_path, earlier):
    """The drawing workers a run starts before training, and the training workers of several
    runs, end when the run is killed (kill -9 runs no cleanup): none waits forever."""
    for extra in ([], ["--set", "runs=4", "--jobs", "2"]):
        proc = _forked_run([str(earlier), "--out", str(tmp_path / "out"), "--quiet", "--set",
                            "train.epochs=100000000", *extra])
        wait_until(lambda proc=proc: _children(proc.pid), timeout=60, every=0.05)
        workers = _children(proc.pid)
        proc.kill()
        proc.join()
        wait_until(lambda workers=workers: not any(map(_running, workers)), timeout=10,
                   every=0.05)


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"

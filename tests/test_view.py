"""The live training page (--view) over HTTP: a real run, its /status, its token, its Stop
Training, and the address it answers on."""
from __future__ import annotations

import json
import socket
import time

import pytest
from viewhelpers import ROOT, ViewRun, training

CONFIG = str(ROOT / "configs" / "passengers.yaml")
# long enough to be watched and stopped; the time limit only guards against a hung test
LONG = ("--set", "train.epochs=1000000", "--set", "train.min_grad=0", "--set",
        "train.time=120", "--quiet", "--no-plots")


@pytest.fixture
def long_run(tmp_path):
    run = ViewRun(CONFIG, "--out", str(tmp_path / "out"), *LONG)
    yield run
    run.kill()


def test_status_epochs_increase_then_stop_training_is_the_first_ctrl_c(long_run, tmp_path):
    run = long_run
    first = run.wait_for(lambda s: s["stage"] == "training" and s["models"]
                         and training(s, "bp").get("epoch", 0) > 0)
    bp = training(first, "bp")
    assert bp["state"] == "training" and first["runs"] == 1
    assert [layer["size"] for layer in first["models"][0]["layers"]] == [2, 10, 10, 1]
    assert [layer.get("transfer") for layer in first["models"][0]["layers"][1:]] == \
        ["tansig", "tansig", "purelin"]
    time.sleep(0.6)
    later = training(run.status(), "bp")
    assert later["epoch"] > bp["epoch"] and later["elapsed"] > bp["elapsed"]
    bars = {b["name"]: b for b in later["bars"]}
    assert bars["Epoch"]["value"] == later["epoch"] and bars["Epoch"]["limit"] == 1000000
    assert 0 < bars["Epoch"]["frac"] < 1 and bars["Gradient"]["limit"] == 0
    assert bars["Performance"]["scale"] == "log" and bars["Learning rate"]["value"] > 0
    assert later["curve"]["epoch"][0] == 0 and later["curve"]["test"][0] is not None
    assert all(v is None for v in later["curve"]["val"])   # passengers has no val part

    code, body = run.request("/stop", "POST")
    assert code == 200 and json.loads(body) == {"stopping": True}
    end = run.wait_for(lambda s: s["exit_status"] is not None)
    assert training(end, "bp")["stop_reason"] == "User stop."
    assert training(end, "elman")["state"] == "not trained"   # no other model starts
    assert end["exit_status"] == 130 and end["stop_requested"]
    assert run.request("/stop", "POST")[0] == 409          # nothing left to stop
    code, out, err = run.finish()
    assert code == 130, err
    assert "Stop Training: stopping training at the next epoch" in err
    assert "Stop Training: training stopped; not trained: elman; exit status 130" in err
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["models"]["bp"]["stop_reason"] == "User stop."
    assert "Traceback" not in err


def test_no_token_no_answer(long_run):
    run = long_run
    run.wait_for(lambda s: s["stage"] == "training")
    wrong = ("y" if run.token[0] == "x" else "x") + run.token[1:]
    for path, method in (("/", "GET"), ("/status", "GET"), ("/stop", "POST"),
                         ("/view.js", "GET"), ("/view.css", "GET"), ("/files/fit.png", "GET")):
        assert run.request(path, method, token=None)[0] == 403, path
        assert run.request(path, method, token=wrong)[0] == 403, path
    assert run.status()["stage"] == "training" and not run.status()["stop_requested"]
    code, page = run.request("/")
    assert code == 200 and b"Stop Training" in page
    assert f"view.js?token={run.token}".encode() in page
    assert b"http" not in page.replace(b"http-equiv", b"")   # nothing fetched from elsewhere


def test_answers_on_127_0_0_1_only(long_run):
    run = long_run
    run.wait_for(lambda s: s["stage"] == "training")
    addresses = ["127.0.0.2"]   # loopback too, but not the address the server is bound to
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))   # no packet is sent: picks the outward address
            addresses.append(s.getsockname()[0])
    except OSError:
        pass
    for address in addresses:
        if address.startswith("127.0.0.1"):
            continue
        with pytest.raises(OSError):
            socket.create_connection((address, run.port), timeout=3).close()
    socket.create_connection(("127.0.0.1", run.port), timeout=3).close()


def test_final_state_stays_with_stop_reasons_and_pictures(tmp_path):
    out = tmp_path / "out"
    run = ViewRun(CONFIG, "--out", str(out), "--set", "train.epochs=40", "--quiet")
    try:
        end = run.wait_for(lambda s: s["exit_status"] is not None)
        assert end["stage"] == "done" and end["exit_status"] == 0
        for model in ("bp", "elman"):
            t = training(end, model)
            assert t["state"] == "done" and t["epoch"] == 40
            assert t["stop_reason"] == "Maximum epoch reached."
            assert t["curve"]["epoch"][-1] == 40
        bp = end["models"][0]
        assert sorted(bp["pictures"]) == ["errhist_bp.png", "errors_bp.png",
                                          "regression_bp.png", "trainstate_bp.png"]
        assert "fit.png" in end["pictures"]
        code, png = run.request("/files/errors_bp.png")
        assert code == 200 and png == (out / "errors_bp.png").read_bytes()
        # only the run's pictures, in its folder: no other file, no path out of it
        for name in ("metrics.json", "config.yaml", "..%2Fout%2Ffit.png", "../out/fit.png",
                     "%2Fetc%2Fpasswd", "manifest.json"):
            assert run.request(f"/files/{name}")[0] == 404, name
        time.sleep(0.5)
        assert run.status() == end   # the final state, as long as the process lives
    finally:
        code, _, err = run.finish()
    assert code == 0, err


def test_several_runs_in_worker_processes_each_have_their_bars(tmp_path):
    run = ViewRun(CONFIG, "--out", str(tmp_path / "out"), "--set", "runs=2", "--set",
                  "train.epochs=200", "--set", "models={bp: {type: feedforward, hidden: [4]}}",
                  "--jobs", "2", "--quiet", "--no-plots")
    try:
        seen = run.wait_for(lambda s: s["models"] and
                            all(t["state"] != "waiting" for t in s["models"][0]["trainings"]))
        assert seen["runs"] == 2 and [t["seed"] for t in seen["models"][0]["trainings"]] == [0, 1]
        end = run.wait_for(lambda s: s["exit_status"] is not None)
        for r in (1, 2):
            t = training(end, "bp", r)
            assert t["stop_reason"] == "Maximum epoch reached." and t["epoch"] == 200
            assert t["curve"]["epoch"] == list(range(201))   # every row came through
    finally:
        code, _, err = run.finish()
    assert code == 0, err


def test_a_port_in_use_is_one_error_line(tmp_path):
    from iohelpers import one_error_line, run
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        code, _, err = run(CONFIG, "--out", str(tmp_path / "out"), "--view", "--no-browser",
                           "--view-port", str(port))
    assert code == 2
    one_error_line(err, f"--view-port {port}: cannot serve the page there")
    assert not (tmp_path / "out" / "metrics.json").exists()


def test_stop_training_stops_the_runs_in_worker_processes(tmp_path):
    run = ViewRun(CONFIG, "--out", str(tmp_path / "out"), "--set", "runs=2", *LONG,
                  "--jobs", "2")
    try:
        run.wait_for(lambda s: s["models"] and all(
            t.get("epoch", 0) > 0 for t in s["models"][0]["trainings"]))
        assert run.request("/stop", "POST")[0] == 200
        end = run.wait_for(lambda s: s["exit_status"] is not None)
        assert [t["stop_reason"] for t in end["models"][0]["trainings"]] == ["User stop."] * 2
        assert all(t["state"] == "not trained" for t in end["models"][1]["trainings"])
    finally:
        code, _, err = run.finish()
    assert code == 130, err
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["models"]["bp"]["stop_reason"] == "User stop."

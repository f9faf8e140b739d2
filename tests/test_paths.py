"""Paths mean what a user means: written in the config file, against the config's folder; typed
on the command line (--set, --out), against the current folder."""
import json
import shutil

import pytest

from bpnet.cli import main
from bpnet.config import load_config
from bpnet.errors import InputError


@pytest.fixture
def layout(tmp_path, root, monkeypatch):
    """configs/c.yaml naming ../data/air.csv; the user works in work/, which holds its own
    mine.csv (a copy of the data)."""
    (tmp_path / "configs").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "work").mkdir()
    shutil.copy(root / "data/airline_passengers.csv", tmp_path / "data/air.csv")
    shutil.copy(root / "data/airline_passengers.csv", tmp_path / "work/mine.csv")
    (tmp_path / "configs/c.yaml").write_text("""
data: {path: ../data/air.csv, series: passengers, time: month, lags: [1]}
split: {method: block, train: 0.7, val: 0.0, test: 0.3}
models: {bp: {type: feedforward, hidden: [2], train: {epochs: 3}}}
train: {show: 0}
output: {dir: ../results}
""")
    monkeypatch.chdir(tmp_path / "work")
    return tmp_path


def test_config_paths_resolve_against_its_folder(layout):
    cfg = load_config("../configs/c.yaml")
    assert cfg.data.path == str(layout / "data/air.csv")
    assert cfg.output.dir == str(layout / "results")


def test_command_line_paths_resolve_against_the_current_folder(layout):
    cfg = load_config("../configs/c.yaml", ["data.path=mine.csv", "output.dir=here"])
    assert cfg.data.path == str(layout / "work/mine.csv")
    assert cfg.output.dir == str(layout / "work/here")
    # a whole block typed on the command line counts as typed too
    cfg = load_config("../configs/c.yaml", ["data={path: mine.csv, series: passengers}"])
    assert cfg.data.path == str(layout / "work/mine.csv")
    assert load_config("../configs/c.yaml", [], "out").output.dir == str(layout / "work/out")


def test_run_with_command_line_paths(layout, capsys):
    assert main(["../configs/c.yaml", "--set", "data.path=mine.csv", "--out", "res", "--quiet",
                 "--no-plots"]) == 0
    assert (layout / "work/res/metrics.json").exists()
    assert not (layout / "results").exists()
    # the config written beside the results reruns the same data from anywhere
    written = (layout / "work/res/config.yaml").read_text()
    assert "path: ../mine.csv" in written


def test_file_not_found_names_key_written_and_resolved_path(layout, capsys):
    assert main(["../configs/c.yaml", "--set", "data.path=nope.csv", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("error: --set data.path: data file not found: 'nope.csv', resolved against "
                   f"the current folder to {layout / 'work/nope.csv'}")
    (layout / "configs/c.yaml").write_text(
        (layout / "configs/c.yaml").read_text().replace("../data/air.csv", "air.csv"))
    assert main(["../configs/c.yaml", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("error: ../configs/c.yaml: data.path: data file not found: 'air.csv', "
                   "resolved against the config file's folder to "
                   f"{layout / 'configs/air.csv'}")
    with pytest.raises(InputError, match="models.bp.init: model file not found: 'm.npz', "
                       "resolved against the config file's folder"):
        load_config(_with_init(layout), check_files=True)
    assert not (layout / "results").exists()


def _with_init(layout):
    path = layout / "configs/i.yaml"
    path.write_text((layout / "configs/c.yaml").read_text().replace(
        "air.csv", "../data/air.csv").replace("hidden: [2]", "hidden: [2], init: m.npz"))
    return path


def test_metrics_of_a_run_from_another_folder_are_the_same(layout, root, capsys):
    """The same data reached by either rule gives the same numbers."""
    assert main(["../configs/c.yaml", "--out", "a", "--quiet", "--no-plots"]) == 0
    assert main(["../configs/c.yaml", "--set", "data.path=mine.csv", "--out", "b", "--quiet",
                 "--no-plots"]) == 0
    a = json.loads((layout / "work/a/metrics.json").read_text())["models"]
    b = json.loads((layout / "work/b/metrics.json").read_text())["models"]
    assert a["bp"]["test"] == b["bp"]["test"]

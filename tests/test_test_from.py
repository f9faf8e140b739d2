"""The test part as the last steps: from a time label (split.test_from) or a count, the same
time steps whatever the lags and transforms; val beside it, tabular data, and the mistakes."""
import numpy as np
import pytest
import yaml
from iohelpers import one_error_line

from bpnet import data
from bpnet.cli import main
from bpnet.config import build_config
from bpnet.errors import InputError

MONTHS = [f"{y}-{m:02d}" for y in range(1957, 1961) for m in range(1, 13)][6:]   # 1957-07 on


def cfg(root, split, lags=(1,), transform=None, path=None, **over):
    raw = {"data": {"path": str(path or root / "data/airline_passengers.csv"),
                    "series": "passengers", "time": "month", "lags": list(lags),
                    "transform": transform or {}},
           "split": split, "train": {"epochs": 5, "show": 0},
           "models": {"bp": {"type": "feedforward", "hidden": [2]}}}
    raw.update(over)
    return build_config(raw, "t.yaml")


def parts(c) -> dict[str, list[str]]:
    ds = data.load(c, np.random.default_rng(0))
    return {p: [ds.labels[i] for i in idx] for p, idx in ds.index.items()}


@pytest.mark.parametrize("split", [{"test_from": "1957-07"}, {"test": 42},
                                   {"test_from": "1957-7"}])
def test_the_same_42_months_whatever_the_lags_and_transforms(root, split):
    short = parts(cfg(root, split, lags=[1]))
    long = parts(cfg(root, split, lags=range(1, 14),
                     transform={"log": True, "difference": [1, 12]}))
    assert short["test"] == long["test"] == MONTHS
    # val: 15 % (the default) of the samples before the test part, just before it
    assert (len(short["train"]), len(short["val"])) == (86, 15)      # 143 - 42 = 101
    assert (len(long["train"]), len(long["val"])) == (65, 11)        # 144 - 26 - 42 = 76
    assert short["val"][-1] == long["val"][-1] == "1957-06"
    # a fraction, by contrast, moves with the number of samples
    frac = {"train": 0.7, "val": 0.0, "test": 0.3}
    assert parts(cfg(root, frac, lags=[1]))["test"][0] != \
        parts(cfg(root, frac, lags=range(1, 14)))["test"][0]


def test_val_is_a_fraction_of_what_remains_or_a_count(root):
    p = parts(cfg(root, {"test_from": "1957-07", "val": 0.1}))
    assert len(p["val"]) == 10 and len(p["train"]) == 101 - 10 and p["val"][-1] == "1957-06"
    p = parts(cfg(root, {"test": 42, "val": 12}))
    assert p["val"] == [f"1956-{m:02d}" for m in range(7, 13)] + \
        [f"1957-{m:02d}" for m in range(1, 7)]
    assert p["train"][0] == "1949-02" and p["train"][-1] == "1956-06"
    p = parts(cfg(root, {"test": 42, "train": 0.75, "val": 0.25}))
    assert len(p["val"]) == 25 and len(p["train"]) == 76 and p["test"] == MONTHS


def test_a_forecast_of_the_test_part_from_a_label(root):
    c = cfg(root, {"test_from": "1957-07", "val": 0.0}, lags=[1, 12, 13],
            transform={"log": True, "difference": [1, 12]}, forecast={"horizon": "test"})
    ds = data.load(c, np.random.default_rng(0))
    assert ds.labels[ds.index["test"][0]] == "1957-07" and len(ds.index["test"]) == 42


def test_a_count_of_last_rows_and_a_label_of_a_table(root, tmp_path):
    rows = [f"{2000 + i},{i},{2 * i + 1}" for i in range(30)]
    (tmp_path / "t.csv").write_text("year,x,y\n" + "\n".join(rows) + "\n")
    raw = {"data": {"path": str(tmp_path / "t.csv"), "inputs": ["x"], "targets": ["y"],
                    "time": "year"},
           "models": {"bp": {"type": "feedforward", "hidden": [2]}}}
    for split in ({"test": 8, "val": 0.0}, {"test_from": "2022", "val": 0.0},
                  {"test_from": 2022, "val": 0.0}):
        ds = data.load(build_config({**raw, "split": split}, "t.yaml"),
                       np.random.default_rng(0))
        assert [ds.labels[i] for i in ds.index["test"]] == [str(2022 + i) for i in range(8)]
        assert len(ds.index["train"]) == 22
    raw["data"] = {k: v for k, v in raw["data"].items() if k != "time"}
    with pytest.raises(InputError, match="split.test_from: a time label needs data.time"):
        build_config({**raw, "split": {"test_from": "2022"}}, "t.yaml")
    raw["data"]["test_path"] = str(tmp_path / "t.csv")
    with pytest.raises(InputError, match="split.test: data.test_path is the test part"):
        build_config({**raw, "split": {"test": 5}}, "t.yaml")


@pytest.mark.parametrize("label, fragment", [
    ("1957-13", "split.test_from: '1957-13' is not a time label of column month (1949-01 to "
                "1960-12)"),
    ("1961-01", "split.test_from: '1961-01' is not a time label"),
    ("1950-02", "split.test_from: 1950-02 leaves 0 samples for training (lags up to 13 after "
                "differencing by 13: the first sample is 1951-03); at least 2 are needed; the "
                "test part can start at 1951-05 at the earliest"),
    ("1951-04", "split.test_from: 1951-04 leaves 1 samples for training"),
])
def test_bad_labels_are_one_line_naming_the_key(root, tmp_path, capsys, label, fragment):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({
        "data": {"path": str(root / "data/airline_passengers.csv"), "series": "passengers",
                 "time": "month", "lags": [1, 12, 13],
                 "transform": {"log": True, "difference": [1, 12]}},
        "split": {"test_from": label, "val": 0.0},
        "models": {"bp": {"type": "feedforward", "hidden": [2]}}}))
    assert main([str(path), "--out", str(tmp_path / "o"), "--quiet", "--no-plots"]) == 2
    one_error_line(capsys.readouterr().err, fragment)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("split, fragment", [
    ({"method": "random", "test_from": "1957-07"},
     "split.test_from: the test part is then the last steps of the data, which needs "
     "split.method: block, not random"),
    ({"method": "interleaved", "test": 42}, "split.test: the test part is then the last"),
    ({"method": "index", "train": "1:100", "test": 5}, "split.test: the test part is then"),
    ({"test_from": "1957-07", "test": 0.3}, "split.test: split.test_from says where"),
    ({"test": 42, "train": 0.7, "val": 0.15}, "split.train: with a count in split.test the "
                                             "training part is what the test and val parts "
                                             "leave"),
    ({"test_from": "1957-07", "train": 0.9, "val": 5}, "split.train: with split.test_from"),
    ({"val": 12}, "split.val: a count of steps (12) needs the test part as the last steps"),
    ({"test": 42.0}, "split.test: must be in [0, 1), got 42.0 (a fraction; or a whole number"),
    ({"test_from": 1957.1}, "split.test_from: expected a time label of data.time"),
])
def test_split_mistakes(root, split, fragment):
    with pytest.raises(InputError, match=fragment.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        cfg(root, split)


def test_a_count_that_leaves_no_training_part(root):
    with pytest.raises(InputError, match="split.test: the last 140 steps and the 2 of the "
                                         "val part leave 1 of the 143 samples"):
        data.load(cfg(root, {"test": 140, "val": 2}), np.random.default_rng(0))


def test_the_written_config_runs_again_on_the_same_parts(root, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({
        "data": {"path": str(root / "data/airline_passengers.csv"), "series": "passengers",
                 "time": "month", "lags": [1, 12]},
        "split": {"test_from": "1957-07", "val": 0.1}, "train": {"epochs": 3, "show": 0},
        "models": {"bp": {"type": "feedforward", "hidden": [2]}}}))
    assert main([str(path), "--out", str(tmp_path / "o"), "--quiet", "--no-plots"]) == 0
    written = yaml.safe_load((tmp_path / "o/config.yaml").read_text())["split"]
    assert written == {"method": "block", "train": None, "val": 0.1, "test": None,
                       "test_from": "1957-07"}
    assert main([str(tmp_path / "o/config.yaml"), "--out", str(tmp_path / "p"), "--quiet",
                 "--no-plots"]) == 0
    split_of = [line.split(",")[1] for line in
                (tmp_path / "o/predictions.csv").read_text().splitlines()[1:]]
    assert split_of == [line.split(",")[1] for line in
                        (tmp_path / "p/predictions.csv").read_text().splitlines()[1:]]
    assert split_of.count("test") == 42

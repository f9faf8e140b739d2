"""Configs as MATLAB users write them: ranges such as ``lags: 1:12`` (which YAML 1.1 reads as
the base-60 number 72), the other YAML 1.1 traps, MATLAB's division names, divideind's index
lists, and honest messages for MATLAB names bpnet does not have."""
import numpy as np
import pytest
import yaml

from bpnet.cli import main
from bpnet.config import load_config
from bpnet.config.yamlschema import parse_yaml
from bpnet.data import dataset
from bpnet.errors import InputError

SERIES = "month,y\n" + "".join(f"{1950 + i // 12}-{i % 12 + 1:02d},{100 + i + (i % 12) ** 2}\n"
                               for i in range(60))


def config(tmp_path, data_extra="", extra=""):
    (tmp_path / "d.csv").write_text(SERIES)
    path = tmp_path / "c.yaml"
    path.write_text(f"""
data: {{path: d.csv, series: y, time: month{data_extra}}}
split: {{method: block, train: 0.7, val: 0.0, test: 0.3}}
models: {{bp: {{type: feedforward, hidden: [3]}}}}
train: {{epochs: 3, show: 0}}
{extra}""")
    return path


@pytest.mark.parametrize("written, lags", [
    ("1:12", tuple(range(1, 13))),
    ("[1:3, 12]", (1, 2, 3, 12)),
    ("'[1:3 12]'", (1, 2, 3, 12)),          # MATLAB's blank-separated form, quoted
    ("1:2:11", (1, 3, 5, 7, 9, 11)),
    ("[12, 1]", (12, 1)),
    ("3", (3,)),
])
def test_lags_as_matlab_ranges(tmp_path, written, lags):
    cfg = load_config(config(tmp_path, f", lags: {written}"))
    assert cfg.data.lags == lags


def test_lags_range_on_the_command_line_is_recorded_as_the_list(tmp_path, capsys):
    # observed on main: --set data.lags=1:11 ran with the single lag 71 and recorded [71]
    out = tmp_path / "out"
    assert main([str(config(tmp_path)), "--set", "data.lags=1:11", "--out", str(out),
                 "--quiet"]) == 0
    written = yaml.safe_load((out / "config.yaml").read_text())
    assert written["data"]["lags"] == list(range(1, 12))
    assert "y[t-11]" in capsys.readouterr().out


@pytest.mark.parametrize("text, value", [
    ("x: 1:12", "1:12"), ("x: 1:2:11", "1:2:11"), ("x: 1:30.5", "1:30.5"),
    ("x: 2001-12-14", "2001-12-14"), ("x: 2001-12-14 10:00:00", "2001-12-14 10:00:00"),
    ("x: on", "on"), ("x: No", "No"), ("on: 1", None), ("x: 010", "010"),
    ("x: true", True), ("x: 12", 12), ("x: 1.5", 1.5), ("x: '1:12'", "1:12"),
])
def test_yaml11_traps_are_kept_as_the_text_written(text, value):
    raw = parse_yaml(text, "c.yaml")
    if value is None:
        assert raw == {"on": 1}      # a key `on:` stays the word, not True
    else:
        assert raw == {"x": value}


@pytest.mark.parametrize("override, check", [
    ("data.month=yes", lambda c: c.data.month is True),
    ("data.month=off", lambda c: c.data.month is False),
    ("seed=010", lambda c: c.seed == 10),       # YAML 1.1 would read octal 8
    ("train.epochs=1_000", lambda c: c.train.epochs == 1000),
    ("output.dir=2001-12-14", lambda c: c.output.dir.endswith("2001-12-14")),
])
def test_yaml11_words_are_read_as_meant(tmp_path, override, check):
    assert check(load_config(config(tmp_path), [override]))


@pytest.mark.parametrize("override, fragment", [
    ("train.time=1:30", "train.time: expected a number, got '1:30' (a:b is a MATLAB range, "
                        "and YAML 1.1 would read it in base 60); write a plain number"),
    ("seed=1:2", "seed: expected a number, got '1:2'"),
    ("data.lags=1:0", "data.lags: the range 1:0 is empty"),
    ("data.lags=[1:x]", "data.lags[0]: expected a whole number or a MATLAB range"),
    ("data.lags=0:3", "data.lags: must be a non-empty list of distinct positive integers"),
    ("data.month=maybe", "data.month: expected true or false, got 'maybe'"),
])
def test_yaml11_values_that_cannot_be_meant_say_how_to_write_them(tmp_path, override, fragment):
    with pytest.raises(InputError, match=None) as err:
        load_config(config(tmp_path), [override])
    assert fragment in str(err.value)


@pytest.mark.parametrize("matlab, ours", [("dividerand", "random"), ("divideblock", "block"),
                                          ("divideint", "interleaved"), ("DivideRand", "random")])
def test_matlab_division_names(tmp_path, matlab, ours):
    cfg = load_config(config(tmp_path), [f"split.method={matlab}"])
    assert cfg.split.method == ours


def test_divideind_index_lists_are_1_based_and_may_leave_samples_out(tmp_path):
    cfg = load_config(config(tmp_path), ["split.method=divideind", "split.train=1:40",
                                         "split.val=[41:45]", "split.test=50:59"])
    assert cfg.split.method == "index" and cfg.split.val == (41, 42, 43, 44, 45)
    data = dataset.load(cfg, np.random.default_rng(0))       # lag 1: 59 samples
    np.testing.assert_array_equal(data.index["train"], np.arange(40))
    np.testing.assert_array_equal(data.index["val"], np.arange(40, 45))
    np.testing.assert_array_equal(data.index["test"], np.arange(49, 59))
    assert data.labels[49] == "1954-03"     # sample 50 targets the 51st month


def test_index_split_written_in_the_file(tmp_path):
    path = config(tmp_path).read_text().replace(
        "split: {method: block, train: 0.7, val: 0.0, test: 0.3}",
        "split: {method: index, train: '1:50', test: '51:59'}")
    (tmp_path / "c.yaml").write_text(path)
    cfg = load_config(tmp_path / "c.yaml")
    assert cfg.split.val == () and cfg.split.test == tuple(range(51, 60))


@pytest.mark.parametrize("overrides, fragment", [
    (["split.method=index", "split.train=1:40", "split.test=40:59"],
     "split.test: sample 40 is also in split.train"),
    (["split.method=index", "split.train=1:40", "split.test=41:60"],
     "split.test: there is no sample 60; the data give 59 samples, numbered 1 to 59"),
    (["split.method=index", "split.train=[1]", "split.test=2:59"],
     "split.train: lists 1 sample(s); at least 2 are needed"),
])
def test_index_split_mistakes(tmp_path, overrides, fragment):
    cfg = load_config(config(tmp_path), overrides)
    with pytest.raises(InputError) as err:
        dataset.load(cfg, np.random.default_rng(0))
    assert fragment in str(err.value)


@pytest.mark.parametrize("overrides, fragment", [
    (["split.method=index"], "split.train: with split.method: index, give the sample numbers"),
    (["split.train=1:40"], "split.train: a list of sample numbers needs split.method: index"),
])
def test_index_split_config_mistakes(tmp_path, overrides, fragment):
    with pytest.raises(InputError) as err:
        load_config(config(tmp_path), overrides)
    assert fragment in str(err.value)


@pytest.mark.parametrize("override, said", [
    ("train.algorithm=traincgf", "traincgf is a conjugate-gradient rule in MATLAB"),
    ("performFcn=mse", "performFcn: not a bpnet key: MATLAB's performance function: write "
                       "train.perform"),
    ("train.performFcn=sse", "train.performFcn: 'sse' is not one of mse, crossentropy; sse is "
                             "the sum squared error in MATLAB"),
    ("trainFcn=trainlm", "trainFcn: not a bpnet key: MATLAB's training function: write "
                         "train.algorithm"),
    ("divideFcn=dividerand", "write split.method"),
    ("train.showWindow=false", "bpnet has no training window"),
    ("models.bp.transfer=[satlin, purelin]", "satlin is the saturating linear function in "
                                             "MATLAB; bpnet does not have it"),
    ("models.bp.type=fitnet", "fitnet is a MATLAB feedforward network: write type: feedforward"),
    ("models.bp.type=narxnet", "narxnet is MATLAB's network with outside input series"),
    ("scaling=removeconstantrows", "removeconstantrows is removing constant rows"),
    ("performParam={regularization: 0.1}", "performParam: not a bpnet key: MATLAB's "
                                           "performance parameters: write "
                                           "train.regularization"),
    ("sigma=5e-5", "sigma: not a bpnet key: a parameter of trainscg: write it in the train "
                   "block"),
])
def test_matlab_names_bpnet_does_not_have_say_so(tmp_path, override, said):
    with pytest.raises(InputError) as err:
        load_config(config(tmp_path), [override])
    message = str(err.value)
    assert said in message and "did you mean" not in message, message
    assert "\n" not in message


def test_a_plain_typo_still_gets_its_did_you_mean(tmp_path):
    with pytest.raises(InputError, match="did you mean trainlm"):
        load_config(config(tmp_path), ["train.algorithm=trainlmm"])

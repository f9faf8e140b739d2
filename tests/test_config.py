"""The YAML schema: defaults, overrides, and one clear line for every mistake."""
import math

import pytest

from bpnet.config import load_config, rule_params
from bpnet.errors import InputError

BASE = """
data: {path: d.csv, series: y}
models:
  bp: {type: feedforward}
"""


def write(tmp_path, text, name="c.yaml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_defaults_are_matlab_trainparam(tmp_path):
    cfg = load_config(write(tmp_path, BASE))
    t = cfg.models["bp"].train
    assert (t.algorithm, t.epochs, t.lr, t.lr_inc, t.lr_dec, t.max_perf_inc, t.mc, t.min_grad,
            t.max_fail, t.show) == ("traingdx", 1000, 0.01, 1.05, 0.7, 1.04, 0.9, 1e-5, 6, 25)
    assert t.goal == 0.0 and t.time == math.inf
    assert cfg.models["bp"].hidden == (10, 10)
    assert cfg.models["bp"].transfer == ("tansig", "tansig", "purelin")
    assert cfg.data.path == str((tmp_path / "d.csv").resolve())   # relative to the config
    assert cfg.scaling == "mapstd"


def test_set_overrides_and_model_train_block(tmp_path):
    text = BASE.replace("bp: {type: feedforward}",
                        "bp: {type: feedforward, train: {epochs: 50}}")
    cfg = load_config(write(tmp_path, text),
                      ["train.lr=0.05", "models.bp.hidden=[8,4]", "train.min_grad=1e-7"])
    m = cfg.models["bp"]
    assert m.hidden == (8, 4) and m.train.lr == 0.05 and m.train.epochs == 50
    assert m.train.min_grad == 1e-7
    assert cfg.train.epochs == 1000


@pytest.mark.parametrize("extra, message", [
    ("train: {lr_incr: 1.1}", "train.lr_incr: unknown key; did you mean train.lr_inc?"),
    ("train: {lr: -1}", "train.lr: must be > 0, got -1"),
    ("train: {mc: 1.0}", r"train.mc: must be in \[0, 1\)"),
    ("train: {lr_dec: 1.5}", r"train.lr_dec: must be in \(0, 1\)"),
    ("train: {lr_inc: 0.9}", "train.lr_inc: must be >= 1"),
    ("train: {epochs: -1}", "train.epochs: must be >= 0"),
    ("train: {epochs: ten}", "train.epochs: expected a whole number"),
    ("train: {algorithm: traingdz}", "not one of .*did you mean traingd"),
    ("scaling: mapstdd", "scaling: 'mapstdd' is not one of"),
    ("split: {train: 0.5, val: 0.1, test: 0.1}", "must be 1"),
    ("split: {method: blocks}", "split.method"),
    ("split: {test: -0.1}", r"split.test: must be in \[0, 1\)"),
    ("seed: !!python/object:os.system x", "tag .* is not allowed"),
])
def test_mistakes_name_the_key(tmp_path, extra, message):
    with pytest.raises(InputError, match=message) as exc:
        load_config(write(tmp_path, BASE + extra + "\n"))
    assert "\n" not in str(exc.value)
    assert str(exc.value).startswith(str(tmp_path / "c.yaml"))


@pytest.mark.parametrize("model, message", [
    ("{type: feedforward, hidden: [0, 3]}", "models.bp.hidden: sizes must be >= 1"),
    ("{type: feedforward, transfer: [tansig, purelin]}", "needs 3 names"),
    ("{type: feedforward, transfer: [tanh, tansig, purelin]}", "each must be one of"),
    ("{type: perceptron}", "models.bp.type"),
    ("{type: feedforward, hiden: [3, 3]}", "did you mean models.bp.hidden"),
    ("{type: feedforward, train: {mcc: 0.5}}", "models.bp.train.mcc: unknown key"),
    ("{type: elman, hidden: [3, 3]}", "one hidden layer"),
])
def test_model_mistakes(tmp_path, model, message):
    text = BASE.replace("{type: feedforward}", model)
    with pytest.raises(InputError, match=message):
        load_config(write(tmp_path, text))


def test_file_and_syntax_errors(tmp_path):
    with pytest.raises(InputError, match="config file not found"):
        load_config(tmp_path / "missing.yaml")
    with pytest.raises(InputError, match="line 2, column"):
        load_config(write(tmp_path, "data: {path: d.csv\nmodels: [\n"))
    with pytest.raises(InputError, match="lags: must be a non-empty list of distinct positive"):
        load_config(write(tmp_path, BASE + "", "x.yaml"), ["data.lags=[0]"])
    with pytest.raises(InputError, match="expected key.path=value"):
        load_config(write(tmp_path, BASE), ["train.lr"])


def test_a_parameter_the_rule_does_not_take_is_an_error(tmp_path):
    with pytest.raises(InputError, match=r"train.lr_inc: trainlm does not take lr_inc"):
        load_config(write(tmp_path, BASE + "train: {algorithm: trainlm, lr_inc: 1.1}\n"))
    with pytest.raises(InputError, match=r"models.bp.train.mc: traingd does not take mc"):
        load_config(write(tmp_path, BASE.replace(
            "{type: feedforward}", "{type: feedforward, train: {algorithm: traingd, mc: 0.5}}")))
    # null means "not given": switching rules from the command line
    cfg = load_config(write(tmp_path, BASE + "train: {algorithm: traingdx, mc: 0.8}\n"),
                      ["train.algorithm=traingd", "train.mc=null"])
    assert cfg.models["bp"].train.mc is None and cfg.models["bp"].train.lr == 0.01


def test_a_model_choosing_another_rule_takes_only_its_parameters(tmp_path):
    text = BASE.replace("bp: {type: feedforward}", """bp: {type: feedforward}
  lm: {type: feedforward, train: {algorithm: trainlm, mu: 0.01}}""")
    cfg = load_config(write(tmp_path, text + "train: {lr: 0.05, mc: 0.8, epochs: 300}\n"))
    lm = cfg.models["lm"].train
    assert (lm.algorithm, lm.mu, lm.epochs, lm.min_grad) == ("trainlm", 0.01, 300, 1e-7)
    assert lm.lr is None and lm.mc is None
    assert cfg.models["bp"].train.lr == 0.05


def test_rule_defaults():
    from bpnet.config import TrainConfig
    assert TrainConfig(algorithm="trainrp").delta0 == 0.07
    assert TrainConfig(algorithm="adam").lr == 0.001
    assert TrainConfig(algorithm="trainlm").mu_max == 1e10


def test_set_algorithm_drops_the_files_parameters_of_the_old_rule(tmp_path):
    text = BASE + "train: {algorithm: traingdx, lr: 0.05, mc: 0.8, epochs: 300}\n"
    with pytest.warns(UserWarning, match="lr, mc dropped"):
        cfg = load_config(write(tmp_path, text), ["train.algorithm=trainlm"])
    t = cfg.models["bp"].train
    assert (t.algorithm, t.epochs, t.mu, t.lr) == ("trainlm", 300, 0.001, None)
    # a parameter given with --set itself is still checked
    with pytest.raises(InputError, match="trainlm does not take lr"), pytest.warns(UserWarning):
        load_config(write(tmp_path, text), ["train.algorithm=trainlm", "train.lr=0.1"])


@pytest.mark.parametrize("key, value", [("lags", "[1, 2]"), ("month", "true"), ("period", "4"),
                                        ("transform", "{log: true}")])
def test_series_keys_in_tabular_mode_are_errors(tmp_path, key, value):
    text = f"""
data: {{path: d.csv, inputs: [a], targets: [b], {key}: {value}}}
models: {{bp: {{type: feedforward}}}}
"""
    with pytest.raises(InputError, match=f"data.{key} is for a series"):
        load_config(write(tmp_path, text))


def test_to_plain_for_yaml_and_for_json():
    import numpy as np

    from bpnet.config import TrainConfig, to_plain
    value = {"t": TrainConfig(algorithm="traingd"), "xs": (1, np.int64(2)),
             "nums": [np.float64(0.5), math.inf, math.nan]}
    plain = to_plain(value)
    assert plain["t"] == {"algorithm": "traingd", **rule_params("traingd")}
    assert plain["xs"] == [1, 2] and type(plain["xs"][1]) is int
    assert plain["nums"][:2] == [0.5, math.inf] and math.isnan(plain["nums"][2])
    assert type(plain["nums"][0]) is float
    assert to_plain(value, finite=True)["nums"] == [0.5, None, None]


def test_set_algorithm_warning_points_at_the_caller_of_load_config(tmp_path):
    text = BASE + "train: {algorithm: traingdx, lr: 0.05}\n"
    with pytest.warns(UserWarning, match="lr dropped") as caught:
        load_config(write(tmp_path, text), ["train.algorithm=trainlm"])
    assert caught[0].filename == __file__

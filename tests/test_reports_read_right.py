"""What bpnet tells a MATLAB user about a run reads right: MATLAB's performFcn is read as
train.perform, classifiers and series are compared with their best baseline (a tie is no loss),
table figures carry four significant figures, a training that stopped early says which knobs
to turn, and the pictures show what they draw, uncut."""
from __future__ import annotations

import pytest

from bpnet.config import load_config
from bpnet.errors import InputError
from helpers import ROOT

IRIS = ROOT / "configs" / "iris.yaml"


def iris(tmp_path, perform: str = "") -> str:
    """configs/iris.yaml with ``perform`` in place of its train.perform line."""
    text = IRIS.read_text().replace("perform: crossentropy", perform)
    (tmp_path / "c.yaml").write_text(text.replace("../data/", str(ROOT / "data") + "/"))
    return tmp_path / "c.yaml"


# ------------------------------------------------------------------ MATLAB's performFcn
@pytest.mark.parametrize("key", ["train.performFcn", "train.PERFORMFCN",
                                 "models.bp.train.performFcn"])
@pytest.mark.parametrize("value", ["mse", "crossentropy"])
def test_performfcn_is_train_perform(tmp_path, key, value):
    cfg = load_config(iris(tmp_path), [f"{key}={value}"])
    assert cfg.models["bp"].train.perform == value


def test_performfcn_in_the_yaml_file(tmp_path):
    assert load_config(iris(tmp_path, "performFcn: mse")).models["bp"].train.perform == "mse"


@pytest.mark.parametrize("setting, said", [
    ("train.performFcn=sse", "train.performFcn: 'sse' is not one of mse, crossentropy; sse is "
                             "the sum squared error in MATLAB; bpnet does not have it"),
    ("train.perform=mae", "train.perform: 'mae' is not one of mse, crossentropy; mae is the "
                          "mean absolute error in MATLAB"),
    ("performFcn=crossentropy", "performFcn: not a bpnet key: MATLAB's performance function: "
                                "write train.perform (mse or crossentropy)"),
    ("net.performFcn=crossentropy", "net: not a bpnet key: MATLAB's network object: write "
                                    "net.performFcn as train.perform"),
])
def test_performfcn_names_bpnet_lacks(tmp_path, setting, said):
    with pytest.raises(InputError) as err:
        load_config(iris(tmp_path), [setting])
    message = str(err.value)
    assert said in message and "remove it" not in message and "did you mean" not in message


def test_performfcn_and_perform_together_are_one_key_twice():
    with pytest.raises(InputError, match="train.performFcn and train.perform are the same key"):
        load_config(IRIS, ["train.performFcn=mse"])   # iris.yaml writes perform already

"""The one registry of networks: built from a model's config or from a saved model's meta, with
the array names and shapes that saved models and warm starts rely on."""
import pickle

import numpy as np
import pytest

from bpnet.config import build_config, schema
from bpnet.nets import registry, transfer
from bpnet.nets.cascade import CascadeNet
from bpnet.nets.elman import ElmanNet
from bpnet.nets.feedforward import BPNet
from bpnet.nets.gated import GatedNet

ARRAYS = {   # D = 3, hidden 4, K = 2
    "feedforward": {"W1": (4, 3), "b1": (4,), "W2": (4, 4), "b2": (4,), "W3": (2, 4), "b3": (2,)},
    "cascadeforward": {"W1": (4, 3), "b1": (4,), "W2": (4, 7), "b2": (4,), "W3": (2, 11),
                       "b3": (2,)},
    "elman": {"Wx": (4, 3), "Wh": (4, 4), "bh": (4,), "Wy": (2, 4), "by": (2,)},
    "lstm": {"Wx": (16, 3), "Wh": (16, 4), "bx": (16,), "bh": (16,), "Wy": (2, 4), "by": (2,)},
    "gru": {"Wx": (12, 3), "Wh": (12, 4), "bx": (12,), "bh": (12,), "Wy": (2, 4), "by": (2,)},
}
CLASSES = {"feedforward": BPNet, "cascadeforward": CascadeNet, "elman": ElmanNet,
           "lstm": GatedNet, "gru": GatedNet}


def test_the_config_takes_its_names_from_the_nets():
    assert schema.MODEL_TYPES == registry.MODEL_TYPES == ("feedforward", "cascadeforward", "elman",
                                                             "lstm", "gru")
    assert schema.TRANSFERS == transfer.NAMES == ("tansig", "logsig", "purelin", "poslin",
                                                  "softmax")


@pytest.mark.parametrize("kind", registry.MODEL_TYPES)
def test_from_config_builds_each_type_with_its_arrays_in_order(kind):
    hidden = [4, 4] if kind in registry.LAYERED else [4]
    cfg = build_config({"data": {"path": "x.csv", "series": "y"},
                        "models": {"m": {"type": kind, "hidden": hidden}}}, "t.yaml")
    net = registry.from_config(cfg.models["m"], 3, 2)
    assert type(net) is CLASSES[kind] and net.type == kind
    assert [(k, v.shape) for k, v in net.params.items()] == list(ARRAYS[kind].items())
    assert net.theta.size == sum(int(np.prod(s)) for s in ARRAYS[kind].values())
    assert net.recurrent == (kind not in registry.LAYERED)


@pytest.mark.parametrize("kind", registry.MODEL_TYPES)
def test_from_meta_rebuilds_the_network_that_save_describes(kind):
    sizes = [3, 4, 4, 2] if kind in registry.LAYERED else [3, 4, 2]
    transfers = ["logsig", "tansig", "purelin"] if kind in registry.LAYERED else \
        ["logsig" if kind == "elman" else "tansig", "tansig"]
    net = registry.build(kind, sizes, transfers)
    meta = {"type": net.type, "sizes": net.sizes, "transfer": [t.name for t in net.transfers]}
    assert meta["sizes"] == sizes and meta["transfer"] == transfers
    twin = registry.from_meta(meta)
    assert type(twin) is type(net) and twin.type == kind and twin.sizes == sizes
    assert [t.name for t in twin.transfers] == transfers
    shapes = {k: v.shape for k, v in net.params.items()}
    assert {k: v.shape for k, v in twin.params.items()} == shapes


def test_an_unknown_type_is_refused():
    with pytest.raises(ValueError, match="unknown model type 'rnn'"):
        registry.from_meta({"type": "rnn", "sizes": [1, 2, 1], "transfer": ["tansig", "purelin"]})


@pytest.mark.parametrize("kind", registry.MODEL_TYPES)
def test_networks_pickle_for_worker_processes(kind, rng):
    sizes = [3, 4, 4, 2] if kind == "feedforward" else [3, 4, 2]
    transfers = ["tansig", "tansig", "purelin"] if kind == "feedforward" else ["tansig", "purelin"]
    net = registry.build(kind, sizes, transfers)
    net.theta[:] = rng.normal(size=net.theta.size)
    X = rng.normal(size=(5, 3))
    twin = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(twin.predict(X), net.predict(X))

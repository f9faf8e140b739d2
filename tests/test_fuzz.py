"""Random YAML documents and random small CSVs against the input stage: each ends in a valid
config (or dataset) or in the one-line InputError, never in any other exception."""
import string
import tempfile
import warnings
from pathlib import Path

import numpy as np
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpnet import data
from bpnet.config import build_config, load_config
from bpnet.config.yamlschema import parse_yaml
from bpnet.errors import InputError

KEYS = ["data", "models", "train", "split", "seed", "runs", "scaling", "output", "path",
        "series", "time", "lags", "month", "inputs", "targets", "test_path", "type", "hidden",
        "transfer", "init", "clip_norm", "algorithm", "epochs", "lr", "mc", "lr_inc", "mu",
        "method", "val", "test", "dir", "bp", "elman", "show", "goal", "time", "lambda",
        "regularization", "max_fail"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 50),
                    st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from(["tansig", "traingdx", "trainlm", "trainbr", "trainscg",
                                     "block", "mapstd", "feedforward", "elman", "x.csv", "1e-5",
                                     "", "a.npz"]),
                    st.text(max_size=6))
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=4)),
                                            inner, max_size=5)),
    max_leaves=25)


def valid_or_input_error(fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn()
    except InputError as exc:
        assert "\n" not in str(exc)
        return None


@settings(max_examples=300, deadline=None, derandomize=True)
@given(documents)
def test_random_documents(doc):
    raw = doc if isinstance(doc, dict) else {"data": doc, "models": doc}
    valid_or_input_error(lambda: build_config(raw, "fuzz.yaml"))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(alphabet=string.printable, max_size=80))
def test_random_yaml_text(text):
    valid_or_input_error(lambda: parse_yaml(text, "fuzz.yaml"))


@settings(max_examples=150, deadline=None, derandomize=True)
@given(documents)
def test_random_yaml_files(doc):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.yaml"
        path.write_text(yaml.safe_dump(doc if isinstance(doc, dict) else {"x": doc}))
        valid_or_input_error(lambda: load_config(path))


cells = st.one_of(st.integers(-1000, 1000).map(str), st.just("1e308"), st.just("-1e308"),
                  st.floats(allow_nan=True, allow_infinity=True).map(repr),
                  st.sampled_from(["", " ", "nan", "x", "1,2", "1960-05", "2000/13", '"q"']))


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cells, min_size=1, max_size=4), max_size=12),
       st.sampled_from(["series", "tabular"]), st.lists(st.integers(1, 4), min_size=1,
                                                        max_size=3, unique=True),
       st.sampled_from(["block", "random", "interleaved"]),
       st.sampled_from(["mapstd", "mapminmax", "none"]))
def test_random_csvs(rows, mode, lags, method, scaling):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "d.csv"
        header = "a,b,c"
        path.write_text(header + "\n" + "\n".join(",".join(r) for r in rows) + "\n")
        d = {"path": str(path), "series": "a", "lags": lags, "month": mode == "series",
             "time": "b"} if mode == "series" else {"path": str(path), "inputs": ["a", "b"],
                                                     "targets": ["c"]}
        raw = {"data": d, "models": {"m": {"type": "feedforward"}},
               "split": {"method": method, "train": 0.6, "val": 0.2, "test": 0.2},
               "scaling": scaling}
        ds = valid_or_input_error(lambda: data.load(build_config(raw, "f.yaml"),
                                                    np.random.default_rng(0)))
        if ds is not None:
            assert np.all(np.isfinite(ds.Xs)) and np.all(np.isfinite(ds.Ys))
            assert len(ds.index["train"]) >= 2

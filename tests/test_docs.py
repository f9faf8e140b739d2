"""The documentation against the code: docs/config.md is what docs/make_config_reference.py
writes from the schema, and the commented example config names every training rule."""
import importlib.util
import re

from helpers import ROOT

from bpnet.config import schema
from bpnet.train.rules import RULES


def _config_reference():
    spec = importlib.util.spec_from_file_location("make_config_reference",
                                                  ROOT / "docs/make_config_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_config_reference_is_current():
    """docs/config.md is regenerated in memory and compared: a key added to the schema, a
    default or a description changed, makes this fail until the script is rerun."""
    expected = _config_reference().render()
    assert (ROOT / "docs/config.md").read_text() == expected, \
        "docs/config.md is out of date: run python docs/make_config_reference.py"


def test_config_reference_documents_every_key():
    """Every key of every block has its row, with the text of schema.DOCS."""
    text = (ROOT / "docs/config.md").read_text()
    for path, doc in schema.DOCS.items():
        key = path.rsplit(".", 1)[-1]
        assert f"| `{key}` |" in text or f"The `{path}` block. {doc}" in text, path
    for rule in schema.RULE_PARAMS:
        assert f"| `{rule}` |" in text


def test_example_config_names_every_rule():
    """The comment on train.algorithm in configs/passengers.yaml lists every rule bpnet has."""
    line = next(x for x in (ROOT / "configs/passengers.yaml").read_text().splitlines()
                if re.match(r"\s*algorithm:", x))
    named = set(re.findall(r"\w+", line.split("#", 1)[1]))
    assert set(RULES) <= named, sorted(set(RULES) - named)

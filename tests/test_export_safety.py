"""``run.py export`` never turns data into code (docs/semantics.md#export): a column name, a
class label or a hand-edited name in a model file that holds a newline, %, %{, ' or ... is
written into the .m file as comment text on one line; the function name is never a keyword.

The Octave test runs every exported function in one ``octave-cli`` process; without Octave it
is skipped with the reason, and the test without it checks the same files line by line.
"""
from __future__ import annotations

import csv
import io
import json
import zipfile

import numpy as np
import pytest
from iohelpers import one_error_line
from test_matlab_bridge import octave, run_cli, run_octave

import bpnet
from bpnet.cli import main
from bpnet.matlab import export as mexport


def payload(marker: str, end: str = "\n") -> str:
    """A name that, copied into the .m file as it is, closes the comment and runs code that
    makes the file ``marker``."""
    return f"q'%...{end}%{{{end}%}}{end}system('touch {marker}'); %"


MARKERS = ["feature", "target", "label", "edited_feature", "edited_target"]


def _csv(path, header, rows) -> None:
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def _train(folder, name: str, data: dict) -> bpnet.Model:
    cfg = {"data": data, "split": {"train": 0.8, "val": 0.0, "test": 0.2},
           "models": {"a": {"type": "feedforward", "hidden": [3]}},
           "train": {"epochs": 3, "show": 0}, "output": {"plots": False}}
    bpnet.run(cfg, out=folder / name)
    return folder / name / "model_a.npz"


def _edit_meta(src, dst, edit) -> None:
    """A copy of the model file ``src`` whose meta JSON ``edit`` changed, as a hand would."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "meta.npy":
                meta = json.loads(str(np.lib.format.read_array(zin.open(info))))
                edit(meta)
                buf = io.BytesIO()
                np.lib.format.write_array(buf, np.array(json.dumps(meta)))
                data = buf.getvalue()
            zout.writestr(info.filename, data)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict:
    """Models whose names carry a payload in each of the five places, exported with
    ``run.py export`` into one folder: function name -> (model, inputs X (N, D))."""
    folder = tmp_path_factory.mktemp("hostile")
    rng = np.random.default_rng(4)
    X = rng.normal(size=(30, 2))
    _csv(folder / "r.csv", [payload("feature"), "b", payload("target")],
         np.column_stack([X, X[:, 0] * X[:, 1]]))
    _csv(folder / "k.csv", ["a", "b", "label"],
         [[a, b, payload("label") if a > 0 else "pos"] for a, b in X])
    models = {"reg": _train(folder, "reg", {"path": str(folder / "r.csv"),
                                              "inputs": [payload("feature"), "b"],
                                              "targets": [payload("target")]}),
              "cls": _train(folder, "cls", {"path": str(folder / "k.csv"),
                                              "inputs": ["a", "b"], "classes": "label"})}

    def edit(meta: dict) -> None:
        meta["features"][1] = meta["data"]["inputs"][1] = payload("edited_feature", "\r")
        meta["targets"][0] = meta["data"]["targets"][0] = payload("edited_target")
    _edit_meta(models["reg"], folder / "edited.npz", edit)
    models["edited"] = folder / "edited.npz"
    out = {}
    for name, path in models.items():
        assert main(["export", str(path), "--out", str(folder / f"{name}.m")]) == 0
        out[name] = (bpnet.load_model(path), X)
    return {"folder": folder, "models": out}


def test_the_names_are_written_as_comment_text_on_one_line(hostile):
    """Without Octave: every line of each help block is a comment, each name is on its
    line with its newlines written as \\n, and the constants read back to the model's."""
    folder = hostile["folder"]
    seen = set()
    for name, (model, _) in hostile["models"].items():
        text = (folder / f"{name}.m").read_text()
        head = text[:text.index(mexport._CONSTANTS)].splitlines()
        assert all(line.startswith("%") for line in head[1:] if line), head
        names = [*model.meta.features, *model.meta.targets, *(model.classes or [])]
        for n in names:
            assert mexport.comment(n) in text and "\n" not in mexport.comment(n)
        seen |= {m for m in MARKERS if f"touch {m}" in "\n".join(head)}
        assert mexport.read_constants(text).keys() == mexport.constants(model).keys()
    assert seen == set(MARKERS)
    assert mexport.comment("a\nb\rc\x85d\u2028e'%{") == "a\\nb\\rc\\x85d\\u2028e'%{"


@octave
def test_octave_runs_the_exported_functions_as_predict_and_nothing_else(hostile):
    folder = hostile["folder"]
    lines = []
    for name, (_, X) in hostile["models"].items():
        np.savetxt(folder / f"x_{name}.txt", X.T, fmt="%.17g")
        lines.append(f"dlmwrite('y_{name}.txt', {name}(load('x_{name}.txt')), "
                     "'precision', '%.17g');")
    run_octave(folder, "\n".join(lines))
    assert not [m for m in MARKERS if (folder / m).exists()]
    for name, (model, X) in hostile["models"].items():
        theirs = np.loadtxt(folder / f"y_{name}.txt", delimiter=",", ndmin=2)
        ours = model._outputs(X).T
        assert np.abs(theirs - ours).max() <= 1e-12 * np.abs(ours).max(), name


@pytest.mark.parametrize("keyword", ["for", "end", "function", "endwhile"])
def test_a_keyword_is_not_a_function_name(hostile, tmp_path, keyword, capsys):
    """MATLAB's (and Octave's) iskeyword words are refused as --out, nothing written."""
    model = hostile["folder"] / "reg" / "model_a.npz"
    code, _, err = run_cli(capsys, "export", str(model), "--out", str(tmp_path / f"{keyword}.m"))
    assert code == 2
    one_error_line(err, f"'{keyword}' is a MATLAB keyword")
    assert list(tmp_path.iterdir()) == []

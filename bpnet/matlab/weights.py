"""A network from the weights a MATLAB user saved in a .mat file (docs/semantics.md#import).

MATLAB's names (:mod:`bpnet.matlab.layout`): ``IW1_1``, ``b1``, ``LW2_1``, ``b2``, ... for a
feedforward network; ``LW1_1`` (the recurrent weights) marks a recurrent one, whose type follows
from the rows of ``IW1_1`` per unit (1 Elman, 3 GRU, 4 LSTM) unless a ``model`` text says it.
The transfer functions come from the command line, else a ``transfer`` text (a cell array of
names, one per layer), else MATLAB's defaults (tansig for every hidden layer, purelin out).
The processing settings are genFunction's constants ``x1_step1_xoffset``, ``x1_step1_gain``,
``x1_step1_ymin`` ... (or a struct ``x1_step1`` as MATLAB's processSettings hold them), step
by step: removeconstantrows (``keep``, 1-based, with ``xrows`` the rows before it, default
max(keep)), mapminmax (``ymin``) or mapstd (``ymean``); ``y1_step1_*`` the outputs'.

``read`` gives what a saved bpnet model gives (network, input and output processing, meta), for
``bpnet.load_model("w.mat")`` and ``run.py predict w.mat DATA --matlab``; ``load_into`` copies
the weights into a configured network for ``init: w.mat``, a getwb vector ``wb`` too.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from bpnet.config import DataConfig
from bpnet.config.matlab import absent
from bpnet.data import matfile
from bpnet.data.table import read_table
from bpnet.errors import InputError
from bpnet.matlab import layout
from bpnet.matlab.layout import Processing, Step
from bpnet.nets import registry, transfer
from bpnet.paths import shown
from bpnet.report.meta import ModelMeta
from bpnet.version import __version__

_GATES = {1: "elman", 3: "gru", 4: "lstm"}
_FIELDS = ("keep", "xrows", "xoffset", "gain", "ymin", "ymean")
_STEPS = ("a step has keep (removeconstantrows), or xoffset, gain and ymin (mapminmax) or "
          "ymean (mapstd)")


def read(path: str | Path, transfers: list[str] | None = None,
         inputs: list[str] | None = None) -> tuple[object, Processing, Processing, ModelMeta]:
    """(net, input processing, output processing, meta) of MATLAB weights in ``path``;
    ``transfers`` and ``inputs`` (the input columns' names) override the file's."""
    variables = matfile.load(path, "the MATLAB weights file")
    where = shown(path)
    kind = _type(variables, where)
    arrays = _arrays(variables, kind, where)
    sizes = _sizes(kind, arrays, where)
    names = _transfers(variables, transfers, len(sizes) - 1, where)
    net = registry.build(kind, sizes, names)
    for m, view in layout.blocks(kind, net.params):
        view[...] = arrays[m].reshape(view.shape)
    xs = settings(variables, "x1", where)
    ys = settings(variables, "y1", where)
    xs = xs if xs.steps else Processing((), sizes[0])
    ys = ys if ys.steps else Processing((), sizes[-1])
    _check_settings(xs, ys, sizes, where)
    meta = _meta(variables, kind, net, names, xs, inputs, where)
    return net, xs, ys, meta


def _type(variables: dict, where: str) -> str:
    """The network type: the file's ``type`` text (``model`` in files written before it was so
    named), or what its arrays show."""
    told = matfile.text(variables, "type" if "type" in variables else "model", where)
    if told:
        if told[0] not in registry.MODEL_TYPES:
            raise InputError(f"{where}: type {told[0]!r} is not one of "
                             f"{', '.join(registry.MODEL_TYPES)}")
        return told[0]
    if "IW1_1" not in variables:
        hint = ("; a getwb vector wb carries no layer sizes: it is read by init: in a config "
                "that gives them") if "wb" in variables else ""
        raise InputError(f"{where}: no variable 'IW1_1' (MATLAB's net.IW{{1,1}}); the file "
                         f"holds {', '.join(sorted(variables)) or 'no variables'}{hint}")
    if "LW1_1" not in variables:
        return "cascadeforward" if "IW2_1" in variables else "feedforward"
    iw = matfile.matrix(variables, "IW1_1", where)
    lw = matfile.matrix(variables, "LW1_1", where)
    gates = iw.shape[0] // max(lw.shape[1], 1)
    if gates not in _GATES or iw.shape[0] != gates * lw.shape[1]:
        raise InputError(f"{where}: weights whose shapes do not chain: IW1_1 has "
                         f"{iw.shape[0]} rows, LW1_1 {lw.shape[1]} columns (1, 3 or 4 rows "
                         "per hidden unit: Elman, GRU, LSTM)")
    return _GATES[gates]


def _arrays(variables: dict, kind: str, where: str) -> dict[str, np.ndarray]:
    """The weight and bias arrays by MATLAB name (biases flattened), each real and finite."""
    if kind in ("feedforward", "cascadeforward"):
        later = "IW{0}_1" if kind == "cascadeforward" else "LW{0}_{1}"
        layers = 1
        while later.format(layers + 1, layers) in variables:
            layers += 1
    else:
        layers = 2
    out = {}
    for m, _ in layout.names(kind, layers):
        a = matfile.finite(matfile.matrix(variables, m, where), m, where)
        if m.startswith("b"):
            if min(a.shape) != 1:
                raise InputError(f"{where}: variable {m} is {a.shape[0]}x{a.shape[1]}; a bias "
                                 "is a vector")
            a = a.ravel()
        out[m] = a
    return out


def _sizes(kind: str, arrays: dict[str, np.ndarray], where: str) -> list[int]:
    """The layer sizes [D, ..., K], every matrix and bias checked against its neighbours."""
    if kind == "cascadeforward":
        return _cascade_sizes(arrays, where)
    gates = {"elman": 1, "gru": 3, "lstm": 4}.get(kind, 1)
    iw = arrays["IW1_1"]
    sizes = [iw.shape[1], iw.shape[0] // gates]
    later = [m for m in arrays if m.startswith("LW") and m != "LW1_1"]
    for m in later:
        if arrays[m].shape[1] != sizes[-1]:
            raise _unchained(where, f"{m} is {_shape(arrays[m])}, the layer before it has "
                             f"{sizes[-1]} units")
        sizes.append(arrays[m].shape[0])
    if "LW1_1" in arrays and arrays["LW1_1"].shape != (gates * sizes[1], sizes[1]):
        raise _unchained(where, f"LW1_1 is {_shape(arrays['LW1_1'])}, the hidden layer has "
                         f"{sizes[1]} units")
    rows = {"b1": iw.shape[0], "b1_h": iw.shape[0]}
    rows.update({m.split("_")[0].replace("LW", "b"): arrays[m].shape[0] for m in later})
    for b, n in rows.items():
        if b in arrays and arrays[b].size != n:
            raise _unchained(where, f"{b} has {arrays[b].size} values, its layer {n} rows")
    return sizes


def _cascade_sizes(arrays: dict[str, np.ndarray], where: str) -> list[int]:
    """The layer sizes [D, ..., K] of a cascade-forward network: IWl_1 is S_l x D, LWl_j
    S_l x S_j and bl has S_l values, for every layer l and j < l."""
    layers = sum(1 for m in arrays if m.startswith("IW"))
    sizes = [arrays["IW1_1"].shape[1]] + [arrays[f"IW{l}_1"].shape[0]
                                          for l in range(1, layers + 1)]
    for l in range(1, layers + 1):
        want = {f"IW{l}_1": (sizes[l], sizes[0]), f"b{l}": (sizes[l],),
                **{f"LW{l}_{j}": (sizes[l], sizes[j]) for j in range(1, l)}}
        for m, shape in want.items():
            if arrays[m].shape != shape:
                raise _unchained(where, f"{m} is {_shape(arrays[m])}, its layers need "
                                 f"{'x'.join(map(str, shape))}")
    return sizes


def _shape(a: np.ndarray) -> str:
    return "x".join(map(str, a.shape))


def _unchained(where: str, what: str) -> InputError:
    return InputError(f"{where}: weights whose shapes do not chain: {what}")


def _transfers(variables: dict, given: list[str] | None, layers: int,
               where: str) -> list[str]:
    """One transfer name per layer: given, the file's ``transfer``, or MATLAB's defaults."""
    names = given or matfile.text(variables, "transfer", where) or \
        ["tansig"] * (layers - 1) + ["purelin"]
    for n in names:
        if n not in transfer.NAMES:
            said = absent("transfer", n)
            raise InputError(f"{where}: unknown transfer function {n!r}; bpnet has "
                             f"{', '.join(transfer.NAMES)}" + (f" ({said})" if said else ""))
    if len(names) != layers:
        raise InputError(f"{where}: {len(names)} transfer functions ({', '.join(names)}) for "
                         f"a network of {layers} layers")
    return list(names)


def settings(variables: dict, prefix: str, where: str) -> Processing:
    """The processing steps ``{prefix}_step1``, ``_step2``, ... (flat constants or a struct)."""
    steps: list[Step] = []
    size = 0
    for i in range(1, 100):
        name = f"{prefix}_step{i}"
        fields = _fields(variables, name, where)
        if fields is None:
            break
        step = _step(fields, name, where)
        rows = step.rows if step.name == "removeconstantrows" else len(step.xoffset)
        if steps and rows != _rows_after(steps[-1]):
            raise InputError(f"{where}: {name} works on {rows} rows, {prefix}_step{i - 1} "
                             f"leaves {_rows_after(steps[-1])}")
        size = size or rows
        steps.append(step)
    return Processing(tuple(steps), size)


def _rows_after(step: Step) -> int:
    return len(step.keep) if step.keep is not None else len(step.xoffset)


def _fields(variables: dict, name: str, where: str) -> dict[str, np.ndarray] | None:
    """The settings of one step by field: a struct variable's fields, or the flat constants
    ``{name}_{field}``; None when the file has neither."""
    if name in variables:
        value = variables[name]
        if not (isinstance(value, np.ndarray) and value.dtype.names and value.size == 1):
            raise InputError(f"{where}: variable {name} is not a settings struct (one struct "
                             "with the fields of a processing step)")
        record = value.ravel()[0]
        return {f: _plain(record[f], f"{name}.{f}", where)
                for f in _FIELDS if f in value.dtype.names}
    return {f: matfile.finite(matfile.matrix(variables, f"{name}_{f}", where),
                              f"{name}_{f}", where)
            for f in _FIELDS if f"{name}_{f}" in variables} or None


def _plain(value, name: str, where: str) -> np.ndarray:
    return matfile.finite(matfile.matrix({name: value}, name, where), name, where)


def _step(f: dict[str, np.ndarray], name: str, where: str) -> Step:
    if "keep" in f:
        keep = f["keep"].ravel()
        rows = int(f["xrows"].ravel()[0]) if "xrows" in f else int(keep.max(initial=0))
        if not (keep == np.round(keep)).all() or keep.size == 0 or keep.min() < 1 or \
                keep.max() > rows or (np.diff(keep) <= 0).any():
            raise InputError(f"{where}: {name}_keep must list increasing row numbers in "
                             f"1..{rows}")
        return Step("removeconstantrows", keep=keep.astype(int) - 1, rows=rows)
    method = "mapminmax" if "ymin" in f else "mapstd" if "ymean" in f else None
    missing = [k for k in ("xoffset", "gain") if k not in f] + ([] if method else ["ymin/ymean"])
    if missing:
        raise InputError(f"{where}: {name} has no {', '.join(missing)}: {_STEPS} (it has "
                         f"{', '.join(f) or 'none of them'})")
    xoffset, gain = f["xoffset"].ravel(), f["gain"].ravel()
    if len(xoffset) != len(gain) or (gain == 0).any():
        raise InputError(f"{where}: {name}: xoffset and gain must have one non-zero gain per "
                         "row")
    y0 = f["ymin" if method == "mapminmax" else "ymean"].ravel()
    return Step(method, xoffset=xoffset, gain=gain, y0=float(y0[0]) if y0.size else 0.0)


def _check_settings(xs: Processing, ys: Processing, sizes: list[int], where: str) -> None:
    if xs.kept != sizes[0]:
        raise InputError(f"{where}: the input settings leave {xs.kept} rows, IW1_1 has "
                         f"{sizes[0]} columns")
    if any(s.keep is not None and len(s.keep) != s.rows for s in ys.steps):
        raise InputError(f"{where}: the output settings remove constant rows (y1_step*_keep); "
                         "bpnet cannot put them back: save the network without them")
    if ys.size != sizes[-1]:
        raise InputError(f"{where}: the output settings have {ys.size} rows, the network "
                         f"{sizes[-1]} outputs")


def _meta(variables: dict, kind: str, net, names: list[str], xs: Processing,
          inputs: list[str] | None, where: str) -> ModelMeta:
    """A model description: input and output names from the file (or ``inputs``), else
    x1(1), ... and y1(1), ...; a tabular data recipe of those columns."""
    d, k = xs.size, net.sizes[-1]
    features = inputs or matfile.text(variables, "input_names", where) or ["x1"]
    if len(features) == 1 and d > 1:   # one variable of a .mat data file: its d rows
        features = [f"{features[0]}({i})" for i in range(1, d + 1)]
    targets = matfile.text(variables, "output_names", where) or \
        (["y1"] if k == 1 else [f"y1({i})" for i in range(1, k + 1)])
    if len(features) != d:
        raise InputError(f"{where}: {len(features)} input names ({', '.join(features)}) for "
                         f"{d} inputs")
    classes = matfile.text(variables, "classes", where)
    data = DataConfig(path="", inputs=tuple(features), targets=tuple(targets))
    return ModelMeta(kind, net.sizes, names, xs.method, __version__, list(features),
                     list(targets), None, data, classes or None)


def load_into(params: dict[str, np.ndarray], kind: str, path: str | Path,
              expected: str = "the config's network needs") -> None:
    """Copy MATLAB's weights in ``path`` into ``params`` (a configured network's arrays, in
    place): a getwb vector ``wb``, or the arrays by MATLAB name, each of its parameter's
    shape; an IW1_1 with the columns of constant rows removed gets zeros there."""
    variables = matfile.load(path, "the MATLAB weights file")
    where = shown(path)
    if "wb" in variables:
        wb = matfile.finite(matfile.matrix(variables, "wb", where), "wb", where)
        try:
            layout.setwb(kind, wb.ravel(order="F"), params)
        except ValueError as exc:
            raise InputError(f"{where}: {exc}") from None
        return
    xs = settings(variables, "x1", where)
    # the matrices before the biases: a wrong layer size shows in its weights first
    for m, view in sorted(layout.blocks(kind, params), key=lambda mv: mv[0].startswith("b")):
        a = matfile.finite(matfile.matrix(variables, m, where), m, where)
        if m.startswith("b"):
            a = a.reshape(-1, 1)
        if m == "IW1_1" and xs.steps and xs.steps[0].keep is not None \
                and a.shape[1] == len(xs.steps[0].keep):
            full = np.zeros((a.shape[0], xs.size))
            full[:, xs.steps[0].keep] = a
            a = full
        if a.shape != view.shape:
            shape = view.shape[:1] if m.startswith("b") else view.shape
            raise InputError(f"{where}: {m} has shape {'x'.join(map(str, a.shape[:len(shape)]))}"
                             f", {expected} {'x'.join(map(str, shape))}")
        view[...] = a


def check_columns(meta: ModelMeta, data: str) -> None:
    """The data given to MATLAB weights must hold the inputs they are named by (the file's
    input_names, else x1(1), ...): a CSV those columns, else an error that says to name them
    with --inputs; a .mat, in each variable named for inputs ``X`` or ``X(1)`` ... ``X(D)``,
    one row per input (one sample per column), else an error."""
    if matfile.is_mat(data):
        _check_rows(meta, data)
        return
    header = read_table(data).header
    missing = [f for f in meta.features if f not in header]
    if missing:
        raise InputError(f"{shown(data)}: no column {missing[0]!r} for the MATLAB weights' "
                         f"{len(meta.features)} inputs ({', '.join(meta.features)}); name the "
                         f"columns of the inputs with --inputs, e.g. --inputs "
                         f"{','.join(header[:len(meta.features)])}")


def _check_rows(meta: ModelMeta, data: str) -> None:
    """Each variable of the .mat ``data`` that the inputs name whole has as many rows as it
    stands for inputs (a missing one is the data reader's error)."""
    variables = matfile.load(data, "the data file")
    for name in dict.fromkeys(map(matfile.variable_of, meta.features)):
        own = [f for f in meta.features if matfile.variable_of(f) == name]
        whole = [name] if len(own) == 1 else [f"{name}({i})" for i in range(1, len(own) + 1)]
        shape = variables.shape(name) if name in variables else ()
        if own == whole and len(shape) == 2 and shape[0] != len(own):
            raise InputError(f"{shown(data)}: variable {name} has {shape[0]} "
                             f"row{'s' * (shape[0] != 1)} ({shape[0]}x{shape[1]}, one sample "
                             f"per column); the MATLAB weights take {len(own)} inputs from it, "
                             f"one per row ({', '.join(own)})")

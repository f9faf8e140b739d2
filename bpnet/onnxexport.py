"""Bridge: a trained model as one ONNX graph (``run.py export MODEL.npz --out net.onnx``,
docs/onnx.md), built with ``onnx.helper`` at opset :data:`OPSET`.

The graph takes the raw inputs ``x`` (N, D) in the order of the model's features and returns
its outputs in original units: the input scaling, the network and the reversed output scaling
are inside it, each written with the arithmetic of :class:`~bpnet.data.scaling.Scaler` and of
the network's ``predict``, so that onnxruntime reproduces ``Model.predict`` to rounding.

    regression     x (N, D) -> y (N, K)
    classifier     x (N, D) -> probabilities (N, K), label (N,) int64, an index into the
                   classes of the metadata (the first of equal probabilities, as np.argmax)
    recurrent      x (T, D), the rows one sequence; inputs h0 (H,) (and c0 for the LSTM),
                   zeros unless given; outputs also h_n (and c_n), the state after row T

A recurrent layer is a ``Scan`` over the rows of its input projections: onnxruntime's CPU
kernels of ``RNN``, ``LSTM`` and ``GRU`` take float32 only, and this graph is float64 end to end
(or float32 throughout with ``dtype="float32"``). A series model's transforms that need history
(log, differences) stay outside: the graph is the one-step map of the transformed series.

Each network type is one function of :data:`NETWORKS` from the graph being built, the network
and the scaled inputs to its outputs; a network of another structure (MATLAB's
cascadeforwardnet, say, whose every layer reads the input and all earlier layers) is one more
such function over :func:`layer`, which sums any number of weighted inputs.
"""
from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np

from bpnet.data.scaling import Scaler
from bpnet.errors import InputError
from bpnet.paths import shown
from bpnet.storage.fileio import atomic_write
from bpnet.version import __version__

OPSET = 17        # onnxruntime >= 1.13 runs it; Scan, Split with sizes, Softmax over one axis
IR_VERSION = 8    # the IR version of opset 17
DTYPES = ("float64", "float32")

try:
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError:   # an optional extra: export says how to install it
    onnx = None


class Graph:
    """An ONNX graph being built in one dtype: its nodes and the constants of it and of its
    subgraphs (initializers of the outer graph, which a Scan body reads by name)."""

    def __init__(self, dtype: str, names: itertools.count | None = None,
                 consts: list | None = None):
        self.dtype = np.dtype(dtype)
        self.elem = helper.np_dtype_to_tensor_dtype(self.dtype)
        self.nodes: list = []
        self.consts = [] if consts is None else consts
        self._names = itertools.count() if names is None else names

    def fresh(self, stem: str) -> str:
        """A name no other value of the graph has."""
        return f"{stem}_{next(self._names)}"

    def const(self, stem: str, value, dtype=None) -> str:
        """A constant (the graph's dtype unless ``dtype``) -> its name."""
        name = self.fresh(stem)
        array = np.asarray(value, dtype=self.dtype if dtype is None else dtype)
        self.consts.append(numpy_helper.from_array(array, name))
        return name

    def op(self, op_type: str, *inputs: str, out: str | None = None, **attrs) -> str:
        """One node of one output (named ``out`` or a fresh name) -> the output's name."""
        name = out or self.fresh(op_type.lower())
        self.nodes.append(helper.make_node(op_type, list(inputs), [name], **attrs))
        return name

    def split(self, x: str, sizes: list[int]) -> list[str]:
        """The parts of the 1-D ``x`` of the given sizes, in order."""
        outs = [self.fresh("part") for _ in sizes]
        self.nodes.append(helper.make_node(
            "Split", [x, self.const("sizes", sizes, np.int64)], outs, axis=0))
        return outs

    def sub(self) -> Graph:
        """A builder of a subgraph: nodes of its own, the names and constants of this one."""
        return Graph(self.dtype.name, self._names, self.consts)

    def value(self, name: str, shape: list, doc: str = ""):
        """The value info of a tensor of the graph's dtype."""
        return helper.make_tensor_value_info(name, self.elem, shape, doc_string=doc)


class Built(NamedTuple):
    """What a network's function adds to the graph: its outputs' name (scaled units), and
    the graph inputs and outputs of its state (recurrent networks only)."""

    y: str
    inputs: list = []
    outputs: list = []


# ------------------------------------------------------------------------ pieces
def transfer(g: Graph, name: str, n: str) -> str:
    """A MATLAB transfer function of the net input ``n``, with bpnet's own arithmetic
    (logsig is (tanh(n/2) + 1)/2, as :func:`bpnet.nets.transfer.sigmoid`)."""
    if name == "purelin":
        return n
    if name == "tansig":
        return g.op("Tanh", n)
    if name == "logsig":
        half = g.const("half", 0.5)
        t = g.op("Tanh", g.op("Mul", n, half))
        return g.op("Mul", g.op("Add", t, g.const("one", 1.0)), half)
    if name == "poslin":
        return g.op("Relu", n)
    if name == "softmax":
        return g.op("Softmax", n, axis=-1)
    raise InputError(f"no ONNX form of the transfer function {name!r}")


def layer(g: Graph, terms: list[tuple[str, np.ndarray]], b: np.ndarray, tf: str) -> str:
    """f(sum_i a_i W_i^T + b) of the inputs a_i (N, S_i) with their weights W_i (S, S_i), in
    that order (a feedforward layer has one term) -> (N, S)."""
    n = None
    for a, W in terms:
        product = g.op("MatMul", a, g.const("WT", np.transpose(W)))
        n = product if n is None else g.op("Add", n, product)
    return transfer(g, tf, g.op("Add", n, g.const("b", b)))


def scale_inputs(g: Graph, x: str, s: Scaler) -> str:
    """x (N, D) in original units -> scaled, as Scaler.transform computes it."""
    if s.method == "mapstd":
        return g.op("Div", g.op("Sub", x, g.const("mean", s.offset)), g.const("std", s.factor))
    if s.method == "mapminmax":
        scaled = g.op("Mul", g.op("Sub", x, g.const("offset", s.offset)),
                      g.const("gain", s.factor))
        return g.op("Sub", scaled, g.const("one", 1.0))
    return x


def unscale_outputs(g: Graph, y: str, s: Scaler) -> str:
    """y (N, K) scaled -> original units, as Scaler.inverse_transform computes it."""
    if s.method == "mapstd":
        return g.op("Add", g.op("Mul", y, g.const("std", s.factor)), g.const("mean", s.offset))
    if s.method == "mapminmax":
        y1 = g.op("Add", y, g.const("one", 1.0))
        return g.op("Add", g.op("Div", y1, g.const("gain", s.factor)),
                    g.const("offset", s.offset))
    return y


# ------------------------------------------------------------------------ networks
def feedforward(g: Graph, net, x: str) -> Built:
    """a_l = f_l(a_{l-1} W_l^T + b_l), l = 1..L, from a_0 = x."""
    a = x
    for l, tf in enumerate(net.transfers, 1):
        a = layer(g, [(a, net.params[f"W{l}"])], net.params[f"b{l}"], tf.name)
    return Built(a)


def cascade(g: Graph, net, x: str) -> Built:
    """a_l = f_l(x IWl_1^T + sum_{j<l} a_j LWl_j^T + b_l): every layer reads the input and
    all earlier layers (W_l holds IWl_1 and the LWl_j side by side, nets.cascade)."""
    acts, o = [x], net.offsets
    for l, tf in enumerate(net.transfers, 1):
        W = net.params[f"W{l}"]
        terms = [(acts[j], W[:, o[j]:o[j + 1]]) for j in range(l)]
        acts.append(layer(g, terms, net.params[f"b{l}"], tf.name))
    return Built(acts[-1])


def _elman_step(g: Graph, net, xp: str, h: str, WhT: str) -> list[str]:
    """h' = f(xp_t + h Wh^T)."""
    return [transfer(g, net.cell.transfer.name, g.op("Add", xp, g.op("MatMul", h, WhT)))]


def _lstm_step(g: Graph, net, xp: str, h: str, c: str, WhT: str) -> list[str]:
    """i, f, g, o from z = h Wh^T + xp_t (xp_t holds bx + bh), the sigmoids as (tanh(z/2) +
    1)/2 by one tanh over all gates, as LSTMCell.run; c' = f c + i g, h' = o tanh(c')."""
    cell = net.cell
    a = g.op("Mul", g.op("Add", g.op("MatMul", h, WhT), xp), g.const("half", cell.half))
    a = g.op("Add", g.op("Mul", g.op("Tanh", a), g.const("half", cell.half)),
             g.const("shift", cell.shift))
    i, f, gate, o = g.split(a, [cell.H] * 4)
    c1 = g.op("Add", g.op("Mul", f, c), g.op("Mul", i, gate))
    return [g.op("Mul", o, g.op("Tanh", c1)), c1]


def _gru_step(g: Graph, net, xp: str, h: str, WhT: str) -> list[str]:
    """r, z = sigma(xp_rz + hp_rz), n = tanh(r hp_n + xp_n), h' = n + z (h - n), with
    hp = h Wh^T + bh, as GRUCell.run."""
    H = net.cell.H
    hp = g.op("Add", g.op("MatMul", h, WhT), g.const("bh", net.params["bh"]))
    x_rz, x_n = g.split(xp, [2 * H, H])
    h_rz, h_n = g.split(hp, [2 * H, H])
    r, z = g.split(transfer(g, "logsig", g.op("Add", x_rz, h_rz)), [H, H])
    n = g.op("Tanh", g.op("Add", g.op("Mul", r, h_n), x_n))
    return [g.op("Add", n, g.op("Mul", z, g.op("Sub", h, n)))]


# per recurrent type: the state's names and its step (body builder, net, xp_t, state..., WhT)
_CELLS: dict[str, tuple[tuple[str, ...], Callable[..., list[str]]]] = {
    "elman": (("h",), _elman_step), "lstm": (("h", "c"), _lstm_step),
    "gru": (("h",), _gru_step)}


def recurrent(g: Graph, net, x: str) -> Built:
    """The rows of x (T, D) as one sequence: xp = x Wx^T + input bias for all steps, a Scan of
    the cell's step over the rows of xp from the state inputs, the output layer on hs (T, H)."""
    p, H = net.params, net.hidden_size
    xp = g.op("Add", g.op("MatMul", x, g.const("WxT", p["Wx"].T)),
              g.const("b", p[net.cell.input_bias]))
    if net.type == "lstm":   # the recurrent bias added once for all steps, as LSTMCell.run
        xp = g.op("Add", xp, g.const("bh", p["bh"]))
    names, step = _CELLS[net.type]
    body = g.sub()
    WhT = g.const("WhT", p["Wh"].T)
    before = [body.fresh(f"{s}_prev") for s in names]
    xp_t = body.fresh("xp_t")
    after = step(body, net, xp_t, *before, WhT)
    after = [body.op("Identity", a, out=body.fresh(f"{s}_next")) for s, a in zip(names, after)]
    h_t = body.op("Identity", after[0], out=body.fresh("h_t"))
    graph = helper.make_graph(
        body.nodes, f"{net.type}_step",
        [body.value(n, [H]) for n in before] + [body.value(xp_t, [len(p["Wh"])])],
        [body.value(n, [H]) for n in [*after, h_t]])
    state0 = [f"{s}0" for s in names]
    for s in state0:
        g.consts.append(numpy_helper.from_array(np.zeros(H, g.dtype), s))
    final = [f"{s}_n" for s in names]
    hs = g.fresh("hs")
    g.nodes.append(helper.make_node("Scan", [*state0, xp], [*final, hs], body=graph,
                                    num_scan_inputs=1))
    y = layer(g, [(hs, p["Wy"])], p["by"], net.out_tf.name)
    return Built(y, [g.value(s, [H], f"the {s[0]} state before the first row (default zeros)")
                     for s in state0],
                 [g.value(s, [H], f"the {s[0]} state after the last row") for s in final])


# network type -> its graph from the scaled inputs
NETWORKS: dict[str, Callable[[Graph, object, str], Built]] = {
    "feedforward": feedforward, "cascadeforward": cascade, "elman": recurrent,
    "lstm": recurrent, "gru": recurrent}


# ------------------------------------------------------------------------ the model
def exportable(model, dtype: str = "float64") -> None:
    """Raise InputError, saying why, when ``model`` has no ONNX graph here."""
    if onnx is None:
        raise InputError("ONNX export needs the onnx package: pip install onnx (or the "
                         "extra: pip install 'bpnet[onnx]')")
    if dtype not in DTYPES:
        raise InputError(f"--dtype {dtype}: ONNX export writes {' or '.join(DTYPES)}")
    where = shown(model.path)
    if isinstance(model.net, list):
        raise InputError(f"{where}: holds the mean of {len(model.net)} networks; an ONNX "
                         "export holds one network: export one run's model "
                         "(model_<name>.npz)")
    if not isinstance(model.x_scaler, Scaler):
        raise InputError(f"{where}: a network read from MATLAB weights keeps MATLAB's "
                         "processing settings; export a bpnet model (.npz)")
    if model.net.type not in NETWORKS:
        raise InputError(f"{where}: a {model.net.type} network has no ONNX form here "
                         f"({', '.join(NETWORKS)} have)")


def build(model, dtype: str = "float64", training: dict | None = None):
    """The ONNX model (an onnx.ModelProto) of ``model`` (a bpnet.Model) in ``dtype``, its
    metadata carrying ``training`` (metrics.json's entry of the model) when given."""
    exportable(model, dtype)
    net, meta = model.net, model.meta
    g = Graph(dtype)
    rows, (D, K) = ("T" if net.recurrent else "N"), (net.sizes[0], net.sizes[-1])
    built = NETWORKS[net.type](g, net, scale_inputs(g, "x", model.x_scaler))
    if meta.classes is None:
        y = g.op("Identity", unscale_outputs(g, built.y, model.y_scaler), out="y")
        outputs = [g.value(y, [rows, K], "outputs in original units: " + ", ".join(
            meta.targets))]
    else:
        probs = g.op("Identity", built.y, out="probabilities")
        g.op("ArgMax", probs, out="label", axis=1, keepdims=0)
        outputs = [g.value(probs, [rows, K], "class probabilities, column k for class k"),
                   helper.make_tensor_value_info("label", TensorProto.INT64, [rows],
                                                 doc_string="the index of the class")]
    inputs = [g.value("x", [rows, D], "inputs in original units: " + ", ".join(meta.features))]
    graph = helper.make_graph(g.nodes, f"bpnet_{net.type}", inputs + built.inputs,
                              outputs + built.outputs, g.consts)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              ir_version=IR_VERSION, producer_name="bpnet",
                              producer_version=__version__, doc_string=repr(net))
    helper.set_model_props(proto, metadata(model, dtype, training))
    return proto


def metadata(model, dtype: str, training: dict | None) -> dict[str, str]:
    """The model's ``metadata_props``: JSON lists of the feature, target and class names, the
    model's description (its saved meta), its training summary, versions and opset."""
    meta = model.meta
    props = {"bpnet.version": __version__, "bpnet.opset": str(OPSET), "bpnet.dtype": dtype,
             "bpnet.features": json.dumps(meta.features),
             "bpnet.targets": json.dumps(meta.targets),
             "bpnet.model": json.dumps(meta.to_json())}
    if meta.classes is not None:
        props["bpnet.classes"] = json.dumps(meta.classes)
    if training is not None:
        props["bpnet.training"] = json.dumps(training)
    transform = meta.data.transform
    if meta.data.series is not None and not transform.identity:
        power = "" if transform.boxcox is None else \
            f"; Box-Cox lambda {transform.boxcox!r} (bpnet.model's data.transform)"
        props["bpnet.note"] = ("a one-step map of the transformed series (log, Box-Cox and "
                               "differences stay outside the graph): outputs in the "
                               f"transformed units it was trained on{power}")
    return props


def training_summary(path: str | Path) -> dict | None:
    """The entry of the model ``model_<name>.npz`` in the metrics.json of its run folder
    (algorithm, epochs, stop reason, scores), or None where there is none."""
    m = re.fullmatch(r"model_(\w+)\.npz", Path(path).name)
    if m is None:
        return None
    try:
        metrics = json.loads((Path(path).parent / "metrics.json").read_text(encoding="utf-8"))
        entry = metrics["models"][m.group(1)]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return entry if isinstance(entry, dict) else None


def export(model, out: str | Path, dtype: str = "float64") -> str:
    """Write ``out`` (.onnx), the checked ONNX model of ``model`` (a bpnet.Model), in one
    piece: the file is the old one or the whole new one -> its path."""
    proto = build(model, dtype, training_summary(model.path))
    if proto.ByteSize() >= 2 ** 31:
        raise InputError(f"{shown(model.path)}: its network takes "
                         f"{proto.ByteSize() / 2 ** 30:.1f} GiB, past the 2 GiB of one ONNX "
                         "file")
    onnx.checker.check_model(proto, full_check=True)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    data = proto.SerializeToString()
    atomic_write(Path(out), lambda fh: fh.write(data), binary=True)
    return str(out)

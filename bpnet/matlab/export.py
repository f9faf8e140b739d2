"""Output stage: a trained model as a MATLAB function and a .mat file (``run.py export``,
docs/semantics.md#export).

``mynet.m`` is written in the shape of MATLAB's ``genFunction(net, 'mynet', 'MatrixOnly',
'yes')``: ``y1 = mynet(x1)``, x1 D x N (one sample per column), every constant a literal of 17
significant digits, the input settings applied, the layers, the output settings reversed, and
local functions for the transfer functions. A recurrent network (Elman, LSTM, GRU) runs over the
columns of x1 as one sequence, ``[y1, xf1] = mynet(x1, xi1)``, from the zero state or from
``xi1``; xf1 is the state after the last column. ``mynet.mat`` holds the same arrays under the
same names (scipy.io.savemat, MATLAB's v5 format), the transfer function names, the model type,
the scaling method and the names of the input and output rows.

The arithmetic is bpnet's own, so that Octave or MATLAB reproduce ``Model.predict`` to
rounding: tansig is tanh, logsig is (tanh(n/2) + 1)/2 (both equal MATLAB's formulas), softmax
subtracts the column maximum first.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from bpnet.errors import InputError
from bpnet.matlab import layout
from bpnet.paths import shown
from bpnet.storage.fileio import write_together
from bpnet.version import __version__

_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
# iskeyword in Octave (a superset of MATLAB's): words that cannot name a function
KEYWORDS = frozenset(
    "break case catch classdef continue do else elseif end end_try_catch end_unwind_protect "
    "endarguments endclassdef endenumeration endevents endfor endfunction endif endmethods "
    "endparfor endproperties endspmd endswitch endwhile for function global if otherwise "
    "parfor persistent return spmd switch try until unwind_protect unwind_protect_cleanup "
    "while".split())
_LITERAL = re.compile(r"^(\w+) = (\[[^\]]*\]|[-+0-9.eEinfINFaN]+);", re.M)

_CONSTANTS = "% ===== NEURAL NETWORK CONSTANTS ====="
_SIMULATION = "% ===== SIMULATION ========"
_LOCAL = {
    "tansig": ("function a = tansig_apply(n)", "  a = tanh(n);   % = 2./(1+exp(-2*n))-1"),
    "logsig": ("function a = logsig_apply(n)", "  a = (tanh(n*0.5) + 1)*0.5;   % = 1./(1+exp(-n))"),
    "poslin": ("function a = poslin_apply(n)", "  a = max(n, 0);"),
    "softmax": ("function a = softmax_apply(n)",
                "  a = exp(bsxfun(@minus, n, max(n, [], 1)));\n"
                "  a = bsxfun(@rdivide, a, sum(a, 1));"),
    "mapminmax": ("function y = mapminmax_apply(x, settings_gain, settings_xoffset, "
                  "settings_ymin)",
                  "  y = bsxfun(@plus, bsxfun(@times, bsxfun(@minus, x, settings_xoffset), "
                  "settings_gain), settings_ymin);"),
    "mapstd": ("function y = mapstd_apply(x, settings_gain, settings_xoffset, settings_ymean)",
               "  y = bsxfun(@plus, bsxfun(@times, bsxfun(@minus, x, settings_xoffset), "
               "settings_gain), settings_ymean);"),
}
_REVERSE = {
    "mapminmax": ("function x = mapminmax_reverse(y, settings_gain, settings_xoffset, "
                  "settings_ymin)",
                  "  x = bsxfun(@plus, bsxfun(@rdivide, bsxfun(@minus, y, settings_ymin), "
                  "settings_gain), settings_xoffset);"),
    "mapstd": ("function x = mapstd_reverse(y, settings_gain, settings_xoffset, "
               "settings_ymean)",
               "  x = bsxfun(@plus, bsxfun(@rdivide, bsxfun(@minus, y, settings_ymean), "
               "settings_gain), settings_xoffset);"),
}


def function_name(out: str | Path) -> str:
    """The MATLAB function name of ``out`` (its file name without .m); it must be a MATLAB
    identifier, as MATLAB calls a function by its file's name."""
    path = Path(out)
    if path.suffix != ".m":
        raise InputError(f"--out {shown(out)}: export writes a MATLAB function (a file "
                         "ending in .m, e.g. mynet.m) or an ONNX graph (.onnx, e.g. net.onnx)")
    if not _IDENT.match(path.stem):
        raise InputError(f"--out {shown(out)}: {path.stem!r} is not a MATLAB function name "
                         "(a letter, then letters, digits or _, at most 63)")
    if path.stem in KEYWORDS:
        raise InputError(f"--out {shown(out)}: {path.stem!r} is a MATLAB keyword, which cannot "
                         "name a function")
    return path.stem


def comment(text: object) -> str:
    """``text`` (a name from the data or the model file) made safe as the rest of a comment
    line of the .m file: each character that is not printable (a newline, a carriage return,
    a tab, ...) written as its escape, so that the text stays on its line and, whatever it
    holds (%, %{, ', ...), is never read as code."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in str(text))


def constants(model) -> dict[str, np.ndarray]:
    """Every constant of the exported function by name, 2-D, in the order written: the input
    settings, the layers, the output settings."""
    net = model.net
    out = layout.from_scaler(model.x_scaler).constants("x1")
    out.update(layout.to_matlab(net.type, net.params))
    out.update(layout.from_scaler(model.y_scaler).constants("y1"))
    return out


def export(model, out: str | Path) -> list[str]:
    """Write ``out`` (.m) and the .mat beside it for ``model`` (a bpnet.Model); -> the paths."""
    name = function_name(out)
    consts = constants(model)
    mat = str(Path(out).with_suffix(".mat"))
    text = source(name, model, consts)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    write_together([(Path(out), lambda fh: fh.write(text), False),
                    (Path(mat), lambda fh: _savemat(fh, model, consts), True)])
    return [str(out), mat]


def _savemat(fh, model, consts: dict[str, np.ndarray]) -> None:
    from scipy import io
    meta = model.meta
    extra = {"type": meta.type, "scaling": meta.scaling,
             "transfer": _cell([t.name for t in model.net.transfers]),
             "input_names": _cell(meta.features), "output_names": _cell(meta.targets)}
    if meta.classes is not None:
        extra["classes"] = _cell(meta.classes)
    io.savemat(fh, {**consts, **extra}, format="5", oned_as="column")


def _cell(names: list[str]) -> np.ndarray:
    """A list of text as a MATLAB cell array (1 x n)."""
    cell = np.empty((1, len(names)), dtype=object)
    for i, n in enumerate(names):
        cell[0, i] = str(n)
    return cell


def literal(a: np.ndarray) -> str:
    """A 2-D array as a MATLAB literal with 17 significant digits: [1, 2; 3, 4]."""
    a = np.atleast_2d(a)
    if a.size == 1:
        return _number(float(a[0, 0]))
    rows = [", ".join(_number(float(v)) for v in row) for row in a]
    return "[" + ";\n    ".join(rows) + "]"


def _number(v: float) -> str:
    return f"{v:.17g}"


def read_constants(text: str) -> dict[str, np.ndarray]:
    """The constants of an exported .m file (the literals between its CONSTANTS and SIMULATION
    banners), by name, as 2-D float64 arrays: the inverse of :func:`literal`."""
    out = {}
    start, end = text.find(_CONSTANTS), text.find(_SIMULATION)
    for m in _LITERAL.finditer(text[start:end]):
        body = m.group(2).strip("[]")
        rows = [r for r in body.split(";")]
        out[m.group(1)] = np.array([[float(v) for v in r.split(",")] for r in rows])
    return out


# ------------------------------------------------------------------------ the .m source
def source(name: str, model, consts: dict[str, np.ndarray]) -> str:
    """The text of the MATLAB function ``name`` (see the module docstring)."""
    net = model.net
    recurrent = net.recurrent
    head = f"function [y1, xf1] = {name}(x1, xi1)" if recurrent else f"function y1 = {name}(x1)"
    lines = [head, *_help(name, model), "", _CONSTANTS, ""]
    lines += [f"{k} = {literal(v)};" for k, v in consts.items()]
    lines += ["", _SIMULATION, "", "Q = size(x1, 2);"]
    lines += _input_step(model)
    lines += _recurrent(net) if recurrent else _layers(net)
    lines += _output_step(model, f"a{len(net.transfers)}")
    lines += ["end", "", "% ===== MODULE FUNCTIONS ========"]
    for fn in _locals(model):
        lines += ["", fn[0], fn[1], "end"]
    return "\n".join(lines) + "\n"


def _help(name: str, model) -> list[str]:
    net, meta = model.net, model.meta
    sizes = "-".join(map(str, net.sizes))
    kinds = {"feedforward": "feedforward (BP)", "cascadeforward": "cascade-forward",
             "elman": "Elman", "lstm": "LSTM", "gru": "GRU"}
    transfers = ", ".join(t.name for t in net.transfers)
    lines = [f"%{name.upper()} a {sizes} {kinds[net.type]} network exported by bpnet "
             f"{__version__} ({comment(transfers)}; inputs {comment(meta.scaling)})", "%"]
    if not net.recurrent:
        lines += [f"% y1 = {name}(x1): x1 is {net.sizes[0]} x N, one sample per column; y1 is "
                  f"{net.sizes[-1]} x N."]
    else:
        state = {"elman": "H", "gru": "H", "lstm": "2H ([h; c])"}[net.type]
        lines += [f"% [y1, xf1] = {name}(x1, xi1): x1 is {net.sizes[0]} x T, the columns one "
                  "sequence in time order;",
                  f"% xi1 the state before the first column ({state} x 1 with H = "
                  f"{net.hidden_size}; zeros when not given),",
                  "% xf1 the state after the last column; y1 is "
                  f"{net.sizes[-1]} x T."]
        if net.type != "elman":
            gates = "i, f, g, o" if net.type == "lstm" else "r, z, n"
            lines += [f"% The rows of IW1_1, LW1_1, b1 (input side) and b1_h (recurrent side) "
                      f"are the gates {gates},", "% H rows each (PyTorch's order)."]
    lines += ["%", "% Rows of x1:"]
    lines += [f"%   {i}: {comment(f)}" for i, f in enumerate(meta.features, 1)]
    if meta.classes is not None:
        lines += ["% Rows of y1, the class probabilities (softmax):"]
        lines += [f"%   {i}: class {comment(c)}" for i, c in enumerate(meta.classes, 1)]
    else:
        lines += ["% Rows of y1:"]
        lines += [f"%   {i}: {comment(t)}" for i, t in enumerate(meta.targets, 1)]
    if meta.data.series is not None:
        tf = meta.data.transform
        lines += ["% A series model: column t holds the lagged values (and calendar features) "
                  "above for step t,", "% y1 the one-step prediction of the series' value at "
                  "t" + (" in the transformed units it was trained on." if not tf.identity
                         else ".")]
        if tf.boxcox is not None:
            lines += [f"% The Box-Cox lambda of those units: {tf.boxcox!r}"
                      + (f" (of the series + {tf.shift!r})." if tf.shift else ".")]
    return lines


def _tf(name: str, expr: str) -> str:
    return expr if name == "purelin" else f"{name}_apply({expr})"


def _input_step(model) -> list[str]:
    method = model.x_scaler.method
    if method == "none":
        return ["xp1 = x1;"]
    return [f"xp1 = {method}_apply(x1, x1_step1_gain, x1_step1_xoffset, "
            f"x1_step1_{layout._Y0[method]});"]


def _output_step(model, last: str) -> list[str]:
    method = model.y_scaler.method
    if method == "none":
        return [f"y1 = {last};"]
    return [f"y1 = {method}_reverse({last}, y1_step1_gain, y1_step1_xoffset, "
            f"y1_step1_{layout._Y0[method]});"]


def _layers(net) -> list[str]:
    """a{l} = f(b{l} + IW{l}_1*xp1) for l = 1, else f(b{l} + LW{l}_{l-1}*a{l-1}); in a
    cascade-forward network, f(b{l} + IW{l}_1*xp1 + LW{l}_1*a1 + ... + LW{l}_{l-1}*a{l-1})."""
    lines = []
    for l, tf in enumerate(net.transfers, 1):
        if net.type == "cascadeforward":
            terms = [f"IW{l}_1*xp1", *(f"LW{l}_{j}*a{j}" for j in range(1, l))]
        else:
            terms = ["IW1_1*xp1" if l == 1 else f"LW{l}_{l - 1}*a{l - 1}"]
        lines.append(f"a{l} = {_tf(tf.name, ' + '.join([f'repmat(b{l}, 1, Q)', *terms]))};")
    return lines


_CELLS = {
    "elman": ["  h = {f}(n1(:, t) + LW1_1*h);"],
    "gru": ["  hp = LW1_1*h + b1_h;",
            "  rz = logsig_apply(n1(1:2*H, t) + hp(1:2*H));",
            "  nt = tanh(rz(1:H).*hp(2*H+1:3*H) + n1(2*H+1:3*H, t));",
            "  h = nt + rz(H+1:2*H).*(h - nt);"],
    "lstm": ["  z = LW1_1*h + n1(:, t);",
             "  g = [logsig_apply(z(1:2*H)); tanh(z(2*H+1:3*H)); logsig_apply(z(3*H+1:4*H))];",
             "  c = g(H+1:2*H).*c + g(1:H).*g(2*H+1:3*H);",
             "  h = g(3*H+1:4*H).*tanh(c);"],
}


def _recurrent(net) -> list[str]:
    H, kind = net.hidden_size, net.type
    size = 2 * H if kind == "lstm" else H
    lines = [f"H = {H};", f"if nargin < 2, xi1 = zeros({size}, 1); end",
             "n1 = repmat(b1, 1, Q) + IW1_1*xp1;"]
    if kind == "lstm":
        lines += ["n1 = bsxfun(@plus, n1, b1_h);", "h = xi1(1:H); c = xi1(H+1:2*H);"]
    else:
        lines += ["h = xi1;"]
    f = net.cell.transfer.name
    step = [s.replace("{f}", f"{f}_apply" if f != "purelin" else "") for s in _CELLS[kind]]
    lines += ["a1 = zeros(H, Q);", "for t = 1:Q", *step, "  a1(:, t) = h;", "end",
              "xf1 = [h; c];" if kind == "lstm" else "xf1 = h;"]
    out = net.out_tf.name
    lines.append(f"a2 = {_tf(out, 'repmat(b2, 1, Q) + LW2_1*a1')};")
    return lines


def _locals(model) -> list[tuple[str, str]]:
    """The local functions the simulation calls."""
    net = model.net
    used = {t.name for t in net.transfers}
    if net.type in ("lstm", "gru"):
        used.add("logsig")
    fns = [_LOCAL[n] for n in ("tansig", "logsig", "poslin", "softmax") if n in used]
    for scaler, table in ((model.x_scaler, _LOCAL), (model.y_scaler, _REVERSE)):
        if scaler.method != "none":
            fns.append(table[scaler.method])
    return fns

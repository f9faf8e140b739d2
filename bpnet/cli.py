"""The command line, in four forms:

    python run.py CONFIG [--set key.path=value ...] [--out DIR] [--quiet] [--jobs N]
                         [--no-plots] [--view [--view-port N] [--no-browser]]
    python run.py predict MODEL.npz DATA.csv [--out predictions.csv] [--intervals 0.8,0.95]
    python run.py forecast MODEL.npz DATA.csv --steps N [--out forecast.csv] [--no-plots]
                                             [--intervals 0.8,0.95]
    python run.py export MODEL.npz [--out mynet.m | --out net.onnx [--dtype float32]]
    python run.py sweep CONFIG [--grid KEY.PATH=[V1,V2] ...] [--jobs N | --dask ADDRESS]
    python run.py tune CONFIG [--trials N | --budget 10m] [--jobs N | --dask ADDRESS]

Training calls the three stages in order (input: config and data; compute: train every model;
output: files, pictures and the summary). This module is the only place that prints. A user
mistake ends with one line on stderr and exit status 2; an interruption with exit status 130.
The stages are imported only when
they are needed, so that ``--version``, ``--help`` and a mistake in the config answer at once
(matplotlib, a second to import, is imported only to draw).
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import math
import multiprocessing
import os
import signal
import sys
import threading
import typing
import warnings

from bpnet.arguments import Parser, count, whole_number
from bpnet.errors import InputError, show_warning
from bpnet.paths import checked, shown
from bpnet.train.stops import StopRequest
from bpnet.version import __version__

USAGE = """run.py CONFIG [--set KEY.PATH=VALUE ...] [--out DIR] [--quiet] [--jobs N] [--no-plots]
                     [--view [--view-port N] [--no-browser]]
       run.py predict MODEL.npz DATA.csv [--out predictions.csv] [--intervals LEVELS]
       run.py forecast MODEL.npz DATA.csv --steps N [--out forecast.csv] [--no-plots]
                       [--intervals LEVELS]
       run.py predict WEIGHTS.mat DATA --matlab [--transfer NAMES] [--inputs NAMES]
       run.py export MODEL.npz [--out mynet.m | --out net.onnx [--dtype float32]]
       run.py sweep CONFIG [--grid KEY.PATH=[V1,V2] ...] [--jobs N | --dask ADDRESS]
       run.py tune CONFIG [--trials N | --budget 10m] [--jobs N | --dask ADDRESS]"""


def _parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="run.py", usage=USAGE,
        description="Train the networks a YAML config describes and write metrics, "
        "predictions, models and error curves; or apply a saved model to new data.",
        epilog="predict: one-step predictions of every sample of DATA.csv, built as at "
        "training time. forecast: the recursive forecast of N periods after the end of the "
        "series in DATA.csv. 'run.py predict -h' and 'run.py forecast -h' say more.")
    p.add_argument("config", help="the YAML config file, e.g. configs/passengers.yaml")
    p.add_argument("--set", dest="overrides", action="append", default=[],
                   metavar="KEY.PATH=VALUE",
                   help="override a config key (repeatable), e.g. --set train.lr=0.05")
    p.add_argument("--out", help="output folder (overrides output.dir; a relative path "
                   "resolves against the current folder)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument("--jobs", type=count, default=None, metavar="N",
                   help="worker processes for runs > 1 and for drawing the pictures "
                   "(default: one per core)")
    p.add_argument("--no-plots", action="store_true",
                   help="draw no pictures (the same as --set output.plots=false)")
    p.add_argument("--view", action="store_true",
                   help="watch the training in a web page served on this machine only "
                   "(127.0.0.1), with a Stop Training button")
    p.add_argument("--view-port", type=whole_number, default=0, metavar="N",
                   help="with --view: the page's port (default: a free one)")
    p.add_argument("--no-browser", action="store_true",
                   help="with --view: print the page's address only, open no browser")
    p.add_argument("--version", action="version", version=f"bpnet {__version__}")
    return p


# the record columns every progress line shows in its own way; the rule's (lr, mu, trainbr's
# gamk and ssX) follow, those that it has
_SHOWN_APART = ("epoch", "perf", "vperf", "tperf", "gradient", "val_fail")


def _progress(name: str, algorithm: str, epochs: int, goal: float, min_grad: float,
              perform: str = "mse"):
    perf = "MSE" if perform == "mse" else perform.capitalize()   # as MATLAB's training window

    def show(epoch: int, row: dict, reason: str | None) -> None:
        line = (f"{name}: {algorithm.upper()}, Epoch {epoch}/{epochs}, "
                f"{perf} {row['perf']:.6g}/{goal:g}, Gradient {row['gradient']:.6g}/{min_grad:g}")
        for key, value in row.items():
            if key not in _SHOWN_APART and math.isfinite(value):
                line += f", {key} {value:.4g}"
        if row["val_fail"]:
            line += f", val_fail {row['val_fail']}"
        print(line, flush=True)
        if reason:
            print(f"{name}: {algorithm.upper()}, {reason}", flush=True)
    return show


def _use_parser(command: str) -> argparse.ArgumentParser:
    steps = command == "forecast"
    p = Parser(
        prog=f"run.py {command}",
        description="Forecast N periods after the end of the series in DATA.csv, feeding each "
        "prediction back as the next input." if steps else "Predict every sample of "
        "DATA.csv, built exactly as at training time (same columns, lags, month, scaling).")
    p.add_argument("model", help="a saved model, e.g. results/passengers/model_bp.npz")
    p.add_argument("data", help="a CSV file with the columns the model was trained on")
    if steps:
        p.add_argument("--steps", type=whole_number, required=True,
                       help="how many periods ahead")
    p.add_argument("--out", default=f"{command}.csv" if steps else "predictions.csv",
                   help="the CSV to write (default: %(default)s)" +
                   ("; the picture goes beside it as .png" if steps else ""))
    p.add_argument("--intervals", metavar="LEVELS", help="prediction intervals of these "
                   "levels, comma-separated, e.g. 0.8,0.95 (a model trained with "
                   "forecast.intervals)")
    if steps:
        p.add_argument("--no-plots", action="store_true", help="no picture, the CSV only")
    else:
        _matlab_options(p)
    return p


def _levels(args) -> tuple[float, ...] | None:
    """The levels of --intervals, checked (None when not given)."""
    from bpnet.config.schema import interval_levels
    if args.intervals is None:
        return None
    return interval_levels(args.intervals.split(","), "--intervals")


def _matlab_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--matlab", action="store_true", help="MODEL is a .mat of weights saved "
                   "from MATLAB (IW1_1, b1, LW2_1, ..., x1_step1_* settings)")
    p.add_argument("--transfer", help="with --matlab: the transfer functions, one per layer, "
                   "e.g. tansig,purelin (default: the file's, else tansig ... purelin)")
    p.add_argument("--inputs", help="with --matlab: the input columns (a CSV) or variable "
                   "(a .mat) of DATA, comma-separated (default: the file's input_names, "
                   "else x1)")


def _export_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="run.py export", description="Write a saved model as a MATLAB function in the "
        "shape of genFunction's (y1 = mynet(x1), x1 D x N) and a .mat of its arrays beside it, "
        "or as an ONNX model (--out net.onnx, docs/onnx.md).")
    p.add_argument("model", help="a saved model, e.g. results/passengers/model_bp.npz")
    p.add_argument("--out", default=None, help="the .m file to write (default: the model's "
                   "name with .m); the .mat goes beside it. A name ending in .onnx writes ONNX")
    p.add_argument("--dtype", choices=("float64", "float32"), default=None,
                   help="with an .onnx --out: the graph's number type (default float64)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status: 0 done, 2 a mistake (one ``error:``
    line, every file as it was), 130 interrupted (a stopped training writes what it trained;
    an abort leaves every file as it was)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    signals = _Signals()
    previous = {s: signal.signal(s, signals.handle) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        args, run = _command(argv, signals)
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = show_warning
            return run(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except MemoryError:
        print("error: out of memory; nothing was written, every file is as it was",
              file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader of our output went away (``run.py ... | head``): say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print(f"error: aborted by {signals.name}; nothing was written, every file is as it was",
              file=sys.stderr)
        return 130
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _command(argv: list[str], signals: _Signals) -> tuple[argparse.Namespace, typing.Callable]:
    """The command line ``argv`` parsed: (its arguments, the function that runs them)."""
    if argv and argv[0] == "sweep":
        from bpnet import sweepcli
        return sweepcli.parser().parse_args(argv[1:]), sweepcli.run
    if argv and argv[0] == "tune":
        from bpnet import tunecli
        return tunecli.parser().parse_args(argv[1:]), tunecli.run
    if argv and argv[0] in ("predict", "forecast"):
        return (_use_parser(argv[0]).parse_args(argv[1:]),
                _predict if argv[0] == "predict" else _forecast)
    if argv and argv[0] == "export":
        return _export_parser().parse_args(argv[1:]), _export
    return _parser().parse_args(argv), functools.partial(_run, signals=signals)


class _Signals:
    """What Ctrl-C and SIGTERM do. During training the first ends the model being trained
    like MATLAB's stop button ("User stop.") and no other model starts (worker processes get
    the signal too); anywhere else, and the second during training, abort at once. Once the
    results are in place (``finished``, or the run ``folder`` committed), a signal only sets
    the exit status."""

    def __init__(self) -> None:
        self.stop = StopRequest()
        self.stopped_by: str | None = None
        # the page's Stop Training runs on another thread: it must not see training end
        # between its look and its stop (reentrant: a signal may come while this is held)
        self.lock = threading.RLock()
        self.training = False
        self.finished = False
        self.folder = None   # the outdir.RunFolder being written
        self.received: int | None = None

    @property
    def name(self) -> str:
        return signal.Signals(self.received or signal.SIGINT).name

    def handle(self, signum, frame) -> None:
        self.received = self.received or signum
        if self.finished or (self.folder is not None and self.folder.committed):
            return
        if self.stop_training(signal.Signals(signum).name):
            return
        for child in multiprocessing.active_children():
            child.kill()
        raise KeyboardInterrupt

    def stop_training(self, by: str) -> bool:
        """The first Ctrl-C during training, also the page's Stop Training (``by``: what
        asked); -> whether training was stopped (False: not training, or stopping already)."""
        with self.lock:
            if not self.training or self.stop.is_set():
                return False
            self.stop.set()
            self.stopped_by = by
            self.received = self.received or signal.SIGINT   # the exit status of a stop
        for child in multiprocessing.active_children():
            os.kill(child.pid, signal.SIGINT)
        print(f"\n{by}: stopping training at the next epoch; the models not trained yet are "
              "skipped; press Ctrl-C again to abort", file=sys.stderr, flush=True)
        return True


def _run(args, signals: _Signals) -> int:
    from bpnet.config import load_config
    from bpnet.report import files
    from bpnet.storage import outdir
    overrides = args.overrides + (["output.plots=false"] if args.no_plots else [])
    cfg = load_config(args.config, overrides, args.out, check_files=True)
    files.check_outputs(cfg, args.config)
    # the drawing worker starts now (before the output folder is locked): it imports
    # matplotlib while this process imports the compute stage and reads the data
    with _drawer(cfg, args.jobs) as drawer, \
            outdir.RunFolder(cfg.output.dir, keep=files.input_files(cfg, args.config)) as folder:
        signals.folder = folder
        view = _view(args, folder, signals) if args.view else None
        result = _compute(args, cfg, signals, folder, view, drawer)
    signals.finished = True
    _summary(result, folder)
    status = 0
    if signals.received:
        not_trained = result.not_trained
        skipped = f"; not trained: {', '.join(not_trained)}" if not_trained else ""
        what = f"training stopped{skipped}" if signals.stop.is_set() else \
            "received as the results were moved into place"
        print(f"{signals.stopped_by or signals.name}: {what}; exit status 130", file=sys.stderr)
        status = 130
    if view is not None:
        from bpnet.view import wait_for_enter
        view.finish(folder.files, status)
        print("view: the run has ended; the page shows it until you press Enter", flush=True)
        wait_for_enter()
    return status


def _drawer(cfg, jobs: int | None):
    """The drawing worker of a run whose pictures are drawn as each model is trained (a
    single run with pictures: pictures.Drawer), else a context that gives None."""
    if not (cfg.output.plots and cfg.runs == 1):
        return contextlib.nullcontext()
    from bpnet.report import pictures
    return pictures.Drawer(jobs)


def _view(args, folder, signals: _Signals):
    """The live page (--view), its address printed and, unless --no-browser, opened."""
    from bpnet.view import Session, announce
    view = Session(shown(args.config), folder.path,
                   functools.partial(signals.stop_training, "Stop Training"), args.view_port)
    announce(view, not args.no_browser)
    return view


def _compute(args, cfg, signals: _Signals, folder, view=None, drawer=None):
    """The input and compute stages, then the output files written into the locked
    ``folder``: the data, every model trained (until a stop) and the baselines; -> the
    api.RunResult. ``drawer``: the run's drawing worker, started already (or None)."""
    # the compute stage (and scipy) only once the config is known to be good
    import numpy as np

    from bpnet import api
    from bpnet import progress as rows_progress
    from bpnet.data import dataset as data_stage
    from bpnet.report import console
    rows_progress.listen(None if args.quiet else lambda line: print(line, flush=True))
    data = data_stage.load(cfg, np.random.default_rng(cfg.seed))
    cfg = data_stage.resolved(cfg, data)
    sizes = {p: len(i) for p, i in data.index.items()}
    targets = f"classes ({', '.join(cfg.data.class_columns)})" if data.classes is not None \
        else "targets"
    print(f"data: {len(data.X)} samples ({', '.join(f'{p} {n}' for p, n in sizes.items())}), "
          f"inputs {', '.join(data.feature_names)}; {targets} {', '.join(data.target_names)}"
          + data_stage.boxcox_note(cfg, data))
    for line in console.data_lines(data):
        print(line)
    if view is not None:
        view.configure(cfg, data.X.shape[1], data.Y.shape[1], "val" in data.index)
    def progress(name: str):
        t = cfg.models[name].train
        if args.quiet or t.show == 0:
            return None
        return _progress(name, t.algorithm, t.epochs, t.goal, t.min_grad, t.perform)

    if cfg.runs > 1:
        print(f"training {len(cfg.models)} model(s) {cfg.runs} times each, seeds {cfg.seed}.."
              f"{cfg.seed + cfg.runs - 1}", flush=True)
    unwritten = []

    def stage(name: str, result=None) -> None:
        with signals.lock:
            signals.training = name == "training"   # a signal stops training, aborts the rest
        unwritten.append(result)
        if view is not None:
            view.stage(name)

    try:
        return api.execute(cfg, data, progress, args.jobs, signals.stop.is_set, folder=folder,
                           stage=stage, watching=view.watch if view else None,
                           drawer=drawer)
    except KeyboardInterrupt:
        if not folder.committed:
            raise
        return unwritten[-1]   # the results are in place: the folder completes their move


def _summary(result, folder) -> None:
    print()
    print(result.summary)
    print()
    print(f"wrote {len(folder.files)} files to {shown(folder.path)}: {', '.join(folder.files)}")
    if folder.removed:
        print(f"removed {len(folder.removed)} files of the earlier run there that this run does "
              f"not have: {', '.join(folder.removed)}")


def _use_paths(args, outputs: list[tuple[str, str]], example: str) -> None:
    """Before any work: the paths of ``run.py predict`` / ``forecast``, and no output that is
    an input or another output (``example``: the file name a folder given as --out could
    take)."""
    from bpnet.storage import outdir
    checked(args.model, "MODEL")
    checked(args.data, "DATA")
    for path, what in outputs:
        outdir.check_output_file(path, what, example)
    outdir.check_clashes(outputs, {args.model: "the model file", args.data: "the data file"})
    for path, what in outputs:
        outdir.check_replaceable(path, what)


def _predict(args) -> int:
    from bpnet.predict import load_model
    from bpnet.report import usefiles
    from bpnet.storage import outdir
    levels = _levels(args)
    _use_paths(args, [(args.out, "--out")], "predictions.csv")
    model = load_model(args.model, **_matlab_args(args))
    if args.matlab:
        from bpnet.matlab.weights import check_columns
        check_columns(model.meta, args.data)
    pred = model.predict_file(args.data, levels)
    usefiles.write_use_csv(args.out, pred)
    outdir.note_written([args.out])
    accuracy = "" if pred.accuracy is None else f" (accuracy {pred.accuracy:.4f})"
    print(f"predicted {len(pred.labels)} samples with {shown(args.model)}{accuracy}; wrote "
          f"{shown(args.out)}")
    return 0


def _forecast(args) -> int:
    import numpy as np

    from bpnet.predict import load_model
    from bpnet.report import usefiles
    from bpnet.report.forecast import plain_label
    from bpnet.report.intervals import level_name
    from bpnet.storage import outdir
    if args.steps < 1:
        raise InputError(f"--steps: must be >= 1, got {args.steps}")
    levels = _levels(args)
    picture = None if args.no_plots else os.path.splitext(args.out)[0] + ".png"
    outputs = [(args.out, "--out (the forecast's CSV)")]
    if picture is not None:
        outputs.append((picture, "its picture (--out with .png)"))
    _use_paths(args, outputs, "forecast.csv")
    model = load_model(args.model)
    fc, history = model.forecast_file(args.data, args.steps, levels)
    usefiles.write_forecast(args.out, picture, history, fc, shown(args.model))
    written = [path for path, _ in outputs]
    outdir.note_written(written)
    bands = f" and its {'/'.join(map(level_name, levels))} % intervals" if levels else ""
    print(f"forecast {args.steps} period{'s' if args.steps != 1 else ''} after "
          f"{plain_label(history.labels[-1])} with "
          f"{shown(args.model)}{bands}: {fc.labels[0]} {fc.y_pred[0, 0]:.6g} ... "
          f"{fc.labels[-1]} {fc.y_pred[-1, 0]:.6g}; wrote {', '.join(map(shown, written))}")
    y_future, y_past = fc.y_pred[:, 0], history.y_true[:, 0]
    if (y_past >= 0).all() and (y_future < 0).any():
        i = int(np.argmin(y_future))
        print(f"note: the forecast goes below zero ({y_future[i]:.6g} at {fc.labels[i]}) "
              f"though {history.target_names[0]} is never negative in {shown(args.data)}")
    return 0


def _matlab_args(args) -> dict:
    """predict's --matlab options as load_model's keywords; a .mat MODEL without --matlab, or
    --matlab with another file, is an error."""
    is_mat = args.model.lower().endswith(".mat")
    if args.matlab != is_mat:
        raise InputError(f"{shown(args.model)}: " + (
            "a .mat model holds MATLAB weights; add --matlab" if is_mat else
            "--matlab takes a .mat of MATLAB weights (IW1_1, b1, ...), not a bpnet model"))
    if not args.matlab:
        if args.transfer or args.inputs:
            raise InputError("--transfer and --inputs go with --matlab")
        return {}
    split = (lambda v: [x.strip() for x in v.split(",")] if v else None)
    return {"transfer": split(args.transfer), "inputs": split(args.inputs)}


def _export(args) -> int:
    from bpnet.matlab.export import export, function_name
    from bpnet.predict import load_model
    from bpnet.storage import outdir
    checked(args.model, "MODEL")
    if args.model.lower().endswith(".mat"):
        raise InputError(f"{shown(args.model)}: export takes a bpnet model (.npz); this is "
                         "already a .mat")
    out = args.out or os.path.splitext(os.path.basename(args.model))[0] + ".m"
    if out.lower().endswith(".onnx"):
        return _export_onnx(args, out)
    if args.dtype is not None:
        raise InputError(f"--dtype goes with an ONNX file (--out net.onnx), not {shown(out)}")
    function_name(out)
    mat = os.path.splitext(out)[0] + ".mat"
    outputs = [(out, "--out"), (mat, "the .mat beside --out")]
    for path, what in outputs:
        outdir.check_output_file(path, what, "mynet.m")
    outdir.check_clashes(outputs, {args.model: "the model file"})
    for path, what in outputs:
        outdir.check_replaceable(path, what)
    model = load_model(args.model)
    if isinstance(model.net, list):
        raise InputError(f"{shown(args.model)}: holds the mean of {len(model.net)} networks; "
                         "a MATLAB function of genFunction's kind holds one: export one run's "
                         "model (model_<name>.npz)")
    written = export(model, out)
    outdir.note_written(written)
    print(f"exported {shown(args.model)} ({model.net!r}) as the MATLAB function "
          f"{function_name(out)}; wrote {', '.join(map(shown, written))}")
    return 0


def _export_onnx(args, out: str) -> int:
    """``run.py export MODEL.npz --out net.onnx``: the model as one ONNX graph."""
    from bpnet import onnxexport
    from bpnet.predict import load_model
    from bpnet.storage import outdir
    outdir.check_output_file(out, "--out", "net.onnx")
    outdir.check_clashes([(out, "--out")], {args.model: "the model file"})
    outdir.check_replaceable(out, "--out")
    dtype = args.dtype or "float64"
    model = load_model(args.model)
    onnxexport.export(model, out, dtype)
    outdir.note_written([out])
    print(f"exported {shown(args.model)} ({model.net!r}) as ONNX (opset {onnxexport.OPSET}, "
          f"{dtype}); wrote {shown(out)}")
    return 0

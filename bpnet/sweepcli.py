"""The command line of a sweep (``python run.py sweep CONFIG ...``), its progress line and its
report; :func:`bpnet.cli.main` dispatches to it and handles mistakes (one ``error:`` line,
exit status 2) as for every command."""
from __future__ import annotations

import argparse
import signal
import sys

from bpnet.arguments import Parser, address, count, whole_number
from bpnet.paths import shown

USAGE = ("run.py sweep CONFIG [--grid KEY.PATH=[V1,V2,...] ...] [--set KEY.PATH=VALUE ...] "
         "[--runs N] [--out DIR] [--jobs N | --dask ADDRESS | --dask local] [--quiet] "
         "[--no-plots] [--view [--view-port N] [--no-browser]]")


def parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="run.py sweep", usage=USAGE,
        description="Train every cell of a grid over config keys (the config's sweep: block "
        "and --grid), each from seeds seed .. seed+runs-1; rank the cells by the val (or "
        "train) perf; write sweep.csv, summary.csv, sweep.png and best.yaml. Rerun into the "
        "same folder to resume.")
    p.add_argument("config", help="the YAML config, e.g. configs/passengers_sweep.yaml")
    p.add_argument("--grid", action="append", default=[], metavar="KEY.PATH=[V1,V2,...]",
                   help="sweep a key over these values (repeatable; adds to or replaces the "
                   "sweep.grid of the file), e.g. --grid models.bp.hidden=[[5,5],[10,10]]")
    p.add_argument("--set", dest="overrides", action="append", default=[],
                   metavar="KEY.PATH=VALUE", help="override a key of the base config")
    p.add_argument("--runs", type=count, default=None, metavar="N",
                   help="runs per cell (overrides sweep.runs)")
    p.add_argument("--out", help="the sweep's folder (overrides output.dir)")
    p.add_argument("--jobs", type=count, default=None, metavar="N",
                   help="local worker processes (default: one per core); with --dask local, "
                   "the LocalCluster's workers")
    p.add_argument("--dask", type=address, metavar="ADDRESS", default=None,
                   help="run the tasks on the Dask scheduler at ADDRESS (tcp://host:8786), or "
                   "'local' for a LocalCluster on this machine")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.add_argument("--no-plots", action="store_true", help="no sweep.png")
    p.add_argument("--view", action="store_true", help="watch the sweep's cells in a web "
                   "page served on this machine only (127.0.0.1), with a Stop button")
    p.add_argument("--view-port", type=whole_number, default=0, metavar="N",
                   help="with --view: the page's port (default: a free one)")
    p.add_argument("--no-browser", action="store_true",
                   help="with --view: print the page's address only, open no browser")
    return p


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else \
        f"{s // 60}:{s % 60:02d}"


class ProgressLine:
    """The sweep's progress: one line rewritten in place on a terminal, plain lines in a log."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty()
        self.open = False

    def __call__(self, p) -> None:
        left = "" if p.left is None else f", ~{_clock(p.left)} left"
        self.show(f"sweep: {p.runs}/{p.runs_total} runs, {p.cells}/{p.cells_total} cells done, "
                  f"{_clock(p.elapsed)} elapsed{left}")

    def show(self, line: str) -> None:
        """``line`` in place of the last one on a terminal, as a line of its own in a log."""
        if self.tty:
            self.stream.write("\r" + line + "\x1b[K")
            self.open = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def end(self) -> None:
        if self.open:
            self.stream.write("\n")
            self.stream.flush()
            self.open = False


def run(args) -> int:
    """``run.py sweep``: 0 done, 130 stopped (the runs finished are in sweep.csv)."""
    from pathlib import Path

    from bpnet.config.sweepspec import load_sweep
    from bpnet.engines import Engine
    from bpnet.sweep import check_folder, run_sweep
    sweep = load_sweep(args.config, args.grid, args.overrides, args.out, args.runs)
    engine = Engine(args.jobs, args.dask)
    out = Path(sweep.base.output.dir)
    check_folder(sweep, out)   # before the first line: a mistake is the only line
    total = len(sweep.configs) * sweep.spec.runs
    view = _view(args, sweep, engine.workers(total)) if args.view else None
    print(f"sweep: {len(sweep.configs)} cells x {sweep.spec.runs} runs over "
          f"{', '.join(sweep.spec.keys)}; cells ranked by {sweep.spec.select} perf; "
          f"on {engine.describe(total)}", flush=True)
    line = ProgressLine()
    # a stop ends the sweep at once: each engine ends its own workers (a Dask cluster closes
    # in order), the runs finished are recorded already
    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, _interrupt)
    try:
        result = run_sweep(sweep, out, engine, None if args.quiet else line,
                           plots=not args.no_plots, watch=view and view.state.sweep)
    except KeyboardInterrupt:
        line.end()
        print(f"sweep stopped; the runs finished are in {shown(out / 'sweep.csv')}; run the "
              "same command again to go on from there", file=sys.stderr)
        return _ended(view, [], 130)
    line.end()
    _report(result, sweep)
    return _ended(view, result.written, 0)


def _view(args, sweep, workers: int):
    """The live page (--view) of the sweep, its address printed and maybe opened."""
    from bpnet.view import announce, sweep_session
    view = sweep_session(shown(args.config), sweep, workers, args.view_port)
    announce(view, not args.no_browser)
    return view


def _ended(view, files: list[str], status: int) -> int:
    """The sweep's exit ``status``; with --view, once the page shows its end and Enter."""
    if view is not None:
        from bpnet.view import wait_for_enter
        view.finish(files, status)
        print("view: the sweep has ended; the page shows it until you press Enter", flush=True)
        wait_for_enter()
    return status


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _report(result, sweep) -> None:
    if result.skipped:
        print(f"resumed: {result.skipped} of {len(sweep.configs) * sweep.spec.runs} runs were "
              f"recorded in {shown(result.out / 'sweep.csv')} already and skipped")
    print()
    print(result.table)
    w = result.winner
    if w is not None:
        values = ", ".join(f"{k}={v}" for k, v in w["values"].items())
        print(f"\nbest: {values}, model {w['model']} (median {w['select']} "
              f"{w['stats'][w['select']][0]:.6g} over {w['runs']} runs); its config: "
              f"{shown(result.out / 'best.yaml')}")
    print(f"wrote {len(result.written)} files to {shown(result.out)}: "
          f"{', '.join(result.written)}")

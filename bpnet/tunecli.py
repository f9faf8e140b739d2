"""The command line of a tune (``python run.py tune CONFIG ...``), its progress line and its
report; :func:`bpnet.cli.main` dispatches to it and handles mistakes (one ``error:`` line,
exit status 2) as for every command."""
from __future__ import annotations

import argparse
import math
import signal
import sys

from bpnet import sweepcli
from bpnet.arguments import Parser, address, count
from bpnet.paths import shown

USAGE = ("run.py tune CONFIG [--trials N | --budget 10m] [--jobs N | --dask local|ADDRESS] "
         "[--out DIR] [--set KEY.PATH=VALUE ...] [--quiet] [--no-plots]")
TOP = 10   # the finalists the console lists


def parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="run.py tune", usage=USAGE,
        description="Search the knobs of a config (transform, lags, network type, hidden "
        "sizes, rule, regularization, validation stop; the config's tune: block narrows or "
        "widens them) by successive halving on folds before the test part; write tune.csv, "
        "tune.png, best.yaml and the winner's run in best/. Rerun into the same folder to "
        "resume.")
    p.add_argument("config", help="the YAML config, e.g. configs/passengers.yaml")
    p.add_argument("--trials", type=count, default=None, metavar="N",
                   help="trials of the first rung (default: tune.trials, else 27); the same "
                   "config and N give the same tune")
    p.add_argument("--budget", default=None, metavar="TIME",
                   help="spend about this long (90s, 10m, 1h): brackets of trials follow one "
                   "another while the next fits")
    p.add_argument("--set", dest="overrides", action="append", default=[],
                   metavar="KEY.PATH=VALUE", help="override a key of the config")
    p.add_argument("--out", help="the tune's folder (default: output.dir with -tune)")
    p.add_argument("--jobs", type=count, default=None, metavar="N",
                   help="local worker processes (default: one per core); with --dask local, "
                   "the LocalCluster's workers")
    p.add_argument("--dask", type=address, metavar="ADDRESS", default=None,
                   help="run the trials on the Dask scheduler at ADDRESS, or 'local'")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.add_argument("--no-plots", action="store_true", help="no tune.png and no pictures of "
                   "the winner's run")
    return p


class ProgressLine(sweepcli.ProgressLine):
    """The tune's progress: one line rewritten in place on a terminal, plain lines in a log."""

    def __call__(self, bracket: int, rung, p) -> None:
        left = "" if p.left is None else f", ~{sweepcli._clock(p.left)} left"
        self.show(f"tune: bracket {bracket}, rung {rung.index + 1}/{rung.count}: "
                  f"{p.runs}/{p.runs_total} runs, {sweepcli._clock(p.elapsed)} elapsed{left}")


def run(args) -> int:
    """``run.py tune``: 0 done, 130 stopped (the runs finished are recorded)."""
    from pathlib import Path

    from bpnet.config.tunespec import parse_tune
    from bpnet.engines import Engine
    from bpnet.tune import run_tune
    from bpnet.tuneplan import plan
    block = _tune_block(args.config)
    spec = parse_tune(block, args.config, args.trials, args.budget)
    p = plan(args.config, spec, args.overrides, args.out)
    out = Path(args.out) if args.out else Path(p.base.output.dir + "-tune")
    engine = Engine(args.jobs, args.dask)
    line = ProgressLine()
    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, _interrupt)
    try:
        result = run_tune(p, out, engine, None if args.quiet else line,
                          plots=not args.no_plots,
                          started=lambda: print(_opening(p, engine), flush=True))
    except KeyboardInterrupt:
        line.end()
        print(f"tune stopped; the runs finished are recorded in {shown(out)}; run the same "
              "command again to go on from there", file=sys.stderr)
        return 130
    line.end()
    _report(p, result)
    return 0


def _tune_block(path: str):
    """The config file's tune block (None when it has none), read as the config is."""
    from pathlib import Path

    from bpnet.config.load import read_config_file
    from bpnet.paths import checked
    return read_config_file(Path(checked(path, "the config file"))).get("tune")


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _opening(p, engine) -> str:
    names = p.fold_names()
    if p.series:
        labels = p.data.series.labels
        test = p.test_steps
        how = (f"at {len(names)} forecast origins ({', '.join(names)}; {p.block} "
               f"step{'s' if p.block != 1 else ''} each), never on the test part "
               f"({labels[test[0]]} to {labels[test[-1]]})")
    else:
        how = f"by {len(names)}-fold cross-validation over the train and val parts"
    budget = f"brackets of {p.trials} trials for {_duration(p.spec.budget)}" \
        if p.spec.budget else f"{p.trials} trials"
    return (f"tune: {shown(p.path)}, model {p.model}: {budget} over {len(p.space)} knobs "
            f"({', '.join(p.space)}); each scored by its val {p.metric} {how}; on "
            f"{engine.describe(p.trials * len(names))}")


def _duration(seconds: float) -> str:
    from bpnet.sweepcli import _clock
    return _clock(seconds)


def _report(p, result) -> None:
    if result.skipped:
        print(f"resumed: {result.skipped} runs were recorded in {shown(result.out)} already "
              "and skipped")
    print()
    print(finalists_table(p, result.entries))
    w = result.winner
    print(f"\nbest: trial {w.trial.number} ({w.trial.text}): val {p.metric} of the mean of "
          f"its {w.score.runs} runs {w.score.ranked:.6g}; its config: "
          f"{shown(result.out / 'best.yaml')}\n")
    print(result.best.summary)
    print(f"\nwrote {len(result.written)} files to {shown(result.out)}: "
          f"{', '.join(result.written)}")
    print(verdict(p, result))


def finalists_table(p, entries: list) -> str:
    """The finalists of every bracket (the last rung's trials) by score, at most TOP."""
    from bpnet.report.console import figure, table
    from bpnet.report.sweepfiles import spread_of
    from bpnet.tune import rank_key
    finals = sorted((e for e in entries if e.rung.last), key=rank_key(p.metric))
    head = ["rank", "trial", *p.space, "runs", f"val {p.metric} median [min, max]",
            f"val {p.metric} of the mean"]
    body = [[str(i), str(e.trial.number),
             *[_value(e.trial.settings.get(k)) for k in p.space], str(e.score.runs),
             spread_of((e.score.median, e.score.low, e.score.high)), figure(e.score.mean)]
            for i, e in enumerate(finals[:TOP], 1)]
    lines = [line.rstrip() for line in table(head, body, left=len(head))]
    if len(finals) > TOP:
        lines.append(f"... {len(finals) - TOP} more finalists in tune.csv")
    return "\n".join(lines)


def _value(value) -> str:
    from bpnet.config.sweepspec import value_text
    return "-" if value is None else value_text(value)


def verdict(p, result) -> str:
    """The last line: the winner's test figure beside the best baseline's, and which is
    better (a difference within metrics.TIE is a tie)."""
    from bpnet.report import metrics
    from bpnet.report.console import figure
    from bpnet.tune import headline
    run = result.best
    name, value = headline(p, run)
    higher = name == "accuracy"
    base = {b["what"]: b["scores"]["test"].get(name) for b in run.baselines.values()
            if "test" in b["scores"] and b["scores"]["test"].get(name) is not None}
    base = {k: v for k, v in base.items() if math.isfinite(v)}
    w = result.winner.trial
    head = f"tuned: trial {w.number} ({w.text}): test {name} {figure(value)}"
    if not base:
        return f"{head}; no baseline has a test {name}"
    best = (max if higher else min)(base, key=base.get)
    if all(metrics.worse(v, value, higher) for v in base.values()):
        return (f"{head}, the best baseline ({best}) {figure(base[best])}: beats every "
                "baseline on the test part")
    if metrics.worse(value, base[best], higher):
        return (f"{head}: the best baseline ({best}, {figure(base[best])}) is still better "
                f"than the tuned network ({figure(value)})")
    return (f"{head}: the best baseline ({best}, {figure(base[best])}) ties with the tuned "
            f"network ({figure(value)})")

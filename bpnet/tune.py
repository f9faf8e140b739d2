"""A tune: the search for the best network a config can become, on the sweep engine.

    python run.py tune configs/passengers.yaml [--trials N | --budget 10m] [--jobs N]

The trials (:mod:`bpnet.tuneplan`) go through successive halving, a bracket at a time: every
trial of a bracket is scored with few epochs and one run on every fold, the best third goes
on with more epochs and runs, and so on until at most three finalists are scored with the
config's epochs and ``runs`` runs each. Each rung is a sweep (cells: trial x fold) in a
folder of its own, so that a stopped tune loses nothing but the runs under way and the same
tune run again into the same folder resumes. A trial's score is the median over runs of its
error pooled over the folds; the test part is never scored before the winner is chosen. With
``--budget`` brackets follow one another while the next one fits in the time left; the
winner is the finalist of lowest score (the finalists of every bracket are scored alike).
See docs/tune.md.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from bpnet.config import Config, SplitConfig, portable_config
from bpnet.config.sweepspec import Sweep, SweepSpec, value_text
from bpnet.config.tunespec import ETA, METRICS
from bpnet.data.division import part_sizes
from bpnet.engines import Engine
from bpnet.errors import InputError
from bpnet.report import files
from bpnet.report import sweepfiles as sf
from bpnet.storage import outdir
from bpnet.storage.fileio import atomic_write
from bpnet.sweep import (
    Progress,
    check_record_files,
    check_same_record,
    grid_cells,
    recorded_runs,
    run_sweep,
)
from bpnet.tuneplan import MIN_TRAIN, Plan, Trial, TrialSource, final_config, fold_config, ranges

TUNE_YAML = "tune.yaml"
TUNE_CSV = "tune.csv"
TUNE_PNG = "tune.png"
BEST_YAML = "best.yaml"
BEST_DIR = "best"
RUNGS_DIR = "rungs"
FILES = (TUNE_YAML, TUNE_CSV, TUNE_PNG, BEST_YAML)
MIN_EPOCHS = 10


@dataclass(frozen=True)
class Rung:
    """A rung of a bracket: its ``index`` (from 0) of ``count``, its ``size`` (trials),
    ``runs`` per trial and fold, and the ``share`` of each trial's epochs it trains."""

    index: int
    count: int
    size: int
    runs: int
    share: float

    @property
    def last(self) -> bool:
        return self.index == self.count - 1

    def epochs(self, epochs: int) -> int:
        return max(min(epochs, MIN_EPOCHS), round(epochs * self.share))


def rungs(n: int, runs: int) -> list[Rung]:
    """The rungs of a bracket of ``n`` trials: each keeps the best 1 / ETA of the one before
    until at most ETA are left; the first trains 1 run, the last ``runs``, each with ETA
    times the epochs of the one before, the last all of them."""
    sizes = [n]
    while sizes[-1] > ETA:
        sizes.append(math.ceil(sizes[-1] / ETA))
    top = len(sizes) - 1
    return [Rung(i, len(sizes), size, max(1, round(runs ** (i / top))) if top else runs,
                 float(ETA ** (i - top))) for i, size in enumerate(sizes)]


@dataclass(frozen=True)
class Score:
    """A trial's score at a rung: the median, min and max over its runs of the metric
    pooled over the folds, how many runs and, at a bracket's last rung, the score of the
    mean of its runs (None elsewhere)."""

    median: float
    low: float
    high: float
    runs: int
    mean: float | None = None

    @property
    def ranked(self) -> float:
        """What ranks the trial: the score of the mean of its runs where there is one (the
        tuned network is that mean), else the median over runs."""
        return self.median if self.mean is None else self.mean


@dataclass
class Entry:
    """One trial at one rung (a row of tune.csv); ``kept``: it went on to the next rung
    (at the last rung: it won its bracket)."""

    trial: Trial
    bracket: int
    rung: Rung
    score: Score
    epochs: int
    kept: bool = False


@dataclass
class TuneResult:
    """What a tune produced: every entry, the winner's, the winner's run (an
    api.RunResult, None before it ran) and the files written (names in ``out``)."""

    out: Path
    entries: list[Entry]
    winner: Entry | None
    best: object = None
    skipped: int = 0
    written: list[str] = field(default_factory=list)


RungProgress = Callable[[int, Rung, Progress], None]


def rank_key(metric: str) -> Callable[[Entry], tuple]:
    """Entries best first: by median score (higher for accuracy), then trial number."""
    sign = -1.0 if METRICS[metric] else 1.0

    def key(e: Entry) -> tuple:
        m = e.score.ranked
        return (sign * m if math.isfinite(m) else math.inf, e.trial.number)
    return key


def check_folder(p: Plan, out: Path) -> dict:
    """Before any work: the tune's folder can be written, none of its files is an input or
    a file the user put there, and a tune recorded there is this one (or recorded no run);
    -> the record (tune.yaml)."""
    outdir.check_output_dir(str(out))
    outdir.check_clashes([(str(out / n), f"the tune's {n}") for n in FILES],
                         files.input_files(p.base, p.path))
    check_record_files(out, TUNE_YAML, [*FILES, RUNGS_DIR, BEST_DIR], "tune")
    best = out / BEST_DIR
    if best.is_dir():   # the winner's run folder: bpnet's files only, as its manifest says
        outdir.check_replaced(best, [f.name for f in best.iterdir()
                                     if not f.name.startswith(".bpnet")])
    record = {"tune": {"space": p.space, "trials": p.trials, "folds": p.spec.folds,
                       "runs": p.spec.runs, "metric": p.metric, "model": p.model},
              **portable_config(p.base, out.resolve())}
    started = any(recorded_runs(rung) for rung in (out / RUNGS_DIR).glob("*"))
    check_same_record(out / TUNE_YAML, record, "tune", give_way=not started)
    return record


def run_tune(p: Plan, out: Path, engine: Engine, progress: RungProgress | None = None,
             plots: bool = True, clock: Callable[[], float] = time.monotonic,
             started: Callable[[], None] = lambda: None) -> TuneResult:
    """Search into folder ``out`` on ``engine``: brackets of trials (one, or with a budget as
    many as fit), tune.csv after each rung, then best.yaml, the winner's run in ``best/``
    and tune.png. ``started`` is called once the folder and the first trials are checked,
    before any work."""
    record = check_folder(p, out)
    source = TrialSource(p)
    trials = source.take(p.trials)
    if not trials:
        raise InputError(f"{p.path}: tune: no trial of the space fits this data (each is "
                         "refused as a config, or leaves a fold fewer than "
                         f"{MIN_TRAIN} training samples)")
    started()
    if p.spec.budget is not None:
        # every training of a bracket on every worker within the budget: the first bracket
        # fits in it, however slow a trial would be (the cap makes a budget's tune depend on
        # the machine, as its number of brackets does)
        trainings = sum(r.size * r.runs for r in rungs(p.trials, p.spec.runs)) * \
            len(p.fold_names())
        p.cap = p.spec.budget * engine.workers(trainings) / trainings
    with outdir.RunFolder(str(out), keep=files.input_files(p.base, p.path)) as folder:
        sf.write_yaml(folder.path / TUNE_YAML, record,
                      ["a tune as run; python run.py tune on the same config and this "
                       "folder resumes it"])
        result = TuneResult(folder.path, [], None)
        start, bracket, longest = clock(), 0, 0.0
        while trials:
            began = clock()
            bracket += 1
            _bracket(p, trials, bracket, result, engine, progress)
            longest = max(longest, clock() - began)
            # the next bracket starts when one as long as the longest so far still fits
            if p.spec.budget is None or clock() - start + longest > p.spec.budget:
                break
            trials = source.take(p.trials)
        finals = [e for e in result.entries if e.rung.last]
        result.winner = min(finals, key=rank_key(p.metric))
        _write_csv(p, result)
        result.written = [TUNE_YAML, TUNE_CSV]
        _write_best(p, result)
    result.best = _run_best(result, engine, plots)
    result.written.append(f"{BEST_DIR}/ (the winner's run)")
    if plots:
        from bpnet.report import tuneplot
        tuneplot.save(result.out / TUNE_PNG, p, result)
        result.written.append(TUNE_PNG)
    return result


def _bracket(p: Plan, trials: list[Trial], bracket: int, result: TuneResult, engine: Engine,
             progress: RungProgress | None) -> None:
    """Successive halving of ``trials``: each rung scored, the best kept for the next."""
    alive = trials
    plan = rungs(len(trials), p.spec.runs)
    for rung in plan:
        folder = result.out / RUNGS_DIR / f"bracket{bracket}-rung{rung.index + 1}"
        scores, skipped = _run_rung(p, alive, rung, folder, engine,
                                    progress and (lambda pr, r=rung: progress(bracket, r, pr)))
        result.skipped += skipped
        entries = [Entry(t, bracket, rung, scores[t.number],
                         rung.epochs(t.cfg.models[p.model].train.epochs)) for t in alive]
        ranked = sorted(entries, key=rank_key(p.metric))
        keep = 1 if rung.last else plan[rung.index + 1].size
        for e in ranked[:keep]:
            e.kept = True
        alive = [e.trial for e in ranked[:keep]]
        result.entries += entries
        _write_csv(p, result)


def _run_rung(p: Plan, trials: list[Trial], rung: Rung, folder: Path, engine: Engine,
              progress: Callable[[Progress], None] | None) -> tuple[dict[int, Score], int]:
    """One rung as a sweep whose cells are trial x fold -> each trial's score and the runs
    found recorded already."""
    names = p.fold_names()
    knobs = list(p.space)
    cells = [{"trial": t.number, **{k: t.settings.get(k) for k in knobs}, "fold": name}
             for t in trials for name in names]
    configs = [fold_config(p, t, k, rung.epochs(t.cfg.models[p.model].train.epochs))
               for t in trials for k in range(len(names))]
    grid: dict[str, list] = {}
    for cell in cells:
        for key, value in cell.items():
            values = grid.setdefault(key, [])
            if value_text(value) not in map(value_text, values):
                values.append(value)
    # the last rung keeps every run's predictions, to score each trial's mean of runs
    combine = "mean" if rung.last and rung.runs > 1 else None
    spec = SweepSpec(grid, rung.runs, "train", combine)
    sweep = Sweep(spec, p.path, p.base, cells, configs)
    done = run_sweep(sweep, folder, engine, progress, plots=False, finish=False)
    table = sf.SweepTable(folder / sf.SWEEP_CSV, spec.keys)
    table.load(grid_cells(sweep))
    scores = _scores(p, table, rung.runs)
    if combine:
        means = _mean_scores(p, sweep, folder, rung.runs)
        scores = {t: replace(score, mean=means.get(t)) for t, score in scores.items()}
    return scores, done.skipped


def _pooled(metric: str, folds: list[tuple[float, float]]) -> float:
    """The metric of several folds, each (samples, value), pooled: weighted by their
    samples; RMSE as the root of the pooled mean square."""
    n = np.array([f[0] for f in folds])
    v = np.array([f[1] for f in folds])
    if metric == "rmse":
        return math.sqrt(float(n @ v ** 2) / float(n.sum()))
    return float(n @ v) / float(n.sum())


def _mean_scores(p: Plan, sweep: Sweep, folder: Path, runs: int) -> dict[int, float]:
    """Each trial's score of the mean of its runs (their predictions averaged on each fold,
    as ``combine: mean`` averages them), pooled over the folds; trials whose runs' predictions
    are not all kept are left out."""
    from bpnet.report import sweepmeans
    from bpnet.sweep import load_data
    keys, datasets = load_data(sweep)
    column = f"test_{p.metric}"
    entries = [{"cell": c, "model": p.model, "select": column}
               for c in range(1, len(sweep.cells) + 1)]
    sweepmeans.add_means(entries, sweep.configs, [datasets[k] for k in keys], folder, runs,
                         ("test_n",))
    folds: dict[int, list[tuple[float, float]]] = {}
    for e, cell in zip(entries, sweep.cells):
        if "mean" in e:
            folds.setdefault(cell["trial"], []).append((e["mean"]["test_n"], e["mean"][column]))
    out = {t: _pooled(p.metric, f) for t, f in folds.items() if len(f) == len(p.fold_names())}
    worst = -math.inf if METRICS[p.metric] else math.inf
    return {t: v if math.isfinite(v) else worst for t, v in out.items()}


def _scores(p: Plan, table: sf.SweepTable, runs: int) -> dict[int, Score]:
    """Each trial's Score from a rung's sweep.csv: per run the metric of its folds pooled
    (:func:`_pooled`), then the median, min and max over the runs (a run that diverged
    counts as the worst)."""
    column = f"test_{p.metric}"
    per_run: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for row in table.rows:
        if int(row["run"]) < runs:
            per_run.setdefault((int(row["trial"]), int(row["run"])), []).append(
                (sf.cell_number(row.get("test_n")), sf.cell_number(row.get(column))))
    worst = -math.inf if METRICS[p.metric] else math.inf
    pooled: dict[int, list[float]] = {}
    for (trial, _), folds_done in sorted(per_run.items()):
        value = _pooled(p.metric, folds_done)
        pooled.setdefault(trial, []).append(value if math.isfinite(value) else worst)
    return {t: Score(float(np.median(v)), min(v), max(v), len(v)) for t, v in pooled.items()}


def _write_csv(p: Plan, result: TuneResult) -> None:
    from bpnet.report import tunefiles
    atomic_write(result.out / TUNE_CSV,
                 lambda fh: tunefiles.write_csv(fh, list(p.space), p.metric, result.entries))


def final_split(p: Plan, cfg: Config) -> dict:
    """best.yaml's split: a series' test part from the config's first test step on
    (``test_from``, or a count of the last steps without a time column) and its val part as
    the count of the steps just before; a table's as the fractions of a block or random
    division that give exactly the parts of ``cfg``, else the lists of sample numbers as
    MATLAB ranges."""
    s = cfg.split
    if s.method != "index":
        return {"method": s.method, "train": s.train, "val": s.val, "test": s.test}
    if p.series:
        last = {"test_from": p.data.series.labels[int(p.test_steps[0])]} if p.base.data.time \
            else {"test": len(s.test)}
        return {"method": "block", "val": len(s.val), **last}
    sizes = [len(getattr(s, part)) for part in ("train", "val", "test")]
    q = len(p.data.X)
    method = p.base.split.method
    if sum(sizes) == q and method in ("block", "random"):
        fractions = SplitConfig(method, *(n / q for n in sizes))
        if part_sizes(q, fractions) == tuple(sizes):
            return {"method": method, "train": fractions.train, "val": fractions.val,
                    "test": fractions.test}
    return {"method": "index", **{part: ranges(getattr(s, part))
                                  for part in ("train", "val", "test")}}


def _write_best(p: Plan, result: TuneResult) -> None:
    """best.yaml: the winner's config, trained on every sample before the test part and
    tested on the config's test part, ``runs`` runs and their mean."""
    w = result.winner
    cfg = final_config(p, w.trial)
    raw = sf.best_config(cfg, p.model, p.spec.runs, result.out)
    raw["split"] = final_split(p, cfg)
    sf.write_yaml(result.out / BEST_YAML, raw, [
        f"the winner of the tune in this folder: trial {w.trial.number} ({w.trial.text}), "
        f"val {p.metric} of the mean of its {w.score.runs} runs {w.score.ranked:.6g} "
        f"(median of the runs {w.score.median:.6g})",
        "python run.py best.yaml trains it again"])
    result.written.append(BEST_YAML)


def headline(p: Plan, run) -> tuple[str, float]:
    """The metric the last line compares and the tuned network's test figure: the tune's
    metric of the mean of the winner's runs (of its one run when ``runs`` is 1)."""
    r = next((r for r in run.results if r.is_ensemble), run.results[0])
    return p.metric, float(r.scores["test"][p.metric])


def _run_best(result: TuneResult, engine: Engine, plots: bool = True):
    """The winner's run into best/, as ``python run.py best.yaml`` makes it (``plots``
    false: as with --no-plots)."""
    from bpnet import api
    return api.run(result.out / BEST_YAML, set=None if plots else {"output.plots": False},
                   out=result.out / BEST_DIR, jobs=engine.jobs)

"""Output stage: what the console shows of a run: the data as bpnet understood it (its time
step, what was done about missing values), then the tables printed at the end of a run, and
the notes under them.

With several targets every table has a target column and one row per model and target, each
in its target's own units; every figure has four significant figures at least
(:func:`figure`). The notes say what a reader of the table must not miss: targets the scores
leave out (filled values, missing targets), a network that does worse on the test part than
the best of its baselines (a figure within ``metrics.TIE`` of another is a tie, not a loss), a
network that may have stopped learning too early and the knobs that would let it go on, a
target whose MAPE is omitted, a forecast of a never-negative series that goes below zero.
"""
from __future__ import annotations

import math

import numpy as np

from bpnet.data import Dataset
from bpnet.report.forecast import forecast_origin, path_labels, plain_label
from bpnet.report.intervals import level_name
from bpnet.report.metrics import crosses_zero, metric, over_runs, worse
from bpnet.report.scores import ModelResult
from bpnet.train.stops import MAX_EPOCH, VALIDATION_STOP

# how the notes call each baseline, and what it is (seasonal naive: with its period)
CALLED = {"train_mean": ("the training mean", ""),
          "ols": ("the linear baseline", "least squares on the same inputs"),
          "naive": ("the naive forecast", "the previous value"),
          "seasonal_naive": ("the seasonal naive forecast", "the value {period} steps earlier"),
          "majority": ("the majority class", ""),
          "logistic": ("the logistic regression", "on the same inputs")}
# the linear baseline of a regression and of a classifier
LINEAR = ("ols", "logistic")
# the rules that a network which stopped too early may learn more with
STRONG_RULES = ("trainlm", "trainbr")


def figure(v: float | None, digits: int = 4) -> str:
    """``v`` as the tables show it: at least ``digits`` significant figures (0.005548, 48.31,
    0.2460, 12346), in exponent form below 1e-4 and from 1e6 on; "-" for None and NaN."""
    if v is None or not math.isfinite(v):
        return "-"
    if v == 0:
        return "0"
    power = math.floor(math.log10(abs(v)))
    if power < -4 or power >= 6:
        return f"{v:.{digits - 1}e}"
    return f"{v:.{max(0, digits - 1 - power)}f}"


def data_lines(data: Dataset) -> list[str]:
    """What bpnet understood of the data beyond its size: the time step of a series and its
    seasonal period, and what was done about missing values."""
    lines = []
    s = data.series
    if s is not None and s.axis is not None:
        period = f"seasonal period {s.period}" if s.period else "no seasonal period"
        lines.append(f"time: {s.axis.describe()} ({s.axis.form}), {s.labels[0]} to "
                     f"{s.labels[-1]}, {len(s.values)} steps; {period}")
    lines.extend(f"missing values: {r.describe()}" for r in data.missing)
    return lines


def scored_note(data: Dataset) -> str | None:
    """The note under the summary that says how many targets its scores leave out (filled
    values of a series, missing targets of a table), or None when they leave none out."""
    left_out = int(np.isnan(data.targets).sum())
    if not left_out:
        return None
    why = "filled values, not scored as targets" if data.series is not None else \
        "missing targets: no target there"
    return f"note: the scores leave out {left_out} of {data.targets.size} targets ({why})"


def summary_table(results: list[ModelResult], baselines: dict | None = None,
                  targets: list[str] | None = None,
                  not_trained: dict[str, str] | None = None) -> str:
    """The console summary: one row per model (and target, when ``targets`` holds several),
    then the models a stop left untrained (``not_trained``: model -> why), then the
    baselines."""
    baselines = baselines or {}
    multi = any(r.multistep is not None for r in results)
    per_target = targets if targets and len(targets) > 1 else [None]
    levels = next((r.bands.levels for r in results if r.bands is not None), ())
    covered = "/".join(level_name(v) for v in levels)
    head = ["model", *(["target"] if per_target[0] else []), "epochs", "stop reason",
            "train RMSE", "test RMSE", "test MAPE %", "max test |rel err|"] + \
        (["multi-step MAPE %"] if multi else []) + \
        [f"{what} cover % {covered}" for what in ("test", "multi-step")[:1 + multi]
         if levels]
    rows = []
    entries = [(r.name, *r.outcome, r.scores) for r in results]
    entries += [(name, "-", why, {}) for name, why in (not_trained or {}).items()]
    entries += [(b["what"], "-", "baseline", b["scores"]) for b in baselines.values()]
    for name, epochs, reason, scores in entries:
        for t in per_target:
            def num(part, m, t=t, scores=scores):
                return figure(metric(scores[part], m, t)) if part in scores else "-"
            rows.append([name, *([t] if t else []), epochs, reason, num("train", "rmse"),
                         num("test", "rmse"), num("test", "mape"),
                         num("test", "max_abs_rel_error")] +
                        ([num("test_multistep", "mape")] if multi else []) +
                        [_coverage(scores.get(part, {}), levels) for part in
                         ("test", "test_multistep")[:1 + multi] if levels])
    return "\n".join(table(head, rows, left=4 if per_target[0] else 3))


def _coverage(scores: dict, levels: tuple[float, ...]) -> str:
    """A part's coverage of its intervals, in % per level ("78.6/95.2"); "-" without."""
    cover = scores.get("intervals")
    if not cover:
        return "-"
    return "/".join(figure(100 * cover[level_name(v)]["coverage"], 3) for v in levels)


def runs_table(results: list[ModelResult], has_val: bool, targets: list[str] | None = None
               ) -> str:
    """Median [min, max] over runs of the main figures, and which run was kept."""
    multi = any("test_multistep" in r.scores for r in results)
    per_target = targets if targets and len(targets) > 1 else [None]
    head = ["model", *(["target"] if per_target[0] else []), "runs", "kept seed", "train mse",
            "test RMSE", "test MAPE %"] + (["multi-step MAPE %"] if multi else [])
    rows = []
    for r in results:
        if not r.runs:
            continue
        o = over_runs(r.runs)
        for t in per_target:
            def cell(part, m, o=o, t=t):
                return spread(metric(o[part], m, None if m == "mse" else t)) \
                    if part in o else "-"
            rows.append([r.name, *([t] if t else []), str(len(r.runs)), str(r.seed),
                         cell("train", "mse"), cell("test", "rmse"), cell("test", "mape")] +
                        ([cell("test_multistep", "mape")] if multi else []))
    which = "validation" if has_val else "training"
    return "\n".join([f"over runs: median [min, max]; kept: the run of lowest {which} mse",
                      *table(head, rows, left=len(head))])


def spread(s: dict) -> str:
    """"median [min, max]" of a figure over runs (as ``metrics.over_runs`` gives it); "-"
    for one that is omitted (NaN)."""
    if not math.isfinite(s["median"]):
        return "-"
    return f"{figure(s['median'])} [{figure(s['min'])}, {figure(s['max'])}]"


def notes(data: Dataset, results: list[ModelResult], baselines: dict | None = None
          ) -> list[str]:
    """The lines printed under the summary table (each starts with "note: ")."""
    baselines = baselines or {}
    left_out = scored_note(data)
    out = [left_out] if left_out else []
    out += worse_than_baselines(data, results, baselines)
    out += stopped_early(data, results, baselines)
    out += [f"note: no MAPE or max |rel err| for {t}: it crosses zero (from {lo:.4g} to "
            f"{hi:.4g}), where relative errors say nothing"
            for t, lo, hi in mape_omitted(data)]
    if data.series is not None and (data.series.values >= 0).all():
        out += _below_zero(data, results, baselines)
    if "val" not in data.index and any(r.bands is not None for r in results):
        out.append("note: no validation part (split.val: 0): the prediction intervals are "
                   "calibrated on the training part's own errors, which understate the "
                   "errors on new data of a network that overfits")
    return out


def zero_targets(data: Dataset) -> str | None:
    """The one warning of a run about zero targets (they have no relative error and are left
    out of MAPE for every model and baseline), or None; targets whose MAPE is omitted anyway
    (they cross zero) are not counted."""
    if data.classes is not None:   # one-hot targets: relative errors are not reported
        return None
    crossing = crosses_zero(data.targets)
    counts = []
    for j, t in enumerate(data.target_names):
        if crossing[j]:
            continue
        per_part = [f"{n} zero target(s) in the {part} part" for part, idx in data.index.items()
                    if (n := int((data.targets[idx, j] == 0).sum()))]
        if per_part:
            counts.append(f"{t}: {_and(per_part)}")
    if not counts:
        return None
    return (f"{'; '.join(counts)}: they have no relative error and are left out of MAPE and "
            "max |rel err| (of every model and baseline)")


def mape_omitted(data: Dataset) -> list[tuple[str, float, float]]:
    """(target, smallest, largest value) of every target whose MAPE is omitted."""
    crossing = crosses_zero(data.targets)
    return [(t, float(np.nanmin(data.targets[:, j])), float(np.nanmax(data.targets[:, j])))
            for j, t in enumerate(data.target_names) if crossing[j]]


def _judged_by(data: Dataset) -> tuple[str, str, bool]:
    """(metric, its name in the notes, whether higher is better) of the networks' comparisons:
    the test RMSE of a regression, the accuracy of a classifier."""
    return ("accuracy", "accuracy", True) if data.classes is not None else \
        ("rmse", "RMSE", False)


def _each_target(data: Dataset) -> list[str | None]:
    """The targets compared one by one: those of a regression with several, else [None] (the
    part's own figures)."""
    several = data.classes is None and len(data.target_names) > 1
    return list(data.target_names) if several else [None]


def _shown(v: float, m: str, digits: int = 4) -> str:
    """A figure of the notes: an accuracy in per cent, others as they are."""
    return f"{figure(100 * v, digits)} %" if m == "accuracy" else figure(v, digits)


def _called(name: str, baseline: dict, data: Dataset, what: bool = True) -> str:
    """How the notes call a baseline; ``what``: and what it is, in parentheses."""
    called, it_is = CALLED.get(name, (baseline["what"], ""))
    period = data.series.period if data.series is not None else None
    return f"{called} ({it_is.format(period=period)})" if what and it_is else called


def best_baselines(data: Dataset, baselines: dict, part: str = "test") -> list[str]:
    """The names of the baselines that do best on ``part`` (one per target, in the order of
    the targets, each once): those the notes hold the networks against."""
    m, _, higher = _judged_by(data)
    best = [_best(baselines, part, m, t, higher) for t in _each_target(data)]
    return list(dict.fromkeys(b[0] for b in best if b is not None))


def _best(baselines: dict, part: str, m: str, t: str | None, higher: bool
          ) -> tuple[str, float] | None:
    """(name, figure) of the baseline with the best ``m`` of ``part`` (for target ``t``);
    None when none has a finite one."""
    figures = [(name, metric(b["scores"][part], m, t)) for name, b in baselines.items()
               if part in b["scores"]]
    figures = [(name, v) for name, v in figures if math.isfinite(v)]
    if not figures:
        return None
    return (max if higher else min)(figures, key=lambda item: item[1])


def worse_than_baselines(data: Dataset, results: list[ModelResult], baselines: dict
                         ) -> list[str]:
    """A note for the networks that do worse on the test part (one step; then over the
    multi-step forecast) than the best of the baselines there (per target with several),
    naming it and its figure: RMSE, or a classifier's accuracy."""
    m, label, higher = _judged_by(data)
    lines = []
    for part in ("test", "test_multistep"):
        losses: dict[str, list[tuple[str, float, float]]] = {}
        for t in _each_target(data):
            best = _best(baselines, part, m, t, higher)
            for r in (r for r in results if best and part in r.scores):
                ours = metric(r.scores[part], m, t)
                if worse(ours, best[1], higher):
                    losses.setdefault(best[0], []).append(
                        (r.name + (f" on {t}" if t else ""), ours, best[1]))
        for name, lost in losses.items():
            lines.append(_worse_line(data, baselines, name, part, lost, m, label))
    return lines


def _worse_line(data: Dataset, baselines: dict, name: str, part: str,
                lost: list[tuple[str, float, float]], m: str, label: str) -> str:
    """The note that the networks ``lost`` ((who, figure, the baseline's)) do worse on
    ``part`` than baseline ``name``, the best of the baselines."""
    b = baselines[name]
    where = "on the test part" if part == "test" else \
        f"over the {len(b['multistep'])}-step forecast of the test part"
    ours = [_shown(a, m, _telling(a, c)) for _, a, c in lost]
    theirs = [_shown(c, m, _telling(a, c)) for _, a, c in lost]
    figures = f"{_and(ours)} against {theirs[0]}" if len({c for *_, c in lost}) == 1 else \
        _and([f"{a} against {c}" for a, c in zip(ours, theirs)])
    rivals = sum(part in other["scores"] for other in baselines.values())
    best = "the best baseline, " if rivals > 1 else ""
    does = "does" if len(lost) == 1 else "do"
    return (f"note: {_and([who for who, *_ in lost])} {does} worse {where} than {best}"
            f"{_called(name, b, data)}: {label} {figures}")


def stopped_early(data: Dataset, results: list[ModelResult], baselines: dict) -> list[str]:
    """A note for each trained network that may have stopped learning too early: stopped by
    validation with its best epoch among the first 2 max_fail, or a training figure worse
    than the linear baseline's; the note names the knobs that let it learn more."""
    m, label, higher = _judged_by(data)
    linear = next((n for n in LINEAR if n in baselines), None)
    lines = []
    for r in (r for r in results if not r.is_ensemble):
        t, tc = r.train, r.cfg.train
        why = []
        if t.stop_reason == VALIDATION_STOP and t.best_epoch <= 2 * tc.max_fail:
            why.append(f"validation stopped it at epoch {t.epochs} of {tc.epochs}, its best "
                       f"epoch {t.best_epoch}")
        for target in _each_target(data) if linear else []:
            ours = metric(r.scores.get("train", {}), m, target)
            theirs = metric(baselines[linear]["scores"].get("train", {}), m, target)
            if worse(ours, theirs, higher):
                digits = _telling(ours, theirs)
                why.append(f"its training {label}{f' on {target}' if target else ''} "
                           f"{_shown(ours, m, digits)} is {'below' if higher else 'above'} "
                           f"{_called(linear, baselines[linear], data, what=False)}'s "
                           f"{_shown(theirs, m, digits)}")
        if why:
            lines.append(f"note: {r.name} may have stopped learning too early "
                         f"({'; '.join(why)}): try {_knobs(r)}")
    return lines


def _knobs(r: ModelResult) -> str:
    """What lets network ``r`` learn more: a larger max_fail (stopped by validation) or more
    epochs (stopped by their number), a larger hidden layer, a stronger rule."""
    tc, name = r.cfg.train, r.model or r.name
    knobs = {VALIDATION_STOP: [f"a larger train.max_fail (now {tc.max_fail})"],
             MAX_EPOCH: [f"more train.epochs (now {tc.epochs})"]}.get(r.train.stop_reason, [])
    sizes = ", ".join(map(str, r.cfg.hidden))
    knobs.append(f"a larger hidden layer (models.{name}.hidden, now [{sizes}])")
    rules = [a for a in STRONG_RULES if a != tc.algorithm]
    if rules:
        mse = " with train.perform: mse" if tc.perform == "crossentropy" else ""
        knobs.append(f"train.algorithm: {' or '.join(rules)}{mse}")
    return _and(knobs, "or")


def _telling(a: float, b: float) -> int:
    """The significant digits (4 or more) that show a != b as different numbers."""
    digits = 4
    while digits < 12 and math.isfinite(a) and figure(a, digits) == figure(b, digits):
        digits += 1
    return digits


def _below_zero(data: Dataset, results: list[ModelResult], baselines: dict) -> list[str]:
    """Notes for the test-part predictions and forecasts that go below zero although the
    series never does."""
    test = data.index.get("test")
    if test is None:
        return []
    test_labels = [data.labels[i] for i in test]
    paths = []
    for name, one, many in [(r.name, r.predictions, r.multistep) for r in results] + \
            [(b["what"], b["predictions"], b["multistep"]) for b in baselines.values()]:
        paths.append((f"{name}'s one-step predictions go", one[test, 0], test_labels))
        if many is not None:
            origin = forecast_origin(data, len(many))[0]
            paths.append((f"{name}'s {len(many)}-step forecast goes", many,
                          path_labels(data.series, origin, len(many))))
    lines = []
    for what, values, labels in paths:
        if np.nanmin(values, initial=np.inf) < 0:
            i = int(np.nanargmin(values))
            when = plain_label(labels[i])
            lines.append(f"note: {what} below zero ({values[i]:.4g} at {when}) though "
                         f"{data.target_names[0]} is never negative")
    return lines


def _and(items: list[str], word: str = "and") -> str:
    """"a", "a and b", "a, b and c" (or ``word`` in place of "and")."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"


def table(head: list[str], rows: list[list[str]], left: int) -> list[str]:
    """The lines of a table: the header, a rule, the rows; the first ``left`` columns are
    left-aligned, the others right-aligned."""
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i < left else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths)))
    return [line(head), line(["-" * w for w in widths]), *map(line, rows)]

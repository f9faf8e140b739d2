"""Output stage: what the console shows of a run: the data as bpnet understood it (its time
step, what was done about missing values), then the tables printed at the end of a run, and
the notes under them.

With several targets every table has a target column and one row per model and target, each
in its target's own units. The notes say what a reader of the table must not miss: targets the
scores leave out (filled values, missing targets), a network that does worse on the test part
than the linear baseline (or the training mean), a target whose MAPE is omitted, a forecast of
a never-negative series that goes below zero.
"""
from __future__ import annotations

import math

import numpy as np

from bpnet.data import Dataset
from bpnet.report.forecast import forecast_origin, path_labels, plain_label
from bpnet.report.intervals import level_name
from bpnet.report.metrics import crosses_zero, metric, over_runs
from bpnet.report.scores import ModelResult

# the baselines a network is compared with in the notes, and how the notes call them
_COMPARED = {"train_mean": "the training mean",
             "ols": "the linear baseline (least squares on the same inputs)"}


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
            def num(part, m, spec, t=t, scores=scores):
                return _num(metric(scores[part], m, t), spec) if part in scores else "-"
            rows.append([name, *([t] if t else []), epochs, reason, num("train", "rmse", ".3f"),
                         num("test", "rmse", ".3f"), num("test", "mape", ".2f"),
                         num("test", "max_abs_rel_error", ".4f")] +
                        ([num("test_multistep", "mape", ".2f")] if multi else []) +
                        [_coverage(scores.get(part, {}), levels) for part in
                         ("test", "test_multistep")[:1 + multi] if levels])
    return "\n".join(_table(head, rows, left=4 if per_target[0] else 3))


def _coverage(scores: dict, levels: tuple[float, ...]) -> str:
    """A part's coverage of its intervals, in % per level ("78.6/95.2"); "-" without."""
    cover = scores.get("intervals")
    if not cover:
        return "-"
    return "/".join(_num(100 * cover[level_name(v)]["coverage"], ".1f") for v in levels)


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
            def cell(part, m, spec, o=o, t=t):
                if part not in o:
                    return "-"
                s = metric(o[part], m, None if m == "mse" else t)
                if not math.isfinite(s["median"]):   # a MAPE omitted
                    return "-"
                return f"{s['median']:{spec}} [{s['min']:{spec}}, {s['max']:{spec}}]"
            rows.append([r.name, *([t] if t else []), str(len(r.runs)), str(r.seed),
                         cell("train", "mse", ".4g"), cell("test", "rmse", ".2f"),
                         cell("test", "mape", ".2f")] +
                        ([cell("test_multistep", "mape", ".2f")] if multi else []))
    which = "validation" if has_val else "training"
    return "\n".join([f"over runs: median [min, max]; kept: the run of lowest {which} mse",
                      *_table(head, rows, left=len(head))])


def notes(data: Dataset, results: list[ModelResult], baselines: dict | None = None
          ) -> list[str]:
    """The lines printed under the summary table (each starts with "note: ")."""
    baselines = baselines or {}
    left_out = scored_note(data)
    out = [left_out] if left_out else []
    for name, called in _COMPARED.items():
        if name in baselines:
            out += _worse_than(results, baselines[name], called, data.target_names)
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


def _worse_than(results: list[ModelResult], baseline: dict, called: str, targets: list[str]
                ) -> list[str]:
    """A note for the networks whose test RMSE (one step; then over the multi-step forecast)
    is larger than ``baseline``'s, per target with several."""
    lines = []
    steps = len(baseline["multistep"]) if baseline.get("multistep") is not None else 0
    for part, where in (("test", "on the test part"),
                        ("test_multistep", f"over the {steps}-step forecast of the test part")):
        if part not in baseline["scores"]:
            continue
        worse, ours, theirs = [], [], []
        for r in results:
            for t in targets if len(targets) > 1 else [None]:
                a = metric(r.scores.get(part, {}), "rmse", t)
                b = metric(baseline["scores"][part], "rmse", t)
                if math.isfinite(b) and not a <= b:   # NaN counts as worse
                    worse.append(r.name + (f" on {t}" if t else ""))
                    digits = _telling(a, b)
                    ours.append(_num(a, f".{digits}g"))
                    theirs.append(f"{b:.{digits}g}")
        if worse:
            does = "does" if len(worse) == 1 else "do"
            figures = f"{_and(ours)} against {theirs[0]}" if len(set(theirs)) == 1 else \
                _and([f"{a} against {b}" for a, b in zip(ours, theirs)])
            lines.append(f"note: {_and(worse)} {does} worse {where} than {called}: "
                         f"RMSE {figures}")
    return lines


def _telling(a: float, b: float) -> int:
    """The significant digits (4 or more) that show a != b as different numbers."""
    digits = 4
    while digits < 12 and math.isfinite(a) and f"{a:.{digits}g}" == f"{b:.{digits}g}":
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


def _and(items: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _table(head: list[str], rows: list[list[str]], left: int) -> list[str]:
    """The lines of a table: the header, a rule, the rows; the first ``left`` columns are
    left-aligned, the others right-aligned."""
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i < left else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths)))
    return [line(head), line(["-" * w for w in widths]), *map(line, rows)]


def _num(v, spec: str) -> str:
    return "-" if v is None or not math.isfinite(v) else format(v, spec)

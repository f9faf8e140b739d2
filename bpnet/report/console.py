"""Output stage: the tables printed at the end of a run."""
from __future__ import annotations

import math

from bpnet.report.metrics import over_runs
from bpnet.train.experiment import ModelResult


def summary_table(results: list[ModelResult], baselines: dict | None = None,
                  not_trained: dict[str, str] | None = None) -> str:
    """The console summary: one row per model, then the models a stop left untrained (with
    why), then the baselines."""
    multi = any(r.multistep is not None for r in results)
    head = ["model", "epochs", "stop reason", "train RMSE", "test RMSE", "test MAPE %",
            "max test |rel err|"] + (["multi-step MAPE %"] if multi else [])
    rows = []
    for r in results:
        test = r.scores.get("test", {})
        row = [r.name, str(r.train.epochs), r.train.stop_reason,
               f"{r.scores['train']['rmse']:.3f}", _num(test.get("rmse"), ".3f"),
               _num(test.get("mape"), ".2f"), _num(test.get("max_abs_rel_error"), ".4f")]
        if multi:
            row.append(_num(r.scores.get("test_multistep", {}).get("mape"), ".2f"))
        rows.append(row)
    for name, why in (not_trained or {}).items():
        rows.append([name, "-", why] + ["-"] * (len(head) - 3))
    for name, b in (baselines or {}).items():
        test = b["scores"]["test"]
        row = [name.replace("_", " "), "-", "baseline", "-", _num(test["rmse"], ".3f"),
               _num(test["mape"], ".2f"), _num(test["max_abs_rel_error"], ".4f")]
        if multi:
            row.append(_num(b["scores"].get("test_multistep", {}).get("mape"), ".2f"))
        rows.append(row)
    return "\n".join(_table(head, rows, left=3))


def runs_table(results: list[ModelResult], has_val: bool) -> str:
    """Median [min, max] over runs of the main figures, and which run was kept."""
    multi = any("test_multistep" in r.scores for r in results)
    head = ["model", "runs", "kept seed", "train mse", "test RMSE", "test MAPE %"] + \
        (["multi-step MAPE %"] if multi else [])
    rows = []
    for r in results:
        if not r.runs:
            continue
        o = over_runs(r.runs)

        def cell(part, metric, spec, o=o):
            if part not in o:
                return "-"
            s = o[part][metric]
            return f"{s['median']:{spec}} [{s['min']:{spec}}, {s['max']:{spec}}]"
        rows.append([r.name, str(len(r.runs)), str(r.seed), cell("train", "mse", ".4g"),
                     cell("test", "rmse", ".2f"), cell("test", "mape", ".2f")] +
                    ([cell("test_multistep", "mape", ".2f")] if multi else []))
    which = "validation" if has_val else "training"
    return "\n".join([f"over runs: median [min, max]; kept: the run of lowest {which} mse",
                      *_table(head, rows, left=len(head))])


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

"""Output stage: every result file, and the console summary.

Each file is written to a temporary name in the output folder and renamed into place, so that a
result file is either the old one or the complete new one, never half written.
"""
from __future__ import annotations

import csv
import json
import math
import os
import platform
from pathlib import Path

import numpy as np
import yaml

from bpnet.version import __version__
from bpnet.report import metrics
from bpnet.report import modelfile
from bpnet.report import plots
from bpnet.config.load import Config, config_to_dict
from bpnet.data.dataset import Dataset
from bpnet.errors import InputError
from bpnet.train.experiment import ModelResult
from bpnet.report.fileio import atomic_write
from bpnet.train.loop import HISTORY_COLUMNS


def check_output_dir(out: str) -> None:
    """Refuse, before any work, an output folder that cannot be created or written.

    Nothing is created here, so that a run stopped by a mistake leaves the folder as it was.
    """
    path = Path(out)
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"{out}: cannot create the output folder: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"{out}: cannot create or write the output folder "
                         f"({existing}: permission denied)")


def prepare_dir(out: str) -> Path:
    """Create the output folder (and parents); failing that is an InputError."""
    path = Path(out)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot create or write the output folder "
                         f"({exc.strerror or exc})") from None
    return path


def versions() -> dict[str, str]:
    import matplotlib
    import scipy
    return {"bpnet": __version__, "python": platform.python_version(),
            "numpy": np.__version__, "scipy": scipy.__version__,
            "matplotlib": matplotlib.__version__, "pyyaml": yaml.__version__}


def _clean(v):
    """JSON-safe: NaN/inf become null, numpy scalars plain numbers."""
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if isinstance(v, (float, np.floating)):
        return float(v) if math.isfinite(v) else None
    if isinstance(v, np.integer):
        return int(v)
    return v


def portable_config(cfg: Config, out: Path) -> dict:
    """The resolved config with its paths relative to the output folder, where it is written,
    so that ``python run.py <out>/config.yaml`` reruns the same experiment from any folder."""
    raw = config_to_dict(cfg)

    def rel(p: str) -> str:
        try:
            return os.path.relpath(p, out)
        except ValueError:  # another drive
            return p
    raw["data"]["path"] = rel(raw["data"]["path"])
    if raw["data"]["test_path"]:
        raw["data"]["test_path"] = rel(raw["data"]["test_path"])
    for m in raw["models"].values():
        if m["init"].endswith(".npz"):
            m["init"] = rel(m["init"])
    raw["output"]["dir"] = "."
    return raw


def metrics_dict(cfg: Config, results: list[ModelResult], baselines: dict | None = None
                 ) -> dict:
    models = {}
    for r in results:
        t = r.train
        entry = {"type": r.cfg.type, "algorithm": r.cfg.train.algorithm,
                 "epochs": t.epochs, "best_epoch": t.best_epoch, "stop_reason": t.stop_reason,
                 "train_seconds": t.seconds, "seconds_per_epoch": t.seconds_per_epoch}
        if r.cfg.clip_norm is not None:
            entry["clipped_epochs"] = t.clipped
        if "gamk" in t.history:   # trainbr: the effective number of parameters, of all weights
            entry["gamk"] = float(t.history["gamk"][-1])
            entry["n_weights"] = int(r.net.theta.size)
        entry.update(r.scores)
        if r.runs:
            entry["seed"] = r.seed
            entry["runs"] = r.runs
            entry["over_runs"] = over_runs(r.runs)
        models[r.name] = entry
    out = {"seed": cfg.seed, "versions": versions(), "models": models}
    if baselines:
        out["baselines"] = {name: b["scores"] for name, b in baselines.items()}
    return _clean(out)


def over_runs(runs: list[dict]) -> dict:
    """median, min and max over runs of every number in the runs' summaries."""
    out: dict = {}
    for key in ("epochs", "best_epoch", "train_seconds"):
        v = np.array([run[key] for run in runs], dtype=float)
        out[key] = {"median": float(np.median(v)), "min": float(v.min()), "max": float(v.max())}
    for part in ("train", "val", "test", "test_multistep"):
        if part not in runs[0]:
            continue
        out[part] = {}
        for metric in runs[0][part]:
            v = np.array([run[part][metric] for run in runs], dtype=float)
            out[part][metric] = {"median": float(np.median(v)), "min": float(np.min(v)),
                                 "max": float(np.max(v))}
    return out


def _fmt(x: float) -> str:
    return "" if not math.isfinite(x) else repr(float(x))


def write_predictions(fh, data: Dataset, results: list[ModelResult],
                      baselines: dict | None = None) -> None:
    """One row per sample: label, split, target(s), then per model prediction and rel. error
    (and, with a forecast, the multi-step forecast of the test part), then the baselines."""
    w = csv.writer(fh, lineterminator="\n")
    multi = len(data.target_names) > 1
    names = data.target_names
    header = [data.label_name, "split", *(names if multi else ["target"])]
    for r in results:
        for t in names:
            col = f"{r.name}_{t}" if multi else r.name
            header += [col, f"{col}_relerr"]
    # test-part extras, aligned on the test samples: multi-step forecasts and the baselines
    extras: dict[str, np.ndarray] = {}
    q = len(data.targets)
    test = data.index.get("test", np.array([], dtype=int))
    for r in results:
        if r.multistep is not None:
            extras[f"{r.name}_multistep"] = r.multistep
    for name, b in (baselines or {}).items():
        extras[name] = b["one_step"]
        if b["multistep"] is not None:
            extras[f"{name}_multistep"] = b["multistep"]
    columns = {}
    for name, values in extras.items():
        col = np.full(q, np.nan)
        n = min(len(values), len(test))
        col[test[:n]] = values[:n]
        columns[name] = col
    w.writerow(header + list(columns))
    rel = {r.name: metrics.relative_error(r.predictions, data.targets) for r in results}
    part_of = data.part_of()
    for i in range(q):
        row = [data.labels[i], part_of[i], *(_fmt(v) for v in data.targets[i])]
        for r in results:
            for j in range(len(names)):
                row += [_fmt(r.predictions[i, j]), _fmt(rel[r.name][i, j])]
        w.writerow(row + [_fmt(col[i]) for col in columns.values()])


def write_history(fh, history: dict[str, np.ndarray]) -> None:
    w = csv.writer(fh, lineterminator="\n")
    cols = [c for c in (*HISTORY_COLUMNS, "mu", "clipped") if c in history]
    cols += [c for c in history if c not in cols]   # a rule's own columns (trainbr's gamk, ssX)
    w.writerow(cols)
    for i in range(len(history["epoch"])):
        w.writerow([int(history[c][i]) if c in ("epoch", "val_fail", "clipped")
                    else _fmt(history[c][i]) for c in cols])


def model_meta(cfg: Config, data: Dataset) -> dict:
    d = cfg.data
    train = data.X[data.index["train"]]
    return {"features": data.feature_names, "targets": data.target_names,
            "train_range": {"min": train.min(axis=0).tolist(), "max": train.max(axis=0).tolist()},
            "data": {"series": d.series, "time": d.time, "lags": list(d.lags),
                     "month": d.month, "inputs": list(d.inputs), "targets": list(d.targets),
                     "transform": {"log": d.transform.log,
                                   "difference": list(d.transform.difference)},
                     "period": d.period}}


def write_all(cfg: Config, data: Dataset, results: list[ModelResult],
              baselines: dict | None = None) -> list[Path]:
    """Write every result file into ``cfg.output.dir``; returns the paths written."""
    out = prepare_dir(cfg.output.dir)
    written = []

    def put(name: str, write, binary: bool = False) -> None:
        atomic_write(out / name, write, binary)
        written.append(out / name)

    def put_figure(name: str, fig) -> None:
        try:
            put(name, lambda fh: fig.savefig(fh, format="png", dpi=110), binary=True)
        finally:
            plots.close(fig)

    put("config.yaml", lambda fh: yaml.safe_dump(portable_config(cfg, out), fh,
                                                 sort_keys=False))
    put("metrics.json", lambda fh: json.dump(metrics_dict(cfg, results, baselines), fh,
                                             indent=2))
    put("predictions.csv", lambda fh: write_predictions(fh, data, results, baselines))
    meta = model_meta(cfg, data)
    for r in results:
        put(f"history_{r.name}.csv", lambda fh, r=r: write_history(fh, r.train.history))
        path = out / f"model_{r.name}.npz"
        modelfile.save(path, r.net, data.x_scaler, data.y_scaler, meta)
        written.append(path)
        put_figure(f"errors_{r.name}.png",
                   plots.performance(r.name, r.train.history, r.train.best_epoch,
                                     r.cfg.train.algorithm, r.train.stop_reason))
        put_figure(f"trainstate_{r.name}.png",
                   plots.train_state(r.name, r.train.history, r.cfg.train.algorithm))
        targets = {p: data.targets[i] for p, i in data.index.items()}
        outputs = {p: r.predictions[i] for p, i in data.index.items()}
        put_figure(f"regression_{r.name}.png", plots.regression(r.name, targets, outputs))
        put_figure(f"errhist_{r.name}.png", plots.error_histogram(
            r.name, {p: targets[p] - outputs[p] for p in targets}))
    if len(results) > 1:
        put_figure("errors.png", plots.compare({r.name: r.train.history for r in results},
                                               {r.name: r.cfg.train.algorithm for r in results}))
    if any(r.multistep is not None for r in results):
        first = data.index["test"][0]
        put_figure("forecast.png", plots.forecast_test(
            data.series_labels, data.series, data.positions[data.index["test"]],
            {r.name: r.predictions[data.index["test"], 0] for r in results},
            {r.name: r.multistep for r in results}, int(data.positions[first]),
            data.target_names[0], data.label_name))
    put_figure("fit.png", plots.fit(data.labels, data.label_name, data.targets, data.target_names,
                                    {r.name: r.predictions for r in results}, data.part_of()))
    return written


def summary_table(results: list[ModelResult], baselines: dict | None = None) -> str:
    """The console summary: one row per model, then the baselines."""
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
    for name, b in (baselines or {}).items():
        test = b["scores"]["test"]
        row = [name.replace("_", " "), "-", "baseline", "-", _num(test["rmse"], ".3f"),
               _num(test["mape"], ".2f"), _num(test["max_abs_rel_error"], ".4f")]
        if multi:
            row.append(_num(b["scores"].get("test_multistep", {}).get("mape"), ".2f"))
        rows.append(row)
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    line = lambda cells: "  ".join(c.ljust(w) if i < 3 else c.rjust(w)   # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(head), line(["-" * w for w in widths]), *map(line, rows)])


def _num(v, spec: str) -> str:
    return "-" if v is None or not math.isfinite(v) else format(v, spec)


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
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths))  # noqa: E731
    which = "validation" if has_val else "training"
    return "\n".join([f"over runs: median [min, max]; kept: the run of lowest {which} mse",
                      line(head), line(["-" * w for w in widths]), *map(line, rows)])


def write_use_csv(path: str, pred) -> None:
    """The predictions or forecast of a saved model (``predict.Predictions``) as CSV: label,
    then per target the prediction and, when the data hold the target, its value and the
    relative error."""
    def write(fh):
        w = csv.writer(fh, lineterminator="\n")
        multi = len(pred.target_names) > 1
        header = [pred.label_name]
        for t in pred.target_names:
            header.append(f"{t}_prediction" if multi else "prediction")
            if pred.y_true is not None:
                header += [t, f"{t}_relerr" if multi else "relerr"]
        w.writerow(header)
        rel = None if pred.y_true is None else metrics.relative_error(pred.y_pred, pred.y_true)
        for i, label in enumerate(pred.labels):
            row = [label]
            for j in range(len(pred.target_names)):
                row.append(_fmt(pred.y_pred[i, j]))
                if rel is not None:
                    row += [_fmt(pred.y_true[i, j]), _fmt(rel[i, j])]
            w.writerow(row)
    prepare_dir(os.path.dirname(os.path.abspath(path)))
    atomic_write(Path(path), write)


def write_forecast_plot(path: str, history, fc, model_name: str) -> None:
    """The series the forecast starts from, and the forecast."""
    fig = plots.forecast(history.labels, history.y_true, fc.labels, fc.y_pred,
                         history.target_names[0], history.label_name, model_name)
    try:
        atomic_write(Path(path), lambda fh: fig.savefig(fh, format="png", dpi=110), binary=True)
    finally:
        plots.close(fig)

"""Output stage of ``run.py predict`` and ``run.py forecast``: the CSV of a saved model's
predictions or forecast, and the picture of a forecast."""
from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np

from bpnet.errors import InputError
from bpnet.paths import shown
from bpnet.report.columns import text_cell, text_cells
from bpnet.report.intervals import level_name
from bpnet.report.metrics import relative_error
from bpnet.storage.fileio import number_cell, write_together
from bpnet.storage.outdir import prepare_dir


def write_use_csv(path: str, pred) -> None:
    """The predictions or forecast of a saved model (``predict.Predictions``) as CSV: label,
    then per target the prediction, its prediction intervals when asked for (lower_80,
    upper_80, ...) and, when the data hold the target, its value and the relative error. A
    classifier's: label, predicted class, the probability of every class
    and, when the data hold the class column, the class and whether the prediction is right."""
    if pred.classes is not None:
        _write(path, [(Path(path), lambda fh: _write_classes(fh, pred), False)])
        return
    _write(path, [(Path(path), _csv_writer(pred), False)])


def write_forecast(path: str, picture: str | None, history, fc, model_name: str) -> None:
    """The forecast ``fc`` as CSV at ``path`` and its picture at ``picture`` (None: no
    picture), the picture drawn before either file is written and both renamed into place
    together. ``history`` is the series the forecast starts from (both
    ``predict.Predictions``)."""
    if picture is None:
        write_use_csv(path, fc)
        return
    # drawing alone needs matplotlib
    from bpnet.report import plots
    fig = plots.forecast(history.labels, history.y_true, fc.labels, fc.y_pred,
                         history.target_names[0], history.label_name, model_name,
                         _shaded(fc.intervals))
    png = plots.png_bytes(fig)
    _write(path, [(Path(path), _csv_writer(fc), False),
                  (Path(picture), lambda fh: fh.write(png), True)])


def _shaded(intervals: dict[float, tuple[np.ndarray, np.ndarray]]) -> tuple | None:
    """The bands a picture shades, ("forecast", levels (L,), lower (L, n), upper (L, n)), of
    the intervals level -> (lower (n,), upper (n,)); None without any."""
    if not intervals:
        return None
    return ("forecast", tuple(intervals), np.array([lo for lo, _ in intervals.values()]),
            np.array([hi for _, hi in intervals.values()]))


def _write(path: str, files) -> None:
    """Write ``files`` together (see :func:`~bpnet.storage.fileio.write_together`); a failure
    (a full disk) is an InputError and leaves every file as it was."""
    prepare_dir(os.path.dirname(os.path.abspath(path)))
    try:
        write_together(files)
    except OSError as exc:
        raise InputError(f"{shown(path)}: cannot write ({exc.strerror or exc}); every file is "
                         "as it was") from None


def _csv_writer(pred):
    def write(fh):
        w = csv.writer(fh, lineterminator="\n")
        multi = len(pred.target_names) > 1
        header = [pred.label_name]
        bounds = [b for level, pair in pred.intervals.items()
                  for b in zip((f"lower_{level_name(level)}", f"upper_{level_name(level)}"),
                               pair)]
        for t in pred.target_names:
            header.append(f"{t}_prediction" if multi else "prediction")
            header += [name for name, _ in bounds]   # a series: one target
            if pred.y_true is not None:
                header += [t, f"{t}_relerr" if multi else "relerr"]
        w.writerow(text_cells(header))
        rel = None if pred.y_true is None else relative_error(pred.y_pred, pred.y_true)
        for i, label in enumerate(pred.labels):
            row = [text_cell(label)]
            for j in range(len(pred.target_names)):
                row.append(number_cell(pred.y_pred[i, j]))
                row += [number_cell(values[i]) for _, values in bounds]
                if rel is not None:
                    row += [number_cell(pred.y_true[i, j]), number_cell(rel[i, j])]
            w.writerow(row)
    return write


def _write_classes(fh, pred) -> None:
    """A classifier's rows: label, prediction, p_<class> ... (, target, right)."""
    w = csv.writer(fh, lineterminator="\n")
    truth = pred.y_true is not None
    w.writerow(text_cells([pred.label_name, "prediction", *[f"p_{c}" for c in pred.classes],
                           *(["target", "right"] if truth else [])]))
    predicted = pred.predicted_labels
    for i, label in enumerate(pred.labels):
        row = [text_cell(label), text_cell(predicted[i]),
               *[number_cell(v) for v in pred.y_pred[i]]]
        if truth:
            target = pred.classes[int(pred.y_true[i].argmax())]
            row += [text_cell(target), "1" if target == predicted[i] else "0"]
        w.writerow(row)

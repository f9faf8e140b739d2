"""Use a trained network: predictions and forecasts from a saved model, no config needed.

``load_model(path)`` reads a ``model_<name>.npz`` written by a run; the returned :class:`Model`
builds samples from new data exactly as at training time (same columns, lags, month feature),
applies the saved scaling, runs the network and maps the outputs back to original units. An
ensemble's file (``model_<name>_mean.npz``) gives an :class:`Ensemble`, which averages its
networks.
"""
from __future__ import annotations

import dataclasses
import numbers
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bpnet.config.schema import interval_levels
from bpnet.config.yamlschema import show
from bpnet.data import Samples, build_samples
from bpnet.data.samples import Series, delays_text, first_time
from bpnet.data.scaling import Scaler
from bpnet.data.wide import read_data
from bpnet.errors import InputError
from bpnet.matlab import weights
from bpnet.memory import require
from bpnet.paths import shown
from bpnet.report import forecast, modelfile
from bpnet.report.intervals import interval
from bpnet.report.meta import ModelMeta
from bpnet.storage import outdir

# memory per forecast step: the values and their stages, the label, the CSV row
_BYTES_PER_STEP = 200
PATHS = (str, os.PathLike)
_A_PATH = "a file path (str or os.PathLike)"


def check_argument(ok: bool, name: str, value, expected: str) -> None:
    """The check of an argument a Python caller gives: nothing when ``ok``, else the TypeError
    naming the argument ``name``, what it takes (``expected``) and what it got (``value``)."""
    if not ok:
        got = "None" if value is None else f"{type(value).__name__} {show(value)}"
        raise TypeError(f"{name}: expected {expected}, got {got}")


def _steps(steps) -> int:
    """A forecast's number of steps: a whole number (TypeError), at least 1 (InputError)."""
    check_argument(isinstance(steps, numbers.Integral) and not isinstance(steps, bool),
                   "steps", steps, "a whole number of periods, e.g. 12")
    if steps < 1:
        raise InputError(f"steps: must be >= 1, got {steps}")
    return int(steps)


@dataclass
class Predictions:
    """Predictions of one data file: labels (N,), y_pred (N, K), and y_true (N, K) or None.

    A classifier's y_pred are its class probabilities, y_true the one-hot rows of the class
    column, and ``classes`` (K,) its class labels (the target names); otherwise None.
    """

    label_name: str
    labels: list[str]
    target_names: list[str]
    y_pred: np.ndarray
    y_true: np.ndarray | None
    classes: list[str] | None = None
    # level -> (lower (N,), upper (N,)): the prediction intervals asked for (intervals=...)
    intervals: dict[float, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    @property
    def predicted_labels(self) -> list[str]:
        """A classifier's predicted class of every row (the first of equal probabilities)."""
        return [self.classes[k] for k in np.argmax(self.y_pred, axis=1)]

    @property
    def accuracy(self) -> float | None:
        """The fraction of rows whose predicted class is the class column's (None without
        the column or for a regression model)."""
        if self.classes is None or self.y_true is None or len(self.y_true) == 0:
            return None
        return float(np.mean(np.argmax(self.y_pred, axis=1) == np.argmax(self.y_true, axis=1)))


@dataclass
class Model:
    """A trained network with the scaling and the feature recipe it was trained with, and the
    calibration errors (H, N) of its prediction intervals by horizon (None: none saved)."""

    net: object
    x_scaler: Scaler
    y_scaler: Scaler
    meta: ModelMeta
    path: str
    errors: np.ndarray | None = None

    def __repr__(self) -> str:
        return f"Model({self.net!r}, features={self.meta.features}, from {self.path!r})"

    def _samples(self, path: str | Path, targets_needed: bool) -> tuple[Samples, int]:
        """The samples of a data file as at training time, and its number of data rows."""
        settings = dataclasses.replace(self.meta.data, path=str(path))
        table = read_data(str(path), settings)
        s = build_samples(settings, table, targets_needed, self.classes)
        if s.series is not None:
            s = dataclasses.replace(s, series=self._same_step(s.series, path))
        return s, len(table.rows)

    def _same_step(self, series: Series, path) -> Series:
        """The series with the time step the model was trained on: a file whose own step
        differs is an error; one too short (or irregular) to show a step takes the model's."""
        saved, axis = self.meta.time_step, series.axis
        if saved is None or axis is None:
            return series
        if axis.unit != saved.unit or (axis.step is not None and axis.step != saved.step):
            raise InputError(f"{shown(path)}: the series is {axis.describe()}; the model "
                             f"{shown(self.path)} was trained on a {saved.describe()} series")
        if axis.step is None:
            return dataclasses.replace(series, axis=dataclasses.replace(axis, step=saved.step))
        return series

    @property
    def classes(self) -> list[str] | None:
        """A classifier's class labels, in the order of its outputs (None: regression)."""
        return self.meta.classes

    def _outputs(self, X: np.ndarray) -> np.ndarray:
        """Inputs X (N, D) in original units -> the network's outputs (N, K), unscaled."""
        try:
            kind = np.asarray(X).dtype.kind
        except ValueError:   # rows of different lengths
            kind = "O"
        check_argument(kind in "iuf", "X", X, "numbers, an array (samples, inputs)")
        X = np.asarray(X, dtype=float)
        if X.ndim > 2:
            raise InputError(f"expected inputs as a 2-D array (samples, inputs), got "
                             f"{X.ndim}-D of shape {X.shape}")
        X = np.atleast_2d(X)
        d = len(self.meta.features)
        if X.shape[1] != d:
            raise InputError(f"expected {d} input columns ({', '.join(self.meta.features)}), "
                             f"got {X.shape[1]}")
        if not np.isfinite(X).all():
            rows = np.flatnonzero(~np.isfinite(X).all(axis=1))
            raise InputError(f"inputs must be finite numbers; {len(rows)} row(s) hold NaN or "
                             f"infinite values (the first: row {rows[0]})")
        out = self.y_scaler.inverse_transform(self.net.predict(self.x_scaler.transform(X)))
        self._check_classes(out, "X", [f"row {i}" for i in range(len(out))])
        return out

    def _check_classes(self, out: np.ndarray, where: str, rows: list[str]) -> None:
        """A classifier's probabilities (N, K) must be numbers: inputs so far outside the
        training data that the network overflows give NaN, which no class may stand for."""
        if self.classes is None:
            return
        bad = np.flatnonzero(~np.isfinite(out).all(axis=1))
        if len(bad):
            raise InputError(f"{where}: the network's class probabilities are not numbers for "
                             f"{len(bad)} row(s) (the first: {rows[bad[0]]}): their inputs lie "
                             "so far outside the training data that it overflows")

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Inputs X (N, D) in original units -> predictions (N, K) in original units; for a
        classifier, the predicted class labels (N,) (as scikit-learn's ``predict``).

        A recurrent network runs the rows as one sequence from h0 = 0.
        """
        out = self._outputs(X)
        if self.classes is None:
            return out
        return np.array(self.classes)[np.argmax(out, axis=1)]

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """A classifier's class probabilities (N, K), column k for ``classes[k]``, of inputs
        X (N, D) in original units."""
        if self.classes is None:
            raise InputError(f"{self.path}: predict_proba is for a classifier (trained with "
                             "data.classes); this model does regression, use predict")
        return self._outputs(X)

    def predict_file(self, path: str | Path, intervals=None) -> Predictions:
        """Build the samples of a CSV file as at training time and predict them; with
        ``intervals`` (levels, e.g. [0.8, 0.95]), the prediction interval of every one-step
        prediction too (docs/semantics.md#prediction-intervals)."""
        check_argument(isinstance(path, PATHS), "path", path, _A_PATH)
        levels = self._levels(intervals)
        s = self._file_samples(path)
        y_true = s.Y
        if s.series is not None and not s.series.transform.identity:
            y_true = s.series.targets
        names = list(self.classes) if self.classes is not None else s.target_names
        y_pred = self._predicted(s)
        self._check_classes(y_pred, shown(path), [f"{s.label_name} {v}" for v in s.labels])
        return Predictions(s.label_name, s.labels, names, y_pred, y_true,
                           None if self.classes is None else list(self.classes),
                           self._intervals(y_pred[:, 0], levels, s.series))

    def _levels(self, intervals) -> tuple[float, ...]:
        """The interval levels asked for, checked; a model without calibration errors
        gives none (an InputError)."""
        if intervals is None:
            return ()
        levels = interval_levels(intervals, "intervals")
        if levels and self.errors is None:
            raise InputError(f"{shown(self.path)}: holds no calibration errors, so no "
                             "prediction intervals; train it with forecast.intervals set")
        return levels

    def _intervals(self, center: np.ndarray, levels: tuple[float, ...], series: Series,
                   horizon=1) -> dict[float, tuple[np.ndarray, np.ndarray]]:
        """level -> (lower (N,), upper (N,)) around the predictions ``center`` (N,) of
        ``series``, each made ``horizon`` steps ahead
        (:func:`~bpnet.report.intervals.interval`); none asked, none given (a table too)."""
        if not levels:
            return {}
        tf = series.transform
        return {level: interval(center, self.errors, level, horizon, tf.z0, tf.from_z0)
                for level in levels}

    def _file_samples(self, path: str | Path) -> Samples:
        """The samples of a data file to predict, checked: the inputs the network takes, at
        least one sample (a warning for inputs outside the training range)."""
        s, rows = self._samples(path, targets_needed=False)
        self._check_inputs(s, path)
        if s.missing is not None and s.missing.changed:   # rows left out, values filled
            warnings.warn(f"missing values: {s.missing.describe()}", stacklevel=3)
        if len(s.X) == 0:
            d = self.meta.data
            if s.series is None:
                raise InputError(f"{shown(path)}: {rows} data rows give no sample; the file "
                                 "needs at least one row of values below its header")
            lost = sum(d.transform.difference)
            raise InputError(f"{shown(path)}: {rows} data rows give no sample; "
                             f"{delays_text(d)} (after differencing by {lost}) need at "
                             f"least {first_time(d) + 1} rows")
        self._warn_outside_range(s.X, path)
        return s

    def _predicted(self, s: Samples) -> np.ndarray:
        """The predictions (N, K) of samples ``s`` in original units (a transformed series'
        back to original units with the actual past values)."""
        y_hat = self._outputs(s.X)
        if self.classes is None and s.series is not None and not s.series.transform.identity:
            y_hat = s.series.to_original(y_hat)
        return y_hat

    def forecast_file(self, path: str | Path, steps: int, intervals=None
                      ) -> tuple[Predictions, Predictions]:
        """The recursive forecast of ``steps`` periods after the end of the series in a CSV:
        (forecast, the series it starts from as ``y_true`` with no predictions). A model with
        exogenous inputs reads their future values from the rows after the series' last value
        (its cell blank), closed loop (docs/semantics.md#exogenous-inputs). With ``intervals``
        (levels), the forecast's prediction intervals; the steps past the horizons the model
        was calibrated for have none (NaN, and a warning)."""
        check_argument(isinstance(path, PATHS), "path", path, _A_PATH)
        steps = _steps(steps)
        levels = self._levels(intervals)
        d = self.meta.data
        if d.series is None:
            raise InputError(f"{shown(self.path)}: forecast needs a model trained on a series "
                             "(data.series with lags); this one is tabular")
        require(_BYTES_PER_STEP * steps, f"a forecast of {steps:,} steps")
        s, _ = self._samples(path, targets_needed=True)
        self._check_inputs(s, path)
        series = s.series
        y = series.values
        if len(s.X) == 0:
            raise InputError(f"{shown(path)}: {len(y)} rows are too few to forecast from with "
                             f"{delays_text(d)} after differencing by "
                             f"{series.transform.lost}")
        values = self._forecast(s, steps, path)
        future = Predictions(s.label_name, forecast.next_labels(series, steps),
                             [d.series], values[:, None], None,
                             intervals=self._intervals(values, levels, series,
                                                       np.arange(1, steps + 1)))
        if levels and steps > len(self.errors):
            warnings.warn(f"{shown(self.path)}: its intervals are calibrated for "
                          f"{len(self.errors)} step(s) ahead (its run's forecast.horizon); "
                          f"steps {len(self.errors) + 1} to {steps} have none", stacklevel=2)
        past = Predictions(s.label_name, series.labels, [d.series],
                           np.full((len(y), 1), np.nan), y[:, None])
        return future, past

    def _forecast(self, s: Samples, steps: int, path) -> np.ndarray:
        """The recursive forecast (steps,) after the end of the series of samples ``s``."""
        try:
            return forecast.from_end(self.net, self.x_scaler, self.y_scaler, s.X, s.series,
                                     len(s.series.values), steps)
        except InputError as exc:
            if s.series.exog is None:
                raise
            raise InputError(f"{shown(path)}: {exc}") from None

    def _check_inputs(self, s: Samples, path) -> None:
        """The samples the recipe builds must have as many inputs as the network takes."""
        d = len(self.meta.features)
        if s.X.shape[1] != d:
            raise InputError(f"{shown(self.path)}: its data recipe builds {s.X.shape[1]} inputs "
                             f"from {shown(path)}, its network takes {d}")

    def _warn_outside_range(self, X: np.ndarray, path) -> None:
        """Warn when inputs X (N, D) leave the range of the training inputs."""
        rng = self.meta.train_range
        if rng is None:
            return
        lo, hi = np.array(rng.min), np.array(rng.max)
        outside = (X < lo) | (X > hi)
        if outside.any():
            cols = [f for f, o in zip(self.meta.features, outside.any(axis=0)) if o]
            warnings.warn(f"{shown(path)}: {int(outside.any(axis=1).sum())} of {len(X)} samples "
                          f"have inputs outside the training range ({', '.join(cols)}); the "
                          "network extrapolates there", stacklevel=2)


class Ensemble(Model):
    """The mean of several networks of one description, its ``net`` the list of them
    (``combine: mean``, docs/semantics.md#ensembles): every prediction, class probability and
    forecast is the average of the members', each in original units."""

    def __repr__(self) -> str:
        return (f"Ensemble(mean of {len(self.net)} x {self.net[0]!r}, "
                f"features={self.meta.features}, from {self.path!r})")

    @property
    def members(self) -> list[Model]:
        """Each network as a model of its own, in the order of their seeds."""
        return [Model(net, self.x_scaler, self.y_scaler, self.meta, self.path)
                for net in self.net]

    def _outputs(self, X: np.ndarray) -> np.ndarray:
        return np.mean([m._outputs(X) for m in self.members], axis=0)

    def _predicted(self, s: Samples) -> np.ndarray:
        return np.mean([m._predicted(s) for m in self.members], axis=0)

    def _forecast(self, s: Samples, steps: int, path) -> np.ndarray:
        return np.mean([m._forecast(s, steps, path) for m in self.members], axis=0)


def model_of(net, x_scaler: Scaler, y_scaler: Scaler, meta: ModelMeta, path: str,
             errors: np.ndarray | None = None) -> Model:
    """A :class:`Model`, or an :class:`Ensemble` when ``net`` is a list of networks."""
    return (Ensemble if isinstance(net, list) else Model)(net, x_scaler, y_scaler, meta, path,
                                                          errors)


def load_model(path: str | Path, *, transfer: list[str] | None = None,
               inputs: list[str] | None = None) -> Model:
    """Read a saved model (``model_<name>.npz``), or a network saved from MATLAB (a ``.mat``
    of IW1_1, b1, LW2_1, ... and processing settings, docs/semantics.md#import: ``transfer``
    and ``inputs`` override its transfer function names and input column names); a bad file
    raises InputError."""
    check_argument(isinstance(path, PATHS), "path", path, _A_PATH)
    if str(path).lower().endswith(".mat"):
        net, xs, ys, meta = weights.read(path, transfer, inputs)
        return Model(net, xs, ys, meta, str(path))
    net, xs, ys, meta = modelfile.load(path)
    errors = modelfile.interval_errors(path)
    outdir.check_run_file(path)
    return model_of(net, xs, ys, meta, str(path), errors)

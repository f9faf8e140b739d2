"""Use a trained network: predictions and forecasts from a saved model, no config needed.

``load_model(path)`` reads a ``model_<name>.npz`` written by a run; the returned :class:`Model`
builds samples from new data exactly as at training time (same columns, lags, month feature),
applies the saved scaling, runs the network and maps the outputs back to original units.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bpnet.data import dataset as data
from bpnet.report import forecast
from bpnet.report import modelfile
from bpnet.config.load import DataConfig, TransformConfig
from bpnet.errors import InputError, shown
from bpnet.data.scaling import Scaler


@dataclass
class Predictions:
    """Predictions of one data file: labels (N,), y_pred (N, K), and y_true (N, K) or None."""

    label_name: str
    labels: list[str]
    target_names: list[str]
    y_pred: np.ndarray
    y_true: np.ndarray | None


@dataclass
class Model:
    """A trained network with the scaling and the feature recipe it was trained with."""

    net: object
    x_scaler: Scaler
    y_scaler: Scaler
    meta: dict
    path: str

    def __repr__(self) -> str:
        return f"Model({self.net!r}, features={self.meta['features']}, from {self.path!r})"

    def _data_config(self, path: str) -> DataConfig:
        d = self.meta["data"]
        tf = d.get("transform") or {}
        return DataConfig(path=path, series=d["series"], time=d["time"],
                          lags=tuple(d["lags"]), month=d["month"], inputs=tuple(d["inputs"]),
                          targets=tuple(d["targets"]),
                          transform=TransformConfig(bool(tf.get("log", False)),
                                                    tuple(tf.get("difference", ()))))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Inputs X (N, D) in original units -> predictions (N, K) in original units.

        A recurrent network runs the rows as one sequence from h0 = 0.
        """
        X = np.atleast_2d(np.asarray(X, dtype=float))
        d = len(self.meta["features"])
        if X.shape[1] != d:
            raise ValueError(f"expected {d} input columns ({', '.join(self.meta['features'])}), "
                             f"got {X.shape[1]}")
        return self.y_scaler.inverse_transform(self.net.predict(self.x_scaler.transform(X)))

    def predict_file(self, path: str | Path) -> Predictions:
        """Build the samples of a CSV file as at training time and predict them."""
        table = data.read_table(str(path))
        X, Y, labels, label_name, features, targets, extra = data.samples(
            self._data_config(str(path)), table, targets_needed=False)
        if len(X) == 0:
            lags = self.meta["data"]["lags"]
            lost = sum((self.meta["data"].get("transform") or {}).get("difference", ()))
            raise InputError(f"{shown(path)}: {len(table.rows)} data rows give no sample; "
                             f"lags up to {max(lags)} (after differencing by {lost}) need at "
                             f"least {max(lags) + lost + 1} rows")
        self._warn_outside_range(X, path)
        y_hat = self.predict(X)
        tf = extra.get("transform")
        if tf is not None and not tf.identity:   # back to original units, with actual values
            y_hat = tf.invert(y_hat[:, 0], extra["positions"], extra["stages"])[:, None]
            Y = extra["targets"]
        return Predictions(label_name, labels, targets, y_hat, Y)

    def forecast_file(self, path: str | Path, steps: int) -> tuple[Predictions, Predictions]:
        """The recursive forecast of ``steps`` periods after the end of the series in a CSV:
        (forecast, the series it starts from as ``y_true`` with no predictions)."""
        d = self.meta["data"]
        if d["series"] is None:
            raise InputError(f"{shown(self.path)}: forecast needs a model trained on a series "
                             "(data.series with lags); this one is tabular")
        table = data.read_table(str(path))
        X, _, _, label_name, _, _, extra = data.samples(self._data_config(str(path)), table)
        y, tf = extra["series"], extra["transform"]
        if len(X) == 0:
            raise InputError(f"{shown(path)}: {len(y)} rows are too few to forecast from with "
                             f"lags up to {max(d['lags'])} after differencing by {tf.lost}")
        values = forecast.from_end(self.net, self.x_scaler, self.y_scaler, X, extra, len(y),
                                   steps)
        labels = extra["series_labels"]
        future = Predictions(label_name, forecast.next_labels(labels[-1], steps),
                             [d["series"]], values[:, None], None)
        past = Predictions(label_name, labels, [d["series"]], np.full((len(y), 1), np.nan),
                           y[:, None])
        return future, past

    def _warn_outside_range(self, X: np.ndarray, path) -> None:
        rng = self.meta.get("train_range")
        if not rng:
            return
        lo, hi = np.array(rng["min"]), np.array(rng["max"])
        outside = (X < lo) | (X > hi)
        if outside.any():
            cols = [f for f, o in zip(self.meta["features"], outside.any(axis=0)) if o]
            warnings.warn(f"{shown(path)}: {int(outside.any(axis=1).sum())} of {len(X)} samples "
                          f"have inputs outside the training range ({', '.join(cols)}); the "
                          "network extrapolates there", stacklevel=2)


def load_model(path: str | Path) -> Model:
    """Read a saved model (``model_<name>.npz``); a bad file raises InputError."""
    net, xs, ys, meta = modelfile.load(path)
    for key in ("features", "targets", "data"):
        if key not in meta:
            raise InputError(f"{shown(path)}: the meta array has no {key!r}; not a model "
                             "written by run.py")
    return Model(net, xs, ys, meta, str(path))

"""Output stage: a trained network's predictions of every part, and their scores.

``score_model`` turns a trained network into a :class:`ModelResult`: its predictions in original
units, the mse (scaled) and errors (original units) of every part and, with a forecast
horizon, the recursive multi-step forecast from the test part's start and its errors.
``ensemble`` makes the result of the mean of several runs of a model (``combine: mean``).
With interval levels, every prediction and forecast also gets its prediction intervals
(:mod:`bpnet.report.intervals`), scored on every part.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bpnet.config import ModelConfig
from bpnet.data import Dataset
from bpnet.report import classify, metrics
from bpnet.report.forecast import calibration, multistep
from bpnet.report.intervals import MAX_ERRORS, Bands, errors_by_horizon
from bpnet.train.loop import TrainResult


@dataclass
class ModelResult:
    """A trained model: its network, training outcome, predictions and errors."""

    name: str
    cfg: ModelConfig
    net: object                      # the network; an ensemble's: the list of its members'
    train: TrainResult | None        # None: an ensemble, which is not trained itself
    predictions: np.ndarray          # (Q, K) in original units, every sample
    scores: dict[str, dict]          # part -> mse (scaled) and errors in original units
    seed: int = 0
    runs: list[dict] = field(default_factory=list)   # a summary of every run, when several
    multistep: np.ndarray | None = None   # (h,) the recursive forecast from the test origin
    model: str = ""                  # the config's model name ("" : the same as ``name``)
    bands: Bands | None = None       # the prediction intervals (forecast.intervals)
    # the forecasts (M, H) of the calibration targets and their values (M, H), as
    # forecast.calibration gives them: an ensemble's intervals come from their mean
    calibration: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def is_ensemble(self) -> bool:
        return self.train is None

    @property
    def stem(self) -> str:
        """The model's part of its file names: its name; an ensemble's, <model>_mean."""
        return f"{self.model}_mean" if self.is_ensemble else self.name

    @property
    def outcome(self) -> tuple[str, str]:
        """(epochs, stop reason) as the summary tables show them; an ensemble's ("-", "mean
        of N runs")."""
        if self.is_ensemble:
            return "-", f"mean of {len(self.net)} runs"
        return str(self.train.epochs), self.train.stop_reason

    @property
    def members(self) -> list:
        """An ensemble's networks, in the order of their seeds; [] for one network."""
        return list(self.net) if self.is_ensemble else []

    @property
    def selection_perf(self) -> float:
        """What picks the best of several runs: the val perf (mse, or crossentropy for a
        classifier trained with it), or the training perf without a val part."""
        perform = self.cfg.train.perform or "mse"
        return self.scores["val" if "val" in self.scores else "train"][perform]

    def summary(self) -> dict:
        t = self.train
        return {"seed": self.seed, "epochs": t.epochs, "best_epoch": t.best_epoch,
                "stop_reason": t.stop_reason, "train_seconds": t.seconds, **self.scores}


def predict_scaled(net, data: Dataset, parts=None) -> dict[str, np.ndarray]:
    """Scaled predictions (n, K) of each part.

    A recurrent network on a series runs all samples as one sequence from h0 = 0 (train, then
    val, then test) and each part keeps its own steps; on tabular data each part is its own
    sequence from h0 = 0.
    """
    parts = data.parts if parts is None else [part for part in parts if part in data.index]
    # a feed-forward net predicts all rows in one product too, so that its numbers do not
    # depend on how the rows were grouped (BLAS may round a row differently in another batch)
    if data.sequence or not net.recurrent:
        Y = net.predict(data.Xs)
        return {part: Y[data.index[part]] for part in parts}
    return {part: net.predict(data.scaled(part)[0]) for part in parts}


def score_predictions(net, data: Dataset, horizon=None
                      ) -> tuple[np.ndarray, dict[str, dict], np.ndarray | None]:
    """Predict every part with ``net`` (a network, or anything with ``predict`` on scaled
    inputs and ``recurrent``) and score it; with ``horizon`` ("test" or a number of steps),
    also its recursive forecast from the test part's start.

    -> (predictions (Q, K) in original units, part -> mse (scaled) and errors in original
    units, the multi-step forecast (steps,) or None). A classifier's predictions are its class
    probabilities and its scores those of :func:`~bpnet.report.classify.part_scores`.
    """
    if data.classes is not None:
        return (*_score_classes(predict_scaled(net, data), data), None)
    scaled = predict_scaled(net, data)
    predictions = np.full(data.targets.shape, np.nan)
    for part, Ys_hat in scaled.items():
        idx = data.index[part]
        predictions[idx] = data.to_original(data.y_scaler.inverse_transform(Ys_hat), idx)
    path = None if horizon is None else multistep(net, data, horizon)
    return predictions, _scores(data, predictions, scaled, path), path


def _scores(data: Dataset, predictions: np.ndarray, scaled: dict[str, np.ndarray],
            path: np.ndarray | None) -> dict[str, dict]:
    """Per part the mse of the network's outputs ``scaled`` (part -> (n, K)) and the errors of
    ``predictions`` (Q, K) in original units; with the multi-step forecast ``path`` (h,), its
    errors on the test part as ``test_multistep``."""
    relative = metrics.relative_meaningful(data.targets)
    scores = {}
    for part, Ys_hat in scaled.items():
        idx = data.index[part]
        scores[part] = {"mse": metrics.mse(Ys_hat, data.Ys[idx]),
                        **metrics.regression_metrics(predictions[idx], data.targets[idx],
                                                     data.target_names, relative)}
    if path is not None:
        idx = data.index["test"]
        n = min(len(path), len(idx))
        scores["test_multistep"] = metrics.regression_metrics(
            path[:n, None], data.targets[idx[:n]], data.target_names, relative)
    return scores


def _score_classes(outputs: dict[str, np.ndarray], data: Dataset
                   ) -> tuple[np.ndarray, dict[str, dict]]:
    """A classifier's outputs (part -> (n, K)) -> its outputs (Q, K) on every sample and the
    scores of each part."""
    P = np.full(data.targets.shape, np.nan)
    scores = {}
    for part, p in outputs.items():
        idx = data.index[part]
        P[idx] = p
        scores[part] = classify.part_scores(p, data.targets[idx], data.classes)
    return P, scores


def score_model(name: str, model_cfg: ModelConfig, net, data: Dataset, result: TrainResult,
                seed: int = 0, horizon=None, levels: tuple[float, ...] = ()) -> ModelResult:
    """Predict every part with the network as it is and score it (with ``horizon``, "test" or
    a number of steps, also its recursive forecast from the test part's start; with
    ``levels``, the prediction intervals of every prediction, :func:`add_bands`)."""
    predictions, scores, path = score_predictions(net, data, horizon)
    out = ModelResult(name, model_cfg, net, result, predictions, scores, seed, multistep=path)
    if levels:
        steps = 1 if path is None else len(path)
        add_bands(out, data, levels,
                  calibration(net, data, calibration_part(data), steps, MAX_ERRORS))
    return out


def calibration_part(data: Dataset) -> str:
    """The part whose errors calibrate the intervals: val, or train when there is none."""
    return "val" if "val" in data.index else "train"


def add_bands(r: ModelResult, data: Dataset, levels: tuple[float, ...],
              calibrated: tuple[np.ndarray, np.ndarray]) -> None:
    """Give ``r`` its prediction intervals of ``levels`` from the forecasts of the calibration
    targets and their values, ``calibrated`` ((M, H) each): ``r.bands``, and the coverage,
    mean width and interval score of every part (and of the multi-step forecast) under
    "intervals" in its scores, per level name (docs/semantics.md#prediction-intervals)."""
    tf = data.series.transform
    r.calibration = calibrated
    r.bands = Bands.around(levels, errors_by_horizon(*calibrated, tf.z0), r.predictions[:, 0],
                           r.multistep, tf.z0, tf.from_z0)
    for part in data.parts:
        idx = data.index[part]
        r.scores[part]["intervals"] = r.bands.scores(idx, data.targets[idx, 0])
    if r.multistep is not None:
        test = data.index["test"][:len(r.multistep)]
        r.scores["test_multistep"]["intervals"] = r.bands.scores(
            test, data.targets[test, 0], path=True)


def ensemble(runs: list[ModelResult], data: Dataset) -> ModelResult:
    """The mean of several runs of one model (docs/semantics.md#ensembles), named "<model> (mean
    of N)": its predictions (Q, K) are the average of the runs' predictions in original units
    (a classifier's, of their class probabilities), its multi-step forecast the average of
    the runs' recursive forecasts; scored as one network is, its mse on the network's scale.
    ``runs`` in the order of their seeds; ``data`` as the runs saw it."""
    first = runs[0]
    predictions = np.mean([r.predictions for r in runs], axis=0)
    outputs = {part: predictions[data.index[part]] for part in data.parts}
    if data.classes is not None:
        scores, path = _score_classes(outputs, data)[1], None
    else:
        path = None if first.multistep is None else np.mean([r.multistep for r in runs], axis=0)
        scaled = {part: data.to_network(y, data.index[part]) for part, y in outputs.items()}
        scores = _scores(data, predictions, scaled, path)
    out = ModelResult(f"{first.name} (mean of {len(runs)})", first.cfg, [r.net for r in runs],
                      None, predictions, scores, first.seed, multistep=path, model=first.name)
    if first.bands is not None:
        forecasts = np.mean([r.calibration[0] for r in runs], axis=0)
        add_bands(out, data, first.bands.levels, (forecasts, first.calibration[1]))
    return out

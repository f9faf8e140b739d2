"""Compute stage glue: build a network from its config, train it, and predict every part.

``fit_model`` is the whole compute stage of one model: build, initialise (from the seed), train
with the shared loop, and return the trained network with its predictions in original units.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import initializers, metrics, training
from .config import ModelConfig
from .data import Dataset
from .elman import ElmanNet
from .feedforward import BPNet


@dataclass
class ModelResult:
    """A trained model: its network, training outcome, predictions and errors."""

    name: str
    cfg: ModelConfig
    net: object
    train: training.TrainResult
    predictions: np.ndarray          # (Q, K) in original units, every sample
    scores: dict[str, dict]          # part -> mse (scaled) and errors in original units


def build_network(m: ModelConfig, n_inputs: int, n_outputs: int):
    """An uninitialised network of the type, sizes and transfer functions in ``m``."""
    if m.type == "feedforward":
        return BPNet([n_inputs, *m.hidden, n_outputs], list(m.transfer))
    return ElmanNet(n_inputs, m.hidden[0], n_outputs, tuple(m.transfer))


def initialise(net, m: ModelConfig, data: Dataset, rng: np.random.Generator) -> None:
    """Nguyen-Widrow, uniform, or the weights of a saved model (``m.init`` ends in .npz)."""
    if m.init.endswith(".npz"):
        initializers.load_weights(net.params, m.init)
        return
    Xtrain = data.scaled("train")[0]
    x_range = np.column_stack([Xtrain.min(axis=0), Xtrain.max(axis=0)])
    net.init_weights(m.init, rng, x_range)


def predict_scaled(net, data: Dataset, parts=None) -> dict[str, np.ndarray]:
    """Scaled predictions (n, K) of each part.

    A recurrent network on a series runs all samples as one sequence from h0 = 0 (train, then
    val, then test) and each part keeps its own steps; on tabular data each part is its own
    sequence from h0 = 0.
    """
    parts = data.parts if parts is None else [p for p in parts if p in data.index]
    # a feed-forward net predicts all rows in one product too, so that its numbers do not
    # depend on how the rows were grouped (BLAS may round a row differently in another batch)
    if data.sequence or not net.recurrent:
        Y = net.predict(data.Xs)
        return {p: Y[data.index[p]] for p in parts}
    return {p: net.predict(data.scaled(p)[0]) for p in parts}


def scorer(net, data: Dataset):
    """score(X) -> (vperf, tperf): the mse of the val and test parts at weights X (NaN if absent)."""
    parts = [p for p in ("val", "test") if p in data.index]
    if not parts:
        return None
    scaled = {p: data.scaled(p) for p in parts}
    whole = net.recurrent and data.sequence   # the parts' steps come from one run of the series

    def score(theta: np.ndarray) -> tuple[float, float]:
        net.theta[:] = theta
        if whole:
            Y = net.predict(data.Xs)
            pred = {p: Y[data.index[p]] for p in parts}
        else:
            pred = {p: net.predict(scaled[p][0]) for p in parts}
        return tuple(metrics.mse(pred[p], scaled[p][1]) if p in pred else np.nan
                     for p in ("val", "test"))
    return score


def fit_model(name: str, m: ModelConfig, data: Dataset, seed: int,
              progress: training.Progress | None = None) -> ModelResult:
    """Build, initialise from ``seed``, train and evaluate one model."""
    net = build_network(m, data.X.shape[1], data.Y.shape[1])
    initialise(net, m, data, np.random.default_rng(seed))
    Xtr, Ytr = data.scaled("train")
    obj = training.Objective(net, Xtr, Ytr, m.clip_norm)
    result = training.train(obj, net.theta.copy(), m.train, scorer(net, data),
                            has_val="val" in data.index, progress=progress)
    return evaluate(name, m, net, data, result)


def evaluate(name: str, m: ModelConfig, net, data: Dataset,
             result: training.TrainResult) -> ModelResult:
    """Predict every part with the network as it is and score it."""
    scaled = predict_scaled(net, data)
    predictions = np.full(data.Y.shape, np.nan)
    scores = {}
    for part, Ys_hat in scaled.items():
        idx = data.index[part]
        y_hat = data.y_scaler.inverse_transform(Ys_hat)
        predictions[idx] = y_hat
        scores[part] = {"mse": metrics.mse(Ys_hat, data.Ys[idx]),
                        **metrics.errors(y_hat, data.Y[idx])}
    return ModelResult(name, m, net, result, predictions, scores)

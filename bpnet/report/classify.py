"""Output stage: the scores of a classifier (docs/semantics.md#classification) and its baselines.

Outputs are class probabilities P (n, K), targets one-hot rows T (n, K), class k the k-th of the
sorted labels. The predicted class is the argmax of a row, the first maximum winning a tie.

- ``confusion``: MATLAB's confusion.m, c = the fraction misclassified and cm[i, j] = the number
  of samples of target class i output as class j (rows = target, columns = output);
- ``roc``: MATLAB's roc.m, one class against the rest, thresholds the distinct values of
  [0, y, 1] in descending order, tpr and fpr counting outputs strictly above each;
- per class precision (of the samples output as the class, the fraction that are), recall (of
  the samples of the class, the fraction output as it), F1, and the AUC of its roc (trapezoids);
  a class never output has no precision (NaN) and no F1; the macro averages are the means over
  the classes that are a target or an output of some sample (as scikit-learn's, whose labels
  are those of y_true and y_pred), an undefined precision or F1 counting as 0, and over the
  classes with an AUC (a class of every sample, or of none, has none);
- baselines: ``majority`` answers the most common training class (its probabilities are the
  training class frequencies) and ``logistic`` is the multinomial logistic regression on the
  same scaled inputs, fitted on the training part by L-BFGS (``scipy.optimize``) with
  scikit-learn's default penalty (0.5 ||W||^2 + sum of the training samples' -log p).
"""
from __future__ import annotations

import math

import numpy as np

from bpnet.nets.perform import crossentropy

MAJORITY, LOGISTIC = "majority", "logistic"


def predicted_class(P: np.ndarray) -> np.ndarray:
    """P (n, K) -> the class index (n,) of each row's largest output, the first on a tie."""
    return np.argmax(P, axis=1)


def confusion(target: np.ndarray, output: np.ndarray, K: int) -> tuple[float, np.ndarray]:
    """Class indices target, output (n,) -> (c, cm (K, K)): the fraction misclassified and
    cm[i, j] = #(target i, output j)."""
    cm = np.zeros((K, K), dtype=int)
    np.add.at(cm, (target, output), 1)
    c = float(np.mean(target != output)) if len(target) else math.nan
    return c, cm


def roc(t: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One class against the rest: t (n,) 1 for its samples, 0 for the others, y (n,) its
    output -> (thresholds, tpr, fpr), each (m,): thresholds the distinct values of [0, y, 1]
    in descending order, tpr = #(positives with y > th)/#positives, fpr likewise over the
    negatives (NaN without positives or negatives)."""
    t = np.asarray(t, dtype=bool)
    th = np.unique(np.concatenate([[0.0], y, [1.0]]))[::-1]
    above = y[None, :] > th[:, None]                       # (m, n)
    pos, neg = int(t.sum()), int((~t).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        tpr = (above & t).sum(axis=1) / pos
        fpr = (above & ~t).sum(axis=1) / neg
    return th, tpr, fpr


def auc(fpr: np.ndarray, tpr: np.ndarray) -> float:
    """The trapezoid area under the roc points (fpr, tpr), as :func:`roc` orders them."""
    if not (np.all(np.isfinite(fpr)) and np.all(np.isfinite(tpr))):
        return math.nan
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2.0))


def _ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


def per_class(cm: np.ndarray, T: np.ndarray, P: np.ndarray, classes: list[str]) -> dict:
    """label -> precision, recall, F1, AUC and support (target count) of every class."""
    out = {}
    for k, label in enumerate(classes):
        right = float(cm[k, k])
        precision, recall = _ratio(right, cm[:, k].sum()), _ratio(right, cm[k, :].sum())
        f1 = _ratio(2 * precision * recall, precision + recall) \
            if math.isfinite(precision) and math.isfinite(recall) else math.nan
        _, tpr, fpr = roc(T[:, k], P[:, k])
        out[label] = {"precision": precision, "recall": recall, "f1": f1,
                      "auc": auc(fpr, tpr), "support": int(cm[k, :].sum())}
    return out


def macro(classes: dict) -> dict[str, float]:
    """The mean of precision, recall and F1 (undefined ones as 0) over the classes that are
    a target or an output of some sample, and of AUC over the classes that have one."""
    seen = [c for c in classes.values()
            if c["support"] > 0 or math.isfinite(c["precision"])]
    out = {}
    for key in ("precision", "recall", "f1"):
        v = np.array([c[key] for c in seen], dtype=float)
        out[key] = float(np.mean(np.nan_to_num(v))) if len(v) else math.nan
    aucs = [c["auc"] for c in classes.values() if math.isfinite(c["auc"])]
    out["auc"] = float(np.mean(aucs)) if aucs else math.nan
    return out


def classification_metrics(P: np.ndarray, T: np.ndarray, classes: list[str]) -> dict:
    """The scores of outputs P against one-hot targets T, both (n, K): n, crossentropy,
    accuracy, c, the confusion matrix with its labels, per class figures and their macro
    averages."""
    c, cm = confusion(predicted_class(T), predicted_class(P), len(classes))
    each = per_class(cm, T, P, classes)
    return {"n": int(len(T)), "crossentropy": crossentropy(P, T),
            "accuracy": 1.0 - c if math.isfinite(c) else math.nan, "c": c,
            "cm": {"labels": list(classes), "rows": "target class", "columns": "output class",
                   "counts": cm.tolist()},
            "per_class": each, "macro": macro(each)}


def part_scores(P: np.ndarray, T: np.ndarray, classes: list[str]) -> dict:
    """A part's scores as a model reports them: :func:`classification_metrics` and the mse
    of the outputs (the perf of a model trained with perform: mse)."""
    e = (T - P).ravel()
    mse = float(e @ e) / e.size if e.size else math.nan
    return {**classification_metrics(P, T, classes), "mse": mse}


# ---------------------------------------------------------------- baselines
class ConstantModel:
    """The same outputs for every sample: p (K,), e.g. the training class frequencies."""

    recurrent = False

    def __init__(self, p: np.ndarray) -> None:
        self.p = np.asarray(p, dtype=float)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """X (n, D) -> (n, K), every row p."""
        return np.tile(self.p, (len(X), 1))


class LogisticModel:
    """Multinomial logistic regression: P = softmax(X W^T + b), W (K, D), b (K,)."""

    recurrent = False

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        self.W, self.b = W, b

    def predict(self, X: np.ndarray) -> np.ndarray:
        """X (n, D) -> class probabilities (n, K)."""
        import scipy.special  # here: a regression run never pays for importing it
        return scipy.special.softmax(X @ self.W.T + self.b, axis=1)

    @classmethod
    def fit(cls, X: np.ndarray, T: np.ndarray, penalty: float = 1.0) -> LogisticModel:
        """Fit to X (n, D), one-hot T (n, K) by L-BFGS: minimise penalty/2 ||W||^2 +
        sum over samples of -log p(target class) (the bias is not penalised)."""
        import scipy.optimize  # here: a regression run never pays for importing it
        import scipy.special
        n, D = X.shape
        K = T.shape[1]
        A = np.column_stack([X, np.ones(n)])

        def objective(w: np.ndarray) -> tuple[float, np.ndarray]:
            Wb = w.reshape(K, D + 1)
            Z = A @ Wb.T
            logp = Z - scipy.special.logsumexp(Z, axis=1, keepdims=True)
            W = Wb[:, :D]
            value = -float(np.sum(T * logp)) + 0.5 * penalty * float(np.sum(W * W))
            grad = (np.exp(logp) - T).T @ A
            grad[:, :D] += penalty * W
            return value, grad.ravel()
        res = scipy.optimize.minimize(objective, np.zeros(K * (D + 1)), jac=True,
                                      method="L-BFGS-B", options={"maxiter": 1000})
        Wb = res.x.reshape(K, D + 1)
        return cls(Wb[:, :D], Wb[:, D])

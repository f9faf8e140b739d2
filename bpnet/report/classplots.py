"""Output stage: a classifier's pictures as MATLAB draws them (docs/semantics.md#classification).

``confusion`` is plotconfusion: per part (and "All") the transposed confusion matrix, output
class down the side and target class along the bottom, green diagonal and red off-diagonal
cells with the count and the percent of all samples, a grey last row with each target class's
recall, a grey last column with each output class's precision, the accuracy in the corner.
``roc`` is plotroc: per part one curve per class (that class against the rest), its AUC in the
legend. Importing this module imports matplotlib.
"""
from __future__ import annotations

import math

import numpy as np

from bpnet.report import classify
from bpnet.report.plots import plt

GREEN, RED, GREY, BLUE = "#bfe8c0", "#f4c7c3", "#e0e0e0", "#c9daf8"


def _percent(a: float, b: float) -> str:
    return f"{100.0 * a / b:.1f}%" if b else "NaN%"


def _cell(ax, x: int, y: int, colour: str, lines: list[str], size: float) -> None:
    ax.add_patch(plt.Rectangle((x, y), 1, 1, facecolor=colour, edgecolor="white", lw=2))
    ax.text(x + 0.5, y + 0.5, "\n".join(lines), ha="center", va="center", fontsize=size)


def _confusion_panel(ax, cm: np.ndarray, labels: list[str], title: str) -> None:
    """One part's matrix: cm (K, K) rows = target, drawn transposed (row i of the picture =
    output class i, class 1 at the top)."""
    K = len(labels)
    n = int(cm.sum())
    size = 9 if K <= 4 else 7
    for out in range(K):
        y = K - out   # class 1 at the top; the summary row at y = 0
        for tgt in range(K):
            count = int(cm[tgt, out])
            _cell(ax, tgt, y, GREEN if out == tgt else RED,
                  [str(count), _percent(count, n)], size)
        right, total = cm[out, out], cm[:, out].sum()     # precision of output class `out`
        _cell(ax, K, y, GREY, [_percent(right, total), _percent(total - right, total)], size)
    for tgt in range(K):                                   # recall of target class `tgt`
        right, total = cm[tgt, tgt], cm[tgt, :].sum()
        _cell(ax, tgt, 0, GREY, [_percent(right, total), _percent(total - right, total)], size)
    right = int(np.trace(cm))
    _cell(ax, K, 0, BLUE, [_percent(right, n), _percent(n - right, n)], size)
    ax.set_xlim(0, K + 1)
    ax.set_ylim(0, K + 1)
    ax.set_xticks(np.arange(K) + 0.5)
    ax.set_xticklabels(labels, rotation=30 if max(map(len, labels)) > 6 else 0, fontsize=8)
    ax.set_yticks(np.arange(K) + 1.5)
    ax.set_yticklabels(labels[::-1], fontsize=8)
    ax.set_xlabel("Target Class")
    ax.set_ylabel("Output Class")
    ax.set_title(f"{title} ({n} samples)", fontsize=10)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)


def _grid(n: int, width: float, height: float):
    """A figure of n panels, two per row, each width x height inches; -> (figure, the n axes);
    the unused place of an odd n is hidden."""
    cols = min(n, 2)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, list(axes.ravel()[:n])


def confusion(name: str, matrices: dict[str, np.ndarray], labels: list[str]):
    """plotconfusion of one model: part title -> cm (K, K) (rows = target class)."""
    side = 1.0 + 0.75 * (len(labels) + 1)
    fig, axes = _grid(len(matrices), side + 0.4, side + 0.3)
    for ax, (title, cm) in zip(axes, matrices.items()):
        _confusion_panel(ax, np.asarray(cm), labels, title)
    fig.suptitle(f"{name}: confusion matrices (green: right, red: wrong; grey: recall of each "
                 "target class, precision of each output class)", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return fig


def roc(name: str, parts: dict[str, tuple[np.ndarray, np.ndarray]], labels: list[str]):
    """plotroc of one model: part title -> (one-hot targets T (n, K), outputs P (n, K))."""
    fig, axes = _grid(len(parts), 5.2, 4.6)
    for ax, (title, (T, P)) in zip(axes, parts.items()):
        for k, label in enumerate(labels):
            _, tpr, fpr = classify.roc(T[:, k], P[:, k])
            area = classify.auc(fpr, tpr)
            ax.plot(fpr, tpr, color=f"C{k % 10}", linewidth=1.5, drawstyle="default",
                    label=f"{label} (AUC {area:.3f})")
        ax.plot([0, 1], [0, 1], color="0.6", linestyle=":", linewidth=1)
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
        ax.set_aspect("equal")
        ax.set_xlabel("False Positive Rate")
        ax.set_ylabel("True Positive Rate")
        ax.set_title(f"{title} ROC ({len(T)} samples)", fontsize=10)
        ax.grid(True, alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
    fig.suptitle(f"{name}: ROC, each class against the rest", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return fig

"""Output stage: the pictures, as MATLAB draws them (plotperform) plus the fit of the series.

Every function returns a matplotlib Figure (Agg backend, no screen needed); the report saves it.
"""
from __future__ import annotations

import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib.ticker import MaxNLocator  # noqa: E402

PART_STYLE = {"perf": ("Train", "tab:blue"), "vperf": ("Validation", "tab:green"),
              "tperf": ("Test", "tab:red")}


def performance(name: str, history: dict[str, np.ndarray], best_epoch: int, algorithm: str,
                stop_reason: str):
    """MSE of each part against epoch on a log scale, the best epoch marked (plotperform)."""
    fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    epochs = history["epoch"]
    for key, (label, colour) in PART_STYLE.items():
        values = history[key]
        if np.all(np.isnan(values)):
            continue
        ax.semilogy(epochs, values, color=colour, label=label, linewidth=1.4)
    has_val = not np.all(np.isnan(history["vperf"]))
    key = "vperf" if has_val else "perf"
    row = int(np.searchsorted(epochs, best_epoch))
    best = history[key][row]
    ax.axvline(best_epoch, color="0.4", linestyle=":", linewidth=1)
    ax.plot([best_epoch], [best], "o", markersize=9, markerfacecolor="none",
            markeredgecolor="0.2", label=f"Best (epoch {best_epoch})")
    which = "Validation" if has_val else "Training"
    ax.set_title(f"{name} ({algorithm}): best {which.lower()} performance is {best:.4g} "
                 f"at epoch {best_epoch}\n{stop_reason}", fontsize=10)
    ax.set_xlabel(f"Epoch ({int(epochs[-1])} epochs)")
    ax.set_ylabel("Mean squared error (mse, scaled targets)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return fig


def fit(labels: list[str], label_name: str, targets: np.ndarray, target_names: list[str],
        predictions: dict[str, np.ndarray], part_of: list[str]):
    """The data and each model's predictions (original units), parts marked.

    targets (Q, K); predictions: model name -> (Q, K); part_of: the part of each sample.
    """
    q, k = targets.shape
    fig, axes = plt.subplots(k, 1, figsize=(10, 4 * k), layout="constrained", squeeze=False)
    x = np.arange(q)
    part_of = np.array(part_of)
    for j, ax in enumerate(axes[:, 0]):
        ax.plot(x, targets[:, j], color="black", linewidth=1.6, label=f"{target_names[j]} (data)")
        for i, (name, pred) in enumerate(predictions.items()):
            ax.plot(x, pred[:, j], linewidth=1.2, color=f"C{i}", label=name)
        for part, colour in (("val", "tab:green"), ("test", "tab:red")):
            where = np.flatnonzero(part_of == part)
            if where.size == 0:
                continue
            if np.all(np.diff(where) == 1):   # a block: shade it
                ax.axvspan(where[0] - 0.5, where[-1] + 0.5, color=colour, alpha=0.08)
                ax.axvline(where[0] - 0.5, color=colour, linestyle="--", linewidth=1)
                ax.text(where[0], ax.get_ylim()[1], f" {part}", color=colour, va="top")
            else:
                ax.plot(where, targets[where, j], "o", markersize=3, color=colour,
                        label=f"{part} samples")
        step = max(1, q // 12)
        ax.set_xticks(x[::step])
        ax.set_xticklabels([labels[i] for i in x[::step]], rotation=45, ha="right")
        ax.set_xlabel(label_name)
        ax.set_ylabel(target_names[j])
        ax.set_title(f"{target_names[j]}: data and one-step predictions")
        ax.grid(True, alpha=0.3)
        ax.legend()
    return fig


def close(fig) -> None:
    plt.close(fig)

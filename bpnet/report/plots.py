"""Output stage: the pictures, as MATLAB draws them (plotperform) plus the fit of the series.

Every function returns a matplotlib Figure (Agg backend, no screen needed); :func:`save` writes
one to a file and closes it.
"""
from __future__ import annotations

import io
from pathlib import Path

import matplotlib
import numpy as np

from bpnet.report.fileio import atomic_write

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib.ticker import MaxNLocator  # noqa: E402


def _plottable(values: np.ndarray) -> np.ndarray:
    """Values a log axis can show: a diverged run's inf and astronomic numbers become gaps."""
    v = np.asarray(values, dtype=float)
    return np.where(np.isfinite(v) & (np.abs(v) < 1e100), v, np.nan)


def _log_plot(ax, *series: np.ndarray, x_log: bool = False):
    """The plotting method of ``ax`` for these y series: a log y axis when any holds a
    positive finite value (matplotlib cannot log-scale an axis without one), else linear."""
    positive = any(np.any(np.nan_to_num(_plottable(v), nan=0.0) > 0) for v in series)
    if x_log:
        return ax.loglog if positive else ax.semilogx
    return ax.semilogy if positive else ax.plot


_HUGE = 1e300   # matplotlib cannot place ticks on an axis spanning about 2e308 and more


def _finite(*arrays: np.ndarray) -> list[np.ndarray]:
    """The arrays, flattened, without the positions where any of them is NaN, infinite or
    beyond +-1e300 (a diverged network's outputs)."""
    flat = [np.ravel(np.asarray(a, dtype=float)) for a in arrays]
    keep = np.logical_and.reduce([np.isfinite(a) & (np.abs(a) <= _HUGE) for a in flat])
    return [a[keep] for a in flat]


def _gaps(values: np.ndarray) -> np.ndarray:
    """Values a linear axis can show: NaN, infinite and astronomic ones become gaps."""
    v = np.asarray(values, dtype=float)
    return np.where(np.isfinite(v) & (np.abs(v) <= _HUGE), v, np.nan)


PART_STYLE = {"perf": ("Train", "tab:blue"), "vperf": ("Validation", "tab:green"),
              "tperf": ("Test", "tab:red")}


def performance(name: str, history: dict[str, np.ndarray], best_epoch: int, algorithm: str,
                stop_reason: str):
    """MSE of each part against epoch on a log scale, the best epoch marked (plotperform)."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.12, top=0.87)
    epochs = history["epoch"]
    draw = _log_plot(ax, *(history[key] for key in PART_STYLE))
    for key, (label, colour) in PART_STYLE.items():
        values = _plottable(history[key])
        if np.all(np.isnan(values)):
            continue
        draw(epochs, values, color=colour, label=label, linewidth=1.4)
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
    fig, axes = plt.subplots(k, 1, figsize=(10, 4 * k), squeeze=False)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.22 / k, top=1 - 0.08 / k,
                        hspace=0.55)
    x = np.arange(q)
    part_of = np.array(part_of)
    for j, ax in enumerate(axes[:, 0]):
        ax.plot(x, _gaps(targets[:, j]), color="black", linewidth=1.6,
                label=f"{target_names[j]} (data)")
        for i, (name, pred) in enumerate(predictions.items()):
            ax.plot(x, _gaps(pred[:, j]), linewidth=1.2, color=f"C{i}", label=name)
        for part, colour in (("val", "tab:green"), ("test", "tab:red")):
            where = np.flatnonzero(part_of == part)
            if where.size == 0:
                continue
            if np.all(np.diff(where) == 1):   # a block: shade it
                ax.axvspan(where[0] - 0.5, where[-1] + 0.5, color=colour, alpha=0.08)
                ax.axvline(where[0] - 0.5, color=colour, linestyle="--", linewidth=1)
                ax.text(where[0], ax.get_ylim()[1], f" {part}", color=colour, va="top")
            else:
                ax.plot(where, _gaps(targets[where, j]), "o", markersize=3, color=colour,
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


def compare(histories: dict[str, dict[str, np.ndarray]], algorithms: dict[str, str]):
    """The training mse of every model against epoch, on one log-log axes."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.12, top=0.92)
    draw = _log_plot(ax, *(h[k] for h in histories.values() for k in ("perf", "tperf")),
                     x_log=True)
    for i, (name, h) in enumerate(histories.items()):
        draw(h["epoch"] + 1, _plottable(h["perf"]), color=f"C{i}", linewidth=1.4,
             label=f"{name} ({algorithms[name]})")
        if not np.all(np.isnan(h["tperf"])):
            draw(h["epoch"] + 1, _plottable(h["tperf"]), color=f"C{i}", linewidth=1,
                 linestyle="--")
    ax.set_xlabel("Epoch + 1")
    ax.set_ylabel("Mean squared error (mse, scaled targets)")
    ax.set_title("Training mse of every model (dashed: test mse)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return fig


def train_state(name: str, history: dict[str, np.ndarray], algorithm: str):
    """Gradient, lr (or mu) and validation failures against epoch (MATLAB's plottrainstate)."""
    rate = "mu" if "mu" in history else "lr"
    panels = [("gradient", "Gradient", True), (rate, rate, True), ("val_fail", "Validation checks",
                                                                   False)]
    panels = [x for x in panels if not np.all(np.isnan(history[x[0]].astype(float)))]
    if np.all(np.isnan(history["vperf"])):   # no val part: no validation checks to show
        panels = [x for x in panels if x[0] != "val_fail"]
    panels = panels or [("gradient", "Gradient", True)]   # nothing finite: an empty panel
    fig, axes = plt.subplots(len(panels), 1, figsize=(7, 2.3 * len(panels)), sharex=True,
                             squeeze=False)
    fig.subplots_adjust(left=0.13, right=0.97, bottom=0.5 / (2.3 * len(panels)),
                        top=1 - 0.6 / (2.3 * len(panels)), hspace=0.35)
    epochs = history["epoch"]
    for ax, (key, label, log) in zip(axes[:, 0], panels):
        values = _plottable(history[key])
        final = history[key][-1]
        (_log_plot(ax, values) if log else ax.plot)(epochs, values, color="tab:blue",
                                                    linewidth=1.2)
        ax.set_ylabel(label)
        ax.set_title(f"{label} = {final:.4g} at epoch {int(epochs[-1])}", fontsize=9)
        ax.grid(True, which="both", alpha=0.3)
    axes[-1, 0].set_xlabel(f"Epoch ({int(epochs[-1])} epochs)")
    axes[-1, 0].xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(f"{name} ({algorithm}): training state")
    return fig


def regression(name: str, targets: dict[str, np.ndarray], outputs: dict[str, np.ndarray]):
    """Outputs against targets per part, with the least-squares line and R (plotregression).

    targets, outputs: part -> (n, K) in original units; all outputs of a part are pooled.
    """
    parts = list(targets) + (["all"] if len(targets) > 1 else [])
    fig, axes = plt.subplots(1, len(parts), figsize=(4.2 * len(parts), 4.2),
                             squeeze=False)
    fig.subplots_adjust(left=0.08 / len(parts) * 2, right=0.98, bottom=0.13, top=0.85,
                        wspace=0.3)
    colours = {"train": "tab:blue", "val": "tab:green", "test": "tab:red", "all": "0.3"}
    for ax, part in zip(axes[0], parts):
        if part == "all":
            t = np.concatenate([v.ravel() for v in targets.values()])
            y = np.concatenate([v.ravel() for v in outputs.values()])
        else:
            t, y = targets[part].ravel(), outputs[part].ravel()
        t, y = _finite(t, y)
        r, slope, offset = _line_fit(t, y)
        lo, hi = (float(min(t.min(), y.min())), float(max(t.max(), y.max()))) if len(t) \
            else (0.0, 1.0)
        ax.plot(t, y, "o", markersize=4, markerfacecolor="none", color=colours[part],
                label="data")
        ax.plot([lo, hi], [lo, hi], ":", color="0.5", label="Y = T")
        if np.isfinite(slope) and np.isfinite(offset):
            with np.errstate(all="ignore"):
                ends = [slope * lo + offset, slope * hi + offset]
            ax.plot([lo, hi], _gaps(ends), color=colours[part],
                    label=f"fit: Y = {slope:.3g} T + {offset:.3g}")
        ax.set_title(f"{part}: R = {r:.4f}" + ("" if len(t) else " (no finite values)"))
        ax.set_xlabel("Target")
        ax.set_ylabel("Output")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"{name}: outputs against targets")
    return fig


def _line_fit(t: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """R, slope and offset of the least-squares line of y (n,) on t (n,), in closed form on
    values scaled to [-1, 1] (no LAPACK call to fail on subnormal or huge values); NaN where
    they do not exist (fewer than two points, a constant t)."""
    scale = max(float(np.max(np.abs(t), initial=0.0)), float(np.max(np.abs(y), initial=0.0)))
    if len(t) < 2 or not 0 < scale < np.inf:
        return np.nan, np.nan, np.nan
    with np.errstate(all="ignore"):
        ts, ys = t / scale - np.mean(t / scale), y / scale - np.mean(y / scale)
        stt, syy, sty = float(ts @ ts), float(ys @ ys), float(ts @ ys)
        if not stt > 0:
            return np.nan, np.nan, np.nan
        slope = sty / stt
        offset = (np.mean(y / scale) - slope * np.mean(t / scale)) * scale
        r = sty / np.sqrt(stt * syy) if syy > 0 else np.nan
    return float(r), float(slope), float(offset)


def _bin_edges(values: list[np.ndarray], bins: int) -> np.ndarray:
    """``bins`` + 1 increasing edges over the values (finite, |v| <= 1e300), however constant,
    tiny or widely spread they are (fewer edges where subnormal spacing allows no more)."""
    flat = np.concatenate([np.ravel(v) for v in values] + [np.empty(0)])
    lo, hi = (float(flat.min()), float(flat.max())) if flat.size else (0.0, 0.0)
    if hi == lo:   # constant: as numpy does, a unit around the value (or a relative one)
        widen = max(0.5, abs(lo) * 1e-9)
        lo, hi = lo - widen, hi + widen
    edges = np.linspace(lo, hi, bins + 1)
    return edges if np.all(np.diff(edges) > 0) else np.array([lo, hi])


def error_histogram(name: str, errors: dict[str, np.ndarray], bins: int = 20):
    """Histogram of the errors (target - output) per part, stacked, with a zero line
    (MATLAB's ploterrhist). errors: part -> (n, K) in original units."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    fig.subplots_adjust(left=0.11, right=0.97, bottom=0.12, top=0.92)
    data = [_finite(v)[0] for v in errors.values()]
    colours = [{"train": "tab:blue", "val": "tab:green", "test": "tab:red"}[p] for p in errors]
    ax.hist(data, bins=_bin_edges(data, bins), stacked=True, color=colours, label=list(errors),
            edgecolor="white", linewidth=0.5)
    ax.axvline(0.0, color="tab:orange", linewidth=1.5, label="zero error")
    ax.set_xlabel("Error = target - output (original units)")
    ax.set_ylabel("Instances")
    ax.set_title(f"{name}: error histogram with {bins} bins")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return fig


def forecast(labels: list[str], y: np.ndarray, future_labels: list[str], y_future: np.ndarray,
             name: str, label_name: str, model_name: str):
    """The series (labels (L,), y (L, 1)) and its forecast (steps, 1) after it."""
    fig, ax = plt.subplots(figsize=(10, 4))
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.24, top=0.92)
    n, h = len(labels), len(future_labels)
    ax.plot(np.arange(n), _gaps(y[:, 0]), color="black", linewidth=1.5, label=f"{name} (data)")
    ax.plot(np.arange(n - 1, n + h), _gaps(np.concatenate([y[-1:, 0], y_future[:, 0]])),
            color="tab:red", linewidth=1.5, marker=".", label=f"forecast, {h} steps")
    ax.axvline(n - 0.5, color="0.5", linestyle="--", linewidth=1)
    every = labels + future_labels
    step = max(1, len(every) // 12)
    ticks = np.arange(0, len(every), step)
    ax.set_xticks(ticks)
    ax.set_xticklabels([every[i] for i in ticks], rotation=45, ha="right")
    ax.set_xlabel(label_name)
    ax.set_ylabel(name)
    ax.set_title(f"{name}: recursive forecast by {model_name}")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return fig


def forecast_test(labels: list[str], series: np.ndarray, test_t: np.ndarray,
                  one_step: dict[str, np.ndarray], multistep: dict[str, np.ndarray | None],
                  origin: int, name: str, label_name: str):
    """The series, each model's one-step predictions of the test part, and its recursive
    multi-step forecast from the end of the training (and val) part."""
    fig, ax = plt.subplots(figsize=(10, 4.5))
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.22, top=0.92)
    x = np.arange(len(series))
    ax.plot(x, _gaps(series), color="black", linewidth=1.6, label=f"{name} (data)")
    for i, (model, pred) in enumerate(one_step.items()):
        ax.plot(test_t, _gaps(pred), color=f"C{i}", linewidth=1.0, linestyle=":",
                label=f"{model}, one step ahead")
        path = multistep.get(model)
        if path is not None:
            ax.plot(origin + np.arange(len(path)), _gaps(path), color=f"C{i}", linewidth=1.8,
                    label=f"{model}, {len(path)} steps from {labels[origin]}")
    ax.axvline(origin - 0.5, color="0.5", linestyle="--", linewidth=1)
    step = max(1, len(labels) // 12)
    ax.set_xticks(x[::step])
    ax.set_xticklabels([labels[i] for i in x[::step]], rotation=45, ha="right")
    ax.set_xlim(max(0, origin - 3 * len(test_t)), len(series) + 1)
    ax.set_xlabel(label_name)
    ax.set_ylabel(name)
    ax.set_title(f"{name}: one-step predictions and the multi-step forecast of the test part")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def png_bytes(fig) -> bytes:
    """``fig`` drawn as a PNG, then closed (also when drawing fails)."""
    buffer = io.BytesIO()
    try:
        with np.errstate(all="ignore"):   # axis limits of values near the float64 maximum
            fig.savefig(buffer, format="png", dpi=110)
    finally:
        plt.close(fig)
    return buffer.getvalue()


def save(fig, path: str | Path) -> None:
    """Write ``fig`` as a PNG to ``path`` atomically, drawn first, then closed (also when
    drawing fails)."""
    data = png_bytes(fig)
    atomic_write(path, lambda fh: fh.write(data), binary=True)

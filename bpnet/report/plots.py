"""Output stage: the pictures, as MATLAB draws them (plotperform) plus the fit of the series.

Every function returns a matplotlib Figure (Agg backend, no screen needed); :func:`png_bytes`
renders one as PNG bytes and closes it. Importing this module imports matplotlib (about a
second): the rest of the package imports it only when a picture is drawn. Legends sit outside
the axes, in room added to the figure's width, so that they never hide data; time labels that
are whole numbers written as floats (``1871.0``) show as whole numbers.
"""
from __future__ import annotations

import io
import os
import sys

import matplotlib
import numpy as np

from bpnet.report.dense import MANY, Panel, Sorted, extremes, gaps, said
from bpnet.report.forecast import plain_label
from bpnet.report.intervals import level_name

if "matplotlib.pyplot" not in sys.modules:
    # no screen needed; a caller who already chose a backend (a notebook) keeps it
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.mathtext import MathTextParser  # noqa: E402
from matplotlib.ticker import Locator, MaxNLocator  # noqa: E402


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


def _legend(ax, handles=None, labels=None) -> None:
    """The legend of ``ax`` outside it, at its top right, where it hides no data: the figure
    is widened by the legend's width (estimated from its longest label) and the axes keep
    their size."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    fig = ax.figure
    extra = 0.5 + 0.065 * max(len(label) for label in labels)   # inches, at fontsize 8
    w, h = fig.get_size_inches()
    p = fig.subplotpars
    fig.set_size_inches(w + extra, h)
    fig.subplots_adjust(left=p.left * w / (w + extra), right=p.right * w / (w + extra))
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
              fontsize=8)


# the steps between time ticks, in samples: 1, 2 and 5 times a power of ten, and the
# multiples of 12 that fit months and hours
NICE = np.unique(np.outer([1, 2, 5, 12, 24, 36, 60], 10 ** np.arange(12)).ravel())


def _tick_steps(cycle: int | None) -> np.ndarray:
    """The steps between time ticks for a series whose calendar repeats every ``cycle``
    steps (12 months, 24 hours, 7 days): its divisors and 1, 2, 3 and 5 times a power of ten
    cycles; NICE without one, or for a cycle of more than 60 steps (seconds or minutes in a
    day), whose divisors are not all round."""
    if not cycle or cycle > 60:
        return NICE
    divisors = [d for d in range(1, cycle + 1) if cycle % d == 0]
    return np.unique(np.concatenate([divisors, np.outer([1, 2, 3, 5],
                                                        cycle * 10 ** np.arange(10)).ravel()]))


def _time_ticks(ax, labels: list[str], first: int = 0, cycle: int | None = None) -> None:
    """At most 12 of ``labels`` (L,) as the ticks of an axis whose x runs 0..L-1: every
    ``step``-th, a nice number of steps apart (:func:`_tick_steps` of the calendar's
    ``cycle``), at the x whose time step (``first`` + x, the steps counted from the series'
    start) is a whole number of steps."""
    steps = _tick_steps(cycle)
    step = int(steps[np.searchsorted(steps, max(1, -(-len(labels) // 12)))])
    x = np.arange((-first) % step, len(labels), step)
    ax.set_xticks(x)
    shown = [plain_label(labels[i]) for i in x]
    ax.set_xticklabels(shown, rotation=45, ha="right")
    _room_below(ax, max(map(len, shown), default=0))


def _room_below(ax, chars: int) -> None:
    """Room under the lowest axes of the figure for tick labels of ``chars`` characters at
    45 degrees and the axis' name under them: the bottom margin raised (the axes shortened)
    when it is less."""
    fig = ax.figure
    height = fig.get_size_inches()[1]
    # inches: the tick marks and padding, the label's diagonal (10 pt characters are about
    # 0.085 inch wide), the axis' name
    needed = 0.12 + 0.085 * chars * 0.71 + 0.3
    if fig.subplotpars.bottom * height < needed:
        fig.subplots_adjust(bottom=needed / height)


# the colours of the baselines drawn beside the networks: the linear one, then the best
BASELINE = ("0.45", "tab:olive")

PART_STYLE = {"perf": ("Train", "tab:blue"), "vperf": ("Validation", "tab:green"),
              "tperf": ("Test", "tab:red")}


# how the y axis of the error curves names each performance function
PERF_LABEL = {"mse": "Mean squared error (mse, scaled targets)",
              "crossentropy": "Cross-entropy (per target element)"}


def performance(name: str, history: dict[str, np.ndarray], best_epoch: int, algorithm: str,
                stop_reason: str, perform: str = "mse"):
    """The perf (mse or crossentropy) of each part against epoch on a log scale, the best
    epoch marked (plotperform)."""
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
            markeredgecolor="0.2", label=f"Best (epoch {best_epoch})",
            clip_on=False)   # whole at the axis' end too
    which = "Validation" if has_val else "Training"
    ax.set_title(f"{name} ({algorithm}): best {which.lower()} performance is {best:.4g} "
                 f"at epoch {best_epoch}\n{stop_reason}", fontsize=10)
    ax.set_xlabel(f"Epoch ({int(epochs[-1])} epochs)")
    ax.set_ylabel(PERF_LABEL[perform])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _epoch_limits(ax, epochs)
    ax.grid(True, which="both", alpha=0.3)
    _legend(ax)
    return fig


def _epoch_limits(ax, epochs: np.ndarray, shift: int = 0) -> None:
    """An epoch axis from the first epoch to the last (+ ``shift``), not to matplotlib's
    rounder number past it."""
    lo, hi = int(np.min(epochs)) + shift, int(np.max(epochs)) + shift
    ax.set_xlim(lo, hi if hi > lo else lo + 1)


def fit(labels: list[str], label_name: str, targets: np.ndarray, target_names: list[str],
        predictions: dict[str, np.ndarray], part_of: list[str],
        baselines: dict[str, np.ndarray] | None = None, first: int = 0,
        bands: tuple | None = None, cycle: int | None = None):
    """A series: the data and each model's one-step predictions (original units) against
    time, parts marked, each baseline's predictions dashed, a model's prediction intervals
    shaded (``bands``, see :func:`_shade`, of one of the ``predictions``).

    targets (Q, K); predictions, baselines: name -> (Q, K); part_of: the part of each sample;
    first: the time step of the first sample (counted from the series' start), on which the
    time ticks are aligned; cycle: the steps the calendar repeats in (12 for months), whose
    divisors and multiples the ticks fall on.
    """
    q, k = targets.shape
    fig, axes = plt.subplots(k, 1, figsize=(10, 4 * k), squeeze=False)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.22 / k, top=1 - 0.08 / k,
                        hspace=0.55)
    x = np.arange(q)
    part_of = np.array(part_of)
    for j, ax in enumerate(axes[:, 0]):
        ax.plot(*extremes(x, gaps(targets[:, j])), color="black", linewidth=1.6,
                label=said("data", q))
        if bands is not None:
            _shade(ax, x, bands, f"C{list(predictions).index(bands[0])}")
        for i, (name, pred) in enumerate(predictions.items()):
            ax.plot(*extremes(x, gaps(pred[:, j])), linewidth=1.2, color=f"C{i}",
                    label=said(name, q))
        for i, (name, pred) in enumerate((baselines or {}).items()):
            ax.plot(*extremes(x, gaps(pred[:, j])), linewidth=1.0, color=BASELINE[i % 2],
                    linestyle="--", label=said(f"{name} (baseline)", q))
        for part, colour in (("val", "tab:green"), ("test", "tab:red")):
            where = np.flatnonzero(part_of == part)
            if where.size == 0:
                continue
            if np.all(np.diff(where) == 1):   # a block: shade it
                ax.axvspan(where[0] - 0.5, where[-1] + 0.5, color=colour, alpha=0.08)
                ax.axvline(where[0] - 0.5, color=colour, linestyle="--", linewidth=1)
                ax.text(where[0], ax.get_ylim()[1], f" {part}", color=colour, va="top")
            else:
                ax.plot(*extremes(where, gaps(targets[where, j])), "o", markersize=3,
                        color=colour, label=said(f"{part} samples", len(where)))
        _time_ticks(ax, labels, first, cycle)
        ax.set_xlabel(label_name)
        ax.set_ylabel(target_names[j])
        ax.set_title(f"{target_names[j]}: data and one-step predictions")
        ax.grid(True, alpha=0.3)
    _legend(axes[0, 0])   # the same lines in every panel
    return fig


def _shade(ax, x: np.ndarray, bands: tuple, colour: str) -> None:
    """Shade prediction intervals against x (n,): ``bands`` is (name, levels (L,), lower
    (L, n), upper (L, n)), levels ascending; the widest first and palest, each named in the
    legend."""
    name, levels, lower, upper = bands
    for i in reversed(range(len(levels))):
        ax.fill_between(x, gaps(lower[i]), gaps(upper[i]), color=colour, linewidth=0,
                        alpha=0.12 + 0.1 * (len(levels) - 1 - i) / max(len(levels) - 1, 1),
                        label=f"{name}: {level_name(levels[i])} % interval")


def fit_sorted(panels: dict[tuple[int, str], Sorted], target_names: list[str],
               models: list[str], baselines: list[str], q: int):
    """Tabular data: per target (a row of panels) and part (a column), every sample's
    predictions (markers) against its actual value (the black line), the samples sorted by
    the actual value; rows of a table have no order of their own to draw a line through.

    panels: (target j, part) -> :class:`~bpnet.report.dense.Sorted`, as
    :func:`~bpnet.report.dense.sorted_panels` makes them, with the predictions of ``models``
    then ``baselines`` (names); q: the number of samples of the run.
    """
    parts = list(dict.fromkeys(part for _, part in panels))
    k = 1 + max(j for j, _ in panels)
    fig, axes = plt.subplots(k, len(parts), figsize=(4.6 * len(parts), 3.8 * k),
                             squeeze=False)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.5 / (3.8 * k),
                        top=1 - 0.7 / (3.8 * k), wspace=0.28, hspace=0.45)
    styles = [(name, dict(marker="o", markersize=3, color=f"C{i}", alpha=0.8))
              for i, name in enumerate(models)]
    styles += [(f"{name} (baseline)", dict(marker="x", markersize=4, color=BASELINE[i % 2]))
               for i, name in enumerate(baselines)]
    for (j, part), p in panels.items():
        ax = axes[j, parts.index(part)]
        for i, ((label, style), mark) in enumerate(zip(styles, p.marks)):
            _samples(ax, mark, label, style, q, i)
        ax.plot(*p.line, color="black", linewidth=1.4, label=said("actual value", q))
        ax.set_title(f"{target_names[j]}, {part} part ({p.n} samples)", fontsize=10)
        ax.set_xlabel(f"samples sorted by actual {target_names[j]}")
        if q > MANY:   # long tick labels: fewer of them
            ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.set_ylabel(target_names[j])
        ax.grid(True, alpha=0.3)
    _legend(axes[0, -1])
    fig.suptitle("Predicted and actual value of every sample, sorted by the actual value")
    return fig


# the colour maps of the models' densities in fit_sorted (above dense.MANY samples)
MAPS = ("Blues", "Oranges", "Greens", "Reds", "Purples", "Greys")


def _samples(ax, mark: tuple, label: str, style: dict, q: int, i: int) -> None:
    """Predictions as markers in ``style`` (``mark``: x (n,), y (n,)) or, when the run has
    more than dense.MANY samples (``q``), as a density in the ``i``-th colour map (``mark``:
    counts, x edges, y edges)."""
    if q <= MANY:
        ax.plot(*mark, linestyle="none", label=label, **style)
        return
    cmap = MAPS[i % len(MAPS)] if style.get("marker") == "o" else "Greys"
    _draw_density(ax, *mark, cmap, alpha=0.6)
    _density_key(ax, cmap, f"{label} (density, log colour scale)")


def _draw_density(ax, counts: np.ndarray, xedges: np.ndarray, yedges: np.ndarray, cmap: str,
                  alpha: float = 1.0) -> None:
    """The counts (ny, nx) of the cells between ``xedges`` (nx + 1,) and ``yedges``
    (ny + 1,) in the colours of ``cmap`` on a log scale; empty cells stay blank."""
    from matplotlib.colors import LogNorm
    if counts.any():
        ax.pcolormesh(xedges, yedges, np.ma.masked_equal(counts, 0), cmap=cmap, alpha=alpha,
                      norm=LogNorm(vmin=1, vmax=counts.max()), shading="flat")


def _density_key(ax, cmap: str, label: str) -> None:
    """A legend entry in the dense colour of ``cmap`` (a density's own entry would show
    matplotlib's default colour)."""
    ax.plot([], [], "s", markersize=8, color=plt.get_cmap(cmap)(0.75), label=label)


def compare(histories: dict[str, dict[str, np.ndarray]], algorithms: dict[str, str],
            perform: str = "mse"):
    """The training perf (mse, or crossentropy) of every model against epoch, on one log-log
    axes."""
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
    _epoch_limits(ax, np.concatenate([h["epoch"] for h in histories.values()]), shift=1)
    ax.set_ylabel(PERF_LABEL[perform])
    ax.set_title(f"Training {perform} of every model (dashed: test {perform})")
    ax.grid(True, which="both", alpha=0.3)
    _legend(ax)
    return fig


def train_state(name: str, history: dict[str, np.ndarray], algorithm: str):
    """Gradient, lr (or mu), trainbr's effective number of parameters and sum of squared
    weights, and validation failures against epoch (MATLAB's plottrainstate)."""
    rate = "mu" if "mu" in history else "lr"
    # (column, y label, what the title calls it, log scale)
    panels = [("gradient", "Gradient", "Gradient", True), (rate, rate, rate, True),
              ("gamk", "gamk", "Effective number of parameters gamk", False),
              ("ssX", "ssX", "Sum of squared weights ssX", False),
              ("val_fail", "Validation checks", "Validation checks", False)]
    panels = [x for x in panels if x[0] in history
              and not np.all(np.isnan(history[x[0]].astype(float)))]
    if np.all(np.isnan(history["vperf"])):   # no val part: no validation checks to show
        panels = [x for x in panels if x[0] != "val_fail"]
    panels = panels or [("gradient", "Gradient", "Gradient", True)]   # nothing finite: empty
    fig, axes = plt.subplots(len(panels), 1, figsize=(7, 2.3 * len(panels)), sharex=True,
                             squeeze=False)
    fig.subplots_adjust(left=0.13, right=0.97, bottom=0.5 / (2.3 * len(panels)),
                        top=1 - 0.6 / (2.3 * len(panels)), hspace=0.35)
    epochs = history["epoch"]
    for ax, (key, label, title, log) in zip(axes[:, 0], panels):
        values = _plottable(history[key])
        final = history[key][-1]
        (_log_plot(ax, values) if log else ax.plot)(epochs, values, color="tab:blue",
                                                    linewidth=1.2)
        ax.set_ylabel(label)
        ax.set_title(f"{title} = {final:.4g} at epoch {int(epochs[-1])}", fontsize=9)
        ax.grid(True, which="both", alpha=0.3)
    axes[-1, 0].set_xlabel(f"Epoch ({int(epochs[-1])} epochs)")
    axes[-1, 0].xaxis.set_major_locator(MaxNLocator(integer=True))
    _epoch_limits(axes[-1, 0], epochs)
    fig.suptitle(f"{name} ({algorithm}): training state")
    return fig


def regression(name: str, panels: dict[tuple[int, str], Panel],
               target_names: list[str] | None = None):
    """Outputs against targets per part (a column of panels) and per target (a row), with the
    least-squares line and R in each panel's title (plotregression).

    panels: (target j, part) -> :class:`~bpnet.report.dense.Panel`, as
    :func:`~bpnet.report.dense.regression_panels` makes them of part -> (n, K) targets and
    outputs in original units.
    """
    parts = list(dict.fromkeys(part for _, part in panels))
    k = 1 + max(j for j, _ in panels)
    target_names = target_names or [f"y{j + 1}" for j in range(k)]
    fig, axes = plt.subplots(k, len(parts), figsize=(4.2 * len(parts), 4.2 * k),
                             squeeze=False)
    fig.subplots_adjust(left=0.75 / (4.2 * len(parts)), right=0.98, bottom=0.5 / (4.2 * k),
                        top=1 - 1.0 / (4.2 * k), wspace=0.3, hspace=0.5)
    colours = {"train": "tab:blue", "val": "tab:green", "test": "tab:red", "all": "0.3"}
    for (j, part), p in panels.items():
        ax = axes[j, parts.index(part)]
        _regression_panel(ax, p, colours[part])
        ax.set_title(f"{part}" + (f", {target_names[j]}" if k > 1 else "") +
                     f": R = {p.r:.4f}\nfit: Y = {p.slope:.3g} T "
                     f"{'-' if p.offset < 0 else '+'} {abs(p.offset):.3g}", fontsize=9)
        ax.set_xlabel(f"Target {target_names[j]}" if k > 1 else "Target")
        ax.set_ylabel("Output")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    _legend(axes[0, -1], handles, labels)
    fig.suptitle(f"{name}: outputs against targets")
    return fig


# the colour map of a part's density (regression pictures above dense.MANY points)
DENSITY = {"tab:blue": "Blues", "tab:green": "Greens", "tab:red": "Reds", "0.3": "Greys"}


def _regression_panel(ax, p: Panel, colour: str) -> None:
    """The outputs against the targets of ``p`` (points, or a density), the line Y = T and
    the least-squares line."""
    if p.grid is not None:   # a million markers would only be ink
        _draw_density(ax, *p.grid, DENSITY.get(colour, "Greys"))
        _density_key(ax, DENSITY.get(colour, "Greys"), "data (density, log colour scale)")
    else:
        ax.plot(*p.points, "o", markersize=4, markerfacecolor="none", color=colour,
                label="data")
    ax.plot([p.lo, p.hi], [p.lo, p.hi], ":", color="0.5", label="Y = T")
    with np.errstate(all="ignore"):
        ends = [p.slope * p.lo + p.offset, p.slope * p.hi + p.offset]
    ax.plot([p.lo, p.hi], gaps(ends), color=colour, label="least-squares fit")
    ax.grid(True, alpha=0.3)


def error_histogram(name: str, edges: np.ndarray, counts: dict[str, np.ndarray],
                    bins: int = 20):
    """Histogram of the errors (target - output) per part, stacked, with a zero line
    (MATLAB's ploterrhist). edges (B + 1,) and counts: part -> (B,), as
    :func:`~bpnet.report.dense.histogram` makes them of part -> (n, K) errors in original
    units with ``bins`` bins."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    fig.subplots_adjust(left=0.11, right=0.97, bottom=0.12, top=0.92)
    colours = [{"train": "tab:blue", "val": "tab:green", "test": "tab:red"}[p] for p in counts]
    centres = (edges[:-1] + edges[1:]) / 2   # a count at its bin's centre: the same bars
    ax.hist([centres] * len(counts), bins=edges, weights=list(counts.values()), stacked=True,
            color=colours, label=list(counts), edgecolor="white", linewidth=0.5)
    ax.axvline(0.0, color="tab:orange", linewidth=1.5, label="zero error")
    ax.set_xlabel("Error = target - output (original units)")
    ax.set_ylabel("Instances")
    ax.set_title(f"{name}: error histogram with {bins} bins")
    ax.grid(True, alpha=0.3)
    _legend(ax)
    return fig


def forecast(labels: list[str], y: np.ndarray, future_labels: list[str], y_future: np.ndarray,
             name: str, label_name: str, model_name: str, bands: tuple | None = None):
    """The series (labels (L,), y (L, 1)) and its forecast (steps, 1) after it, from the
    origin labels[-1], the last value seen; its prediction intervals shaded (``bands``, see
    :func:`_shade`, each (L_b, steps))."""
    fig, ax = plt.subplots(figsize=(10, 4))
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.24, top=0.9)
    n, h = len(labels), len(future_labels)
    ax.plot(np.arange(n), gaps(y[:, 0]), color="black", linewidth=1.5, label=f"{name} (data)")
    if bands is not None:
        _shade(ax, np.arange(n, n + h), bands, "tab:red")
    ax.plot(np.arange(n - 1, n + h), gaps(np.concatenate([y[-1:, 0], y_future[:, 0]])),
            color="tab:red", linewidth=1.5, marker=".", label=f"forecast, {h} steps")
    ax.axvline(n - 0.5, color="0.5", linestyle="--", linewidth=1)
    _time_ticks(ax, labels + future_labels)
    ax.set_xlabel(label_name)
    ax.set_ylabel(name)
    ax.set_title(f"{name}: recursive forecast by {model_name} from origin "
                 f"{plain_label(labels[-1])}, {_span(future_labels)}", wrap=True)
    ax.grid(True, alpha=0.3)
    _legend(ax)
    return fig


def _span(labels: list[str]) -> str:
    """"1 step, 1961" or "24 steps, 1961-01 to 1962-12"."""
    first, last = plain_label(labels[0]), plain_label(labels[-1])
    return f"1 step, {first}" if len(labels) == 1 else \
        f"{len(labels)} steps, {first} to {last}"


def forecast_test(labels: list[str], series: np.ndarray, test_t: np.ndarray,
                  one_step: dict[str, np.ndarray], multistep: dict[str, np.ndarray | None],
                  origin: int, future_labels: list[str], name: str, label_name: str,
                  bands: tuple | None = None, cycle: int | None = None):
    """The series (L,), each model's one-step predictions of the test part (times test_t),
    and the recursive multi-step forecasts from the end of the training (and val) part: time
    ``origin`` onwards (labelled ``future_labels``), from the last value seen, at
    origin - 1. A forecast without one-step predictions (a baseline's) is dashed grey. The
    prediction intervals of a model's forecast are shaded (``bands``, see :func:`_shade`);
    the ticks fall on the calendar's ``cycle`` as in :func:`fit`."""
    fig, ax = plt.subplots(figsize=(10, 4.5))
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.22, top=0.9)
    x = np.arange(len(series))
    ax.plot(*extremes(x, gaps(series)), color="black", linewidth=1.6,
            label=said(f"{name} (data)", len(x)))
    for i, (model, pred) in enumerate(one_step.items()):
        ax.plot(*extremes(test_t, gaps(pred)), color=f"C{i}", linewidth=1.0, linestyle=":",
                label=said(f"{model}, one step ahead", len(test_t)))
    if bands is not None:
        _shade(ax, origin + np.arange(bands[2].shape[1]), bands,
               f"C{list(multistep).index(bands[0])}")
    for i, (model, path) in enumerate(multistep.items()):
        if path is None:
            continue
        style = dict(color=f"C{i}", linewidth=1.8) if model in one_step else \
            dict(color="0.45", linewidth=1.2, linestyle="--")
        ax.plot(origin + np.arange(len(path)), gaps(path),
                label=f"{model}, {len(path)} steps ahead", **style)
    ax.axvline(origin - 0.5, color="0.5", linestyle="--", linewidth=1)
    every = list(labels) + future_labels[len(labels) - origin:]
    _time_ticks(ax, every, cycle=cycle)
    ax.set_xlim(max(0, origin - 3 * len(test_t)), len(every))
    ax.set_xlabel(label_name)
    ax.set_ylabel(name)
    ax.set_title(f"{name}: one-step predictions and the forecast from origin "
                 f"{plain_label(labels[origin - 1])} ({_span(future_labels)})",
                 wrap=True)   # a long one in two lines, not cut at the figure's edge
    ax.grid(True, alpha=0.3)
    _legend(ax)
    return fig


# the pictures' resolution, dots per inch
DPI = 110
# per process, its math-text parser (see _math_parser)
_PARSERS: dict[int, MathTextParser] = {}


def _math_parser() -> MathTextParser:
    """The math-text parser of every picture of this process: matplotlib gives each renderer a
    parser of its own, whose cache of parsed labels (a log axis's 10^k) then serves one picture
    only. A forked process makes its own: the labels its parent parsed hold the parent's fonts,
    which read their files through file positions shared with the parent."""
    return _PARSERS.setdefault(os.getpid(), MathTextParser("path"))


def _in_view(axis, locs: np.ndarray) -> np.ndarray:
    """The ticks ``locs`` that ``axis`` draws: those inside its view, on its scale, to within
    1e-9 of the view's width (matplotlib's own tolerance is 1e-10: no tick it draws is lost)."""
    scale = axis.get_transform()
    lo, hi = np.sort(scale.transform(np.asarray(axis.get_view_interval(), dtype=float)))
    with np.errstate(all="ignore"):
        at = scale.transform(np.asarray(locs, dtype=float))
    slack = 1e-9 * (hi - lo)
    return locs[(at >= lo - slack) & (at <= hi + slack)]


class _InView(Locator):
    """Another locator's ticks, those inside the view only (and its view limits). A log axis's
    locator gives the ticks of the decades around the view as well, which matplotlib makes
    tick marks and labels for and then does not draw."""

    def __init__(self, inner: Locator) -> None:
        self.inner = inner

    def set_axis(self, axis) -> None:
        super().set_axis(axis)
        self.inner.set_axis(axis)

    def __call__(self) -> np.ndarray:
        return _in_view(self.axis, np.asarray(self.inner(), dtype=float))

    def tick_values(self, vmin: float, vmax: float) -> np.ndarray:
        return self.inner.tick_values(vmin, vmax)

    def nonsingular(self, vmin: float, vmax: float) -> tuple[float, float]:
        return self.inner.nonsingular(vmin, vmax)   # the view autoscaling picks, as before

    def view_limits(self, vmin: float, vmax: float) -> tuple[float, float]:
        return self.inner.view_limits(vmin, vmax)


class _LogMinor(Locator):
    """The minor ticks of a log axis inside its view: at 2 and 5 times each power of ten when
    the view spans 2 decades or more, at every whole multiple below that, none beyond 10
    decades (where the major ticks skip decades). Fewer lines than matplotlib's 2..9 on a
    long axis, each tick mark made costs drawing time."""

    def __call__(self) -> np.ndarray:
        lo, hi = np.sort(np.asarray(self.axis.get_view_interval(), dtype=float))
        if not (0 < lo < hi < np.inf):
            return np.array([])
        decades = np.log10(hi / lo)
        if decades > 10:
            return np.array([])
        subs = np.array([2.0, 5.0]) if decades >= 2 else np.arange(2.0, 10.0)
        powers = 10.0 ** np.arange(np.floor(np.log10(lo)), np.ceil(np.log10(hi)) + 1)
        return _in_view(self.axis, np.outer(powers, subs).ravel())

    def tick_values(self, vmin: float, vmax: float) -> np.ndarray:
        return np.array([])


def _log_ticks(fig) -> None:
    """Every log axis of ``fig`` gets tick marks only for the ticks it draws, and the minor
    ticks of :class:`_LogMinor`."""
    for axis in (a for ax in fig.axes for a in (ax.xaxis, ax.yaxis)):
        if axis.get_scale() == "log" and not isinstance(axis.major.locator, _InView):
            axis.set_major_locator(_InView(axis.major.locator))
            axis.set_minor_locator(_LogMinor())


def png_bytes(fig) -> bytes:
    """``fig`` drawn as a PNG, then closed (also when drawing fails). The PNG is compressed
    at zlib's fastest level: the same pixels, a file about a tenth larger, a third of the
    time to encode."""
    buffer = io.BytesIO()
    try:
        if isinstance(fig.canvas, FigureCanvasAgg):   # not so in a notebook's own backend
            fig.set_dpi(DPI)
            fig.canvas.get_renderer().mathtext_parser = _math_parser()   # savefig's renderer
        _log_ticks(fig)
        with np.errstate(all="ignore"):   # axis limits of values near the float64 maximum
            fig.savefig(buffer, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})
    finally:
        plt.close(fig)
    return buffer.getvalue()

"""Output stage of a sweep: sweep.png, the selection perf against the grid.

One swept key (keys given one value are not counted): per model a line of the median over runs
through the key's values, in a band from the least to the greatest run. Two keys: per model a
heat map of the medians (first key down, second across), each cell labelled. More keys: small
multiples, one panel per key, every cell's median at its value of that key (and the medians'
median as a line). The winner is marked in each form. Grid values are placed in the order the
grid gives them, labelled by their text (hidden sizes such as [5, 5] are not numbers on an axis).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from bpnet.config.sweepspec import value_text
from bpnet.report import plots
from bpnet.report.dense import gaps
from bpnet.storage.fileio import atomic_write

plt = plots.plt


def save(path: Path, keys: list[str], summary: list[dict], grid: dict[str, list]) -> None:
    """Draw sweep.png for ``summary`` (sweepfiles.summarise) and write it atomically."""
    png = plots.png_bytes(figure(keys, summary, grid))
    atomic_write(path, lambda fh: fh.write(png), binary=True)


def figure(keys: list[str], summary: list[dict], grid: dict[str, list]):
    """The Figure: lines with a band (one key), heat maps (two), small multiples (more);
    keys given one value only are not axes."""
    keys = [k for k in keys if len(grid[k]) > 1] or keys[:1]
    levels = {k: [value_text(v) for v in grid[k]] for k in keys}
    models = list(dict.fromkeys(e["model"] for e in summary))
    select = summary[0]["select"]
    if len(keys) == 1:
        fig = _lines(keys[0], levels[keys[0]], summary, models)
    elif len(keys) == 2:
        fig = _heat_maps(keys, levels, summary, models)
    else:
        fig = _multiples(keys, levels, summary, models)
    best = min(summary, key=lambda e: e["rank"])
    fig.suptitle(f"median {select} over runs; best (*): "
                 + ",\n".join(f"{k}={v}" for k, v in best["values"].items())
                 + (f" ({best['model']})" if len(models) > 1 else ""), fontsize=9)
    return fig


def _below_title(fig, lines: int) -> None:
    """Lay the axes out below a title of ``lines`` lines (about 0.17 inch each)."""
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.17 * (lines + 0.5) / fig.get_size_inches()[1]))


def _stats(e: dict) -> tuple[float, float, float]:
    return e["stats"][e["select"]]


def _lines(key: str, levels: list[str], summary: list[dict], models: list[str]):
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    x = np.arange(len(levels))
    for model in models:
        at = {e["values"][key]: _stats(e) for e in summary if e["model"] == model}
        med, lo, hi = (np.array([at.get(v, (math.nan,) * 3)[i] for v in levels])
                       for i in range(3))
        line, = ax.plot(x, gaps(med), marker="o", label=f"{model} median")
        ax.fill_between(x, gaps(lo), gaps(hi), color=line.get_color(),
                        alpha=0.2, label=f"{model} min-max over runs")
    best = min(summary, key=lambda e: e["rank"])
    ax.plot([levels.index(best["values"][key])], [_stats(best)[0]], marker="*", ms=16,
            color="crimson", linestyle="none", label="best")
    if _spans_decades([s for e in summary for s in _stats(e)]):
        ax.set_yscale("log")
    ax.set_xticks(x, levels, rotation=30 if max(map(len, levels)) > 6 else 0)
    ax.set_xlabel(key)
    ax.set_ylabel(summary[0]["select"])
    ax.grid(True, alpha=0.3)
    _below_title(fig, 2)
    plots._legend(ax)
    return fig


def _spans_decades(values: list[float]) -> bool:
    v = np.array([x for x in values if math.isfinite(x) and x > 0])
    return v.size > 1 and v.max() / v.min() > 20


def _heat_maps(keys: list[str], levels: dict[str, list[str]], summary: list[dict],
               models: list[str]):
    rows, cols = levels[keys[0]], levels[keys[1]]
    width = 1.6 + 1.1 * len(cols)
    fig, axes = plt.subplots(1, len(models), figsize=(width * len(models), 1.6 + 0.6 * len(rows)),
                             squeeze=False)
    best = min(summary, key=lambda e: e["rank"])
    for ax, model in zip(axes[0], models):
        grid = np.full((len(rows), len(cols)), np.nan)
        for e in summary:
            if e["model"] == model:
                grid[rows.index(e["values"][keys[0]]), cols.index(e["values"][keys[1]])] = \
                    _stats(e)[0]
        shown = np.log10(grid) if _spans_decades(list(grid.ravel())) else grid
        image = ax.imshow(gaps(shown), cmap="viridis_r", aspect="auto")
        for i, j in np.ndindex(grid.shape):
            if math.isfinite(grid[i, j]):
                mark = best["model"] == model and (rows[i], cols[j]) == \
                    (best["values"][keys[0]], best["values"][keys[1]])
                dark = image.norm(shown[i, j]) > 0.6   # the dark end of viridis_r
                ax.text(j, i, f"{grid[i, j]:.4g}" + (" *" if mark else ""), ha="center",
                        va="center", fontsize=8, color="white" if mark or dark else "black",
                        fontweight="bold" if mark else "normal",
                        bbox={"facecolor": "crimson", "alpha": 0.8} if mark else None)
        ax.set_xticks(range(len(cols)), cols, fontsize=8)
        ax.set_yticks(range(len(rows)), rows, fontsize=8)
        ax.set_xlabel(keys[1])
        ax.set_ylabel(keys[0])
        ax.set_title(model if len(models) > 1 else "", fontsize=9)
        bar = fig.colorbar(image, ax=ax)
        bar.set_label(("log10 " if shown is not grid else "") + summary[0]["select"],
                      fontsize=8)
    _below_title(fig, len(keys))
    return fig


def _multiples(keys: list[str], levels: dict[str, list[str]], summary: list[dict],
               models: list[str]):
    fig, axes = plt.subplots(1, len(keys), figsize=(3.4 * len(keys), 3.6), squeeze=False,
                             sharey=True)
    best = min(summary, key=lambda e: e["rank"])
    for ax, key in zip(axes[0], keys):
        for model in models:
            mine = [e for e in summary if e["model"] == model]
            x = np.array([levels[key].index(e["values"][key]) for e in mine], dtype=float)
            y = np.array([_stats(e)[0] for e in mine])
            jitter = (np.arange(len(x)) % 5 - 2) * 0.02
            points = ax.plot(x + jitter, gaps(y), "o", alpha=0.5, ms=4,
                             label=model)[0]
            med = [np.nanmedian(y[x == i]) if np.any(x == i) else np.nan
                   for i in range(len(levels[key]))]
            ax.plot(range(len(levels[key])), gaps(np.array(med)), "-",
                    color=points.get_color())
        ax.plot([levels[key].index(best["values"][key])], [_stats(best)[0]], "*", ms=14,
                color="crimson")
        ax.set_xticks(range(len(levels[key])), levels[key], fontsize=8, rotation=30)
        ax.set_xlabel(key, fontsize=9)
        ax.grid(True, alpha=0.3)
    if _spans_decades([_stats(e)[0] for e in summary]):
        axes[0][0].set_yscale("log")
    axes[0][0].set_ylabel(summary[0]["select"])
    if len(models) > 1:
        axes[0][-1].legend(fontsize=8)
    _below_title(fig, len(keys))
    return fig

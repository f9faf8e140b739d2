"""Output stage of a tune: tune.png, every trial's val score and the best so far, and the
score against each knob (docs/tune.md)."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np


def save(path: Path, p, result) -> None:
    """Draw tune.png for plan ``p`` (bpnet.tuneplan.Plan) and ``result`` (bpnet.tune)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm

    from bpnet.config.sweepspec import value_text
    from bpnet.storage.fileio import atomic_write
    first = sorted((e for e in result.entries if e.rung.index == 0),
                   key=lambda e: e.trial.number)
    reached = {}
    for e in result.entries:
        reached[e.trial.number] = max(reached.get(e.trial.number, 0), e.rung.index)
    knobs = list(p.space)
    cols = min(4, max(1, len(knobs)))
    rows = 1 + math.ceil(len(knobs) / cols)
    fig = plt.figure(figsize=(4 * cols, 3.2 * rows), layout="constrained")
    grid = fig.add_gridspec(rows, cols)
    ax = fig.add_subplot(grid[0, :])
    x = np.array([e.trial.number for e in first])
    y = np.array([e.score.median for e in first])
    level = np.array([reached[n] + 1 for n in x])
    higher = p.metric == "accuracy"
    top = int(level.max(initial=1))
    norm = BoundaryNorm(np.arange(0.5, top + 1), plt.get_cmap("viridis").N)
    shown = _clipped(y, higher)
    inside = shown == y
    sc = ax.scatter(x[inside], y[inside], c=level[inside], cmap="viridis", norm=norm,
                    s=14 + 10 * level[inside], zorder=3)
    if not inside.all():   # the worst trials, at the chart's edge
        ax.scatter(x[~inside], shown[~inside], c=level[~inside], cmap="viridis", norm=norm,
                   marker="v" if higher else "^", s=40, zorder=3,
                   label=f"{int((~inside).sum())} worse, off the chart")
    finite = np.where(np.isfinite(y), y, -np.inf if higher else np.inf)
    best = (np.maximum if higher else np.minimum).accumulate(finite)
    ax.step(x, best, where="post", color="tab:red", label="best so far")
    w = result.winner
    ax.scatter([w.trial.number], [shown[list(x).index(w.trial.number)]],
               marker="*", s=220, color="tab:red", zorder=4, label=f"winner (trial "
               f"{w.trial.number})")
    ax.set(xlabel="trial", ylabel=f"val {p.metric} (first rung)",
           )
    ax.set_title(f"{len(first)} trials, scored with few epochs and one run; colour: the rung "
                 "each reached", pad=24)
    _scale(ax, y, higher)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=3, fontsize=8,
              frameon=False)
    fig.colorbar(sc, ax=ax, label="rung reached", ticks=range(1, top + 1))
    for i, key in enumerate(knobs):
        a = fig.add_subplot(grid[1 + i // cols, i % cols])
        texts = [value_text(e.trial.settings.get(key)) for e in first]
        order = list(dict.fromkeys(value_text(v) for v in p.space[key]))
        order += [t for t in dict.fromkeys(texts) if t not in order]
        pos = np.array([order.index(t) for t in texts], dtype=float)
        jitter = np.random.default_rng(0).uniform(-0.2, 0.2, len(pos))
        a.scatter(pos + jitter, shown, s=8, c=level, cmap="viridis", norm=norm,
                  marker="o")
        ticks = [j for j, t in enumerate(order) if t in texts]
        ticks = ticks[::-(-len(ticks) // 8)]   # at most 8 labels, so that none overlap
        a.set_xticks(ticks, [_short(order[j]) for j in ticks], rotation=60, ha="right",
                     fontsize=7)
        a.set_title(key, fontsize=9)
        _scale(a, y, higher)
    atomic_write(path, lambda fh: fig.savefig(fh, format="png", dpi=90), binary=True)
    plt.close(fig)


def _short(text: str) -> str:
    """A knob's value as a tick label: ``{}`` (no transform) as "none", long ones cut."""
    text = "none" if text == "{}" else text
    return text if len(text) <= 24 else text[:21] + "..."


def _limits(y: np.ndarray, higher: bool = False) -> tuple[float, float] | None:
    """The range of the best nine tenths of the finite scores (None without any)."""
    v = y[np.isfinite(y)]
    if not len(v):
        return None
    return (float(np.quantile(v, 0.1)), float(v.max())) if higher else \
        (float(v.min()), float(np.quantile(v, 0.9)))


def _clipped(y: np.ndarray, higher: bool = False) -> np.ndarray:
    """The scores (n,) as drawn: the worst tenth (and a diverged run's infinite score) at
    the edge of :func:`_scale`'s view, so that every trial shows."""
    limits = _limits(y, higher)
    if limits is None:
        return y
    low, high = limits
    if higher:
        return np.where(np.isfinite(y) & (y >= low), y, low)
    return np.where(np.isfinite(y) & (y <= high), y, high)


def _scale(ax, y: np.ndarray, higher: bool = False) -> None:
    """The best nine tenths of the finite scores in view (the worst tenth of the trials
    drawn at the edge); a log scale when those span more than two decades."""
    limits = _limits(y, higher)
    if limits is None:
        return
    low, high = limits
    if low > 0 and high / low > 100:
        ax.set_yscale("log")
    elif high > low:
        ax.set_ylim(low - 0.05 * (high - low), high + 0.1 * (high - low))

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
    sc = ax.scatter(x, y, c=level, cmap="viridis", s=14 + 10 * level, zorder=3)
    finite = np.where(np.isfinite(y), y, -np.inf if higher else np.inf)
    best = (np.maximum if higher else np.minimum).accumulate(finite)
    ax.step(x, best, where="post", color="tab:red", label="best so far")
    w = result.winner
    ax.scatter([w.trial.number], [next(e.score.median for e in first if e.trial is w.trial)],
               marker="*", s=220, color="tab:red", zorder=4, label=f"winner (trial "
               f"{w.trial.number})")
    ax.set(xlabel="trial", ylabel=f"val {p.metric} (first rung)",
           title=f"{len(first)} trials, scored with few epochs and one run; colour: the rung "
                 "each reached")
    _scale(ax, y, higher)
    ax.legend(loc="upper right")
    fig.colorbar(sc, ax=ax, label="rung reached")
    for i, key in enumerate(knobs):
        a = fig.add_subplot(grid[1 + i // cols, i % cols])
        texts = [value_text(e.trial.settings.get(key)) for e in first]
        order = list(dict.fromkeys(value_text(v) for v in p.space[key]))
        order += [t for t in dict.fromkeys(texts) if t not in order]
        pos = np.array([order.index(t) for t in texts], dtype=float)
        jitter = np.random.default_rng(0).uniform(-0.2, 0.2, len(pos))
        a.scatter(pos + jitter, y, s=8, c=level, cmap="viridis")
        shown = [j for j, t in enumerate(order) if t in texts]
        step = max(1, len(shown) // 12)
        a.set_xticks(shown[::step], [_short(order[j]) for j in shown[::step]], rotation=60,
                     ha="right", fontsize=7)
        a.set_title(key, fontsize=9)
        _scale(a, y, higher)
    atomic_write(path, lambda fh: fig.savefig(fh, format="png", dpi=90), binary=True)
    plt.close(fig)


def _short(text: str) -> str:
    return text if len(text) <= 24 else text[:21] + "..."


def _scale(ax, y: np.ndarray, higher: bool = False) -> None:
    """The best nine tenths of the finite scores in view (the worst tenth of the trials is
    off the chart); a log scale when those span more than two decades."""
    v = y[np.isfinite(y)]
    if not len(v):
        return
    low, high = (float(np.quantile(v, 0.1)), float(v.max())) if higher else \
        (float(v.min()), float(np.quantile(v, 0.9)))
    if low > 0 and high / low > 100:
        ax.set_yscale("log")
    elif high > low:
        ax.set_ylim(low - 0.05 * (high - low), high + 0.1 * (high - low))

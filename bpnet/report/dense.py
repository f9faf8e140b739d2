"""Output stage: many points drawn as few (docs/semantics.md#large-data).

Above :data:`MANY` points a picture would take seconds to draw and show only ink: a series is
drawn through the extremes of each pixel column (:func:`extremes`: the lowest and the highest
value of every run of consecutive samples that falls on one column, in their order, so every
peak and trough stays visible), and a scatter of outputs against targets becomes a density
plot. The legend of such a picture says so (:func:`said`). Pictures of fewer points are drawn
as they always were.

The density is binned :data:`BLOCK` points at a time, so that its memory does not grow with N.
A point's cell is computed from its value, then moved by one where rounding put it on the wrong
side of an edge, which gives the cells ``np.histogram2d`` gives (``np.histogram2d`` itself bins
a span so narrow that its edges are not all distinct). These numbers (the densities, the
decimated lines, the regression lines, the error histogram's counts) are made in the run's
process; the drawing process receives them, some kilobytes per picture, not the samples.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MANY = 20_000     # points above which a line is decimated and a scatter becomes a density
COLUMNS = 2_000   # pixel columns kept: more than the widest picture has (11 in at 110 dpi)


def extremes(x: np.ndarray, y: np.ndarray, columns: int = COLUMNS
             ) -> tuple[np.ndarray, np.ndarray]:
    """A line through (x (n,), y (n,)), x increasing, as at most 2 ``columns`` points: per
    run of about n / columns consecutive points, the lowest and the highest (in their order);
    a run without a finite value is a gap (NaN). Lines of :data:`MANY` points or fewer are
    returned as they are."""
    n = len(y)
    if n <= MANY:
        return x, y
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    size = -(-n // columns)
    rows = -(-n // size)
    grid = np.full(rows * size, np.nan)
    grid[:n] = y
    grid = grid.reshape(rows, size)
    known = np.isfinite(grid)
    lo = np.where(known, grid, np.inf).argmin(axis=1)
    hi = np.where(known, grid, -np.inf).argmax(axis=1)
    start = np.arange(rows) * size
    idx = np.sort(np.column_stack([lo, hi]), axis=1) + start[:, None]
    idx = np.minimum(idx, n - 1).ravel()
    xs, ys = x[idx], y[idx]
    empty = np.repeat(~known.any(axis=1), 2)
    ys[empty] = np.nan
    return xs, ys


def said(label: str, n: int, how: str = "line") -> str:
    """The legend label of ``n`` points drawn as few: ``how`` is line or density."""
    if n <= MANY:
        return label
    if how == "density":
        return f"{label} (density of {n:,} points)"
    return f"{label} (extremes per pixel column of {n:,} points)"


BLOCK = 100_000   # points binned at a time: a million take no more memory than these


def density(x: np.ndarray, y: np.ndarray, bins: tuple[int, int]
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 2-D histogram of the points (x (n,), y (n,)), all finite, on ``bins`` (nx, ny)
    equal cells spanning them (a unit or a relative sliver around a constant):
    -> counts (ny, nx), x edges (nx + 1,), y edges (ny + 1,). Binned a block of points at a
    time, so that memory does not grow with n."""
    span = [_span(v) for v in (x, y)]
    edges = [np.linspace(*s, n + 1) for s, n in zip(span, bins)]
    counts = np.zeros(bins)
    uniform = all(np.all(np.diff(e) > 0) for e in edges)   # not when subnormal spacing
    for start in range(0, len(x), BLOCK):
        bx, by = x[start:start + BLOCK], y[start:start + BLOCK]
        if uniform:
            cell = _cells(bx, edges[0]) * bins[1] + _cells(by, edges[1])
            counts += np.bincount(cell, minlength=bins[0] * bins[1]).reshape(bins)
        else:
            counts += np.histogram2d(bx, by, bins=bins, range=span)[0]
    return counts.T, edges[0], edges[1]


def _cells(v: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The cell (n,) of each value of ``v`` (n,), all within the increasing, equally spaced
    ``edges`` (m + 1,): i where edges[i] <= v < edges[i + 1], the last cell closed, as
    numpy's histograms place them; computed, then put right where rounding missed by one."""
    m = len(edges) - 1
    i = ((v - edges[0]) / (edges[-1] - edges[0]) * m).astype(np.intp)
    np.clip(i, 0, m - 1, out=i)
    i -= v < edges[i]
    i += (v >= edges[i + 1]) & (i < m - 1)
    return i


def _span(v: np.ndarray) -> tuple[float, float]:
    """(lowest, highest) of ``v`` (n,), widened around a constant (or none) as numpy widens a
    histogram's: a unit around it, or a relative sliver."""
    lo, hi = (float(v.min()), float(v.max())) if len(v) else (0.0, 0.0)
    if hi == lo:
        widen = max(0.5, abs(lo) * 1e-9)
        lo, hi = lo - widen, hi + widen
    return lo, hi


HUGE = 1e300   # matplotlib cannot place ticks on an axis spanning about 2e308 and more


def gaps(values: np.ndarray) -> np.ndarray:
    """Values a linear axis can show: NaN, infinite and astronomic ones become gaps."""
    v = np.asarray(values, dtype=float)
    return np.where(np.isfinite(v) & (np.abs(v) <= HUGE), v, np.nan)


def finite(*arrays: np.ndarray) -> list[np.ndarray]:
    """The arrays, flattened, without the positions where any of them is NaN, infinite or
    beyond +-1e300 (a diverged network's outputs)."""
    flat = [np.ravel(np.asarray(a, dtype=float)) for a in arrays]
    keep = np.abs(flat[0]) <= HUGE   # false for NaN and the infinities too
    for a in flat[1:]:
        keep &= np.abs(a) <= HUGE
    return flat if keep.all() else [a[keep] for a in flat]


def line_fit(t: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """R, slope and offset of the least-squares line of y (n,) on t (n,), in closed form on
    values scaled to [-1, 1] (no LAPACK call to fail on subnormal or huge values); NaN where
    they do not exist (fewer than two points, a constant t)."""
    scale = max(float(np.max(np.abs(t), initial=0.0)), float(np.max(np.abs(y), initial=0.0)))
    if len(t) < 2 or not 0 < scale < np.inf:
        return np.nan, np.nan, np.nan
    with np.errstate(all="ignore"):
        ts, ys = t / scale, y / scale   # then centred in place: two arrays of n, no more
        mt, my = np.mean(ts), np.mean(ys)
        ts -= mt
        ys -= my
        stt, syy, sty = float(ts @ ts), float(ys @ ys), float(ts @ ys)
        if not stt > 0:
            return np.nan, np.nan, np.nan
        slope = sty / stt
        offset = (my - slope * mt) * scale
        r = sty / np.sqrt(stt * syy) if syy > 0 else np.nan
    return float(r), float(slope), float(offset)


@dataclass(frozen=True)
class Panel:
    """One panel of outputs against targets as it is drawn: the least-squares line's R, slope
    and offset, the span lo..hi of both coordinates, and the points (t (n,), y (n,)), finite,
    or, in a picture of more than :data:`MANY` points, their :func:`density` on 80 x 80
    cells (counts, x edges, y edges): a million points become 6,400 counts before they are
    handed to the drawing process."""

    r: float
    slope: float
    offset: float
    lo: float
    hi: float
    points: tuple[np.ndarray, np.ndarray] | None = None
    grid: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None


def regression_panels(targets: dict[str, np.ndarray], outputs: dict[str, np.ndarray]
                      ) -> dict[tuple[int, str], Panel]:
    """(target j, part) -> :class:`Panel` of every panel of a regression picture, target by
    target: each part, then "all" when there are several. targets, outputs: part -> (n, K)."""
    parts = list(targets) + (["all"] if len(targets) > 1 else [])
    k = next(iter(targets.values())).shape[1]
    dense = sum(len(v) for v in targets.values()) > MANY   # density panels, all of them
    out = {}
    for j in range(k):
        for part in parts:
            if part == "all":
                t = np.concatenate([v[:, j] for v in targets.values()])
                y = np.concatenate([v[:, j] for v in outputs.values()])
            else:
                t, y = targets[part][:, j], outputs[part][:, j]
            out[j, part] = _panel(*finite(t, y), dense)
    return out


def _panel(t: np.ndarray, y: np.ndarray, dense: bool) -> Panel:
    """The :class:`Panel` of the finite points t (n,), y (n,)."""
    r, slope, offset = line_fit(t, y)
    lo = float(min(t.min(), y.min())) if len(t) else 0.0
    hi = float(max(t.max(), y.max())) if len(t) else 1.0
    if dense:
        return Panel(r, slope, offset, lo, hi, grid=density(t, y, (80, 80)))
    return Panel(r, slope, offset, lo, hi, points=(t, y))


@dataclass(frozen=True)
class Sorted:
    """One panel of the tabular fit: the n samples of a part sorted by their actual value,
    the line of those values (x, y: :func:`extremes` of them), and per model, then baseline,
    its predictions: the points (x (n,), y (n,)) or, in a run of more than :data:`MANY`
    samples, their :func:`density` on 80 x 40 cells (counts, x edges, y edges)."""

    n: int
    line: tuple[np.ndarray, np.ndarray]
    marks: list[tuple[np.ndarray, ...]]


def sorted_panels(targets: np.ndarray, predictions: list[np.ndarray],
                  index: dict[str, np.ndarray]) -> dict[tuple[int, str], Sorted]:
    """(target j, part) -> :class:`Sorted` of every panel of the tabular fit, target by target,
    part by part (train, val, test: those with samples). targets (Q, K); predictions: the
    models' then the baselines' (Q, K); index: part -> its rows."""
    q, k = targets.shape
    parts = [p for p in ("train", "val", "test") if len(index.get(p, ()))]
    out = {}
    for j in range(k):
        for part in parts:
            rows = index[part][np.argsort(targets[index[part], j], kind="stable")]
            x = np.arange(len(rows))
            marks = [(x, gaps(p[rows, j])) if q <= MANY else
                     density(*finite(x, p[rows, j]), (80, 40)) for p in predictions]
            out[j, part] = Sorted(len(rows), extremes(x, gaps(targets[rows, j])), marks)
    return out


def _bin_edges(values: list[np.ndarray], bins: int) -> np.ndarray:
    """``bins`` + 1 increasing edges over the values (finite, |v| <= 1e300), however constant,
    tiny or widely spread they are (fewer edges where subnormal spacing allows no more)."""
    lo, hi = _span(np.concatenate([np.ravel(v) for v in values] + [np.empty(0)]))
    edges = np.linspace(lo, hi, bins + 1)
    return edges if np.all(np.diff(edges) > 0) else np.array([lo, hi])


def histogram(errors: dict[str, np.ndarray], bins: int = 20
              ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The error histogram's edges (bins + 1,) over the finite errors of every part, and
    part -> its counts (bins,). errors: part -> (n, K)."""
    data = {part: finite(v)[0] for part, v in errors.items()}
    edges = _bin_edges(list(data.values()), bins)
    return edges, {part: np.histogram(v, bins=edges)[0].astype(float) for part, v in data.items()}

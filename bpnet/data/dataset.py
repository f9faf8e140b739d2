"""Input stage: read the CSV data, build samples, divide them, scale them.

Series mode (SPEC 8) turns one column y[0..L-1] into samples whose inputs are y[t - lag] for each
lag (and the calendar month of t) and whose target is y[t]. Tabular mode reads named input and
target columns, optionally with the test set in its own file. Division follows SPEC 7; scaling is
fitted on the training part only (SPEC 3).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field

import numpy as np

from bpnet.data import scaling
from bpnet.config.load import Config, DataConfig, SplitConfig
from bpnet.errors import InputError, shown
from bpnet.data.transforms import SeriesTransform

PARTS = ("train", "val", "test")


@dataclass
class Table:
    """A CSV file as text: ``header`` names, ``rows`` of cells, ``lines`` their line numbers."""

    path: str
    header: list[str]
    rows: list[list[str]]
    lines: list[int]

    def column(self, name: str, key: str) -> list[str]:
        if name not in self.header:
            raise InputError(f"{self.path}: no column {name!r} (named by {key}); the columns are "
                             f"{', '.join(self.header)}")
        j = self.header.index(name)
        return [row[j] for row in self.rows]

    def numbers(self, name: str, key: str) -> np.ndarray:
        """Column ``name`` as float64 (L,); a blank, non-numeric or non-finite cell is an error."""
        cells = self.column(name, key)
        out = np.empty(len(cells))
        for i, cell in enumerate(cells):
            where = f"{self.path}: line {self.lines[i]}, column {name}"
            text = cell.strip()
            if not text:
                raise InputError(f"{where}: empty cell")
            try:
                value = float(text)
            except ValueError:
                raise InputError(f"{where}: {cell!r} is not a number") from None
            if not np.isfinite(value):
                raise InputError(f"{where}: {cell!r} is not a finite number")
            out[i] = value
        return out


def read_table(path: str) -> Table:
    """Read a CSV file with a header row; blank lines are skipped."""
    name = shown(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            records = [(reader.line_num, row) for row in reader]
    except FileNotFoundError:
        raise InputError(f"{name}: data file not found") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{name}: cannot read the data file ({exc})") from None
    records = [(n, row) for n, row in records if any(cell.strip() for cell in row)]
    if not records:
        raise InputError(f"{name}: the file is empty; expected a header row and data rows")
    header = [h.strip() for h in records[0][1]]
    for n, row in records[1:]:
        if len(row) != len(header):
            raise InputError(f"{name}: line {n} has {len(row)} cells, the header has "
                             f"{len(header)}")
    return Table(name, header, [r for _, r in records[1:]], [n for n, _ in records[1:]])


@dataclass
class Dataset:
    """All samples in original units and in scaled units, with the index of each part.

    ``X`` (Q, D) and ``Y`` (Q, K) hold every sample in file/time order, as the network sees
    them before scaling (for a transformed series: on the transformed series); ``targets``
    (Q, K) are the targets in original units. ``index[part]`` are the sorted rows of each part
    present (train always; val and test when non-empty). ``sequence`` is true when all samples
    form one time series (series mode): a recurrent network then runs them as one sequence;
    otherwise each part is its own sequence. In series mode ``series`` holds the original
    series (L,), ``positions`` the time index t of every sample in it, ``months`` the calendar
    month of every t (or None) and ``stages`` the transform's stages (``transforms``).
    """

    X: np.ndarray
    Y: np.ndarray
    labels: list[str]
    label_name: str
    index: dict[str, np.ndarray]
    feature_names: list[str]
    target_names: list[str]
    sequence: bool
    x_scaler: scaling.Scaler
    y_scaler: scaling.Scaler
    targets: np.ndarray | None = None
    series: np.ndarray | None = None
    series_labels: list[str] | None = None
    positions: np.ndarray | None = None
    months: np.ndarray | None = None
    transform: SeriesTransform = field(default_factory=SeriesTransform)
    stages: list[np.ndarray] | None = None
    lags: tuple[int, ...] = ()
    period: int = 12
    Xs: np.ndarray = field(init=False)
    Ys: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.Xs = self.x_scaler.transform(self.X)
        self.Ys = self.y_scaler.transform(self.Y)
        if self.targets is None:
            self.targets = self.Y

    def to_original(self, y_model: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """One-step predictions (n, K) of samples ``idx``, unscaled but still transformed ->
        original units, the transform inverted with the actual past values."""
        if self.transform.identity:
            return y_model
        return self.transform.invert(y_model[:, 0], self.positions[idx], self.stages)[:, None]

    @property
    def parts(self) -> list[str]:
        return [p for p in PARTS if p in self.index]

    def scaled(self, part: str) -> tuple[np.ndarray, np.ndarray]:
        """(X (n, D), Y (n, K)) of one part, scaled."""
        idx = self.index[part]
        return self.Xs[idx], self.Ys[idx]

    def part_of(self) -> list[str]:
        """The part name of every sample, (Q,)."""
        out = [""] * len(self.X)
        for part, idx in self.index.items():
            for i in idx:
                out[i] = part
        return out


def series_samples(y: np.ndarray, lags: tuple[int, ...], months: np.ndarray | None = None,
                   lost: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Lagged samples of a series (SPEC 8).

    y (L,), months (L,) in 1..12 or None -> X (L - lost - max(lags), len(lags) [+ 1]),
    Y (..., 1). Sample i has t = lost + max(lags) + i: inputs y[t - lag] for each lag, then
    months[t]; ``lost`` leading values of y are undefined (taken by differencing).
    """
    start = lost + max(lags)
    if len(y) <= start:
        return np.empty((0, len(lags) + (months is not None))), np.empty((0, 1))
    cols = [y[start - lag: len(y) - lag] for lag in lags]
    if months is not None:
        cols.append(months[start:].astype(float))
    return np.column_stack(cols), y[start:, None].copy()


def divide(q: int, split: SplitConfig, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Indices of each part of q samples (SPEC 7); empty parts are left out."""
    # a tiny slack so that 0.3 * 10 = 3.0000000000000004 and 0.29 * 100 = 28.999... floor right
    n_val = int(np.floor(split.val * q + 1e-9))
    n_test = int(np.floor(split.test * q + 1e-9))
    n_train = q - n_val - n_test
    counts = {"train": n_train, "val": n_val, "test": n_test}
    if split.method == "block":
        order = np.arange(q)
        bounds = np.cumsum([0, n_train, n_val, n_test])
        parts = {p: order[bounds[i]:bounds[i + 1]] for i, p in enumerate(PARTS)}
    elif split.method == "random":
        order = rng.permutation(q)
        bounds = np.cumsum([0, n_train, n_val, n_test])
        parts = {p: np.sort(order[bounds[i]:bounds[i + 1]]) for i, p in enumerate(PARTS)}
    elif split.method == "interleaved":
        # deal the samples out train, val, test, train, ... skipping a part once it is full
        left = dict(counts)
        lists: dict[str, list[int]] = {p: [] for p in PARTS}
        cycle = [p for p in PARTS if left[p] > 0]
        k = 0
        for i in range(q):
            while left[cycle[k % len(cycle)]] == 0:
                k += 1
            part = cycle[k % len(cycle)]
            lists[part].append(i)
            left[part] -= 1
            k += 1
        parts = {p: np.array(v, dtype=int) for p, v in lists.items()}
    else:
        raise ValueError(f"unknown division {split.method!r}")
    return {p: idx for p, idx in parts.items() if len(idx) > 0}


_MONTH = re.compile(r"^\s*\d{1,4}[-/](\d{1,2})(?:\D|$)")


def months_of(labels: list[str], table: Table, column: str) -> np.ndarray:
    """Calendar months (1..12) parsed from YYYY-MM (or YYYY-MM-DD, YYYY/MM) labels."""
    out = np.empty(len(labels), dtype=int)
    for i, text in enumerate(labels):
        m = _MONTH.match(text)
        month = int(m.group(1)) if m else 0
        if not 1 <= month <= 12:
            raise InputError(f"{table.path}: line {table.lines[i]}, column {column}: {text!r} "
                             "is not a YYYY-MM month label (needed by data.month)")
        out[i] = month
    return out


def load(cfg: Config, rng: np.random.Generator) -> Dataset:
    """Read the data named by the config, build and divide the samples, fit the scaling."""
    d = cfg.data
    table = read_table(d.path)
    extra = {}
    if d.series is not None:
        X, Y, labels, label_name, features, targets, extra = _series(d, table)
        index = divide(len(X), cfg.split, rng)
        lost = extra["transform"].lost
        why = f"lags up to {max(d.lags)}" + (f" after differencing by {lost}" if lost else "")
        _need(table, len(X), index, cfg.split, max(d.lags) + lost, why)
        sequence = True
    else:
        X, Y, labels, label_name = _tabular(d, table)
        features, targets = list(d.inputs), list(d.targets)
        if d.test_path is not None:
            # the split divides the training file (train/val); the test set is its own file
            test_table = read_table(d.test_path)
            Xt, Yt, lt, _ = _tabular(d, test_table)
            q = len(X)
            fractions = SplitConfig(cfg.split.method, 1.0 - cfg.split.val, cfg.split.val, 0.0)
            index = divide(q, fractions, rng)
            index["test"] = np.arange(q, q + len(Xt))
            X, Y, labels = np.vstack([X, Xt]), np.vstack([Y, Yt]), labels + lt
            _need(table, q, index, fractions)
        else:
            index = divide(len(X), cfg.split, rng)
            _need(table, len(X), index, cfg.split)
        sequence = False
    train = index["train"]
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported just below
        x_scaler = scaling.fit(cfg.scaling, X[train], features)
        y_scaler = scaling.fit(cfg.scaling, Y[train], targets)
        ds = Dataset(X, Y, labels, label_name, index, features, targets, sequence,
                     x_scaler, y_scaler, **extra)
    for values, s, names in ((ds.Xs, x_scaler, features), (ds.Ys, y_scaler, targets)):
        bad = ~(np.isfinite(values).all(axis=0) & np.isfinite(s.offset) & np.isfinite(s.scale))
        if bad.any():
            which = ", ".join(np.array(names)[bad])
            raise InputError(f"{shown(d.path)}: column(s) {which}: values "
                             f"too large to scale with {cfg.scaling} in float64")
    return ds


def samples(d: DataConfig, table: Table, targets_needed: bool = True):
    """The samples of one table as the data settings ``d`` build them:
    (X (N, D), Y (N, K) or None when the target columns are absent and not needed, labels,
    label name, feature names, target names, series extras (see :class:`Dataset`))."""
    if d.series is not None:
        return _series(d, table)
    Y_absent = not targets_needed and not all(t in table.header for t in d.targets)
    if Y_absent:
        X = np.column_stack([table.numbers(c, "data.inputs") for c in d.inputs])
        labels = table.column(d.time, "data.time") if d.time else [str(i) for i in range(len(X))]
        return X, None, [s.strip() for s in labels], d.time or "row", list(d.inputs), \
            list(d.targets), {}
    X, Y, labels, label_name = _tabular(d, table)
    return X, Y, labels, label_name, list(d.inputs), list(d.targets), {}


def _series(d: DataConfig, table: Table):
    y = table.numbers(d.series, "data.series")
    labels = [s.strip() for s in table.column(d.time, "data.time")] if d.time else \
        [str(i) for i in range(len(y))]
    lags = tuple(sorted(d.lags))
    tf = SeriesTransform(d.transform.log, tuple(d.transform.difference))
    if tf.log and (y <= 0).any():
        i = int(np.flatnonzero(y <= 0)[0])
        raise InputError(f"{table.path}: line {table.lines[i]}, column {d.series}: {y[i]:g} has "
                         "no logarithm (data.transform.log needs positive values)")
    months = months_of(labels, table, d.time) if d.month else None
    stages = tf.stages(y)
    X, Y = series_samples(stages[-1], lags, months, tf.lost)
    start = tf.lost + max(lags)
    positions = np.arange(start, max(start, len(y)))
    features = [f"{d.series}[t-{lag}]" for lag in lags] + (["month"] if d.month else [])
    if not tf.identity:   # name the transformed series, e.g. diff12(diff1(log(passengers)))
        name = f"log({d.series})" if tf.log else d.series
        for k in tf.differences:
            name = f"diff{k}({name})"
        features = [f"{name}[t-{lag}]" for lag in lags] + (["month"] if d.month else [])
    extra = {"targets": y[positions, None], "series": y, "series_labels": labels,
             "positions": positions, "months": months, "transform": tf, "stages": stages,
             "lags": lags, "period": d.period}
    return X, Y, labels[start:], d.time or "t", features, [d.series], extra


def _tabular(d: DataConfig, table: Table):
    X = np.column_stack([table.numbers(c, "data.inputs") for c in d.inputs])
    Y = np.column_stack([table.numbers(c, "data.targets") for c in d.targets])
    labels = table.column(d.time, "data.time") if d.time else [str(i) for i in range(len(X))]
    return X, Y, [s.strip() for s in labels], d.time or "row"


def _need(table: Table, q: int, index: dict[str, np.ndarray], fractions: SplitConfig,
          lost: int = 0, why: str = "") -> None:
    """At least two training samples (mapstd's sample std needs N - 1 >= 1)."""
    n_train = len(index.get("train", ()))
    if n_train >= 2:
        return
    need = 2
    while need - int(np.floor(fractions.val * need + 1e-9)) \
            - int(np.floor(fractions.test * need + 1e-9)) < 2:
        need += 1
    extra = f" ({why})" if why else ""
    raise InputError(f"{table.path}: {len(table.rows)} data rows give {max(q, 0)} samples{extra}, "
                     f"{n_train} of them for training; at least {need + lost} rows are needed "
                     "for 2 training samples")

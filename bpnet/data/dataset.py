"""Input stage: the samples of a run, divided into parts and scaled.

``load(cfg, rng)`` reads the CSV data (:mod:`~bpnet.data.table`), builds the samples
(:mod:`~bpnet.data.samples`), divides them (docs/semantics.md#data-division,
:mod:`~bpnet.data.division`), fits a series' Box-Cox lambda (``boxcox: auto``,
docs/semantics.md#series-transforms) and the scaling on the training part only
(docs/semantics.md#scaling). Tabular data may bring its test set in its own file.
"""
from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field

import numpy as np

from bpnet.config import Config, DataConfig, SplitConfig
from bpnet.data import scaling
from bpnet.data.division import PARTS, divide, part_sizes
from bpnet.data.missing import MissingReport
from bpnet.data.samples import (
    Samples,
    Series,
    build_samples,
    delays_text,
    first_time,
    select_columns,
)
from bpnet.data.table import Table
from bpnet.data.timeaxis import read_axis
from bpnet.data.transforms import fit_boxcox
from bpnet.data.wide import read_data
from bpnet.errors import InputError
from bpnet.paths import shown

BLOCK = 65_536   # rows scaled at a time to check that scaling keeps them finite
DESIGN_ROWS = 100_000   # rows of a part's inputs scaled into its design matrix at a time


@dataclass
class Dataset:
    """All samples in original units and in scaled units, with the index of each part.

    ``X`` (Q, D) and ``Y`` (Q, K) hold every sample in file/time order, as the network sees
    them before scaling (for a transformed series: on the transformed series); ``targets``
    (Q, K) are the targets in original units. ``index[part]`` are the sorted rows of each part
    present (train always; val and test when non-empty). ``sequence`` is true when all samples
    form one time series (series mode): a recurrent network then runs them as one sequence;
    otherwise each part is its own sequence. In series mode ``series`` describes the series the
    samples come from (:class:`~bpnet.data.samples.Series`); in tabular mode it is None. With
    ``classes`` (classification) ``Y`` holds one-hot rows (Q, K), never scaled. ``Xs`` and
    ``Ys`` are ``X`` and ``Y`` scaled; ``Xs`` is made when first asked for.
    ``missing`` reports what was done about missing values, per file (empty: nothing). A
    NaN in ``Y`` (and ``targets``) is no target: left out of perf and of every metric.
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
    series: Series | None = None
    classes: list[str] | None = None     # classification: the class of each output unit
    missing: list[MissingReport] = field(default_factory=list)
    targets: np.ndarray = field(init=False)
    Ys: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.Ys = self.y_scaler.transform(self.Y)
        self.targets = self.Y if self.series is None else self.series.targets

    @functools.cached_property
    def Xs(self) -> np.ndarray:
        """Every sample's inputs (Q, D), scaled. Made when first asked for: the linear
        baseline scales its own design matrix first (:meth:`design`), so that a large data
        set never holds the two at once."""
        return self.x_scaler.transform(self.X)

    def for_model(self, exog: bool = True) -> Dataset:
        """The samples a model sees: all of them, or with ``exog`` false (the model's
        ``exog: false``) the same samples without their exogenous inputs (the first D_x
        columns, docs/semantics.md#exogenous-inputs), a series-only network to compare with."""
        if exog or self.series is None or self.series.exog is None:
            return self
        k = self.series.exog.size
        sc = self.x_scaler
        x_scaler = scaling.Scaler(sc.method, sc.offset[k:], sc.factor[k:],
                                  None if sc.constant is None else sc.constant[k:])
        return dataclasses.replace(self, X=self.X[:, k:], feature_names=self.feature_names[k:],
                                   x_scaler=x_scaler,
                                   series=dataclasses.replace(self.series, exog=None))

    def to_original(self, y_model: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """One-step predictions (n, K) of samples ``idx``, unscaled but still transformed ->
        (n, K) in original units, the transform inverted with the actual past values."""
        return y_model if self.series is None else self.series.to_original(y_model, idx)

    def to_network(self, y: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Predictions (n, K) of samples ``idx`` in original units -> (n, K) as the network
        outputs them: on the transformed series (:meth:`to_original` undone), scaled."""
        w = y if self.series is None else self.series.to_model(y, idx)
        return self.y_scaler.transform(w)

    @property
    def parts(self) -> list[str]:
        return [p for p in PARTS if p in self.index]

    def scaled(self, part: str) -> tuple[np.ndarray, np.ndarray]:
        """(X (n, D), Y (n, K)) of one part, scaled: read-only views of ``Xs`` and ``Ys``
        when the part's samples are consecutive (``split.method: block``), else copies."""
        idx = self.index[part]
        return rows_of(self.Xs, idx), rows_of(self.Ys, idx)

    def design(self, part: str) -> tuple[np.ndarray, np.ndarray]:
        """(A (n, 1 + D), Y (n, K)) of one part: A a column of ones, then the inputs scaled as
        ``Xs`` holds them (the same numbers), in Fortran order, made without ``Xs``; Y as
        :meth:`scaled` gives it."""
        idx = self.index[part]
        A = np.empty((len(idx), 1 + self.X.shape[1]), order="F")
        A[:, 0] = 1.0
        for start in range(0, len(idx), DESIGN_ROWS):   # no copy of the part's inputs
            rows = idx[start:start + DESIGN_ROWS]
            self.x_scaler.transform(self.X[rows], out=A[start:start + len(rows), 1:])
        return A, rows_of(self.Ys, idx)

    def part_of(self) -> list[str]:
        """The part name of every sample, (Q,)."""
        out = [""] * len(self.X)
        for part, idx in self.index.items():
            for i in idx:
                out[i] = part
        return out


def rows_of(a: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """The rows ``idx`` (n,) (sorted) of ``a`` (Q, ...): when they are consecutive and ``a``
    is C-contiguous, a view that cannot be written (laid out as a copy would be, so every
    sum and product over it gives the same numbers); else a copy."""
    if len(idx) and a.flags.c_contiguous and idx[-1] - idx[0] == len(idx) - 1 and \
            np.array_equal(idx, np.arange(idx[0], idx[0] + len(idx))):
        view = a[int(idx[0]):int(idx[0]) + len(idx)]
        view.flags.writeable = False
        return view
    return a[idx]


def load(cfg: Config, rng: np.random.Generator) -> Dataset:
    """Read the data named by the config, build and divide the samples, fit the scaling."""
    table = read_data(cfg.data.path, cfg.data)
    # a .mat file's variables, named in the config, become the columns of the table
    cfg = dataclasses.replace(cfg, data=select_columns(cfg.data, table))
    d = cfg.data
    s = build_samples(_provisional(d), table)
    reports = [s.missing]
    if d.test_path is not None:
        s, index, test_report = _with_test_file(cfg, table, s, rng)
        reports.append(test_report)
    else:
        split = _counted(cfg.split, s, table, d)
        index = divide(len(s.X), split, rng)
        _need(table, len(s.X), index, split, *_history(d, s))
    if d.transform.boxcox == "auto":
        s = _fitted(d, table, s, index["train"])
    if cfg.forecast.horizon is not None and "test" not in index:
        raise InputError(f"{table.path}: forecast: {len(s.X)} samples leave none for the test "
                         f"part it forecasts (split.test: {cfg.split.test:g})")
    if cfg.forecast.horizon is not None and s.series.exog is not None:
        _future_exog(cfg, table, s.series, index)
    del table   # a large file's table goes before the scaled copies of its samples come
    ds = _scaled(cfg, s, index)
    ds.missing = [r for r in reports if r is not None and r.changed]
    return ds


def boxcox_note(cfg: Config, data: Dataset) -> str:
    """The end of the console's data line for a Box-Cox series: its lambda, and whether it
    was fitted; "" without a Box-Cox transform."""
    lam = data.series.transform.boxcox if data.series is not None else None
    if lam is None:
        return ""
    fitted = " (maximum likelihood on the training part)" \
        if cfg.data.transform.boxcox == "auto" else ""
    return f"; Box-Cox lambda {lam:.4g}{fitted}"


def _history(d: DataConfig, s: Samples) -> tuple[int, str]:
    """How many values of a series come before its first sample, and why (for messages);
    (0, "") for a table."""
    if s.series is None:
        return 0, ""
    lost = s.series.transform.lost
    return first_time(d), delays_text(d) + (f" after differencing by {lost}" if lost else "")


def _provisional(d: DataConfig) -> DataConfig:
    """The data settings the samples are first built with: ``boxcox: auto`` waits for the
    training part (:func:`_fitted`), a lambda of 1 standing in until then."""
    if d.transform.boxcox != "auto":
        return d
    return dataclasses.replace(d, transform=dataclasses.replace(d.transform, boxcox=1.0))


def _fitted(d: DataConfig, table: Table, s: Samples, train: np.ndarray) -> Samples:
    """The samples built again with the Box-Cox lambda fitted by maximum likelihood on the
    targets of the training part ``train`` (n,) (plus the shift), in original units."""
    y = s.series.targets[train, 0]
    lam = fit_boxcox(y[~np.isnan(y)] + d.transform.shift)
    return build_samples(dataclasses.replace(
        d, transform=dataclasses.replace(d.transform, boxcox=lam)), table)


def _counted(split: SplitConfig, s: Samples, table: Table, d: DataConfig) -> SplitConfig:
    """``split`` with the test part as a count of the last samples when split.test_from
    names its first time label; a count that leaves fewer than 2 training samples is an
    error naming its key."""
    if not split.counted:
        return split
    q = len(s.X)
    if split.test_from is None:
        n_train, n_val, _ = part_sizes(q, split)
        if n_train < 2:
            val = f" and the {n_val} of the val part" if n_val else ""
            raise InputError(f"{table.path}: split.test: the last {split.test} steps{val} "
                             f"leave {n_train} of the {q} samples for training; at least 2 "
                             "are needed")
        return split
    labels, first = _time_labels(s, d)
    key = f"{table.path}: split.test_from"
    i = _label_index(split.test_from, labels, s.series)
    if i is None:
        span = f" ({labels[0]} to {labels[-1]})" if labels else ""
        raise InputError(f"{key}: {split.test_from!r} is not a time label of column "
                         f"{d.time}{span}")
    counted = dataclasses.replace(split, test=q - max(i - first, 0))
    n_train = part_sizes(q, counted)[0]
    if n_train < 2:
        k = next((k for k in range(q) if
                  part_sizes(q, dataclasses.replace(split, test=q - k))[0] >= 2), None)
        earliest = "the data are too short for it" if k is None else \
            f"the test part can start at {labels[first + k]} at the earliest"
        why = f" ({_history(d, s)[1]}: the first sample is {labels[first]})" \
            if s.series is not None and first < len(labels) else ""
        raise InputError(f"{key}: {split.test_from} leaves {n_train} samples for training"
                         f"{why}; at least 2 are needed; {earliest}")
    return counted


def _time_labels(s: Samples, d: DataConfig) -> tuple[list[str], int]:
    """The time labels of a series' every step (or of a table's samples) and the index among
    them of the first sample."""
    if s.series is None:
        return list(s.labels), 0
    series = s.series
    first = int(series.positions[0]) if len(series.positions) else first_time(d)
    return series.labels, first


def _label_index(label: str, labels: list[str], series: Series | None) -> int | None:
    """Where ``label`` is among ``labels``: the same text, or the same time on the series'
    time axis (1957-7 for 1957-07); None when it is not there."""
    if label in labels:
        return labels.index(label)
    axis = series.axis if series is not None else None
    if axis is None:
        return None
    try:
        one = read_axis([label], lambda i: label)
    except InputError:
        return None
    if one is None or one.unit != axis.unit:
        return None
    hits = np.flatnonzero(axis.positions == one.positions[0])
    return int(hits[0]) if len(hits) else None


def resolved(cfg: Config, data: Dataset) -> Config:
    """``cfg`` with the data settings the data decided, as config.yaml and a saved model
    record them: the seasonal period of a series (``data.period`` not given: from its time
    step); the columns of a table's inputs (those ``all``, a pattern or a .mat variable
    names) and targets."""
    if data.series is None:
        targets = cfg.data.targets if data.classes is not None else data.target_names
        return dataclasses.replace(cfg, data=dataclasses.replace(
            cfg.data, inputs=tuple(data.feature_names), targets=tuple(targets)))
    return dataclasses.replace(cfg, data=dataclasses.replace(cfg.data,
                                                             period=data.series.period))


def _future_exog(cfg: Config, table: Table, series: Series, index: dict[str, np.ndarray]
                 ) -> None:
    """A forecast horizon longer than the data must find its future exogenous values in the
    file (rows after the series' last value), or the run stops before training."""
    first = int(index["test"][0])
    steps = len(index["test"]) if cfg.forecast.horizon == "test" else int(cfg.forecast.horizon)
    try:
        series.exog.rows(int(series.positions[first]), steps)
    except InputError as exc:
        raise InputError(f"{table.path}: forecast.horizon: {exc}") from None


def _with_test_file(cfg: Config, table: Table, s: Samples, rng: np.random.Generator
                    ) -> tuple[Samples, dict[str, np.ndarray], MissingReport | None]:
    """The samples of the training file followed by those of the test file, the parts (the
    split divides the training file into train/val; the test set is its own file) and what
    was done about missing values of the test file."""
    classes = s.target_names if cfg.data.classes is not None else None
    test = build_samples(cfg.data, read_data(cfg.data.test_path, cfg.data), classes=classes)
    q = len(s.X)
    fractions = SplitConfig(cfg.split.method, 1.0 - cfg.split.val, cfg.split.val, 0.0)
    index = divide(q, fractions, rng)
    index["test"] = np.arange(q, q + len(test.X))
    both = Samples(np.vstack([s.X, test.X]), np.vstack([s.Y, test.Y]), s.labels + test.labels,
                   s.label_name, s.feature_names, s.target_names)
    _need(table, q, index, fractions)
    return both, index, test.missing


def _scaled(cfg: Config, s: Samples, index: dict[str, np.ndarray]) -> Dataset:
    """The Dataset of the samples ``s``, the scaling fitted on the training part; a column
    too large to scale in float64 is an error (a NaN target is no target, not an error)."""
    train = index["train"]
    features, targets = s.feature_names, s.target_names
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported just below
        x_scaler = scaling.fit(cfg.scaling, rows_of(s.X, train), features)
        classes = list(targets) if cfg.data.classes is not None else None
        # one-hot targets are never scaled (docs/semantics.md#classification)
        y_scaler = scaling.fit("none" if classes else cfg.scaling, rows_of(s.Y, train),
                               targets)
        ds = Dataset(s.X, s.Y, s.labels, s.label_name, index, features, targets,
                     s.series is not None, x_scaler, y_scaler, s.series, classes)
        scales = ((_scalable(x_scaler, s.X), x_scaler, features),
                  (_scalable(y_scaler, s.Y), y_scaler, targets))
    for ok, sc, names in scales:
        bad = ~(ok & np.isfinite(sc.offset) & np.isfinite(sc.scale))
        if bad.any():
            which = ", ".join(np.array(names)[bad])
            raise InputError(f"{shown(cfg.data.path)}: column(s) {which}: values "
                             f"too large to scale with {cfg.scaling} in float64")
    return ds


def _scalable(sc: scaling.Scaler, raw: np.ndarray) -> np.ndarray:
    """(D,) bool: per column of ``raw`` (N, D), whether every value scaled with ``sc`` is
    finite or was NaN already (scaled a block of rows at a time: no copy of all of them)."""
    ok = np.ones(raw.shape[1], dtype=bool)
    for start in range(0, len(raw), BLOCK):
        block = raw[start:start + BLOCK]
        ok &= (np.isfinite(sc.transform(block)) | np.isnan(block)).all(axis=0)
    return ok


def _need(table: Table, q: int, index: dict[str, np.ndarray], fractions: SplitConfig,
          lost: int = 0, why: str = "") -> None:
    """At least two training samples (mapstd's sample std needs N - 1 >= 1)."""
    n_train = len(index.get("train", ()))
    if n_train >= 2:
        return
    if fractions.method == "index":
        raise InputError(f"split.train: lists {n_train} sample(s); at least 2 are needed")
    need = 2
    while part_sizes(need, fractions)[0] < 2:
        need += 1
    extra = f" ({why})" if why else ""
    raise InputError(f"{table.path}: {len(table.rows)} data rows give {max(q, 0)} samples{extra}, "
                     f"{n_train} of them for training; at least {need + lost} rows are needed "
                     "for 2 training samples")

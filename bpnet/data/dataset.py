"""Input stage: the samples of a run, divided into parts and scaled.

``load(cfg, rng)`` reads the CSV data (:mod:`~bpnet.data.table`), builds the samples
(:mod:`~bpnet.data.samples`), divides them (docs/semantics.md#data-division,
:mod:`~bpnet.data.division`)
and fits the scaling on the training part only (docs/semantics.md#scaling). Tabular data may bring
its
test set in its own file.
"""
from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field

import numpy as np

from bpnet.config import Config, SplitConfig
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
    s = build_samples(d, table)
    reports = [s.missing]
    if d.series is not None:
        index = divide(len(s.X), cfg.split, rng)
        lost = s.series.transform.lost
        why = delays_text(d) + (f" after differencing by {lost}" if lost else "")
        _need(table, len(s.X), index, cfg.split, first_time(d), why)
    elif d.test_path is not None:
        s, index, test_report = _with_test_file(cfg, table, s, rng)
        reports.append(test_report)
    else:
        index = divide(len(s.X), cfg.split, rng)
        _need(table, len(s.X), index, cfg.split)
    if cfg.forecast.horizon is not None and "test" not in index:
        raise InputError(f"{table.path}: forecast: {len(s.X)} samples leave none for the test "
                         f"part it forecasts (split.test: {cfg.split.test:g})")
    if cfg.forecast.horizon is not None and s.series.exog is not None:
        _future_exog(cfg, table, s.series, index)
    del table   # a large file's table goes before the scaled copies of its samples come
    ds = _scaled(cfg, s, index)
    ds.missing = [r for r in reports if r is not None and r.changed]
    return ds


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

"""Input stage: the checks that span several keys of a config, and its paths resolved.

Each key on its own is checked by the schema (:mod:`bpnet.config.schema`); here are the rules
that tie keys together (series or tabular data, what a forecast needs, fractions summing to 1)
and the resolution of relative paths: against the config file's folder when written in it,
against the current folder when typed on the command line.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from bpnet.config.schema import (
    SQUARED_ERROR_RULES,
    Config,
    DataConfig,
    SplitConfig,
    TransformConfig,
    is_count,
)
from bpnet.errors import InputError
from bpnet.nets.registry import LAYERED
from bpnet.paths import checked

# the data keys of series mode only, refused (and not written back) in tabular mode
SERIES_ONLY = ("lags", "month", "quarter", "week", "weekday", "period", "transform", "sort",
               "score_filled", "wide", "exog", "exog_transform")
# the names of the baselines in the report (bpnet.report.baselines): a model may not take one,
# or its columns would be confused with the baseline's
BASELINE_NAMES = ("train_mean", "ols", "naive", "seasonal_naive", "majority", "logistic")


def complete_config(cfg: Config, raw_split, where: str) -> Config:
    """``cfg`` with what its keys imply but do not write: a wide table's series labelled by
    the wide table's time column (unless data.time names another), the parts
    ``split.method: index`` leaves unlisted empty, and with the test part as the last steps
    (split.test_from, or a count in split.test) no fraction of train (the rest) nor of test;
    ``raw_split`` is the split block as written."""
    data = cfg.data
    if data.wide is not None and data.series is not None and data.time is None:
        cfg = dataclasses.replace(cfg, data=dataclasses.replace(data, time=data.wide.time))
    cfg = _complete_counted_split(cfg, raw_split, where)
    return _complete_index_split(cfg, raw_split, where)


def check_config(cfg: Config, raw_data, where: str) -> None:
    """Every cross-key rule, in a fixed order; ``raw_data`` is the data block as written."""
    if cfg.data.series is None and isinstance(raw_data, dict):
        for key in SERIES_ONLY:   # would be silently unused
            if raw_data.get(key) not in (None, False):
                raise InputError(f"{where}: data.{key} is for a series (data.series); "
                                 "tabular mode uses data.inputs and data.targets")
    for name, m in cfg.models.items():
        if not m.exog and not cfg.data.exog:
            raise InputError(f"{where}: models.{name}.exog: false leaves out data.exog's "
                             "inputs, and there are none")
        if not m.exog and not cfg.data.lags and not any(
                getattr(cfg.data, f) for f in ("month", "quarter", "week", "weekday")):
            raise InputError(f"{where}: models.{name}.exog: false leaves no input (data.lags "
                             "is empty)")
        if name in BASELINE_NAMES:
            raise InputError(f"{where}: models.{name}: {name!r} is the name of a baseline in "
                             "the report; give the model another name")
    if cfg.combine and cfg.runs < 2:
        raise InputError(f"{where}: combine: {cfg.combine} averages the runs of each model; "
                         f"set runs: 2 or more (runs is {cfg.runs})")
    _check_data(cfg.data, where)
    _check_columns(cfg.data, where)
    _check_perform(cfg, where)
    _check_missing(cfg.data, where)
    _check_split(cfg, where)
    _check_forecast(cfg, where)


def _check_data(data: DataConfig, where: str) -> None:
    if data.series is not None:
        for key in ("inputs", "targets"):
            if getattr(data, key):
                raise InputError(f"{where}: data.{key} is for tabular mode; with data.series "
                                 "the inputs are the lags (and month)")
        if data.test_path is not None:
            raise InputError(f"{where}: data.test_path is for tabular mode (data.inputs/"
                             "data.targets); a series is divided by split")
        if data.classes is not None:
            raise InputError(f"{where}: data.classes is for tabular mode (data.inputs and a "
                             "class column); a series is forecast, not classified")
    else:
        if data.classes is not None and data.targets:
            raise InputError(f"{where}: data: give either targets (regression) or classes "
                             "(a class-label column), not both")
        if not data.inputs or not (data.targets or data.classes is not None):
            raise InputError(f"{where}: data: give either series (with lags) or both inputs "
                             "and targets (or inputs and classes)")
    if data.series is None and not data.transform.identity:
        raise InputError(f"{where}: data.transform is for a series (data.series)")
    _check_transform(data.transform, "data.transform", where)
    if data.series is not None:
        _check_exog(data, where)
    for feature in ("month", "quarter", "week", "weekday"):
        if getattr(data, feature) and data.time is None:
            raise InputError(f"{where}: data.{feature}: needs data.time, the column of time "
                             "labels (YYYY-MM, YYYY-MM-DD, ...)")


def _check_exog(data: DataConfig, where: str) -> None:
    """Exogenous columns (docs/semantics.md#exogenous-inputs): other columns than the series and the
    time,
    with a wide table never (it holds one series); no lags only beside them."""
    for name in data.exog:
        if name == data.series:
            raise InputError(f"{where}: data.exog.{name}: {name!r} is the series itself; its "
                             "own past values are data.lags (MATLAB's feedbackDelays)")
        if name == data.time:
            raise InputError(f"{where}: data.exog.{name}: {name!r} is the time column")
    if data.exog and data.wide is not None:
        raise InputError(f"{where}: data.exog: a wide table (data.wide) holds one series and "
                         "no other columns")
    if not data.lags and not data.exog:
        raise InputError(f"{where}: data.lags: an empty list needs data.exog (a time-delay "
                         "network has exogenous inputs only); a series alone needs lags")
    tf = data.exog_transform
    if not tf.identity and not data.exog:
        raise InputError(f"{where}: data.exog_transform: there is no data.exog column to "
                         "transform")
    for key, given in (("boxcox", tf.boxcox is not None), ("shift", tf.shift != 0)):
        if given:
            raise InputError(f"{where}: data.exog_transform.{key}: is for the series "
                             "(data.transform); the exogenous columns take log and "
                             "differences")


def _check_transform(tf: TransformConfig, key: str, where: str) -> None:
    """log and boxcox are two ways of one step (boxcox: 0 is the log); a shift is added
    before one of them."""
    if tf.log and tf.boxcox is not None:
        raise InputError(f"{where}: {key}: log and boxcox together; give one (boxcox: 0 is "
                         "the log)")
    if tf.shift and not tf.log and tf.boxcox is None:
        raise InputError(f"{where}: {key}.shift: is added before log or boxcox, and neither "
                         "is given")


def _check_missing(data: DataConfig, where: str) -> None:
    if data.series is not None and data.missing == "drop":
        raise InputError(f"{where}: data.missing: drop would take rows out of the series and "
                         "break its lags (lag 1 would no longer be the step before); use "
                         "interpolate (or previous) for a series")
    if data.score_filled and data.missing not in ("interpolate", "previous"):
        raise InputError(f"{where}: data.score_filled: only with data.missing: interpolate "
                         "or previous (nothing else fills values)")


def _check_perform(cfg: Config, where: str) -> None:
    """crossentropy is for class targets and for the rules that take any perf; a recurrent
    network's softmax output has no Jacobian for trainlm and trainbr."""
    blocks = [("train", cfg.train, None)] + [(f"models.{n}.train", m.train, m)
                                             for n, m in cfg.models.items()]
    for path, tc, m in blocks:
        if tc.perform == "crossentropy" and cfg.data.classes is None:
            raise InputError(f"{where}: {path}.perform: crossentropy needs class targets "
                             "(data.classes); regression uses mse")
        if tc.perform == "crossentropy" and tc.algorithm in SQUARED_ERROR_RULES:
            raise InputError(
                f"{where}: {path}.algorithm: {tc.algorithm} takes mse only (its Gauss-Newton "
                "step needs a sum of squared errors), and the perform here is crossentropy; "
                "choose trainscg (the default for classification) or another gradient rule, "
                "or set perform: mse")
        if m is not None and m.type not in LAYERED and m.transfer[-1] == "softmax" \
                and tc.algorithm in SQUARED_ERROR_RULES:
            raise InputError(f"{where}: {path}.algorithm: {tc.algorithm} needs the Jacobian "
                             f"of the outputs, which bpnet does not compute through a "
                             f"{m.type} network's softmax output; choose trainscg")


def _check_forecast(cfg: Config, where: str) -> None:
    if cfg.forecast.intervals and cfg.data.series is None:
        raise InputError(f"{where}: forecast.intervals: needs a series (data.series with lags)")
    if cfg.forecast.horizon is None:
        return
    if cfg.data.series is None:
        raise InputError(f"{where}: forecast: needs a series (data.series with lags)")
    if cfg.split.method != "block":
        raise InputError(f"{where}: forecast: starts from the end of the training part, "
                         "so it needs split.method: block")
    if cfg.split.test == 0 and cfg.split.test_from is None:
        raise InputError(f"{where}: forecast: needs a test part to forecast (split.test)")


def _check_split(cfg: Config, where: str) -> None:
    """Fractions that add up to 1, or with ``method: index`` lists of sample numbers."""
    split = cfg.split
    if split.method == "index":
        if cfg.data.test_path is not None:
            raise InputError(f"{where}: split.method: index lists the samples of one file; "
                             "with data.test_path use a fraction method")
        return
    for part in ("train", "val", "test"):
        if isinstance(getattr(split, part), tuple):
            raise InputError(f"{where}: split.{part}: a list of sample numbers needs "
                             "split.method: index (MATLAB's divideind)")
    if split.counted or is_count(split.val):
        _check_counted_split(cfg, where)
        return
    total = split.train + split.val + split.test
    if abs(total - 1.0) > 1e-9:
        raise InputError(f"{where}: split: train + val + test must be 1, got {total:g}")


def _check_counted_split(cfg: Config, where: str) -> None:
    """The test part as the last steps (split.test_from, or a count in split.test): a block
    at the end of the samples of one file, from a time label only with data.time; a count
    of val steps only beside it."""
    split = cfg.split
    key = "split.test_from" if split.test_from is not None else "split.test"
    if not split.counted:
        raise InputError(f"{where}: split.val: a count of steps ({split.val}) needs the test "
                         "part as the last steps too (split.test_from, or a count in "
                         "split.test); otherwise give a fraction")
    if cfg.data.test_path is not None:
        raise InputError(f"{where}: {key}: data.test_path is the test part already")
    if split.test_from is not None and cfg.data.time is None:
        raise InputError(f"{where}: split.test_from: a time label needs data.time, the "
                         "column of time labels")


def _complete_counted_split(cfg: Config, raw_split, where: str) -> Config:
    """With the test part as the last steps, train is the rest (None): a train fraction
    given must make 1 with val's fraction (of the samples before the test part); with
    split.test_from, a test given too is an error (test None)."""
    split = cfg.split
    if not split.counted:
        return cfg
    if split.method != "block":
        key = "split.test_from" if split.test_from is not None else "split.test"
        raise InputError(f"{where}: {key}: the test part is then the last steps of the "
                         f"data, which needs split.method: block, not {split.method}")
    given = raw_split if isinstance(raw_split, dict) else {}
    how = "split.test_from" if split.test_from is not None else "a count in split.test"
    if split.test_from is not None and given.get("test") is not None:
        raise InputError(f"{where}: split.test: split.test_from says where the test part "
                         "starts; give one of them")
    train = given.get("train")
    if train is not None and (is_count(split.val) or not isinstance(split.train, float)
                              or abs(split.train + split.val - 1.0) > 1e-9):
        raise InputError(f"{where}: split.train: with {how} the training part is what the "
                         "test and val parts leave; leave split.train out (or make train + "
                         "val = 1, fractions of the samples before the test part)")
    return dataclasses.replace(cfg, split=dataclasses.replace(
        split, train=None, test=None if split.test_from is not None else split.test))


def _complete_index_split(cfg: Config, raw_split, where: str) -> Config:
    """With ``split.method: index``, a part not listed is empty; a fraction given for a part
    (or the default fraction of train) is an error."""
    split = cfg.split
    if split.method != "index":
        return cfg
    given = raw_split if isinstance(raw_split, dict) else {}
    parts = {p: getattr(split, p) for p in ("train", "val", "test")}
    for part, value in parts.items():
        if is_count(value):
            raise InputError(f"{where}: split.{part}: with split.method: index, list the "
                             f"sample numbers of the part, e.g. [{value}]")
        if isinstance(value, float):
            if value != 0 and (given.get(part) is not None or part == "train"):
                raise InputError(f"{where}: split.{part}: with split.method: index, give the "
                                 "sample numbers of the part (1-based, e.g. 1:100), not a "
                                 "fraction")
            parts[part] = ()
    return dataclasses.replace(cfg, split=SplitConfig("index", **parts))


def resolve_paths(cfg: Config, base: Path, where: str, out_dir: str | None,
                  typed: frozenset[str] = frozenset(),
                  base_name: str = "the config file's folder", check_files: bool = False
                  ) -> Config:
    """``cfg`` with its data, init and output paths absolute, and the files it reads checked.

    A relative path written in the file resolves against ``base`` (the config file's folder,
    called ``base_name`` in messages); one typed on the command line (its key, or a block
    holding it, is in ``typed``: the keys given with ``--set``) and ``out_dir`` (``--out``)
    against the current folder. Without either, ``output.dir`` is ``results/<config stem>``
    in the current folder. With ``check_files``, a data or model file that does not exist is
    an error naming the key, the path as written and the path it resolved to.
    """
    def resolve(key: str, p: str | None, kind: str | None = None) -> str | None:
        if p is None:
            return None
        typed_here = _typed(key, typed)
        origin = f"--set {key}" if typed_here else f"{where}: {key}"
        q = Path(checked(p, origin)).expanduser()
        resolved = q if q.is_absolute() else ((Path.cwd() if typed_here else base) / q)
        resolved = resolved.resolve()
        if check_files and kind is not None and not resolved.exists():
            against = "the current folder" if typed_here else base_name
            raise InputError(f"{origin}: {kind} file not found: {p!r}, resolved against "
                             f"{against} to {resolved}")
        return str(resolved)

    data = dataclasses.replace(cfg.data, path=resolve("data.path", cfg.data.path, "data"),
                               test_path=resolve("data.test_path", cfg.data.test_path, "data"))
    if data.layout is not None and not data.path.lower().endswith(".mat"):
        raise InputError(f"{where}: data.layout: is for a .mat file's variables (one sample "
                         "per column or per row); a text file has one sample per row")
    models = {}
    for name, m in cfg.models.items():
        init = m.init
        if init not in ("nguyen-widrow", "uniform"):
            if not init.endswith((".npz", ".mat")):
                raise InputError(f"{where}: models.{name}.init: expected nguyen-widrow, uniform, "
                                 f"the path of a saved model .npz or of MATLAB weights .mat, "
                                 f"got {init!r}")
            init = resolve(f"models.{name}.init", init, "model")
        models[name] = dataclasses.replace(m, init=init)
    if out_dir is not None:
        out = str(Path(checked(out_dir, "--out")).expanduser().resolve())
    elif cfg.output.dir:
        out = resolve("output.dir", cfg.output.dir)
    else:
        out = str((Path("results") / Path(where).stem).resolve())
    return dataclasses.replace(cfg, data=data, models=models,
                               output=dataclasses.replace(cfg.output, dir=out))


def _typed(key: str, typed: frozenset[str]) -> bool:
    """Whether ``key`` was given on the command line: itself or a block holding it."""
    return any(key == t or key.startswith(t + ".") for t in typed)


def check_data_settings(data: DataConfig, where: str) -> None:
    """The cross-key rules of a data block on its own, as a saved model's recipe is checked."""
    _check_data(data, where)
    _check_columns(data, where)
    _check_missing(data, where)


def _check_columns(data: DataConfig, where: str) -> None:
    """Tabular columns named once each, and no target among the inputs (a network fed its own
    target learns nothing it could use)."""
    for key in ("inputs", "targets"):
        names = getattr(data, key)
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise InputError(f"{where}: data.{key}: {twice[0]!r} is named twice")
    for key, names in (("a target", data.targets), ("data.classes", data.class_columns)):
        both = [n for n in data.inputs if n in names]
        if both:
            raise InputError(f"{where}: data.inputs: {both[0]!r} is also {key}; a network "
                             "given its own target as an input predicts nothing")

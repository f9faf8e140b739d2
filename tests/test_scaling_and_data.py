"""mapstd/mapminmax, lagged samples, division, and fitting on the training part only."""

import numpy as np
import pytest

from bpnet import data
from bpnet.config import SplitConfig, build_config
from bpnet.data import scaling
from bpnet.errors import InputError


def test_mapstd_round_trip_and_statistics(rng):
    x = rng.normal(5, 3, size=(20, 3))
    s = scaling.fit("mapstd", x)
    y = s.transform(x)
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-14)
    np.testing.assert_allclose(y.std(axis=0, ddof=1), 1, rtol=1e-14)   # sample std, N - 1
    np.testing.assert_allclose(s.inverse_transform(y), x, rtol=1e-14)


def test_mapstd_hand_worked():
    s = scaling.fit("mapstd", np.array([[1.0], [2.0], [3.0]]))   # mean 2, std 1
    np.testing.assert_array_equal(s.transform(np.array([[4.0]])), [[2.0]])


def test_mapminmax_to_minus_one_one(rng):
    x = rng.uniform(-7, 11, size=(15, 2))
    s = scaling.fit("mapminmax", x)
    y = s.transform(x)
    np.testing.assert_allclose(y.min(axis=0), -1, atol=1e-14)
    np.testing.assert_allclose(y.max(axis=0), 1, atol=1e-14)
    np.testing.assert_allclose(s.inverse_transform(y), x, rtol=1e-13)


@pytest.mark.parametrize("method", ["mapstd", "mapminmax"])
def test_constant_column_is_centred_with_a_warning(method):
    x = np.array([[1.0, 4.0], [2.0, 4.0], [3.0, 4.0]])
    with pytest.warns(UserWarning, match="constant column.*b"):
        s = scaling.fit(method, x, ["a", "b"])
    y = s.transform(x)
    np.testing.assert_array_equal(y[:, 1], 0.0)
    np.testing.assert_allclose(s.inverse_transform(y), x)


def test_series_samples_windows():
    y = np.arange(10.0)
    X, Y = data.series_samples(y, (1, 3), np.arange(1, 11))
    assert X.shape == (7, 3) and Y.shape == (7, 1)
    # the first sample has t = 3: y[2], y[0], month[3] = 4; target y[3]
    np.testing.assert_array_equal(X[0], [2.0, 0.0, 4.0])
    assert Y[0, 0] == 3.0 and Y[-1, 0] == 9.0


def test_division_counts_and_methods():
    q = 143
    rng = np.random.default_rng(0)
    block = data.divide(q, SplitConfig("block", 0.7, 0.0, 0.3), rng)
    assert {k: len(v) for k, v in block.items()} == {"train": 101, "test": 42}
    assert block["train"][-1] == 100 and block["test"][0] == 101
    split = SplitConfig("random", 0.7, 0.15, 0.15)
    r1 = data.divide(q, split, np.random.default_rng(5))
    r2 = data.divide(q, split, np.random.default_rng(5))
    assert [len(r1[p]) for p in ("train", "val", "test")] == [101, 21, 21]
    for p in r1:
        np.testing.assert_array_equal(r1[p], r2[p])
        assert np.all(np.diff(r1[p]) > 0)
    assert sorted(np.concatenate(list(r1.values()))) == list(range(q))
    inter = data.divide(10, SplitConfig("interleaved", 0.6, 0.2, 0.2), rng)
    assert list(inter["train"]) == [0, 3, 6, 7, 8, 9]
    assert list(inter["val"]) == [1, 4] and list(inter["test"]) == [2, 5]


def passengers_cfg(root, **over):
    raw = {"data": {"path": str(root / "data/airline_passengers.csv"), "series": "passengers",
                    "time": "month", "lags": [1], "month": True},
           "split": {"method": "block", "train": 0.7, "val": 0.0, "test": 0.3},
           "models": {"bp": {"type": "feedforward"}}, **over}
    return build_config(raw, "test.yaml")


def test_passengers_samples_and_split(root):
    ds = data.load(passengers_cfg(root), np.random.default_rng(0))
    assert ds.X.shape == (143, 2)
    assert len(ds.index["train"]) == 101 and len(ds.index["test"]) == 42 and "val" not in ds.index
    assert ds.labels[0] == "1949-02" and ds.X[0].tolist() == [112.0, 2.0] and ds.Y[0, 0] == 118
    assert ds.Y.sum() + 112 == 40363   # every month but the first is a target


def test_scaling_ignores_the_test_part(root, tmp_path):
    text = (root / "data/airline_passengers.csv").read_text().splitlines()
    changed = text[:120] + [line.split(",")[0] + ",9999" for line in text[120:]]
    path = tmp_path / "changed.csv"
    path.write_text("\n".join(changed) + "\n")
    a = data.load(passengers_cfg(root), np.random.default_rng(0))
    cfg = passengers_cfg(root)
    b = data.load(build_config({**_raw(cfg), "data": {**_raw(cfg)["data"], "path": str(path)}},
                               "t.yaml"), np.random.default_rng(0))
    for s1, s2 in ((a.x_scaler, b.x_scaler), (a.y_scaler, b.y_scaler)):
        np.testing.assert_array_equal(s1.offset, s2.offset)
        np.testing.assert_array_equal(s1.scale, s2.scale)
    assert not np.array_equal(a.Ys, b.Ys)


def _raw(cfg):
    from bpnet.config import config_to_dict
    raw = config_to_dict(cfg)
    raw.pop("output")
    return raw


def test_tabular_with_test_file(tmp_path):
    rows = "\n".join(f"{i},{i * 0.5},{2 * i + 1}" for i in range(20))
    (tmp_path / "train.csv").write_text("a,b,y\n" + rows + "\n")
    (tmp_path / "test.csv").write_text("a,b,y\n1,2,3\n4,5,9\n")
    raw = {"data": {"path": str(tmp_path / "train.csv"), "inputs": ["a", "b"], "targets": ["y"],
                    "test_path": str(tmp_path / "test.csv")},
           "split": {"train": 0.8, "val": 0.2, "test": 0.0},
           "models": {"bp": {"type": "feedforward"}}}
    ds = data.load(build_config(raw, "t.yaml"), np.random.default_rng(0))
    assert [len(ds.index[p]) for p in ("train", "val", "test")] == [16, 4, 2]
    assert ds.X[-1].tolist() == [4.0, 5.0] and not ds.sequence


def test_bad_cells_name_line_and_column(tmp_path):
    (tmp_path / "d.csv").write_text("month,passengers\n2000-01,1\n2000-02,x\n")
    with pytest.raises(InputError, match=r"d.csv: line 3, column passengers: 'x' is not a num"):
        data.read_table(str(tmp_path / "d.csv")).numbers("passengers", "data.series")
    table = data.read_table(str(tmp_path / "d.csv"))
    with pytest.raises(InputError, match="no column 'pax'.*month, passengers"):
        table.numbers("pax", "data.series")


@pytest.mark.parametrize("method", ["block", "random"])
def test_parts_views_design_and_row_labels(tmp_path, method, monkeypatch):
    """A block division's parts are read-only views of the scaled samples, a random one's
    copies, with the same numbers either way; the linear baseline's design matrix holds
    exactly the scaled inputs; the row labels of a table without a time column behave as
    the list of row numbers they stand for."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((50, 3)) * [1.0, 10.0, 0.1] + [0.0, 5.0, -2.0]
    table = np.column_stack([X, X.sum(axis=1)]).tolist()
    rows = "\n".join(",".join(map(repr, r)) for r in table)
    (tmp_path / "d.csv").write_text("a,b,c,y\n" + rows + "\n")
    raw = {"data": {"path": str(tmp_path / "d.csv"), "inputs": ["a", "b", "c"], "targets": ["y"]},
           "split": {"method": method}, "models": {"bp": {"type": "feedforward"}}}
    ds = data.load(build_config(raw, "t.yaml"), np.random.default_rng(0))
    full = ds.x_scaler.transform(ds.X)
    for part, idx in ds.index.items():
        Xp, Yp = ds.scaled(part)
        np.testing.assert_array_equal(Xp, full[idx])
        np.testing.assert_array_equal(Yp, ds.Ys[idx])
        assert np.shares_memory(Xp, ds.Xs) == (method == "block")
        if method == "block":
            with pytest.raises(ValueError):
                Xp[0, 0] = 1.0
    A, Y = ds.design("train")
    assert A.flags.f_contiguous and (A[:, 0] == 1.0).all()
    np.testing.assert_array_equal(A[:, 1:], ds.scaled("train")[0])
    monkeypatch.setattr("bpnet.data.dataset.DESIGN_ROWS", 7)   # a few rows at a time: the same
    np.testing.assert_array_equal(ds.design("train")[0], A)
    labels = [str(i) for i in range(50)]
    assert ds.labels == labels and list(ds.labels) == labels and ds.labels[-2:] == labels[-2:]
    assert ds.labels + ["x"] == labels + ["x"] and ["x"] + ds.labels == ["x"] + labels
    assert np.asarray(ds.labels, dtype=str).dtype == np.asarray(labels, dtype=str).dtype

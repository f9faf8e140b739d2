"""A million rows: plain CSV files read by numpy's parser with the values and the errors of
the careful reader, pictures of many points drawn as few, long tables written fast
(docs/semantics.md#large-data)."""
import csv
import io
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpnet.config import DataConfig
from bpnet.data import build_samples, read_table
from bpnet.data.fastcsv import ColumnTable, read_fast
from bpnet.data.samples import RowNumbers
from bpnet.data.wide import read_data
from bpnet.errors import InputError
from bpnet.report import columns, dense
from bpnet.storage.fileio import number_cell

MILLION = 1_000_000


def bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64).view(np.int64)


def test_the_fast_path_reads_the_same_float64_as_python_float(tmp_path, rng):
    values = rng.standard_normal((3000, 4)) * 10.0 ** rng.integers(-300, 300, (3000, 4))
    texts = [[repr(float(v)) for v in row] for row in values]
    texts[0] = ["1e5", " +.5 ", "-0", "4.9e-324"]
    texts[1] = ["0." + "9" * 40, "1" * 30 + ".5e-20", "2.2250738585072011e-308",
                "1.7976931348623157e308"]
    path = tmp_path / "d.csv"
    path.write_text("a,b,c,d\n" + "".join(",".join(r) + "\n" for r in texts))
    fast = read_fast(str(path), "d.csv")
    slow = read_table(str(path))
    assert isinstance(fast, ColumnTable)
    assert fast.header == slow.header and list(fast.lines) == slow.lines
    assert len(fast.rows) == len(slow.rows) and fast.rows[7] == slow.rows[7]
    for name in slow.header:
        assert np.array_equal(bits(fast.numbers(name, "k")), bits(slow.numbers(name, "k")))
        assert fast.column(name, "k") == slow.column(name, "k")


PLAIN = "month;y;z\r\n2001-01;1.5;2\r\n2001-02;2.5;3\r\n"


@pytest.mark.parametrize("text, plain", [
    (PLAIN, True),                                            # ; and CRLF, a text column
    ("t;y\n2001-01;1.5\n2001-02;2.5", True),                   # no last newline
    ("t,y\n1,2.5\n2,nan\n3,4\n", False),                      # nan: read from its text
    ("t,y\n1,2.5\n2,NA\n3,\n", False),                        # missing cells
    ("t,y\nNA,2.5\n2,1\n", True),                             # t is text, y numbers
    ("t,y\n1,2\n,\n3,4\n", False),                            # a row of blank cells
    ("t,y\n1,2.5\n\n2,3\n", False),                           # a blank line: its line numbers
    ("t,y\n1,2.5\n2,3\n\n", False),                           # a blank line at the end
    ("t,y\n1,\"2.5\"\n", False),                              # quotes
    ("t,y\na,2.5\n\"b\",3\n", False),                          # quotes in a text column
    ("\ufeffx,y\n1,2\n", True),                               # a UTF-8 byte-order mark
    ("t,y\n1,2\n3\n", False),                                 # a short row
    ("t,y\n1,2\n3,4,5\n", False),                             # a long row
    ("t,y\na,2\nb\n", False),                                 # a short row, a text column
    ("t,y\na,2\nb,4,5\nc\n", False),                           # long and short, text
    ("t,y\n1,2\r3,4\r", False),                               # old Mac line ends
    ("t,t\n1,2\n", False),                                    # a name given twice
    ("t,y\n1,2\n2,1_000\n", False),                            # what float() alone reads
    ("t,y\n1,1_000\n2,2\n", True),                             # ... then y is text
    ("t,y\n1,2\n2,\u0663\u0661\n", False),                     # Arabic-Indic digits
    ("t,y\n1,inf\n", False),                                  # not finite: an error
    ("t,y\n1,2\n2,abc", False),                               # not a number, no last newline
])
def test_every_file_reads_as_the_careful_reader_reads_it(tmp_path, text, plain):
    path = tmp_path / "d.csv"
    path.write_bytes(text.encode("utf-8"))
    d = DataConfig(path=str(path), inputs=("t",) if "t," in text else ("y",),
                   targets=("y",), missing="drop")
    try:
        slow = read_table(str(path))
    except InputError as exc:
        assert not plain
        with pytest.raises(InputError) as got:
            read_data(str(path), d)
        assert str(got.value) == str(exc)
        return
    fast = read_data(str(path), d)
    assert isinstance(fast, ColumnTable) == plain
    assert fast.header == slow.header and list(fast.lines) == list(slow.lines)
    same_columns(fast, slow, equal_nan=True)


def same_columns(fast, slow, equal_nan: bool = False) -> None:
    """Every column of the table ``fast`` reads as the careful reader's ``slow``: the same
    text, and the same numbers bit for bit or the same error; so do all of them as one
    matrix (taken at once where they can be)."""
    for name in slow.header:
        assert fast.column(name, "k") == slow.column(name, "k")
        same_numbers(lambda t, name=name: t.numbers(name, "k"), fast, slow, equal_nan)
    matrix = same_numbers(lambda t: t.matrix(slow.header[::-1], "k"), fast, slow, equal_nan)
    assert matrix is None or (matrix.flags.c_contiguous and matrix.flags.writeable)


def same_numbers(read, fast, slow, equal_nan: bool):
    """``read(fast)`` is ``read(slow)`` bit for bit, or the same error (then None)."""
    try:
        want = read(slow)
    except InputError as exc:
        with pytest.raises(InputError) as got:
            read(fast)
        assert str(got.value) == str(exc)
        return None
    values = read(fast)
    assert np.array_equal(bits(values), bits(want), equal_nan=equal_nan)
    return values


def million(tmp_path, last: str, sep: str = ",", n: int = MILLION) -> DataConfig:
    """A million rows (or ``n``) of x,y (generated as bytes at once), the last one ``last``."""
    path = tmp_path / "big.csv"
    row = f"1.25{sep}-0.5\n".encode()
    path.write_bytes(f"x{sep}y\n".encode() + row * (n - 1) + last.encode())
    return DataConfig(path=str(path), inputs=("x",), targets=("y",))


def samples(d: DataConfig):
    return build_samples(d, read_data(d.path, d))


def test_a_million_clean_rows_take_the_fast_path(tmp_path):
    d = million(tmp_path, "2.5,3.5\n")
    table = read_data(d.path, d)
    assert isinstance(table, ColumnTable) and table.lines[-1] == MILLION + 1
    s = build_samples(d, table)
    assert s.X.shape == (MILLION, 1) and s.Y[-1, 0] == 3.5 and s.X[0, 0] == 1.25


@pytest.mark.parametrize("last, sep, message", [
    ("1.25,abc\n", ",", "line 100001, column y: 'abc' is not a number"),
    ("1.25,1e999\n", ",", "line 100001, column y: '1e999' is not a finite number"),
    ("1.25,-0.5,7\n", ",", "line 100001 has 3 cells, the header has 2"),
    ("1.25;2,5\n", ";", "line 100001, column y: '2,5' is not a number; for decimal commas "
                        "set data.decimal: ','"),
    ("1.25,\n", ",", "line 100001, column y: empty cell; set data.missing: drop"),
    ("1.25,1_5\n", ",", "line 100001, column y: '1_5' is not a number"),
])
def test_a_bad_cell_in_the_last_of_many_rows_is_named(tmp_path, last, sep, message):
    d = million(tmp_path, last, sep, 100_000)
    with pytest.raises(InputError) as exc:
        samples(d)
    assert str(exc.value).startswith(f"{d.path}: {message}"), str(exc.value)


@pytest.mark.parametrize("row, cell, message", [
    (2500, "abc", "line 2502, column y: 'abc' is not a number"),
    (2999, "", "line 3001, column y: empty cell"),
    (2500, "1,2", "line 2502 has 3 cells, the header has 2"),
    (100, "1_000", "line 102, column y: '1_000' is not a number"),
    (7, "\u0661\u0661\u0662", "line 9, column y: '\u0661\u0661\u0662' is not a number"),
])
def test_a_bad_cell_of_a_plain_file_is_named(tmp_path, row, cell, message):
    path = tmp_path / "d.csv"
    rows = [f"{i}.5,{i}.25" for i in range(3000)]
    rows[row] = f"{row}.5,{cell}"
    path.write_text("x,y\n" + "\n".join(rows) + "\n")
    d = DataConfig(path=str(path), inputs=("x",), targets=("y",))
    with pytest.raises(InputError) as want:
        build_samples(d, read_table(str(path)))
    with pytest.raises(InputError) as got:
        samples(d)
    assert str(got.value) == str(want.value)
    assert str(got.value).startswith(f"{path}: {message}")


def test_the_cells_of_the_vectorised_writer_are_number_cell(rng):
    x = np.concatenate([rng.standard_normal(1000) * 10.0 ** rng.integers(-320, 300, 1000),
                        [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e16, 1e-5, 123456789.0]])
    assert columns.number_cells(x) == [number_cell(v) for v in x]
    for one in ([2.5] * 4, [-0.0] * 3, [np.nan] * 2, [0.0, -0.0], [-0.0, 0.0], [1e300, np.inf]):
        assert columns.number_cells(np.array(one)) == [number_cell(v) for v in one]


def test_a_long_table_is_written_in_blocks_as_the_csv_writer_writes_it(monkeypatch, rng):
    monkeypatch.setattr(columns, "ROWS", 7)
    split = ["train"] * 50   # one block's rows need quotes, the others' do not
    split[20], split[31] = "train, a", 'say "b"'
    cols = [("label", [f"r {i}" for i in range(50)]), ("split", split),
            ("y", rng.standard_normal(50)), ("p", np.where(np.arange(50) % 9, 1.0, np.nan))]
    fh = io.StringIO()
    columns.write_columns(fh, cols)
    want = io.StringIO()
    w = csv.writer(want, lineterminator="\n")
    w.writerow([n for n, _ in cols])
    w.writerows(zip(*[v if isinstance(v, list) else [number_cell(x) for x in v]
                      for _, v in cols]))
    assert fh.getvalue() == want.getvalue()


def test_text_a_spreadsheet_would_run_as_a_formula_is_written_after_a_quote():
    labels = ["=1+1", "+cmd", "-2.5", "@SUM(A1)", "-", "ok", "-inf", "\tx", "1e5", "+3",
              "=HYPERLINK(\"x\",\"y\")", "a=b", "-1_0"]
    fh = io.StringIO()
    columns.write_columns(fh, [("=name", labels), ("y", np.arange(len(labels)) - 5.0)])
    head, *rows = csv.reader(io.StringIO(fh.getvalue()))
    assert head == ["'=name", "y"]
    assert [r[0] for r in rows] == ["'=1+1", "'+cmd", "-2.5", "'@SUM(A1)", "'-", "ok", "'-inf",
                                    "'\tx", "1e5", "+3", "'=HYPERLINK(\"x\",\"y\")", "a=b",
                                    "'-1_0"]
    assert [r[1] for r in rows][:2] == ["-5.0", "-4.0"]   # numbers as they are


def test_class_labels_in_predictions_csv_are_not_formulas(tmp_path):
    from bpnet.cli import main
    kinds = ["=2+5", "@cmd", "-x"]
    rows = "".join(f"{i % 7},{i % 3},{kinds[i % 3]}\n" for i in range(30))
    (tmp_path / "d.csv").write_text("a,b,kind\n" + rows)
    (tmp_path / "c.yaml").write_text(
        "data: {path: d.csv, inputs: [a, b], classes: kind}\n"
        "models: {bp: {type: feedforward, hidden: [3]}}\ntrain: {epochs: 2, show: 0}\n")
    assert main([str(tmp_path / "c.yaml"), "--out", str(tmp_path / "o"), "--no-plots",
                 "--quiet"]) == 0
    with open(tmp_path / "o/predictions.csv", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert {r["target"] for r in table} == {"'=2+5", "'@cmd", "'-x"}
    assert {r["bp"] for r in table} <= {"'=2+5", "'@cmd", "'-x"}
    assert "bp_p_=2+5" in table[0]   # the formula's characters not at the start: as they are


def test_the_npz_of_a_long_table_holds_every_column(tmp_path):
    cols = [("t", ["a", "b"]), ("y", np.array([1.0, np.nan])), ("y", np.array([2.0, 3.0]))]
    columns.write_npz(tmp_path / "p.npz", cols)
    with np.load(tmp_path / "p.npz", allow_pickle=False) as z:
        assert list(z["t"]) == ["a", "b"] and math.isnan(z["y"][1]) and list(z["y#2"]) == [2, 3]


@pytest.mark.parametrize("values", [["a", "bb", "train"], [], ["", ""], ["é", "ab"],
                                    RowNumbers(25), RowNumbers(0), RowNumbers(1), RowNumbers(101)])
def test_a_text_column_of_the_npz_is_written_in_blocks_as_numpy_writes_it(values, monkeypatch):
    monkeypatch.setattr(columns, "ROWS", 2)
    want, got = io.BytesIO(), io.BytesIO()
    np.lib.format.write_array(want, np.asarray(values, dtype=str), allow_pickle=False)
    columns._write_text(got, values)
    assert got.getvalue() == want.getvalue()


def test_a_long_line_keeps_the_extremes_of_every_pixel_column(rng):
    y = rng.standard_normal(MILLION)
    y[123_457] = 50.0
    y[800_001] = -60.0
    y[400_000:400_300] = np.nan
    x = np.arange(MILLION)
    xs, ys = dense.extremes(x, y)
    assert len(xs) <= 2 * dense.COLUMNS and np.all(np.diff(xs) >= 0)
    assert np.nanmax(ys) == 50.0 and np.nanmin(ys) == -60.0
    assert 123_457 in xs and 800_001 in xs
    size = -(-MILLION // dense.COLUMNS)
    for k in (0, 17, dense.COLUMNS - 1):
        block = y[k * size:(k + 1) * size]
        assert set(ys[2 * k:2 * k + 2]) == {np.nanmin(block), np.nanmax(block)}


def test_a_short_line_is_drawn_as_it_is():
    x, y = np.arange(dense.MANY), np.arange(dense.MANY) * 2.0
    xs, ys = dense.extremes(x, y)
    assert xs is x and ys is y
    assert dense.said("bp", dense.MANY) == "bp"
    assert dense.said("bp", dense.MANY + 1) == "bp (extremes per pixel column of 20,001 points)"


def test_a_npy_file_is_read_memory_mapped_with_the_columns_named_in_the_config(tmp_path, rng):
    values = rng.standard_normal((50, 3))
    np.save(tmp_path / "d.npy", values)
    d = DataConfig(path=str(tmp_path / "d.npy"), inputs=("a", "b"), targets=("y",),
                   columns=("a", "b", "y"))
    table = read_data(d.path, d)
    assert isinstance(table.arrays["a"].base, np.memmap)
    s = build_samples(d, table)
    assert np.array_equal(s.X, values[:, :2]) and np.array_equal(s.Y, values[:, 2:])


def test_a_npz_file_holds_one_array_per_column(tmp_path, rng):
    x, y = rng.standard_normal(40), rng.standard_normal(40)
    x[5] = np.nan
    np.savez(tmp_path / "d.npz", x=x, y=y, month=np.array([f"2001-{i % 12 + 1:02d}"
                                                           for i in range(40)]))
    d = DataConfig(path=str(tmp_path / "d.npz"), inputs=("x",), targets=("y",), missing="drop")
    s = build_samples(d, read_data(d.path, d))
    assert len(s.X) == 39 and np.array_equal(s.Y[:, 0], np.delete(y, 5))
    with pytest.raises(InputError, match=r"d.npz: row 6, column x: 'nan' \(a missing value\)"):
        build_samples(DataConfig(path=d.path, inputs=("x",), targets=("y",)),
                      read_data(d.path, d))


@pytest.mark.parametrize("save, columns, message", [
    (lambda p: np.save(p / "d.npy", np.zeros((4, 2))), (), "data.columns: a .npy file needs"),
    (lambda p: np.save(p / "d.npy", np.zeros((4, 3))), ("a", "y"), "shape (4, 3)"),
    (lambda p: np.save(p / "d.npy", np.array([[{}], [1]], dtype=object)), ("a",),
     "holds Python objects"),
    (lambda p: np.savez(p / "d.npz", a=np.zeros(3), y=np.zeros(4)), (), "differ in length"),
    (lambda p: np.savez(p / "d.npz", a=np.zeros((3, 2))), (), "one 1-D array per column"),
    (lambda p: np.savez(p / "d.npz", a=np.array([1.0, np.inf]), y=np.zeros(2)), (),
     "row 2, column a: 'inf' is not a finite number"),
])
def test_bad_arrays_are_one_error(tmp_path, save, columns, message):
    save(tmp_path)
    path = str(next(tmp_path.glob("d.np?")))
    d = DataConfig(path=path, inputs=("a",), targets=("y",), columns=columns)
    with pytest.raises(InputError) as exc:
        build_samples(d, read_data(path, d))
    assert message in str(exc.value)


def test_a_long_run_writes_predictions_npz_too_and_names_it(tmp_path, monkeypatch, capsys, rng):
    from bpnet.cli import main
    monkeypatch.setattr(columns, "NPZ_ROWS", 100)
    X = rng.standard_normal((150, 3))
    rows = "".join(f"{a!r},{b!r},{c!r}\n" for a, b, c in X.tolist())
    (tmp_path / "d.csv").write_text("a,b,y\n" + rows)
    (tmp_path / "c.yaml").write_text(
        "data: {path: d.csv, inputs: [a, b], targets: [y]}\n"
        "models: {bp: {type: feedforward, hidden: [3]}}\ntrain: {epochs: 2, show: 0}\n")
    assert main([str(tmp_path / "c.yaml"), "--out", str(tmp_path / "o"), "--no-plots"]) == 0
    assert "predictions.csv, predictions.npz" in capsys.readouterr().out
    with open(tmp_path / "o/predictions.csv", newline="") as fh:
        table = list(csv.DictReader(fh))
    with np.load(tmp_path / "o/predictions.npz", allow_pickle=False) as z:
        assert list(z["split"]) == [r["split"] for r in table]
        assert [number_cell(v) for v in z["bp"]] == [r["bp"] for r in table]
        assert np.array_equal(z["target"], X[:, 2])


@pytest.mark.parametrize("n, dense_said", [(200, False), (dense.MANY + 1, True)])
def test_pictures_of_many_points_say_how_they_are_drawn(n, dense_said, rng):
    from bpnet.report import plots
    t = rng.standard_normal((n, 1))
    parts = ["train"] * (n - n // 4) + ["test"] * (n // 4)
    figures = [plots.fit([str(i) for i in range(n)], "t", t, ["y"], {"bp": t * 0.9}, parts),
               plots.regression("bp", dense.regression_panels(
                   {"train": t[:n // 2], "test": t[n // 2:]},
                   {"train": t[:n // 2] * 0.9, "test": t[n // 2:] * 0.9})),
               plots.fit_sorted(dense.sorted_panels(t, [t * 0.9], {
                   part: np.flatnonzero(np.array(parts) == part) for part in ("train", "test")}),
                   ["y"], ["bp"], [], n)]
    for fig in figures:
        labels = [text.get_text() for ax in fig.axes if ax.get_legend()
                  for text in ax.get_legend().get_texts()]
        said = any("extremes per pixel column" in s or "density" in s for s in labels)
        assert said == dense_said, labels
        assert plots.png_bytes(fig).startswith(b"\x89PNG")


def test_a_density_is_binned_in_blocks_as_in_one_go(monkeypatch, rng):
    from bpnet.report import dense
    x, y = rng.standard_normal(1003), rng.standard_normal(1003) * 5.0
    whole, xe, ye = dense.density(x, y, (8, 5))
    monkeypatch.setattr(dense, "BLOCK", 100)
    blocks, xe2, ye2 = dense.density(x, y, (8, 5))
    assert whole.shape == (5, 8) and whole.sum() == 1003
    np.testing.assert_array_equal(blocks, whole)
    np.testing.assert_array_equal(xe, xe2)
    expected = np.histogram2d(x, y, bins=(8, 5))[0].T
    np.testing.assert_array_equal(whole, expected)
    constant, xe, _ = dense.density(np.full(7, 3.0), np.arange(7.0), (4, 4))
    assert constant.sum() == 7 and xe[0] < 3.0 < xe[-1]


values = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)


@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(values, values), min_size=1, max_size=300), st.integers(0, 3))
def test_a_density_counts_what_histogram2d_counts(points, grid):
    """Cells placed by arithmetic, then put right: numpy's own cells, edges included."""
    from bpnet.report import dense
    x, y = (np.array(v) for v in zip(*points))
    if grid == 1:   # points on the edges
        x = np.round(x * 4.0) / 4.0
    elif grid == 2:
        x = np.linspace(x.min(), x.max(), len(x))
    elif grid == 3:   # a tiny span: edges a few units in the last place apart
        x = 1.0 + np.arange(len(x)) * np.spacing(1.0)
    counts, xe, ye = dense.density(x, y, (80, 40))
    span = [dense._span(v) for v in (x, y)]
    expected = np.histogram2d(x, y, bins=(80, 40), range=span)[0].T
    np.testing.assert_array_equal(counts, expected)

"""Data files as spreadsheets and other programs write them: delimiters, decimal commas,
encodings, repeated column names, binary files, and the wide layout of climate tables
(docs/semantics.md#data-files)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bpnet
from bpnet.cli import main
from bpnet.config import DataConfig, WideConfig
from bpnet.data import build_samples, read_table
from bpnet.data.wide import read_data
from bpnet.errors import InputError

ROWS = [("1871", "1120.5"), ("1872", "1160"), ("1873", "963.25"), ("1874", "1210")]
VALUES = [1120.5, 1160.0, 963.25, 1210.0]


def write(tmp_path, text, name="d.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def table(sep=",", decimal=".", newline="\n"):
    lines = [f"year{sep}volume"] + [f"{y}{sep}{v.replace('.', decimal)}" for y, v in ROWS]
    return newline.join(lines) + newline


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_the_delimiter_is_found_from_the_header(tmp_path, sep):
    t = read_table(write(tmp_path, table(sep)))
    assert t.header == ["year", "volume"]
    np.testing.assert_array_equal(t.numbers("volume", "data.series"), VALUES)


def test_semicolons_with_decimal_commas(tmp_path):
    # observed on main: "no column 'volume' ... the columns are year;volume"
    path = write(tmp_path, table(";", ","))
    with pytest.raises(InputError, match=r"line 2, column volume: '1120,5' is not a number; "
                                         r"for decimal commas set data.decimal: ','"):
        read_table(path).numbers("volume", "data.series")
    np.testing.assert_array_equal(read_table(path, decimal=",").numbers("volume", "x"), VALUES)


def test_decimal_commas_with_dots_for_thousands(tmp_path):
    path = write(tmp_path, "a;b\n1.234,5;2\n12,25;1.000\n")
    t = read_table(path, decimal=",")
    np.testing.assert_array_equal(t.numbers("a", "x"), [1234.5, 12.25])
    np.testing.assert_array_equal(t.numbers("b", "x"), [2, 1000])


def test_a_decimal_comma_file_split_by_commas_says_so(tmp_path):
    path = write(tmp_path, "year,volume\n1871,1120,5\n")
    with pytest.raises(InputError, match="line 2 has 3 cells, the header has 2; if the numbers "
                                         "have decimal commas, set data.decimal"):
        read_table(path)
    with pytest.raises(InputError, match="data.decimal ',' needs another delimiter"):
        read_table(path, decimal=",")


@pytest.mark.parametrize("name, sep, text", [
    (";", ";", "year;volume\n1871;1\n"), ("tab", "\t", "year\tvolume\n1871\t1\n"),
    ("space", " ", "year   volume\n1871  1\n"), ("|", "|", "year|volume\n1871|1\n"),
])
def test_the_delimiter_can_be_named(tmp_path, name, sep, text):
    t = read_table(write(tmp_path, text), delimiter=name)
    assert t.header == ["year", "volume"] and t.rows == [["1871", "1"]]


@pytest.mark.parametrize("encoding, newline", [
    ("utf-8-sig", "\n"), ("utf-16", "\r\n"), ("utf-16-be", "\n"), ("utf-32", "\n")])
def test_encodings_with_a_byte_order_mark(tmp_path, encoding, newline):
    text = table("\t", newline=newline)
    if encoding == "utf-16-be":
        raw = b"\xfe\xff" + text.encode("utf-16-be")
        path = tmp_path / "d.txt"
        path.write_bytes(raw)
        path = str(path)
    else:
        path = write(tmp_path, text, "d.txt", encoding)
    t = read_table(path)
    assert t.header == ["year", "volume"] and t.lines == [2, 3, 4, 5]
    np.testing.assert_array_equal(t.numbers("volume", "x"), VALUES)


def test_excel_unicode_text_end_to_end(tmp_path, root):
    # observed on main: a raw codec error ("'utf-8' codec can't decode byte 0xff")
    csv = (root / "data/airline_passengers.csv").read_text().splitlines()
    text = "\r\n".join(line.replace(",", "\t") for line in csv) + "\r\n"
    (tmp_path / "air.txt").write_bytes(text.encode("utf-16"))
    d = DataConfig(path="", series="passengers", time="month", lags=(1,), month=True)
    a = build_samples(d, read_table(str(tmp_path / "air.txt")))
    b = build_samples(d, read_table(str(root / "data/airline_passengers.csv")))
    np.testing.assert_array_equal(a.X, b.X)
    assert a.labels == b.labels


def test_another_encoding_is_an_error_until_named(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes("year,caf\xe9\n1,2\n".encode("cp1252"))
    with pytest.raises(InputError, match="line 1: byte 0xe9 is not utf-8 text; save the file as "
                                         "UTF-8, or name its encoding with data.encoding"):
        read_table(str(path))
    assert read_table(str(path), encoding="cp1252").header == ["year", "café"]
    with pytest.raises(InputError, match="data.encoding: unknown encoding 'klingon'"):
        read_table(str(path), encoding="klingon")


@pytest.mark.parametrize("head, fragment", [
    (b"MATLAB 5.0 MAT-file, Platform: GLNXA64", "a MATLAB .mat file, not a text table"),
    (b"\x89HDF\r\n\x1a\n", "an HDF5 file (MATLAB -v7.3 .mat)"),
    (b"PK\x03\x04\x14\x00", "a zip archive (an Excel .xlsx workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1", "an Excel .xls workbook"),
    (b"\x00\x01\x02binary", "a binary file (it holds NUL bytes)"),
])
def test_binary_files_say_what_is_read(tmp_path, head, fragment):
    path = tmp_path / "d.csv"
    path.write_bytes(head + b"\x00" * 64)
    with pytest.raises(InputError) as err:
        read_table(str(path))
    assert fragment in str(err.value) and "bpnet reads text tables" in str(err.value)


def test_a_column_name_given_twice_is_an_error(tmp_path):
    # observed on main: silently taken from its first occurrence
    with pytest.raises(InputError, match="line 1: columns 2 and 4 are both named 'x'"):
        read_table(write(tmp_path, "t,x,y,x\n1,2,3,4\n"))
    # blank names (trailing empty columns of a spreadsheet export) are not names
    assert read_table(write(tmp_path, "t,x,,\n1,2,,\n")).header == ["t", "x", "", ""]


def test_semicolon_decimal_comma_series_end_to_end(tmp_path, capsys):
    write(tmp_path, "year;volume\n" + "".join(
        f"{1871 + i};{1100 + 150 * np.sin(i / 7):.1f}\n".replace(".", ",") for i in range(40)))
    (tmp_path / "c.yaml").write_text("""
data: {path: d.csv, series: volume, time: year, lags: [1], decimal: ","}
split: {method: block, train: 0.75, val: 0.0, test: 0.25}
models: {bp: {type: feedforward, hidden: [2]}}
train: {epochs: 3, show: 0}
""")
    assert main([str(tmp_path / "c.yaml"), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    rows = (tmp_path / "out/predictions.csv").read_text().splitlines()
    assert rows[1].startswith("1872,train,1121.4,")      # 1100 + 150 sin(1/7) = 1121.35...


MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()


def wide_csv(tmp_path, years=(1950, 1951, 1952), blank=()):
    lines = ["YEAR," + ",".join(MONTHS) + ",ANNUAL"]
    for y in years:
        cells = [("" if (y, m) in blank else f"{y - 1900}.{m:02d}") for m in range(1, 13)]
        lines.append(f"{y}," + ",".join(cells) + ",0")
    return write(tmp_path, "\n".join(lines) + "\n", "wide.csv")


def wide_settings(columns=MONTHS, **extra):
    return DataConfig(path="", series="temp", time="YEAR",
                      wide=WideConfig("YEAR", tuple(columns)), **extra)


def test_a_wide_table_is_one_monthly_series(tmp_path):
    path = wide_csv(tmp_path)
    s = build_samples(wide_settings(lags=(1,), month=True), read_data(path, wide_settings()))
    assert s.series.labels[:3] == ["1950-01", "1950-02", "1950-03"]
    assert s.series.labels[-1] == "1952-12" and len(s.series.values) == 36
    np.testing.assert_array_equal(s.series.values[:13], [50 + m / 100 for m in range(1, 13)]
                                  + [51.01])
    assert s.series.period == 12 and s.X[0, 1] == 2      # the month of 1950-02


def test_a_wide_table_of_quarters(tmp_path):
    path = write(tmp_path, "year,Q1,Q2,Q3,Q4\n2000,1,2,3,4\n2001,5,6,7,8\n")
    d = DataConfig(path="", series="gdp", time="year", wide=WideConfig("year", ("Q1", "Q2", "Q3",
                                                                                 "Q4")))
    s = build_samples(d, read_data(path, d))
    assert s.series.labels == [f"{y}Q{q}" for y in (2000, 2001) for q in range(1, 5)]
    assert s.series.period == 4


def test_a_wide_cell_is_reported_where_it_is_in_the_file(tmp_path):
    path = wide_csv(tmp_path, blank={(1951, 5), (1952, 11), (1952, 12)})
    with pytest.raises(InputError, match=r"wide.csv: line 3, column MAY: empty cell, the first "
                                         r"of 3 missing values \(lines 3, 4, 4\)"):
        build_samples(wide_settings(), read_data(path, wide_settings()))
    text = (tmp_path / "wide.csv").read_text().replace("51.03", "x")
    write(tmp_path, text, "wide.csv")
    with pytest.raises(InputError, match="line 3, column MAR: 'x' is not a number"):
        build_samples(wide_settings(missing="interpolate"), read_data(path, wide_settings()))


def test_a_wide_table_with_the_last_months_blank(tmp_path):
    path = wide_csv(tmp_path, blank={(1951, 5), (1952, 11), (1952, 12)})
    d = wide_settings(missing="interpolate")
    s = build_samples(d, read_data(path, d))
    assert s.series.labels[-1] == "1952-10"       # the blank end cannot be interpolated
    assert s.missing.filled == 1 and s.missing.trimmed == 2
    assert s.series.values[16] == pytest.approx((51.04 + 51.06) / 2)


def test_a_wide_table_end_to_end_with_a_saved_model(tmp_path, capsys):
    wide_csv(tmp_path, years=range(1950, 1960), blank={(1959, 12)})
    (tmp_path / "c.yaml").write_text("""
data:
  path: wide.csv
  series: temp
  wide: {time: YEAR, columns: [JAN, FEB, MAR, APR, MAY, JUN, JUL, AUG, SEP, OCT, NOV, DEC]}
  lags: 1:2
  month: yes
  missing: interpolate
split: {method: block, train: 0.8, val: 0.0, test: 0.2}
models: {bp: {type: feedforward, hidden: [2]}}
train: {epochs: 3, show: 0}
""")
    out = tmp_path / "out"
    assert main([str(tmp_path / "c.yaml"), "--out", str(out), "--quiet"]) == 0
    said = capsys.readouterr().out
    assert "time: monthly (YYYY-MM), 1950-01 to 1959-11, 119 steps; seasonal period 12" in said
    fc, _ = bpnet.load_model(out / "model_bp.npz").forecast_file(tmp_path / "wide.csv", 3)
    assert fc.labels == ["1959-12", "1960-01", "1960-02"]


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=",; \t\r\nab1.", max_size=60), st.sampled_from([",", ";", "\t"]))
def test_rows_numbered_by_line_without_quotes_as_the_csv_reader_numbers_them(text, sep):
    """Without quotes each line is one row: numbering rows one by one gives the reader's own
    line numbers; a blank row is one whose cells are all blanks."""
    import csv
    import io

    from bpnet.data.table import _filled, _records
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    want = [(reader.line_num, row) for row in reader]
    assert _records(text, sep, "d.csv") == want
    assert [_filled(r) for _, r in want] == [any(c.strip() for c in r) for _, r in want]


def test_the_collector_is_on_again_after_a_table_is_read_or_refused(tmp_path):
    import gc
    read_table(write(tmp_path, table()))
    with pytest.raises(InputError):
        read_table(write(tmp_path, "a,b\n1,2,3\n"))
    assert gc.isenabled()


def test_a_bad_cell_of_a_decimal_comma_file_is_named_as_before(tmp_path):
    path = write(tmp_path, "a;b\n1,5;2\n2,5;x\n")
    d = DataConfig(path=path, inputs=("a",), targets=("b",), decimal=",")
    with pytest.raises(InputError, match="line 3, column b: 'x' is not a number"):
        build_samples(d, read_data(path, d))


@pytest.mark.parametrize("decimal", [".", ","])
def test_excel_csv_utf8_with_its_byte_order_mark_is_read_fast_as_the_careful_reader_reads_it(
        tmp_path, decimal):
    from bpnet.data.fastcsv import ColumnTable
    sep = ";" if decimal == "," else ","
    path = write(tmp_path, table(sep, decimal, "\r\n"), encoding="utf-8-sig")
    d = DataConfig(path=path, inputs=("year",), targets=("volume",), decimal=decimal)
    got, want = read_data(path, d), read_table(path, decimal=decimal)
    assert isinstance(got, ColumnTable) == (decimal == ".")   # numpy reads points only
    assert got.header == want.header == ["year", "volume"]
    np.testing.assert_array_equal(got.numbers("volume", "x"), VALUES)
    np.testing.assert_array_equal(got.numbers("year", "x"), want.numbers("year", "x"))
    assert list(got.lines) == want.lines


def test_a_comma_in_a_column_name_does_not_make_it_the_delimiter_with_decimal_commas(tmp_path):
    path = write(tmp_path, "Datum;Temperatur, °C\r\n01.01.2020;3,5\r\n02.01.2020;-1,25\r\n",
                 encoding="utf-8-sig")
    d = DataConfig(path=path, inputs=("Datum",), targets=("Temperatur, °C",), decimal=",")
    for t in (read_table(path, decimal=","), read_data(path, d)):
        assert t.header == ["Datum", "Temperatur, °C"]
        np.testing.assert_array_equal(t.numbers("Temperatur, °C", "x"), [3.5, -1.25])
    assert read_table(write(tmp_path, "a,b\n1,2\n")).header == ["a", "b"]   # a dot: the comma


def test_an_unquoted_comma_in_yaml_says_to_quote_it(tmp_path):
    from bpnet.config import load_config
    path = tmp_path / "c.yaml"
    path.write_text("data:\n  path: d.csv\n  series: y\n  decimal: ,\n")
    with pytest.raises(InputError, match='line 4, column 12: .*found .,.; a value that is a '
                                         'comma must be quoted: decimal: ","'):
        load_config(str(path))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(alphabet="0123456789.,-+ e_", max_size=8),
                          st.sampled_from(["nan", "NA", "inf", "-inf", "", " 1.5 ", "1.234,5",
                                           "abc", "1e999", "\u0663", "?"])),
                min_size=1, max_size=12),
       st.sampled_from([".", ","]))
def test_a_column_taken_at_once_is_the_column_read_cell_by_cell(cells, decimal):
    """Table.numbers: the values of Table.number cell by cell, bit for bit, or its error."""
    from bpnet.data.table import Table
    t = Table("d.csv", ["x"], [[c] for c in cells], list(range(2, 2 + len(cells))), decimal)
    try:
        want = np.array([t.number(c, i, "x") for i, c in enumerate(cells)], dtype=float)
    except InputError as exc:
        with pytest.raises(InputError) as got:
            t.numbers("x", "k")
        assert str(got.value) == str(exc)
        return
    got = t.numbers("x", "k")
    assert np.array_equal(got.view(np.int64), want.view(np.int64))

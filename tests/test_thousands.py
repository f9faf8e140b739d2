"""Thousands separators in data files (data.thousands, MATLAB readtable's ThousandsSeparator),
the hint a cell written with them gets, and rows that all end with a delimiter
(docs/data.md)."""
import numpy as np
import pytest

from bpnet.cli import main
from bpnet.config import DataConfig
from bpnet.data.fastcsv import read_fast
from bpnet.data.wide import read_data
from bpnet.errors import InputError


def write(tmp_path, text, name="d.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def volumes(path, **data):
    d = DataConfig(path=path, series="volume", time="year", **data)
    return read_data(path, d).numbers("volume", "data.series")


def run(tmp_path, data, capsys):
    """The CLI on d.csv with the data block ``data`` (a series of volumes by year): its exit
    status and what it wrote to stderr."""
    (tmp_path / "c.yaml").write_text(f"""
data: {{path: d.csv, series: volume, time: year, lags: [1]{data}}}
split: {{method: block, train: 0.75, val: 0.0, test: 0.25}}
models: {{bp: {{type: feedforward, hidden: [2]}}}}
train: {{epochs: 2, show: 0}}
""")
    status = main([str(tmp_path / "c.yaml"), "--out", str(tmp_path / "out"), "--quiet"])
    return status, capsys.readouterr().err


def series(cells, sep=","):
    return f"year{sep}volume\n" + "".join(f"{1871 + i}{sep}{c}\n" for i, c in enumerate(cells))


def test_quoted_numbers_with_thousands_commas_read_end_to_end(tmp_path, capsys):
    write(tmp_path, series(['"1,120"', '"1,160.5"', '963', '"1,210"', '"12,345,678"'] * 2))
    status, err = run(tmp_path, ', thousands: ","', capsys)
    assert status == 0, err
    rows = (tmp_path / "out/predictions.csv").read_text().splitlines()
    assert rows[1].startswith("1872,train,1160.5,")


@pytest.mark.parametrize("text, data, values", [
    ('year,volume\n1,"1,234.5"\n2,"-12,345,678"\n3,7\n', {"thousands": ","},
     [1234.5, -12345678, 7]),
    ("year;volume\n1;1.234,5\n2;1.000.000\n3;0,5\n", {"thousands": ".", "decimal": ","},
     [1234.5, 1e6, 0.5]),
    ("year;volume\n1;1'234.5\n2;12'000\n", {"thousands": "'"}, [1234.5, 12000]),
    ("year;volume\n1;1 234,5\n2;12\u00a0000\n3;1\u202f000\n", {"thousands": " ", "decimal": ","},
     [1234.5, 12000, 1000]),
])
def test_numbers_with_thousands_separators(tmp_path, text, data, values):
    np.testing.assert_array_equal(volumes(write(tmp_path, text), **data), values)


@pytest.mark.parametrize("cell", ["1,12,0", "1,2345", "12345,678", "1,234,5", ",123"])
def test_digits_not_grouped_by_threes_are_not_a_number(tmp_path, capsys, cell):
    write(tmp_path, series(["1000", "2000", f'"{cell}"', "3000"]))
    status, err = run(tmp_path, ', thousands: ","', capsys)
    assert status == 2
    assert err.startswith("error: ") and err.count("\n") == 1
    assert f"d.csv: line 4, column volume: '{cell}' is not a number" in err


@pytest.mark.parametrize("cell, data, hint", [
    ("1,120", "", "set data.thousands: ','"),
    ("12,345,678", "", "set data.thousands: ','"),
    ("1,234.5", "", "set data.thousands: ','"),
    ("1,234.5", ', decimal: ","', "set data.thousands: ',' and data.decimal: '.'"),
    ("1.234.567", "", "set data.thousands: '.' and data.decimal: ','"),
])
def test_a_number_with_thousands_separators_gets_the_thousands_hint(tmp_path, capsys, cell,
                                                                    data, hint):
    sep = ";" if "decimal" in data else ","
    write(tmp_path, series(["1000", f'"{cell}"', "3000"], sep))
    status, err = run(tmp_path, data, capsys)
    assert status == 2
    assert f"line 3, column volume: '{cell}' is not a number; for thousands separators " \
           f"{hint}\n" in err
    assert "decimal comma" not in err


def test_the_thousands_hint_is_for_grouped_digits_only(tmp_path, capsys):
    write(tmp_path, series(['"1,120"', '"3,5"']))
    assert run(tmp_path, "", capsys)[1].endswith("set data.thousands: ','\n")
    write(tmp_path, series(["1120", '"3,5"']))
    assert run(tmp_path, "", capsys)[1].endswith("for decimal commas set data.decimal: ','\n")


def test_the_thousands_separator_is_not_the_decimal_mark(tmp_path, capsys):
    write(tmp_path, series(["1.120", "1.160"], ";"))
    status, err = run(tmp_path, ', thousands: "."', capsys)
    assert status == 2
    assert err.startswith("error: ") and err.endswith(
        "d.csv: data.thousands '.' is the decimal mark too (data.decimal); give them "
        "different marks\n")
    assert not (tmp_path / "out").exists()


def test_the_fast_reader_leaves_thousands_separators_to_the_careful_one(tmp_path):
    path = write(tmp_path, series(["1120", "1160", "963"]))
    assert read_fast(path, "d.csv") is not None
    assert read_fast(path, "d.csv", thousands=",") is None
    np.testing.assert_array_equal(volumes(path, thousands=","), [1120, 1160, 963])


def test_rows_that_all_end_with_a_delimiter_have_an_empty_last_column(tmp_path, capsys):
    write(tmp_path, series([f"{1100 + 7 * (i % 5)}," for i in range(12)]))
    status, err = run(tmp_path, "", capsys)
    assert status == 0, err
    rows = (tmp_path / "out/predictions.csv").read_text().splitlines()
    assert rows[1].startswith("1872,train,1107.0,")


def test_one_row_ending_with_a_delimiter_is_no_decimal_comma(tmp_path, capsys):
    path = write(tmp_path, series(["1120", "1160,", "963"]))
    with pytest.raises(InputError, match=r"line 3 has 3 cells, the header has 2; it ends with "
                                         r"a delimiter \(an empty last cell\)") as caught:
        volumes(path)
    assert "decimal" not in str(caught.value)

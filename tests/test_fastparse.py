"""Short plain decimals read from a block's bytes at once (bpnet.data.decimals): every value
is, bit for bit, what ``float`` makes of its cell, or the block is declined (None) and read
by numpy's parser as before."""
import io
import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bpnet.data import fastcsv
from bpnet.data.decimals import parse_block

PLAIN = re.compile(r"-?([0-9]+\.?[0-9]*|\.[0-9]+)")
ODD = ["1e5", "-2.5E-3", "+1", "+.5", "", " 1", "1 ", "nan", "-inf", "1_000", "--1", "1-",
       ".", "-", "-.", "1.2.3", "١", "0x10", "1\t"]
NEAR = ["9007199254740992", "9007199254740993", "900719925474099.3", "0.9007199254740993",
        "9999999999999999", "1000000000000000", "0.1", "0.3", "1.7976931348623157",
        "2.2250738585072014", "4.9406564584124654", "123456789012345.6", "-0", "-0.000000",
        ".5", "5.", "-.5", "-5.", "0000000000000001.5", "0.0000000000000001"]


def bits(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64).view(np.int64)


def takes(cell: str) -> bool:
    """Whether the fast path must read ``cell``: a plain decimal of at most 16 characters
    after its sign whose digits make at most 2**53."""
    digits = cell.lstrip("-").replace(".", "")
    return (PLAIN.fullmatch(cell) is not None and len(cell.lstrip("-")) <= 16
            and int(digits) <= 2 ** 53)


decimal = st.builds(lambda sign, whole, point, frac: sign + whole + point + frac,
                    st.sampled_from(["", "-"]), st.text("0123456789", max_size=17),
                    st.sampled_from(["", "."]), st.text("0123456789", max_size=17))
cell = st.one_of(decimal, decimal.filter(lambda c: len(c.lstrip("-")) <= 16),
                 st.sampled_from(NEAR), st.sampled_from(ODD))
text = st.text(st.characters(blacklist_characters=',\n\r"', blacklist_categories=["Cs"]),
               max_size=6)


@st.composite
def blocks(draw):
    """(the block's bytes, its numeric columns, its width, its rows of numeric cells)."""
    width = draw(st.integers(1, 5))
    numeric = sorted(draw(st.sets(st.integers(0, width - 1), min_size=1)))
    odd = draw(st.booleans())
    kind = cell if odd else st.one_of(decimal, st.sampled_from(NEAR)).filter(takes)
    rows = [[draw(kind) if j in numeric else draw(text) for j in range(width)]
            for _ in range(draw(st.integers(1, 12)))]
    end = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [",".join(r) for r in rows]
    # the last line may lack its end, unless it is empty (then it would be no line)
    data = end.join(lines) + end * (draw(st.booleans()) or not lines[-1])
    return data.encode(), numeric, width, [[r[j] for j in numeric] for r in rows]


@settings(max_examples=150, deadline=None)
@given(blocks())
def test_every_value_is_what_float_gives_or_the_block_is_declined(block):
    data, numeric, width, cells = block
    got = parse_block(data, ",", numeric, width)
    if all(takes(c) for row in cells for c in row):
        assert got is not None
    if got is not None:
        want = np.array([[float(c) for c in row] for row in cells])
        assert got.shape == want.shape and np.array_equal(bits(got), bits(want))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=40),
       st.integers(0, 15))
def test_rounded_numbers_are_read_as_float_reads_them(values, places):
    cells = [f"{v:.{places}f}" for v in values]
    got = parse_block("\n".join(cells).encode(), ",", [0], 1)
    want = np.array([[float(c)] for c in cells])
    assert got is None or np.array_equal(bits(got), bits(want))
    assert got is not None or not all(map(takes, cells))


def test_a_text_column_the_last_row_without_its_end_and_crlf():
    data = b"a,1.5,x y,-0\r\nb;c,-.25,,7.\r\nd,0.1,\xc3\xa9,-3.000"
    got = parse_block(data, ",", [1, 3], 4)
    assert np.array_equal(bits(got), bits([[1.5, -0.0], [-0.25, 7.0], [0.1, -3.0]]))
    assert parse_block(data.replace(b"\r\n", b"\n"), ",", [1, 3], 4) is not None
    assert np.array_equal(bits(parse_block(b"-0.000000\n", ",", [0], 1)), bits([[-0.0]]))


def test_what_the_fast_path_declines():
    assert parse_block(b"1,2\n3\n", ",", [0, 1], 2) is None        # a short row
    assert parse_block(b"1,2\n3,4,5\n", ",", [0, 1], 2) is None    # and a long one
    assert parse_block(b"1,2\n3\r,4\n", ",", [0, 1], 2) is None    # \r not before \n
    assert parse_block(b"1,2\r\r\n", ",", [0, 1], 2) is None
    assert parse_block(b"1,2\n3,4\n", ".", [0], 1) is None         # a separator of numbers
    assert parse_block(b"1;2\n", ";", [0, 1], 2) is not None
    assert parse_block(b"1\t2\n", "\t", [0, 1], 2) is not None
    assert parse_block(b"1," + b"9" * 16 + b"\n", ",", [0, 1], 2) is None   # over 2**53
    assert parse_block(b"1,-" + b"1" * 17 + b"\n", ",", [0, 1], 2) is None  # 17 characters


def test_a_declined_block_is_read_by_numpy_as_before():
    data = b"1.5,x,2e3\n-0,y, 7\n.5,z,nan\n"
    got = fastcsv._block(data, ",", [0, 2], True, 3)
    want = np.loadtxt(io.StringIO(data.decode()), delimiter=",", usecols=[0, 2], ndmin=2)
    assert parse_block(data, ",", [0, 2], 3) is None
    assert np.array_equal(bits(got), bits(want))


def test_a_file_of_six_decimals_reads_as_numpy_reads_it(rng):
    values = rng.standard_normal((3000, 7)) * 10.0 ** rng.integers(-3, 8, (3000, 7))
    buffer = io.StringIO()
    np.savetxt(buffer, values, delimiter=",", fmt="%.6f")
    data = buffer.getvalue().encode()
    want = np.loadtxt(io.StringIO(data.decode()), delimiter=",", ndmin=2)
    assert np.array_equal(bits(parse_block(data, ",", list(range(7)), 7)), bits(want))
    assert np.array_equal(bits(fastcsv._block(data, ",", [1, 5], True, 7)), bits(want[:, [1, 5]]))


@settings(max_examples=150, deadline=None)
@given(blocks(), st.sampled_from([";", "\t", "|"]))
def test_decimal_commas_read_as_their_points_do(block, sep):
    """The same block with decimal commas (and another delimiter): the same values, bit for
    bit, or declined alike; a point in a cell is then not a number's (a thousands mark)."""
    data, numeric, width, cells = block
    rows = [line.split(",") for line in data.decode().split("\n")]
    if any(sep in c for r in rows for c in r):
        return   # a text cell holding the delimiter: not this test's case
    comma = "\n".join(sep.join(c.replace(".", ",") if j in numeric else c
                               for j, c in enumerate(r)) for r in rows).encode()
    point = parse_block(data, ",", numeric, width)
    got = parse_block(comma, sep, numeric, width, point=",")
    assert (got is None) == (point is None)
    if got is not None:
        assert np.array_equal(bits(got), bits(point))
    assert parse_block(b"1.5;2\n", ";", [0, 1], 2, point=",") is None
    assert parse_block(b"1,5,2\n", ",", [0], 1, point=",") is None   # the comma twice

"""Short plain decimals read from bytes, all at once, with the value ``float`` gives each.

A cell ``[-]digits[.digits]`` whose digits, the point left out, make an integer m <= 2**53,
with k digits after the point, is the decimal m / 10**k: m and 10**k (k <= 15 here) are exact
doubles and IEEE division rounds correctly, so ``m / 10.0**k`` is the double nearest to the
cell's decimal, as ``float(cell)`` is; the sign is applied after (``-0.0`` from ``-0``, as
``float`` gives). Each cell's last 16 bytes are read as two little-endian 64-bit words; the
bytes of the word that are not the cell's are cleared, and every byte is checked, and the
digits summed, eight at a time within a word (SIMD within a register). Anything else (a sign
``+``, an exponent, blanks, an empty cell, nan, more than 16 characters after the sign,
``\\r`` not before ``\\n``, a row of another width) and :func:`parse_block` declines: None.
The point may be a comma (``-12,345``, a decimal comma): the cell is then read as ``float``
reads it with the comma made a point.
"""
from __future__ import annotations

import numpy as np

_PAD = 16   # bytes before the data, so that every cell's 16 bytes are in the buffer
_ONES = np.uint64(0x0101010101010101)
_HIGH = _ONES * np.uint64(0x80)   # the top bit of every byte
_LOW7 = _ONES * np.uint64(0x7F)
_ZERO = _ONES * np.uint64(ord("0"))
_OVER9 = _ONES * np.uint64(0x80 - 10)   # a byte above 9 plus this sets its top bit
_ALL = np.uint64((1 << 64) - 1)
_CHUNK = 1 << 15   # cells
_PLAIN = frozenset(b"0123456789.-\r\n\x00")   # no separator can be one of these


_KEEP = np.array([((1 << 64) - 1) << 8 * (8 - n) & ((1 << 64) - 1) if n else 0
                  for n in range(9)], dtype=np.uint64)   # the last n bytes of a word
_P10F = np.array([float(10 ** k) for k in range(17)])   # exact: 10**k < 2**53


def parse_block(data: bytes, sep: str, numeric: list[int], width: int,
                point: str = ".") -> np.ndarray | None:
    """The ``numeric`` columns of the rows (lines ending ``\\n`` or ``\\r\\n``; the last one
    may have no end) of ``data``, each row ``width`` cells separated by ``sep``, as (n, M)
    float64, every value ``float(cell)`` (``point`` "," : of the cell with its comma made a
    point); None when a row or a cell of those columns is not for this path. The other
    columns are skipped unread. The cells are read :data:`_CHUNK` at a time, so that the
    arrays of each step stay in the processor's cache."""
    if (len(sep) != 1 or ord(sep) > 127 or ord(sep) in _PLAIN or sep == point
            or point not in (".", ",")):
        return None
    dot = _ONES * np.uint64(ord(point) ^ ord("0"))
    found = _cells(data, sep, width)
    if found is None:
        return None
    buf, starts, ends = found
    if len(numeric) < width:
        starts, ends = starts[:, numeric], ends[:, numeric]
    out = np.empty(starts.shape)
    starts, ends, values = starts.ravel(), ends.ravel(), out.reshape(-1)
    for i in range(0, len(values), _CHUNK):
        part = _decimals(buf, starts[i:i + _CHUNK], ends[i:i + _CHUNK], dot)
        if part is None:
            return None
        values[i:i + _CHUNK] = part
    return out


def _cells(data: bytes, sep: str, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(the bytes of ``data`` after :data:`_PAD` zeros, ending ``\\n``; the offsets in it of
    the first byte of each cell and of the byte after it, both (n, width)); None when a row
    has another width or a ``\\r`` is not before a ``\\n``."""
    buf = np.frombuffer(bytes(_PAD) + data + b"\n" * (not data.endswith(b"\n")), np.uint8)
    lines = buf == ord("\n")
    rows = np.count_nonzero(lines)
    lines |= buf == ord(sep)
    ends = np.flatnonzero(lines)
    if rows == 0 or len(ends) != rows * width:
        return None
    starts = np.empty_like(ends)
    starts[0], starts[1:] = _PAD, ends[:-1] + 1
    starts, ends = starts.reshape(rows, width), ends.reshape(rows, width)
    if not (buf[ends[:, -1]] == ord("\n")).all():
        return None   # as many ends as rows * width, but not width to a line
    if b"\r" in data:
        if data.count(b"\r") != data.count(b"\r\n"):
            return None
        ends[:, -1] -= buf[ends[:, -1] - 1] == ord("\r")
    return buf, starts, ends


def _decimals(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, dot: np.uint64
              ) -> np.ndarray | None:
    """The cells buf[starts[i]:ends[i]] (C,) as float64 (C,), or None when one is not a
    plain decimal of at most 16 bytes after its sign, whose digits make at most 2**53
    (``dot``: the point's byte minus ``'0'`` in every byte of a word)."""
    minus = buf[starts] == ord("-")
    size = ends - starts - minus
    if size.min() < 1 or size.max() > 16:
        return None
    w = 1 if size.max() <= 8 else 2   # the words that hold the longest cell
    records = np.ndarray((len(buf) - 8 * w + 1,), np.dtype((np.void, 8 * w)), buf, strides=(1,))
    words = records[ends - 8 * w].view("<u8").reshape(-1, w).astype(np.uint64, copy=False)
    digits, dots = _digits(words, _KEEP[np.clip(size[:, None] - 8 * np.arange(w - 1, -1, -1),
                                                0, 8)], dot)
    if (((digits + _OVER9) | digits) & _HIGH).any():
        return None   # a byte that is neither a digit nor the point
    points = _across(_count(dots))
    if points.max() > 1 or (size - points).min() < 1:
        return None
    after = ~((dots << np.uint64(1)) - np.uint64(1)) & _HIGH   # the bytes after a point
    if w == 2:
        after[:, 1] |= (dots[:, 0] != 0).astype(np.uint64) * _HIGH   # all, after one before
    k = _across(_count(after)).astype(np.intp)
    sums = _sum8(_without_point(digits, dots))
    mantissa = sums[:, 0] if w == 1 else sums[:, 0] * np.uint64(10 ** 8) + sums[:, 1]
    if mantissa.max() > 2 ** 53:
        return None
    values = mantissa.astype(np.float64) / _P10F[k]
    values.view(np.uint64)[:] |= minus.astype(np.uint64) << np.uint64(63)   # the sign bit
    return values


def _without_point(digits: np.ndarray, dots: np.ndarray) -> np.ndarray:
    """Digits (C, w) uint64 (w = 1 or 2 words, the last one ending the cell), 0 at the point,
    whose ``dots`` (C, w) flag the point -> the same with the bytes before the point moved one
    byte on, over it (a 0 coming in first): the digits of the cell's mantissa."""
    ones = dots >> np.uint64(7)
    before = ones - np.minimum(ones, np.uint64(1))   # the bytes before a point in the word
    if digits.shape[1] == 2:
        before[:, 0] |= (dots[:, 1] != 0) * _ALL   # all of them, before a point in the next
    moved = digits & before
    out = (digits ^ moved) | (moved << np.uint64(8))
    if digits.shape[1] == 2:
        out[:, 1] |= moved[:, 0] >> np.uint64(56)
    return out


def _across(counts: np.ndarray) -> np.ndarray:
    """(C, w) -> the sums of the rows (C,), w being 1 or 2."""
    return counts[:, 0] if counts.shape[1] == 1 else counts[:, 0] + counts[:, 1]


def _digits(words: np.ndarray, masks: np.ndarray, dot: np.uint64
            ) -> tuple[np.ndarray, np.ndarray]:
    """Words (C, 2) uint64 of text and the ``masks`` (C, 2) of their bytes that count ->
    (each byte minus ``'0'``, 0 where it does not count or is the point; the top bit of each
    byte that is the point), both (C, 2)."""
    digits = (words ^ _ZERO) & masks
    other = digits ^ dot
    dots = ~(((other & _LOW7) + _LOW7) | other) & _HIGH   # the bytes where other is 0
    digits &= ~((dots >> np.uint64(7)) * np.uint64(0xFF))
    return digits, dots


def _count(flags: np.ndarray) -> np.ndarray:
    """How many bytes of each word of ``flags`` (uint64, only top bits set) are flagged."""
    return ((flags >> np.uint64(7)) * _ONES) >> np.uint64(56)


def _sum8(digits: np.ndarray) -> np.ndarray:
    """Words of eight digits 0..9 (the first in the lowest byte) -> the numbers they write,
    uint64 of the same shape: pairs, then fours, then the eight, combined in place."""
    tens = (digits * np.uint64(10 * 256 + 1)) >> np.uint64(8) & np.uint64(0x00FF00FF00FF00FF)
    hundreds = (tens * np.uint64(100 * 65536 + 1)) >> np.uint64(16)
    hundreds &= np.uint64(0x0000FFFF0000FFFF)
    return (hundreds * np.uint64(10000 * (1 << 32) + 1)) >> np.uint64(32)

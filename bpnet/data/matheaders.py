"""Input stage: the variables of a .mat file as their headers declare them, read before any
variable is (docs/semantics.md#mat-data-files).

A MAT v5/v7 file is a 128-byte header, then one element per variable: an miMATRIX (its tag,
array flags, dimensions, name, data) or an miCOMPRESSED element holding an miMATRIX deflated
by zlib. The compressed element tells only its compressed size, but the miMATRIX inside
declares its inflated size in its first 8 bytes and its class, dimensions and name in the
next hundred or so: :func:`scan` inflates those bytes alone, so that a few megabytes that
would inflate to gigabytes are judged by what they declare before any of it is inflated. A
v4 file holds nothing compressed; ``scipy.io.whosmat`` lists its variables.

What scipy then inflates of a compressed variable is bounded by its declaration: a real
numeric variable is one data element, whose size must fit in the declared size (checked here,
from the header); a cell, struct, text, sparse or complex one holds elements nested further
in, counted as they inflate (:func:`inflates_within`) before scipy reads them.
"""
from __future__ import annotations

import math
import struct
import zlib
from dataclasses import dataclass

_HEAD = 1 << 12             # inflated bytes read of each variable for its header
_CHUNK = 1 << 12            # compressed bytes inflated at a time when counting
_MATRIX, _COMPRESSED = 14, 15
_CLASSES = ("", "cell", "struct", "object", "char", "sparse", "double", "single", "int8",
            "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "function",
            "opaque")
_COMPLEX = 0x800            # the array flags' complex bit


@dataclass(frozen=True)
class Declared:
    """One variable as its header declares it: its ``shape``, MATLAB class ``kind`` (double,
    cell, ...) and ``nbytes``, the bytes of its element once inflated (v4: of its values).
    A compressed variable's deflated bytes are ``size`` bytes at offset ``at`` of the file;
    ``bounded`` says whether its header alone bounds what reading it inflates."""

    name: str
    shape: tuple[int, ...]
    kind: str
    nbytes: int
    at: int = 0
    size: int = 0
    bounded: bool = True

    @property
    def values(self) -> int:
        """The number of values reading it makes, at least: its elements, or nbytes / 8."""
        return max(math.prod(self.shape), -(-self.nbytes // 8))


def scan(path: str) -> list[Declared]:
    """Every variable of the .mat file ``path`` in file order, as declared; a damaged header
    is a ValueError, a file scipy does not read scipy's own error."""
    with open(path, "rb") as fh:
        head = fh.read(128)
        if len(head) == 128 and head[126:128] in (b"IM", b"MI"):
            return _v5(fh, "<" if head[126:128] == b"IM" else ">")
    from scipy import io
    return [Declared(name, tuple(shape), kind, 8 * math.prod(shape))
            for name, shape, kind in io.whosmat(path)]


def _v5(fh, order: str) -> list[Declared]:
    out = []
    while tag := fh.read(8):
        if len(tag) < 8:
            raise ValueError(f"{len(tag)} bytes at the end, too few for an element")
        mdtype, size = struct.unpack(order + "II", tag)
        start = fh.tell()
        if mdtype == _COMPRESSED:
            head = zlib.decompressobj().decompress(fh.read(min(size, _HEAD)), _HEAD)
            out.append(_declared(head, order, start, size))
        elif mdtype == _MATRIX:
            out.append(_declared(tag + fh.read(min(size, _HEAD)), order))
        else:
            raise ValueError(f"an element of type {mdtype} where a variable belongs")
        fh.seek(start + size)
    return out


def _declared(head: bytes, order: str, at: int = 0, size: int = 0) -> Declared:
    """The declaration of the miMATRIX element that starts ``head`` (tag included)."""
    try:
        mdtype, nbytes, pos, _ = _element(head, 0, order)
        _, _, flags_at, pos = _element(head, pos, order)
        (flags,) = struct.unpack_from(order + "I", head, flags_at)
        _, n, dims_at, pos = _element(head, pos, order)
        shape = struct.unpack_from(f"{order}{n // 4}i", head, dims_at)
        _, n, name_at, pos = _element(head, pos, order)
        name = head[name_at:name_at + n].decode("latin1")
        kind = _CLASSES[flags & 0xFF]
        real = kind in _CLASSES[6:16] and not flags & _COMPLEX
        _, data, data_at, _ = _element(head, pos, order) if real and at else (0, 0, 0, 0)
    except (struct.error, IndexError):
        raise ValueError("a damaged variable header") from None
    if mdtype != _MATRIX or min(shape, default=0) < 0:
        raise ValueError("a damaged variable header")
    if data_at + data > nbytes + 8:
        raise ValueError(f"variable {name}: its data ({data} bytes) overrun the {nbytes} bytes "
                         "it declares")
    return Declared(name, shape, kind, nbytes, at, size, bounded=real or not at)


def _element(buf: bytes, pos: int, order: str) -> tuple[int, int, int, int]:
    """(type, bytes, where its data start, where the next element starts) of the element at
    ``pos``: a tag of 8 bytes and data padded to 8, or a small element of 8 bytes in all."""
    (word,) = struct.unpack_from(order + "I", buf, pos)
    if word >> 16:
        return word & 0xFFFF, word >> 16, pos + 4, pos + 8
    (n,) = struct.unpack_from(order + "I", buf, pos + 4)
    return word, n, pos + 8, pos + 8 + -(-n // 8) * 8


def inflates_within(path: str, var: Declared) -> bool:
    """Whether the compressed variable ``var`` inflates to no more than the bytes it declares,
    counted a piece at a time (nothing kept) and stopped once past them."""
    limit, total, left = var.nbytes + 8, 0, var.size
    inflate = zlib.decompressobj()
    with open(path, "rb") as fh:
        fh.seek(var.at)
        while left > 0 and total <= limit:
            chunk = fh.read(min(left, _CHUNK))
            if not chunk:
                break
            left -= len(chunk)
            total += len(inflate.decompress(chunk))
    return total <= limit

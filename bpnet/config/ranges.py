"""Input stage: lists of whole numbers written as MATLAB writes them.

``1:12`` is 1, 2, ..., 12; ``1:2:11`` is 1, 3, ..., 11 (start:step:stop); ``[1:3, 12]`` and
``[1:3 12]`` join ranges and numbers. The config reads such text wherever it takes a list of
whole numbers (``data.lags``, the index lists of ``split.method: index``); a plain number or
a YAML list of numbers and range texts works too.
"""
from __future__ import annotations

import re
from typing import Any

from bpnet.config.yamlschema import show
from bpnet.errors import InputError

_TERM = re.compile(r"^([+-]?\d+)(?::([+-]?\d+))?(?::([+-]?\d+))?$")


def parse_integers(value: Any, key: str, where: str) -> tuple[int, ...]:
    """``value`` (a number, a range text such as ``1:12``, or a list of them) as a tuple of
    whole numbers, in the order written."""
    items = value if isinstance(value, list) else [value]
    out: list[int] = []
    for i, item in enumerate(items):
        at = f"{key}[{i}]" if isinstance(value, list) else key
        if isinstance(item, int) and not isinstance(item, bool):
            out.append(item)
        elif isinstance(item, float) and item.is_integer():
            out.append(int(item))
        elif isinstance(item, str):
            out.extend(_text(item, at, where))
        else:
            raise InputError(f"{where}: {at}: expected a whole number, got {show(item)}")
    return tuple(out)


def _text(text: str, key: str, where: str) -> list[int]:
    """The numbers of a text such as ``1:12``, ``1:2:11`` or ``[1:3, 12]``."""
    body = text.strip()
    if body.startswith("[") and body.endswith("]"):
        body = body[1:-1]
    out: list[int] = []
    for term in re.split(r"[\s,]+", body.strip()):
        m = _TERM.match(term)
        if not m:
            raise _bad(text, key, where)
        a, b, c = m.groups()
        if b is None:
            out.append(int(a))
            continue
        start, step, stop = (int(a), 1, int(b)) if c is None else (int(a), int(b), int(c))
        if step == 0 or (stop - start) * step < 0:
            raise InputError(f"{where}: {key}: the range {term} is empty (start:step:stop, "
                             "as in MATLAB)")
        out.extend(range(start, stop + (1 if step > 0 else -1), step))
    return out


def _bad(value: Any, key: str, where: str) -> InputError:
    return InputError(f"{where}: {key}: expected a whole number or a MATLAB range (1:12, "
                      f"1:2:11, [1:3, 12]), got {show(value)}")

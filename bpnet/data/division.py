"""Input stage: the division of the samples into training, validation and test parts
(docs/semantics.md#data-division).

``block`` keeps the sample order (train, then val, then test), ``random`` draws the parts from
the caller's generator, ``interleaved`` deals the samples out in turn, ``index`` takes the
parts as listed (MATLAB's divideblock, dividerand, divideint and divideind). With block, the
test part may be a count of the last steps (``split.test_from`` is turned into one by
:func:`bpnet.data.dataset.load`).
"""
from __future__ import annotations

import numpy as np

from bpnet.config import SplitConfig
from bpnet.config.schema import is_count
from bpnet.errors import InputError

PARTS = ("train", "val", "test")


def part_sizes(q: int, split: SplitConfig) -> tuple[int, int, int]:
    """How many of q samples go to (train, val, test): val and test get their fraction rounded
    down, train the rest. A test count takes the last steps (at most q), and val then its
    count or its fraction of the samples before them."""
    if is_count(split.test):
        n_test = min(split.test, q)
        rest = q - n_test
        n_val = min(split.val, rest) if is_count(split.val) else _share(split.val, rest)
        return rest - n_val, n_val, n_test
    n_val = _share(split.val, q)
    n_test = _share(split.test, q)
    return q - n_val - n_test, n_val, n_test


def _share(fraction: float, q: int) -> int:
    """The fraction of q samples, rounded down."""
    # a tiny slack so that 0.3 * 10 = 3.0000000000000004 and 0.29 * 100 = 28.999... floor right
    return int(np.floor(fraction * q + 1e-9))


def divide(q: int, split: SplitConfig, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The sorted sample indices (n_part,) of each part of q samples
    (docs/semantics.md#data-division);
    empty parts are left out."""
    if split.method == "index":
        return {p: idx for p, idx in _listed(q, split).items() if len(idx) > 0}
    n_train, n_val, n_test = part_sizes(q, split)
    counts = {"train": n_train, "val": n_val, "test": n_test}
    if split.method == "block":
        order = np.arange(q)
        bounds = np.cumsum([0, n_train, n_val, n_test])
        parts = {p: order[bounds[i]:bounds[i + 1]] for i, p in enumerate(PARTS)}
    elif split.method == "random":
        order = rng.permutation(q)
        bounds = np.cumsum([0, n_train, n_val, n_test])
        parts = {p: np.sort(order[bounds[i]:bounds[i + 1]]) for i, p in enumerate(PARTS)}
    elif split.method == "interleaved":
        parts = _interleave(q, counts)
    else:
        raise ValueError(f"unknown division {split.method!r}")
    return {p: idx for p, idx in parts.items() if len(idx) > 0}


def _interleave(q: int, counts: dict[str, int]) -> dict[str, np.ndarray]:
    """Deal q samples out train, val, test, train, ..., skipping a part once it has its count."""
    left = dict(counts)
    lists: dict[str, list[int]] = {p: [] for p in PARTS}
    cycle = [p for p in PARTS if left[p] > 0]
    k = 0
    for i in range(q):
        while left[cycle[k % len(cycle)]] == 0:
            k += 1
        part = cycle[k % len(cycle)]
        lists[part].append(i)
        left[part] -= 1
        k += 1
    return {p: np.array(v, dtype=int) for p, v in lists.items()}


def _listed(q: int, split: SplitConfig) -> dict[str, np.ndarray]:
    """``split.method: index``: the parts as listed, sample numbers 1..q (MATLAB's divideind
    counts from 1) -> 0-based sorted indices; a number out of range or in two parts is an
    error. Samples listed in no part are not used."""
    owner: dict[int, str] = {}
    parts = {}
    for part in PARTS:
        numbers = getattr(split, part)
        for k in numbers:
            if not 1 <= k <= q:
                raise InputError(f"split.{part}: there is no sample {k}; the data give {q} "
                                 f"samples, numbered 1 to {q} (as MATLAB's divideind counts)")
            if k in owner and owner[k] != part:
                raise InputError(f"split.{part}: sample {k} is also in split.{owner[k]}; a "
                                 "sample belongs to one part")
            owner[k] = part
        parts[part] = np.array(sorted(set(numbers)), dtype=int) - 1
    return parts

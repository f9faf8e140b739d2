"""How much memory a request would take, checked before anything is allocated.

A size the user asks for (hidden layers, runs, forecast steps, a saved model's layer sizes) is
refused with one line saying how much memory it would need when that is more than the machine
has available, instead of a MemoryError or a machine brought to a halt by swapping.
"""
from __future__ import annotations

import os
import resource

from bpnet.errors import InputError

_GATES = {"feedforward": 1, "cascadeforward": 1, "elman": 1, "lstm": 4, "gru": 3}


def available() -> int:
    """Bytes this process can still allocate: the least of the memory the system says is
    available, the cgroup's limit and the address-space limit."""
    limits = [_meminfo_available()]
    limits.append(_cgroup_left())
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        limits.append(soft)
    known = [x for x in limits if x is not None]
    return min(known) if known else 1 << 62


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _cgroup_left() -> int | None:
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as fh:
            text = fh.read().strip()
        if text == "max":
            return None
        with open("/sys/fs/cgroup/memory.current", encoding="ascii") as fh:
            return int(text) - int(fh.read().strip())
    except (OSError, ValueError):
        return None


def size_text(nbytes: float) -> str:
    """A byte count as people read it: 512 B, 3.1 MB, 80.0 GB, 1.2 TB."""
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if nbytes < 1000 or unit == "PB":
            return f"{nbytes:.0f} {unit}" if unit == "B" else f"{nbytes:.1f} {unit}"
        nbytes /= 1000
    raise AssertionError("unreachable")


def require(nbytes: float, what: str) -> None:
    """Refuse ``what`` (the start of the message: the file and key) when it needs more than
    the memory available."""
    free = available()
    if nbytes > free:
        raise InputError(f"{what} would need about {size_text(nbytes)} of memory; "
                         f"{size_text(free)} is available")


def network_values(kind: str, sizes: list[int]) -> int:
    """The number of weights and biases of a ``kind`` network with layer sizes ``sizes``
    (inputs, hidden..., outputs), computed without building it."""
    if kind == "feedforward":
        return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    if kind == "cascadeforward":   # layer l sees the inputs and every earlier layer
        return sum((sum(sizes[:l]) + 1) * sizes[l] for l in range(1, len(sizes)))
    d, h, k = sizes[0], sizes[1], sizes[-1]
    g = _GATES.get(kind, 1)
    biases = 2 * g * h if kind in ("lstm", "gru") else h
    return g * h * (d + h) + biases + k * (h + 1)

"""Paths as messages and written files show them: relative where that is shorter and exact.

``checked`` refuses, as one line, a path the operating system would choke on (a NUL byte, a name
longer than the file system allows); ``read_bytes`` reads a user's file or says in one line why
it cannot; ``same_file`` tells whether two paths name one file, through symbolic and hard links.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from bpnet.errors import InputError

NAME_MAX = 255     # bytes in one file name, on every common file system
PATH_MAX = 4096    # bytes in a whole path (Linux)


def relative_to(path: str | Path, folder: str | Path) -> str:
    """``path`` relative to ``folder``; unchanged when no relative path exists (another drive)."""
    try:
        return os.path.relpath(path, folder)
    except ValueError:
        return str(path)


def shown(path: str | Path) -> str:
    """A path as messages show it: relative to the current folder when it lies below it."""
    try:
        rel = relative_to(path, os.curdir)
    except (OSError, ValueError):   # the current folder is gone, or a NUL byte in the path
        return repr(str(path)) if "\0" in str(path) else str(path)
    return str(path) if rel.startswith("..") else rel


def checked(path: str | Path, what: str) -> str:
    """``path`` as a string, or an InputError naming ``what`` (e.g. ``--out``, ``data.path``)
    when it holds a NUL byte, a name longer than NAME_MAX bytes or more than PATH_MAX bytes."""
    text = os.fspath(path)
    if "\0" in text:
        raise InputError(f"{what}: {text!r}: a path cannot hold a NUL byte")
    raw = os.fsencode(text)
    if len(raw) > PATH_MAX:
        raise InputError(f"{what}: the path is {len(raw)} bytes long; the limit is {PATH_MAX}")
    for name in raw.split(b"/"):
        if len(name) > NAME_MAX:
            shown_name = os.fsdecode(name)[:40] + "..."
            raise InputError(f"{what}: the name {shown_name!r} is {len(name)} bytes long; file "
                             f"names can have at most {NAME_MAX}")
    return text


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether ``a`` and ``b`` name one file: the same path once links are resolved, or (both
    existing) the same inode, as hard links are."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def read_bytes(path: str | Path, what: str, limit: int = -1, where: str | None = None) -> bytes:
    """The first ``limit`` bytes (all: -1) of the user's file ``path``, ``what`` it should be
    (e.g. "config file"), or an InputError of one line naming it (``where``, default the path as
    shown): not found, a folder, a device (which could be read for ever), or the operating
    system's reason."""
    where = shown(path) if where is None else where
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(f"{where}: is a folder, not a {what}")
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            raise InputError(f"{where}: a device, not a {what}")
        with open(path, "rb") as fh:
            return fh.read(limit)
    except FileNotFoundError:
        raise InputError(f"{where}: {what} not found") from None
    except OSError as exc:
        raise InputError(f"{where}: cannot read the {what} ({exc.strerror or exc})") from None

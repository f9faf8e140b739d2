"""Paths as messages and written files show them: relative where that is shorter and exact."""
from __future__ import annotations

import os
from pathlib import Path


def relative_to(path: str | Path, folder: str | Path) -> str:
    """``path`` relative to ``folder``; unchanged when no relative path exists (another drive)."""
    try:
        return os.path.relpath(path, folder)
    except ValueError:
        return str(path)


def shown(path: str | Path) -> str:
    """A path as messages show it: relative to the current folder when it lies below it."""
    rel = relative_to(path, os.curdir)
    return str(path) if rel.startswith("..") else rel

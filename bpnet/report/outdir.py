"""Output stage: the output folder, checked before any work and created when results are due."""
from __future__ import annotations

import os
from pathlib import Path

from bpnet.errors import InputError


def check_output_dir(out: str) -> None:
    """Refuse, before any work, an output folder that cannot be created or written.

    Nothing is created here, so that a run stopped by a mistake leaves the folder as it was.
    """
    path = Path(out)
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"{out}: cannot create the output folder: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"{out}: cannot create or write the output folder "
                         f"({existing}: permission denied)")


def prepare_dir(out: str) -> Path:
    """Create the output folder (and parents); failing that is an InputError."""
    path = Path(out)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot create or write the output folder "
                         f"({exc.strerror or exc})") from None
    return path

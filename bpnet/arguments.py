"""The command line's parser: argparse, with every mistake one ``error:`` line (shared by
``run.py``, ``run.py sweep`` and the other commands)."""
from __future__ import annotations

import argparse
import typing

from bpnet.errors import InputError


class Parser(argparse.ArgumentParser):
    """argparse's parser whose mistakes (an option's value that is not a whole number, a
    missing argument, an unknown option) are an InputError: one ``error:`` line naming the
    option and exit status 2, as every mistake of the command line, not a usage block."""

    def error(self, message: str) -> typing.NoReturn:
        raise InputError(message.removeprefix("argument "))


def whole_number(text: str) -> int:
    """An option's whole number (argparse's ``type``), e.g. --steps 12."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None


def count(text: str) -> int:
    """An option's count of at least one (argparse's ``type``), e.g. --jobs 2."""
    n = whole_number(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {n}")
    return n


def address(text: str) -> str:
    """A Dask scheduler's address, or 'local' (argparse's ``type``), e.g. --dask local."""
    if not text.strip():
        raise argparse.ArgumentTypeError("give a scheduler address (tcp://host:8786) or "
                                         "'local'")
    return text

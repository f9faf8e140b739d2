"""The one exception type for user mistakes, and how the command line shows a warning.

A user mistake (a bad config key, a missing column, a non-numeric cell) is reported by the CLI as
one line on stderr with exit status 2 and no traceback. Anything else is a bug and keeps its
traceback. A warning is one ``warning:`` line on stderr, in the command's process and in its
worker processes alike.
"""
import sys


class InputError(Exception):
    """A mistake in the user's config, data or model file; the message is one complete line."""


def show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """``warnings.showwarning`` of the command line and its workers: one ``warning:`` line."""
    print(f"warning: {message}", file=sys.stderr, flush=True)

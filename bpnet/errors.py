"""The one exception type for user mistakes.

A user mistake (a bad config key, a missing column, a non-numeric cell) is reported by the CLI as
one line on stderr with exit status 2 and no traceback. Anything else is a bug and keeps its
traceback.
"""


class InputError(Exception):
    """A mistake in the user's config, data or model file; the message is one complete line."""


def shown(path) -> str:
    """A path as messages show it: relative to the current folder when it lies below it."""
    import os
    text = str(path)
    try:
        rel = os.path.relpath(text)
    except ValueError:   # another drive
        return text
    return text if rel.startswith("..") else rel

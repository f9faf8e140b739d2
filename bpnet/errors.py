"""The one exception type for user mistakes.

A user mistake (a bad config key, a missing column, a non-numeric cell) is reported by the CLI as
one line on stderr with exit status 2 and no traceback. Anything else is a bug and keeps its
traceback.
"""


class InputError(Exception):
    """A mistake in the user's config, data or model file; the message is one complete line."""

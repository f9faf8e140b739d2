"""Compute stage: why training stops (docs/semantics.md#training-rules), and the user's request to
stop.

Every reason is MATLAB's own message, as its training window shows it; the training loop returns
one of them in ``TrainResult.stop_reason``. :class:`StopRequest` is the flag that a signal handler
sets and that the loop polls through its ``should_stop`` callable (its bound ``is_set``).
"""
from __future__ import annotations

GOAL_MET = "Performance goal met."
MAX_EPOCH = "Maximum epoch reached."
MAX_TIME = "Maximum time elapsed."
MIN_GRAD = "Minimum gradient reached."
VALIDATION_STOP = "Validation stop."
NOT_FINITE = "Performance is not finite."
USER_STOP = "User stop."
MAX_MU = "Maximum MU reached."   # trainlm only: mu passed mu_max


class StopRequest:
    """A request to stop training, as MATLAB's stop button makes: ``set()`` (from a signal
    handler) asks every training loop that polls ``is_set`` to end at its next epoch with
    "User stop.", keeping its best network.

    A plain attribute, not a lock: setting it from a signal handler can never block.
    """

    def __init__(self) -> None:
        self._set = False

    def set(self) -> None:
        self._set = True

    def is_set(self) -> bool:
        return self._set


def never() -> bool:
    """The ``should_stop`` of a training that only its own stop checks end."""
    return False

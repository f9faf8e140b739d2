"""Worker processes that end with the process that started them.

A run's worker processes (repeated runs, drawing) wait on their pool for work; when the run is
killed (``kill -9``, which runs no cleanup) nothing would ever tell them to stop. Each worker
watches its parent instead and ends once the parent is gone.
"""
from __future__ import annotations

import os
import signal
import threading
import time


def exit_with_parent(every: float = 0.5) -> None:
    """In a worker process: a daemon thread that ends the process within ``every`` seconds of
    its parent's death, as ``kill -9`` ends it: a worker whose parent is gone has no one left
    to hand a result to, and its own Ctrl-C and SIGTERM may be taken to stop a training."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os.kill(os.getpid(), signal.SIGKILL)
    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()

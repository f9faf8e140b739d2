"""Train the networks a YAML config describes: ``python run.py configs/passengers.yaml``."""
import os
import signal
import sys


def _abort_while_starting(signum, frame):
    """Ctrl-C or SIGTERM while the packages load: nothing is read or written yet."""
    os.write(2, f"error: aborted by {signal.Signals(signum).name} while starting; nothing was "
                "written, every file is as it was\n".encode())
    os._exit(130)


if __name__ == "__main__":
    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, _abort_while_starting)

from bpnet.cli import main  # noqa: E402  (after the handlers: importing takes a while)


def _leave(status: int) -> None:
    """Exit with ``status``. When nothing of the run is left running (no worker process, no
    thread but daemons, which an exit never waits for), without the interpreter's teardown:
    a tenth of a second spent freeing memory that the process returns whole anyway. Every
    result file is closed by now."""
    import multiprocessing
    import threading
    if any(not t.daemon for t in threading.enumerate()
           if t is not threading.main_thread()) or multiprocessing.active_children():
        sys.exit(status)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:   # a closed pipe (python run.py ... | head): as Python's own exit
        sys.exit(status)
    os._exit(status)


if __name__ == "__main__":
    _leave(main())

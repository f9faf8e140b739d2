"""Train the networks a YAML config describes: ``python run.py configs/passengers.yaml``."""
import os
import signal
import sys


def _abort_while_starting(signum, frame):
    """Ctrl-C or SIGTERM while the packages load: nothing is read or written yet."""
    os.write(2, f"error: aborted by {signal.Signals(signum).name} while starting; nothing was "
                "written, every file is as it was\n".encode())
    sys.exit(130)


if __name__ == "__main__":
    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, _abort_while_starting)

from bpnet.cli import main  # noqa: E402  (after the handlers: importing takes a while)

if __name__ == "__main__":
    sys.exit(main())

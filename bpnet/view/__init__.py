"""Watch it train: MATLAB's training window (nntraintool) as a page served on this machine.

``python run.py CONFIG --view`` starts a :class:`Session`: the web server of
:mod:`bpnet.view.server` on 127.0.0.1, whose page (``bpnet/view/page/``: plain HTML, CSS and a
small script) polls ``/status`` (:mod:`bpnet.view.state`) and draws each model's network, the
bars of its stop conditions, its error curves, its stop reason and pictures, with a Stop
Training button that does what the first Ctrl-C does. The training loops only hand their
records over as they start (:mod:`bpnet.train.watch`); the server reads them when asked.
After the run the page shows its final state until the user presses Enter (or Ctrl-C).
``python run.py sweep CONFIG --view`` serves the same page for a sweep (:func:`sweep_session`):
its grid of cells (:mod:`bpnet.view.sweepstate`), whose Stop Training is Ctrl-C.
"""
from __future__ import annotations

import _thread
import os
import signal
import sys
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path

from bpnet.config.sweepspec import Sweep, value_text
from bpnet.errors import InputError
from bpnet.paths import shown
from bpnet.view.server import ViewServer
from bpnet.view.state import RunState, Training
from bpnet.view.sweepstate import SweepState


class Session:
    """The live page of one command-line run: start it once the output folder is locked;
    ``configure`` it once the data is read; tell it the stage, the files written, the end."""

    def __init__(self, config_name: str, folder: Path, stop: Callable[[], bool],
                 port: int = 0) -> None:
        if not 0 <= port <= 65535:
            raise InputError(f"--view-port: must be 0 to 65535, got {port}")
        self.state = RunState(config_name, shown(folder))
        try:
            self.server = ViewServer(self.state, folder, self._stop(stop), port).start()
        except OSError as exc:
            raise InputError(f"--view-port {port}: cannot serve the page there "
                             f"({exc.strerror or exc})") from None

    def _stop(self, stop: Callable[[], bool]) -> Callable[[], bool]:
        def stop_training() -> bool:
            stopped = stop()
            self.state.stop_requested = self.state.stop_requested or stopped
            return stopped
        return stop_training

    @property
    def url(self) -> str:
        return self.server.url

    def open_browser(self) -> bool:
        """Open the page in the default browser, where there is a display to show it (a
        text browser would take the terminal over); -> whether one was asked to."""
        graphical = sys.platform in ("darwin", "win32") or \
            bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
        return graphical and webbrowser.open(self.url)

    def watch(self, name: str, seed: int) -> Training:
        """The watcher of model ``name``'s training from ``seed`` (bpnet.train.watch)."""
        return self.state.watch(name, seed)

    def configure(self, cfg, inputs: int, outputs: int, has_val: bool) -> None:
        self.state.configure(cfg, inputs, outputs, has_val)

    def stage(self, stage: str) -> None:
        self.state.stage = stage

    def finish(self, files: list[str], exit_status: int) -> None:
        """The run has ended with ``exit_status`` after writing ``files`` (none when it
        wrote nothing)."""
        if files:
            self.state.written(files)
        self.state.ended(exit_status)


def announce(session: Session, browser: bool) -> None:
    """Print the page's address (the first line of the run's output) and, with ``browser``,
    open it."""
    opened = browser and session.open_browser()
    print(f"view: {session.url}{' (opened in the browser)' if opened else ''}", flush=True)


def interrupt_main() -> None:
    """Ctrl-C, for the main thread: SIGINT sent to it (its handler stops the sweep)."""
    if hasattr(signal, "pthread_kill"):
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
    else:
        _thread.interrupt_main()


def sweep_session(config_name: str, sweep: Sweep, workers: int, port: int = 0) -> Session:
    """The live page of ``sweep`` trained on ``workers`` workers; Stop Training stops the
    sweep as Ctrl-C does, once, while its runs are trained."""
    def stop() -> bool:
        if not session.state.sweep.running or session.state.stop_requested:
            return False
        interrupt_main()
        return True
    session = Session(config_name, Path(sweep.base.output.dir), stop, port)
    cells = [{k: value_text(v) for k, v in cell.items()} for cell in sweep.cells]
    session.state.sweep = SweepState(session.state, list(sweep.spec.keys), cells,
                                     sweep.spec.runs, sweep.spec.select, workers)
    session.state.info["runs"] = sweep.spec.runs
    return session


def wait_for_enter() -> None:
    """Wait for Enter, the end of standard input, Ctrl-C or SIGTERM (at once when standard
    input is closed or at its end)."""
    if sys.stdin is None or sys.stdin.closed:
        return
    done = threading.Event()

    def read() -> None:
        try:
            sys.stdin.readline()
        except (OSError, ValueError):
            pass
        done.set()
    threading.Thread(target=read, daemon=True).start()
    previous = {s: signal.signal(s, lambda *_: done.set())
                for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not done.wait(0.5):
            pass
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)

"""The live page's server in this process: a connection that sends nothing is closed after
the idle limit (server.IDLE_SECONDS, lowered here), and its thread ends with it, while a
connection that asks gets its answer."""
from __future__ import annotations

import http.client
import json
import socket
import threading
import time

from bpnet.view import server
from bpnet.view.state import RunState


def _eventually(holds, limit: float = 15.0) -> bool:
    """Whether ``holds()`` comes true within ``limit`` seconds (polled)."""
    end = time.monotonic() + limit
    while not holds() and time.monotonic() < end:
        time.sleep(0.05)
    return holds()


def test_idle_connections_are_closed_and_their_threads_end(tmp_path, monkeypatch):
    monkeypatch.setattr(server, "IDLE_SECONDS", 0.5, raising=False)
    view = server.ViewServer(RunState("c.yaml", str(tmp_path)), tmp_path, lambda: False).start()
    try:
        baseline = threading.active_count()
        idle = []
        for _ in range(20):
            idle.append(socket.create_connection(("127.0.0.1", view.port), timeout=10))
            time.sleep(0.01)   # the server's thread accepts it (its listen queue holds 5)
        asking = http.client.HTTPConnection("127.0.0.1", view.port, timeout=10)
        asking.request("GET", f"/status?token={view.token}")
        answer = asking.getresponse()
        assert answer.status == 200 and json.loads(answer.read())["stage"] == "starting"
        for sock in idle:
            assert sock.recv(1) == b""   # closed by the server (a timeout here: still open)
            sock.close()
        asking.close()
        assert _eventually(lambda: threading.active_count() <= baseline)
    finally:
        view.close()

"""The live page's web server: the standard library's HTTP server on a thread of its own.

Bound to 127.0.0.1 only. Every request must carry the run's token (``?token=...``, a random
string made at start), or it is refused with 403; so must the page's own script, style sheet
and pictures, whose addresses the page is served with. What it answers:

- ``GET /``: the page (``bpnet/view/page/index.html``), ``GET /view.js``, ``GET /view.css``;
- ``GET /status``: the run as JSON (:meth:`bpnet.view.state.RunState.status`);
- ``POST /stop``: Stop Training, the first Ctrl-C (``stop()`` says whether training was
  stopped: 200, or 409 when there is nothing to stop);
- ``GET /files/NAME``: a picture of the run, once the run's files are in its output folder:
  only the ``.png`` files the run wrote there (never a path, never a file of another run).

A connection idle for :data:`IDLE_SECONDS` is closed (``StreamRequestHandler.timeout``), its
thread ended. Nothing is fetched from elsewhere: the page's Content-Security-Policy allows this
server only.
"""
from __future__ import annotations

import hmac
import json
import secrets
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from bpnet.view.state import RunState

HOST = "127.0.0.1"
# a connection that sends no request for this long is closed (the page polls 4 times a second;
# a socket left open and idle would otherwise hold its thread for as long as the run lives)
IDLE_SECONDS = 30.0
_PAGE_FILES = {"/": ("index.html", "text/html"), "/view.js": ("view.js", "text/javascript"),
               "/view.css": ("view.css", "text/css")}
_SECURITY = {"Content-Security-Policy": "default-src 'self'; img-src 'self'; "
             "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
             "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
             "Cache-Control": "no-store"}


def _page_file(name: str, token: str) -> bytes:
    text = resources.files("bpnet.view").joinpath("page", name).read_text(encoding="utf-8")
    return text.replace("{{token}}", token).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass   # a browser that went away mid-answer: the console belongs to the run


class ViewServer:
    """The server of one run's page: ``start()`` it, read its ``url``; it serves until the
    process exits (its thread is a daemon) or ``close()``."""

    def __init__(self, state: RunState, folder: Path, stop: Callable[[], bool],
                 port: int = 0) -> None:
        self.state, self.folder, self.stop = state, Path(folder), stop
        self.token = secrets.token_urlsafe(24)
        handler = type("Handler", (_Handler,), {"view": self, "timeout": IDLE_SECONDS})
        self.httpd = _Server((HOST, port), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.2}, daemon=True)

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/?token={self.token}"

    def start(self) -> ViewServer:
        self.thread.start()
        return self

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def allowed(self, query: dict[str, list[str]]) -> bool:
        given = query.get("token", [""])[0]
        return hmac.compare_digest(given.encode(), self.token.encode())

    def picture(self, name: str) -> bytes | None:
        """The bytes of a picture the run wrote into its folder, else None."""
        if name not in self.state.files or not name.endswith(".png") or "/" in name:
            return None
        path = self.folder / name
        try:
            if path.resolve().parent != self.folder.resolve():
                return None
            return path.read_bytes()
        except OSError:
            return None


class _Handler(BaseHTTPRequestHandler):
    """The answers of one ViewServer (``view``), one request per thread."""

    view: ViewServer
    protocol_version = "HTTP/1.1"   # a browser keeps its connection for the next poll
    server_version = "bpnet-view"
    sys_version = ""

    def log_message(self, format, *args) -> None:   # the console belongs to the run
        pass

    def _send(self, code: int, body: bytes, kind: str = "text/plain") -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind + ("; charset=utf-8" if "text" in kind
                                                 or "json" in kind else ""))
        self.send_header("Content-Length", str(len(body)))
        for key, value in _SECURITY.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _checked(self) -> str | None:
        """The request's path, or None once it has been refused."""
        url = urlsplit(self.path)
        if not self.view.allowed(parse_qs(url.query)):
            self._send(403, b"forbidden: this page needs the address bpnet printed, "
                       b"with its token\n")
            return None
        return url.path

    def do_GET(self) -> None:
        path = self._checked()
        if path is None:
            return
        if path in _PAGE_FILES:
            name, kind = _PAGE_FILES[path]
            self._send(200, _page_file(name, self.view.token), kind)
        elif path == "/status":
            body = json.dumps(self.view.state.status(), allow_nan=False).encode()
            self._send(200, body, "application/json")
        elif path.startswith("/files/") and \
                (png := self.view.picture(path[len("/files/"):])) is not None:
            self._send(200, png, "image/png")
        else:
            self._send(404, b"not found\n")

    def do_POST(self) -> None:
        path = self._checked()
        if path is None:
            return
        if path != "/stop":
            self._send(404, b"not found\n")
        elif self.view.stop():
            self._send(200, b'{"stopping": true}', "application/json")
        else:
            self._send(409, b'{"stopping": false}', "application/json")

"""Helpers of the live page's tests: a real ``run.py ... --view --no-browser`` process and its
page over HTTP, and a headless Chromium driven through its DevTools protocol (a websocket
client of a few lines, standard library only)."""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists(
    "/usr/bin/chromium") else None)
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ViewRun:
    """``python run.py ARGS --view --no-browser --view-port <free>``, its page's address read
    from its first line; Enter on its standard input (``finish``) ends it after the run."""

    def __init__(self, *args: str) -> None:
        self.port = free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), *args, "--view", "--no-browser",
             "--view-port", str(self.port)], env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.proc.stdout.readline()
        match = re.match(r"view: (http://127\.0\.0\.1:(\d+)/\?token=(\S+))", line)
        assert match, line + self.proc.stderr.read()
        self.url, self.token = match[1], match[3]
        assert int(match[2]) == self.port
        self.base = f"http://127.0.0.1:{self.port}"

    def request(self, path: str, method: str = "GET", token: str | None = "") -> tuple[int,
                                                                                        bytes]:
        """(status, body) of ``path`` with the run's token (``token=None``: without one)."""
        token = self.token if token == "" else token
        sep = "&" if "?" in path else "?"
        url = self.base + path + (f"{sep}token={token}" if token is not None else "")
        req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
        try:
            with urllib.request.urlopen(req, timeout=10) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def status(self) -> dict:
        code, body = self.request("/status")
        assert code == 200, body
        return json.loads(body)

    def wait_for(self, holds, timeout: float = 60.0) -> dict:
        """Poll /status until ``holds(status)``; -> that status."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            s = self.status()
            if holds(s):
                return s
            assert self.proc.poll() is None, self.proc.stderr.read()
            time.sleep(0.1)
        raise AssertionError(f"timed out; last status stage {s['stage']}")

    def finish(self, timeout: float = 60) -> tuple[int, str, str]:
        """Press Enter (once the run has ended, the page is left); -> (exit status, out, err)."""
        out, err = self.proc.communicate("\n", timeout=timeout)
        return self.proc.returncode, out, err

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def training(status: dict, model: str, run: int = 1) -> dict:
    m = next(m for m in status["models"] if m["name"] == model)
    return m["trainings"][run - 1]


class WebSocket:
    """A websocket client (RFC 6455) for text messages: enough for Chromium's DevTools."""

    def __init__(self, url: str) -> None:
        match = re.match(r"ws://([^/:]+):(\d+)(/.*)", url)
        self.sock = socket.create_connection((match[1], int(match[2])), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(f"GET {match[3]} HTTP/1.1\r\nHost: {match[1]}:{match[2]}\r\n"
                          "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                          f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
                          .encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        assert head.startswith(b"HTTP/1.1 101"), head

    def _exactly(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            assert chunk, "the browser closed the connection"
            data += chunk
        return data

    def send(self, text: str) -> None:
        payload, mask = text.encode(), os.urandom(4)
        n = len(payload)
        head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else
                                struct.pack("!BH", 0x80 | 126, n) if n < 65536 else
                                struct.pack("!BQ", 0x80 | 127, n))
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def receive(self) -> str:
        """The next text message (its frames joined)."""
        message = b""
        while True:
            first, second = self._exactly(2)
            n = second & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._exactly(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._exactly(8))[0]
            payload = self._exactly(n)
            if first & 0x0F in (0x0, 0x1):
                message += payload
                if first & 0x80:
                    return message.decode()

    def close(self) -> None:
        self.sock.close()


class Chromium:
    """A headless Chromium with one page, driven over the DevTools protocol."""

    def __init__(self, profile: Path, width: int = 1200, height: int = 1000) -> None:
        profile.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
             "--remote-debugging-port=0", f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        active = profile / "DevToolsActivePort"
        end = time.monotonic() + 60
        while not (active.exists() and len(active.read_text().split()) == 2):
            assert time.monotonic() < end and self.proc.poll() is None, "Chromium did not start"
            time.sleep(0.1)
        port = active.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            page = next(t for t in json.load(r) if t["type"] == "page")
        self.ws = WebSocket(page["webSocketDebuggerUrl"])
        self.next_id = 0

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.receive())
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                return message["result"]

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {expression}")

    def rect(self, selector: str) -> dict:
        """The page rectangle of the first element ``selector`` names."""
        return self.evaluate(f"(() => {{ const r = document.querySelector('{selector}')"
                             ".getBoundingClientRect(); return {x: r.x + scrollX, "
                             "y: r.y + scrollY, width: r.width, height: r.height}; })()")

    def screenshot(self, clip: dict | None = None) -> bytes:
        params = {"format": "png"}
        if clip is not None:
            params["clip"] = {**clip, "scale": 1}
        return base64.b64decode(self.call("Page.captureScreenshot", **params)["data"])

    def click(self, selector: str) -> None:
        """A real mouse click (press and release) at the middle of the element."""
        self.evaluate(f"document.querySelector('{selector}').scrollIntoView()")
        r = self.evaluate(f"(() => {{ const r = document.querySelector('{selector}')"
                          ".getBoundingClientRect(); return [r.x + r.width / 2, "
                          "r.y + r.height / 2]; })()")
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=r[0], y=r[1], button="left",
                      clickCount=1)

    def close(self) -> None:
        self.ws.close()
        self.proc.kill()
        self.proc.wait()

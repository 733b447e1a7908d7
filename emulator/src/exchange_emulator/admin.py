"""The loopback-only admin interface of a running lab: status, faults and shutdown, as JSON over HTTP.

It listens on 127.0.0.1 only, on a port of its own, and requires the token written (mode 0600) to the
state directory's admin.json, so only local processes that can read the state directory can use it.
The CLI (`exchange-emulator faults|status|stop`) and the pytest fixture are its clients.
"""

from __future__ import annotations

import json
import os
import pathlib
import secrets
import threading
import typing
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .faults import FaultConfigError

if typing.TYPE_CHECKING:
    from .app import LabServer

ADMIN_FILE = "admin.json"
TOKEN_HEADER = "X-Emulator-Token"


class _AdminHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "AdminServer"

    def log_message(self, format: str, *args: typing.Any) -> None:
        pass

    def _reply(self, status: int, data: typing.Any) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _authorised(self) -> bool:
        if not secrets.compare_digest(self.headers.get(TOKEN_HEADER, ""), self.server.token):
            self._reply(403, {"error": "missing or wrong admin token"})
            return False
        return True

    def do_GET(self) -> None:
        if not self._authorised():
            return
        lab = self.server.lab
        if self.path == "/status":
            self._reply(200, lab.status())
        elif self.path == "/faults":
            self._reply(200, lab.faults.describe())
        elif self.path == "/endpoints":
            self._reply(200, lab.endpoints())
        else:
            self._reply(404, {"error": f"unknown path {self.path}"})

    def do_POST(self) -> None:
        if not self._authorised():
            return
        length = int(self.headers.get("Content-Length") or 0)
        try:
            payload = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError as error:
            self._reply(400, {"error": f"body is not JSON: {error}"})
            return
        if self.path == "/faults":
            try:
                self.server.lab.faults.update(payload)
            except (FaultConfigError, ValueError, TypeError) as error:
                self._reply(400, {"error": str(error)})
                return
            self._reply(200, self.server.lab.faults.describe())
        elif self.path == "/shutdown":
            self._reply(200, {"stopping": True})
            self.server.shutdown_requested.set()
        else:
            self._reply(404, {"error": f"unknown path {self.path}"})


class AdminServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, lab: "LabServer") -> None:
        self.lab = lab
        self.token = secrets.token_hex(16)
        self.shutdown_requested = threading.Event()
        super().__init__(("127.0.0.1", 0), _AdminHandler)

    def start(self) -> None:
        threading.Thread(target=self.serve_forever, name="admin", daemon=True).start()
        path = self.lab.state_dir / ADMIN_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"port": self.server_address[1], "token": self.token, "pid": os.getpid()}))
        tmp.chmod(0o600)
        os.replace(tmp, path)


class AdminClient:
    """Talks to a running lab's admin interface, found through its state directory."""

    def __init__(self, state_dir: pathlib.Path) -> None:
        try:
            info = json.loads((state_dir / ADMIN_FILE).read_text())
        except FileNotFoundError:
            raise RuntimeError(f"no running lab found in {state_dir} (no {ADMIN_FILE})") from None
        self.base = f"http://127.0.0.1:{info['port']}"
        self.token = info["token"]
        self.pid = int(info["pid"])

    def request(self, method: str, path: str, payload: typing.Any = None, timeout: float = 10) -> typing.Any:
        data = json.dumps(payload).encode() if payload is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={TOKEN_HEADER: self.token, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            detail = json.loads(error.read() or b"{}").get("error", error.reason)
            raise RuntimeError(f"admin request {method} {path} failed: {detail}") from None

    def status(self) -> typing.Any:
        return self.request("GET", "/status")

    def faults(self) -> typing.Any:
        return self.request("GET", "/faults")

    def set_faults(self, settings: dict[str, typing.Any]) -> typing.Any:
        return self.request("POST", "/faults", settings)

    def shutdown(self) -> None:
        self.request("POST", "/shutdown", {})

"""HTTP/1.1 for one emulated server: keep-alive, optional TLS, authentication, message encryption,
and the two WinRM paths (`/PowerShell/` served by IIS on a real Exchange server, `/wsman` by WinRM).

The handler only moves bytes: authentication and encryption here, SOAP in the WSMan layer.
"""

from __future__ import annotations

import dataclasses
import logging
import socket
import ssl
import threading
import typing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from . import encryption
from .auth import Authenticator, ConnectionAuth

log = logging.getLogger(__name__)

MAX_BODY = 16 * 1024 * 1024


class SoapHandler(typing.Protocol):
    @property
    def paths(self) -> tuple[str, ...]:
        """The URL paths served (lower case, no trailing slash); others get 404, as from HTTP.sys."""
        ...

    def handle(self, data: bytes, user: str, client_ip: str, path: str) -> tuple[int, bytes]: ...


class FaultHook(typing.Protocol):
    def __call__(self, server: str, body: bytes) -> str | None: ...


@dataclasses.dataclass
class Site:
    """Everything one listening port needs."""

    name: str
    soap: SoapHandler
    authenticator: Authenticator
    faults: FaultHook
    tls: bool = False
    # The Kerberos service principals this server answers to (lower case, service/fqdn@REALM).
    service_names: frozenset[str] = frozenset()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-HTTPAPI/2.0"
    sys_version = ""
    server: "EmulatorHTTPServer"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.auth = ConnectionAuth()

    def log_message(self, format: str, *args: typing.Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)

    def _send(self, status: int, body: bytes = b"", headers: typing.Sequence[tuple[str, str]] = ()) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()  # TCP_NODELAY (setup) keeps headers and body from waiting on delayed ACKs
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._send(405)

    def do_POST(self) -> None:
        site = self.server.site
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            self._send(411)
            return
        try:
            length = int(length_header)
        except ValueError:
            self._send(400)
            return
        if length > MAX_BODY:
            self._send(413)
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""

        path = urlsplit(self.path).path.lower().rstrip("/")
        if path not in site.soap.paths:
            self._send(404)
            return

        result = site.authenticator.authenticate(self.headers.get("Authorization"), self.auth, path,
                                                 site.service_names)
        if not result.authenticated:
            self._send(401, b"", result.headers)
            return
        headers = list(result.headers)

        content_type = self.headers.get("Content-Type", "")
        encrypted = encryption.is_encrypted(content_type)
        protocol = encryption.protocol_of(content_type)
        if encrypted:
            if self.auth.context is None:
                self._send(400)
                return
            try:
                body = encryption.unwrap(body, content_type, self.auth.context)
            except encryption.EncryptionError as error:
                log.info("could not decrypt a request: %s", error)
                self._send(400)
                return
        elif body and not site.tls and not site.authenticator.policy.for_path(path).allow_unencrypted:
            # As WinRM with AllowUnencrypted=false: plain SOAP over http is refused.
            self._send(401, b"", headers)
            return
        if not body:
            self._send(200, b"", headers)  # an authentication round trip before encryption starts
            return

        fault = site.faults(site.name, body)
        if fault == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault in ("http_500", "http_503"):
            self._send(int(fault[5:]), b"", headers)
            return

        status, reply = site.soap.handle(body, self.auth.user or "", self.client_address[0], path)
        if encrypted and self.auth.context is not None:
            reply = encryption.wrap(reply, protocol, self.auth.context)
            headers.append(("Content-Type", encryption.content_type(protocol)))
        else:
            headers.append(("Content-Type", "application/soap+xml;charset=UTF-8"))
        self._send(status, reply, headers)


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], site: Site,
                 tls_context: ssl.SSLContext | None = None) -> None:
        self.site = site
        self.tls_context = tls_context
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, typing.Any]:
        sock, address = super().get_request()
        if self.tls_context is not None:
            sock = self.tls_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name=f"http-{self.site.name}-{self.port}", daemon=True)
        thread.start()
        return thread

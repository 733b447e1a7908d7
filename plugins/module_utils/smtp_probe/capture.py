# -*- coding: utf-8 -*-  # noqa: UP009
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The capture listener: a small SMTP server (aiosmtpd) on the controller that accepts every message
sent to it during the probe run and keeps it in memory. It delivers and relays nothing.

It runs its own asyncio loop in a thread, so the probes (blocking smtplib) run meanwhile.
"""

from __future__ import annotations

import asyncio
import threading
import time
import typing

from .reports import CapturedMessage

try:
    from aiosmtpd.smtp import SMTP as AioSMTP
    from aiosmtpd.smtp import Envelope, Session
except ImportError as error:
    HAS_AIOSMTPD = False
    AIOSMTPD_IMPORT_ERROR: ImportError | None = error
else:
    HAS_AIOSMTPD = True
    AIOSMTPD_IMPORT_ERROR = None

# Reports quote the original message at most; anything larger is not one of ours.
MAX_MESSAGE_SIZE = 10 * 1024 * 1024


class CaptureError(Exception):
    pass


class _Handler:
    def __init__(self, keep: typing.Callable[[CapturedMessage], None]) -> None:
        self.keep = keep

    async def handle_DATA(self, server: typing.Any, session: "Session", envelope: "Envelope") -> str:
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode("utf-8", "replace")
        # The null sender arrives as "<>"; reports are sent from it.
        mail_from = (envelope.mail_from or "").strip("<>")
        self.keep(CapturedMessage(mail_from=mail_from, rcpt_tos=tuple(envelope.rcpt_tos),
                                  content=bytes(content), received_at=time.time()))
        return "250 2.0.0 Ok: captured by smtp_probe"


class CaptureListener:
    """Listens on host:port (port 0 picks a free port; see .port) until stop()."""

    def __init__(self, host: str, port: int, hostname: str = "smtp-probe-capture") -> None:
        if not HAS_AIOSMTPD:
            raise CaptureError(f"the capture listener needs aiosmtpd: {AIOSMTPD_IMPORT_ERROR}")
        self.host = host
        self.port = port
        self.hostname = hostname
        self._messages: list[CapturedMessage] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def _keep(self, message: CapturedMessage) -> None:
        with self._lock:
            self._messages.append(message)

    def messages(self) -> list[CapturedMessage]:
        with self._lock:
            return list(self._messages)

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        handler = _Handler(self._keep)
        try:
            server = loop.run_until_complete(loop.create_server(
                lambda: AioSMTP(handler, hostname=self.hostname, data_size_limit=MAX_MESSAGE_SIZE,
                                enable_SMTPUTF8=True, ident="smtp_probe capture"),
                host=self.host, port=self.port, reuse_address=True))
        except BaseException as error:  # reported to start(), which raises it in the caller's thread
            self._error = error
            self._ready.set()
            loop.close()
            return
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            server.close()
            loop.run_until_complete(server.wait_closed())
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    def start(self) -> "CaptureListener":
        self._thread = threading.Thread(target=self._serve, name="smtp-probe-capture", daemon=True)
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            error = self._error
            hint = ""
            if isinstance(error, PermissionError) or "ermission" in str(error):
                hint = (" Ports below 1024 need root or CAP_NET_BIND_SERVICE: listen on a higher port and "
                        "forward port 25 to it.")
            elif "in use" in str(error):
                hint = " Another program listens there: choose another capture port."
            raise CaptureError(f"cannot listen on {self.host}:{self.port} for reports: {error}.{hint}")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def __enter__(self) -> "CaptureListener":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

"""Records what an emulated server answers: wraps one server's `WSManService.handle` so that every SOAP
request and response passing through the WSMan layer (plaintext, after HTTP decryption) is kept, in
order, while unmodified clients run a flow against the lab."""

from __future__ import annotations

import contextlib
import threading
import typing

from .flow import Flow, FlowBuilder


class Recorder:
    def __init__(self, service: typing.Any) -> None:
        self.service = service
        self.pairs: list[tuple[bytes, bytes]] = []
        self.statuses: list[int] = []
        self._recording = True
        self._lock = threading.Lock()
        self._original = service.handle
        self._listeners: list[typing.Callable[[bytes, int, bytes], None]] = []

    def _handle(self, data: bytes, user: str, client_ip: str, path: str) -> tuple[int, bytes]:
        status, reply = self._original(data, user, client_ip, path)
        with self._lock:
            if self._recording:
                self.pairs.append((data, reply))
                self.statuses.append(status)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(data, status, reply)
        return status, reply

    def start(self) -> "Recorder":
        self.service.handle = self._handle  # an instance attribute shadows the method
        return self

    def stop(self) -> None:
        if self.service.__dict__.get("handle") == self._handle:
            del self.service.handle

    def __enter__(self) -> "Recorder":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @contextlib.contextmanager
    def paused(self) -> typing.Iterator[None]:
        """Requests made here (test set-up, not the flow under test) are answered but not recorded."""
        with self._lock:
            self._recording = False
        try:
            yield
        finally:
            with self._lock:
                self._recording = True

    def on_response(self, listener: typing.Callable[[bytes, int, bytes], None]) -> None:
        """Call `listener(request, status, response)` after each response (e.g. to count faults)."""
        with self._lock:
            self._listeners.append(listener)

    def flow(self, name: str) -> Flow:
        builder = FlowBuilder(name)
        with self._lock:
            pairs = list(self.pairs)
        for request, response in pairs:
            builder.add(request, response)
        return builder.flow()

"""The audit log: one JSON line per command received, appended, never rewritten.

Each entry has the time, the server and endpoint, the user, the command and its parameters (secrets
redacted), whether the command mutates (and whether it ran under -WhatIf), and the outcome:
`completed`, `error` (non-terminating errors were written), `failed` or `stopped`. Tests use it to prove
that check mode sends no mutating command and that bad input changed nothing.
"""

from __future__ import annotations

import datetime
import json
import os
import pathlib
import threading
import typing

AUDIT_FILE = "audit.jsonl"
Entry = dict[str, typing.Any]


class AuditLog:
    def __init__(self, path: pathlib.Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    def append(self, entry: Entry) -> None:
        line = json.dumps({"time": datetime.datetime.now(datetime.UTC).isoformat(), **entry},
                          sort_keys=False, default=str)
        data = (line + "\n").encode("utf-8")
        with self._lock:
            # O_APPEND keeps whole lines together even with several writer processes.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)


def read(path: pathlib.Path) -> list[Entry]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def matches(entry: Entry, server: str | None = None, command: str | None = None,
            user: str | None = None, mutating: bool | None = None,
            since: str | None = None) -> bool:
    """Filter used by `exchange-emulator audit` and the pytest fixture."""
    if server and entry.get("server", "").lower() != server.lower():
        return False
    if command and entry.get("command", "").lower() != command.lower():
        return False
    if user and entry.get("user", "").lower() != user.lower():
        return False
    if mutating is not None and is_mutating(entry) != mutating:
        return False
    if since and entry.get("time", "") < since:
        return False
    return True


def is_mutating(entry: Entry) -> bool:
    """A command that could change state: a mutating command not run under -WhatIf."""
    return bool(entry.get("mutates")) and not entry.get("what_if")

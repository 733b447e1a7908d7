"""Injected latency and faults, set in the lab file and changeable while the lab runs.

- `session_open_latency`: seconds added when a session (WSMan shell) is created, as opening an Exchange
  remote session costs seconds on real servers (docs/docsite/rst/architecture.rst, "Sessions and speed");
- `command_latency`: seconds added before every command runs;
- `session_cap`: concurrent management sessions per user and server (Exchange's default throttling
  policy allows 18, PowerShellMaxConcurrency); `host_session_cap` the same for /wsman (WinRM's
  MaxShellsPerUser);
- `rules`: HTTP faults on a schedule. A rule counts the requests it matches (optionally only one
  server's, or one WSMan operation's) and acts on the `first`-th, then every `every`-th, at most
  `times` times: `drop` closes the connection without an answer, `http_500` / `http_503` answer with
  that status instead of processing the request.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import typing

ACTIONS = ("drop", "http_500", "http_503")
OPERATIONS = ("Create", "Command", "Send", "Receive", "Signal", "Delete", "Get")
_ACTION_RE = re.compile(rb"<(?:\w+:)?Action[^>]*>[^<]*/([A-Za-z]+)</(?:\w+:)?Action>")


class FaultConfigError(ValueError):
    pass


@dataclasses.dataclass
class FaultRule:
    action: str
    first: int = 1
    every: int = 1
    times: int | None = None
    server: str | None = None
    operation: str | None = None
    seen: int = 0
    fired: int = 0

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise FaultConfigError(f"fault rule action {self.action!r} is not one of {', '.join(ACTIONS)}")
        if self.operation is not None and self.operation not in OPERATIONS:
            raise FaultConfigError(f"fault rule operation {self.operation!r} is not one of {', '.join(OPERATIONS)}")
        if self.first < 1 or self.every < 1 or (self.times is not None and self.times < 0):
            raise FaultConfigError("fault rule needs first >= 1, every >= 1 and times >= 0")

    def hit(self, server: str, operation: str | None) -> bool:
        if self.server and self.server.lower() != server.lower():
            return False
        if self.operation and self.operation != operation:
            return False
        self.seen += 1
        if self.times is not None and self.fired >= self.times:
            return False
        if self.seen < self.first or (self.seen - self.first) % self.every:
            return False
        self.fired += 1
        return True

    def describe(self) -> dict[str, typing.Any]:
        return dataclasses.asdict(self)


class Faults:
    """The lab's current fault settings; thread-safe, changed through the admin interface."""

    def __init__(self, session_open_latency: float = 0.0, command_latency: float = 0.0, session_cap: int = 18,
                 host_session_cap: int = 30, rules: typing.Sequence[dict[str, typing.Any]] = ()) -> None:
        self._lock = threading.Lock()
        self.session_open_latency = 0.0
        self.command_latency = 0.0
        self.session_cap = 18
        self.host_session_cap = 30
        self.rules: list[FaultRule] = []
        self.update({"session_open_latency": session_open_latency, "command_latency": command_latency,
                     "session_cap": session_cap, "host_session_cap": host_session_cap, "rules": list(rules)})

    def update(self, settings: dict[str, typing.Any]) -> None:
        """Apply settings given as a dict (lab file or admin request); unknown keys are errors."""
        known = {"session_open_latency", "command_latency", "session_cap", "host_session_cap", "rules"}
        unknown = set(settings) - known
        if unknown:
            raise FaultConfigError(f"unknown fault settings: {', '.join(sorted(unknown))}; known: "
                                   f"{', '.join(sorted(known))}")
        values = dict(settings)
        for key in ("session_open_latency", "command_latency"):
            if key in values:
                values[key] = float(values[key])
                if values[key] < 0:
                    raise FaultConfigError(f"{key} must be >= 0 seconds")
        for key in ("session_cap", "host_session_cap"):
            if key in values:
                values[key] = int(values[key])
                if values[key] < 1:
                    raise FaultConfigError(f"{key} must be >= 1")
        rules = None
        if "rules" in values:
            try:
                rules = [FaultRule(**rule) for rule in values.pop("rules") or []]
            except TypeError as e:
                raise FaultConfigError(f"bad fault rule: {e}") from None
        with self._lock:
            for key, value in values.items():
                setattr(self, key, value)
            if rules is not None:
                self.rules = rules

    def describe(self) -> dict[str, typing.Any]:
        with self._lock:
            return {"session_open_latency": self.session_open_latency, "command_latency": self.command_latency,
                    "session_cap": self.session_cap, "host_session_cap": self.host_session_cap,
                    "rules": [r.describe() for r in self.rules]}

    def on_request(self, server: str, body: bytes) -> str | None:
        """The fault to inject for this WSMan request, if a rule fires."""
        if not self.rules:
            return None
        match = _ACTION_RE.search(body[:4096])
        operation = match.group(1).decode() if match else None
        with self._lock:
            for rule in self.rules:
                if rule.hit(server, operation):
                    return rule.action
        return None

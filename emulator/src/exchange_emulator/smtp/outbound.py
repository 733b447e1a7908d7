"""Relaying reports and automatic replies to the smart host with smtplib (RFC 5321 client)."""

from __future__ import annotations

import dataclasses
import smtplib

RELAY_TIMEOUT = 10.0


class SmartHostError(ValueError):
    """A smart host address that cannot be used; the message names the field."""


@dataclasses.dataclass(frozen=True)
class SmartHost:
    host: str
    port: int

    @classmethod
    def parse(cls, text: str, field: str = "smtp.smart_host", allow_any_port: bool = False) -> "SmartHost":
        host, sep, port = str(text).rpartition(":")
        lowest = 0 if allow_any_port else 1  # port 0 only where we listen (a free port)
        if not sep or not host or not port.isdigit() or not lowest <= int(port) < 65536:
            raise SmartHostError(f"{field}: expected HOST:PORT (e.g. 127.0.0.1:2525), got {text!r}")
        return cls(host.strip("[]"), int(port))

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


class DeliveryFailed(Exception):
    """The smart host could not be reached or refused the message."""


def relay(smart_host: SmartHost, sender: str, recipient: str, data: bytes, helo: str) -> None:
    """Hand one message to the smart host. `sender` "" sends MAIL FROM:<> (the null reverse-path every
    report uses)."""
    try:
        with smtplib.SMTP(smart_host.host, smart_host.port, local_hostname=helo, timeout=RELAY_TIMEOUT) as client:
            refused = client.sendmail(sender, [recipient], data)
            if refused:
                raise DeliveryFailed(f"{smart_host} refused {recipient}: {refused[recipient]!r}")
    except (TimeoutError, smtplib.SMTPException, OSError) as error:
        raise DeliveryFailed(f"{smart_host}: {type(error).__name__}: {error}") from None

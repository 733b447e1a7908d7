"""The capture sink: an SMTP server that accepts every message and stores it as a file, one .eml per
message in arrival order, so that tests can see exactly what a server sent out.

Stored as a final-delivery MTA would: a `Return-Path:` line with the envelope sender and an
`X-Original-To:` line with the envelope recipients, then the message as received.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email
import email.message
import email.policy
import pathlib
import re
import typing

from aiosmtpd.smtp import SMTP, Envelope, Session

FILE_PATTERN = re.compile(r"^(\d{6})\.eml$")


class CaptureHandler:
    def __init__(self, directory: pathlib.Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        numbers = [int(m.group(1)) for p in directory.iterdir() if (m := FILE_PATTERN.match(p.name))]
        self.next_number = max(numbers, default=0) + 1

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          options: list[str]) -> str:
        envelope.mail_from = address
        return "250 2.1.0 Sender OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        sender = (envelope.mail_from or "").strip("<>")
        head = (f"Return-Path: <{sender}>\r\n"
                f"X-Original-To: {', '.join(envelope.rcpt_tos)}\r\n").encode()
        number = self.next_number
        self.next_number += 1
        target = self.directory / f"{number:06d}.eml"
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(head + content)
        tmp.rename(target)
        return f"250 2.6.0 Queued as {number:06d}"


async def start_sink(directory: pathlib.Path, host: str = "127.0.0.1", port: int = 0) -> asyncio.Server:
    """Serve a capture sink on the running loop; the bound port is server.sockets[0].getsockname()[1]."""
    handler = CaptureHandler(directory)
    loop = asyncio.get_running_loop()
    return await loop.create_server(lambda: SMTP(handler, hostname="capture-sink", loop=loop), host, port)


# ---------------------------------------------------------------------------------------------- reading back
@dataclasses.dataclass(frozen=True)
class CapturedMessage:
    path: pathlib.Path
    message: email.message.EmailMessage

    @property
    def envelope_from(self) -> str:
        return str(self.message.get("Return-Path", "")).strip().strip("<>")

    @property
    def envelope_to(self) -> list[str]:
        return [a.strip() for a in str(self.message.get("X-Original-To", "")).split(",") if a.strip()]

    @property
    def report_type(self) -> str:
        """ndr, dsn (a positive delivery report), auto_reply, or message."""
        if self.message.get_content_type() == "multipart/report":
            actions = {s["action"].lower() for s in self.statuses()}
            return "ndr" if "failed" in actions else "dsn"
        if str(self.message.get("Auto-Submitted", "no")).lower() != "no":
            return "auto_reply"
        return "message"

    def statuses(self) -> list[dict[str, str]]:
        """Per-recipient fields of the message/delivery-status part (empty for other messages)."""
        found: list[dict[str, str]] = []
        for part in self.message.walk():
            if part.get_content_type() == "message/delivery-status":
                blocks = typing.cast(list[email.message.Message], part.get_payload())
                for block in blocks[1:]:
                    found.append({"recipient": str(block.get("Final-Recipient", "")).partition(";")[2].strip(),
                                  "action": str(block.get("Action", "")), "status": str(block.get("Status", "")),
                                  "diagnostic": str(block.get("Diagnostic-Code", ""))})
        return found

    def summary(self) -> dict[str, typing.Any]:
        return {"file": self.path.name, "from": self.envelope_from, "to": self.envelope_to,
                "subject": str(self.message.get("Subject", "")), "type": self.report_type,
                "recipients": [{"recipient": s["recipient"], "status": s["status"], "action": s["action"]}
                               for s in self.statuses()]}


def read_captured(directory: pathlib.Path) -> list[CapturedMessage]:
    if not directory.is_dir():
        return []
    paths = sorted(p for p in directory.iterdir() if FILE_PATTERN.match(p.name))
    return [CapturedMessage(p, email.message_from_bytes(p.read_bytes(), policy=email.policy.default)) for p in paths]

# -*- coding: utf-8 -*-  # noqa: UP009
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which probe a received message belongs to, and what it is.

- A delivery status notification (RFC 3464: multipart/report; report-type=delivery-status) names each
  recipient it reports on in Final-Recipient and Original-Recipient; the probe's token is in the
  nonexistent recipient's local part. Its Action says failed, delayed, delivered, relayed or expanded.
- An automatic reply (out of office, auto-responder; RFC 3834) refers to the probe's Message-ID in
  In-Reply-To or References, usually repeats the subject with its token, and says Auto-Submitted:
  auto-replied.
- Anything else that carries a token (a report in another format that quotes the message) still
  belongs to that probe.
"""

from __future__ import annotations

import dataclasses
import email
import email.message
import email.policy
import functools
import re
import typing


@dataclasses.dataclass(frozen=True)
class CapturedMessage:
    """A message the capture listener received: envelope and raw content."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes
    received_at: float   # seconds since the epoch


@dataclasses.dataclass(frozen=True)
class Report:
    """A received message, read: `kind` is dsn, auto_reply, other (carries a token) or unattributed."""

    kind: str
    token: str | None
    mail_from: str
    rcpt_tos: tuple[str, ...]
    subject: str
    recipient: str | None = None     # DSN: the reported recipient that carries the token
    action: str | None = None        # DSN: failed, delayed, delivered, relayed, expanded
    status: str | None = None        # DSN: the enhanced status code, e.g. 5.1.1
    diagnostic: str | None = None    # DSN: the Diagnostic-Code, e.g. smtp; 550 5.1.1 ...
    received_at: float = 0.0

    def sent_to(self, address: str) -> bool:
        return address.lower() in (r.lower() for r in self.rcpt_tos)


def _text(part: email.message.Message) -> str:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload.decode(part.get_content_charset() or "utf-8", "replace")
    return str(part.get_payload()) if not part.is_multipart() else ""


def _dsn_fields(message: email.message.Message) -> list[dict[str, str]]:
    """The per-recipient field groups of the message/delivery-status part (the first group is the
    per-message one and is left out)."""
    groups: list[dict[str, str]] = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        if isinstance(payload, list):
            # The email package parses each field group as a header block of its own.
            blocks = [dict((k.lower(), str(v)) for k, v in p.items()) for p in payload
                      if isinstance(p, email.message.Message)]
        else:
            text = _text(part)
            blocks = []
            for chunk in re.split(r"\r?\n\s*\r?\n", text.strip()):
                fields = {}
                for line in re.sub(r"\r?\n[ \t]+", " ", chunk).splitlines():
                    name, colon, value = line.partition(":")
                    if colon and value:
                        fields[name.strip().lower()] = value.strip()
                blocks.append(fields)
        groups.extend(b for b in blocks if "final-recipient" in b or "original-recipient" in b)
    return groups


def _address(field: str | None) -> str | None:
    """'rfc822; someone@example.org' -> 'someone@example.org'."""
    if not field:
        return None
    return field.split(";", 1)[-1].strip().strip("<>") or None


def _find_token(text: str, tokens: typing.Collection[str]) -> str | None:
    lowered = text.lower()
    for token in tokens:
        if token.lower() in lowered:
            return token
    return None


def read_report(captured: CapturedMessage, tokens: typing.Collection[str]) -> Report:
    """Reads a received message and attributes it to the probe whose token it carries."""
    message = email.message_from_bytes(captured.content, policy=email.policy.compat32)
    subject = str(message.get("Subject", "") or "")
    report = functools.partial(Report, mail_from=captured.mail_from, rcpt_tos=captured.rcpt_tos, subject=subject,
                               received_at=captured.received_at)
    is_report = message.get_content_type() == "multipart/report" and \
        str(message.get_param("report-type", "") or "").lower() == "delivery-status"
    groups = _dsn_fields(message) if is_report else []

    def dsn(token: str, group: dict[str, str], recipient: str | None) -> Report:
        return report(kind="dsn", token=token, recipient=recipient,
                      action=(group.get("action") or "").strip().lower() or None,
                      status=(group.get("status") or "").strip() or None,
                      diagnostic=group.get("diagnostic-code"))

    for group in groups:
        for name in ("final-recipient", "original-recipient"):
            recipient = _address(group.get(name))
            token = _find_token(recipient or "", tokens)
            if token:
                return dsn(token, group, recipient)
    if not is_report:
        references = " ".join(str(message.get(h, "") or "") for h in ("In-Reply-To", "References"))
        auto_submitted = str(message.get("Auto-Submitted", "no") or "no").strip().lower()
        token = _find_token(references, tokens)
        if token or (auto_submitted != "no" and _find_token(subject, tokens)):
            return report(kind="auto_reply", token=token or _find_token(subject, tokens))
    # Last resort: a token anywhere in the message (a report that quotes the original in its own format).
    token = _find_token(captured.content.decode("utf-8", "replace"), tokens)
    if token and groups:
        # A report on a recipient that exists (a full mailbox, say) names no token in its recipients; the
        # returned message carries it. Its first recipient is the one reported on.
        return dsn(token, groups[0], _address(groups[0].get("final-recipient") or groups[0].get("original-recipient")))
    if token:
        return report(kind="dsn" if is_report else "other", token=token)
    return report(kind="unattributed", token=None)

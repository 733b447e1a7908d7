# -*- coding: utf-8 -*-  # noqa: UP009
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The probe plan: which probes run, in which order, with which sender, recipients and token.

Every probe carries a token of its own (random per run, numbered per probe). It is the local part of the
nonexistent recipient and appears in the test message's subject, Message-ID and body, so that a report
that comes back (an RFC 3464 delivery status notification names the recipient, an automatic reply
quotes the subject or refers to the Message-ID) says which probe caused it.
"""

from __future__ import annotations

import dataclasses
import email.utils
import secrets
import typing

FORGED_UNKNOWN = "forged_unknown"            # forged sender -> nonexistent recipient
NULL_SENDER_UNKNOWN = "null_sender_unknown"  # MAIL FROM:<> -> nonexistent recipient
VALID_AND_UNKNOWN = "valid_and_unknown"      # one valid and one nonexistent recipient in one transaction
VALID = "valid"                              # a valid recipient
KINDS = (FORGED_UNKNOWN, NULL_SENDER_UNKNOWN, VALID_AND_UNKNOWN, VALID)
NEEDS_VALID_RECIPIENT = (VALID_AND_UNKNOWN, VALID)

UNKNOWN_PREFIX = "nonexistent-probe-"


@dataclasses.dataclass(frozen=True)
class Recipient:
    address: str
    exists: bool   # what the probe assumes: a listed valid recipient, or a made-up one


@dataclasses.dataclass(frozen=True)
class Probe:
    id: str
    kind: str
    token: str
    sender: str                      # "" is the null sender
    recipients: tuple[Recipient, ...]

    @property
    def forged(self) -> bool:
        """Sent with the forged sender, whose reports the run watches."""
        return self.sender != ""

    @property
    def message_id(self) -> str:
        return f"<{self.token}@smtp-probe.invalid>"

    @property
    def subject(self) -> str:
        return f"[smtp_probe {self.token}] backscatter test message, please discard"


@dataclasses.dataclass(frozen=True)
class Skipped:
    kind: str
    count: int
    reason: str


@dataclasses.dataclass(frozen=True)
class Plan:
    run_id: str
    probes: tuple[Probe, ...]
    skipped: tuple[Skipped, ...]

    def by_token(self) -> dict[str, Probe]:
        return {p.token: p for p in self.probes}


def new_run_id() -> str:
    return secrets.token_hex(4)


def build_plan(counts: typing.Mapping[str, int], recipient_domain: str, valid_recipients: typing.Sequence[str],
               sender: str, run_id: str | None = None) -> Plan:
    """Probes for the given counts, interleaved kind by kind (so that a run stopped early still covers
    every kind); probes that need a valid recipient are skipped when none is given. The valid
    recipients are used in turn."""
    run_id = run_id or new_run_id()
    skipped = []
    wanted: dict[str, int] = {}
    for kind in KINDS:
        count = int(counts.get(kind, 0) or 0)
        if count and kind in NEEDS_VALID_RECIPIENT and not valid_recipients:
            skipped.append(Skipped(kind, count, "no valid_recipients given"))
            continue
        wanted[kind] = count
    probes: list[Probe] = []
    valid_turn = 0
    for round_number in range(max(wanted.values(), default=0)):
        for kind in KINDS:
            if round_number >= wanted.get(kind, 0):
                continue
            token = f"{run_id}{len(probes) + 1:04d}"
            unknown = Recipient(f"{UNKNOWN_PREFIX}{token}@{recipient_domain}", exists=False)
            recipients: tuple[Recipient, ...]
            if kind in NEEDS_VALID_RECIPIENT:
                valid = Recipient(valid_recipients[valid_turn % len(valid_recipients)], exists=True)
                valid_turn += 1
                recipients = (valid, unknown) if kind == VALID_AND_UNKNOWN else (valid,)
            else:
                recipients = (unknown,)
            probes.append(Probe(id=f"p{len(probes) + 1}-{kind}", kind=kind, token=token,
                                sender="" if kind == NULL_SENDER_UNKNOWN else sender, recipients=recipients))
    return Plan(run_id=run_id, probes=tuple(probes), skipped=tuple(skipped))


def probe_message(probe: Probe, host: str, helo: str) -> bytes:
    """The small, clearly labelled message a probe sends in send mode (CRLF line ends, ASCII)."""
    headers = [
        ("From", f"<{probe.sender}>" if probe.sender else f"<mailer-daemon@{helo}>"),
        ("To", ", ".join(f"<{r.address}>" for r in probe.recipients)),
        ("Subject", probe.subject),
        ("Date", email.utils.formatdate(localtime=False)),
        ("Message-ID", probe.message_id),
        ("X-Smtp-Probe-Token", probe.token),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=us-ascii"),
    ]
    body = [
        f"This is a test message of mailhygiene.exchange smtp_probe (token {probe.token}).",
        "",
        f"It measures whether {host} sends non-delivery reports or automatic replies",
        "to the sender of mail it accepted for recipients that do not exist (backscatter).",
        f"It was sent from {helo}. Please discard it; no reply is needed.",
    ]
    lines = ["{}: {}".format(*header) for header in headers] + [""] + body
    return ("\r\n".join(lines) + "\r\n").encode("ascii")

# -*- coding: utf-8 -*-  # noqa: UP009
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SMTP replies as the probe records them, and what a temporary (4xx) reply most likely means."""

from __future__ import annotations

import dataclasses
import re
import typing

# RFC 3463 enhanced status code at the start of the reply text: class.subject.detail.
ENHANCED_STATUS = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})(?=\s|$)")

GREYLISTING_WORDS = re.compile(r"grey|gray|try again later|please retry|come back later|deferred", re.IGNORECASE)
RATE_LIMIT_WORDS = re.compile(r"rate|too many|limit|throttl|slow down|busy|concurrent|exceeded", re.IGNORECASE)
RETRY_AFTER = re.compile(r"(?:in|after|wait)\s+(\d+)\s*(s|sec|secs|seconds|m|min|mins|minutes)\b", re.IGNORECASE)

# Greylisting policies mostly ask for a pause of one to fifteen minutes; five is a common default.
DEFAULT_GREYLIST_RETRY = 300


@dataclasses.dataclass(frozen=True)
class Reply:
    """One reply to one command: code, enhanced status code (None when the server sends none), text
    without the enhanced code, and seconds from sending the command to the end of the reply."""

    code: int
    enhanced: str | None
    text: str
    latency: float

    @property
    def positive(self) -> bool:
        return 200 <= self.code < 400

    @property
    def temporary(self) -> bool:
        return 400 <= self.code < 500

    @property
    def permanent(self) -> bool:
        return self.code >= 500

    def describe(self) -> str:
        return " ".join(str(part) for part in (self.code, self.enhanced, self.text) if part)

    def as_dict(self) -> dict[str, typing.Any]:
        return {"code": self.code, "enhanced_status": self.enhanced, "text": self.text,
                "latency": round(self.latency, 3)}


def parse_reply(code: int, message: bytes | str, latency: float) -> Reply:
    """A reply from smtplib's (code, message): the multi-line text joined with spaces; the enhanced
    status code taken from the first line (servers repeat it on every line)."""
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    enhanced = None
    cleaned = []
    for line in lines:
        match = ENHANCED_STATUS.match(line)
        if match:
            enhanced = enhanced or "{}.{}.{}".format(*match.groups())
            line = line[match.end():].strip()
        cleaned.append(line)
    return Reply(code=code, enhanced=enhanced, text=" ".join(cleaned), latency=latency)


@dataclasses.dataclass(frozen=True)
class TemporaryCause:
    """What a 4xx most likely means: 'greylisting', 'rate_limiting' or 'temporary', and how long to wait."""

    cause: str
    retry_after: int


def temporary_cause(reply: Reply) -> TemporaryCause:
    """Reads a 4xx reply: greylisting policies and rate limits say so in their text (Postfix policy
    servers, Exchange's 'Too many connections', 4.7.x policy codes); anything else is a plain temporary
    failure (a lookup the server could not finish, a full queue)."""
    text = reply.text
    match = RETRY_AFTER.search(text)
    wait = None
    if match:
        wait = int(match.group(1)) * (60 if match.group(2).lower().startswith("m") else 1)
    if GREYLISTING_WORDS.search(text):
        return TemporaryCause("greylisting", wait or DEFAULT_GREYLIST_RETRY)
    if RATE_LIMIT_WORDS.search(text) or reply.code == 421 or (reply.enhanced or "").startswith(("4.7.", "4.5.3")):
        return TemporaryCause("rate_limiting", wait or 60)
    return TemporaryCause("temporary", wait or 60)

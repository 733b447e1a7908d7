"""The SMTP protocol as an Exchange front door speaks it, on top of aiosmtpd's SMTP class.

aiosmtpd parses commands, DATA, STARTTLS and AUTH; this subclass takes over MAIL and RCPT (the null
reverse-path, the DSN parameters of RFC 3461 with their case kept, Exchange's replies), keeps the
transaction's recipients with their NOTIFY/ORCPT, and rewrites aiosmtpd's own replies into the
enhanced-status replies Exchange sends (RFC 2034, RFC 3463).
"""

from __future__ import annotations

import dataclasses
import email.utils
import re
import typing

from aiosmtpd.smtp import SMTP, syntax

MAX_MESSAGE_SIZE = 37748736  # a receive connector's default MaxMessageSize (36 MB)
ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$")
PATH = re.compile(r"^(?P<keyword>FROM|TO):\s*(?P<path><[^<>]*>|[^\s<>]+)(?P<params>(\s+\S+)*)\s*$", re.IGNORECASE)
NOTIFY_VALUES = ("SUCCESS", "FAILURE", "DELAY")

# aiosmtpd's replies → Exchange's (matched on the start of the reply).
REPLIES: tuple[tuple[str, typing.Callable[[str], str]], ...] = (
    ("500 Error: command ", lambda s: "500 5.3.3 Unrecognized command '{}'".format(
        re.sub(r'^500 Error: command "(.*)" not recognized$', r"\1", s))),
    ("500 Command line too long", lambda s: "500 5.5.2 Line too long"),
    ("500 Error: line too long", lambda s: "500 5.5.2 Line too long"),
    ("500 Error: bad syntax", lambda s: "500 5.5.2 Syntax error, command unrecognized"),
    ("503 Error: need RCPT command", lambda s: "503 5.5.1 Need rcpt command"),
    ("503 Error: need MAIL command", lambda s: "503 5.5.1 Need mail command"),
    ("503 Error: send HELO first", lambda s: "503 5.5.1 Send hello first"),
    ("503 Error: send EHLO first", lambda s: "503 5.5.1 Send EHLO first"),
    ("503 Error: nested MAIL command", lambda s: "503 5.5.1 Sender already specified"),
    ("552 Error: Too much mail data", lambda s: "552 5.3.4 Message size exceeds fixed maximum message size"),
    ("354 End data with", lambda s: "354 Start mail input; end with <CRLF>.<CRLF>"),
    ("250 OK", lambda s: "250 2.0.0 OK"),
    ("221 Bye", lambda s: "221 2.0.0 Service closing transmission channel"),
    ("220 Ready to start TLS", lambda s: "220 2.0.0 SMTP server ready"),
    ("235 2.7.0 Authentication successful", lambda s: "235 2.7.0 Authentication successful"),
)
# Added to replies without an enhanced code (never to 250 lines: EHLO keywords have none).
DEFAULT_ENHANCED = {"221": "2.0.0", "421": "4.3.2", "500": "5.5.2", "501": "5.5.4",
                    "502": "5.5.1", "503": "5.5.1", "504": "5.5.4", "530": "5.7.0", "535": "5.7.8",
                    "552": "5.3.4", "554": "5.0.0", "555": "5.5.4"}


def exchange_reply(status: str) -> str:
    """aiosmtpd's wording replaced by Exchange's; an enhanced status code added where one is missing."""
    for prefix, rewrite in REPLIES:
        if status.startswith(prefix):
            return rewrite(status)
    code, sep, text = status.partition(status[3:4] if len(status) > 3 and status[3] in " -" else " ")
    if sep and code in DEFAULT_ENHANCED and not re.match(r"^\d\.\d{1,3}\.\d{1,3}( |$)", text):
        return f"{code}{sep}{DEFAULT_ENHANCED[code]} {text}"
    return status


def xtext_decode(text: str) -> str:
    """RFC 3461 xtext: `+HH` is the character with that hex code."""
    return re.sub(r"\+([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), text)


@dataclasses.dataclass
class Recipient:
    address: str
    notify: frozenset[str] = frozenset({"FAILURE"})  # RFC 3461 default: failures only
    orcpt: str | None = None


@dataclasses.dataclass
class Transaction:
    """One mail transaction (MAIL to end of DATA or RSET), and what the audit log records about it."""
    mail_from: str | None = None          # None: no MAIL yet; "" the null reverse-path
    ret: str | None = None
    envid: str | None = None
    recipients: list[Recipient] = dataclasses.field(default_factory=list)
    rcpt_log: list[dict[str, typing.Any]] = dataclasses.field(default_factory=list)
    validation_refused: bool = False      # a recipient-filter refusal (fails the whole message on Mailbox)
    data_reply: str | None = None
    outcomes: list[dict[str, typing.Any]] = dataclasses.field(default_factory=list)


class ExchangeSMTP(SMTP):
    """One client connection to an emulated server's port 25. The event handler (server.FrontHandler)
    decides every recipient and what happens to an accepted message."""

    def __init__(self, handler: typing.Any, banner: str, **kwargs: typing.Any) -> None:
        super().__init__(handler, data_size_limit=MAX_MESSAGE_SIZE, **kwargs)
        self.banner = banner
        self.greeted = False
        self.transaction = Transaction()

    # ------------------------------------------------------------------ replies
    async def push(self, status: typing.AnyStr) -> None:
        text = status.decode("utf-8") if isinstance(status, bytes) else str(status)
        if not self.greeted and text.startswith("220 "):
            self.greeted = True
            text = self.banner
        await super().push(exchange_reply(text))

    async def _handle_client(self) -> None:
        refusal = self.event_handler.refuse_connection(self)
        if refusal:
            # A disabled receive connector: the listener answers 421 and closes (as a server whose
            # connector is being disabled does with new connections), rather than refusing the TCP
            # connection, so that clients see why.
            await super().push(refusal)
            if self.transport is not None:
                self.transport.close()
            return
        await super()._handle_client()

    def connection_lost(self, error: Exception | None) -> None:
        self.end_transaction()
        super().connection_lost(error)

    # ------------------------------------------------------------------ the transaction and the audit log
    def end_transaction(self) -> None:
        if self.transaction.mail_from is not None:
            self.event_handler.record_transaction(self, self.transaction)
        self.transaction = Transaction()
        if self.envelope is not None:
            self.envelope.rcpt_tos = []
            self.envelope.mail_from = None

    async def smtp_HELO(self, hostname: str) -> None:
        self.end_transaction()
        await super().smtp_HELO(hostname)

    async def smtp_EHLO(self, hostname: str) -> None:
        self.end_transaction()
        await super().smtp_EHLO(hostname)

    async def smtp_RSET(self, arg: str) -> None:
        self.end_transaction()
        await super().smtp_RSET(arg)

    async def smtp_QUIT(self, arg: str) -> None:
        self.end_transaction()
        await super().smtp_QUIT(arg)

    # ------------------------------------------------------------------ MAIL
    def _parse_path(self, keyword: str, arg: str | None) -> tuple[str, dict[str, str]] | str:
        """(address, parameters) or an error reply."""
        match = PATH.match(arg or "")
        if match is None or match.group("keyword").upper() != keyword:
            return f"501 5.5.4 Invalid arguments: expected {keyword}:<address>"
        address = match.group("path").strip("<>").strip()
        params: dict[str, str] = {}
        for item in match.group("params").split():
            key, _, value = item.partition("=")
            if not key.isalnum():
                return f"501 5.5.4 Invalid parameter {item!r}"
            params[key.upper()] = value
        return address, params

    @syntax("MAIL FROM: <address>", extended=" [SP <mail-parameters>]")
    async def smtp_MAIL(self, arg: str | None) -> None:
        if await self.check_helo_needed() or await self.check_auth_needed("MAIL"):
            return
        if self.transaction.mail_from is not None:
            await self.push("503 5.5.1 Sender already specified")
            return
        parsed = self._parse_path("FROM", arg)
        if isinstance(parsed, str):
            await self.push(parsed)
            return
        address, params = parsed
        if address and not ADDRESS.match(address):
            await self.push("501 5.1.7 Invalid address")
            return
        transaction = Transaction(mail_from=address)
        for key, value in params.items():
            if key == "SIZE":
                if not value.isdigit():
                    await self.push("501 5.5.4 Invalid SIZE parameter")
                    return
                if int(value) > MAX_MESSAGE_SIZE:
                    await self.push("552 5.3.4 Message size exceeds fixed maximum message size")
                    return
            elif key == "BODY":
                if value.upper() not in ("7BIT", "8BITMIME"):
                    await self.push("501 5.5.4 Invalid BODY parameter: expected 7BIT or 8BITMIME")
                    return
            elif key == "RET":
                if value.upper() not in ("FULL", "HDRS"):
                    await self.push("501 5.5.4 Invalid RET parameter: expected FULL or HDRS")
                    return
                transaction.ret = value.upper()
            elif key == "ENVID":
                if not value:
                    await self.push("501 5.5.4 Invalid ENVID parameter")
                    return
                transaction.envid = xtext_decode(value)
            elif key != "AUTH":  # AUTH=<> of RFC 4954 is accepted and ignored
                await self.push(f"555 5.5.4 Unsupported option: {key}")
                return
        self.transaction = transaction
        assert self.envelope is not None
        self.envelope.mail_from = address
        await self.push("250 2.1.0 Sender OK")

    # ------------------------------------------------------------------ RCPT
    @syntax("RCPT TO: <address>", extended=" [SP <mail-parameters>]")
    async def smtp_RCPT(self, arg: str | None) -> None:
        if await self.check_helo_needed() or await self.check_auth_needed("RCPT"):
            return
        if self.transaction.mail_from is None:
            await self.push("503 5.5.1 Need mail command")
            return
        parsed = self._parse_path("TO", arg)
        if isinstance(parsed, str):
            await self.push(parsed)
            return
        address, params = parsed
        if not ADDRESS.match(address):
            await self.push("501 5.1.3 Invalid address")
            return
        recipient = Recipient(address)
        for key, value in params.items():
            if key == "NOTIFY":
                values = frozenset(v.strip().upper() for v in value.split(","))
                if values != {"NEVER"} and not (values and values <= set(NOTIFY_VALUES)):
                    await self.push("501 5.5.4 Invalid NOTIFY parameter: NEVER, or any of SUCCESS, FAILURE, DELAY")
                    return
                recipient.notify = frozenset() if values == {"NEVER"} else values
            elif key == "ORCPT":
                kind, sep, original = value.partition(";")
                if not sep or not original:
                    await self.push("501 5.5.4 Invalid ORCPT parameter: expected addr-type;address")
                    return
                recipient.orcpt = f"{kind};{xtext_decode(original)}"
            else:
                await self.push(f"555 5.5.4 Unsupported option: {key}")
                return
        reply = await self.event_handler.decide_recipient(self, recipient)
        if reply.startswith("250"):
            assert self.envelope is not None
            self.envelope.rcpt_tos.append(address)
            self.transaction.recipients.append(recipient)
        await self.push(reply)

    # ------------------------------------------------------------------ DATA
    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        if self.transaction.mail_from is None:
            await self.push("503 5.5.1 Need mail command")
            return
        refusal = self.event_handler.refuse_data(self)
        if refusal:
            self.transaction.data_reply = refusal
            await self.push(refusal)
            self.end_transaction()
            return
        started = bool(self.transaction.recipients)  # otherwise aiosmtpd answers 503 and the transaction goes on
        await super().smtp_DATA(arg)
        if started:
            self.end_transaction()

    @property
    def peer_address(self) -> str:
        peer = self.session.peer if self.session is not None else None
        return str(peer[0]) if isinstance(peer, tuple) else str(peer)

    def greeting(self, fqdn: str) -> str:
        return f"250-{fqdn} Hello [{self.peer_address}]"


def banner_text(fqdn: str, custom: str | None) -> str:
    """Exchange's greeting, or the receive connector's Banner when one is set."""
    if custom:
        return custom if custom[:4] in ("220 ", "220-") else f"220 {custom}"
    return f"220 {fqdn} Microsoft ESMTP MAIL Service ready at {email.utils.formatdate(localtime=True)}"

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: UP009
"""Enhanced mail system status codes (RFC 3463, with the later additions of the IANA registry), SMTP
replies and RFC 3464 delivery status notifications, explained for an Exchange administrator.

No Ansible imports: the ndr_explain filter uses it, and so can modules (smtp_probe)."""

from __future__ import annotations

import dataclasses
import email
import email.message
import email.policy
import re
import typing


class NotAnNdr(ValueError):
    """Input that is neither a status code, nor an SMTP reply, nor a delivery status report."""


# RFC 3463 section 3.1: the class is the first digit; only 2, 4 and 5 are defined.
CLASSES: dict[int, str] = {
    2: "Success: the report is about a positive delivery action",
    4: "Persistent Transient Failure: the message is valid, but a temporary condition stopped or delayed "
       "it; sending it again may succeed",
    5: "Permanent Failure: sending the message again in the same form will not succeed",
}

# RFC 3463 section 3.2: the subject, second number.
SUBJECTS: dict[int, str] = {
    0: "Other or Undefined Status",
    1: "Addressing Status",
    2: "Mailbox Status",
    3: "Mail System Status",
    4: "Network and Routing Status",
    5: "Mail Delivery Protocol Status",
    6: "Message Content or Media Status",
    7: "Security or Policy Status",
}

# (subject, detail) -> meaning. RFC 3463 section 3.3 onwards, then the later registrations (their RFC named).
DETAILS: dict[tuple[int, int], str] = {
    (0, 0): "Other undefined Status",
    (1, 0): "Other address status",
    (1, 1): "Bad destination mailbox address",
    (1, 2): "Bad destination system address",
    (1, 3): "Bad destination mailbox address syntax",
    (1, 4): "Destination mailbox address ambiguous",
    (1, 5): "Destination address valid",
    (1, 6): "Destination mailbox has moved, No forwarding address",
    (1, 7): "Bad sender's mailbox address syntax",
    (1, 8): "Bad sender's system address",
    (1, 9): "Message relayed to non-compliant mailer (RFC 3886)",
    (1, 10): "Recipient address has null MX (RFC 7505)",
    (2, 0): "Other or undefined mailbox status",
    (2, 1): "Mailbox disabled, not accepting messages",
    (2, 2): "Mailbox full",
    (2, 3): "Message length exceeds administrative limit",
    (2, 4): "Mailing list expansion problem",
    (3, 0): "Other or undefined mail system status",
    (3, 1): "Mail system full",
    (3, 2): "System not accepting network messages",
    (3, 3): "System not capable of selected features",
    (3, 4): "Message too big for system",
    (3, 5): "System incorrectly configured",
    (4, 0): "Other or undefined network or routing status",
    (4, 1): "No answer from host",
    (4, 2): "Bad connection",
    (4, 3): "Directory server failure",
    (4, 4): "Unable to route",
    (4, 5): "Mail system congestion",
    (4, 6): "Routing loop detected",
    (4, 7): "Delivery time expired",
    (5, 0): "Other or undefined protocol status",
    (5, 1): "Invalid command",
    (5, 2): "Syntax error",
    (5, 3): "Too many recipients",
    (5, 4): "Invalid command arguments",
    (5, 5): "Wrong protocol version",
    (5, 6): "Authentication exchange line is too long (RFC 4954)",
    (6, 0): "Other or undefined media error",
    (6, 1): "Media not supported",
    (6, 2): "Conversion required and prohibited",
    (6, 3): "Conversion required but not supported",
    (6, 4): "Conversion with loss performed",
    (6, 5): "Conversion Failed",
    (6, 7): "Non-ASCII addresses not permitted for that sender/recipient (RFC 6531)",
    (6, 8): "UTF-8 string reply is required, but not permitted by the SMTP client (RFC 6531)",
    (6, 9): "UTF-8 header message cannot be transferred to one or more recipients (RFC 6531)",
    (7, 0): "Other or undefined security status",
    (7, 1): "Delivery not authorized, message refused",
    (7, 2): "Mailing list expansion prohibited",
    (7, 3): "Security conversion required but not possible",
    (7, 4): "Security features not supported",
    (7, 5): "Cryptographic failure",
    (7, 6): "Cryptographic algorithm not supported",
    (7, 7): "Message integrity failure",
    (7, 8): "Authentication credentials invalid (RFC 4954)",
    (7, 9): "Authentication mechanism is too weak (RFC 4954)",
    (7, 10): "Encryption needed (RFC 5248)",
    (7, 11): "Encryption required for requested authentication mechanism (RFC 4954)",
    (7, 12): "A password transition is needed (RFC 4954)",
    (7, 13): "User account disabled (RFC 5248)",
    (7, 14): "Trust relationship required (RFC 5248)",
    (7, 20): "No passing DKIM signature found (RFC 7372)",
    (7, 21): "No acceptable DKIM signature found (RFC 7372)",
    (7, 22): "No valid author-matched DKIM signature found (RFC 7372)",
    (7, 23): "SPF validation failed (RFC 7372)",
    (7, 24): "SPF validation error (RFC 7372)",
    (7, 25): "Reverse DNS validation failed (RFC 7372)",
    (7, 26): "Multiple authentication checks failed (RFC 7372)",
    (7, 27): "Sender address has null MX (RFC 7505)",
}

# What an administrator should look at, per subject, for codes Exchange gives no meaning of its own.
SUBJECT_GUIDANCE: dict[int, tuple[str, str]] = {
    0: ("The receiving system gave no more specific reason than the reply text.",
        "Read the reply text and the logs of the server that produced it (on Exchange: message tracking and the "
        "SMTP protocol logs)."),
    1: ("An address of the message (recipient, recipient domain or sender) is wrong, unknown or malformed.",
        "Check the address for typos and that it exists; for your own domains check the accepted domains and the "
        "recipients' proxy addresses."),
    2: ("The recipient's mailbox exists but cannot take the message (disabled, full or over a size limit).",
        "Check the mailbox's state, quota and receive size limit."),
    3: ("The receiving mail system itself cannot take the message (resources, configuration or a missing "
        "feature).",
        "Check the receiving server's health (disk space, back pressure) and its configuration."),
    4: ("Delivery failed on the way: DNS, connections, routing or queue expiry.",
        "Check DNS (MX and A records) for the recipient domain, the connection to the next hop, the send "
        "connectors and the queues."),
    5: ("The SMTP conversation itself went wrong (commands, syntax, limits of the protocol).",
        "Check the sending client's SMTP implementation, devices that inspect SMTP on the way, and the receive "
        "connector's protocol limits."),
    6: ("The content could not be carried or converted (media type, character set, internationalised "
        "addresses).",
        "Check the message's format and the content conversion settings."),
    7: ("A security or policy decision refused the message (authorisation, authentication, encryption, "
        "sender checks).",
        "Check the receive connector's permissions and authentication, transport rules, the anti-spam agents, "
        "and SPF/DKIM/DMARC and reputation of the sending side."),
}

RECIPIENT_VALIDATION_HINT = (
    "The recipient does not exist. Rejected during the SMTP conversation (at RCPT TO) this reaches only the "
    "sending server; a server that accepts the message first and bounces it later with this code sends "
    "backscatter to the (often forged) sender: turn on recipient validation so unknown recipients are rejected "
    "at RCPT instead.")


@dataclasses.dataclass(frozen=True)
class ExchangeCode:
    """What Exchange means by a status code, and what its administrator should check and do."""

    meaning: str
    cause: str
    remedy: str
    backscatter_hint: str | None = None


EXCHANGE_CODES: dict[str, ExchangeCode] = {
    "4.2.2": ExchangeCode(
        "The recipient's mailbox is over its size limit.",
        "The mailbox reached its quota (ProhibitSendReceiveQuota) and takes no more mail for now.",
        "Have the user clean up or archive, or raise the quota (Set-Mailbox); Get-MailboxStatistics shows the "
        "size."),
    "4.3.1": ExchangeCode(
        "The server is out of memory or disk space.",
        "Transport back pressure: the disk holding the queue database, or memory, is over its threshold, so "
        "the server refuses new mail for a while.",
        "Free disk space on the transport queue drive (or move the queue database) and check the back pressure "
        "events in the Application log."),
    "4.3.2": ExchangeCode(
        "The message was deleted from a queue by an administrator, or the server is not accepting mail.",
        "Someone removed the message from a queue (Remove-Message), or the transport service or mailbox "
        "database it was headed for was stopped or paused.",
        "Check the transport and mailbox database state and the queue history; have the sender send again if the "
        "removal was a mistake."),
    "4.4.1": ExchangeCode(
        "The next hop did not answer.",
        "The connection to the receiving server timed out: it is down, port 25 is blocked, or DNS points at the "
        "wrong host.",
        "Test port 25 to the next hop from the sending server, check firewalls and the MX/A records or smart "
        "host of the send connector."),
    "4.4.2": ExchangeCode(
        "The connection was dropped during the SMTP session.",
        "The network or the receiving side cut the session: a firewall that inspects SMTP, a TLS failure or an "
        "overloaded receiver.",
        "Look at the send protocol log for where the session ended; switch off SMTP inspection on firewalls on "
        "the way and check TLS on both sides."),
    "4.4.6": ExchangeCode(
        "The maximum hop count was exceeded.",
        "The message went round a loop (too many Received headers): connectors, forwarding or two systems that "
        "both think the other is responsible for the domain.",
        "Read the Received headers to find the loop and fix the connector, accepted domain or forwarding that "
        "closes it."),
    "4.4.7": ExchangeCode(
        "The message expired in the queue.",
        "It could not be delivered before the message expiration timeout (two days by default) ran out; the "
        "underlying reason is the queue's last error.",
        "Check Get-Queue and Get-Message for the LastError, fix that (DNS, connectivity, the remote server); "
        "MessageExpirationTimeout (Set-TransportService) sets the wait."),
    "5.0.0": ExchangeCode(
        "A generic failure: often no route to the destination.",
        "No send connector covers the recipient domain, the domain has no MX or A record, or the remote server "
        "answered an error without a more specific code.",
        "Check the send connectors' address spaces, DNS for the recipient domain, and the remote reply in the "
        "message tracking log."),
    "5.1.0": ExchangeCode(
        "A categorizer failure, or the sender was denied.",
        "The sender is blocked (sender filtering), or the sender or recipient object is broken so the "
        "categorizer cannot process the message (for example a missing or invalid address attribute).",
        "Check the sender filter's blocked senders and the sender's and recipients' objects (Get-Recipient)."),
    "5.1.1": ExchangeCode(
        "The recipient could not be resolved: no such address in the organisation (RESOLVER.ADR.RecipNotFound, "
        "or ExRecipNotFound for an old internal address).",
        "The address is mistyped or was removed, or an autocomplete entry carries the internal "
        "(legacyExchangeDN) address of a mailbox that was deleted or recreated.",
        "Check the address with Get-Recipient; for ExRecipNotFound add the old legacyExchangeDN as an X500 proxy "
        "address of the new mailbox; turn on recipient validation so unknown recipients are rejected at RCPT.",
        RECIPIENT_VALIDATION_HINT),
    "5.1.3": ExchangeCode(
        "The address syntax is wrong.",
        "The recipient address is malformed (spaces, missing @, bad characters), often in a contact or an "
        "application's envelope.",
        "Correct the address at its source: the contact, the distribution group member or the application."),
    "5.1.4": ExchangeCode(
        "Two or more recipients have the same SMTP address.",
        "Two objects in the directory carry the same proxy address, so Exchange cannot decide which one gets the "
        "message.",
        "Find them with Get-Recipient -Filter \"EmailAddresses -eq 'smtp:user@contoso.com'\" and remove the "
        "address from all but one."),
    "5.1.6": ExchangeCode(
        "The recipient's mailbox moved, or the recipient object is no longer valid.",
        "The mailbox was moved or migrated and the object does not point at a mailbox any more (for example "
        "after a failed move or a cross-forest migration).",
        "Check the recipient's mailbox and its database (Get-Mailbox); complete or repair the move, or recreate "
        "the object."),
    "5.1.7": ExchangeCode(
        "The sender address is invalid.",
        "The sender has no valid email address: a malformed envelope sender, or a sender object without a "
        "primary SMTP address.",
        "Check the sending object's primary SMTP address and the envelope sender the application uses."),
    "5.2.1": ExchangeCode(
        "The message was rejected locally: a size limit, or the mailbox is disabled.",
        "The recipient's receive size limit is lower than the message, or the mailbox or its account is "
        "disabled, or a delivery restriction applies.",
        "Check the recipient's MaxReceiveSize, whether the mailbox and account are enabled, and its delivery "
        "restrictions (AcceptMessagesOnlyFrom)."),
    "5.2.2": ExchangeCode(
        "The recipient's mailbox is full.",
        "The mailbox reached its ProhibitSendReceiveQuota.",
        "Have the user clean up or archive, or raise the quota (Set-Mailbox)."),
    "5.2.3": ExchangeCode(
        "The message is too large for the recipient.",
        "It exceeds the recipient's receive size limit (the encoded size is about a third larger than the "
        "attachments).",
        "Raise the recipient's MaxReceiveSize, or send large files as links."),
    "5.3.3": ExchangeCode(
        "The remote server is out of disk space, or did not understand a command.",
        "The receiving system has no room, or a device or server on the way does not support a command it was "
        "sent (for example BDAT/CHUNKING stripped by a firewall).",
        "Check the receiving system; look at the send protocol log for the refused command and at SMTP "
        "inspection on firewalls on the way."),
    "5.3.4": ExchangeCode(
        "The message exceeds a fixed maximum size.",
        "It is larger than the organisation's or a connector's limit (Get-TransportConfig MaxReceiveSize / "
        "MaxSendSize, connector MaxMessageSize).",
        "Raise the limit where it is lowest, consistently on the organisation and connectors, or send large files "
        "as links."),
    "5.3.5": ExchangeCode(
        "A loopback was detected: the server is configured to send to itself.",
        "A send connector's smart host, or the MX or A record it uses, points back at the same server.",
        "Check the smart hosts of the send connectors and the DNS records they resolve."),
    "5.4.0": ExchangeCode(
        "The authoritative host was not found in DNS.",
        "The recipient domain has no MX or A record (or it is mistyped), or the server's DNS cannot resolve it.",
        "Resolve the domain's MX from the sending server (Resolve-DnsName -Type MX); check the external DNS "
        "servers the transport service uses."),
    "5.4.4": ExchangeCode(
        "There is no route to the next hop.",
        "No send connector covers the recipient domain, or an accepted domain is set up as InternalRelay "
        "without a connector to the system that holds its mailboxes.",
        "Check the send connectors' address spaces and the types of the accepted domains."),
    "5.4.6": ExchangeCode(
        "An alternate-recipient (forwarding) loop was detected.",
        "Forwarding on mailboxes or contacts sends the message round in a circle.",
        "Check ForwardingAddress and ForwardingSmtpAddress of the recipients involved and break the loop."),
    "5.4.8": ExchangeCode(
        "A looping condition: the server forwards the message to itself.",
        "An accepted domain or send connector routes the domain back into the organisation, or the domain's MX "
        "points at this organisation while it is not an accepted domain here.",
        "Check the accepted domain types, the send connectors and the MX records of the domain."),
    "5.5.0": ExchangeCode(
        "A generic SMTP protocol error.",
        "The remote server refused a command without a more specific code.",
        "Read the remote reply in the message tracking or send protocol log."),
    "5.5.2": ExchangeCode(
        "SMTP commands were sent out of sequence.",
        "The client sent commands in the wrong order: a broken application, or a firewall that rewrites SMTP.",
        "Look at the receive protocol log for the conversation; fix the client or switch off SMTP inspection."),
    "5.5.3": ExchangeCode(
        "The message has too many recipients.",
        "It exceeds the receive connector's MaxRecipientsPerMessage or the organisation's "
        "MaxRecipientEnvelopeLimit.",
        "Split the recipient list, or raise the limit that was hit."),
    "5.7.1": ExchangeCode(
        "Access denied: the sender may not send here, or relaying was refused.",
        "An anonymous sender tried to relay through a receive connector, the recipient or group accepts mail "
        "only from authenticated or listed senders, or a transport rule rejected the message.",
        "Check the receive connector's permissions (relay only for the hosts that need it), the recipient's "
        "delivery restrictions (RequireSenderAuthenticationEnabled) and transport rules."),
    "5.1.10": ExchangeCode(
        "Exchange Online: the recipient was not found by SMTP address lookup (RESOLVER.ADR.RecipientNotFound). "
        "The registry's meaning of X.1.10, null MX, differs.",
        "The address does not exist in the tenant, or the recipient was not synchronised from on-premises.",
        "Check the recipient with Get-Recipient in Exchange Online and directory synchronisation in hybrid "
        "set-ups.",
        RECIPIENT_VALIDATION_HINT),
    "5.4.1": ExchangeCode(
        "Exchange Online: the recipient was rejected by Directory-Based Edge Blocking (\"Recipient address "
        "rejected: Access denied\").",
        "The domain is Authoritative in Exchange Online and the recipient is not in its directory, so the "
        "service rejects it at RCPT TO; or the domain's MX points at Exchange Online without the domain being "
        "accepted there.",
        "Make sure every valid recipient is in the directory (synchronised); a domain with mailboxes elsewhere "
        "must be InternalRelay; check the domain's MX and accepted domains.",
        RECIPIENT_VALIDATION_HINT),
}

_STATUS = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})$")
_STATUS_PREFIX = re.compile(r"^([245]\.\d{1,3}\.\d{1,3})(?:\s+|$)")
_REPLY_LINE = re.compile(r"^([2-5]\d\d)(?:([ -])(.*))?$")
_HEADER_LINE = re.compile(r"^[!-9;-~]+:")
EXPECTED = ("an enhanced status code (5.1.1), an SMTP reply (550 5.1.1 User unknown, also multi-line) or an "
            "RFC 3464 delivery status report (the whole message, as text or bytes)")


@dataclasses.dataclass
class Explanation:
    """One status explained. `klass` is returned as `class`."""

    code: int | None
    status: str | None
    klass: str
    subject: str | None
    detail: str | None
    exchange: str | None
    cause: str
    remedy: str
    backscatter_hint: str | None
    text: str | None = None

    def as_dict(self) -> dict[str, typing.Any]:
        fields = dataclasses.asdict(self)
        fields["class"] = fields.pop("klass")
        order = ("code", "status", "class")
        return {**{name: fields[name] for name in order}, **{k: v for k, v in fields.items() if k not in order}}


@dataclasses.dataclass
class RecipientReport:
    """One recipient of a delivery status report, with its status explained."""

    recipient: str | None
    action: str | None
    remote_mta: str | None
    diagnostic_code: str | None
    reporting_mta: str | None
    explanation: Explanation

    def as_dict(self) -> dict[str, typing.Any]:
        result = self.explanation.as_dict()
        result.update(recipient=self.recipient, action=self.action, remote_mta=self.remote_mta,
                      diagnostic_code=self.diagnostic_code, reporting_mta=self.reporting_mta)
        return result


def parse_status(text: str) -> tuple[int, int, int]:
    """(class, subject, detail) of an enhanced status code such as 5.1.1."""
    match = _STATUS.match(text.strip())
    if not match:
        raise NotAnNdr(f"{text!r} is not an enhanced status code: expected class.subject.detail with class 2, 4 or 5, "
                       "e.g. 5.1.1")
    klass, subject, detail = (int(part) for part in match.groups())
    return klass, subject, detail


def explain_status(status: str, code: int | None = None, text: str | None = None) -> Explanation:
    """RFC 3463's meaning of any X.Y.Z, with Exchange's meaning, cause and remedy where Exchange has one."""
    klass, subject, detail = parse_status(status)
    status = f"{klass}.{subject}.{detail}"
    subject_meaning = SUBJECTS.get(subject, "Undefined subject")
    detail_meaning = DETAILS.get((subject, detail), f"{subject_meaning}: undefined detail")
    exchange = EXCHANGE_CODES.get(status)
    if exchange:
        cause, remedy, hint = exchange.cause, exchange.remedy, exchange.backscatter_hint
    else:
        cause, remedy = _generic_guidance(klass, subject, detail_meaning)
        hint = RECIPIENT_VALIDATION_HINT if klass == 5 and (subject, detail) == (1, 1) else None
    return Explanation(code=code, status=status, klass=CLASSES[klass], subject=subject_meaning,
                       detail=detail_meaning, exchange=exchange.meaning if exchange else None, cause=cause,
                       remedy=remedy, backscatter_hint=hint, text=text)


def _generic_guidance(klass: int, subject: int, detail_meaning: str) -> tuple[str, str]:
    if klass == 2:
        return f"Not a failure: {detail_meaning}.", "Nothing to do."
    cause, remedy = SUBJECT_GUIDANCE.get(subject, SUBJECT_GUIDANCE[0])
    cause = f"{detail_meaning}. {cause}"
    if klass == 4:
        remedy = f"The condition is temporary and the sender retries; act if it persists. {remedy}"
    else:
        remedy = f"Sending again unchanged fails again. {remedy}"
    return cause, remedy


def explain_reply(reply: str) -> Explanation:
    """An SMTP reply, one line or several (550-... / 550 ...), with or without the reply code; Exchange's NDR
    form `#550 5.1.1 ... ##` is accepted too."""
    lines = [line.strip() for line in reply.strip().splitlines() if line.strip()]
    if not lines:
        raise NotAnNdr(f"an empty reply; expected {EXPECTED}")
    lines[0] = lines[0].lstrip("#")
    lines[-1] = re.sub(r"\s*##$", "", lines[-1])
    code: int | None = None
    texts = []
    first = _REPLY_LINE.match(lines[0])
    if first:
        code = int(first.group(1))
        for number, line in enumerate(lines):
            match = _REPLY_LINE.match(line)
            if not match or int(match.group(1)) != code:
                raise NotAnNdr(f"line {number + 1} of the reply {line!r} does not start with its reply code "
                               f"{code}; every line of a multi-line reply does (550-first line, 550 last line)")
            texts.append(match.group(3) or "")
    elif _STATUS_PREFIX.match(lines[0]):
        texts = lines
    else:
        raise NotAnNdr(f"{reply!r} is not an SMTP reply; expected {EXPECTED}")
    status = None
    first_status = _STATUS_PREFIX.match(texts[0])
    if first_status:
        status = first_status.group(1)
        # RFC 2034: the enhanced code is repeated on every line of a multi-line reply.
        texts = [_STATUS_PREFIX.sub("", text, count=1) for text in texts]
    text = " ".join(t.strip() for t in texts if t.strip()) or None
    if status or code is None:  # without a reply code, the first line started with a status (checked above)
        return explain_status(status or "", code=code, text=text)
    return _explain_basic_reply(code, text)


def _explain_basic_reply(code: int, text: str | None) -> Explanation:
    """A reply without an enhanced status code: only its class is known."""
    klass = code // 100
    if klass == 3:
        raise NotAnNdr(f"reply code {code} is an intermediate reply (3yz), not a delivery status; expected {EXPECTED}")
    cause, remedy = _generic_guidance(klass, 0, "No enhanced status code given")
    return Explanation(code=code, status=None, klass=CLASSES[klass], subject=None, detail=None, exchange=None,
                       cause=cause, remedy=remedy, backscatter_hint=None, text=text)


def _typed_value(value: str | None) -> str | None:
    """The value of an RFC 3464 typed field (`rfc822; user@contoso.com` -> `user@contoso.com`)."""
    if value is None:
        return None
    kind, semicolon, rest = str(value).partition(";")
    return " ".join((rest if semicolon else kind).split()) or None


def explain_report(message: str | bytes | email.message.Message) -> list[RecipientReport]:
    """One explanation per recipient of the message/delivery-status part of an RFC 3464 report."""
    if isinstance(message, bytes):
        message = email.message_from_bytes(message, policy=email.policy.compat32)
    elif isinstance(message, str):
        message = email.message_from_string(message, policy=email.policy.compat32)
    status_part = next((part for part in message.walk() if part.get_content_type() == "message/delivery-status"),
                       None)
    if status_part is None:
        raise NotAnNdr("the message has no message/delivery-status part, so it is not an RFC 3464 delivery status "
                       f"report (content type {message.get_content_type()}); expected {EXPECTED}")
    # The email package parses the part into header blocks: the per-message fields, then one per recipient.
    payload = status_part.get_payload()
    if not isinstance(payload, list) or len(payload) < 2 \
            or not all(isinstance(block, email.message.Message) for block in payload):
        raise NotAnNdr("the message/delivery-status part has no per-recipient fields (Final-Recipient, Action, "
                       f"Status); expected {EXPECTED}")
    blocks = typing.cast("list[email.message.Message]", payload)
    reporting_mta = _typed_value(blocks[0].get("Reporting-MTA"))
    reports = []
    for block in blocks[1:]:
        if block.get("Status") is None:
            raise NotAnNdr("a recipient block of the delivery status report has no Status field: "
                           f"{dict(block.items())!r}")
        diagnostic = _typed_value(block.get("Diagnostic-Code"))
        explanation = _explain_recipient(str(block["Status"]).strip(), block.get("Diagnostic-Code"))
        remote_mta = _typed_value(block.get("Remote-MTA"))
        action = str(block["Action"]).strip().lower() if block.get("Action") else None
        if explanation.backscatter_hint and action == "failed" and not remote_mta:
            reporter = reporting_mta or "the reporting server"
            explanation.backscatter_hint = (
                f"No Remote-MTA: {reporter} itself accepted this message and then bounced it. If the sender was "
                f"forged, this report is backscatter. {explanation.backscatter_hint}")
        reports.append(RecipientReport(recipient=_typed_value(block.get("Final-Recipient")), action=action,
                                       remote_mta=remote_mta, diagnostic_code=diagnostic,
                                       reporting_mta=reporting_mta, explanation=explanation))
    return reports


def _explain_recipient(status: str, diagnostic_code: str | None) -> Explanation:
    """The Status field explained, with the reply code and text of an smtp Diagnostic-Code."""
    reply_code, reply_text = None, None
    if diagnostic_code:
        kind, reply = str(diagnostic_code).partition(";")[::2]
        if kind.strip().lower() == "smtp":
            try:
                reply_explained = explain_reply(" ".join(reply.split()))
                reply_code, reply_text = reply_explained.code, reply_explained.text
            except NotAnNdr:
                reply_text = " ".join(reply.split()) or None
    return explain_status(status, code=reply_code, text=reply_text)


def looks_like_message(text: str) -> bool:
    """Whether text starts with a header field, as a mail message does (a reply or a code never does)."""
    return bool(_HEADER_LINE.match(text.lstrip()))


def explain(value: typing.Any) -> dict[str, typing.Any] | list[dict[str, typing.Any]]:
    """A status code or an SMTP reply as one dictionary; a delivery status report as one per recipient."""
    if isinstance(value, email.message.Message):
        return [report.as_dict() for report in explain_report(value)]
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value)
        if looks_like_message(value.decode("ascii", "replace")):
            return [report.as_dict() for report in explain_report(value)]
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        raise NotAnNdr(f"got {type(value).__name__} {value!r}; expected {EXPECTED}")
    if looks_like_message(value):
        return [report.as_dict() for report in explain_report(value)]
    if _STATUS.match(value.strip()):
        return explain_status(value).as_dict()
    return explain_reply(value).as_dict()

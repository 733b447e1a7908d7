"""The messages a server sends about a message it accepted: non-delivery reports and delivery reports
(RFC 3464 multipart/report, the DSN format of RFC 3461) and automatic replies (RFC 3834).

Only message construction lives here; whether a report is sent is policy.py's business, and sending it
is outbound.py's.
"""

from __future__ import annotations

import dataclasses
import email
import email.message
import email.policy
import email.utils
import typing
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

# The system mailbox Exchange 2013 and later send reports from, shown as "Microsoft Outlook".
SYSTEM_MAILBOX = "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e"
SYSTEM_DISPLAY_NAME = "Microsoft Outlook"

FAILURE_TEXT = {
    "5.1.1": ("The email address you entered couldn't be found. Please check the recipient's email address "
              "and try to resend the message. If the problem continues, please contact your helpdesk."),
    "5.2.2": ("The recipient's mailbox is full and can't accept messages now. Please try resending your message "
              "later, or contact the recipient directly."),
}


@dataclasses.dataclass(frozen=True)
class Original:
    """What a report needs to know about the message it is about."""
    sender: str                       # the envelope sender (MAIL FROM), "" for the null sender
    content: bytes                    # the message as received (headers and body)
    envid: str | None = None          # ENVID= of MAIL FROM
    ret: str | None = None            # RET=FULL|HDRS of MAIL FROM
    arrival: str = ""                 # RFC 5322 date the message arrived

    @property
    def message(self) -> email.message.Message:
        return email.message_from_bytes(self.content)

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))

    @property
    def header_text(self) -> str:
        head, _, _ = self.content.replace(b"\r\n", b"\n").partition(b"\n\n")
        return head.decode("utf-8", "replace") + "\n"


@dataclasses.dataclass(frozen=True)
class RecipientStatus:
    """One recipient's line of a report."""
    address: str
    action: str                      # failed | delivered
    status: str                      # enhanced status code, 5.1.1, 2.0.0, …
    diagnostic: str = ""             # the SMTP reply behind the status
    orcpt: str | None = None         # ORCPT= of RCPT TO, as given ("rfc822;user@example")


def _system_from(domain: str) -> str:
    return email.utils.formataddr((SYSTEM_DISPLAY_NAME, f"{SYSTEM_MAILBOX}@{domain}"))


def _delivery_status(reporting_mta: str, original: Original, statuses: typing.Sequence[RecipientStatus],
                     diagnostics: bool, remote_mta: str) -> email.message.Message:
    per_message = email.message.Message()
    per_message["Reporting-MTA"] = f"dns;{reporting_mta}"
    if original.envid:
        per_message["Original-Envelope-Id"] = original.envid
    if original.arrival:
        per_message["Arrival-Date"] = original.arrival
    blocks: list[email.message.Message | str] = [per_message]
    for item in statuses:
        block = email.message.Message()
        if item.orcpt:
            block["Original-Recipient"] = item.orcpt
        block["Final-Recipient"] = f"rfc822;{item.address}"
        block["Action"] = item.action
        block["Status"] = item.status
        if diagnostics and item.diagnostic:
            block["Diagnostic-Code"] = f"smtp;{item.diagnostic}"
            block["Remote-MTA"] = f"dns;{remote_mta}"
        blocks.append(block)
    part = email.message.Message()
    part["Content-Type"] = "message/delivery-status"
    part.set_payload(blocks)
    return part


def _returned_content(original: Original, headers_only: bool) -> email.message.Message:
    if headers_only:
        return MIMEText(original.header_text, "rfc822-headers")
    return MIMEMessage(original.message)


def _report(kind_subject: str, human: str, from_domain: str, original: Original,
            status_part: email.message.Message, returned: email.message.Message | None) -> email.message.Message:
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = _system_from(from_domain)
    report["To"] = original.sender
    report["Subject"] = f"{kind_subject}: {original.subject}" if original.subject else kind_subject
    report["Date"] = email.utils.formatdate(localtime=True)
    report["Message-ID"] = email.utils.make_msgid(domain=from_domain)
    report["Auto-Submitted"] = "auto-replied"
    original_id = original.message.get("Message-ID")
    if original_id:
        report["In-Reply-To"] = str(original_id)
        report["References"] = str(original_id)
    report.attach(MIMEText(human, "plain"))
    report.attach(status_part)
    if returned is not None:
        report.attach(returned)
    return report


def non_delivery_report(reporting_mta: str, from_domain: str, original: Original,
                        failures: typing.Sequence[RecipientStatus], diagnostics: bool) -> email.message.Message:
    """The NDR Exchange 2013 and later write: text for the sender, the administrators' diagnostic section
    only when `diagnostics` (the remote domain's NDRDiagnosticInfoEnabled), the delivery status, and the
    original message (RET=FULL, Exchange's default) or its headers (RET=HDRS)."""
    lines = ["Delivery has failed to these recipients or groups:", ""]
    for item in failures:
        lines += [item.address, FAILURE_TEXT.get(item.status, "The message couldn't be delivered."), ""]
    if diagnostics:
        lines += ["", "Diagnostic information for administrators:", "", f"Generating server: {reporting_mta}", ""]
        for item in failures:
            lines += [item.address, f"Remote Server returned '{item.diagnostic}'", ""]
        lines += ["Original message headers:", "", original.header_text]
    status = _delivery_status(reporting_mta, original, failures, diagnostics, reporting_mta)
    returned = _returned_content(original, headers_only=(original.ret or "").upper() == "HDRS")
    return _report("Undeliverable", "\n".join(lines), from_domain, original, status, returned)


def delivery_report(reporting_mta: str, from_domain: str, original: Original,
                    delivered: typing.Sequence[RecipientStatus]) -> email.message.Message:
    """A positive DSN (NOTIFY=SUCCESS): Action delivered, Status 2.0.0; the original's headers only."""
    lines = ["Your message has been delivered to the following recipients:", ""]
    lines += [item.address for item in delivered]
    lines += ["", f"Subject: {original.subject}"]
    status = _delivery_status(reporting_mta, original, delivered, False, reporting_mta)
    returned = _returned_content(original, headers_only=(original.ret or "HDRS").upper() != "FULL")
    return _report("Delivered", "\n".join(lines), from_domain, original, status, returned)


def automatic_reply(mailbox_name: str, mailbox_address: str, original: Original, text: str) -> email.message.Message:
    """An automatic reply (RFC 3834): to the envelope sender, marked auto-replied so that other
    responders stay quiet, threaded to the original."""
    reply = email.message.EmailMessage()
    reply["From"] = email.utils.formataddr((mailbox_name, mailbox_address))
    reply["To"] = original.sender
    reply["Subject"] = f"Automatic reply: {original.subject}"
    reply["Date"] = email.utils.formatdate(localtime=True)
    reply["Message-ID"] = email.utils.make_msgid(domain=mailbox_address.rpartition("@")[2])
    original_id = original.message.get("Message-ID")
    if original_id:
        reply["In-Reply-To"] = str(original_id)
        reply["References"] = str(original_id)
    reply["Auto-Submitted"] = "auto-replied"
    reply["X-Auto-Response-Suppress"] = "All"
    reply.set_content(text)
    return reply


def to_bytes(message: email.message.Message) -> bytes:
    # No refolding: the delivery-status fields stay as written (all well under 998 characters).
    return message.as_bytes(policy=email.policy.SMTP.clone(max_line_length=0))

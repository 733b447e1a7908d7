# -*- coding: utf-8 -*-  # noqa: UP009
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One probe over one SMTP connection, with Python's smtplib: connect, EHLO, STARTTLS when wanted, MAIL,
one RCPT per recipient, then RSET (nothing delivered) or DATA with the test message, and QUIT. Every
reply is recorded with its latency (a tarpit shows as latency on the rejection).

Failures that make the measurement impossible raise ProbeFailure with a message that says what failed
and what to check; replies that are the measurement (a 550 at RCPT, a 550 at DATA) are recorded.
"""

from __future__ import annotations

import dataclasses
import smtplib
import socket
import ssl
import time
import typing

from .plan import Probe, probe_message
from .replies import Reply, parse_reply, temporary_cause


@dataclasses.dataclass(frozen=True)
class Target:
    host: str
    port: int
    helo: str
    timeout: float
    starttls: str           # auto | always | never
    validate_certs: bool

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclasses.dataclass
class RecipientReply:
    address: str
    exists: bool
    reply: Reply


@dataclasses.dataclass
class ProbeResult:
    probe: Probe
    banner: Reply | None = None
    ehlo: Reply | None = None
    tls: bool = False
    mail: Reply | None = None
    rcpt: list[RecipientReply] = dataclasses.field(default_factory=list)
    data: Reply | None = None          # the reply to DATA (354, or a refusal)
    data_end: Reply | None = None      # the reply after the message's final dot
    rset: Reply | None = None

    @property
    def accepted_recipients(self) -> list[RecipientReply]:
        return [r for r in self.rcpt if r.reply.positive]

    @property
    def message_accepted(self) -> bool:
        """The server took responsibility for the message (250 after the final dot)."""
        return self.data_end is not None and self.data_end.positive

    @property
    def message_refused(self) -> bool:
        """DATA, or the message after it, was refused permanently."""
        return bool((self.data and self.data.permanent) or (self.data_end and self.data_end.permanent))


class ProbeFailure(Exception):
    """The probe could not measure: `kind` is unreachable, refused, timeout, tls, disconnected,
    greylisting, rate_limiting, temporary, sender_refused, helo_refused or connection_refused_by_policy."""

    def __init__(self, kind: str, message: str, reply: Reply | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.reply = reply


class _Timed(smtplib.SMTP):
    """smtplib.SMTP whose commands come back as Reply values with their latency."""

    def timed(self, call: typing.Callable[[], tuple[int, bytes]]) -> Reply:
        started = time.monotonic()
        code, message = call()
        return parse_reply(code, message, time.monotonic() - started)

    def connect(self, host: str = "localhost", port: int = 0, source_address: typing.Any = None) -> tuple[int, bytes]:
        # smtplib takes the TLS server name for starttls() from the host given to the constructor, which
        # stays empty when connect() is called later, as here (to time the greeting): keep it.
        self._host = host
        return super().connect(host, port, source_address)

    def data_command(self) -> tuple[int, bytes]:
        """DATA alone: smtplib's data() sends the message too and hides the 354."""
        self.putcmd("data")
        return self.getreply()

    def message_and_dot(self, payload: bytes) -> tuple[int, bytes]:
        self.send(payload)
        return self.getreply()


def _temporary_failure(reply: Reply, step: str, target: Target, probe: Probe) -> ProbeFailure:
    cause = temporary_cause(reply)
    said = f"{target.address} answered {reply.describe()} to {step} (probe {probe.id})"
    wait = cause.retry_after
    if cause.cause == "greylisting":
        return ProbeFailure("greylisting", (
            f"{said}: this looks like greylisting. Greylisting remembers the client address, sender and "
            "recipient, and every probe run uses new recipients, so a plain retry is greylisted again: exempt "
            f"the controller's address from greylisting for the test, or retry after about {wait} seconds."), reply)
    if cause.cause == "rate_limiting":
        return ProbeFailure("rate_limiting", (
            f"{said}: this looks like rate limiting or a connection limit. Lower rate_limit (probes per "
            f"second) or the probe counts, and retry after about {wait} seconds."), reply)
    return ProbeFailure("temporary", (
        f"{said}: a temporary failure (4xx); the server could not decide now (for example a directory lookup "
        f"failed). Check the server's logs and retry after about {wait} seconds."), reply)


def _connect_failure(error: BaseException, target: Target) -> ProbeFailure:
    where = f"{target.address} (SMTP)"
    if isinstance(error, socket.gaierror):
        return ProbeFailure("unreachable", f"cannot resolve {target.host}: {error}. Check the host name and the "
                            "controller's DNS.")
    if isinstance(error, ConnectionRefusedError):
        return ProbeFailure("refused", f"connection to {where} refused: nothing listens there. Check host and port "
                            "(SMTP is 25; a receive connector may listen elsewhere) and that the transport service "
                            "runs.")
    if isinstance(error, TimeoutError):
        return ProbeFailure("timeout", f"no answer from {where} within {target.timeout} s. Check that a firewall "
                            "lets the controller reach the port, or raise timeout.")
    return ProbeFailure("unreachable", f"cannot reach {where}: {error}. Check the host, the route and firewalls "
                        "between the controller and the server.")


def _tls_failure(error: object, target: Target) -> ProbeFailure:
    if target.validate_certs:
        hint = (f"with validate_certs=true the certificate must be valid for {target.host} and chain to a CA the "
                "controller trusts; set validate_certs=false to accept any certificate (as MTAs do), or "
                "starttls=never")
    else:
        hint = "set starttls=never to probe without TLS"
    return ProbeFailure("tls", f"STARTTLS with {target.address} failed: {error}. Check the server's certificate "
                        f"and TLS settings; {hint}.")


def _tls_context(target: Target) -> ssl.SSLContext:
    if target.validate_certs:
        return ssl.create_default_context()
    # Opportunistic TLS between MTAs encrypts without verifying (RFC 3207): most receive connectors
    # present certificates no public CA signed.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def run_probe(target: Target, probe: Probe, send: bool) -> ProbeResult:
    """Runs one probe; send=False stops after the RCPTs with RSET, send=True completes DATA."""
    result = ProbeResult(probe=probe)
    smtp = _Timed(local_hostname=target.helo, timeout=target.timeout)
    try:
        try:
            result.banner = smtp.timed(lambda: smtp.connect(target.host, target.port))
        except smtplib.SMTPServerDisconnected as error:
            # Connected, but the greeting never came (smtplib reports a read timeout this way) or the
            # server hung up at once.
            if "timed out" in str(error):
                raise _step_timeout(target, probe, result) from None
            raise ProbeFailure("disconnected", (
                f"{target.address} closed the connection before its greeting ({error}). It may refuse the "
                "controller's address or have reached its connection limit: check its connection filtering "
                "and limits.")) from None
        except OSError as error:
            raise _connect_failure(error, target) from None
        if result.banner.temporary:
            raise _temporary_failure(result.banner, "the connection", target, probe)
        if result.banner.code != 220:
            raise ProbeFailure("connection_refused_by_policy", (
                f"{target.address} refused the connection with {result.banner.describe()}: it may block the "
                "controller's address (connection filter, IP block list). Check the server's connection "
                "filtering and allow the controller's address for the test."), result.banner)
        _greet(smtp, result, target, probe)
        sender = probe.sender
        result.mail = smtp.timed(lambda: smtp.mail(sender))
        if result.mail.temporary:
            raise _temporary_failure(result.mail, f"MAIL FROM:<{sender}>", target, probe)
        if result.mail.permanent:
            raise _sender_refused(result.mail, target, probe)
        for recipient in probe.recipients:
            reply = smtp.timed(lambda address=recipient.address: smtp.rcpt(address))  # type: ignore[misc]
            result.rcpt.append(RecipientReply(recipient.address, recipient.exists, reply))
            if reply.temporary:
                raise _temporary_failure(reply, f"RCPT TO:<{recipient.address}>", target, probe)
        if send and result.accepted_recipients:
            _send_message(smtp, result, target, probe)
        else:
            result.rset = smtp.timed(smtp.rset)
        _quit(smtp)
        return result
    except ProbeFailure:
        _close(smtp)
        raise
    except smtplib.SMTPServerDisconnected as error:
        _close(smtp)
        if "timed out" in str(error):  # smtplib reports a read timeout as a disconnection
            raise _step_timeout(target, probe, result) from None
        raise ProbeFailure("disconnected", (
            f"{target.address} closed the connection during probe {probe.id} ({error}) after "
            f"{_last_step(result)}. Some servers drop clients that try many unknown recipients (directory "
            "harvest protection): lower rate_limit or the probe counts.")) from None
    except TimeoutError:
        _close(smtp)
        raise _step_timeout(target, probe, result) from None
    except (ssl.SSLError, ssl.CertificateError) as error:
        _close(smtp)
        raise _tls_failure(error, target) from None
    except OSError as error:
        _close(smtp)
        raise _connect_failure(error, target) from None


def _step_timeout(target: Target, probe: Probe, result: ProbeResult) -> ProbeFailure:
    if result.banner is None:
        return ProbeFailure("timeout", f"{target.address} accepted the connection but sent no greeting within "
                            f"{target.timeout} s. Check the server's transport service, or raise timeout.")
    return ProbeFailure("timeout", (
        f"{target.address} did not answer within {target.timeout} s during probe {probe.id}, after "
        f"{_last_step(result)}. A tarpit delays rejections: raise timeout above the server's tarpit interval."))


def _greet(smtp: _Timed, result: ProbeResult, target: Target, probe: Probe) -> None:
    result.ehlo = smtp.timed(smtp.ehlo)
    if not result.ehlo.positive:
        # A server without ESMTP: HELO, and no STARTTLS.
        result.ehlo = smtp.timed(smtp.helo)
        if not result.ehlo.positive:
            if result.ehlo.temporary:
                raise _temporary_failure(result.ehlo, f"HELO {target.helo}", target, probe)
            raise ProbeFailure("helo_refused", (
                f"{target.address} refused HELO/EHLO {target.helo}: {result.ehlo.describe()}. Set helo to the "
                "controller's fully qualified name (one that resolves)."), result.ehlo)
    offered = smtp.has_extn("starttls")
    if target.starttls == "always" and not offered:
        raise ProbeFailure("tls", f"{target.address} does not offer STARTTLS, and starttls=always. Enable TLS on "
                           "the receive connector, or set starttls=auto or never.")
    if target.starttls == "never" or not offered:
        return
    try:
        smtp.starttls(context=_tls_context(target))
    except smtplib.SMTPResponseException as error:
        refusal = parse_reply(error.smtp_code, error.smtp_error, 0.0)
        raise _tls_failure(f"the server answered STARTTLS with {refusal.describe()}", target) from None
    except (ssl.SSLError, ssl.CertificateError, OSError) as error:
        raise _tls_failure(error, target) from None
    result.tls = True
    result.ehlo = smtp.timed(smtp.ehlo)


def _sender_refused(reply: Reply, target: Target, probe: Probe) -> ProbeFailure:
    if not probe.sender:
        return ProbeFailure("sender_refused", (
            f"{target.address} refused the null sender MAIL FROM:<> with {reply.describe()} (probe {probe.id}). "
            f"RFC 5321 requires accepting it, since reports are sent from it; set probes.{probe.kind} to 0 to "
            "leave these probes out."), reply)
    return ProbeFailure("sender_refused", (
        f"{target.address} refused the sender <{probe.sender}> at MAIL FROM with {reply.describe()} (probe "
        f"{probe.id}). The server may check the sender's domain (SPF, sender filter, block list): set sender to "
        "another address, at a domain that exists and whose reports you can watch."), reply)


def _send_message(smtp: _Timed, result: ProbeResult, target: Target, probe: Probe) -> None:
    """DATA in two steps (smtplib's data() hides the 354), so both replies and latencies are recorded."""
    result.data = smtp.timed(smtp.data_command)
    if result.data.temporary:
        raise _temporary_failure(result.data, "DATA", target, probe)
    if result.data.code != 354:
        return
    # quotedata doubles leading dots; the message already ends with CRLF, so the final dot follows it.
    payload = smtplib.quotedata(probe_message(probe, target.host, target.helo).decode("ascii")).encode("ascii")
    payload += b".\r\n"
    result.data_end = smtp.timed(lambda: smtp.message_and_dot(payload))
    if result.data_end.temporary:
        raise _temporary_failure(result.data_end, "the message (after DATA)", target, probe)


def _last_step(result: ProbeResult) -> str:
    if result.data_end or result.data:
        return "DATA"
    if result.rcpt:
        return f"RCPT TO:<{result.rcpt[-1].address}>"
    if result.mail:
        return "MAIL FROM"
    if result.ehlo:
        return "EHLO"
    return "the greeting" if result.banner else "connecting"


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        _close(smtp)


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.close()
    except OSError:
        pass

"""The SMTP front door answers as the server's live configuration dictates: recipient validation and its
conditions, tarpit, relay refusal, NDRs by remote domain, DSNs, automatic replies. Real clients (smtplib)
on loopback; configuration changed between messages with the real cmdlets over pypsrp; every report
parsed at the capture sink as RFC 3464."""

from __future__ import annotations

import dataclasses
import email.message
import smtplib
import ssl
import time
import typing

import pytest

from clients import exchange_pool, host_pool, management_pool, run

PARTNER = "sender@partner.example"


@dataclasses.dataclass
class Sent:
    rcpt: dict[str, tuple[int, str]]
    data: tuple[int, str] | None
    rcpt_seconds: dict[str, float]


def send(lab: typing.Any, server: str, sender: str, recipients: typing.Sequence[str], *,
         subject: str = "probe", headers: typing.Mapping[str, str] | None = None,
         mail_options: typing.Sequence[str] = (), rcpt_options: typing.Sequence[str] = (),
         login: tuple[str, str] | None = None) -> Sent:
    """One transaction with smtplib: EHLO, [STARTTLS, AUTH], MAIL, every RCPT, DATA when one was accepted."""
    host, port = lab.smtp_address(server)
    with smtplib.SMTP(host, port, timeout=30) as client:
        client.ehlo("client.partner.example")
        if login:
            client.starttls(context=ssl._create_unverified_context())
            client.ehlo("client.partner.example")
            client.login(*login)
        code, text = client.mail(sender, list(mail_options))
        assert code == 250, text
        replies, seconds = {}, {}
        for rcpt in recipients:
            started = time.monotonic()
            code, text = client.rcpt(rcpt, list(rcpt_options))
            seconds[rcpt] = time.monotonic() - started
            replies[rcpt] = (code, text.decode())
        data = None
        if any(code == 250 for code, _ in replies.values()):
            lines = [f"From: {sender or 'mailer-daemon@partner.example'}", f"To: {', '.join(recipients)}",
                     f"Subject: {subject}", "Message-ID: <m1@partner.example>",
                     *(f"{k}: {v}" for k, v in (headers or {}).items()), "", "Hello."]
            try:
                code, text = client.data("\r\n".join(lines).encode() + b"\r\n")
            except smtplib.SMTPDataError as refused:  # a 5xx to DATA itself
                code, text = refused.smtp_code, refused.smtp_error
            data = (code, text.decode())
        return Sent(replies, data, seconds)


def reports(lab: typing.Any) -> list[email.message.EmailMessage]:
    return lab.outbound_messages()


def delivery_status(message: email.message.EmailMessage) -> tuple[email.message.Message, list[email.message.Message]]:
    """The RFC 3464 structure: multipart/report; report-type=delivery-status, a human-readable first part,
    a message/delivery-status part (per-message fields, then one block per recipient)."""
    assert message.get_content_type() == "multipart/report"
    assert message.get_param("report-type") == "delivery-status"
    parts = message.get_payload()
    assert isinstance(parts, list) and parts[0].get_content_type() == "text/plain"
    assert parts[1].get_content_type() == "message/delivery-status"
    blocks = parts[1].get_payload()
    assert blocks[0]["Reporting-MTA"].startswith("dns;")
    return blocks[0], blocks[1:]


def cmdlet(lab: typing.Any, server: str, name: str, **parameters: typing.Any) -> None:
    pool_of = management_pool(lab.server(server)["port"]) if server != "EDGE01" else exchange_pool(lab, server)
    with pool_of as pool:
        ps, _ = run(pool, (name, parameters))
        assert not ps.had_errors, [str(e) for e in ps.streams.error]


def events(lab: typing.Any, mark: int, event: str) -> list[dict[str, typing.Any]]:
    return lab.smtp_events_since(mark, event=event)


# ---------------------------------------------------------------------------------------------- validation
def test_edge_refuses_only_the_unknown_recipient_and_delivers_to_the_others(smtp_front: typing.Any) -> None:
    mark = smtp_front.mark()
    sent = send(smtp_front, "EDGE01", PARTNER, ["bob@contoso.com", "nobody@contoso.com"])
    assert sent.rcpt["bob@contoso.com"] == (250, "2.1.5 Recipient OK")
    assert sent.rcpt["nobody@contoso.com"] == (550, "5.1.1 User unknown")
    assert sent.data is not None and sent.data[0] == 250
    assert reports(smtp_front) == []  # refused at RCPT: the sender's own server reports it, we send nothing
    [transaction] = events(smtp_front, mark, "smtp_transaction")
    assert [r["reply"] for r in transaction["rcpts"]] == ["250 2.1.5 Recipient OK", "550 5.1.1 User unknown"]
    assert transaction["data_reply"].startswith("250 2.6.0")


def test_mailbox_server_fails_the_whole_message_after_one_refused_recipient(smtp_front: typing.Any) -> None:
    sent = send(smtp_front, "EX01", PARTNER, ["bob@contoso.com", "nobody@contoso.com"])
    assert sent.rcpt["nobody@contoso.com"][0] == 550
    assert sent.data is not None and sent.data[0] == 554 and sent.data[1].startswith("5.1.1")
    assert reports(smtp_front) == []


@pytest.mark.parametrize("change", [
    ("EX01", "Disable-TransportAgent", {"Identity": "Recipient Filter Agent", "Confirm": False}, True),
    ("EX01", "Set-RecipientFilterConfig", {"Enabled": False}, False),
    ("EX01", "Set-RecipientFilterConfig", {"RecipientValidationEnabled": False}, False),
    ("EX01", "Set-RecipientFilterConfig", {"ExternalMailEnabled": False}, False),
    ("EX01", "Set-AcceptedDomain", {"Identity": "contoso.com", "AddressBookEnabled": False}, False),
], ids=["agent-disabled-and-restarted", "filter-disabled", "validation-off", "external-mail-off", "no-address-book"])
def test_validation_needs_every_condition(smtp_front: typing.Any, change: tuple[str, str, dict[str, typing.Any], bool]
                                          ) -> None:
    server, name, parameters, restart = change
    assert send(smtp_front, server, PARTNER, ["nobody@contoso.com"]).rcpt["nobody@contoso.com"][0] == 550
    cmdlet(smtp_front, server, name, **parameters)
    if restart:
        # Agent changes count once MSExchangeTransport restarts: until then the loaded agent still validates.
        assert send(smtp_front, server, PARTNER, ["nobody@contoso.com"]).rcpt["nobody@contoso.com"][0] == 550
        with host_pool(smtp_front.server(server)["port"]) as pool:
            run(pool, ("Restart-Service", {"Name": "MSExchangeTransport"}))
    sent = send(smtp_front, server, PARTNER, ["nobody@contoso.com"])
    assert sent.rcpt["nobody@contoso.com"] == (250, "2.1.5 Recipient OK")
    assert sent.data is not None and sent.data[0] == 250
    [ndr] = reports(smtp_front)
    _, [block] = delivery_status(ndr)
    assert block["Action"] == "failed" and block["Status"] == "5.1.1"


def test_mailbox_server_without_the_agents_does_not_validate(smtp_front: typing.Any) -> None:
    sent = send(smtp_front, "EX02", PARTNER, ["nobody@contoso.com"])
    assert sent.rcpt["nobody@contoso.com"] == (250, "2.1.5 Recipient OK")
    assert len(reports(smtp_front)) == 1


def test_relay_domains_are_never_validated_and_not_accepted_domains_are_refused(smtp_front: typing.Any) -> None:
    sent = send(smtp_front, "EDGE01", PARTNER, ["anyone@fabrikam.com", "x@elsewhere.example"])
    assert sent.rcpt["anyone@fabrikam.com"] == (250, "2.1.5 Recipient OK")
    assert sent.rcpt["x@elsewhere.example"] == (550, "5.7.54 SMTP; Unable to relay recipient in non-accepted domain")
    assert sent.data is not None and sent.data[0] == 250
    assert reports(smtp_front) == []  # relayed on, not ours to report


def test_blocked_recipients(smtp_front: typing.Any) -> None:
    cmdlet(smtp_front, "EDGE01", "Set-RecipientFilterConfig", BlockedRecipients=["bob@contoso.com"])
    assert send(smtp_front, "EDGE01", PARTNER, ["bob@contoso.com"]).rcpt["bob@contoso.com"][0] == 250
    cmdlet(smtp_front, "EDGE01", "Set-RecipientFilterConfig", BlockListEnabled=True)
    assert send(smtp_front, "EDGE01", PARTNER, ["bob@contoso.com"]).rcpt["bob@contoso.com"] == \
        (550, "5.1.1 User unknown")


def test_tarpit_delays_refusals_but_not_authenticated_sessions(smtp_front: typing.Any) -> None:
    cmdlet(smtp_front, "EX01", "Set-ReceiveConnector", Identity="EX01\\Default Frontend EX01",
           TarpitInterval="00:00:01")
    mark = smtp_front.mark()
    anonymous = send(smtp_front, "EX01", PARTNER, ["nobody@contoso.com", "bob@contoso.com"])
    assert anonymous.rcpt_seconds["nobody@contoso.com"] >= 0.9
    assert anonymous.rcpt_seconds["bob@contoso.com"] < 0.5
    cmdlet(smtp_front, "EX01", "Set-RecipientFilterConfig", InternalMailEnabled=True)
    authenticated = send(smtp_front, "EX01", "ansible@contoso.com", ["nobody@contoso.com"],
                         login=("ansible", "Password123!"))
    assert authenticated.rcpt["nobody@contoso.com"][0] == 550
    assert authenticated.rcpt_seconds["nobody@contoso.com"] < 0.5
    logged = events(smtp_front, mark, "smtp_transaction")
    assert logged[0]["rcpts"][0]["tarpit"] == 1.0 and logged[0]["user"] is None
    assert logged[1]["rcpts"][0]["tarpit"] == 0.0 and logged[1]["user"] == "CONTOSO\\ansible"


# ---------------------------------------------------------------------------------------------- NDRs
def test_ndr_sent_then_generated_and_deleted_when_ndr_disabled(smtp_front: typing.Any) -> None:
    mark = smtp_front.mark()
    send(smtp_front, "EX02", "someone@other.example", ["nobody@contoso.com"], subject="first")
    [ndr] = reports(smtp_front)
    assert ndr["Subject"] == "Undeliverable: first" and ndr["To"] == "someone@other.example"
    assert ndr["Return-Path"] == "<>"  # null envelope sender
    per_message, [block] = delivery_status(ndr)
    assert per_message["Reporting-MTA"] == "dns;ex02.contoso.com"
    assert block["Final-Recipient"] == "rfc822;nobody@contoso.com"
    assert block["Action"] == "failed" and block["Status"] == "5.1.1"
    assert block["Diagnostic-Code"] == "smtp;550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"
    assert ndr.get_payload()[2].get_content_type() == "message/rfc822"
    assert [e["kind"] for e in events(smtp_front, mark, "report_sent")] == ["ndr"]

    cmdlet(smtp_front, "EX01", "Set-RemoteDomain", Identity="Default", NDREnabled=False)
    mark = smtp_front.mark()
    send(smtp_front, "EX02", "someone@other.example", ["nobody@contoso.com"], subject="second")
    assert len(reports(smtp_front)) == 1
    assert [e["kind"] for e in events(smtp_front, mark, "report_generated")] == ["ndr"]
    [deleted] = events(smtp_front, mark, "report_deleted")
    assert deleted["reason"] == "NDREnabled is false" and deleted["remote_domain"] == "Default"


@pytest.mark.parametrize(("sender", "sent"), [
    ("x@ok.wild.example", True),        # exact DomainName: Exact (NDR on)
    ("x@a.ok.wild.example", False),     # *.wild.example is the nearest wildcard: Wild (NDR off)
    ("x@wild.example", False),          # *.x covers x itself
    ("x@partner.example", True),        # exact: Partner
    ("x@unlisted.example", True),       # *: Default
])
def test_ndr_follows_the_most_specific_remote_domain(smtp_front: typing.Any, sender: str, sent: bool) -> None:
    send(smtp_front, "EX02", sender, ["nobody@contoso.com"])
    assert len(reports(smtp_front)) == (1 if sent else 0)


def test_diagnostic_information_for_administrators(smtp_front: typing.Any) -> None:
    send(smtp_front, "EX02", PARTNER, ["nobody@contoso.com"], mail_options=["RET=HDRS", "ENVID=probe+2B1"])
    cmdlet(smtp_front, "EX01", "Set-RemoteDomain", Identity="Partner", NDRDiagnosticInfoEnabled=False)
    send(smtp_front, "EX02", PARTNER, ["nobody@contoso.com"])
    with_info, without = reports(smtp_front)
    text = with_info.get_payload()[0].get_content()
    assert "Diagnostic information for administrators" in text and "Generating server: ex02.contoso.com" in text
    per_message, [block] = delivery_status(with_info)
    assert per_message["Original-Envelope-Id"] == "probe+1" and "Diagnostic-Code" in block
    assert with_info.get_payload()[2].get_content_type() == "text/rfc822-headers"  # RET=HDRS
    assert "Diagnostic information" not in without.get_payload()[0].get_content()
    _, [block] = delivery_status(without)
    assert block["Status"] == "5.1.1" and block["Diagnostic-Code"] is None


def test_null_sender_never_gets_a_report(smtp_front: typing.Any) -> None:
    mark = smtp_front.mark()
    send(smtp_front, "EX02", "", ["nobody@contoso.com", "alice@contoso.com"], rcpt_options=["NOTIFY=SUCCESS,FAILURE"])
    assert reports(smtp_front) == []
    assert {e["reason"] for e in events(smtp_front, mark, "report_deleted")} == {"null sender"}


def test_mailbox_full_ndr(smtp_front: typing.Any) -> None:
    sent = send(smtp_front, "EDGE01", PARTNER, ["carol@contoso.com"])
    assert sent.rcpt["carol@contoso.com"][0] == 250
    [ndr] = reports(smtp_front)
    _, [block] = delivery_status(ndr)
    assert block["Status"] == "5.2.2" and block["Diagnostic-Code"].startswith("smtp;554 5.2.2 mailbox full")


# ---------------------------------------------------------------------------------------------- DSN
def test_notify_never_suppresses_the_ndr(smtp_front: typing.Any) -> None:
    sent = send(smtp_front, "EX02", PARTNER, ["nobody@contoso.com"], rcpt_options=["NOTIFY=NEVER"])
    assert sent.data is not None and sent.data[0] == 250
    assert reports(smtp_front) == []


def test_notify_success_delivery_report_follows_delivery_report_enabled(smtp_front: typing.Any) -> None:
    send(smtp_front, "EX02", PARTNER, ["bob@contoso.com"],
         rcpt_options=["NOTIFY=SUCCESS", "ORCPT=rfc822;Bob+2BBrown@contoso.com"])
    [dsn] = reports(smtp_front)
    assert dsn["Subject"] == "Delivered: probe"
    _, [block] = delivery_status(dsn)
    assert block["Action"] == "delivered" and block["Status"] == "2.0.0"
    assert block["Original-Recipient"] == "rfc822;Bob+Brown@contoso.com"
    cmdlet(smtp_front, "EX01", "Set-RemoteDomain", Identity="Partner", DeliveryReportEnabled=False)
    mark = smtp_front.mark()
    send(smtp_front, "EX02", PARTNER, ["bob@contoso.com"], rcpt_options=["NOTIFY=SUCCESS"])
    assert len(reports(smtp_front)) == 1
    [deleted] = events(smtp_front, mark, "report_deleted")
    assert deleted["kind"] == "dsn" and deleted["reason"] == "DeliveryReportEnabled is false"


def test_invalid_dsn_parameters_are_refused(smtp_front: typing.Any) -> None:
    host, port = smtp_front.smtp_address("EX02")
    with smtplib.SMTP(host, port) as client:
        client.ehlo("x")
        assert client.mail(PARTNER, ["RET=ALL"])[0] == 501
        assert client.mail(PARTNER, ["RET=FULL"])[0] == 250
        assert client.rcpt("bob@contoso.com", ["NOTIFY=NEVER,SUCCESS"])[0] == 501
        assert client.rcpt("bob@contoso.com", ["XYZ=1"])[0] == 555


# ---------------------------------------------------------------------------------------------- automatic replies
@pytest.mark.parametrize(("oof_type", "expected"), [
    ("External", "Alice is away."), ("ExternalLegacy", "Alice is away."),
    ("InternalLegacy", "Alice is out today."), ("None", None),
])
def test_automatic_replies_follow_allowed_oof_type(smtp_front: typing.Any, oof_type: str,
                                                   expected: str | None) -> None:
    cmdlet(smtp_front, "EX01", "Set-RemoteDomain", Identity="Partner", AllowedOOFType=oof_type)
    send(smtp_front, "EX02", PARTNER, ["alice@contoso.com"], subject="question")
    found = reports(smtp_front)
    if expected is None:
        assert found == []
        return
    [reply] = found
    assert reply["Auto-Submitted"] == "auto-replied" and reply["Return-Path"] == "<>"
    assert reply["Subject"] == "Automatic reply: question" and reply["In-Reply-To"] == "<m1@partner.example>"
    assert reply.get_content().strip() == expected


def test_rule_replies_follow_auto_reply_enabled(smtp_front: typing.Any) -> None:
    send(smtp_front, "EX02", "x@unlisted.example", ["dave@contoso.com"])  # Default: AutoReplyEnabled false
    assert reports(smtp_front) == []
    send(smtp_front, "EX02", PARTNER, ["dave@contoso.com"])                # a new domain: true
    assert [m.get_content().strip() for m in reports(smtp_front)] == ["Rule reply from Dave."]
    cmdlet(smtp_front, "EX01", "Set-RemoteDomain", Identity="Partner", AutoReplyEnabled=False)
    send(smtp_front, "EX02", PARTNER, ["dave@contoso.com"])
    assert len(reports(smtp_front)) == 1


@pytest.mark.parametrize(("sender", "headers"), [
    ("", {}), (PARTNER, {"Auto-Submitted": "auto-generated"}), (PARTNER, {"Auto-Submitted": "auto-replied"}),
    (PARTNER, {"X-Auto-Response-Suppress": "OOF"}),
])
def test_no_automatic_reply_to_automatic_mail(smtp_front: typing.Any, sender: str, headers: dict[str, str]) -> None:
    mark = smtp_front.mark()
    send(smtp_front, "EX02", sender, ["alice@contoso.com"], headers=headers)
    assert reports(smtp_front) == []
    [deleted] = events(smtp_front, mark, "report_deleted")
    assert deleted["kind"] == "auto_reply"


def test_auto_submitted_no_still_gets_a_reply(smtp_front: typing.Any) -> None:
    send(smtp_front, "EX02", PARTNER, ["alice@contoso.com"], headers={"Auto-Submitted": "no"})
    assert len(reports(smtp_front)) == 1


# ---------------------------------------------------------------------------------------------- before and after
def test_before_and_after_the_baseline(smtp_front: typing.Any) -> None:
    """Forged probes through the Edge make NDRs (backscatter) until the baseline's settings are applied with
    cmdlets; then none, while a valid recipient is still accepted and a partner still learns of a full mailbox."""
    cmdlet(smtp_front, "EDGE01", "Set-RecipientFilterConfig", RecipientValidationEnabled=False)
    forged = [f"victim{i}@forged.example" for i in range(3)]
    for victim in forged:
        send(smtp_front, "EDGE01", victim, [f"probe-{victim.split('@')[0]}@contoso.com"])
    before = reports(smtp_front)
    assert sorted(m["To"] for m in before) == sorted(forged)

    cmdlet(smtp_front, "EDGE01", "Set-RecipientFilterConfig", RecipientValidationEnabled=True)
    cmdlet(smtp_front, "EX01", "Set-RemoteDomain", Identity="Default", NDREnabled=True,
           NDRDiagnosticInfoEnabled=False, DeliveryReportEnabled=False)
    mark = smtp_front.mark()
    for victim in forged:
        sent = send(smtp_front, "EDGE01", victim, [f"probe2-{victim.split('@')[0]}@contoso.com"])
        assert sent.rcpt[f"probe2-{victim.split('@')[0]}@contoso.com"][0] == 550
    assert len(reports(smtp_front)) == len(before)
    assert events(smtp_front, mark, "report_generated") == []
    valid = send(smtp_front, "EDGE01", PARTNER, ["bob@contoso.com"])
    assert valid.rcpt["bob@contoso.com"][0] == 250 and valid.data is not None and valid.data[0] == 250
    send(smtp_front, "EDGE01", PARTNER, ["carol@contoso.com"])
    after = reports(smtp_front)[len(before):]
    [ndr] = after
    assert ndr["To"] == PARTNER
    _, [block] = delivery_status(ndr)
    assert block["Status"] == "5.2.2"

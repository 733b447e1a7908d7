"""The SMTP probe's pure parts: replies, the plan, report attribution (on a bounce Postfix really sent),
the metrics and verdicts, thresholds and option checks; and the client and capture listener against a
real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import asyncio
import email
import pathlib
import smtplib
import threading

import pytest
from aiosmtpd.smtp import SMTP as AioSMTP
from ansible_collections.mailhygiene.exchange.plugins.module_utils.smtp_probe import metrics, options
from ansible_collections.mailhygiene.exchange.plugins.module_utils.smtp_probe.capture import CaptureListener
from ansible_collections.mailhygiene.exchange.plugins.module_utils.smtp_probe.client import (
    ProbeFailure,
    ProbeResult,
    RecipientReply,
    Target,
    run_probe,
)
from ansible_collections.mailhygiene.exchange.plugins.module_utils.smtp_probe.plan import (
    UNKNOWN_PREFIX,
    build_plan,
    probe_message,
)
from ansible_collections.mailhygiene.exchange.plugins.module_utils.smtp_probe.replies import (
    Reply,
    parse_reply,
    temporary_cause,
)
from ansible_collections.mailhygiene.exchange.plugins.module_utils.smtp_probe.reports import (
    CapturedMessage,
    Report,
    read_report,
)

DATA = pathlib.Path(__file__).parent / "smtp_probe_data"
SENDER = "victim@example.net"
ALL_KINDS = {"forged_unknown": 2, "null_sender_unknown": 1, "valid_and_unknown": 1, "valid": 1}


# ------------------------------------------------------------------------------------------ replies
def test_reply_with_enhanced_status_on_every_line():
    reply = parse_reply(550, b"5.1.1 <x@contoso.com>: Recipient address rejected:\n5.1.1 User unknown", 0.25)
    text = "<x@contoso.com>: Recipient address rejected: User unknown"
    assert (reply.code, reply.enhanced, reply.text) == (550, "5.1.1", text)
    assert reply.permanent and not reply.temporary and not reply.positive
    assert reply.as_dict() == {"code": 550, "enhanced_status": "5.1.1", "text": reply.text, "latency": 0.25}


def test_reply_without_enhanced_status():
    reply = parse_reply(250, "mx.contoso.com Hello [192.0.2.1]", 0.0)
    assert reply.enhanced is None and reply.positive and reply.describe() == "250 mx.contoso.com Hello [192.0.2.1]"


@pytest.mark.parametrize("code, text, cause, wait", [
    (450, "4.7.1 Greylisted, please try again in 300 seconds", "greylisting", 300),
    (451, "4.7.1 Please try again later", "greylisting", 300),
    (450, "4.2.0 Greylisted, see https://example.org, retry after 5 minutes", "greylisting", 300),
    (452, "4.5.3 Too many recipients", "rate_limiting", 60),
    (421, "4.3.2 Service not available, closing transmission channel", "rate_limiting", 60),
    (451, "4.3.0 Temporary lookup failure", "temporary", 60),
])
def test_temporary_causes(code, text, cause, wait):
    found = temporary_cause(parse_reply(code, text, 0.0))
    assert (found.cause, found.retry_after) == (cause, wait)


# ------------------------------------------------------------------------------------------ plan
def test_plan_interleaves_kinds_and_gives_each_probe_its_token():
    plan = build_plan(ALL_KINDS, "contoso.com", ["a@contoso.com", "b@contoso.com"], SENDER, run_id="0a0b0c0d")
    assert [p.kind for p in plan.probes] == ["forged_unknown", "null_sender_unknown", "valid_and_unknown", "valid",
                                             "forged_unknown"]
    assert [p.id for p in plan.probes][:2] == ["p1-forged_unknown", "p2-null_sender_unknown"]
    tokens = [p.token for p in plan.probes]
    assert len(set(tokens)) == 5 and {len(t) for t in tokens} == {12} and all(t.startswith("0a0b0c0d") for t in tokens)
    for probe in plan.probes:
        unknown = [r for r in probe.recipients if not r.exists]
        if probe.kind != "valid":
            assert unknown[0].address == f"{UNKNOWN_PREFIX}{probe.token}@contoso.com"
    assert plan.probes[1].sender == "" and not plan.probes[1].forged
    assert [r.address for r in plan.probes[2].recipients if r.exists] == ["a@contoso.com"]
    assert [r.address for r in plan.probes[3].recipients] == ["b@contoso.com"]  # valid recipients taken in turn
    assert plan.skipped == ()


def test_plan_skips_probes_that_need_a_valid_recipient():
    plan = build_plan(ALL_KINDS, "contoso.com", [], SENDER)
    assert [p.kind for p in plan.probes] == ["forged_unknown", "null_sender_unknown", "forged_unknown"]
    assert [(s.kind, s.count, s.reason) for s in plan.skipped] == [
        ("valid_and_unknown", 1, "no valid_recipients given"), ("valid", 1, "no valid_recipients given")]
    assert build_plan(ALL_KINDS, "c.com", [], SENDER).run_id != plan.run_id


def test_probe_message_is_labelled_and_carries_the_token():
    probe = build_plan({"forged_unknown": 1}, "contoso.com", [], SENDER, run_id="feedf00d").probes[0]
    raw = probe_message(probe, "mx.contoso.com", "controller.example.org")
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    message = email.message_from_bytes(raw)
    assert message["Subject"] == "[smtp_probe feedf00d0001] backscatter test message, please discard"
    assert message["Message-ID"] == "<feedf00d0001@smtp-probe.invalid>"
    assert message["From"] == f"<{SENDER}>" and "Auto-Submitted" not in message  # auto-responders must answer
    assert "feedf00d0001" in message.get_payload() and "please discard" in message.get_payload().lower()


# ------------------------------------------------------------------------------------------ reports
def captured(content: bytes, to: str = SENDER) -> CapturedMessage:
    return CapturedMessage(mail_from="", rcpt_tos=(to,), content=content, received_at=0.0)


def test_postfix_bounce_is_attributed_by_its_final_recipient():
    report = read_report(captured((DATA / "postfix_bounce.eml").read_bytes()), ["5eed0001002", "5eed0001001"])
    assert (report.kind, report.token) == ("dsn", "5eed0001001")
    assert report.recipient == "nonexistent-probe-5eed0001001@probe.test"
    assert (report.action, report.status) == ("failed", "5.1.1")
    assert "unknown user" in report.diagnostic
    assert report.sent_to("Victim@Example.NET") and not report.sent_to("other@example.net")


def test_bounce_of_another_run_is_unattributed():
    report = read_report(captured((DATA / "postfix_bounce.eml").read_bytes()), ["0000000a001"])
    assert (report.kind, report.token) == ("unattributed", None)


AUTO_REPLY = (b"From: Alex <alex@contoso.com>\r\nTo: <victim@example.net>\r\n"
              b"Subject: Automatic reply: [smtp_probe abcdef01003] backscatter test message, please discard\r\n"
              b"In-Reply-To: <abcdef01003@smtp-probe.invalid>\r\nAuto-Submitted: auto-replied\r\n"
              b"Content-Type: text/plain\r\n\r\nI am out of the office until Monday.\r\n")


def test_automatic_reply_is_attributed_by_in_reply_to():
    report = read_report(captured(AUTO_REPLY), ["abcdef01001", "abcdef01003"])
    assert (report.kind, report.token) == ("auto_reply", "abcdef01003")


def test_automatic_reply_without_references_is_attributed_by_its_subject():
    message = AUTO_REPLY.replace(b"In-Reply-To: <abcdef01003@smtp-probe.invalid>\r\n", b"")
    assert read_report(captured(message), ["abcdef01003"]).kind == "auto_reply"


def test_non_standard_bounce_quoting_the_token_is_other():
    message = (b"From: MAILER-DAEMON@mx.contoso.com\r\nSubject: failure notice\r\n\r\nSorry, I could not deliver "
               b"to nonexistent-probe-abcdef01002@contoso.com.\r\n")
    report = read_report(captured(message), ["abcdef01002"])
    assert (report.kind, report.token, report.recipient) == ("other", "abcdef01002", None)


# ------------------------------------------------------------------------------------------ metrics
def reply(code: int, latency: float = 0.0) -> Reply:
    return parse_reply(code, {250: "2.1.5 Ok", 550: "5.1.1 User unknown", 354: "Go ahead"}.get(code, "Ok"), latency)


def results_for(plan, rcpt_code: int, send: bool, data_code: int = 250, valid_code: int = 250,
                rejected_latency: float = 0.0):
    results = []
    for probe in plan.probes:
        result = ProbeResult(probe=probe, banner=reply(220), ehlo=reply(250), mail=reply(250))
        for recipient in probe.recipients:
            code = valid_code if recipient.exists else rcpt_code
            result.rcpt.append(RecipientReply(recipient.address, recipient.exists,
                                              reply(code, rejected_latency if code >= 500 else 0.01)))
        if send and result.accepted_recipients:
            result.data, result.data_end = reply(354), reply(data_code)
        else:
            result.rset = reply(250)
        results.append(result)
    return results


def bounce_for(probe) -> Report:
    unknown = next(r.address for r in probe.recipients if not r.exists)
    return Report(kind="dsn", token=probe.token, mail_from="", rcpt_tos=(SENDER,), subject="Undelivered",
                  recipient=unknown, action="failed", status="5.1.1")


def test_server_that_rejects_at_rcpt_with_a_tarpit():
    plan = build_plan(ALL_KINDS, "contoso.com", ["a@contoso.com"], SENDER)
    m = metrics.measure(results_for(plan, 550, send=True, rejected_latency=5.0), [], True, True, SENDER)
    assert m.verdict == "rejects unknown recipients at RCPT" and m.backscatter is False
    assert m.metrics[metrics.COVERAGE].value == 1.0 and m.metrics[metrics.COVERAGE].denominator == 4
    assert m.metrics[metrics.FALSE_REJECTION].value == 0.0
    assert m.metrics[metrics.EMISSION].value == 0.0
    assert m.tarpit() == {"rcpt_rejected": {"count": 4, "mean": 5.0, "max": 5.0},
                          "rcpt_accepted": {"count": 2, "mean": 0.01, "max": 0.01}, "added_delay": 4.99}


def test_server_that_accepts_and_bounces():
    plan = build_plan({"forged_unknown": 2, "null_sender_unknown": 1}, "contoso.com", [], SENDER)
    forged = [p for p in plan.probes if p.forged]
    reports = [bounce_for(p) for p in forged]
    m = metrics.measure(results_for(plan, 250, send=True), reports, True, True, SENDER)
    assert m.verdict == "accepts and bounces: backscatter" and m.backscatter is True
    emission = m.metrics[metrics.EMISSION]
    assert (emission.value, emission.numerator, emission.denominator) == (1.0, 2, 2)
    assert emission.probes == tuple(p.id for p in forged)
    assert m.metrics[metrics.BOUNCE].value == 1.0
    assert m.metrics[metrics.COVERAGE].value == 0.0
    assert m.unknown_outcomes == {"rejected_at_rcpt": 0, "rejected_at_data": 0, "accepted": 3}


def test_server_that_accepts_silently():
    plan = build_plan({"forged_unknown": 3}, "contoso.com", [], SENDER)
    m = metrics.measure(results_for(plan, 250, send=True), [], True, True, SENDER)
    assert m.verdict == "accepts silently: NDRs suppressed" and m.backscatter is False
    assert m.metrics[metrics.BOUNCE].value == 0.0


def test_report_to_someone_else_is_not_backscatter_to_the_forged_sender():
    plan = build_plan({"forged_unknown": 1}, "contoso.com", [], SENDER)
    report = bounce_for(plan.probes[0])
    elsewhere = Report(**{**report.__dict__, "rcpt_tos": ("postmaster@contoso.com",)})
    m = metrics.measure(results_for(plan, 250, send=True), [elsewhere], True, True, SENDER)
    assert m.metrics[metrics.EMISSION].value == 0.0


def test_automatic_reply_to_a_valid_recipient_is_backscatter():
    plan = build_plan({"valid": 1}, "contoso.com", ["a@contoso.com"], SENDER)
    auto = Report(kind="auto_reply", token=plan.probes[0].token, mail_from="", rcpt_tos=(SENDER,), subject="x")
    m = metrics.measure(results_for(plan, 250, send=True), [auto], True, True, SENDER)
    assert m.backscatter is True and m.metrics[metrics.EMISSION].value == 1.0
    assert m.verdict == "no nonexistent recipient probed, but sends reports or automatic replies to forged " \
                        "senders: backscatter"


def test_whole_message_refused_at_data_is_a_false_rejection():
    """Recipient validation on a Mailbox server: one unknown recipient costs the valid one its message."""
    plan = build_plan({"valid_and_unknown": 1}, "contoso.com", ["a@contoso.com"], SENDER)
    m = metrics.measure(results_for(plan, 250, send=True, data_code=550), [], True, True, SENDER)
    assert m.metrics[metrics.FALSE_REJECTION].value == 1.0
    assert m.unknown_outcomes["rejected_at_data"] == 1
    assert m.verdict == "rejects unknown recipients (0 of 1 at RCPT, the rest at DATA)"


def test_without_send_or_capture_backscatter_is_not_measured():
    plan = build_plan({"forged_unknown": 2}, "contoso.com", [], SENDER)
    m = metrics.measure(results_for(plan, 250, send=False), [], False, False, SENDER)
    assert m.backscatter is None
    assert m.metrics[metrics.EMISSION].value is None and "send=true and capture" in m.metrics[metrics.EMISSION].reason
    assert m.verdict.startswith("accepts unknown recipients: backscatter not measured")
    assert metrics.measure(results_for(plan, 250, send=True), [], True, False, SENDER).metrics[
        metrics.EMISSION].reason.startswith("needs capture")


def test_thresholds_name_the_value_and_the_probes():
    plan = build_plan({"forged_unknown": 2}, "contoso.com", [], SENDER)
    m = metrics.measure(results_for(plan, 250, send=True), [bounce_for(plan.probes[0])], True, True, SENDER)
    breaches = metrics.check_thresholds(m, {"backscatter_emission_rate": 0.0, "rcpt_rejection_coverage": 1.0,
                                            "false_rejection_rate": 0.0, "accept_then_bounce_ratio": None})
    assert breaches[0] == ("fail_on.backscatter_emission_rate: measured 0.5, above the maximum 0.0: 1 of 2 "
                           "forged-sender probes that caused a report or automatic reply to the forged sender "
                           f"({plan.probes[0].id})")
    assert breaches[1].startswith("fail_on.rcpt_rejection_coverage: measured 0.0, below the minimum 1.0: 0 of 2")
    assert breaches[2] == ("fail_on.false_rejection_rate (max 0.0): not measured: no probe with a valid recipient "
                           "ran (valid_recipients not given, or probes.valid and probes.valid_and_unknown are 0)")
    assert len(breaches) == 3


# ------------------------------------------------------------------------------------------ options
def params(**changes):
    base = {"host": "mx.contoso.com", "port": 25, "helo": None, "timeout": 30.0, "starttls": "auto",
            "validate_certs": False, "recipient_domain": "contoso.com", "valid_recipients": [],
            "sender": "probe@example.net", "probes": dict(ALL_KINDS), "send": False, "capture": None,
            "rate_limit": 1.0, "fail_on": None}
    base.update(changes)
    return base


def test_good_options():
    assert options.validate(params()) == []
    settings = options.run_settings(params(send=True), "controller.test", check_mode=True,
                                    plan=options.plan_from(params()))
    assert settings.send is False and "check mode" in settings.not_measured


@pytest.mark.parametrize("changes, message", [
    ({"port": 0}, "port: 0 is not a TCP port (1 to 65535)"),
    ({"capture": {"host": "0.0.0.0", "port": 99999, "window": 1}}, "capture.port: 99999 is not a TCP port"),
    ({"capture": {"host": "0.0.0.0", "port": 2525, "window": -1}}, "capture.window: -1 must be seconds"),
    ({"timeout": 0}, "timeout: 0 must be a number of seconds above 0"),
    ({"helo": "bad helo"}, "helo: 'bad helo' is not a host name"),
    ({"recipient_domain": "contoso com"}, "recipient_domain: 'contoso com' is not a domain name"),
    ({"sender": "<>"}, "sender: '<>' is not an email address"),
    ({"probes": {"forged_unknown": -1}}, "probes.forged_unknown: -1 must be 0 or more"),
    ({"probes": {"forged_unknown": 10000}}, "probes: 10000 probes in all; at most 9999"),
    ({"fail_on": {"false_rejection_rate": -0.1}}, "fail_on.false_rejection_rate: -0.1 must be a share between 0 and 1"),
    ({"fail_on": {"accept_then_bounce_ratio": 0}}, "fail_on.accept_then_bounce_ratio can only be measured with "
                                                   "send=true and capture"),
])
def test_bad_options_name_the_field(changes, message):
    errors = options.validate(params(**changes))
    assert any(e.startswith(message) for e in errors), errors


# ------------------------------------------------------------------------------------------ on the wire
class Rejecting:
    """An aiosmtpd handler that refuses the made-up recipients, after a short tarpit."""

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address.startswith(UNKNOWN_PREFIX):
            await asyncio.sleep(0.2)
            return "550 5.1.1 User unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Recipient OK"

    async def handle_DATA(self, server, session, envelope):
        return "250 2.6.0 Queued"


@pytest.fixture
def rejecting_server():
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(lambda: AioSMTP(Rejecting(), hostname="mx.test"),
                                                        "127.0.0.1", 0))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield server.sockets[0].getsockname()[1]
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    server.close()


def test_client_records_every_reply_and_the_tarpit(rejecting_server):
    target = Target("127.0.0.1", rejecting_server, "controller.test", 5, "auto", False)
    plan = build_plan({"valid_and_unknown": 1}, "contoso.com", ["a@contoso.com"], SENDER)
    result = run_probe(target, plan.probes[0], send=True)
    assert result.banner.code == 220 and result.ehlo.code == 250 and result.mail.code == 250
    valid, unknown = result.rcpt
    assert (valid.reply.code, unknown.reply.code, unknown.reply.enhanced) == (250, 550, "5.1.1")
    assert unknown.reply.latency >= 0.2 > valid.reply.latency
    assert (result.data.code, result.data_end.code, result.data_end.enhanced) == (354, 250, "2.6.0")
    dry = run_probe(target, plan.probes[0], send=False)
    assert dry.data is None and dry.rset.code == 250


def test_client_refused_null_sender_says_what_to_do(rejecting_server):
    class RefuseNull(Rejecting):
        async def handle_MAIL(self, server, session, envelope, address, options):
            if not address or address == "<>":
                return "550 5.7.1 Null sender not accepted"
            envelope.mail_from = address
            return "250 OK"
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(lambda: AioSMTP(RefuseNull()), "127.0.0.1", 0))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        target = Target("127.0.0.1", server.sockets[0].getsockname()[1], "controller.test", 5, "never", False)
        probe = build_plan({"null_sender_unknown": 1}, "contoso.com", [], SENDER).probes[0]
        with pytest.raises(ProbeFailure) as failure:
            run_probe(target, probe, send=False)
        assert failure.value.kind == "sender_refused"
        assert "refused the null sender MAIL FROM:<> with 550 5.7.1" in str(failure.value)
        assert "set probes.null_sender_unknown to 0" in str(failure.value)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


def test_capture_listener_keeps_what_it_receives():
    with CaptureListener("127.0.0.1", 0) as listener:
        assert listener.port
        with smtplib.SMTP("127.0.0.1", listener.port, timeout=5) as client:
            client.sendmail("", [SENDER], AUTO_REPLY)
        received = listener.messages()
    assert len(received) == 1
    assert (received[0].mail_from, received[0].rcpt_tos) == ("", (SENDER,))
    assert read_report(received[0], ["abcdef01003"]).kind == "auto_reply"


def test_capture_listener_on_a_taken_port_says_so():
    with CaptureListener("127.0.0.1", 0) as first:
        with pytest.raises(Exception, match=f"cannot listen on 127.0.0.1:{first.port} for reports: .*choose another"):
            CaptureListener("127.0.0.1", first.port).start()

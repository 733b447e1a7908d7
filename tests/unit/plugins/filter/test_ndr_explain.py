"""The ndr_explain filter: RFC 3463 meanings, Exchange's codes, SMTP replies and RFC 3464 reports."""

from __future__ import annotations

import email.message
import email.mime.multipart
import email.mime.text
import typing

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.mailhygiene.exchange.plugins.filter.ndr_explain import FilterModule

ndr_explain = FilterModule().filters()["ndr_explain"]

# RFC 3463's words, section 3.2 (subjects) and sections 3.3 to 3.10 (details): the specification, not our table.
SUBJECTS = [
    ("5.0.0", "Other or Undefined Status"), ("5.1.0", "Addressing Status"), ("5.2.0", "Mailbox Status"),
    ("5.3.0", "Mail System Status"), ("5.4.0", "Network and Routing Status"),
    ("5.5.0", "Mail Delivery Protocol Status"), ("5.6.0", "Message Content or Media Status"),
    ("5.7.0", "Security or Policy Status"),
]
DETAILS = [
    ("5.0.0", "Other undefined Status"),
    ("5.1.1", "Bad destination mailbox address"), ("5.1.2", "Bad destination system address"),
    ("5.1.3", "Bad destination mailbox address syntax"), ("5.1.4", "Destination mailbox address ambiguous"),
    ("2.1.5", "Destination address valid"), ("5.1.6", "Destination mailbox has moved, No forwarding address"),
    ("5.1.7", "Bad sender's mailbox address syntax"), ("5.1.8", "Bad sender's system address"),
    ("5.2.1", "Mailbox disabled, not accepting messages"), ("4.2.2", "Mailbox full"),
    ("5.2.3", "Message length exceeds administrative limit"), ("5.2.4", "Mailing list expansion problem"),
    ("4.3.1", "Mail system full"), ("4.3.2", "System not accepting network messages"),
    ("5.3.3", "System not capable of selected features"), ("5.3.4", "Message too big for system"),
    ("5.3.5", "System incorrectly configured"),
    ("4.4.1", "No answer from host"), ("4.4.2", "Bad connection"), ("4.4.3", "Directory server failure"),
    ("5.4.4", "Unable to route"), ("4.4.5", "Mail system congestion"), ("5.4.6", "Routing loop detected"),
    ("4.4.7", "Delivery time expired"),
    ("5.5.1", "Invalid command"), ("5.5.2", "Syntax error"), ("5.5.3", "Too many recipients"),
    ("5.5.4", "Invalid command arguments"), ("5.5.5", "Wrong protocol version"),
    ("5.6.1", "Media not supported"), ("5.6.2", "Conversion required and prohibited"),
    ("5.6.3", "Conversion required but not supported"), ("2.6.4", "Conversion with loss performed"),
    ("5.6.5", "Conversion Failed"),
    ("5.7.1", "Delivery not authorized, message refused"), ("5.7.2", "Mailing list expansion prohibited"),
    ("5.7.3", "Security conversion required but not possible"), ("5.7.4", "Security features not supported"),
    ("5.7.5", "Cryptographic failure"), ("5.7.6", "Cryptographic algorithm not supported"),
    ("5.7.7", "Message integrity failure"),
]
CLASSES = [("2.0.0", "Success"), ("4.0.0", "Persistent Transient Failure"), ("5.0.0", "Permanent Failure")]
# The codes Exchange is known for, and the Exchange Online additions.
EXCHANGE = ["4.2.2", "4.3.1", "4.3.2", "4.4.1", "4.4.2", "4.4.6", "4.4.7", "5.0.0", "5.1.0", "5.1.1", "5.1.3",
            "5.1.4", "5.1.6", "5.1.7", "5.2.1", "5.2.2", "5.2.3", "5.3.3", "5.3.4", "5.3.5", "5.4.0", "5.4.4",
            "5.4.6", "5.4.8", "5.5.0", "5.5.2", "5.5.3", "5.7.1", "5.1.10", "5.4.1"]


@pytest.mark.parametrize(("status", "meaning"), SUBJECTS)
def test_subject_meaning(status: str, meaning: str) -> None:
    assert ndr_explain(status)["subject"] == meaning


@pytest.mark.parametrize(("status", "meaning"), DETAILS)
def test_detail_meaning(status: str, meaning: str) -> None:
    explained = ndr_explain(status)
    assert explained["detail"] == meaning
    assert explained["status"] == status and explained["code"] is None


@pytest.mark.parametrize(("status", "words"), CLASSES)
def test_class_in_rfc_words(status: str, words: str) -> None:
    assert ndr_explain(status)["class"].startswith(words + ":")


@pytest.mark.parametrize(("status", "subject"), [("5.1.99", "Addressing Status"),
                                                 ("4.7.999", "Security or Policy Status"),
                                                 ("5.6.42", "Message Content or Media Status")])
def test_unknown_detail_is_the_subject_plus_undefined_detail(status: str, subject: str) -> None:
    explained = ndr_explain(status)
    assert explained["subject"] == subject
    assert explained["detail"] == subject + ": undefined detail"
    assert explained["exchange"] is None
    assert explained["cause"] and explained["remedy"]


def test_unknown_subject_still_explains_the_class() -> None:
    explained = ndr_explain("5.9.1")
    assert explained["class"].startswith("Permanent Failure")
    assert explained["subject"] == "Undefined subject"


def test_generic_remedy_depends_on_the_class() -> None:
    assert "temporary" in ndr_explain("4.6.1")["remedy"]
    assert "fails again" in ndr_explain("5.6.1")["remedy"]
    assert ndr_explain("2.1.5")["remedy"] == "Nothing to do."


@pytest.mark.parametrize("status", EXCHANGE)
def test_exchange_codes_have_their_own_cause_and_remedy(status: str) -> None:
    explained = ndr_explain(status)
    generic = ndr_explain(status.rsplit(".", 1)[0] + ".999")  # same class and subject, no Exchange meaning
    assert explained["exchange"]
    assert explained["cause"] != generic["cause"] and explained["remedy"] != generic["remedy"]


def test_exchange_online_codes_say_so() -> None:
    for status in ("5.1.10", "5.4.1"):
        assert ndr_explain(status)["exchange"].startswith("Exchange Online")
    assert "Directory-Based Edge Blocking" in ndr_explain("5.4.1")["exchange"]
    # The registry's X.1.10 means something else (null MX): both meanings are given.
    assert "null MX" in ndr_explain("5.1.10")["detail"]


@pytest.mark.parametrize(("status", "hint"), [("5.1.1", True), ("5.1.10", True), ("5.4.1", True), ("5.2.2", False),
                                              ("4.4.7", False), ("5.7.1", False), ("2.1.5", False)])
def test_backscatter_hint_only_for_unknown_recipients(status: str, hint: bool) -> None:
    explained = ndr_explain(status)
    assert bool(explained["backscatter_hint"]) is hint
    if hint:
        assert "RCPT" in explained["backscatter_hint"] and "backscatter" in explained["backscatter_hint"]


@pytest.mark.parametrize(("reply", "code", "status", "text"), [
    ("550 5.1.1 RESOLVER.ADR.RecipNotFound; not found", 550, "5.1.1", "RESOLVER.ADR.RecipNotFound; not found"),
    ("5.1.1 RESOLVER.ADR.RecipNotFound; not found", None, "5.1.1", "RESOLVER.ADR.RecipNotFound; not found"),
    ("550-5.1.1 The email account that you tried to reach does not exist.\r\n"
     "550-5.1.1 Please try double-checking the recipient's email\r\n"
     "550 5.1.1 address for typos.\r\n", 550, "5.1.1",
     "The email account that you tried to reach does not exist. Please try double-checking the recipient's email "
     "address for typos."),
    ("452-4.5.3 Too many recipients\n452 4.5.3 try later", 452, "4.5.3", "Too many recipients try later"),
    ("#550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup ##", 550, "5.1.10",
     "RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"),
    ("550 5.4.1 Recipient address rejected: Access denied", 550, "5.4.1", "Recipient address rejected: Access denied"),
    ("250 2.1.5 Recipient OK", 250, "2.1.5", "Recipient OK"),
    (b"421 4.4.2 Connection dropped", 421, "4.4.2", "Connection dropped"),
    ("554", 554, None, None),
])
def test_replies(reply: typing.Any, code: int | None, status: str | None,
                 text: str | None) -> None:
    explained = ndr_explain(reply)
    assert (explained["code"], explained["status"], explained["text"]) == (code, status, text)


def test_reply_explains_like_its_status() -> None:
    reply = ndr_explain("550 5.1.1 RESOLVER.ADR.RecipNotFound; not found")
    code = ndr_explain("5.1.1")
    assert {k: reply[k] for k in ("class", "subject", "detail", "exchange", "cause", "remedy", "backscatter_hint")} == \
        {k: code[k] for k in ("class", "subject", "detail", "exchange", "cause", "remedy", "backscatter_hint")}


def test_reply_without_enhanced_status_has_its_class_only() -> None:
    explained = ndr_explain("450 Requested mail action not taken: mailbox unavailable")
    assert explained["code"] == 450 and explained["status"] is None and explained["subject"] is None
    assert explained["class"].startswith("Persistent Transient Failure")
    assert explained["text"] == "Requested mail action not taken: mailbox unavailable"


def dsn_block(**fields: str) -> email.message.Message:
    block = email.message.Message()
    for name, value in fields.items():
        block[name.replace("_", "-")] = value
    return block


def build_report(recipients: list[email.message.Message]) -> email.message.Message:
    """An RFC 3464 report as Exchange writes one: a human part, the delivery-status part and the original headers."""
    report = email.mime.multipart.MIMEMultipart("report", report_type="delivery-status")
    report["From"] = "Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.com>"
    report["To"] = "victim@example.net"
    report["Subject"] = "Undeliverable: invoice"
    report.attach(email.mime.text.MIMEText("Delivery has failed to these recipients or groups.\n"))
    status = email.message.Message()
    status.set_type("message/delivery-status")
    status.set_payload([dsn_block(Reporting_MTA="dns;EX01.contoso.com", Arrival_Date="Mon, 2 Mar 2026 10:00:00 +0000"),
                        *recipients])
    report.attach(status)
    headers = email.mime.text.MIMEText("From: victim@example.net\nTo: random123@contoso.com\n", "rfc822-headers")
    report.attach(headers)
    return report


FAILED = dsn_block(Final_Recipient="rfc822;random123@contoso.com", Action="failed", Status="5.1.1",
                   Diagnostic_Code="smtp;550 5.1.1 RESOLVER.ADR.RecipNotFound; not found")
DELAYED = dsn_block(Final_Recipient="rfc822; partner@fabrikam.example", Action="delayed", Status="4.4.7",
                    Remote_MTA="dns; mx.fabrikam.example",
                    Diagnostic_Code="smtp; 451 4.4.0 Primary target IP address responded with: 421 4.4.2 dropped")


@pytest.mark.parametrize("form", ["text", "bytes"])
def test_report_one_result_per_recipient(form: str) -> None:
    report = build_report([FAILED, DELAYED])
    raw = report.as_string() if form == "text" else report.as_bytes()
    failed, delayed = ndr_explain(raw)
    assert (failed["recipient"], failed["action"], failed["status"], failed["code"]) == \
        ("random123@contoso.com", "failed", "5.1.1", 550)
    assert failed["remote_mta"] is None and failed["reporting_mta"] == "EX01.contoso.com"
    assert failed["diagnostic_code"] == "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"
    assert failed["exchange"].startswith("The recipient could not be resolved")
    # Nobody else answered 5.1.1: the reporting server accepted the message and bounced it itself.
    assert "EX01.contoso.com itself accepted this message" in failed["backscatter_hint"]
    assert (delayed["recipient"], delayed["action"], delayed["status"], delayed["code"]) == \
        ("partner@fabrikam.example", "delayed", "4.4.7", 451)
    assert delayed["remote_mta"] == "mx.fabrikam.example"
    assert delayed["detail"] == "Delivery time expired" and delayed["class"].startswith("Persistent Transient")
    assert delayed["text"] == "Primary target IP address responded with: 421 4.4.2 dropped"
    assert delayed["backscatter_hint"] is None


def test_report_recipient_rejected_by_the_remote_server_is_not_our_backscatter() -> None:
    rejected = dsn_block(Final_Recipient="rfc822; nobody@fabrikam.example", Action="failed", Status="5.1.1",
                         Remote_MTA="dns; mx.fabrikam.example", Diagnostic_Code="smtp; 550 5.1.1 User unknown")
    (explained,) = ndr_explain(build_report([rejected]).as_string())
    assert explained["backscatter_hint"] and "itself accepted" not in explained["backscatter_hint"]


@pytest.mark.parametrize(("value", "names"), [
    ("hello", "'hello' is not an SMTP reply"),
    ("6.1.1", "'6.1.1' is not an SMTP reply"),
    ("5.1", "'5.1' is not an SMTP reply"),
    ("", "an empty reply"),
    ("354 Start mail input", "intermediate reply"),
    ("550-5.1.1 first line\n5.1.1 second line", "line 2"),
    (42, "got int 42"),
    (None, "got NoneType"),
    (["5.1.1"], "got list"),
    ("From: a@contoso.com\nSubject: hi\n\nbody", "no message/delivery-status part"),
])
def test_bad_input_names_what_was_expected(value: typing.Any, names: str) -> None:
    with pytest.raises(AnsibleFilterError) as raised:
        ndr_explain(value)
    message = str(raised.value)
    assert message.startswith("ndr_explain: ") and names in message
    if "line 2" not in message and "Status" not in message:
        assert "5.1.1" in message  # an example of what would have worked


def test_report_recipient_without_status_is_an_error() -> None:
    with pytest.raises(AnsibleFilterError, match="no Status field"):
        ndr_explain(build_report([dsn_block(Final_Recipient="rfc822; a@contoso.com", Action="failed")]).as_string())

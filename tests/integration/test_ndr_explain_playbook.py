"""ndr_explain in a playbook, as users call it: through ansible-playbook and the installed collection."""

from __future__ import annotations

import email.message
import email.mime.multipart
import types
import typing

import pytest


@pytest.fixture(scope="module")
def exchange_lab() -> typing.Any:
    """No emulator lab: the filter runs on the controller; the playbooks target localhost."""
    return types.SimpleNamespace(endpoints={"servers": []}, username="", password="")


def delivery_status_report() -> str:
    report = email.mime.multipart.MIMEMultipart("report", report_type="delivery-status")
    status = email.message.Message()
    status.set_type("message/delivery-status")
    blocks = []
    for fields in ({"Reporting-MTA": "dns; EDGE01.contoso.com"},
                   {"Final-Recipient": "rfc822; random123@contoso.com", "Action": "failed", "Status": "5.1.1"},
                   {"Final-Recipient": "rfc822; partner@fabrikam.example", "Action": "delayed", "Status": "4.4.7",
                    "Remote-MTA": "dns; mx.fabrikam.example", "Diagnostic-Code": "smtp; 451 4.4.1 No answer"}):
        block = email.message.Message()
        for name, value in fields.items():
            block[name] = value
        blocks.append(block)
    status.set_payload(blocks)
    report.attach(status)
    return report.as_string()


def test_filter_in_a_playbook(ansible, tmp_path):
    bounce = tmp_path / "bounce.eml"
    bounce.write_text(delivery_status_report(), encoding="utf-8")
    run = ansible.play([
        {"name": "reply", "ansible.builtin.set_fact": {
            "explained": "{{ '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found' | mailhygiene.exchange.ndr_explain }}"}},
        {"name": "report", "ansible.builtin.set_fact": {
            "recipients": f"{{{{ lookup('ansible.builtin.file', '{bounce}') | mailhygiene.exchange.ndr_explain }}}}"}},
    ], hosts="localhost", module_defaults=False)
    assert run.returncode == 0, run.output
    explained = run.task("reply", host="localhost")["ansible_facts"]["explained"]
    assert (explained["code"], explained["status"], explained["detail"]) == \
        (550, "5.1.1", "Bad destination mailbox address")
    assert "RCPT" in explained["backscatter_hint"]
    recipients = run.task("report", host="localhost")["ansible_facts"]["recipients"]
    assert [(r["recipient"], r["action"], r["status"]) for r in recipients] == [
        ("random123@contoso.com", "failed", "5.1.1"), ("partner@fabrikam.example", "delayed", "4.4.7")]
    assert recipients[1]["code"] == 451 and recipients[1]["remote_mta"] == "mx.fabrikam.example"


def test_bad_input_fails_the_task_with_what_was_expected(ansible):
    run = ansible.play([{"name": "bad", "ansible.builtin.debug": {
        "msg": "{{ 'mailbox full' | mailhygiene.exchange.ndr_explain }}"}}], hosts="localhost", module_defaults=False)
    assert run.returncode != 0
    message = run.task("bad", host="localhost")["msg"]
    assert "ndr_explain: 'mailbox full' is not an SMTP reply" in message and "5.1.1" in message

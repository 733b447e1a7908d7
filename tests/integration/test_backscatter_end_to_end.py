"""The point of the collection, shown on the wire: an emulated organisation (a Mailbox server behind an
EdgeSync-subscribed Edge) sends backscatter before the baseline and none after it, while a partner still
gets the NDR for mail that was accepted and could not be delivered. Everything runs as users run it:
ansible-playbook with the installed collection, smtp_probe over real SMTP to the Edge's SMTP front, and
the emulator relaying its reports to smtp_probe's capture listener (the lab's smart host)."""

from __future__ import annotations

import json

import pytest
import yaml
from exchange_emulator.pytest_plugin import start_lab

from conftest import free_port


SETTINGS = {"backscatter_baseline_profile": "rfc",
            "backscatter_baseline_partners": [{"name": "Fabrikam", "domain_name": "fabrikam.example"}],
            "backscatter_baseline_validated_domains": ["contoso.com"],
            "backscatter_baseline_tarpit_interval": "00:00:01"}


@pytest.fixture(scope="module")
def capture_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def exchange_lab(tmp_path_factory, capture_port):
    running = start_lab({
        "organization": {
            "name": "Contoso", "domain": "contoso.com",
            "recipients": [{"name": "Alice Adams", "address": "alice@contoso.com"},
                           {"name": "Full Mailbox", "address": "full@contoso.com", "mailbox_full": True}],
        },
        "servers": [{"name": "EX01", "role": "Mailbox", "version": "2019", "port": 0},
                    {"name": "EDGE01", "role": "Edge", "version": "2019", "edge_subscribed": True, "port": 0}],
        "users": [{"name": "ansible", "password": "Password123!"}],
        "auth": {"basic": True, "negotiate": True, "allow_unencrypted": False},
        "smtp": {"smart_host": "127.0.0.1:%d" % capture_port},
    }, tmp_path_factory.mktemp("lab"))
    yield running
    running.stop()


def probe_task(lab, capture_port, **options):
    host, port = lab.smtp_address("EDGE01")
    args = {"host": host, "port": port, "recipient_domain": "contoso.com", "valid_recipients": ["alice@contoso.com"],
            "probes": {"forged_unknown": 2, "null_sender_unknown": 1, "valid_and_unknown": 1, "valid": 1},
            "send": True, "rate_limit": 50, "timeout": 10,
            "capture": {"host": "127.0.0.1", "port": capture_port, "window": 5}}
    args.update(options)
    return {"name": "probe", "mailhygiene.exchange.smtp_probe": args, "register": "probe"}


def probe(ansible, capture_port, **options):
    run = ansible.play([probe_task(ansible.lab, capture_port, **options)], hosts="localhost", module_defaults=False)
    return run, run.task("probe", host="localhost")


def verify_vars(lab, capture_port):
    host, port = lab.smtp_address("EDGE01")
    return dict(SETTINGS, backscatter_baseline_smtp_probe={
        "valid_recipients": ["alice@contoso.com"], "send": True, "rate_limit": 50, "timeout": 10,
        "probes": {"forged_unknown": 2, "null_sender_unknown": 0, "valid_and_unknown": 0, "valid": 1},
        "capture": {"host": "127.0.0.1", "port": capture_port, "window": 5}})


@pytest.fixture(scope="module")
def edge_inventory(ansible, exchange_lab):
    """The Edge is the Internet-facing server: give it its SMTP address, as users do in their inventory."""
    host, port = exchange_lab.smtp_address("EDGE01")
    text = ansible.inventory.read_text(encoding="utf-8")
    inventory = yaml.safe_load(text)
    inventory["all"]["hosts"]["edge01"].update({"exchange_smtp_host": host, "exchange_smtp_port": port})
    ansible.inventory.write_text(yaml.safe_dump(inventory), encoding="utf-8")
    return ansible


def test_audit_reports_the_probe_beside_the_settings(edge_inventory, exchange_lab, tmp_path):
    """Before hardening the audit (check mode) probes the Edge without DATA: it accepts nonexistent recipients
    it should refuse. The reports say so; the play does not fail unless the gate is on."""
    mark = exchange_lab.mark()
    reports = tmp_path / "reports"
    audit_vars = dict(SETTINGS, exchange_audit_report_dir=str(reports),
                      backscatter_baseline_smtp_probe={"valid_recipients": ["alice@contoso.com"], "rate_limit": 50})
    run = edge_inventory.run("mailhygiene.exchange.audit", extra_vars=audit_vars)
    assert run.returncode == 0, run.output[-3000:]
    fleet = json.loads((reports / "fleet.json").read_text())
    probe_result = fleet["smtp_probes"]["edge01"]
    assert probe_result["passed"] is False and probe_result["error"] == "thresholds", probe_result
    assert probe_result["metrics"]["rcpt_rejection_coverage"] == 0.0
    assert fleet["probe_failed"] == ["edge01"] and "ex01" not in fleet["smtp_probes"]
    assert "smtp_probe" in (reports / "junit.xml").read_text()
    assert "| edge01 | Edge | rfc |" in (reports / "fleet.md").read_text()
    transactions = exchange_lab.smtp_events_since(mark, event="smtp_transaction")
    assert transactions and all(t["data_reply"] is None for t in transactions)  # check mode: no DATA
    assert exchange_lab.mutating_since(mark) == []

    gate = edge_inventory.run("mailhygiene.exchange.audit", extra_vars=dict(audit_vars, exchange_audit_fail_on_drift=True))
    assert gate.returncode != 0 and "SMTP probe failed on: edge01" in gate.output, gate.output[-3000:]


def test_before_and_after_the_baseline(edge_inventory, exchange_lab, capture_port):
    ansible = edge_inventory
    # Before: the Edge accepts mail for anybody and the organisation bounces it to the forged sender.
    run, before = probe(ansible, capture_port)
    assert run.returncode == 0, run.output[-3000:]
    assert before["backscatter"] is True, before["verdict"]
    assert all(p["tls"] for p in before["probes"]), "the Edge offers STARTTLS and the probe takes it"
    # Every forged probe to a nonexistent recipient bounced (the valid probe, to alice, did not).
    emission = before["metrics"]["backscatter_emission_rate"]
    assert emission["numerator"] == 3 and emission["denominator"] == 4, emission
    assert before["metrics"]["accept_then_bounce_ratio"]["value"] == 1.0
    assert before["metrics"]["rcpt_rejection_coverage"]["value"] == 0.0
    assert before["metrics"]["false_rejection_rate"]["value"] == 0.0
    ndrs = [r for r in before["reports"] if r["kind"] == "dsn" and r["to_forged_sender"]]
    assert len(ndrs) >= 2 and all(r["status"] == "5.1.1" and r["mail_from"] in ("", "<>") for r in ndrs), ndrs
    sent = exchange_lab.smtp_events_since(0, event="report_sent")
    assert sent, "the emulator's audit log records the NDRs it sent"

    # verify (the role's read-back and its probe) fails before hardening, naming what the probe measured.
    failing = ansible.run("mailhygiene.exchange.verify", extra_vars=verify_vars(exchange_lab, capture_port))
    assert failing.returncode != 0
    assert "rcpt_rejection_coverage" in failing.output or "differs from the rfc baseline" in failing.output

    harden = ansible.run("mailhygiene.exchange.harden", extra_vars=SETTINGS)
    assert harden.returncode == 0, harden.output[-3000:]

    # After: every nonexistent recipient refused at RCPT (after the tarpit), nothing comes back, valid mail
    # is still accepted.
    run, after = probe(ansible, capture_port)
    assert run.returncode == 0, run.output[-3000:]
    assert after["backscatter"] is False, after["verdict"]
    assert after["metrics"]["rcpt_rejection_coverage"]["value"] == 1.0
    assert after["metrics"]["backscatter_emission_rate"]["value"] == 0.0
    assert after["metrics"]["false_rejection_rate"]["value"] == 0.0
    assert [r for r in after["reports"] if r["to_forged_sender"]] == []
    assert after["tarpit"]["rcpt_rejected"]["mean"] >= 0.9  # the 1 s tarpit the baseline set, seen from outside

    # A partner whose message was accepted and could not be delivered (mailbox full) still hears of it.
    run, partner = probe(ansible, capture_port, sender="postmaster@fabrikam.example",
                         valid_recipients=["full@contoso.com"],
                         probes={"forged_unknown": 0, "null_sender_unknown": 0, "valid_and_unknown": 0, "valid": 1})
    assert run.returncode == 0, run.output[-3000:]
    legitimate = [r for r in partner["reports"] if r["kind"] == "dsn"]
    assert [r["status"] for r in legitimate] == ["5.2.2"], json.dumps(partner["reports"], indent=1)

    # verify, with the probe sending and capturing, passes on the hardened organisation.
    passing = ansible.run("mailhygiene.exchange.verify", extra_vars=verify_vars(exchange_lab, capture_port))
    assert passing.returncode == 0, passing.output[-3000:]
    result = passing.task("Record what the probe saw", host="edge01")
    assert result["ansible_facts"]["backscatter_baseline_probe_result"]["passed"] is True


def test_check_mode_probe_sends_no_data(edge_inventory, exchange_lab, capture_port):
    mark = exchange_lab.mark()
    run = edge_inventory.play([probe_task(exchange_lab, capture_port)], hosts="localhost", module_defaults=False,
                              check=True)
    assert run.returncode == 0, run.output[-3000:]
    assert run.task("probe", host="localhost")["send"] is False
    transactions = exchange_lab.smtp_events_since(mark, event="smtp_transaction")
    assert transactions and all(t.get("data_reply") in (None, "") for t in transactions), transactions

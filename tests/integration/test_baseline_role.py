"""The backscatter_baseline role and the harden, audit and verify playbooks, run as users run them."""

from __future__ import annotations

import json

from exchange_emulator import audit

from conftest import mutating

SETTINGS = {"backscatter_baseline_partners": [{"name": "Fabrikam", "domain_name": "fabrikam.example"}],
            "backscatter_baseline_internal_relays": ["10.0.1.10", "10.0.2.0/24"],
            "backscatter_baseline_validated_domains": ["contoso.com"]}


def test_bad_role_input_fails_before_any_connection(ansible):
    lab = ansible.lab
    mark = lab.mark()
    cases = [
        ({"backscatter_baseline_profile": "paranoid"}, "value of backscatter_baseline_profile must be one of: rfc, seed, stig"),
        ({"backscatter_baseline_partners": ["fabrikam.example", "not a domain"]},
         "backscatter_baseline_partners has malformed domains: not a domain"),
        ({"backscatter_baseline_internal_relays": ["10.0.1.10", "relay.contoso.com"]},
         "backscatter_baseline_internal_relays has entries that are not an IP address, CIDR range or start-end range: "
         "relay.contoso.com"),
        ({"backscatter_baseline_restart_batch": "many"}, "backscatter_baseline_restart_batch"),
    ]
    for playbook in ("mailhygiene.exchange.harden", "mailhygiene.exchange.verify"):
        for extra_vars, message in cases:
            run = ansible.run(playbook, extra_vars=extra_vars)
            assert run.returncode != 0 and message in run.output, (playbook, extra_vars, run.output[-2000:])
    assert audit.read(lab.audit_path)[mark:] == []  # no session was even opened


def test_check_audit_harden_rerun_audit(ansible, tmp_path):
    lab = ansible.lab
    mark = lab.mark()
    plan = ansible.run("mailhygiene.exchange.harden", check=True, diff=True, extra_vars=SETTINGS)
    assert plan.returncode == 0, plan.output[-3000:]
    assert "changed=1" in plan.output and lab.mutating_since(mark) == []

    reports = tmp_path / "before"
    before = ansible.run("mailhygiene.exchange.audit", extra_vars=dict(SETTINGS, exchange_audit_report_dir=str(reports)))
    assert before.returncode == 0, before.output[-3000:]
    assert lab.mutating_since(mark) == []
    fleet = json.loads((reports / "fleet.json").read_text())
    assert sorted(fleet["drifted"]) == ["edge01", "ex01"]
    assert "remote_domain *" in (reports / "ex01.md").read_text()
    junit = (reports / "junit.xml").read_text()
    assert '<testsuites name="backscatter baseline"' in junit and 'failures="4"' in junit

    gate = ansible.run("mailhygiene.exchange.audit", extra_vars=dict(SETTINGS, exchange_audit_report_dir=str(reports),
                                                                     exchange_audit_fail_on_drift=True))
    assert gate.returncode != 0 and "Drift on: " in gate.output and "fleet.md" in gate.output

    mark = lab.mark()
    harden = ansible.run("mailhygiene.exchange.harden", extra_vars=SETTINGS)
    assert harden.returncode == 0, harden.output[-3000:]
    assert mutating(lab, mark, "EX01") == ["Set-RemoteDomain", "New-RemoteDomain", "Set-RemoteDomain",
                                           "Set-TransportConfig"]
    assert mutating(lab, mark, "EDGE01") == ["Set-RecipientFilterConfig"]
    assert mutating(lab, mark, "EX02") == []  # the organisation's settings are written once
    # per host: one session for the whole role (server_info, the batch and the agents' check share it)
    assert len(lab.sessions_since(mark, "EX01")) == 1 and len(lab.sessions_since(mark, "EDGE01")) == 1

    mark = lab.mark()
    again = ansible.run("mailhygiene.exchange.harden", extra_vars=SETTINGS)
    assert again.returncode == 0 and lab.mutating_since(mark) == []
    for host in ("ex01", "ex02", "edge01"):
        assert again.status("Apply the baseline to this server in one session (organisation settings on the "
                            "organisation host only)", host) == "ok"

    after = tmp_path / "after"
    clean = ansible.run("mailhygiene.exchange.audit", extra_vars=dict(SETTINGS, exchange_audit_report_dir=str(after),
                                                                      exchange_audit_fail_on_drift=True))
    assert clean.returncode == 0, clean.output[-3000:]
    assert json.loads((after / "fleet.json").read_text())["drifted"] == []

    verify = ansible.run("mailhygiene.exchange.verify", extra_vars=SETTINGS)
    assert verify.returncode == 0, verify.output[-3000:]


def test_verify_fails_on_drift(ansible):
    lab = ansible.lab
    ansible.run("mailhygiene.exchange.harden", extra_vars=SETTINGS)
    drift = ansible.play([{"name": "drift", "mailhygiene.exchange.remote_domain": {
        "domain_name": "*", "ndr_diagnostic_info_enabled": True}}])
    assert drift.returncode == 0
    mark = lab.mark()
    verify = ansible.run("mailhygiene.exchange.verify", extra_vars=SETTINGS)
    assert verify.returncode != 0
    assert "ex01 differs from the rfc baseline: remote_domain *" in verify.output
    assert lab.mutating_since(mark) == []


def test_seed_profile_installs_agents_one_server_at_a_time(ansible):
    lab = ansible.lab
    mark = lab.mark()
    run = ansible.run("mailhygiene.exchange.harden", extra_vars=dict(SETTINGS, backscatter_baseline_profile="seed"))
    assert run.returncode == 0, run.output[-3000:]
    steps = [(e["server"], e["command"].rsplit("\\", 1)[-1]) for e in lab.mutating_since(mark)
             if e["command"].endswith(("Install-AntiSpamAgents.ps1", "Restart-Service"))]
    assert sorted(steps) == sorted([("EX01", "Install-AntiSpamAgents.ps1"), ("EX01", "Restart-Service"),
                                    ("EX02", "Install-AntiSpamAgents.ps1"), ("EX02", "Restart-Service")])
    first = steps[0][0]
    # throttle 1: a server installs and restarts before the next one starts
    servers = [server for server, dummy in steps]
    assert servers == [first, first, *(2 * [next(s for s in servers if s != first)])]
    default = next(d for d in lab.state()["directory"]["RemoteDomain"] if d["DomainName"] == "*")
    assert default["NDREnabled"] is False and default["DeliveryReportEnabled"] is False
    edge = next(s for s in lab.state()["servers"] if s["Name"] == "EDGE01")
    assert not [e for e in lab.mutating_since(mark, server="EDGE01") if e["command"] != "Set-RecipientFilterConfig"]
    assert edge["Local"]["RecipientFilterConfig"]["RecipientValidationEnabled"] is True


def test_recipient_filter_on_mailbox_writes_the_shared_filter_once(ansible):
    lab = ansible.lab
    mark = lab.mark()
    opted_in = dict(SETTINGS, backscatter_baseline_recipient_filter_on_mailbox=True)
    run = ansible.run("mailhygiene.exchange.harden", extra_vars=opted_in)
    assert run.returncode == 0, run.output[-3000:]
    # each Mailbox server has its agents; the organisation's filter object is written by one host only
    for server in lab.state()["servers"]:
        if server["Name"] in ("EX01", "EX02"):
            hub = {a["Identity"]: a["Enabled"] for a in server["TransportAgents"]["Hub"]}
            assert hub.get("Recipient Filter Agent") is True, (server["Name"], hub)
    writes = [e["server"] for e in lab.mutating_since(mark)
              if e["command"] == "Set-RecipientFilterConfig" and e["server"] != "EDGE01"]  # the Edge has its own
    assert writes == ["EX01"]
    assert lab.state()["directory"]["RecipientFilterConfig"]["RecipientValidationEnabled"] is True
    verify = ansible.run("mailhygiene.exchange.verify", extra_vars=opted_in)
    assert verify.returncode == 0, verify.output[-3000:]


def test_stig_profile_switches_edge_recipient_validation_off(ansible):
    lab = ansible.lab
    run = ansible.run("mailhygiene.exchange.harden", extra_vars=dict(SETTINGS, backscatter_baseline_profile="stig"))
    assert run.returncode == 0, run.output[-3000:]
    edge = next(s for s in lab.state()["servers"] if s["Name"] == "EDGE01")
    assert edge["Local"]["RecipientFilterConfig"]["RecipientValidationEnabled"] is False
    default = next(d for d in lab.state()["directory"]["RemoteDomain"] if d["DomainName"] == "*")
    assert (default["AutoReplyEnabled"], default["AutoForwardEnabled"], default["NDREnabled"]) == (False, False, False)


def test_validated_domain_must_be_an_accepted_domain(ansible):
    lab = ansible.lab
    mark = lab.mark()
    run = ansible.run("mailhygiene.exchange.harden",
                      extra_vars=dict(SETTINGS, backscatter_baseline_validated_domains=["contoso.cmo"]))
    assert run.returncode != 0
    assert "backscatter_baseline_validated_domains: contoso.cmo is not an accepted domain of EX01" in run.output
    assert lab.mutating_since(mark, server="EX01") == []

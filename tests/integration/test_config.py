"""The batch config module: one session for many resources, no Set-* on a rerun."""

from __future__ import annotations

DESIRED = [
    {"kind": "remote_domain", "domain_name": "*", "ndr_diagnostic_info_enabled": False,
     "delivery_report_enabled": False, "auto_reply_enabled": False},
    {"kind": "remote_domain", "name": "Fabrikam", "domain_name": "fabrikam.example", "ndr_enabled": True,
     "delivery_report_enabled": True},
    {"kind": "remote_domain", "name": "Woodgrove", "domain_name": "woodgrove.example", "ndr_enabled": True},
    {"kind": "remote_domain", "domain_name": "partner.example", "auto_forward_enabled": False},
    {"kind": "recipient_filter", "enabled": True, "recipient_validation_enabled": True},
    {"kind": "accepted_domain", "domain_name": "contoso.com", "address_book_enabled": True},
    {"kind": "accepted_domain", "domain_name": "fabrikam.com", "address_book_enabled": False},
    {"kind": "transport_config", "internal_smtp_servers": ["10.0.1.10", "10.0.1.11"]},
    {"kind": "receive_connector", "name": "Default Frontend EX01", "tarpit_interval": "00:00:07"},
    {"kind": "transport_agent", "identity": "Malware Agent", "enabled": True},
]


def test_ten_resources_one_session_and_no_set_on_rerun(ansible):
    lab = ansible.lab
    mark = lab.mark()
    plan = ansible.play([{"name": "plan", "mailhygiene.exchange.config": {"resources": DESIRED}}], check=True,
                        diff=True)
    assert plan.returncode == 0, plan.output
    assert lab.mutating_since(mark) == []
    assert plan.task("plan")["summary"]["changed"] == 7
    assert "--- before: remote_domain *" in plan.output

    mark = lab.mark()
    apply = ansible.play([{"name": "apply", "mailhygiene.exchange.config": {"resources": DESIRED}}])
    assert apply.returncode == 0, apply.output
    summary = apply.task("apply")["summary"]
    assert summary == {"total": 10, "changed": 7, "unchanged": 3, "failed": 0, "sessions_opened": 1,
                       "sessions_reused": 0}
    assert len(lab.sessions_since(mark, server="EX01")) == 1
    reads = [e["command"] for e in lab.commands_since(mark) if not e["mutates"]]
    # each object type read once to plan and once to report
    assert reads.count("Get-RemoteDomain") == 2 and reads.count("Get-RecipientFilterConfig") == 2

    mark = lab.mark()
    rerun = ansible.play([{"name": "rerun", "mailhygiene.exchange.config": {"resources": DESIRED}}])
    assert not rerun.task("rerun")["changed"]
    assert lab.mutating_since(mark) == []
    assert not any(e["command"].startswith("Set-") for e in lab.commands_since(mark))
    assert len(lab.sessions_since(mark, server="EX01")) == 1


def test_every_item_is_validated_before_anything_is_sent(ansible):
    lab = ansible.lab
    mark = lab.mark()
    bad = [
        [{"kind": "remote_domain", "domain_name": "*", "ndr_enabled": False}, {"kind": "toaster"}],
        [{"kind": "recipient_filter", "recipient_validation_enabled": "sometimes"}],
        [{"kind": "remote_domain", "domain_name": "a.example"}, {"kind": "remote_domain", "domain_name": "A.example"}],
        [{"kind": "receive_connector", "name": "Default Frontend EX01", "tarpit": 5}],
    ]
    run = ansible.play([{"name": "bad %d" % i, "mailhygiene.exchange.config": {"resources": items},
                         "ignore_errors": True} for i, items in enumerate(bad)])
    messages = [run.task("bad %d" % i)["msg"] for i in range(len(bad))]
    assert "resources[1].kind: 'toaster' is not one of" in messages[0]
    assert "resources[0] (recipient_filter)" in messages[1] and "recipient_validation_enabled" in messages[1]
    assert "resources[1]: remote_domain a.example is already given by resources[0]" in messages[2]
    assert "resources[0] (receive_connector): unknown option(s) tarpit; a receive_connector item takes" in messages[3]
    assert lab.commands_since(mark) == []


def test_per_item_errors_and_continue_on_error(ansible):
    items = [{"kind": "receive_connector", "name": "Missing Connector", "tarpit_interval": 5},
             {"kind": "remote_domain", "domain_name": "after-error.example", "ndr_enabled": False}]
    run = ansible.play([
        {"name": "stop", "mailhygiene.exchange.config": {"resources": items}, "ignore_errors": True},
        {"name": "go on", "mailhygiene.exchange.config": {"resources": items, "continue_on_error": True},
         "ignore_errors": True},
    ])
    stop = run.task("stop")
    assert [r["status"] for r in stop["results"]] == ["failed", "skipped"]
    assert "no receive connector 'Missing Connector'" in stop["msg"]
    go_on = run.task("go on")
    assert [r["status"] for r in go_on["results"]] == ["failed", "applied"]
    assert go_on["results"][1]["changed"] is True

"""remote_domain and remote_domain_info through ansible-playbook against the emulator."""

from __future__ import annotations


def task(title: str, **options: object) -> dict:
    return {"name": title, "mailhygiene.exchange.remote_domain": options}


def test_create_update_idempotent_remove(ansible):
    lab = ansible.lab
    mark = lab.mark()
    run = ansible.play([
        task("create", name="Partner2", domain_name="partner2.example", ndr_enabled=False, auto_reply_enabled=False),
        task("again", name="Partner2", domain_name="partner2.example", ndr_enabled=False, auto_reply_enabled=False),
        task("update", domain_name="partner2.example", ndr_enabled=True, line_wrap_size=72, tnef_enabled="unset"),
        {"name": "read", "mailhygiene.exchange.remote_domain_info": {"domain_name": "partner2.example"}},
        task("remove", domain_name="partner2.example", state="absent"),
        task("remove again", domain_name="partner2.example", state="absent"),
    ])
    assert run.returncode == 0, run.output
    created = run.task("create")
    assert created["changed"] and created["action"] == "create"
    assert created["remote_domain"]["ndr_enabled"] is False
    assert created["remote_domain"]["auto_forward_enabled"] is True  # New-RemoteDomain's default, unmanaged
    assert not run.task("again")["changed"]
    assert run.task("again")["commands"] == []
    update = run.task("update")
    assert update["changed"] and update["diff"]["before"]["ndr_enabled"] is False
    assert update["diff"]["after"] == {"name": "Partner2", "domain_name": "partner2.example", "ndr_enabled": True,
                                       "line_wrap_size": 72, "tnef_enabled": None}
    [info] = run.task("read")["remote_domains"]
    assert info["line_wrap_size"] == 72 and info["ndr_enabled"] is True
    assert run.task("remove")["action"] == "remove" and not run.task("remove again")["changed"]
    sent = [e["command"] for e in lab.mutating_since(mark)]
    assert sent == ["New-RemoteDomain", "Set-RemoteDomain", "Set-RemoteDomain", "Remove-RemoteDomain"]
    assert len(lab.sessions_since(mark, server="EX01")) == 1  # one session for the whole play


def test_check_mode_reports_and_sends_nothing_that_changes(ansible):
    lab = ansible.lab
    mark = lab.mark()
    run = ansible.play([task("plan", domain_name="*", ndr_enabled=False, delivery_report_enabled=False),
                        task("plan new", domain_name="newpartner.example", ndr_enabled=True)], check=True, diff=True)
    assert run.returncode == 0, run.output
    plan = run.task("plan")
    assert plan["changed"] and plan["commands"] == [
        "Set-RemoteDomain -Identity 'Default' -NDREnabled:$false -DeliveryReportEnabled:$false"]
    assert plan["remote_domain"]["ndr_enabled"] is False
    assert run.task("plan new")["action"] == "create"
    assert "-    \"ndr_enabled\": true" in run.output and "+    \"ndr_enabled\": false" in run.output
    assert lab.commands_since(mark) and lab.mutating_since(mark) == []


def test_domain_change_is_remove_and_create(ansible):
    run = ansible.play([task("first", name="Moving", domain_name="old.example", ndr_enabled=False),
                        task("moved", name="Moving", domain_name="new.example", ndr_enabled=False)])
    assert run.returncode == 0, run.output
    moved = run.task("moved")
    assert moved["action"] == "replace"
    verbs = [c.split(" ")[0] for c in moved["commands"]]
    assert verbs == ["Remove-RemoteDomain", "New-RemoteDomain", "Set-RemoteDomain"]
    assert any("removed and created again" in w for w in moved.get("warnings", []))


def test_coupled_oof_type_is_read_back(ansible):
    run = ansible.play([task("internal", domain_name="cross.example", is_internal=True),
                        task("external", domain_name="cross.example", allowed_oof_type="External")])
    assert run.returncode == 0, run.output
    assert run.task("internal")["remote_domain"]["allowed_oof_type"] == "InternalLegacy"
    external = run.task("external")["remote_domain"]
    assert external["is_internal"] is False and external["allowed_oof_type"] == "External"


def test_bad_input_fails_clearly_and_changes_nothing(ansible):
    lab = ansible.lab
    before = lab.state()
    mark = lab.mark()
    cases = {
        "bad domain": (dict(domain_name="not a domain"), "domain_name: 'not a domain' is not a valid domain name"),
        "remove default": (dict(domain_name="*", state="absent"), "the default remote domain (*) cannot be removed"),
        "target on wildcard": (dict(domain_name="*.contoso.com", target_delivery_domain=True),
                               "target_delivery_domain: cannot be true"),
        "contradiction": (dict(domain_name="x.example", is_internal=True, allowed_oof_type="External"),
                          "contradicts is_internal=True"),
        "wrap": (dict(domain_name="*", line_wrap_size=500), "line_wrap_size: 500 is not a number from 1 to 132"),
        "tnef": (dict(domain_name="*", tnef_enabled="maybe"), "tnef_enabled: 'maybe' is not one of true, false, unset"),
        "choice": (dict(domain_name="*", content_type="Html"), "value of content_type must be one of"),
        "unknown": (dict(domain_name="*", ndr_enable=False), "Unsupported parameters"),
    }
    run = ansible.play([dict(task(name, **options), ignore_errors=True) for name, (options, dummy) in cases.items()])
    for name, (dummy, message) in cases.items():
        result = run.task(name)
        assert run.status(name) == "failed", name
        assert message in result["msg"], (name, result["msg"])
    assert lab.commands_since(mark) == [] and lab.state() == before

"""antispam_agents, transport_agent(_info) and server_info, on Mailbox and Edge servers."""

from __future__ import annotations

ANTISPAM = ["Content Filter Agent", "Sender Id Agent", "Sender Filter Agent", "Recipient Filter Agent",
            "Protocol Analysis Agent"]


def server(lab, name):
    return next(s for s in lab.state()["servers"] if s["Name"] == name)


def test_server_info_tells_roles_apart(ansible):
    run = ansible.play([{"name": "facts", "mailhygiene.exchange.server_info": {}}], hosts="all")
    assert run.returncode == 0, run.output
    ex01 = run.task("facts", "ex01")["server"]
    ex02 = run.task("facts", "ex02")["server"]
    edge = run.task("facts", "edge01")["server"]
    assert (ex01["name"], ex01["role"], ex01["version"]) == ("EX01", "Mailbox", "2019")
    assert ex02["version"] == "2016" and ex02["antispam_agents_installed"] is False
    assert edge["is_edge"] and edge["edge_subscribed"] and edge["antispam_agents_installed"]
    assert any(c["identity"] == "EX01\\Default Frontend EX01" for c in ex01["receive_connectors"])
    assert {d["domain_name"] for d in ex01["accepted_domains"]} >= {"contoso.com", "fabrikam.com"}


def test_antispam_install_once_restart_once(ansible):
    lab = ansible.lab
    mark = lab.mark()
    module = "mailhygiene.exchange.antispam_agents"
    run = ansible.play([
        {"name": "plan", module: {}, "check_mode": True},
        {"name": "install", module: {}},
        {"name": "again", module: {}},
        {"name": "agents", "mailhygiene.exchange.transport_agent_info": {}},
    ], hosts="ex02")
    assert run.returncode == 0, run.output
    assert run.task("plan", "ex02")["changed"]
    install = run.task("install", "ex02")
    assert install["changed"] and install["antispam_agents"]["installed"] is True
    assert install["antispam_agents"]["restart_required"] is False
    assert not run.task("again", "ex02")["changed"]
    names = [a["identity"] for a in run.task("agents", "ex02")["transport_agents"]]
    assert names[-5:] == ANTISPAM
    transport = next(s for s in server(lab, "EX02")["Services"] if s["Name"] == "MSExchangeTransport")
    assert transport["Restarts"] == 1
    script = [e for e in lab.mutating_since(mark) if e["command"].endswith("Install-AntiSpamAgents.ps1")]
    assert len(script) == 1 and script[0]["endpoint"] == "Microsoft.PowerShell"


def test_antispam_restart_never_reports_it(ansible):
    lab = ansible.lab
    run = ansible.play([{"name": "install", "mailhygiene.exchange.antispam_agents": {"restart": "never"}}])
    result = run.task("install")
    assert result["changed"] and result["antispam_agents"]["restart_required"] is True
    transport = next(s for s in server(lab, "EX01")["Services"] if s["Name"] == "MSExchangeTransport")
    assert transport["Restarts"] == 0 and "MSExchangeTransport" in server(lab, "EX01")["PendingRestarts"]


def test_edge_has_the_agents_and_refuses_uninstall(ansible):
    run = ansible.play([
        {"name": "present", "mailhygiene.exchange.antispam_agents": {}},
        {"name": "absent", "mailhygiene.exchange.antispam_agents": {"state": "absent"}, "ignore_errors": True},
    ], hosts="edge01")
    assert not run.task("present", "edge01")["changed"]
    assert "part of the Edge Transport role" in run.task("absent", "edge01")["msg"]


def test_transport_agent_enable_priority_restart_required(ansible):
    module = "mailhygiene.exchange.transport_agent"
    run = ansible.play([
        {"name": "disable", module: {"identity": "Malware Agent", "enabled": False}},
        {"name": "again", module: {"identity": "Malware Agent", "enabled": False}},
        {"name": "first", module: {"identity": "Malware Agent", "priority": 1}},
        {"name": "unknown", module: {"identity": "Nope Agent", "enabled": True}, "ignore_errors": True},
        {"name": "range", module: {"identity": "Malware Agent", "priority": 99}, "ignore_errors": True},
    ], hosts="ex02")
    disable = run.task("disable", "ex02")
    assert disable["commands"] == ["Disable-TransportAgent -Identity 'Malware Agent' -Confirm:$false"]
    assert disable["transport_agent"]["restart_required"] is True
    assert not run.task("again", "ex02")["changed"]
    assert run.task("first", "ex02")["transport_agent"]["priority"] == 1
    assert "no transport agent 'Nope Agent' on this server" in run.task("unknown", "ex02")["msg"]
    assert "priority: must be from 1 to" in run.task("range", "ex02")["msg"]


def test_antispam_install_through_the_snapin_endpoint(ansible):
    """management_endpoint=host_snapin: one session on /wsman serves the cmdlets and the script."""
    lab = ansible.lab
    mark = lab.mark()
    run = ansible.play([{"name": "install", "mailhygiene.exchange.antispam_agents": {"restart": "never"},
                         "vars": {"exchange_management_endpoint": "host_snapin"}}], hosts="ex01")
    assert run.status("install") == "ok", run.task("install")
    assert len(lab.sessions_since(mark, server="EX01")) == 1
    assert [e["command"] for e in lab.commands_since(mark) if e["command"] == "Add-PSSnapin"] == ["Add-PSSnapin"]

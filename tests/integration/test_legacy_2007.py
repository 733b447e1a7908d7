"""An organisation with an Exchange 2007 Hub Transport server, a 2010 Mailbox server and a listed-only Exchange 2003
server (docs/exchange-versions.md). Exchange 2007 has no remote PowerShell: its host uses the host endpoint with the
2007 snap-in, chosen from the snap-ins the server has registered. Exchange 2003 is refused by server_info."""

from __future__ import annotations

from conftest import check_apply_rerun, lab_fixture, mutating

SCRIPTS_2007 = "C:\\Program Files\\Microsoft\\Exchange Server\\Scripts\\"
APPLY = "Apply the baseline to this server in one session (organisation settings on the organisation host only)"

exchange_lab = lab_fixture([{"name": "HUB07", "role": "HubTransport", "version": "2007", "port": 0},
                            {"name": "MBX10", "role": "Mailbox", "version": "2010", "port": 0},
                            {"name": "EX03", "version": "2003"}])


def test_server_info_on_2007_and_2010(ansible):
    lab = ansible.lab
    mark = lab.mark()
    run = ansible.play([{"name": "facts", "mailhygiene.exchange.server_info": {}}], hosts="all")
    assert run.returncode == 0, run.output[-3000:]
    hub = run.task("facts", "hub07")["server"]
    assert (hub["version"], hub["role"], hub["hub_transport"], hub["snapin"]) == \
        ("2007", "HubTransport", True, "Microsoft.Exchange.Management.PowerShell.Admin")
    assert any(c["identity"] == "HUB07\\Default HUB07" for c in hub["receive_connectors"])
    mbx = run.task("facts", "mbx10")["server"]
    assert (mbx["version"], mbx["role"], mbx["hub_transport"], mbx["transport_agents"]) == ("2010", "Mailbox", False, [])
    # The 2007 session found its snap-in among the registered ones, and added it.
    commands = [e["command"] for e in lab.commands_since(mark) if e["server"] == "HUB07"]
    assert commands[:2] == ["Get-PSSnapin", "Add-PSSnapin"]
    assert mutating(lab, mark) == []


def test_server_info_refuses_exchange_2003(ansible):
    lab = ansible.lab
    mark = lab.mark()
    run = ansible.play([{"name": "facts", "mailhygiene.exchange.server_info": {"server_name": "EX03"},
                         "ignore_errors": True}], hosts="mbx10")
    result = run.task("facts", "mbx10")
    assert run.status("facts", "mbx10") == "failed" and result["error_type"] == "VersionUnsupported"
    assert result["msg"].startswith("EX03 runs Exchange 2003 (Version 6.5")
    assert "cannot be managed with PowerShell" in result["msg"]
    assert 'docs/exchange-versions.md, "Exchange 2003"' in result["msg"]
    assert [e["command"] for e in lab.commands_since(mark)] == ["Get-ExchangeServer"]


def test_remote_domain_on_2007_and_what_2007_lacks(ansible):
    lab = ansible.lab
    module = "mailhygiene.exchange.remote_domain"
    mark = lab.mark()
    run = ansible.play([
        {"name": "diagnostic", module: {"domain_name": "*", "ndr_enabled": False, "ndr_diagnostic_info_enabled": False},
         "ignore_errors": True},
        {"name": "service", "mailhygiene.exchange.transport_agent": {"identity": "Transport Rule Agent",
                                                                     "enabled": False, "transport_service": "Hub"},
         "ignore_errors": True},
        {"name": "dsn", "mailhygiene.exchange.transport_config": {"external_dsn_send_html": False},
         "ignore_errors": True},
    ], hosts="hub07")
    diagnostic = run.failure("diagnostic", "hub07")
    assert diagnostic["error_type"] == "ParameterNotInVersion"
    assert diagnostic["msg"].startswith("ndr_diagnostic_info_enabled: the server runs Exchange 2007, whose "
                                        "Set-RemoteDomain has no -NDRDiagnosticInfoEnabled parameter")
    assert "transport_service: the server runs Exchange 2007" in run.failure("service", "hub07")["msg"]
    assert "Exchange 2007 keeps it per server, on Set-TransportServer" in run.failure("dsn", "hub07")["msg"]
    assert mutating(lab, mark) == []

    options = {"domain_name": "*", "ndr_enabled": False, "delivery_report_enabled": False}
    check_apply_rerun(ansible, module, options, "hub07")
    assert mutating(lab, mark) == ["Set-RemoteDomain"]


def test_agents_and_recipient_filter_on_the_2007_hub(ansible):
    lab = ansible.lab
    mark = lab.mark()
    install = check_apply_rerun(ansible, "mailhygiene.exchange.antispam_agents", {}, "hub07")
    assert install["antispam_agents"]["installed"] is True
    run = ansible.play([
        {"name": "filter", "mailhygiene.exchange.recipient_filter": {"recipient_validation_enabled": True}},
        {"name": "disable", "mailhygiene.exchange.transport_agent": {"identity": "Sender Id Agent", "enabled": False}},
        {"name": "enable", "mailhygiene.exchange.transport_agent": {"identity": "Sender Id Agent", "enabled": True}},
        {"name": "again agent", "mailhygiene.exchange.transport_agent": {"identity": "Sender Id Agent",
                                                                         "enabled": True}},
    ], hosts="hub07")
    mailbox = ansible.play([{"name": "mailbox", "mailhygiene.exchange.antispam_agents": {}, "ignore_errors": True}],
                           hosts="mbx10")
    assert run.task("filter", "hub07")["changed"], run.output[-3000:]
    assert run.task("disable", "hub07")["changed"] and run.task("enable", "hub07")["changed"]
    assert not run.task("again agent", "hub07")["changed"]
    steps = mutating(lab, mark, "HUB07")
    assert SCRIPTS_2007 + "Install-AntiSpamAgents.ps1" in steps and steps.count("Restart-Service") == 1
    # A 2010 Mailbox-only server cannot have the agents: refused, nothing sent to it that changes anything.
    assert "Hub Transport servers in Exchange 2010, and MBX10 has the roles Mailbox" in mailbox.failure("mailbox", "mbx10")["msg"]
    assert mutating(lab, mark, "MBX10") == []


def test_the_role_on_2007_and_2010_check_apply_rerun(ansible):
    lab = ansible.lab
    settings = {"exchange_hosts": "all", "backscatter_baseline_profile": "rfc",
                "backscatter_baseline_partners": ["fabrikam.example"], "backscatter_baseline_tarpit_interval": "00:00:10"}
    mark = lab.mark()
    plan = ansible.run("mailhygiene.exchange.harden", check=True, extra_vars=settings)
    assert plan.returncode == 0, plan.output[-3000:]
    assert mutating(lab, mark) == []

    harden = ansible.run("mailhygiene.exchange.harden", extra_vars=settings)
    assert harden.returncode == 0, harden.output[-3000:]
    # The organisation host is the newest server (2010), whose Set-RemoteDomain has NDRDiagnosticInfoEnabled.
    assert "New-RemoteDomain" in mutating(lab, mark, "MBX10")
    default = next(d for d in lab.state()["directory"]["RemoteDomain"] if d["DomainName"] == "*")
    assert default["NDRDiagnosticInfoEnabled"] is False
    # The 2007 Hub gets the tarpit on its "Default HUB07" connector; the 2010 Mailbox-only server no transport item.
    assert mutating(lab, mark, "HUB07") == ["Set-ReceiveConnector"]
    hub = next(s for s in lab.state()["servers"] if s["Name"] == "HUB07")
    connector = next(c for c in hub["ReceiveConnectors"] if c["Name"] == "Default HUB07")
    assert connector["TarpitInterval"] == "00:00:10"

    mark = lab.mark()
    again = ansible.run("mailhygiene.exchange.harden", extra_vars=settings)
    assert again.returncode == 0 and mutating(lab, mark) == [], again.output[-3000:]
    for host in ("hub07", "mbx10"):
        assert again.status(APPLY, host) == "ok"


def test_a_2007_organisation_host_leaves_out_what_2007_lacks(ansible):
    lab = ansible.lab
    mark = lab.mark()
    run = ansible.run("mailhygiene.exchange.harden", check=True, diff=True,
                      extra_vars={"exchange_hosts": "hub07", "backscatter_baseline_profile": "rfc"})
    assert run.returncode == 0, run.output[-3000:]
    items = run.task(APPLY, "hub07")["results"]
    default = next(i for i in items if i["item"] == "remote_domain *")
    assert "ndr_diagnostic_info_enabled" not in default["diff"]["after"]
    assert mutating(lab, mark) == []

"""A mixed organisation: an Exchange 2010 Hub Transport server, a 2016 Mailbox server and a subscribed 2019 Edge
(docs/exchange-versions.md). The modules and the baseline role, run by ansible-playbook against the emulator: each
server's version is learnt and its own cmdlets used; what 2010 lacks is refused before anything is sent; check
mode sends nothing that changes; a rerun changes nothing."""

from __future__ import annotations

from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import WSMan

from conftest import check_apply_rerun, lab_fixture, mutating

ANTISPAM = ["Content Filter Agent", "Sender Id Agent", "Sender Filter Agent", "Recipient Filter Agent",
            "Protocol Analysis Agent"]
SETTINGS = {"exchange_hosts": "all", "backscatter_baseline_partners": ["fabrikam.example"],
            "backscatter_baseline_internal_relays": ["10.0.1.10"]}
APPLY = "Apply the baseline to this server in one session (organisation settings on the organisation host only)"
AGENTS = "Install the anti-spam agents and restart transport, a batch of servers at a time"

exchange_lab = lab_fixture([{"name": "HUB10", "role": "HubTransport", "version": "2010", "port": 0},
                            {"name": "MBX16", "role": "Mailbox", "version": "2016", "port": 0},
                            {"name": "EDGE19", "role": "Edge", "version": "2019", "edge_subscribed": True, "port": 0}])


def sent(lab, mark, server):
    return [e["command"] for e in lab.commands_since(mark) if e["server"] == server]


def test_server_info_on_each_version(ansible):
    run = ansible.play([{"name": "facts", "mailhygiene.exchange.server_info": {}}], hosts="all")
    assert run.returncode == 0, run.output[-3000:]
    hub = run.task("facts", "hub10")["server"]
    assert (hub["version"], hub["role"], hub["roles"], hub["hub_transport"], hub["is_edge"]) == \
        ("2010", "HubTransport", ["HubTransport"], True, False)
    assert hub["admin_display_version"].startswith("Version 14.")
    assert hub["snapin"] == "Microsoft.Exchange.Management.PowerShell.E2010"
    assert any(c["identity"] == "HUB10\\Default HUB10" for c in hub["receive_connectors"])
    mbx = run.task("facts", "mbx16")["server"]
    assert (mbx["version"], mbx["role"], mbx["hub_transport"]) == ("2016", "Mailbox", True)
    edge = run.task("facts", "edge19")["server"]
    assert (edge["version"], edge["role"], edge["edge_subscribed"]) == ("2019", "Edge", True)


def test_remote_domain_on_2010_check_apply_rerun(ansible):
    lab = ansible.lab
    module = "mailhygiene.exchange.remote_domain"
    options = {"domain_name": "*", "ndr_enabled": False, "ndr_diagnostic_info_enabled": False}
    mark = lab.mark()
    applied = check_apply_rerun(ansible, module, options, "hub10")
    assert applied["commands"] == [
        "Set-RemoteDomain -Identity 'Default' -NDREnabled:$false -NDRDiagnosticInfoEnabled:$false"]
    assert mutating(lab, mark) == ["Set-RemoteDomain"]


def test_what_2010_lacks_is_refused_before_anything_is_sent(ansible):
    lab = ansible.lab
    mark = lab.mark()
    run = ansible.play([
        {"name": "threshold", "mailhygiene.exchange.remote_domain": {"domain_name": "*", "ndr_enabled": True,
                                                                     "message_count_threshold": 10},
         "ignore_errors": True},
        {"name": "threshold check", "mailhygiene.exchange.remote_domain": {"domain_name": "*",
                                                                           "message_count_threshold": 10},
         "check_mode": True, "ignore_errors": True},
        {"name": "service", "mailhygiene.exchange.transport_agent": {"identity": "Transport Rule Agent",
                                                                     "enabled": False, "transport_service": "Hub"},
         "ignore_errors": True},
        {"name": "service info", "mailhygiene.exchange.transport_agent_info": {"transport_service": "Hub"},
         "ignore_errors": True},
    ], hosts="hub10")
    threshold = run.failure("threshold", "hub10")
    assert threshold["error_type"] == "ParameterNotInVersion"
    assert threshold["msg"].startswith("message_count_threshold: the server runs Exchange 2010, whose Set-RemoteDomain "
                                       "has no -MessageCountThreshold parameter (Exchange 2013 added it).")
    assert run.failure("threshold check", "hub10")["error_type"] == "ParameterNotInVersion"
    for name in ("service", "service info"):
        assert "transport_service: the server runs Exchange 2010" in run.failure(name, "hub10")["msg"]
    assert mutating(lab, mark) == []
    # Only reads reached the server; nothing carried a parameter 2010 lacks.
    assert set(sent(lab, mark, "HUB10")) <= {"Get-ExchangeServer"}
    # The same option is fine on the 2016 server.
    run = ansible.play([{"name": "ok", "mailhygiene.exchange.remote_domain": {"domain_name": "*",
                                                                              "message_count_threshold": 10},
                         "check_mode": True}], hosts="mbx16")
    assert run.returncode == 0, run.output[-3000:]


def test_the_emulated_2010_refuses_the_same_parameter(ansible):
    """What the collection refuses, Exchange 2010 itself refuses (here the emulator, over pypsrp)."""
    lab = ansible.lab
    hub = next(s for s in lab.endpoints["servers"] if s["name"] == "HUB10")
    wsman = WSMan(hub["host"], port=hub["port"], path="PowerShell", ssl=False, auth="ntlm", username=lab.username,
                  password=lab.password, encryption="auto")
    mark = lab.mark()
    with RunspacePool(wsman, configuration_name="Microsoft.Exchange") as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet("Set-RemoteDomain").add_parameter("Identity", "Default").add_parameter("MessageCountThreshold", 10)
        ps.invoke()
    assert ps.had_errors
    assert "A parameter cannot be found that matches parameter name 'MessageCountThreshold'" in str(ps.streams.error[0])
    assert mutating(lab, mark) == []


def test_recipient_filter_and_agents_on_the_2010_hub(ansible):
    lab = ansible.lab
    mark = lab.mark()
    install = check_apply_rerun(ansible, "mailhygiene.exchange.antispam_agents", {}, "hub10")
    assert install["antispam_agents"]["installed"] is True
    check_apply_rerun(ansible, "mailhygiene.exchange.recipient_filter",
                      {"enabled": True, "recipient_validation_enabled": True}, "hub10")
    run = ansible.play([
        {"name": "disable", "mailhygiene.exchange.transport_agent": {"identity": "Content Filter Agent",
                                                                     "enabled": False}},
        {"name": "enable", "mailhygiene.exchange.transport_agent": {"identity": "Content Filter Agent",
                                                                    "enabled": True}},
        {"name": "agents", "mailhygiene.exchange.transport_agent_info": {}},
        {"name": "facts", "mailhygiene.exchange.server_info": {}},
    ], hosts="hub10")
    assert run.returncode == 0, run.output[-3000:]
    assert run.task("disable", "hub10")["commands"] == [
        "Disable-TransportAgent -Identity 'Content Filter Agent' -Confirm:$false"]
    assert run.task("enable", "hub10")["commands"] == ["Enable-TransportAgent -Identity 'Content Filter Agent'"]
    assert [a["identity"] for a in run.task("agents", "hub10")["transport_agents"]][-5:] == ANTISPAM
    facts = run.task("facts", "hub10")["server"]
    assert facts["antispam_agents_installed"] and facts["antispam_agents_enabled"]
    assert facts["recipient_filter"]["agent_enabled"]
    steps = mutating(lab, mark, "HUB10")
    assert "C:\\Program Files\\Microsoft\\Exchange Server\\V14\\Scripts\\Install-AntiSpamAgents.ps1" in steps
    assert steps.count("Restart-Service") == 1
    assert "Set-TransportService" not in sent(lab, mark, "HUB10")


def test_the_role_on_the_mixed_organisation_check_apply_rerun(ansible):
    lab = ansible.lab
    settings = dict(SETTINGS, backscatter_baseline_profile="seed")
    mark = lab.mark()
    plan = ansible.run("mailhygiene.exchange.harden", check=True, diff=True, extra_vars=settings)
    assert plan.returncode == 0, plan.output[-3000:]
    assert mutating(lab, mark) == []
    assert plan.task("Record what the baseline found and did on this server", "hub10")["ansible_facts"][
        "backscatter_baseline_result"]["role"] == "HubTransport"

    mark = lab.mark()
    harden = ansible.run("mailhygiene.exchange.harden", extra_vars=settings)
    assert harden.returncode == 0, harden.output[-3000:]
    # The organisation host is the 2016 Mailbox server, not the 2010 Hub that comes first in the play.
    assert "New-RemoteDomain" in mutating(lab, mark, "MBX16")
    assert not [c for c in mutating(lab, mark, "HUB10") if c.endswith("RemoteDomain")]
    assert mutating(lab, mark, "EDGE19") == ["Set-RecipientFilterConfig"]
    # seed: the anti-spam agents on every transport server inside: the 2016 Mailbox, and the 2010 Hub (V14 scripts)
    # unless the module test above installed them there already
    assert "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Scripts\\Install-AntiSpamAgents.ps1" in \
        mutating(lab, mark, "MBX16")
    if harden.status(AGENTS, "hub10") != "skipped":
        assert "C:\\Program Files\\Microsoft\\Exchange Server\\V14\\Scripts\\Install-AntiSpamAgents.ps1" in \
            mutating(lab, mark, "HUB10")
    default = next(d for d in lab.state()["directory"]["RemoteDomain"] if d["DomainName"] == "*")
    assert default["NDREnabled"] is False and default["DeliveryReportEnabled"] is False

    mark = lab.mark()
    again = ansible.run("mailhygiene.exchange.harden", extra_vars=settings)
    assert again.returncode == 0, again.output[-3000:]
    assert mutating(lab, mark) == []
    for host in ("hub10", "mbx16", "edge19"):
        assert again.status(APPLY, host) == "ok"

    verify = ansible.run("mailhygiene.exchange.verify", extra_vars=settings)
    assert verify.returncode == 0, verify.output[-3000:]

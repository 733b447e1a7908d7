"""Exchange versions: the label from AdminDisplayVersion (2003 and unknown strings refused), the per-version tables
(snap-ins, transport cmdlets, install paths, parameters a version lacks), and what the resources plan on Exchange
2007 and 2010 servers, against the stand-in server (stand_in.py). The facts are Microsoft's cmdlet reference for
each version, summarised in docs/exchange-versions.md."""

from __future__ import annotations

import re

import pytest

from ansible_collections.mailhygiene.exchange.plugins.module_utils import versions
from ansible_collections.mailhygiene.exchange.plugins.module_utils.errors import (
    ParameterNotInVersion, VersionUnsupported,
)
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources import server
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.base import version_of
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.antispam_agents import AntispamAgents
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.recipient_filter import RecipientFilter
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.remote_domain import RemoteDomain
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.transport_config import TransportConfig
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.transport_agent import (
    TransportAgent, gather as agents_gather,
)
from ansible_collections.mailhygiene.exchange.plugins.module_utils.values import InvalidValue
from ansible_collections.mailhygiene.exchange.tests.unit.plugins.module_utils.stand_in import StandInConnections

V2003 = "Version 6.5 (Build 7638.2: Service Pack 2)"
V2007 = "Version 8.3 (Build 83.6)"
V2010 = "Version 14.3 (Build 123.4)"
V2019 = "Version 15.2 (Build 1544.4)"


@pytest.mark.parametrize("text, label", [
    (V2007, "2007"), ("Version 8.1 (Build 240.6)", "2007"), (V2010, "2010"), ("Version 14.0 (Build 639.21)", "2010"),
    ("Version 15.0 (Build 1497.2)", "2013"), ("Version 15.1 (Build 2507.6)", "2016"), (V2019, "2019"),
    ("Version 15.2 (Build 2562.17)", "SE"), (V2003, "2003"), ("Version 6.0 (Build 6249.4)", "2003"),
])
def test_version_label(text, label):
    assert versions.label(text) == label


@pytest.mark.parametrize("text", ["", "Version 9.0 (Build 1.1)", "Version 16.0 (Build 1.1)", "Exchange 2010"])
def test_an_unknown_version_names_the_string(text):
    with pytest.raises(versions.UnknownVersion, match=re.escape("AdminDisplayVersion %r" % text)):
        versions.label(text)
    with pytest.raises(VersionUnsupported, match=re.escape("AdminDisplayVersion %r" % text)):
        version_of({"Name": "EX01", "AdminDisplayVersion": text})


def test_exchange_2003_is_refused_pointing_at_the_docs():
    with pytest.raises(VersionUnsupported) as raised:
        version_of({"Name": "EX03", "AdminDisplayVersion": V2003})
    assert "Exchange 2003" in raised.value.message and "cannot be managed with PowerShell" in raised.value.message
    assert 'docs/exchange-versions.md, "Exchange 2003"' in raised.value.message
    assert raised.value.version == "2003"


@pytest.mark.parametrize("version, snapin, noun, path", [
    ("2007", "Microsoft.Exchange.Management.PowerShell.Admin", "TransportServer",
     "C:\\Program Files\\Microsoft\\Exchange Server\\"),
    ("2010", "Microsoft.Exchange.Management.PowerShell.E2010", "TransportServer",
     "C:\\Program Files\\Microsoft\\Exchange Server\\V14\\"),
    ("2013", "Microsoft.Exchange.Management.PowerShell.SnapIn", "TransportService",
     "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\"),
    ("SE", "Microsoft.Exchange.Management.PowerShell.SnapIn", "TransportService",
     "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\"),
])
def test_per_version_tables(version, snapin, noun, path):
    assert (versions.snapin(version), versions.transport_noun(version), versions.default_install_path(version)) \
        == (snapin, noun, path)


@pytest.mark.parametrize("registered, chosen", [
    (["Microsoft.Exchange.Management.PowerShell.Admin"], "Microsoft.Exchange.Management.PowerShell.Admin"),
    (["Microsoft.Exchange.Management.PowerShell.E2010", "Microsoft.Exchange.Management.PowerShell.Support"],
     "Microsoft.Exchange.Management.PowerShell.E2010"),
    (["microsoft.exchange.management.powershell.e2010", "Microsoft.Exchange.Management.PowerShell.SnapIn"],
     "Microsoft.Exchange.Management.PowerShell.SnapIn"),
    (["Microsoft.Exchange.Management.PowerShell.Support"], None), ([], None),
])
def test_the_newest_registered_snapin_is_chosen(registered, chosen):
    assert versions.choose_snapin(registered) == chosen


@pytest.mark.parametrize("cmdlet, parameters, version, lacking", [
    ("Set-RemoteDomain", ["NDREnabled", "DeliveryReportEnabled", "NDRDiagnosticInfoEnabled"], "2007",
     [("NDRDiagnosticInfoEnabled", "2010")]),
    ("Set-RemoteDomain", ["NDRDiagnosticInfoEnabled", "IsInternal"], "2010", []),
    ("Set-RemoteDomain", ["MessageCountThreshold"], "2010", [("MessageCountThreshold", "2013")]),
    ("Set-RemoteDomain", ["MessageCountThreshold"], "2013", []),
    ("Get-TransportAgent", ["TransportService"], "2010", [("TransportService", "2013")]),
    ("Set-RecipientFilterConfig", ["RecipientValidationEnabled", "BlockListEnabled"], "2007", []),
])
def test_parameters_a_version_lacks(cmdlet, parameters, version, lacking):
    assert versions.missing(cmdlet, parameters, version) == lacking


# ------------------------------------------------------------------------------------------ plans on 2007/2010
def exchange(name, version, role):
    return {"Name": name, "Fqdn": name.lower() + ".contoso.com", "ServerRole": role, "AdminDisplayVersion": version}


LAB = [exchange("EX2007", V2007, "HubTransport"), exchange("EX2010", V2010, "Mailbox, ClientAccess, HubTransport"),
       exchange("MBX2010", V2010, "Mailbox"), exchange("EX2019", V2019, "Mailbox"),
       exchange("EX2003", V2003, "None")]
ANTISPAM = ["Content Filter Agent", "Sender Id Agent", "Sender Filter Agent", "Recipient Filter Agent",
            "Protocol Analysis Agent"]
INSTALL_PATH = "Get-Item -Path 'Env:ExchangeInstallPath' | Select-Object -ExpandProperty 'Value'"


def hub(name, installed=False, install_path=""):
    agents = [{"Identity": "Transport Rule Agent", "Enabled": True, "Priority": 1}]
    if installed:
        agents += [{"Identity": a, "Enabled": True, "Priority": 2 + i} for i, a in enumerate(ANTISPAM)]
    return {"Get-ExchangeServer": LAB, "Get-TransportAgent": agents,
            "Get-TransportServer -Identity '%s'" % name: [{"Name": name, "AntispamAgentsEnabled": installed}],
            INSTALL_PATH: [{"_Value": install_path}]}


def on(name, answers, **kwargs):
    return StandInConnections(answers, server=name.lower() + ".contoso.com", **kwargs)


def test_facts_of_a_2010_multi_role_hub():
    facts = server.server_facts(on("EX2010", hub("EX2010")))
    assert (facts["version"], facts["role"], facts["roles"], facts["hub_transport"], facts["is_edge"]) == \
        ("2010", "HubTransport", ["Mailbox", "ClientAccess", "HubTransport"], True, False)
    assert facts["snapin"] == "Microsoft.Exchange.Management.PowerShell.E2010"


def test_facts_of_a_2010_mailbox_only_server_read_no_transport():
    connections = on("MBX2010", {"Get-ExchangeServer": LAB})
    facts = server.server_facts(connections)
    assert (facts["role"], facts["hub_transport"], facts["transport_agents"]) == ("Mailbox", False, [])
    assert connections.reads == [("management", "Get-ExchangeServer")]


def test_server_info_refuses_exchange_2003_before_reading_anything_else():
    connections = StandInConnections({"Get-ExchangeServer": LAB}, server="ex2010.contoso.com", server_name="EX2003")
    with pytest.raises(VersionUnsupported, match="EX2003 runs Exchange 2003"):
        server.gather(connections, {})
    assert connections.reads == [("management", "Get-ExchangeServer")]


def test_the_version_is_read_once_per_session():
    connections = on("EX2007", hub("EX2007"))
    for _task in range(3):
        with pytest.raises(ParameterNotInVersion):
            RemoteDomain({"domain_name": "*", "ndr_diagnostic_info_enabled": False}).plan(connections)
    assert connections.reads == [("management", "Get-ExchangeServer")]


def test_an_option_2007_lacks_is_refused_naming_option_parameter_and_version():
    connections = on("EX2007", dict(hub("EX2007"), **{"Get-RemoteDomain": []}))
    with pytest.raises(ParameterNotInVersion) as raised:
        RemoteDomain({"domain_name": "*", "ndr_enabled": False, "ndr_diagnostic_info_enabled": False,
                      "trusted_mail_inbound_enabled": True}).plan(connections)
    error = raised.value
    assert (error.option, error.parameter, error.cmdlet, error.version) == \
        ("ndr_diagnostic_info_enabled", "NDRDiagnosticInfoEnabled", "Set-RemoteDomain", "2007")
    assert error.message.startswith("ndr_diagnostic_info_enabled: the server runs Exchange 2007, whose "
                                    "Set-RemoteDomain has no -NDRDiagnosticInfoEnabled parameter (Exchange 2010 added")
    assert "trusted_mail_inbound_enabled (TrustedMailInboundEnabled)" in error.message
    assert connections.runs == []


def test_what_2007_has_is_planned_as_on_newer_versions():
    default = {"Name": "Default", "DomainName": "*", "NDREnabled": True, "DeliveryReportEnabled": True}
    connections = on("EX2007", dict(hub("EX2007"), **{"Get-RemoteDomain": [default]}))
    plan = RemoteDomain({"domain_name": "*", "ndr_enabled": False, "delivery_report_enabled": False}).plan(connections)
    assert [c.describe() for c in plan.commands] == [
        "Set-RemoteDomain -Identity 'Default' -NDREnabled:$false -DeliveryReportEnabled:$false"]
    # Nothing in the options is version-limited: the version is not even read.
    assert ("management", "Get-ExchangeServer") not in connections.reads


def test_message_count_threshold_is_refused_on_2010_but_not_2019():
    with pytest.raises(ParameterNotInVersion, match=r"Exchange 2010.*Exchange 2013 added it"):
        RemoteDomain({"domain_name": "*", "message_count_threshold": 5}).plan(on("EX2010", hub("EX2010")))
    connections = on("EX2019", {"Get-ExchangeServer": LAB, "Get-RemoteDomain": [
        {"Name": "Default", "DomainName": "*", "MessageCountThreshold": 5}]})
    assert not RemoteDomain({"domain_name": "*", "message_count_threshold": 5}).plan(connections).changed


def test_recipient_filter_plans_on_2007_without_the_version():
    connections = on("EX2007", {"Get-RecipientFilterConfig": [{"Enabled": True, "RecipientValidationEnabled": False}]})
    plan = RecipientFilter({"recipient_validation_enabled": True}).plan(connections)
    assert [c.describe() for c in plan.commands] == ["Set-RecipientFilterConfig -RecipientValidationEnabled:$true"]


@pytest.mark.parametrize("name", ["EX2007", "EX2010"])
def test_transport_service_is_refused_on_2007_and_2010(name):
    connections = on(name, hub(name, installed=True))
    with pytest.raises(ParameterNotInVersion, match=r"transport_service: the server runs Exchange 20(07|10), whose "
                                                    r"Get-TransportAgent has no -TransportService"):
        TransportAgent({"identity": "Recipient Filter Agent", "enabled": False, "transport_service": "Hub"}
                       ).plan(connections)
    with pytest.raises(ParameterNotInVersion):
        agents_gather(connections, {"transport_service": "FrontEnd"})
    plan = TransportAgent({"identity": "Recipient Filter Agent", "enabled": False}).plan(connections)
    assert [c.describe() for c in plan.commands] == [
        "Disable-TransportAgent -Identity 'Recipient Filter Agent' -Confirm:$false"]


@pytest.mark.parametrize("name, install_path, script", [
    ("EX2010", "", "C:\\Program Files\\Microsoft\\Exchange Server\\V14\\Scripts\\Install-AntiSpamAgents.ps1"),
    ("EX2007", "", "C:\\Program Files\\Microsoft\\Exchange Server\\Scripts\\Install-AntiSpamAgents.ps1"),
    ("EX2010", "D:\\Exchange\\V14", "D:\\Exchange\\V14\\Scripts\\Install-AntiSpamAgents.ps1"),
])
def test_antispam_agents_on_a_hub_transport_server(name, install_path, script):
    connections = on(name, hub(name, install_path=install_path))
    plan = AntispamAgents({}).plan(connections)
    assert connections.mutations == []
    snapin = versions.snapin("2007" if name == "EX2007" else "2010")
    assert [(c.endpoint, c.describe()) for c in plan.commands] == [
        ("host", "Add-PSSnapin -Name '%s'" % snapin), ("host", script),
        ("host", "Restart-Service -Name 'MSExchangeTransport'")]


def test_antispam_agents_enabled_with_set_transportserver_on_2010():
    answers = hub("EX2010", installed=True)
    answers["Get-TransportServer -Identity 'EX2010'"] = [{"Name": "EX2010", "AntispamAgentsEnabled": False}]
    plan = AntispamAgents({"restart": "never"}).plan(on("EX2010", answers))
    assert [c.describe() for c in plan.commands] == [
        "Set-TransportServer -Identity 'EX2010' -AntispamAgentsEnabled:$true"]


def test_antispam_agents_refused_on_a_2010_server_without_hub_transport():
    connections = on("MBX2010", {"Get-ExchangeServer": LAB})
    with pytest.raises(InvalidValue, match="Hub Transport servers in Exchange 2010, and MBX2010 has the roles Mailbox"):
        AntispamAgents({}).plan(connections)
    assert connections.mutations == []


def test_dsn_options_are_refused_on_2007_saying_where_2007_keeps_them():
    connections = on("EX2007", hub("EX2007"))
    with pytest.raises(ParameterNotInVersion, match=r"Exchange 2007 keeps it per server, on Set-TransportServer"):
        TransportConfig({"external_dsn_send_html": False}).plan(connections)
    assert connections.runs == []

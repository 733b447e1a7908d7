"""Each resource's plan, table-driven: the objects a server reports plus the options a task gives -> the
action, the commands to send and the diff. The server side is a stand-in that answers reads from a table
(stand_in.py); planning must never run a mutating command (check mode relies on it). The rules come from
docs/docsite/rst/exchange_behaviour.rst and docs/docsite/rst/architecture.rst ("Read, plan, apply, report")."""

from __future__ import annotations

import re

import pytest

from ansible_collections.mailhygiene.exchange.plugins.module_utils.errors import ServerNotIdentified
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.accepted_domain import AcceptedDomain
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.antispam_agents import AntispamAgents
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.receive_connector import ReceiveConnector
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.recipient_filter import RecipientFilter
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.remote_domain import RemoteDomain
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.transport_agent import TransportAgent
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.transport_config import TransportConfig
from ansible_collections.mailhygiene.exchange.plugins.module_utils.values import InvalidValue
from ansible_collections.mailhygiene.exchange.tests.unit.plugins.module_utils.stand_in import StandInConnections


# ------------------------------------------------------------------------------------------ server objects
def remote_domain(name, domain_name, **properties):
    """A remote domain as Get-RemoteDomain reports it, with New-RemoteDomain's defaults."""
    obj = {"Name": name, "DomainName": domain_name, "NDREnabled": True, "NDRDiagnosticInfoEnabled": True,
           "DeliveryReportEnabled": True, "AutoReplyEnabled": True, "AutoForwardEnabled": True,
           "AllowedOOFType": "External", "IsInternal": False, "TargetDeliveryDomain": False,
           "CharacterSet": None, "TNEFEnabled": None, "LineWrapSize": "Unlimited"}
    obj.update(properties)
    return obj


DEFAULT = remote_domain("Default", "*", AutoReplyEnabled=False, AutoForwardEnabled=False, CharacterSet="iso-8859-1")
FABRIKAM = remote_domain("Fabrikam", "fabrikam.com")
REMOTE_DOMAINS = {"Get-RemoteDomain": [DEFAULT, FABRIKAM]}
# is_internal and other parameters Exchange 2010 added need the version: the session reads it once.
REMOTE_DOMAINS_ON_2019 = dict(REMOTE_DOMAINS, **{"Get-ExchangeServer": [
    {"Name": "EX01", "Fqdn": "ex01.contoso.com", "ServerRole": "Mailbox",
     "AdminDisplayVersion": "Version 15.2 (Build 1544.4)"}]})

FILTER = {"Enabled": True, "ExternalMailEnabled": True, "InternalMailEnabled": False, "BlockListEnabled": False,
          "RecipientValidationEnabled": False, "BlockedRecipients": ["spam@contoso.com"]}
RECIPIENT_FILTER = {"Get-RecipientFilterConfig": [FILTER]}

ACCEPTED_DOMAINS = {"Get-AcceptedDomain": [
    {"Name": "contoso.com", "DomainName": "contoso.com", "DomainType": "Authoritative", "AddressBookEnabled": True,
     "Default": True},
    {"Name": "Sales", "DomainName": "sales.contoso.com", "DomainType": "Authoritative", "AddressBookEnabled": False,
     "Default": False},
]}

TRANSPORT_CONFIG = {"Get-TransportConfig": [
    {"InternalSMTPServers": ["10.0.1.10", "10.0.0.0/24"], "ExternalDsnSendHtml": True,
     "MaxRecipientEnvelopeLimit": "Unlimited"}]}

SERVERS = [{"Name": "EX01", "Fqdn": "ex01.contoso.com", "ServerRole": "Mailbox",
            "AdminDisplayVersion": "Version 15.2 (Build 1544.4)", "Edition": "Standard"},
           {"Name": "EDGE01", "Fqdn": "edge01.perimeter.contoso.com", "ServerRole": "Edge",
            "AdminDisplayVersion": "Version 15.2 (Build 1544.4)", "Edition": "Standard"}]
CONNECTORS = {
    "Get-ExchangeServer": SERVERS,
    "Get-ReceiveConnector -Server 'EX01'": [
        {"Name": "Default Frontend EX01", "Identity": "EX01\\Default Frontend EX01", "TarpitInterval": "00:00:05",
         "Enabled": True, "MaxRecipientsPerMessage": 200}],
    "Get-ReceiveConnector -Server 'EDGE01'": [
        {"Name": "Default internal receive connector EDGE01",
         "Identity": "EDGE01\\Default internal receive connector EDGE01", "TarpitInterval": "00:00:00",
         "Enabled": True, "MaxRecipientsPerMessage": 5000}],
}

AGENTS = [{"Identity": "Transport Rule Agent", "Enabled": True, "Priority": 1},
          {"Identity": "Malware Agent", "Enabled": False, "Priority": 2},
          {"Identity": "Text Messaging Routing Agent", "Enabled": True, "Priority": 3}]
# -TransportService needs the version (2007 and 2010 lack it): the session reads it once.
TRANSPORT_AGENTS = {"Get-ExchangeServer": SERVERS, "Get-TransportAgent": AGENTS,
                    "Get-TransportAgent -TransportService 'FrontEnd'": [
                        {"Identity": "Connection Filtering Agent", "Enabled": True, "Priority": 1}]}

ANTISPAM = ["Content Filter Agent", "Sender Id Agent", "Sender Filter Agent", "Recipient Filter Agent",
            "Protocol Analysis Agent"]
INSTALL_PATH = "Get-Item -Path 'Env:ExchangeInstallPath' | Select-Object -ExpandProperty 'Value'"


def mailbox_agents(installed=True, disabled=(), enabled_flag=True, install_path="D:\\Exchange\\"):
    """A Mailbox server EX01, with or without the anti-spam agents."""
    agents = [dict(a) for a in AGENTS]
    if installed:
        agents += [{"Identity": name, "Enabled": name not in disabled, "Priority": 4 + i}
                   for i, name in enumerate(ANTISPAM)]
    return {"Get-ExchangeServer": SERVERS, "Get-TransportAgent": agents,
            "Get-TransportService -Identity 'EX01'": [{"Name": "EX01", "AntispamAgentsEnabled": enabled_flag}],
            INSTALL_PATH: [{"_Value": install_path}]}


EDGE_AGENTS = {"Get-ExchangeServer": SERVERS, "Get-EdgeSubscription": [{"Name": "EDGE01"}],
               "Get-TransportAgent": [{"Identity": name, "Enabled": True, "Priority": i + 1}
                                      for i, name in enumerate(ANTISPAM)],
               "Get-TransportService -Identity 'EDGE01'": [{"Name": "EDGE01", "AntispamAgentsEnabled": True}]}


# ------------------------------------------------------------------------------------------ the table
# (resource, options, server answers, action, [(command, parameters)], before, after); before/after None: unchecked.
CASES = [
    # Remote domains: found by DomainName by listing; only the options given are compared.
    pytest.param(RemoteDomain, {"domain_name": "*", "ndr_enabled": False}, REMOTE_DOMAINS, "update",
                 [("Set-RemoteDomain", {"Identity": "Default", "NDREnabled": False})],
                 {"name": "Default", "domain_name": "*", "ndr_enabled": True},
                 {"name": "Default", "domain_name": "*", "ndr_enabled": False}, id="remote_domain-default-ndr-off"),
    pytest.param(RemoteDomain, {"domain_name": "*", "ndr_enabled": True, "auto_reply_enabled": False},
                 REMOTE_DOMAINS, "none", [], None, None, id="remote_domain-already-so"),
    pytest.param(RemoteDomain, {"domain_name": "FABRIKAM.com.", "delivery_report_enabled": False}, REMOTE_DOMAINS,
                 "update", [("Set-RemoteDomain", {"Identity": "Fabrikam", "DeliveryReportEnabled": False})],
                 None, None, id="remote_domain-domain-compared-case-insensitively"),
    pytest.param(RemoteDomain, {"domain_name": "*", "character_set": "ISO-8859-1", "line_wrap_size": "unlimited",
                                "tnef_enabled": "unset"},
                 REMOTE_DOMAINS, "none", [], None, None, id="remote_domain-charset-unlimited-unset-normalised"),
    pytest.param(RemoteDomain, {"domain_name": "*", "line_wrap_size": 78, "tnef_enabled": "false"}, REMOTE_DOMAINS,
                 "update", [("Set-RemoteDomain", {"Identity": "Default", "TNEFEnabled": False, "LineWrapSize": 78})],
                 {"name": "Default", "domain_name": "*", "tnef_enabled": None, "line_wrap_size": "Unlimited"},
                 {"name": "Default", "domain_name": "*", "tnef_enabled": False, "line_wrap_size": 78},
                 id="remote_domain-line-wrap-and-tnef"),
    pytest.param(RemoteDomain, {"domain_name": "woodgrove.com", "ndr_enabled": True, "delivery_report_enabled": True},
                 REMOTE_DOMAINS, "create",
                 [("New-RemoteDomain", {"Name": "woodgrove.com", "DomainName": "woodgrove.com"}),
                  ("Set-RemoteDomain", {"Identity": "woodgrove.com", "NDREnabled": True,
                                        "DeliveryReportEnabled": True})],
                 {}, {"name": "woodgrove.com", "domain_name": "woodgrove.com", "ndr_enabled": True,
                      "delivery_report_enabled": True},
                 id="remote_domain-create-then-set"),
    pytest.param(RemoteDomain, {"domain_name": "*.woodgrove.com", "name": "Woodgrove"}, REMOTE_DOMAINS, "create",
                 [("New-RemoteDomain", {"Name": "Woodgrove", "DomainName": "*.woodgrove.com"})],
                 {}, {"name": "Woodgrove", "domain_name": "*.woodgrove.com"}, id="remote_domain-create-wildcard"),
    pytest.param(RemoteDomain, {"domain_name": "fabrikam.com", "name": "Fabrikam Ltd"}, REMOTE_DOMAINS, "update",
                 [("Set-RemoteDomain", {"Identity": "Fabrikam", "Name": "Fabrikam Ltd"})],
                 {"name": "Fabrikam", "domain_name": "fabrikam.com"},
                 {"name": "Fabrikam Ltd", "domain_name": "fabrikam.com"}, id="remote_domain-rename"),
    pytest.param(RemoteDomain, {"domain_name": "fabrikam.net", "name": "Fabrikam", "ndr_enabled": False},
                 REMOTE_DOMAINS, "replace",
                 [("Remove-RemoteDomain", {"Identity": "Fabrikam", "Confirm": False}),
                  ("New-RemoteDomain", {"Name": "Fabrikam", "DomainName": "fabrikam.net"}),
                  ("Set-RemoteDomain", {"Identity": "Fabrikam", "NDREnabled": False})],
                 None, {"name": "Fabrikam", "domain_name": "fabrikam.net", "ndr_enabled": False},
                 id="remote_domain-domain-change-is-remove-and-create"),
    pytest.param(RemoteDomain, {"domain_name": "fabrikam.com", "allowed_oof_type": "InternalLegacy",
                                "is_internal": True}, REMOTE_DOMAINS_ON_2019, "update",
                 [("Set-RemoteDomain", {"Identity": "Fabrikam", "IsInternal": True}),
                  ("Set-RemoteDomain", {"Identity": "Fabrikam", "AllowedOOFType": "InternalLegacy"})],
                 None, None, id="remote_domain-oof-and-internal-never-in-one-call"),
    pytest.param(RemoteDomain, {"domain_name": "fabrikam.com", "state": "absent"}, REMOTE_DOMAINS, "remove",
                 [("Remove-RemoteDomain", {"Identity": "Fabrikam", "Confirm": False})],
                 None, {}, id="remote_domain-remove-with-confirm-false"),
    pytest.param(RemoteDomain, {"domain_name": "woodgrove.com", "state": "absent"}, REMOTE_DOMAINS, "none", [],
                 {}, {}, id="remote_domain-remove-absent"),

    # The recipient filter: one object, Set without -Identity; lists with @{Add; Remove}.
    pytest.param(RecipientFilter, {"recipient_validation_enabled": True}, RECIPIENT_FILTER, "update",
                 [("Set-RecipientFilterConfig", {"RecipientValidationEnabled": True})],
                 {"recipient_validation_enabled": False}, {"recipient_validation_enabled": True},
                 id="recipient_filter-validation-on"),
    pytest.param(RecipientFilter, {"enabled": True, "blocked_recipients": ["SPAM@Contoso.com"]}, RECIPIENT_FILTER,
                 "none", [], None, None, id="recipient_filter-addresses-compared-case-insensitively"),
    pytest.param(RecipientFilter, {"blocked_recipients": ["info@contoso.com"]}, RECIPIENT_FILTER, "update",
                 [("Set-RecipientFilterConfig", {"BlockedRecipients": {"Add": ["info@contoso.com"]}})],
                 {"blocked_recipients": ["spam@contoso.com"]},
                 {"blocked_recipients": ["spam@contoso.com", "info@contoso.com"]}, id="recipient_filter-append"),
    pytest.param(RecipientFilter, {"blocked_recipients": ["info@contoso.com"], "blocked_recipients_mode": "replace"},
                 RECIPIENT_FILTER, "update",
                 [("Set-RecipientFilterConfig", {"BlockedRecipients": {"Add": ["info@contoso.com"],
                                                                       "Remove": ["spam@contoso.com"]}})],
                 None, {"blocked_recipients": ["info@contoso.com"]}, id="recipient_filter-replace"),
    pytest.param(RecipientFilter, {"blocked_recipients": [], "blocked_recipients_mode": "replace"},
                 RECIPIENT_FILTER, "update",
                 [("Set-RecipientFilterConfig", {"BlockedRecipients": {"Remove": ["spam@contoso.com"]}})],
                 None, {"blocked_recipients": []}, id="recipient_filter-replace-with-nothing"),

    # Accepted domains: found by DomainName; AddressBookEnabled follows the type unless set.
    pytest.param(AcceptedDomain, {"domain_name": "sales.contoso.com", "address_book_enabled": True},
                 ACCEPTED_DOMAINS, "update",
                 [("Set-AcceptedDomain", {"Identity": "Sales", "AddressBookEnabled": True})],
                 {"name": "Sales", "domain_name": "sales.contoso.com", "address_book_enabled": False},
                 {"name": "Sales", "domain_name": "sales.contoso.com", "address_book_enabled": True},
                 id="accepted_domain-address-book-on"),
    pytest.param(AcceptedDomain, {"domain_name": "contoso.com", "address_book_enabled": True,
                                  "domain_type": "authoritative"},
                 ACCEPTED_DOMAINS, "none", [], None, None, id="accepted_domain-type-compared-case-insensitively"),
    pytest.param(AcceptedDomain, {"domain_name": "relay.contoso.com", "domain_type": "InternalRelay",
                                  "address_book_enabled": True}, ACCEPTED_DOMAINS, "create",
                 [("New-AcceptedDomain", {"Name": "relay.contoso.com", "DomainName": "relay.contoso.com",
                                          "DomainType": "InternalRelay"}),
                  ("Set-AcceptedDomain", {"Identity": "relay.contoso.com", "AddressBookEnabled": True})],
                 {}, {"name": "relay.contoso.com", "domain_name": "relay.contoso.com", "domain_type": "InternalRelay",
                      "address_book_enabled": True}, id="accepted_domain-create-relay-with-address-book"),
    pytest.param(AcceptedDomain, {"domain_name": "new.contoso.com", "address_book_enabled": True}, ACCEPTED_DOMAINS,
                 "create", [("New-AcceptedDomain", {"Name": "new.contoso.com", "DomainName": "new.contoso.com"})],
                 {}, None, id="accepted_domain-create-authoritative-has-address-book"),
    pytest.param(AcceptedDomain, {"domain_name": "sales.contoso.com", "state": "absent"}, ACCEPTED_DOMAINS, "remove",
                 [("Remove-AcceptedDomain", {"Identity": "Sales", "Confirm": False})], None, {},
                 id="accepted_domain-remove"),

    # Organisation transport settings: IP ranges normalised, Unlimited as a value.
    pytest.param(TransportConfig, {"internal_smtp_servers": ["10.0.0.7/24", "10.0.1.10"]}, TRANSPORT_CONFIG, "none",
                 [], None, None, id="transport_config-ranges-normalised"),
    pytest.param(TransportConfig, {"internal_smtp_servers": ["10.0.2.1-10.0.2.20"]}, TRANSPORT_CONFIG, "update",
                 [("Set-TransportConfig", {"InternalSMTPServers": {"Add": ["10.0.2.1-10.0.2.20"]}})],
                 {"internal_smtp_servers": ["10.0.1.10", "10.0.0.0/24"]},
                 {"internal_smtp_servers": ["10.0.1.10", "10.0.0.0/24", "10.0.2.1-10.0.2.20"]},
                 id="transport_config-append-range"),
    pytest.param(TransportConfig, {"max_recipient_envelope_limit": "Unlimited", "external_dsn_send_html": True},
                 dict(TRANSPORT_CONFIG, **{"Get-ExchangeServer": SERVERS}), "none", [], None, None,
                 id="transport_config-unlimited-is-a-value"),
    pytest.param(TransportConfig, {"max_recipient_envelope_limit": 500}, TRANSPORT_CONFIG, "update",
                 [("Set-TransportConfig", {"MaxRecipientEnvelopeLimit": 500})],
                 {"max_recipient_envelope_limit": "Unlimited"}, {"max_recipient_envelope_limit": 500},
                 id="transport_config-limit"),

    # Receive connectors: of the connected server (found among Get-ExchangeServer by FQDN), or SERVER\name.
    pytest.param(ReceiveConnector, {"name": "Default Frontend EX01", "tarpit_interval": 5}, CONNECTORS, "none", [],
                 {"identity": "EX01\\Default Frontend EX01", "tarpit_interval": "00:00:05"},
                 {"identity": "EX01\\Default Frontend EX01", "tarpit_interval": "00:00:05"},
                 id="receive_connector-seconds-equal-timespan"),
    pytest.param(ReceiveConnector, {"name": "default frontend ex01", "tarpit_interval": "00:00:10"}, CONNECTORS,
                 "update", [("Set-ReceiveConnector", {"Identity": "EX01\\Default Frontend EX01",
                                                      "TarpitInterval": "00:00:10"})],
                 None, None, id="receive_connector-tarpit"),
    pytest.param(ReceiveConnector, {"name": "EDGE01\\Default internal receive connector EDGE01",
                                    "tarpit_interval": "00:00:05"}, CONNECTORS, "update",
                 [("Set-ReceiveConnector", {"Identity": "EDGE01\\Default internal receive connector EDGE01",
                                            "TarpitInterval": "00:00:05"})],
                 {"identity": "EDGE01\\Default internal receive connector EDGE01", "tarpit_interval": "00:00:00"},
                 None, id="receive_connector-named-server"),

    # Transport agents: of the connected server; Disable needs -Confirm:$false.
    pytest.param(TransportAgent, {"identity": "malware agent", "enabled": True}, TRANSPORT_AGENTS, "update",
                 [("Enable-TransportAgent", {"Identity": "Malware Agent"})],
                 {"identity": "Malware Agent", "enabled": False, "priority": 2},
                 {"identity": "Malware Agent", "enabled": True, "priority": 2}, id="transport_agent-enable"),
    pytest.param(TransportAgent, {"identity": "Transport Rule Agent", "enabled": False, "priority": 3},
                 TRANSPORT_AGENTS, "update",
                 [("Disable-TransportAgent", {"Identity": "Transport Rule Agent", "Confirm": False}),
                  ("Set-TransportAgent", {"Identity": "Transport Rule Agent", "Priority": 3})],
                 None, {"identity": "Transport Rule Agent", "enabled": False, "priority": 3},
                 id="transport_agent-disable-and-move"),
    pytest.param(TransportAgent, {"identity": "Connection Filtering Agent", "enabled": False,
                                  "transport_service": "FrontEnd"}, TRANSPORT_AGENTS, "update",
                 [("Disable-TransportAgent", {"Identity": "Connection Filtering Agent", "TransportService": "FrontEnd",
                                              "Confirm": False})],
                 None, None, id="transport_agent-front-end"),
    pytest.param(TransportAgent, {"identity": "Transport Rule Agent", "enabled": True, "priority": 1},
                 TRANSPORT_AGENTS, "none", [], None, None, id="transport_agent-already-so"),
]


@pytest.mark.parametrize("resource_class, options, answers, action, commands, before, after", CASES)
def test_plan(resource_class, options, answers, action, commands, before, after):
    connections = StandInConnections(answers)
    plan = resource_class(options).plan(connections)
    assert connections.mutations == []
    assert plan.action == action
    assert plan.changed is (action != "none")
    assert [(c.name, c.parameters) for c in plan.commands] == commands
    if before is not None:
        assert plan.before == before
    if after is not None:
        assert plan.after == after


def replay(answers, commands):
    """The server's objects after Set-/Enable-/Disable- commands, applied as Exchange applies them."""
    objects = {key: [dict(obj) for obj in found] for key, found in answers.items()}
    for name, parameters in commands:
        targets = [obj for found in objects.values() for obj in found
                   if "Identity" not in parameters or parameters["Identity"] in (obj.get("Name"), obj.get("Identity"))]
        for obj in targets:
            if name.startswith(("Enable-", "Disable-")):
                obj["Enabled"] = name.startswith("Enable-")
                continue
            for key, value in parameters.items():
                if key in ("Identity", "Confirm", "TransportService"):
                    continue
                if isinstance(value, dict):  # @{Add=...; Remove=...}
                    value = [v for v in obj.get(key) or [] if v not in value.get("Remove", [])] + value.get("Add", [])
                obj[key] = value
    return objects


UPDATES = [case for case in CASES if case.values[3] == "update"]


@pytest.mark.parametrize("resource_class, options, answers, action, commands, before, after", UPDATES)
def test_an_applied_update_needs_nothing_more(resource_class, options, answers, action, commands, before, after):
    """Idempotence at the seam: the object as the plan's commands leave it needs no further command."""
    applied = replay(answers, commands)
    again = resource_class(options).plan(StandInConnections(applied))
    assert (again.action, again.commands) == ("none", [])


@pytest.mark.parametrize("resource_class, options, answers, message", [
    pytest.param(RemoteDomain, {"domain_name": "fabrikam.com", "name": "Default"}, REMOTE_DOMAINS,
                 "name: another remote domain is already called 'Default'", id="remote_domain-name-taken"),
    pytest.param(AcceptedDomain, {"domain_name": "contoso.com", "state": "absent"}, ACCEPTED_DOMAINS,
                 "is the default accepted domain and cannot be removed", id="accepted_domain-default-not-removed"),
    pytest.param(ReceiveConnector, {"name": "Internet", "tarpit_interval": 5}, CONNECTORS,
                 "name: no receive connector 'Internet' on this server; it has: Default Frontend EX01",
                 id="receive_connector-unknown"),
    pytest.param(TransportAgent, {"identity": "Nope Agent", "enabled": True}, TRANSPORT_AGENTS,
                 "identity: no transport agent 'Nope Agent' on this server (Transport Rule Agent, Malware Agent",
                 id="transport_agent-unknown"),
    pytest.param(TransportAgent, {"identity": "Malware Agent", "priority": 4}, TRANSPORT_AGENTS,
                 "priority: must be from 1 to 3 (the number of agents), got 4", id="transport_agent-priority-range"),
    pytest.param(AntispamAgents, {"state": "absent"}, EDGE_AGENTS, "cannot be uninstalled",
                 id="antispam_agents-edge-keeps-them"),
])
def test_plans_refused_with_the_option_named(resource_class, options, answers, message):
    server = "edge01.perimeter.contoso.com" if answers is EDGE_AGENTS else "ex01.contoso.com"
    connections = StandInConnections(answers, server=server)
    with pytest.raises(InvalidValue) as failure:
        resource_class(options).plan(connections)
    assert message in str(failure.value)
    assert connections.mutations == []


@pytest.mark.parametrize("options", [
    {"domain_name": "*", "state": "absent"},
    {"domain_name": "fabrikam.com", "state": "absent", "ndr_enabled": False},
    {"domain_name": "*.fabrikam.com", "target_delivery_domain": True},
    {"domain_name": "fabrikam.com", "allowed_oof_type": "External", "is_internal": True},
    {"domain_name": "fabrikam.com", "name": "x" * 65},
    {"domain_name": "fabrikam", "ndr_enabled": True},
    {"domain_name": "fabrikam.com", "line_wrap_size": 0},
    {"domain_name": "fabrikam.com", "required_charset_coverage": 101},
    {"domain_name": "fabrikam.com", "tnef_enabled": "sometimes"},
])
def test_remote_domain_contradictions_are_refused_before_anything_is_read(options):
    with pytest.raises(InvalidValue):
        RemoteDomain(options)


def test_a_server_the_session_cannot_place_is_named():
    connections = StandInConnections(CONNECTORS, server="mail.contoso.com")
    with pytest.raises(ServerNotIdentified, match=re.escape("server_name: cannot tell which Exchange server "
                                                            "mail.contoso.com is")) as failure:
        ReceiveConnector({"name": "Default Frontend EX01", "tarpit_interval": 5}).plan(connections)
    assert failure.value.option == "server_name"


# ------------------------------------------------------------------------------------------ anti-spam agents
def host_commands(plan):
    return [(c.endpoint, c.name, c.parameters) for c in plan.commands]


INSTALL = [("host", "Add-PSSnapin", {"Name": "Microsoft.Exchange.Management.PowerShell.SnapIn"}),
           ("host", "D:\\Exchange\\Scripts\\Install-AntiSpamAgents.ps1", {})]
RESTART = [("host", "Restart-Service", {"Name": "MSExchangeTransport"})]


@pytest.mark.parametrize("options, answers, snapin, commands, after", [
    pytest.param({}, mailbox_agents(installed=False), False, INSTALL + RESTART,
                 {"installed": True, "antispam_agents_enabled": True, "restarted": True}, id="install-and-restart"),
    pytest.param({"restart": "never"}, mailbox_agents(installed=False), False, INSTALL,
                 {"installed": True, "antispam_agents_enabled": True, "restarted": False}, id="install-no-restart"),
    pytest.param({}, mailbox_agents(installed=False), True, INSTALL[1:] + RESTART, None,
                 id="snapin-already-in-the-session"),
    pytest.param({}, mailbox_agents(installed=False, install_path=""), False,
                 [INSTALL[0], ("host", "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Scripts\\"
                                       "Install-AntiSpamAgents.ps1", {})] + RESTART,
                 None, id="default-install-path"),
    pytest.param({}, mailbox_agents(disabled=["Recipient Filter Agent"], enabled_flag=False), False,
                 [("management", "Enable-TransportAgent", {"Identity": "Recipient Filter Agent"}),
                  ("management", "Set-TransportService", {"Identity": "EX01", "AntispamAgentsEnabled": True})]
                 + RESTART, None, id="enable-what-is-installed"),
    pytest.param({}, mailbox_agents(), False, [],
                 {"installed": True, "antispam_agents_enabled": True, "restarted": False}, id="nothing-to-do"),
    pytest.param({"restart": "always"}, mailbox_agents(), False, RESTART, None, id="restart-always"),
    pytest.param({"state": "absent"}, mailbox_agents(), False,
                 [INSTALL[0], ("host", "D:\\Exchange\\Scripts\\Uninstall-AntiSpamAgents.ps1", {})] + RESTART,
                 {"installed": False, "antispam_agents_enabled": False, "restarted": True}, id="uninstall"),
    pytest.param({}, EDGE_AGENTS, False, [], None, id="edge-has-them-built-in"),
])
def test_antispam_agents_plan(options, answers, snapin, commands, after):
    server = "edge01.perimeter.contoso.com" if answers is EDGE_AGENTS else "ex01.contoso.com"
    connections = StandInConnections(answers, server=server, host_has_snapin=snapin)
    plan = AntispamAgents(options).plan(connections)
    assert connections.mutations == []
    assert host_commands(plan) == commands
    assert plan.changed is bool(commands)
    if after is not None:
        assert plan.after == after


def test_antispam_agents_apply_runs_the_snapin_and_script_in_one_runspace_then_restarts():
    resource = AntispamAgents({})
    connections = StandInConnections(mailbox_agents(installed=False))
    plan = resource.plan(connections)
    connections.runs.clear()
    resource.apply(connections, plan)
    assert [(endpoint, pipe, [c.name for c in commands]) for endpoint, pipe, commands in connections.runs] == [
        ("host", False, ["Add-PSSnapin", "D:\\Exchange\\Scripts\\Install-AntiSpamAgents.ps1"]),
        ("host", True, ["Restart-Service"]),
    ]


def test_reads_are_the_ones_a_batch_shares():
    """Resources of one kind read the same command, so Connections' read cache serves a batch with one read."""
    first, second = StandInConnections(REMOTE_DOMAINS), StandInConnections(REMOTE_DOMAINS)
    RemoteDomain({"domain_name": "*", "ndr_enabled": False}).plan(first)
    RemoteDomain({"domain_name": "fabrikam.com", "ndr_enabled": False}).plan(second)
    assert first.reads == second.reads == [("management", "Get-RemoteDomain")]

"""Servers
(docs/docsite/rst/exchange_behaviour.rst, "Servers"):
Get-ExchangeServer (version, role, edition), Get-/Set-TransportService with
AntispamAgentsEnabled, Get-EdgeSubscription."""

from __future__ import annotations

from exchange_checks import (
    RESTART,
    assert_exchange_error,
    call,
    exception_message,
    lab_dict,
    refused,
    rejected,
    unchanged,
)

from clients import management_pool

TASKS = "Microsoft.Exchange.Management.SystemConfigurationTasks."


def test_the_organisations_servers_from_a_mailbox_server(ex01):
    result = call(ex01, "Get-ExchangeServer").clean()
    servers = {o["Name"]: o for o in result.objects}
    assert list(servers) == ["EX01", "EX02", "EDGE01"]
    assert (servers["EX01"]["AdminDisplayVersion"], servers["EX01"]["ServerRole"], servers["EX01"]["Edition"]) == \
        ("Version 15.2 (Build 1544.4)", "Mailbox", "Enterprise")
    assert servers["EX02"]["AdminDisplayVersion"].startswith("Version 15.1 (Build ")
    assert (servers["EDGE01"]["ServerRole"], servers["EDGE01"]["IsEdgeServer"]) == ("Edge", True)
    assert servers["EX01"]["Fqdn"] == "ex01.contoso.com" and servers["EX01"]["IsEdgeServer"] is False
    assert result.output[0].types[0] == "Microsoft.Exchange.Data.Directory.Management.ExchangeServer"


def test_other_releases_and_antispam_agents_from_setup(lab_factory):
    # 2016 and 2019 are in the example lab; 2013 reports its roles as "Mailbox, ClientAccess". A lab server can
    # have had Install-AntiSpamAgents.ps1 run already.
    other = lab_factory(lab_dict({"name": "EX13", "role": "Mailbox", "version": "2013"},
                                 {"name": "EXSE", "role": "Mailbox", "version": "SE", "antispam_agents": True}))
    with management_pool(other.server("EX13")["port"]) as pool:
        servers = {o["Name"]: o for o in call(pool, "Get-ExchangeServer").clean().objects}
        transport = {o["Name"]: o for o in call(pool, "Get-TransportService").clean().objects}
        agents_here = [o["Identity"] for o in call(pool, "Get-TransportAgent").clean().objects]
    assert servers["EX13"]["AdminDisplayVersion"].startswith("Version 15.0 (Build ")
    assert servers["EX13"]["ServerRole"] == "Mailbox, ClientAccess"
    assert servers["EXSE"]["AdminDisplayVersion"].startswith("Version 15.2 (Build ")
    assert servers["EXSE"]["ServerRole"] == "Mailbox"
    assert (transport["EX13"]["AntispamAgentsEnabled"], transport["EXSE"]["AntispamAgentsEnabled"]) == (False, True)
    assert "Content Filter Agent" not in agents_here
    with management_pool(other.server("EXSE")["port"]) as pool:
        agents_there = [o["Identity"] for o in call(pool, "Get-TransportAgent").clean().objects]
    assert agents_there[-5:] == ["Content Filter Agent", "Sender Id Agent", "Sender Filter Agent",
                                 "Recipient Filter Agent", "Protocol Analysis Agent"]


def test_identity_by_name_or_fqdn_and_unknown(lab, ex01):
    assert call(ex01, "Get-ExchangeServer", Identity="ex02.contoso.com").clean().one["Name"] == "EX02"
    assert call(ex01, "Get-ExchangeServer", "ex02").clean().one["Name"] == "EX02"
    error = rejected(lab, ex01, "Get-ExchangeServer", Identity="EX99")
    assert_exchange_error(error, "ManagementObjectNotFoundException", TASKS + "GetExchangeServer", server="EX01")


def test_an_edge_server_sees_only_itself(edge):
    assert [o["Name"] for o in call(edge, "Get-ExchangeServer").clean().objects] == ["EDGE01"]
    assert [o["Name"] for o in call(edge, "Get-TransportService").clean().objects] == ["EDGE01"]


def test_transport_services_and_antispam_agents_enabled(ex01, edge):
    services = {o["Name"]: o for o in call(ex01, "Get-TransportService").clean().objects}
    assert list(services) == ["EX01", "EX02"]
    assert services["EX01"]["AntispamAgentsEnabled"] is False
    # Edge has the anti-spam agents from setup.
    assert call(edge, "Get-TransportService").clean().one["AntispamAgentsEnabled"] is True


def test_set_transport_service_antispam_agents_enabled(lab, ex01, ex02):
    result = call(ex01, "Set-TransportService", Identity="EX02", AntispamAgentsEnabled=True)
    assert result.completed and not result.errors and result.output == []
    assert result.warnings == [RESTART.format("MSExchangeTransport")]
    assert call(ex02, "Get-TransportService", Identity="EX02").clean().one["AntispamAgentsEnabled"] is True
    assert call(ex02, "Get-TransportService", Identity="EX01").clean().one["AntispamAgentsEnabled"] is False
    unchanged(lab, ex01, "EX02", "Set-TransportService", Identity="EX02", AntispamAgentsEnabled=True)
    call(ex01, "Set-TransportService", Identity="EX02", AntispamAgentsEnabled=False)


def test_set_transport_service_bad_input(lab, ex01):
    error = refused(lab, ex01, "Set-TransportService", Identity="EX01", AntispamAgentsEnabled="on")
    assert error.fq_error == f"ParameterArgumentTransformationError,{TASKS}SetTransportServer"
    error = refused(lab, ex01, "Set-TransportService", AntispamAgentsEnabled=True)
    assert error.fq_error == f"MissingMandatoryParameter,{TASKS}SetTransportServer"
    assert "Identity" in exception_message(error)


def test_edge_subscription_from_both_sides(ex01, edge):
    [subscription] = call(ex01, "Get-EdgeSubscription").clean().objects
    assert subscription["Name"] == "EDGE01" and subscription["Domain"] == "contoso.com"
    assert [o["Name"] for o in call(edge, "Get-EdgeSubscription").clean().objects] == ["EDGE01"]

"""Exchange 2010, 2007 and 2003 beside the newer versions
(docs/docsite/rst/exchange_behaviour.rst, "Exchange 2010, 2007 and 2003"): a mixed lab with a 2010 Hub
Transport server, a 2010 Mailbox/Client Access server, a 2007 Hub Transport server, a 2016 Mailbox server, a
subscribed 2019 Edge and a 2003 server that is only listed. Roles, versions, the transport server cmdlets
of each generation, -TransportService, install paths and scripts, snap-ins, remote PowerShell, the SMTP
front and services, and the lab file's errors."""

from __future__ import annotations

import json
import pathlib
import smtplib
import typing

import pytest
import requests
from exchange_checks import (
    RESTART,
    assert_binding_error,
    call,
    category,
    exception_message,
    exception_type,
    lab_dict,
    refused,
    rejected,
)

from exchange_emulator.exchange.cmdlet import VERSION_ORDER
from exchange_emulator.exchange.versions import PARAMETER_SINCE
from exchange_emulator.lab import LabError, initial_state, load_lab, parse_lab
from exchange_emulator.scenario import inventory

from clients import host_pool, management_pool

TASKS = "Microsoft.Exchange.Management.SystemConfigurationTasks."
AGENT_TASKS = "Microsoft.Exchange.Management.AgentTasks."
E2010 = "Microsoft.Exchange.Management.PowerShell.E2010"
E2007 = "Microsoft.Exchange.Management.PowerShell.Admin"
MODERN = "Microsoft.Exchange.Management.PowerShell.SnapIn"
V14 = "C:\\Program Files\\Microsoft\\Exchange Server\\V14\\"
V8 = "C:\\Program Files\\Microsoft\\Exchange Server\\"
NOT_RECOGNIZED = ("The term '{}' is not recognized as the name of a cmdlet, function, script file, or operable "
                  "program. Check the spelling of the name, or if a path was included, verify that the path is "
                  "correct and try again.")


def legacy_lab() -> dict[str, typing.Any]:
    lab = lab_dict(
        {"name": "HUB10", "version": "2010", "role": "HubTransport"},
        {"name": "MBX10", "version": "2010", "role": "ClientAccess,Mailbox"},
        {"name": "HUB07", "version": "2007", "role": "HubTransport", "antispam_agents": True},
        {"name": "EX16", "version": "2016", "role": "Mailbox"},
        {"name": "EDGE19", "version": "2019", "role": "Edge", "edge_subscribed": True},
        {"name": "EX03", "version": "2003"},
        recipients=[{"name": "Bob Brown", "address": "bob@contoso.com"}],
    )
    del lab["servers"][-1]["port"]  # a 2003 server has no endpoints
    return lab


@pytest.fixture(scope="module")
def legacy(tmp_path_factory: pytest.TempPathFactory) -> typing.Iterator[typing.Any]:
    from conftest import start_in_process

    running = start_in_process(legacy_lab(), tmp_path_factory.mktemp("legacy"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def hub10(legacy: typing.Any) -> typing.Iterator[typing.Any]:
    with management_pool(legacy.server("HUB10")["port"]) as pool:
        yield pool


@pytest.fixture(scope="module")
def ex16(legacy: typing.Any) -> typing.Iterator[typing.Any]:
    with management_pool(legacy.server("EX16")["port"]) as pool:
        yield pool


def snapin_pool(legacy: typing.Any, server: str, snapin: str) -> typing.Any:
    """The host endpoint with the server's Exchange snap-in added (how 2007 is reached)."""
    pool = host_pool(legacy.server(server)["port"])
    pool.open()
    call(pool, "Add-PSSnapin", Name=snapin).clean()
    return pool


@pytest.fixture(scope="module")
def hub07(legacy: typing.Any) -> typing.Iterator[typing.Any]:
    pool = snapin_pool(legacy, "HUB07", E2007)
    yield pool
    pool.close()


def state_server(lab: typing.Any, name: str) -> dict[str, typing.Any]:
    return next(s for s in lab.state()["servers"] if s["Name"] == name)


# ---------------------------------------------------------------------------------------------- servers
def test_get_exchange_server_lists_every_version(ex16):
    servers = {o["Name"]: o for o in call(ex16, "Get-ExchangeServer").clean().objects}
    assert set(servers) == {"HUB10", "MBX10", "HUB07", "EX16", "EDGE19", "EX03"}
    expected = {
        "HUB10": ("Version 14.3 (Build 123.4)", "HubTransport", (False, True, False, False)),
        "MBX10": ("Version 14.3 (Build 123.4)", "Mailbox, ClientAccess", (True, False, True, False)),
        "HUB07": ("Version 8.3 (Build 83.6)", "HubTransport", (False, True, False, False)),
        "EX03": ("Version 6.5 (Build 7638.2: Service Pack 2)", "None", (False, False, False, False)),
        "EDGE19": ("Version 15.2 (Build 1544.4)", "Edge", (False, False, False, True)),
        "EX16": ("Version 15.1 (Build 2507.6)", "Mailbox", (True, True, True, False)),
    }
    for name, (version, role, flags) in expected.items():
        server = servers[name]
        assert server["AdminDisplayVersion"] == version
        assert server["ServerRole"] == role
        assert (server["IsMailboxServer"], server["IsHubTransportServer"], server["IsClientAccessServer"],
                server["IsEdgeServer"]) == flags, name
    assert servers["EX03"]["IsExchange2007OrLater"] is False and servers["HUB07"]["IsExchange2007OrLater"] is True
    assert (servers["HUB10"]["IsE14OrLater"], servers["HUB10"]["IsE15OrLater"]) == (True, False)
    assert "IsFrontendTransportServer" not in servers["HUB10"] and servers["EX16"]["IsFrontendTransportServer"]


def test_exchange_2003_has_no_endpoints(legacy):
    server = legacy.server("EX03")
    assert (server["port"], server["host_url"], server["management_url"], server["smtp_port"]) == \
        (None, None, None, None)


def test_the_inventory_groups_hub_transport_servers(legacy):
    """What `exchange-emulator inventory` writes for this lab: Hub Transport servers in exchange_hub (2007 through
    the snap-in), the 2010 Mailbox server in exchange_mailbox, the 2003 server nowhere."""
    groups = inventory(json.loads((legacy.state_dir / "endpoints.json").read_text()))["all"]["children"]["exchange"]
    hosts = {name: sorted(group["hosts"]) for name, group in groups["children"].items()}
    assert hosts == {"exchange_hub": ["hub07", "hub10"], "exchange_mailbox": ["ex16", "mbx10"],
                     "exchange_edge": ["edge19"]}
    assert groups["children"]["exchange_hub"]["hosts"]["hub07"]["exchange_management_endpoint"] == "host_snapin"
    assert "exchange_management_endpoint" not in groups["children"]["exchange_hub"]["hosts"]["hub10"]


# ---------------------------------------------------------------------------------------------- transport servers
def test_2010_has_get_transport_server_and_not_get_transport_service(legacy, hub10):
    error = refused(legacy, hub10, "Get-TransportService")
    assert exception_type(error) == "System.Management.Automation.CommandNotFoundException"
    assert exception_message(error) == NOT_RECOGNIZED.format("Get-TransportService")
    servers = call(hub10, "Get-TransportServer").clean().objects
    # The Hub Transport servers of 2007/2010; not the 2010 Mailbox server, nor 2013+ or Edge.
    assert sorted(o["Name"] for o in servers) == ["HUB07", "HUB10"]
    hub = next(o for o in servers if o["Name"] == "HUB10")
    assert hub["AntispamAgentsEnabled"] is False
    assert hub["ReceiveProtocolLogPath"] == V14 + "TransportRoles\\Logs\\ProtocolLog\\SmtpReceive"


def test_set_transport_server_on_2010(legacy, hub10):
    mark = legacy.mark()
    result = call(hub10, "Set-TransportServer", Identity="HUB10", AntispamAgentsEnabled=True)
    assert result.warnings == [RESTART.format("MSExchangeTransport")]
    assert state_server(legacy, "HUB10")["AntispamAgentsEnabled"] is True
    [entry] = legacy.mutating_since(mark)
    assert entry["command"] == "Set-TransportServer"
    call(hub10, "Set-TransportServer", Identity="HUB10", AntispamAgentsEnabled=False)


def test_2016_has_no_get_transport_server(legacy, ex16):
    error = refused(legacy, ex16, "Get-TransportServer")
    assert exception_message(error) == NOT_RECOGNIZED.format("Get-TransportServer")
    assert [o["Name"] for o in call(ex16, "Get-TransportService").clean().objects] == ["EX16"]


@pytest.mark.parametrize("cmdlet,task", [
    ("Get-TransportAgent", "GetTransportAgent"),
    ("Enable-TransportAgent", "EnableTransportAgent"),
    ("Disable-TransportAgent", "DisableTransportAgent"),
])
def test_transport_agent_cmdlets_have_no_transport_service_parameter(legacy, hub10, cmdlet, task):
    arguments = () if cmdlet == "Get-TransportAgent" else ("Transport Rule Agent",)
    error = refused(legacy, hub10, cmdlet, *arguments, TransportService="Hub")
    assert_binding_error(error, "NamedParameterNotFound", AGENT_TASKS + task, "TransportService")
    assert exception_message(error) == "A parameter cannot be found that matches parameter name 'TransportService'."


def test_legacy_hub_agents(hub10, hub07):
    assert [o["Identity"] for o in call(hub10, "Get-TransportAgent").clean().objects] == [
        "Transport Rule Agent", "Journaling Agent", "AD RMS Prelicensing Agent", "Text Messaging Routing Agent",
        "Text Messaging Delivery Agent"]
    agents = [o["Identity"] for o in call(hub07, "Get-TransportAgent").clean().objects]
    assert agents[:2] == ["Transport Rule Agent", "Journaling Agent"] and "Recipient Filter Agent" in agents


def test_2010_mailbox_server_has_no_transport_agents(legacy):
    with management_pool(legacy.server("MBX10")["port"]) as pool:
        error = refused(legacy, pool, "Get-TransportAgent")
        assert category(error) == "InvalidOperation"
        assert "Hub Transport" in exception_message(error)


# ---------------------------------------------------------------------------------------------- host: paths, scripts
def test_install_paths(legacy):
    for server, path in (("HUB10", V14), ("HUB07", V8)):
        with host_pool(legacy.server(server)["port"]) as pool:
            assert call(pool, "Get-Item", Path="Env:ExchangeInstallPath").clean().one["Value"] == path
    with host_pool(legacy.server("HUB10")["port"]) as pool:
        values = call(pool, "Get-ItemProperty", Path="HKLM:\\SOFTWARE\\Microsoft\\ExchangeServer\\v14\\Setup",
                      Name="MsiInstallPath").clean().one
        assert values["MsiInstallPath"] == V14
    with host_pool(legacy.server("HUB07")["port"]) as pool:
        values = call(pool, "Get-ItemProperty", Path="HKLM:\\SOFTWARE\\Microsoft\\Exchange\\Setup").clean().one
        assert (values["MsiInstallPath"], values["MsiProductMajor"]) == (V8, 8)


def test_antispam_scripts_on_a_2010_hub(legacy):
    pool = snapin_pool(legacy, "HUB10", E2010)
    try:
        result = call(pool, V14 + "Scripts\\Install-AntiSpamAgents.ps1")
        assert not result.errors
        assert "Recipient Filter Agent" in [o["Identity"] for o in result.objects]
        assert state_server(legacy, "HUB10")["AntispamAgentsEnabled"] is True
        call(pool, "Restart-Service", Name="MSExchangeTransport").clean()
        call(pool, V14 + "Scripts\\Uninstall-AntiSpamAgents.ps1")
        assert state_server(legacy, "HUB10")["AntispamAgentsEnabled"] is False
    finally:
        pool.close()


def test_no_antispam_scripts_on_a_2010_mailbox_server(legacy):
    pool = snapin_pool(legacy, "MBX10", E2010)
    try:
        error = refused(legacy, pool, V14 + "Scripts\\Install-AntiSpamAgents.ps1")
        assert exception_type(error) == "System.Management.Automation.CommandNotFoundException"
    finally:
        pool.close()


# ---------------------------------------------------------------------------------------------- snap-ins
@pytest.mark.parametrize("server,own", [("HUB10", E2010), ("HUB07", E2007), ("EX16", MODERN)])
def test_each_version_has_its_snapin(legacy, server, own):
    with host_pool(legacy.server(server)["port"]) as pool:
        registered = call(pool, "Get-PSSnapin", Registered=True).clean().objects
        assert [o["Name"] for o in registered] == [own]
        assert {"PSVersion", "Description"} <= set(registered[0])
        assert [o["Name"] for o in call(pool, "Get-PSSnapin", Registered=True,
                                        Name="Microsoft.Exchange.*").clean().objects] == [own]
        assert call(pool, "Get-PSSnapin", Registered=True, Name="NoSuch*").clean().objects == []
        for other in {E2010, E2007, MODERN} - {own}:
            error = rejected(legacy, pool, "Add-PSSnapin", Name=other)
            assert exception_message(error) == f"The Windows PowerShell snap-in '{other}' is not installed on " \
                "this computer."
            assert exception_type(error) == "System.Management.Automation.PSArgumentException"
            assert error.fq_error == "AddPSSnapInRead,Microsoft.PowerShell.Commands.AddPSSnapinCommand"
        error = rejected(legacy, pool, "Get-PSSnapin", Registered=True, Name="No.Such.SnapIn")
        assert error.fq_error.startswith("NoPSSnapInsFound,")
        call(pool, "Add-PSSnapin", Name=own).clean()
        assert own in [o["Name"] for o in call(pool, "Get-PSSnapin").clean().objects]
        assert call(pool, "Get-ExchangeServer", Identity=server).clean().one["Name"] == server


def test_remote_powershell_on_2010_but_not_on_2007(legacy):
    basic = requests.auth.HTTPBasicAuth("ansible", "Password123!")
    assert legacy.server("HUB07")["management_url"] is None
    assert legacy.server("HUB10")["management_url"].endswith("/PowerShell/")
    reply = requests.post(f"http://127.0.0.1:{legacy.server('HUB07')['port']}/PowerShell/", data=b"<x/>",
                          auth=basic, headers={"Content-Type": "application/soap+xml;charset=UTF-8"}, timeout=10)
    assert reply.status_code == 404


# ---------------------------------------------------------------------------------------------- SMTP and services
def test_smtp_front_on_hub_transport_only(legacy, hub10):
    assert legacy.server("HUB10")["smtp_port"] and legacy.server("HUB07")["smtp_port"]
    assert legacy.server("MBX10")["smtp_port"] is None
    names = sorted(o["Name"] for o in call(hub10, "Get-ReceiveConnector", Server="HUB10").clean().objects)
    assert names == ["Client HUB10", "Default HUB10"]
    assert call(hub10, "Get-ReceiveConnector", Server="MBX10").clean().objects == []
    host, port = legacy.smtp_address("HUB10")
    with smtplib.SMTP(host, port, timeout=30) as client:
        code, banner = client.ehlo("client.partner.example")
        assert code == 250
        assert client.mail("someone@partner.example")[0] == 250
        assert client.rcpt("bob@contoso.com")[0] == 250


def test_hub_services(legacy):
    with host_pool(legacy.server("HUB10")["port"]) as pool:
        names = [o["Name"] for o in call(pool, "Get-Service").clean().objects]
        assert "MSExchangeTransport" in names and "MSExchangeFrontEndTransport" not in names
        restarts = next(s for s in state_server(legacy, "HUB10")["Services"]
                        if s["Name"] == "MSExchangeTransport")["Restarts"]
        call(pool, "Restart-Service", Name="MSExchangeTransport").clean()
        assert next(s for s in state_server(legacy, "HUB10")["Services"]
                    if s["Name"] == "MSExchangeTransport")["Restarts"] == restarts + 1


# ---------------------------------------------------------------------------------------------- lab file
def test_legacy_lab_loads_with_the_issues_mix():
    lab = lab_dict({"name": "HUB", "version": "2010", "role": "HubTransport"},
                   {"name": "MBX", "version": "2016", "role": "Mailbox"},
                   {"name": "EDGE", "version": "2019", "role": "Edge", "edge_subscribed": True},
                   {"name": "HUB7", "version": 2007, "role": "HubTransport"})
    state = initial_state(parse_lab(lab))
    assert [s["ServerRole"] for s in state["servers"]] == ["HubTransport", "Mailbox", "Edge", "HubTransport"]


def test_the_example_lab_file_loads():
    path = pathlib.Path(__file__).resolve().parents[2] / "lab" / "legacy.yml"
    state = initial_state(load_lab(path))
    assert {s["Version"] for s in state["servers"]} == {"2003", "2007", "2010", "2016", "2019"}


@pytest.mark.parametrize("servers,message", [
    ([{"name": "A", "version": "2010", "role": "Hub"}],
     "servers[0].role: 'Hub' is not one of Mailbox, ClientAccess, HubTransport, Edge (the roles of Exchange 2010)"),
    ([{"name": "A", "version": "2007", "role": "Edge, HubTransport"}], "servers[0].role: 'Edge, HubTransport'"),
    ([{"name": "A", "version": "2016", "role": "HubTransport"}],
     "servers[0].role: 'HubTransport' is not one of Mailbox, Edge (the roles of Exchange 2016)"),
    ([{"name": "A", "version": "2019"}, {"name": "OLD", "version": "2003"}],
     "servers: an Exchange 2003 server can only coexist with Exchange 2007 or 2010"),
    ([{"name": "A", "version": "2010", "role": "HubTransport"}, {"name": "OLD", "version": "2003", "port": 0}],
     "servers[1]: an Exchange 2003 server only takes name, version and fqdn"),
    ([{"name": "A", "version": "2010", "role": "Mailbox", "smtp_port": 0}],
     "servers[0].smtp_port: an Exchange 2010 Mailbox server has no SMTP service"),
    ([{"name": "A", "version": "2010", "role": "Mailbox", "antispam_agents": True}],
     "servers[0].antispam_agents: on Exchange 2010 the anti-spam agents are installed on HubTransport servers"),
])
def test_legacy_lab_errors(servers, message):
    lab = lab_dict()
    lab["servers"] = [dict(s) for s in servers]
    with pytest.raises(LabError) as failure:
        initial_state(parse_lab(lab))
    assert message in str(failure.value)


# ---------------------------------------------------------------------------------------------- per-version parameters
SINCE = [(cmdlet, parameter, version) for cmdlet, table in PARAMETER_SINCE.items()
         for parameter, version in table.items()]


@pytest.mark.parametrize("cmdlet,parameter,since", SINCE, ids=[f"{c}-{p}" for c, p, _ in SINCE])
def test_parameters_a_version_lacks_are_refused_as_powershell_does(legacy, hub10, hub07, ex16, cmdlet, parameter,
                                                                   since):
    """Each parameter of the table: unknown to the binder on the versions before it, known from it on."""
    for version, pool in (("2007", hub07), ("2010", hub10), ("2016", ex16)):
        definition = call(pool, "Get-Command", Name=cmdlet).clean().one["Definition"]
        if VERSION_ORDER.index(version) >= VERSION_ORDER.index(since):
            assert f"[-{parameter}]" in definition
            continue
        assert f"[-{parameter}]" not in definition
        error = refused(legacy, pool, cmdlet, **{parameter: True})
        assert error.fq_error.startswith("NamedParameterNotFound,"), (version, error.fq_error)
        assert exception_message(error) == f"A parameter cannot be found that matches parameter name '{parameter}'."


def test_2010_accepts_what_2010_has(legacy, hub10):
    call(hub10, "Set-RemoteDomain", Identity="Default", TrustedMailInboundEnabled=True).clean()
    call(hub10, "Set-TransportConfig", ExternalDsnSendHtml=False).clean()
    error = refused(legacy, hub10, "Set-RemoteDomain", Identity="Default", MessageCountThreshold=5)
    assert_binding_error(error, "NamedParameterNotFound", TASKS + "SetRemoteDomain", "MessageCountThreshold")


def test_2007_sets_dsn_options_per_transport_server(legacy, hub07):
    refused(legacy, hub07, "Set-TransportConfig", ExternalDsnSendHtml=False)
    mark = legacy.mark()
    call(hub07, "Set-TransportServer", Identity="HUB07", ExternalDsnSendHtml=False,
         ExternalPostmasterAddress="postmaster@contoso.com").clean()
    assert len(legacy.mutating_since(mark)) == 1
    server = call(hub07, "Get-TransportServer", Identity="HUB07").clean().one
    assert (server["ExternalDsnSendHtml"], server["ExternalPostmasterAddress"]) == (False, "postmaster@contoso.com")
    assert call(hub07, "Get-TransportServer", Identity="HUB07").clean().one["InternalDsnSendHtml"] is True

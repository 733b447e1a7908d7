"""The host endpoint
(docs/docsite/rst/exchange_behaviour.rst, "The host endpoint"):
/wsman, configuration Microsoft.PowerShell. The install path from the
environment or the registry, services (Restart-Service MSExchangeTransport counts restarts and clears pending
restarts), the Exchange snap-in; script text runs with the language of the WinRS shell."""

from __future__ import annotations

import pytest
from exchange_checks import (
    RESTART,
    call,
    category,
    exception_message,
    exception_type,
    refused,
    rejected,
)
from pypsrp.powershell import PowerShell

from clients import host_pool, management_pool

INSTALL_PATH = "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\"
SETUP_KEY = "HKLM:\\SOFTWARE\\Microsoft\\ExchangeServer\\v15\\Setup"
SNAPIN = "Microsoft.Exchange.Management.PowerShell.SnapIn"
COMMANDS = "Microsoft.PowerShell.Commands."


@pytest.fixture(scope="module")
def host(lab):
    with host_pool(lab.server("EX01")["port"]) as pool:
        yield pool


def service(lab, server, name):
    state = next(s for s in lab.state()["servers"] if s["Name"] == server)
    return next(s for s in state["Services"] if s["Name"] == name)


# ---------------------------------------------------------------------------------------------- install path
def test_install_path_from_the_environment(host):
    result = call(host, "Get-Item", Path="Env:ExchangeInstallPath").clean()
    assert result.one["Value"] == INSTALL_PATH and result.one["Name"] == "ExchangeInstallPath"
    assert call(host, "Get-Item", "env:exchangeinstallpath").clean().one["Value"] == INSTALL_PATH


def test_unknown_environment_variable(lab, host):
    error = rejected(lab, host, "Get-Item", Path="Env:NoSuchVariable")
    assert exception_type(error) == "System.Management.Automation.ItemNotFoundException"
    assert error.fq_error == f"PathNotFound,{COMMANDS}GetItemCommand"
    assert category(error) == "ObjectNotFound"
    assert exception_message(error) == "Cannot find path 'NoSuchVariable' because it does not exist."


@pytest.mark.parametrize("path", [
    SETUP_KEY, "Registry::HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\ExchangeServer\\v15\\Setup",
    SETUP_KEY.lower() + "\\",
])
def test_install_path_from_the_registry(host, path):
    result = call(host, "Get-ItemProperty", Path=path, Name="MsiInstallPath").clean()
    assert result.one["MsiInstallPath"] == INSTALL_PATH
    everything = call(host, "Get-ItemProperty", path).clean().one
    assert everything["MsiInstallPath"] == INSTALL_PATH
    assert (everything["MsiProductMajor"], everything["MsiProductMinor"]) == (15, 2)
    assert everything["PSChildName"] == "Setup"


def test_registry_misses(lab, host):
    error = rejected(lab, host, "Get-ItemProperty", Path="HKLM:\\SOFTWARE\\Microsoft\\ExchangeServer\\v14\\Setup")
    assert error.fq_error == f"PathNotFound,{COMMANDS}GetItemPropertyCommand"
    error = rejected(lab, host, "Get-ItemProperty", Path=SETUP_KEY, Name="NoSuchValue")
    assert exception_type(error) == "System.Management.Automation.PSArgumentException"
    assert "NoSuchValue" in exception_message(error)


def test_registry_reports_the_servers_version(lab):
    with host_pool(lab.server("EX02")["port"]) as pool:  # Exchange 2016
        key = call(pool, "Get-ItemProperty", Path=SETUP_KEY).clean().one
    assert (key["MsiProductMajor"], key["MsiProductMinor"]) == (15, 1)


# ---------------------------------------------------------------------------------------------- services
def test_get_service(lab, host):
    transport = call(host, "Get-Service", Name="MSExchangeTransport").clean().one
    assert (transport["Name"], transport["Status"], transport["DisplayName"]) == \
        ("MSExchangeTransport", "Running", "Microsoft Exchange Transport")
    names = [o["Name"] for o in call(host, "Get-Service", "MSExchange*").clean().objects]
    assert "MSExchangeFrontEndTransport" in names and "W3SVC" not in names
    error = rejected(lab, host, "Get-Service", Name="NoSuchService")
    assert error.fq_error == f"NoServiceFoundForGivenName,{COMMANDS}GetServiceCommand"
    assert exception_type(error) == "Microsoft.PowerShell.Commands.ServiceCommandException"


def test_restart_service_counts_and_clears_pending_restarts(lab, host):
    with management_pool(lab.server("EX01")["port"]) as management:
        result = call(management, "Set-TransportAgent", Identity="Malware Agent", Priority=1)
        assert result.warnings == [RESTART.format("MSExchangeTransport")]
    state = next(s for s in lab.state()["servers"] if s["Name"] == "EX01")
    assert "MSExchangeTransport" in state["PendingRestarts"]
    restarts = service(lab, "EX01", "MSExchangeTransport")["Restarts"]
    mark = lab.mark()
    result = call(host, "Restart-Service", Name="MSExchangeTransport")
    assert result.completed and not result.errors and result.output == []
    after = service(lab, "EX01", "MSExchangeTransport")
    assert after["Restarts"] == restarts + 1 and after["Status"] == "Running"
    assert next(s for s in lab.state()["servers"] if s["Name"] == "EX01")["PendingRestarts"] == []
    [entry] = lab.mutating_since(mark)
    assert (entry["command"], entry["endpoint"], entry["outcome"]) == \
        ("Restart-Service", "Microsoft.PowerShell", "completed")
    # Another server's services are its own.
    assert service(lab, "EX02", "MSExchangeTransport")["Restarts"] == 0


def test_restart_service_pass_thru_and_what_if(lab, host):
    restarts = service(lab, "EX01", "MSExchangeTransport")["Restarts"]
    result = call(host, "Restart-Service", "MSExchangeTransport", PassThru=True).clean()
    assert result.one["Status"] == "Running"
    before = lab.state()
    result = call(host, "Restart-Service", "MSExchangeTransport", WhatIf=True)
    assert result.completed and not result.errors and result.output == []
    assert lab.state() == before
    assert service(lab, "EX01", "MSExchangeTransport")["Restarts"] == restarts + 1


def test_stop_and_start_service(lab, host):
    call(host, "Stop-Service", Name="MSExchangeTransportLogSearch").clean()
    assert service(lab, "EX01", "MSExchangeTransportLogSearch")["Status"] == "Stopped"
    call(host, "Start-Service", Name="MSExchangeTransportLogSearch").clean()
    assert service(lab, "EX01", "MSExchangeTransportLogSearch")["Status"] == "Running"
    assert service(lab, "EX01", "MSExchangeTransportLogSearch")["Restarts"] == 0


def test_restart_unknown_service_changes_nothing(lab, host):
    error = rejected(lab, host, "Restart-Service", Name="NoSuchService")
    assert error.fq_error == f"NoServiceFoundForGivenName,{COMMANDS}RestartServiceCommand"


def test_edge_host_services(lab):
    with host_pool(lab.server("EDGE01")["port"]) as pool:
        names = [o["Name"] for o in call(pool, "Get-Service").clean().objects]
        assert "ADAM_MSExchange" in names and "MSExchangeTransport" in names and "MSExchangeIS" not in names
        assert call(pool, "Get-Item", Path="Env:ExchangeInstallPath").clean().one["Value"] == INSTALL_PATH


# ---------------------------------------------------------------------------------------------- the Exchange snap-in
def test_exchange_cmdlets_need_the_snapin(lab):
    with host_pool(lab.server("EX02")["port"]) as pool:
        error = refused(lab, pool, "Get-TransportAgent")
        assert exception_type(error) == "System.Management.Automation.CommandNotFoundException"
        assert call(pool, "Get-Command", Name="Get-TransportAgent").errors
        call(pool, "Add-PSSnapin", Name=SNAPIN).clean()
        assert len(call(pool, "Get-TransportAgent").clean().output) > 0
        assert [str(o) for o in call(pool, "Get-Command", Name="Get-TransportAgent").clean().output] == \
            ["Get-TransportAgent"]
        # Adding it again is an error; the session keeps it.
        error = rejected(lab, pool, "Add-PSSnapin", SNAPIN)
        assert exception_type(error) == "System.Management.Automation.PSArgumentException"
        assert error.fq_error == f"AddPSSnapInRead,{COMMANDS}AddPSSnapinCommand"
        call(pool, "Get-TransportService").clean()
    # A new session starts without it.
    with host_pool(lab.server("EX02")["port"]) as pool:
        refused(lab, pool, "Get-TransportAgent")


def test_unknown_snapin(lab, host):
    error = rejected(lab, host, "Add-PSSnapin", Name="Microsoft.Exchange.Management.PowerShell.E2010")
    assert "is not installed on this computer" in exception_message(error)


# ---------------------------------------------------------------------------------------------- script text
def test_script_text_runs_in_the_pools_runspace(lab, host):
    """Script text (add_script) runs with the WinRS shell's language; the snap-in added by an earlier
    pipeline of the pool stays added (tests/test_language.py has the language itself)."""
    mark = lab.mark()
    restarts = service(lab, "EX01", "MSExchangeTransport")["Restarts"]
    snapin = PowerShell(host)
    snapin.add_script("Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn")
    snapin.invoke()
    ps = PowerShell(host)
    ps.add_script("Restart-Service MSExchangeTransport; Get-Service | Where-Object Status -eq Running | "
                  "Where-Object Name -like MSExchange* | ForEach-Object Name; (Get-RemoteDomain).Count -ge 1")
    output = ps.invoke()
    assert (ps.state, ps.had_errors) == (4, False)  # Completed
    assert "MSExchangeTransport" in output and output[-1] is True
    assert service(lab, "EX01", "MSExchangeTransport")["Restarts"] == restarts + 1
    commands = [e["command"] for e in lab.commands_since(mark)]
    assert {"Add-PSSnapin", "Restart-Service", "Get-Service", "Where-Object", "ForEach-Object",
            "Get-RemoteDomain"} <= set(commands)


def test_script_text_that_does_not_parse_runs_nothing(lab, host):
    before = lab.state()
    ps = PowerShell(host)
    ps.add_script("Restart-Service MSExchangeTransport; foreach ($s in Get-Service) { $s.Name }")
    ps.invoke()
    assert ps.had_errors and ps.state == 5  # Failed
    [error] = ps.streams.error
    assert exception_type(error) == "System.Management.Automation.ParseException"
    assert error.fq_error == "EmulatorSyntaxNotSupported"
    assert "The 'foreach' keyword" in exception_message(error)
    assert lab.state() == before


def test_script_parameters_are_refused(host):
    ps = PowerShell(host)
    ps.add_script("param($Name) Get-Service $Name").add_parameter("Name", "MSExchangeTransport")
    ps.invoke()
    assert ps.had_errors and ps.streams.error[0].fq_error == "EmulatorScriptParametersNotSupported"


def test_unknown_command_on_the_host_endpoint(lab, host):
    error = refused(lab, host, "Invoke-Nothing")
    assert exception_type(error) == "System.Management.Automation.CommandNotFoundException"
    assert error.fq_error == "CommandNotFoundException"

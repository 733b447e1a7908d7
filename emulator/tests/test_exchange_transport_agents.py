"""Transport agents and the anti-spam scripts
(docs/docsite/rst/exchange_behaviour.rst, "Anti-spam and transport agents").

The agent cmdlets act on the server hosting the session (its agents.config); every change asks for a restart
of the transport service. `Install-AntiSpamAgents.ps1` runs on the host endpoint (/wsman, Microsoft.PowerShell)
after `Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn`, invoked as a command by its full path.
"""

from __future__ import annotations

import contextlib

import pytest
from exchange_checks import (
    RESTART,
    assert_binding_error,
    assert_exchange_error,
    call,
    exception_message,
    exception_type,
    pipeline,
    refused,
    rejected,
)

from clients import host_pool

TASKS = "Microsoft.Exchange.Management.AgentTasks."
SNAPIN = "Microsoft.Exchange.Management.PowerShell.SnapIn"
SCRIPTS = "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Scripts\\"
INSTALL = SCRIPTS + "Install-AntiSpamAgents.ps1"
UNINSTALL = SCRIPTS + "Uninstall-AntiSpamAgents.ps1"
TRANSPORT_RESTART = RESTART.format("MSExchangeTransport")
EXIT = "Please exit Windows PowerShell to complete the installation."
HYGIENE = "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\TransportRoles\\agents\\Hygiene\\" \
          "Microsoft.Exchange.Transport.Agent.Hygiene.dll"
ANTISPAM = ["Content Filter Agent", "Sender Id Agent", "Sender Filter Agent", "Recipient Filter Agent",
            "Protocol Analysis Agent"]
MAILBOX_AGENTS = ["Transport Rule Agent", "DLP Policy Agent", "Retention Policy Agent", "Supervisory Review Agent",
                  "Malware Agent", "Text Messaging Routing Agent", "Text Messaging Delivery Agent",
                  "System Probe Drop Smtp Agent", "System Probe Drop Routing Agent"]


def agents(pool, **parameters):
    return call(pool, "Get-TransportAgent", **parameters).clean().objects


def agent(pool, name):
    return call(pool, "Get-TransportAgent", Identity=name).clean().one


def server_state(lab, name):
    return next(s for s in lab.state()["servers"] if s["Name"] == name)


def antispam_enabled(pool, server):
    return call(pool, "Get-TransportService", Identity=server).clean().one["AntispamAgentsEnabled"]


@contextlib.contextmanager
def host_session(lab, server):
    """The host endpoint with the Exchange snap-in added, as the anti-spam scripts need it."""
    with host_pool(lab.server(server)["port"]) as pool:
        call(pool, "Add-PSSnapin", SNAPIN).clean()
        yield pool


# ---------------------------------------------------------------------------------------------- Get-TransportAgent
def test_mailbox_server_agents_in_priority_order(ex01):
    found = agents(ex01)
    assert [a["Identity"] for a in found] == MAILBOX_AGENTS
    assert [a["Priority"] for a in found] == list(range(1, len(MAILBOX_AGENTS) + 1))
    assert all(a["Enabled"] is True for a in found)
    assert set(found[0]) >= {"Identity", "Enabled", "Priority", "TransportAgentFactory", "AssemblyPath"}
    assert agents(ex01, TransportService="Hub") == found
    assert agents(ex01, TransportService="FrontEnd") == []


def test_edge_has_the_antispam_agents_already(edge):
    names = [a["Identity"] for a in agents(edge)]
    assert set(ANTISPAM) <= set(names)
    assert "Connection Filtering Agent" in names
    assert all(a["AssemblyPath"] for a in agents(edge, TransportService="Edge"))


def test_unknown_agent_returns_nothing_and_no_error(lab, ex01):
    mark = lab.mark()
    result = call(ex01, "Get-TransportAgent", Identity="No Such Agent")
    assert result.completed and result.output == [] and result.errors == [] and not result.had_errors
    assert [e["outcome"] for e in lab.commands_since(mark)] == ["completed"]


def test_a_transport_service_the_server_does_not_run(lab, ex01, edge):
    error = refused(lab, ex01, "Get-TransportAgent", TransportService="Edge")
    assert exception_type(error) == "System.InvalidOperationException"
    refused(lab, edge, "Get-TransportAgent", TransportService="Hub")
    error = refused(lab, ex01, "Get-TransportAgent", TransportService="Smtp")
    assert_binding_error(error, "ParameterArgumentTransformationError", TASKS + "GetTransportAgent",
                         "TransportService", reason="ParameterBindingArgumentTransformationException")


# ---------------------------------------------------------------------------------------------- Enable / Disable
def test_disable_needs_confirm_false_and_asks_for_a_restart(lab, ex01):
    error = refused(lab, ex01, "Disable-TransportAgent", Identity="Malware Agent")
    assert exception_type(error) == "System.Management.Automation.Host.HostException"
    assert agent(ex01, "Malware Agent")["Enabled"] is True
    mark = lab.mark()
    result = call(ex01, "Disable-TransportAgent", Identity="Malware Agent", Confirm=False)
    assert result.completed and not result.errors and result.output == []
    assert result.warnings == [TRANSPORT_RESTART]
    assert agent(ex01, "Malware Agent")["Enabled"] is False
    assert "MSExchangeTransport" in server_state(lab, "EX01")["PendingRestarts"]
    [entry] = lab.mutating_since(mark)
    assert (entry["command"], entry["outcome"], entry["warnings"]) == ("Disable-TransportAgent", "completed", 1)
    # Enable has ConfirmImpact Medium: no -Confirm needed; it always asks for the restart, even when enabled.
    result = call(ex01, "Enable-TransportAgent", Identity="Malware Agent")
    assert result.completed and result.warnings == [TRANSPORT_RESTART]
    result = call(ex01, "Enable-TransportAgent", Identity="Malware Agent")
    assert result.completed and result.warnings == [TRANSPORT_RESTART] and not result.errors
    assert agent(ex01, "Malware Agent")["Enabled"] is True


def test_agents_are_per_server(ex01, ex02):
    call(ex02, "Disable-TransportAgent", Identity="Text Messaging Delivery Agent", Confirm=False)
    try:
        assert agent(ex02, "Text Messaging Delivery Agent")["Enabled"] is False
        assert agent(ex01, "Text Messaging Delivery Agent")["Enabled"] is True
    finally:
        call(ex02, "Enable-TransportAgent", Identity="Text Messaging Delivery Agent")


def test_disable_from_the_pipeline(ex01):
    result = pipeline(ex01, ("Get-TransportAgent", {"Identity": "DLP Policy Agent"}),
                      ("Disable-TransportAgent", {"Confirm": False}))
    assert result.completed and not result.errors and result.warnings == [TRANSPORT_RESTART]
    assert agent(ex01, "DLP Policy Agent")["Enabled"] is False
    pipeline(ex01, ("Get-TransportAgent", {"Identity": "DLP Policy Agent"}), ("Enable-TransportAgent", {}))
    assert agent(ex01, "DLP Policy Agent")["Enabled"] is True


def test_enable_unknown_agent_is_a_non_terminating_error(lab, ex01):
    error = rejected(lab, ex01, "Enable-TransportAgent", Identity="No Such Agent")
    assert_exchange_error(error, "TransportAgentNotFoundException", TASKS + "EnableTransportAgent")
    assert "No Such Agent" in exception_message(error)


def test_disable_what_if_changes_nothing(lab, ex01):
    before = lab.state()
    mark = lab.mark()
    result = call(ex01, "Disable-TransportAgent", Identity="Malware Agent", WhatIf=True)
    assert result.completed and not result.errors and not result.warnings
    assert lab.state() == before and lab.mutating_since(mark) == []


# ---------------------------------------------------------------------------------------------- priorities
def test_set_priority_reorders_and_asks_for_a_restart(ex01):
    result = call(ex01, "Set-TransportAgent", Identity="Malware Agent", Priority=1)
    assert result.completed and result.warnings == [TRANSPORT_RESTART] and result.output == []
    order = [a["Identity"] for a in agents(ex01)]
    assert order[0] == "Malware Agent" and order[1:5] == MAILBOX_AGENTS[:4]
    assert [a["Priority"] for a in agents(ex01)] == list(range(1, len(MAILBOX_AGENTS) + 1))
    call(ex01, "Set-TransportAgent", Identity="Malware Agent", Priority=5)
    assert [a["Identity"] for a in agents(ex01)] == MAILBOX_AGENTS


@pytest.mark.parametrize(("priority", "error_id"), [(0, "ParameterArgumentValidationError"),
                                                    (-3, "ParameterArgumentValidationError"),
                                                    ("first", "ParameterArgumentTransformationError")])
def test_priority_below_one_is_refused_by_binding(lab, ex01, priority, error_id):
    error = refused(lab, ex01, "Set-TransportAgent", Identity="Malware Agent", Priority=priority)
    assert error.fq_error == f"{error_id},{TASKS}SetTransportAgent"
    assert "'Priority'" in exception_message(error)


def test_priority_beyond_the_number_of_agents_is_refused(lab, ex01):
    error = refused(lab, ex01, "Set-TransportAgent", Identity="Malware Agent", Priority=len(MAILBOX_AGENTS) + 1)
    assert_exchange_error(error, "ArgumentException", TASKS + "SetTransportAgent")
    assert f"between 1 and {len(MAILBOX_AGENTS)}" in exception_message(error)


# ---------------------------------------------------------------------------------------------- Install / Uninstall
def test_install_and_uninstall_a_transport_agent(lab, ex02):
    result = call(ex02, "Install-TransportAgent", Name="Custom Agent", TransportAgentFactory="Custom.Factory",
                  AssemblyPath="C:\\Agents\\Custom.dll")
    assert result.completed and not result.errors
    installed = result.one
    assert (installed["Identity"], installed["Enabled"], installed["Priority"]) == \
        ("Custom Agent", False, len(MAILBOX_AGENTS) + 1)
    assert result.warnings == [EXIT, TRANSPORT_RESTART]
    error = refused(lab, ex02, "Install-TransportAgent", Name="Custom Agent", TransportAgentFactory="Custom.Factory",
                    AssemblyPath="C:\\Agents\\Custom.dll")
    assert exception_message(error) == 'A Transport agent with the identity "Custom Agent" already exists.'
    refused(lab, ex02, "Uninstall-TransportAgent", Identity="Custom Agent")  # ConfirmImpact High
    result = call(ex02, "Uninstall-TransportAgent", Identity="Custom Agent", Confirm=False)
    assert result.completed and not result.errors and TRANSPORT_RESTART in result.warnings
    assert [a["Identity"] for a in agents(ex02)] == MAILBOX_AGENTS


def test_frontend_agents_ask_for_the_frontend_transport_restart(lab, ex02):
    result = call(ex02, "Install-TransportAgent", Name="Front Agent", TransportAgentFactory="Front.Factory",
                  AssemblyPath="C:\\Agents\\Front.dll", TransportService="FrontEnd")
    assert result.completed and RESTART.format("MSExchangeFrontEndTransport") in result.warnings
    assert [a["Identity"] for a in agents(ex02, TransportService="FrontEnd")] == ["Front Agent"]
    assert "Front Agent" not in [a["Identity"] for a in agents(ex02)]
    assert "MSExchangeFrontEndTransport" in server_state(lab, "EX02")["PendingRestarts"]
    result = call(ex02, "Enable-TransportAgent", Identity="Front Agent", TransportService="FrontEnd")
    assert result.warnings == [RESTART.format("MSExchangeFrontEndTransport")]
    result = call(ex02, "Uninstall-TransportAgent", Identity="Front Agent", TransportService="FrontEnd",
                  Confirm=False)
    assert result.completed and not result.errors
    assert agents(ex02, TransportService="FrontEnd") == []


def test_install_transport_agent_needs_its_mandatory_parameters(lab, ex02):
    error = refused(lab, ex02, "Install-TransportAgent", Name="Half Agent")
    assert_binding_error(error, "MissingMandatoryParameter", TASKS + "InstallTransportAgent")
    assert "TransportAgentFactory AssemblyPath" in exception_message(error)


# ---------------------------------------------------------------------------------------------- anti-spam scripts
def test_install_antispam_agents_on_a_mailbox_server(lab, ex01, ex02):
    assert antispam_enabled(ex01, "EX01") is False
    with host_session(lab, "EX01") as host:
        mark = lab.mark()
        result = call(host, INSTALL)
        assert result.completed and not result.errors
        # Each agent installed, enabled, appended at the next priorities, and a restart asked for.
        assert TRANSPORT_RESTART in result.warnings
        assert [o["Identity"] for o in result.objects] == ANTISPAM
        [entry] = lab.commands_since(mark)
        assert (entry["command"], entry["endpoint"], entry["outcome"], entry["mutates"]) == \
            (INSTALL, "Microsoft.PowerShell", "completed", True)
        installed = agents(ex01)
        assert [a["Identity"] for a in installed] == MAILBOX_AGENTS + ANTISPAM
        assert [a["Priority"] for a in installed[-5:]] == list(range(len(MAILBOX_AGENTS) + 1,
                                                                     len(MAILBOX_AGENTS) + 6))
        assert all(a["Enabled"] is True and a["AssemblyPath"] == HYGIENE for a in installed[-5:])
        assert antispam_enabled(ex01, "EX01") is True
        assert "MSExchangeTransport" in server_state(lab, "EX01")["PendingRestarts"]
        # Only EX01 has them.
        assert [a["Identity"] for a in agents(ex02)] == MAILBOX_AGENTS

        # Twice: fails on the first agent, and changes nothing.
        error = refused(lab, host, INSTALL)
        assert exception_message(error) == 'A Transport agent with the identity "Content Filter Agent" already exists.'
        assert exception_type(error) == "System.ArgumentException"

        # Restarting the transport service clears the pending restart.
        call(host, "Restart-Service", Name="MSExchangeTransport").clean()
        assert server_state(lab, "EX01")["PendingRestarts"] == []

        result = call(host, UNINSTALL)
        assert result.completed and not result.errors
        assert [a["Identity"] for a in agents(ex01)] == MAILBOX_AGENTS
        assert antispam_enabled(ex01, "EX01") is False


def test_antispam_script_needs_the_exchange_snapin(lab):
    with host_pool(lab.server("EX02")["port"]) as host:
        error = refused(lab, host, INSTALL)
        assert exception_type(error) == "System.Management.Automation.CommandNotFoundException"
        assert "Install-TransportAgent" in exception_message(error)


def test_antispam_script_what_if_changes_nothing(lab):
    with host_session(lab, "EX02") as host:
        before = lab.state()
        mark = lab.mark()
        result = call(host, INSTALL, WhatIf=True)
        assert result.completed and not result.errors and result.output == []
        assert lab.state() == before and lab.mutating_since(mark) == []


def test_antispam_scripts_are_not_for_edge(lab):
    with host_session(lab, "EDGE01") as host:
        error = refused(lab, host, INSTALL)
        assert exception_type(error) == "System.InvalidOperationException"


def test_antispam_script_is_not_on_the_management_endpoint(lab, ex01):
    error = refused(lab, ex01, INSTALL)
    assert exception_type(error) == "System.Management.Automation.CommandNotFoundException"


@pytest.mark.parametrize("path", [SCRIPTS.replace("Scripts", "\\Scripts") + "Install-AntiSpamAgents.ps1",
                                  '"' + INSTALL.lower() + '"'])
def test_script_paths_resolve_as_windows_resolves_them(lab, path):
    """`"$env:ExchangeInstallPath\\Scripts\\…"` doubles a backslash (the variable ends with one); case and quotes
    do not matter either. -WhatIf keeps the lab unchanged."""
    with host_session(lab, "EX02") as host:
        result = call(host, path, WhatIf=True)
        assert result.completed and not result.errors

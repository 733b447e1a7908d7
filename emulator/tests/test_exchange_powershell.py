"""PowerShell's own rules in an Exchange session
(docs/docsite/rst/exchange_behaviour.rst, "The management endpoint"): the NoLanguage endpoint, the few PowerShell
commands it exposes, RBAC, the parameter binder's errors, ErrorAction, WarningAction, -WhatIf and -Confirm."""

from __future__ import annotations

import pytest
from exchange_checks import (
    UNCHANGED,
    assert_binding_error,
    call,
    category,
    exception_message,
    exception_type,
    lab_dict,
    pipeline,
    refused,
    rejected,
)
from pypsrp.powershell import PowerShell

from clients import host_pool, management_pool
from conftest import start_in_process

TASKS = "Microsoft.Exchange.Management.SystemConfigurationTasks."
SET_REMOTE_DOMAIN = TASKS + "SetRemoteDomain"
NOT_RECOGNIZED = ("The term '{}' is not recognized as the name of a cmdlet, function, script file, or operable "
                  "program. Check the spelling of the name, or if a path was included, verify that the path is "
                  "correct and try again.")
BUILTINS = ["Exit-PSSession", "Get-Command", "Get-FormatData", "Get-Help", "Measure-Object", "Out-Default",
            "Select-Object"]
USERS = [
    {"name": "ansible", "password": "Password123!"},
    {"name": "viewer", "password": "Viewer123!", "roles": ["View-Only Configuration"]},
    {"name": "domains", "password": "Domains123!", "roles": ["Remote and Accepted Domains"]},
    {"name": "hygiene", "password": "Hygiene123!", "roles": ["Transport Hygiene"]},
]


@pytest.fixture(scope="module")
def rbac_lab(tmp_path_factory):
    """One Mailbox server and users holding single management roles."""
    running = start_in_process(lab_dict({"name": "EX01", "role": "Mailbox"}, users=USERS),
                               tmp_path_factory.mktemp("rbac"))
    yield running
    running.stop()


def session(lab, user):
    password = next(u["password"] for u in USERS if u["name"] == user)
    return management_pool(lab.server("EX01")["port"], username=user, password=password)


# ---------------------------------------------------------------------------------------------- NoLanguage
@pytest.mark.parametrize("script", [
    "Get-RemoteDomain | Where-Object { $_.DomainName -eq '*' }",
    "Set-RemoteDomain -Identity Default -NDREnabled $false",
    "Get-RemoteDomain",
])
def test_script_text_is_refused(lab, ex01, script):
    before = lab.state()
    mark = lab.mark()
    ps = PowerShell(ex01)
    ps.add_script(script)
    ps.invoke()
    assert ps.state == 5 and ps.had_errors  # Failed
    [error] = ps.streams.error
    assert exception_type(error) == "System.Management.Automation.ParseException"
    assert error.fq_error == "ScriptsNotAllowed"
    assert category(error) == "ParserError"
    assert exception_message(error) == ("The syntax is not supported by this runspace. This can occur if the runspace "
                                        "is in no-language mode.")
    assert lab.state() == before
    [entry] = lab.commands_since(mark)
    assert entry["outcome"] == "failed" and entry["errors"] == ["System.Management.Automation.ParseException"]


@pytest.mark.parametrize("command", ["Where-Object", "ForEach-Object", "ConvertTo-Json", "Invoke-Expression",
                                     "Get-Item", "Restart-Service", "Get-RemoteDomains"])
def test_commands_not_exposed_are_not_found(lab, ex01, command):
    error = refused(lab, ex01, command)
    assert exception_type(error) == "System.Management.Automation.CommandNotFoundException"
    assert error.fq_error == "CommandNotFoundException"
    assert category(error) == "ObjectNotFound"
    assert exception_message(error) == NOT_RECOGNIZED.format(command)


def test_visible_powershell_commands(ex01):
    names = [str(c) for c in call(ex01, "Get-Command").clean().output]
    assert set(BUILTINS) <= set(names)
    assert not {"Where-Object", "ForEach-Object", "ConvertTo-Json", "Get-Item", "Invoke-Expression"} & set(names)
    assert {"Get-RemoteDomain", "Set-RecipientFilterConfig", "Get-TransportAgent", "Get-Mailbox"} <= set(names)
    result = call(ex01, "Get-Command", Name="Where-Object")
    assert result.completed and result.output == []
    assert exception_type(result.error) == "System.Management.Automation.CommandNotFoundException"
    for name in BUILTINS:
        assert [str(c) for c in call(ex01, "Get-Command", Name=name).clean().output] == [name]


def test_get_command_with_wildcards(ex01):
    names = [str(c) for c in call(ex01, "Get-Command", Name="*-RemoteDomain").clean().output]
    assert names == ["Get-RemoteDomain", "New-RemoteDomain", "Remove-RemoteDomain", "Set-RemoteDomain"]


# ---------------------------------------------------------------------------------------------- Select / Measure
def test_select_object_properties(ex01):
    result = pipeline(ex01, ("Get-RemoteDomain", {}), ("Select-Object", {"Property": ["Name", "DomainName"]}))
    result.clean()
    assert result.objects == [{"Name": "Default", "DomainName": "*"}, {"Name": "Partner",
                                                                      "DomainName": "partner.example"}]
    assert result.output[0].types[0] == "Selected.Microsoft.Exchange.Data.Directory.Management.RemoteDomain"


def test_select_object_wildcards_first_and_expand(ex01):
    result = pipeline(ex01, ("Get-RemoteDomain", {}), ("Select-Object", {"Property": "Auto*Enabled", "First": 1}))
    assert result.clean().objects == [{"AutoReplyEnabled": False, "AutoForwardEnabled": False}]
    result = pipeline(ex01, ("Get-RemoteDomain", {}), ("Select-Object", {"ExpandProperty": "DomainName"}))
    assert result.clean().output == ["*", "partner.example"]
    result = pipeline(ex01, ("Get-RemoteDomain", {}), ("Select-Object", {"Last": 1, "Skip": 0}))
    assert [o["Name"] for o in result.clean().objects] == ["Partner"]


def test_select_object_expand_missing_property(ex01):
    result = pipeline(ex01, ("Get-RemoteDomain", {"Identity": "Default"}),
                      ("Select-Object", {"ExpandProperty": "NoSuchProperty"}))
    assert result.completed and result.output == []
    assert result.error.fq_error == "ExpandPropertyNotFound,Microsoft.PowerShell.Commands.SelectObjectCommand"


def test_measure_object(ex01):
    result = pipeline(ex01, ("Get-ReceiveConnector", {"Server": "EX01"}), ("Measure-Object", {}))
    assert result.clean().one["Count"] == 5


def test_statements_run_in_order(ex01):
    ps = PowerShell(ex01)
    ps.add_cmdlet("Get-RemoteDomain").add_parameter("Identity", "Default").add_statement()
    ps.add_cmdlet("Get-AcceptedDomain").add_parameter("Identity", "contoso.com")
    output = ps.invoke()
    assert [str(o) for o in output] == ["Default", "contoso.com"] and not ps.had_errors


# ---------------------------------------------------------------------------------------------- RBAC
def test_view_only_user_reads_but_cannot_change(rbac_lab):
    mark = rbac_lab.mark()
    with session(rbac_lab, "viewer") as pool:
        names = {str(c) for c in call(pool, "Get-Command").clean().output}
        assert {"Get-RemoteDomain", "Get-RecipientFilterConfig", "Get-TransportConfig", "Get-TransportAgent"} <= names
        assert set(BUILTINS) <= names
        assert not {n for n in names if n.split("-")[0] in ("Set", "New", "Remove", "Enable", "Disable")}
        call(pool, "Get-RemoteDomain").clean()
        error = refused(rbac_lab, pool, "Set-RemoteDomain", Identity="Default", NDREnabled=False)
        assert exception_type(error) == "System.Management.Automation.CommandNotFoundException"
        assert exception_message(error) == NOT_RECOGNIZED.format("Set-RemoteDomain")
    assert {e["user"] for e in rbac_lab.commands_since(mark)} == {"CONTOSO\\viewer"}


def test_each_role_grants_its_own_cmdlets(rbac_lab):
    with session(rbac_lab, "domains") as pool:
        call(pool, "Set-RemoteDomain", Identity="Default", NDRDiagnosticInfoEnabled=False).clean()
        call(pool, "Get-AcceptedDomain").clean()
        for command in ("Set-RecipientFilterConfig", "Get-RecipientFilterConfig", "Disable-TransportAgent",
                        "Set-TransportConfig"):
            assert exception_type(refused(rbac_lab, pool, command)) == \
                "System.Management.Automation.CommandNotFoundException"
    with session(rbac_lab, "hygiene") as pool:
        call(pool, "Set-RecipientFilterConfig", BlockListEnabled=True).clean()
        call(pool, "Get-TransportService").clean()
        refused(rbac_lab, pool, "Set-RemoteDomain", Identity="Default", NDREnabled=False)
        assert call(pool, "Get-Command", Name="*-RemoteDomain").clean().output == []
    with session(rbac_lab, "ansible") as pool:  # every role
        call(pool, "Set-RemoteDomain", Identity="Default", NDRDiagnosticInfoEnabled=True).clean()
        call(pool, "Set-RecipientFilterConfig", BlockListEnabled=False).clean()


def test_the_exchange_snapin_on_the_host_endpoint_bypasses_rbac(rbac_lab):
    # As on a real server: the snap-in loads the cmdlets without the RBAC layer of the remote endpoint.
    port = rbac_lab.server("EX01")["port"]
    with host_pool(port, username="viewer", password="Viewer123!") as pool:
        call(pool, "Add-PSSnapin", "Microsoft.Exchange.Management.PowerShell.SnapIn").clean()
        call(pool, "Set-RemoteDomain", Identity="Default", MeetingForwardNotificationEnabled=True).clean()
    with session(rbac_lab, "viewer") as pool:
        assert call(pool, "Get-RemoteDomain", "Default").clean().one["MeetingForwardNotificationEnabled"] is True


# ---------------------------------------------------------------------------------------------- binding errors
def test_unknown_parameter(lab, ex01):
    error = refused(lab, ex01, "Set-RemoteDomain", Identity="Partner", NDRDisabled=False)
    assert_binding_error(error, "NamedParameterNotFound", SET_REMOTE_DOMAIN, "NDRDisabled")
    assert exception_message(error) == "A parameter cannot be found that matches parameter name 'NDRDisabled'."
    assert category(error) == "InvalidArgument"
    assert error.message == "InvalidArgument: (:) [Set-RemoteDomain], ParameterBindingException"


def test_ambiguous_prefix(lab, ex01):
    error = refused(lab, ex01, "Set-RemoteDomain", Identity="Partner", Auto=False)
    assert_binding_error(error, "AmbiguousParameter", SET_REMOTE_DOMAIN, "Auto")
    assert "-AutoReplyEnabled" in exception_message(error) and "-AutoForwardEnabled" in exception_message(error)


def test_unambiguous_prefixes_aliases_and_any_case(lab, ex01):
    call(ex01, "Set-RemoteDomain", Ident="Partner", NDRE=True, wa="SilentlyContinue").clean()
    call(ex01, "set-remotedomain", identity="Partner", ndrenabled=True, WarningAction="SilentlyContinue").clean()
    result = call(ex01, "Get-RemoteDomain", Identity="Nope", ea="SilentlyContinue")
    assert result.completed and result.errors == []


@pytest.mark.parametrize(("command", "parameters", "error_id", "text"), [
    ("New-RemoteDomain", {"Name": None, "DomainName": "x.example"}, "ParameterArgumentValidationErrorNullNotAllowed",
     "Cannot bind argument to parameter 'Name' because it is null."),
    ("New-RemoteDomain", {"Name": "", "DomainName": "x.example"},
     "ParameterArgumentValidationErrorEmptyStringNotAllowed",
     "Cannot bind argument to parameter 'Name' because it is an empty string."),
    ("Set-RemoteDomain", {"Identity": None, "NDREnabled": False}, "ParameterArgumentValidationErrorNullNotAllowed",
     "Cannot bind argument to parameter 'Identity' because it is null."),
    ("Install-TransportAgent", {"Name": None, "TransportAgentFactory": "F", "AssemblyPath": "C:\\a.dll"},
     "ParameterArgumentValidationErrorNullNotAllowed", "Cannot bind argument to parameter 'Name' because it is null."),
    ("Install-TransportAgent", {"Name": "A", "TransportAgentFactory": "", "AssemblyPath": "C:\\a.dll"},
     "ParameterArgumentValidationErrorEmptyStringNotAllowed",
     "Cannot bind argument to parameter 'TransportAgentFactory' because it is an empty string."),
])
def test_mandatory_parameters_refuse_null_and_empty_strings(lab, ex01, command, parameters, error_id, text):
    error = refused(lab, ex01, command, **parameters)
    assert error.fq_error.startswith(error_id + ",")
    assert exception_message(error) == text
    assert exception_type(error) == "System.Management.Automation.ParameterBindingValidationException"
    assert category(error) == "InvalidData"


def test_a_parameter_given_twice(lab, ex01):
    before = lab.state()
    ps = PowerShell(ex01)
    ps.add_cmdlet("Set-RemoteDomain").add_parameter("Identity", "Partner")
    ps.add_parameter("NDREnabled", False).add_parameter("NDREnabled", True)
    ps.invoke()
    assert ps.state == 5
    [error] = ps.streams.error
    assert_binding_error(error, "ParameterAlreadyBound", SET_REMOTE_DOMAIN, "NDREnabled")
    assert lab.state() == before


def test_what_if_false_is_no_what_if(ex01):
    call(ex01, "Set-RemoteDomain", Identity="Partner", DisplaySenderName=False, WhatIf=False).clean()
    assert call(ex01, "Get-RemoteDomain", "Partner").clean().one["DisplaySenderName"] is False
    call(ex01, "Set-RemoteDomain", Identity="Partner", DisplaySenderName=True).clean()


def test_positional_argument_too_many(lab, ex01):
    error = refused(lab, ex01, "Get-RemoteDomain", "Default", "Partner")
    assert_binding_error(error, "PositionalParameterNotFound", TASKS + "GetRemoteDomain")
    assert "'Partner'" in exception_message(error)


def test_missing_mandatory_parameter(lab, ex01):
    error = refused(lab, ex01, "New-RemoteDomain", Name="Incomplete")
    assert_binding_error(error, "MissingMandatoryParameter", TASKS + "NewRemoteDomain")
    assert exception_message(error) == ("Cannot process command because of one or more missing mandatory "
                                        "parameters: DomainName.")


@pytest.mark.parametrize(("parameter", "value", "error_id", "words"), [
    ("AllowedOOFType", "Never", "ParameterArgumentTransformationError", "Unable to match the identifier name Never"),
    ("RequiredCharsetCoverage", 150, "ParameterArgumentValidationError", "maximum allowed range of 100"),
    ("RequiredCharsetCoverage", "lots", "ParameterArgumentTransformationError", "System.Int32"),
    ("AutoReplyEnabled", "false", "ParameterArgumentTransformationError", "System.Boolean"),
    ("AutoReplyEnabled", ["a", "b"], "ParameterArgumentTransformationError", "System.Boolean"),
])
def test_bad_values_name_the_parameter(lab, ex01, parameter, value, error_id, words):
    error = refused(lab, ex01, "Set-RemoteDomain", Identity="Partner", **{parameter: value})
    reason = ("ParameterBindingValidationException" if error_id == "ParameterArgumentValidationError"
              else "ParameterBindingArgumentTransformationException")
    assert_binding_error(error, error_id, SET_REMOTE_DOMAIN, parameter, reason=reason)
    assert words in exception_message(error)
    assert category(error) == "InvalidData"
    assert error.activity == "Set-RemoteDomain"


def test_get_cmdlets_take_no_what_if(lab, ex01):
    error = refused(lab, ex01, "Get-RemoteDomain", WhatIf=True)
    assert_binding_error(error, "NamedParameterNotFound", TASKS + "GetRemoteDomain", "WhatIf")


# ---------------------------------------------------------------------------------------------- ErrorAction
def test_not_found_is_non_terminating_by_default(lab, ex01):
    error = rejected(lab, ex01, "Get-RemoteDomain", Identity="Nope")
    assert exception_type(error) == "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException"


def test_error_action_stop_makes_it_terminating(lab, ex01):
    error = refused(lab, ex01, "Get-RemoteDomain", Identity="Nope", ErrorAction="Stop")
    assert exception_type(error) == "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException"
    assert error.fq_error.endswith(",Microsoft.Exchange.Management.SystemConfigurationTasks.GetRemoteDomain")


def test_error_action_stop_ends_the_pipeline(lab, ex01):
    before = lab.state()
    ps = PowerShell(ex01)
    ps.add_cmdlet("Set-RemoteDomain").add_parameter("Identity", "Nope").add_parameter("NDREnabled", False)
    ps.add_parameter("ErrorAction", "Stop").add_statement()
    ps.add_cmdlet("Set-RemoteDomain").add_parameter("Identity", "Partner").add_parameter("NDREnabled", False)
    ps.invoke()
    assert ps.state == 5 and ps.had_errors
    assert lab.state() == before


@pytest.mark.parametrize("action", ["SilentlyContinue", "Ignore"])
def test_error_action_silently_continue(lab, ex01, action):
    mark = lab.mark()
    result = call(ex01, "Get-RemoteDomain", Identity="Nope", ErrorAction=action)
    assert result.completed and result.errors == [] and not result.had_errors
    [entry] = lab.commands_since(mark)
    assert entry["errors"] == ["Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException"]


def test_error_action_bad_value(lab, ex01):
    error = refused(lab, ex01, "Get-RemoteDomain", ErrorAction="Sometimes")
    assert_binding_error(error, "ParameterArgumentTransformationError", TASKS + "GetRemoteDomain", "ErrorAction",
                         reason="ParameterBindingArgumentTransformationException")


# ---------------------------------------------------------------------------------------------- WarningAction
def test_warning_action(lab, ex01):
    warning = UNCHANGED.format("Partner")
    assert call(ex01, "Set-RemoteDomain", Identity="Partner", AutoReplyEnabled=False).warnings == [warning]
    assert call(ex01, "Set-RemoteDomain", Identity="Partner", AutoReplyEnabled=False,
                WarningAction="SilentlyContinue").clean().output == []
    error = refused(lab, ex01, "Set-RemoteDomain", Identity="Partner", AutoReplyEnabled=False, WarningAction="Stop")
    assert exception_type(error) == "System.Management.Automation.ActionPreferenceStopException"
    assert error.fq_error == f"ActionPreferenceStop,{SET_REMOTE_DOMAIN}"
    assert warning in exception_message(error)


# ---------------------------------------------------------------------------------------------- WhatIf / Confirm
@pytest.mark.parametrize(("command", "parameters"), [
    ("Set-RemoteDomain", {"Identity": "Partner", "NDREnabled": False}),
    ("New-RemoteDomain", {"Name": "WhatIf Domain", "DomainName": "whatif.example"}),
    ("Remove-RemoteDomain", {"Identity": "Partner"}),
    ("Set-RecipientFilterConfig", {"BlockedRecipients": {"Add": "x@contoso.com"}}),
    ("Set-TransportConfig", {"InternalSMTPServers": "10.0.0.1"}),
    ("Set-AcceptedDomain", {"Identity": "fabrikam.com", "AddressBookEnabled": True}),
    ("Set-ReceiveConnector", {"Identity": "Default Frontend EX01", "TarpitInterval": "00:00:00"}),
    ("Disable-TransportAgent", {"Identity": "Malware Agent"}),
    ("Set-TransportAgent", {"Identity": "Malware Agent", "Priority": 1}),
    ("Uninstall-TransportAgent", {"Identity": "Malware Agent"}),
    ("Set-TransportService", {"Identity": "EX01", "AntispamAgentsEnabled": True}),
])
def test_what_if_changes_nothing(lab, ex01, command, parameters):
    before = lab.state()
    mark = lab.mark()
    result = call(ex01, command, WhatIf=True, **parameters)
    assert result.completed and result.errors == [] and result.output == []
    assert lab.state() == before
    [entry] = lab.commands_since(mark)
    assert (entry["command"], entry["mutates"], entry["what_if"]) == (command, True, True)
    assert lab.mutating_since(mark) == []


@pytest.mark.parametrize(("command", "task"), [
    ("Remove-RemoteDomain", TASKS + "RemoveRemoteDomain"),
    ("Disable-TransportAgent", "Microsoft.Exchange.Management.AgentTasks.DisableTransportAgent"),
    ("Uninstall-TransportAgent", "Microsoft.Exchange.Management.AgentTasks.UninstallTransportAgent"),
])
def test_confirm_impact_high_needs_confirm_false(lab, ex01, command, task):
    identity = "Partner" if command == "Remove-RemoteDomain" else "Malware Agent"
    error = refused(lab, ex01, command, Identity=identity)
    assert exception_type(error) == "System.Management.Automation.Host.HostException"
    assert error.fq_error == f"HostFunctionNotImplemented,{task}"
    assert category(error) == "NotImplemented"
    assert "Are you sure you want to perform this action?" in exception_message(error)
    # -Confirm (true) asks too, and cannot be answered remotely either.
    refused(lab, ex01, command, Identity=identity, Confirm=True)


def test_medium_impact_runs_without_confirm_and_asks_when_told_to(lab, ex01):
    call(ex01, "Set-RemoteDomain", Identity="Partner", NDREnabled=False).clean()
    call(ex01, "Set-RemoteDomain", Identity="Partner", NDREnabled=True, Confirm=False).clean()
    error = refused(lab, ex01, "Set-RemoteDomain", Identity="Partner", NDREnabled=False, Confirm=True)
    assert exception_type(error) == "System.Management.Automation.Host.HostException"

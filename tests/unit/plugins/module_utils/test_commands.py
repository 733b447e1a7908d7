"""Commands as values: mutating verbs, the check-mode guard, and literal rendering for WinRS."""

from __future__ import annotations

import pytest

from ansible_collections.mailhygiene.exchange.plugins.module_utils.commands import (
    CheckModeViolation, Command, ensure_allowed, render, render_value,
)


@pytest.mark.parametrize("name,mutates", [
    ("Get-RemoteDomain", False), ("Set-RemoteDomain", True), ("New-RemoteDomain", True),
    ("Remove-RemoteDomain", True), ("Enable-TransportAgent", True), ("Restart-Service", True),
    ("Add-PSSnapin", False), ("Select-Object", False),
])
def test_mutating_is_decided_by_the_verb(name, mutates):
    assert Command(name).mutates is mutates


def test_scripts_by_path_say_whether_they_mutate():
    script = Command("C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Scripts\\Install-AntiSpamAgents.ps1",
                     mutates=True)
    assert script.is_script and script.mutates and not script.idempotent


@pytest.mark.parametrize("name", ["Get-RemoteDomain; Remove-Item x", "Get-RemoteDomain | Out-File x", "iex",
                                  "C:\\x.ps1; calc", "& C:\\x.ps1", "$(calc)", ""])
def test_only_command_names_or_script_paths(name):
    with pytest.raises(ValueError):
        Command(name)


def test_parameter_names_are_words():
    with pytest.raises(ValueError):
        Command("Set-RemoteDomain", {"Identity; calc": "x"})


def test_check_mode_refuses_mutating_commands():
    ensure_allowed([Command("Get-RemoteDomain")], check_mode=True)
    ensure_allowed([Command("Set-RemoteDomain")], check_mode=False)
    with pytest.raises(CheckModeViolation):
        ensure_allowed([Command("Get-RemoteDomain"), Command("Set-RemoteDomain")], check_mode=True)


@pytest.mark.parametrize("value,text", [
    (None, "$null"), (True, "$true"), (False, "$false"), (7, "7"), ("Default", "'Default'"),
    ("it's", "'it''s'"), ("$env:x `n $(calc)", "'$env:x `n $(calc)'"), ("a\u2019b", "'a\u2019\u2019b'"),
    (["a", "b"], "@('a','b')"), ({"Add": ["x@y.com"], "Remove": []}, "@{Add=@('x@y.com');Remove=@()}"),
])
def test_values_render_as_literals_that_expand_nothing(value, text):
    assert render_value(value) == text


def test_render_a_command_and_a_script():
    assert render(Command("Set-RemoteDomain", {"Identity": "Default", "NDREnabled": False})) == \
        "Set-RemoteDomain -Identity 'Default' -NDREnabled:$false"
    assert render(Command("C:\\Exchange\\Scripts\\Install-AntiSpamAgents.ps1", mutates=True)) == \
        "& 'C:\\Exchange\\Scripts\\Install-AntiSpamAgents.ps1'"


def test_hashtable_keys_are_checked():
    with pytest.raises(ValueError):
        render_value({"Add;calc": ["x"]})

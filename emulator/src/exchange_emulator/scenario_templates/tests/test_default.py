"""Checks of the converged lab, written as checks of real Exchange servers: PowerShell over WinRM.

testinfra runs each test once per host of the inventory Molecule gives it; `powershell()` runs a command
line in the Exchange Management Shell of that server (the Exchange emulator's WinRS shell answers as
powershell.exe does: output as text, errors on stderr, the exit code of `exit N` or of the last statement).
"""

from __future__ import annotations

import os
import pathlib
import typing

import pytest
import testinfra
import yaml

INVENTORY = pathlib.Path(os.environ["MOLECULE_SCENARIO_DIRECTORY"]) / ".lab" / "inventory" / "hosts.yml"
SNAPIN = "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn"


def servers() -> dict[str, dict[str, typing.Any]]:
    inventory = yaml.safe_load(INVENTORY.read_text())
    groups = inventory["all"]["children"]["exchange"]
    common = groups["vars"]
    return {name: {**common, **host}
            for group in groups["children"].values() for name, host in (group.get("hosts") or {}).items()}


SERVERS = servers()


@pytest.fixture(params=sorted(SERVERS), scope="module")
def server(request: pytest.FixtureRequest) -> typing.Any:
    """A server of the lab, reached over WinRM as testinfra reaches a Windows host."""
    found = SERVERS[request.param]
    url = (f"winrm://{found['ansible_user']}:{found['ansible_password']}@{found['ansible_host']}:"
           f"{found['ansible_port']}?no_ssl=true")
    return testinfra.get_host(url)


def powershell(server: typing.Any, script: str) -> typing.Any:
    """Run PowerShell in the server's Exchange Management Shell; double quotes are escaped for cmd.exe."""
    return server.run('powershell -NoProfile -NonInteractive -Command "' + f"{SNAPIN}; {script}"
                      .replace('"', '\\"') + '"')


def test_the_exchange_management_shell_answers(server: typing.Any) -> None:
    result = powershell(server, "(Get-ExchangeServer $env:COMPUTERNAME).ServerRole")
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() in ("Mailbox", "Edge")


def test_the_default_remote_domain_is_readable(server: typing.Any) -> None:
    result = powershell(server, "Get-RemoteDomain | Where-Object { $_.DomainName -eq '*' } | "
                                "Select-Object -ExpandProperty NDREnabled")
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() in ("True", "False")

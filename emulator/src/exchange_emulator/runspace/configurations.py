"""Session configurations (endpoints): which commands a runspace sees, and in which language mode.

- `Microsoft.Exchange` (the management endpoint, /PowerShell/): NoLanguage; the Exchange cmdlets of the
  server's role that the user's RBAC roles grant, plus the few PowerShell commands Exchange exposes.
- `Microsoft.PowerShell` (the host endpoint, /wsman): full language; script text runs with the
  emulator's language (runspace.language, runspace.remote_script); the host commands,
  Where-Object/ForEach-Object/Sort-Object/Group-Object, scripts on disk by full path, and the Exchange
  cmdlets once the Exchange snap-in was added (the snap-in bypasses RBAC, as on a real server).
- `powershell.exe` started through WinRS: the host endpoint's commands plus the formatting commands an
  administrator pipes into (Format-Table, Format-List, ConvertTo-Json, Out-String).
"""

from __future__ import annotations

import dataclasses
import re
import typing

from ..exchange import EXCHANGE_CMDLETS, HOST_CMDLETS, host
from ..exchange.cmdlet import Cmdlet
from ..exchange.organization import ServerContext
from .builtins import BUILTIN_COMMANDS
from .language.commands import LANGUAGE_ALIASES, LANGUAGE_COMMANDS

if typing.TYPE_CHECKING:
    from .runspace import Runspace

ALIASES = {
    "select": "Select-Object", "measure": "Measure-Object", "gcm": "Get-Command", "help": "Get-Help",
    "gi": "Get-Item", "gp": "Get-ItemProperty", "gsv": "Get-Service", "ft": "Format-Table", "fl": "Format-List",
    "asnp": "Add-PSSnapin", "sasv": "Start-Service", "spsv": "Stop-Service", **LANGUAGE_ALIASES,
}


def script_key(path: str) -> str:
    """A script path as Windows resolves it: quotes dropped, doubled backslashes collapsed (a path built
    from `$env:ExchangeInstallPath\\…` has two, as the variable ends with one), case ignored. A UNC
    path keeps its leading two backslashes."""
    path = path.strip("\"'")
    head = "\\\\" if path.startswith("\\\\") else ""
    return (head + re.sub(r"\\{2,}", r"\\", path[len(head):])).lower()


def _table(commands: typing.Iterable[Cmdlet]) -> dict[str, Cmdlet]:
    return {c.name.lower(): c for c in commands}


def server_role_allows(cmdlet: Cmdlet, ctx: ServerContext) -> bool:
    """The cmdlet exists on the server's version and role (Edge, or any role inside the organisation)."""
    kind = "Edge" if ctx.is_edge else "Mailbox"
    return kind in cmdlet.server_roles and cmdlet.exists_on(ctx.server["Version"])


def as_on_server(cmdlet: Cmdlet, ctx: ServerContext) -> Cmdlet:
    """The cmdlet with the parameters the server's Exchange version has (older versions lack some)."""
    return cmdlet.for_version(ctx.server["Version"])


@dataclasses.dataclass
class ExchangeManagement:
    """Microsoft.Exchange: NoLanguage, RBAC-scoped."""

    name: str = "Microsoft.Exchange"
    no_language: bool = True
    confirm_preference: str = "High"

    def __post_init__(self) -> None:
        self._exchange = _table(EXCHANGE_CMDLETS)
        self._builtins = _table(BUILTIN_COMMANDS)

    def _granted(self, cmdlet: Cmdlet, runspace: "Runspace", ctx: ServerContext) -> bool:
        roles = runspace.environment.user_roles
        return server_role_allows(cmdlet, ctx) and (roles is None or bool(roles & set(cmdlet.rbac_roles)))

    def resolve(self, name: str, runspace: "Runspace", ctx: ServerContext) -> Cmdlet | None:
        key = name.lower()
        if key in self._builtins:
            return self._builtins[key]
        cmdlet = self._exchange.get(key)
        if cmdlet is not None and self._granted(cmdlet, runspace, ctx):
            return as_on_server(cmdlet, ctx)
        return None

    def visible(self, runspace: "Runspace", ctx: ServerContext) -> list[Cmdlet]:
        exchange = [as_on_server(c, ctx) for c in self._exchange.values() if self._granted(c, runspace, ctx)]
        return [*self._builtins.values(), *exchange]


@dataclasses.dataclass
class HostShell:
    """Microsoft.PowerShell on the server itself (and, with formatting commands, WinRS powershell.exe)."""

    name: str = "Microsoft.PowerShell"
    no_language: bool = False
    confirm_preference: str = "High"
    extra_commands: tuple[Cmdlet, ...] = ()

    def __post_init__(self) -> None:
        self._host = _table((*HOST_CMDLETS, *BUILTIN_COMMANDS, *LANGUAGE_COMMANDS, *self.extra_commands))
        self._exchange = _table(EXCHANGE_CMDLETS)

    def _snapin_loaded(self, runspace: "Runspace", ctx: ServerContext) -> bool:
        return host.snapin_name(ctx.server) in runspace.session.get("snapins", [])

    def resolve(self, name: str, runspace: "Runspace", ctx: ServerContext) -> Cmdlet | None:
        key = ALIASES.get(name.lower(), name).lower()
        if key in self._host:
            return self._host[key]
        script = host.scripts(ctx.server).get(script_key(name))
        if script is not None:
            return script
        cmdlet = self._exchange.get(key)
        if cmdlet is not None and self._snapin_loaded(runspace, ctx) and server_role_allows(cmdlet, ctx):
            return as_on_server(cmdlet, ctx)
        return None

    def visible(self, runspace: "Runspace", ctx: ServerContext) -> list[Cmdlet]:
        exchange = [as_on_server(c, ctx) for c in self._exchange.values()
                    if self._snapin_loaded(runspace, ctx) and server_role_allows(c, ctx)]
        return [*self._host.values(), *exchange]

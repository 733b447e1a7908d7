"""How a cmdlet of the emulated Exchange server is declared, and what it may do when it runs.

A cmdlet is data (name, implementing task class, typed parameters, whether it mutates, its
ConfirmImpact, on which server roles and for which RBAC roles it exists) plus a function that receives
an `Invocation`. PowerShell's own rules (binding, common parameters, -WhatIf/-Confirm, ErrorAction,
visibility) are applied by the runspace layer before and around that function.
"""

from __future__ import annotations

import dataclasses
import typing

from .errors import CmdletError
from .parameters import ParameterType

if typing.TYPE_CHECKING:
    from .organization import ServerContext

MAILBOX = "Mailbox"
EDGE = "Edge"
BOTH_ROLES = frozenset({MAILBOX, EDGE})
# Exchange versions the emulator knows, oldest first (labels as in lab files and servers.VERSIONS).
VERSION_ORDER = ("2003", "2007", "2010", "2013", "2016", "2019", "SE")


def in_versions(version: str, since: str | None, until: str | None) -> bool:
    """Whether `version` lies in [since, until] (None: unbounded)."""
    index = VERSION_ORDER.index(version)
    return (since is None or index >= VERSION_ORDER.index(since)) and \
        (until is None or index <= VERSION_ORDER.index(until))


@dataclasses.dataclass(frozen=True)
class Parameter:
    name: str
    type: ParameterType
    position: int | None = None
    mandatory: bool = False
    from_pipeline: bool = False
    aliases: tuple[str, ...] = ()
    # The first and last Exchange version whose cmdlet has the parameter (None: every emulated version);
    # on other versions the binder does not know it (docs/docsite/rst/exchange_behaviour.rst,
    # "Exchange 2010, 2007 and 2003").
    since: str | None = None
    until: str | None = None


class Invocation(typing.Protocol):
    """What a running cmdlet sees: its bound parameters, the server it runs on, and its output streams."""

    @property
    def params(self) -> dict[str, typing.Any]: ...

    @property
    def context(self) -> "ServerContext": ...

    @property
    def what_if(self) -> bool: ...

    @property
    def input(self) -> list[typing.Any]: ...

    @property
    def session(self) -> dict[str, typing.Any]:
        """State of the runspace the command runs in (e.g. snap-ins added), kept between pipelines."""
        ...

    def write(self, record: typing.Any) -> None: ...

    def warn(self, message: str) -> None: ...

    def error(self, error: CmdletError) -> None: ...

    def verbose(self, message: str) -> None: ...

    def should_process(self, description: str) -> bool:
        """PowerShell's ShouldProcess: False under -WhatIf; fails when confirmation would be needed."""
        ...


@dataclasses.dataclass(frozen=True)
class Cmdlet:
    name: str
    task: str
    parameters: tuple[Parameter, ...]
    run: typing.Callable[[Invocation], None]
    mutates: bool = False
    confirm_impact: str = "Medium"
    server_roles: frozenset[str] = BOTH_ROLES
    rbac_roles: tuple[str, ...] = ()
    # Exchange snap-in cmdlet (visible on the host endpoint only once the snap-in is added).
    exchange: bool = True
    output_type: str = ""
    # The Exchange versions that have the cmdlet (as for Parameter.since/until).
    since: str | None = None
    until: str | None = None

    def exists_on(self, version: str) -> bool:
        return in_versions(version, self.since, self.until)

    def for_version(self, version: str) -> "Cmdlet":
        """The cmdlet as `version` has it: the parameters that version lacks removed."""
        kept = tuple(p for p in self.parameters if in_versions(version, p.since, p.until))
        return self if len(kept) == len(self.parameters) else dataclasses.replace(self, parameters=kept)

    @property
    def supports_should_process(self) -> bool:
        return self.mutates

    def parameter(self, name: str) -> Parameter | None:
        lowered = name.lower()
        for parameter in self.parameters:
            if parameter.name.lower() == lowered:
                return parameter
        return None


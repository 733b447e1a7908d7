"""The syntax tree of a parsed script, and the error for text that cannot run."""

from __future__ import annotations

import dataclasses
import typing

from .. import errors
from ..model import ErrorRecordInfo


@dataclasses.dataclass(frozen=True)
class Extent:
    start: int
    end: int


@dataclasses.dataclass
class Literal:
    value: typing.Any


@dataclasses.dataclass
class EnvVariable:
    name: str


@dataclasses.dataclass
class ExpandableString:
    """A double-quoted string or a bare word with variables in it."""

    parts: list[str | Node]


@dataclasses.dataclass
class CommaList:
    items: list["Node"]


@dataclasses.dataclass
class ArrayLiteral:
    """`@(...)`: the values of its statements, each list among them unrolled one level."""

    statements: list["Node"]


@dataclasses.dataclass
class HashLiteral:
    entries: list[tuple[str, "Node"]]


Node: typing.TypeAlias = "Literal | EnvVariable | ExpandableString | CommaList | ArrayLiteral | HashLiteral"


@dataclasses.dataclass
class ParameterElement:
    name: str
    argument: Node | None
    extent: Extent


@dataclasses.dataclass
class ArgumentElement:
    value: Node
    extent: Extent


Element: typing.TypeAlias = "ParameterElement | ArgumentElement"


@dataclasses.dataclass
class CommandAst:
    name: Node
    elements: list[Element]
    extent: Extent
    call_operator: bool = False


@dataclasses.dataclass
class StatementAst:
    leading: Node | None  # an expression whose values are piped into the commands (or output)
    commands: list[CommandAst]


class ScriptSyntaxError(Exception):
    """Text that cannot run: a PowerShell parse error, or syntax the emulator does not emulate."""

    def __init__(self, message: str, extent: Extent, error_id: str) -> None:
        super().__init__(message)
        self.message = message
        self.extent = extent
        self.error_id = error_id

    def record(self) -> ErrorRecordInfo:
        return ErrorRecordInfo(self.message, ["System.Management.Automation.ParseException", *errors.RUNTIME],
                               self.error_id, "ParserError", "ParentContainsErrorRecordException")


def unsupported(what: str, start: int, end: int | None = None) -> ScriptSyntaxError:
    return ScriptSyntaxError(
        f"{what}: not supported by the Exchange emulator, which runs commands with literal arguments ($env:NAME, "
        "$true, $false, $null, arrays and hashtables included) piped into Select-Object, Format-Table, Format-List, "
        "ConvertTo-Json or Out-String. Nothing was run.",
        Extent(start, end if end is not None else start + 1), "EmulatorSyntaxNotSupported")

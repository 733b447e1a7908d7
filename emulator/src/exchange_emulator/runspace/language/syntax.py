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
class Variable:
    """`$name` (`$_` and `$PSItem` included); names are case-insensitive."""

    name: str
    extent: Extent


@dataclasses.dataclass
class ExpandableString:
    """A double-quoted string or a bare word with variables (or `$( … )`) in it."""

    parts: list[str | Node]


@dataclasses.dataclass
class CommaList:
    items: list["Node"]


@dataclasses.dataclass
class ArrayLiteral:
    """`@( … )`: the output of its statements, always an array."""

    statements: list["Statement"]


@dataclasses.dataclass
class SubExpression:
    """`$( … )`: the output of its statements."""

    statements: list["Statement"]


@dataclasses.dataclass
class ParenExpression:
    """`( … )`: the output of one pipeline (commands included)."""

    pipeline: "PipelineAst"


@dataclasses.dataclass
class HashLiteral:
    entries: list[tuple[str, "Node"]]


@dataclasses.dataclass
class ScriptBlockLiteral:
    """`{ … }`: statements run later, by Where-Object, ForEach-Object and the like."""

    statements: list["Statement"]
    text: str


@dataclasses.dataclass
class MemberAccess:
    target: "Node"
    member: "Node"  # usually a Literal name; `$x.$name` has a variable
    extent: Extent


@dataclasses.dataclass
class MethodCall:
    target: "Node"
    name: str
    arguments: list["Node"]
    extent: Extent


@dataclasses.dataclass
class IndexAccess:
    target: "Node"
    index: "Node"
    extent: Extent


@dataclasses.dataclass
class UnaryOperation:
    operator: str  # lower case: "-not", "-", "+", "-split", "-join"
    operand: "Node"
    extent: Extent


@dataclasses.dataclass
class BinaryOperation:
    operator: str  # lower case, as typed: "-eq", "-ceq", "+", "..", "-and", …
    left: "Node"
    right: "Node"
    extent: Extent


Node: typing.TypeAlias = (
    "Literal | EnvVariable | Variable | ExpandableString | CommaList | ArrayLiteral | SubExpression | ParenExpression"
    " | HashLiteral | ScriptBlockLiteral | MemberAccess | MethodCall | IndexAccess | UnaryOperation | BinaryOperation")


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
class PipelineAst:
    leading: Node | None  # an expression whose values are piped into the commands (or output)
    commands: list[CommandAst]
    extent: Extent = Extent(0, 0)


StatementAst = PipelineAst  # the name other modules used before statements other than pipelines existed


@dataclasses.dataclass
class AssignmentAst:
    """`$x = <pipeline>`, `$x += …`, `$x -= …`."""

    variable: str
    operator: str
    value: PipelineAst
    extent: Extent


@dataclasses.dataclass
class IfAst:
    clauses: list[tuple[PipelineAst, list["Statement"]]]
    otherwise: list["Statement"] | None
    extent: Extent


@dataclasses.dataclass
class ExitAst:
    value: PipelineAst | None
    extent: Extent


Statement: typing.TypeAlias = "PipelineAst | AssignmentAst | IfAst | ExitAst"


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
        f"{what}: not supported by the Exchange emulator, whose PowerShell has commands and pipelines, variables, "
        "member access, script blocks for Where-Object and ForEach-Object, comparison, logical, -join, -split and "
        "-replace operators, if/else and exit (see the emulator's README). Nothing was run.",
        Extent(start, end if end is not None else start + 1), "EmulatorSyntaxNotSupported")

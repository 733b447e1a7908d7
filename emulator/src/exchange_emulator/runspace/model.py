"""The runspace layer's vocabulary: pipelines to run, error records, and the sink results go to.

These are neutral: the PSRP layer converts psrpcore objects into `CommandCall`s and converts
`ErrorRecordInfo` back into CLIXML error records; the WinRS shell renders them as text.
"""

from __future__ import annotations

import dataclasses
import typing


@dataclasses.dataclass
class CommandCall:
    """One command of a pipeline as the client sent it: a name (or script text) and its arguments."""

    name: str
    parameters: list[tuple[str | None, typing.Any]] = dataclasses.field(default_factory=list)
    is_script: bool = False
    end_of_statement: bool = False


@dataclasses.dataclass
class InvocationDetails:
    """What PowerShell's InvocationInfo says about the command that wrote a record."""

    command: str
    bound_parameters: dict[str, typing.Any]
    position: int
    length: int
    expecting_input: bool
    line: str = ""


@dataclasses.dataclass
class ErrorRecordInfo:
    message: str
    type_names: list[str]
    error_id: str
    category: str
    reason: str
    target: typing.Any = None
    target_name: str = ""
    target_type: str = ""
    activity: str = ""
    invocation: InvocationDetails | None = None

    @property
    def exception_type(self) -> str:
        return self.type_names[0]

    @property
    def category_line(self) -> str:
        """The CategoryInfo text as Windows PowerShell formats it (long targets shortened)."""
        target = self.target_name or ""
        if len(target) > 40:
            target = target[:15] + "..." + target[-15:]
        return f"{self.category}: ({target}:{self.target_type}) [{self.activity}], {self.reason}"


class TerminatingError(Exception):
    """Ends the pipeline in the Failed state with this error record."""

    def __init__(self, record: ErrorRecordInfo) -> None:
        super().__init__(record.message)
        self.record = record


class PipelineStopped(Exception):
    """The client stopped the pipeline while it ran."""


class PipelineSink(typing.Protocol):
    """Where a running pipeline's streams go."""

    def output(self, value: typing.Any) -> None: ...

    def error(self, record: ErrorRecordInfo) -> None: ...

    def warning(self, message: str, invocation: InvocationDetails | None) -> None: ...

    def verbose(self, message: str, invocation: InvocationDetails | None) -> None: ...

    def information(self, message: str, source: str) -> None: ...

    def host_line(self, text: str) -> None:
        """Text PowerShell writes to the host UI (e.g. 'What if:'); dropped when the client has no host."""
        ...

"""The runspace layer's vocabulary: pipelines to run, error records, and the sink results go to.

These are neutral: the PSRP layer converts psrpcore objects into `CommandCall`s and converts
`ErrorRecordInfo` back into CLIXML error records; the WinRS shell renders them as text. A record a
command's stream merging sends to its output travels there as a value like any other: the
`ErrorRecordInfo` itself, or an `InformationalRecordInfo` (a warning, verbose or debug message).
"""

from __future__ import annotations

import dataclasses
import typing

MergeTarget = typing.Literal["Output", "Null"]


@dataclasses.dataclass(frozen=True)
class StreamMerging:
    """Where a command's records go instead of their own streams (PowerShell's `2>&1`, `3>$null`; the
    MergeError/MergeWarning/… of a PSRP command): "Output" into the command's output stream (to the next
    command of the statement, or out of the pipeline as output), "Null" nowhere; None leaves the stream as it
    is. `unclaimed_errors` (MergeUnclaimedPreviousCommandResults, what hosts set on Out-Default): the errors of
    the statement's earlier commands that no other command claimed come into this command's input."""

    error: MergeTarget | None = None
    warning: MergeTarget | None = None
    verbose: MergeTarget | None = None
    debug: MergeTarget | None = None
    information: MergeTarget | None = None
    unclaimed_errors: bool = False


@dataclasses.dataclass
class CommandCall:
    """One command of a pipeline as the client sent it: a name (or script text), its arguments and where
    its streams go."""

    name: str
    parameters: list[tuple[str | None, typing.Any]] = dataclasses.field(default_factory=list)
    is_script: bool = False
    end_of_statement: bool = False
    merging: StreamMerging = dataclasses.field(default_factory=StreamMerging)


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

    def __str__(self) -> str:
        return self.message  # as ErrorRecord.ToString(), e.g. when a merged record is bound to a parameter

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


@dataclasses.dataclass
class InformationalRecordInfo:
    """A warning, verbose or debug record that stream merging sent to a command's output (PowerShell's
    WarningRecord, VerboseRecord, DebugRecord); `stream` names which."""

    stream: typing.Literal["Warning", "Verbose", "Debug"]
    message: str
    invocation: InvocationDetails | None = None

    def __str__(self) -> str:
        return self.message  # as InformationalRecord.ToString()


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

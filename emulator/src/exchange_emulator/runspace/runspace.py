"""A runspace: runs pipelines of commands against the organisation, with PowerShell's rules.

A pipeline is statements of commands. Each command is looked up in the session configuration (what is
visible depends on the endpoint, the user's RBAC roles, the server role and snap-ins added), bound,
and run; its output feeds the next command of the statement, the last command's output goes to the
sink. -ErrorAction/-WarningAction, -WhatIf and -Confirm apply per command. A command's stream merging
(`CommandCall.merging`) sends its error, warning and verbose records into its output instead (so on to
the next command, or out as output objects), or nowhere; a command merging unclaimed errors takes the
errors of the statement's earlier commands that no command claimed before it as input. A terminating
error ends the whole pipeline. Every command received is audited, including those refused.
"""

from __future__ import annotations

import dataclasses
import datetime
import time
import typing

from ..exchange.cmdlet import Cmdlet
from ..exchange.errors import CmdletError
from ..exchange.organization import ServerContext
from ..exchange.parameters import MultiValuedUpdate
from ..exchange.records import MultiValued, Record
from . import errors
from .binder import Binding, bind
from .model import (
    CommandCall,
    ErrorRecordInfo,
    InformationalRecordInfo,
    InvocationDetails,
    PipelineSink,
    PipelineStopped,
    StreamMerging,
    TerminatingError,
)

IMPACT = {"None": 0, "Low": 1, "Medium": 2, "High": 3}
SECRET_WORDS = ("password", "credential", "secret", "token", "key")


class Environment(typing.Protocol):
    """What a runspace needs from the process that hosts it: state, audit, injected latency."""

    server_name: str
    endpoint: str
    user: str
    # RBAC roles of the user; None means every role (Organization Management).
    user_roles: frozenset[str] | None

    def transaction(self, mutating: bool) -> typing.ContextManager[ServerContext]: ...

    def audit(self, entry: dict[str, typing.Any]) -> None: ...

    def before_command(self, name: str) -> None: ...


class SessionConfiguration(typing.Protocol):
    """An endpoint's command table and language mode."""

    name: str
    no_language: bool
    confirm_preference: str

    def resolve(self, name: str, runspace: "Runspace", ctx: ServerContext) -> Cmdlet | None: ...

    def visible(self, runspace: "Runspace", ctx: ServerContext) -> list[Cmdlet]: ...


def redact(name: str, value: typing.Any) -> typing.Any:
    if any(word in name.lower() for word in SECRET_WORDS):
        return "********"
    return to_json_safe(value)


def to_json_safe(value: typing.Any) -> typing.Any:
    if isinstance(value, MultiValuedUpdate):
        if value.replace is not None:
            return list(value.replace)
        return {k: v for k, v in (("Add", value.add), ("Remove", value.remove)) if v}
    if isinstance(value, Record):
        return value.to_string
    if isinstance(value, MultiValued):
        return list(value.values)
    if isinstance(value, (list, tuple)):
        return [to_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json_safe(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return str(value)


@dataclasses.dataclass
class CommandInvocation:
    """The `Invocation` a cmdlet runs with (see exchange.cmdlet.Invocation)."""

    runspace: "Runspace"
    cmdlet: Cmdlet
    binding: Binding
    context: ServerContext
    input: list[typing.Any]
    details: InvocationDetails
    next_stage: list[typing.Any] | None
    sink: PipelineSink
    stopped: typing.Callable[[], bool]
    merging: StreamMerging = dataclasses.field(default_factory=StreamMerging)
    # Where this command's errors go when a later command of the statement claimed them (unclaimed_errors).
    error_pipe: list[typing.Any] | None = None
    error_types: list[str] = dataclasses.field(default_factory=list)
    warnings: int = 0

    @property
    def params(self) -> dict[str, typing.Any]:
        return self.binding.params

    @property
    def what_if(self) -> bool:
        return self.binding.what_if

    @property
    def session(self) -> dict[str, typing.Any]:
        return self.runspace.session

    def write(self, record: typing.Any) -> None:
        if self.stopped():
            raise PipelineStopped()
        if self.next_stage is not None:
            self.next_stage.append(record)
        else:
            self.sink.output(record)

    def warn(self, message: str) -> None:
        action = self.binding.warning_action
        if action == "Stop":
            raise TerminatingError(errors.warning_stop(self.cmdlet, message))
        if action in ("SilentlyContinue", "Ignore"):
            return
        self.warnings += 1
        if self.merging.warning == "Output":
            self.write(InformationalRecordInfo("Warning", message, self.details))
        elif self.merging.warning is None:
            self.sink.warning(message, self.details)

    def error(self, error: CmdletError) -> None:
        self.write_error_record(errors.from_cmdlet_error(error, self.cmdlet, self.runspace.environment.server_name,
                                                         self.details))

    def write_error_record(self, record: ErrorRecordInfo) -> None:
        self.error_types.append(record.exception_type)
        action = self.binding.error_action
        if action == "Stop":
            raise TerminatingError(record)
        if action in ("SilentlyContinue", "Ignore"):
            return
        if self.merging.error == "Output":
            self.write(record)
        elif self.merging.error == "Null":
            return
        elif self.error_pipe is not None:
            if self.stopped():
                raise PipelineStopped()
            self.error_pipe.append(record)
        else:
            self.sink.error(record)

    def verbose(self, message: str) -> None:
        if not self.binding.common.get("Verbose"):
            return
        if self.merging.verbose == "Output":
            self.write(InformationalRecordInfo("Verbose", message, self.details))
        elif self.merging.verbose is None:
            self.sink.verbose(message, self.details)

    def should_process(self, description: str) -> bool:
        if self.binding.what_if:
            self.sink.host_line(f"What if: {description}")
            return False
        confirm = self.binding.confirm
        preference = IMPACT[self.runspace.configuration.confirm_preference]
        if confirm or (confirm is None and IMPACT[self.cmdlet.confirm_impact] >= preference):
            raise TerminatingError(errors.confirmation_needed(self.cmdlet, description))
        return True


@dataclasses.dataclass
class ScriptOutcome:
    """What the audit notes of script text that ran (its commands are audited one by one)."""

    error_types: list[str] = dataclasses.field(default_factory=list)
    warnings: int = 0


class Runspace:
    """One runspace of a pool: session state (snap-ins) lives here between pipelines."""

    def __init__(self, configuration: SessionConfiguration, environment: Environment) -> None:
        self.configuration = configuration
        self.environment = environment
        self.session: dict[str, typing.Any] = {}

    # ------------------------------------------------------------------ running pipelines
    def invoke(self, commands: typing.Sequence[CommandCall], sink: PipelineSink,
               pipeline_input: typing.Sequence[typing.Any] = (),
               stopped: typing.Callable[[], bool] = lambda: False) -> None:
        """Run every statement; raises TerminatingError when the pipeline fails, PipelineStopped when
        `stopped()` turns true."""
        for statement in split_statements(commands):
            # pipes[i]: the output of command i, the input of command i + 1; the last command's goes to the sink.
            pipes: list[list[typing.Any]] = [[] for _ in statement[1:]]
            error_pipes = claimed_error_pipes(statement, pipes)
            stage_input: list[typing.Any] = list(pipeline_input)
            for position, call in enumerate(statement, start=1):
                next_stage = pipes[position - 1] if position < len(statement) else None
                self.run_command(call, sink, stage_input, next_stage, position, len(statement), stopped,
                                 error_pipes[position - 1])
                stage_input = next_stage if next_stage is not None else []

    def run_command(self, call: CommandCall, sink: PipelineSink, stage_input: list[typing.Any],
                    next_stage: list[typing.Any] | None, position: int, length: int,
                    stopped: typing.Callable[[], bool], error_pipe: list[typing.Any] | None = None) -> None:
        if stopped():
            raise PipelineStopped()
        env = self.environment
        entry: dict[str, typing.Any] = {
            "server": env.server_name, "endpoint": env.endpoint, "user": env.user, "command": call.name,
            "parameters": [[n, redact(n or "", v)] for n, v in call.parameters], "mutates": False,
            "what_if": False,
        }
        started = time.monotonic()
        try:
            invocation = self._run(call, sink, stage_input, next_stage, position, length, stopped, entry,
                                   error_pipe)
            entry["outcome"] = "completed"
            if invocation.error_types:
                entry["outcome"] = "error"
                entry["errors"] = invocation.error_types
            if invocation.warnings:
                entry["warnings"] = invocation.warnings
        except TerminatingError as failure:
            entry["outcome"] = "failed"
            entry["errors"] = [failure.record.exception_type]
            raise
        except PipelineStopped:
            entry["outcome"] = "stopped"
            raise
        except Exception as crash:
            entry["outcome"] = "failed"
            entry["errors"] = ["EmulatorInternalError"]
            raise TerminatingError(errors.internal_error(crash)) from crash
        finally:
            entry["duration_ms"] = round((time.monotonic() - started) * 1000, 2)
            env.audit(entry)

    def _run(self, call: CommandCall, sink: PipelineSink, stage_input: list[typing.Any],
             next_stage: list[typing.Any] | None, position: int, length: int,
             stopped: typing.Callable[[], bool], entry: dict[str, typing.Any],
             error_pipe: list[typing.Any] | None) -> CommandInvocation | ScriptOutcome:
        config = self.configuration
        if call.is_script:
            if config.no_language:
                raise TerminatingError(errors.scripts_not_allowed(call.name))
            if call.parameters:
                raise TerminatingError(errors.script_parameters_not_emulated(call.name))
            from .remote_script import run_script  # the language is a layer above the runspace

            return run_script(self, call.name, sink, next_stage, stopped)
        self.environment.before_command(call.name)
        # Resolution and binding look at state (server role, snap-ins) but change nothing.
        with self.environment.transaction(mutating=False) as ctx:
            cmdlet = config.resolve(call.name, self, ctx)
            if cmdlet is None:
                raise TerminatingError(errors.command_not_found(call.name))
            entry["command"] = cmdlet.name
            binding = bind(cmdlet, call.parameters, has_input=bool(stage_input))
        entry["parameters"] = {k: redact(k, v) for k, v in binding.all.items()}
        entry["mutates"] = cmdlet.mutates
        entry["what_if"] = binding.what_if
        details = InvocationDetails(cmdlet.name, {k: to_json_safe(v) for k, v in binding.all.items()}, position,
                                    length, expecting_input=bool(stage_input))
        with self.environment.transaction(mutating=cmdlet.mutates and not binding.what_if) as ctx:
            invocation = CommandInvocation(self, cmdlet, binding, ctx, list(stage_input), details, next_stage, sink,
                                           stopped, call.merging, error_pipe)
            try:
                # Exchange's tasks report their phases on the verbose stream (-Verbose).
                if cmdlet.exchange:
                    invocation.verbose(exchange_verbose(cmdlet.name, "Beginning processing &"))
                cmdlet.run(invocation)
                if cmdlet.exchange:
                    invocation.verbose(exchange_verbose(cmdlet.name, "Ending processing &"))
            except CmdletError as failure:
                raise TerminatingError(errors.from_cmdlet_error(failure, cmdlet, self.environment.server_name,
                                                                details)) from None
        return invocation


def claimed_error_pipes(statement: typing.Sequence[CommandCall],
                        pipes: typing.Sequence[list[typing.Any]]) -> list[list[typing.Any] | None]:
    """For each command of a statement, the pipe a later command claimed its errors into, or None (they go to
    the error stream). As PowerShell's PipelineProcessor.AddCommand: a command merging unclaimed errors (not
    the first, which has no input) takes those of every command before it not yet claimed, into its input."""
    claimed: list[list[typing.Any] | None] = [None] * len(statement)
    for index, call in enumerate(statement):
        if index == 0 or not call.merging.unclaimed_errors:
            continue
        for earlier in range(index):
            if claimed[earlier] is None:
                claimed[earlier] = pipes[index - 1]
    return claimed


def split_statements(commands: typing.Sequence[CommandCall]) -> list[list[CommandCall]]:
    statements: list[list[CommandCall]] = [[]]
    for call in commands:
        statements[-1].append(call)
        if call.end_of_statement:
            statements.append([])
    return [s for s in statements if s]


def exchange_verbose(cmdlet: str, text: str) -> str:
    """A verbose line as Exchange's tasks write them: `[10:31:24.337 GMT] Get-RemoteDomain : …`."""
    now = datetime.datetime.now(datetime.UTC)
    return f"[{now:%H:%M:%S}.{now.microsecond // 1000:03d} GMT] {cmdlet} : {text}"

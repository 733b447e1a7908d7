"""Running the commands of a parsed script in a runspace: resolving their names, pairing `-Name value`
arguments by parameter type, running the pipeline and telling which command an error came from.

`CommandPipelines` is the language's `CommandRunner` without the output side: a host (the WinRS
console host) adds where output and errors go.
"""

from __future__ import annotations

import dataclasses
import re
import typing

from ..exchange.cmdlet import Cmdlet
from ..exchange.parameters import ConversionError, Switch
from . import errors
from .binder import ACTION_PREFERENCE, resolve_name
from .formatting import display_text
from .language.interpreter import Output, StatementFailure
from .language.syntax import ArgumentElement, CommandAst, Extent, Node, ParameterElement
from .model import CommandCall, ErrorRecordInfo, InvocationDetails, TerminatingError
from .runspace import Environment, Runspace, redact

Evaluate = typing.Callable[[Node], typing.Any]


class ObservedEnvironment:
    """The server's environment as the runspace sees it, also counting the errors commands wrote or threw
    (PowerShell's `$?`, even for errors silenced by -ErrorAction) and the commands each running pipeline
    started (to tell which one an error without invocation details came from)."""

    def __init__(self, inner: Environment) -> None:
        self.inner = inner
        self.server_name = inner.server_name
        self.endpoint = inner.endpoint
        self.user = inner.user
        self.user_roles = inner.user_roles
        self.started: list[int] = [0]
        self.failures = 0

    def transaction(self, mutating: bool) -> typing.ContextManager[typing.Any]:
        return self.inner.transaction(mutating)

    def audit(self, entry: dict[str, typing.Any]) -> None:
        if entry.get("outcome") in ("error", "failed"):
            self.failures += 1
        self.inner.audit(entry)

    def before_command(self, name: str) -> None:
        self.started[-1] += 1
        self.inner.before_command(name)


@dataclasses.dataclass
class PreparedCommand:
    """A command of the pipeline about to run: what it resolved to and the call the runspace gets."""

    ast: CommandAst
    name: str
    cmdlet: Cmdlet | None
    call: CommandCall
    stops_script: bool = False  # -ErrorAction/-WarningAction Stop make its errors end the whole script


@dataclasses.dataclass
class PipelineRun:
    """One running pipeline: its commands, and where its output goes."""

    commands: list[PreparedCommand]
    output: Output
    started_at: int = 0


class CommandPipelines:
    def __init__(self, environment: Environment, runspace_factory: typing.Callable[[ObservedEnvironment], Runspace]):
        self.environment = ObservedEnvironment(environment)
        self.runspace = runspace_factory(self.environment)
        self.stopped: typing.Callable[[], bool] = lambda: False

    @property
    def failures(self) -> int:
        return self.environment.failures

    def environment_variables(self) -> dict[str, str]:
        from ..exchange import host
        with self.environment.transaction(mutating=False) as ctx:
            return {k.lower(): v for k, v in host.environment(ctx).items()}

    def run_commands(self, commands: list[CommandAst], pipeline_input: list[typing.Any], evaluate: Evaluate,
                     output: Output) -> None:
        prepared = self.resolve(commands, evaluate)
        run = PipelineRun(prepared, output)
        self.environment.started.append(0)
        try:
            self.bind_arguments(prepared, evaluate)
            self.runspace.invoke([c.call for c in prepared], PipelineSinkFor(self, run), pipeline_input,
                                 self.stopped)
        except TerminatingError as failure:
            run.started_at = self.environment.started[-1]
            raise StatementFailure(failure.record, run) from None
        finally:
            self.environment.started.pop()

    # ------------------------------------------------------------------ binding arguments to parameters
    def resolve(self, asts: list[CommandAst], evaluate: Evaluate) -> list[PreparedCommand]:
        """What each command of the statement names, as the runspace will resolve it (snap-ins added so far)."""
        prepared: list[PreparedCommand] = []
        with self.environment.transaction(mutating=False) as ctx:
            for ast in asts:
                name = display_text(evaluate(ast.name))
                cmdlet = self.runspace.configuration.resolve(name, self.runspace, ctx)
                prepared.append(PreparedCommand(ast, name, cmdlet, CommandCall(name)))
        return prepared

    def bind_arguments(self, commands: list[PreparedCommand], evaluate: Evaluate) -> None:
        """Pair each `-Name` with its argument before anything runs: a switch takes none, any other parameter
        the argument after it (PowerShell pairs them by parameter type, for every command of the pipeline)."""
        for position, command in enumerate(commands):
            try:
                self.pair_arguments(command, evaluate, position, len(commands))
            except TerminatingError as refused:
                self.audit_refused(command, refused.record)
                raise

    def pair_arguments(self, command: PreparedCommand, evaluate: Evaluate, position: int, length: int) -> None:
        elements = command.ast.elements
        index = 0
        while index < len(elements):
            element = elements[index]
            index += 1
            if isinstance(element, ArgumentElement):
                command.call.parameters.append((None, evaluate(element.value)))
                continue
            value: typing.Any = None
            if element.argument is not None:
                value = evaluate(element.argument)
            elif self.takes_argument(command.cmdlet, element.name):
                following = elements[index] if index < len(elements) else None
                if not isinstance(following, ArgumentElement):
                    raise TerminatingError(self.missing_argument(command, element, position, length))
                value = evaluate(following.value)
                index += 1
            command.call.parameters.append((element.name, value))
            command.stops_script = command.stops_script or self.is_stop(command.cmdlet, element.name, value)

    def audit_refused(self, command: PreparedCommand, record: ErrorRecordInfo) -> None:
        """A command refused before the runspace saw it is audited as the runspace audits refusals."""
        env = self.environment
        env.audit({"server": env.server_name, "endpoint": env.endpoint, "user": env.user,
                   "command": command.cmdlet.name if command.cmdlet else command.name,
                   "parameters": [[n, redact(n or "", v)] for n, v in command.call.parameters], "mutates": False,
                   "what_if": False, "outcome": "failed", "errors": [record.exception_type], "duration_ms": 0.0})

    @staticmethod
    def parameter(cmdlet: Cmdlet | None, name: str) -> typing.Any:
        if cmdlet is None:
            return None
        try:
            return resolve_name(cmdlet, name)
        except TerminatingError:
            return None  # unknown or ambiguous: the runspace's binder reports it

    def takes_argument(self, cmdlet: Cmdlet | None, name: str) -> bool:
        parameter = self.parameter(cmdlet, name)
        return parameter is not None and not isinstance(parameter.type, Switch)

    def is_stop(self, cmdlet: Cmdlet | None, name: str, value: typing.Any) -> bool:
        parameter = self.parameter(cmdlet, name)
        if parameter is None or parameter.name not in ("ErrorAction", "WarningAction"):
            return False
        try:
            return bool(ACTION_PREFERENCE.convert(value) == "Stop")
        except ConversionError:
            return False

    def missing_argument(self, command: PreparedCommand, element: ParameterElement, position: int,
                         length: int) -> ErrorRecordInfo:
        cmdlet = typing.cast(Cmdlet, command.cmdlet)
        parameter = resolve_name(cmdlet, element.name)
        record = ErrorRecordInfo(
            f"Missing an argument for parameter '{parameter.name}'. Specify a parameter of type "
            f"'{parameter.type.type_name}' and try again.", list(errors.BINDING), f"MissingArgument,{cmdlet.task}",
            "InvalidArgument", "ParameterBindingException", activity=cmdlet.name)
        record.invocation = InvocationDetails(cmdlet.name, {}, position + 1, length, False)
        return record

    # ------------------------------------------------------------------ errors
    @staticmethod
    def command_index(record: ErrorRecordInfo, run: PipelineRun) -> int:
        if record.invocation is not None:
            return record.invocation.position - 1
        return max(run.started_at - 1, 0)

    @staticmethod
    def ends_script(record: ErrorRecordInfo, run: PipelineRun, index: int) -> bool:
        if record.error_id == "EmulatorInternalError":
            return True
        return 0 <= index < len(run.commands) and run.commands[index].stops_script

    def report_failure(self, failure: StatementFailure) -> bool:
        run = typing.cast(PipelineRun, failure.context)
        index = self.command_index(failure.record, run)
        self.report(failure.record, run, index)
        return self.ends_script(failure.record, run, index)

    def report(self, record: ErrorRecordInfo, run: PipelineRun, index: int) -> None:
        raise NotImplementedError

    @staticmethod
    def invocation_name(command: PreparedCommand) -> str:
        """The name the error view puts before the message: what was typed, `&` for a call that found
        nothing, a script's path."""
        if command.cmdlet is None:
            return "&" if command.ast.call_operator else command.name
        if command.cmdlet.task == "ExternalScript" or command.ast.call_operator:
            return command.cmdlet.name
        return command.name

    @staticmethod
    def error_extent(record: ErrorRecordInfo, command: PreparedCommand) -> Extent:
        """Errors about a parameter name point at it; the others at the whole command."""
        match = re.search(r"parameter name '([^']*)'|argument for parameter '([^']*)'", record.message)
        if match and record.error_id.startswith(("NamedParameterNotFound", "AmbiguousParameter", "MissingArgument")):
            wanted = (match.group(1) or match.group(2)).lower()
            named = [e for e in command.ast.elements if isinstance(e, ParameterElement)]
            found = next((e for e in named if e.name.lower() == wanted), None) or next(
                (e for e in named if wanted.startswith(e.name.lower())), None)
            if found is not None:
                return Extent(found.extent.start, found.extent.start + 1 + len(found.name))
        return command.ast.extent

    # ------------------------------------------------------------------ streams other than output
    def warning(self, message: str, invocation: InvocationDetails | None) -> None:
        raise NotImplementedError

    def verbose(self, message: str, invocation: InvocationDetails | None) -> None:
        raise NotImplementedError

    def information(self, message: str, source: str) -> None:
        raise NotImplementedError

    def host_line(self, text: str) -> None:
        raise NotImplementedError


class PipelineSinkFor:
    """The runspace's sink for one pipeline: output to where the pipeline's output goes, errors reported
    against its commands, the other streams to the host."""

    def __init__(self, host: CommandPipelines, run: PipelineRun) -> None:
        self.host = host
        self.run = run

    def output(self, value: typing.Any) -> None:
        self.run.output(value)

    def error(self, record: ErrorRecordInfo) -> None:
        self.run.started_at = self.host.environment.started[-1]
        self.host.report(record, self.run, self.host.command_index(record, self.run))

    def warning(self, message: str, invocation: InvocationDetails | None) -> None:
        self.host.warning(message, invocation)

    def verbose(self, message: str, invocation: InvocationDetails | None) -> None:
        self.host.verbose(message, invocation)

    def information(self, message: str, source: str) -> None:
        self.host.information(message, source)

    def host_line(self, text: str) -> None:
        self.host.host_line(text)

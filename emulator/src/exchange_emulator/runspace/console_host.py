"""The console host of a WinRS powershell.exe: runs parsed statements in a runspace and writes their streams
as powershell.exe writes them when redirected."""

from __future__ import annotations

import dataclasses
import enum
import re
import typing

from ..exchange import host
from ..exchange.cmdlet import Cmdlet
from ..exchange.parameters import ConversionError, Switch
from . import errors
from .binder import ACTION_PREFERENCE, resolve_name
from .configurations import HostShell
from .formatting import CRLF, FORMATTING_COMMANDS, LINE_WIDTH, OutDefault, display_text, error_view, wrap_to_window
from .language.evaluation import evaluate
from .language.position import position_message
from .language.syntax import ArgumentElement, CommandAst, Extent, ParameterElement, StatementAst
from .model import CommandCall, ErrorRecordInfo, InvocationDetails, TerminatingError
from .runspace import Environment, Runspace, redact


def clixml_text(text: str) -> str:
    """A string as PowerShell's serializer escapes it inside <S>: XML entities, control characters as _xHHHH_."""
    text = re.sub(r"_(?=x[0-9A-Fa-f]{4}_)", "_x005F_", text)
    out = []
    for char in text:
        if char == "&":
            out.append("&amp;")
        elif char == "<":
            out.append("&lt;")
        elif char == ">":
            out.append("&gt;")
        elif ord(char) < 0x20:
            out.append(f"_x{ord(char):04X}_")
        else:
            out.append(char)
    return "".join(out)


class Console:
    """powershell.exe's redirected streams. Errors (and, when they are CLIXML, warnings) go to stderr."""

    def __init__(self, clixml_errors: bool) -> None:
        self.clixml_errors = clixml_errors
        self.stdout: list[str] = []
        self.stderr: list[str] = []

    def write_line(self, line: str) -> None:
        self.stdout.append(line)

    def warning(self, message: str) -> None:
        self.host_stream("WARNING", "warning", message)

    def verbose(self, message: str) -> None:
        self.host_stream("VERBOSE", "verbose", message)

    def host_stream(self, label: str, stream: str, message: str) -> None:
        """A warning or verbose message: serialized bare beside the errors, or written as `LABEL: text`
        wrapped to the console window."""
        if self.clixml_errors:
            self.stderr.append(f'<S S="{stream}">{clixml_text(message)}</S>')
        else:
            self.stdout.extend(wrap_to_window(f"{label}: {message}"))

    def error_lines(self, lines: list[str]) -> None:
        for line in lines:
            self.stderr.append(f'<S S="Error">{clixml_text(line + CRLF)}</S>' if self.clixml_errors else line)

    def result(self, exit_code: int) -> tuple[bytes, bytes, int]:
        stdout = "".join(line + CRLF for line in self.stdout)
        if not self.stderr:
            stderr = ""
        elif self.clixml_errors:
            stderr = ("#< CLIXML" + CRLF + '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/'
                      '2004/04">' + "".join(self.stderr) + "</Objs>")
        else:
            stderr = "".join(line + CRLF for line in self.stderr)
        return stdout.encode("utf-8"), stderr.encode("utf-8"), exit_code


# ---------------------------------------------------------------------------------------------- execution
class ObservedEnvironment:
    """The server's environment as the runspace sees it, also noting which command of a statement is running
    and whether any wrote or threw an error (PowerShell's `$?`, even for errors silenced by -ErrorAction)."""

    def __init__(self, inner: Environment) -> None:
        self.inner = inner
        self.server_name = inner.server_name
        self.endpoint = inner.endpoint
        self.user = inner.user
        self.user_roles = inner.user_roles
        self.started = 0
        self.failed = False

    def transaction(self, mutating: bool) -> typing.ContextManager[typing.Any]:
        return self.inner.transaction(mutating)

    def audit(self, entry: dict[str, typing.Any]) -> None:
        if entry.get("outcome") in ("error", "failed"):
            self.failed = True
        self.inner.audit(entry)

    def before_command(self, name: str) -> None:
        self.started += 1
        self.inner.before_command(name)

    def new_statement(self) -> None:
        self.started, self.failed = 0, False


@dataclasses.dataclass
class PreparedCommand:
    """A command of the statement about to run: what it resolved to and the call the runspace gets."""

    ast: CommandAst
    name: str
    cmdlet: Cmdlet | None
    call: CommandCall
    stops_script: bool = False  # -ErrorAction/-WarningAction Stop make its errors end the whole script


class Outcome(enum.Enum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # $? is false after the statement
    STOPPED = "stopped"  # a script-terminating error: nothing more runs


class ScriptHost:
    """Runs parsed statements in one runspace, as powershell.exe -Command runs its text, and is the sink of
    their streams: output through Out-Default, errors in the error view, warnings as host lines."""

    def __init__(self, environment: Environment, text: str, console: Console) -> None:
        self.environment = ObservedEnvironment(environment)
        self.runspace = Runspace(HostShell(extra_commands=FORMATTING_COMMANDS), self.environment)
        self.text = text
        self.console = console
        self.formatter = OutDefault(console.write_line, LINE_WIDTH)
        self.commands: list[PreparedCommand] = []

    def run(self, statements: list[StatementAst]) -> int:
        outcome = Outcome.SUCCEEDED
        for statement in statements:
            outcome = self.run_statement(statement)
            if outcome is Outcome.STOPPED:
                break
        self.formatter.close()
        return 0 if outcome is Outcome.SUCCEEDED else 1

    def run_statement(self, statement: StatementAst) -> Outcome:
        self.environment.new_statement()
        variables = self.host_variables()
        values = [] if statement.leading is None else evaluate(statement.leading, variables)
        items = [v for v in (values if isinstance(values, list) else [values]) if v is not None]
        if not statement.commands:
            for item in items:
                self.formatter.add(item)
            return Outcome.SUCCEEDED
        self.commands = self.resolve(statement.commands, variables)
        try:
            self.bind_arguments(variables)
            self.runspace.invoke([c.call for c in self.commands], self, items)
        except TerminatingError as failure:
            index = self.command_index(failure.record)
            self.report(failure.record, index)
            return Outcome.STOPPED if self.ends_script(failure.record, index) else Outcome.FAILED
        return Outcome.FAILED if self.environment.failed else Outcome.SUCCEEDED

    def host_variables(self) -> dict[str, str]:
        with self.environment.transaction(mutating=False) as ctx:
            return {k.lower(): v for k, v in host.environment(ctx).items()}

    # ------------------------------------------------------------------ binding arguments to parameters
    def resolve(self, asts: list[CommandAst], variables: dict[str, str]) -> list[PreparedCommand]:
        """What each command of the statement names, as the runspace will resolve it (snap-ins added so far)."""
        prepared: list[PreparedCommand] = []
        with self.environment.transaction(mutating=False) as ctx:
            for ast in asts:
                name = display_text(evaluate(ast.name, variables))
                cmdlet = self.runspace.configuration.resolve(name, self.runspace, ctx)
                prepared.append(PreparedCommand(ast, name, cmdlet, CommandCall(name)))
        return prepared

    def bind_arguments(self, variables: dict[str, str]) -> None:
        """Pair each `-Name` with its argument before anything runs: a switch takes none, any other parameter
        the argument after it (PowerShell pairs them by parameter type, for every command of the pipeline)."""
        for position, command in enumerate(self.commands):
            try:
                self.pair_arguments(command, variables, position)
            except TerminatingError as refused:
                self.audit_refused(command, refused.record)
                raise

    def pair_arguments(self, command: PreparedCommand, variables: dict[str, str], position: int) -> None:
        elements = command.ast.elements
        index = 0
        while index < len(elements):
            element = elements[index]
            index += 1
            if isinstance(element, ArgumentElement):
                command.call.parameters.append((None, evaluate(element.value, variables)))
                continue
            value: typing.Any = None
            if element.argument is not None:
                value = evaluate(element.argument, variables)
            elif self.takes_argument(command.cmdlet, element.name):
                following = elements[index] if index < len(elements) else None
                if not isinstance(following, ArgumentElement):
                    raise TerminatingError(self.missing_argument(command, element, position))
                value = evaluate(following.value, variables)
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

    def missing_argument(self, command: PreparedCommand, element: ParameterElement, position: int) -> ErrorRecordInfo:
        cmdlet = typing.cast(Cmdlet, command.cmdlet)
        parameter = resolve_name(cmdlet, element.name)
        record = ErrorRecordInfo(
            f"Missing an argument for parameter '{parameter.name}'. Specify a parameter of type "
            f"'{parameter.type.type_name}' and try again.", list(errors.BINDING), f"MissingArgument,{cmdlet.task}",
            "InvalidArgument", "ParameterBindingException", activity=cmdlet.name)
        record.invocation = InvocationDetails(cmdlet.name, {}, position + 1, len(self.commands), False)
        return record

    # ------------------------------------------------------------------ errors
    def command_index(self, record: ErrorRecordInfo) -> int:
        if record.invocation is not None:
            return record.invocation.position - 1
        return max(self.environment.started - 1, 0)

    def ends_script(self, record: ErrorRecordInfo, index: int) -> bool:
        if record.error_id == "EmulatorInternalError":
            return True
        return 0 <= index < len(self.commands) and self.commands[index].stops_script

    def report(self, record: ErrorRecordInfo, index: int) -> None:
        if not 0 <= index < len(self.commands):
            self.console.error_lines(error_view(record, "", ""))
            return
        command = self.commands[index]
        extent = self.error_extent(record, command)
        self.console.error_lines(error_view(record, self.invocation_name(command),
                                            position_message(self.text, extent)))

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

    # ------------------------------------------------------------------ the runspace's sink
    def output(self, value: typing.Any) -> None:
        self.formatter.add(value)

    def error(self, record: ErrorRecordInfo) -> None:
        self.report(record, self.command_index(record))

    def warning(self, message: str, invocation: InvocationDetails | None) -> None:
        self.console.warning(message)

    def verbose(self, message: str, invocation: InvocationDetails | None) -> None:
        self.console.verbose(message)

    def information(self, message: str, source: str) -> None:
        self.console.write_line(message)

    def host_line(self, text: str) -> None:
        self.console.write_line(text)

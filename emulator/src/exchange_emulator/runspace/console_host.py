"""The console host of a WinRS powershell.exe: runs a parsed script in a runspace and writes its streams as
powershell.exe writes them when redirected: output through Out-Default, errors in the Windows error view
(as CLIXML for -EncodedCommand), warnings and verbose messages as host lines."""

from __future__ import annotations

import re

from .configurations import HostShell
from .formatting import CRLF, FORMATTING_COMMANDS, LINE_WIDTH, OutDefault, error_view, wrap_to_window
from .language.interpreter import Interpreter
from .language.position import position_message
from .language.syntax import Extent, Statement
from .language.values import ScriptRuntimeError
from .model import ErrorRecordInfo, InvocationDetails
from .runspace import Environment, Runspace
from .script_commands import CommandPipelines, PipelineRun


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
class ScriptHost(CommandPipelines):
    """Runs a parsed script in one runspace, as powershell.exe -Command runs its text (a new runspace per
    command line, with the host endpoint's commands and the formatting commands)."""

    def __init__(self, environment: Environment, text: str, console: Console) -> None:
        super().__init__(environment, lambda observed: Runspace(HostShell(extra_commands=FORMATTING_COMMANDS),
                                                                observed))
        self.text = text
        self.console = console
        self.formatter = OutDefault(console.write_line, LINE_WIDTH)

    def run(self, statements: list[Statement]) -> int:
        exit_code = Interpreter(self).run(statements, self.formatter.add)
        self.formatter.close()
        return exit_code

    def report(self, record: ErrorRecordInfo, run: PipelineRun, index: int) -> None:
        if not 0 <= index < len(run.commands):
            self.console.error_lines(error_view(record, "", ""))
            return
        command = run.commands[index]
        extent = self.error_extent(record, command)
        self.console.error_lines(error_view(record, self.invocation_name(command),
                                            position_message(self.text, extent)))

    def report_runtime_error(self, error: ScriptRuntimeError, extent: Extent) -> None:
        self.console.error_lines(error_view(error.record, "", position_message(self.text, extent)))

    def warning(self, message: str, invocation: InvocationDetails | None) -> None:
        self.console.warning(message)

    def verbose(self, message: str, invocation: InvocationDetails | None) -> None:
        self.console.verbose(message)

    def information(self, message: str, source: str) -> None:
        self.console.write_line(message)

    def host_line(self, text: str) -> None:
        self.console.write_line(text)

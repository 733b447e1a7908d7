"""The WinRS command line: what cmd.exe and powershell.exe do with the text pywinrm and testinfra send.

WinRS hands the line to `cmd.exe /c`; the emulator runs only `powershell[.exe] ... -Command <text>` or
`-EncodedCommand <base64 UTF-16-LE>` (what pywinrm's `run_ps` sends). The PowerShell text is parsed
whole before anything runs (runspace.language); syntax the emulator does not run is refused with a
message naming it, and nothing runs: the emulator never guesses what a script meant.

Each command line gets its own runspace (a new powershell.exe), whose configuration is the host
endpoint's plus the formatting commands; the console host (runspace.console_host) runs the script and
renders output as powershell.exe does when WinRS redirects it (runspace.formatting); errors go to
stderr in the Windows error view, as CLIXML when the command was encoded (powershell.exe assumes
another PowerShell reads it then), else as text; warnings go to stdout. The exit code is
powershell.exe's: `exit N`'s, else 1 when the last statement failed, else 0.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re

from ..exchange import host
from .console_host import Console, ScriptHost
from .formatting import CRLF, error_view
from .language.parser import parse_script
from .language.position import position_message
from .language.syntax import ScriptSyntaxError
from .runspace import Environment


class CommandLineError(Exception):
    """cmd.exe or powershell.exe refused the command line before any PowerShell ran."""


# ---------------------------------------------------------------------------------------------- cmd.exe
def cmd_line(line: str, environment: dict[str, str]) -> str:
    """What `cmd.exe /c` passes to the program: `%NAME%` expanded, carets outside quotes removed. cmd.exe's
    own operators outside double quotes (pipes, `&`, redirection) are refused rather than emulated."""
    expanded = re.sub(r"%([^%\r\n]+)%", lambda m: environment.get(m.group(1).lower(), m.group(0)), line)
    out: list[str] = []
    quoted = False
    index = 0
    while index < len(expanded):
        char = expanded[index]
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "^":
            index += 1
            char = expanded[index] if index < len(expanded) else ""
        elif not quoted and char in "|&<>":
            raise CommandLineError(
                f"cmd.exe treats '{char}' outside double quotes as its own operator (pipe, command separator or "
                "redirection), so powershell.exe would not receive the rest of the line. The Exchange emulator's "
                "cmd shell does not emulate cmd.exe operators: put the PowerShell text in double quotes, e.g. "
                'powershell -NoProfile -Command "Get-RemoteDomain | Format-List". Nothing was run.')
        out.append(char)
        index += 1
    return "".join(out)


def split_arguments(line: str) -> list[str]:
    """A command line split as the Microsoft C runtime splits it into argv: blanks separate arguments,
    double quotes group them (`""` inside quotes is a quote), backslashes escape only quotes."""
    args: list[str] = []
    current: list[str] = []
    started = quoted = False
    index = 0
    while index < len(line):
        char = line[index]
        if char == "\\":
            end = index
            while end < len(line) and line[end] == "\\":
                end += 1
            slashes = end - index
            quote_follows = end < len(line) and line[end] == '"'
            current.append("\\" * (slashes // 2 if quote_follows else slashes))
            if quote_follows and slashes % 2:
                current.append('"')
                end += 1
            index, started = end, True
        elif char == '"':
            if quoted and line[index + 1:index + 2] == '"':
                current.append('"')
                index += 1
            else:
                quoted = not quoted
            index, started = index + 1, True
        elif char in " \t" and not quoted:
            if started:
                args.append("".join(current))
                current, started = [], False
            index += 1
        else:
            current.append(char)
            index, started = index + 1, True
    if started:
        args.append("".join(current))
    return args


# ---------------------------------------------------------------------------------------------- powershell.exe
@dataclasses.dataclass
class PowerShellCommandLine:
    script: str
    encoded: bool = False
    output_format: str | None = None


@dataclasses.dataclass(frozen=True)
class ExeSwitch:
    """A powershell.exe switch: the shortest abbreviation it accepts, and what it does here."""

    name: str
    shortest: str
    action: str  # "ignore", "value", "command", "encoded" or "refuse"
    allowed: tuple[str, ...] = ()

    def matches(self, key: str) -> bool:
        return self.name.startswith(key) and len(key) >= len(self.shortest)


EXECUTION_POLICIES = ("Unrestricted", "RemoteSigned", "AllSigned", "Restricted", "Default", "Bypass", "Undefined")
# In the order powershell.exe 5.1 tries them (so that -e means -EncodedCommand and -ex -ExecutionPolicy).
EXE_SWITCHES = (
    ExeSwitch("help", "h", "refuse"), ExeSwitch("?", "?", "refuse"),
    ExeSwitch("noexit", "noe", "refuse"), ExeSwitch("noprofile", "nop", "ignore"),
    ExeSwitch("nologo", "nol", "ignore"), ExeSwitch("noninteractive", "noni", "ignore"),
    ExeSwitch("sta", "sta", "ignore"), ExeSwitch("mta", "mta", "ignore"),
    ExeSwitch("servermode", "servermode", "refuse"), ExeSwitch("command", "c", "command"),
    ExeSwitch("windowstyle", "w", "value", ("Normal", "Minimized", "Maximized", "Hidden")),
    ExeSwitch("file", "f", "refuse"),
    ExeSwitch("executionpolicy", "ex", "value", EXECUTION_POLICIES), ExeSwitch("ep", "ep", "value", EXECUTION_POLICIES),
    ExeSwitch("encodedcommand", "e", "encoded"), ExeSwitch("ec", "e", "encoded"),
    ExeSwitch("encodedarguments", "encodeda", "refuse"),
    ExeSwitch("outputformat", "o", "value", ("Text", "XML")), ExeSwitch("of", "o", "value", ("Text", "XML")),
    ExeSwitch("inputformat", "in", "value", ("Text", "XML")), ExeSwitch("if", "if", "value", ("Text", "XML")),
    ExeSwitch("psconsolefile", "psconsolefile", "refuse"), ExeSwitch("version", "v", "refuse"),
    ExeSwitch("configurationname", "config", "refuse"),
)
EXAMPLE = 'powershell -NoProfile -Command "Get-RemoteDomain | Format-List"'


def is_powershell(program: str) -> bool:
    return program.replace("/", "\\").rsplit("\\", 1)[-1].lower() in ("powershell", "powershell.exe")


def not_emulated_program(program: str) -> CommandLineError:
    return CommandLineError(
        f"'{program}' is not emulated: the Exchange emulator's cmd shell runs only powershell.exe with -Command or "
        f"-EncodedCommand (for example: {EXAMPLE}).")


def powershell_command_line(args: list[str]) -> PowerShellCommandLine:
    """The script a powershell.exe command line runs, from its switches (abbreviated as powershell.exe allows)."""
    if not is_powershell(args[0]):
        raise not_emulated_program(args[0])
    result = PowerShellCommandLine("")
    index = 1
    while index < len(args):
        arg = args[index]
        if not arg.startswith(("-", "/")) or arg == "-":
            return command_text(result, args[index:])
        switch = find_switch(arg)
        if switch.action == "command":
            return command_text(result, args[index + 1:], arg)
        if switch.action == "refuse":
            raise CommandLineError(f"powershell.exe {arg} is not emulated by the Exchange emulator; use -Command or "
                                   f"-EncodedCommand (for example: {EXAMPLE}).")
        if switch.action in ("value", "encoded"):
            index += 1
            if index >= len(args):
                raise CommandLineError(f"Missing the argument of powershell.exe {arg}.")
            apply_switch_value(result, switch, args[index])
        index += 1
    if not result.script:
        raise CommandLineError("powershell.exe without a command would wait for commands on its input, which the "
                               f"Exchange emulator does not emulate; give -Command or -EncodedCommand ({EXAMPLE}).")
    return result


def find_switch(arg: str) -> ExeSwitch:
    key = arg[1:].lower()
    for switch in EXE_SWITCHES:
        if key and switch.matches(key):
            return switch
    raise CommandLineError(f"'{arg}' is not a powershell.exe switch the Exchange emulator knows (it accepts "
                           "-NoProfile, -NonInteractive, -NoLogo, -ExecutionPolicy, -InputFormat, -OutputFormat Text, "
                           "-WindowStyle, -Command and -EncodedCommand).")


def apply_switch_value(result: PowerShellCommandLine, switch: ExeSwitch, value: str) -> None:
    if switch.action == "encoded":
        result.script, result.encoded = decode_command(value), True
        return
    chosen = next((a for a in switch.allowed if a.lower() == value.lower()), None)
    if chosen is None:
        raise CommandLineError(f"powershell.exe -{switch.name}: '{value}' is not one of {', '.join(switch.allowed)}.")
    if switch.name in ("outputformat", "of"):
        if chosen == "XML":
            raise CommandLineError("powershell.exe -OutputFormat XML is not emulated by the Exchange emulator; use "
                                   "-OutputFormat Text or leave it out.")
        result.output_format = chosen


def decode_command(value: str) -> str:
    try:
        return base64.b64decode(value, validate=True).decode("utf-16-le")
    except (binascii.Error, ValueError):
        raise CommandLineError("Cannot process the command because the value specified with -EncodedCommand is not "
                               "properly encoded. The value must be Base64 encoded.") from None


def command_text(result: PowerShellCommandLine, rest: list[str], switch: str = "") -> PowerShellCommandLine:
    """-Command takes the rest of the line: its arguments joined with spaces, as powershell.exe joins them."""
    if result.script:
        raise CommandLineError("powershell.exe was given both -EncodedCommand and -Command; give one of them.")
    if rest == ["-"]:
        raise CommandLineError("powershell.exe -Command - reads commands from its input, which the Exchange emulator "
                               f"does not emulate; give the commands on the line ({EXAMPLE}).")
    if not rest and switch:
        raise CommandLineError(f"Missing the argument of powershell.exe {switch}.")
    result.script = " ".join(rest)
    return result



# ---------------------------------------------------------------------------------------------- entry point
class CommandLineHost:
    """Runs one WinRS command line (wsman.winrs): returns stdout, stderr and the exit code."""

    def __init__(self, environment: Environment) -> None:
        self.environment = environment

    def run(self, line: str) -> tuple[bytes, bytes, int]:
        try:
            args = split_arguments(cmd_line(line, self.host_variables()))
            if not args:
                return b"", b"", 0
            command = powershell_command_line(args)
        except CommandLineError as refused:
            return b"", (str(refused) + CRLF).encode("utf-8"), 1
        return self.run_powershell(command)

    def run_powershell(self, command: PowerShellCommandLine) -> tuple[bytes, bytes, int]:
        # powershell.exe writes errors as CLIXML when its command was encoded and no -OutputFormat was given.
        console = Console(clixml_errors=command.encoded and command.output_format is None)
        try:
            statements = parse_script(command.script)
        except ScriptSyntaxError as refused:
            console.error_lines(error_view(refused.record(), "", position_message(command.script, refused.extent)))
            return console.result(1)
        return console.result(ScriptHost(self.environment, command.script, console).run(statements))

    def host_variables(self) -> dict[str, str]:
        with self.environment.transaction(mutating=False) as ctx:
            return {k.lower(): v for k, v in host.environment(ctx).items()}

"""The WinRS command line: what cmd.exe and powershell.exe do with the text pywinrm and testinfra send.

WinRS hands the line to `cmd.exe /c`; the emulator runs only `powershell[.exe] ... -Command <text>` or
`-EncodedCommand <base64 UTF-16-LE>` (what pywinrm's `run_ps` sends). The PowerShell text is parsed
whole before anything runs, into statements of commands with literal arguments, `$env:` variables,
arrays, hashtables, pipes and the call operator (the forms administrators type at the Exchange
Management Shell). Anything beyond that (script blocks, other variables, operators, subexpressions,
redirection, keywords, PowerShell commands the emulator does not have) is refused with a message
saying so, and nothing runs: the emulator never guesses what a script meant.

Each command line gets its own runspace (a new powershell.exe), whose configuration is the host
endpoint's plus the formatting commands. Output is rendered as powershell.exe renders it when WinRS
redirects it (runspace.formatting); errors go to stderr in the Windows error view, as CLIXML when the
command was encoded (powershell.exe assumes another PowerShell reads it then), else as text; warnings
go to stdout. The exit code is powershell.exe's: 1 when the last statement failed, else 0.
"""

from __future__ import annotations

import base64
import binascii
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
from .formatting import FORMATTING_COMMANDS, LINE_WIDTH, OutDefault, display_text, error_view, wrap_to_window
from .model import CommandCall, ErrorRecordInfo, InvocationDetails, TerminatingError
from .runspace import Environment, Runspace, redact

CRLF = "\r\n"
BLANKS = " \t\f\v\xa0"
NEWLINES = "\r\n"
DASHES = "-\u2013\u2014\u2015"
SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
DOUBLE_QUOTES = '"\u201c\u201d\u201e'
QUOTES = SINGLE_QUOTES + DOUBLE_QUOTES
# Characters that end a bare word in argument mode, and those allowed right after a complete argument.
WORD_END = BLANKS + NEWLINES + ";|&(){},<>" + QUOTES
ELEMENT_END = BLANKS + NEWLINES + ";|)}"
EXPRESSION_END = ";,)}|" + NEWLINES
ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
PARAMETER_NAME = re.compile(r"[A-Za-z_?][A-Za-z0-9_?]*")
VARIABLE_NAME = re.compile(r"(?:[A-Za-z_][A-Za-z0-9_]*:)?[A-Za-z0-9_]+")
HASH_KEY = re.compile(r"[A-Za-z0-9_+\-]+")
TOKEN = re.compile(r"\S+")
COMMAND_WORD = re.compile(r"[A-Za-z_][^\s,;(){}|]*")
NUMBER = re.compile(r"(?P<sign>[+-]?)(?:0x(?P<hex>[0-9a-f]+)|(?P<dec>(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?))"
                    r"(?P<type>[ld])?(?P<unit>kb|mb|gb|tb|pb)?", re.IGNORECASE)
UNITS = {"kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30, "tb": 1 << 40, "pb": 1 << 50}

KEYWORDS = frozenset({
    "begin", "break", "catch", "class", "configuration", "continue", "data", "define", "do", "dynamicparam",
    "else", "elseif", "end", "enum", "exit", "filter", "finally", "for", "foreach", "from", "function", "hidden",
    "if", "in", "inlinescript", "parallel", "param", "process", "return", "sequence", "static", "switch", "throw",
    "trap", "try", "until", "using", "var", "while", "workflow",
})
# PowerShell commands (and their aliases) that exist on a real server but not in the emulator. Refusing
# them before anything runs keeps a script from running halfway.
NOT_EMULATED_COMMANDS = frozenset({
    "where-object", "where", "?", "foreach-object", "%", "sort-object", "sort", "group-object", "group",
    "write-host", "write-output", "echo", "write", "write-error", "write-warning", "write-verbose",
    "write-debug", "write-information", "out-file", "out-null", "out-host", "oh", "out-gridview", "ogv",
    "tee-object", "tee", "set-content", "add-content", "get-content", "gc", "cat", "type", "invoke-expression",
    "iex", "invoke-command", "icm", "start-sleep", "sleep", "new-object", "import-module", "ipmo", "get-module",
    "get-childitem", "gci", "dir", "ls", "test-path", "set-location", "cd", "sl", "push-location", "pushd",
    "pop-location", "popd", "get-location", "pwd", "get-date", "convertfrom-json", "export-csv", "import-csv",
    "convertto-csv", "convertfrom-csv", "export-clixml", "import-clixml", "convertto-xml", "convertto-html",
    "get-member", "gm", "set-variable", "set", "sv", "get-variable", "gv", "new-variable", "nv",
    "remove-variable", "rv", "new-item", "ni", "remove-item", "ri", "rm", "del", "rmdir", "rd", "erase",
    "copy-item", "copy", "cp", "cpi", "move-item", "move", "mv", "mi", "set-item", "si", "rename-item", "ren",
    "rni", "set-itemproperty", "sp", "new-itemproperty", "remove-itemproperty", "rp", "clear-item", "cli",
    "get-itempropertyvalue", "gpv", "get-process", "ps", "gps", "stop-process", "kill", "spps", "start-process",
    "start", "saps", "get-wmiobject", "gwmi", "get-ciminstance", "gcim", "get-eventlog", "get-winevent",
    "get-acl", "set-acl", "get-psdrive", "gdr", "format-wide", "fw", "format-custom", "fc", "get-pssnapin",
    "remove-pssnapin", "measure-command", "compare-object", "compare", "diff", "get-unique", "gu", "split-path",
    "join-path", "resolve-path", "rvpa", "test-connection", "invoke-webrequest", "iwr", "curl", "wget",
    "invoke-restmethod", "irm", "get-random", "new-guid", "get-history", "h", "history", "clear-host", "cls",
    "clear", "start-transcript", "stop-transcript", "set-executionpolicy", "get-executionpolicy",
    "enter-pssession", "new-pssession", "import-pssession", "select-string", "sls", "read-host", "get-host",
    "get-culture", "get-credential", "set-strictmode", "add-type", "trace-command", "get-eventsubscriber",
})
EMULATED_SUMMARY = ("the Exchange cmdlets (after Add-PSSnapin), Get-Item, Get-ItemProperty, Get-Service, "
                    "Start-/Stop-/Restart-Service, Select-Object, Measure-Object, Get-Command, Format-Table, "
                    "Format-List, ConvertTo-Json and Out-String")


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


# ---------------------------------------------------------------------------------------------- script syntax
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


def number_value(token: str) -> int | float | None:
    """A numeric literal (`10`, `0x1F`, `1.5`, `2e3`, `10MB`, `5l`) or None when the token is not one."""
    match = NUMBER.fullmatch(token)
    if match is None:
        return None
    value: int | float
    if match["hex"]:
        value = int(match["hex"], 16)
    elif any(ch in match["dec"] for ch in ".eE") or (match["type"] or "").lower() == "d":
        value = float(match["dec"])
    else:
        value = int(match["dec"])
    if match["unit"]:
        value = value * UNITS[match["unit"].lower()]
    if isinstance(value, float) and value.is_integer() and match["unit"]:
        value = int(value)
    return -value if match["sign"] == "-" else value


class ScriptParser:
    """A parser for the command subset of the PowerShell language, over the whole text at once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    # ------------------------------------------------------------------ characters
    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.text[index] if 0 <= index < len(self.text) else ""

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def skip_blanks(self, newlines: bool) -> None:
        """Skip spaces, line continuations (a backtick at the end of a line), comments and, if asked, newlines."""
        while not self.at_end():
            char = self.peek()
            if char in BLANKS:
                self.pos += 1
            elif char == "`" and self.peek(1) in NEWLINES and self.peek(1):
                self.pos += 3 if self.text.startswith("\r\n", self.pos + 1) else 2
            elif char == "#":
                while not self.at_end() and self.peek() not in NEWLINES:
                    self.pos += 1
            elif char == "<" and self.peek(1) == "#":
                self.skip_block_comment()
            elif newlines and char in NEWLINES:
                self.pos += 1
            else:
                return

    def skip_block_comment(self) -> None:
        end = self.text.find("#>", self.pos + 2)
        if end < 0:
            raise self.syntax_error("Missing the terminator '#>' of the block comment.",
                                    "MissingTerminatorMultiLineComment", end=len(self.text))
        self.pos = end + 2

    def skip_separators(self) -> None:
        while True:
            self.skip_blanks(newlines=True)
            if self.peek() != ";":
                return
            self.pos += 1

    def syntax_error(self, message: str, error_id: str, start: int | None = None,
                     end: int | None = None) -> ScriptSyntaxError:
        start = self.pos if start is None else start
        return ScriptSyntaxError(message, Extent(start, end if end is not None else start + 1), error_id)

    def token_text(self) -> str:
        match = TOKEN.match(self.text, self.pos)
        return match.group() if match else ""

    # ------------------------------------------------------------------ statements
    def parse(self) -> list[StatementAst]:
        statements: list[StatementAst] = []
        while True:
            self.skip_separators()
            if self.at_end():
                return statements
            statements.append(self.parse_statement())
            self.expect_statement_end()

    def expect_statement_end(self) -> None:
        self.skip_blanks(newlines=False)
        char = self.peek()
        if char in ("", ";") or char in NEWLINES:
            return
        self.refuse_bad_separator()
        raise self.syntax_error(f"Unexpected token '{self.token_text()}' in expression or statement.",
                                "UnexpectedToken", end=self.pos + len(self.token_text()))

    def refuse_bad_separator(self) -> None:
        pair = self.text[self.pos:self.pos + 2]
        if pair in ("&&", "||"):
            raise self.syntax_error(f"The token '{pair}' is not a valid statement separator in this version.",
                                    "InvalidEndOfLine", end=self.pos + 2)

    def starts_expression(self) -> bool:
        char, after = self.peek(), self.peek(1)
        if not char:
            return False
        if char in QUOTES or char in "$@([{!" or char.isdigit():
            return True
        if char == "." and after.isdigit():
            return True
        return char in "+" + DASHES

    def parse_statement(self) -> StatementAst:
        if self.peek() == "|":
            raise self.syntax_error("An empty pipe element is not allowed.", "EmptyPipeElement")
        if self.starts_expression():
            leading, _ = self.parse_expression_list()
            return StatementAst(leading, self.parse_pipeline_tail())
        return StatementAst(None, [self.parse_command(), *self.parse_pipeline_tail()])

    def parse_pipeline_tail(self) -> list[CommandAst]:
        commands: list[CommandAst] = []
        while True:
            save = self.pos
            self.skip_blanks(newlines=False)
            if self.peek() != "|":
                self.pos = save
                return commands
            bar = self.pos
            self.refuse_bad_separator()
            self.pos += 1
            self.skip_blanks(newlines=True)
            if self.peek() in ("", ";", "|", ")", "}"):
                raise self.syntax_error("An empty pipe element is not allowed.", "EmptyPipeElement", bar)
            if self.starts_expression():
                raise self.syntax_error("Expressions are only allowed as the first element of a pipeline.",
                                        "ExpressionsMustBeFirstInPipeline", end=self.pos + len(self.token_text()))
            commands.append(self.parse_command())

    # ------------------------------------------------------------------ commands
    def parse_command(self) -> CommandAst:
        start = self.pos
        call_operator = self.peek() == "&"
        if call_operator:
            self.refuse_bad_separator()
            self.pos += 1
            self.skip_blanks(newlines=False)
            name = self.parse_call_target()
        elif self.peek() == "." and self.peek(1) and self.peek(1) in BLANKS:
            raise unsupported("Dot-sourcing ('. <script>'; run scripts with the call operator '&')", start)
        else:
            name = Literal(self.read_command_word())
        end = self.pos
        elements: list[Element] = []
        while True:
            self.skip_blanks(newlines=False)
            if self.at_command_end():
                return CommandAst(name, elements, Extent(start, end), call_operator)
            element = self.parse_element()
            elements.append(element)
            end = element.extent.end

    def at_command_end(self) -> bool:
        char = self.peek()
        if char == "&":
            self.refuse_bad_separator()
            raise self.syntax_error(
                "The ampersand (&) character is not allowed. The & operator is reserved for future use; wrap an "
                'ampersand in double quotation marks ("&") to pass it as part of a string.', "AmpersandNotAllowed")
        return char in ("", ";", "|", ")", "}") or char in NEWLINES

    def parse_call_target(self) -> Node:
        start = self.pos
        if self.at_command_end():
            raise self.syntax_error("Missing expression after '&' in pipeline element.", "MissingExpression")
        target = self.parse_argument_value()
        if isinstance(target, (ArrayLiteral, HashLiteral, CommaList)):
            raise unsupported("Calling an array or hashtable with '&'", start, self.pos)
        self.check_argument_end()
        return target

    def read_command_word(self) -> str:
        start = self.pos
        char = self.peek()
        if char == "{":
            raise unsupported("Script blocks ({ ... })", start)
        if char in "<>":
            raise unsupported("Redirection (>, >>, 2>&1, <)", start)
        if char in ")}":
            raise self.syntax_error(f"Unexpected token '{char}' in expression or statement.", "UnexpectedToken")
        parts, raw = self.read_word_parts()
        if not all(isinstance(p, str) for p in parts):
            raise unsupported("A command name built from variables", start, self.pos)
        word = "".join(typing.cast(list[str], parts))
        if not raw:
            raise self.syntax_error(f"Unexpected token '{self.token_text()}' in expression or statement.",
                                    "UnexpectedToken")
        if word.lower() in KEYWORDS:
            raise unsupported(f"The '{word}' keyword (if, foreach, while, function, exit and other language "
                              "statements)", start, self.pos)
        return word

    def parse_element(self) -> Element:
        start = self.pos
        char, after = self.peek(), self.peek(1)
        if char in DASHES and (after.isalpha() or (after and after in "_?")):
            return self.parse_parameter()
        if char in DASHES and after and after in DASHES:
            raise unsupported("'--' and the stop-parsing token '--%'", start, start + 2)
        value = self.parse_argument_list()
        return ArgumentElement(value, Extent(start, self.pos))

    def parse_parameter(self) -> ParameterElement:
        start = self.pos
        self.pos += 1
        match = typing.cast(re.Match[str], PARAMETER_NAME.match(self.text, self.pos))
        self.pos = match.end()
        if self.peek() == ":":
            self.pos += 1
            self.skip_blanks(newlines=False)
            if self.at_command_end() or self.peek() == ",":
                raise self.syntax_error(f"The parameter -{match.group()}: has no argument after its colon.",
                                        "MissingArgument", start, self.pos)
            argument = self.parse_argument_list()
            return ParameterElement(match.group(), argument, Extent(start, self.pos))
        if self.peek() and self.peek() not in ELEMENT_END:
            raise unsupported(f"'{self.text[start:self.pos + 1]}' (a parameter name joined to other text; write "
                              "-Name value or -Name:value)", start, self.pos + 1)
        return ParameterElement(match.group(), None, Extent(start, self.pos))

    # ------------------------------------------------------------------ arguments (argument mode)
    def parse_argument_list(self) -> Node:
        """An argument: one value, or values separated by commas (`a,b,'c'`)."""
        items = [self.parse_argument_value()]
        self.check_argument_end()
        while True:
            save = self.pos
            self.skip_blanks(newlines=False)
            if self.peek() != ",":
                self.pos = save
                return items[0] if len(items) == 1 else CommaList(items)
            self.pos += 1
            self.skip_blanks(newlines=True)
            if self.at_command_end() or self.peek() == ",":
                raise self.syntax_error("Missing argument in parameter list.", "MissingArgument")
            items.append(self.parse_argument_value())
            self.check_argument_end()

    def check_argument_end(self) -> None:
        char = self.peek()
        if not char or char in ELEMENT_END or char == "," or (char == "`" and self.peek(1) in NEWLINES):
            return
        if char in "<>":
            raise unsupported("Redirection (>, >>, 2>&1, <)", self.pos)
        if char == "&":
            self.at_command_end()
        raise unsupported(f"'{self.token_text()}' (a value joined to more text without a space; quote the whole "
                          "value)", self.pos, self.pos + len(self.token_text()))

    def parse_argument_value(self) -> Node:
        start = self.pos
        char = self.peek()
        if not char:
            raise self.syntax_error("Missing argument in parameter list.", "MissingArgument")
        if char in SINGLE_QUOTES:
            return Literal(self.read_single_quoted())
        if char in DOUBLE_QUOTES:
            return self.read_double_quoted()
        if char == "$":
            return self.parse_variable_argument()
        if char in "@(":
            return self.parse_grouping()
        if char == "{":
            raise unsupported("Script blocks ({ ... })", start)
        if char == "[":
            raise unsupported("Type literals and casts ([type])", start)
        if char in "<>":
            raise unsupported("Redirection (>, >>, 2>&1, <)", start)
        return self.parse_bare_word()

    def parse_bare_word(self) -> Node:
        parts, raw = self.read_word_parts()
        if not raw:
            raise self.syntax_error(f"Unexpected token '{self.peek()}' in expression or statement.", "UnexpectedToken")
        if all(isinstance(p, str) for p in parts):
            text = "".join(typing.cast(list[str], parts))
            number = number_value(raw) if raw == text else None
            return Literal(text if number is None else number)
        return ExpandableString(parts)

    def read_word_parts(self) -> tuple[list[str | Node], str]:
        """A bare word: its text with backtick escapes applied and `$env:` variables as parts, and its raw text."""
        start = self.pos
        parts: list[str | Node] = []
        buffer: list[str] = []
        while not self.at_end():
            char = self.peek()
            if char in WORD_END or (char == "`" and self.peek(1) in NEWLINES):
                break  # a backtick at the end of a line (or of the text) continues the line
            if char == "`":
                buffer.append(ESCAPES.get(self.peek(1), self.peek(1)))
                self.pos += 2
            elif char == "$":
                variable = self.read_embedded_variable()
                if isinstance(variable, str):
                    buffer.append(variable)
                else:
                    parts.extend(["".join(buffer), variable] if buffer else [variable])
                    buffer = []
            else:
                buffer.append(char)
                self.pos += 1
        if buffer:
            parts.append("".join(buffer))
        return parts, self.text[start:self.pos]

    def parse_variable_argument(self) -> Node:
        """A variable as an argument; text right after it (`$env:X\\Scripts\\a.ps1`) joins it into one string."""
        start = self.pos
        variable = self.read_embedded_variable()
        node: Node = Literal(variable) if isinstance(variable, str) else variable
        char = self.peek()
        if char and char in ".[(":
            raise unsupported("Member access, indexing and method calls on variables ($x.Name, $x[0])", start,
                              self.pos + 1)
        if not char or char in WORD_END or (char == "`" and self.peek(1) in NEWLINES):
            return node
        rest, _ = self.read_word_parts()
        return ExpandableString([node, *rest])

    def read_embedded_variable(self) -> Node | str:
        """`$env:NAME`, `${env:NAME}`, `$true`, `$false`, `$null` at `$`; a `$` that starts no name is itself."""
        start = self.pos
        after = self.peek(1)
        if after == "(":
            raise unsupported("Subexpressions ($( ... ))", start, start + 2)
        if after == "{":
            end = self.text.find("}", start + 2)
            if end < 0:
                raise self.syntax_error("Missing '}' at the end of the variable name.", "MissingEndCurlyBrace")
            self.pos = end + 1
            return variable_node(self.text[start + 2:end], Extent(start, self.pos))
        match = VARIABLE_NAME.match(self.text, start + 1)
        if match is None:
            if after and after in "?$^":
                raise unsupported(f"The automatic variable ${after}", start, start + 2)
            self.pos += 1
            return "$"
        self.pos = match.end()
        return variable_node(match.group(), Extent(start, self.pos))

    # ------------------------------------------------------------------ strings
    def read_single_quoted(self) -> str:
        start = self.pos
        self.pos += 1
        out: list[str] = []
        while True:
            if self.at_end():
                raise self.syntax_error("The string is missing the terminator: '.", "TerminatorExpectedAtEndOfString",
                                        start, len(self.text))
            char = self.peek()
            self.pos += 1
            if char in SINGLE_QUOTES:
                if self.peek() and self.peek() in SINGLE_QUOTES:
                    out.append("'")
                    self.pos += 1
                    continue
                return "".join(out)
            out.append(char)

    def read_double_quoted(self) -> Node:
        start = self.pos
        self.pos += 1
        parts: list[str | Node] = []
        buffer: list[str] = []
        while True:
            if self.at_end():
                raise self.syntax_error('The string is missing the terminator: ".', "TerminatorExpectedAtEndOfString",
                                        start, len(self.text))
            char = self.peek()
            if char in DOUBLE_QUOTES:
                if self.peek(1) and self.peek(1) in DOUBLE_QUOTES:
                    buffer.append('"')
                    self.pos += 2
                    continue
                self.pos += 1
                break
            if char == "`" and self.peek(1):
                buffer.append(ESCAPES.get(self.peek(1), self.peek(1)))
                self.pos += 2
            elif char == "$":
                variable = self.read_embedded_variable()
                if isinstance(variable, str):
                    buffer.append(variable)
                else:
                    parts.extend(["".join(buffer), variable])
                    buffer = []
            else:
                buffer.append(char)
                self.pos += 1
        parts.append("".join(buffer))
        parts = [p for p in parts if p != ""]
        if all(isinstance(p, str) for p in parts):
            return Literal("".join(typing.cast(list[str], parts)))
        return ExpandableString(parts)

    # ------------------------------------------------------------------ expressions (expression mode)
    def parse_expression_list(self) -> tuple[Node, int]:
        """Values separated by commas, as an expression (statement start, inside (), @() and @{})."""
        items = [self.parse_expression_value()]
        end = self.pos
        while True:
            save = self.pos
            self.skip_blanks(newlines=False)
            if self.peek() != ",":
                self.pos = save
                break
            self.pos += 1
            self.skip_blanks(newlines=True)
            if not self.starts_expression():
                self.refuse_command_here()
                raise self.syntax_error("Missing expression after ','.", "MissingExpressionAfterToken")
            items.append(self.parse_expression_value())
            end = self.pos
        self.check_expression_end()
        return (items[0] if len(items) == 1 else CommaList(items)), end

    def check_expression_end(self) -> None:
        save = self.pos
        self.skip_blanks(newlines=False)
        char = self.peek()
        self.pos = save
        if not char or char in EXPRESSION_END or self.text.startswith(("&&", "||"), self.pos):
            return
        start = save + len(self.text[save:]) - len(self.text[save:].lstrip(BLANKS))
        raise unsupported("Operators, member access and assignments", start)

    def parse_expression_value(self) -> Node:
        start = self.pos
        char, after = self.peek(), self.peek(1)
        if not char:
            raise self.syntax_error("An expression was expected.", "ExpectedExpression")
        if char in SINGLE_QUOTES:
            return Literal(self.read_single_quoted())
        if char in DOUBLE_QUOTES:
            return self.read_double_quoted()
        if char == "$":
            variable = self.read_embedded_variable()
            if self.peek() and self.peek() in ".[(":
                raise unsupported("Member access, indexing and method calls on variables ($x.Name, $x[0])", start,
                                  self.pos + 1)
            return Literal(variable) if isinstance(variable, str) else variable
        if char in "@(":
            return self.parse_grouping()
        if char == "{":
            raise unsupported("Script blocks ({ ... })", start)
        if char == "[":
            raise unsupported("Type literals and casts ([type])", start)
        if char.isdigit() or char == "." or (char in "+" + DASHES and (after.isdigit() or after == ".")):
            return self.parse_number()
        if char in DASHES + "!":
            raise unsupported("Operators (-not, -join, !, ...)", start)
        self.refuse_command_here()
        raise self.syntax_error(f"Unexpected token '{self.token_text()}' in expression or statement.",
                                "UnexpectedToken")

    def refuse_command_here(self) -> None:
        """A bare word where a value is expected would run a command inside an expression."""
        match = COMMAND_WORD.match(self.text, self.pos)
        if match:
            raise unsupported(f"'{match.group()}' here would run a command inside an expression; commands inside "
                              "(...), @(...) or @{...} are not run: quote literal text", self.pos, match.end())

    def parse_number(self) -> Node:
        start = self.pos
        sign = self.peek() if self.peek() in "+" + DASHES else ""
        self.pos += len(sign)
        parts, raw = self.read_word_parts()
        number = number_value(("-" if sign and sign != "+" else sign) + raw)
        if number is None or not all(isinstance(p, str) for p in parts):
            raise unsupported(f"The expression '{self.text[start:self.pos]}'", start, self.pos)
        return Literal(number)

    def parse_grouping(self) -> Node:
        char, after = self.peek(), self.peek(1)
        if char == "(":
            return self.parse_parenthesized()
        if after == "(":
            return self.parse_array_literal()
        if after == "{":
            return self.parse_hash_literal()
        if after and after in QUOTES:
            raise unsupported("Here-strings (@' ... '@)", self.pos, self.pos + 2)
        raise unsupported("Splatting (@name)", self.pos, self.pos + 1 + len(self.token_text()))

    def parse_parenthesized(self) -> Node:
        start = self.pos
        self.pos += 1
        self.skip_blanks(newlines=True)
        if self.peek() == ")":
            raise self.syntax_error("An expression was expected after '('.", "ExpectedExpression", start)
        if not self.at_end() and not self.starts_expression():
            self.refuse_command_here()
        value, _ = self.parse_expression_list()
        self.skip_blanks(newlines=True)
        if self.at_end():
            raise self.syntax_error("Missing closing ')' in expression.", "MissingEndParenthesisInExpression", start)
        if self.peek() != ")":
            raise unsupported("Statements inside parentheses", self.pos)
        self.pos += 1
        return value

    def parse_array_literal(self) -> Node:
        start = self.pos
        self.pos += 2
        statements: list[Node] = []
        while True:
            self.skip_separators()
            if self.at_end():
                raise self.syntax_error("Missing closing ')' in subexpression.",
                                        "MissingEndParenthesisInSubexpression", start, start + 2)
            if self.peek() == ")":
                self.pos += 1
                return ArrayLiteral(statements)
            if not self.starts_expression():
                self.refuse_command_here()
            value, _ = self.parse_expression_list()
            statements.append(value)
            self.skip_blanks(newlines=False)
            if self.peek() in ("|", "}"):
                raise unsupported("Pipelines inside @( ... )", self.pos)

    def parse_hash_literal(self) -> Node:
        start = self.pos
        self.pos += 2
        entries: list[tuple[str, Node]] = []
        while True:
            self.skip_separators()
            if self.at_end():
                raise self.syntax_error("Missing closing '}' in statement block or type definition.",
                                        "MissingEndCurlyBrace", start, start + 2)
            if self.peek() == "}":
                self.pos += 1
                return HashLiteral(entries)
            entries.append(self.parse_hash_entry(entries))

    def parse_hash_entry(self, entries: list[tuple[str, Node]]) -> tuple[str, Node]:
        key_start = self.pos
        key = self.read_hash_key()
        self.skip_blanks(newlines=False)
        if self.peek() != "=":
            raise self.syntax_error("Missing '=' operator after key in hash literal.", "MissingEqualsInHashLiteral")
        self.pos += 1
        self.skip_blanks(newlines=True)
        if self.at_end() or self.peek() in ";}":
            raise self.syntax_error("Missing statement after '=' in hash literal.", "MissingStatementInHashLiteral")
        if not self.starts_expression():
            self.refuse_command_here()
        value, _ = self.parse_expression_list()
        if any(k.lower() == key.lower() for k, _ in entries):
            raise self.syntax_error(f"Duplicate keys '{key}' are not allowed in hash literals.",
                                    "DuplicateKeyInHashLiteral", key_start, key_start + len(key))
        self.skip_blanks(newlines=False)
        if self.peek() and self.peek() not in ";}" + NEWLINES:
            raise unsupported("Pipelines and statements as hashtable values", self.pos)
        return key, value

    def read_hash_key(self) -> str:
        char = self.peek()
        if char in SINGLE_QUOTES:
            return self.read_single_quoted()
        if char in DOUBLE_QUOTES:
            key = self.read_double_quoted()
            if not isinstance(key, Literal):
                raise unsupported("Hashtable keys with variables", self.pos)
            return str(key.value)
        match = HASH_KEY.match(self.text, self.pos)
        if match is None:
            raise unsupported("Computed hashtable keys", self.pos)
        self.pos = match.end()
        return match.group()


def variable_node(name: str, extent: Extent) -> Node:
    lowered = name.lower()
    if lowered in ("true", "false", "null"):
        return Literal({"true": True, "false": False, "null": None}[lowered])
    scope, _, rest = name.partition(":")
    if rest and scope.lower() == "env":
        return EnvVariable(rest)
    raise unsupported(f"The variable ${name} (the emulator resolves only $env:NAME, $true, $false and $null)",
                      extent.start, extent.end)


def parse_script(text: str) -> list[StatementAst]:
    """The whole script, checked before anything runs: syntax, then commands the emulator does not have."""
    statements = ScriptParser(text).parse()
    for statement in statements:
        for command in statement.commands:
            refuse_not_emulated(command)
    return statements


def refuse_not_emulated(command: CommandAst) -> None:
    if command.call_operator or not isinstance(command.name, Literal):
        return
    name = str(command.name.value)
    if name.lower() in NOT_EMULATED_COMMANDS:
        raise ScriptSyntaxError(
            f"'{name}' is a PowerShell command the Exchange emulator does not emulate (it runs {EMULATED_SUMMARY}); "
            "filter, sort and loop in your client instead. Nothing was run.",
            Extent(command.extent.start, command.extent.start + len(name)), "EmulatorCommandNotSupported")


# ---------------------------------------------------------------------------------------------- values
def evaluate(node: Node, environment: dict[str, str]) -> typing.Any:
    """A parsed value with `$env:` variables looked up (a missing variable is $null)."""
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, EnvVariable):
        return environment.get(node.name.lower())
    if isinstance(node, ExpandableString):
        return "".join(p if isinstance(p, str) else display_text(evaluate(p, environment)) for p in node.parts)
    if isinstance(node, CommaList):
        return [evaluate(item, environment) for item in node.items]
    if isinstance(node, ArrayLiteral):
        values: list[typing.Any] = []
        for statement in node.statements:
            value = evaluate(statement, environment)
            values.extend(value if isinstance(value, list) else [value])
        return values
    return {key: evaluate(value, environment) for key, value in node.entries}


# ---------------------------------------------------------------------------------------------- position text
def line_at(text: str, offset: int) -> tuple[int, int, str]:
    """Line number and column (both from 1) of an offset, and that line's text."""
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = min((i for i in (text.find("\n", line_start), text.find("\r", line_start)) if i >= 0),
                   default=len(text))
    return text.count("\n", 0, offset) + 1, offset - line_start + 1, text[line_start:line_end]


def position_message(text: str, extent: Extent) -> str:
    """`At line:N char:M`, the line and a `~` underline, shortened around the error when the line is long
    (PowerShell 5.1 shows at most 69 characters of it)."""
    line, column, source = line_at(text, extent.start)
    end_line, end_column, _ = line_at(text, max(extent.end, extent.start))
    source = source.rstrip()
    before = column - 1
    length = end_column - column if end_line == line and end_column <= len(source) + 1 else len(source) - before
    if "\t" in source:
        head, marked = source[:before].replace("\t", "    "), source[before:before + length].replace("\t", "    ")
        source = head + marked + source[before + length:].replace("\t", "    ")
        before, length = len(head), len(marked)
    if not source:
        return f"At line:{line} char:{column}\n+ "
    shown, before, length, cut_before, cut_after = window(source, before, length)
    underline = " " * (before + (4 if cut_before else 0)) + "~" * max(length, 1)
    shown = ("... " if cut_before else "") + shown + (" ..." if cut_after else "")
    return f"At line:{line} char:{column}\n+ {shown}\n+ {underline}"


POSITION_LINE_LIMIT = 69


def window(source: str, before: int, length: int) -> tuple[str, int, int, bool, bool]:
    """The part of a long line shown around the error: up to 12 characters before it and 8 after."""
    limit = POSITION_LINE_LIMIT
    if len(source) <= limit:
        return source, before, length, False, False
    shown_before, after = min(before, 12), len(source) - length - before
    shown_after = min(after, 8)
    if shown_before + length + shown_after >= limit:
        if shown_before + length >= limit:
            length = limit - shown_before
        cut_after = True
    else:
        shown_before += min(before - shown_before, limit - (shown_before + length + shown_after))
        total = shown_before + length + shown_after
        if total < limit and after > 0:
            shown_after += min(after, limit - total)
        cut_after = shown_after < after
    cut_before = shown_before < before
    start = max(before - shown_before, 0)
    before = min(before, shown_before)
    return source[start:start + limit], before, min(length, limit - before), cut_before, cut_after


# ---------------------------------------------------------------------------------------------- host output
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

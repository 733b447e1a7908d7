"""The WinRS cmd shell: powershell.exe command lines as pywinrm (`run_cmd`, `run_ps`) and testinfra send them.

Unit tests cover each layer on its own (cmd.exe's line, powershell.exe's switches, the PowerShell parser,
the formatters); the end-to-end tests drive a lab with the unmodified clients and check outputs, exit
codes, stderr, the audit log and the persisted state.
"""

from __future__ import annotations

import base64
import datetime
import json
import re
import typing

import pytest
import testinfra
import winrm

from exchange_emulator.app import ServerEnvironment
from exchange_emulator.exchange.records import MultiValued, Record
from exchange_emulator.runspace.command_line import (
    CommandLineError,
    CommandLineHost,
    cmd_line,
    powershell_command_line,
    split_arguments,
)
from exchange_emulator.runspace.formatting import (
    Align,
    ListEntry,
    OutDefault,
    TableRow,
    TableShape,
    category_chunks,
    display_text,
    error_view,
    fit_cell,
    fit_columns,
    render_list_entry,
    render_table,
    to_json,
    wrap_to_window,
    wrap_words,
)
from exchange_emulator.runspace.language.evaluation import evaluate
from exchange_emulator.runspace.language.parser import parse_script
from exchange_emulator.runspace.language.position import position_message
from exchange_emulator.runspace.language.syntax import ArgumentElement, Extent, ParameterElement, ScriptSyntaxError
from exchange_emulator.runspace.model import ErrorRecordInfo

from clients import PASSWORD, USER

SNAPIN = "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn"
ENV = {"exchangeinstallpath": "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\", "computername": "EX01"}


# ---------------------------------------------------------------------------------------------- helpers
def session(lab: typing.Any, server: str = "EX01") -> winrm.Session:
    port = lab.server(server)["port"]
    return winrm.Session(f"http://127.0.0.1:{port}/wsman", auth=(USER, PASSWORD), transport="ntlm")


def quoted(script: str) -> str:
    """The script as one double-quoted argument, so that cmd.exe passes its pipes on to powershell.exe."""
    return '"' + script.replace('"', '\\"') + '"'


def run_cmd(lab: typing.Any, script: str, server: str = "EX01") -> winrm.Response:
    return session(lab, server).run_cmd("powershell", ["-NoProfile", "-NonInteractive", "-Command", quoted(script)])


def host_of(lab: typing.Any, server: str = "EX01") -> CommandLineHost:
    """The command-line host as WinRS calls it, without the transport (for exact-output checks)."""
    return CommandLineHost(ServerEnvironment(lab.server_process, server, "WinRS", f"CONTOSO\\{USER}"))


def run_line(lab: typing.Any, line: str, server: str = "EX01") -> tuple[str, str, int]:
    out, err, code = host_of(lab, server).run(line)
    return out.decode("utf-8"), err.decode("utf-8"), code


def list_output(text: str) -> dict[str, str]:
    """`Name : Value` lines of Format-List output (values that fit on one line)."""
    fields = {}
    for line in text.splitlines():
        match = re.match(r"^(\S+)\s+: (.*)$", line)
        if match:
            fields[match.group(1)] = match.group(2).rstrip()
    return fields


def table_rows(text: str) -> list[list[str]]:
    """Rows of a table; each column starts where its dashes start."""
    lines = text.split("\r\n")
    dashes = next(i for i, line in enumerate(lines) if line.startswith("--"))
    starts = [m.start() for m in re.finditer(r"-+", lines[dashes])]
    spans = list(zip(starts, [*starts[1:], 10_000], strict=True))
    rows = []
    for line in lines[dashes + 1:]:
        if not line.strip():
            break
        rows.append([line[start:end].strip() for start, end in spans])
    return rows


def squeezed(text: str) -> str:
    """Text without any whitespace: the error view wraps lines and cuts long words at the console width."""
    return re.sub(r"\s+", "", text)


def has_remote_domain(lab: typing.Any, name: str) -> bool:
    def walk(node: typing.Any) -> bool:
        if isinstance(node, dict):
            if node.get("Name") == name and "DomainName" in node and "AllowedOOFType" in node:
                return True
            return any(walk(v) for v in node.values())
        if isinstance(node, list):
            return any(walk(v) for v in node)
        return False
    return walk(lab.state())


# ---------------------------------------------------------------------------------------------- cmd.exe
@pytest.mark.parametrize(("line", "args"), [
    ("powershell -NoProfile -Command Get-RemoteDomain", ["powershell", "-NoProfile", "-Command", "Get-RemoteDomain"]),
    ('powershell -Command "Get-RemoteDomain | fl"', ["powershell", "-Command", "Get-RemoteDomain | fl"]),
    ('a "b c" d', ["a", "b c", "d"]),
    ('a "say \\"hi\\"" b', ["a", 'say "hi"', "b"]),
    ('a "x""y"', ["a", 'x"y']),
    ("a C:\\dir\\ b", ["a", "C:\\dir\\", "b"]),
    ('a "C:\\dir\\\\" b', ["a", "C:\\dir\\", "b"]),
    ("  spaced   out  ", ["spaced", "out"]),
])
def test_command_lines_split_as_the_c_runtime_splits_argv(line, args):
    assert split_arguments(line) == args


def test_cmd_refuses_its_own_operators_outside_quotes_and_passes_them_inside():
    for line in ("powershell -Command Get-RemoteDomain | fl", "powershell -Command a & b", "powershell x > out.txt"):
        with pytest.raises(CommandLineError, match="outside double quotes"):
            cmd_line(line, ENV)
    assert cmd_line('powershell -Command "a | b & c > d"', ENV) == 'powershell -Command "a | b & c > d"'
    assert cmd_line("powershell -Command a ^| b", ENV) == "powershell -Command a | b"


def test_cmd_expands_percent_variables_it_knows_and_leaves_the_others():
    assert cmd_line("echo %COMPUTERNAME% %NOPE%", ENV) == "echo EX01 %NOPE%"


# ---------------------------------------------------------------------------------------------- powershell.exe
def encode(script: str) -> str:
    return base64.b64encode(script.encode("utf-16-le")).decode("ascii")


@pytest.mark.parametrize("args", [
    ["powershell", "-NoProfile", "-NonInteractive", "-NoLogo", "-Command", "Get-X", "a"],
    ["PowerShell.exe", "-nop", "-noni", "-ep", "Bypass", "-c", "Get-X", "a"],
    ["C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "/NoProfile", "-ExecutionPolicy",
     "unrestricted", "-InputFormat", "Text", "-OutputFormat", "Text", "-WindowStyle", "Hidden", "-Command", "Get-X a"],
    ["powershell", "-NoProfile", "Get-X", "a"],
])
def test_powershell_switches_and_abbreviations_before_the_command(args):
    assert powershell_command_line(args).script == "Get-X a"


@pytest.mark.parametrize("switch", ["-EncodedCommand", "-enc", "-e", "-ec", "-EncodedC"])
def test_encoded_commands_are_utf16_base64(switch):
    command = powershell_command_line(["powershell", "-NonInteractive", switch, encode("Get-X 'é'"), "-NoProfile"])
    assert (command.script, command.encoded, command.output_format) == ("Get-X 'é'", True, None)


@pytest.mark.parametrize(("args", "message"), [
    (["ipconfig", "/all"], "'ipconfig' is not emulated"),
    (["powershell", "-File", "x.ps1"], "-File is not emulated"),
    (["powershell", "-NoExit", "-Command", "x"], "-NoExit is not emulated"),
    (["powershell", "-Bogus"], "not a powershell.exe switch"),
    (["powershell", "-ExecutionPolicy"], "Missing the argument"),
    (["powershell", "-ExecutionPolicy", "Lax", "-Command", "x"], "not one of"),
    (["powershell", "-OutputFormat", "XML", "-Command", "x"], "-OutputFormat XML is not emulated"),
    (["powershell", "-EncodedCommand", "%%%"], "not properly encoded"),
    (["powershell", "-NoProfile"], "without a command"),
    (["powershell", "-Command", "-"], "reads commands from its input"),
])
def test_powershell_command_lines_the_emulator_refuses(args, message):
    with pytest.raises(CommandLineError, match=re.escape(message)):
        powershell_command_line(args)


# ---------------------------------------------------------------------------------------------- the parser
def described(text: str) -> list[list[tuple[typing.Any, list[typing.Any]]]]:
    """Statements as [(command name, [elements])], parameters as ('-Name', value or None)."""
    statements = []
    for statement in parse_script(text):
        commands = []
        for command in statement.commands:
            elements: list[typing.Any] = []
            for element in command.elements:
                if isinstance(element, ParameterElement):
                    argument = None if element.argument is None else evaluate(element.argument, ENV)
                    elements.append(("-" + element.name, argument))
                else:
                    assert isinstance(element, ArgumentElement)
                    elements.append(evaluate(element.value, ENV))
            commands.append((evaluate(command.name, ENV), elements))
        statements.append(commands)
    return statements


def test_commands_with_positional_named_and_switch_parameters():
    assert described("Set-RemoteDomain Default -AutoReplyEnabled $false -Confirm:$false -Force -ea Stop") == [[
        ("Set-RemoteDomain", ["Default", ("-AutoReplyEnabled", None), False, ("-Confirm", False), ("-Force", None),
                              ("-ea", None), "Stop"]),
    ]]


def test_literals_as_administrators_type_them():
    [[(_, values)]] = described(
        "Write-Thing 'it''s' \"a `\"b`\" \"\"c\"\"`t\" 10 0x1F 1.5 10MB -5 $true $null Default 10.0.0.1 "
        "contoso.com *.contoso.com C:\\Temp\\x.txt")
    assert values == ["it's", 'a "b" "c"\t', 10, 31, 1.5, 10 * 1024 * 1024, -5, True, None, "Default", "10.0.0.1",
                      "contoso.com", "*.contoso.com", "C:\\Temp\\x.txt"]


def test_lists_arrays_and_hashtables():
    [[(_, values)]] = described(
        "Set-X a,b,'c' @('d', \"e\") @() @{Add='10.0.1.10','10.0.1.11'; Remove=\"1.2.3.4\"} "
        "@{\n  Name = 'x'\n  Count = 2\n} ('p','q') @(@('n'), 'm')")
    assert values == [["a", "b", "c"], ["d", "e"], [], {"Add": ["10.0.1.10", "10.0.1.11"], "Remove": "1.2.3.4"},
                      {"Name": "x", "Count": 2}, ["p", "q"], [["n"], "m"]]


def test_environment_variables_bare_braced_and_inside_strings():
    [[(name, values)]] = described(
        '& "$env:ExchangeInstallPath\\Scripts\\Install-AntiSpamAgents.ps1" $env:COMPUTERNAME '
        "${env:computername} $env:ExchangeInstallPath\\Bin 'no $env:X here' \"cost: $ 5\" $env:UNSET")
    assert name == "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\\\Scripts\\Install-AntiSpamAgents.ps1"
    assert values == ["EX01", "EX01", "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\\\Bin", "no $env:X here",
                      "cost: $ 5", None]


def test_statements_pipes_comments_and_line_continuations():
    text = ("Add-PSSnapin X; Get-RemoteDomain |\n  Format-List Name # the name only\n"
            "<# a block\ncomment #>\nGet-A `\n  -Identity b\r\n\r\n'out'; ;")
    assert described(text) == [
        [("Add-PSSnapin", ["X"])],
        [("Get-RemoteDomain", []), ("Format-List", ["Name"])],
        [("Get-A", [("-Identity", None), "b"])],
        [],
    ]
    assert parse_script(text)[3].leading is not None


@pytest.mark.parametrize(("text", "what"), [
    ("Get-RemoteDomain | Out-File x.txt", "'Out-File' is a PowerShell command the Exchange emulator does not emulate"),
    ("foreach ($d in Get-RemoteDomain) { $d.Name }", "The 'foreach' keyword"),
    ("while ($true) { 1 }", "The 'while' keyword"),
    ("function f { 1 }", "The 'function' keyword"),
    ("try { Get-X } catch { 1 }", "The 'try' keyword"),
    ("$x.Name = 1", "Assigning to a member"),
    ("$ErrorActionPreference = 'Stop'", "The automatic variable $ErrorActionPreference"),
    ("$PSVersionTable.PSVersion", "The automatic variable $PSVersionTable"),
    ("Get-X $function:f", "drive-qualified"),
    ("'{0}' -f 1", "The -f operator"),
    ("$x -is [string]", "The -is operator"),
    ("1 -band 2", "The -band operator"),
    ("[Math]::Round(1.5)", "Type literals"),
    ("Get-RemoteDomain > out.txt", "Redirection"),
    ("Get-RemoteDomain 2>&1", "Redirection"),
    ("Get-X @params", "Splatting"),
    ("Get-X @'\nhi\n'@", "Here-strings"),
    (". C:\\x.ps1", "Dot-sourcing"),
    ("Get-X [int]5", "Type literals"),
    ("Get-X 'a'b", "a value joined to more text"),
])
def test_unsupported_syntax_is_refused_with_what_and_why(text, what):
    with pytest.raises(ScriptSyntaxError) as refused:
        parse_script(text)
    assert what in refused.value.message
    assert "Nothing was run." in refused.value.message


@pytest.mark.parametrize(("text", "error_id", "message"), [
    ("Get-X 'abc", "TerminatorExpectedAtEndOfString", "The string is missing the terminator: '."),
    ('Get-X "abc', "TerminatorExpectedAtEndOfString", 'The string is missing the terminator: ".'),
    ("Get-X |", "EmptyPipeElement", "An empty pipe element is not allowed."),
    ("Get-X && Get-Y", "InvalidEndOfLine", "The token '&&' is not a valid statement separator in this version."),
    ("Get-X @{a=1; A=2}", "DuplicateKeyInHashLiteral", "Duplicate keys 'A' are not allowed in hash literals."),
    ("Get-X @('a'", "MissingEndParenthesisInSubexpression", "Missing closing ')' in subexpression."),
    ("Get-X | 'a'", "ExpressionsMustBeFirstInPipeline", "Expressions are only allowed as the first element"),
])
def test_powershell_parse_errors(text, error_id, message):
    with pytest.raises(ScriptSyntaxError) as refused:
        parse_script(text)
    assert (refused.value.error_id, refused.value.message.startswith(message)) == (error_id, True)


def test_position_message_underlines_the_command_and_shortens_long_lines():
    assert position_message("Add-X; Get-Y nope", Extent(7, 17)) == (
        "At line:1 char:8\n+ Add-X; Get-Y nope\n+ " + " " * 7 + "~" * 10)
    text = "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn; Get-RemoteDomain nope; 'after'"
    start = text.index("Get-RemoteDomain")
    message = position_message(text, Extent(start, start + len("Get-RemoteDomain nope")))
    at, line, underline = message.split("\n")
    assert at == f"At line:1 char:{start + 1}"
    assert line.startswith("+ ... ") and line.endswith(" ...") and len(line) == 2 + 4 + 69 + 4
    assert line[underline.index("~"):].startswith("Get-RemoteDomain nope")
    assert position_message("a\nb\n  Get-X", Extent(6, 11)).startswith("At line:3 char:3\n+   Get-X\n+   ~~~~~")


# ---------------------------------------------------------------------------------------------- formatting
def test_display_text_of_values():
    assert [display_text(v) for v in (None, True, 3, 1.5, 1e20, "x", MultiValued(["a", "b"]),
                                      MultiValued(list("abcdef")), [], datetime.datetime(2024, 3, 5, 14, 7, 9))] == [
        "", "True", "3", "1.5", "1E+20", "x", "{a, b}", "{a, b, c, d...}", "{}", "3/5/2024 2:07:09 PM"]


def test_wrapping_breaks_after_spaces_and_cuts_long_words():
    assert wrap_words("the quick brown fox", 10) == ["the quick ", "brown fox"]
    assert wrap_words("abcdefghijkl xy", 5) == ["abcde", "fghij", "kl xy"]
    assert wrap_words("abcdefghijkl xyz", 5) == ["abcde", "fghij", "kl ", "xyz"]
    assert wrap_words("short\r\nlines", 80) == ["short", "lines"]


def test_the_console_host_wraps_warnings_itself():
    assert wrap_to_window("WARNING: " + "word " * 20, 30) == [
        "WARNING: word word word word ", "word word word word word word ", "word word word word word word ",
        "word word word word "]
    assert wrap_to_window("abc" + " " * 5 + "def", 5) == ["abc  ", "   ", "def"]
    assert wrap_to_window("x" * 12, 5) == ["xxxxx", "xxxxx", "xx"]


def test_cells_and_columns():
    assert fit_cell("abcdefgh", 6, Align.LEFT) == "abc..."
    assert fit_cell("abcdefgh", 6, Align.RIGHT) == "...fgh"
    assert fit_cell("ab", 6, Align.RIGHT) == "    ab"
    assert fit_cell("two\nlines", 20, Align.LEFT) == "two...              "
    assert fit_columns([0, 10, 0], 30) == [9, 10, 9]
    assert fit_columns([50, 40, 30], 79) == [50, 28, -1]


def test_table_layout_sized_from_content_with_numbers_right_aligned():
    shape = TableShape(["Identity", "Enabled", "Priority"], [0, 0, 0], [Align.LEFT, Align.RIGHT, Align.RIGHT])
    rows = [TableRow(["Content Filter Agent", "True", "10"]), TableRow(["Sender Id Agent", "False", "9"])]
    assert render_table(shape, list(rows), 79) == [
        "",
        "Identity             Enabled Priority",
        "--------             ------- --------",
        "Content Filter Agent    True       10",
        "Sender Id Agent        False        9",
        "",
        "",
    ]


def test_list_layout_pads_names_and_wraps_values_under_their_column():
    lines = render_list_entry(ListEntry([("Name", "Partner"), ("DistinguishedName", "CN=Partner,CN=Internet "
                                                                                  "Message Formats,CN=Global Settings,"
                                                                                  "CN=Contoso,DC=contoso,DC=com")]), 60)
    assert lines == [
        "Name              : Partner",
        "DistinguishedName : CN=Partner,CN=Internet Message ",
        "                    Formats,CN=Global ",
        "                    Settings,CN=Contoso,DC=contoso,DC=com",
    ]


def test_out_default_tables_lists_text_and_other_types():
    lines: list[str] = []
    out = OutDefault(lines.append)
    agent = Record(["Microsoft.Exchange.Management.AgentTasks.TransportAgent", "System.Object"],
                   {"Identity": "Malware Agent", "Enabled": True, "Priority": 5, "AssemblyPath": "x"}, "Malware Agent")
    other = Record(["Some.Type"], {"A": 1, "B": 2, "C": 3, "D": 4, "E": 5}, "Some.Type")
    for value in (agent, "text", other, agent):
        out.add(value)
    out.close()
    assert lines == ["", "Identity      Enabled Priority", "--------      ------- --------",
                     "Malware Agent True    5       ", "text", "", "A : 1", "B : 2", "C : 3", "D : 4", "E : 5", "",
                     "Malware Agent True    5       ", "", ""]


def test_out_default_shows_a_hashtable_as_name_and_value():
    lines: list[str] = []
    out = OutDefault(lines.append)
    out.add({"Add": "10.0.1.10"})
    out.close()
    assert lines[1:4] == ["Name                           Value" + " " * 43,
                          "----                           -----" + " " * 43,
                          "Add                            10.0.1.10" + " " * 39]


def test_json_as_powershell_5_1_writes_it():
    record = Record(["T"], {"Name": "it's <b>", "Count": 2, "On": True, "None": None, "Tags": MultiValued(["a", "b"]),
                            "Empty": [], "Nested": {"x": 1.5}}, "r")
    assert to_json([record]) == "\r\n".join([
        "{",
        '    "Name":  "it\\u0027s \\u003cb\\u003e",',
        '    "Count":  2,',
        '    "On":  true,',
        '    "None":  null,',
        '    "Tags":  [',
        '                 "a",',
        '                 "b"',
        "             ],",
        '    "Empty":  [',
        "",
        "              ],",
        '    "Nested":  {',
        '                   "x":  1.5',
        "               }",
        "}",
    ])
    assert to_json([record], compress=True) == ('{"Name":"it\\u0027s \\u003cb\\u003e","Count":2,"On":true,"None":null,'
                                                '"Tags":["a","b"],"Empty":[],"Nested":{"x":1.5}}')
    assert json.loads(to_json([record, record]))[1]["Tags"] == ["a", "b"]


def test_json_depth_turns_deeper_objects_into_text_and_dates_into_ms():
    inner = Record(["I"], {"Deep": Record(["D"], {"x": 1}, "deep-text")}, "inner-text")
    when = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    assert json.loads(to_json([Record(["T"], {"Inner": inner, "When": when}, "t")], depth=1)) == {
        "Inner": {"Deep": "deep-text"}, "When": "/Date(1704164645000)/"}
    assert '"\\/Date(1704164645000)\\/"' in to_json([{"When": when}])


def test_error_view_layout():
    record = ErrorRecordInfo("Object 'nope' couldn't be found.", ["X.NotFoundException"], "Id,Task", "NotSpecified",
                             "NotFoundException", activity="Get-Thing")
    assert error_view(record, "Get-Thing", "At line:1 char:1\n+ Get-Thing nope\n+ ~~~~~~~~~~~~~~") == [
        "Get-Thing : Object 'nope' couldn't be found.",
        "At line:1 char:1",
        "+ Get-Thing nope",
        "+ ~~~~~~~~~~~~~~",
        "    + CategoryInfo          : NotSpecified: (:) [Get-Thing], NotFoundException",
        "    + FullyQualifiedErrorId : Id,Task",
        " ",
    ]
    long = category_chunks("CategoryInfo          ", "x" * 100)
    assert long == "    + CategoryInfo          : " + "x" * 48 + "    " + "x" * 52


# ---------------------------------------------------------------------------------------------- end to end
def test_run_cmd_creates_reads_changes_and_removes_a_remote_domain(lab):
    created = run_cmd(lab, f"{SNAPIN}; New-RemoteDomain -Name ViaRunCmd -DomainName runcmd.example")
    assert created.status_code == 0, created.std_err
    assert table_rows(created.std_out.decode()) == [["ViaRunCmd", "runcmd.example", "External"]]
    assert has_remote_domain(lab, "ViaRunCmd")

    read = run_cmd(lab, f"{SNAPIN}; Get-RemoteDomain ViaRunCmd | Format-List")
    fields = list_output(read.std_out.decode())
    assert (read.status_code, fields["DomainName"], fields["AutoReplyEnabled"]) == (0, "runcmd.example", "True")

    changed = run_cmd(lab, f"{SNAPIN}; Set-RemoteDomain ViaRunCmd -AutoReplyEnabled $false -TNEFEnabled $true; "
                           "Get-RemoteDomain ViaRunCmd | ConvertTo-Json")
    data = json.loads(changed.std_out.decode())
    assert (changed.status_code, data["AutoReplyEnabled"], data["TNEFEnabled"]) == (0, False, True)

    removed = run_cmd(lab, f"{SNAPIN}; Remove-RemoteDomain ViaRunCmd -Confirm:$false")
    assert (removed.status_code, removed.std_out, removed.std_err) == (0, b"", b"")
    assert not has_remote_domain(lab, "ViaRunCmd")

    gone = run_cmd(lab, f"{SNAPIN}; Get-RemoteDomain ViaRunCmd")
    stderr = gone.std_err.decode()
    assert gone.status_code == 1 and gone.std_out == b""
    assert " ".join(stderr.split()).startswith(  # the error view wraps at the console width
        "Get-RemoteDomain : The operation couldn't be performed because object 'ViaRunCmd' couldn't be found on")
    assert "ManagementObjectNotFoundException" in squeezed(stderr)
    assert "#< CLIXML" not in stderr  # -Command writes errors as text


def test_run_ps_creates_reads_changes_and_removes_a_remote_domain(lab):
    s = session(lab)
    created = s.run_ps(f"{SNAPIN}\nNew-RemoteDomain -Name ViaRunPs -DomainName runps.example | Format-List Name")
    assert (created.status_code, list_output(created.std_out.decode())) == (0, {"Name": "ViaRunPs"})

    changed = s.run_ps(f"{SNAPIN}\nSet-RemoteDomain -Identity ViaRunPs -AllowedOOFType InternalLegacy\n"
                       "Get-RemoteDomain ViaRunPs | Select-Object Name, IsInternal, AllowedOOFType | ConvertTo-Json")
    assert changed.status_code == 0, changed.std_err
    assert json.loads(changed.std_out.decode()) == {"Name": "ViaRunPs", "IsInternal": True,
                                                   "AllowedOOFType": "InternalLegacy"}

    removed = s.run_ps(f"{SNAPIN}; Remove-RemoteDomain ViaRunPs -Confirm:$false; Get-RemoteDomain ViaRunPs")
    message = removed.std_err.decode()  # pywinrm has turned the CLIXML back into text
    assert removed.status_code == 1 and removed.std_out == b""
    assert "couldn't be found on" in message and "'ViaRunPs'" in message
    assert "ManagementObjectNotFoundException" in squeezed(message)
    assert not has_remote_domain(lab, "ViaRunPs")


def test_encoded_commands_write_errors_and_warnings_to_stderr_as_clixml(lab):
    script = SNAPIN + "; Set-RemoteDomain Default -NDREnabled $true; Get-RemoteDomain x"
    out, err, code = run_line(lab, f"powershell -NoProfile -EncodedCommand {encode(script)}")
    assert (code, out) == (1, "")
    assert err.startswith('#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/'
                          '2004/04"><S S="warning">The command completed successfully but no settings of \'Default\' '
                          'have been modified.</S><S S="Error">Get-RemoteDomain : ')
    assert err.endswith('<S S="Error"> _x000D__x000A_</S></Objs>')
    cleaned = winrm.Session("http://unused/wsman", auth=("u", "p"))._clean_error_msg(err.encode()).decode()
    assert "ManagementObjectNotFoundException" in squeezed(cleaned)

    out, err, code = run_line(lab, f"powershell -OutputFormat Text -EncodedCommand "
                                   f"{encode(SNAPIN + '; Set-RemoteDomain Default -NDREnabled $true')}")
    assert (code, out, err) == (0, "WARNING: The command completed successfully but no settings of 'Default' have \r\n"
                                   "been modified.\r\n", "")


def test_testinfra_creates_reads_changes_and_removes_a_remote_domain(lab):
    port = lab.server("EX01")["port"]
    host = testinfra.get_host(f"winrm://{USER}:{PASSWORD}@127.0.0.1:{port}?no_ssl=true")
    ps = f'powershell -NoProfile -Command "{SNAPIN}; ' + "{}" + '"'

    created = host.run(ps.format("New-RemoteDomain -Name ViaTestinfra -DomainName testinfra.example"))
    assert created.rc == 0, created.stderr

    changed = host.run(ps.format("Set-RemoteDomain ViaTestinfra -LineWrapSize 72 -ContentType MimeText"))
    read = host.run(ps.format("Get-RemoteDomain ViaTestinfra | Format-List DomainName, LineWrapSize, ContentType"))
    assert (changed.rc, read.rc) == (0, 0)
    assert list_output(read.stdout) == {"DomainName": "testinfra.example", "LineWrapSize": "72",
                                        "ContentType": "MimeText"}

    removed = host.run(ps.format("Remove-RemoteDomain ViaTestinfra -Confirm:$false"))
    again = host.run(ps.format("Get-RemoteDomain ViaTestinfra"))
    assert (removed.rc, again.rc) == (0, 1)
    assert "ManagementObjectNotFoundException" in squeezed(again.stderr)
    assert not has_remote_domain(lab, "ViaTestinfra")


def test_unsupported_syntax_runs_nothing_and_says_why(lab):
    mark = lab.mark()
    result = run_cmd(lab, f"{SNAPIN}; New-RemoteDomain -Name NeverMade -DomainName never.example; "
                          "foreach ($d in Get-RemoteDomain) { $d.Name }")
    stderr = result.std_err.decode()
    assert (result.status_code, result.std_out) == (1, b"")
    assert "The 'foreach' keyword" in " ".join(stderr.split())
    assert "not supported by the Exchange emulator" in " ".join(stderr.split())
    assert "Nothing was run." in " ".join(stderr.split())
    assert "FullyQualifiedErrorId : EmulatorSyntaxNotSupported" in stderr
    assert lab.commands_since(mark) == []
    assert not has_remote_domain(lab, "NeverMade")


def test_exchange_cmdlets_need_the_snapin_in_the_same_command_line(lab):
    mark = lab.mark()
    without = run_cmd(lab, "Get-RemoteDomain Default")
    assert without.status_code == 1
    assert without.std_err.decode().startswith("Get-RemoteDomain : The term 'Get-RemoteDomain' is not recognized as "
                                               "the name")
    assert "CommandNotFoundException" in squeezed(without.std_err.decode())

    with_snapin = run_cmd(lab, f"{SNAPIN}; Get-RemoteDomain Default")
    assert with_snapin.status_code == 0
    assert table_rows(with_snapin.std_out.decode()) == [["Default", "*", "External"]]
    commands = [(e["command"], e["endpoint"], e["outcome"]) for e in lab.commands_since(mark)]
    assert commands == [("Get-RemoteDomain", "WinRS", "failed"), ("Add-PSSnapin", "WinRS", "completed"),
                        ("Get-RemoteDomain", "WinRS", "completed")]

    separate = session(lab)
    separate.run_cmd("powershell", ["-Command", SNAPIN])
    assert separate.run_cmd("powershell", ["-Command", "Get-RemoteDomain"]).status_code == 1  # a new powershell.exe


def test_install_antispam_agents_through_the_call_operator_then_list_them(lab):
    install = run_cmd(lab, f'{SNAPIN}; & "$env:ExchangeInstallPath\\Scripts\\Install-AntiSpamAgents.ps1"',
                      server="EX02")
    out = install.std_out.decode()
    assert install.status_code == 0, install.std_err
    # The console host wraps warnings to the window itself, breaking before the word that does not fit.
    assert out.count("WARNING: The following service restart is required for the change(s) to take \r\n"
                     "effect : MSExchangeTransport\r\n") == 5
    assert "WARNING: Please exit Windows PowerShell to complete the installation.\r\n" in out
    server = next(s for s in lab.state()["servers"] if s["Name"] == "EX02")
    assert server["AntispamAgentsEnabled"] is True

    listing = run_cmd(lab, f"{SNAPIN}; Get-TransportAgent | Format-Table -AutoSize", server="EX02")
    rows = table_rows(listing.std_out.decode())
    assert listing.status_code == 0
    antispam = [row for row in rows if row[0] in ("Content Filter Agent", "Sender Id Agent", "Sender Filter Agent",
                                                  "Recipient Filter Agent", "Protocol Analysis Agent")]
    assert [row[1] for row in antispam] == ["True"] * 5
    assert [int(row[2]) for row in antispam] == list(range(len(rows) - 4, len(rows) + 1))


def test_exact_default_table_of_a_remote_domain(lab):
    out, err, code = run_line(lab, f'powershell -Command "{SNAPIN}; Get-RemoteDomain Partner"')
    assert (out, err, code) == ("\r\nName    DomainName      AllowedOOFType\r\n"
                                "----    ----------      --------------\r\n"
                                "Partner partner.example External      \r\n\r\n\r\n", "", 0)


def test_exit_code_is_that_of_the_last_statement(lab):
    failing_first = run_line(lab, f"powershell -Command \"{SNAPIN}; Get-RemoteDomain nope; 'after'\"")
    assert (failing_first[0], failing_first[2]) == ("after\r\n", 0)
    assert "Get-RemoteDomain nope" in failing_first[1]
    silenced = run_line(lab, f'powershell -Command "{SNAPIN}; Get-RemoteDomain nope -ErrorAction SilentlyContinue"')
    assert silenced == ("", "", 1)
    stopping = run_line(lab, f"powershell -Command \"{SNAPIN}; Get-RemoteDomain nope -ErrorAction Stop; 'after'\"")
    assert (stopping[0], stopping[2]) == ("", 1)


def test_binding_errors_point_at_the_parameter(lab):
    mark = lab.mark()
    _, err, code = run_line(lab, f'powershell -Command "{SNAPIN}; Get-RemoteDomain -Identity"')
    assert code == 1
    assert [(e["command"], e["outcome"], e.get("errors")) for e in lab.commands_since(mark)] == [
        ("Add-PSSnapin", "completed", None), ("Get-RemoteDomain", "failed", ["System.Management.Automation."
                                                                            "ParameterBindingException"])]
    assert squeezed(err).startswith(squeezed("Get-RemoteDomain : Missing an argument for parameter 'Identity'."))
    assert err.splitlines()[5].endswith("~~~~~~~~~") and err.splitlines()[4].endswith("Get-RemoteDomain -Identity")


def test_the_cmd_shell_refuses_other_programs_and_unquoted_operators(lab):
    s = session(lab)
    other = s.run_cmd("ipconfig", ["/all"])
    assert other.status_code == 1
    assert other.std_err.decode().startswith("'ipconfig' is not emulated: the Exchange emulator's cmd shell runs only "
                                             "powershell.exe with -Command or -EncodedCommand")
    mark = lab.mark()
    piped = s.run_cmd("powershell", ["-Command", SNAPIN + ";", "Get-RemoteDomain", "|", "Format-List"])
    assert piped.status_code == 1 and "outside double quotes" in piped.std_err.decode()
    assert lab.commands_since(mark) == []

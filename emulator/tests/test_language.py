"""The PowerShell language of the WinRS shell, form by form, as README.md's tables state it.

Every row of the "supported" table runs through testinfra's WinRM backend and through pywinrm's `run_ps`
(powershell.exe -EncodedCommand) against one lab; its output and exit code are the row's. Every row of
the "refused" table is refused with the construct named, and nothing of that command line runs. The
parser and evaluator are also checked on their own where the wire adds nothing (precedence, quoting).
"""

from __future__ import annotations

import pathlib
import re
import typing

import pytest
import testinfra
import winrm
from pypsrp.powershell import PowerShell

from exchange_emulator.runspace.language.evaluation import NoCommands
from exchange_emulator.runspace.language.interpreter import Interpreter
from exchange_emulator.runspace.language.parser import parse_script
from exchange_emulator.runspace.language.syntax import BinaryOperation, PipelineAst, UnaryOperation
from exchange_emulator.runspace.language.values import ScriptRuntimeError

from clients import PASSWORD, USER, host_pool, management_pool
from conftest import InProcessLab, example_lab, start_in_process

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
SNAPIN = "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn"


def table(marker: str) -> list[list[str]]:
    """The rows of the README table after `<!-- language:<marker> -->`, cells unquoted from their code spans."""
    text = README.read_text()
    lines = text[text.index(f"<!-- language:{marker} -->"):].splitlines()[3:]
    rows = []
    for line in lines:
        if not line.startswith("|"):
            break
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        rows.append([c[1:-1] if c.startswith("`") and c.endswith("`") else c for c in cells])
    return rows


SUPPORTED = table("supported")
REFUSED = table("refused")


def expected_lines(output: str) -> list[str]:
    return [] if not output else output.split(" ⏎ ")


def output_lines(stdout: str) -> list[str]:
    return [line.rstrip() for line in stdout.replace("\r\n", "\n").strip("\n").split("\n")] if stdout.strip() else []


def squeezed(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def language_lab(tmp_path_factory: pytest.TempPathFactory) -> typing.Iterator[InProcessLab]:
    lab = example_lab()
    lab["organization"]["remote_domains"] = [
        {"domain": "*", "settings": {"NDREnabled": False}},
        {"name": "Partner", "domain": "partner.example", "settings": {"AutoReplyEnabled": False}},
        {"name": "Fabrikam", "domain": "fabrikam.example",
         "settings": {"NDREnabled": False, "AllowedOOFType": "InternalLegacy"}},
    ]
    lab["organization"]["transport_config"] = {"InternalSMTPServers": ["10.0.1.10", "10.0.1.11"]}
    lab["servers"] = [s for s in lab["servers"] if s["name"] == "EX01"]
    running = start_in_process(lab, tmp_path_factory.mktemp("language-lab"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def infra(language_lab: InProcessLab) -> typing.Any:
    port = language_lab.server("EX01")["port"]
    return testinfra.get_host(f"winrm://{USER}:{PASSWORD}@127.0.0.1:{port}?no_ssl=true")


@pytest.fixture(scope="module")
def session(language_lab: InProcessLab) -> winrm.Session:
    port = language_lab.server("EX01")["port"]
    return winrm.Session(f"http://127.0.0.1:{port}/wsman", auth=(USER, PASSWORD), transport="ntlm")


def command_line(script: str) -> str:
    """A testinfra check's command: the script double-quoted for cmd.exe, its quotes escaped for powershell.exe."""
    return 'powershell -NoProfile -NonInteractive -Command "' + f"{SNAPIN}; {script}".replace('"', '\\"') + '"'


def test_the_readme_tables_have_rows() -> None:
    assert len(SUPPORTED) >= 40 and all(len(row) == 4 for row in SUPPORTED)
    assert len(REFUSED) >= 8 and all(len(row) == 3 for row in REFUSED)


@pytest.mark.parametrize(("construct", "example", "output", "exit_code"), SUPPORTED, ids=[r[0] for r in SUPPORTED])
def test_supported_form_through_testinfra(infra: typing.Any, construct: str, example: str, output: str,
                                          exit_code: str) -> None:
    result = infra.run(command_line(example))
    assert (output_lines(result.stdout), result.rc) == (expected_lines(output), int(exit_code)), result.stderr
    assert result.stderr == ""


@pytest.mark.parametrize(("construct", "example", "output", "exit_code"), SUPPORTED, ids=[r[0] for r in SUPPORTED])
def test_supported_form_through_run_ps(session: winrm.Session, construct: str, example: str, output: str,
                                       exit_code: str) -> None:
    result = session.run_ps(f"{SNAPIN}\n{example}")
    assert (output_lines(result.std_out.decode()), result.status_code) == (expected_lines(output), int(exit_code))
    assert result.std_err == b""


@pytest.fixture(scope="module")
def host_endpoint(language_lab: InProcessLab) -> typing.Iterator[typing.Any]:
    """pypsrp on the host endpoint (Microsoft.PowerShell), the snap-in added once for the pool."""
    with host_pool(language_lab.server("EX01")["port"]) as pool:
        ps = PowerShell(pool)
        ps.add_script(SNAPIN)
        ps.invoke()
        yield pool


@pytest.mark.parametrize(("construct", "example", "output", "exit_code"), SUPPORTED, ids=[r[0] for r in SUPPORTED])
def test_supported_form_through_psrp_on_the_host_endpoint(host_endpoint: typing.Any, construct: str, example: str,
                                                          output: str, exit_code: str) -> None:
    if "ConvertTo-Json" in example:
        pytest.skip("the formatting commands are powershell.exe's (the WinRS shell), not the host endpoint's")
    ps = PowerShell(host_endpoint)
    ps.add_script(example)
    objects = ps.invoke()
    # A Double arrives as a Python float: print it as PowerShell does (16, not 16.0).
    shown = [format(o, ".15g") if isinstance(o, float) else str(o) for o in objects]
    assert (shown, ps.had_errors) == (expected_lines(output), False)


@pytest.mark.parametrize(("construct", "example", "named"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_form_names_the_construct_and_runs_nothing(session: winrm.Session, language_lab: InProcessLab,
                                                           construct: str, example: str, named: str) -> None:
    mark = language_lab.mark()
    result = session.run_ps(f"{SNAPIN}\n{example}")
    stderr = squeezed(result.std_err.decode())
    assert (result.status_code, result.std_out) == (1, b"")
    assert named in stderr
    if "GetHashCode" not in example:  # the one runtime refusal: its statement's commands ran
        assert "Nothing was run." in stderr
        assert language_lab.commands_since(mark) == []


def test_the_four_forms_of_the_issue_read_the_same_setting(infra: typing.Any) -> None:
    forms = ["Get-RemoteDomain Default | Select-Object -ExpandProperty NDREnabled",
             "(Get-RemoteDomain Default).NDREnabled",
             "Get-RemoteDomain | Where-Object { -not $_.NDREnabled } | Select-Object -ExpandProperty Name",
             "$d = Get-RemoteDomain Default; $d.NDREnabled"]
    results = [infra.run(command_line(form)) for form in forms]
    assert [(r.rc, r.stdout.split()) for r in results] == [
        (0, ["False"]), (0, ["False"]), (0, ["Default", "Fabrikam"]), (0, ["False"])]


def test_group_object_prints_in_its_table_views(infra: typing.Any) -> None:
    """PowerShell 5.1's views of GroupInfo (Count 5 wide, right-aligned; Name 25; Group) and of
    GroupInfoNoElement (Count, Name)."""
    grouped = infra.run(command_line("Get-RemoteDomain | Group-Object NDREnabled"))
    assert output_lines(grouped.stdout) == [
        "Count Name                      Group", "----- ----                      -----",
        "    2 False                     {Default, Fabrikam}", "    1 True                      {Partner}"]
    counted = infra.run(command_line("Get-RemoteDomain | Group-Object NDREnabled -NoElement"))
    assert output_lines(counted.stdout) == ["Count Name", "----- ----", "    2 False", "    1 True"]


def test_a_failed_statement_does_not_stop_the_next_one(infra: typing.Any, language_lab: InProcessLab) -> None:
    result = infra.run(command_line("$x = Get-RemoteDomain Nobody; 'after'; (Get-RemoteDomain Default).Name"))
    assert (result.rc, output_lines(result.stdout)) == (0, ["after", "Default"])
    assert "ManagementObjectNotFoundException" in "".join(result.stderr.split())


def test_error_action_stop_ends_the_script(infra: typing.Any) -> None:
    result = infra.run(command_line("$x = Get-RemoteDomain Nobody -ErrorAction Stop; 'never'"))
    assert (result.rc, result.stdout) == (1, "")
    assert "couldn't be found" in squeezed(result.stderr)


def test_the_management_endpoint_stays_no_language(language_lab: InProcessLab) -> None:
    with management_pool(language_lab.server("EX01")["port"]) as pool:
        ps = PowerShell(pool)
        ps.add_script("(Get-RemoteDomain Default).NDREnabled")
        ps.invoke()
    assert ps.had_errors and ps.streams.error[0].fq_error == "ScriptsNotAllowed"


# ---------------------------------------------------------------------------------------------- the parser
def test_operators_follow_powershells_precedence() -> None:
    [statement] = parse_script("-not $a -eq $b -and 1 + 2 * 3 -gt 1, 2")
    assert isinstance(statement, PipelineAst)
    top = statement.leading
    assert isinstance(top, BinaryOperation) and top.operator == "-and"
    assert isinstance(top.left, BinaryOperation) and top.left.operator == "-eq"
    assert isinstance(top.left.left, UnaryOperation) and top.left.left.operator == "-not"
    right = top.right
    assert isinstance(right, BinaryOperation) and right.operator == "-gt"
    assert isinstance(right.left, BinaryOperation) and right.left.operator == "+"


def test_foreach_after_a_pipe_is_the_foreach_object_alias() -> None:
    [statement] = parse_script("Get-RemoteDomain | foreach { $_.Name }")
    assert isinstance(statement, PipelineAst) and len(statement.commands) == 2


# ---------------------------------------------------------------------------------------------- the evaluator
def outputs(script: str) -> list[typing.Any]:
    """The output of a script of expressions (no commands), evaluated without a server."""
    interpreter = Interpreter(NoCommands({"computername": "EX01"}))
    out: list[typing.Any] = []
    assert interpreter.run(parse_script(script), out.append) == 0
    return out


@pytest.mark.parametrize(("script", "expected"), [
    ("$x = 1; $x += 2; $x -= 1; $x", [2]),                       # about_Assignment_Operators
    ("$h = @{Name = 'a'; Count = 3}; $h.name; $h.Count; $h['NAME']", ["a", 3, "a"]),  # keys, case-insensitive
    ("$null.Count; 'abc'.Length; (5).Count", [0, 3, 1]),          # Count and Length of scalars and $null
    ("'abc'[0]; 'abc'[-1]; @(1, 2, 3)[0, 2]", ["a", "c", 1, 3]),
    ("'a1b2' -replace '\\d'", ["ab"]),                            # -replace without a replacement deletes
    ("'a,b,c' -split ',', 2", ["a", "b,c"]),                      # at most two substrings
    ("'A' -in 'a', 'b'; 'A' -cin 'a', 'b'", [True, False]),
    ("1, 2, 3 -ne 2", [1, 3]),
    ("$n = 'B'; 'a', 'b' | ForEach-Object { $_ }", "commands"),
    ("2 -gt '10'; '2' -gt 10", [False, True]),                    # the right side takes the left's type
    ("$true -eq 'false'; 0 -eq ''; $null -eq 0", [True, True, False]),
    ("@() -eq $null; $e = @(); $e.Count", [0]),                    # an empty array filters to nothing
    ("if (@()) { 1 } elseif (@(0)) { 2 } elseif (@(0, 0)) { 3 }", [3]),  # about_Booleans: arrays
    ("\"`$x is $(1 + 1)`t!\"", ["$x is 2\t!"]),
    ("-join (1..3); 3..1 -join ''", ["123", "321"]),
])
def test_expressions_evaluate_as_powershell_documents(script: str, expected: typing.Any) -> None:
    if expected == "commands":
        with pytest.raises(ScriptRuntimeError):
            outputs(script)
        return
    assert outputs(script) == expected

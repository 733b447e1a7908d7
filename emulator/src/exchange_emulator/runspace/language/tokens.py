"""The characters and words of PowerShell's syntax, and numeric literals."""

from __future__ import annotations

import re

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
    "write-error", "write-warning", "write-verbose",
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
                    "Start-/Stop-/Restart-Service, Where-Object, ForEach-Object, Select-Object, Sort-Object, "
                    "Group-Object, Measure-Object, Write-Output, Write-Host, Get-Command, Format-Table, Format-List, "
                    "ConvertTo-Json and Out-String")

# Operators by precedence level; each comparison operator also has its case-sensitive (-c) and explicitly
# case-insensitive (-i) form.
LOGICAL_OPERATORS = frozenset({"-and", "-or", "-xor"})
_COMPARISONS = ("eq", "ne", "gt", "ge", "lt", "le", "like", "notlike", "match", "notmatch", "contains", "notcontains",
                "in", "notin", "replace", "split")
COMPARISON_OPERATORS = frozenset({f"-{p}{c}" for c in _COMPARISONS for p in ("", "c", "i")} | {"-join"})
NOT_EMULATED_OPERATORS = frozenset({"-f", "-is", "-isnot", "-as", "-band", "-bor", "-bxor", "-bnot", "-shl", "-shr"})
# Automatic and preference variables a real powershell.exe has and the emulator does not: refused, never $null.
AUTOMATIC_NOT_EMULATED = frozenset({
    "args", "consolefilename", "error", "erroractionpreference", "event", "eventargs", "executioncontext",
    "foreach", "home", "host", "input", "lastexitcode", "myinvocation", "nestedpromptlevel", "ofs", "pid",
    "profile", "psboundparameters", "pscmdlet", "pscommandpath", "psculture", "psdebugcontext", "pshome",
    "psscriptroot", "pssenderinfo", "psuiculture", "psversiontable", "pwd", "sender", "shellid", "stacktrace",
    "switch", "this", "confirmpreference", "debugpreference", "informationpreference", "progresspreference",
    "verbosepreference", "warningpreference", "whatifpreference", "formatenumerationlimit",
    "psdefaultparametervalues", "psemailserver", "pssessionconfigurationname", "maximumhistorycount",
})



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

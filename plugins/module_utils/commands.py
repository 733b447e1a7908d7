# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Commands as values: what is sent to Exchange is always a command name with parameters, never script
text, so nothing a user writes can be interpreted as PowerShell
(docs/docsite/rst/architecture.rst, "The two endpoints").

A `Command` knows whether it can change anything (by its verb, or explicitly for scripts invoked by
path); the session refuses a mutating command in check mode. For the WinRS path, `render` writes the
same command as PowerShell text with strict literal quoting.
"""

from __future__ import annotations

import re
import typing

# Verbs whose commands can change the server. Anything else is a read.
MUTATING_VERBS = frozenset({
    "Add", "Clear", "Disable", "Enable", "Install", "Invoke", "Move", "New", "Remove", "Restart", "Set",
    "Start", "Stop", "Uninstall", "Update",
})
# Snap-in loading changes the runspace, not the server.
NON_MUTATING_COMMANDS = frozenset({"add-pssnapin"})
_COMMAND_NAME = re.compile(r"^[A-Za-z]+-[A-Za-z0-9]+$")
_SCRIPT_PATH = re.compile(r"^[A-Za-z]:\\[^\"'`$;|&<>\r\n]+\.ps1$")
_PARAMETER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


class CheckModeViolation(RuntimeError):
    """A mutating command was about to be sent in check mode: a bug in the calling module."""


class Command(object):
    """One command: a cmdlet name (Verb-Noun) or the full path of a .ps1 file, and its parameters."""

    def __init__(self, name: str, parameters: typing.Optional[typing.Mapping[str, typing.Any]] = None,
                 mutates: typing.Optional[bool] = None, idempotent: bool = False,
                 endpoint: str = "management") -> None:
        if not (_COMMAND_NAME.match(name) or _SCRIPT_PATH.match(name)):
            raise ValueError("not a command name or script path: %r" % (name,))
        for key in parameters or {}:
            if not _PARAMETER_NAME.match(key):
                raise ValueError("not a parameter name: %r" % (key,))
        self.name = name
        self.parameters = dict(parameters or {})
        verb = name.split("-", 1)[0] if _COMMAND_NAME.match(name) else ""
        if mutates is None:
            mutates = verb in MUTATING_VERBS and name.lower() not in NON_MUTATING_COMMANDS
        self.mutates = mutates
        # Safe to send again after a transient failure
        # (docs/docsite/rst/architecture.rst, "Errors and retries"): reads, and writes that set
        # absolute values.
        self.idempotent = idempotent or not mutates
        # "management" (Exchange cmdlets, /PowerShell/) or "host" (the server itself, /wsman).
        self.endpoint = endpoint

    @property
    def is_script(self) -> bool:
        return bool(_SCRIPT_PATH.match(self.name))

    def __repr__(self) -> str:
        return "Command(%r, %r)" % (self.name, self.parameters)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Command) and (self.name, self.parameters) == (other.name, other.parameters)

    def describe(self) -> str:
        """The command as a readable line for messages (PowerShell-like; not for execution)."""
        return _statement(self.name, self.parameters)


def ensure_allowed(commands: typing.Iterable[Command], check_mode: bool) -> None:
    """Defence in depth: in check mode no mutating command may leave the controller."""
    if not check_mode:
        return
    for command in commands:
        if command.mutates:
            raise CheckModeViolation("refusing to send mutating command %s in check mode" % command.name)


# ------------------------------------------------------------------------------------------- rendering
def render_value(value: typing.Any) -> str:
    """A PowerShell literal for `value`: single-quoted strings ('' doubles a quote), no expansion."""
    if value is None:
        return "$null"
    if value is True:
        return "$true"
    if value is False:
        return "$false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "@(" + ",".join(render_value(v) for v in value) + ")"
    if isinstance(value, dict):
        for key in value:
            if not _PARAMETER_NAME.match(str(key)):
                raise ValueError("not a hashtable key: %r" % (key,))
        return "@{" + ";".join("%s=%s" % (k, render_value(v)) for k, v in value.items()) + "}"
    text = str(value)
    # Single-quoted strings expand nothing; the only special character is the quote itself, including
    # the typographic quotes PowerShell also accepts as delimiters.
    for quote in ("'", "\u2018", "\u2019", "\u201a", "\u201b"):
        text = text.replace(quote, quote * 2)
    return "'" + text + "'"


def render(command: Command) -> str:
    """The command as one PowerShell statement."""
    return _statement("& " + render_value(command.name) if command.is_script else command.name, command.parameters)


def _statement(head: str, parameters: typing.Mapping[str, typing.Any]) -> str:
    """`head` with its parameters as literals; a switch is written -Name:$true so that it takes the value."""
    parts = [head]
    for key, value in parameters.items():
        separator = ":" if isinstance(value, bool) else " "
        parts.append("-%s%s%s" % (key, separator, render_value(value)))
    return " ".join(parts)

"""PowerShell's own commands that restricted Exchange sessions expose: Select-Object, Measure-Object,
Get-Command, Get-Help, Get-FormatData, Out-Default, Exit-PSSession
(docs/docsite/rst/exchange_behaviour.rst, "NoLanguage: commands with parameters, never script text")."""

from __future__ import annotations

import fnmatch
import typing

from ..exchange.cmdlet import Cmdlet, Invocation, Parameter
from ..exchange.errors import ARGUMENT, CmdletError
from ..exchange.parameters import Int, String, StringArray, Switch
from ..exchange.records import MultiValued, Record
from .errors import RUNTIME

if typing.TYPE_CHECKING:
    from .runspace import CommandInvocation

TASKS = "Microsoft.PowerShell.Commands."


def property_names(value: typing.Any) -> list[str]:
    return list(value.properties) if isinstance(value, Record) else []


def expand_property_patterns(value: typing.Any, patterns: typing.Sequence[str]) -> list[str]:
    """Property names selected by patterns with wildcards, in pattern order, without repeats."""
    names: list[str] = []
    available = property_names(value)
    for pattern in patterns:
        if any(ch in pattern for ch in "*?["):
            matched = [n for n in available if fnmatch.fnmatch(n.lower(), pattern.lower())]
        else:
            matched = [next((n for n in available if n.lower() == pattern.lower()), pattern)]
        names.extend(n for n in matched if n not in names)
    return names


def get_property(value: typing.Any, name: str) -> typing.Any:
    if isinstance(value, Record):
        return value.get(name)
    return None


def select_object(inv: Invocation) -> None:
    items = list(inv.input)
    skip = inv.params.get("Skip", 0)
    items = items[skip:]
    if "First" in inv.params:
        items = items[:inv.params["First"]]
    if "Last" in inv.params:
        items = items[-inv.params["Last"]:] if inv.params["Last"] else []
    expand = inv.params.get("ExpandProperty")
    patterns = inv.params.get("Property")
    seen: list[typing.Any] = []
    for item in items:
        if patterns:
            names = expand_property_patterns(item, patterns)
            type_names = item.type_names if isinstance(item, Record) else ["System.Object"]
            item = Record([f"Selected.{type_names[0]}", "System.Management.Automation.PSCustomObject",
                           "System.Object"], {n: get_property(item, n) for n in names},
                          "@{" + "; ".join(f"{n}={get_property(item, n)}" for n in names) + "}")
        if expand:
            if not isinstance(item, Record) or not any(n.lower() == expand.lower() for n in item.properties):
                inv.error(CmdletError(
                    "System.Management.Automation.PSArgumentException", ARGUMENT,
                    f'Property "{expand}" cannot be found.', category="InvalidArgument", target=str(item),
                    error_id="ExpandPropertyNotFound", exchange=False))
                continue
            value = item.get(expand)
            values = value.values if isinstance(value, MultiValued) else value if isinstance(value, list) else [value]
            for v in values:
                inv.write(v)
            continue
        if inv.params.get("Unique"):
            key = repr(item.properties if isinstance(item, Record) else item)
            if key in seen:
                continue
            seen.append(key)
        inv.write(item)


def measure_object(inv: Invocation) -> None:
    """Count, and with -Sum/-Average/-Maximum/-Minimum those of the numbers (of -Property's values), as
    Doubles, as GenericMeasureInfo has them."""
    names = inv.params.get("Property") or []
    name = names[0] if names else None
    items = list(inv.input)
    if name is not None:
        items = [get_property(i, name) for i in items
                 if isinstance(i, Record) and any(n.lower() == name.lower() for n in i.properties)]
    numbers: list[float] = []
    wanted = [s for s in ("Sum", "Average", "Maximum", "Minimum") if inv.params.get(s)]
    for item in items if wanted else []:
        try:
            numbers.append(float(item))
        except (TypeError, ValueError):
            raise CmdletError("System.Management.Automation.PSInvalidOperationException", RUNTIME[:],
                              f'Input object "{item}" is not numeric.', category="InvalidType", target=str(item),
                              error_id="NonNumericInputObject", exchange=False) from None
    stats: dict[str, float | None] = {
        "Sum": sum(numbers), "Average": sum(numbers) / len(numbers) if numbers else None,
        "Maximum": max(numbers, default=None), "Minimum": min(numbers, default=None)}
    inv.write(Record(["Microsoft.PowerShell.Commands.GenericMeasureInfo",
                      "Microsoft.PowerShell.Commands.MeasureInfo", "System.Object"],
                     {"Count": len(items), **{s: stats[s] if s in wanted else None
                                              for s in ("Average", "Sum", "Maximum", "Minimum")},
                      "Property": name}, "Microsoft.PowerShell.Commands.GenericMeasureInfo"))


def command_record(cmdlet: Cmdlet) -> Record:
    verb, _, noun = cmdlet.name.partition("-")
    module = "Microsoft.Exchange.Management.PowerShell.E2010" if cmdlet.exchange else "Microsoft.PowerShell.Management"
    return Record(["System.Management.Automation.CmdletInfo", "System.Management.Automation.CommandInfo",
                   "System.Object"],
                  {"Verb": verb, "Noun": noun, "HelpFile": "", "PSSnapIn": module, "ImplementingType": cmdlet.task,
                   "Definition": cmdlet.name + " " + " ".join(f"[-{p.name}]" for p in cmdlet.parameters),
                   "DefaultParameterSet": None, "OutputType": [cmdlet.output_type] if cmdlet.output_type else [],
                   "Name": cmdlet.name, "CommandType": "Cmdlet", "Source": module, "Version": None,
                   "Visibility": "Public", "ModuleName": module, "RemotingCapability": "PowerShell"},
                  cmdlet.name)


def get_command(inv: Invocation) -> None:
    runspace = typing.cast("CommandInvocation", inv).runspace
    commands = runspace.configuration.visible(runspace, inv.context)
    patterns = inv.params.get("Name") or ["*"]
    for pattern in patterns:
        found = [c for c in commands if fnmatch.fnmatch(c.name.lower(), pattern.lower())]
        if not found and not any(ch in pattern for ch in "*?["):
            inv.error(CmdletError(
                "System.Management.Automation.CommandNotFoundException", RUNTIME[:],
                f"The term '{pattern}' is not recognized as the name of a cmdlet, function, script file, or operable "
                "program. Check the spelling of the name, or if a path was included, verify that the path is correct "
                "and try again.", category="ObjectNotFound", target=pattern, error_id="CommandNotFoundException",
                exchange=False))
        for cmdlet in sorted(found, key=lambda c: c.name):
            inv.write(command_record(cmdlet))


def get_help(inv: Invocation) -> None:
    name = inv.params.get("Name") or "Get-Help"
    inv.write(Record(["MamlCommandHelpInfo", "HelpInfo", "System.Management.Automation.PSCustomObject",
                      "System.Object"],
                     {"Name": name, "Synopsis": f"{name} (help content is not part of the Exchange emulator)",
                      "Category": "Cmdlet"}, name))


def nothing(inv: Invocation) -> None:
    """Commands whose only effect is on an interactive host, which remote clients here do not have."""


BUILTIN_COMMANDS: tuple[Cmdlet, ...] = (
    Cmdlet("Select-Object", TASKS + "SelectObjectCommand",
           (Parameter("Property", StringArray(), position=0), Parameter("ExpandProperty", String()),
            Parameter("First", Int(0)), Parameter("Last", Int(0)), Parameter("Skip", Int(0)),
            Parameter("Unique", Switch()), Parameter("InputObject", String(), from_pipeline=True)),
           select_object, exchange=False),
    Cmdlet("Measure-Object", TASKS + "MeasureObjectCommand",
           (Parameter("Property", StringArray(), position=0), Parameter("Sum", Switch()),
            Parameter("Average", Switch()), Parameter("Maximum", Switch()), Parameter("Minimum", Switch()),
            Parameter("InputObject", String(), from_pipeline=True)),
           measure_object, exchange=False),
    Cmdlet("Get-Command", TASKS + "GetCommandCommand",
           (Parameter("Name", StringArray(), position=0), Parameter("Module", StringArray()),
            Parameter("CommandType", String())),
           get_command, exchange=False),
    Cmdlet("Get-Help", TASKS + "GetHelpCommand", (Parameter("Name", String(), position=0),
                                                   Parameter("Full", Switch()), Parameter("Detailed", Switch()),
                                                   Parameter("Examples", Switch())), get_help, exchange=False),
    Cmdlet("Get-FormatData", TASKS + "GetFormatDataCommand", (Parameter("TypeName", StringArray(), position=0),),
           nothing, exchange=False),
    Cmdlet("Out-Default", TASKS + "OutDefaultCommand", (Parameter("InputObject", String(), from_pipeline=True),),
           nothing, exchange=False),
    Cmdlet("Exit-PSSession", TASKS + "ExitPSSessionCommand", (), nothing, exchange=False),
)

"""The PowerShell commands that take script blocks or work on any object: Where-Object, ForEach-Object,
Sort-Object, Group-Object, Write-Output and Write-Host (the host endpoint and the WinRS shell have them;
the NoLanguage management endpoint does not)."""

from __future__ import annotations

import functools
import typing

from ...exchange.cmdlet import Cmdlet, Invocation, Parameter
from ...exchange.parameters import AnyValue, Switch
from ...exchange.records import Record
from . import operators
from .interpreter import enumerate_output
from .values import STRING_METHODS, ScriptBlock, call_method, get_member, is_true, to_text

if typing.TYPE_CHECKING:
    from ..runspace import CommandInvocation

TASKS = "Microsoft.PowerShell.Commands."
# Where-Object's comparison switches (-EQ, -CEQ, -Like, …), each with the operator it stands for.
SWITCH_NAMES = {"eq": "EQ", "ne": "NE", "gt": "GT", "ge": "GE", "lt": "LT", "le": "LE", "like": "Like",
                "notlike": "NotLike", "match": "Match", "notmatch": "NotMatch", "contains": "Contains",
                "notcontains": "NotContains", "in": "In", "notin": "NotIn"}
WHERE_SWITCHES = {("C" if case else "") + switch: f"-{'c' if case else ''}{name}"
                  for name, switch in SWITCH_NAMES.items() for case in (False, True)}


def input_objects(inv: Invocation) -> list[typing.Any]:
    if inv.input:
        return list(inv.input)
    value = inv.params.get("InputObject")
    return [] if value is None else enumerate_output(value)


def property_value(item: typing.Any, key: typing.Any) -> typing.Any:
    """A property (by name) or the output of a script block, of one object."""
    if isinstance(key, ScriptBlock):
        output = key.invoke(item)
        return output[0] if len(output) == 1 else output or None
    return get_member(item, to_text(key))


def where_object(inv: Invocation) -> None:
    script = inv.params.get("FilterScript")
    prop = inv.params.get("Property")
    if not isinstance(script, ScriptBlock) and script is not None:
        prop, script = script, None
    chosen = [operator for switch, operator in WHERE_SWITCHES.items() if inv.params.get(switch)]
    for item in input_objects(inv):
        if script is not None:
            keep = is_true(script.invoke(item))
        elif not chosen:
            keep = is_true(get_member(item, to_text(prop)))
        else:
            operator = chosen[0]
            value = get_member(item, to_text(prop))
            keep = is_true(operators.comparison(operator, value, inv.params.get("Value"), lambda match: None))
        if keep:
            inv.write(item)


def foreach_object(inv: Invocation) -> None:
    process = inv.params.get("Process")
    member = inv.params.get("MemberName")
    if process is not None and not isinstance(process, ScriptBlock):
        member, process = process, None
    for block in (inv.params.get("Begin"),):
        if isinstance(block, ScriptBlock):
            for value in block.invoke(None):
                inv.write(value)
    for item in input_objects(inv):
        if process is not None:
            for value in process.invoke(item):
                inv.write(value)
        elif member is not None:
            name = to_text(member)
            if isinstance(item, str) and name.lower() in STRING_METHODS:
                result = call_method(item, name, [])
            else:
                result = get_member(item, name)
            for value in enumerate_output(result):
                inv.write(value)
    end = inv.params.get("End")
    if isinstance(end, ScriptBlock):
        for value in end.invoke(None):
            inv.write(value)


def sort_keys(inv: Invocation) -> list[typing.Any]:
    value = inv.params.get("Property")
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def sort_object(inv: Invocation) -> None:
    keys = sort_keys(inv)
    case_sensitive = bool(inv.params.get("CaseSensitive"))
    items = input_objects(inv)

    def key_values(item: typing.Any) -> list[typing.Any]:
        if not keys:
            return [item.to_string if isinstance(item, Record) else item]
        return [property_value(item, key) for key in keys]

    def order(a: tuple[typing.Any, list[typing.Any]], b: tuple[typing.Any, list[typing.Any]]) -> int:
        for left, right in zip(a[1], b[1], strict=True):
            result = operators.compare(left, right, case_sensitive)
            if result:
                return result
        return 0

    pairs = sorted(((item, key_values(item)) for item in items), key=functools.cmp_to_key(order),
                   reverse=bool(inv.params.get("Descending")))
    written: list[list[typing.Any]] = []
    for item, values in pairs:
        if inv.params.get("Unique"):
            if any(all(operators.equals(a, b, case_sensitive) for a, b in zip(values, seen, strict=True))
                   for seen in written):
                continue
            written.append(values)
        inv.write(item)


GROUP_TYPE = "Microsoft.PowerShell.Commands.GroupInfo"
NO_ELEMENT_TYPE = "Microsoft.PowerShell.Commands.GroupInfoNoElement"  # -NoElement's, a GroupInfo without Group


def group_object(inv: Invocation) -> None:
    keys = sort_keys(inv)
    case_sensitive = bool(inv.params.get("CaseSensitive"))
    groups: list[tuple[list[typing.Any], list[typing.Any]]] = []
    for item in input_objects(inv):
        values = [property_value(item, key) for key in keys] if keys else [item]
        for group_values, members in groups:
            if all(operators.equals(to_text(a), to_text(b), case_sensitive)
                   for a, b in zip(group_values, values, strict=True)):
                members.append(item)
                break
        else:
            groups.append((values, [item]))
    for values, members in groups:
        name = ", ".join(to_text(v) for v in values)
        properties: dict[str, typing.Any] = {"Count": len(members), "Name": name, "Values": values}
        types = [GROUP_TYPE, "System.Object"]
        if inv.params.get("NoElement"):
            types.insert(0, NO_ELEMENT_TYPE)
        else:
            properties["Group"] = members
        inv.write(Record(types, properties, types[0]))


def write_output(inv: Invocation) -> None:
    for item in input_objects(inv):
        inv.write(item)


def write_host(inv: Invocation) -> None:
    value = inv.params.get("Object")
    if value is None and inv.input:
        value = list(inv.input)
    separator = to_text(inv.params.get("Separator", " "))
    text = separator.join(to_text(v) for v in enumerate_output(value)) if value is not None else ""
    typing.cast("CommandInvocation", inv).sink.information(text, "Write-Host")


def _any(name: str, position: int | None = None, pipeline: bool = False) -> Parameter:
    return Parameter(name, AnyValue(), position=position, from_pipeline=pipeline)


LANGUAGE_COMMANDS: tuple[Cmdlet, ...] = (
    Cmdlet("Where-Object", TASKS + "WhereObjectCommand",
           (_any("FilterScript", 0), _any("Property"), _any("Value", 1), _any("InputObject", pipeline=True),
            *(Parameter(switch, Switch()) for switch in WHERE_SWITCHES)),
           where_object, exchange=False),
    Cmdlet("ForEach-Object", TASKS + "ForEachObjectCommand",
           (_any("Process", 0), _any("MemberName"), _any("Begin"), _any("End"), _any("InputObject", pipeline=True)),
           foreach_object, exchange=False),
    Cmdlet("Sort-Object", TASKS + "SortObjectCommand",
           (_any("Property", 0), Parameter("Descending", Switch()), Parameter("Unique", Switch()),
            Parameter("CaseSensitive", Switch()), _any("InputObject", pipeline=True)),
           sort_object, exchange=False),
    Cmdlet("Group-Object", TASKS + "GroupObjectCommand",
           (_any("Property", 0), Parameter("NoElement", Switch()), Parameter("CaseSensitive", Switch()),
            _any("InputObject", pipeline=True)),
           group_object, exchange=False),
    Cmdlet("Write-Output", TASKS + "WriteOutputCommand", (_any("InputObject", 0, pipeline=True),),
           write_output, exchange=False),
    Cmdlet("Write-Host", TASKS + "WriteHostCommand",
           (_any("Object", 0, pipeline=True), _any("Separator"), Parameter("NoNewline", Switch())),
           write_host, exchange=False),
)
LANGUAGE_ALIASES = {"where": "Where-Object", "?": "Where-Object", "foreach": "ForEach-Object",
                    "%": "ForEach-Object", "sort": "Sort-Object", "group": "Group-Object", "echo": "Write-Output",
                    "write": "Write-Output"}

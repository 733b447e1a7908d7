"""Format-Table, Format-List, Out-String and ConvertTo-Json: the commands an administrator pipes into."""

from __future__ import annotations

import fnmatch
import typing

from ...exchange.cmdlet import Cmdlet, Invocation, Parameter
from ...exchange.errors import CmdletError
from ...exchange.parameters import AnyValue, Int, String, Switch
from ...exchange.records import Record
from .json_text import MAX_JSON_DEPTH, to_json
from .out_default import OutDefault
from .render import FormattedOutput, Item, ListEntry, TableRow, TextLine
from .values import CRLF, LINE_WIDTH, MAX_PROPERTY_COLUMNS, NOT_SUPPORTED, TASKS, display_text
from .views import TableShape, as_format_input, default_view, list_fields, property_table, view_table


def not_supported(what: str) -> CmdletError:
    return CmdletError(NOT_SUPPORTED[0], NOT_SUPPORTED[1], f"{what} is not supported by the Exchange emulator.",
                       category="NotImplemented", error_id="EmulatorParameterNotSupported", exchange=False)


def property_patterns(inv: Invocation) -> list[str] | None:
    """The -Property argument as name patterns; calculated properties (hashtables) are not emulated."""
    value = inv.params.get("Property")
    if value is None:
        return None
    values = value if isinstance(value, list) else [value]
    if any(isinstance(v, dict) for v in values):
        raise not_supported("A calculated property (a hashtable in -Property)")
    return [display_text(v) for v in values]


def refuse_unsupported(inv: Invocation, *names: str) -> None:
    for name in names:
        if inv.params.get(name) is not None:
            raise not_supported(f"The -{name} parameter")


def format_input(inv: Invocation) -> list[typing.Any]:
    if inv.input:
        return [v for v in inv.input if v is not None]
    value = inv.params.get("InputObject")
    return [] if value is None else [value]


def matching_names(record: Record, patterns: list[str]) -> list[str]:
    """Property names selected by patterns (wildcards allowed), in pattern order, without repeats."""
    names: list[str] = []
    for pattern in patterns:
        if any(ch in pattern for ch in "*?["):
            found = [n for n in record.properties if fnmatch.fnmatchcase(n.lower(), pattern.lower())]
        else:
            found = [next((n for n in record.properties if n.lower() == pattern.lower()), pattern)]
        names.extend(n for n in found if n not in names)
    return names


def table_shape_for(first: Record, inv: Invocation, patterns: list[str] | None) -> TableShape:
    view = default_view(first)
    if patterns is not None:
        shape = property_table(first, matching_names(first, patterns))
    elif view is not None:
        shape = view_table(*view)
    else:
        shape = property_table(first, list(first.properties)[:MAX_PROPERTY_COLUMNS])
    shape.autosize = bool(inv.params.get("AutoSize"))
    shape.wrap = bool(inv.params.get("Wrap"))
    shape.hide_header = bool(inv.params.get("HideTableHeaders"))
    return shape


def format_table(inv: Invocation) -> None:
    refuse_unsupported(inv, "GroupBy", "View")
    patterns = property_patterns(inv)
    shape: TableShape | None = None
    items: list[Item] = []
    for value in format_input(inv):
        value = as_format_input(value)
        if isinstance(value, FormattedOutput):
            inv.write(value)
        elif not isinstance(value, Record):
            items.append(TextLine(display_text(value)))
        else:
            shape = shape or table_shape_for(value, inv, patterns)
            items.append(TableRow(shape.row(value)) if shape.applies_to(value) else ListEntry(list_fields(value)))
    if shape is not None:
        inv.write(FormattedOutput(items, shape))
    elif items:
        inv.write(FormattedOutput(items))


def format_list(inv: Invocation) -> None:
    refuse_unsupported(inv, "GroupBy", "View")
    patterns = property_patterns(inv)
    items: list[Item] = []
    for value in format_input(inv):
        value = as_format_input(value)
        if isinstance(value, FormattedOutput):
            inv.write(value)
        elif isinstance(value, Record):
            names = matching_names(value, patterns) if patterns is not None else None
            items.append(ListEntry(list_fields(value, names)))
        else:
            items.append(TextLine(display_text(value)))
    if items:
        inv.write(FormattedOutput(items))




def out_string(inv: Invocation) -> None:
    lines: list[str] = []
    formatter = OutDefault(lines.append, inv.params.get("Width") or LINE_WIDTH)
    for value in format_input(inv):
        formatter.add(value)
    formatter.close()
    if inv.params.get("Stream"):
        for line in lines:
            inv.write(line)
    elif lines:
        inv.write("".join(line + CRLF for line in lines))



def convert_to_json(inv: Invocation) -> None:
    depth = inv.params.get("Depth", 2)
    if depth > MAX_JSON_DEPTH:
        raise CmdletError("System.InvalidOperationException", ("System.SystemException", "System.Exception"),
                          f"The maximum depth allowed for serialization is {MAX_JSON_DEPTH}.",
                          category="InvalidOperation", error_id="ReachedMaximumDepthAllowed", exchange=False)
    values = format_input(inv)
    if values:
        inv.write(to_json(values, depth, bool(inv.params.get("Compress"))))



FORMATTING_COMMANDS: tuple[Cmdlet, ...] = (
    Cmdlet("Format-Table", TASKS + "FormatTableCommand",
           (Parameter("Property", AnyValue(), position=0), Parameter("AutoSize", Switch()),
            Parameter("Wrap", Switch()), Parameter("HideTableHeaders", Switch()),
            Parameter("GroupBy", AnyValue()), Parameter("View", String()),
            Parameter("InputObject", AnyValue(), from_pipeline=True)),
           format_table, exchange=False),
    Cmdlet("Format-List", TASKS + "FormatListCommand",
           (Parameter("Property", AnyValue(), position=0), Parameter("GroupBy", AnyValue()),
            Parameter("View", String()), Parameter("InputObject", AnyValue(), from_pipeline=True)),
           format_list, exchange=False),
    Cmdlet("ConvertTo-Json", TASKS + "ConvertToJsonCommand",
           (Parameter("InputObject", AnyValue(), position=0, from_pipeline=True), Parameter("Depth", Int(1)),
            Parameter("Compress", Switch())),
           convert_to_json, exchange=False),
    Cmdlet("Out-String", TASKS + "OutStringCommand",
           (Parameter("Width", Int(2)), Parameter("Stream", Switch()),
            Parameter("InputObject", AnyValue(), from_pipeline=True)),
           out_string, exchange=False),
)

"""How powershell.exe turns objects into text when WinRS redirects its output (Windows PowerShell 5.1).

Out-Default formats what a command line outputs: strings and numbers as their text; objects through a
default view (a table for types with one, see DEFAULT_TABLE_VIEWS), else a table when they have four
properties or fewer and a list otherwise. Format-Table, Format-List, ConvertTo-Json and Out-String are
declared here as the commands an administrator pipes into. Layout follows PowerShell 5.1: a table is a
blank line, header, dashes, rows and two blank lines; columns without a width are sized to their
content; a list pads names to the longest and wraps long values; the console width is 80 columns, of
which PowerShell never writes the last. Errors are rendered in the Windows error view.

Values arrive as the Exchange model produces them (exchange.records): enums and Exchange value types
are already strings, multi-valued properties are `MultiValued`.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import fnmatch
import math
import re
import typing
import uuid

from ..exchange.cmdlet import Cmdlet, Invocation, Parameter
from ..exchange.errors import CmdletError
from ..exchange.parameters import AnyValue, Int, String, Switch
from ..exchange.records import MultiValued, Record
from .model import ErrorRecordInfo

# WinRS starts powershell.exe with a hidden console 80 columns wide (pywinrm issues #216 and #301 show
# its tables at 79 columns); PowerShell's console output never uses the last column.
CONSOLE_COLUMNS = 80
LINE_WIDTH = CONSOLE_COLUMNS - 1
ENUMERATION_LIMIT = 4  # $FormatEnumerationLimit: collections show their first four items
ELLIPSIS = "..."
MAX_PROPERTY_COLUMNS = 10  # a table of an object without a view shows at most ten properties
CRLF = "\r\n"
TASKS = "Microsoft.PowerShell.Commands."
STRING_TYPES = ["System.String", "System.Object"]
NOT_SUPPORTED = ("System.NotSupportedException", ("System.SystemException", "System.Exception"))


# ---------------------------------------------------------------------------------------------- values
def display_text(value: typing.Any) -> str:
    """A value as a table cell or list entry shows it (ToString, collections as `{a, b}`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, str):
        return value
    if isinstance(value, Record):
        return value.to_string
    if isinstance(value, MultiValued):
        return collection_text(value.values)
    if isinstance(value, (list, tuple)):
        return collection_text(list(value))
    if isinstance(value, dict):
        return collection_text(["System.Collections.DictionaryEntry"] * len(value))
    return scalar_text(value)


def scalar_text(value: typing.Any) -> str:
    if isinstance(value, float):
        return float_text(value)
    if isinstance(value, datetime.datetime):
        return date_text(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


def collection_text(items: list[typing.Any]) -> str:
    shown = ", ".join(display_text(item) for item in items[:ENUMERATION_LIMIT])
    more = ELLIPSIS if len(items) > ENUMERATION_LIMIT else ""
    return "{" + shown + more + "}"


def float_text(value: float) -> str:
    """.NET's Double.ToString(): up to 15 significant digits, `1E+20` style exponents."""
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if math.isnan(value):
        return "NaN"
    return f"{value:.15g}".replace("e", "E")


def date_text(value: datetime.datetime) -> str:
    """DateTime.ToString() in en-US, the culture of the servers the emulator stands for."""
    hour = value.hour % 12 or 12
    meridiem = "AM" if value.hour < 12 else "PM"
    return f"{value.month}/{value.day}/{value.year} {hour}:{value.minute:02d}:{value.second:02d} {meridiem}"


def is_scalar(value: typing.Any) -> bool:
    """Values Out-Default writes as their text rather than formatting their properties."""
    return isinstance(value, (str, int, float, bool, datetime.datetime, uuid.UUID))


def right_aligned(value: typing.Any) -> bool:
    """PowerShell right-aligns table columns whose first value is a number or a Boolean."""
    return isinstance(value, (int, float)) and not isinstance(value, str)


# ---------------------------------------------------------------------------------------------- text layout
def split_lines(text: str) -> list[str]:
    """Lines of a value as the formatter sees them: carriage returns dropped, split at line feeds."""
    return text.replace("\r", "").split("\n")


def word_pieces(line: str) -> list[str]:
    """Words, each with the space or tab that ended it."""
    pieces: list[str] = []
    current = ""
    for char in line:
        current += char
        if char in " \t":
            pieces.append(current)
            current = ""
    pieces.append(current)
    return pieces


def wrap_words(text: str, width: int) -> list[str]:
    """Lines of at most `width` characters, broken after spaces (words longer than a line are cut),
    as PowerShell wraps list values, wrapped table cells and error text in English cultures."""
    lines: list[str] = []
    for line in split_lines(text):
        if len(line) <= width:
            lines.append(line)
            continue
        current, room = "", width
        for piece in word_pieces(line):
            if len(piece) > width:
                for char in piece:
                    if room < 1:
                        lines.append(current)
                        current, room = "", width
                    current += char
                    room -= 1
            elif len(piece) > room:
                lines.append(current)
                current, room = piece, width - len(piece)
            else:
                current += piece
                room -= len(piece)
        lines.append(current)
    return lines


def host_words(text: str, width: int) -> list[str]:
    """Runs of spaces, runs of other characters (each cut to `width`) and line feeds, as the console host
    splits text it wraps itself (warnings, verbose messages)."""
    words: list[str] = []
    for match in re.finditer(r"\n| +|[^ \n]+", text.replace("\t", " ")):
        run = match.group()
        words.extend([run] if run == "\n" else [run[i:i + width] for i in range(0, len(run), width)])
    return words


def wrap_to_window(text: str, width: int = LINE_WIDTH) -> list[str]:
    """The console host's own wrapping (WrapToCurrentWindowWidth): a word that does not fit starts a new
    line; spaces that do not fit are split across the break."""
    lines: list[str] = []
    current = ""
    for word in host_words(text, width):
        if word == "\n":
            lines.append(current)
            current = ""
        elif len(current) + len(word) <= width:
            current += word
        elif word.startswith(" "):
            room = width - len(current)
            lines.append(current + word[:room])
            current = word[room:]
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


class Align(enum.Enum):
    LEFT = "left"
    RIGHT = "right"


def fit_cell(value: str, width: int, align: Align) -> str:
    """One table cell on one line: cut at a line break, padded, or shortened with an ellipsis."""
    for index, char in enumerate(value):
        if char in "\r\n":
            value = value[:index] + ELLIPSIS
            break
    if len(value) < width:
        return value.rjust(width) if align is Align.RIGHT else value.ljust(width)
    if len(value) == width:
        return value
    keep = width - len(ELLIPSIS)
    if keep <= 0:
        return value[-width:] if align is Align.RIGHT else value[:width]
    return ELLIPSIS + value[-keep:] if align is Align.RIGHT else value[:keep] + ELLIPSIS


def pad_cell(value: str, width: int, align: Align) -> str:
    return value.rjust(width) if align is Align.RIGHT else value.ljust(width)


def fit_columns(widths: list[int], table_width: int) -> list[int]:
    """Column widths that fit the line: unsized columns share the room left; when too wide, the last
    visible column shrinks or is hidden (width -1), as PowerShell's ColumnWidthManager does."""
    widths = list(widths)
    if all(w > 0 for w in widths):
        if visible_width(widths) <= table_width:
            return widths
    else:
        unsized = [k for k, w in enumerate(widths) if w <= 0]
        for k in unsized:
            widths[k] = 1
        room = table_width - visible_width(widths)
        if room >= 0:
            for step in range(room):
                widths[unsized[step % len(unsized)]] += 1
            return widths
    return trim_to_fit(widths, table_width)


def visible_width(widths: list[int]) -> int:
    shown = [w for w in widths if w > 0]
    return sum(shown) + max(len(shown) - 1, 0)


def trim_to_fit(widths: list[int], table_width: int) -> list[int]:
    while visible_width(widths) > table_width:
        last = next((k - 1 for k, w in enumerate(widths) if w < 0), len(widths) - 1)
        if last < 0:
            break
        shrunk = widths[last] - (visible_width(widths) - table_width)
        widths[last] = shrunk if shrunk >= 1 else -1
    return widths


# ---------------------------------------------------------------------------------------------- shapes
@dataclasses.dataclass(frozen=True)
class ViewColumn:
    name: str
    width: int = 0  # 0: sized from the content


def _columns(*names: str) -> tuple[ViewColumn, ...]:
    return tuple(ViewColumn(name) for name in names)


# Default table views (format.ps1xml) of the types the emulator returns. Widths only where the view's
# widths are known (PowerShell's own DotNetTypes.format.ps1xml); others size to their content.
DEFAULT_TABLE_VIEWS: dict[str, tuple[ViewColumn, ...]] = {
    "Microsoft.Exchange.Data.Directory.Management.RemoteDomain": _columns("Name", "DomainName", "AllowedOOFType"),
    "Microsoft.Exchange.Data.Directory.SystemConfiguration.AcceptedDomain":
        _columns("Name", "DomainName", "DomainType", "Default"),
    "Microsoft.Exchange.Management.AgentTasks.TransportAgent": _columns("Identity", "Enabled", "Priority"),
    "Microsoft.Exchange.Data.Directory.Management.ExchangeServer":
        _columns("Name", "Site", "ServerRole", "Edition", "AdminDisplayVersion"),
    "Microsoft.Exchange.Data.Directory.SystemConfiguration.ReceiveConnector":
        _columns("Identity", "Bindings", "Enabled"),
    "Microsoft.Exchange.Data.Directory.Management.Mailbox":
        _columns("Name", "Alias", "ServerName", "ProhibitSendQuota"),
    "System.ServiceProcess.ServiceController":
        (ViewColumn("Status", 8), ViewColumn("Name", 18), ViewColumn("DisplayName", 38)),
    "System.Collections.DictionaryEntry": (ViewColumn("Name", 30), ViewColumn("Value")),
}


def default_view(record: Record) -> tuple[str, tuple[ViewColumn, ...]] | None:
    """The table view that applies to the record (its own type or a base type), if any."""
    for type_name in record.type_names:
        if type_name in DEFAULT_TABLE_VIEWS:
            return type_name, DEFAULT_TABLE_VIEWS[type_name]
    return None


@dataclasses.dataclass
class TableShape:
    """A table's columns, and the objects it is for (`view_type`; None: any object)."""

    names: list[str]
    widths: list[int]
    aligns: list[Align]
    view_type: str | None = None
    autosize: bool = False
    wrap: bool = False
    hide_header: bool = False

    @property
    def sized_from_content(self) -> bool:
        # PowerShell 5.1 sizes a table from its rows when asked to, or when the first column has no width.
        return self.autosize or not self.widths or self.widths[0] <= 0

    def applies_to(self, record: Record) -> bool:
        return self.view_type is None or self.view_type in record.type_names

    def row(self, record: Record) -> list[str]:
        return [display_text(record.get(name)) for name in self.names]


def view_table(view_type: str, columns: tuple[ViewColumn, ...]) -> TableShape:
    return TableShape([c.name for c in columns], [c.width for c in columns], [Align.LEFT] * len(columns), view_type)


def property_table(record: Record, names: list[str]) -> TableShape:
    aligns = [Align.RIGHT if right_aligned(record.get(n)) else Align.LEFT for n in names]
    return TableShape(list(names), [0] * len(names), aligns)


def list_fields(record: Record, names: list[str] | None = None) -> list[tuple[str, str]]:
    chosen = names if names is not None else list(record.properties)
    return [(name, display_text(record.get(name))) for name in chosen]


def default_shape(record: Record) -> TableShape | None:
    """How Out-Default shows a record: its view's table, a table of up to four properties, else a list."""
    view = default_view(record)
    if view is not None:
        return view_table(*view)
    if len(record.properties) <= 4:
        return property_table(record, list(record.properties))
    return None


def string_properties(value: str) -> Record:
    """A string formatted explicitly (`'abc' | Format-List`) shows its one property, Length."""
    return Record(STRING_TYPES, {"Length": len(value)}, value)


def as_format_input(value: typing.Any) -> typing.Any:
    return string_properties(value) if isinstance(value, str) else value


# ---------------------------------------------------------------------------------------------- rendering
@dataclasses.dataclass
class TextLine:
    """Text written as it is (strings, numbers) in the middle of formatted output."""

    text: str


@dataclasses.dataclass
class ListEntry:
    fields: list[tuple[str, str]]


@dataclasses.dataclass
class TableRow:
    values: list[str]


Item: typing.TypeAlias = "TextLine | ListEntry | TableRow"


def render_list_entry(entry: ListEntry, width: int) -> list[str]:
    """`Name : Value` lines; names padded to the longest, values wrapped under their column."""
    if not entry.fields or width - 3 - 2 < 0:
        return []
    label_width = min(max(len(name) for name, _ in entry.fields), width - 3 - 1)
    value_width = width - label_width - 3
    padding = " " * (label_width + 3)
    lines: list[str] = []
    for name, value in entry.fields:
        label = name[:label_width].ljust(label_width) + " : "
        for index, text in enumerate(split_lines(value)):
            for piece_index, piece in enumerate(wrap_words(text, value_width)):
                first = index == 0 and piece_index == 0
                lines.append((label if first else padding) + piece)
    return lines


def render_out_of_band(item: TextLine | ListEntry, width: int) -> list[str]:
    if isinstance(item, TextLine):
        return [item.text]
    return ["", *render_list_entry(item, width), ""]


class TableWriter:
    """Writes one table: header, dashes and rows, once its column widths are known."""

    def __init__(self, shape: TableShape, widths: list[int], width: int) -> None:
        self.shape = shape
        self.widths = fit_columns(widths, width)

    def visible(self) -> list[int]:
        return [k for k, w in enumerate(self.widths) if w > 0]

    def header(self) -> list[str]:
        if self.shape.hide_header:
            return []
        dashes = ["-" * min(self.widths[k], len(name)) if name else "-" * self.widths[k]
                  for k, name in enumerate(self.shape.names)]
        return [*self.wrapped_row(self.shape.names), self.single_row(dashes)]

    def row(self, values: list[str]) -> list[str]:
        return self.wrapped_row(values) if self.shape.wrap else [self.single_row(values)]

    def single_row(self, values: list[str]) -> str:
        return " ".join(fit_cell(values[k], self.widths[k], self.shape.aligns[k]) for k in self.visible())

    def wrapped_row(self, values: list[str]) -> list[str]:
        columns = self.visible()
        cells = [[pad_cell(line, self.widths[k], self.shape.aligns[k])
                  for line in wrap_words(values[k], self.widths[k])] for k in columns]
        height = max(len(cell) for cell in cells)
        for position, cell in enumerate(cells):
            cell.extend([" " * self.widths[columns[position]]] * (height - len(cell)))
        return [" ".join(cell[line] for cell in cells) for line in range(height)]


def content_widths(shape: TableShape, rows: list[TableRow]) -> list[int]:
    """Each column as wide as its header or its longest value."""
    widths = [len(name) for name in shape.names]
    for row in rows:
        widths = [max(w, len(value)) for w, value in zip(widths, row.values, strict=True)]
    return widths


def render_table(shape: TableShape, items: list[Item], width: int) -> list[str]:
    """A whole table with its blank lines: format start, header, rows, group end, format end."""
    rows = [item for item in items if isinstance(item, TableRow)]
    widths = content_widths(shape, rows) if shape.sized_from_content else list(shape.widths)
    writer = TableWriter(shape, widths, width)
    lines = ["", *writer.header()]
    for item in items:
        lines.extend(writer.row(item.values) if isinstance(item, TableRow) else render_out_of_band(item, width))
    return [*lines, "", ""]


def render_list(entries: list[Item], width: int) -> list[str]:
    """A whole list: format start and group start, each entry followed by a blank line, group and format end."""
    lines = ["", ""]
    for item in entries:
        if isinstance(item, ListEntry):
            lines.extend([*render_list_entry(item, width), ""])
        elif isinstance(item, TextLine):
            lines.append(item.text)
    return [*lines, "", ""]


# ---------------------------------------------------------------------------------------------- Format-*
@dataclasses.dataclass
class FormattedOutput:
    """What Format-Table and Format-List emit: formatting instructions that an Out-* command renders."""

    items: list[Item]
    table: TableShape | None = None

    def render(self, width: int) -> list[str]:
        if self.table is not None:
            return render_table(self.table, self.items, width)
        return render_list(self.items, width)

    def __str__(self) -> str:
        return "Microsoft.PowerShell.Commands.Internal.Format.FormatStartData"


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


# ---------------------------------------------------------------------------------------------- Out-Default
class OutDefault:
    """Out-Default and Out-String: objects in, lines of text out, one formatting state for all of them.

    The first object starts a table or a list. Later objects of the same kind join it; an object a
    table's view does not apply to is shown on its own as a list; Format-* output ends what was open.
    A table sized from its content keeps its rows until it closes (PowerShell waits for them to size
    the columns), so host lines written meanwhile (warnings) come out first.
    """

    def __init__(self, write_line: typing.Callable[[str], None], width: int = LINE_WIDTH) -> None:
        self.write_line = write_line
        self.width = width
        self.table: TableShape | None = None
        self.listing = False
        self.pending: list[Item] = []

    def add(self, value: typing.Any) -> None:
        if isinstance(value, (list, tuple)):
            for item in value:
                self.add(item)
        elif isinstance(value, dict):
            for key, item in value.items():
                self.add(Record(["System.Collections.DictionaryEntry", "System.ValueType", "System.Object"],
                                {"Name": key, "Key": key, "Value": item}, "System.Collections.DictionaryEntry"))
        elif isinstance(value, FormattedOutput):
            self.close()
            self.emit(value.render(self.width))
        elif isinstance(value, Record):
            self.add_record(value)
        elif value is not None:
            self.add_item(TextLine(display_text(value)))

    def add_record(self, record: Record) -> None:
        if self.table is not None:
            if self.table.applies_to(record):
                self.add_item(TableRow(self.table.row(record)))
            else:
                self.add_item(ListEntry(list_fields(record)))
            return
        if self.listing:
            self.emit([*render_list_entry(ListEntry(list_fields(record)), self.width), ""])
            return
        self.open_for(record)

    def open_for(self, record: Record) -> None:
        shape = default_shape(record)
        if shape is None:
            self.listing = True
            self.emit(["", ""])
            self.add_record(record)
            return
        self.table = shape
        self.emit([""])
        if not shape.sized_from_content:
            self.emit(TableWriter(shape, shape.widths, self.width).header())
        self.add_item(TableRow(shape.row(record)))

    def add_item(self, item: Item) -> None:
        if self.table is not None and self.table.sized_from_content:
            self.pending.append(item)
        elif isinstance(item, TableRow) and self.table is not None:
            self.emit(TableWriter(self.table, self.table.widths, self.width).row(item.values))
        else:
            self.emit(render_out_of_band(typing.cast("TextLine | ListEntry", item), self.width))

    def close(self) -> None:
        """End what is open: a pending table is written whole; a group and a format end with blank lines."""
        if self.table is not None and self.table.sized_from_content:
            self.emit(render_table(self.table, self.pending, self.width)[1:])
        elif self.table is not None or self.listing:
            self.emit(["", ""])
        self.table, self.listing, self.pending = None, False, []

    def emit(self, lines: list[str]) -> None:
        for line in lines:
            self.write_line(line)


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


# ---------------------------------------------------------------------------------------------- JSON
MAX_JSON_DEPTH = 100


@dataclasses.dataclass(frozen=True)
class JsonDate:
    """A DateTime as PowerShell 5.1's serializer writes it: `"\\/Date(<ms since 1970>)\\/"`."""

    milliseconds: int


JsonNode: typing.TypeAlias = "None | bool | int | float | str | JsonDate | list[JsonNode] | dict[str, JsonNode]"


def json_tree(value: typing.Any, depth: int, max_depth: int) -> JsonNode:
    """The value as ConvertTo-Json sees it; objects deeper than -Depth become their text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return typing.cast(JsonNode, value)
    if isinstance(value, datetime.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
        return JsonDate(math.floor(moment.timestamp() * 1000))
    if isinstance(value, uuid.UUID):
        return str(value)
    if depth > max_depth:
        return shallow_text(value)
    if isinstance(value, Record):
        return {name: json_tree(item, depth + 1, max_depth) for name, item in value.properties.items()}
    if isinstance(value, MultiValued):
        return [json_tree(item, depth + 1, max_depth) for item in value.values]
    if isinstance(value, (list, tuple)):
        return [json_tree(item, depth + 1, max_depth) for item in value]
    if isinstance(value, dict):
        # Keys in the order written; a PowerShell hashtable would list them in its hash order.
        return {str(key): json_tree(item, depth + 1, max_depth) for key, item in value.items()}
    return str(value)


def shallow_text(value: typing.Any) -> str:
    """What PowerShell converts an object beyond -Depth to: its text; collections joined by spaces."""
    if isinstance(value, Record):
        return value.to_string
    if isinstance(value, MultiValued):
        return " ".join(display_text(v) for v in value.values)
    if isinstance(value, (list, tuple)):
        return " ".join(display_text(v) for v in value)
    if isinstance(value, dict):
        return "System.Collections.Hashtable"
    return str(value)


_JSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                 "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"}


def json_string(text: str) -> str:
    """A JSON string as JavaScriptSerializer writes it (it also escapes < > & and ')."""
    out = []
    for char in text:
        if char in _JSON_ESCAPES:
            out.append(_JSON_ESCAPES[char])
        elif ord(char) < 0x20:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def json_scalar(node: JsonNode) -> str:
    if node is None:
        return "null"
    if isinstance(node, bool):
        return "true" if node else "false"
    if isinstance(node, JsonDate):
        return f'"\\/Date({node.milliseconds})\\/"'
    if isinstance(node, float):
        text = repr(node).replace("e", "E")
        return text[:-2] if text.endswith(".0") else text
    if isinstance(node, int):
        return str(node)
    return json_string(str(node))


def json_compact(node: JsonNode) -> str:
    if isinstance(node, dict):
        return "{" + ",".join(json_string(k) + ":" + json_compact(v) for k, v in node.items()) + "}"
    if isinstance(node, list):
        return "[" + ",".join(json_compact(v) for v in node) + "]"
    return json_scalar(node)


def json_pretty(node: JsonNode, column: int = 0) -> str:
    """PowerShell 5.1's layout: members four columns right of their opening bracket, two spaces after
    the colon, the closing bracket under the opening one, and an empty line inside empty brackets."""
    inner = " " * (column + 4)
    close = " " * column
    if isinstance(node, dict):
        members = [inner + json_string(k) + ":  " + json_pretty(v, column + 4 + len(json_string(k)) + 3)
                   for k, v in node.items()]
        return "{" + CRLF + ("," + CRLF).join(members) + CRLF + close + "}"
    if isinstance(node, list):
        items = [inner + json_pretty(v, column + 4) for v in node]
        return "[" + CRLF + ("," + CRLF).join(items) + CRLF + close + "]"
    return json_scalar(node)


def to_json(values: list[typing.Any], depth: int = 2, compress: bool = False) -> str:
    """ConvertTo-Json of its whole input: one object as itself, several as an array."""
    subject: typing.Any = values[0] if len(values) == 1 else list(values)
    tree = json_tree(subject, 0, depth)
    return json_compact(tree) if compress else json_pretty(tree)


def convert_to_json(inv: Invocation) -> None:
    depth = inv.params.get("Depth", 2)
    if depth > MAX_JSON_DEPTH:
        raise CmdletError("System.InvalidOperationException", ("System.SystemException", "System.Exception"),
                          f"The maximum depth allowed for serialization is {MAX_JSON_DEPTH}.",
                          category="InvalidOperation", error_id="ReachedMaximumDepthAllowed", exchange=False)
    values = format_input(inv)
    if values:
        inv.write(to_json(values, depth, bool(inv.params.get("Compress"))))


# ---------------------------------------------------------------------------------------------- error view
ERROR_VIEW_INDENT = 4


def category_chunks(label: str, text: str) -> str:
    """The error view's `+ CategoryInfo` and `+ FullyQualifiedErrorId` lines: cut every (console width
    - 6) characters and joined with four spaces, exactly as PowerShell 5.1's view script does."""
    chunk = CONSOLE_COLUMNS - ERROR_VIEW_INDENT - 2
    line = f"+ {label}: {text}"
    pieces = [line[start:start + chunk] for start in range(0, len(line), chunk)]
    return "".join(" " * ERROR_VIEW_INDENT + piece for piece in pieces)


def error_view(record: ErrorRecordInfo, prefix: str, position: str) -> list[str]:
    """An error record as powershell.exe prints it: `<command> : <message>`, the position, the category
    and the error id, then a line holding one space; wrapped to the console width."""
    if record.category == "ParserError" and not prefix:
        text = f"{position}\n{record.message}" if position else record.message
    else:
        text = (f"{prefix} : " if prefix else "") + record.message + (f"\n{position}" if position else "")
    text += "\n" + category_chunks("CategoryInfo          ", record.category_line)
    text += "\n" + category_chunks("FullyQualifiedErrorId ", record.error_id)
    text += "\n "
    return wrap_words(text, LINE_WIDTH)


# ---------------------------------------------------------------------------------------------- commands
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


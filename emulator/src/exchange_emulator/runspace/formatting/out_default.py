"""Out-Default: objects in, lines of text out, with one formatting state for all of them."""

from __future__ import annotations

import typing

from ...exchange.records import Record
from .render import (
    FormattedOutput,
    Item,
    ListEntry,
    TableRow,
    TableWriter,
    TextLine,
    render_list_entry,
    render_out_of_band,
    render_table,
)
from .values import LINE_WIDTH, display_text
from .views import TableShape, default_shape, list_fields


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

"""Rendering tables and lists to lines, and the formatting instructions Format-* emit."""

from __future__ import annotations

import dataclasses
import typing

from .layout import fit_cell, fit_columns, pad_cell, split_lines, wrap_words
from .views import TableShape


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

"""Shapes of formatted output: the default table views of the emulated types, table shapes, list fields."""

from __future__ import annotations

import dataclasses
import typing

from ...exchange.records import Record
from .layout import Align
from .values import STRING_TYPES, display_text, right_aligned


@dataclasses.dataclass(frozen=True)
class ViewColumn:
    name: str
    width: int = 0  # 0: sized from the content
    align: Align = Align.LEFT


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
    "Microsoft.PowerShell.Commands.GroupInfoNoElement": (ViewColumn("Count", 5, Align.RIGHT), ViewColumn("Name")),
    "Microsoft.PowerShell.Commands.GroupInfo": (ViewColumn("Count", 5, Align.RIGHT), ViewColumn("Name", 25),
                                                ViewColumn("Group")),
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
    return TableShape([c.name for c in columns], [c.width for c in columns], [c.align for c in columns], view_type)


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

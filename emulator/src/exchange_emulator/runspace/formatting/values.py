"""Values as text: what a table cell, a list entry or Out-Default shows for a value."""

from __future__ import annotations

import datetime
import math
import typing
import uuid

from ...exchange.records import MultiValued, Record

CONSOLE_COLUMNS = 80
LINE_WIDTH = CONSOLE_COLUMNS - 1
ENUMERATION_LIMIT = 4  # $FormatEnumerationLimit: collections show their first four items
ELLIPSIS = "..."
MAX_PROPERTY_COLUMNS = 10  # a table of an object without a view shows at most ten properties
CRLF = "\r\n"
TASKS = "Microsoft.PowerShell.Commands."
STRING_TYPES = ["System.String", "System.Object"]
NOT_SUPPORTED = ("System.NotSupportedException", ("System.SystemException", "System.Exception"))


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

"""ConvertTo-Json's text, as Windows PowerShell 5.1's JavaScriptSerializer writes it."""

from __future__ import annotations

import dataclasses
import datetime
import math
import typing
import uuid

from ...exchange.records import MultiValued, Record
from .values import CRLF, display_text

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

"""PowerShell's value rules: what is a collection, truth, conversion to text and numbers, member access.

Values are the emulator's: str, bool, int, float, None ($null), datetime, UUID, `Record` (an object with
properties), `MultiValued` (an Exchange multi-valued property, a collection), list (an array), dict (a
hashtable) and `ScriptBlock`.
"""

from __future__ import annotations

import dataclasses
import datetime
import typing
import uuid

from ...exchange.records import MultiValued, Record
from ..formatting import display_text
from ..model import ErrorRecordInfo

if typing.TYPE_CHECKING:
    from .interpreter import Interpreter, Scope
    from .syntax import Statement

RUNTIME_TYPES = ["System.Management.Automation.RuntimeException", "System.SystemException", "System.Exception"]


class ScriptRuntimeError(Exception):
    """An error raised by the language itself (a failed conversion, a method the emulator lacks): it ends the
    statement, as PowerShell's RuntimeException does."""

    def __init__(self, message: str, error_id: str, category: str = "InvalidOperation",
                 type_names: list[str] | None = None) -> None:
        super().__init__(message)
        self.record = ErrorRecordInfo(message, type_names or RUNTIME_TYPES, error_id, category, "RuntimeException")


@dataclasses.dataclass
class ScriptBlock:
    """A `{ … }` value: its statements, run with `$_` set by Where-Object, ForEach-Object and the like."""

    statements: list["Statement"]
    text: str
    interpreter: "Interpreter"
    scope: "Scope"

    def invoke(self, item: typing.Any = None) -> list[typing.Any]:
        return self.interpreter.invoke_block(self, item)

    def __str__(self) -> str:
        return self.text


def is_collection(value: typing.Any) -> bool:
    """Collections PowerShell enumerates in a pipeline and for member access (not hashtables or strings)."""
    return isinstance(value, (list, tuple, MultiValued))


def items_of(value: typing.Any) -> list[typing.Any]:
    if isinstance(value, MultiValued):
        return list(value.values)
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def unwrap(output: list[typing.Any]) -> typing.Any:
    """A pipeline's output as a value: nothing is $null, one object itself, more an array."""
    if not output:
        return None
    return output[0] if len(output) == 1 else list(output)


def is_true(value: typing.Any) -> bool:
    """LanguagePrimitives.IsTrue (about_Booleans): $null, 0, '' and empty arrays are false; an array of one is
    as true as its element; any other object is true."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        return value != ""
    if is_collection(value):
        items = items_of(value)
        return bool(items) and (is_true(items[0]) if len(items) == 1 else True)
    return True


def to_text(value: typing.Any) -> str:
    """A value converted to a string: arrays joined with spaces (PowerShell's $OFS), $null empty."""
    if is_collection(value):
        return " ".join(to_text(item) for item in items_of(value))
    if isinstance(value, dict):
        return "System.Collections.Hashtable"
    return display_text(value)


def to_number(value: typing.Any) -> int | float:
    """A value converted to a number as PowerShell converts it, or a ScriptRuntimeError."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0
        try:
            return int(text, 16) if text.lower().startswith("0x") else int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                pass
    raise ScriptRuntimeError(f'Cannot convert value "{to_text(value)}" to type "System.Int32". Error: "Input string '
                             'was not in a correct format."', "InvalidCastFromStringToInteger", "InvalidArgument")


def type_name(value: typing.Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "System.Boolean"
    if isinstance(value, int):
        return "System.Int32"
    if isinstance(value, float):
        return "System.Double"
    if isinstance(value, str):
        return "System.String"
    if isinstance(value, datetime.datetime):
        return "System.DateTime"
    if isinstance(value, uuid.UUID):
        return "System.Guid"
    if isinstance(value, Record):
        return value.type_names[0]
    if isinstance(value, MultiValued):
        return value.type_names[0]
    if isinstance(value, dict):
        return "System.Collections.Hashtable"
    if isinstance(value, ScriptBlock):
        return "System.Management.Automation.ScriptBlock"
    return "System.Object[]"


# ---------------------------------------------------------------------------------------------- members
COUNT_NAMES = ("count", "length")


def get_member(value: typing.Any, name: str) -> typing.Any:
    """`value.name`: a property (names case-insensitive); on a collection without that member, the member of
    each element (member-access enumeration: one result is itself, none $null); `Count` and `Length` of any
    value (1 for a scalar, 0 for $null); $null for a member that does not exist."""
    lowered = name.lower()
    if value is None:
        return 0 if lowered in COUNT_NAMES else None
    if is_collection(value):
        items = items_of(value)
        if lowered in COUNT_NAMES or lowered == "longlength":
            return len(items)
        results: list[typing.Any] = []
        for item in items:
            result = get_member(item, name)
            results.extend(items_of(result) if is_collection(result) else [result])
        return unwrap(results)
    if isinstance(value, dict):
        for key, item in value.items():
            if str(key).lower() == lowered:
                return item
        if lowered == "count":
            return len(value)
        if lowered in ("keys", "values"):
            return list(value.keys() if lowered == "keys" else value.values())
        return None
    if isinstance(value, str):
        return len(value) if lowered == "length" else 1 if lowered == "count" else None
    if isinstance(value, Record):
        if any(key.lower() == lowered for key in value.properties):
            return value.get(name)
    return 1 if lowered in COUNT_NAMES else None


def get_index(value: typing.Any, index: typing.Any) -> typing.Any:
    """`value[index]`: an element of an array or string (negative from the end), a hashtable entry; an array
    of indexes gives the elements; out of range is $null."""
    if value is None:
        raise ScriptRuntimeError("Cannot index into a null array.", "NullArray")
    if isinstance(value, dict):
        return next((item for key, item in value.items() if str(key).lower() == to_text(index).lower()), None)
    if is_collection(index):
        return [get_index(value, i) for i in items_of(index)]
    sequence: typing.Any = items_of(value) if is_collection(value) else value if isinstance(value, str) else [value]
    position = int(to_number(index))
    if -len(sequence) <= position < len(sequence):
        return sequence[position]
    return None


STRING_METHODS: dict[str, typing.Callable[..., typing.Any]] = {
    "tostring": lambda s: s, "toupper": str.upper, "tolower": str.lower, "trim": lambda s, *c: s.strip(*c),
    "trimstart": lambda s, *c: s.lstrip(*c), "trimend": lambda s, *c: s.rstrip(*c),
    "contains": lambda s, x: to_text(x) in s, "startswith": lambda s, x: s.startswith(to_text(x)),
    "endswith": lambda s, x: s.endswith(to_text(x)), "replace": lambda s, a, b: s.replace(to_text(a), to_text(b)),
    "split": lambda s, *separators: _split_any(s, "".join(to_text(x) for x in separators)),
    "substring": lambda s, start, *length: s[int(to_number(start)):][:int(to_number(length[0]))] if length
    else s[int(to_number(start)):],
    "indexof": lambda s, x: s.find(to_text(x)),
}


def _split_any(text: str, separators: str) -> list[str]:
    """String.Split(char[]): at any of the characters (whitespace when none), empty parts kept."""
    parts, current = [], ""
    for char in text:
        if char in (separators or " \t\n"):
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def call_method(value: typing.Any, name: str, arguments: list[typing.Any]) -> typing.Any:
    """The few .NET methods administrators call in checks: on strings (ToUpper, ToLower, Trim, Contains,
    StartsWith, EndsWith, Replace, Split, Substring, IndexOf) and ToString on anything; on a collection,
    those of each element."""
    lowered = name.lower()
    if is_collection(value) and lowered != "tostring":
        return unwrap([call_method(item, name, arguments) for item in items_of(value)])
    if lowered == "tostring" and not arguments:
        return type_name(value) if is_collection(value) else to_text(value)
    if isinstance(value, str) and lowered in STRING_METHODS:
        try:
            return STRING_METHODS[lowered](value, *arguments)
        except TypeError:
            pass
    if value is None:
        raise ScriptRuntimeError("You cannot call a method on a null-valued expression.", "InvokeMethodOnNull")
    raise ScriptRuntimeError(
        f"The method {type_name(value)}.{name}() with {len(arguments)} argument(s) is not supported by the Exchange "
        "emulator (it has ToString() and, on strings, ToUpper, ToLower, Trim, TrimStart, TrimEnd, Contains, "
        "StartsWith, EndsWith, Replace, Split, Substring and IndexOf).", "EmulatorMethodNotSupported",
        "NotImplemented")

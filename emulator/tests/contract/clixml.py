"""CLIXML (MS-PSRP 2.2.5) into plain Python values, keeping what a contract test compares: type names,
property names and values, ToString. Objects referenced again (<Ref>) resolve to the same value; type
name lists referenced again (<TNRef>) resolve to the list. Read with ElementTree, no PowerShell
semantics: the point is to see what was on the wire."""

from __future__ import annotations

import dataclasses
import typing
import xml.etree.ElementTree as ET

BOM = b"\xef\xbb\xbf"

PRIMITIVE_TYPES = {
    "S": "System.String", "C": "System.Char", "B": "System.Boolean", "DT": "System.DateTime",
    "TS": "System.TimeSpan", "By": "System.Byte", "SB": "System.SByte", "U16": "System.UInt16",
    "I16": "System.Int16", "U32": "System.UInt32", "I32": "System.Int32", "U64": "System.UInt64",
    "I64": "System.Int64", "Sg": "System.Single", "Db": "System.Double", "D": "System.Decimal",
    "BA": "System.Byte[]", "G": "System.Guid", "URI": "System.Uri", "Version": "System.Version",
    "XD": "System.Xml.XmlDocument", "SBK": "System.Management.Automation.ScriptBlock",
    "SS": "System.Security.SecureString",
}
INTEGERS = {"By", "SB", "U16", "I16", "U32", "I32", "U64", "I64"}
CONTAINERS = {"LST", "IE", "STK", "QUE"}


@dataclasses.dataclass
class CliObject:
    """An <Obj>: its type names, properties (adapted <Props> and extended <MS> merged, in document order),
    ToString, and the value it wraps (an enum's integer, a list, a dict) if any."""

    type_names: list[str]
    properties: dict[str, typing.Any]
    to_string: str | None = None
    value: typing.Any = None

    def get(self, name: str, default: typing.Any = None) -> typing.Any:
        return self.properties.get(name, default)


class Nil:
    """<Nil/>, distinct from a property that is absent."""

    def __repr__(self) -> str:
        return "Nil"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Nil)

    def __hash__(self) -> int:
        return 0


NIL = Nil()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def decode_text(text: str) -> str:
    """CLIXML escapes characters as _xHHHH_ (MS-PSRP 2.2.5.3.2)."""
    out = []
    i = 0
    while i < len(text):
        if text.startswith("_x", i) and i + 7 <= len(text) and text[i + 6] == "_":
            try:
                out.append(chr(int(text[i + 2:i + 6], 16)))
                i += 7
                continue
            except ValueError:
                pass
        out.append(text[i])
        i += 1
    return "".join(out)


class _Reader:
    def __init__(self) -> None:
        self.objects: dict[str, typing.Any] = {}
        self.type_names: dict[str, list[str]] = {}

    def value(self, element: ET.Element) -> typing.Any:
        tag = _local(element.tag)
        text = element.text or ""
        if tag == "Nil":
            return NIL
        if tag == "Obj":
            return self.obj(element)
        if tag == "Ref":
            return self.objects.get(element.attrib.get("RefId", ""), NIL)
        if tag == "B":
            return text.strip().lower() == "true"
        if tag in INTEGERS:
            return int(text)
        if tag in ("Sg", "Db", "D"):
            return float(text)
        return decode_text(text)

    def obj(self, element: ET.Element) -> CliObject:
        result = CliObject([], {})
        ref_id = element.attrib.get("RefId")
        if ref_id is not None:
            self.objects[ref_id] = result
        for child in element:
            tag = _local(child.tag)
            if tag == "TN":
                names = [decode_text(t.text or "") for t in child if _local(t.tag) == "T"]
                self.type_names[child.attrib.get("RefId", "")] = names
                result.type_names = names
            elif tag == "TNRef":
                result.type_names = list(self.type_names.get(child.attrib.get("RefId", ""), []))
            elif tag == "ToString":
                result.to_string = decode_text(child.text or "")
            elif tag in ("Props", "MS"):
                for prop in child:
                    result.properties[decode_text(prop.attrib.get("N", ""))] = self.value(prop)
            elif tag in CONTAINERS:
                result.value = [self.value(item) for item in child]
            elif tag == "DCT":
                entries = {}
                for entry in child:
                    key = value = None
                    for part in entry:
                        if part.attrib.get("N") == "Key":
                            key = self.value(part)
                        elif part.attrib.get("N") == "Value":
                            value = self.value(part)
                    entries[key if isinstance(key, (str, int, bool)) else repr(key)] = value
                result.value = entries
            else:  # an enum's or a wrapped primitive's own value
                result.value = self.value(child)
        return result


def parse(data: bytes | str) -> typing.Any:
    """One serialised value, e.g. a PSRP message's data (with or without Windows' UTF-8 BOM)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if data.startswith(BOM):
        data = data[len(BOM):]
    return _Reader().value(ET.fromstring(data))


def type_names_of(value: typing.Any) -> list[str]:
    """The <TN> type names of an object; none for a primitive (see `primitive_type_of`)."""
    if isinstance(value, CliObject):
        return list(value.type_names)
    return []


def primitive_type_of(data: bytes) -> str | None:
    """The .NET type of a message whose data is a bare primitive (<S>…</S>), or None for an <Obj>."""
    if data.startswith(BOM):
        data = data[len(BOM):]
    tag = _local(ET.fromstring(data).tag)
    return None if tag == "Obj" else PRIMITIVE_TYPES.get(tag, tag)

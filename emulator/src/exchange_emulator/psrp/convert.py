"""Between the runspace layer's neutral values and psrpcore's PowerShell objects.

Outgoing: records become objects with adapted properties (as Exchange's remoting serialises them),
error records keep Windows' exception type chains, category text and the InvocationInfo layout pypsrp
can read. Incoming: arguments and pipeline input become Python natives (hashtables as dicts, arrays as
lists, objects as records).
"""

from __future__ import annotations

import datetime
import typing
import uuid

from psrpcore.types import (
    CommandOrigin,
    CommandTypes,
    ErrorCategory,
    ErrorCategoryInfo,
    ErrorRecord,
    InvocationInfo,
    NETException,
    PSDateTime,
    PSDict,
    PSGuid,
    PSList,
    PSNoteProperty,
    PSObject,
    PSSecureString,
    SessionStateEntryVisibility,
)

from ..exchange.records import MultiValued, Record
from ..runspace.model import ErrorRecordInfo, InvocationDetails

LIST_OF_OBJECT = ("System.Collections.Generic.List`1[[System.Object, mscorlib, Version=4.0.0.0, Culture=neutral, "
                  "PublicKeyToken=b77a5c561934e089]]")


# ---------------------------------------------------------------------------------------------- outgoing
def to_ps(value: typing.Any) -> typing.Any:
    if isinstance(value, Record):
        return record_to_ps(value)
    if isinstance(value, MultiValued):
        items = PSList([to_ps(v) for v in value.values])
        items.PSObject.type_names = value.type_names
        return items
    if isinstance(value, (list, tuple)):
        return PSList([to_ps(v) for v in value])
    if isinstance(value, dict):
        return PSDict({k: to_ps(v) for k, v in value.items()})
    if isinstance(value, datetime.datetime):
        return PSDateTime.fromtimestamp(value.timestamp(), tz=value.tzinfo or datetime.UTC)
    if isinstance(value, uuid.UUID):
        return PSGuid(str(value))
    return value


def record_to_ps(record: Record) -> PSObject:
    """Exchange's objects carry adapted properties (<Props>); custom objects (Select-Object's) carry
    note properties (<MS>), as Windows serialises them."""
    obj = PSObject()
    obj.PSObject.type_names = list(record.type_names)
    obj.PSObject.to_string = record.to_string
    custom = "System.Management.Automation.PSCustomObject" in record.type_names
    target = obj.PSObject.extended_properties if custom else obj.PSObject.adapted_properties
    for name, value in record.properties.items():
        target.append(PSNoteProperty(name, to_ps(value)))
    return obj


class WindowsErrorCategoryInfo(ErrorCategoryInfo):
    """CategoryInfo whose text (ErrorCategory_Message) reads as Windows PowerShell's:
    'Category: (Target:Type) [Activity], Reason'."""

    def __init__(self, text: str, **kwargs: typing.Any) -> None:
        super().__init__(**kwargs)
        self._text = text

    def __str__(self) -> str:
        return self._text


def _invocation_info(details: InvocationDetails) -> InvocationInfo:
    class CommandName(str):
        """Serialises as <S>name</S>; psrpcore reads CommandInfo_* attributes off it."""

    command = CommandName(details.command)
    command.Name = details.command  # type: ignore[attr-defined]
    command.CommandType = CommandTypes.Cmdlet  # type: ignore[attr-defined]
    command.Definition = ""  # type: ignore[attr-defined]
    command.Visibility = SessionStateEntryVisibility.Public  # type: ignore[attr-defined]
    unbound = PSList()
    # Windows types this List`1[Object]. psrpcore's default shares PipelineIterationInfo's type, which
    # makes a <TNRef> that pypsrp, reading properties in its own order, cannot resolve.
    unbound.PSObject.type_names = [LIST_OF_OBJECT, "System.Object"]
    bound = PSDict({k: v for k, v in details.bound_parameters.items() if isinstance(v, (str, bool, int))})
    return InvocationInfo(
        BoundParameters=bound, CommandOrigin=CommandOrigin.Runspace, DisplayScriptPosition=None,
        ExpectingInput=details.expecting_input, HistoryId=1, InvocationName=details.command, Line=details.line,
        MyCommand=command, OffsetInLine=0, PipelineLength=details.length, PipelinePosition=details.position,
        PositionMessage="", PSCommandPath=None, PSScriptRoot="", ScriptLineNumber=0, ScriptName="",
        UnboundArguments=unbound,
    )


def error_record(info: ErrorRecordInfo, with_invocation: bool) -> ErrorRecord:
    exception = NETException(Message=info.message, HResult=-2146233087)
    exception.PSObject.type_names = [*info.type_names, "System.Object"]
    exception.PSObject.to_string = f"{info.type_names[0]}: {info.message}"
    category = WindowsErrorCategoryInfo(
        info.category_line, Category=ErrorCategory[info.category], Activity=info.activity, Reason=info.reason,
        TargetName=info.target_name, TargetType=info.target_type)
    record = ErrorRecord(Exception=exception, CategoryInfo=category, TargetObject=to_ps(info.target),
                         FullyQualifiedErrorId=info.error_id)
    if with_invocation and info.invocation is not None:
        record.InvocationInfo = _invocation_info(info.invocation)
        record.serialize_extended_info = True
    record.PSObject.to_string = info.message
    return record


def invocation_info(details: InvocationDetails | None) -> InvocationInfo | None:
    return _invocation_info(details) if details is not None else None


# ---------------------------------------------------------------------------------------------- incoming
def from_ps(value: typing.Any) -> typing.Any:
    """A deserialised argument or input object as a Python native the binder understands."""
    if value is None or isinstance(value, (bool, str)):
        return str(value) if isinstance(value, str) else value
    if isinstance(value, PSSecureString):
        return "********"  # secrets never reach the model or the audit log in clear
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, dict):
        return {str(from_ps(k)): from_ps(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [from_ps(v) for v in value]
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, PSObject):
        meta = value.PSObject
        props = {p.name: from_ps(p.get_value(value)) for p in [*meta.adapted_properties, *meta.extended_properties]}
        type_names = [t[len("Deserialized."):] if t.startswith("Deserialized.") else t for t in meta.type_names]
        return Record(type_names, props, meta.to_string or "")
    return str(value)



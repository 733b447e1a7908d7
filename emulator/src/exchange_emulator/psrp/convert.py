"""Between the runspace layer's neutral values and psrpcore's PowerShell objects.

Outgoing: records become objects with adapted properties (as Exchange's remoting serialises them),
error records keep Windows' exception type chains, category text and the InvocationInfo layout pypsrp
can read; error, warning, verbose and debug records that stream merging sent to the output become the
ErrorRecord/WarningRecord/… objects Windows writes there (marked writeErrorStream/WriteWarningStream/…).
Incoming: arguments and pipeline input become Python natives (hashtables as dicts, arrays as lists,
objects as records); a `Received` remembers the type names each complex value arrived with, so that one
passed on unchanged to the output goes back as Windows sends it: `Deserialized.`-prefixed.
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
from ..runspace.model import ErrorRecordInfo, InformationalRecordInfo, InvocationDetails

LIST_OF_OBJECT = ("System.Collections.Generic.List`1[[System.Object, mscorlib, Version=4.0.0.0, Culture=neutral, "
                  "PublicKeyToken=b77a5c561934e089]]")


DESERIALIZED = "Deserialized."


class Received:
    """The complex values (dicts, lists, records) that `from_ps` made of one pipeline's arguments and input,
    with the type names they arrived with, prefixed `Deserialized.` as PowerShell's deserializer names them.

    Values are recognised by identity: the runspace layer passes an input object on as the same Python
    object. The table holds each value, so no id is reused while the pipeline (and this table) lives."""

    def __init__(self) -> None:
        self._values: dict[int, tuple[typing.Any, list[str]]] = {}

    def remember(self, value: typing.Any, type_names: typing.Sequence[str]) -> None:
        if type_names:
            self._values[id(value)] = (value, [t if t.startswith(DESERIALIZED) else DESERIALIZED + t
                                               for t in type_names])

    def type_names(self, value: typing.Any) -> list[str] | None:
        entry = self._values.get(id(value))
        return list(entry[1]) if entry is not None and entry[0] is value else None


# ---------------------------------------------------------------------------------------------- outgoing
def to_ps(value: typing.Any, received: Received | None = None) -> typing.Any:
    """A runspace value as psrpcore's object; `received`: the pipeline's arguments and input, whose complex
    values go back with the (Deserialized.) type names they arrived with."""
    if isinstance(value, ErrorRecordInfo):
        return merged_error_record(value)
    if isinstance(value, InformationalRecordInfo):
        return merged_informational_record(value)
    type_names = received.type_names(value) if received is not None else None
    if isinstance(value, Record):
        obj = record_to_ps(value, received)
        if type_names:
            obj.PSObject.type_names = type_names
        return obj
    if isinstance(value, MultiValued):
        items = PSList([to_ps(v, received) for v in value.values])
        items.PSObject.type_names = value.type_names
        return items
    if isinstance(value, (list, tuple)):
        items = PSList([to_ps(v, received) for v in value])
        if type_names:
            items.PSObject.type_names = type_names
        return items
    if isinstance(value, dict):
        table = PSDict({k: to_ps(v, received) for k, v in value.items()})
        if type_names:
            table.PSObject.type_names = type_names
        return table
    if isinstance(value, datetime.datetime):
        return PSDateTime.fromtimestamp(value.timestamp(), tz=value.tzinfo or datetime.UTC)
    if isinstance(value, uuid.UUID):
        return PSGuid(str(value))
    return value


def record_to_ps(record: Record, received: Received | None = None) -> PSObject:
    """Exchange's objects carry adapted properties (<Props>); custom objects (Select-Object's) carry
    note properties (<MS>), as Windows serialises them."""
    obj = PSObject()
    obj.PSObject.type_names = list(record.type_names)
    obj.PSObject.to_string = record.to_string
    custom = "System.Management.Automation.PSCustomObject" in record.type_names
    target = obj.PSObject.extended_properties if custom else obj.PSObject.adapted_properties
    for name, value in record.properties.items():
        target.append(PSNoteProperty(name, to_ps(value, received)))
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


class WindowsErrorRecord(ErrorRecord):
    """An ErrorRecord that, written to the error stream (an ERROR_RECORD message), carries what Windows
    PowerShell adds there: the note property writeErrorStream=true first and <Nil N="PSMessageDetails"/>
    last. A failed pipeline's ExceptionAsErrorRecord has neither."""

    write_error_stream = False

    @classmethod
    def ToPSObjectForRemoting(cls, instance: ErrorRecord, **kwargs: typing.Any) -> PSObject:
        obj = super().ToPSObjectForRemoting(instance, **kwargs)
        if getattr(instance, "write_error_stream", False):
            obj.PSObject.extended_properties.insert(0, PSNoteProperty("writeErrorStream", True))
            obj.PSObject.extended_properties.append(PSNoteProperty("PSMessageDetails", None))
        return obj


def error_record(info: ErrorRecordInfo, with_invocation: bool, extended: bool = True,
                 write_error_stream: bool = False) -> ErrorRecord:
    """`with_invocation`: the record carries its InvocationInfo (the client asked for invocation info);
    `extended`: also flattened (SerializeExtendedInfo, InvocationInfo_*, …), as in the error stream, not in
    a failed pipeline's state; `write_error_stream`: the record goes to the error stream."""
    exception = NETException(Message=info.message, HResult=-2146233087)
    exception.PSObject.type_names = [*info.type_names, "System.Object"]
    exception.PSObject.to_string = f"{info.type_names[0]}: {info.message}"
    category = WindowsErrorCategoryInfo(
        info.category_line, Category=ErrorCategory[info.category], Activity=info.activity, Reason=info.reason,
        TargetName=info.target_name, TargetType=info.target_type)
    record = WindowsErrorRecord(Exception=exception, CategoryInfo=category, TargetObject=to_ps(info.target),
                                FullyQualifiedErrorId=info.error_id)
    if with_invocation and info.invocation is not None:
        record.InvocationInfo = _invocation_info(info.invocation)
        record.serialize_extended_info = extended
    record.write_error_stream = write_error_stream
    record.PSObject.to_string = info.message
    return record


def merged_error_record(info: ErrorRecordInfo) -> ErrorRecord:
    """An error record merged into the output (a PIPELINE_OUTPUT message): as in the error stream, marked
    writeErrorStream, but serialised as any output object, whatever the client's RemoteStreamOptions: its
    InvocationInfo kept as an object, not flattened (SerializeExtendedInfo=false)."""
    return error_record(info, with_invocation=True, extended=False, write_error_stream=True)


def merged_informational_record(info: InformationalRecordInfo) -> PSObject:
    """A warning, verbose or debug record merged into the output, as Windows serialises it there: the record's
    type names, the note WriteWarningStream (…Verbose…, …Debug…) first and no invocation info."""
    obj = PSObject()
    obj.PSObject.type_names = [f"System.Management.Automation.{info.stream}Record",
                               "System.Management.Automation.InformationalRecord", "System.Object"]
    obj.PSObject.to_string = info.message
    for name, value in ((f"Write{info.stream}Stream", True), ("InformationalRecord_Message", info.message),
                        ("InformationalRecord_SerializeInvocationInfo", False)):
        obj.PSObject.extended_properties.append(PSNoteProperty(name, value))
    return obj


def invocation_info(details: InvocationDetails | None) -> InvocationInfo | None:
    return _invocation_info(details) if details is not None else None


# ---------------------------------------------------------------------------------------------- incoming
def from_ps(value: typing.Any, received: Received | None = None) -> typing.Any:
    """A deserialised argument or input object as a Python native the binder understands; `received`
    remembers the type names of the complex values made."""
    if value is None or isinstance(value, (bool, str)):
        return str(value) if isinstance(value, str) else value
    if isinstance(value, PSSecureString):
        return "********"  # secrets never reach the model or the audit log in clear
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    result: typing.Any
    if isinstance(value, dict):
        result = {str(from_ps(k)): from_ps(v, received) for k, v in value.items()}
    elif isinstance(value, (list, tuple)):
        result = [from_ps(v, received) for v in value]
    elif isinstance(value, datetime.datetime):
        return value
    elif isinstance(value, uuid.UUID):
        return str(value)
    elif isinstance(value, PSObject):
        meta = value.PSObject
        props = {p.name: from_ps(p.get_value(value), received)
                 for p in [*meta.adapted_properties, *meta.extended_properties]}
        type_names = [t.removeprefix(DESERIALIZED) for t in meta.type_names]
        result = Record(type_names, props, meta.to_string or "")
    else:
        return str(value)
    if received is not None:
        # psrpcore names what it rehydrates (a Hashtable) as sent, what it cannot (Object[]) Deserialized.*
        received.remember(result, getattr(getattr(value, "PSObject", None), "type_names", None) or ())
    return result



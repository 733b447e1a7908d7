"""PSRP on the wire: fragments (MS-PSRP 2.2.4) reassembled into messages (2.2.1), and the essentials of
the messages a contract test compares (states, error shapes, output types).

A message can span fragments, and fragments can span rsp:Stream elements and WSMan requests, so an
`Assembler` keeps partial messages between calls. Decoding is done here, independently of the emulator's
own fragment code, so that a mistake there cannot hide here.
"""

from __future__ import annotations

import dataclasses
import struct
import typing
import uuid

from psrpcore.types import ErrorCategory, PSInvocationState, PSRPMessageType, RunspacePoolState

from . import clixml

FRAGMENT = struct.Struct(">QQBI")  # ObjectId, FragmentId, Flags (start 0x1, end 0x2), BlobLength
MESSAGE = struct.Struct("<II16s16s")  # Destination, MessageType, RPID, PID (GUIDs little-endian)
START, END = 0x1, 0x2
DESTINATIONS = {1: "Client", 2: "Server"}
NULL_GUID = bytes(16)


class DecodeError(ValueError):
    """Data that is not valid PSRP; says what and where."""


@dataclasses.dataclass(frozen=True)
class ErrorShape:
    """What identifies an ErrorRecord (an ERROR_RECORD message, or a failed state's ExceptionAsErrorRecord)."""

    record_types: tuple[str, ...]
    exception_types: tuple[str, ...]
    message: str
    fully_qualified_error_id: str
    category: str
    activity: str
    reason: str
    target_type: str
    has_invocation_info: bool
    serialize_extended_info: bool | None
    write_error_stream: bool | None
    property_names: tuple[str, ...]


@dataclasses.dataclass
class Message:
    destination: str  # "Client" or "Server": where the message goes
    type: str  # PSRPMessageType name, e.g. "RunspacePoolState"
    has_rpid: bool
    has_pid: bool
    bom: bool  # data starts with a UTF-8 byte order mark (Windows writes one on every server message)
    data: bytes = dataclasses.field(repr=False)
    pipeline_id: uuid.UUID | None = None
    essentials: dict[str, typing.Any] = dataclasses.field(default_factory=dict)
    error: ErrorShape | None = None


class Assembler:
    """Reassembles one sender's fragments into messages (by ObjectId, in FragmentId order)."""

    def __init__(self) -> None:
        self._partial: dict[int, list[bytes]] = {}
        self._next: dict[int, int] = {}

    def feed(self, data: bytes) -> list[Message]:
        messages = []
        offset = 0
        while offset < len(data):
            if len(data) - offset < FRAGMENT.size:
                raise DecodeError(f"truncated fragment header at byte {offset} of {len(data)}")
            object_id, fragment_id, flags, length = FRAGMENT.unpack_from(data, offset)
            offset += FRAGMENT.size
            blob = data[offset:offset + length]
            if len(blob) != length:
                raise DecodeError(f"fragment {object_id}/{fragment_id} announces {length} bytes, has {len(blob)}")
            offset += length
            if flags & START:
                if object_id in self._partial:
                    raise DecodeError(f"object {object_id} restarted before its end fragment")
                if fragment_id != 0:
                    raise DecodeError(f"object {object_id} starts with fragment {fragment_id}, not 0")
                self._partial[object_id] = []
            elif object_id not in self._partial:
                raise DecodeError(f"fragment {object_id}/{fragment_id} continues an object never started")
            elif fragment_id != self._next[object_id]:
                raise DecodeError(f"object {object_id}: fragment {fragment_id} where {self._next[object_id]} was due")
            self._partial[object_id].append(blob)
            self._next[object_id] = fragment_id + 1
            if flags & END:
                messages.append(decode_message(b"".join(self._partial.pop(object_id))))
                del self._next[object_id]
        return messages

    @property
    def pending(self) -> list[int]:
        """ObjectIds of messages started but not finished."""
        return sorted(self._partial)


def decode_message(raw: bytes) -> Message:
    if len(raw) < MESSAGE.size:
        raise DecodeError(f"a PSRP message of {len(raw)} bytes is shorter than its header")
    destination, message_type, rpid, pid = MESSAGE.unpack_from(raw)
    try:
        name = PSRPMessageType(message_type).name
    except ValueError:
        raise DecodeError(f"unknown PSRP message type 0x{message_type:08X}") from None
    data = raw[MESSAGE.size:]
    message = Message(DESTINATIONS.get(destination, f"0x{destination:X}"), name, rpid != NULL_GUID,
                      pid != NULL_GUID, data.startswith(clixml.BOM), data,
                      uuid.UUID(bytes_le=pid) if pid != NULL_GUID else None)
    if data.strip():
        _read_essentials(message)
    return message


def _enum_value(value: typing.Any) -> typing.Any:
    return value.value if isinstance(value, clixml.CliObject) else value


def _name(enum: typing.Any, value: typing.Any) -> str:
    try:
        return str(enum(int(_enum_value(value))).name)
    except (TypeError, ValueError):
        return repr(value)


def error_shape(record: clixml.CliObject) -> ErrorShape:
    exception = record.get("Exception")
    serialize_extended = record.get("SerializeExtendedInfo")
    write_error_stream = record.get("writeErrorStream")
    invocation = record.get("InvocationInfo", clixml.NIL)
    category = record.get("ErrorCategory_Category")
    return ErrorShape(
        record_types=tuple(record.type_names),
        exception_types=tuple(clixml.type_names_of(exception)),
        message=str(exception.get("Message", "")) if isinstance(exception, clixml.CliObject) else "",
        fully_qualified_error_id=str(record.get("FullyQualifiedErrorId", "")),
        category=_name(ErrorCategory, category) if category is not None else "",
        activity=str(record.get("ErrorCategory_Activity", "")),
        reason=str(record.get("ErrorCategory_Reason", "")),
        target_type=str(record.get("ErrorCategory_TargetType", "")),
        has_invocation_info=isinstance(invocation, clixml.CliObject),
        serialize_extended_info=serialize_extended if isinstance(serialize_extended, bool) else None,
        write_error_stream=write_error_stream if isinstance(write_error_stream, bool) else None,
        property_names=tuple(record.properties),
    )


def _statements(shell: typing.Any) -> tuple[tuple[tuple[str, bool], ...], ...]:
    """A CreatePipeline's statements, each a tuple of (command text, is script): the first statement is
    in Cmds, further ones in ExtraCmds (a list of {Cmds})."""
    if not isinstance(shell, clixml.CliObject):
        return ()

    def commands(holder: typing.Any) -> tuple[tuple[str, bool], ...]:
        cmds = holder.get("Cmds") if isinstance(holder, clixml.CliObject) else None
        items = cmds.value if isinstance(cmds, clixml.CliObject) and isinstance(cmds.value, list) else []
        return tuple((str(c.get("Cmd")), bool(c.get("IsScript"))) for c in items if isinstance(c, clixml.CliObject))

    extra = shell.get("ExtraCmds")
    extras = extra.value if isinstance(extra, clixml.CliObject) and isinstance(extra.value, list) else []
    if extras:  # with ExtraCmds, every statement (the first too) is an entry of it
        return tuple(commands(statement) for statement in extras)
    return (commands(shell),)


def _read_essentials(message: Message) -> None:
    kind = message.type
    essentials = message.essentials
    if kind == "PipelineOutput":
        primitive = clixml.primitive_type_of(message.data)
        value = clixml.parse(message.data)
        essentials["output_types"] = (primitive,) if primitive else tuple(clixml.type_names_of(value))
        return
    value = clixml.parse(message.data)
    if not isinstance(value, clixml.CliObject):
        return
    if kind == "SessionCapability":
        essentials["protocolversion"] = value.get("protocolversion")
    elif kind == "RunspacePoolState":
        essentials["state"] = _name(RunspacePoolState, value.get("RunspaceState"))
    elif kind == "PipelineState":
        essentials["state"] = _name(PSInvocationState, value.get("PipelineState"))
    elif kind in ("SetMaxRunspaces", "SetMinRunspaces"):
        essentials["value"] = value.get("MaxRunspaces" if kind == "SetMaxRunspaces" else "MinRunspaces")
    elif kind == "RunspaceAvailability":
        essentials["response"] = _enum_value(value.get("SetMinMaxRunspacesResponse"))
    elif kind == "ApplicationPrivateData":
        data = value.get("ApplicationPrivateData")
        essentials["types"] = tuple(clixml.type_names_of(data))
        table = data.value.get("PSVersionTable") if isinstance(data, clixml.CliObject) and data.value else None
        if isinstance(table, clixml.CliObject) and isinstance(table.value, dict):
            essentials["PSVersionTable"] = tuple(table.value)
            essentials["PSVersionTable_types"] = tuple(table.type_names)
    elif kind == "CreatePipeline":
        essentials["statements"] = _statements(value.get("PowerShell"))
        essentials["no_input"] = value.get("NoInput")
    elif kind in ("WarningRecord", "VerboseRecord", "DebugRecord", "InformationRecord"):
        essentials["types"] = tuple(value.type_names)
    if kind == "ErrorRecord":
        message.error = error_shape(value)
    else:
        failure = value.get("ExceptionAsErrorRecord")
        if isinstance(failure, clixml.CliObject):
            message.error = error_shape(failure)

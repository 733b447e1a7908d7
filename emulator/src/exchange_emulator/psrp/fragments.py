"""Reading PSRP fragment and message headers (MS-PSRP 2.2.4, 2.2.1) without decoding messages.

psrpcore needs a ServerPipeline to exist before the CreatePipeline message that opens it is fed, so
the shell peeks at incoming fragments for pipelines about to start.
"""

from __future__ import annotations

import struct
import typing
import uuid

from psrpcore.types import PSRPMessageType

FRAGMENT_HEADER = 21  # ObjectId(8) FragmentId(8) Flags(1) Length(4), big-endian
START_FLAG = 0x1
PIPELINE_OPENERS = {PSRPMessageType.CreatePipeline.value, PSRPMessageType.GetCommandMetadata.value}


class FragmentError(ValueError):
    pass


def fragments(data: bytes) -> typing.Iterator[tuple[int, bytes]]:
    """(flags, payload) of each fragment; raises FragmentError on truncated data."""
    view = memoryview(data)
    while view:
        if len(view) < FRAGMENT_HEADER:
            raise FragmentError("truncated PSRP fragment header")
        flags = view[16]
        length = struct.unpack(">I", view[17:21])[0]
        if len(view) < FRAGMENT_HEADER + length:
            raise FragmentError("truncated PSRP fragment")
        yield flags, bytes(view[FRAGMENT_HEADER:FRAGMENT_HEADER + length])
        view = view[FRAGMENT_HEADER + length:]


def message_types(data: bytes) -> list[PSRPMessageType]:
    """Types of the messages that start in `data` (message type at offset 4, little-endian)."""
    found = []
    for flags, payload in fragments(data):
        if flags & START_FLAG and len(payload) >= 8:
            value = struct.unpack("<I", payload[4:8])[0]
            try:
                found.append(PSRPMessageType(value))
            except ValueError:
                raise FragmentError(f"unknown PSRP message type 0x{value:08X}") from None
    return found


def new_pipeline_ids(data: bytes) -> list[uuid.UUID]:
    """Pipeline ids (PID at message offset 24, a little-endian GUID) of messages that open a pipeline."""
    found = []
    for flags, payload in fragments(data):
        if flags & START_FLAG and len(payload) >= 40 and struct.unpack("<I", payload[4:8])[0] in PIPELINE_OPENERS:
            found.append(uuid.UUID(bytes_le=payload[24:40]))
    return found

"""psrpcore's server runspace pool, with the corrections real clients need
(docs/docsite/rst/emulator.rst, "Driving psrpcore's server side")."""

from __future__ import annotations

import typing
import uuid

import psrpcore
from psrpcore import ServerPipeline, StreamType
from psrpcore.types import ErrorRecord, PSInvocationState, PSObject, PSRPMessageType

UTF8_BOM = b"\xef\xbb\xbf"
MESSAGE_HEADER = 40  # Destination(4) MessageType(4) RPID(16) PID(16): MS-PSRP 2.2.1


class EmulatorRunspacePool(psrpcore.ServerRunspacePool):
    def prepare_message(
        self,
        message: PSObject | None,
        message_type: PSRPMessageType | None = None,
        pipeline_id: uuid.UUID | None = None,
        stream_type: StreamType = StreamType.default,
    ) -> None:
        """Queue a message whose data starts with a UTF-8 BOM, as every message a Windows server sends does.

        Every outgoing message, the pipelines' too (ServerPipeline.prepare_message delegates here), passes
        through this method. psrpcore 0.3.1 serialises the data and appends the whole message to `_send_buffer`
        (private) in one go; it is cut into fragments only later, by data_to_send(), so inserting the BOM after
        the message header keeps every fragment (and its lengths) correct. There is no public hook between
        serialising and queueing. A message without data (psrpcore writes a None output so) gets no BOM:
        there is no XML document to mark."""
        super().prepare_message(message, message_type, pipeline_id, stream_type)
        queued = self._send_buffer[-1]
        if len(queued) > MESSAGE_HEADER:
            queued._data[MESSAGE_HEADER:MESSAGE_HEADER] = UTF8_BOM

    @staticmethod
    def _case_insensitive_ci(event: typing.Any) -> None:
        # pypsrp writes <I64 N="CI"> in Set{Max,Min}Runspaces; PowerShell reads property names
        # case-insensitively, psrpcore reads `.ci`.
        obj = event._ps_object
        if not hasattr(obj, "ci") and hasattr(obj, "CI"):
            psrpcore.types.add_note_property(obj, "ci", obj.CI)

    def _process_SetMaxRunspaces(self, event: psrpcore.SetMaxRunspacesEvent) -> None:
        self._case_insensitive_ci(event)
        super()._process_SetMaxRunspaces(event)

    def _process_SetMinRunspaces(self, event: psrpcore.SetMinRunspacesEvent) -> None:
        self._case_insensitive_ci(event)
        super()._process_SetMinRunspaces(event)

    def accepts_runspace_count(self, event: psrpcore.SetMaxRunspacesEvent | psrpcore.SetMinRunspacesEvent) -> bool:
        """Whether PowerShell's RunspacePool takes the new size (RunspacePoolInternal.SetMaxRunspaces and
        SetMinRunspaces): a maximum not below the minimum; a minimum of at least 1 and not above the maximum.
        A refused value leaves the pool as it was (psrpcore applies it only on a True response)."""
        if isinstance(event, psrpcore.SetMaxRunspacesEvent):
            return bool(event.count >= self.min_runspaces)
        return bool(1 <= event.count <= self.max_runspaces)


def start_silently(pipeline: ServerPipeline) -> None:
    """Mark a pipeline running without a PipelineState(Running) message: Windows never sends one."""
    pipeline._change_state(PSInvocationState.Running, emit=False)


def fail(pipeline: ServerPipeline, record: ErrorRecord) -> None:
    """End a pipeline in Failed with a terminating error (psrpcore 0.3 has no public API for this)."""
    pipeline._change_state(PSInvocationState.Failed, error=record)


def is_finished(pipeline: ServerPipeline | None) -> bool:
    return pipeline is None or pipeline.state in (
        PSInvocationState.Completed, PSInvocationState.Failed, PSInvocationState.Stopped)

"""A WinRS shell whose payload is PSRP: a runspace pool driven by psrpcore's sans-IO server classes.

WSMan ↔ psrpcore:
- Create (creationXml) feeds SessionCapability + InitRunspacePool; psrpcore answers them itself.
- Command (rsp:Arguments) carries a CreatePipeline; the ServerPipeline is created first (psrpcore needs
  it), then the pipeline runs on a worker thread, as on Windows, while Receives long-poll.
- Send feeds pipeline input, key exchange and runspace-count requests.
- Receive drains `data_to_send()` into one queue per target (the pool, each pipeline) and serves the
  queue its DesiredStream/@CommandId names, one rsp:Stream per PSRP payload.
- Signal ctrl_c stops a pipeline; terminate closes it. Delete closes the pool.
psrpcore is not thread-safe: every use of the pool holds the shell's lock.
"""

from __future__ import annotations

import base64
import binascii
import collections
import logging
import threading
import time
import typing
import uuid

import psrpcore
from psrpcore import PSRPPayload, ServerPipeline, StreamType
from psrpcore.types import PipelineResultTypes, PSInvocationState, PSRPMessageType, RunspacePoolState

from ..runspace import errors as runspace_errors
from ..runspace.model import (
    CommandCall,
    ErrorRecordInfo,
    InvocationDetails,
    MergeTarget,
    PipelineStopped,
    StreamMerging,
    TerminatingError,
)
from ..runspace.runspace import Runspace
from ..wsman.faults import WSManFault
from ..wsman.shells import CreatedShell, ReceiveResult, ShellRequest, StreamChunk
from . import convert
from .fragments import FragmentError, new_pipeline_ids
from .pool import EmulatorRunspacePool, fail, is_finished, start_silently

log = logging.getLogger(__name__)

FRAGMENT_SIZE = 32 * 1024
MIN_PROTOCOL_FOR_INFORMATION = psrpcore.types.PSVersion("2.3")


def _merge_target(value: PipelineResultTypes | None) -> MergeTarget | None:
    if value == PipelineResultTypes.Output:
        return "Output"
    if value == PipelineResultTypes.Null:
        return "Null"
    return None


def stream_merging(command: psrpcore.Command) -> StreamMerging:
    """A PSRP command's merge settings, as Windows applies them (Command.FromPSObjectForRemoting and
    SetMergeSettingsOnCommandProcessor): errors merge into output only (MergeError=Null changes nothing), from
    MergeError or, for clients older than protocol 2.2 that send only MergeMyResult/MergeToResult, from
    Error→Output there; the other streams go to output or nowhere; MergePreviousResults=Output|Error merges
    the statement's unclaimed earlier errors into this command's input."""
    error = command.merge_error
    if error == PipelineResultTypes.none and command.merge_my == PipelineResultTypes.Error:
        error = command.merge_to
    return StreamMerging(
        error="Output" if error == PipelineResultTypes.Output else None,
        warning=_merge_target(command.merge_warning),
        verbose=_merge_target(command.merge_verbose),
        debug=_merge_target(command.merge_debug),
        information=_merge_target(command.merge_information),
        unclaimed_errors=bool(command.merge_unclaimed),
    )


class PipelineSink:
    """The runspace's output streams, written into one psrpcore pipeline."""

    def __init__(self, shell: "PSRPShell", pipeline: ServerPipeline, with_invocation: bool,
                 received: convert.Received | None = None) -> None:
        self.shell = shell
        self.pipeline = pipeline
        self.with_invocation = with_invocation
        self.received = received or convert.Received()

    def _emit(self, write: typing.Callable[[], None]) -> None:
        with self.shell.lock:
            if self.pipeline.state != PSInvocationState.Running:
                raise PipelineStopped()
            write()
            self.shell.drain()

    def output(self, value: typing.Any) -> None:
        self._emit(lambda: self.pipeline.write_output(convert.to_ps(value, self.received)))

    def error(self, record: ErrorRecordInfo) -> None:
        ps_record = convert.error_record(record, self.with_invocation, write_error_stream=True)
        # write_error() would rebuild the record and lose its type names: queue it as it is.
        self._emit(lambda: self.pipeline.prepare_message(ps_record, message_type=PSRPMessageType.ErrorRecord))

    def warning(self, message: str, invocation: InvocationDetails | None) -> None:
        info = convert.invocation_info(invocation) if self.with_invocation else None
        self._emit(lambda: self.pipeline.write_warning(message, invocation_info=info))

    def verbose(self, message: str, invocation: InvocationDetails | None) -> None:
        info = convert.invocation_info(invocation) if self.with_invocation else None
        self._emit(lambda: self.pipeline.write_verbose(message, invocation_info=info))

    def information(self, message: str, source: str) -> None:
        version = getattr(self.shell.pool.their_capability, "protocolversion", None)
        if version is not None and version >= MIN_PROTOCOL_FOR_INFORMATION:
            self._emit(lambda: self.pipeline.write_information(message, source))

    def host_line(self, text: str) -> None:
        # Host UI output (e.g. "What if:"): pypsrp and pywinrm clients have no host, so it goes nowhere,
        # as it does on Windows for a client whose host is null.
        return None


class PSRPShell(CreatedShell):
    def __init__(self, request: ShellRequest, runspace: Runspace,
                 application_private_data: dict[str, typing.Any]) -> None:
        if "protocolversion" not in request.options:
            raise WSManFault.invalid_parameter("A PowerShell shell needs the protocolversion option.")
        if not request.creation_data:
            raise WSManFault.invalid_parameter("A PowerShell shell needs creationXml.")
        super().__init__(request)
        self.runspace = runspace
        self.lock = threading.Condition(threading.RLock())
        self.pool = EmulatorRunspacePool(application_private_data=application_private_data)
        self._out: dict[uuid.UUID | None, collections.deque[bytes]] = collections.defaultdict(
            collections.deque)
        self._command_ids: dict[str, uuid.UUID] = {}
        self._awaiting_input: dict[uuid.UUID, psrpcore.PowerShell] = {}
        self._inputs: dict[uuid.UUID, list[typing.Any]] = collections.defaultdict(list)
        self._received: dict[uuid.UUID, convert.Received] = collections.defaultdict(convert.Received)
        self._stop: dict[uuid.UUID, threading.Event] = {}
        with self.lock:
            self._feed(request.creation_data, None, StreamType.default)

    # ------------------------------------------------------------------ incoming PSRP
    def _feed(self, data: bytes, pipeline_id: uuid.UUID | None, stream_type: StreamType) -> None:
        try:
            for pid in new_pipeline_ids(data):
                if pid not in self.pool.pipeline_table:
                    ServerPipeline(self.pool, pid)
            self.pool.receive_data(PSRPPayload(data, stream_type, pipeline_id))
            while True:
                event = self.pool.next_event()
                if event is None:
                    break
                self._on_event(event)
        except (FragmentError, psrpcore.PSRPCoreError, ValueError, KeyError) as error:
            raise WSManFault.invalid_parameter(f"The PSRP data could not be processed: {error}") from None
        self.drain()

    def _on_event(self, event: typing.Any) -> None:
        if isinstance(event, psrpcore.CreatePipelineEvent):
            if event.pipeline.no_input:
                self._run(event.pipeline_id, event.pipeline)
            else:
                self._awaiting_input[event.pipeline_id] = event.pipeline
        elif isinstance(event, psrpcore.GetCommandMetadataEvent):
            pipeline = self.pool.pipeline_table[event.pipeline_id]
            start_silently(pipeline)
            fail(pipeline, convert.error_record(runspace_errors.scripts_not_emulated("Get-Command metadata"),
                                                False))
        elif isinstance(event, psrpcore.PipelineInputEvent):
            self._inputs[event.pipeline_id].append(convert.from_ps(event.data, self._received[event.pipeline_id]))
        elif isinstance(event, psrpcore.EndOfPipelineInputEvent):
            waiting = self._awaiting_input.pop(event.pipeline_id, None)
            if waiting is not None:
                self._run(event.pipeline_id, waiting)
        elif isinstance(event, (psrpcore.SetMaxRunspacesEvent, psrpcore.SetMinRunspacesEvent)):
            self.pool.runspace_availability_response(event.ci, self.pool.accepts_runspace_count(event))
        elif isinstance(event, psrpcore.ResetRunspaceStateEvent):
            self.pool.runspace_availability_response(event.ci, True)
        elif isinstance(event, psrpcore.GetAvailableRunspacesEvent):
            self.pool.runspace_availability_response(event.ci, max(self.pool.max_runspaces, 1))
        # SessionCapability, InitRunspacePool, ConnectRunspacePool and PublicKey: psrpcore answers them.

    # ------------------------------------------------------------------ running pipelines
    def _run(self, pipeline_id: uuid.UUID, powershell: psrpcore.PowerShell) -> None:
        pipeline = self.pool.pipeline_table[pipeline_id]
        start_silently(pipeline)
        received = self._received.pop(pipeline_id, None) or convert.Received()
        calls = [CommandCall(c.command_text, [(n, convert.from_ps(v, received)) for n, v in c.parameters],
                             c.is_script, c.end_of_statement, stream_merging(c)) for c in powershell.commands]
        pipeline_input = self._inputs.pop(pipeline_id, [])
        stop = self._stop.setdefault(pipeline_id, threading.Event())
        sink = PipelineSink(self, pipeline, with_invocation=bool(int(powershell.remote_stream_options)),
                            received=received)
        worker = threading.Thread(target=self._invoke, args=(pipeline, calls, pipeline_input, sink, stop),
                                  name=f"pipeline-{str(pipeline_id)[:8]}", daemon=True)
        worker.start()

    def _invoke(self, pipeline: ServerPipeline, calls: list[CommandCall], pipeline_input: list[typing.Any],
                sink: PipelineSink, stop: threading.Event) -> None:
        failure: ErrorRecordInfo | None = None
        try:
            self.runspace.invoke(calls, sink, pipeline_input, stopped=stop.is_set)
        except PipelineStopped:
            return
        except TerminatingError as error:
            failure = error.record
        except Exception as error:  # an emulator bug surfaces as the pipeline's failure
            log.exception("pipeline crashed")
            failure = runspace_errors.internal_error(error)
        with self.lock:
            if pipeline.state == PSInvocationState.Running:
                if failure is None:
                    pipeline.complete()
                else:
                    # Windows serialises a failed pipeline's ExceptionAsErrorRecord without extended info.
                    fail(pipeline, convert.error_record(failure, sink.with_invocation, extended=False))
            self.drain()

    # ------------------------------------------------------------------ outgoing PSRP
    def drain(self) -> None:
        while True:
            payload = self.pool.data_to_send(FRAGMENT_SIZE)
            if payload is None:
                break
            self._out[payload.pipeline_id].append(payload.data)
        self.lock.notify_all()

    # ------------------------------------------------------------------ WSMan operations
    def command(self, command_id: str | None, command: str, arguments: list[str]) -> str:
        try:
            data = b"".join(base64.b64decode(a, validate=True) for a in arguments if a)
        except (binascii.Error, ValueError):
            raise WSManFault.invalid_parameter("rsp:Arguments is not base64.") from None
        with self.lock:
            try:
                opened = new_pipeline_ids(data)
            except FragmentError as error:
                raise WSManFault.invalid_parameter(f"The PSRP data could not be processed: {error}") from None
            if not opened:
                raise WSManFault.invalid_parameter("The command's arguments do not start a PowerShell pipeline.")
            pid = opened[0]
            cid = (command_id or str(pid)).upper()
            self._command_ids[cid] = pid
            self._feed(data, pid, StreamType.default)
            return cid

    def send(self, chunks: list[StreamChunk]) -> None:
        with self.lock:
            for chunk in chunks:
                pid = self._command_ids.get(chunk.command_id.upper()) if chunk.command_id else None
                if chunk.command_id and pid is None:
                    raise WSManFault.unknown_command()
                stream = StreamType.prompt_response if chunk.name == "pr" else StreamType.default
                self._feed(chunk.data, pid, stream)

    def receive(self, command_id: str | None, streams: list[str], timeout: float,
                max_bytes: int) -> ReceiveResult:
        pid = None
        if command_id:
            pid = self._command_ids.get(command_id.upper())
            if pid is None:
                raise WSManFault.unknown_command()
        deadline = time.monotonic() + max(timeout - 0.5, 0.05)
        with self.lock:
            queue = self._out[pid]
            while not queue and not (pid is not None and is_finished(self.pool.pipeline_table.get(pid))):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WSManFault.timed_out()
                self.lock.wait(remaining)
            chunks: list[StreamChunk] = []
            used = 0
            while queue and (not chunks or used + len(queue[0]) <= max_bytes):
                data = queue.popleft()
                used += len(data)
                chunks.append(StreamChunk("stdout", command_id.upper() if command_id else None, data))
            if pid is None:
                return ReceiveResult(chunks)
            done = is_finished(self.pool.pipeline_table.get(pid)) and not queue
            return ReceiveResult(chunks, command_id.upper() if command_id else None, done=done)

    def signal(self, command_id: str | None, code: str) -> None:
        with self.lock:
            pid = self._command_ids.get((command_id or "").upper())
            if pid is None:
                return  # Windows accepts a signal for a command it already cleaned up
            pipeline = self.pool.pipeline_table.get(pid)
            lowered = code.lower()
            if lowered.endswith(("ctrl_c", "crtl_c", "terminate")):
                self._stop.setdefault(pid, threading.Event()).set()
                if pipeline is not None and pipeline.state == PSInvocationState.Running:
                    pipeline.stop()
            if lowered.endswith("terminate"):
                if pipeline is not None:
                    pipeline.close()
                self._out.pop(pid, None)
                self._stop.pop(pid, None)
                self._inputs.pop(pid, None)
                self._received.pop(pid, None)
                self._awaiting_input.pop(pid, None)
                del self._command_ids[(command_id or "").upper()]
            self.drain()

    def close(self) -> None:
        with self.lock:
            for event in self._stop.values():
                event.set()
            for pipeline in list(self.pool.pipeline_table.values()):
                if pipeline.state == PSInvocationState.Running:
                    pipeline.stop()
                pipeline.close()
            if self.pool.state == RunspacePoolState.Opened:
                self.pool.close()
            self.lock.notify_all()

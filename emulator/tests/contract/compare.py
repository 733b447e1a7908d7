"""What must agree between Windows and the emulator for one flow, and the comparison itself.

A flow is reduced to named aspects (`view`): the WSMan actions, the faults, the response elements of
Create and Get, the PSRP message types per direction and per pipeline, runspace and pipeline states,
output and record types, error shapes, WinRS streams, exit codes and command states. What is the
server's choice or timing is left out: how messages are batched into Receives (consecutive successful
Receives for one target count as one, messages are concatenated) and how often a long poll times out
(repeated identical faults count as one). Exchange's volatile error-id parts are masked.

`compare` lists the aspects whose values differ; `check` accepts only the differences listed as `Known`
(each with its reason) after leaving out Windows messages listed as `Omit`, and reports any other
difference, any `Known` that no longer occurs and any `Omit` that removed nothing.
"""

from __future__ import annotations

import dataclasses
import re
import typing

from .flow import Exchange, Flow
from .psrp import ErrorShape, Message

ERROR_FIELDS = [f.name for f in dataclasses.fields(ErrorShape)]
INFORMATIONAL = ("WarningRecord", "VerboseRecord", "DebugRecord", "InformationRecord")
# Exchange's error ids name the request and the time: `[Server=EX01,RequestId=<guid>,TimeStamp=<time>]
# [FailureCategory=Cmdlet-<exception>] <8 hex digits>,<task>`; those parts never repeat.
VOLATILE_ERROR_ID = [(re.compile(r"RequestId=[^,\]]+"), "RequestId=*"),
                     (re.compile(r"TimeStamp=[^\]]+"), "TimeStamp=*"),
                     (re.compile(r"\] [0-9A-F]{8},"), "] *,")]


def stable_error_id(error_id: str) -> str:
    for pattern, replacement in VOLATILE_ERROR_ID:
        error_id = pattern.sub(replacement, error_id)
    return error_id


@dataclasses.dataclass(frozen=True)
class Difference:
    aspect: str
    windows: typing.Any
    emulator: typing.Any

    def __str__(self) -> str:
        return f"{self.aspect}:\n    Windows:  {self.windows!r}\n    emulator: {self.emulator!r}"


@dataclasses.dataclass(frozen=True)
class Known:
    """A difference the test accepts: the aspect, both values, and why (`FIXME: …` when the emulator
    should change; otherwise why the difference is legitimate)."""

    aspect: str
    windows: typing.Any
    emulator: typing.Any
    reason: str

    @property
    def difference(self) -> Difference:
        return Difference(self.aspect, self.windows, self.emulator)


@dataclasses.dataclass(frozen=True)
class Omit:
    """Messages the recorded Windows flow has that the emulator's equivalent flow cannot produce (a
    script's Write-Debug, PowerShell's module-loading progress, …), left out of the Windows side before
    comparing: by PSRP message type, or PIPELINE_OUTPUT by the output's first type name."""

    reason: str
    types: tuple[str, ...] = ()
    output_types: tuple[str, ...] = ()

    def matches(self, message: Message) -> bool:
        if message.type in self.types:
            return True
        output: tuple[str, ...] = message.essentials.get("output_types") or ()
        return message.type == "PipelineOutput" and bool(output) and output[0] in self.output_types


def omit(flow: Flow, omissions: typing.Sequence[Omit]) -> tuple[Flow, dict[Omit, int]]:
    """The flow without the omitted messages, and how many each omission removed."""
    removed = {o: 0 for o in omissions}
    exchanges = []
    for exchange in flow.exchanges:
        kept = []
        for message in exchange.received:
            rule = next((o for o in omissions if o.matches(message)), None)
            if rule is None:
                kept.append(message)
            else:
                removed[rule] += 1
        exchanges.append(dataclasses.replace(exchange, received=kept))
    return Flow(flow.name, exchanges, flow.pending), removed


# ---------------------------------------------------------------------------------------------- views
def _target(exchange: Exchange) -> str | None:
    return (exchange.command_id or "").upper() or None


def _repeats(previous: Exchange | None, exchange: Exchange) -> bool:
    """Whether a Receive only continues the one before it: both successful for the same target (how output
    is split across Receives is batching), or both the same fault (how many times a long poll times out
    while a command runs is timing, on Windows too)."""
    if previous is None or exchange.action != "Receive" or previous.action != "Receive":
        return False
    if _target(exchange) != _target(previous):
        return False
    return exchange.fault == previous.fault


def actions(flow: Flow) -> tuple[str, ...]:
    """The WSMan actions, a fault shown with its subcode, Receives that continue the one before left out."""
    result: list[str] = []
    previous: Exchange | None = None
    for exchange in flow.exchanges:
        if not _repeats(previous, exchange):
            result.append(exchange.action + (f"!{exchange.fault.subcode}" if exchange.fault else ""))
        previous = exchange
    return tuple(result)


def _pipelines(flow: Flow) -> tuple[dict[str, int], dict[str, int]]:
    """Pipeline ordinals, in the order the client created them: by PSRP PID, and by WSMan CommandId (the
    same value with pypsrp 0.9.1, but not with older clients, and Windows keys them independently)."""
    by_pid: dict[str, int] = {}
    by_command: dict[str, int] = {}
    for exchange in flow.exchanges:
        for message in exchange.sent:
            if message.type == "CreatePipeline" and message.pipeline_id is not None:
                number = by_pid.setdefault(str(message.pipeline_id), len(by_pid))
                if exchange.action == "Command" and exchange.command_id:
                    by_command[exchange.command_id.upper()] = number
    return by_pid, by_command


def _psrp_view(flow: Flow, view: dict[str, typing.Any]) -> None:
    pipelines, commands_ids = _pipelines(flow)

    def key(message: Message) -> str:
        if message.pipeline_id is None:
            return "pool"
        return f"pipeline[{pipelines.get(str(message.pipeline_id), '?')}]"

    sent: dict[str, list[str]] = {}
    received: dict[str, list[Message]] = {}
    commands: dict[str, tuple[str | None, int | None]] = {}
    for exchange in flow.exchanges:
        for message in exchange.sent:
            sent.setdefault(key(message), []).append(message.type)
        for message in exchange.received:
            received.setdefault(key(message), []).append(message)
        if exchange.command_state and (exchange.command_id or "").upper() in commands_ids:
            number = commands_ids[(exchange.command_id or "").upper()]
            commands[f"pipeline[{number}]"] = (exchange.command_state, exchange.exit_code)
    for target, types in sent.items():
        view[f"psrp.to_server.{target}"] = tuple(types)
    all_received = [m for messages in received.values() for m in messages]
    if not all_received:
        return
    boms = {m.bom for m in all_received}
    view["psrp.to_client.bom"] = "all" if boms == {True} else "none" if boms == {False} else "some"
    view["psrp.to_client.destination_and_ids"] = tuple(sorted(
        {(m.type, m.destination, m.has_rpid, m.has_pid) for m in all_received}))
    for target, messages in received.items():
        prefix = f"psrp.{target}"
        view[f"{prefix}.to_client"] = tuple(m.type for m in messages)
        states = [m.essentials["state"] for m in messages if "state" in m.essentials]
        if states:
            view[f"{prefix}.states"] = tuple(states)
        outputs = [m.essentials["output_types"] for m in messages if m.type == "PipelineOutput"]
        if outputs:
            view[f"{prefix}.output_types"] = tuple(outputs)
        records = [m.essentials.get("types") for m in messages if m.type in INFORMATIONAL]
        if records:
            view[f"{prefix}.record_types"] = tuple(records)
        for message in messages:
            if message.type == "SessionCapability":
                view[f"{prefix}.protocolversion"] = message.essentials.get("protocolversion")
            elif message.type == "ApplicationPrivateData":
                for name in ("types", "PSVersionTable", "PSVersionTable_types"):
                    view[f"{prefix}.application_private_data.{name}"] = message.essentials.get(name)
        availability = [m.essentials.get("response") for m in messages if m.type == "RunspaceAvailability"]
        if availability:
            view[f"{prefix}.runspace_availability"] = tuple(availability)
        errors = [m for m in messages if m.error is not None]
        for index, message in enumerate(errors):
            label = "failure" if message.type != "ErrorRecord" else f"error[{index}]"
            error = dataclasses.replace(message.error, fully_qualified_error_id=stable_error_id(
                message.error.fully_qualified_error_id)) if message.error else None
            view[f"{prefix}.{label}"] = "present"
            for field in ERROR_FIELDS:
                view[f"{prefix}.{label}.{field}"] = getattr(error, field)
    for target, state in commands.items():
        view[f"psrp.{target}.command_state"] = state


def _winrs_view(flow: Flow, view: dict[str, typing.Any]) -> None:
    order: dict[str, int] = {}
    for exchange in flow.exchanges:
        if exchange.psrp or exchange.action != "Command" or not exchange.command_id:
            continue
        order.setdefault(exchange.command_id.upper(), len(order))
    events: dict[int, list[tuple[str, str]]] = {}
    data: dict[tuple[int, str], bytes] = {}
    for exchange in flow.exchanges:
        if exchange.psrp or exchange.action != "Receive" or exchange.fault:
            continue
        number = order.get((exchange.command_id or "").upper())
        if number is None:
            continue
        prefix = f"winrs.command[{number}]"
        stream_events = events.setdefault(number, [])
        for stream in exchange.streams:
            if stream.data:
                data[number, stream.name] = data.get((number, stream.name), b"") + stream.data
                if not stream_events or stream_events[-1] != (stream.name, "data"):
                    stream_events.append((stream.name, "data"))
            if stream.end:
                stream_events.append((stream.name, "end"))
            if not stream.has_command_id:
                view[f"{prefix}.stream_without_command_id"] = True
        if exchange.command_state:
            view[f"{prefix}.command_states"] = (*view.get(f"{prefix}.command_states", ()),
                                                exchange.command_state)
            view[f"{prefix}.exit_code"] = exchange.exit_code
    for number, stream_events in events.items():
        view[f"winrs.command[{number}].stream_events"] = tuple(stream_events)
    for (number, name), payload in data.items():
        view[f"winrs.command[{number}].{name}"] = payload


def view(flow: Flow) -> dict[str, typing.Any]:
    """The aspects of a flow that a contract test compares."""
    result: dict[str, typing.Any] = {"wsman.actions": actions(flow)}
    faults = [e for i, e in enumerate(flow.exchanges)
              if e.fault and not _repeats(flow.exchanges[i - 1] if i else None, e)]
    for index, exchange in enumerate(faults):
        fault = exchange.fault
        assert fault is not None
        for field in dataclasses.fields(fault):
            result[f"wsman.fault[{index}].{field.name}"] = getattr(fault, field.name)
    for exchange in flow.exchanges:
        if exchange.action in ("Create", "Get") and not exchange.fault:
            resource = "powershell" if exchange.psrp else exchange.configuration
            name = f"wsman.{exchange.action}[{resource}].response_elements"
            result.setdefault(name, exchange.response_elements)
    # PSRP messages must all be complete: a fragment left over means a broken stream.
    result["psrp.unfinished_messages"] = tuple(sorted(k for k, v in flow.pending.items() if v))
    _psrp_view(flow, result)
    _winrs_view(flow, result)
    return result


def compare(windows: Flow, emulator: Flow) -> list[Difference]:
    """The aspects whose values differ. For sets of names (ErrorRecord property names, response elements)
    a difference shows only what each side has that the other lacks."""
    left, right = view(windows), view(emulator)
    # An error record only one side has is one difference, not one per field.
    one_sided = {k for k in set(left) ^ set(right) if left.get(k, right.get(k)) == "present"}
    differences = []
    for aspect in sorted(set(left) | set(right)):
        a, b = left.get(aspect), right.get(aspect)
        if a == b or any(aspect.startswith(k + ".") for k in one_sided):
            continue
        if aspect.endswith((".property_names", ".response_elements")) and a is not None and b is not None:
            only_a = tuple(sorted(set(a) - set(b)))
            only_b = tuple(sorted(set(b) - set(a)))
            if not only_a and not only_b:
                continue  # same names, another order: not something a client can notice
            differences.append(Difference(aspect, only_a, only_b))
        else:
            differences.append(Difference(aspect, a, b))
    return differences


def check(windows: Flow, emulator: Flow, known: typing.Sequence[Known],
          omissions: typing.Sequence[Omit] = ()) -> list[str]:
    """Problems: differences not listed as known, known differences that no longer occur, omissions
    that removed nothing. Empty when the emulator matches Windows up to the listed exceptions."""
    windows, removed = omit(windows, omissions)
    problems = [f"omission removed nothing from the Windows flow (stale?): {o.reason}"
                for o, count in removed.items() if count == 0]
    found = compare(windows, emulator)
    expected = [k.difference for k in known]
    for difference in found:
        if difference not in expected:
            problems.append(f"NEW DIFFERENCE {difference}")
    for entry in known:
        if entry.difference not in found:
            problems.append(f"known difference no longer occurs (remove it from the allow-list): "
                            f"{entry.difference}\n    reason was: {entry.reason}")
    return problems

"""WSMan request/response pairs into a normalised flow: per exchange the action, the resource URI's
configuration, the fault if any, the PSRP messages each way, and the WinRS streams and command state.

Both sides of a contract test go through here: the recorded Windows traffic (`load_capture`) and the
emulator's (`recorder.Recorder.flow`), so they are compared in one form.
"""

from __future__ import annotations

import base64
import dataclasses
import pathlib
import xml.etree.ElementTree as ET

import yaml

from . import psrp

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "f": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
    "pwsh": "http://schemas.microsoft.com/powershell",
}
POWERSHELL_PREFIX = "http://schemas.microsoft.com/powershell/"
FAULT_DETAIL_PREFIX = "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/"


@dataclasses.dataclass
class Stream:
    """An rsp:Stream of a Send or Receive."""

    name: str
    has_command_id: bool
    end: bool
    data: bytes


@dataclasses.dataclass
class Fault:
    value: str  # s:Sender or s:Receiver
    subcode: str  # e.g. w:TimedOut
    reason: str  # s:Reason/s:Text
    wsman_code: int | None  # f:WSManFault/@Code
    message: str  # the innermost f:Message text
    fault_detail: str | None  # w:FaultDetail without its URI prefix
    provider_fault: bool  # the message is wrapped in an f:ProviderFault (Windows' Shell provider faults)


@dataclasses.dataclass
class Exchange:
    """One request and its response."""

    action: str  # Create, Command, Send, Receive, Signal, Delete, Get
    configuration: str  # the resource URI's last part: Microsoft.PowerShell, cmd, shell, config, …
    response_action: str | None  # CreateResponse, …, "fault"; None if there was no response
    selectors: tuple[str, ...]
    options: dict[str, str]
    desired_streams: tuple[str, ...] | None = None
    desired_command_id: bool | None = None
    command_id: str | None = None  # the command (pipeline) the request or its response names
    signal_code: str | None = None  # the code's last path segment
    command_line: str | None = None  # WinRS rsp:Command text
    fault: Fault | None = None
    sent: list[psrp.Message] = dataclasses.field(default_factory=list)
    received: list[psrp.Message] = dataclasses.field(default_factory=list)
    sent_streams: list[Stream] = dataclasses.field(default_factory=list)  # rsp:Send's (PSRP data or stdin)
    streams: list[Stream] = dataclasses.field(default_factory=list)  # rsp:ReceiveResponse's
    command_state: str | None = None  # Done or Running
    exit_code: int | None = None
    response_elements: tuple[str, ...] = ()  # the response body's elements and their children, by local name
    psrp: bool = False

    def describe(self) -> str:
        parts = [f"{self.action}[{self.configuration}]"]
        if self.fault:
            parts.append(f"fault {self.fault.subcode}")
        if self.sent:
            parts.append(">" + ",".join(m.type for m in self.sent))
        if self.received:
            parts.append("<" + ",".join(m.type for m in self.received))
        if self.command_state:
            parts.append(f"{self.command_state}/{self.exit_code}")
        return " ".join(parts)


@dataclasses.dataclass
class Flow:
    name: str
    exchanges: list[Exchange]
    pending: dict[str, list[int]]  # ObjectIds of PSRP messages started but never finished, per direction

    def describe(self) -> str:
        return "\n".join(e.describe() for e in self.exchanges)


def _text(element: ET.Element | None) -> str:
    return (element.text or "") if element is not None else ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _last_segment(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def _configuration(resource_uri: str) -> str:
    if resource_uri.lower().startswith(POWERSHELL_PREFIX):
        return resource_uri[len(POWERSHELL_PREFIX):]
    return _last_segment(resource_uri)


def _fault(body: ET.Element) -> Fault | None:
    fault = body.find("s:Fault", NS)
    if fault is None:
        return None
    wsman = fault.find("s:Detail/f:WSManFault", NS)
    innermost = wsman
    while innermost is not None:
        nested = innermost.find("f:Message/f:ProviderFault/f:WSManFault", NS)
        if nested is None:
            break
        innermost = nested
    detail = fault.find("s:Detail/w:FaultDetail", NS)
    message = innermost.find("f:Message", NS) if innermost is not None else None
    return Fault(
        value=_text(fault.find("s:Code/s:Value", NS)).strip(),
        subcode=_text(fault.find("s:Code/s:Subcode/s:Value", NS)).strip(),
        reason=_text(fault.find("s:Reason/s:Text", NS)),
        wsman_code=int(wsman.attrib["Code"]) if wsman is not None and "Code" in wsman.attrib else None,
        message="".join(message.itertext()) if message is not None else "",
        fault_detail=_text(detail).strip().removeprefix(FAULT_DETAIL_PREFIX) if detail is not None else None,
        provider_fault=wsman is not None and wsman.find("f:Message/f:ProviderFault", NS) is not None,
    )


class FlowBuilder:
    """Turns request/response pairs, in order, into exchanges; keeps fragment state between them."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.exchanges: list[Exchange] = []
        self._to_server = psrp.Assembler()
        self._to_client = psrp.Assembler()

    def add(self, request: bytes | str, response: bytes | str | None) -> Exchange:
        req = ET.fromstring(request)
        header = req.find("s:Header", NS)
        body = req.find("s:Body", NS)
        if header is None or body is None:
            raise psrp.DecodeError(f"{self.name}: request {len(self.exchanges)} is not a SOAP envelope")
        resource_uri = _text(header.find("w:ResourceURI", NS)).strip()
        exchange = Exchange(
            action=_last_segment(_text(header.find("a:Action", NS)).strip()),
            configuration=_configuration(resource_uri),
            response_action=None,
            selectors=tuple(s.attrib.get("Name", "") for s in header.findall("w:SelectorSet/w:Selector", NS)),
            options={o.attrib.get("Name", ""): _text(o) for o in header.findall("w:OptionSet/w:Option", NS)},
            psrp=resource_uri.lower().startswith(POWERSHELL_PREFIX),
        )
        self._read_request(exchange, body)
        if response is not None:
            self._read_response(exchange, ET.fromstring(response))
        self.exchanges.append(exchange)
        return exchange

    def _read_request(self, exchange: Exchange, body: ET.Element) -> None:
        payloads: list[bytes] = []
        creation = body.find("rsp:Shell/pwsh:creationXml", NS)
        if creation is not None:
            payloads.append(base64.b64decode(_text(creation)))
        line = body.find("rsp:CommandLine", NS)
        if line is not None:
            exchange.command_id = line.attrib.get("CommandId")
            command = line.find("rsp:Command", NS)
            exchange.command_line = _text(command).strip() if command is not None else None
            if exchange.psrp:
                payloads.extend(base64.b64decode(_text(a)) for a in line.findall("rsp:Arguments", NS) if _text(a))
            else:
                words = [exchange.command_line or ""]
                words += [_text(a) for a in line.findall("rsp:Arguments", NS)]
                exchange.command_line = " ".join(w for w in words if w)
        for stream in body.findall("rsp:Send/rsp:Stream", NS):
            data = base64.b64decode(_text(stream))
            exchange.sent_streams.append(Stream(stream.attrib.get("Name", ""), "CommandId" in stream.attrib,
                                                stream.attrib.get("End", "").lower() == "true", data))
            payloads.append(data)
        desired = body.find("rsp:Receive/rsp:DesiredStream", NS)
        if desired is not None:
            exchange.desired_streams = tuple(_text(desired).split())
            exchange.desired_command_id = "CommandId" in desired.attrib
            exchange.command_id = desired.attrib.get("CommandId")
        signal = body.find("rsp:Signal", NS)
        if signal is not None:
            exchange.command_id = signal.attrib.get("CommandId")
            exchange.signal_code = _last_segment(_text(signal.find("rsp:Code", NS)).strip())
        if exchange.psrp:
            for payload in payloads:
                exchange.sent.extend(self._to_server.feed(payload))

    def _read_response(self, exchange: Exchange, root: ET.Element) -> None:
        exchange.response_action = _last_segment(_text(root.find("s:Header/a:Action", NS)).strip())
        body = root.find("s:Body", NS)
        if body is None:
            return
        exchange.fault = _fault(body)
        elements = []
        for child in body:
            elements.append(_local(child.tag))
            elements.extend(f"{_local(child.tag)}/{_local(c.tag)}" for c in child)
        exchange.response_elements = tuple(elements)
        created = body.find("rsp:CommandResponse/rsp:CommandId", NS)
        if created is not None:
            exchange.command_id = _text(created).strip()
        for stream in body.findall("rsp:ReceiveResponse/rsp:Stream", NS):
            data = base64.b64decode(_text(stream))
            exchange.streams.append(Stream(stream.attrib.get("Name", ""), "CommandId" in stream.attrib,
                                           stream.attrib.get("End", "").lower() == "true", data))
            if exchange.psrp and data:
                exchange.received.extend(self._to_client.feed(data))
        state = body.find("rsp:ReceiveResponse/rsp:CommandState", NS)
        if state is not None:
            exchange.command_state = _last_segment(state.attrib.get("State", ""))
            code = state.find("rsp:ExitCode", NS)
            exchange.exit_code = int(_text(code)) if code is not None else None

    def flow(self) -> Flow:
        return Flow(self.name, self.exchanges, {"to_server": self._to_server.pending,
                                                "to_client": self._to_client.pending})


def load_capture(path: pathlib.Path) -> Flow:
    """A pypsrp fixture (a YAML `messages:` list of request/response SOAP strings) as a flow. Entries that
    simulate a failure instead of a response (`http_error`) have no response."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    builder = FlowBuilder(path.stem)
    for entry in document["messages"]:
        builder.add(entry["request"], None if entry.get("http_error") else entry.get("response"))
    return builder.flow()


"""SOAP envelopes of WS-Management (MS-WSMV): reading requests, writing responses.

Only what WinRS and PSRP clients use is read. Responses are written from templates with the prefixes
Windows' WinRM service uses (s, a, x, w, rsp, p), so the bytes look like Windows' and this module never
touches ElementTree's process-wide prefix registry (client libraries use it too).
"""

from __future__ import annotations

import dataclasses
import re
import uuid
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from .faults import WSManFault

NS_S = "http://www.w3.org/2003/05/soap-envelope"
NS_A = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
NS_W = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
NS_P = "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"
NS_X = "http://schemas.xmlsoap.org/ws/2004/09/transfer"
NS_RSP = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
NS_PWSH = "http://schemas.microsoft.com/powershell"
ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"

TRANSFER = "http://schemas.xmlsoap.org/ws/2004/09/transfer/"
SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/"
ACTIONS = {
    TRANSFER + "Create": "Create", TRANSFER + "Delete": "Delete", TRANSFER + "Get": "Get",
    SHELL + "Command": "Command", SHELL + "Send": "Send", SHELL + "Receive": "Receive", SHELL + "Signal": "Signal",
}
RESPONSE_ACTIONS = {
    "Create": TRANSFER + "CreateResponse", "Delete": TRANSFER + "DeleteResponse", "Get": TRANSFER + "GetResponse",
    "Command": SHELL + "CommandResponse", "Send": SHELL + "SendResponse", "Receive": SHELL + "ReceiveResponse",
    "Signal": SHELL + "SignalResponse",
}
FAULT_ACTION = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"

CMD_SHELL_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
POWERSHELL_URI_PREFIX = "http://schemas.microsoft.com/powershell/"
SHELL_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
CONFIG_URI = "http://schemas.microsoft.com/wbem/wsman/1/config"

COMMAND_STATE_DONE = SHELL + "CommandState/Done"
COMMAND_STATE_RUNNING = SHELL + "CommandState/Running"

DEFAULT_MAX_ENVELOPE = 153600
# xs:duration as WSMan uses it. A minus sign may lead (xs:duration's form) or, as pypsrp writes timeout=-1,
# precede the seconds (PT-1S); either makes the whole duration negative.
_DURATION = re.compile(r"^(-)?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(-)?(\d+(?:\.\d*)?|\.\d+)S)?)?$")


def q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


@dataclasses.dataclass
class Request:
    action: str  # short name: Create, Command, …; the full URI when unknown
    message_id: str
    resource_uri: str
    to: str
    selectors: dict[str, str]
    options: dict[str, str]
    operation_timeout: float
    max_envelope_size: int
    body: ET.Element

    def child(self, *path: str) -> ET.Element | None:
        return self.body.find("/".join(q(NS_RSP, p) for p in path))


def parse_duration(value: str) -> float | None:
    """Seconds (negative for a negative duration), or None for text that is not a duration."""
    match = _DURATION.match(value.strip())
    if not match:
        return None
    negative, days, hours, minutes, negative_seconds, seconds = match.groups()
    if not any((days, hours, minutes, seconds)):
        return None
    total = int(days or 0) * 86400 + int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds or 0)
    return -total if negative or negative_seconds else total


def parse_request(data: bytes) -> Request:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        raise WSManFault.malformed(f"The XML is not well formed: {e}.") from None
    if root.tag != q(NS_S, "Envelope"):
        raise WSManFault.malformed("The root element is not a SOAP 1.2 s:Envelope.")
    header = root.find(q(NS_S, "Header"))
    body = root.find(q(NS_S, "Body"))
    if header is None or body is None:
        raise WSManFault.malformed("The SOAP envelope has no s:Header or no s:Body.")

    def text(ns: str, tag: str) -> str:
        element = header.find(q(ns, tag))
        return (element.text or "").strip() if element is not None else ""

    message_id = text(NS_A, "MessageID")
    action = text(NS_A, "Action")
    if not message_id or not action:
        raise WSManFault.malformed("The request has no wsa:MessageID or no wsa:Action header.")
    selectors = {s.attrib.get("Name", ""): (s.text or "").strip()
                 for s in header.findall(f"{q(NS_W, 'SelectorSet')}/{q(NS_W, 'Selector')}")}
    options = {o.attrib.get("Name", ""): (o.text or "").strip()
               for o in header.findall(f"{q(NS_W, 'OptionSet')}/{q(NS_W, 'Option')}")}
    timeout_text = text(NS_W, "OperationTimeout")
    timeout = parse_duration(timeout_text) if timeout_text else 60.0
    if timeout is None:
        # Windows' answer to a negative duration is recorded; one that is no duration at all is taken to be
        # the same invalid timeout field (no recording shows it).
        raise WSManFault.invalid_timeout(timeout_text)
    if timeout < 0:
        raise WSManFault.invalid_timeout(timeout_text)
    size_text = text(NS_W, "MaxEnvelopeSize")
    try:
        max_size = int(size_text) if size_text else DEFAULT_MAX_ENVELOPE
    except ValueError:
        raise WSManFault.malformed(f"MaxEnvelopeSize '{size_text}' is not a number.") from None
    return Request(ACTIONS.get(action, action), message_id, text(NS_W, "ResourceURI"), text(NS_A, "To"),
                   selectors, options, timeout, max_size, body)


def relates_to(data: bytes) -> str:
    """The MessageID of a request that could not be parsed fully (best effort, for the fault's RelatesTo)."""
    match = re.search(rb"<(?:\w+:)?MessageID[^>]*>([^<]+)<", data[:8192])
    return match.group(1).decode("utf-8", "replace").strip() if match else ""


ENVELOPE_NS = (f'xmlns:s="{NS_S}" xmlns:a="{NS_A}" xmlns:x="{NS_X}" xmlns:w="{NS_W}" xmlns:rsp="{NS_RSP}" '
               f'xmlns:p="{NS_P}"')


def envelope(action: str, related: str, body: str) -> bytes:
    return (
        f'<s:Envelope xml:lang="en-US" {ENVELOPE_NS}><s:Header>'
        f"<a:Action>{escape(action)}</a:Action>"
        f"<a:MessageID>uuid:{str(uuid.uuid4()).upper()}</a:MessageID>"
        f"<a:To>{ANONYMOUS}</a:To>"
        f"<a:RelatesTo>{escape(related)}</a:RelatesTo>"
        f"</s:Header><s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


def response(request: Request, body: str) -> bytes:
    return envelope(RESPONSE_ACTIONS[request.action], request.message_id, body)


def fault_envelope(fault: WSManFault, related: str, machine: str) -> bytes:
    return envelope(FAULT_ACTION, related, fault.to_xml(machine))

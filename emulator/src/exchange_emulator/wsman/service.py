"""The WinRM service of one emulated server: dispatches WSMan actions to shells.

Each HTTP path is a catalog of resource URIs: `/PowerShell/` (IIS, Exchange's management endpoint)
knows only `Microsoft.Exchange`; `/wsman` (the WinRM service) knows `Microsoft.PowerShell` and the cmd
shell. A resource URI the path does not know gets Windows' "not found in the WS-Management catalog"
fault, which is what users see when they mix up the two endpoints (pypsrp#66).
"""

from __future__ import annotations

import base64
import dataclasses
import logging
import threading
import time
import typing
import uuid
from xml.sax.saxutils import escape

from .envelope import (
    CMD_SHELL_URI,
    CONFIG_URI,
    NS_PWSH,
    NS_RSP,
    SHELL_URI,
    Request,
    fault_envelope,
    parse_request,
    q,
    relates_to,
    response,
)
from .faults import WSManFault
from .shells import Shell, ShellFactory, ShellRequest, StreamChunk

log = logging.getLogger(__name__)

MAX_ENVELOPE_KB = 500  # Windows' default MaxEnvelopeSizekb
IDLE_TIMEOUT = 7200.0


@dataclasses.dataclass
class Endpoint:
    """One catalog: the resource URIs an HTTP path serves, and how many shells a user may hold there."""

    path: str
    factories: dict[str, ShellFactory]
    session_cap: typing.Callable[[], int]


class SessionPolicy(typing.Protocol):
    """Cross-cutting session behaviour supplied by the lab: injected latency, session accounting."""

    def before_open(self, endpoint: str, user: str) -> None: ...

    def session_event(self, event: str, endpoint: str, user: str, shell_id: str, resource_uri: str) -> None: ...


@dataclasses.dataclass
class _OpenShell:
    shell: Shell
    endpoint: Endpoint
    last_used: float


@dataclasses.dataclass
class Connection:
    user: str
    client_ip: str
    path: str  # lower-case, without trailing slash


class WSManService:
    def __init__(self, machine: str, endpoints: typing.Sequence[Endpoint], policy: SessionPolicy) -> None:
        self.machine = machine
        self.endpoints = {e.path.lower(): e for e in endpoints}
        self.policy = policy
        self._shells: dict[str, _OpenShell] = {}
        self._lock = threading.Lock()

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(self.endpoints)

    @property
    def open_shells(self) -> int:
        with self._lock:
            return len(self._shells)

    def handle(self, data: bytes, user: str, client_ip: str, path: str) -> tuple[int, bytes]:
        """Answer one SOAP request: (HTTP status, response envelope)."""
        connection = Connection(user, client_ip, path.lower().rstrip("/"))
        related = relates_to(data)
        try:
            if len(data) > MAX_ENVELOPE_KB * 1024:
                raise WSManFault.envelope_too_large(len(data), MAX_ENVELOPE_KB * 1024)
            request = parse_request(data)
            related = request.message_id
            endpoint = self.endpoints.get(connection.path)
            if endpoint is None:
                raise WSManFault.unknown_resource(connection.path)
            handler = getattr(self, "_" + request.action.lower(), None) if request.action in (
                "Create", "Command", "Send", "Receive", "Signal", "Delete", "Get") else None
            if handler is None:
                raise WSManFault.action_not_supported(request.action)
            body = handler(request, endpoint, connection)
            payload = response(request, body)
            if len(payload) > request.max_envelope_size and request.action != "Receive":
                raise WSManFault.response_too_large(request.max_envelope_size)
            return 200, payload
        except WSManFault as fault:
            log.info("WSMan fault %s %s: %s", fault.code, fault.subcode, fault.message)
            return 500, fault_envelope(fault, related, self.machine)
        except Exception as error:  # a bug: still answer as WinRM would, never drop the connection
            log.exception("internal error handling a WSMan request")
            return 500, fault_envelope(WSManFault.internal_error(repr(error)), related, self.machine)

    # ------------------------------------------------------------------ shell table
    def _shell(self, request: Request, endpoint: Endpoint) -> Shell:
        shell_id = request.selectors.get("ShellId")
        if not shell_id:
            raise WSManFault.invalid_selectors()
        with self._lock:
            entry = self._shells.get(shell_id.upper())
        # A shell is bound to its resource URI and endpoint; used with another it does not exist.
        if entry is None or entry.endpoint is not endpoint or \
                request.resource_uri.lower() != entry.shell.resource_uri.lower():
            raise WSManFault.shell_not_found(shell_id)
        entry.last_used = time.monotonic()
        return entry.shell

    def _reap_idle(self) -> None:
        now = time.monotonic()
        with self._lock:
            idle = [k for k, v in self._shells.items() if now - v.last_used > IDLE_TIMEOUT]
            expired = [self._shells.pop(k) for k in idle]
        for entry in expired:
            entry.shell.close()
            self.policy.session_event("session_expired", entry.endpoint.path, entry.shell.owner,
                                      entry.shell.shell_id, entry.shell.resource_uri)

    # ------------------------------------------------------------------ actions
    def _create(self, request: Request, endpoint: Endpoint, connection: Connection) -> str:
        factory = endpoint.factories.get(request.resource_uri.lower())
        if factory is None:
            raise WSManFault.unknown_resource(request.resource_uri)
        shell_element = request.body.find(q(NS_RSP, "Shell"))
        if shell_element is None:
            raise WSManFault.malformed("Create has no rsp:Shell element.")
        self._reap_idle()
        cap = endpoint.session_cap()
        with self._lock:
            owned = sum(1 for e in self._shells.values() if e.endpoint is endpoint and e.shell.owner == connection.user)
        if owned >= cap:
            raise WSManFault.quota_shells(cap)
        self.policy.before_open(endpoint.path, connection.user)
        creation = shell_element.find(q(NS_PWSH, "creationXml"))
        shell_id = (shell_element.attrib.get("ShellId") or str(uuid.uuid4())).upper()
        shell = factory(ShellRequest(
            shell_id=shell_id,
            resource_uri=request.resource_uri,
            options=request.options,
            creation_data=base64.b64decode(creation.text) if creation is not None and creation.text else None,
            input_streams=_text(shell_element.find(q(NS_RSP, "InputStreams"))) or "stdin",
            output_streams=_text(shell_element.find(q(NS_RSP, "OutputStreams"))) or "stdout stderr",
            user=connection.user,
            client_ip=connection.client_ip,
        ))
        with self._lock:
            self._shells[shell_id] = _OpenShell(shell, endpoint, time.monotonic())
        self.policy.session_event("session_open", endpoint.path, connection.user, shell_id, request.resource_uri)
        address = request.to or connection.path
        return (
            f"<x:ResourceCreated><a:Address>{escape(address)}</a:Address><a:ReferenceParameters>"
            f"<w:ResourceURI>{escape(request.resource_uri)}</w:ResourceURI><w:SelectorSet>"
            f'<w:Selector Name="ShellId">{shell_id}</w:Selector></w:SelectorSet></a:ReferenceParameters>'
            f"</x:ResourceCreated>{shell_xml(shell)}"
        )

    def _command(self, request: Request, endpoint: Endpoint, connection: Connection) -> str:
        shell = self._shell(request, endpoint)
        line = request.child("CommandLine")
        if line is None:
            raise WSManFault.malformed("Command has no rsp:CommandLine element.")
        command = _text(line.find(q(NS_RSP, "Command")))
        arguments = [a.text or "" for a in line.findall(q(NS_RSP, "Arguments"))]
        command_id = shell.command(line.attrib.get("CommandId"), command, arguments)
        return f"<rsp:CommandResponse><rsp:CommandId>{command_id}</rsp:CommandId></rsp:CommandResponse>"

    def _send(self, request: Request, endpoint: Endpoint, connection: Connection) -> str:
        shell = self._shell(request, endpoint)
        chunks = []
        for stream in request.body.findall(f"{q(NS_RSP, 'Send')}/{q(NS_RSP, 'Stream')}"):
            try:
                data = base64.b64decode(stream.text or "", validate=True)
            except ValueError:
                raise WSManFault.malformed("rsp:Stream content is not base64.") from None
            chunks.append(StreamChunk(stream.attrib.get("Name", "stdin"), stream.attrib.get("CommandId"), data,
                                      stream.attrib.get("End", "").lower() == "true"))
        shell.send(chunks)
        return "<rsp:SendResponse/>"

    def _receive(self, request: Request, endpoint: Endpoint, connection: Connection) -> str:
        shell = self._shell(request, endpoint)
        desired = request.child("Receive", "DesiredStream")
        command_id = desired.attrib.get("CommandId") if desired is not None else None
        streams = (_text(desired) or "stdout").split() if desired is not None else ["stdout"]
        # Leave room for the envelope itself and base64's growth.
        budget = max(int((request.max_envelope_size - 2048) * 3 / 4), 1024)
        result = shell.receive(command_id, streams, request.operation_timeout, budget)
        parts = []
        for chunk in result.chunks:
            cid = f' CommandId="{chunk.command_id}"' if chunk.command_id else ""
            end = ' End="true"' if chunk.end else ""
            parts.append(f'<rsp:Stream Name="{chunk.name}"{cid}{end}>{base64.b64encode(chunk.data).decode()}'
                         "</rsp:Stream>")
        if result.done is not None:
            state = "Done" if result.done else "Running"
            exit_code = f"<rsp:ExitCode>{result.exit_code}</rsp:ExitCode>" if result.done else ""
            parts.append(f'<rsp:CommandState CommandId="{result.command_id}" State="{NS_RSP}/CommandState/{state}">'
                         f"{exit_code}</rsp:CommandState>")
        return "<rsp:ReceiveResponse>" + "".join(parts) + "</rsp:ReceiveResponse>"

    def _signal(self, request: Request, endpoint: Endpoint, connection: Connection) -> str:
        shell = self._shell(request, endpoint)
        signal = request.child("Signal")
        if signal is None:
            raise WSManFault.malformed("Signal has no rsp:Signal element.")
        shell.signal(signal.attrib.get("CommandId"), _text(signal.find(q(NS_RSP, "Code"))))
        return "<rsp:SignalResponse/>"

    def _delete(self, request: Request, endpoint: Endpoint, connection: Connection) -> str:
        shell = self._shell(request, endpoint)
        with self._lock:
            self._shells.pop(shell.shell_id, None)
        shell.close()
        self.policy.session_event("session_close", endpoint.path, shell.owner, shell.shell_id, shell.resource_uri)
        return ""

    def _get(self, request: Request, endpoint: Endpoint, connection: Connection) -> str:
        uri = request.resource_uri.lower()
        if uri == CONFIG_URI:
            return (f'<cfg:Config xmlns:cfg="{CONFIG_URI}"><cfg:MaxEnvelopeSizekb>{MAX_ENVELOPE_KB}'
                    "</cfg:MaxEnvelopeSizekb><cfg:MaxTimeoutms>60000</cfg:MaxTimeoutms><cfg:MaxBatchItems>32000"
                    "</cfg:MaxBatchItems><cfg:MaxProviderRequests>4294967295</cfg:MaxProviderRequests></cfg:Config>")
        if uri == SHELL_URI:
            shell_id = request.selectors.get("ShellId", "").upper()
            with self._lock:
                entry = self._shells.get(shell_id)
            if entry is None:
                raise WSManFault.invalid_selectors(from_shell_provider=True)
            return shell_xml(entry.shell, get=True)
        raise WSManFault.unknown_resource(request.resource_uri)


def _text(element: typing.Any) -> str:
    return (element.text or "").strip() if element is not None and element.text else ""


def shell_xml(shell: Shell, get: bool = False) -> str:
    """The rsp:Shell of a CreateResponse, or of a GetResponse (`get`), as Windows writes them: a cmd shell has
    no process id and none of the PowerShell shell's session fields; a Get adds the shell's resource use
    (recorded for a PowerShell shell only; a cmd shell's Get is assumed to add the same)."""
    e = escape
    powershell = shell.resource_uri.lower() != CMD_SHELL_URI
    session = (
        "<rsp:MaxIdleTimeOut>PT2147483.647S</rsp:MaxIdleTimeOut><rsp:Locale>en-US</rsp:Locale>"
        "<rsp:DataLocale>en-US</rsp:DataLocale><rsp:CompressionMode>NoCompression</rsp:CompressionMode>"
        "<rsp:ProfileLoaded>Yes</rsp:ProfileLoaded><rsp:Encoding>UTF8</rsp:Encoding>"
        "<rsp:BufferMode>Block</rsp:BufferMode><rsp:State>Connected</rsp:State>"
    ) if powershell else ""
    usage = "<rsp:MemoryUsed>58MB</rsp:MemoryUsed><rsp:ChildProcesses>0</rsp:ChildProcesses>" if get else ""
    return (
        f'<rsp:Shell xmlns:rsp="{NS_RSP}"><rsp:ShellId>{shell.shell_id}</rsp:ShellId>'
        f"<rsp:ResourceUri>{e(shell.resource_uri)}</rsp:ResourceUri><rsp:Owner>{e(shell.owner)}</rsp:Owner>"
        f"<rsp:ClientIP>{e(shell.client_ip)}</rsp:ClientIP>"
        f"{'<rsp:ProcessId>4242</rsp:ProcessId>' if powershell else ''}"
        "<rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut>"
        f"<rsp:InputStreams>{e(shell.input_streams)}</rsp:InputStreams>"
        f"<rsp:OutputStreams>{e(shell.output_streams)}</rsp:OutputStreams>{session}"
        "<rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime><rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity>"
        f"{usage}</rsp:Shell>"
    )

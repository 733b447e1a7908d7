"""What the WSMan layer asks of a shell (WinRS cmd, or a PSRP runspace pool) and hands to it."""

from __future__ import annotations

import dataclasses
import typing


@dataclasses.dataclass
class ShellRequest:
    """A Create request, as a shell factory sees it."""

    shell_id: str
    resource_uri: str
    options: dict[str, str]
    creation_data: bytes | None
    input_streams: str
    output_streams: str
    user: str
    client_ip: str


@dataclasses.dataclass
class StreamChunk:
    name: str
    command_id: str | None
    data: bytes
    end: bool = False


@dataclasses.dataclass
class ReceiveResult:
    chunks: list[StreamChunk]
    command_id: str | None = None
    # None: no CommandState element (a pool-level receive); else done or still running.
    done: bool | None = None
    exit_code: int = 0


class CreatedShell:
    """What a shell keeps of the Create request that made it: what Get and Enumerate report about it."""

    def __init__(self, request: ShellRequest) -> None:
        self.shell_id = request.shell_id
        self.resource_uri = request.resource_uri
        self.owner = request.user
        self.client_ip = request.client_ip
        self.input_streams = request.input_streams
        self.output_streams = request.output_streams


class Shell(typing.Protocol):
    shell_id: str
    resource_uri: str
    owner: str
    client_ip: str
    input_streams: str
    output_streams: str

    def command(self, command_id: str | None, command: str, arguments: list[str]) -> str:
        """Start a command; returns its CommandId."""
        ...

    def send(self, chunks: list[StreamChunk]) -> None: ...

    def receive(self, command_id: str | None, streams: list[str], timeout: float,
                max_bytes: int) -> ReceiveResult:
        """Output ready for the client, waiting up to `timeout`; raises WSManFault.timed_out() if none."""
        ...

    def signal(self, command_id: str | None, code: str) -> None: ...

    def close(self) -> None: ...


ShellFactory = typing.Callable[[ShellRequest], Shell]

"""The WinRS cmd shell (resource URI …/windows/shell/cmd) that pywinrm and testinfra use.

A command line arrives as text and produces stdout, stderr and an exit code. What runs it is a
`CommandLineRunner` supplied by the runspace layer. Commands run on a worker thread, so a Receive
long-polls until output is ready, as with Windows.
"""

from __future__ import annotations

import dataclasses
import threading
import typing
import uuid

from .faults import WSManFault
from .shells import CreatedShell, ReceiveResult, ShellRequest, StreamChunk

CommandLineRunner = typing.Callable[[str], tuple[bytes, bytes, int]]


@dataclasses.dataclass
class _Command:
    command_id: str
    done: threading.Event
    stdout: bytes = b""
    stderr: bytes = b""
    exit_code: int = 0
    delivered: bool = False


class WinRSShell(CreatedShell):
    def __init__(self, request: ShellRequest, runner: CommandLineRunner) -> None:
        super().__init__(request)
        self._runner = runner
        self._commands: dict[str, _Command] = {}
        self._lock = threading.Lock()

    def command(self, command_id: str | None, command: str, arguments: list[str]) -> str:
        cid = (command_id or str(uuid.uuid4())).upper()
        line = " ".join([command, *arguments]).strip()
        entry = _Command(cid, threading.Event())
        with self._lock:
            self._commands[cid] = entry

        def run() -> None:
            try:
                entry.stdout, entry.stderr, entry.exit_code = self._runner(line)
            except Exception as error:  # report, never hang the client
                entry.stderr, entry.exit_code = f"Exchange emulator internal error: {error!r}\r\n".encode(), 1
            entry.done.set()

        threading.Thread(target=run, name=f"winrs-{cid[:8]}", daemon=True).start()
        return cid

    def send(self, chunks: list[StreamChunk]) -> None:
        # stdin is accepted and ignored: the commands the emulator runs read no input.
        return None

    def receive(self, command_id: str | None, streams: list[str], timeout: float,
                max_bytes: int) -> ReceiveResult:
        with self._lock:
            entry = self._commands.get((command_id or "").upper())
        if entry is None:
            raise WSManFault.unknown_command()
        if not entry.done.wait(max(timeout - 0.5, 0.05)):
            raise WSManFault.timed_out()
        chunks: list[StreamChunk] = []
        if not entry.delivered:
            # As Windows: the data of every stream first, then their End markers, each in stream order.
            wanted = [(name, data) for name, data in (("stdout", entry.stdout), ("stderr", entry.stderr))
                      if name in streams]
            for name, data in wanted:
                for start in range(0, len(data), max_bytes):
                    chunks.append(StreamChunk(name, entry.command_id, data[start:start + max_bytes]))
            chunks.extend(StreamChunk(name, entry.command_id, b"", end=True) for name, _ in wanted)
            entry.delivered = True
        return ReceiveResult(chunks, entry.command_id, done=True, exit_code=entry.exit_code)

    def signal(self, command_id: str | None, code: str) -> None:
        if code.lower().endswith("terminate"):
            with self._lock:
                self._commands.pop((command_id or "").upper(), None)

    def close(self) -> None:
        with self._lock:
            self._commands.clear()



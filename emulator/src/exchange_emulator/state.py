"""The organisation's state on disk: loaded at start, written atomically after every change.

Several emulator processes may share one state directory (a restarted lab, or a test that opens a
second server process): a file lock serialises commands across processes, and a command first reloads
the file when another process changed it. A command that fails leaves the state as it was before.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pathlib
import tempfile
import threading
import typing

from .exchange.organization import State

STATE_FILE = "state.json"
LOCK_FILE = "state.lock"


class StateStore:
    def __init__(self, directory: pathlib.Path, initial: typing.Callable[[], State]) -> None:
        self.directory = directory
        self.path = directory / STATE_FILE
        self._lock = threading.RLock()
        directory.mkdir(parents=True, exist_ok=True)
        self._lock_fd = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        self._stamp: tuple[int, int, int] | None = None
        with self._file_lock(exclusive=True):
            if self.path.exists():
                self._load()
            else:
                self._state = initial()
                self._write()

    # ------------------------------------------------------------------ transactions
    @contextlib.contextmanager
    def transaction(self, mutating: bool) -> typing.Iterator[State]:
        """The current state; when `mutating`, written back on success and restored on failure."""
        with self._lock, self._file_lock(exclusive=mutating):
            if self._current_stamp() != self._stamp:
                self._load()
            if not mutating:
                yield self._state
                return
            snapshot = json.dumps(self._state)
            try:
                yield self._state
            except BaseException:
                self._state = json.loads(snapshot)
                raise
            self._write()

    def snapshot(self) -> State:
        with self.transaction(mutating=False) as state:
            return typing.cast(State, json.loads(json.dumps(state)))

    def close(self) -> None:
        os.close(self._lock_fd)

    # ------------------------------------------------------------------ files
    @contextlib.contextmanager
    def _file_lock(self, exclusive: bool) -> typing.Iterator[None]:
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _current_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _load(self) -> None:
        with open(self.path, encoding="utf-8") as handle:
            self._state = json.load(handle)
        self._stamp = self._current_stamp()

    def _write(self) -> None:
        # Write beside the file and rename over it: readers see the old or the new state, never half.
        fd, tmp = tempfile.mkstemp(prefix=".state-", dir=self.directory)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self._state, handle, indent=1, sort_keys=True)
        os.replace(tmp, self.path)
        self._stamp = self._current_stamp()

"""Fixtures for the emulator's own tests: labs served in this process (fast to start; the subprocess
fixture of the pytest plugin is tested separately), and unmodified clients pointed at them."""

from __future__ import annotations

import copy
import pathlib
import typing

import pytest
import yaml

from exchange_emulator.admin import AdminServer
from exchange_emulator.app import LabServer
from exchange_emulator.lab import EXAMPLE_LAB, parse_lab
from exchange_emulator.pytest_plugin import RunningLab

from clients import exchange_pool, management_pool

pytest_plugins = ["pytester"]


class InProcessLab(RunningLab):
    """A RunningLab whose server runs in the test process."""

    def __init__(self, server: LabServer, admin: AdminServer) -> None:
        self.server_process = server
        self.admin_server = admin
        self.stopped = False
        super().__init__(server.state_dir)

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self.admin_server.shutdown()
            self.admin_server.server_close()
            self.server_process.stop()


def example_lab() -> dict[str, typing.Any]:
    return typing.cast(dict[str, typing.Any], yaml.safe_load(EXAMPLE_LAB))


def start_in_process(lab: dict[str, typing.Any], state_dir: pathlib.Path) -> InProcessLab:
    server = LabServer(parse_lab(copy.deepcopy(lab)), state_dir)
    server.start()
    admin = AdminServer(server)
    admin.start()
    return InProcessLab(server, admin)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> typing.Iterator[InProcessLab]:
    """The example lab (EX01, EX02 Mailbox; EDGE01 subscribed Edge), fresh for each test module."""
    running = start_in_process(example_lab(), tmp_path_factory.mktemp("lab"))
    yield running
    running.stop()


# One pypsrp pool per server of the example lab, shared by a module's tests: the Mailbox servers through
# their management endpoint, the Edge through its host endpoint and the snap-in (it has no /PowerShell).
@pytest.fixture(scope="module")
def ex01(lab: InProcessLab) -> typing.Iterator[typing.Any]:
    with management_pool(lab.server("EX01")["port"]) as pool:
        yield pool


@pytest.fixture(scope="module")
def ex02(lab: InProcessLab) -> typing.Iterator[typing.Any]:
    with management_pool(lab.server("EX02")["port"]) as pool:
        yield pool


@pytest.fixture(scope="module")
def edge(lab: InProcessLab) -> typing.Iterator[typing.Any]:
    with exchange_pool(lab, "EDGE01") as pool:
        yield pool


@pytest.fixture
def lab_factory(tmp_path_factory: pytest.TempPathFactory) -> typing.Iterator[typing.Callable[..., InProcessLab]]:
    """Start labs of your own (a dict as in a lab file); stopped after the test."""
    started: list[InProcessLab] = []

    def factory(lab: dict[str, typing.Any] | None = None,
                state_dir: pathlib.Path | None = None) -> InProcessLab:
        running = start_in_process(lab or example_lab(), state_dir or tmp_path_factory.mktemp("lab"))
        started.append(running)
        return running

    yield factory
    for running in started:
        running.stop()

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


# ---------------------------------------------------------------------------------------------- SMTP fronts
def smtp_lab() -> dict[str, typing.Any]:
    """A lab for the SMTP front tests: EX01 with the anti-spam agents and the filter validating, EX02
    without agents, a subscribed Edge validating, mailboxes with automatic replies and a full mailbox, and
    remote domains at three levels of specificity. No tarpit (a test turns it on with Set-ReceiveConnector)."""
    return {
        "organization": {
            "name": "Contoso", "domain": "contoso.com",
            "accepted_domains": [{"name": "fabrikam.com", "domain": "fabrikam.com", "type": "InternalRelay"},
                                 {"name": "noab.example", "domain": "noab.example", "address_book_enabled": False}],
            "remote_domains": [{"name": "Partner", "domain": "partner.example"},
                               {"name": "Wild", "domain": "*.wild.example", "settings": {"NDREnabled": False}},
                               {"name": "Exact", "domain": "ok.wild.example"}],
            "recipient_filter": {"RecipientValidationEnabled": True},
            "recipients": [
                {"name": "Alice Adams", "address": "alice@contoso.com",
                 "auto_reply": {"external_message": "Alice is away.", "internal_message": "Alice is out today."}},
                {"name": "Bob Brown", "address": "bob@contoso.com"},
                {"name": "Carol Cole", "address": "carol@contoso.com", "mailbox_full": True},
                {"name": "Dave Dunn", "address": "dave@contoso.com",
                 "auto_reply": {"external_message": "Rule reply from Dave.", "kind": "Rule"}},
            ],
        },
        "servers": [
            {"name": "EX01", "role": "Mailbox", "antispam_agents": True,
             "receive_connectors": {"Default Frontend EX01": {"TarpitInterval": "00:00:00",
                                                               "MaxRecipientsPerMessage": 5}}},
            {"name": "EX02", "role": "Mailbox"},
            {"name": "EDGE01", "role": "Edge", "edge_subscribed": True,
             "settings": {"recipient_filter": {"RecipientValidationEnabled": True}},
             "receive_connectors": {"Default internal receive connector EDGE01": {"TarpitInterval": "00:00:00"}}},
        ],
        "users": [{"name": "ansible", "password": "Password123!"}],
        "auth": {"basic": True, "negotiate": True, "allow_unencrypted": True},
    }


@pytest.fixture
def smtp_front(lab_factory: typing.Callable[..., InProcessLab]) -> InProcessLab:
    """A fresh SMTP lab for one test (tests change its configuration with cmdlets)."""
    return lab_factory(smtp_lab())

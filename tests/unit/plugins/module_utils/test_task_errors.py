"""What a user sees when a task fails: each class of error through `failure()` and through a task run on the
stand-in server (stand_in.py). Expected failures are typed and say what to set; anything else is a bug and
comes with its traceback and the client library versions
(docs/docsite/rst/architecture.rst, "Errors and retries")."""

from __future__ import annotations

import importlib.metadata

import pytest

from ansible_collections.mailhygiene.exchange.plugins.module_utils import errors
from ansible_collections.mailhygiene.exchange.plugins.module_utils.batch import BatchTask
from ansible_collections.mailhygiene.exchange.plugins.module_utils.commands import CheckModeViolation, Command
from ansible_collections.mailhygiene.exchange.plugins.module_utils.module import (
    InfoTask, ResourceTask, TaskContext, TaskFailed, failure,
)
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources import server
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.base import Connections
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.receive_connector import ReceiveConnector
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.recipient_filter import RecipientFilter
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.remote_domain import RemoteDomain
from ansible_collections.mailhygiene.exchange.plugins.module_utils.session import Endpoint
from ansible_collections.mailhygiene.exchange.plugins.module_utils.values import InvalidValue
from ansible_collections.mailhygiene.exchange.tests.unit.plugins.module_utils.stand_in import StandInConnections

SERVER = {"Name": "EX01", "Fqdn": "ex01.contoso.com", "ServerRole": "Mailbox",
          "AdminDisplayVersion": "Version 15.2 (Build 1544.4)"}
SERVERS = {"Get-ExchangeServer": [SERVER]}
CONNECTOR = {"Name": "Default Frontend EX01", "Identity": "EX01\\Default Frontend EX01", "TarpitInterval": "00:00:05"}


def raised(error: BaseException) -> BaseException:
    """`error` as it arrives in an except clause: raised, with a traceback."""
    try:
        raise error
    except BaseException as caught:
        return caught


def run_task(task, answers, params, server_address="ex01.contoso.com", check_mode=False):
    context = TaskContext(params, check_mode, StandInConnections(answers, server=server_address))
    with pytest.raises(TaskFailed) as failed:
        task.run(context)
    return failed.value, context.connections


# ------------------------------------------------------------------------------------------ failure()
@pytest.mark.parametrize("error, error_type, session_failed", [
    (InvalidValue("tarpit_interval: 'soon' is not a time span"), "InvalidValue", False),
    (errors.ServerNotIdentified("server_name: cannot tell which Exchange server", option="server_name"),
     "ServerNotIdentified", False),
    (errors.EndpointNotConfigured("A command is for the host endpoint", option="host_port"), "EndpointNotConfigured",
     False),
    (errors.EmptyResult("Get-TransportConfig returned no object", command="Get-TransportConfig"), "EmptyResult", False),
    (errors.ObjectNotFound("not found", "Microsoft.Exchange.ManagementObjectNotFoundException", command="Get-X"),
     "ObjectNotFound", False),
    (errors.Unreachable("Cannot reach http://ex01/PowerShell", transient=True), "Unreachable", True),
    (errors.ReplyLost("The reply to Set-X was lost"), "ReplyLost", True),
])
def test_typed_errors_are_expected_failures(error, error_type, session_failed):
    failed = failure(raised(error), changed=False)
    assert failed.msg == str(error)
    assert failed.result["error_type"] == error_type
    assert failed.result["changed"] is False
    assert "exception" not in failed.result and "client_versions" not in failed.result
    assert failed.session_failed is session_failed


def test_a_task_failure_keeps_its_keys_and_gains_the_callers():
    failed = failure(TaskFailed("still differs", item="x"), changed=True)
    assert (failed.msg, failed.result) == ("still differs", {"item": "x", "changed": True})


def key_bug():
    return {}["Identity"]


def index_bug():
    objects = StandInConnections({"Get-TransportConfig": []}).read(Command("Get-TransportConfig"))
    return objects[0]


def check_mode_bug():
    raise CheckModeViolation("refusing to send mutating command Set-RemoteDomain in check mode")


@pytest.mark.parametrize("bug, name", [(key_bug, "KeyError"), (index_bug, "IndexError"),
                                       (check_mode_bug, "CheckModeViolation")])
def test_anything_else_is_a_bug_with_its_traceback_and_versions(bug, name):
    with pytest.raises(Exception) as caught:
        bug()
    failed = failure(caught.value, changed=False)
    assert failed.msg.startswith("unexpected error, a bug in mailhygiene.exchange: %s" % name)
    assert failed.result["error_type"] == name
    assert "Traceback (most recent call last)" in failed.result["exception"]
    assert "in %s" % bug.__name__ in failed.result["exception"]
    versions = failed.result["client_versions"]
    assert set(versions) == {"ansible-core", "python", "pypsrp", "pyspnego", "pywinrm"}
    assert versions["pypsrp"] == importlib.metadata.version("pypsrp")
    assert "pypsrp %s" % versions["pypsrp"] in failed.msg and "ansible-core %s" % versions["ansible-core"] in failed.msg
    assert not failed.session_failed


# ------------------------------------------------------------------------------------------ through tasks
def test_a_server_the_session_cannot_place_fails_the_task_naming_server_name():
    failed, connections = run_task(ResourceTask(ReceiveConnector, "receive_connector"), SERVERS,
                                   {"name": "Default Frontend EX01", "tarpit_interval": 5}, "mail.contoso.com")
    assert failed.result["error_type"] == "ServerNotIdentified"
    assert failed.msg.startswith("server_name: cannot tell which Exchange server mail.contoso.com is; it matches "
                                 "none of EX01. Set server_name")
    assert not failed.session_failed and connections.mutations == []


def test_a_server_name_exchange_does_not_know_is_named():
    with pytest.raises(errors.ServerNotIdentified, match="'EX09' is not an Exchange server this session knows"):
        server.server_facts(StandInConnections(SERVERS, server_name="EX09"))


@pytest.mark.parametrize("task", [ResourceTask(RecipientFilter, "recipient_filter"),
                                  InfoTask(server.gather, "server")])
def test_an_empty_read_of_a_settings_object_names_the_command(task):
    answers = dict(SERVERS, **{"Get-RecipientFilterConfig": [], "Get-TransportAgent": [],
                               "Get-TransportService -Identity 'EX01'": []})
    failed, _connections = run_task(task, answers, {"enabled": True})
    assert failed.result["error_type"] == "EmptyResult"
    assert failed.msg.startswith("Get-RecipientFilterConfig returned no object")


def test_invalid_parameters_fail_before_anything_is_read():
    failed, connections = run_task(ResourceTask(RemoteDomain, "remote_domain"), {},
                                   {"domain_name": "fabrikam.com", "line_wrap_size": 0})
    assert failed.result["error_type"] == "InvalidValue" and failed.msg.startswith("line_wrap_size:")
    assert connections.reads == []


def test_a_bug_in_a_plan_reaches_the_user_as_one():
    """A connector without Identity (a KeyError in the plan) is not mistaken for the user's input."""
    answers = dict(SERVERS, **{"Get-ReceiveConnector -Server 'EX01'": [{"Name": CONNECTOR["Name"]}]})
    failed, _connections = run_task(ResourceTask(ReceiveConnector, "receive_connector"), answers,
                                    {"name": "Default Frontend EX01", "tarpit_interval": 5})
    assert failed.msg.startswith("unexpected error, a bug in mailhygiene.exchange: KeyError: 'Identity'")
    assert "receive_connector.py" in failed.result["exception"]
    assert failed.result["changed"] is False and "pyspnego" in failed.result["client_versions"]


def test_the_batch_fails_an_item_for_its_input_and_the_task_for_a_bug():
    answers = dict(SERVERS, **{"Get-ReceiveConnector -Server 'EX01'": [CONNECTOR]})
    items = [{"kind": "receive_connector", "name": "Default Frontend EX01", "tarpit_interval": 5},
             {"kind": "receive_connector", "name": "Internet", "tarpit_interval": 5}]
    params = {"resources": items, "continue_on_error": True, "verify": False}
    failed, _connections = run_task(BatchTask(), answers, params, check_mode=True)
    assert [(r["item"], r["status"]) for r in failed.result["results"]] == [
        ("receive_connector Default Frontend EX01", "planned"), ("receive_connector Internet", "failed")]
    assert failed.msg == "receive_connector Internet: name: no receive connector 'Internet' on this server; it has: " \
                         "Default Frontend EX01."

    answers["Get-ReceiveConnector -Server 'EX01'"] = [{"Name": CONNECTOR["Name"]}]
    failed, _connections = run_task(BatchTask(), answers, params, check_mode=True)
    assert failed.msg.startswith("unexpected error, a bug in mailhygiene.exchange: KeyError: 'Identity'")
    assert "receive_connector.py" in failed.result["exception"]


def test_a_host_command_without_a_host_endpoint_names_the_options():
    management = Endpoint("ex01.contoso.com", 80, "http", "PowerShell", "Microsoft.Exchange", {})
    with pytest.raises(errors.EndpointNotConfigured, match="the host endpoint"):
        Connections(management, None, check_mode=True).session("host")

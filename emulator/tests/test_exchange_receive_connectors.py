"""Receive connectors
(docs/docsite/rst/exchange_behaviour.rst, "Receive connectors"):
per server, identity `<server>\\<name>`; TarpitInterval delays the
answer to a rejected recipient (default 00:00:05, 00:00:00 disables, at most 00:10:00)."""

from __future__ import annotations

import pytest
from exchange_checks import (
    UNCHANGED,
    assert_binding_error,
    assert_exchange_error,
    call,
    exception_message,
    refused,
    rejected,
    unchanged,
)

TASKS = "Microsoft.Exchange.Management.SystemConfigurationTasks."
FRONTEND = "EX01\\Default Frontend EX01"
MAILBOX_CONNECTORS = ["Default {0}", "Client Proxy {0}", "Default Frontend {0}", "Outbound Proxy Frontend {0}",
                      "Client Frontend {0}"]


def connector(pool, identity):
    return call(pool, "Get-ReceiveConnector", Identity=identity).clean().one


def test_each_server_has_its_own_connectors(ex01, ex02, edge):
    result = call(ex01, "Get-ReceiveConnector", Server="EX01").clean()
    assert [o["Name"] for o in result.objects] == [n.format("EX01") for n in MAILBOX_CONNECTORS]
    assert [str(o) for o in result.output][2] == FRONTEND
    assert all(o["Server"] == "EX01" and o["TarpitInterval"] == "00:00:05" for o in result.objects)
    # Without -Server: all the connectors in the directory, every Mailbox server's, from any of them
    # (Microsoft's Get-ReceiveConnector reference); the Edge's are in its own AD LDS.
    everything = [o["Identity"] for o in call(ex02, "Get-ReceiveConnector").clean().objects]
    assert everything == [f"{s}\\{n.format(s)}" for s in ("EX01", "EX02") for n in MAILBOX_CONNECTORS]
    frontend = result.objects[2]
    assert frontend["Identity"] == FRONTEND and frontend["TransportRole"] == "FrontendTransport"
    assert "AnonymousUsers" in frontend["PermissionGroups"]
    on_edge = call(edge, "Get-ReceiveConnector").clean().objects
    assert [o["Identity"] for o in on_edge] == ["EDGE01\\Default internal receive connector EDGE01"]
    assert on_edge[0]["TarpitInterval"] == "00:00:05"


def test_other_servers_connectors_by_server_or_identity(ex01):
    names = [o["Name"] for o in call(ex01, "Get-ReceiveConnector", Server="EX02").clean().objects]
    assert names == [n.format("EX02") for n in MAILBOX_CONNECTORS]
    assert connector(ex01, "EX02\\Default Frontend EX02")["Server"] == "EX02"


def test_a_bare_name_means_the_sessions_server(ex01, ex02):
    assert connector(ex01, "Default Frontend EX01")["Identity"] == FRONTEND
    assert call(ex02, "Get-ReceiveConnector", Identity="Default Frontend EX01").errors


def test_unknown_connector_and_server(lab, ex01):
    error = rejected(lab, ex01, "Get-ReceiveConnector", Identity="EX01\\Nope")
    assert_exchange_error(error, "ManagementObjectNotFoundException", TASKS + "GetReceiveConnector")
    error = rejected(lab, ex01, "Get-ReceiveConnector", Server="EX99")
    assert_exchange_error(error, "ManagementObjectNotFoundException", TASKS + "GetReceiveConnector")
    error = rejected(lab, ex01, "Set-ReceiveConnector", Identity="EX01\\Nope", TarpitInterval="00:00:00")
    assert_exchange_error(error, "ManagementObjectNotFoundException", TASKS + "SetReceiveConnector")


@pytest.mark.parametrize(("value", "read_back"), [
    ("00:00:00", "00:00:00"), ("00:10:00", "00:10:00"), ("00:00:30", "00:00:30"), ("0:1:5", "00:01:05"),
])
def test_tarpit_interval_within_ten_minutes(lab, ex01, value, read_back):
    mark = lab.mark()
    result = call(ex01, "Set-ReceiveConnector", Identity=FRONTEND, TarpitInterval=value).clean()
    assert result.output == []
    assert connector(ex01, FRONTEND)["TarpitInterval"] == read_back
    assert [e["outcome"] for e in lab.mutating_since(mark)] == ["completed"]
    call(ex01, "Set-ReceiveConnector", Identity=FRONTEND, TarpitInterval="00:00:05").clean()


@pytest.mark.parametrize(("value", "error_id"), [
    ("00:10:01", "ParameterArgumentValidationError"),
    ("01:00:00", "ParameterArgumentValidationError"),
    ("1.00:00:00", "ParameterArgumentValidationError"),
    ("five seconds", "ParameterArgumentTransformationError"),
    ("-00:00:05", "ParameterArgumentTransformationError"),
    ("00:61:00", "ParameterArgumentTransformationError"),
    (5, "ParameterArgumentTransformationError"),
])
def test_tarpit_interval_out_of_range_changes_nothing(lab, ex01, value, error_id):
    error = refused(lab, ex01, "Set-ReceiveConnector", Identity=FRONTEND, TarpitInterval=value)
    reason = ("ParameterBindingValidationException" if error_id == "ParameterArgumentValidationError"
              else "ParameterBindingArgumentTransformationException")
    assert_binding_error(error, error_id, TASKS + "SetReceiveConnector", "TarpitInterval", reason=reason)
    assert connector(ex01, FRONTEND)["TarpitInterval"] == "00:00:05"


def test_connectors_are_per_server(ex01, ex02):
    call(ex01, "Set-ReceiveConnector", Identity=FRONTEND, TarpitInterval="00:00:00").clean()
    try:
        assert connector(ex02, "Default Frontend EX02")["TarpitInterval"] == "00:00:05"
        # Seen from EX02 by its full identity, EX01's connector shows EX01's value (it is in the directory).
        assert connector(ex02, FRONTEND)["TarpitInterval"] == "00:00:00"
    finally:
        call(ex01, "Set-ReceiveConnector", Identity=FRONTEND, TarpitInterval="00:00:05").clean()


def test_change_another_servers_connector_by_identity(ex01, ex02):
    call(ex01, "Set-ReceiveConnector", Identity="EX02\\Client Frontend EX02", MaxRecipientsPerMessage=500).clean()
    assert connector(ex02, "Client Frontend EX02")["MaxRecipientsPerMessage"] == 500
    assert connector(ex01, "Client Frontend EX01")["MaxRecipientsPerMessage"] == 200


def test_same_value_warns_with_the_full_identity(lab, ex01):
    unchanged(lab, ex01, FRONTEND, "Set-ReceiveConnector", Identity="Default Frontend EX01",
              TarpitInterval="00:00:05")


@pytest.mark.parametrize(("parameter", "value", "error_id"), [
    ("MaxRecipientsPerMessage", 0, "ParameterArgumentValidationError"),
    ("ProtocolLoggingLevel", "Everything", "ParameterArgumentTransformationError"),
    ("Enabled", "off", "ParameterArgumentTransformationError"),
    ("Bindings", "0.0.0.0:25", "NamedParameterNotFound"),
])
def test_other_bad_values_change_nothing(lab, ex01, parameter, value, error_id):
    error = refused(lab, ex01, "Set-ReceiveConnector", Identity=FRONTEND, **{parameter: value})
    assert error.fq_error == f"{error_id},{TASKS}SetReceiveConnector"
    assert f"'{parameter}'" in exception_message(error)


def test_edge_connector_can_be_changed_on_the_edge(edge):
    identity = "EDGE01\\Default internal receive connector EDGE01"
    call(edge, "Set-ReceiveConnector", Identity=identity, TarpitInterval="00:00:10").clean()
    assert connector(edge, identity)["TarpitInterval"] == "00:00:10"


def test_unchanged_constant_text(ex01):
    result = call(ex01, "Set-ReceiveConnector", Identity=FRONTEND, Enabled=True)
    assert result.warnings == [UNCHANGED.format(FRONTEND)]

"""Organisation transport settings
(docs/docsite/rst/exchange_behaviour.rst, "Organisation transport settings"):
Get-/Set-TransportConfig, above all InternalSMTPServers,
the internal relays Sender ID needs once the anti-spam agents are installed."""

from __future__ import annotations

import pytest
from exchange_checks import (
    UNCHANGED,
    assert_binding_error,
    call,
    category,
    exception_message,
    multi,
    refused,
    unchanged,
)

from clients import management_pool

TASK = "Microsoft.Exchange.Management.SystemConfigurationTasks.SetTransportConfig"
NAME = "Transport Settings"


@pytest.fixture(scope="module", autouse=True)
def pristine(lab):
    with management_pool(lab.server("EX01")["port"]) as pool:
        return call(pool, "Get-TransportConfig").clean()


@pytest.fixture
def no_relays(ex01):
    call(ex01, "Set-TransportConfig", InternalSMTPServers=None, WarningAction="SilentlyContinue")
    yield
    call(ex01, "Set-TransportConfig", InternalSMTPServers=None, WarningAction="SilentlyContinue")


def config(pool):
    return call(pool, "Get-TransportConfig").clean().one


def relays(pool):
    return multi(config(pool)["InternalSMTPServers"])


def test_defaults(pristine):
    obj = pristine.one
    assert multi(obj["InternalSMTPServers"]) == []
    assert obj["Identity"] == obj["Name"] == NAME
    assert str(pristine.output[0]) == NAME
    # Unlimited<int> arrives as text over remoting (docs/docsite/rst/exchange_behaviour.rst, "Values as they arrive").
    assert obj["MaxRecipientEnvelopeLimit"] == "500"
    assert obj["ExternalDsnSendHtml"] is True and obj["InternalDsnSendHtml"] is True
    assert obj["ExternalPostmasterAddress"] is None
    assert pristine.output[0].types[0] == \
        "Microsoft.Exchange.Data.Directory.SystemConfiguration.TransportConfigContainer"


# ---------------------------------------------------------------------------------------------- InternalSMTPServers
@pytest.mark.usefixtures("no_relays")
@pytest.mark.parametrize("value", ["10.0.1.10", "10.0.0.0/24", "10.0.0.1-10.0.0.20", "2001:db8::/32", "fe80::1"])
def test_each_kind_of_ip_range(ex01, value):
    call(ex01, "Set-TransportConfig", InternalSMTPServers=value).clean()
    assert relays(ex01) == [value]


@pytest.mark.usefixtures("no_relays")
def test_replace_then_add_and_remove(lab, ex01):
    call(ex01, "Set-TransportConfig", InternalSMTPServers=["10.0.1.10", "10.0.0.0/24"]).clean()
    assert relays(ex01) == ["10.0.1.10", "10.0.0.0/24"]
    mark = lab.mark()
    call(ex01, "Set-TransportConfig", InternalSMTPServers={"Add": "10.0.1.11"}).clean()
    [entry] = lab.mutating_since(mark)
    assert entry["parameters"]["InternalSMTPServers"] == {"Add": ["10.0.1.11"]}
    assert relays(ex01) == ["10.0.1.10", "10.0.0.0/24", "10.0.1.11"]
    call(ex01, "Set-TransportConfig", InternalSMTPServers={"Remove": ["10.0.1.10"], "Add": ["10.0.0.1-10.0.0.20"]})\
        .clean()
    assert relays(ex01) == ["10.0.0.0/24", "10.0.1.11", "10.0.0.1-10.0.0.20"]
    call(ex01, "Set-TransportConfig", InternalSMTPServers=None).clean()
    assert relays(ex01) == []


@pytest.mark.usefixtures("no_relays")
def test_adding_present_and_removing_absent_ranges_is_silently_ignored(lab, ex01):
    call(ex01, "Set-TransportConfig", InternalSMTPServers=["10.0.1.10"]).clean()
    for value in ({"Add": "10.0.1.10"}, {"Remove": "10.9.9.9"}, {"+": "10.0.1.10", "-": "192.0.2.1"}):
        unchanged(lab, ex01, NAME, "Set-TransportConfig", InternalSMTPServers=value)
    unchanged(lab, ex01, NAME, "Set-TransportConfig", InternalSMTPServers=["10.0.1.10"])
    assert relays(ex01) == ["10.0.1.10"]


@pytest.mark.usefixtures("no_relays")
@pytest.mark.parametrize("value", ["10.0.0.300", "not-an-ip", "10.0.0.20-10.0.0.1", "10.0.0.0/33",
                                   "10.0.0.1-fe80::1", ["10.0.1.10", "bogus"], {"Add": "10.0.0.256"}])
def test_bad_ranges_change_nothing(lab, ex01, value):
    call(ex01, "Set-TransportConfig", InternalSMTPServers=["10.0.1.10"]).clean()
    error = refused(lab, ex01, "Set-TransportConfig", InternalSMTPServers=value)
    assert_binding_error(error, "ParameterArgumentTransformationError", TASK, "InternalSMTPServers",
                         reason="ParameterBindingArgumentTransformationException")
    assert category(error) == "InvalidData"
    assert "IPRange" in exception_message(error)
    assert relays(ex01) == ["10.0.1.10"]


@pytest.mark.usefixtures("no_relays")
def test_shared_by_the_organisations_servers(ex01, ex02):
    call(ex02, "Set-TransportConfig", InternalSMTPServers={"Add": "10.0.2.10"}).clean()
    assert relays(ex01) == ["10.0.2.10"]
    assert config(ex01)["Guid"] == config(ex02)["Guid"]


def test_what_if_changes_nothing(lab, ex01):
    before = lab.state()
    mark = lab.mark()
    result = call(ex01, "Set-TransportConfig", InternalSMTPServers={"Add": "10.7.7.7"}, WhatIf=True)
    assert result.completed and not result.errors
    assert lab.state() == before and lab.mutating_since(mark) == []


# ---------------------------------------------------------------------------------------------- other settings
@pytest.mark.parametrize(("parameter", "value", "read_back"), [
    ("MaxRecipientEnvelopeLimit", 1000, "1000"),
    ("MaxRecipientEnvelopeLimit", "Unlimited", "Unlimited"),
    ("ExternalPostmasterAddress", "postmaster@contoso.com", "postmaster@contoso.com"),
    ("ExternalDsnReportingAuthority", "contoso.com", "contoso.com"),
    ("ExternalDsnSendHtml", False, False),
    ("InternalDelayDsnEnabled", False, False),
])
def test_other_settings_set_and_read_back(ex01, parameter, value, read_back):
    call(ex01, "Set-TransportConfig", **{parameter: value}).clean()
    assert config(ex01)[parameter] == read_back


@pytest.mark.parametrize(("parameter", "value", "error_id"), [
    ("MaxRecipientEnvelopeLimit", -1, "ParameterArgumentValidationError"),
    ("MaxRecipientEnvelopeLimit", "lots", "ParameterArgumentTransformationError"),
    ("ExternalPostmasterAddress", "postmaster", "ParameterArgumentTransformationError"),
    ("ExternalDsnReportingAuthority", "not a domain", "ParameterArgumentTransformationError"),
    ("ExternalDsnSendHtml", "no", "ParameterArgumentTransformationError"),
    ("Identity", "Transport Settings", "NamedParameterNotFound"),
])
def test_bad_values_change_nothing(lab, ex01, parameter, value, error_id):
    error = refused(lab, ex01, "Set-TransportConfig", **{parameter: value})
    assert error.fq_error == f"{error_id},{TASK}"
    assert f"'{parameter}'" in exception_message(error)


def test_unchanged_warning_names_transport_settings(ex01):
    current = config(ex01)["InternalDsnSendHtml"]
    result = call(ex01, "Set-TransportConfig", InternalDsnSendHtml=current)
    assert result.completed and result.warnings == [UNCHANGED.format(NAME)]

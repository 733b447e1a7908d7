"""Edge Transport servers
(docs/docsite/rst/exchange_behaviour.rst, "Edge Transport servers"):
an EdgeSync-subscribed Edge reads the organisation's replicated
configuration and refuses to change it, but keeps its own recipient filter; a standalone Edge keeps everything
in its own AD LDS, starting with its `Default Domain`; Mailbox-only cmdlets do not exist there."""

from __future__ import annotations

import pytest
from exchange_checks import (
    assert_exchange_error,
    call,
    category,
    exception_message,
    exception_type,
    lab_dict,
    multi,
    refused,
)

from clients import exchange_pool, management_pool
from conftest import start_in_process

TASKS = "Microsoft.Exchange.Management.SystemConfigurationTasks."


@pytest.fixture(scope="module")
def edge_lab(tmp_path_factory):
    """A Mailbox server, a subscribed Edge and a standalone Edge of one organisation."""
    running = start_in_process(lab_dict(
        {"name": "EX01", "role": "Mailbox"},
        {"name": "EDGE01", "role": "Edge", "edge_subscribed": True},
        {"name": "EDGE02", "role": "Edge", "version": "2016"},
        accepted_domains=[{"name": "fabrikam.com", "domain": "fabrikam.com", "type": "InternalRelay"}],
        remote_domains=[{"name": "Partner", "domain": "partner.example"}],
    ), tmp_path_factory.mktemp("edge"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def mailbox(edge_lab):
    with management_pool(edge_lab.server("EX01")["port"]) as pool:
        yield pool


@pytest.fixture(scope="module")
def subscribed(edge_lab):
    with exchange_pool(edge_lab, "EDGE01") as pool:
        yield pool


@pytest.fixture(scope="module")
def standalone(edge_lab):
    with exchange_pool(edge_lab, "EDGE02") as pool:
        yield pool


def names(pool, command, **parameters):
    return [o["Name"] for o in call(pool, command, **parameters).clean().objects]


# ---------------------------------------------------------------------------------------------- subscribed Edge
def test_subscribed_edge_reads_the_replicated_configuration(mailbox, subscribed):
    call(mailbox, "New-RemoteDomain", Name="Replicated", DomainName="replicated.example").clean()
    assert names(subscribed, "Get-RemoteDomain") == ["Default", "Partner", "Replicated"]
    assert names(subscribed, "Get-AcceptedDomain") == ["contoso.com", "fabrikam.com"]
    call(mailbox, "Set-TransportConfig", InternalSMTPServers={"Add": "10.0.1.10"}).clean()
    assert multi(call(subscribed, "Get-TransportConfig").clean().one["InternalSMTPServers"]) == ["10.0.1.10"]


@pytest.mark.parametrize(("command", "parameters", "noun"), [
    ("New-RemoteDomain", {"Name": "Edge Made", "DomainName": "edge-made.example"}, "remote domain"),
    ("Set-RemoteDomain", {"Identity": "Partner", "NDREnabled": False}, "remote domain"),
    ("Set-RemoteDomain", {"Identity": "Default", "AutoReplyEnabled": True}, "remote domain"),
    ("Remove-RemoteDomain", {"Identity": "Partner", "Confirm": False}, "remote domain"),
    ("New-AcceptedDomain", {"Name": "edge.example", "DomainName": "edge.example"}, "accepted domain"),
    ("Set-AcceptedDomain", {"Identity": "fabrikam.com", "AddressBookEnabled": True}, "accepted domain"),
    ("Remove-AcceptedDomain", {"Identity": "fabrikam.com", "Confirm": False}, "accepted domain"),
    ("Set-TransportConfig", {"InternalSMTPServers": "10.0.0.1"}, "transport configuration"),
])
def test_subscribed_edge_refuses_changes_to_replicated_objects(edge_lab, subscribed, command, parameters, noun):
    error = refused(edge_lab, subscribed, command, **parameters)
    assert_exchange_error(error, "CannotModifyEdgeSyncObjectException", TASKS + command.replace("-", ""),
                          server="EDGE01")
    assert category(error) == "InvalidOperation"
    assert exception_message(error).startswith(f"The {noun} is replicated from the Exchange organization by EdgeSync")


def test_subscribed_edge_keeps_its_own_recipient_filter(edge_lab, mailbox, subscribed):
    mark = edge_lab.mark()
    call(subscribed, "Set-RecipientFilterConfig", RecipientValidationEnabled=True,
         BlockedRecipients={"Add": "edge@contoso.com"}).clean()
    assert [(e["server"], e["outcome"]) for e in edge_lab.mutating_since(mark)] == [("EDGE01", "completed")]
    on_edge = call(subscribed, "Get-RecipientFilterConfig").clean().one
    assert on_edge["RecipientValidationEnabled"] is True
    assert multi(on_edge["BlockedRecipients"]) == ["edge@contoso.com"]
    in_org = call(mailbox, "Get-RecipientFilterConfig").clean().one
    assert in_org["RecipientValidationEnabled"] is False and multi(in_org["BlockedRecipients"]) == []
    server = next(s for s in edge_lab.state()["servers"] if s["Name"] == "EDGE01")
    assert server["Local"]["RecipientFilterConfig"]["RecipientValidationEnabled"] is True


def test_subscribed_edge_changes_its_own_connectors_and_agents(subscribed):
    identity = "EDGE01\\Default internal receive connector EDGE01"
    call(subscribed, "Set-ReceiveConnector", Identity=identity, TarpitInterval="00:00:00").clean()
    assert call(subscribed, "Get-ReceiveConnector", Identity=identity).clean().one["TarpitInterval"] == "00:00:00"
    result = call(subscribed, "Disable-TransportAgent", Identity="Recipient Filter Agent", Confirm=False)
    assert result.completed and not result.errors
    call(subscribed, "Enable-TransportAgent", Identity="Recipient Filter Agent")


# ---------------------------------------------------------------------------------------------- standalone Edge
def test_standalone_edge_has_its_own_default_domain(standalone):
    [own] = call(standalone, "Get-RemoteDomain").clean().objects
    assert (own["Name"], own["Identity"], own["DomainName"]) == ("Default Domain", "Default Domain", "*")
    assert (own["AutoReplyEnabled"], own["AutoForwardEnabled"], own["CharacterSet"]) == (False, False, "iso-8859-1")
    assert own["DistinguishedName"].startswith("CN=Default Domain,")
    assert "DC=contoso" not in own["DistinguishedName"]  # AD LDS, not the organisation's directory
    assert names(standalone, "Get-AcceptedDomain") == []


def test_standalone_edge_configuration_is_its_own(edge_lab, mailbox, standalone):
    call(standalone, "Set-RemoteDomain", Identity="Default Domain", NDREnabled=False).clean()
    call(standalone, "New-RemoteDomain", Name="Edge Only", DomainName="edge-only.example").clean()
    call(mailbox, "New-RemoteDomain", Name="Org Only", DomainName="org-only.example").clean()
    assert names(standalone, "Get-RemoteDomain") == ["Default Domain", "Edge Only"]
    assert "Edge Only" not in names(mailbox, "Get-RemoteDomain")
    assert call(mailbox, "Get-RemoteDomain", Identity="Default").clean().one["NDREnabled"] is True
    # `Default` is not its name there.
    assert call(standalone, "Get-RemoteDomain", Identity="Default").errors
    error = refused(edge_lab, standalone, "Remove-RemoteDomain", Identity="Default Domain", Confirm=False)
    assert_exchange_error(error, "CannotRemoveDefaultRemoteDomainException", TASKS + "RemoveRemoteDomain",
                          server="EDGE02")


def test_standalone_edge_recipient_filter_and_transport_config(edge_lab, mailbox, standalone):
    call(standalone, "Set-RecipientFilterConfig", BlockListEnabled=True,
         BlockedRecipients={"Add": "x@contoso.com"}).clean()
    obj = call(standalone, "Get-RecipientFilterConfig").clean().one
    assert obj["BlockListEnabled"] is True and multi(obj["BlockedRecipients"]) == ["x@contoso.com"]
    assert call(mailbox, "Get-RecipientFilterConfig").clean().one["BlockListEnabled"] is False
    call(standalone, "Set-TransportConfig", InternalSMTPServers="192.0.2.10").clean()
    assert multi(call(standalone, "Get-TransportConfig").clean().one["InternalSMTPServers"]) == ["192.0.2.10"]
    assert "192.0.2.10" not in multi(call(mailbox, "Get-TransportConfig").clean().one["InternalSMTPServers"])


def test_standalone_edge_is_not_in_the_organisation(mailbox, standalone):
    assert names(mailbox, "Get-ExchangeServer") == ["EX01", "EDGE01"]
    assert [o["Name"] for o in call(mailbox, "Get-EdgeSubscription").clean().objects] == ["EDGE01"]
    assert names(standalone, "Get-ExchangeServer") == ["EDGE02"]
    assert call(standalone, "Get-EdgeSubscription").clean().output == []


# ---------------------------------------------------------------------------------------------- Mailbox-only cmdlets
@pytest.mark.parametrize("server", ["EDGE01", "EDGE02"])
@pytest.mark.parametrize("command", ["Get-Mailbox", "Get-Recipient"])
def test_no_recipient_cmdlets_on_edge(edge_lab, server, command):
    with exchange_pool(edge_lab, server) as pool:
        error = refused(edge_lab, pool, command)
    assert exception_type(error) == "System.Management.Automation.CommandNotFoundException"
    assert exception_message(error).startswith(f"The term '{command}' is not recognized")

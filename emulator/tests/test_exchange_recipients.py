"""Recipients: Get-Mailbox and Get-Recipient (read-only; what recipient validation looks up). Mailbox-server
cmdlets: an Edge server does not have them."""

from __future__ import annotations

import pytest
from exchange_checks import assert_binding_error, assert_exchange_error, call, exception_type, multi, refused, rejected


def test_the_labs_mailboxes(ex01, ex02):
    result = call(ex01, "Get-Mailbox").clean()
    assert [o["Name"] for o in result.objects] == ["Alice Adams", "Bob Brown"]
    alice = result.objects[0]
    assert (alice["Alias"], alice["PrimarySmtpAddress"], alice["RecipientTypeDetails"]) == \
        ("alice", "alice@contoso.com", "UserMailbox")
    assert multi(alice["EmailAddresses"]) == ["SMTP:alice@contoso.com"]
    assert alice["Identity"] == "contoso.com/Users/Alice Adams"
    assert result.output[0].types[0] == "Microsoft.Exchange.Data.Directory.Management.Mailbox"
    # The directory is the organisation's: the same from every Mailbox server.
    assert [o["Name"] for o in call(ex02, "Get-Mailbox").clean().objects] == ["Alice Adams", "Bob Brown"]


@pytest.mark.parametrize("identity", ["Alice Adams", "alice", "alice@contoso.com", "ALICE@CONTOSO.COM"])
def test_identity_by_name_alias_or_address(ex01, identity):
    assert call(ex01, "Get-Mailbox", Identity=identity).clean().one["Name"] == "Alice Adams"
    assert call(ex01, "Get-Recipient", identity).clean().one["Name"] == "Alice Adams"


def test_unknown_recipient(lab, ex01):
    for command, task in (("Get-Mailbox", "GetMailbox"), ("Get-Recipient", "GetRecipient")):
        error = rejected(lab, ex01, command, Identity="nobody@contoso.com")
        assert_exchange_error(error, "ManagementObjectNotFoundException",
                              f"Microsoft.Exchange.Management.RecipientTasks.{task}")


def test_result_size(lab, ex01):
    assert len(call(ex01, "Get-Recipient", ResultSize=1).clean().output) == 1
    assert len(call(ex01, "Get-Recipient", ResultSize="Unlimited").clean().output) == 2
    error = refused(lab, ex01, "Get-Mailbox", ResultSize=0)
    assert_binding_error(error, "ParameterArgumentValidationError",
                         "Microsoft.Exchange.Management.RecipientTasks.GetMailbox", "ResultSize",
                         reason="ParameterBindingValidationException")


def test_recipient_records_are_reduced_recipients(ex01):
    result = call(ex01, "Get-Recipient", Identity="bob").clean()
    assert result.output[0].types[0] == "Microsoft.Exchange.Data.Directory.Management.ReducedRecipient"
    assert result.one["RecipientType"] == "UserMailbox"


@pytest.mark.parametrize("command", ["Get-Mailbox", "Get-Recipient"])
def test_not_on_an_edge_server(lab, edge, command):
    error = refused(lab, edge, command)
    assert exception_type(error) == "System.Management.Automation.CommandNotFoundException"
    assert error.fq_error == "CommandNotFoundException"
    names = [str(c) for c in call(edge, "Get-Command", Name="Get-*").clean().output]
    assert command not in names and "Get-RemoteDomain" in names

"""The recipient filter
(docs/docsite/rst/exchange_behaviour.rst, "The recipient filter"):
Get-/Set-RecipientFilterConfig through the management endpoint."""

from __future__ import annotations

import pytest
from exchange_checks import (
    UNCHANGED,
    assert_binding_error,
    assert_exchange_error,
    call,
    category,
    exception_message,
    multi,
    refused,
    unchanged,
)

from clients import exchange_pool

TASKS = "Microsoft.Exchange.Management.SystemConfigurationTasks."
DEFAULTS = {
    "Enabled": True,
    "ExternalMailEnabled": True,
    "InternalMailEnabled": False,
    "BlockListEnabled": False,
    "RecipientValidationEnabled": False,
}


def config(pool):
    return call(pool, "Get-RecipientFilterConfig").clean().one


def blocked(pool):
    return multi(config(pool)["BlockedRecipients"])


def set_blocked(pool, value):
    return call(pool, "Set-RecipientFilterConfig", BlockedRecipients=value)


@pytest.fixture
def no_blocked(ex01):
    """Start and end a test with an empty BlockedRecipients list."""
    call(ex01, "Set-RecipientFilterConfig", BlockedRecipients=None, WarningAction="SilentlyContinue")
    yield
    call(ex01, "Set-RecipientFilterConfig", BlockedRecipients=None, WarningAction="SilentlyContinue")


# ---------------------------------------------------------------------------------------------- defaults
@pytest.fixture(scope="module", autouse=True)
def pristine(lab):
    """Each server's recipient filter as the lab started, read before any test of this module changes it."""
    results = {}
    for server in ("EX01", "EDGE01"):
        with exchange_pool(lab, server) as pool:
            results[server] = call(pool, "Get-RecipientFilterConfig").clean()
    return results


@pytest.mark.parametrize("server", ["EX01", "EDGE01"])
def test_defaults_as_setup_leaves_them(pristine, server):
    result = pristine[server]
    obj = result.one
    assert {k: obj[k] for k in DEFAULTS} == DEFAULTS
    assert multi(obj["BlockedRecipients"]) == []
    assert obj["Name"] == obj["Identity"] == "RecipientFilterConfig"
    assert str(result.output[0]) == "RecipientFilterConfig"
    assert result.output[0].types[0] == "Microsoft.Exchange.Data.Directory.SystemConfiguration.RecipientFilterConfig"


def test_there_is_no_identity_parameter(lab, ex01):
    for command in ("Get-RecipientFilterConfig", "Set-RecipientFilterConfig"):
        error = refused(lab, ex01, command, Identity="RecipientFilterConfig")
        assert_binding_error(error, "NamedParameterNotFound", TASKS + command.replace("-", ""), "Identity")
    error = refused(lab, ex01, "Set-RecipientFilterConfig", "RecipientFilterConfig")
    assert_binding_error(error, "PositionalParameterNotFound", TASKS + "SetRecipientFilterConfig")


# ---------------------------------------------------------------------------------------------- switches
@pytest.mark.parametrize("parameter", sorted(DEFAULTS))
def test_set_each_switch_and_read_back(lab, ex01, parameter):
    current = config(ex01)[parameter]
    mark = lab.mark()
    result = call(ex01, "Set-RecipientFilterConfig", **{parameter: not current}).clean()
    assert result.output == []
    assert config(ex01)[parameter] is (not current)
    [entry] = lab.mutating_since(mark)
    assert entry["outcome"] == "completed"
    unchanged(lab, ex01, "RecipientFilterConfig", "Set-RecipientFilterConfig", **{parameter: not current})
    call(ex01, "Set-RecipientFilterConfig", **{parameter: current}).clean()


def test_what_if_changes_nothing(lab, ex01):
    before = lab.state()
    mark = lab.mark()
    result = call(ex01, "Set-RecipientFilterConfig", RecipientValidationEnabled=True, BlockListEnabled=True,
                  BlockedRecipients=["whatif@contoso.com"], WhatIf=True)
    assert result.completed and not result.errors and not result.warnings
    assert lab.state() == before
    assert lab.mutating_since(mark) == []


@pytest.mark.parametrize(("parameter", "value"), [("Enabled", "true"), ("BlockListEnabled", None),
                                                  ("RecipientValidationEnabled", "no")])
def test_switches_take_booleans_only(lab, ex01, parameter, value):
    error = refused(lab, ex01, "Set-RecipientFilterConfig", **{parameter: value})
    assert_binding_error(error, "ParameterArgumentTransformationError", TASKS + "SetRecipientFilterConfig", parameter,
                         reason="ParameterBindingArgumentTransformationException")
    assert "System.Boolean" in exception_message(error)


def test_numbers_are_booleans_too(ex01):
    call(ex01, "Set-RecipientFilterConfig", BlockListEnabled=1).clean()
    assert config(ex01)["BlockListEnabled"] is True
    call(ex01, "Set-RecipientFilterConfig", BlockListEnabled=0).clean()
    assert config(ex01)["BlockListEnabled"] is False


# ---------------------------------------------------------------------------------------------- BlockedRecipients
@pytest.mark.usefixtures("no_blocked")
def test_blocked_recipients_replaced_by_a_list(ex01):
    set_blocked(ex01, ["a@contoso.com", "b@fabrikam.com"]).clean()
    assert blocked(ex01) == ["a@contoso.com", "b@fabrikam.com"]
    set_blocked(ex01, "c@contoso.com").clean()
    assert blocked(ex01) == ["c@contoso.com"]
    set_blocked(ex01, None).clean()
    assert blocked(ex01) == []


@pytest.mark.usefixtures("no_blocked")
@pytest.mark.parametrize(("add", "remove"), [("Add", "Remove"), ("+", "-"), ("add", "REMOVE")])
def test_blocked_recipients_add_and_remove(lab, ex01, add, remove):
    set_blocked(ex01, ["a@contoso.com"]).clean()
    set_blocked(ex01, {add: ["b@contoso.com", "c@contoso.com"]}).clean()
    assert blocked(ex01) == ["a@contoso.com", "b@contoso.com", "c@contoso.com"]
    set_blocked(ex01, {remove: "b@contoso.com"}).clean()
    assert blocked(ex01) == ["a@contoso.com", "c@contoso.com"]
    set_blocked(ex01, {add: "d@contoso.com", remove: "a@contoso.com"}).clean()
    assert blocked(ex01) == ["c@contoso.com", "d@contoso.com"]


@pytest.mark.usefixtures("no_blocked")
def test_adding_present_and_removing_absent_values_is_silently_ignored(lab, ex01):
    set_blocked(ex01, ["a@contoso.com", "b@contoso.com"]).clean()
    for value in ({"Add": "a@contoso.com"}, {"Add": "A@Contoso.com"}, {"Remove": "zz@contoso.com"},
                  {"Add": "b@contoso.com", "Remove": "absent@contoso.com"}):
        unchanged(lab, ex01, "RecipientFilterConfig", "Set-RecipientFilterConfig", BlockedRecipients=value)
    assert blocked(ex01) == ["a@contoso.com", "b@contoso.com"]
    # Partly present: the new value is added once, the present one is left alone.
    set_blocked(ex01, {"Add": ["a@contoso.com", "c@contoso.com"]}).clean()
    assert blocked(ex01) == ["a@contoso.com", "b@contoso.com", "c@contoso.com"]


@pytest.mark.usefixtures("no_blocked")
def test_blocked_recipients_bad_addresses_change_nothing(lab, ex01):
    set_blocked(ex01, ["a@contoso.com"]).clean()
    for value in (["not an address"], {"Add": "nobody"}, ["ok@contoso.com", "@contoso.com"], {"Add": "x@"}):
        error = refused(lab, ex01, "Set-RecipientFilterConfig", BlockedRecipients=value)
        assert_binding_error(error, "ParameterArgumentTransformationError", TASKS + "SetRecipientFilterConfig",
                             "BlockedRecipients", reason="ParameterBindingArgumentTransformationException")
        assert category(error) == "InvalidData"
    assert blocked(ex01) == ["a@contoso.com"]


def test_blocked_recipients_hashtable_with_another_key_is_refused(lab, ex01):
    error = refused(lab, ex01, "Set-RecipientFilterConfig", BlockedRecipients={"Replace": "a@contoso.com"})
    assert_binding_error(error, "ParameterArgumentTransformationError", TASKS + "SetRecipientFilterConfig",
                         "BlockedRecipients", reason="ParameterBindingArgumentTransformationException")


@pytest.mark.usefixtures("no_blocked")
def test_blocked_recipients_at_most_800(lab, ex01):
    addresses = [f"user{i}@contoso.com" for i in range(800)]
    set_blocked(ex01, addresses).clean()
    assert len(blocked(ex01)) == 800
    # The limit is the stored property's: replacing with 801 and adding the 801st fail alike.
    for value in ([*addresses, "one.more@contoso.com"], {"Add": "one.more@contoso.com"}):
        error = refused(lab, ex01, "Set-RecipientFilterConfig", BlockedRecipients=value)
        assert_exchange_error(error, "DataValidationException", TASKS + "SetRecipientFilterConfig")
        assert "800" in exception_message(error)
    assert len(blocked(ex01)) == 800
    # Swapping one for another stays within the limit.
    set_blocked(ex01, {"Add": "one.more@contoso.com", "Remove": "user0@contoso.com"}).clean()
    assert len(blocked(ex01)) == 800 and "one.more@contoso.com" in blocked(ex01)


# ---------------------------------------------------------------------------------------------- where it lives
@pytest.mark.usefixtures("no_blocked")
def test_one_object_for_the_organisation(ex01, ex02):
    call(ex01, "Set-RecipientFilterConfig", RecipientValidationEnabled=True,
         BlockedRecipients=["shared@contoso.com"]).clean()
    seen = config(ex02)
    assert seen["RecipientValidationEnabled"] is True
    assert multi(seen["BlockedRecipients"]) == ["shared@contoso.com"]
    assert seen["Guid"] == config(ex01)["Guid"]
    call(ex02, "Set-RecipientFilterConfig", RecipientValidationEnabled=False).clean()
    assert config(ex01)["RecipientValidationEnabled"] is False


def test_a_subscribed_edge_keeps_its_own_recipient_filter(lab, ex01, edge):
    mark = lab.mark()
    call(edge, "Set-RecipientFilterConfig", RecipientValidationEnabled=True, BlockListEnabled=True,
         BlockedRecipients=["edge@contoso.com"]).clean()
    [entry] = lab.mutating_since(mark)
    assert (entry["server"], entry["outcome"]) == ("EDGE01", "completed")
    on_edge = config(edge)
    assert on_edge["RecipientValidationEnabled"] is True and on_edge["BlockListEnabled"] is True
    assert multi(on_edge["BlockedRecipients"]) == ["edge@contoso.com"]
    in_org = config(ex01)
    assert "edge@contoso.com" not in multi(in_org["BlockedRecipients"])
    assert in_org["Guid"] != on_edge["Guid"]
    # And the organisation's changes do not reach the Edge's copy.
    call(ex01, "Set-RecipientFilterConfig", InternalMailEnabled=True).clean()
    assert config(edge)["InternalMailEnabled"] is False
    call(ex01, "Set-RecipientFilterConfig", InternalMailEnabled=False).clean()


def test_unchanged_warning_names_the_object(lab, ex01):
    current = config(ex01)["Enabled"]
    result = call(ex01, "Set-RecipientFilterConfig", Enabled=current)
    assert result.warnings == [UNCHANGED.format("RecipientFilterConfig")]

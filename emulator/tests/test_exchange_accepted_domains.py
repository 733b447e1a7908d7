"""Accepted domains
(docs/docsite/rst/exchange_behaviour.rst, "Accepted domains"):
Get-/Set-/New-/Remove-AcceptedDomain; AddressBookEnabled, which
decides whether recipient validation covers a domain, defaults per DomainType."""

from __future__ import annotations

import pytest
from exchange_checks import (
    UNCHANGED,
    assert_binding_error,
    assert_exchange_error,
    call,
    exception_message,
    exception_type,
    refused,
    rejected,
    unchanged,
)

from clients import management_pool

TASKS = "Microsoft.Exchange.Management.SystemConfigurationTasks."


@pytest.fixture(scope="module", autouse=True)
def pristine(lab):
    """The accepted domains as the lab started, read before any test of this module changes them."""
    with management_pool(lab.server("EX01")["port"]) as pool:
        return call(pool, "Get-AcceptedDomain").clean()


def get(pool, identity):
    return call(pool, "Get-AcceptedDomain", Identity=identity).clean().one


def new_domain(pool, name, domain_name, **parameters):
    return call(pool, "New-AcceptedDomain", Name=name, DomainName=domain_name, **parameters).clean().one


# ---------------------------------------------------------------------------------------------- defaults
def test_setup_domain_and_the_labs_relay_domain(pristine):
    domains = {o["Name"]: o for o in pristine.objects}
    assert set(domains) == {"contoso.com", "fabrikam.com"}
    contoso, fabrikam = domains["contoso.com"], domains["fabrikam.com"]
    assert (contoso["DomainName"], contoso["DomainType"], contoso["Default"], contoso["AddressBookEnabled"]) == \
        ("contoso.com", "Authoritative", True, True)
    assert (fabrikam["DomainType"], fabrikam["Default"], fabrikam["AddressBookEnabled"]) == \
        ("InternalRelay", False, False)
    assert pristine.output[0].types[0] == "Microsoft.Exchange.Data.Directory.SystemConfiguration.AcceptedDomain"


@pytest.mark.parametrize(("number", "domain_type", "read_back", "address_book"), [
    (1, None, "Authoritative", True), (2, "Authoritative", "Authoritative", True),
    (3, "InternalRelay", "InternalRelay", False), (4, "ExternalRelay", "ExternalRelay", False),
    (5, "internalrelay", "InternalRelay", False),
])
def test_address_book_enabled_defaults_per_domain_type(ex01, number, domain_type, read_back, address_book):
    name = f"address-book-{number}.example"
    parameters = {"DomainType": domain_type} if domain_type else {}
    created = new_domain(ex01, name, name, **parameters)
    assert created["DomainType"] == read_back
    assert created["AddressBookEnabled"] is address_book
    assert created["Default"] is False
    assert get(ex01, name)["AddressBookEnabled"] is address_book


# ---------------------------------------------------------------------------------------------- Set-AcceptedDomain
def test_address_book_enabled_set_and_read_back(lab, ex01):
    new_domain(ex01, "relay.example", "relay.example", DomainType="ExternalRelay")
    result = call(ex01, "Set-AcceptedDomain", Identity="relay.example", AddressBookEnabled=True).clean()
    assert result.output == []
    assert get(ex01, "relay.example")["AddressBookEnabled"] is True
    unchanged(lab, ex01, "relay.example", "Set-AcceptedDomain", Identity="relay.example", AddressBookEnabled=True)
    call(ex01, "Set-AcceptedDomain", Identity="relay.example", AddressBookEnabled=False).clean()
    assert get(ex01, "relay.example")["AddressBookEnabled"] is False


def test_domain_type_set_and_read_back(ex01):
    new_domain(ex01, "retype.example", "retype.example")
    call(ex01, "Set-AcceptedDomain", Identity="retype.example", DomainType="InternalRelay").clean()
    assert get(ex01, "retype.example")["DomainType"] == "InternalRelay"


def test_make_default_moves_the_default(ex01, ex02):
    new_domain(ex01, "newdefault.example", "newdefault.example")
    call(ex01, "Set-AcceptedDomain", Identity="newdefault.example", MakeDefault=True).clean()
    defaults = [o["Name"] for o in call(ex02, "Get-AcceptedDomain").clean().objects if o["Default"]]
    assert defaults == ["newdefault.example"]
    call(ex01, "Set-AcceptedDomain", Identity="contoso.com", MakeDefault=True).clean()
    defaults = [o["Name"] for o in call(ex02, "Get-AcceptedDomain").clean().objects if o["Default"]]
    assert defaults == ["contoso.com"]


@pytest.mark.parametrize(("parameter", "value", "error_id"), [
    ("DomainType", "Relay", "ParameterArgumentTransformationError"),
    ("AddressBookEnabled", "maybe", "ParameterArgumentTransformationError"),
    ("AddressBookEnabled", None, "ParameterArgumentTransformationError"),
    ("Name", "n" * 65, "ParameterArgumentValidationError"),
    ("Name", "", "ParameterArgumentValidationError"),
    ("DomainName", "other.example", "NamedParameterNotFound"),
])
def test_set_accepted_domain_bad_values_change_nothing(lab, ex01, parameter, value, error_id):
    error = refused(lab, ex01, "Set-AcceptedDomain", Identity="fabrikam.com", **{parameter: value})
    reason = {"ParameterArgumentTransformationError": "ParameterBindingArgumentTransformationException",
              "ParameterArgumentValidationError": "ParameterBindingValidationException"}.get(
                  error_id, "ParameterBindingException")
    assert_binding_error(error, error_id, TASKS + "SetAcceptedDomain", parameter, reason=reason)


def test_enum_error_lists_the_domain_types(lab, ex01):
    error = refused(lab, ex01, "Set-AcceptedDomain", Identity="fabrikam.com", DomainType="Relay")
    assert "Authoritative, ExternalRelay, InternalRelay" in exception_message(error)


# ---------------------------------------------------------------------------------------------- identity
def test_identity_by_name_guid_and_dn(ex01):
    created = new_domain(ex01, "Named Domain", "named.example")
    for identity in ("Named Domain", "named domain", created["Guid"], created["DistinguishedName"]):
        assert get(ex01, identity)["DomainName"] == "named.example"


def test_the_domain_name_is_not_an_identity(lab, ex01):
    new_domain(ex01, "Not By Domain", "notbydomain.example")
    error = rejected(lab, ex01, "Get-AcceptedDomain", Identity="notbydomain.example")
    assert_exchange_error(error, "ManagementObjectNotFoundException", TASKS + "GetAcceptedDomain")
    error = rejected(lab, ex01, "Set-AcceptedDomain", Identity="notbydomain.example", AddressBookEnabled=False)
    assert_exchange_error(error, "ManagementObjectNotFoundException", TASKS + "SetAcceptedDomain")


def test_wildcards(ex01):
    names = {o["Name"] for o in call(ex01, "Get-AcceptedDomain", Identity="*.com").clean().objects}
    assert {"contoso.com", "fabrikam.com"} <= names
    assert call(ex01, "Get-AcceptedDomain", Identity="nothing*").clean().output == []


# ---------------------------------------------------------------------------------------------- New / Remove
def test_new_accepted_domain_with_subdomains(ex01):
    created = new_domain(ex01, "Subdomains", "*.subs.example")
    assert created["DomainName"] == "*.subs.example" and created["MatchSubDomains"] is True


@pytest.mark.parametrize(("parameters", "check"), [
    ({"Name": "Again", "DomainName": "contoso.com"}, "DuplicateAcceptedDomainException"),
    ({"Name": "Again", "DomainName": "CONTOSO.COM"}, "DuplicateAcceptedDomainException"),
    ({"Name": "fabrikam.com", "DomainName": "fabrikam2.example"}, "DataValidationException"),
    ({"Name": "Everything", "DomainName": "*"}, "DataValidationException"),
])
def test_new_accepted_domain_refused(lab, ex01, parameters, check):
    error = refused(lab, ex01, "New-AcceptedDomain", **parameters)
    assert exception_type(error).endswith("." + check)
    assert error.fq_error.endswith(",Microsoft.Exchange.Management.SystemConfigurationTasks.NewAcceptedDomain")


@pytest.mark.parametrize(("parameters", "error_id"), [
    ({"Name": "Bad", "DomainName": "bad domain"}, "ParameterArgumentTransformationError"),
    ({"Name": "Bad", "DomainName": "bad.example", "DomainType": "Hosted"}, "ParameterArgumentTransformationError"),
    ({"Name": "Bad"}, "MissingMandatoryParameter"),
])
def test_new_accepted_domain_bad_input(lab, ex01, parameters, error_id):
    error = refused(lab, ex01, "New-AcceptedDomain", **parameters)
    assert error.fq_error == f"{error_id},{TASKS}NewAcceptedDomain"


def test_remove_accepted_domain(lab, ex01):
    new_domain(ex01, "gone.example", "gone.example")
    error = refused(lab, ex01, "Remove-AcceptedDomain", Identity="gone.example")
    assert exception_type(error) == "System.Management.Automation.Host.HostException"
    call(ex01, "Remove-AcceptedDomain", Identity="gone.example", Confirm=False).clean()
    rejected(lab, ex01, "Get-AcceptedDomain", Identity="gone.example")


def test_the_default_accepted_domain_cannot_be_removed(lab, ex01):
    error = refused(lab, ex01, "Remove-AcceptedDomain", Identity="contoso.com", Confirm=False)
    assert exception_type(error) == "System.InvalidOperationException"
    assert get(ex01, "contoso.com")["Default"] is True


def test_accepted_domains_are_shared_by_the_organisations_servers(ex01, ex02):
    new_domain(ex02, "shared.example", "shared.example", DomainType="InternalRelay")
    assert get(ex01, "shared.example")["DomainType"] == "InternalRelay"
    call(ex01, "Set-AcceptedDomain", Identity="shared.example", AddressBookEnabled=True).clean()
    assert get(ex02, "shared.example")["AddressBookEnabled"] is True


def test_unchanged_warning_names_the_domain(ex01):
    result = call(ex01, "Set-AcceptedDomain", Identity="fabrikam.com", DomainType="InternalRelay")
    assert result.warnings == [UNCHANGED.format("fabrikam.com")]

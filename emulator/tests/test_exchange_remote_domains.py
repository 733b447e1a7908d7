"""Remote domains
(docs/docsite/rst/exchange_behaviour.rst, "Remote domains"):
Get-/Set-/New-/Remove-RemoteDomain through the management endpoint."""

from __future__ import annotations

import pytest
from exchange_checks import (
    assert_binding_error,
    assert_exchange_error,
    call,
    category,
    comparable,
    exception_message,
    exception_type,
    multi,
    pipeline,
    refused,
    rejected,
    unchanged,
)

from clients import management_pool

TASKS = "Microsoft.Exchange.Management.SystemConfigurationTasks."

# New-domain defaults and the built-in `Default` (`*`) domain's, where they differ
# (docs/docsite/rst/exchange_behaviour.rst, "Properties and defaults").
NEW_DEFAULTS = {
    "IsInternal": False,
    "TargetDeliveryDomain": False,
    "AllowedOOFType": "External",
    "AutoReplyEnabled": True,
    "AutoForwardEnabled": True,
    "DeliveryReportEnabled": True,
    "NDREnabled": True,
    "NDRDiagnosticInfoEnabled": True,
    "MeetingForwardNotificationEnabled": False,
    "ContentType": "MimeHtmlText",
    "DisplaySenderName": True,
    "CharacterSet": None,
    "NonMimeCharacterSet": None,
    "ByteEncoderTypeFor7BitCharsets": "Undefined",
    "PreferredInternetCodePageForShiftJis": "Undefined",
    "RequiredCharsetCoverage": None,
    "TNEFEnabled": None,
    "LineWrapSize": "Unlimited",
    "TrustedMailInboundEnabled": False,
    "TrustedMailOutboundEnabled": False,
    "UseSimpleDisplayName": False,
    "MessageCountThreshold": 2147483647,
}
DEFAULT_DOMAIN = {
    **NEW_DEFAULTS,
    "Name": "Default",
    "DomainName": "*",
    "AutoReplyEnabled": False,
    "AutoForwardEnabled": False,
    "CharacterSet": "iso-8859-1",
    "NonMimeCharacterSet": "iso-8859-1",
}


def new_domain(pool, name, domain_name):
    result = call(pool, "New-RemoteDomain", Name=name, DomainName=domain_name).clean()
    return result.one


def get(pool, identity):
    return call(pool, "Get-RemoteDomain", Identity=identity).clean().one


# ---------------------------------------------------------------------------------------------- defaults
@pytest.fixture(scope="module", autouse=True)
def pristine(lab):
    """The remote domains as the lab started, read before any test of this module changes them."""
    with management_pool(lab.server("EX01")["port"]) as pool:
        return call(pool, "Get-RemoteDomain").clean()


def test_default_domain_as_setup_leaves_it(pristine):
    assert [o["Name"] for o in pristine.objects] == ["Default", "Partner"]
    default = pristine.objects[0]
    assert {k: default[k] for k in DEFAULT_DOMAIN} == DEFAULT_DOMAIN
    assert default["Identity"] == "Default"
    assert pristine.output[0].types[0] == "Microsoft.Exchange.Data.Directory.Management.RemoteDomain"
    assert str(pristine.output[0]) == "Default"
    # The lab's Partner domain: New-RemoteDomain's defaults, then AutoReplyEnabled $false.
    partner = pristine.objects[1]
    assert {k: partner[k] for k in NEW_DEFAULTS} == {**NEW_DEFAULTS, "AutoReplyEnabled": False}


def test_new_remote_domain_returns_the_created_object_with_new_defaults(lab, ex01):
    mark = lab.mark()
    created = new_domain(ex01, "Defaults Probe", "defaults.example")
    assert {k: created[k] for k in NEW_DEFAULTS} == NEW_DEFAULTS
    assert created["Name"] == created["Identity"] == "Defaults Probe"
    assert created["DomainName"] == "defaults.example"
    # New and Default differ exactly where the table says they do.
    assert created["AutoReplyEnabled"] is True and created["AutoForwardEnabled"] is True
    assert comparable(get(ex01, "Defaults Probe")) == comparable(created)
    assert multi(created["ObjectClass"]) == ["top", "msExchDomainContentConfig"]
    [entry] = lab.commands_since(mark, command="New-RemoteDomain")
    assert entry["outcome"] == "completed" and entry["mutates"] is True


# ---------------------------------------------------------------------------------------------- identity
def test_identity_is_the_name_never_the_domain_name(lab, ex01):
    new_domain(ex01, "Identity Probe", "identity.example")
    assert get(ex01, "Identity Probe")["DomainName"] == "identity.example"
    record = rejected(lab, ex01, "Get-RemoteDomain", Identity="identity.example")
    assert_exchange_error(record, "ManagementObjectNotFoundException", TASKS + "GetRemoteDomain", server="EX01")
    assert exception_message(record) == ("The operation couldn't be performed because object 'identity.example' "
                                         "couldn't be found on 'DC01.contoso.com'.")
    assert record.message == "NotSpecified: (:) [Get-RemoteDomain], ManagementObjectNotFoundException"
    assert exception_type(record) == "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException"
    # Set by domain name finds nothing either, and changes nothing.
    record = rejected(lab, ex01, "Set-RemoteDomain", Identity="identity.example", NDREnabled=False)
    assert_exchange_error(record, "ManagementObjectNotFoundException", TASKS + "SetRemoteDomain")


def test_identity_by_guid_and_distinguished_name(ex01):
    created = new_domain(ex01, "Guid Probe", "guid.example")
    assert get(ex01, created["Guid"])["Name"] == "Guid Probe"
    assert get(ex01, created["DistinguishedName"])["Name"] == "Guid Probe"
    assert get(ex01, "guid probe")["Name"] == "Guid Probe"  # names compare case-insensitively


def test_identity_as_positional_argument_and_from_the_pipeline(ex01):
    new_domain(ex01, "Piped Probe", "piped.example")
    assert call(ex01, "Get-RemoteDomain", "Piped Probe").clean().one["DomainName"] == "piped.example"
    result = pipeline(ex01, ("Get-RemoteDomain", {"Identity": "Piped Probe"}),
                      ("Set-RemoteDomain", {"NDREnabled": False}))
    result.clean()
    assert result.output == []
    assert get(ex01, "Piped Probe")["NDREnabled"] is False


def test_wildcards_at_either_end(ex01):
    new_domain(ex01, "Wildcard Alpha", "alpha.example")
    new_domain(ex01, "Wildcard Beta", "beta.example")
    names = sorted(o["Name"] for o in call(ex01, "Get-RemoteDomain", Identity="Wildcard*").clean().objects)
    assert names == ["Wildcard Alpha", "Wildcard Beta"]
    assert [o["Name"] for o in call(ex01, "Get-RemoteDomain", Identity="*card beta").clean().objects] == \
        ["Wildcard Beta"]
    assert "Wildcard Alpha" in [o["Name"] for o in call(ex01, "Get-RemoteDomain", Identity="*card*").clean().objects]
    everything = call(ex01, "Get-RemoteDomain", Identity="*").clean().objects
    assert {o["Name"] for o in everything} >= {"Default", "Partner", "Wildcard Alpha", "Wildcard Beta"}
    # A wildcard that matches nothing returns nothing, without an error.
    assert call(ex01, "Get-RemoteDomain", Identity="NoSuchDomain*").clean().output == []
    # The domain name is not an identity, with wildcards neither.
    assert call(ex01, "Get-RemoteDomain", Identity="alpha.ex*").clean().output == []


def test_set_with_an_identity_matching_several_is_refused(lab, ex01):
    new_domain(ex01, "Ambiguous One", "one.example")
    new_domain(ex01, "Ambiguous Two", "two.example")
    record = rejected(lab, ex01, "Set-RemoteDomain", Identity="Ambiguous*", NDREnabled=False)
    assert_exchange_error(record, "ManagementObjectAmbiguousException", TASKS + "SetRemoteDomain")


# ---------------------------------------------------------------------------------------------- settings
@pytest.mark.parametrize(("parameter", "value", "read_back"), [
    ("IsInternal", True, True),
    ("AutoReplyEnabled", False, False),
    ("AutoForwardEnabled", False, False),
    ("DeliveryReportEnabled", False, False),
    ("NDREnabled", False, False),
    ("NDRDiagnosticInfoEnabled", False, False),
    ("MeetingForwardNotificationEnabled", True, True),
    ("DisplaySenderName", False, False),
    ("TrustedMailInboundEnabled", True, True),
    ("TrustedMailOutboundEnabled", True, True),
    ("UseSimpleDisplayName", True, True),
    ("TargetDeliveryDomain", True, True),
    ("AllowedOOFType", "none", "None"),
    ("AllowedOOFType", "ExternalLegacy", "ExternalLegacy"),
    ("ContentType", "mimetext", "MimeText"),
    ("ContentType", "MimeHtml", "MimeHtml"),
    ("ByteEncoderTypeFor7BitCharsets", "UseQP", "UseQP"),
    ("CharacterSet", "UTF-8", "utf-8"),
    ("NonMimeCharacterSet", "ISO-8859-15", "iso-8859-15"),
    ("PreferredInternetCodePageForShiftJis", 50220, "Iso2022Jp"),
    ("PreferredInternetCodePageForShiftJis", "Esc2022Jp", "Esc2022Jp"),
    ("RequiredCharsetCoverage", 80, 80),
    ("RequiredCharsetCoverage", 0, 0),
    ("TNEFEnabled", True, True),
    ("TNEFEnabled", False, False),
    # Unlimited<int> values arrive as their text over remoting
    # (docs/docsite/rst/exchange_behaviour.rst, "Values as they arrive").
    ("LineWrapSize", 78, "78"),
    ("LineWrapSize", "132", "132"),
    ("LineWrapSize", 1, "1"),
    ("MessageCountThreshold", 100, 100),
])
def test_set_remote_domain_and_read_back(lab, ex01, parameter, value, read_back):
    name = f"Set {parameter} {value}"
    new_domain(ex01, name, f"set-{parameter.lower()}-{str(value).lower()}.example")
    mark = lab.mark()
    result = call(ex01, "Set-RemoteDomain", Identity=name, **{parameter: value}).clean()
    assert result.output == []  # Set returns nothing
    assert get(ex01, name)[parameter] == read_back
    [entry] = lab.mutating_since(mark)
    assert entry["command"] == "Set-RemoteDomain" and entry["outcome"] == "completed"


def test_three_state_and_clearable_values_go_back_to_null(ex01):
    new_domain(ex01, "Nullable Probe", "nullable.example")
    call(ex01, "Set-RemoteDomain", Identity="Nullable Probe", TNEFEnabled=True, RequiredCharsetCoverage=50,
         CharacterSet="utf-8").clean()
    call(ex01, "Set-RemoteDomain", Identity="Nullable Probe", TNEFEnabled=None, RequiredCharsetCoverage=None,
         CharacterSet=None).clean()
    domain = get(ex01, "Nullable Probe")
    assert domain["TNEFEnabled"] is None and domain["RequiredCharsetCoverage"] is None
    assert domain["CharacterSet"] is None
    call(ex01, "Set-RemoteDomain", Identity="Nullable Probe", LineWrapSize=80).clean()
    call(ex01, "Set-RemoteDomain", Identity="Nullable Probe", LineWrapSize="Unlimited").clean()
    assert get(ex01, "Nullable Probe")["LineWrapSize"] == "Unlimited"


def test_rename_keeps_the_domain(ex01, lab):
    new_domain(ex01, "Rename Me", "rename.example")
    call(ex01, "Set-RemoteDomain", Identity="Rename Me", Name="Renamed").clean()
    renamed = get(ex01, "Renamed")
    assert renamed["DomainName"] == "rename.example"
    assert renamed["DistinguishedName"].startswith("CN=Renamed,")
    rejected(lab, ex01, "Get-RemoteDomain", Identity="Rename Me")
    # Renaming onto an existing name is refused.
    error = refused(lab, ex01, "Set-RemoteDomain", Identity="Renamed", Name="Partner")
    assert exception_type(error) == "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException"


def test_the_same_values_again_write_nothing_and_warn(lab, ex01):
    new_domain(ex01, "Unchanged Probe", "unchanged.example")
    call(ex01, "Set-RemoteDomain", Identity="Unchanged Probe", AutoReplyEnabled=False,
         CharacterSet="utf-8").clean()
    mark = lab.mark()
    unchanged(lab, ex01, "Unchanged Probe", "Set-RemoteDomain", Identity="Unchanged Probe", AutoReplyEnabled=False,
              NDREnabled=True)
    # Charsets compare case-insensitively, enums by value, the word Unlimited as a value.
    unchanged(lab, ex01, "Unchanged Probe", "Set-RemoteDomain", Identity="Unchanged Probe", CharacterSet="UTF-8",
              AllowedOOFType="external", LineWrapSize="unlimited")
    assert [e["outcome"] for e in lab.commands_since(mark)] == ["completed", "completed"]
    assert all(e["warnings"] == 1 for e in lab.commands_since(mark))


def test_unchanged_warning_can_be_silenced(lab, ex01):
    before = lab.state()
    result = call(ex01, "Set-RemoteDomain", Identity="Default", NDREnabled=True, WarningAction="SilentlyContinue")
    assert result.completed and result.warnings == [] and not result.errors
    assert lab.state() == before


# ---------------------------------------------------------------------------------------------- coupled settings
def test_allowed_oof_type_internal_legacy_implies_is_internal(ex01):
    new_domain(ex01, "Oof Probe", "oof.example")
    call(ex01, "Set-RemoteDomain", Identity="Oof Probe", AllowedOOFType="InternalLegacy").clean()
    domain = get(ex01, "Oof Probe")
    assert domain["AllowedOOFType"] == "InternalLegacy" and domain["IsInternal"] is True
    for oof_type in ("External", "ExternalLegacy", "None"):
        call(ex01, "Set-RemoteDomain", Identity="Oof Probe", AllowedOOFType=oof_type).clean()
        domain = get(ex01, "Oof Probe")
        assert (domain["AllowedOOFType"], domain["IsInternal"]) == (oof_type, False)
        call(ex01, "Set-RemoteDomain", Identity="Oof Probe", AllowedOOFType="InternalLegacy").clean()
        assert get(ex01, "Oof Probe")["IsInternal"] is True


def test_is_internal_moves_allowed_oof_type(ex01):
    new_domain(ex01, "Internal Probe", "internal.example")
    call(ex01, "Set-RemoteDomain", Identity="Internal Probe", IsInternal=True).clean()
    domain = get(ex01, "Internal Probe")
    assert (domain["IsInternal"], domain["AllowedOOFType"]) == (True, "InternalLegacy")
    call(ex01, "Set-RemoteDomain", Identity="Internal Probe", IsInternal=False).clean()
    domain = get(ex01, "Internal Probe")
    assert domain["IsInternal"] is False and domain["AllowedOOFType"] != "InternalLegacy"


# ---------------------------------------------------------------------------------------------- TargetDeliveryDomain
def test_target_delivery_domain_moves_between_domains(ex01):
    new_domain(ex01, "Target One", "target-one.example")
    new_domain(ex01, "Target Two", "target-two.example")
    call(ex01, "Set-RemoteDomain", Identity="Target One", TargetDeliveryDomain=True).clean()
    call(ex01, "Set-RemoteDomain", Identity="Target Two", TargetDeliveryDomain=True).clean()
    targets = [o["Name"] for o in call(ex01, "Get-RemoteDomain").clean().objects if o["TargetDeliveryDomain"]]
    assert targets == ["Target Two"]


@pytest.mark.parametrize(("name", "domain_name"), [("Default", "*"), ("Target Wildcard", "*.wild.example")])
def test_target_delivery_domain_never_on_wildcard_domains(lab, ex01, name, domain_name):
    if domain_name != "*":
        new_domain(ex01, name, domain_name)
    error = refused(lab, ex01, "Set-RemoteDomain", Identity=name, TargetDeliveryDomain=True)
    assert exception_type(error) == "Microsoft.Exchange.Data.DataValidationException"
    assert get(ex01, name)["TargetDeliveryDomain"] is False


# ---------------------------------------------------------------------------------------------- New-RemoteDomain
def test_new_remote_domain_with_subdomains(ex01):
    created = new_domain(ex01, "Subdomains", "*.subs.example")
    assert created["DomainName"] == "*.subs.example"


@pytest.mark.parametrize(("first", "second"), [
    ("dup.example", "dup.example"),
    ("dup2.example", "*.dup2.example"),
    ("*.dup3.example", "dup3.example"),
    ("dup4.example", "DUP4.example"),
])
def test_duplicate_domains_cannot_coexist(lab, ex01, first, second):
    new_domain(ex01, f"First {first}", first)
    error = refused(lab, ex01, "New-RemoteDomain", Name=f"Second {second}", DomainName=second)
    assert_exchange_error(error, "DuplicateRemoteDomainException", TASKS + "NewRemoteDomain")
    assert exception_message(error) == f"The remote domain {second.lower()} already exists."


def test_a_second_star_domain_is_a_duplicate(lab, ex01):
    error = refused(lab, ex01, "New-RemoteDomain", Name="Another Default", DomainName="*")
    assert_exchange_error(error, "DuplicateRemoteDomainException", TASKS + "NewRemoteDomain")


def test_a_taken_name_is_refused(lab, ex01):
    error = refused(lab, ex01, "New-RemoteDomain", Name="Partner", DomainName="other-partner.example")
    assert exception_type(error) == "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException"


@pytest.mark.parametrize(("parameters", "error_id", "parameter"), [
    ({"Name": "Bad Domain", "DomainName": "not a domain"}, "ParameterArgumentTransformationError", "DomainName"),
    ({"Name": "Bad Domain", "DomainName": "*contoso.com"}, "ParameterArgumentTransformationError", "DomainName"),
    ({"Name": "Bad Domain", "DomainName": "a..b"}, "ParameterArgumentTransformationError", "DomainName"),
    ({"Name": "N" * 65, "DomainName": "long-name.example"}, "ParameterArgumentValidationError", "Name"),
    ({"Name": "", "DomainName": "empty-name.example"}, "ParameterArgumentValidationErrorEmptyStringNotAllowed", "Name"),
    ({"Name": None, "DomainName": "null-name.example"}, "ParameterArgumentValidationErrorNullNotAllowed", "Name"),
    ({"Name": "Null Domain", "DomainName": None}, "ParameterArgumentValidationErrorNullNotAllowed", "DomainName"),
    ({"Name": "No Domain"}, "MissingMandatoryParameter", None),
    ({"DomainName": "no-name.example"}, "MissingMandatoryParameter", None),
    ({"Name": "Set Only", "DomainName": "set-only.example", "NDREnabled": False}, "NamedParameterNotFound",
     "NDREnabled"),
])
def test_new_remote_domain_bad_input(lab, ex01, parameters, error_id, parameter):
    error = refused(lab, ex01, "New-RemoteDomain", **parameters)
    assert error.fq_error == f"{error_id},{TASKS}NewRemoteDomain"
    if parameter:
        assert f"'{parameter}'" in exception_message(error)
    if error_id == "MissingMandatoryParameter":
        missing = "DomainName" if "Name" in parameters else "Name"
        assert exception_message(error).endswith(f"missing mandatory parameters: {missing}.")


# ---------------------------------------------------------------------------------------------- bad Set input
@pytest.mark.parametrize(("parameter", "value", "error_id", "reason"), [
    ("AllowedOOFType", "Sometimes", "ParameterArgumentTransformationError",
     "ParameterBindingArgumentTransformationException"),
    ("ContentType", "Html", "ParameterArgumentTransformationError", "ParameterBindingArgumentTransformationException"),
    ("ByteEncoderTypeFor7BitCharsets", "UseUU", "ParameterArgumentTransformationError",
     "ParameterBindingArgumentTransformationException"),
    ("PreferredInternetCodePageForShiftJis", 932, "ParameterArgumentTransformationError",
     "ParameterBindingArgumentTransformationException"),
    ("NDREnabled", "yes", "ParameterArgumentTransformationError", "ParameterBindingArgumentTransformationException"),
    ("NDREnabled", None, "ParameterArgumentTransformationError", "ParameterBindingArgumentTransformationException"),
    ("RequiredCharsetCoverage", 101, "ParameterArgumentValidationError", "ParameterBindingValidationException"),
    ("RequiredCharsetCoverage", -1, "ParameterArgumentValidationError", "ParameterBindingValidationException"),
    ("RequiredCharsetCoverage", "most", "ParameterArgumentTransformationError",
     "ParameterBindingArgumentTransformationException"),
    ("LineWrapSize", 133, "ParameterArgumentValidationError", "ParameterBindingValidationException"),
    # 1-132 or Unlimited, Microsoft's 0-132 notwithstanding
    # (docs/docsite/rst/exchange_behaviour.rst, "Properties and defaults").
    ("LineWrapSize", 0, "ParameterArgumentValidationError", "ParameterBindingValidationException"),
    ("LineWrapSize", "wide", "ParameterArgumentTransformationError",
     "ParameterBindingArgumentTransformationException"),
    ("CharacterSet", "klingon-1", "ParameterArgumentValidationError", "ParameterBindingValidationException"),
    ("Name", "N" * 65, "ParameterArgumentValidationError", "ParameterBindingValidationException"),
    ("Name", "", "ParameterArgumentValidationError", "ParameterBindingValidationException"),
    ("Name", None, "ParameterArgumentValidationError", "ParameterBindingValidationException"),
])
def test_set_remote_domain_bad_values_change_nothing(lab, ex01, parameter, value, error_id, reason):
    error = refused(lab, ex01, "Set-RemoteDomain", Identity="Partner", **{parameter: value})
    assert_binding_error(error, error_id, TASKS + "SetRemoteDomain", parameter, reason=reason)
    assert category(error) == "InvalidData"
    assert error.activity == "Set-RemoteDomain"


def test_enum_errors_list_the_valid_names(lab, ex01):
    error = refused(lab, ex01, "Set-RemoteDomain", Identity="Partner", AllowedOOFType="Sometimes")
    assert "External, ExternalLegacy, InternalLegacy, None" in exception_message(error)


def test_there_is_no_domain_name_on_set(lab, ex01):
    error = refused(lab, ex01, "Set-RemoteDomain", Identity="Partner", DomainName="partner2.example")
    assert_binding_error(error, "NamedParameterNotFound", TASKS + "SetRemoteDomain", "DomainName")
    assert category(error) == "InvalidArgument"
    assert get(ex01, "Partner")["DomainName"] == "partner.example"


def test_set_without_identity_is_refused(lab, ex01):
    error = refused(lab, ex01, "Set-RemoteDomain", NDREnabled=False)
    assert_binding_error(error, "MissingMandatoryParameter", TASKS + "SetRemoteDomain")
    assert "Identity" in exception_message(error)


def test_a_bad_value_among_good_ones_changes_nothing(lab, ex01):
    error = refused(lab, ex01, "Set-RemoteDomain", Identity="Partner", NDREnabled=False, LineWrapSize=500)
    assert "'LineWrapSize'" in exception_message(error)
    assert get(ex01, "Partner")["NDREnabled"] is True


# ---------------------------------------------------------------------------------------------- Remove-RemoteDomain
def test_remove_needs_confirm_false(lab, ex01):
    new_domain(ex01, "Remove Probe", "remove.example")
    error = refused(lab, ex01, "Remove-RemoteDomain", Identity="Remove Probe")
    assert exception_type(error) == "System.Management.Automation.Host.HostException"
    assert get(ex01, "Remove Probe")["DomainName"] == "remove.example"
    mark = lab.mark()
    result = call(ex01, "Remove-RemoteDomain", Identity="Remove Probe", Confirm=False).clean()
    assert result.output == []
    rejected(lab, ex01, "Get-RemoteDomain", Identity="Remove Probe")
    assert [e["outcome"] for e in lab.mutating_since(mark)] == ["completed"]


def test_remove_what_if_changes_nothing(lab, ex01):
    new_domain(ex01, "WhatIf Probe", "whatif.example")
    before = lab.state()
    mark = lab.mark()
    result = call(ex01, "Remove-RemoteDomain", Identity="WhatIf Probe", WhatIf=True)
    assert result.completed and not result.errors and result.output == []
    assert lab.state() == before
    [entry] = lab.commands_since(mark)
    assert entry["what_if"] is True and lab.mutating_since(mark) == []


def test_remove_from_the_pipeline(lab, ex01):
    new_domain(ex01, "Piped Removal", "piped-removal.example")
    result = pipeline(ex01, ("Get-RemoteDomain", {"Identity": "Piped Removal"}),
                      ("Remove-RemoteDomain", {"Confirm": False}))
    assert result.clean().output == []
    assert "Piped Removal" not in [o["Name"] for o in call(ex01, "Get-RemoteDomain").clean().objects]


def test_the_star_domain_cannot_be_removed(lab, ex01):
    error = refused(lab, ex01, "Remove-RemoteDomain", Identity="Default", Confirm=False)
    assert_exchange_error(error, "CannotRemoveDefaultRemoteDomainException", TASKS + "RemoveRemoteDomain")
    assert get(ex01, "Default")["DomainName"] == "*"


def test_remove_unknown_domain_is_a_non_terminating_error(lab, ex01):
    error = rejected(lab, ex01, "Remove-RemoteDomain", Identity="No Such Domain", Confirm=False)
    assert_exchange_error(error, "ManagementObjectNotFoundException", TASKS + "RemoveRemoteDomain")


def test_changing_a_domain_name_is_remove_and_create(ex01):
    new_domain(ex01, "Moving", "old.example")
    call(ex01, "Remove-RemoteDomain", Identity="Moving", Confirm=False).clean()
    assert new_domain(ex01, "Moving", "new.example")["DomainName"] == "new.example"


# ---------------------------------------------------------------------------------------------- organisation-wide
def test_remote_domains_are_shared_by_the_organisations_servers(ex01, ex02):
    new_domain(ex01, "Shared Probe", "shared.example")
    assert get(ex02, "Shared Probe")["DomainName"] == "shared.example"
    call(ex02, "Set-RemoteDomain", Identity="Shared Probe", AutoForwardEnabled=False).clean()
    assert get(ex01, "Shared Probe")["AutoForwardEnabled"] is False
    call(ex02, "Remove-RemoteDomain", Identity="Shared Probe", Confirm=False).clean()
    assert call(ex01, "Get-RemoteDomain", Identity="Shared*").clean().output == []


def test_error_record_names_the_server_that_ran_the_command(lab, ex02):
    error = rejected(lab, ex02, "Get-RemoteDomain", Identity="Nowhere")
    assert error.fq_error.startswith("[Server=EX02,")

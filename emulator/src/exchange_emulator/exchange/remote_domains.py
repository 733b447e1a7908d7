"""Remote domains: Get-/Set-/New-/Remove-RemoteDomain (docs/docsite/rst/exchange_behaviour.rst, "Remote domains")."""

from __future__ import annotations

import codecs
import typing

from . import errors
from .cmdlet import Cmdlet, Invocation, Parameter
from .objects import (
    DOMAIN_CONTROLLER,
    ad_properties,
    commit,
    each_resolved,
    get_objects,
    make_sole,
    new_ad_object,
    record,
    remove_objects,
)
from .organization import Obj, ServerContext
from .parameters import (
    Bool,
    Enum,
    Identity,
    Int,
    NullableBool,
    SmtpDomain,
    String,
    Unlimited,
    ValidationError,
)
from .records import Record

NOUN = "RemoteDomain"
CONTAINER = ("Internet Message Formats", "Global Settings")
RBAC = ("Remote and Accepted Domains",)
TASKS = "Microsoft.Exchange.Management.SystemConfigurationTasks."

ALLOWED_OOF_TYPE = Enum("Microsoft.Exchange.Data.Directory.SystemConfiguration.AllowedOOFType",
                        ["External", "ExternalLegacy", "InternalLegacy", "None"])
CONTENT_TYPE = Enum("Microsoft.Exchange.Data.Directory.SystemConfiguration.ContentType",
                    ["MimeHtmlText", "MimeText", "MimeHtml"])
BYTE_ENCODER = Enum("Microsoft.Exchange.Data.Directory.SystemConfiguration.ByteEncoderTypeFor7BitCharsetsEnum",
                    ["Use7Bit", "UseQP", "UseBase64", "UseQPHtmlDetectTextPlain", "UseBase64HtmlDetectTextPlain",
                     "UseQPHtml7BitTextPlain", "UseBase64Html7BitTextPlain", "Undefined"])
SHIFT_JIS = Enum("Microsoft.Exchange.Data.Directory.SystemConfiguration.PreferredInternetCodePageForShiftJisEnum",
                 ["Undefined", "Iso2022Jp", "Esc2022Jp", "Sio2022Jp"],
                 numbers={0: "Undefined", 50220: "Iso2022Jp", 50221: "Esc2022Jp", 50222: "Sio2022Jp"})


class CharacterSet(String):
    """A charset name Exchange knows; empty or $null clears it. Read back lower-case."""

    def convert(self, value: typing.Any) -> typing.Any:
        text = super().convert(value).strip()
        if not text:
            return None
        try:
            codecs.lookup(text)
        except LookupError:
            raise ValidationError(f"The character set '{text}' isn't valid.") from None
        return text.lower()


BOOL_SETTINGS = (
    "IsInternal", "TargetDeliveryDomain", "AutoReplyEnabled", "AutoForwardEnabled", "DeliveryReportEnabled",
    "NDREnabled", "NDRDiagnosticInfoEnabled", "MeetingForwardNotificationEnabled", "DisplaySenderName",
    "TrustedMailInboundEnabled", "TrustedMailOutboundEnabled", "UseSimpleDisplayName",
)
SETTINGS: tuple[Parameter, ...] = (
    *(Parameter(name, Bool()) for name in BOOL_SETTINGS),
    Parameter("AllowedOOFType", ALLOWED_OOF_TYPE),
    Parameter("ContentType", CONTENT_TYPE),
    Parameter("ByteEncoderTypeFor7BitCharsets", BYTE_ENCODER),
    Parameter("CharacterSet", CharacterSet()),
    Parameter("NonMimeCharacterSet", CharacterSet()),
    Parameter("PreferredInternetCodePageForShiftJis", SHIFT_JIS),
    Parameter("RequiredCharsetCoverage", Int(0, 100, nullable=True)),
    Parameter("TNEFEnabled", NullableBool()),
    # 1-132 or Unlimited; Microsoft's reference says 0-132, the observed range wins
    # (docs/docsite/rst/exchange_behaviour.rst, "Properties and defaults").
    Parameter("LineWrapSize", Unlimited(1, 132)),
    Parameter("MessageCountThreshold", Int(0, 2147483647)),
)
SETTING_NAMES = tuple(p.name for p in SETTINGS)


def new_remote_domain(ctx: ServerContext, name: str, domain_name: str, default: bool = False) -> Obj:
    """A remote domain as New-RemoteDomain (or, for `*`, setup) creates it
    (docs/docsite/rst/exchange_behaviour.rst, "Properties and defaults")."""
    obj = new_ad_object(ctx, name, *CONTAINER)
    obj.update({
        "DomainName": domain_name,
        "IsInternal": False,
        "TargetDeliveryDomain": False,
        "ByteEncoderTypeFor7BitCharsets": "Undefined",
        "CharacterSet": "iso-8859-1" if default else None,
        "NonMimeCharacterSet": "iso-8859-1" if default else None,
        "AllowedOOFType": "External",
        "AutoReplyEnabled": not default,
        "AutoForwardEnabled": not default,
        "DeliveryReportEnabled": True,
        "NDREnabled": True,
        "MeetingForwardNotificationEnabled": False,
        "ContentType": "MimeHtmlText",
        "DisplaySenderName": True,
        "PreferredInternetCodePageForShiftJis": "Undefined",
        "RequiredCharsetCoverage": None,
        "TNEFEnabled": None,
        "LineWrapSize": "Unlimited",
        "TrustedMailOutboundEnabled": False,
        "TrustedMailInboundEnabled": False,
        "UseSimpleDisplayName": False,
        "NDRDiagnosticInfoEnabled": True,
        "MessageCountThreshold": 2147483647,
    })
    return obj


def to_record(ctx: ServerContext, obj: Obj) -> Record:
    props = {k: obj[k] for k in (
        "DomainName", "IsInternal", "TargetDeliveryDomain", "ByteEncoderTypeFor7BitCharsets", "CharacterSet",
        "NonMimeCharacterSet", "AllowedOOFType", "AutoReplyEnabled", "AutoForwardEnabled", "DeliveryReportEnabled",
        "NDREnabled", "MeetingForwardNotificationEnabled", "ContentType", "DisplaySenderName",
        "PreferredInternetCodePageForShiftJis", "RequiredCharsetCoverage", "TNEFEnabled", "LineWrapSize",
        "TrustedMailOutboundEnabled", "TrustedMailInboundEnabled", "UseSimpleDisplayName", "NDRDiagnosticInfoEnabled",
        "MessageCountThreshold")}
    # Unlimited<int> is not a type remoting knows: it arrives as its text, "78" or "Unlimited"
    # (docs/docsite/rst/exchange_behaviour.rst, "Values as they arrive").
    props["LineWrapSize"] = str(props["LineWrapSize"])
    props.update(ad_properties(ctx, obj, "ms-Exch-Domain-Content-Config", ["top", "msExchDomainContentConfig"],
                               exchange_version="0.1 (8.0.535.0)"))
    return record("Microsoft.Exchange.Data.Directory.Management.RemoteDomain",
                  ["Microsoft.Exchange.Data.Directory.Management.ADPresentationObject"], props, obj["Name"])


def domains(ctx: ServerContext, write: bool = False) -> list[Obj]:
    return typing.cast(list[Obj], ctx.directory(NOUN, write=write).setdefault(NOUN, []))


def overlapping(existing: list[Obj], domain_name: str) -> Obj | None:
    """A domain that cannot coexist with `domain_name`: the same, or `x` beside `*.x`."""
    bare = domain_name[2:] if domain_name.startswith("*.") else domain_name
    for obj in existing:
        other = obj["DomainName"].lower()
        other_bare = other[2:] if other.startswith("*.") else other
        if other == domain_name or (domain_name != "*" and other != "*" and other_bare == bare):
            return obj
    return None


def check_target_delivery_domain(obj: Obj) -> None:
    if obj["TargetDeliveryDomain"] and "*" in obj["DomainName"]:
        raise errors.data_validation(
            f"TargetDeliveryDomain can't be set to $true for the remote domain '{obj['Name']}' because its domain "
            f"name '{obj['DomainName']}' contains a wildcard character.")


def couple_oof_and_internal(obj: Obj, inv: Invocation) -> None:
    """AllowedOOFType and IsInternal share storage
    (docs/docsite/rst/exchange_behaviour.rst, "Rules"), reported: IsInternal is applied
    first, AllowedOOFType last, so when both are given the OOF type decides."""
    if "IsInternal" in inv.params:
        if inv.params["IsInternal"]:
            obj["AllowedOOFType"] = "InternalLegacy"
        elif obj["AllowedOOFType"] == "InternalLegacy":
            obj["AllowedOOFType"] = "External"
    if "AllowedOOFType" in inv.params:
        obj["AllowedOOFType"] = inv.params["AllowedOOFType"]
    obj["IsInternal"] = obj["AllowedOOFType"] == "InternalLegacy"


def get_remote_domain(inv: Invocation) -> None:
    get_objects(inv, domains(inv.context), to_record)


def set_remote_domain(inv: Invocation) -> None:
    ctx = inv.context
    all_domains = domains(ctx, write=True)
    for obj in each_resolved(inv, all_domains):
        updated = dict(obj)
        for name in SETTING_NAMES:
            if name in inv.params and name not in ("IsInternal", "AllowedOOFType"):
                updated[name] = inv.params[name]
        couple_oof_and_internal(updated, inv)
        if "Name" in inv.params and inv.params["Name"] != obj["Name"]:
            rename(ctx, all_domains, updated, inv.params["Name"])
        check_target_delivery_domain(updated)
        changed = commit(inv, obj, updated, obj["Name"], f'Setting remote domain "{obj["Name"]}".')
        if changed and updated["TargetDeliveryDomain"]:
            # Only one remote domain can be the target delivery domain.
            make_sole(ctx, all_domains, obj, "TargetDeliveryDomain")


def rename(ctx: ServerContext, all_domains: list[Obj], obj: Obj, name: str) -> None:
    if any(o["Name"].lower() == name.lower() and o["Guid"] != obj["Guid"] for o in all_domains):
        raise name_exists(ctx, name)
    obj["Name"] = name
    obj["DistinguishedName"] = ctx.distinguished_name(name, *CONTAINER)


def name_exists(ctx: ServerContext, name: str) -> errors.CmdletError:
    dn = ctx.distinguished_name(name, *CONTAINER)
    return errors.CmdletError(
        "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException",
        ("Microsoft.Exchange.Data.Directory.ADOperationException",
         "Microsoft.Exchange.Data.Directory.DataSourceOperationException", *errors.LOCALIZED),
        f"Active Directory operation failed on {ctx.domain_controller}. The object '{dn}' already exists.",
    )


def new_remote_domain_cmdlet(inv: Invocation) -> None:
    ctx = inv.context
    all_domains = domains(ctx, write=True)
    name = inv.params["Name"]
    domain_name = inv.params["DomainName"]
    clash = overlapping(all_domains, domain_name)
    if clash is not None:
        raise errors.duplicate(
            "Microsoft.Exchange.Management.SystemConfigurationTasks.DuplicateRemoteDomainException",
            f"The remote domain {domain_name} already exists.")
    if any(o["Name"].lower() == name.lower() for o in all_domains):
        raise name_exists(ctx, name)
    if not inv.should_process(f'Creating remote domain "{name}" with domain name "{domain_name}".'):
        return
    obj = new_remote_domain(ctx, name, domain_name)
    all_domains.append(obj)
    inv.write(to_record(ctx, obj))


def default_is_kept(obj: Obj) -> errors.CmdletError | None:
    if obj["DomainName"] != "*":
        return None
    return errors.CmdletError(
        "Microsoft.Exchange.Management.SystemConfigurationTasks.CannotRemoveDefaultRemoteDomainException",
        errors.LOCALIZED, "The default remote domain can't be removed.", category="InvalidOperation")


def remove_remote_domain(inv: Invocation) -> None:
    remove_objects(inv, domains(inv.context, write=True), "remote domain", default_is_kept)


IDENTITY = Identity("Microsoft.Exchange.Configuration.Tasks.RemoteDomainIdParameter")

CMDLETS = (
    Cmdlet("Get-RemoteDomain", TASKS + "GetRemoteDomain",
           (Parameter("Identity", IDENTITY, position=0, from_pipeline=True), DOMAIN_CONTROLLER),
           get_remote_domain, rbac_roles=(*RBAC, "View-Only Configuration"),
           output_type="Microsoft.Exchange.Data.Directory.Management.RemoteDomain"),
    Cmdlet("Set-RemoteDomain", TASKS + "SetRemoteDomain",
           (Parameter("Identity", IDENTITY, position=0, mandatory=True, from_pipeline=True),
            Parameter("Name", String(min_length=1, max_length=64)), DOMAIN_CONTROLLER, *SETTINGS),
           set_remote_domain, mutates=True, rbac_roles=RBAC),
    Cmdlet("New-RemoteDomain", TASKS + "NewRemoteDomain",
           (Parameter("Name", String(min_length=1, max_length=64), position=0, mandatory=True),
            Parameter("DomainName", SmtpDomain(wildcards=True), mandatory=True), DOMAIN_CONTROLLER),
           new_remote_domain_cmdlet, mutates=True, rbac_roles=RBAC),
    Cmdlet("Remove-RemoteDomain", TASKS + "RemoveRemoteDomain",
           (Parameter("Identity", IDENTITY, position=0, mandatory=True, from_pipeline=True), DOMAIN_CONTROLLER),
           remove_remote_domain, mutates=True, confirm_impact="High", rbac_roles=RBAC),
)

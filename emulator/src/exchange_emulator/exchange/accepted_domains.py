"""Accepted domains: Get-/Set-/New-/Remove-AcceptedDomain (docs/docsite/rst/exchange_behaviour.rst, "Accepted domains").

AddressBookEnabled defaults to true for Authoritative domains and false for relay domains; recipient
validation covers only domains where it is true.
"""

from __future__ import annotations

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
from .parameters import Bool, Enum, Identity, SmtpDomain, String, Switch
from .records import Record

NOUN = "AcceptedDomain"
CONTAINER = ("Accepted Domains", "Transport Settings")
RBAC = ("Remote and Accepted Domains",)
TASKS = "Microsoft.Exchange.Management.SystemConfigurationTasks."
DOMAIN_TYPE = Enum("Microsoft.Exchange.Data.Directory.SystemConfiguration.AcceptedDomainType",
                   ["Authoritative", "ExternalRelay", "InternalRelay"])


def new_accepted_domain(ctx: ServerContext, name: str, domain_name: str, domain_type: str = "Authoritative",
                        default: bool = False) -> Obj:
    obj = new_ad_object(ctx, name, *CONTAINER)
    obj.update({
        "DomainName": domain_name,
        "DomainType": domain_type,
        "AddressBookEnabled": domain_type == "Authoritative",
        "Default": default,
        "MatchSubDomains": domain_name.startswith("*."),
    })
    return obj


def to_record(ctx: ServerContext, obj: Obj) -> Record:
    props: dict[str, typing.Any] = {
        "DomainName": obj["DomainName"],
        "CatchAllRecipientID": None,
        "AddressBookEnabled": obj["AddressBookEnabled"],
        "DomainType": obj["DomainType"],
        "Default": obj["Default"],
        "AuthenticationType": None,
        "LiveIdInstanceType": None,
        "PendingRemoval": False,
        "PendingCompletion": False,
        "FederatedOrganizationLink": None,
        "MailFlowPartner": None,
        "OutboundOnly": False,
        "PendingFederatedAccountNamespace": False,
        "PendingFederatedDomain": False,
        "IsCoexistenceDomain": False,
        "PerimeterDuplicateDetected": False,
        "IsDefaultFederatedDomain": False,
        "EnableNego2Authentication": False,
        "InitialDomain": False,
        "MatchSubDomains": obj["MatchSubDomains"],
    }
    props.update(ad_properties(ctx, obj, "ms-Exch-Accepted-Domain", ["top", "msExchAcceptedDomain"],
                               exchange_version="0.1 (8.0.535.0)"))
    return record("Microsoft.Exchange.Data.Directory.SystemConfiguration.AcceptedDomain", [], props, obj["Name"])


def accepted_domains(ctx: ServerContext, write: bool = False) -> list[Obj]:
    return typing.cast(list[Obj], ctx.directory(NOUN, write=write).setdefault(NOUN, []))


def get_accepted_domain(inv: Invocation) -> None:
    # Name, GUID or DN, as for Set/Remove; not DomainName (Microsoft's Get-AcceptedDomain reference).
    get_objects(inv, accepted_domains(inv.context), to_record)


def set_accepted_domain(inv: Invocation) -> None:
    ctx = inv.context
    everything = accepted_domains(ctx, write=True)
    for obj in each_resolved(inv, everything):
        updated = dict(obj)
        for name in ("AddressBookEnabled", "DomainType", "Name", "MatchSubDomains"):
            if name in inv.params:
                updated[name] = inv.params[name]
        if inv.params.get("MakeDefault"):
            updated["Default"] = True
        if updated["Name"] != obj["Name"]:
            if any(o["Name"].lower() == updated["Name"].lower() for o in everything if o is not obj):
                raise errors.data_validation(f"An accepted domain named '{updated['Name']}' already exists.")
            updated["DistinguishedName"] = ctx.distinguished_name(updated["Name"], *CONTAINER)
        if commit(inv, obj, updated, obj["Name"], f'Setting accepted domain "{obj["Name"]}".') and obj["Default"]:
            make_sole(ctx, everything, obj, "Default")


def new_accepted_domain_cmdlet(inv: Invocation) -> None:
    ctx = inv.context
    everything = accepted_domains(ctx, write=True)
    name, domain_name = inv.params["Name"], inv.params["DomainName"]
    if domain_name == "*":
        raise errors.data_validation("The domain name '*' isn't valid for an accepted domain.")
    if any(o["DomainName"].lower() == domain_name for o in everything):
        raise errors.duplicate(TASKS + "DuplicateAcceptedDomainException",
                               f"The accepted domain {domain_name} already exists.")
    if any(o["Name"].lower() == name.lower() for o in everything):
        raise errors.data_validation(f"An accepted domain named '{name}' already exists.")
    if not inv.should_process(f'Creating accepted domain "{name}" with domain name "{domain_name}".'):
        return
    obj = new_accepted_domain(ctx, name, domain_name, inv.params.get("DomainType", "Authoritative"))
    everything.append(obj)
    inv.write(to_record(ctx, obj))


def default_is_kept(obj: Obj) -> errors.CmdletError | None:
    if not obj["Default"]:
        return None
    return errors.invalid_operation(
        f"The accepted domain '{obj['Name']}' is the default domain and can't be removed. Make another "
        "accepted domain the default first.")


def remove_accepted_domain(inv: Invocation) -> None:
    remove_objects(inv, accepted_domains(inv.context, write=True), "accepted domain", default_is_kept)


IDENTITY = Identity("Microsoft.Exchange.Configuration.Tasks.AcceptedDomainIdParameter")

CMDLETS = (
    Cmdlet("Get-AcceptedDomain", TASKS + "GetAcceptedDomain",
           (Parameter("Identity", IDENTITY, position=0, from_pipeline=True), DOMAIN_CONTROLLER),
           get_accepted_domain, rbac_roles=(*RBAC, "View-Only Configuration")),
    Cmdlet("Set-AcceptedDomain", TASKS + "SetAcceptedDomain",
           (Parameter("Identity", IDENTITY, position=0, mandatory=True, from_pipeline=True), DOMAIN_CONTROLLER,
            Parameter("AddressBookEnabled", Bool()), Parameter("DomainType", DOMAIN_TYPE),
            Parameter("MakeDefault", Switch()), Parameter("MatchSubDomains", Bool()),
            Parameter("Name", String(min_length=1, max_length=64))),
           set_accepted_domain, mutates=True, rbac_roles=RBAC),
    Cmdlet("New-AcceptedDomain", TASKS + "NewAcceptedDomain",
           (Parameter("Name", String(min_length=1, max_length=64), position=0, mandatory=True),
            Parameter("DomainName", SmtpDomain(wildcards=True), mandatory=True),
            Parameter("DomainType", DOMAIN_TYPE), DOMAIN_CONTROLLER),
           new_accepted_domain_cmdlet, mutates=True, rbac_roles=RBAC),
    Cmdlet("Remove-AcceptedDomain", TASKS + "RemoveAcceptedDomain",
           (Parameter("Identity", IDENTITY, position=0, mandatory=True, from_pipeline=True), DOMAIN_CONTROLLER),
           remove_accepted_domain, mutates=True, confirm_impact="High", rbac_roles=RBAC),
)

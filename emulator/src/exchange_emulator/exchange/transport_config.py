"""Organisation transport settings: Get-/Set-TransportConfig
(docs/docsite/rst/exchange_behaviour.rst, "Organisation transport settings").

`InternalSMTPServers` is the list of internal relays Sender ID and connection filtering skip; it is
multi-valued IP ranges (single address, CIDR, start-end), replaced or changed with Add/Remove.
"""

from __future__ import annotations

import typing

from .cmdlet import Cmdlet, Invocation, Parameter
from .objects import DOMAIN_CONTROLLER, ad_properties, apply, commit, new_ad_object, record, singleton
from .organization import Obj, ServerContext
from .parameters import Bool, IPRange, MultiValued, SmtpAddress, SmtpDomain, String, Unlimited
from .records import MultiValued as MultiValuedRecord
from .records import Record

NOUN = "TransportConfig"
NAME = "Transport Settings"
RBAC = ("Organization Transport Settings",)
IP_RANGE_TYPE = ("Microsoft.Exchange.Data.IPRange, Microsoft.Exchange.Data, Version=15.0.0.0, Culture=neutral, "
                 "PublicKeyToken=31bf3856ad364e35")
TEN_MB = "10 MB (10,485,760 bytes)"

SETTINGS = (
    Parameter("InternalSMTPServers", MultiValued(IPRange())),
    Parameter("ExternalDsnSendHtml", Bool()),
    Parameter("InternalDsnSendHtml", Bool()),
    Parameter("ExternalDelayDsnEnabled", Bool()),
    Parameter("InternalDelayDsnEnabled", Bool()),
    Parameter("ExternalDsnReportingAuthority", SmtpDomain()),
    Parameter("InternalDsnReportingAuthority", SmtpDomain()),
    Parameter("ExternalPostmasterAddress", SmtpAddress()),
    Parameter("MaxRecipientEnvelopeLimit", Unlimited(0, 2147483647)),
    Parameter("GenerateCopyOfDSNFor", MultiValued(String())),
)


def new_transport_config(ctx: ServerContext) -> Obj:
    obj = new_ad_object(ctx, NAME)
    obj.update({
        "InternalSMTPServers": [],
        "ExternalDsnSendHtml": True,
        "InternalDsnSendHtml": True,
        "ExternalDelayDsnEnabled": True,
        "InternalDelayDsnEnabled": True,
        "ExternalDsnReportingAuthority": None,
        "InternalDsnReportingAuthority": None,
        "ExternalPostmasterAddress": None,
        "MaxRecipientEnvelopeLimit": 500,
        "GenerateCopyOfDSNFor": [],
    })
    return obj


def config(ctx: ServerContext, write: bool = False) -> Obj:
    return singleton(ctx, NOUN, new_transport_config, write)


def to_record(ctx: ServerContext, obj: Obj) -> Record:
    props: dict[str, typing.Any] = {
        "AddressBookPolicyRoutingEnabled": False,
        "ClearCategories": True,
        "ConvertDisclaimerWrapperToEml": False,
        "DSNConversionMode": "UseExchangeDSNs",
        "ExternalDelayDsnEnabled": obj["ExternalDelayDsnEnabled"],
        "ExternalDsnDefaultLanguage": None,
        "ExternalDsnLanguageDetectionEnabled": True,
        "ExternalDsnMaxMessageAttachSize": TEN_MB,
        "ExternalDsnReportingAuthority": obj["ExternalDsnReportingAuthority"],
        "ExternalDsnSendHtml": obj["ExternalDsnSendHtml"],
        "ExternalPostmasterAddress": obj["ExternalPostmasterAddress"],
        "GenerateCopyOfDSNFor": MultiValuedRecord(list(obj["GenerateCopyOfDSNFor"])),
        "HygieneSuite": "Standard",
        "InternalDelayDsnEnabled": obj["InternalDelayDsnEnabled"],
        "InternalDsnDefaultLanguage": None,
        "InternalDsnLanguageDetectionEnabled": True,
        "InternalDsnMaxMessageAttachSize": TEN_MB,
        "InternalDsnReportingAuthority": obj["InternalDsnReportingAuthority"],
        "InternalDsnSendHtml": obj["InternalDsnSendHtml"],
        "InternalSMTPServers": MultiValuedRecord(list(obj["InternalSMTPServers"]), IP_RANGE_TYPE),
        "JournalingReportNdrTo": "<>",
        "MaxDumpsterSizePerDatabase": "18 MB (18,874,368 bytes)",
        "MaxDumpsterTime": "7.00:00:00",
        "MaxReceiveSize": TEN_MB,
        # Unlimited<int> arrives as its text over remoting, "500" or "Unlimited"
        # (docs/docsite/rst/exchange_behaviour.rst, "Values as they arrive").
        "MaxRecipientEnvelopeLimit": str(obj["MaxRecipientEnvelopeLimit"]),
        "MaxSendSize": TEN_MB,
        "ShadowRedundancyEnabled": True,
        "TLSReceiveDomainSecureList": MultiValuedRecord([]),
        "TLSSendDomainSecureList": MultiValuedRecord([]),
        "VerifySecureSubmitEnabled": False,
        "VoicemailJournalingEnabled": True,
        "Xexch50Enabled": True,
    }
    props.update(ad_properties(ctx, obj, "ms-Exch-Transport-Settings", ["top", "container", "msExchTransportSettings"]))
    props["Identity"] = props["Id"] = NAME
    return record("Microsoft.Exchange.Data.Directory.SystemConfiguration.TransportConfigContainer", [], props, NAME)


def get_config(inv: Invocation) -> None:
    inv.write(to_record(inv.context, config(inv.context)))


def set_config(inv: Invocation) -> None:
    ctx = inv.context
    obj = config(ctx, write=True)
    updated = {k: (list(v) if isinstance(v, list) else v) for k, v in obj.items()}
    apply(updated, inv, [p.name for p in SETTINGS])
    commit(inv, obj, updated, NAME, f'Setting transport configuration "{NAME}".')


CMDLETS = (
    Cmdlet("Get-TransportConfig", "Microsoft.Exchange.Management.SystemConfigurationTasks.GetTransportConfig",
           (DOMAIN_CONTROLLER,), get_config, rbac_roles=(*RBAC, "View-Only Configuration")),
    Cmdlet("Set-TransportConfig", "Microsoft.Exchange.Management.SystemConfigurationTasks.SetTransportConfig",
           (DOMAIN_CONTROLLER, *SETTINGS), set_config, mutates=True, rbac_roles=RBAC),
)

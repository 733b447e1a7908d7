"""The recipient filter: Get-/Set-RecipientFilterConfig
(docs/docsite/rst/exchange_behaviour.rst, "The recipient filter").

One object per organisation, or per Edge server (its AD LDS); identity `RecipientFilterConfig`; no
-Identity parameter. The cmdlets work before the agents are installed; the SMTP front consults the
agent state separately.
"""

from __future__ import annotations

import typing

from . import errors
from .cmdlet import Cmdlet, Invocation, Parameter
from .objects import DOMAIN_CONTROLLER, ad_properties, apply, commit, new_ad_object, record, singleton
from .organization import Obj, ServerContext
from .parameters import Bool, MultiValued, SmtpAddress
from .records import MultiValued as MultiValuedRecord
from .records import Record

NOUN = "RecipientFilterConfig"
NAME = "RecipientFilterConfig"
CONTAINER = ("Message Hygiene", "Transport Settings")
RBAC = ("Transport Hygiene",)
TASKS = "Microsoft.Exchange.Management.SystemConfigurationTasks."
MAX_BLOCKED = 800
SMTP_ADDRESS_TYPE = ("Microsoft.Exchange.Data.SmtpAddress, Microsoft.Exchange.Data, Version=15.0.0.0, Culture=neutral, "
                     "PublicKeyToken=31bf3856ad364e35")

BOOL_SETTINGS = ("Enabled", "ExternalMailEnabled", "InternalMailEnabled", "BlockListEnabled",
                 "RecipientValidationEnabled")
# The 800-entry limit belongs to the stored property, not the parameter: a list replaced and values added
# past it fail alike, when the object is written (set_config).
SETTINGS = (*(Parameter(n, Bool()) for n in BOOL_SETTINGS),
            Parameter("BlockedRecipients", MultiValued(SmtpAddress())))


def new_recipient_filter_config(ctx: ServerContext) -> Obj:
    obj = new_ad_object(ctx, NAME, *CONTAINER)
    obj.update({"Enabled": True, "ExternalMailEnabled": True, "InternalMailEnabled": False,
                "BlockListEnabled": False, "RecipientValidationEnabled": False, "BlockedRecipients": []})
    return obj


def config(ctx: ServerContext, write: bool = False) -> Obj:
    return singleton(ctx, NOUN, new_recipient_filter_config, write)


def to_record(ctx: ServerContext, obj: Obj) -> Record:
    props: dict[str, typing.Any] = {
        "BlockedRecipients": MultiValuedRecord(list(obj["BlockedRecipients"]), SMTP_ADDRESS_TYPE),
        "RecipientValidationEnabled": obj["RecipientValidationEnabled"],
        "BlockListEnabled": obj["BlockListEnabled"],
        "Enabled": obj["Enabled"],
        "ExternalMailEnabled": obj["ExternalMailEnabled"],
        "InternalMailEnabled": obj["InternalMailEnabled"],
    }
    props.update(ad_properties(ctx, obj, "ms-Exch-Message-Hygiene-Recipient-Filter-Config",
                               ["top", "msExchAgent", "msExchMessageHygieneRecipientFilterConfig"]))
    return record("Microsoft.Exchange.Data.Directory.SystemConfiguration.RecipientFilterConfig",
                  ["Microsoft.Exchange.Data.Directory.SystemConfiguration.MessageHygieneAgentConfig"], props, NAME)


def get_config(inv: Invocation) -> None:
    inv.write(to_record(inv.context, config(inv.context)))


def set_config(inv: Invocation) -> None:
    ctx = inv.context
    obj = config(ctx, write=True)
    updated = dict(obj, BlockedRecipients=list(obj["BlockedRecipients"]))
    apply(updated, inv, [p.name for p in SETTINGS])
    if len(updated["BlockedRecipients"]) > MAX_BLOCKED:
        raise errors.data_validation(f"The BlockedRecipients list can't contain more than {MAX_BLOCKED} entries.")
    commit(inv, obj, updated, NAME, f'Setting recipient filter configuration "{NAME}".')


CMDLETS = (
    Cmdlet("Get-RecipientFilterConfig", TASKS + "GetRecipientFilterConfig",
           (DOMAIN_CONTROLLER,), get_config, rbac_roles=(*RBAC, "View-Only Configuration")),
    Cmdlet("Set-RecipientFilterConfig", TASKS + "SetRecipientFilterConfig",
           (DOMAIN_CONTROLLER, *SETTINGS), set_config, mutates=True, rbac_roles=RBAC),
)

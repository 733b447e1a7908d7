"""Recipients (mailboxes, mail users, contacts, groups): names and addresses, read-only.

They exist so that recipient validation has something to validate against (the SMTP front) and so that
administrators can look them up with Get-Mailbox / Get-Recipient. Two lab-only facts belong to a mailbox
for the SMTP front: its automatic replies (AutoReply) and a full mailbox (MailboxFull).
"""

from __future__ import annotations

import typing

from . import errors
from .cmdlet import MAILBOX, Cmdlet, Invocation, Parameter
from .objects import DOMAIN_CONTROLLER, identities
from .organization import Obj, ServerContext, new_guid
from .parameters import Identity, Unlimited
from .records import MultiValued, Record

NOUN = "Recipient"
RECIPIENT_TYPES = {
    "UserMailbox": "UserMailbox",
    "SharedMailbox": "UserMailbox",
    "MailUser": "MailUser",
    "MailContact": "MailContact",
    "MailUniversalDistributionGroup": "MailUniversalDistributionGroup",
}


AUTO_REPLY_FIELDS = ("external_message", "internal_message", "external_audience", "kind")
EXTERNAL_AUDIENCES = ("All", "Known", "None")
AUTO_REPLY_KINDS = ("Oof", "Rule")  # Automatic Replies (OOF), or a client rule's server-side reply


def auto_reply_settings(raw: typing.Mapping[str, typing.Any]) -> Obj:
    """A mailbox's automatic replies as the SMTP front reads them (Get-MailboxAutoReplyConfiguration's
    names: ExternalMessage, InternalMessage, ExternalAudience), from the lab file's auto_reply mapping."""
    if not raw.get("external_message"):
        raise ValueError("auto_reply.external_message: required (the text of the automatic reply)")
    audience = raw.get("external_audience", "All")
    if audience not in EXTERNAL_AUDIENCES:
        raise ValueError(f"auto_reply.external_audience: {audience!r} is not one of {', '.join(EXTERNAL_AUDIENCES)}")
    kind = raw.get("kind", "Oof")
    if kind not in AUTO_REPLY_KINDS:
        raise ValueError(f"auto_reply.kind: {kind!r} is not one of {', '.join(AUTO_REPLY_KINDS)}")
    return {"ExternalMessage": str(raw["external_message"]),
            "InternalMessage": str(raw.get("internal_message") or raw["external_message"]),
            "ExternalAudience": audience, "Kind": kind}


def new_recipient(name: str, address: str, recipient_type: str = "UserMailbox",
                  alias: str | None = None, extra_addresses: typing.Sequence[str] = (),
                  auto_reply: typing.Mapping[str, typing.Any] | None = None, mailbox_full: bool = False) -> Obj:
    if recipient_type not in RECIPIENT_TYPES:
        raise ValueError(f"unknown recipient type {recipient_type!r}; expected one of {', '.join(RECIPIENT_TYPES)}")
    obj: Obj = {
        "Name": name,
        "Alias": alias or address.split("@", 1)[0],
        "PrimarySmtpAddress": address,
        "EmailAddresses": [f"SMTP:{address}", *(f"smtp:{a}" for a in extra_addresses)],
        "RecipientTypeDetails": recipient_type,
        "RecipientType": RECIPIENT_TYPES[recipient_type],
        "Guid": new_guid(),
    }
    if auto_reply is not None:
        obj["AutoReply"] = auto_reply_settings(auto_reply)
    if mailbox_full:
        obj["MailboxFull"] = True  # delivery fails with the mailbox-full NDR (5.2.2)
    return obj


def recipients(ctx: ServerContext) -> list[Obj]:
    return typing.cast(list[Obj], ctx.directory(NOUN).setdefault(NOUN, []))


def addresses(obj: Obj) -> list[str]:
    return [a.split(":", 1)[1].lower() for a in obj["EmailAddresses"] if a.lower().startswith("smtp:")]


def find_recipient(ctx: ServerContext, address: str) -> Obj | None:
    """The recipient that owns an SMTP address (what recipient validation looks up)."""
    wanted = address.strip().lower()
    for obj in recipients(ctx):
        if wanted in addresses(obj):
            return obj
    return None


def matches(obj: Obj, identity: str) -> bool:
    wanted = identity.strip().lower()
    return wanted in (obj["Name"].lower(), obj["Alias"].lower(), obj["Guid"]) or wanted in addresses(obj)


def to_record(ctx: ServerContext, obj: Obj, mailbox: bool) -> Record:
    domain = ctx.organization["Domain"]
    props: dict[str, typing.Any] = {
        "Name": obj["Name"],
        "Alias": obj["Alias"],
        "DisplayName": obj["Name"],
        "PrimarySmtpAddress": obj["PrimarySmtpAddress"],
        "EmailAddresses": MultiValued(list(obj["EmailAddresses"])),
        "RecipientType": obj["RecipientType"],
        "RecipientTypeDetails": obj["RecipientTypeDetails"],
        "Identity": f"{domain}/Users/{obj['Name']}",
        "Guid": obj["Guid"],
    }
    if mailbox:
        props["ProhibitSendQuota"] = "Unlimited"
        type_name = "Microsoft.Exchange.Data.Directory.Management.Mailbox"
    else:
        type_name = "Microsoft.Exchange.Data.Directory.Management.ReducedRecipient"
    return Record([type_name, "Microsoft.Exchange.Data.Directory.ADPresentationObject", "System.Object"], props,
                  obj["Name"])


def lookup(inv: Invocation, mailbox: bool) -> None:
    ctx = inv.context
    pool = [r for r in recipients(ctx) if not mailbox or r["RecipientType"] == "UserMailbox"]
    limit = inv.params.get("ResultSize", 1000)
    if inv.params.get("Identity") is None and not inv.input:
        chosen = pool if limit == "Unlimited" else pool[:limit]
        for obj in chosen:
            inv.write(to_record(ctx, obj, mailbox))
        return
    for identity in identities(inv):
        found = [r for r in pool if matches(r, identity)]
        if not found:
            inv.error(errors.object_not_found(identity, ctx.domain_controller))
        for obj in found:
            inv.write(to_record(ctx, obj, mailbox))


CMDLETS = (
    Cmdlet("Get-Mailbox", "Microsoft.Exchange.Management.RecipientTasks.GetMailbox",
           (Parameter("Identity", Identity("Microsoft.Exchange.Configuration.Tasks.MailboxIdParameter"), position=0,
                      from_pipeline=True), Parameter("ResultSize", Unlimited(1)), DOMAIN_CONTROLLER),
           lambda inv: lookup(inv, mailbox=True), server_roles=frozenset({MAILBOX}),
           rbac_roles=("Mail Recipients", "View-Only Recipients")),
    Cmdlet("Get-Recipient", "Microsoft.Exchange.Management.RecipientTasks.GetRecipient",
           (Parameter("Identity", Identity("Microsoft.Exchange.Configuration.Tasks.RecipientIdParameter"), position=0,
                      from_pipeline=True), Parameter("ResultSize", Unlimited(1)), DOMAIN_CONTROLLER),
           lambda inv: lookup(inv, mailbox=False), server_roles=frozenset({MAILBOX}),
           rbac_roles=("Mail Recipients", "View-Only Recipients")),
)

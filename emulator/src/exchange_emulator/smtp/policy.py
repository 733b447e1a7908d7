"""What a server's current configuration says about one sender or recipient: pure functions over the
Exchange model (a ServerContext), no protocol and no I/O, so every rule can be tested alone.

The rules follow Microsoft's documentation of the Recipient Filter agent, accepted domains, remote
domains and receive connectors; where the emulator had to choose, a comment says so.
"""

from __future__ import annotations

import dataclasses
import typing

from ..exchange import accepted_domains, recipient_filter, recipients, remote_domains
from ..exchange.organization import Obj, ServerContext, is_legacy
from ..exchange.transport_agents import find_agent

RECIPIENT_FILTER_AGENT = "Recipient Filter Agent"
TRANSPORT_SERVICE = "MSExchangeTransport"

# Replies (Exchange 2013 and later wording).
RECIPIENT_OK = "250 2.1.5 Recipient OK"
USER_UNKNOWN = "550 5.1.1 User unknown"
NOT_ACCEPTED = "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain"
TOO_MANY_RECIPIENTS = "452 4.5.3 Too many recipients"
# The enhanced status and diagnostic text Exchange writes into an NDR for each failure.
NDR_UNKNOWN = ("5.1.1", "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found")
NDR_MAILBOX_FULL = ("5.2.2", "554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException."
                             "MapiExceptionShutoffQuotaExceeded; Failed to process message due to a permanent "
                             "exception with message Cannot open mailbox.")


# ---------------------------------------------------------------------------------------------- domains
def split_address(address: str) -> tuple[str, str]:
    local, _, domain = address.strip().rpartition("@")
    return local, domain.lower()


def accepted_domain_for(ctx: ServerContext, domain: str) -> Obj | None:
    """The accepted domain a recipient domain belongs to: an exact match first, then `*.parent` entries
    (which also cover subdomains, as MatchSubDomains does)."""
    domain = domain.lower()
    entries = accepted_domains.accepted_domains(ctx)
    for obj in entries:
        if obj["DomainName"].lower() == domain:
            return obj
    for obj in entries:
        name = obj["DomainName"].lower()
        bare = name[2:] if name.startswith("*.") else name
        if (name.startswith("*.") or obj.get("MatchSubDomains")) and (domain == bare or domain.endswith("." + bare)):
            return obj
    return None


def remote_domain_for(ctx: ServerContext, domain: str) -> Obj:
    """The remote domain whose settings apply to mail for `domain`: the most specific match. An exact
    DomainName first, then `*.d` for the domain itself and each parent (nearest first), then `*`.
    `*.x` covers x itself too, which is why Exchange refuses `x` beside `*.x`."""
    domain = domain.lower()
    by_name = {obj["DomainName"].lower(): obj for obj in remote_domains.domains(ctx)}
    if domain in by_name:
        return by_name[domain]
    labels = domain.split(".")
    for index in range(len(labels)):
        candidate = "*." + ".".join(labels[index:])
        if candidate in by_name:
            return by_name[candidate]
    return by_name["*"]


def is_internal_domain(ctx: ServerContext, domain: str) -> bool:
    """A sender in an Authoritative or InternalRelay accepted domain is inside the organisation."""
    obj = accepted_domain_for(ctx, domain)
    return obj is not None and obj["DomainType"] in ("Authoritative", "InternalRelay")


# ---------------------------------------------------------------------------------------------- receive side
def front_connector(ctx: ServerContext) -> Obj:
    """The connector that answers port 25: `Default Frontend <server>` on Mailbox servers, `Default
    internal receive connector <server>` on Edge, `Default <server>` on a 2007/2010 Hub Transport server."""
    if ctx.is_edge:
        name = f"Default internal receive connector {ctx.server_name}"
    elif is_legacy(ctx.server):
        name = f"Default {ctx.server_name}"
    else:
        name = f"Default Frontend {ctx.server_name}"
    for obj in ctx.server["ReceiveConnectors"]:
        if obj["Name"] == name:
            return typing.cast(Obj, obj)
    raise LookupError(f"server {ctx.server_name} has no receive connector {name!r}")


def timespan_seconds(value: str) -> float:
    """`hh:mm:ss[.fff]` or `d.hh:mm:ss` as seconds."""
    days = 0
    text = str(value)
    if "." in text.split(":")[0]:
        head, _, text = text.partition(".")
        days = int(head)
    hours, minutes, seconds = text.split(":")
    return days * 86400 + int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def transport_restarts(server: Obj) -> int:
    for service in server.get("Services", []):
        if service["Name"] == TRANSPORT_SERVICE:
            return int(service.get("Restarts", 0))
    return 0


def recipient_filter_agent_configured(server: Obj) -> bool:
    """Installed and enabled in the server's agents.config (what the transport service loads at start)."""
    for agents in server["TransportAgents"].values():
        obj = find_agent(agents, RECIPIENT_FILTER_AGENT)
        if obj is not None:
            return bool(obj["Enabled"])
    return False


@dataclasses.dataclass(frozen=True)
class RecipientVerdict:
    reply: str
    accepted: bool
    kind: str            # local | relay | unknown | blocked | not_accepted
    tarpit: bool = False  # a recipient-filter refusal: delayed by the connector's TarpitInterval
    validated: bool = False


def filter_applies(ctx: ServerContext, agent_active: bool, authenticated: bool) -> bool:
    """The Recipient Filter agent acts on this message at all: loaded, Enabled, and enabled for this kind
    of session: InternalMailEnabled for authenticated sessions, ExternalMailEnabled for the others. The
    domain a sender claims does not make mail internal (a forged sender in our own domain is still
    anonymous mail)."""
    if not agent_active:
        return False
    config = recipient_filter.config(ctx)
    if not config["Enabled"]:
        return False
    return bool(config["InternalMailEnabled"] if authenticated else config["ExternalMailEnabled"])


def recipient_verdict(ctx: ServerContext, address: str, *, agent_active: bool, authenticated: bool) -> RecipientVerdict:
    """The RCPT TO answer for `address` under the server's current configuration."""
    _, domain = split_address(address)
    accepted = accepted_domain_for(ctx, domain)
    if accepted is None:
        if authenticated:
            # An authenticated client may submit to any domain (ms-Exch-SMTP-Accept-Any-Recipient).
            return RecipientVerdict(RECIPIENT_OK, True, "relay")
        return RecipientVerdict(NOT_ACCEPTED, False, "not_accepted")
    applies = filter_applies(ctx, agent_active, authenticated)
    config = recipient_filter.config(ctx)
    if applies and config["BlockListEnabled"] and \
            address.strip().lower() in {a.lower() for a in config["BlockedRecipients"]}:
        # The blocked list needs neither recipient validation nor an address book.
        return RecipientVerdict(USER_UNKNOWN, False, "blocked", tarpit=True)
    if accepted["DomainType"] != "Authoritative":
        return RecipientVerdict(RECIPIENT_OK, True, "relay")
    validating = applies and bool(config["RecipientValidationEnabled"]) and bool(accepted["AddressBookEnabled"])
    if validating and ctx.is_edge and not ctx.edge_subscribed:
        # Choice: a standalone Edge has no recipient data (EdgeSync never replicated any), so there is
        # nothing to validate against; it accepts every recipient of its accepted domains.
        validating = False
    if validating and recipients.find_recipient(ctx, address) is None:
        return RecipientVerdict(USER_UNKNOWN, False, "unknown", tarpit=True, validated=True)
    return RecipientVerdict(RECIPIENT_OK, True, "local", validated=validating)


# ---------------------------------------------------------------------------------------------- delivery
@dataclasses.dataclass(frozen=True)
class DeliveryOutcome:
    status: str            # delivered | relayed | failed
    code: str = ""         # enhanced status for failures
    diagnostic: str = ""   # the SMTP reply Exchange records as the reason
    recipient: Obj | None = None


def delivery_outcome(ctx: ServerContext, address: str) -> DeliveryOutcome:
    """What delivering to an accepted recipient ends in (after the message was accepted)."""
    _, domain = split_address(address)
    accepted = accepted_domain_for(ctx, domain)
    if accepted is None or accepted["DomainType"] != "Authoritative":
        return DeliveryOutcome("relayed")
    # The organisation's recipients: on a standalone Edge the message would be handed on to the
    # organisation, which resolves it against its directory.
    found = recipients.find_recipient(ctx, address) if not (ctx.is_edge and not ctx.edge_subscribed) else \
        _find_in_organisation(ctx, address)
    if found is None:
        return DeliveryOutcome("failed", *NDR_UNKNOWN)
    if found.get("MailboxFull"):
        return DeliveryOutcome("failed", *NDR_MAILBOX_FULL, recipient=found)
    return DeliveryOutcome("delivered", recipient=found)


def _find_in_organisation(ctx: ServerContext, address: str) -> Obj | None:
    wanted = address.strip().lower()
    for obj in ctx.state["directory"].get("Recipient", []):
        if wanted in recipients.addresses(obj):
            return typing.cast(Obj, obj)
    return None


@dataclasses.dataclass(frozen=True)
class ReportDecision:
    send: bool
    reason: str
    remote_domain: str


def ndr_decision(ctx: ServerContext, sender: str) -> tuple[ReportDecision, bool]:
    """Whether an NDR to `sender` leaves the organisation, and whether it carries the diagnostic
    information for administrators. NDREnabled false: generated and then deleted."""
    if not sender:
        return ReportDecision(False, "null sender", ""), False
    remote = remote_domain_for(ctx, split_address(sender)[1])
    if not remote["NDREnabled"]:
        return ReportDecision(False, "NDREnabled is false", remote["Name"]), False
    return ReportDecision(True, "NDREnabled", remote["Name"]), bool(remote["NDRDiagnosticInfoEnabled"])


def delivery_report_decision(ctx: ServerContext, sender: str) -> ReportDecision:
    if not sender:
        return ReportDecision(False, "null sender", "")
    remote = remote_domain_for(ctx, split_address(sender)[1])
    if not remote["DeliveryReportEnabled"]:
        return ReportDecision(False, "DeliveryReportEnabled is false", remote["Name"])
    return ReportDecision(True, "DeliveryReportEnabled", remote["Name"])


# ---------------------------------------------------------------------------------------------- automatic replies
AUTO_REPLY_KINDS = ("Oof", "Rule")
EXTERNAL_AUDIENCES = ("All", "Known", "None")


@dataclasses.dataclass(frozen=True)
class AutoReplyDecision:
    send: bool
    reason: str
    message: str = ""
    remote_domain: str = ""


def auto_reply_decision(ctx: ServerContext, mailbox: Obj, sender: str, headers: typing.Mapping[str, str],
                        authenticated: bool) -> AutoReplyDecision:
    """Whether `mailbox` answers a message from `sender` automatically, and with which text.

    Automatic Replies (OOF, kind `Oof`) to external senders follow the remote domain's AllowedOOFType:
    External and ExternalLegacy send the external message, InternalLegacy treats the domain as internal
    and sends the internal message, None sends nothing. AutoReplyEnabled governs the other kind of
    automatic reply, the ones client rules generate (kind `Rule`, e.g. an Outlook "reply using a
    template" rule); it does not stop OOF, which is how the built-in Default domain (AutoReplyEnabled
    false) still lets OOF out.
    """
    config = mailbox.get("AutoReply")
    if not config:
        return AutoReplyDecision(False, "no automatic reply")
    if not sender:
        return AutoReplyDecision(False, "null sender")
    auto_submitted = headers.get("auto-submitted", "").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return AutoReplyDecision(False, f"Auto-Submitted: {auto_submitted}")
    suppress = {v.strip().lower() for v in headers.get("x-auto-response-suppress", "").split(",")}
    if suppress & {"all", "oof", "autoreply"}:
        return AutoReplyDecision(False, "X-Auto-Response-Suppress")
    internal_text = config.get("InternalMessage") or config["ExternalMessage"]
    domain = split_address(sender)[1]
    if authenticated and is_internal_domain(ctx, domain):
        # Internal: submitted by an authenticated user of the organisation. Anonymous mail that only
        # claims one of our domains is external.
        return AutoReplyDecision(True, "internal sender", internal_text)
    remote = remote_domain_for(ctx, domain)
    if config.get("Kind", "Oof") == "Rule":
        if not remote["AutoReplyEnabled"]:
            return AutoReplyDecision(False, "AutoReplyEnabled is false", remote_domain=remote["Name"])
        return AutoReplyDecision(True, "AutoReplyEnabled", config["ExternalMessage"], remote["Name"])
    oof_type = remote["AllowedOOFType"]
    if oof_type == "None":
        return AutoReplyDecision(False, "AllowedOOFType is None", remote_domain=remote["Name"])
    if oof_type == "InternalLegacy":
        return AutoReplyDecision(True, "AllowedOOFType is InternalLegacy", internal_text, remote["Name"])
    audience = config.get("ExternalAudience", "All")
    if audience == "None":
        return AutoReplyDecision(False, "ExternalAudience is None", remote_domain=remote["Name"])
    if audience == "Known":
        # Known means senders in the mailbox's contacts; emulated mailboxes have no contacts.
        return AutoReplyDecision(False, "ExternalAudience is Known (sender not in contacts)",
                                 remote_domain=remote["Name"])
    return AutoReplyDecision(True, f"AllowedOOFType is {oof_type}", config["ExternalMessage"], remote["Name"])

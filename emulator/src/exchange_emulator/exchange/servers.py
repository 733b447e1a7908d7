"""Exchange servers: what setup installs on each, and Get-ExchangeServer, Get-EdgeSubscription,
Get-/Set-TransportService (2013 and later), Get-/Set-TransportServer (2007 and 2010)
(docs/docsite/rst/exchange_behaviour.rst, "Servers" and "Exchange 2010, 2007 and 2003").

`ServerRole` holds the role text Get-ExchangeServer shows ("Mailbox", "Edge", and on 2007/2010 the
installed roles such as "Mailbox, ClientAccess, HubTransport"; "None" for an Exchange 2003 server,
which only exists as a directory object listed beside the newer servers)."""

from __future__ import annotations

import dataclasses
import typing

from . import errors
from .cmdlet import EDGE, MAILBOX, VERSION_ORDER, Cmdlet, Invocation, Parameter
from .objects import DOMAIN_CONTROLLER, ad_properties, apply, commit, identities, record
from .organization import (
    HUB_TRANSPORT,
    Obj,
    ServerContext,
    is_legacy,
    is_transport_server,
    new_guid,
    server_roles,
    utc_now,
)
from .parameters import Bool, Identity, SmtpAddress, SmtpDomain, String
from .records import MultiValued, Record

INSTALL_PATH = "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\"


@dataclasses.dataclass(frozen=True)
class ExchangeVersion:
    label: str
    admin_display_version: str
    product: str
    major: int = 15
    install_path: str = INSTALL_PATH
    # The Setup key whose MsiInstallPath the Exchange Management Shell's profile reads (below HKLM\SOFTWARE).
    setup_key: str = "Microsoft\\ExchangeServer\\v15\\Setup"
    ad_version: str = "0.1 (14.0.100.0)"


# 2010 SP3 and 2007 SP3 (the last service packs); 2003 SP2. Install paths: Exchange 2010's default is the
# V14 folder; Exchange 2007's documentation puts the Scripts folder (Install-AntiSpamAgents.ps1) in
# "%programfiles%\Microsoft\Exchange Server\Scripts", i.e. no version folder (issue 13 guessed V8).
# The Setup keys of 2010 and 2007 are not in Microsoft's cmdlet reference (silent there): v14 follows the
# v15 pattern, and Exchange 2007's shell profile reads Microsoft\Exchange\Setup.
VERSIONS = {
    "2003": ExchangeVersion("2003", "Version 6.5 (Build 7638.2: Service Pack 2)", "Microsoft Exchange Server 2003",
                            major=6, install_path="C:\\Program Files\\Exchsrvr\\", setup_key="",
                            ad_version="0.0 (6.5.6500.0)"),
    "2007": ExchangeVersion("2007", "Version 8.3 (Build 83.6)", "Microsoft Exchange Server 2007",
                            major=8, install_path="C:\\Program Files\\Microsoft\\Exchange Server\\",
                            setup_key="Microsoft\\Exchange\\Setup", ad_version="0.1 (8.0.535.0)"),
    "2010": ExchangeVersion("2010", "Version 14.3 (Build 123.4)", "Microsoft Exchange Server 2010",
                            major=14, install_path="C:\\Program Files\\Microsoft\\Exchange Server\\V14\\",
                            setup_key="Microsoft\\ExchangeServer\\v14\\Setup"),
    "2013": ExchangeVersion("2013", "Version 15.0 (Build 1497.2)", "Microsoft Exchange Server 2013"),
    "2016": ExchangeVersion("2016", "Version 15.1 (Build 2507.6)", "Microsoft Exchange Server 2016"),
    "2019": ExchangeVersion("2019", "Version 15.2 (Build 1544.4)", "Microsoft Exchange Server 2019"),
    "SE": ExchangeVersion("SE", "Version 15.2 (Build 2562.17)", "Microsoft Exchange Server Subscription Edition"),
}
assert tuple(VERSIONS) == VERSION_ORDER  # oldest first
LEGACY_VERSIONS = ("2007", "2010")
# Roles a 2007/2010 server can hold in a lab, in the order Exchange writes them in ServerRole (the order of
# its ServerRole flags: Mailbox, ClientAccess, UnifiedMessaging, HubTransport, Edge). Unified Messaging is
# not emulated.
LEGACY_ROLES = ("Mailbox", "ClientAccess", HUB_TRANSPORT)
MODERN_ROLES = (MAILBOX, EDGE)


def parse_roles(text: str, version: str) -> str:
    """The canonical ServerRole text for a lab's `role:` on `version`; ValueError names what is allowed."""
    if version == "2003":
        return "None"
    if version not in LEGACY_VERSIONS:
        if text not in MODERN_ROLES:
            raise ValueError(f"{text!r} is not one of {', '.join(MODERN_ROLES)} (the roles of Exchange {version})")
        return text
    allowed = (*LEGACY_ROLES, EDGE)
    if text == EDGE:
        return EDGE
    parts = [p.strip() for p in str(text).split(",")]
    if not parts or any(p not in LEGACY_ROLES for p in parts) or len(set(parts)) != len(parts):
        raise ValueError(f"{text!r} is not one of {', '.join(allowed)} (the roles of Exchange {version}), nor a "
                         f"comma-separated list of {', '.join(LEGACY_ROLES)} such as \"Mailbox, ClientAccess, "
                         "HubTransport\" (Edge stands alone)")
    return ", ".join(r for r in LEGACY_ROLES if r in parts)

MAILBOX_SERVICES = (
    ("MSExchangeADTopology", "Microsoft Exchange Active Directory Topology"),
    ("MSExchangeAntispamUpdate", "Microsoft Exchange Anti-spam Update"),
    ("MSExchangeEdgeSync", "Microsoft Exchange EdgeSync"),
    ("MSExchangeFrontEndTransport", "Microsoft Exchange Frontend Transport"),
    ("MSExchangeIS", "Microsoft Exchange Information Store"),
    ("MSExchangeServiceHost", "Microsoft Exchange Service Host"),
    ("MSExchangeTransport", "Microsoft Exchange Transport"),
    ("MSExchangeTransportLogSearch", "Microsoft Exchange Transport Log Search"),
    ("W3SVC", "World Wide Web Publishing Service"),
    ("WinRM", "Windows Remote Management (WS-Management)"),
)
EDGE_SERVICES = (
    ("ADAM_MSExchange", "Microsoft Exchange ADAM"),
    ("MSExchangeAntispamUpdate", "Microsoft Exchange Anti-spam Update"),
    ("MSExchangeEdgeCredential", "Microsoft Exchange Credential Service"),
    ("MSExchangeServiceHost", "Microsoft Exchange Service Host"),
    ("MSExchangeTransport", "Microsoft Exchange Transport"),
    ("MSExchangeTransportLogSearch", "Microsoft Exchange Transport Log Search"),
    ("WinRM", "Windows Remote Management (WS-Management)"),
)


LEGACY_HUB_SERVICES = (
    ("MSExchangeADTopology", "Microsoft Exchange Active Directory Topology"),
    ("MSExchangeAntispamUpdate", "Microsoft Exchange Anti-spam Update"),
    ("MSExchangeEdgeSync", "Microsoft Exchange EdgeSync"),
    ("MSExchangeServiceHost", "Microsoft Exchange Service Host"),
    ("MSExchangeTransport", "Microsoft Exchange Transport"),
    ("MSExchangeTransportLogSearch", "Microsoft Exchange Transport Log Search"),
)
LEGACY_MAILBOX_SERVICES = (
    ("MSExchangeADTopology", "Microsoft Exchange Active Directory Topology"),
    ("MSExchangeIS", "Microsoft Exchange Information Store"),
    ("MSExchangeServiceHost", "Microsoft Exchange Service Host"),
)
LEGACY_CAS_SERVICES = (
    ("MSExchangeADTopology", "Microsoft Exchange Active Directory Topology"),
    ("MSExchangeServiceHost", "Microsoft Exchange Service Host"),
    ("W3SVC", "World Wide Web Publishing Service"),
)
WINRM = ("WinRM", "Windows Remote Management (WS-Management)")


def services_for(role: str, version: str) -> tuple[tuple[str, str], ...]:
    """The services setup installs. 2007/2010: per role (the Hub has MSExchangeTransport and no Front End
    Transport service, which 2013 introduced); Microsoft's docs list no complete set, these are the ones
    the emulator needs."""
    if role == EDGE:
        return EDGE_SERVICES
    if version not in LEGACY_VERSIONS:
        return MAILBOX_SERVICES
    chosen: dict[str, str] = {}
    for name, services in (("Mailbox", LEGACY_MAILBOX_SERVICES), ("ClientAccess", LEGACY_CAS_SERVICES),
                           (HUB_TRANSPORT, LEGACY_HUB_SERVICES)):
        if name in role.split(", "):
            chosen.update(services)
    if version == "2010":
        chosen["W3SVC"] = "World Wide Web Publishing Service"  # IIS hosts the /PowerShell/ directory on every role
    chosen.update([WINRM])
    return tuple(sorted(chosen.items()))


def new_server(name: str, fqdn: str, role: str, version: str, edge_subscribed: bool = False,
               site: str = "Default-First-Site-Name", edition: str = "Enterprise") -> Obj:
    """A server as setup leaves it, before agents and connectors are added by their modules. `role` is the
    lab's role text (see parse_roles)."""
    if version not in VERSIONS:
        raise ValueError(f"unknown Exchange version {version!r}; expected one of {', '.join(VERSIONS)}")
    role = parse_roles(role, version)
    now = utc_now()
    services = () if version == "2003" else services_for(role, version)
    return {
        "Name": name,
        "Fqdn": fqdn,
        "ServerRole": role,
        "Version": version,
        "Edition": edition,
        "Site": site,
        "EdgeSubscribed": edge_subscribed if role == EDGE else False,
        "Guid": new_guid(),
        "InstallPath": VERSIONS[version].install_path,
        "WhenCreated": now,
        "WhenChanged": now,
        "AntispamAgentsEnabled": role == EDGE,
        "Services": [{"Name": n, "DisplayName": d, "Status": "Running", "StartType": "Automatic",
                      "Restarts": 0, "StartedAt": now} for n, d in services],
        "Local": {},
    }


def admin_display_version(server: Obj) -> str:
    return VERSIONS[server["Version"]].admin_display_version


def server_role_text(server: Obj) -> str:
    if server["ServerRole"] == EDGE:
        return "Edge"
    if server["Version"] == "2013":
        return "Mailbox, ClientAccess"
    return str(server["ServerRole"])


def server_record(ctx: ServerContext, server: Obj) -> Record:
    roles = server_roles(server)
    edge = EDGE in roles
    version = VERSIONS[server["Version"]]
    legacy = is_legacy(server)
    group = "First Administrative Group" if server["Version"] == "2003" else \
        "Exchange Administrative Group (FYDIBOHF23SPDLT)"
    obj = dict(server, DistinguishedName=ctx.distinguished_name(server["Name"], "Servers", group,
                                                                "Administrative Groups"))
    domain = ".".join(server["Fqdn"].split(".")[1:])
    # The Is*Server flags follow the roles; 2013+ Mailbox servers carry every internal role. Microsoft's
    # Get-ExchangeServer reference does not list the output properties per version: the flags present on
    # 2007/2010 objects (IsHubTransportServer, IsClientAccessServer, IsMailboxServer, IsEdgeServer,
    # IsExchange2007OrLater) are kept for every version; IsFrontendTransportServer only exists from 2013.
    props: dict[str, typing.Any] = {
        "Name": server["Name"],
        "Domain": domain,
        "Edition": server["Edition"],
        "Fqdn": server["Fqdn"],
        "ServerRole": server_role_text(server),
        "Site": None if edge else f"{ctx.organization['Domain']}/Configuration/Sites/{server['Site']}",
        "AdminDisplayVersion": version.admin_display_version,
        "IsClientAccessServer": "ClientAccess" in roles if legacy else not edge,
        "IsEdgeServer": edge,
        "IsHubTransportServer": HUB_TRANSPORT in roles if legacy else not edge,
        "IsMailboxServer": "Mailbox" in roles if legacy else not edge,
        "IsExchange2007OrLater": version.major >= 8,
        "IsE14OrLater": version.major >= 14,
        "IsE15OrLater": version.major >= 15,
        "IsExchangeTrialEdition": False,
        "IsMemberOfCluster": "No",
    }
    if not legacy:
        props["IsFrontendTransportServer"] = not edge
    ad = ad_properties(ctx, obj, "ms-Exch-Exchange-Server", ["top", "server", "msExchExchangeServer"],
                       exchange_version=version.ad_version)
    ad.pop("Name")
    props.update(ad)
    return record("Microsoft.Exchange.Data.Directory.Management.ExchangeServer",
                  ["Microsoft.Exchange.Data.Directory.Management.ADPresentationObject"], props, server["Name"])


def resolve_servers(inv: Invocation) -> list[Obj]:
    ctx = inv.context
    if inv.params.get("Identity") is None and not inv.input:
        return ctx.servers()
    found = []
    for identity in identities(inv):
        server = ctx.find_server(identity)
        if server is None:
            inv.error(errors.object_not_found(identity, ctx.domain_controller))
        else:
            found.append(server)
    return found


def get_exchange_server(inv: Invocation) -> None:
    for server in resolve_servers(inv):
        inv.write(server_record(inv.context, server))


def get_edge_subscription(inv: Invocation) -> None:
    ctx = inv.context
    for server in ctx.state["servers"] if not ctx.is_edge else [ctx.server]:
        if server["ServerRole"] == EDGE and server.get("EdgeSubscribed"):
            inv.write(Record(
                ["Microsoft.Exchange.Data.Directory.SystemConfiguration.EdgeSubscription", "System.Object"],
                {"Name": server["Name"], "Site": server["Site"], "Domain": ctx.organization["Domain"],
                 "Identity": server["Name"]}, server["Name"]))


# Exchange 2007 kept the DSN settings per transport server (Set-TransportServer); Exchange 2010 moved them to
# the organisation (Set-TransportConfig), where they stay (Microsoft's 2007 and 2010 cmdlet references).
DSN_2007 = (
    Parameter("ExternalDsnSendHtml", Bool(), until="2007"),
    Parameter("InternalDsnSendHtml", Bool(), until="2007"),
    Parameter("ExternalDelayDsnEnabled", Bool(), until="2007"),
    Parameter("InternalDelayDsnEnabled", Bool(), until="2007"),
    Parameter("ExternalDsnReportingAuthority", SmtpDomain(), until="2007"),
    Parameter("InternalDsnReportingAuthority", SmtpDomain(), until="2007"),
    Parameter("ExternalPostmasterAddress", SmtpAddress(), until="2007"),
)
DSN_2007_DEFAULTS = {"ExternalDsnSendHtml": True, "InternalDsnSendHtml": True, "ExternalDelayDsnEnabled": True,
                     "InternalDelayDsnEnabled": True, "ExternalDsnReportingAuthority": None,
                     "InternalDsnReportingAuthority": None, "ExternalPostmasterAddress": None}


def transport_service_record(ctx: ServerContext, server: Obj) -> Record:
    legacy = is_legacy(server)
    # 2013 put the Hub logs in a Hub\ folder beside FrontEnd\; 2007/2010 have one transport service.
    logs = server["InstallPath"] + ("TransportRoles\\Logs\\ProtocolLog\\" if legacy
                                    else "TransportRoles\\Logs\\Hub\\ProtocolLog\\")
    props: dict[str, typing.Any] = {
        "Name": server["Name"],
        "AntispamAgentsEnabled": server["AntispamAgentsEnabled"],
        "ConnectivityLogEnabled": True,
        "DelayNotificationTimeout": "04:00:00",
        "ExternalDNSServers": MultiValued([]),
        "InternalDNSServers": MultiValued([]),
        "MaxConcurrentMailboxDeliveries": 20,
        "MaxOutboundConnections": 1000,
        "MessageExpirationTimeout": "2.00:00:00",
        "MessageTrackingLogEnabled": True,
        "PipelineTracingEnabled": False,
        "ReceiveProtocolLogPath": logs + "SmtpReceive",
        "SendProtocolLogPath": logs + "SmtpSend",
        "TransientFailureRetryCount": 6,
    }
    if server["Version"] == "2007":
        props.update({k: server.get("Dsn", {}).get(k, v) for k, v in DSN_2007_DEFAULTS.items()})
    obj = dict(server, DistinguishedName=ctx.distinguished_name(server["Name"], "Servers"))
    ad = ad_properties(ctx, obj, "ms-Exch-Exchange-Server", ["top", "server", "msExchExchangeServer"],
                       exchange_version=VERSIONS[server["Version"]].ad_version)
    ad.pop("Name")
    props.update(ad)
    return record("Microsoft.Exchange.Data.Directory.Management.TransportServer", [], props, server["Name"])


def transport_servers(inv: Invocation) -> list[Obj]:
    """Transport servers of the session's generation: Get-TransportService (2013+) lists the Mailbox servers
    of 2013 and later, Get-TransportServer (2007/2010) the Hub Transport servers of 2007 and 2010; an Edge
    only itself. Choice: Microsoft's docs do not say whether either lists the other generation's servers
    in a mixed organisation; the emulator does not, and skips them when named, as it skips an Edge."""
    legacy = is_legacy(inv.context.server)
    return [s for s in resolve_servers(inv)
            if s is inv.context.server or
            (s["ServerRole"] != EDGE and is_transport_server(s) and is_legacy(s) == legacy)]


def get_transport_service(inv: Invocation) -> None:
    for server in transport_servers(inv):
        inv.write(transport_service_record(inv.context, server))


def set_transport_service(inv: Invocation) -> None:
    dsn = [p.name for p in DSN_2007 if p.name in inv.params]
    for server in transport_servers(inv):
        updated = dict(server)
        apply(updated, inv, ["AntispamAgentsEnabled"])
        if dsn:
            updated["Dsn"] = dict(server.get("Dsn") or {})
            apply(updated["Dsn"], inv, dsn)
        if commit(inv, server, updated, server["Name"], f'Setting transport server "{server["Name"]}".') \
                and "AntispamAgentsEnabled" in inv.params:
            inv.warn("The following service restart is required for the change(s) to take effect : "
                     "MSExchangeTransport")


SERVER_IDENTITY = Identity("Microsoft.Exchange.Configuration.Tasks.ServerIdParameter")
TASKS = "Microsoft.Exchange.Management.SystemConfigurationTasks."
TRANSPORT_RBAC = ("View-Only Configuration", "Exchange Servers", "Transport Hygiene")


def _transport_cmdlets(noun: str, since: str | None, until: str | None) -> tuple[Cmdlet, ...]:
    """Get-/Set-TransportService (2013 and later) and Get-/Set-TransportServer (2007 and 2010): the same
    task classes under the name each version has. Microsoft's current reference documents only
    Get-TransportService for 2013+; it is silent on the older name there, which the emulator leaves out."""
    extra = DSN_2007 if noun == "TransportServer" else ()
    return (
        Cmdlet(f"Get-{noun}", TASKS + "GetTransportServer",
               (Parameter("Identity", SERVER_IDENTITY, position=0, from_pipeline=True), DOMAIN_CONTROLLER),
               get_transport_service, rbac_roles=TRANSPORT_RBAC, since=since, until=until),
        Cmdlet(f"Set-{noun}", TASKS + "SetTransportServer",
               (Parameter("Identity", SERVER_IDENTITY, position=0, mandatory=True, from_pipeline=True),
                DOMAIN_CONTROLLER, Parameter("AntispamAgentsEnabled", Bool()), *extra),
               set_transport_service, mutates=True, rbac_roles=("Exchange Servers", "Transport Hygiene"),
               since=since, until=until),
    )


CMDLETS = (
    Cmdlet("Get-ExchangeServer", TASKS + "GetExchangeServer",
           (Parameter("Identity", SERVER_IDENTITY, position=0, from_pipeline=True), DOMAIN_CONTROLLER,
            Parameter("Status", Bool())),
           get_exchange_server, rbac_roles=("View-Only Configuration", "Exchange Servers")),
    Cmdlet("Get-EdgeSubscription", TASKS + "GetEdgeSubscription",
           (Parameter("Identity", String(), position=0), DOMAIN_CONTROLLER),
           get_edge_subscription, rbac_roles=("View-Only Configuration", "Edge Subscriptions")),
    *_transport_cmdlets("TransportService", "2013", None),
    *_transport_cmdlets("TransportServer", "2007", "2010"),
)

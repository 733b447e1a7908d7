"""Exchange servers: what setup installs on each, and Get-ExchangeServer, Get-EdgeSubscription,
Get-/Set-TransportService (docs/docsite/rst/exchange_behaviour.rst, "Servers")."""

from __future__ import annotations

import dataclasses
import typing

from . import errors
from .cmdlet import EDGE, MAILBOX, Cmdlet, Invocation, Parameter
from .objects import DOMAIN_CONTROLLER, ad_properties, apply, commit, identities, record
from .organization import Obj, ServerContext, new_guid, utc_now
from .parameters import Bool, Identity, String
from .records import MultiValued, Record

INSTALL_PATH = "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\"


@dataclasses.dataclass(frozen=True)
class ExchangeVersion:
    label: str
    admin_display_version: str
    product: str


VERSIONS = {
    "2013": ExchangeVersion("2013", "Version 15.0 (Build 1497.2)", "Microsoft Exchange Server 2013"),
    "2016": ExchangeVersion("2016", "Version 15.1 (Build 2507.6)", "Microsoft Exchange Server 2016"),
    "2019": ExchangeVersion("2019", "Version 15.2 (Build 1544.4)", "Microsoft Exchange Server 2019"),
    "SE": ExchangeVersion("SE", "Version 15.2 (Build 2562.17)", "Microsoft Exchange Server Subscription Edition"),
}

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


def new_server(name: str, fqdn: str, role: str, version: str, edge_subscribed: bool = False,
               site: str = "Default-First-Site-Name", edition: str = "Enterprise") -> Obj:
    """A server as setup leaves it, before agents and connectors are added by their modules."""
    if version not in VERSIONS:
        raise ValueError(f"unknown Exchange version {version!r}; expected one of {', '.join(VERSIONS)}")
    if role not in (MAILBOX, EDGE):
        raise ValueError(f"unknown server role {role!r}; expected Mailbox or Edge")
    now = utc_now()
    services = EDGE_SERVICES if role == EDGE else MAILBOX_SERVICES
    return {
        "Name": name,
        "Fqdn": fqdn,
        "ServerRole": role,
        "Version": version,
        "Edition": edition,
        "Site": site,
        "EdgeSubscribed": edge_subscribed if role == EDGE else False,
        "Guid": new_guid(),
        "InstallPath": INSTALL_PATH,
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
    return "Mailbox, ClientAccess" if server["Version"] == "2013" else "Mailbox"


def server_record(ctx: ServerContext, server: Obj) -> Record:
    edge = server["ServerRole"] == EDGE
    obj = dict(server, DistinguishedName=ctx.distinguished_name(
        server["Name"], "Servers", "Exchange Administrative Group (FYDIBOHF23SPDLT)", "Administrative Groups"))
    domain = ".".join(server["Fqdn"].split(".")[1:])
    props: dict[str, typing.Any] = {
        "Name": server["Name"],
        "Domain": domain,
        "Edition": server["Edition"],
        "Fqdn": server["Fqdn"],
        "ServerRole": server_role_text(server),
        "Site": None if edge else f"{ctx.organization['Domain']}/Configuration/Sites/{server['Site']}",
        "AdminDisplayVersion": admin_display_version(server),
        "IsClientAccessServer": not edge,
        "IsEdgeServer": edge,
        "IsHubTransportServer": not edge,
        "IsMailboxServer": not edge,
        "IsFrontendTransportServer": not edge,
        "IsE14OrLater": True,
        "IsE15OrLater": True,
        "IsExchangeTrialEdition": False,
        "IsMemberOfCluster": "No",
    }
    ad = ad_properties(ctx, obj, "ms-Exch-Exchange-Server", ["top", "server", "msExchExchangeServer"],
                       exchange_version="0.1 (14.0.100.0)")
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


def transport_service_record(ctx: ServerContext, server: Obj) -> Record:
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
        "ReceiveProtocolLogPath": server["InstallPath"] + "TransportRoles\\Logs\\Hub\\ProtocolLog\\SmtpReceive",
        "SendProtocolLogPath": server["InstallPath"] + "TransportRoles\\Logs\\Hub\\ProtocolLog\\SmtpSend",
        "TransientFailureRetryCount": 6,
    }
    obj = dict(server, DistinguishedName=ctx.distinguished_name(server["Name"], "Servers"))
    ad = ad_properties(ctx, obj, "ms-Exch-Exchange-Server", ["top", "server", "msExchExchangeServer"])
    ad.pop("Name")
    props.update(ad)
    return record("Microsoft.Exchange.Data.Directory.Management.TransportServer", [], props, server["Name"])


def transport_servers(inv: Invocation) -> list[Obj]:
    return [s for s in resolve_servers(inv) if s["ServerRole"] == MAILBOX or s is inv.context.server]


def get_transport_service(inv: Invocation) -> None:
    for server in transport_servers(inv):
        inv.write(transport_service_record(inv.context, server))


def set_transport_service(inv: Invocation) -> None:
    for server in transport_servers(inv):
        updated = dict(server)
        apply(updated, inv, ["AntispamAgentsEnabled"])
        if commit(inv, server, updated, server["Name"], f'Setting transport server "{server["Name"]}".') \
                and "AntispamAgentsEnabled" in inv.params:
            inv.warn("The following service restart is required for the change(s) to take effect : "
                     "MSExchangeTransport")


SERVER_IDENTITY = Identity("Microsoft.Exchange.Configuration.Tasks.ServerIdParameter")
TASKS = "Microsoft.Exchange.Management.SystemConfigurationTasks."

CMDLETS = (
    Cmdlet("Get-ExchangeServer", TASKS + "GetExchangeServer",
           (Parameter("Identity", SERVER_IDENTITY, position=0, from_pipeline=True), DOMAIN_CONTROLLER,
            Parameter("Status", Bool())),
           get_exchange_server, rbac_roles=("View-Only Configuration", "Exchange Servers")),
    Cmdlet("Get-EdgeSubscription", TASKS + "GetEdgeSubscription",
           (Parameter("Identity", String(), position=0), DOMAIN_CONTROLLER),
           get_edge_subscription, rbac_roles=("View-Only Configuration", "Edge Subscriptions")),
    Cmdlet("Get-TransportService", TASKS + "GetTransportServer",
           (Parameter("Identity", SERVER_IDENTITY, position=0, from_pipeline=True), DOMAIN_CONTROLLER),
           get_transport_service, rbac_roles=("View-Only Configuration", "Exchange Servers", "Transport Hygiene")),
    Cmdlet("Set-TransportService", TASKS + "SetTransportServer",
           (Parameter("Identity", SERVER_IDENTITY, position=0, mandatory=True, from_pipeline=True), DOMAIN_CONTROLLER,
            Parameter("AntispamAgentsEnabled", Bool())),
           set_transport_service, mutates=True, rbac_roles=("Exchange Servers", "Transport Hygiene")),
)

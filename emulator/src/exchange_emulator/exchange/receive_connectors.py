"""Receive connectors, per server: Get-/Set-ReceiveConnector
(docs/docsite/rst/exchange_behaviour.rst, "Receive connectors").

Identity is `<server>\\<name>`; a bare name means the server hosting the session. Listing without -Identity
or -Server returns the connectors in the directory, those of every Mailbox server (an Edge lists its own).
`TarpitInterval` delays the answer to a rejected RCPT (default 00:00:05, 00:00:00 disables, at most 00:10:00).
"""

from __future__ import annotations

import typing

from . import errors
from .cmdlet import Cmdlet, Invocation, Parameter
from .objects import DOMAIN_CONTROLLER, ad_properties, apply, commit, identities, new_ad_object, record
from .organization import Obj, ServerContext, is_legacy, is_transport_server
from .parameters import Bool, Enum, Identity, Int, String, TimeSpan
from .records import MultiValued, Record

RBAC = ("Receive Connectors",)
TASKS = "Microsoft.Exchange.Management.SystemConfigurationTasks."
IP_BINDING_TYPE = ("Microsoft.Exchange.Data.IPBinding, Microsoft.Exchange.Data, Version=15.0.0.0, Culture=neutral, "
                   "PublicKeyToken=31bf3856ad364e35")
ALL_ADDRESSES = ["::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "0.0.0.0-255.255.255.255"]

# (name template, transport role, port, permission groups, auth mechanism)
MAILBOX_CONNECTORS = (
    ("Default {server}", "HubTransport", 2525, "ExchangeUsers, ExchangeServers, ExchangeLegacyServers",
     "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer"),
    ("Client Proxy {server}", "HubTransport", 465, "ExchangeUsers, ExchangeServers",
     "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer"),
    ("Default Frontend {server}", "FrontendTransport", 25, "AnonymousUsers, ExchangeServers, ExchangeLegacyServers",
     "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer"),
    ("Outbound Proxy Frontend {server}", "FrontendTransport", 717, "ExchangeServers",
     "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer"),
    ("Client Frontend {server}", "FrontendTransport", 587, "ExchangeUsers",
     "Tls, Integrated, BasicAuth, BasicAuthRequireTLS"),
)
# Hub Transport servers of 2007 and 2010: "Default <server>" (port 25, where the SMTP front answers) and
# "Client <server>" (587). The emulator's SMTP front does not check permission groups.
LEGACY_HUB_CONNECTORS = (
    ("Default {server}", "HubTransport", 25, "ExchangeUsers, ExchangeServers, ExchangeLegacyServers",
     "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer"),
    ("Client {server}", "HubTransport", 587, "ExchangeUsers", "Tls, Integrated, BasicAuth, BasicAuthRequireTLS"),
)
EDGE_CONNECTORS = (
    ("Default internal receive connector {server}", "FrontendTransport", 25,
     "AnonymousUsers, ExchangeServers, Partners", "Tls, ExchangeServer"),
)
PROTOCOL_LOGGING = Enum("Microsoft.Exchange.Data.ProtocolLoggingLevel", ["None", "Verbose"])

SETTINGS = (
    Parameter("TarpitInterval", TimeSpan(0, 600)),
    Parameter("Enabled", Bool()),
    Parameter("MaxRecipientsPerMessage", Int(1, 512000)),
    Parameter("Banner", String()),
    Parameter("ProtocolLoggingLevel", PROTOCOL_LOGGING),
)


def install_default_connectors(ctx: ServerContext, server: Obj) -> None:
    templates: tuple[tuple[str, str, int, str, str], ...]
    if server["ServerRole"] == "Edge":
        templates = EDGE_CONNECTORS
    elif not is_transport_server(server):
        templates = ()  # a 2007/2010 server without the Hub Transport role receives no SMTP
    elif is_legacy(server):
        templates = LEGACY_HUB_CONNECTORS
    else:
        templates = MAILBOX_CONNECTORS
    connectors = []
    for template, role, port, groups, auth in templates:
        name = template.format(server=server["Name"])
        obj = new_ad_object(ctx, name, "SMTP Receive Connectors", "Protocols", server["Name"], "Servers")
        obj.update({
            "Identity": f"{server['Name']}\\{name}",
            "Server": server["Name"],
            "TransportRole": role,
            "Bindings": [f"[::]:{port}", f"0.0.0.0:{port}"],
            "RemoteIPRanges": list(ALL_ADDRESSES),
            "PermissionGroups": groups,
            "AuthMechanism": auth,
            "Fqdn": server["Fqdn"],
            "TarpitInterval": "00:00:05",
            "Enabled": True,
            "MaxRecipientsPerMessage": 200,
            "Banner": None,
            "ProtocolLoggingLevel": "None",
        })
        connectors.append(obj)
    server["ReceiveConnectors"] = connectors


def to_record(ctx: ServerContext, obj: Obj) -> Record:
    props: dict[str, typing.Any] = {
        "AuthMechanism": obj["AuthMechanism"],
        "Banner": obj["Banner"],
        "Bindings": MultiValued(list(obj["Bindings"]), IP_BINDING_TYPE),
        "ChunkingEnabled": True,
        "ConnectionTimeout": "00:10:00",
        "Enabled": obj["Enabled"],
        "Fqdn": obj["Fqdn"],
        "MaxInboundConnection": 5000,
        "MaxMessageSize": "36 MB (37,748,736 bytes)",
        "MaxRecipientsPerMessage": obj["MaxRecipientsPerMessage"],
        "PermissionGroups": obj["PermissionGroups"],
        "ProtocolLoggingLevel": obj["ProtocolLoggingLevel"],
        "RemoteIPRanges": MultiValued(list(obj["RemoteIPRanges"])),
        "RequireTLS": False,
        "Server": obj["Server"],
        "TarpitInterval": obj["TarpitInterval"],
        "TransportRole": obj["TransportRole"],
    }
    props.update(ad_properties(ctx, obj, "ms-Exch-Smtp-Receive-Connector", ["top", "msExchSmtpReceiveConnector"],
                               exchange_version="0.1 (8.0.535.0)"))
    return record("Microsoft.Exchange.Data.Directory.SystemConfiguration.ReceiveConnector", [], props,
                  obj["Identity"])


def connectors_visible(ctx: ServerContext, server_name: str | None) -> list[Obj]:
    if server_name is None:
        return list(ctx.server["ReceiveConnectors"])
    server = ctx.find_server(server_name)
    return list(server["ReceiveConnectors"]) if server is not None else []


def find(ctx: ServerContext, identity: str) -> list[Obj]:
    server_part, sep, name = identity.rpartition("\\")
    candidates = connectors_visible(ctx, server_part if sep else None)
    wanted = name.strip().lower()
    return [c for c in candidates if c["Name"].lower() == wanted or c["Guid"] == wanted]


def get_receive_connector(inv: Invocation) -> None:
    ctx = inv.context
    if inv.params.get("Identity") is None and not inv.input:
        server_name = inv.params.get("Server")
        if server_name is not None and ctx.find_server(server_name) is None:
            inv.error(errors.object_not_found(server_name, ctx.domain_controller))
            return
        # Without -Identity or -Server: every receive connector in the directory, i.e. of all Mailbox servers
        # (Microsoft's Get-ReceiveConnector reference); an Edge keeps its own in AD LDS. -Server: one server's.
        server = ctx.find_server(server_name) if server_name is not None else None
        everywhere = [s for s in ctx.servers() if s["ServerRole"] != "Edge" or s is ctx.server]
        for each in everywhere if server is None else [server]:
            for obj in each["ReceiveConnectors"]:
                inv.write(to_record(ctx, obj))
        return
    for identity in identities(inv):
        found = find(ctx, identity)
        if not found:
            inv.error(errors.object_not_found(identity, ctx.domain_controller))
        for obj in found:
            inv.write(to_record(ctx, obj))


def set_receive_connector(inv: Invocation) -> None:
    ctx = inv.context
    for identity in identities(inv):
        found = find(ctx, identity)
        if not found:
            inv.error(errors.object_not_found(identity, ctx.domain_controller))
            continue
        obj = found[0]
        updated = dict(obj)
        apply(updated, inv, [p.name for p in SETTINGS])
        commit(inv, obj, updated, obj["Identity"], f'Setting receive connector "{obj["Identity"]}".')


IDENTITY = Identity("Microsoft.Exchange.Configuration.Tasks.ReceiveConnectorIdParameter")

CMDLETS = (
    Cmdlet("Get-ReceiveConnector", TASKS + "GetReceiveConnector",
           (Parameter("Identity", IDENTITY, position=0, from_pipeline=True), Parameter("Server", String()),
            DOMAIN_CONTROLLER),
           get_receive_connector, rbac_roles=(*RBAC, "View-Only Configuration")),
    Cmdlet("Set-ReceiveConnector", TASKS + "SetReceiveConnector",
           (Parameter("Identity", IDENTITY, position=0, mandatory=True, from_pipeline=True), DOMAIN_CONTROLLER,
            *SETTINGS),
           set_receive_connector, mutates=True, rbac_roles=RBAC),
)

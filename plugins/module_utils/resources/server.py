# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Facts about the connected server: its name, role, version, Edge subscription, transport agents and
anti-spam state. Read through the management endpoint only."""

from __future__ import annotations

import typing

from .. import versions
from ..commands import Command
from .base import Connections, exchange_server, read_one, version_of

ANTISPAM_AGENTS = ("Content Filter Agent", "Sender Id Agent", "Sender Filter Agent", "Recipient Filter Agent",
                   "Protocol Analysis Agent")
# ServerRole names as Exchange writes them; 2007 and 2010 servers may hold several (comma-separated).
HUB_TRANSPORT = "HubTransport"
EDGE = "Edge"


def server_roles(server_role: str) -> typing.List[str]:
    """ServerRole as a list: 'Mailbox, ClientAccess, HubTransport' -> ['Mailbox', 'ClientAccess', 'HubTransport']."""
    return [part.strip() for part in str(server_role or "").split(",") if part.strip() and part.strip() != "None"]


def baseline_role(version: str, roles: typing.Sequence[str]) -> str:
    """The role the baseline decides on: Edge; Mailbox on 2013 and later (it runs the transport); on 2007 and 2010
    HubTransport when the server has it (anti-spam agents and recipient filtering live there), else its first role."""
    if EDGE in roles:
        return EDGE
    if versions.uses_transport_server(version):
        if HUB_TRANSPORT in roles:
            return HUB_TRANSPORT
        return roles[0] if roles else "None"
    return "Mailbox"


def server_name(connections: Connections) -> str:
    """The Exchange name of the server the session runs on: the server_name option, else the server whose
    FQDN or name matches the address connected to. (Nothing a NoLanguage session can read names the
    local server: Get-ReceiveConnector without -Server lists every server's connectors.)"""
    if connections.server_name:
        return connections.server_name
    return str(exchange_server(connections)["Name"])


def server_facts(connections: Connections) -> typing.Dict[str, typing.Any]:
    server = exchange_server(connections)
    version = version_of(server)
    roles = server_roles(str(server.get("ServerRole", "")))
    role = baseline_role(version, roles)
    is_edge = role == EDGE
    # The servers whose transport the baseline configures: Edge, every 2013+ Mailbox server, 2007/2010 Hub Transport.
    hub_transport = role == HUB_TRANSPORT or (role == "Mailbox" and not versions.uses_transport_server(version))
    subscriptions = connections.read(Command("Get-EdgeSubscription")) if is_edge else []
    agents = connections.read(Command("Get-TransportAgent")) if (is_edge or hub_transport) else []
    transport = connections.read(Command("Get-" + versions.transport_noun(version), {"Identity": server["Name"]})) \
        if (is_edge or hub_transport) else []
    installed = {str(a.get("Identity")) for a in agents}
    return {
        "name": server["Name"],
        "fqdn": server.get("Fqdn"),
        "role": role,
        "roles": roles,
        "server_role": server.get("ServerRole"),
        "version": version,
        "admin_display_version": server.get("AdminDisplayVersion"),
        "edition": server.get("Edition"),
        "is_edge": is_edge,
        "hub_transport": hub_transport,
        "snapin": versions.snapin(version),
        "edge_subscribed": bool(subscriptions),
        "transport_agents": [{"identity": a.get("Identity"), "enabled": a.get("Enabled"),
                              "priority": a.get("Priority")} for a in agents],
        "antispam_agents_installed": bool(agents) and all(name_ in installed for name_ in ANTISPAM_AGENTS),
        "antispam_agents_enabled": bool(transport[0].get("AntispamAgentsEnabled")) if transport else False,
    }


def gather(connections: Connections, params: typing.Dict[str, typing.Any]) -> typing.Dict[str, typing.Any]:
    """Everything the baseline and its verifiers decide on, in one read of each object type."""
    facts = server_facts(connections)
    recipient_filter = read_one(connections, Command("Get-RecipientFilterConfig"))
    accepted = connections.read(Command("Get-AcceptedDomain"))
    # Receive connectors belong to the transport: a 2007/2010 server without Hub Transport has none.
    connectors = connections.read(Command("Get-ReceiveConnector", {"Server": facts["name"]})) \
        if (facts["is_edge"] or facts["hub_transport"]) else []
    facts["recipient_filter"] = {
        "enabled": recipient_filter.get("Enabled"),
        "recipient_validation_enabled": recipient_filter.get("RecipientValidationEnabled"),
        "block_list_enabled": recipient_filter.get("BlockListEnabled"),
        "agent_enabled": any(a["identity"] == "Recipient Filter Agent" and a["enabled"]
                             for a in facts["transport_agents"]),
    }
    facts["accepted_domains"] = [{"domain_name": d.get("DomainName"), "domain_type": d.get("DomainType"),
                                  "address_book_enabled": d.get("AddressBookEnabled")} for d in accepted]
    facts["receive_connectors"] = [{"identity": c.get("Identity"), "tarpit_interval": c.get("TarpitInterval"),
                                    "transport_role": c.get("TransportRole"), "enabled": c.get("Enabled")}
                                   for c in connectors]
    return facts

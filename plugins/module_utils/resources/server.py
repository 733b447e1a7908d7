# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Facts about the connected server: its name, role, version, Edge subscription, transport agents and
anti-spam state. Read through the management endpoint only."""

from __future__ import annotations

import re
import typing

from ..commands import Command
from ..errors import ServerNotIdentified
from .base import Connections, read_one

ANTISPAM_AGENTS = ("Content Filter Agent", "Sender Id Agent", "Sender Filter Agent", "Recipient Filter Agent",
                   "Protocol Analysis Agent")
_VERSION = re.compile(r"Version (\d+)\.(\d+) \(Build (\d+)\.(\d+)\)")


def version_label(admin_display_version: str) -> str:
    """2013, 2016, 2019 or SE from an AdminDisplayVersion such as 'Version 15.2 (Build 1544.4)'."""
    match = _VERSION.search(admin_display_version or "")
    if not match:
        return "unknown"
    major, minor, build = (int(g) for g in match.groups()[:3])
    if (major, minor) == (15, 0):
        return "2013"
    if (major, minor) == (15, 1):
        return "2016"
    if (major, minor) == (15, 2):
        return "SE" if build >= 2562 else "2019"
    return "%d.%d" % (major, minor)


def server_name(connections: Connections) -> str:
    """The Exchange name of the server the session runs on: the server_name option, else the server whose
    FQDN or name matches the address connected to. (Nothing a NoLanguage session can read names the
    local server: Get-ReceiveConnector without -Server lists every server's connectors.)"""
    if connections.server_name:
        return connections.server_name
    target = connections.endpoints["management"].server.strip().lower()  # type: ignore[union-attr]
    servers = connections.read(Command("Get-ExchangeServer"))
    for server in servers:
        name = str(server.get("Name", "")).lower()
        if target in (str(server.get("Fqdn", "")).lower(), name) or target.split(".")[0] == name:
            return str(server["Name"])
    raise ServerNotIdentified("server_name: cannot tell which Exchange server %s is; it matches none of %s. Set "
                              "server_name (or the host variable exchange_server_name) to the server's name."
                              % (target, ", ".join(str(s.get("Name")) for s in servers)), option="server_name")


def server_facts(connections: Connections) -> typing.Dict[str, typing.Any]:
    name = server_name(connections)
    servers = connections.read(Command("Get-ExchangeServer"))
    server = next((s for s in servers if str(s.get("Name", "")).lower() == name.lower()
                   or str(s.get("Fqdn", "")).lower() == name.lower()), None)
    if server is None:
        raise ServerNotIdentified("server_name: %r is not an Exchange server this session knows (%s). Set "
                                  "server_name to one of them." % (name, ", ".join(str(s.get("Name")) for s in servers)),
                                  option="server_name")
    role = str(server.get("ServerRole", ""))
    is_edge = role == "Edge"
    subscriptions = connections.read(Command("Get-EdgeSubscription")) if is_edge else []
    agents = connections.read(Command("Get-TransportAgent"))
    transport = connections.read(Command("Get-TransportService", {"Identity": server["Name"]}))
    installed = {str(a.get("Identity")) for a in agents}
    return {
        "name": server["Name"],
        "fqdn": server.get("Fqdn"),
        "role": "Edge" if is_edge else "Mailbox",
        "server_role": role,
        "version": version_label(str(server.get("AdminDisplayVersion", ""))),
        "admin_display_version": server.get("AdminDisplayVersion"),
        "edition": server.get("Edition"),
        "is_edge": is_edge,
        "edge_subscribed": bool(subscriptions),
        "transport_agents": [{"identity": a.get("Identity"), "enabled": a.get("Enabled"),
                              "priority": a.get("Priority")} for a in agents],
        "antispam_agents_installed": all(name_ in installed for name_ in ANTISPAM_AGENTS),
        "antispam_agents_enabled": bool(transport[0].get("AntispamAgentsEnabled")) if transport else False,
    }


def gather(connections: Connections, params: typing.Dict[str, typing.Any]) -> typing.Dict[str, typing.Any]:
    """Everything the baseline and its verifiers decide on, in one read of each object type."""
    facts = server_facts(connections)
    recipient_filter = read_one(connections, Command("Get-RecipientFilterConfig"))
    accepted = connections.read(Command("Get-AcceptedDomain"))
    connectors = connections.read(Command("Get-ReceiveConnector", {"Server": facts["name"]}))
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

"""What Exchange setup leaves behind: a new organisation and its servers, before any hardening."""

from __future__ import annotations

from . import accepted_domains, receive_connectors, remote_domains, transport_agents
from .cmdlet import EDGE
from .organization import Obj, ServerContext, State, new_guid
from .servers import new_server


def new_organization(name: str, domain: str, netbios: str | None = None,
                     domain_controller: str | None = None) -> State:
    state: State = {
        "organization": {
            "Name": name,
            "Domain": domain.lower(),
            "NetBiosName": (netbios or domain.split(".")[0]).upper(),
            "DomainController": domain_controller or f"DC01.{domain.lower()}",
            "Guid": new_guid(),
        },
        "directory": {},
        "servers": [],
    }
    # Any server's context can create directory objects; the DN depends only on the organisation.
    ctx = ServerContext(state, {"ServerRole": "Mailbox"})
    state["directory"]["RemoteDomain"] = [remote_domains.new_remote_domain(ctx, "Default", "*", default=True)]
    state["directory"]["AcceptedDomain"] = [
        accepted_domains.new_accepted_domain(ctx, domain.lower(), domain.lower(), default=True)]
    return state


def add_server(state: State, name: str, role: str, version: str, fqdn: str | None = None,
               edge_subscribed: bool = False, antispam_agents: bool = False) -> Obj:
    domain = state["organization"]["Domain"]
    server = new_server(name, fqdn or f"{name.lower()}.{domain}", role, version, edge_subscribed=edge_subscribed)
    state["servers"].append(server)
    if version == "2003":
        # Listed by Get-ExchangeServer only: no transport agents, connectors or services the emulator serves.
        server.update(TransportAgents={}, ReceiveConnectors=[], PendingRestarts=[])
        return server
    ctx = ServerContext(state, server)
    transport_agents.install_default_agents(server)
    receive_connectors.install_default_connectors(ctx, server)
    if server["ServerRole"] == EDGE and not edge_subscribed:
        # A standalone Edge keeps its own configuration in AD LDS, starting from setup's defaults.
        server["Local"]["RemoteDomain"] = [
            remote_domains.new_remote_domain(ctx, "Default Domain", "*", default=True)]
    elif server["ServerRole"] != EDGE and antispam_agents:
        for name_, factory in transport_agents.ANTISPAM_AGENTS:
            obj = transport_agents.install_agent(server["TransportAgents"]["Hub"], name_, factory,
                                                 server["InstallPath"] + transport_agents.HYGIENE_ASSEMBLY)
            obj["Enabled"] = True
        server["AntispamAgentsEnabled"] = True
    return server

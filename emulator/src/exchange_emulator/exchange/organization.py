"""The organisation's state and the view of it from one server.

State is one JSON-able dict: organisation facts, the directory (Active Directory: configuration shared
by all servers of the organisation) and the servers (each with what lives on the server itself:
transport agents, services, receive connectors, and for Edge its own AD LDS copy of the configuration).

Which copy a cmdlet sees depends on the server that hosts the session
(docs/docsite/rst/exchange_behaviour.rst, "Edge Transport servers"):
- a Mailbox server reads and writes the directory;
- a standalone Edge keeps everything locally;
- an EdgeSync-subscribed Edge sees the organisation's replicated objects read-only, and keeps its
  anti-spam configuration (recipient filter) locally.
"""

from __future__ import annotations

import datetime
import typing
import uuid

from . import errors

# Directory nouns EdgeSync replicates to a subscribed Edge (read-only there).
REPLICATED_TO_EDGE = frozenset({"RemoteDomain", "AcceptedDomain", "TransportConfig", "Recipient"})

NOUN_DESCRIPTIONS = {
    "RemoteDomain": "remote domain",
    "AcceptedDomain": "accepted domain",
    "TransportConfig": "transport configuration",
    "Recipient": "recipient",
}

State = dict[str, typing.Any]
Obj = dict[str, typing.Any]


HUB_TRANSPORT = "HubTransport"


def server_roles(server: Obj) -> list[str]:
    """The roles in a server's ServerRole text ("Mailbox, ClientAccess, HubTransport" -> three)."""
    return [r.strip() for r in str(server.get("ServerRole", "")).split(",") if r.strip()]


def is_legacy(server: Obj) -> bool:
    """Exchange 2010, 2007 or 2003 (before the 2013 role model)."""
    return server.get("Version") in ("2003", "2007", "2010")


def is_transport_server(server: Obj) -> bool:
    """Runs the transport service: Edge, a 2007/2010 Hub Transport, a 2013-or-later Mailbox server."""
    roles = server_roles(server)
    if "Edge" in roles:
        return True
    return HUB_TRANSPORT in roles if is_legacy(server) else "Mailbox" in roles


def utc_now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def new_guid() -> str:
    return str(uuid.uuid4())


class ServerContext:
    """The organisation as seen from the server that hosts a session."""

    def __init__(self, state: State, server: Obj) -> None:
        self.state = state
        self.server = server

    # ------------------------------------------------------------------ facts
    @property
    def organization(self) -> Obj:
        return typing.cast(Obj, self.state["organization"])

    @property
    def server_name(self) -> str:
        return typing.cast(str, self.server["Name"])

    @property
    def is_edge(self) -> bool:
        return bool(self.server["ServerRole"] == "Edge")

    @property
    def edge_subscribed(self) -> bool:
        return self.is_edge and bool(self.server.get("EdgeSubscribed"))

    @property
    def domain_controller(self) -> str:
        """The directory server named in Exchange's 'couldn't be found on …' messages."""
        if self.is_edge:
            return typing.cast(str, self.server["Fqdn"])
        return typing.cast(str, self.organization["DomainController"])

    def distinguished_name(self, *rdns: str) -> str:
        domain_dn = ",".join(f"DC={part}" for part in self.organization["Domain"].split("."))
        if self.is_edge and not self.edge_subscribed:
            domain_dn = "CN={" + self.server["Guid"] + "}"
        base = f"CN={self.organization['Name']},CN=Microsoft Exchange,CN=Services,CN=Configuration,{domain_dn}"
        return ",".join([*(f"CN={r}" for r in rdns), base])

    # ------------------------------------------------------------------ where objects live
    def directory(self, noun: str, write: bool = False) -> Obj:
        """The container that holds `noun` for this server; `write` asserts it may be changed here."""
        if not self.is_edge:
            return typing.cast(Obj, self.state["directory"])
        if self.edge_subscribed and noun in REPLICATED_TO_EDGE:
            if write:
                raise errors.edge_sync_managed(NOUN_DESCRIPTIONS.get(noun, noun))
            return typing.cast(Obj, self.state["directory"])
        return typing.cast(Obj, self.server["Local"])

    def servers(self) -> list[Obj]:
        """Servers visible from here: the organisation's from a Mailbox server, itself from an Edge."""
        if self.is_edge:
            return [self.server]
        return [s for s in self.state["servers"] if s["ServerRole"] != "Edge" or s.get("EdgeSubscribed")]

    def find_server(self, identity: str) -> Obj | None:
        wanted = identity.strip().lower()
        for server in self.servers():
            if wanted in (server["Name"].lower(), server["Fqdn"].lower(), server["Guid"].lower()):
                return server
        return None

    def touch(self, obj: Obj) -> None:
        obj["WhenChanged"] = utc_now()


def find_by_identity(objects: typing.Iterable[Obj], identity: str,
                     keys: typing.Sequence[str] = ("Name", "Guid", "DistinguishedName")) -> list[Obj]:
    """Objects whose Name (or GUID or DN) matches `identity`; a leading/trailing `*` is a wildcard."""
    wanted = identity.strip()
    lowered = wanted.lower()
    if wanted in ("*", ""):
        return list(objects)
    prefix = lowered.endswith("*")
    suffix = lowered.startswith("*")
    core = lowered.strip("*")
    found = []
    for obj in objects:
        for key in keys:
            value = str(obj.get(key) or "").lower()
            if (prefix and suffix and core in value) or (prefix and not suffix and value.startswith(core)) or \
                    (suffix and not prefix and value.endswith(core)) or (not prefix and not suffix and value == core):
                found.append(obj)
                break
    return found

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A transport agent of the connected server: enabled or not, its priority
(docs/docsite/rst/exchange_behaviour.rst, "Transport agent cmdlets"). Agent
changes take effect after the transport service restarts; the result says so."""

from __future__ import annotations

import typing

from .. import values
from ..commands import Command
from ..desired_state import Plan
from .base import Connections, Resource, refuse_missing_options


# The transport_service option of transport_agent and transport_agent_info (doc fragment transport_service).
TRANSPORT_SERVICE_SPEC = {"transport_service": {"type": "str", "choices": ["Hub", "FrontEnd", "Edge"]}}


class TransportAgent(Resource):
    kind = "transport_agent"
    identity_spec = {
        "identity": {"type": "str", "required": True, "aliases": ["name"]},
        "enabled": {"type": "bool"},
        "priority": {"type": "int"},
        **TRANSPORT_SERVICE_SPEC,
    }

    def __init__(self, params: typing.Dict[str, typing.Any]) -> None:
        super().__init__(params)
        self.identity = params["identity"]
        self.enabled = params.get("enabled")
        self.priority = params.get("priority")
        self.service = params.get("transport_service")
        if self.priority is not None and self.priority < 1:
            raise values.InvalidValue("priority: must be 1 or more, got %d." % self.priority)
        self.restart_required = False

    def _service_parameters(self) -> typing.Dict[str, typing.Any]:
        return {"TransportService": self.service} if self.service else {}

    def _agents(self, connections: Connections) -> typing.List[typing.Dict[str, typing.Any]]:
        return connections.read(Command("Get-TransportAgent", self._service_parameters()))

    def _find(self, connections: Connections) -> typing.Optional[typing.Dict[str, typing.Any]]:
        return next((a for a in self._agents(connections)
                     if str(a.get("Identity", "")).lower() == self.identity.lower()), None)

    def plan(self, connections: Connections) -> Plan:
        # Exchange 2007 and 2010 have one transport per server: their agent cmdlets take no -TransportService.
        refuse_missing_options(connections, "Get-TransportAgent",
                               {"transport_service": "TransportService"} if self.service else {})
        agent = self._find(connections)
        agents = self._agents(connections)
        if agent is None:
            raise values.InvalidValue("identity: no transport agent %r on this server (%s). Install it first; the "
                                      "anti-spam agents are installed with mailhygiene.exchange.antispam_agents."
                                      % (self.identity, ", ".join(str(a.get("Identity")) for a in agents)))
        if self.priority is not None and self.priority > len(agents):
            raise values.InvalidValue("priority: must be from 1 to %d (the number of agents), got %d."
                                      % (len(agents), self.priority))
        before = {"identity": agent["Identity"], "enabled": agent.get("Enabled"), "priority": agent.get("Priority")}
        after = dict(before)
        commands = []
        identity = {"Identity": agent["Identity"], **self._service_parameters()}
        if self.enabled is not None and bool(agent.get("Enabled")) != self.enabled:
            if self.enabled:
                commands.append(Command("Enable-TransportAgent", identity, idempotent=True))
            else:
                commands.append(Command("Disable-TransportAgent", dict(identity, Confirm=False), idempotent=True))
            after["enabled"] = self.enabled
        if self.priority is not None and agent.get("Priority") != self.priority:
            commands.append(Command("Set-TransportAgent", dict(identity, Priority=self.priority), idempotent=True))
            after["priority"] = self.priority
        self.restart_required = bool(commands)
        return Plan("update" if commands else "none", commands, before=before, after=after)

    def current(self, connections: Connections) -> typing.Optional[typing.Dict[str, typing.Any]]:
        agent = self._find(connections)
        if agent is None:
            return None
        return {"identity": agent["Identity"], "enabled": agent.get("Enabled"), "priority": agent.get("Priority"),
                "restart_required": self.restart_required}


def gather(connections: Connections, params: typing.Dict[str, typing.Any]) -> typing.List[typing.Dict[str, typing.Any]]:
    service = params.get("transport_service")
    refuse_missing_options(connections, "Get-TransportAgent", {"transport_service": "TransportService"} if service else {})
    agents = connections.read(Command("Get-TransportAgent", {"TransportService": service} if service else {}))
    return [{"identity": a.get("Identity"), "enabled": a.get("Enabled"), "priority": a.get("Priority")}
            for a in sorted(agents, key=lambda a: a.get("Priority") or 0)]

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Receive connectors of the connected server
(docs/docsite/rst/exchange_behaviour.rst, "Receive connectors"): the tarpit interval delays the answer
to rejected recipients, which slows directory harvesting."""

from __future__ import annotations

import typing

from .. import values
from ..commands import Command
from ..desired_state import Plan, Setting, compare, desired_values, settings_view
from .base import Connections, Resource, refuse_missing_parameters
from .server import server_name

SETTINGS = (
    Setting("tarpit_interval", "TarpitInterval", "timespan", minimum=0, maximum=600),
    Setting("enabled", "Enabled"),
    Setting("max_recipients_per_message", "MaxRecipientsPerMessage", "int", minimum=1, maximum=512000),
)


class ReceiveConnector(Resource):
    kind = "receive_connector"
    settings = SETTINGS
    identity_spec = {
        "name": {"type": "str", "required": True},
    }

    def __init__(self, params: typing.Dict[str, typing.Any]) -> None:
        super().__init__(params)
        self.name = params["name"]
        self.desired, self.modes = desired_values(SETTINGS, params)

    def _server_connectors(self, connections: Connections) -> typing.List[typing.Dict[str, typing.Any]]:
        """The connectors of the server named in `SERVER\\name`, or of the connected server."""
        server, sep, _name = self.name.rpartition("\\")
        return connections.read(Command("Get-ReceiveConnector", {"Server": server if sep else server_name(connections)}))

    def _find(self, connections: Connections) -> typing.Optional[typing.Dict[str, typing.Any]]:
        wanted = self.name.lower()
        for connector in self._server_connectors(connections):
            if wanted in (str(connector.get("Name", "")).lower(), str(connector.get("Identity", "")).lower()):
                return connector
        return None

    def plan(self, connections: Connections) -> Plan:
        refuse_missing_parameters(connections, "Set-ReceiveConnector", SETTINGS, self.desired)
        connector = self._find(connections)
        if connector is None:
            names = ", ".join(str(c.get("Name")) for c in self._server_connectors(connections))
            raise values.InvalidValue("name: no receive connector %r on this server; it has: %s." % (self.name, names))
        difference = compare(SETTINGS, self.desired, connector, self.modes)
        before = {"identity": connector["Identity"], **difference.before}
        after = {"identity": connector["Identity"], **difference.after}
        if not difference.changed:
            return Plan(before=before, after=after)
        parameters = dict({"Identity": connector["Identity"]}, **difference.parameters)
        return Plan("update", [Command("Set-ReceiveConnector", parameters, idempotent=True)], before=before, after=after)

    def current(self, connections: Connections) -> typing.Optional[typing.Dict[str, typing.Any]]:
        connector = self._find(connections)
        if connector is None:
            return None
        result = {"name": connector.get("Name"), "identity": connector.get("Identity")}
        result.update(settings_view(SETTINGS, connector))
        return result

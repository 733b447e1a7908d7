# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The anti-spam agents of a Mailbox server (Exchange 2013 and later) or a Hub Transport server (2007, 2010)
(docs/docsite/rst/exchange_behaviour.rst, "Installing the anti-spam agents").

Installed by Install-AntiSpamAgents.ps1 on the server itself (the host endpoint: the script cannot
run through the NoLanguage management endpoint), only when missing (running it twice fails). Edge
servers have them built in. The agents act after the transport service restarts; `restart` says
whether this task restarts it.
"""

from __future__ import annotations

import typing

from .. import values, versions
from ..commands import Command
from ..desired_state import Plan
from .base import Connections, Resource
from .server import ANTISPAM_AGENTS, server_facts

TRANSPORT_SERVICE = "MSExchangeTransport"


def install_path(connections: Connections, version: str) -> str:
    """The server's Exchange install path, from the host endpoint's environment."""
    found = connections.run(Command("Get-Item", {"Path": "Env:ExchangeInstallPath"}, endpoint="host"),
                            Command("Select-Object", {"ExpandProperty": "Value"}, endpoint="host"),
                            endpoint="host", pipe=True).objects
    for item in found:
        value = str(item.get("_Value") or "").strip()
        if value:
            return value if value.endswith("\\") else value + "\\"
    return versions.default_install_path(version)


class AntispamAgents(Resource):
    kind = "antispam_agents"
    identity_spec = {
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        "restart": {"type": "str", "choices": ["auto", "always", "never"], "default": "auto"},
    }

    def __init__(self, params: typing.Dict[str, typing.Any]) -> None:
        super().__init__(params)
        self.state = params.get("state") or "present"
        self.restart = params.get("restart") or "auto"
        self.facts: typing.Dict[str, typing.Any] = {}
        self.restart_required = False

    def plan(self, connections: Connections) -> Plan:
        facts = self.facts = server_facts(connections)
        before = {"installed": facts["antispam_agents_installed"],
                  "antispam_agents_enabled": facts["antispam_agents_enabled"]}
        if not facts["is_edge"] and not facts["hub_transport"]:
            raise values.InvalidValue(
                "the anti-spam agents run on Hub Transport servers in Exchange %s, and %s has the roles %s. Run the "
                "task against the organisation's Hub Transport servers." % (facts["version"], facts["name"],
                                                                            ", ".join(facts["roles"]) or "none"))
        if facts["is_edge"]:
            if self.state == "absent":
                raise values.InvalidValue("state=absent: the anti-spam agents are part of the Edge Transport role on "
                                          "%s and cannot be uninstalled." % facts["name"])
            return Plan(before=before, after=before)
        commands: typing.List[Command] = []
        after = dict(before)
        if self.state == "present":
            if not facts["antispam_agents_installed"]:
                path = install_path(connections, facts["version"])
                commands += self._snapin(connections, facts["snapin"]) + [
                    Command(path + "Scripts\\Install-AntiSpamAgents.ps1", mutates=True, endpoint="host")]
                after = {"installed": True, "antispam_agents_enabled": True}
            else:
                disabled = [a["identity"] for a in facts["transport_agents"]
                            if a["identity"] in ANTISPAM_AGENTS and not a["enabled"]]
                commands += [Command("Enable-TransportAgent", {"Identity": name}, idempotent=True)
                             for name in disabled]
                if not facts["antispam_agents_enabled"]:
                    commands.append(Command("Set-" + versions.transport_noun(facts["version"]),
                                            {"Identity": facts["name"], "AntispamAgentsEnabled": True}, idempotent=True))
                after = {"installed": True, "antispam_agents_enabled": True}
        elif facts["antispam_agents_installed"]:
            path = install_path(connections, facts["version"])
            commands += self._snapin(connections, facts["snapin"]) + [
                Command(path + "Scripts\\Uninstall-AntiSpamAgents.ps1", mutates=True, endpoint="host")]
            after = {"installed": False, "antispam_agents_enabled": False}
        self.restart_required = bool(commands)
        if self.restart == "always" or (self.restart == "auto" and commands):
            commands.append(Command("Restart-Service", {"Name": TRANSPORT_SERVICE}, endpoint="host"))
            self.restart_required = False
        after["restarted"] = any(c.name == "Restart-Service" for c in commands)
        before["restarted"] = False
        action = "update" if commands else "none"
        return Plan(action, commands, before=before, after=after)

    @staticmethod
    def _snapin(connections: Connections, snapin: str) -> typing.List[Command]:
        """The scripts need the Exchange snap-in (the server version's) in their runspace; add it unless the session
        has it already (management_endpoint=host_snapin)."""
        return [] if connections.host_has_snapin() else [Command("Add-PSSnapin", {"Name": snapin}, endpoint="host")]

    def apply(self, connections: Connections, plan: Plan) -> None:
        # The snap-in and the script must run in one runspace: send host commands as one set of statements.
        host = [c for c in plan.commands if c.endpoint == "host" and c.name != "Restart-Service"]
        if host:
            connections.run(*host, endpoint="host", pipe=False)
        for command in plan.commands:
            if command.endpoint == "management":
                connections.run(command)
        for command in plan.commands:
            if command.name == "Restart-Service":
                connections.run(command, endpoint="host")

    def current(self, connections: Connections) -> typing.Optional[typing.Dict[str, typing.Any]]:
        facts = server_facts(connections)
        return {"server": facts["name"], "role": facts["role"], "installed": facts["antispam_agents_installed"],
                "antispam_agents_enabled": facts["antispam_agents_enabled"],
                "agents": [a for a in facts["transport_agents"] if a["identity"] in ANTISPAM_AGENTS],
                "restart_required": self.restart_required}

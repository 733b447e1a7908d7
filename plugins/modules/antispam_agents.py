#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: antispam_agents
short_description: Install the Exchange anti-spam agents on a Mailbox or Hub Transport server
version_added: 0.1.0
description:
  - Installs (or uninstalls) the anti-spam agents (Content Filter, Sender ID, Sender Filter, Recipient Filter and
    Protocol Analysis) by running Exchange's C(Install-AntiSpamAgents.ps1) on the server, only when they are missing
    (running it twice fails). Installed but disabled agents are enabled.
  - The script runs through the host endpoint (C(/wsman), C(Microsoft.PowerShell)) because the management endpoint
    does not run scripts; it is invoked as a command by its full path, with no generated script text.
  - Edge servers have the agents built in; there the module changes nothing.
  - On Exchange 2007 and 2010 the agents belong on Hub Transport servers; the module runs the script of the server's
    version (from C(ExchangeInstallPath), C(V14) on 2010) with that version's snap-in, and enables them with
    C(Set-TransportServer) instead of C(Set-TransportService). On a 2007/2010 server without Hub Transport it fails
    before anything is sent.
  - The agents act only after the Microsoft Exchange Transport service restarts. I(restart=auto) restarts it when
    this task changed something. In a rolling change, run the task on one server at a time (C(serial)).
  - Sender ID also needs the internal relays in C(InternalSMTPServers); set them with
    M(mailhygiene.exchange.transport_config).
extends_documentation_fragment:
  - mailhygiene.exchange.connection
  - mailhygiene.exchange.attributes
options:
  state:
    description:
      - C(present) installs the agents where missing and enables them; C(absent) uninstalls them (Mailbox servers).
    type: str
    choices: [present, absent]
    default: present
  restart:
    description:
      - When to restart C(MSExchangeTransport) so that agent changes take effect. C(auto) restarts after a change,
        C(always) on every run, C(never) leaves it to you (the result reports I(restart_required)).
    type: str
    choices: [auto, always, never]
    default: auto
seealso:
  - module: mailhygiene.exchange.transport_agent
  - module: mailhygiene.exchange.server_info
  - name: Enable anti-spam functionality on Mailbox servers
    description: Microsoft's procedure this module automates.
    link: https://learn.microsoft.com/exchange/antispam-and-antimalware/antispam-protection/antispam-on-mailbox-servers
"""

EXAMPLES = r"""
- name: Anti-spam agents on the Mailbox servers, one server at a time
  hosts: exchange_mailbox
  serial: 1
  tasks:
    - name: Install the agents and restart transport when needed
      mailhygiene.exchange.antispam_agents:
        state: present
        restart: auto
"""

RETURN = r"""
action:
  description: What was done (or, in check mode, would be done).
  returned: always
  type: str
  sample: update
commands:
  description: The commands sent, or in check mode the commands that would be sent, as readable text.
  returned: always
  type: list
  elements: str
diff:
  description: The managed options before and after.
  returned: always
  type: dict
antispam_agents:
  description: The anti-spam agents afterwards (in check mode, as they would be).
  returned: success
  type: dict
  contains:
    server:
      description: The server's Exchange name.
      type: str
    role:
      description: C(Mailbox) or C(Edge).
      type: str
    installed:
      description: Whether all five anti-spam agents are installed.
      type: bool
    antispam_agents_enabled:
      description: The transport service's C(AntispamAgentsEnabled).
      type: bool
    agents:
      description: The anti-spam agents with their state and priority.
      type: list
      elements: dict
    restart_required:
      description: Whether the transport service must still restart for the agents to act.
      type: bool
"""

from ansible_collections.mailhygiene.exchange.plugins.module_utils.module import ResourceTask
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.antispam_agents import AntispamAgents


TASK = ResourceTask(AntispamAgents, "antispam_agents")


def main() -> None:
    TASK.run_as_module()


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: transport_agent
short_description: Enable, disable or reorder a transport agent of an Exchange server
version_added: 0.1.0
description:
  - Enables or disables a transport agent of the server the module connects to and sets its priority
    (C(Enable-TransportAgent), C(Disable-TransportAgent), C(Set-TransportAgent)).
  - Agent changes take effect after the transport service restarts; the result says when a restart is required.
    Restart it with M(mailhygiene.exchange.antispam_agents) (I(restart=always)) or your own orchestration.
  - To install the anti-spam agents use M(mailhygiene.exchange.antispam_agents).
extends_documentation_fragment:
  - mailhygiene.exchange.connection
  - mailhygiene.exchange.attributes
  - mailhygiene.exchange.transport_service
options:
  identity:
    description:
      - The agent's name, e.g. C(Recipient Filter Agent).
    type: str
    required: true
    aliases: [name]
  enabled:
    description:
      - Whether the agent is enabled.
    type: bool
  priority:
    description:
      - The agent's priority, from 1 to the number of agents of the transport service.
    type: int
seealso:
  - module: mailhygiene.exchange.transport_agent_info
  - module: mailhygiene.exchange.antispam_agents
"""

EXAMPLES = r"""
- name: Keep the Content Filter agent off, recipient filtering on
  mailhygiene.exchange.transport_agent:
    identity: Content Filter Agent
    enabled: false
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
transport_agent:
  description: The agent afterwards (in check mode, as it would be).
  returned: success
  type: dict
  contains:
    identity:
      description: The agent's name.
      type: str
    enabled:
      description: Whether it is enabled.
      type: bool
    priority:
      description: Its priority.
      type: int
    restart_required:
      description: Whether the transport service must restart for the change to take effect.
      type: bool
"""

from ansible_collections.mailhygiene.exchange.plugins.module_utils.module import ResourceTask
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.transport_agent import TransportAgent


TASK = ResourceTask(TransportAgent, "transport_agent")


def main() -> None:
    TASK.run_as_module()


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: transport_agent_info
short_description: Read the transport agents of an Exchange server
version_added: 0.1.0
description:
  - Returns the transport agents of the server connected to, by priority. Changes nothing.
extends_documentation_fragment:
  - mailhygiene.exchange.connection
  - mailhygiene.exchange.attributes.info_module
options:
  transport_service:
    description:
      - The transport service whose agents to read. Defaults to C(Hub) on Mailbox and C(Edge) on Edge servers.
      - Exchange 2013 and later only. Exchange 2007 and 2010 have one transport per server and no such parameter;
        there the task fails before anything is sent when this is set.
    type: str
    choices: [Hub, FrontEnd, Edge]
seealso:
  - module: mailhygiene.exchange.transport_agent
"""

EXAMPLES = r"""
- name: List the agents
  mailhygiene.exchange.transport_agent_info:
  register: agents
"""

RETURN = r"""
transport_agents:
  description: The agents, by priority.
  returned: success
  type: list
  elements: dict
  sample:
    - identity: Transport Rule Agent
      enabled: true
      priority: 1
"""

from ansible_collections.mailhygiene.exchange.plugins.module_utils.module import InfoTask
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.transport_agent import gather


TASK = InfoTask(gather, "transport_agents", {"transport_service": {"type": "str", "choices": ["Hub", "FrontEnd", "Edge"]}})


def main() -> None:
    TASK.run_as_module()


if __name__ == "__main__":
    main()
